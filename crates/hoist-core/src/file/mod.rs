//! The local side of an upload: the file's identity (to notice changes), bounded-memory streaming,
//! byte counting and the shared bandwidth limit.

mod block_pool;
mod checksum;
mod counter;
mod error;
mod identity;
mod stream;
mod throttle;

pub use checksum::{RunningCrc32c, file_digests, file_digests_reporting};
pub use counter::ByteCounter;
pub use error::FileError;
pub use identity::FileIdentity;
pub use stream::{STREAM_BLOCK_BYTES, StreamOptions, stream_range};
pub use throttle::Throttle;
