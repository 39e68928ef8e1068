use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Secret, SecretError, SecretStore};
use crate::upload::SecretLocation;

/// Secrets in one JSON file private to the user (mode 0600, in a 0700 folder): the explicit
/// fallback for computers without a keyring. Plain text on disk, protected only by file
/// permissions, like `~/.netrc` or an SSH key without a passphrase; Hoist refuses to read it
/// when other users can.
pub struct FileSecretStore {
    path: PathBuf,
}

#[derive(Default, Serialize, Deserialize)]
struct Contents {
    #[serde(default)]
    secrets: BTreeMap<String, String>,
}

impl FileSecretStore {
    /// The store in the file at `path` (created on the first [`SecretStore::set`]).
    pub fn new(path: impl Into<PathBuf>) -> FileSecretStore {
        FileSecretStore { path: path.into() }
    }

    /// The usual place: `data_dir/secrets.json`.
    pub fn in_dirs(dirs: &crate::store::HoistDirs) -> FileSecretStore {
        FileSecretStore::new(dirs.data_dir.join("secrets.json"))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every secret in the file (none when it does not exist), for taking them out of what
    /// Hoist shows or shares (the support bundle).
    pub fn all_values(&self) -> Result<Vec<Secret>, SecretError> {
        Ok(self
            .read()?
            .secrets
            .into_values()
            .map(Secret::new)
            .collect())
    }

    fn io_error(&self, source: std::io::Error) -> SecretError {
        SecretError::File {
            path: self.path.clone(),
            source,
        }
    }

    fn read(&self) -> Result<Contents, SecretError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Contents::default()),
            Err(e) => return Err(self.io_error(e)),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = file
                .metadata()
                .map_err(|e| self.io_error(e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(SecretError::FileNotPrivate {
                    path: self.path.clone(),
                    mode: mode & 0o777,
                });
            }
        }
        serde_json::from_reader(std::io::BufReader::new(file)).map_err(|_| {
            SecretError::FileDamaged {
                path: self.path.clone(),
            }
        })
    }

    /// Replaces the file at once (a temporary file created 0600, then renamed over it), so a
    /// crash leaves the old or the new contents, never half of them.
    fn write(&self, contents: &Contents) -> Result<(), SecretError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| self.io_error(e))?;
        let temp = self.path.with_extension("json.tmp");
        let _ = std::fs::remove_file(&temp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp).map_err(|e| self.io_error(e))?;
        let text = serde_json::to_vec_pretty(contents).map_err(|e| self.io_error(e.into()))?;
        file.write_all(&text)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.io_error(e))?;
        drop(file);
        std::fs::rename(&temp, &self.path).map_err(|e| self.io_error(e))
    }
}

impl SecretStore for FileSecretStore {
    fn location(&self) -> SecretLocation {
        SecretLocation::File
    }

    fn describe(&self) -> String {
        format!(
            "the secrets file {} (readable only by you)",
            self.path.display()
        )
    }

    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        Ok(self.read()?.secrets.get(key).map(Secret::new))
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        let mut contents = self.read()?;
        contents
            .secrets
            .insert(key.to_string(), secret.expose().to_string());
        self.write(&contents)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let mut contents = self.read()?;
        if contents.secrets.remove(key).is_some() {
            self.write(&contents)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_in_a_private_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileSecretStore::new(dir.path().join("secrets.json"));
        assert_eq!(store.get("k").expect("get on no file"), None);
        store.set("k", &Secret::new("v1")).expect("set");
        store.set("other", &Secret::new("v2")).expect("set");
        assert_eq!(store.get("k").expect("get"), Some(Secret::new("v1")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.delete("k").expect("delete");
        assert_eq!(store.get("k").expect("get"), None);
        assert_eq!(store.get("other").expect("get"), Some(Secret::new("v2")));
        assert!(!dir.path().join("secrets.json.tmp").exists());
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_file_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileSecretStore::new(dir.path().join("secrets.json"));
        store.set("k", &Secret::new("v1")).expect("set");
        std::fs::set_permissions(store.path(), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
        let error = store.get("k").expect_err("must refuse");
        assert!(
            matches!(error, SecretError::FileNotPrivate { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("chmod 600"), "{error}");
    }

    #[test]
    fn damaged_file_is_reported_and_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, "not json").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        let store = FileSecretStore::new(&path);
        let error = store.set("k", &Secret::new("v")).expect_err("damaged");
        assert!(matches!(error, SecretError::FileDamaged { .. }), "{error}");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "not json");
    }
}
