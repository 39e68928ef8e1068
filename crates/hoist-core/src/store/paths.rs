use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::StoreError;

/// The environment variable that puts all of Hoist's files under one folder.
pub const HOME_VAR: &str = "HOIST_HOME";

/// Where Hoist keeps its files: the journal and locks (data), settings (config) and logs (cache).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoistDirs {
    /// The journal and the upload locks.
    pub data_dir: PathBuf,
    /// Settings.
    pub config_dir: PathBuf,
    /// Logs and anything that may be thrown away.
    pub cache_dir: PathBuf,
}

impl HoistDirs {
    /// Finds Hoist's directories: `$HOIST_HOME/{data,config,cache}` when `HOIST_HOME` is set and
    /// not empty, the platform's usual places otherwise (e.g. `~/.local/share/hoist` on Linux).
    /// Creates nothing; see [`HoistDirs::ensure`].
    pub fn discover() -> Result<HoistDirs, StoreError> {
        discover_from(std::env::var_os(HOME_VAR))
    }

    /// The layout used under `HOIST_HOME`: `home/data`, `home/config` and `home/cache`.
    pub fn from_home(home: &Path) -> HoistDirs {
        HoistDirs {
            data_dir: home.join("data"),
            config_dir: home.join("config"),
            cache_dir: home.join("cache"),
        }
    }

    /// Creates the directories (and the locks and logs folders inside them) if they are missing.
    /// On Unix they are made private to the user (mode 0700), also when they already existed.
    pub fn ensure(&self) -> Result<(), StoreError> {
        for dir in [
            &self.data_dir,
            &self.config_dir,
            &self.cache_dir,
            &self.locks_dir(),
            &self.log_dir(),
        ] {
            create_private_dir(dir)?;
        }
        Ok(())
    }

    /// The upload journal: `data_dir/journal.sqlite3`.
    pub fn journal_path(&self) -> PathBuf {
        self.data_dir.join("journal.sqlite3")
    }

    /// The per-upload lock files: `data_dir/locks`.
    pub fn locks_dir(&self) -> PathBuf {
        self.data_dir.join("locks")
    }

    /// The log files: `cache_dir/logs`.
    pub fn log_dir(&self) -> PathBuf {
        self.cache_dir.join("logs")
    }
}

/// [`HoistDirs::discover`] with the value of `HOIST_HOME` passed in (tests cannot safely set
/// environment variables).
fn discover_from(hoist_home: Option<OsString>) -> Result<HoistDirs, StoreError> {
    if let Some(home) = hoist_home.filter(|h| !h.is_empty()) {
        let home = PathBuf::from(home);
        let home = std::path::absolute(&home).map_err(|e| StoreError::from_io(e, &home))?;
        return Ok(HoistDirs::from_home(&home));
    }
    let project = directories::ProjectDirs::from("", "", "hoist").ok_or(StoreError::NoHome)?;
    Ok(HoistDirs {
        data_dir: project.data_dir().to_path_buf(),
        config_dir: project.config_dir().to_path_buf(),
        cache_dir: project.cache_dir().to_path_buf(),
    })
}

/// Creates `dir` (and missing parents) and makes it private to the user on Unix.
pub(super) fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        builder
            .create(dir)
            .map_err(|e| StoreError::from_io(e, dir))?;
        // `mode` only applies to folders created now, and is filtered by the umask.
        let metadata = std::fs::metadata(dir).map_err(|e| StoreError::from_io(e, dir))?;
        if metadata.permissions().mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| StoreError::from_io(e, dir))?;
        }
    }
    #[cfg(not(unix))]
    builder
        .create(dir)
        .map_err(|e| StoreError::from_io(e, dir))?;
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn hoist_home_layout() {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(home.path());
        assert_eq!(dirs.data_dir, home.path().join("data"));
        assert_eq!(dirs.config_dir, home.path().join("config"));
        assert_eq!(dirs.cache_dir, home.path().join("cache"));
        assert_eq!(
            dirs.journal_path(),
            home.path().join("data").join("journal.sqlite3")
        );
        assert_eq!(dirs.locks_dir(), home.path().join("data").join("locks"));
        assert_eq!(dirs.log_dir(), home.path().join("cache").join("logs"));

        let discovered = discover_from(Some(home.path().as_os_str().to_owned())).expect("discover");
        assert_eq!(discovered, dirs);
    }

    #[test]
    fn empty_hoist_home_falls_back_to_platform_dirs() {
        // Either the platform directories or NoHome, but never a relative "data" folder.
        match discover_from(Some(OsString::new())) {
            Ok(dirs) => assert!(dirs.data_dir.is_absolute(), "{dirs:?}"),
            Err(e) => assert!(matches!(e, StoreError::NoHome), "{e}"),
        }
    }

    #[test]
    fn ensure_creates_private_dirs() {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(&home.path().join("nested").join("hoist"));
        dirs.ensure().expect("ensure");
        dirs.ensure().expect("ensure twice");
        for dir in [
            &dirs.data_dir,
            &dirs.config_dir,
            &dirs.cache_dir,
            &dirs.locks_dir(),
            &dirs.log_dir(),
        ] {
            assert!(dir.is_dir(), "{}", dir.display());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(dir).expect("meta").permissions().mode();
                assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
            }
        }
    }
}
