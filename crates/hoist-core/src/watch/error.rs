use std::path::PathBuf;

use crate::profile::ProfileError;

/// Why a watch folder could not be added, removed, read or watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The path is not an existing folder.
    #[error("{0} is not a folder")]
    NotAFolder(PathBuf),
    /// The folder is watched already (for any destination).
    #[error("{0} is watched already")]
    AlreadyWatched(PathBuf),
    /// No watch folder has this number or path.
    #[error("no watch folder is '{0}'")]
    NotWatched(String),
    /// The saved destination does not exist or cannot be read.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// The list of watch folders does not parse.
    #[error("the list of watch folders in {path} is damaged: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        detail: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The record of files already queued could not be read or written.
    #[error("the record of files already queued ({path}): {detail}")]
    Seen {
        /// The database.
        path: PathBuf,
        /// SQLite's words.
        detail: String,
    },
    /// The upload engine has stopped.
    #[error("the upload engine has stopped")]
    EngineStopped,
}

impl WatchError {
    pub(crate) fn io(source: std::io::Error, path: &std::path::Path) -> WatchError {
        WatchError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
