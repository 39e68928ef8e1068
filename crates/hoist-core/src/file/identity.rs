use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::FileError;

/// How many blocks are sampled for the content fingerprint.
const SAMPLE_BLOCKS: u64 = 8;
/// Size of one sampled block.
const SAMPLE_BLOCK_BYTES: u64 = 64 * 1024;

/// Who a local file is: enough to notice that it changed between two runs without reading it all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileIdentity {
    /// Absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified_unix_nanos: i64,
    /// Hex SHA-256 over the size and a few blocks sampled evenly across the file.
    pub sample_sha256: String,
}

impl FileIdentity {
    /// Reads the identity of the file at `path` (made absolute). Fails clearly for missing,
    /// unreadable, directory or special files.
    pub fn read(path: &Path) -> Result<FileIdentity, FileError> {
        let path = std::path::absolute(path).map_err(|e| FileError::from_io(e, path))?;
        let metadata = std::fs::metadata(&path).map_err(|e| FileError::from_io(e, &path))?;
        if metadata.is_dir() {
            return Err(FileError::IsDirectory(path));
        }
        if !metadata.is_file() {
            return Err(FileError::NotRegular(path));
        }
        let modified_unix_nanos = modified_nanos(&metadata);
        let mut file = File::open(&path).map_err(|e| FileError::from_io(e, &path))?;
        let sample_sha256 =
            sample_hash(&mut file, metadata.len()).map_err(|e| FileError::from_io(e, &path))?;
        Ok(FileIdentity {
            path,
            size_bytes: metadata.len(),
            modified_unix_nanos,
            sample_sha256,
        })
    }

    /// The file name for display and for naming the remote object.
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload".to_string())
    }

    /// A cheap check before each request: the size and modification time are as recorded.
    pub fn verify_size_and_mtime(&self) -> Result<(), FileError> {
        let metadata =
            std::fs::metadata(&self.path).map_err(|e| FileError::from_io(e, &self.path))?;
        let what = if metadata.len() != self.size_bytes {
            "its size is different"
        } else if modified_nanos(&metadata) != self.modified_unix_nanos {
            "it was modified"
        } else {
            return Ok(());
        };
        Err(FileError::Changed {
            what,
            path: self.path.clone(),
        })
    }

    /// Checks that the file on disk is still this one; returns [`FileError::Changed`] naming what
    /// differs, or the error that stops it being read.
    pub fn verify_unchanged(&self) -> Result<(), FileError> {
        let now = FileIdentity::read(&self.path)?;
        let what = if now.size_bytes != self.size_bytes {
            "its size is different"
        } else if now.modified_unix_nanos != self.modified_unix_nanos {
            "it was modified"
        } else if now.sample_sha256 != self.sample_sha256 {
            "its content is different"
        } else {
            return Ok(());
        };
        Err(FileError::Changed {
            what,
            path: self.path.clone(),
        })
    }
}

/// The modification time in nanoseconds since the Unix epoch (0 when unknown).
fn modified_nanos(metadata: &std::fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn sample_hash(file: &mut File, size: u64) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(size.to_le_bytes());
    let mut block = vec![0u8; SAMPLE_BLOCK_BYTES as usize];
    let span = size.saturating_sub(SAMPLE_BLOCK_BYTES);
    for i in 0..SAMPLE_BLOCKS {
        let offset = if SAMPLE_BLOCKS > 1 {
            span * i / (SAMPLE_BLOCKS - 1)
        } else {
            0
        };
        file.seek(SeekFrom::Start(offset))?;
        let want = SAMPLE_BLOCK_BYTES.min(size - offset.min(size)) as usize;
        file.read_exact(&mut block[..want])?;
        hasher.update(&block[..want]);
        if span == 0 {
            break;
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn identity_notices_content_change_with_same_size_and_mtime() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.bin");
        std::fs::write(&path, vec![1u8; 300_000]).expect("write");
        let id = FileIdentity::read(&path).expect("identity");
        assert_eq!(id.size_bytes, 300_000);
        id.verify_unchanged().expect("unchanged");

        let mtime = std::fs::metadata(&path)
            .expect("meta")
            .modified()
            .expect("mtime");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open");
        f.write_all(&[2u8; 10]).expect("write");
        f.set_modified(mtime).expect("set mtime");
        drop(f);
        let err = id.verify_unchanged().expect_err("changed");
        assert!(err.to_string().contains("content"), "{err}");
    }

    #[test]
    fn identity_of_empty_and_missing_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("empty");
        std::fs::write(&path, b"").expect("write");
        assert_eq!(FileIdentity::read(&path).expect("identity").size_bytes, 0);
        assert!(matches!(
            FileIdentity::read(&dir.path().join("nope")),
            Err(FileError::NotFound(_))
        ));
        assert!(matches!(
            FileIdentity::read(dir.path()),
            Err(FileError::IsDirectory(_))
        ));
    }
}
