//! The local side of an upload: the file's identity (to notice changes) and bounded-memory streaming.

mod error;
mod identity;
mod stream;

pub use error::FileError;
pub use identity::FileIdentity;
pub use stream::{ByteCounter, FileChunkStream, StreamOptions};
