use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::StoreError;
use super::paths::create_private_dir;
use crate::upload::UploadId;

/// Proof that this handle alone drives one upload: an exclusive advisory lock on
/// `locks_dir/<id>.lock`, held until the value is dropped (or the process dies, even by kill -9).
///
/// The lock is per open file, so a second [`UploadLock::try_acquire`] for the same upload fails
/// also inside the process that holds it. Lock files are left in place after use: deleting them
/// would let two processes lock two different files of the same name.
#[derive(Debug)]
pub struct UploadLock {
    file: File,
    id: UploadId,
    path: PathBuf,
}

impl UploadLock {
    /// Takes the lock of upload `id` without waiting, creating `locks_dir` (mode 0700) and the
    /// lock file (mode 0600) if needed. Returns [`StoreError::Locked`] when someone holds it.
    pub fn try_acquire(locks_dir: &Path, id: UploadId) -> Result<UploadLock, StoreError> {
        let path = locks_dir.join(format!("{}.lock", id.0));
        let file = open_lock_file(locks_dir, &path)?;
        match file.try_lock() {
            Ok(()) => Ok(UploadLock { file, id, path }),
            Err(TryLockError::WouldBlock) => Err(StoreError::Locked { id }),
            Err(TryLockError::Error(e)) => Err(StoreError::from_io(e, &path)),
        }
    }

    /// Whether some process (this one included) holds the lock of upload `id` right now, i.e.
    /// whether anyone is driving it. Never waits and never takes the lock for longer than the
    /// check; a missing lock file means nobody ever drove it here, so nobody holds it.
    pub fn is_held(locks_dir: &Path, id: UploadId) -> Result<bool, StoreError> {
        held_by_anyone(&locks_dir.join(format!("{}.lock", id.0)))
    }

    /// The upload this lock is for.
    pub fn id(&self) -> UploadId {
        self.id
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for UploadLock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first makes the release explicit.
        if let Err(error) = self.file.unlock() {
            tracing::debug!(upload = %self.id, %error, "could not unlock an upload lock; closing releases it");
        }
    }
}

/// Proof that an engine runs over this journal: a shared advisory lock on
/// `locks_dir/engine.lock`, held while the engine lives (released when the value is dropped or
/// the process dies, even by kill -9). Several engines (the window, a `hoist upload`) hold it
/// at once. An unfinished upload whose own [`UploadLock`] is free may still wait in a running
/// engine's queue: only when no engine runs is it surely interrupted.
#[derive(Debug)]
pub struct EngineLock {
    _file: File,
}

impl EngineLock {
    /// Takes the shared lock, creating `locks_dir` (0700) and the file (0600) if needed.
    pub fn acquire(locks_dir: &Path) -> Result<EngineLock, StoreError> {
        let path = locks_dir.join(ENGINE_LOCK_FILE);
        let file = open_lock_file(locks_dir, &path)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(EngineLock { _file: file }),
            // Only `any_running` takes it exclusively, for an instant: wait for that instant.
            Err(TryLockError::WouldBlock) => {
                file.lock_shared()
                    .map_err(|e| StoreError::from_io(e, &path))?;
                Ok(EngineLock { _file: file })
            }
            Err(TryLockError::Error(e)) => Err(StoreError::from_io(e, &path)),
        }
    }

    /// Whether any engine (in any process) runs over this journal right now. Never waits.
    pub fn any_running(locks_dir: &Path) -> Result<bool, StoreError> {
        held_by_anyone(&locks_dir.join(ENGINE_LOCK_FILE))
    }
}

/// Opens (creating) a lock file `path` in `locks_dir`: the folder 0700, the file 0600.
fn open_lock_file(locks_dir: &Path, path: &Path) -> Result<File, StoreError> {
    create_private_dir(locks_dir)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| StoreError::from_io(e, path))
}

/// Whether anyone holds the lock file `path` (shared or exclusive) right now; a missing file is
/// held by nobody. Never waits, and takes the lock only for the instant of the check.
fn held_by_anyone(path: &Path) -> Result<bool, StoreError> {
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(StoreError::from_io(e, path)),
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            Ok(false)
        }
        Err(TryLockError::WouldBlock) => Ok(true),
        Err(TryLockError::Error(e)) => Err(StoreError::from_io(e, path)),
    }
}

/// The engine lock's file name in the locks directory (upload locks are `<id>.lock`).
const ENGINE_LOCK_FILE: &str = "engine.lock";

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn second_acquire_fails_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let locks = dir.path().join("locks");
        let first = UploadLock::try_acquire(&locks, UploadId(7)).expect("first");
        assert_eq!(first.id(), UploadId(7));
        assert_eq!(first.path(), locks.join("7.lock"));

        let second = UploadLock::try_acquire(&locks, UploadId(7));
        assert!(
            matches!(second, Err(StoreError::Locked { id: UploadId(7) })),
            "{second:?}"
        );
        // Another upload is independent.
        let other = UploadLock::try_acquire(&locks, UploadId(8)).expect("other upload");

        drop(first);
        let again = UploadLock::try_acquire(&locks, UploadId(7)).expect("after drop");
        drop(again);
        drop(other);

        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(locks.join("7.lock"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn is_held_tells_whether_anyone_drives_the_upload() {
        let dir = tempfile::tempdir().expect("tempdir");
        let locks = dir.path().join("locks");
        // Never locked: no lock file, nobody holds it (and asking creates nothing).
        assert!(!UploadLock::is_held(&locks, UploadId(5)).expect("query"));
        assert!(!locks.exists());
        let lock = UploadLock::try_acquire(&locks, UploadId(5)).expect("acquire");
        assert!(UploadLock::is_held(&locks, UploadId(5)).expect("query"));
        assert!(!UploadLock::is_held(&locks, UploadId(6)).expect("query"));
        drop(lock);
        // Released: the file stays, the lock is free, and asking did not take it.
        assert!(!UploadLock::is_held(&locks, UploadId(5)).expect("query"));
        let again = UploadLock::try_acquire(&locks, UploadId(5)).expect("free after the query");
        drop(again);
    }

    #[test]
    fn locked_message_names_the_upload() {
        let err = StoreError::Locked { id: UploadId(3) };
        assert_eq!(
            err.to_string(),
            "upload #3 is being driven by another Hoist process"
        );
    }
}
