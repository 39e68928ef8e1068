use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::FileKey;

/// New files of one folder, waiting to be still: unchanged (size, modification time, inode)
/// for the folder's settle time.
#[derive(Debug, Default)]
pub(crate) struct Settling {
    files: HashMap<PathBuf, (FileKey, Instant)>,
}

impl Settling {
    /// Notes how `path` looks at `now`; a change starts its wait over.
    pub(crate) fn observe(&mut self, path: &Path, key: FileKey, now: Instant) {
        match self.files.get_mut(path) {
            Some((seen, _)) if *seen == key => {}
            Some(entry) => *entry = (key, now),
            None => {
                self.files.insert(path.to_path_buf(), (key, now));
            }
        }
    }

    /// Stops following `path` (gone, queued, or known already).
    pub(crate) fn forget(&mut self, path: &Path) {
        self.files.remove(path);
    }

    /// Keeps only the files `keep` says yes to.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&Path) -> bool) {
        self.files.retain(|path, _| keep(path));
    }

    /// The files followed now.
    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        self.files.keys().cloned().collect()
    }

    /// The files unchanged for at least `settle` at `now`, oldest first.
    pub(crate) fn still(&self, now: Instant, settle: Duration) -> Vec<(PathBuf, FileKey)> {
        let mut ready: Vec<_> = self
            .files
            .iter()
            .filter(|(_, (_, since))| now.saturating_duration_since(*since) >= settle)
            .map(|(path, (key, since))| (*since, path.clone(), *key))
            .collect();
        ready.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        ready
            .into_iter()
            .map(|(_, path, key)| (path, key))
            .collect()
    }

    /// How many files are waiting.
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// Forgets every file.
    pub(crate) fn clear(&mut self) {
        self.files.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(size: u64) -> FileKey {
        FileKey {
            device: 1,
            inode: 2,
            size_bytes: size,
            modified_unix_nanos: size as i64,
        }
    }

    #[test]
    fn a_file_is_ready_only_after_being_unchanged_for_the_settle_time() {
        let settle = Duration::from_secs(5);
        let start = Instant::now();
        let mut settling = Settling::default();
        let path = Path::new("/w/clip.mov");
        settling.observe(path, key(10), start);
        settling.observe(path, key(20), start + Duration::from_secs(4));
        assert!(
            settling
                .still(start + Duration::from_secs(6), settle)
                .is_empty()
        );
        settling.observe(path, key(20), start + Duration::from_secs(8));
        let ready = settling.still(start + Duration::from_secs(9), settle);
        assert_eq!(ready, vec![(path.to_path_buf(), key(20))]);
        settling.forget(path);
        assert_eq!(settling.len(), 0);
    }
}
