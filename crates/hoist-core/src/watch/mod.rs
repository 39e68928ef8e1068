//! Watch folders: a folder tied to a saved destination (a profile); files that appear in it or
//! its subfolders are queued by themselves, once each.
//!
//! - [`WatchList`] keeps the folders in `watch-folders.json` beside `profiles.toml` (0600; a
//!   path, a profile's name and a number: never a secret).
//! - [`SeenFiles`] remembers, in `watch-seen.sqlite3` in the data folder, every file already
//!   queued by its identity on disk ([`FileKey`]: device, inode, size, modification time), so a
//!   file is queued once even across relaunches and renames.
//! - [`WatchService`] watches the folders (the `notify` crate with its full debouncer, plus a
//!   periodic rescan as a safety net), waits until a new file has been still for the folder's
//!   settle time and nobody has it open for writing, and sends [`crate::engine::Command::Add`]
//!   to the engine. It runs on the engine's runtime. A folder that disappears (a USB drive
//!   unplugged) is reported as [`FolderState::Missing`] and picked up again when it is back.

mod error;
mod filter;
mod folders;
mod key;
mod scan;
mod seen;
mod service;
mod settle;
mod status;
mod step;
mod writers;

pub use error::WatchError;
pub use filter::is_skipped_name;
pub use folders::{DEFAULT_SETTLE, WATCH_FILE, WatchFolder, WatchList};
pub use key::FileKey;
pub use seen::{SEEN_FILE, SeenFiles};
pub use service::{Enqueue, WatchConfig, WatchEvent, WatchEvents, WatchService};
pub use status::{FolderState, FolderStatus};
pub use writers::open_for_writing;
