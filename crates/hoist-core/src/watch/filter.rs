use std::ffi::OsStr;

/// Endings of files that are still being downloaded or written by another program.
const PARTIAL_ENDINGS: [&str; 7] = [
    ".part",
    ".partial",
    ".crdownload",
    ".download",
    ".tmp",
    ".swp",
    "~",
];

/// Whether a file or folder with this name is left alone by a watch folder: hidden names
/// (`.name`, which covers GNOME's `.goutputstream-*`), office lock files (`~$name`) and files
/// still being downloaded or saved (`*.part`, `*.crdownload`, `*.tmp`, `name~`, ...).
pub fn is_skipped_name(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    if name.starts_with('.') || name.starts_with("~$") {
        return true;
    }
    let lower = name.to_lowercase();
    PARTIAL_ENDINGS.iter().any(|end| lower.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_partial_and_lock_files_are_skipped() {
        for name in [
            ".hidden.mov",
            ".goutputstream-ABC123",
            "clip.mov.part",
            "clip.MOV.crdownload",
            "~$report.docx",
            "notes.txt~",
            "render.tmp",
        ] {
            assert!(is_skipped_name(OsStr::new(name)), "{name}");
        }
        for name in ["clip.mov", "a.part.mov", "report.docx", "Ünïcödé 映像.mp4"] {
            assert!(!is_skipped_name(OsStr::new(name)), "{name}");
        }
    }
}
