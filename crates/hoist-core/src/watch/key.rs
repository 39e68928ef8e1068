use std::fs::Metadata;
use std::time::UNIX_EPOCH;

/// Who a file in a watch folder is, on disk: the same after a rename or a relaunch, different
/// once its content is rewritten (size or modification time) or it is another file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileKey {
    /// The file system's device number (0 where the platform has none).
    pub device: u64,
    /// The file's inode number (0 where the platform has none).
    pub inode: u64,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when unknown).
    pub modified_unix_nanos: i64,
}

impl FileKey {
    /// The key of a file from its metadata.
    pub fn of(metadata: &Metadata) -> FileKey {
        let (device, inode) = device_and_inode(metadata);
        FileKey {
            device,
            inode,
            size_bytes: metadata.len(),
            modified_unix_nanos: metadata
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
                .unwrap_or(0),
        }
    }
}

#[cfg(unix)]
fn device_and_inode(metadata: &Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

#[cfg(not(unix))]
fn device_and_inode(_metadata: &Metadata) -> (u64, u64) {
    (0, 0)
}
