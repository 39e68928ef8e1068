use std::path::PathBuf;

/// Problems with the local file, in words a person can act on. The path comes last.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file does not exist (any more).
    #[error("the file is missing: {0}")]
    NotFound(PathBuf),
    /// The operating system refused to let Hoist read it.
    #[error("Hoist is not allowed to read the file: {0}")]
    PermissionDenied(PathBuf),
    /// A folder was given where a file was expected.
    #[error("this is a folder, not a file: {0}")]
    IsDirectory(PathBuf),
    /// Not a regular file (a device, a socket...).
    #[error("this is not a regular file: {0}")]
    NotRegular(PathBuf),
    /// The file is not what was being uploaded any more.
    #[error(
        "the file changed since the upload started ({what}); restart the upload to send the new version: {path}"
    )]
    Changed {
        /// What differs (size, modification time, content).
        what: &'static str,
        /// The file.
        path: PathBuf,
    },
    /// Any other read error (a removed USB stick, an I/O error).
    #[error("could not read the file ({source}): {path}")]
    Io {
        /// The underlying error.
        source: std::io::Error,
        /// The file.
        path: PathBuf,
    },
}

impl FileError {
    /// Classifies an I/O error on `path`.
    pub fn from_io(source: std::io::Error, path: &std::path::Path) -> FileError {
        let path = path.to_path_buf();
        match source.kind() {
            std::io::ErrorKind::NotFound => FileError::NotFound(path),
            std::io::ErrorKind::PermissionDenied => FileError::PermissionDenied(path),
            std::io::ErrorKind::IsADirectory => FileError::IsDirectory(path),
            _ => FileError::Io { source, path },
        }
    }
}
