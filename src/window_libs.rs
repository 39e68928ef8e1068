//! Before the window opens: is there a display, and are the system libraries the window loads at
//! run time (winit and glutin open them with `dlopen`) installed? Without this a missing
//! `libxkbcommon-x11` is a panic with a backtrace and a missing `libXi` an "os error" from
//! winit; with it, one line names what is missing and the command that installs it.
//!
//! The libraries are looked for where the dynamic loader looks (`LD_LIBRARY_PATH`, the
//! directories in `/etc/ld.so.conf` and its includes, and the standard ones), without loading them.

use std::path::{Path, PathBuf};

/// A library the window opens at run time, and the Debian/Ubuntu package that has it.
struct NeededLibrary {
    /// The shared object's name, as `dlopen` is given it.
    soname: &'static str,
    /// The Debian/Ubuntu package that installs it.
    package: &'static str,
}

const fn lib(soname: &'static str, package: &'static str) -> NeededLibrary {
    NeededLibrary { soname, package }
}

/// What winit needs on X11 (xlib, xcursor, xinput, xkbcommon-x11) and what glutin needs to
/// draw (EGL, with GLX as glutin's fallback).
const X11_LIBRARIES: &[NeededLibrary] = &[
    lib("libX11.so.6", "libx11-6"),
    lib("libX11-xcb.so.1", "libx11-xcb1"),
    lib("libXcursor.so.1", "libxcursor1"),
    lib("libXi.so.6", "libxi6"),
    lib("libxkbcommon.so.0", "libxkbcommon0"),
    lib("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    lib("libEGL.so.1", "libegl1"),
];

/// What winit and glutin need on Wayland.
const WAYLAND_LIBRARIES: &[NeededLibrary] = &[
    lib("libwayland-client.so.0", "libwayland-client0"),
    lib("libxkbcommon.so.0", "libxkbcommon0"),
    lib("libEGL.so.1", "libegl1"),
];

/// Why the window cannot open on this computer, in one line with the way out; `None` when
/// it can try.
pub(crate) fn window_blocker() -> Option<String> {
    let wayland = std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty());
    let x11 = std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty());
    if !wayland && !x11 {
        return Some(
            "the window needs a desktop session and none was found (DISPLAY and \
             WAYLAND_DISPLAY are not set); on a computer without a screen try \
             `xvfb-run hoist --demo`, or use the command line (`hoist --help`)"
                .to_string(),
        );
    }
    // winit tries Wayland first when WAYLAND_DISPLAY is set, and X11 otherwise.
    let needed = if wayland {
        WAYLAND_LIBRARIES
    } else {
        X11_LIBRARIES
    };
    let dirs = loader_dirs();
    let missing: Vec<&NeededLibrary> = needed
        .iter()
        .filter(|l| !found_in(&dirs, l.soname))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = missing.iter().map(|l| l.soname).collect();
    let mut packages: Vec<&str> = missing.iter().map(|l| l.package).collect();
    // The OpenGL drivers come with EGL in practice; name them so one command is enough.
    packages.push("libgl1-mesa-dri");
    packages.dedup();
    Some(format!(
        "the window needs system libraries that are not installed ({}); on Debian or Ubuntu \
         install them with: sudo apt-get install -y {}",
        names.join(", "),
        packages.join(" ")
    ))
}

/// True when `soname` is a file in one of `dirs`.
fn found_in(dirs: &[PathBuf], soname: &str) -> bool {
    dirs.iter().any(|dir| dir.join(soname).is_file())
}

/// Where the dynamic loader looks for libraries on this computer.
fn loader_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("LD_LIBRARY_PATH")
        .map(|paths| std::env::split_paths(&paths).collect())
        .unwrap_or_default();
    read_ld_conf(Path::new("/etc/ld.so.conf"), &mut dirs, 0);
    for standard in [
        "/lib",
        "/usr/lib",
        "/lib64",
        "/usr/lib64",
        "/usr/local/lib",
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        dirs.push(PathBuf::from(standard));
    }
    dirs
}

/// Adds the directories an `ld.so.conf` names, following its `include` lines (a `*` in the
/// last part of the pattern, as Debian's `include /etc/ld.so.conf.d/*.conf`).
fn read_ld_conf(file: &Path, dirs: &mut Vec<PathBuf>, depth: u8) {
    let Ok(text) = std::fs::read_to_string(file) else {
        return;
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include") {
            if depth < 4 {
                for included in expand(pattern.trim()) {
                    read_ld_conf(&included, dirs, depth + 1);
                }
            }
        } else if line.starts_with('/') {
            dirs.push(PathBuf::from(line));
        }
    }
}

/// The files a pattern such as `/etc/ld.so.conf.d/*.conf` names, sorted.
fn expand(pattern: &str) -> Vec<PathBuf> {
    let path = Path::new(pattern);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some((prefix, suffix)) = name.split_once('*') else {
        return vec![path.to_path_buf()];
    };
    let Some(parent) = path.parent() else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(parent)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_c_library_is_found_and_a_made_up_one_is_not() {
        let dirs = loader_dirs();
        assert!(found_in(&dirs, "libc.so.6"), "looked in {dirs:?}");
        assert!(!found_in(&dirs, "libhoist-does-not-exist.so.9"));
    }

    #[test]
    fn ld_conf_includes_are_followed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let conf_d = tmp.path().join("ld.so.conf.d");
        std::fs::create_dir(&conf_d).expect("mkdir");
        std::fs::write(conf_d.join("a.conf"), "# comment\n/opt/a/lib\n").expect("write");
        std::fs::write(conf_d.join("b.txt"), "/not/read\n").expect("write");
        let main = tmp.path().join("ld.so.conf");
        let include = format!("include {}/*.conf\n/opt/main/lib\n", conf_d.display());
        std::fs::write(&main, include).expect("write");
        let mut dirs = Vec::new();
        read_ld_conf(&main, &mut dirs, 0);
        assert_eq!(
            dirs,
            vec![PathBuf::from("/opt/a/lib"), PathBuf::from("/opt/main/lib")]
        );
    }

    #[test]
    fn every_library_names_a_package() {
        for l in X11_LIBRARIES.iter().chain(WAYLAND_LIBRARIES) {
            assert!(l.soname.starts_with("lib") && l.soname.contains(".so."));
            assert!(!l.package.is_empty() && !l.package.contains(' '));
        }
    }
}
