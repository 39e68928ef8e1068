use std::path::PathBuf;

use crate::upload::{Failure, FailureKind};

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

    /// What kind of failure this is, for the window and the command line.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            FileError::NotFound(_) => FailureKind::FileMissing,
            FileError::Changed { .. } => FailureKind::FileChanged,
            FileError::PermissionDenied(_)
            | FileError::IsDirectory(_)
            | FileError::NotRegular(_)
            | FileError::Io { .. } => FailureKind::FileUnreadable,
        }
    }

    /// The typed failure: [`Self::failure_kind`] and this error's text.
    pub fn failure(&self) -> Failure {
        Failure::new(self.failure_kind(), self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_error_maps_to_its_failure_kind() {
        let path = || PathBuf::from("/videos/a.mov");
        let cases = [
            (FileError::NotFound(path()), FailureKind::FileMissing),
            (
                FileError::PermissionDenied(path()),
                FailureKind::FileUnreadable,
            ),
            (FileError::IsDirectory(path()), FailureKind::FileUnreadable),
            (FileError::NotRegular(path()), FailureKind::FileUnreadable),
            (
                FileError::Changed {
                    what: "size",
                    path: path(),
                },
                FailureKind::FileChanged,
            ),
            (
                FileError::Io {
                    source: std::io::Error::other("usb stick removed"),
                    path: path(),
                },
                FailureKind::FileUnreadable,
            ),
        ];
        for (error, kind) in cases {
            let failure = error.failure();
            assert_eq!(failure.kind, kind, "{error}");
            assert_eq!(failure.detail, error.to_string());
        }
    }
}
