//! Opening the journal: creating it private, checking it, migrating its schema, and setting a
//! damaged one aside.

use super::*;

/// The schema, one entry per version: entry `n` takes a journal from version `n` to `n + 1`.
/// `PRAGMA user_version` holds the version a journal is at.
pub(super) const MIGRATIONS: &[&str] = &[
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
    // Version 2: the kind of the last failure beside its text (NULL: an older Hoist's text only).
    "ALTER TABLE uploads ADD COLUMN error_kind TEXT;",
    // Version 3: the chunk size is automatic (1) or fixed (0; NULL: an older Hoist's, fixed).
    "ALTER TABLE uploads ADD COLUMN chunk_size_auto INTEGER;",
    // Version 4: the upload's place in the queue (NULL: never moved; after the moved ones, by id).
    super::queue_order::QUEUE_POSITION_MIGRATION,
    // Version 5: history: finished uploads, written in the transaction that completes them and kept when
    // they leave the queue (`history.rs`); when sending first started and how long it has taken.
    "CREATE TABLE history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        upload_id INTEGER NOT NULL UNIQUE,
        file_name TEXT NOT NULL,
        file_path ANY NOT NULL,
        size_bytes INTEGER NOT NULL,
        profile TEXT,
        service_kind TEXT NOT NULL,
        destination TEXT NOT NULL,
        link TEXT,
        remote_id TEXT,
        started_unix_secs INTEGER NOT NULL,
        finished_unix_secs INTEGER NOT NULL,
        time_taken_secs INTEGER NOT NULL,
        time_is_sending INTEGER NOT NULL
    ) STRICT;
    ALTER TABLE uploads ADD COLUMN started_unix_secs INTEGER;
    ALTER TABLE uploads ADD COLUMN sending_millis INTEGER;",
];

/// The schema version this build writes.
pub(super) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why opening failed: the file is not a usable journal (set it aside), or something else.
pub(super) enum OpenFailure {
    Invalid(String),
    Store(StoreError),
}

impl Journal {
    /// [`Journal::try_open`], retried while another process holds a lock that SQLite does not
    /// wait for by itself (switching to WAL, creating the schema).
    pub(super) fn try_open_patiently(path: &Path) -> Result<Journal, OpenFailure> {
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
    pub(super) fn try_open(path: &Path) -> Result<Journal, OpenFailure> {
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

impl OpenFailure {
    /// Fills in the journal's path for errors that were built without it.
    fn on(self, path: &Path) -> OpenFailure {
        match self {
            OpenFailure::Store(StoreError::DiskFull { .. }) => {
                OpenFailure::Store(StoreError::DiskFull {
                    path: path.to_path_buf(),
                })
            }
            OpenFailure::Store(StoreError::NewerJournal {
                found, supported, ..
            }) => OpenFailure::Store(StoreError::NewerJournal {
                path: path.to_path_buf(),
                found,
                supported,
            }),
            other => other,
        }
    }
}

/// Corruption means "set the file aside"; anything else (busy, permissions, full disk) is an
/// error that must not touch the file.
pub(super) fn classify(error: rusqlite::Error, path: &Path) -> OpenFailure {
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            OpenFailure::Invalid(format!("it is not a readable SQLite database ({error})"))
        }
        _ => OpenFailure::Store(StoreError::from_sqlite(error, path)),
    }
}

/// Checks, in one read transaction, that the database is intact and is a Hoist journal this
/// build understands (or an empty database to create one in).
pub(super) fn check(conn: &mut Connection) -> Result<(), OpenFailure> {
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
        // Not damage: a newer Hoist's list, to be left exactly as it is for that Hoist.
        return Err(OpenFailure::Store(StoreError::NewerJournal {
            path: PathBuf::new(),
            found: version,
            supported: SCHEMA_VERSION,
        }));
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
pub(super) fn migrate(conn: &mut Connection) -> Result<(), OpenFailure> {
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
pub(super) fn create_private_file(path: &Path) -> Result<(), StoreError> {
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
pub(super) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes the journal's `-wal` and `-shm` files private (SQLite gives them the database's mode,
/// but does not promise it). A failure is logged: the data directory is private anyway.
pub(super) fn secure_sidecars(path: &Path) {
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
pub(super) fn set_aside(path: &Path) -> Result<PathBuf, StoreError> {
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

/// True for SQLite's "busy" and "locked" answers.
pub(super) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}
