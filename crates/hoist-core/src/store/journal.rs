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

use super::StoreError;
use crate::file::FileIdentity;
use crate::upload::{Destination, Phase, RemoteResult, UploadId};

/// How long a write waits for another process holding the journal before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The schema, one entry per version: entry `n` takes a journal from version `n` to `n + 1`.
/// `PRAGMA user_version` holds the version a journal is at.
const MIGRATIONS: &[&str] = &[
    // Version 1.
    "CREATE TABLE uploads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        file_path ANY NOT NULL,
        file_size_bytes INTEGER NOT NULL,
        file_modified_unix_nanos INTEGER NOT NULL,
        file_sample_sha256 TEXT NOT NULL,
        destination_json TEXT NOT NULL,
        total_bytes INTEGER,
        chunk_size_bytes INTEGER,
        confirmed_bytes INTEGER NOT NULL DEFAULT 0,
        protocol_state_json TEXT NOT NULL DEFAULT 'null',
        phase TEXT NOT NULL,
        error TEXT,
        result_json TEXT,
        created_unix_secs INTEGER NOT NULL,
        updated_unix_secs INTEGER NOT NULL
    ) STRICT;",
];

/// The schema version this build writes.
const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The columns of an [`UploadRecord`], in the order [`read_row`] decodes them.
macro_rules! record_columns {
    () => {
        "id, file_path, file_size_bytes, file_modified_unix_nanos, file_sample_sha256, \
         destination_json, total_bytes, chunk_size_bytes, confirmed_bytes, protocol_state_json, \
         phase, error, result_json, created_unix_secs, updated_unix_secs"
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
    /// Bytes the server has confirmed it holds.
    pub confirmed_bytes: u64,
    /// The protocol's opaque resume state (e.g. the session URI). Secret: never log it.
    pub protocol_state: serde_json::Value,
    /// Where the upload stands.
    pub phase: Phase,
    /// The last error, in words for the user.
    pub error: Option<String>,
    /// What the server handed back on completion.
    pub result: Option<RemoteResult>,
    /// When the upload was added (seconds since the Unix epoch).
    pub created_unix_secs: i64,
    /// When the record last changed (seconds since the Unix epoch).
    pub updated_unix_secs: i64,
}

/// Why opening failed: the file is not a usable journal (set it aside), or something else.
enum OpenFailure {
    Invalid(String),
    Store(StoreError),
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
                 created_unix_secs, updated_unix_secs) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, 'null', ?8, NULL, NULL, ?9, ?9) \
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
            confirmed_bytes: 0,
            protocol_state: serde_json::Value::Null,
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

    /// Every upload, in queue order (by id). Entries that cannot be decoded are skipped with a
    /// warning in the log (id and reason only).
    pub fn list(&self) -> Result<Vec<UploadRecord>, StoreError> {
        let conn = self.conn();
        let rows = conn
            .prepare_cached(concat!(
                "SELECT ",
                record_columns!(),
                " FROM uploads ORDER BY id"
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

    /// Records a server acknowledgement: the confirmed byte count and the protocol's opaque
    /// state. `confirmed_bytes` never goes backwards unless `allow_rewind` is true (the server
    /// lost data, or a new session started); without it a smaller value is ignored while the
    /// state is still written.
    pub fn save_progress(
        &self,
        id: UploadId,
        confirmed_bytes: u64,
        protocol_state: &serde_json::Value,
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

    /// Moves the upload to `phase`, with the error message to show the user (`None` clears it).
    pub fn set_phase(
        &self,
        id: UploadId,
        phase: Phase,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.update_one(
            id,
            "UPDATE uploads SET phase = ?2, error = ?3, updated_unix_secs = ?4 WHERE id = ?1",
            rusqlite::params![id.0, phase.as_str(), error, now_unix_secs()],
        )
    }

    /// Marks the upload [`Phase::Completed`] with the server's result: confirmed bytes become the
    /// total (when known) and the error is cleared. The protocol state is kept (status queries
    /// may need it).
    pub fn complete(&self, id: UploadId, result: &RemoteResult) -> Result<(), StoreError> {
        let result_json = to_json(result)?;
        self.update_one(
            id,
            "UPDATE uploads SET phase = ?2, \
             confirmed_bytes = coalesce(total_bytes, confirmed_bytes), \
             result_json = ?3, error = NULL, updated_unix_secs = ?4 \
             WHERE id = ?1",
            rusqlite::params![
                id.0,
                Phase::Completed.as_str(),
                result_json,
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

    fn conn(&self) -> MutexGuard<'_, Connection> {
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

    /// [`Journal::try_open`], retried while another process holds a lock that SQLite does not
    /// wait for by itself (switching to WAL, creating the schema).
    fn try_open_patiently(path: &Path) -> Result<Journal, OpenFailure> {
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match Journal::try_open(path) {
                Err(OpenFailure::Store(StoreError::Database(error)))
                    if is_busy(&error) && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    /// Opens and checks the journal at `path`, creating and migrating it as needed.
    fn try_open(path: &Path) -> Result<Journal, OpenFailure> {
        create_private_file(path).map_err(OpenFailure::Store)?;
        let classify = |error: rusqlite::Error| classify(error, path);
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(classify)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(classify)?;
        check(&mut conn).map_err(|failure| failure.on(path))?;

        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(classify)?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                journal_mode = %mode,
                path = %path.display(),
                "the upload journal could not use write-ahead logging; it is slower but still safe"
            );
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(classify)?;
        migrate(&mut conn).map_err(|failure| failure.on(path))?;
        secure_sidecars(path);
        Ok(Journal {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            on_disk: true,
            sidecars_secured: AtomicBool::new(false),
        })
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl OpenFailure {
    /// Fills in the journal's path for errors that were built without it.
    fn on(self, path: &Path) -> OpenFailure {
        match self {
            OpenFailure::Store(StoreError::DiskFull { .. }) => {
                OpenFailure::Store(StoreError::DiskFull {
                    path: path.to_path_buf(),
                })
            }
            other => other,
        }
    }
}

/// Corruption means "set the file aside"; anything else (busy, permissions, full disk) is an
/// error that must not touch the file.
fn classify(error: rusqlite::Error, path: &Path) -> OpenFailure {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            OpenFailure::Invalid(format!("it is not a readable SQLite database ({error})"))
        }
        _ => OpenFailure::Store(StoreError::from_sqlite(error, path)),
    }
}

/// Checks, in one read transaction, that the database is intact and is a Hoist journal this
/// build understands (or an empty database to create one in).
fn check(conn: &mut Connection) -> Result<(), OpenFailure> {
    let no_path = Path::new("");
    let classify = |error: rusqlite::Error| classify(error, no_path);
    let tx = conn.transaction().map_err(classify)?;
    let problems: Vec<String> = {
        let mut statement = tx.prepare("PRAGMA quick_check(3)").map_err(classify)?;
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .and_then(|rows| rows.collect())
            .map_err(classify)?
    };
    if problems.iter().any(|line| line != "ok") {
        return Err(OpenFailure::Invalid(format!(
            "its integrity check failed: {}",
            problems.join("; ")
        )));
    }
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(classify)?;
    if version > SCHEMA_VERSION {
        return Err(OpenFailure::Invalid(format!(
            "it was written by a newer version of Hoist (journal format {version}, this version \
             reads up to {SCHEMA_VERSION})"
        )));
    }
    if version < 0 {
        return Err(OpenFailure::Invalid(format!(
            "its format number is invalid ({version})"
        )));
    }
    if version == 0 {
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(classify)?;
        if tables > 0 {
            return Err(OpenFailure::Invalid(
                "it is an SQLite database, but not a Hoist journal".to_string(),
            ));
        }
    }
    if version == SCHEMA_VERSION {
        // Every column this build reads must be there.
        if let Err(error) = tx.prepare(concat!("SELECT ", record_columns!(), " FROM uploads")) {
            // "no such table/column" is SQLITE_ERROR; anything else (busy...) is not about layout.
            return Err(match error.sqlite_error_code() {
                Some(rusqlite::ErrorCode::Unknown) => OpenFailure::Invalid(format!(
                    "its layout is not the one of a Hoist journal ({error})"
                )),
                _ => classify(error),
            });
        }
    }
    tx.commit().map_err(classify)?;
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`], inside an immediate transaction so two processes
/// opening a new journal at once do not both create it.
fn migrate(conn: &mut Connection) -> Result<(), OpenFailure> {
    let no_path = Path::new("");
    let classify = |error: rusqlite::Error| classify(error, no_path);
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(classify)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(classify)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(classify)?;
    let Ok(start) = usize::try_from(version) else {
        return Err(OpenFailure::Invalid(format!(
            "its format number is invalid ({version})"
        )));
    };
    if version > SCHEMA_VERSION {
        return Err(OpenFailure::Invalid(format!(
            "it was written by a newer version of Hoist (journal format {version})"
        )));
    }
    for sql in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(sql).map_err(classify)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(classify)?;
    tx.commit().map_err(classify)?;
    Ok(())
}

/// Creates the journal file with mode 0600 before SQLite does (SQLite would honour the umask),
/// and makes an existing one private.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(path)
        .map_err(|e| StoreError::from_io(e, path))?;
    let metadata = file.metadata().map_err(|e| StoreError::from_io(e, path))?;
    if !metadata.is_file() {
        return Err(StoreError::Io {
            source: std::io::Error::other("the upload journal is not a regular file"),
            path: path.to_path_buf(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| StoreError::from_io(e, path))?;
        }
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name (`journal.sqlite3` -> `journal.sqlite3-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes the journal's `-wal` and `-shm` files private (SQLite gives them the database's mode,
/// but does not promise it). A failure is logged: the data directory is private anyway.
fn secure_sidecars(path: &Path) {
    #[cfg(unix)]
    for suffix in ["-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let sidecar = with_suffix(path, suffix);
        let result = std::fs::metadata(&sidecar).and_then(|metadata| {
            if metadata.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&sidecar, std::fs::Permissions::from_mode(0o600))
            } else {
                Ok(())
            }
        });
        match result {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => tracing::warn!(
                %error,
                path = %sidecar.display(),
                "could not make a journal file private"
            ),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Renames the unusable journal (and its `-wal`/`-shm`) to `<name>.corrupt-<unix-seconds>`.
fn set_aside(path: &Path) -> Result<PathBuf, StoreError> {
    let base = with_suffix(path, &format!(".corrupt-{}", now_unix_secs()));
    let mut moved_to = base.clone();
    let mut attempt = 1;
    while moved_to.exists() || with_suffix(&moved_to, "-wal").exists() {
        attempt += 1;
        moved_to = with_suffix(&base, &format!("-{attempt}"));
    }
    std::fs::rename(path, &moved_to).map_err(|e| StoreError::from_io(e, path))?;
    for suffix in ["-wal", "-shm"] {
        let sidecar = with_suffix(path, suffix);
        match std::fs::rename(&sidecar, with_suffix(&moved_to, suffix)) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(StoreError::from_io(error, &sidecar)),
        }
    }
    Ok(moved_to)
}

/// Stores a path losslessly: text when it is UTF-8, its raw bytes otherwise (Unix).
fn path_to_sql(path: &Path) -> Value {
    match path.to_str() {
        Some(text) => Value::Text(text.to_owned()),
        #[cfg(unix)]
        None => {
            use std::os::unix::ffi::OsStrExt;
            Value::Blob(path.as_os_str().as_bytes().to_vec())
        }
        #[cfg(not(unix))]
        None => Value::Text(path.to_string_lossy().into_owned()),
    }
}

fn path_from_sql(value: ValueRef<'_>) -> Result<PathBuf, String> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes)
            .map(PathBuf::from)
            .map_err(|_| "the file path is not valid text".to_string()),
        #[cfg(unix)]
        ValueRef::Blob(bytes) => {
            use std::os::unix::ffi::OsStrExt;
            Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
        }
        #[cfg(not(unix))]
        ValueRef::Blob(bytes) => Ok(PathBuf::from(String::from_utf8_lossy(bytes).into_owned())),
        _ => Err("the file path is missing".to_string()),
    }
}

/// Reads one row: the outer error is SQLite's, the inner one a damaged entry (id and reason).
fn read_row(row: &Row<'_>) -> rusqlite::Result<Result<UploadRecord, (UploadId, String)>> {
    let id = UploadId(row.get(0)?);
    Ok(decode_record(id, row).map_err(|detail| (id, detail)))
}

/// Decodes the columns of [`record_columns!`]. Error texts name the column and the kind of
/// problem, never the stored value.
fn decode_record(id: UploadId, row: &Row<'_>) -> Result<UploadRecord, String> {
    fn column<T: FromSql>(row: &Row<'_>, index: usize, name: &str) -> Result<T, String> {
        row.get(index).map_err(|e| format!("{name}: {e}"))
    }
    let path = path_from_sql(row.get_ref(1).map_err(|e| format!("file path: {e}"))?)?;
    let phase_name: String = column(row, 10, "phase")?;
    let result_json: Option<String> = column(row, 12, "result")?;
    Ok(UploadRecord {
        id,
        file: FileIdentity {
            path,
            size_bytes: column(row, 2, "file size")?,
            modified_unix_nanos: column(row, 3, "file modification time")?,
            sample_sha256: column(row, 4, "file fingerprint")?,
        },
        destination: from_json(&column::<String>(row, 5, "destination")?, "destination")?,
        total_bytes: column(row, 6, "total bytes")?,
        chunk_size_bytes: column(row, 7, "chunk size")?,
        confirmed_bytes: column(row, 8, "confirmed bytes")?,
        protocol_state: from_json(
            &column::<String>(row, 9, "protocol state")?,
            "protocol state",
        )?,
        phase: Phase::parse(&phase_name).ok_or_else(|| "the phase is unknown".to_string())?,
        error: column(row, 11, "error")?,
        result: result_json
            .map(|json| from_json(&json, "result"))
            .transpose()?,
        created_unix_secs: column(row, 13, "creation time")?,
        updated_unix_secs: column(row, 14, "update time")?,
    })
}

/// Parses a JSON column; the error tells where and what kind of problem, not the content.
fn from_json<T: DeserializeOwned>(json: &str, name: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|error| {
        let kind = match error.classify() {
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Eof => "cut short",
            serde_json::error::Category::Data => "not in the expected shape",
            serde_json::error::Category::Io => "unreadable",
        };
        format!(
            "{name}: {kind} (line {}, column {})",
            error.line(),
            error.column()
        )
    })
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Database(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

fn now_unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// True for SQLite's "busy" and "locked" answers.
fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use crate::upload::{AuthSource, Service};
    use serde_json::json;

    fn identity(name: &str, size_bytes: u64) -> FileIdentity {
        FileIdentity {
            path: PathBuf::from(format!("/videos/{name}")),
            size_bytes,
            modified_unix_nanos: 1_700_000_000_123_456_789,
            sample_sha256: "ab".repeat(32),
        }
    }

    fn new_upload(name: &str, size_bytes: u64) -> NewUpload {
        NewUpload {
            file: identity(name, size_bytes),
            destination: Destination {
                service: Service::CloudStorage {
                    bucket: "media".to_string(),
                    object_prefix: "videos/".to_string(),
                    host: "https://storage.googleapis.com".to_string(),
                },
                auth: AuthSource::Env {
                    var: "HOIST_TOKEN".to_string(),
                },
            },
            total_bytes: Some(size_bytes),
            chunk_size_bytes: Some(8 * 1024 * 1024),
        }
    }

    fn open_fresh(path: &Path) -> Journal {
        let opened = Journal::open(path).expect("open");
        assert!(opened.recovered.is_none(), "{:?}", opened.recovered);
        opened.journal
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn journal_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Journal>();
    }

    #[test]
    fn insert_get_list_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let journal = open_fresh(&path);
        let first = journal.insert(&new_upload("a.mov", 1000)).expect("insert");
        let second = journal.insert(&new_upload("b.mov", 2000)).expect("insert");
        assert!(first.id < second.id);
        assert_eq!(first.phase, Phase::Queued);
        assert_eq!(first.confirmed_bytes, 0);
        assert_eq!(first.protocol_state, serde_json::Value::Null);
        assert_eq!(first.error, None);
        assert_eq!(first.result, None);
        assert_eq!(first.created_unix_secs, first.updated_unix_secs);
        assert!(first.created_unix_secs > 1_600_000_000);

        assert_eq!(journal.get(first.id).expect("get"), first);
        assert_eq!(
            journal.list().expect("list"),
            vec![first.clone(), second.clone()]
        );
        drop(journal);

        // Survives reopening.
        let journal = open_fresh(&path);
        assert_eq!(journal.list().expect("list"), vec![first, second]);
        assert!(matches!(
            journal.get(UploadId(999)),
            Err(StoreError::NotFound(UploadId(999)))
        ));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_paths_round_trip() {
        use std::os::unix::ffi::OsStrExt;
        let journal = Journal::open_in_memory().expect("open");
        let mut new = new_upload("x", 1);
        new.file.path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/videos/caf\xe9.mov"));
        let record = journal.insert(&new).expect("insert");
        assert_eq!(
            journal.get(record.id).expect("get").file.path,
            new.file.path
        );
    }

    #[test]
    fn save_progress_is_monotonic_unless_rewound() {
        let journal = Journal::open_in_memory().expect("open");
        let id = journal
            .insert(&new_upload("a.mov", 1000))
            .expect("insert")
            .id;
        let state = json!({"session_uri": "https://upload.example/session/secret"});
        journal.save_progress(id, 400, &state, false).expect("save");
        let record = journal.get(id).expect("get");
        assert_eq!(record.confirmed_bytes, 400);
        assert_eq!(record.protocol_state, state);

        let newer_state = json!({"session_uri": "https://upload.example/session/other"});
        journal
            .save_progress(id, 100, &newer_state, false)
            .expect("save smaller");
        let record = journal.get(id).expect("get");
        assert_eq!(record.confirmed_bytes, 400, "must not go backwards");
        assert_eq!(record.protocol_state, newer_state, "state is still written");

        journal
            .save_progress(id, 100, &serde_json::Value::Null, true)
            .expect("rewind");
        let record = journal.get(id).expect("get");
        assert_eq!(record.confirmed_bytes, 100);
        assert_eq!(record.protocol_state, serde_json::Value::Null);

        assert!(matches!(
            journal.save_progress(UploadId(42), 1, &serde_json::Value::Null, false),
            Err(StoreError::NotFound(UploadId(42)))
        ));
    }

    #[test]
    fn phases_and_errors() {
        let journal = Journal::open_in_memory().expect("open");
        let id = journal
            .insert(&new_upload("a.mov", 1000))
            .expect("insert")
            .id;
        for phase in [
            Phase::Uploading,
            Phase::Paused,
            Phase::Processing,
            Phase::FileChanged,
            Phase::Cancelled,
            Phase::Queued,
        ] {
            journal.set_phase(id, phase, None).expect("set phase");
            assert_eq!(journal.get(id).expect("get").phase, phase);
        }
        journal
            .set_phase(id, Phase::Failed, Some("the server refused the file"))
            .expect("fail");
        let record = journal.get(id).expect("get");
        assert_eq!(record.phase, Phase::Failed);
        assert_eq!(record.error.as_deref(), Some("the server refused the file"));
        journal
            .set_phase(id, Phase::Uploading, None)
            .expect("retry");
        assert_eq!(journal.get(id).expect("get").error, None);
        assert!(matches!(
            journal.set_phase(UploadId(42), Phase::Paused, None),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn complete_stores_the_result() {
        let journal = Journal::open_in_memory().expect("open");
        let id = journal
            .insert(&new_upload("a.mov", 1000))
            .expect("insert")
            .id;
        let state = json!({"session_uri": "https://upload.example/s/1"});
        journal.save_progress(id, 750, &state, false).expect("save");
        journal
            .set_phase(id, Phase::Uploading, Some("reconnecting"))
            .expect("phase");
        let result = RemoteResult {
            remote_id: Some("abc123".to_string()),
            url: Some("https://www.youtube.com/watch?v=abc123".to_string()),
            response: json!({"id": "abc123", "status": {"uploadStatus": "uploaded"}}),
        };
        journal.complete(id, &result).expect("complete");
        let record = journal.get(id).expect("get");
        assert_eq!(record.phase, Phase::Completed);
        assert_eq!(record.confirmed_bytes, 1000);
        assert_eq!(record.result, Some(result.clone()));
        assert_eq!(record.error, None);
        assert_eq!(record.protocol_state, state, "kept for status queries");

        // Unknown total: confirmed stays as it was.
        let id = journal.insert(&new_upload("b.mov", 10)).expect("insert").id;
        journal.set_total(id, None).expect("total");
        journal
            .save_progress(id, 5, &serde_json::Value::Null, false)
            .expect("save");
        journal.complete(id, &result).expect("complete");
        assert_eq!(journal.get(id).expect("get").confirmed_bytes, 5);
    }

    #[test]
    fn update_identity_restarts_and_set_total() {
        let journal = Journal::open_in_memory().expect("open");
        let id = journal
            .insert(&new_upload("a.mov", 1000))
            .expect("insert")
            .id;
        journal
            .save_progress(id, 500, &json!({"uri": "x"}), false)
            .expect("save");
        journal.set_total(id, Some(1234)).expect("total");
        assert_eq!(journal.get(id).expect("get").total_bytes, Some(1234));

        let changed = identity("a.mov", 3000);
        journal.update_identity(id, &changed).expect("update");
        let record = journal.get(id).expect("get");
        assert_eq!(record.file, changed);
        assert_eq!(record.total_bytes, Some(3000));
        assert_eq!(record.confirmed_bytes, 0);
        assert_eq!(record.protocol_state, serde_json::Value::Null);
        assert_eq!(record.result, None);
    }

    #[test]
    fn remove_forgets_and_ids_are_not_reused() {
        let journal = Journal::open_in_memory().expect("open");
        let a = journal.insert(&new_upload("a.mov", 1)).expect("insert").id;
        let b = journal.insert(&new_upload("b.mov", 1)).expect("insert").id;
        journal.remove(b).expect("remove");
        assert!(matches!(journal.get(b), Err(StoreError::NotFound(_))));
        assert!(matches!(journal.remove(b), Err(StoreError::NotFound(_))));
        let ids: Vec<_> = journal.list().expect("list").iter().map(|r| r.id).collect();
        assert_eq!(ids, vec![a]);
        let c = journal.insert(&new_upload("c.mov", 1)).expect("insert").id;
        assert!(c > b, "ids are never reused");
    }

    #[test]
    fn damaged_row_is_skipped_by_list() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let journal = open_fresh(&path);
        let good = journal.insert(&new_upload("a.mov", 1)).expect("insert");
        let bad = journal.insert(&new_upload("b.mov", 1)).expect("insert").id;
        let raw = Connection::open(&path).expect("raw");
        raw.execute(
            "UPDATE uploads SET protocol_state_json = '{\"uri\": \"https://secret' WHERE id = ?1",
            [bad.0],
        )
        .expect("damage");
        assert_eq!(journal.list().expect("list"), vec![good]);
        match journal.get(bad) {
            Err(StoreError::CorruptRow { id, detail }) => {
                assert_eq!(id, bad);
                assert!(detail.contains("protocol state"), "{detail}");
                assert!(!detail.contains("secret"), "{detail}");
            }
            other => panic!("expected CorruptRow, got {other:?}"),
        }
        raw.execute("UPDATE uploads SET phase = 'warp' WHERE id = ?1", [bad.0])
            .expect("damage");
        journal.remove(bad).expect("a damaged entry can be removed");
    }

    #[cfg(unix)]
    #[test]
    fn journal_files_are_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let journal = open_fresh(&path);
        let id = journal.insert(&new_upload("a.mov", 1)).expect("insert").id;
        journal
            .save_progress(id, 1, &json!({"uri": "secret"}), false)
            .expect("save");
        assert_eq!(mode(&path), 0o600);
        let wal = with_suffix(&path, "-wal");
        assert!(wal.exists(), "WAL mode");
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(mode(&with_suffix(&path, "-shm")), 0o600);
        drop(journal);

        // An existing journal with loose permissions is tightened.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let _journal = open_fresh(&path);
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn garbage_file_is_set_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let garbage: Vec<u8> = (0..10_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        std::fs::write(&path, &garbage).expect("write");
        std::fs::write(with_suffix(&path, "-wal"), b"not a wal").expect("write wal");

        let opened = Journal::open(&path).expect("open");
        let recovered = opened.recovered.expect("recovered");
        assert!(!recovered.detail.is_empty());
        let name = recovered
            .moved_to
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with("journal.sqlite3.corrupt-"), "{name}");
        assert_eq!(std::fs::read(&recovered.moved_to).expect("kept"), garbage);
        // SQLite itself deletes a WAL file it cannot use; if it is still there, it moved along.
        let stale_wal = std::fs::read(with_suffix(&path, "-wal")).unwrap_or_default();
        assert!(
            !stale_wal.starts_with(b"not a wal"),
            "stale WAL left beside the journal"
        );
        // The fresh journal works.
        let id = opened
            .journal
            .insert(&new_upload("a.mov", 1))
            .expect("insert")
            .id;
        assert_eq!(opened.journal.list().expect("list").len(), 1);
        drop(opened.journal);
        let again = open_fresh(&path);
        assert_eq!(again.get(id).expect("get").id, id);
    }

    /// A journal with enough rows to span many pages, closed (checkpointed) and read back.
    fn valid_journal_bytes(dir: &Path) -> Vec<u8> {
        let path = dir.join("valid.sqlite3");
        let journal = open_fresh(&path);
        for i in 0..200 {
            let id = journal
                .insert(&new_upload(&format!("{i}.mov"), 1000))
                .expect("insert")
                .id;
            journal
                .save_progress(id, 10, &json!({"padding": "x".repeat(200)}), false)
                .expect("save");
        }
        drop(journal);
        std::fs::read(&path).expect("read")
    }

    #[test]
    fn truncated_sqlite_file_is_set_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bytes = valid_journal_bytes(dir.path());
        assert!(bytes.len() > 16 * 4096, "{}", bytes.len());
        for keep in [50, 4096 + 100, bytes.len() / 2] {
            let path = dir.path().join(format!("journal-{keep}.sqlite3"));
            std::fs::write(&path, &bytes[..keep]).expect("write");
            let opened = Journal::open(&path).expect("open");
            let recovered = opened
                .recovered
                .unwrap_or_else(|| panic!("truncated to {keep} bytes not detected"));
            assert_eq!(
                std::fs::read(&recovered.moved_to).expect("kept"),
                &bytes[..keep]
            );
            assert!(opened.journal.list().expect("list").is_empty());
        }
    }

    #[test]
    fn newer_or_foreign_databases_are_set_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        drop(open_fresh(&path));
        let raw = Connection::open(&path).expect("raw");
        raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
        drop(raw);
        let recovered = Journal::open(&path)
            .expect("open")
            .recovered
            .expect("newer");
        assert!(recovered.detail.contains("newer"), "{}", recovered.detail);

        let foreign = dir.path().join("foreign.sqlite3");
        let raw = Connection::open(&foreign).expect("raw");
        raw.execute_batch("CREATE TABLE photos (id INTEGER)")
            .expect("create");
        drop(raw);
        let recovered = Journal::open(&foreign)
            .expect("open")
            .recovered
            .expect("foreign");
        assert!(
            recovered.detail.contains("not a Hoist journal"),
            "{}",
            recovered.detail
        );
    }

    #[test]
    fn two_processes_see_each_others_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let first = open_fresh(&path);
        let second = open_fresh(&path);
        let a = first.insert(&new_upload("a.mov", 100)).expect("insert").id;
        let b = second.insert(&new_upload("b.mov", 100)).expect("insert").id;
        assert_ne!(a, b);
        second
            .save_progress(a, 60, &json!({"uri": "s"}), false)
            .expect("save");
        assert_eq!(first.get(a).expect("get").confirmed_bytes, 60);
        first.set_phase(b, Phase::Paused, None).expect("phase");
        assert_eq!(second.get(b).expect("get").phase, Phase::Paused);
        assert_eq!(first.list().expect("list"), second.list().expect("list"));
    }

    #[test]
    fn progress_is_on_disk_when_save_progress_returns() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let journal = open_fresh(&path);
        let id = journal
            .insert(&new_upload("a.mov", 1000))
            .expect("insert")
            .id;
        for confirmed in [256u64, 512, 768] {
            journal
                .save_progress(id, confirmed, &json!({"offset": confirmed}), false)
                .expect("save");
            // A separate connection, as a relaunched process would open.
            let raw = Connection::open(&path).expect("raw");
            let (bytes, state): (i64, String) = raw
                .query_row(
                    "SELECT confirmed_bytes, protocol_state_json FROM uploads WHERE id = ?1",
                    [id.0],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .expect("read");
            assert_eq!(bytes, confirmed as i64);
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&state).expect("json"),
                json!({"offset": confirmed})
            );
        }
    }

    #[test]
    fn disk_full_is_reported_plainly() {
        let path = Path::new("/data/journal.sqlite3");
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        let error = StoreError::from_sqlite(full, path);
        assert_eq!(
            error.to_string(),
            "the disk holding the upload journal is full: /data/journal.sqlite3"
        );
        let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(matches!(
            StoreError::from_io(io, path),
            StoreError::DiskFull { .. }
        ));
    }
}
