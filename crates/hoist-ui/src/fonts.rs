//! Fallback fonts from the system for the scripts and emoji egui's bundled fonts lack, so every
//! file name is readable (`日本語の動画.mp4`, `فيديو.mp4`, `🎬 clip.mov`).
//!
//! Finding and reading the font files is I/O: [`install_system_fonts`] runs once, when the window
//! is created, never while drawing. The fonts are found by file name in the usual font folders
//! (the names Debian, Fedora and Arch give them); a script whose font is missing stays as boxes,
//! which the log says once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use egui::{FontData, FontDefinitions, FontFamily};

/// One script and the font files that cover it, best first.
struct Fallback {
    /// What it is for, for the log.
    script: &'static str,
    /// File names, best first; the first one found is used.
    files: &'static [&'static str],
}

/// The fallbacks, in the order egui tries them after its bundled fonts. Emoji come in colour from
/// Noto Color Emoji (its bitmaps are drawn through epaint's `color_fonts` feature), else from an
/// outline font.
const FALLBACKS: &[Fallback] = &[
    Fallback {
        script: "Chinese, Japanese and Korean",
        files: &[
            "NotoSansCJK-Regular.ttc",
            "NotoSansCJK-VF.ttc",
            "NotoSansCJKjp-Regular.otf",
            "NotoSansCJKsc-Regular.otf",
            "NotoSansCJK-Regular.otf",
            "SourceHanSans-Regular.ttc",
            "wqy-microhei.ttc",
            "wqy-zenhei.ttc",
            "DroidSansFallbackFull.ttf",
        ],
    },
    Fallback {
        script: "Arabic",
        files: &[
            "NotoSansArabic-Regular.ttf",
            "NotoNaskhArabic-Regular.ttf",
            "NotoSansArabicUI-Regular.ttf",
        ],
    },
    Fallback {
        script: "Hebrew",
        files: &["NotoSansHebrew-Regular.ttf", "NotoSerifHebrew-Regular.ttf"],
    },
    Fallback {
        script: "Devanagari",
        files: &[
            "NotoSansDevanagari-Regular.ttf",
            "NotoSansDevanagariUI-Regular.ttf",
            "Lohit-Devanagari.ttf",
        ],
    },
    Fallback {
        script: "Latin, Greek and Cyrillic",
        files: &["DejaVuSans.ttf", "NotoSans-Regular.ttf"],
    },
    Fallback {
        script: "emoji",
        files: &[
            "NotoColorEmoji.ttf",
            "NotoEmoji-Regular.ttf",
            "Symbola.ttf",
            "Symbola_hint.ttf",
        ],
    },
];

/// How deep below a font folder to look (Debian: `truetype/noto/X.ttf`).
const MAX_DEPTH: usize = 4;

/// Adds the system's fallback fonts to `ctx` (reads the font files: call once, at start).
pub fn install_system_fonts(ctx: &egui::Context) {
    ctx.set_fonts(system_font_definitions());
}

/// egui's bundled fonts followed by the system fallbacks that were found.
pub fn system_font_definitions() -> FontDefinitions {
    let mut definitions = FontDefinitions::default();
    let found = find_font_files(&font_dirs());
    for fallback in FALLBACKS {
        let Some(path) = fallback.files.iter().find_map(|name| found.get(*name)) else {
            tracing::info!(
                "no font for {} found; such file names show as boxes",
                fallback.script
            );
            continue;
        };
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!("cannot read the font {}: {e}", path.display());
                continue;
            }
        };
        tracing::debug!("font for {}: {}", fallback.script, path.display());
        let name = format!("system {}", fallback.script);
        definitions
            .font_data
            .insert(name.clone(), FontData::from_owned(bytes).into());
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            definitions
                .families
                .entry(family)
                .or_default()
                .push(name.clone());
        }
    }
    definitions
}

/// The folders fonts are installed in: the user's, then `$XDG_DATA_DIRS/fonts`, then the usual
/// system ones.
fn font_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".local/share"));
        dirs.push(data_home.join("fonts"));
        dirs.push(home.join(".fonts"));
    }
    let data_dirs = std::env::var("XDG_DATA_DIRS")
        .unwrap_or_else(|_| "/usr/local/share:/usr/share".to_string());
    dirs.extend(
        data_dirs
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| Path::new(d).join("fonts")),
    );
    for fixed in ["/usr/share/fonts", "/usr/local/share/fonts"] {
        let fixed = PathBuf::from(fixed);
        if !dirs.contains(&fixed) {
            dirs.push(fixed);
        }
    }
    dirs
}

/// Every font file below `dirs` by file name; the first folder that has a name wins.
fn find_font_files(dirs: &[PathBuf]) -> HashMap<String, PathBuf> {
    let mut found = HashMap::new();
    for dir in dirs {
        walk(dir, 0, &mut found);
    }
    found
}

fn walk(dir: &Path, depth: usize, found: &mut HashMap<String, PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
            if depth < MAX_DEPTH {
                walk(&path, depth + 1, found);
            }
        } else if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            found.entry(name.to_string()).or_insert(path);
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
    fn finds_fonts_by_name_below_a_folder_and_the_first_folder_wins() {
        let first = tempfile::tempdir().expect("tempdir");
        let second = tempfile::tempdir().expect("tempdir");
        let deep = first.path().join("truetype/noto");
        std::fs::create_dir_all(&deep).expect("mkdir");
        std::fs::write(deep.join("NotoSansHebrew-Regular.ttf"), b"x").expect("write");
        std::fs::write(second.path().join("NotoSansHebrew-Regular.ttf"), b"y").expect("write");
        let found = find_font_files(&[first.path().into(), second.path().into()]);
        assert_eq!(
            found.get("NotoSansHebrew-Regular.ttf"),
            Some(&deep.join("NotoSansHebrew-Regular.ttf"))
        );
    }

    #[test]
    fn the_bundled_fonts_come_first() {
        let definitions = system_font_definitions();
        let bundled = FontDefinitions::default();
        for family in [FontFamily::Proportional, FontFamily::Monospace] {
            let ours = &definitions.families[&family];
            let theirs = &bundled.families[&family];
            assert_eq!(&ours[..theirs.len()], &theirs[..]);
        }
    }
}
