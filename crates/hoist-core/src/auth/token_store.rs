//! Where refresh tokens live between runs.
//!
//! The sign-in code only talks to the [`TokenStore`] trait. [`MemoryTokenStore`] is for tests;
//! [`FileTokenStore`] is a TEMPORARY store (one 0600 file per account under Hoist's data folder)
//! until the secret store (keyring with a file fallback) is wired in its place.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::secret::SecretString;

/// Why a token could not be read, written or deleted.
#[derive(Debug, thiserror::Error)]
#[error("the saved sign-in could not be {action}: {detail}")]
pub struct TokenStoreError {
    /// "read", "saved" or "deleted".
    pub action: &'static str,
    /// What went wrong (never the token).
    pub detail: String,
}

/// Keeps one refresh token per key (e.g. `google/default`). Implementations never log tokens.
pub trait TokenStore: Send + Sync {
    /// The token saved under `key`, if any.
    fn load(&self, key: &str) -> Result<Option<SecretString>, TokenStoreError>;
    /// Saves (or replaces) the token under `key`.
    fn save(&self, key: &str, token: &SecretString) -> Result<(), TokenStoreError>;
    /// Forgets the token under `key`; no error when there is none.
    fn delete(&self, key: &str) -> Result<(), TokenStoreError>;
}

/// Tokens in memory only, for tests.
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, SecretString>>,
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTokenStore").finish_non_exhaustive()
    }
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> MemoryTokenStore {
        MemoryTokenStore::default()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, key: &str) -> Result<Option<SecretString>, TokenStoreError> {
        Ok(self.tokens().get(key).cloned())
    }

    fn save(&self, key: &str, token: &SecretString) -> Result<(), TokenStoreError> {
        self.tokens().insert(key.to_string(), token.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), TokenStoreError> {
        self.tokens().remove(key);
        Ok(())
    }
}

/// TEMPORARY: one file per key in a folder, readable by the owner only (0600 on Unix), written
/// atomically. To be replaced by the secret store (keyring, with its own file fallback).
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    dir: PathBuf,
}

impl FileTokenStore {
    /// A store in `dir` (created with 0700 when first saving).
    pub fn new(dir: impl Into<PathBuf>) -> FileTokenStore {
        FileTokenStore { dir: dir.into() }
    }

    /// The file that holds `key`'s token: the key with every character other than letters,
    /// digits, `-` and `_` replaced by `_`.
    pub fn path_of(&self, key: &str) -> PathBuf {
        let name: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.token"))
    }
}

fn store_error(action: &'static str, path: &Path, error: &std::io::Error) -> TokenStoreError {
    TokenStoreError {
        action,
        detail: format!("{error} ({})", path.display()),
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self, key: &str) -> Result<Option<SecretString>, TokenStoreError> {
        let path = self.path_of(key);
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => Ok(Some(SecretString::new(text.trim().to_string()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(store_error("read", &path, &e)),
        }
    }

    fn save(&self, key: &str, token: &SecretString) -> Result<(), TokenStoreError> {
        use std::io::Write as _;
        let path = self.path_of(key);
        create_private_dir(&self.dir).map_err(|e| store_error("saved", &self.dir, &e))?;
        let temp = path.with_extension(format!("tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            let mut file = options.open(&temp)?;
            file.write_all(token.expose().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temp, &path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            store_error("saved", &path, &e)
        })
    }

    fn delete(&self, key: &str) -> Result<(), TokenStoreError> {
        let path = self.path_of(key);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(store_error("deleted", &path, &e)),
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trip() {
        let store = MemoryTokenStore::new();
        assert!(store.load("google/a").expect("load").is_none());
        store
            .save("google/a", &SecretString::new("r1".into()))
            .expect("save");
        assert_eq!(
            store
                .load("google/a")
                .expect("load")
                .map(|t| t.expose().to_string()),
            Some("r1".to_string())
        );
        store.delete("google/a").expect("delete");
        assert!(store.load("google/a").expect("load").is_none());
    }

    #[test]
    fn file_store_is_private_and_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileTokenStore::new(dir.path().join("tokens"));
        store
            .save("google/default", &SecretString::new("refresh-1".into()))
            .expect("save");
        store
            .save("google/default", &SecretString::new("refresh-2".into()))
            .expect("replace");
        let path = store.path_of("google/default");
        assert_eq!(
            path.file_name().and_then(|n| n.to_str()),
            Some("google_default.token")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            store
                .load("google/default")
                .expect("load")
                .map(|t| t.expose().to_string()),
            Some("refresh-2".to_string())
        );
        store.delete("google/default").expect("delete");
        store.delete("google/default").expect("delete twice");
        assert!(store.load("google/default").expect("load").is_none());
    }
}
