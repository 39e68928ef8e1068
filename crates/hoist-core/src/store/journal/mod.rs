//! The upload journal: one SQLite database (WAL mode) remembering every upload.
//!
//! Durability: `journal_mode=WAL` with `synchronous=NORMAL` survives the process being killed at
//! any moment (a power cut may lose the last few acknowledgements, which the server's own offset
//! query recovers). Every write is one small statement in autocommit, prepared once and cached.
//!
//! Sharing: several processes may open the same journal; writers wait up to [`BUSY_TIMEOUT`] for
//! each other. Which process drives an upload is decided by [`super::UploadLock`], not here.
//!
//! Damaged rows: [`Journal::list`] skips an entry that cannot be decoded (logging its id and what
//! is wrong, never its content) so one bad row never hides the whole queue; [`Journal::get`] on
//! that id returns [`StoreError::CorruptRow`], and [`Journal::remove`] still deletes it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::{FromSql, Value, ValueRef};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::SessionState;
use super::StoreError;
use crate::file::FileIdentity;
use crate::upload::{
    Destination, Failure, FailureKind, Phase, RemoteResult, UploadId, WireProtocol,
};
use codec::*;
pub use history::{HISTORY_LIMIT, HistoryEntry};
use open::*;
// First: its `queue_order_sql!` orders `list`.
#[macro_use]
mod queue_order;
pub use queue_order::QueueMove;

/// How long a write waits for another process holding the journal before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The columns of an [`UploadRecord`], in the order [`read_row`] decodes them.
macro_rules! record_columns {
    () => {
        "id, file_path, file_size_bytes, file_modified_unix_nanos, file_sample_sha256, \
         destination_json, total_bytes, chunk_size_bytes, confirmed_bytes, protocol_state_json, \
         phase, error, result_json, created_unix_secs, updated_unix_secs, error_kind, \
         chunk_size_auto"
    };
}

/// The persistent record of every upload. `Send + Sync`: share it behind an `Arc`.
pub struct Journal {
    conn: Mutex<Connection>,
    /// The database file (`:memory:` for [`Journal::open_in_memory`]).
    path: PathBuf,
    on_disk: bool,
    /// Whether the `-wal`/`-shm` files were checked to be private after a write.
    sidecars_secured: AtomicBool,
}

/// What [`Journal::open`] found.
#[derive(Debug)]
pub struct OpenedJournal {
    /// The journal, ready to use.
    pub journal: Journal,
    /// Set when the file at the journal's path was not a usable journal and was kept aside
    /// while a fresh, empty journal took its place. Tell the user.
    pub recovered: Option<CorruptJournal>,
}

/// A journal file that could not be used, moved out of the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptJournal {
    /// Where the old file now is (its `-wal`/`-shm` files, if any, are beside it).
    pub moved_to: PathBuf,
    /// Why it could not be used, in plain words.
    pub detail: String,
}

/// What is known about a file when it is added to the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUpload {
    /// The local file.
    pub file: FileIdentity,
    /// Where it goes.
    pub destination: Destination,
    /// Bytes to send, when known.
    pub total_bytes: Option<u64>,
    /// Chunk size chosen for this upload, if not the default.
    pub chunk_size_bytes: Option<u64>,
    /// The chunk size is where sending starts and then follows the measured rate (automatic),
    /// rather than fixed.
    pub chunk_size_auto: bool,
}

/// One upload as remembered by the journal.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRecord {
    /// The journal's id; stable across relaunches and never reused.
    pub id: UploadId,
    /// The local file as it was when the upload started.
    pub file: FileIdentity,
    /// Where it goes.
    pub destination: Destination,
    /// Bytes to send, when known.
    pub total_bytes: Option<u64>,
    /// Chunk size chosen for this upload, if not the default.
    pub chunk_size_bytes: Option<u64>,
    /// The chunk size is automatic (it starts at `chunk_size_bytes` and follows the measured
    /// rate); journals before format 3 hold only fixed sizes.
    pub chunk_size_auto: bool,
    /// Bytes the server has confirmed it holds.
    pub confirmed_bytes: u64,
    /// The protocol's resume state (e.g. the session URI). Secret: never log it.
    pub protocol_state: SessionState,
    /// Where the upload stands.
    pub phase: Phase,
    /// Why it last failed (journals of Hoist 0.1.0 kept only the text: kind
    /// [`FailureKind::Other`](crate::upload::FailureKind::Other)).
    pub error: Option<Failure>,
    /// What the server handed back on completion.
    pub result: Option<RemoteResult>,
    /// When the upload was added (seconds since the Unix epoch).
    pub created_unix_secs: i64,
    /// When the record last changed (seconds since the Unix epoch).
    pub updated_unix_secs: i64,
}

impl Journal {
    /// Opens (creating if needed) the journal at `path`, mode 0600 (also the -wal/-shm files once
    /// created). If the file is not a valid journal (not SQLite, failed integrity check
    /// `PRAGMA quick_check`, or an unknown newer schema), it is renamed aside to
    /// `journal.sqlite3.corrupt-<unix-seconds>` (with its -wal/-shm) and a fresh journal is
    /// created; `recovered` tells the caller so it can tell the user. Never panics on bad files.
    ///
    /// Errors that say nothing about the file's content (permissions, a full disk, another
    /// process holding the journal longer than [`BUSY_TIMEOUT`]) are returned, and the file is
    /// left alone. The parent directory must exist (see [`super::HoistDirs::ensure`]).
    pub fn open(path: &Path) -> Result<OpenedJournal, StoreError> {
        let detail = match Journal::try_open_patiently(path) {
            Ok(journal) => {
                return Ok(OpenedJournal {
                    journal,
                    recovered: None,
                });
            }
            Err(OpenFailure::Store(error)) => return Err(error),
            Err(OpenFailure::Invalid(detail)) => detail,
        };
        let moved_to = set_aside(path)?;
        match Journal::try_open(path) {
            Ok(journal) => Ok(OpenedJournal {
                journal,
                recovered: Some(CorruptJournal { moved_to, detail }),
            }),
            Err(OpenFailure::Store(error)) => Err(error),
            Err(OpenFailure::Invalid(detail)) => Err(StoreError::Io {
                source: std::io::Error::other(format!("a new journal is unusable: {detail}")),
                path: path.to_path_buf(),
            }),
        }
    }

    /// A journal that lives in memory only, for tests.
    pub fn open_in_memory() -> Result<Journal, StoreError> {
        let path = PathBuf::from(":memory:");
        let mut conn =
            Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(e, &path))?;
        match migrate(&mut conn) {
            Ok(()) => {}
            Err(OpenFailure::Store(error)) => return Err(error),
            Err(OpenFailure::Invalid(detail)) => {
                return Err(StoreError::Io {
                    source: std::io::Error::other(detail),
                    path,
                });
            }
        }
        Ok(Journal {
            conn: Mutex::new(conn),
            path,
            on_disk: false,
            sidecars_secured: AtomicBool::new(true),
        })
    }

    /// The database file (`:memory:` for an in-memory journal).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds an upload at the end of the queue: [`Phase::Queued`], nothing confirmed, no
    /// protocol state.
    pub fn insert(&self, new: &NewUpload) -> Result<UploadRecord, StoreError> {
        let destination_json = to_json(&new.destination)?;
        let now = now_unix_secs();
        let conn = self.conn();
        let id: i64 = conn
            .prepare_cached(
                "INSERT INTO uploads (file_path, file_size_bytes, file_modified_unix_nanos, \
                 file_sample_sha256, destination_json, total_bytes, chunk_size_bytes, \
                 confirmed_bytes, protocol_state_json, phase, error, result_json, \
                 created_unix_secs, updated_unix_secs, chunk_size_auto) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 'null', ?8, NULL, NULL, ?9, ?9, ?10) \
                 RETURNING id",
            )
            .and_then(|mut statement| {
                statement.query_row(
                    rusqlite::params![
                        path_to_sql(&new.file.path),
                        new.file.size_bytes,
                        new.file.modified_unix_nanos,
                        new.file.sample_sha256,
                        destination_json,
                        new.total_bytes,
                        new.chunk_size_bytes,
                        Phase::Queued.as_str(),
                        now,
                        new.chunk_size_auto,
                    ],
                    |row| row.get(0),
                )
            })
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        self.after_write();
        Ok(UploadRecord {
            id: UploadId(id),
            file: new.file.clone(),
            destination: new.destination.clone(),
            total_bytes: new.total_bytes,
            chunk_size_bytes: new.chunk_size_bytes,
            chunk_size_auto: new.chunk_size_auto,
            confirmed_bytes: 0,
            protocol_state: SessionState::New,
            phase: Phase::Queued,
            error: None,
            result: None,
            created_unix_secs: now,
            updated_unix_secs: now,
        })
    }

    /// The upload `id`; [`StoreError::NotFound`] when absent, [`StoreError::CorruptRow`] when its
    /// entry cannot be decoded.
    pub fn get(&self, id: UploadId) -> Result<UploadRecord, StoreError> {
        let conn = self.conn();
        let found = conn
            .prepare_cached(concat!(
                "SELECT ",
                record_columns!(),
                " FROM uploads WHERE id = ?1"
            ))
            .and_then(|mut statement| statement.query_row([id.0], read_row).optional())
            .map_err(|e| self.db_error(e))?;
        match found {
            None => Err(StoreError::NotFound(id)),
            Some(Ok(record)) => Ok(record),
            Some(Err((id, detail))) => Err(StoreError::CorruptRow { id, detail }),
        }
    }

    /// Every upload, in queue order ([`Journal::queue_order`]). Entries that cannot be decoded are skipped with a
    /// warning in the log (id and reason only).
    pub fn list(&self) -> Result<Vec<UploadRecord>, StoreError> {
        let conn = self.conn();
        let rows = conn
            .prepare_cached(concat!(
                "SELECT ",
                record_columns!(),
                " FROM uploads ",
                queue_order_sql!()
            ))
            .and_then(|mut statement| {
                statement
                    .query_map([], read_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            match row {
                Ok(record) => records.push(record),
                Err((id, detail)) => {
                    tracing::warn!(upload = %id, %detail, "skipping a damaged journal entry");
                }
            }
        }
        Ok(records)
    }

    /// Records a server acknowledgement: the confirmed byte count and the protocol's state. `confirmed_bytes` never goes backwards unless `allow_rewind` is true (the server
    /// lost data, or a new session started); without it a smaller value is ignored while the
    /// state is still written.
    pub fn save_progress(
        &self,
        id: UploadId,
        confirmed_bytes: u64,
        protocol_state: &SessionState,
        allow_rewind: bool,
    ) -> Result<(), StoreError> {
        let state_json = to_json(protocol_state)?;
        self.update_one(
            id,
            "UPDATE uploads SET \
             confirmed_bytes = CASE WHEN ?4 THEN ?2 ELSE max(confirmed_bytes, ?2) END, \
             protocol_state_json = ?3, updated_unix_secs = ?5 \
             WHERE id = ?1",
            rusqlite::params![
                id.0,
                confirmed_bytes,
                state_json,
                allow_rewind,
                now_unix_secs()
            ],
        )
    }

    /// Moves the upload to `phase`, with why it failed (`None` clears it).
    pub fn set_phase(
        &self,
        id: UploadId,
        phase: Phase,
        failure: Option<&Failure>,
    ) -> Result<(), StoreError> {
        self.update_one(
            id,
            "UPDATE uploads SET phase = ?2, error = ?3, error_kind = ?4, updated_unix_secs = ?5 \
             WHERE id = ?1",
            rusqlite::params![
                id.0,
                phase.as_str(),
                failure.map(|f| f.detail.as_str()),
                failure.map(|f| f.kind.as_str()),
                now_unix_secs()
            ],
        )
    }

    /// Points the upload at a new version of its file (to restart it): the new identity,
    /// nothing confirmed, no protocol state, no result, total = the file's size. Phase and error
    /// are left to [`Journal::set_phase`].
    pub fn update_identity(&self, id: UploadId, file: &FileIdentity) -> Result<(), StoreError> {
        self.update_one(
            id,
            "UPDATE uploads SET file_path = ?2, file_size_bytes = ?3, \
             file_modified_unix_nanos = ?4, file_sample_sha256 = ?5, total_bytes = ?3, \
             confirmed_bytes = 0, protocol_state_json = 'null', result_json = NULL, \
             updated_unix_secs = ?6 \
             WHERE id = ?1",
            rusqlite::params![
                id.0,
                path_to_sql(&file.path),
                file.size_bytes,
                file.modified_unix_nanos,
                file.sample_sha256,
                now_unix_secs()
            ],
        )
    }

    /// Sets (or forgets) the number of bytes to send.
    pub fn set_total(&self, id: UploadId, total_bytes: Option<u64>) -> Result<(), StoreError> {
        self.update_one(
            id,
            "UPDATE uploads SET total_bytes = ?2, updated_unix_secs = ?3 WHERE id = ?1",
            rusqlite::params![id.0, total_bytes, now_unix_secs()],
        )
    }

    /// Forgets the upload. Its id is never handed out again.
    pub fn remove(&self, id: UploadId) -> Result<(), StoreError> {
        self.update_one(
            id,
            "DELETE FROM uploads WHERE id = ?1",
            rusqlite::params![id.0],
        )
    }

    /// Points every upload that goes to the server at `old_origin` (e.g. `http://127.0.0.1:1234`)
    /// at `new_origin` instead, in its destination and its resume state, and returns how many
    /// uploads changed. For a server that moved to another address with its sessions (the demo
    /// server when its port is taken); both origins are matched with a trailing `/`.
    pub fn replace_origin(&self, old_origin: &str, new_origin: &str) -> Result<usize, StoreError> {
        let old = format!("{}/", old_origin.trim_end_matches('/'));
        let new = format!("{}/", new_origin.trim_end_matches('/'));
        let conn = self.conn();
        let changed = conn
            .prepare_cached(
                "UPDATE uploads SET destination_json = replace(destination_json, ?1, ?2), \
                 protocol_state_json = replace(protocol_state_json, ?1, ?2), \
                 updated_unix_secs = ?3 \
                 WHERE instr(destination_json, ?1) > 0 OR instr(protocol_state_json, ?1) > 0",
            )
            .and_then(|mut statement| {
                statement.execute(rusqlite::params![old, new, now_unix_secs()])
            })
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        self.after_write();
        Ok(changed)
    }

    /// Runs one cached statement that must change exactly the row of `id`.
    fn update_one(
        &self,
        id: UploadId,
        sql: &'static str,
        params: impl rusqlite::Params,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute(params))
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        if changed == 0 {
            return Err(StoreError::NotFound(id));
        }
        self.after_write();
        Ok(())
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave the connection inconsistent: every write
        // is a single autocommit statement.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn db_error(&self, error: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(error, &self.path)
    }

    /// Makes sure, once, that the `-wal`/`-shm` files a write created are private.
    fn after_write(&self) {
        if self.on_disk && !self.sidecars_secured.swap(true, Ordering::Relaxed) {
            secure_sidecars(&self.path);
        }
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

mod codec;
mod history;
mod open;
#[cfg(test)]
mod proptests;
#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests;
