//! Upload sessions on disk, shared by every protocol the server speaks.
//!
//! Layout of the storage folder `DIR`:
//! - `DIR/<name>`: finished uploads, moved there by an atomic rename;
//! - `DIR/.partial/<id>`: the bytes stored so far; its length is the session's offset;
//! - `DIR/.sessions/<id>.json`: the session's metadata (protocol specific), written atomically.
//!
//! Object names are flattened to their last path component (`videos/a.mp4` is stored as
//! `DIR/a.mp4`); a name that is empty, `.` or `..` is refused, and a leading `.` becomes `_` so an
//! upload can never land in the server's own folders. A later upload with the same name replaces
//! the earlier file, as a new object generation does on Cloud Storage.

use std::io;
use std::path::{Path, PathBuf};

use rand::Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) const SESSIONS_DIR: &str = ".sessions";
pub(crate) const PARTIAL_DIR: &str = ".partial";
/// Length of a session id: 32 lowercase hex digits (128 random bits).
const ID_LEN: usize = 32;
/// Longest stored file name, in bytes.
const MAX_NAME_BYTES: usize = 200;

/// The storage folder and its session files.
#[derive(Debug)]
pub(crate) struct Storage {
    root: PathBuf,
}

impl Storage {
    /// Opens (creating as needed) the storage folder `root` and its private subfolders.
    pub fn open(root: &Path) -> io::Result<Storage> {
        std::fs::create_dir_all(root.join(SESSIONS_DIR))?;
        std::fs::create_dir_all(root.join(PARTIAL_DIR))?;
        Ok(Storage {
            root: root.to_path_buf(),
        })
    }

    /// A fresh random session id.
    pub fn new_session_id() -> String {
        let bytes: [u8; ID_LEN / 2] = rand::rng().random();
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// True for ids this server could have made: only those ever become file names.
    pub fn is_valid_id(id: &str) -> bool {
        id.len() == ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    /// Where the bytes of session `id` accumulate.
    pub fn partial_path(&self, id: &str) -> PathBuf {
        self.root.join(PARTIAL_DIR).join(id)
    }

    fn meta_path(&self, id: &str) -> PathBuf {
        self.root.join(SESSIONS_DIR).join(format!("{id}.json"))
    }

    /// Where a finished upload named `file_name` (already made safe) is stored.
    pub fn final_path(&self, file_name: &str) -> PathBuf {
        self.root.join(file_name)
    }

    /// Writes the metadata of session `id` (write to a temporary file, then rename).
    pub async fn save_meta<T: Serialize>(&self, id: &str, meta: &T) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(meta).map_err(io::Error::other)?;
        let path = self.meta_path(id);
        let temp = path.with_extension("json.tmp");
        tokio::fs::write(&temp, json).await?;
        tokio::fs::rename(&temp, &path).await
    }

    /// Reads the metadata of session `id`; `None` when there is no such session.
    pub async fn load_meta<T: DeserializeOwned>(&self, id: &str) -> io::Result<Option<T>> {
        match tokio::fs::read(self.meta_path(id)).await {
            Ok(json) => serde_json::from_slice(&json)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The ids of every session with metadata in the folder.
    pub async fn session_ids(&self) -> io::Result<Vec<String>> {
        let mut ids = Vec::new();
        let mut entries = tokio::fs::read_dir(self.root.join(SESSIONS_DIR)).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            if let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json"))
                && Storage::is_valid_id(id)
            {
                ids.push(id.to_string());
            }
        }
        Ok(ids)
    }

    /// Where a piece `part` of session `id` is kept until the pieces are put together.
    pub fn piece_path(&self, id: &str, part: &str) -> PathBuf {
        self.root.join(PARTIAL_DIR).join(format!("{id}.{part}"))
    }

    /// Creates the empty partial file of a new session.
    pub async fn create_partial(&self, id: &str) -> io::Result<()> {
        tokio::fs::File::create(self.partial_path(id))
            .await
            .map(drop)
    }

    /// Length of the partial file of session `id` (0 when it does not exist).
    pub async fn partial_len(&self, id: &str) -> io::Result<u64> {
        match tokio::fs::metadata(self.partial_path(id)).await {
            Ok(meta) => Ok(meta.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Cuts the partial file of session `id` to `len` bytes.
    pub async fn truncate_partial(&self, id: &str, len: u64) -> io::Result<()> {
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(self.partial_path(id))
            .await?;
        file.set_len(len).await
    }

    /// Deletes the partial file of session `id`, if any.
    pub async fn remove_partial(&self, id: &str) -> io::Result<()> {
        remove_if_exists(&self.partial_path(id)).await
    }

    /// Deletes everything of session `id`.
    pub async fn remove_session(&self, id: &str) -> io::Result<()> {
        remove_if_exists(&self.partial_path(id)).await?;
        remove_if_exists(&self.meta_path(id)).await
    }

    /// Moves the partial file of session `id` to its final name (atomic rename); returns the path.
    pub async fn finish(&self, id: &str, file_name: &str) -> io::Result<PathBuf> {
        let target = self.final_path(file_name);
        tokio::fs::rename(self.partial_path(id), &target).await?;
        Ok(target)
    }
}

async fn remove_if_exists(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Makes an object name safe to store inside the storage folder (see the module docs).
///
/// Returns `None` for a name that cannot be stored (empty, `.` or `..` after flattening).
pub(crate) fn safe_file_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return None;
    }
    let mut safe = match cleaned.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => cleaned.to_string(),
    };
    if safe.len() > MAX_NAME_BYTES {
        let mut end = MAX_NAME_BYTES;
        while !safe.is_char_boundary(end) {
            end -= 1;
        }
        safe.truncate(end);
    }
    Some(safe)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        assert_eq!(safe_file_name("a.mp4").as_deref(), Some("a.mp4"));
        assert_eq!(safe_file_name("videos/a.mp4").as_deref(), Some("a.mp4"));
        assert_eq!(
            safe_file_name("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(safe_file_name("..\\x.bin").as_deref(), Some("x.bin"));
        assert_eq!(safe_file_name(".sessions").as_deref(), Some("_sessions"));
        assert_eq!(
            safe_file_name("My video title").as_deref(),
            Some("My video title")
        );
        assert_eq!(safe_file_name("a\nb").as_deref(), Some("ab"));
        for bad in ["", ".", "..", "dir/", "dir/..", " "] {
            assert_eq!(safe_file_name(bad), None, "{bad:?}");
        }
        assert!(safe_file_name(&"é".repeat(300)).is_some_and(|n| n.len() <= MAX_NAME_BYTES));
    }

    #[test]
    fn ids() {
        let id = Storage::new_session_id();
        assert!(Storage::is_valid_id(&id), "{id}");
        assert!(!Storage::is_valid_id("../../x"));
        assert!(!Storage::is_valid_id(&id.to_uppercase()));
    }
}
