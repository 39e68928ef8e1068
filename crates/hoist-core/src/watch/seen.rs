use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use super::{FileKey, WatchError};
use crate::store::HoistDirs;

/// The database, in Hoist's data folder, of files already queued from watch folders.
pub const SEEN_FILE: &str = "watch-seen.sqlite3";

/// The files already queued from each watch folder, by [`FileKey`]: a file is queued once, also
/// after a relaunch or a rename (the key stays), and again only when its content is rewritten.
#[derive(Debug)]
pub struct SeenFiles {
    path: PathBuf,
    connection: Connection,
}

impl SeenFiles {
    /// Opens (creating when needed) the record in Hoist's data folder.
    pub fn open(dirs: &HoistDirs) -> Result<SeenFiles, WatchError> {
        SeenFiles::open_at(&dirs.data_dir.join(SEEN_FILE))
    }

    /// Opens (creating when needed) the record at `path`.
    pub fn open_at(path: &Path) -> Result<SeenFiles, WatchError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| WatchError::io(e, parent))?;
        }
        let error = |e: rusqlite::Error| WatchError::Seen {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let connection = Connection::open(path).map_err(error)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA busy_timeout = 5000;
                 CREATE TABLE IF NOT EXISTS seen (
                     folder INTEGER NOT NULL,
                     device INTEGER NOT NULL,
                     inode INTEGER NOT NULL,
                     size INTEGER NOT NULL,
                     modified INTEGER NOT NULL,
                     path TEXT NOT NULL,
                     PRIMARY KEY (folder, device, inode, size, modified)
                 );",
            )
            .map_err(error)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(SeenFiles {
            path: path.to_path_buf(),
            connection,
        })
    }

    /// Whether this file was queued from folder `folder` before.
    pub fn contains(&self, folder: u32, key: &FileKey) -> Result<bool, WatchError> {
        self.connection
            .query_row(
                "SELECT COUNT(*) FROM seen WHERE folder = ?1 AND device = ?2 AND inode = ?3
                 AND size = ?4 AND modified = ?5",
                params![
                    folder,
                    key.device as i64,
                    key.inode as i64,
                    key.size_bytes as i64,
                    key.modified_unix_nanos
                ],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| self.error(e))
    }

    /// Records that this file (now at `path`) was queued from folder `folder`.
    pub fn insert(&self, folder: u32, key: &FileKey, path: &Path) -> Result<(), WatchError> {
        self.connection
            .execute(
                "INSERT OR REPLACE INTO seen (folder, device, inode, size, modified, path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    folder,
                    key.device as i64,
                    key.inode as i64,
                    key.size_bytes as i64,
                    key.modified_unix_nanos,
                    path.to_string_lossy()
                ],
            )
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// Forgets folder `folder`'s files (after it is removed from the list).
    pub fn forget_folder(&self, folder: u32) -> Result<(), WatchError> {
        self.connection
            .execute("DELETE FROM seen WHERE folder = ?1", params![folder])
            .map(|_| ())
            .map_err(|e| self.error(e))
    }

    /// How many files were queued from folder `folder`, ever.
    pub fn count(&self, folder: u32) -> Result<u64, WatchError> {
        self.connection
            .query_row(
                "SELECT COUNT(*) FROM seen WHERE folder = ?1",
                params![folder],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n.max(0) as u64)
            .map_err(|e| self.error(e))
    }

    fn error(&self, e: rusqlite::Error) -> WatchError {
        WatchError::Seen {
            path: self.path.clone(),
            detail: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_remembered_per_folder_across_reopening_and_renames() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("clip.mov");
        std::fs::write(&file, b"frames").expect("write");
        let key = FileKey::of(&std::fs::metadata(&file).expect("meta"));
        let db = dir.path().join(SEEN_FILE);
        {
            let seen = SeenFiles::open_at(&db).expect("open");
            assert!(!seen.contains(1, &key).expect("query"));
            seen.insert(1, &key, &file).expect("insert");
        }
        let seen = SeenFiles::open_at(&db).expect("reopen");
        let renamed = dir.path().join("renamed.mov");
        std::fs::rename(&file, &renamed).expect("rename");
        let after = FileKey::of(&std::fs::metadata(&renamed).expect("meta"));
        assert_eq!(after, key, "a rename keeps the key");
        assert!(seen.contains(1, &after).expect("query"));
        assert!(!seen.contains(2, &after).expect("other folder"));
        assert_eq!(seen.count(1).expect("count"), 1);
        seen.forget_folder(1).expect("forget");
        assert!(!seen.contains(1, &after).expect("query"));
    }
}
