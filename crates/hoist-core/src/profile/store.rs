use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Profile, ProfileError};
use crate::secrets::StoreChoice;
use crate::store::HoistDirs;

/// The profiles file's name in Hoist's config folder.
pub const PROFILES_FILE: &str = "profiles.toml";

/// Everything in `profiles.toml`. Missing fields take their defaults; unknown ones are ignored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileFile {
    /// Where new secrets go (`auto`, `keyring` or `file`); `HOIST_SECRET_STORE` overrides it.
    pub secret_store: StoreChoice,
    /// The profiles, by name.
    pub profiles: BTreeMap<String, Profile>,
}

/// Reads and writes `profiles.toml` through confy.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// The profiles file in Hoist's config folder (under `HOIST_HOME` when that is set).
    pub fn new(dirs: &HoistDirs) -> ProfileStore {
        ProfileStore::at(dirs.config_dir.join(PROFILES_FILE))
    }

    /// The profiles file at `path`.
    pub fn at(path: impl Into<PathBuf>) -> ProfileStore {
        ProfileStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file; no file means no profiles (nothing is created). A file that does not
    /// parse is an error naming its line and column, and is left exactly as it is.
    pub fn load(&self) -> Result<ProfileFile, ProfileError> {
        if !self.path.exists() {
            return Ok(ProfileFile::default());
        }
        // confy's `load_path` writes defaults only when the file is missing (checked above) and
        // never rewrites a file it cannot parse.
        confy::load_path(&self.path).map_err(|error| self.describe(error))
    }

    /// Writes the file (mode 0600) at once: confy writes a temporary file beside it, which then
    /// replaces the old one, so a crash never leaves half a file.
    pub fn save(&self, file: &ProfileFile) -> Result<(), ProfileError> {
        let temp = self.path.with_extension("toml.tmp");
        let _ = std::fs::remove_file(&temp);
        #[cfg(unix)]
        let result = {
            use std::os::unix::fs::PermissionsExt;
            confy::store_path_perms(&temp, file, std::fs::Permissions::from_mode(0o600))
        };
        #[cfg(not(unix))]
        let result = confy::store_path(&temp, file);
        result.map_err(|error| self.describe(error))?;
        std::fs::rename(&temp, &self.path).map_err(|e| ProfileError::Io {
            path: self.path.clone(),
            detail: e.to_string(),
        })
    }

    /// Loads, lets `change` edit, and saves. Nothing is written when loading or `change` fails,
    /// so a broken file is never overwritten.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut ProfileFile) -> Result<T, ProfileError>,
    ) -> Result<T, ProfileError> {
        let mut file = self.load()?;
        let out = change(&mut file)?;
        self.save(&file)?;
        Ok(out)
    }

    /// The profile called `name`.
    pub fn get(&self, name: &str) -> Result<Profile, ProfileError> {
        self.load()?
            .profiles
            .remove(name)
            .ok_or_else(|| ProfileError::NotFound {
                name: name.to_string(),
            })
    }

    fn describe(&self, error: confy::ConfyError) -> ProfileError {
        match error {
            confy::ConfyError::BadTomlData(toml) => {
                let text = std::fs::read_to_string(&self.path).unwrap_or_default();
                let (line, column) = toml
                    .span()
                    .map(|span| line_column(&text, span.start))
                    .unwrap_or((1, 1));
                ProfileError::Broken {
                    path: self.path.clone(),
                    line,
                    column,
                    message: toml.message().trim().to_string(),
                }
            }
            other => ProfileError::Io {
                path: self.path.clone(),
                detail: match std::error::Error::source(&other) {
                    Some(source) => format!("{other}: {source}"),
                    None => other.to_string(),
                },
            },
        }
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

#[cfg(test)]
#[path = "store_proptests.rs"]
mod store_proptests;

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use crate::profile::ProfileKind;
    use crate::upload::{Privacy, SecretLocation, SecretRef};

    fn store() -> (tempfile::TempDir, ProfileStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ProfileStore::new(&HoistDirs::from_home(dir.path()));
        (dir, store)
    }

    #[test]
    fn missing_file_is_empty_and_not_created() {
        let (_dir, store) = store();
        assert_eq!(store.load().expect("load"), ProfileFile::default());
        assert!(!store.path().exists());
    }

    #[test]
    fn round_trip_with_private_mode() {
        let (_dir, store) = store();
        let profile = Profile {
            privacy: Privacy::Unlisted,
            tags: vec!["a".to_string(), "b".to_string()],
            chunk_size_bytes: Some(8 * 1024 * 1024),
            secret: Some(SecretRef {
                store: SecretLocation::Keyring,
                key: Some(Profile::secret_key("yt")),
                headers: Vec::new(),
            }),
            ..Profile::new(ProfileKind::YouTube)
        };
        store
            .update(|file| {
                file.profiles.insert("yt".to_string(), profile.clone());
                Ok(())
            })
            .expect("save");
        assert_eq!(store.get("yt").expect("get"), profile);
        assert!(!store.path().with_extension("toml.tmp").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            store.get("nope"),
            Err(ProfileError::NotFound { .. })
        ));
    }

    #[test]
    fn tolerant_loading_defaults_and_unknown_fields() {
        let (_dir, store) = store();
        std::fs::create_dir_all(store.path().parent().expect("parent")).expect("mkdir");
        std::fs::write(
            store.path(),
            "from_the_future = 3\n\n[profiles.vid]\nkind = \"api-video\"\nshiny_new_option = true\n\n[profiles.bare]\n",
        )
        .expect("write");
        let file = store.load().expect("tolerant load");
        assert_eq!(file.secret_store, StoreChoice::Auto);
        let vid = &file.profiles["vid"];
        assert_eq!(vid.kind, ProfileKind::ApiVideo);
        assert_eq!(vid.endpoint, None);
        assert_eq!(
            vid.effective_endpoint().as_deref(),
            Some("https://ws.api.video")
        );
        assert_eq!(file.profiles["bare"], Profile::default());
    }

    #[test]
    fn broken_file_names_the_line_and_is_never_overwritten() {
        let (_dir, store) = store();
        std::fs::create_dir_all(store.path().parent().expect("parent")).expect("mkdir");
        let broken = "[profiles.ok]\nkind = \"tus\"\nendpoint = \"http://127.0.0.1:1/files\"\n\n[profiles.bad]\nkind = \"youtube\"\nprivacy = unlisted\n";
        std::fs::write(store.path(), broken).expect("write");
        let error = store.load().expect_err("broken");
        match &error {
            ProfileError::Broken { line, column, .. } => {
                assert_eq!(*line, 7, "{error}");
                assert_eq!(*column, 11, "{error}");
            }
            other => panic!("{other:?}"),
        }
        let text = error.to_string();
        assert!(text.contains("line 7"), "{text}");
        assert!(text.contains("profiles.toml"), "{text}");
        let update = store.update(|file| {
            file.profiles.clear();
            Ok(())
        });
        assert!(matches!(update, Err(ProfileError::Broken { .. })));
        assert_eq!(
            std::fs::read_to_string(store.path()).expect("read"),
            broken,
            "the broken file must stay as it was"
        );
    }

    #[test]
    fn a_wrong_value_type_is_reported_with_its_line() {
        let (_dir, store) = store();
        std::fs::create_dir_all(store.path().parent().expect("parent")).expect("mkdir");
        std::fs::write(
            store.path(),
            "[profiles.p]\nkind = \"multipart\"\nparallel_chunks = \"four\"\n",
        )
        .expect("write");
        let error = store.load().expect_err("wrong type");
        assert!(
            matches!(error, ProfileError::Broken { line: 3, .. }),
            "{error}"
        );
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab\n", 99), (2, 1));
    }
}
