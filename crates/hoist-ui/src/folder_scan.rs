use std::path::{Path, PathBuf};

/// The files in `paths`, expanding folders recursively; hidden files and folders (a leading dot)
/// are skipped. Blocking: run it off the UI thread.
pub fn expand(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(&path, &mut out);
        } else {
            out.push(path);
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
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
    fn folders_expand_without_hidden_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("sub/.git")).expect("mkdir");
        for f in ["a.mp4", ".DS_Store", "sub/b.mov", "sub/.git/config"] {
            std::fs::write(dir.path().join(f), b"x").expect("write");
        }
        let lone = dir.path().join("a.mp4");
        let files = expand(vec![dir.path().to_path_buf(), lone.clone()]);
        assert_eq!(
            files,
            vec![lone.clone(), dir.path().join("sub/b.mov"), lone]
        );
    }
}
