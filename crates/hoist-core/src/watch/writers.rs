use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Which of `paths` some process has open for writing now. On Linux this reads `/proc` (only
/// this user's processes are visible, which covers copies the user makes); elsewhere it finds
/// none, and the settle time alone decides.
pub fn open_for_writing(paths: &[PathBuf]) -> HashSet<PathBuf> {
    let mut found = HashSet::new();
    if paths.is_empty() {
        return found;
    }
    #[cfg(target_os = "linux")]
    scan_proc(Path::new("/proc"), paths, &mut found);
    found
}

#[cfg(target_os = "linux")]
fn scan_proc(proc_dir: &Path, paths: &[PathBuf], found: &mut HashSet<PathBuf>) {
    let wanted: HashSet<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let Ok(processes) = std::fs::read_dir(proc_dir) else {
        return;
    };
    for process in processes.flatten() {
        let pid = process.file_name();
        if !pid.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            if !wanted.contains(target.as_path()) {
                continue;
            }
            let info = process.path().join("fdinfo").join(fd.file_name());
            if opened_for_writing(&info) {
                found.insert(target);
            }
        }
    }
}

/// Whether `/proc/PID/fdinfo/FD` says the descriptor was opened write-only or read-write.
#[cfg(target_os = "linux")]
fn opened_for_writing(fdinfo: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(fdinfo) else {
        return false;
    };
    text.lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
        .is_some_and(|flags| flags & 0o3 != 0)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_file_held_open_for_writing_is_found_and_a_reader_is_not() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = std::fs::canonicalize(dir.path())
            .expect("canon")
            .join("growing.mov");
        let writer = std::fs::File::create(&path).expect("create");
        assert!(open_for_writing(std::slice::from_ref(&path)).contains(&path));
        drop(writer);
        let reader = std::fs::File::open(&path).expect("open");
        assert!(open_for_writing(std::slice::from_ref(&path)).is_empty());
        drop(reader);
    }
}
