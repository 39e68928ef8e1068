//! Hoist's own files: its directories, the upload journal and the per-upload locks.
//!
//! - [`HoistDirs`] finds (`HOIST_HOME` or the platform's usual places) and creates the data,
//!   config and cache directories, private to the user (mode 0700).
//! - [`Journal`] is the SQLite database (WAL mode) remembering every upload: what is sent where,
//!   how many bytes the server confirmed, and the protocol's resume state ([`SessionState`],
//!   typed per protocol in `session_state`). It is written
//!   after every server acknowledgement, survives a kill -9, and can be shared by several Hoist
//!   processes. Its files are mode 0600 because the resume state holds session URIs, which are
//!   bearer capabilities.
//! - The journal's history keeps finished uploads after they leave the queue
//!   ([`Journal::history`], [`HistoryEntry`]); `history_export` writes it as CSV.
//! - [`UploadLock`] makes sure only one process drives a given upload at a time.

mod error;
mod history_export;
mod journal;
mod lock;
mod paths;
pub mod session_state;

pub use error::StoreError;
pub use history_export::{
    HISTORY_CSV_HEADER, HistoryExportError, export_history_csv, write_history_csv,
};
pub use journal::{
    BUSY_TIMEOUT, CorruptJournal, HISTORY_LIMIT, HistoryEntry, Journal, NewUpload, OpenedJournal,
    QueueMove, UploadRecord,
};
pub use lock::{EngineLock, UploadLock};
pub use paths::{HOME_VAR, HoistDirs};
pub use session_state::{SessionState, StartAgainReason};
