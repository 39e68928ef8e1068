use std::path::{Path, PathBuf};

use super::{FileKey, WatchError, is_skipped_name};

/// How deep subfolders are followed (a guard against pathological trees).
const MAX_DEPTH: usize = 32;

/// The regular files under `root` (subfolders included) with their keys, skipping hidden and
/// partial names ([`is_skipped_name`]) and symbolic links. Fails only when `root` itself cannot
/// be read; an unreadable subfolder is logged and passed over.
pub(crate) fn files_under(root: &Path) -> Result<Vec<(PathBuf, FileKey)>, WatchError> {
    let mut found = Vec::new();
    let mut folders = vec![(root.to_path_buf(), 0usize)];
    let mut first = true;
    while let Some((folder, depth)) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if first => return Err(WatchError::io(e, &folder)),
            Err(e) => {
                tracing::warn!("watch: cannot read {}: {e}", folder.display());
                continue;
            }
        };
        first = false;
        for entry in entries.flatten() {
            if is_skipped_name(&entry.file_name()) {
                continue;
            }
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() && depth < MAX_DEPTH {
                folders.push((entry.path(), depth + 1));
            } else if metadata.is_file() {
                found.push((entry.path(), FileKey::of(&metadata)));
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subfolders_are_followed_and_hidden_or_partial_names_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("day 1/cam a")).expect("dirs");
        std::fs::create_dir_all(root.join(".cache")).expect("hidden dir");
        for name in [
            "top.mov",
            "day 1/cam a/deep.mov",
            "day 1/.hidden.mov",
            "day 1/clip.mov.part",
            ".cache/inside.mov",
            "~$lock.docx",
        ] {
            std::fs::write(root.join(name), name).expect("write");
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("top.mov"), root.join("link.mov")).expect("link");
        let mut names: Vec<String> = files_under(root)
            .expect("scan")
            .into_iter()
            .map(|(p, _)| p.strip_prefix(root).expect("under").display().to_string())
            .collect();
        names.sort();
        assert_eq!(names, vec!["day 1/cam a/deep.mov", "top.mov"]);
        assert!(files_under(&root.join("missing")).is_err());
    }
}
