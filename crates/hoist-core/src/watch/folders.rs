use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::WatchError;
use crate::profile::ProfileStore;
use crate::store::HoistDirs;

/// The file, in Hoist's config folder, that lists the watch folders.
pub const WATCH_FILE: &str = "watch-folders.json";

/// How long a new file must stay unchanged before it is queued, unless the folder says otherwise.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(5);

/// A folder whose new files go to a saved destination by themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchFolder {
    /// Its number (for `hoist watch remove`), never reused while the list exists.
    pub id: u32,
    /// The folder, absolute.
    pub path: PathBuf,
    /// The saved destination (profile) its files go to.
    pub profile: String,
    /// Seconds a new file must stay unchanged (size and modification time) before it is queued.
    pub settle_secs: u64,
}

impl WatchFolder {
    /// [`Self::settle_secs`] as a duration.
    pub fn settle(&self) -> Duration {
        Duration::from_secs(self.settle_secs)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct WatchFile {
    #[serde(default)]
    next_id: u32,
    #[serde(default)]
    folders: Vec<WatchFolder>,
}

/// The saved list of watch folders ([`WATCH_FILE`], mode 0600 on Unix).
#[derive(Debug, Clone)]
pub struct WatchList {
    path: PathBuf,
    profiles: ProfileStore,
    dirs: HoistDirs,
}

impl WatchList {
    /// The list in Hoist's config folder, checked against the profiles saved there.
    pub fn new(dirs: &HoistDirs) -> WatchList {
        WatchList {
            path: dirs.config_dir.join(WATCH_FILE),
            profiles: ProfileStore::new(dirs),
            dirs: dirs.clone(),
        }
    }

    /// Where the list is kept.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folders, in the order they were added (none when the file does not exist yet).
    pub fn load(&self) -> Result<Vec<WatchFolder>, WatchError> {
        Ok(self.read()?.folders)
    }

    /// Adds `folder` (which must exist) for the saved destination `profile`; `settle` is rounded
    /// up to whole seconds (at least one).
    pub fn add(
        &self,
        folder: &Path,
        profile: &str,
        settle: Duration,
    ) -> Result<WatchFolder, WatchError> {
        let path =
            std::fs::canonicalize(folder).map_err(|_| WatchError::NotAFolder(folder.into()))?;
        if !path.is_dir() {
            return Err(WatchError::NotAFolder(folder.to_path_buf()));
        }
        self.profiles.get(profile)?;
        let mut file = self.read()?;
        if file.folders.iter().any(|f| f.path == path) {
            return Err(WatchError::AlreadyWatched(path));
        }
        let next = file
            .next_id
            .max(file.folders.iter().map(|f| f.id).max().unwrap_or(0))
            + 1;
        let added = WatchFolder {
            id: next,
            path,
            profile: profile.to_string(),
            settle_secs: settle.as_secs_f64().ceil().max(1.0) as u64,
        };
        file.next_id = next;
        file.folders.push(added.clone());
        self.write(&file)?;
        Ok(added)
    }

    /// Removes the folder with this number, or this path (as typed or made absolute), and forgets
    /// which of its files were queued.
    pub fn remove(&self, which: &str) -> Result<WatchFolder, WatchError> {
        let mut file = self.read()?;
        let by_path = std::fs::canonicalize(which)
            .or_else(|_| std::path::absolute(which))
            .ok();
        let position = file.folders.iter().position(|f| {
            which.parse::<u32>().ok() == Some(f.id)
                || f.path == Path::new(which)
                || by_path.as_deref() == Some(f.path.as_path())
        });
        let Some(position) = position else {
            return Err(WatchError::NotWatched(which.to_string()));
        };
        let removed = file.folders.remove(position);
        self.write(&file)?;
        if let Err(e) = super::SeenFiles::open(&self.dirs).and_then(|s| s.forget_folder(removed.id))
        {
            tracing::warn!(
                "watch: could not forget the files of folder {}: {e}",
                removed.id
            );
        }
        Ok(removed)
    }

    fn read(&self) -> Result<WatchFile, WatchError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| WatchError::Damaged {
                path: self.path.clone(),
                detail: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(WatchFile::default()),
            Err(e) => Err(WatchError::io(e, &self.path)),
        }
    }

    fn write(&self, file: &WatchFile) -> Result<(), WatchError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| WatchError::io(e, dir))?;
        let text = serde_json::to_string_pretty(file).map_err(|e| WatchError::Damaged {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        let temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| WatchError::io(e, dir))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o600))
                .map_err(|e| WatchError::io(e, temp.path()))?;
        }
        std::fs::write(temp.path(), text).map_err(|e| WatchError::io(e, temp.path()))?;
        temp.persist(&self.path)
            .map_err(|e| WatchError::io(e.error, &self.path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Profile, ProfileKind};

    fn dirs_with_profile() -> (tempfile::TempDir, HoistDirs) {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(home.path());
        dirs.ensure().expect("dirs");
        let mut profile = Profile::new(ProfileKind::GoogleResumable);
        profile.endpoint = Some("http://127.0.0.1:1/upload?name={name}".to_string());
        ProfileStore::new(&dirs)
            .update(|f| {
                f.profiles.insert("studio".to_string(), profile);
                Ok(())
            })
            .expect("profile");
        (home, dirs)
    }

    #[test]
    fn folders_are_added_listed_and_removed_by_number_or_path() {
        let (home, dirs) = dirs_with_profile();
        let list = WatchList::new(&dirs);
        assert!(list.load().expect("empty").is_empty());
        let a = home.path().join("a");
        let b = home.path().join("b");
        std::fs::create_dir_all(&a).expect("a");
        std::fs::create_dir_all(&b).expect("b");
        let first = list.add(&a, "studio", DEFAULT_SETTLE).expect("add a");
        let second = list
            .add(&b, "studio", Duration::from_millis(1500))
            .expect("add b");
        assert_eq!((first.id, second.id), (1, 2));
        assert_eq!(second.settle_secs, 2);
        assert!(matches!(
            list.add(&a, "studio", DEFAULT_SETTLE),
            Err(WatchError::AlreadyWatched(_))
        ));
        assert!(matches!(
            list.add(&home.path().join("nope"), "studio", DEFAULT_SETTLE),
            Err(WatchError::NotAFolder(_))
        ));
        assert!(matches!(
            list.add(&a, "nobody", DEFAULT_SETTLE),
            Err(WatchError::Profile(_))
        ));
        assert_eq!(list.remove("1").expect("by number").path, first.path);
        assert_eq!(
            list.remove(b.to_str().expect("utf-8")).expect("by path").id,
            2
        );
        assert!(list.load().expect("load").is_empty());
        // Numbers are not reused.
        assert_eq!(list.add(&a, "studio", DEFAULT_SETTLE).expect("again").id, 3);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(list.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
