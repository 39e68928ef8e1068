use std::path::{Path, PathBuf};

use crate::upload::{Failure, FailureKind, UploadId};

/// Problems with Hoist's own files (directories, the upload journal, upload locks), in words a
/// person can act on. Paths come last; protocol state and credentials never appear.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or folder of Hoist's could not be created, read or written.
    #[error("Hoist could not use one of its own files ({source}): {path}")]
    Io {
        /// The underlying error.
        source: std::io::Error,
        /// The file or folder.
        path: PathBuf,
    },
    /// SQLite refused a read or a write of the journal.
    #[error("the upload journal could not be read or written: {0}")]
    Database(rusqlite::Error),
    /// The disk (or quota) holding the journal is full; progress cannot be remembered.
    #[error("the disk holding the upload journal is full: {path}")]
    DiskFull {
        /// The journal (or the file that could not grow).
        path: PathBuf,
    },
    /// Neither `HOIST_HOME` nor a home directory is available to keep Hoist's data in.
    #[error(
        "Hoist could not find a home folder to keep its data in; set HOIST_HOME to the folder it should use"
    )]
    NoHome,
    /// Another Hoist process (or another part of this one) holds the upload's lock.
    #[error("upload #{id} is being driven by another Hoist process")]
    Locked {
        /// The upload.
        id: UploadId,
    },
    /// No upload with this id is in the journal.
    #[error("there is no upload #{0} in the journal")]
    NotFound(UploadId),
    /// The journal was written by a newer Hoist, whose format this one cannot read. The file is
    /// left exactly as it is, so the newer Hoist still finds every upload in it.
    #[error(
        "the list of uploads was written by a newer version of Hoist (format {found}; this version reads up to {supported}); start the newer Hoist again. The list was left untouched: {path}"
    )]
    NewerJournal {
        /// The journal.
        path: PathBuf,
        /// The format number in the file.
        found: i64,
        /// The newest format this build reads.
        supported: i64,
    },
    /// The journal's entry for this upload could not be decoded.
    #[error("the journal entry of upload #{id} is damaged ({detail})")]
    CorruptRow {
        /// The upload.
        id: UploadId,
        /// What could not be decoded; never contains the stored values themselves.
        detail: String,
    },
}

impl StoreError {
    /// What kind of failure this is, for the window and the command line.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            StoreError::DiskFull { .. } => FailureKind::DiskFull,
            StoreError::Locked { .. } => FailureKind::StoreLocked,
            StoreError::CorruptRow { .. } => FailureKind::StateDamaged,
            StoreError::Io { .. }
            | StoreError::Database(_)
            | StoreError::NoHome
            | StoreError::NotFound(_)
            | StoreError::NewerJournal { .. } => FailureKind::JournalUnusable,
        }
    }

    /// The typed failure: [`Self::failure_kind`] and this error's text.
    pub fn failure(&self) -> Failure {
        Failure::new(self.failure_kind(), self.to_string())
    }

    /// Classifies an I/O error on `path`: a full disk becomes [`StoreError::DiskFull`].
    pub fn from_io(source: std::io::Error, path: &Path) -> StoreError {
        let path = path.to_path_buf();
        match source.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                StoreError::DiskFull { path }
            }
            _ => StoreError::Io { source, path },
        }
    }

    /// Classifies an SQLite error on the journal at `path`: `SQLITE_FULL` becomes
    /// [`StoreError::DiskFull`].
    pub fn from_sqlite(source: rusqlite::Error, path: &Path) -> StoreError {
        match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::DiskFull {
                path: path.to_path_buf(),
            },
            _ => StoreError::Database(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_store_error_maps_to_its_failure_kind() {
        let path = || PathBuf::from("/home/u/.local/share/hoist/journal.sqlite3");
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let cases = [
            (StoreError::from_io(full, &path()), FailureKind::DiskFull),
            (
                StoreError::from_io(std::io::Error::other("read-only"), &path()),
                FailureKind::JournalUnusable,
            ),
            (
                StoreError::Database(rusqlite::Error::InvalidQuery),
                FailureKind::JournalUnusable,
            ),
            (StoreError::NoHome, FailureKind::JournalUnusable),
            (
                StoreError::Locked { id: UploadId(3) },
                FailureKind::StoreLocked,
            ),
            (
                StoreError::NotFound(UploadId(3)),
                FailureKind::JournalUnusable,
            ),
            (
                StoreError::NewerJournal {
                    path: path(),
                    found: 9,
                    supported: 2,
                },
                FailureKind::JournalUnusable,
            ),
            (
                StoreError::CorruptRow {
                    id: UploadId(3),
                    detail: "destination: not JSON".to_string(),
                },
                FailureKind::StateDamaged,
            ),
        ];
        for (error, kind) in cases {
            let failure = error.failure();
            assert_eq!(failure.kind, kind, "{error}");
            assert_eq!(failure.detail, error.to_string());
        }
    }
}
