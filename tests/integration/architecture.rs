//! The crate boundaries of ARCHITECTURE.md, checked with `cargo tree` on this workspace.

use std::path::Path;
use std::process::Command;

/// The package names in `cargo tree -p PACKAGE` (normal dependencies only), one per line.
fn dependency_names(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(
        names.first().map(String::as_str) == Some(package),
        "cargo tree -p {package} printed {names:?}"
    );
    names
}

fn assert_lacks(package: &str, forbidden: &[&str]) {
    let names = dependency_names(package);
    for name in forbidden {
        assert!(
            !names.iter().any(|n| n == name),
            "{package} must not depend on {name}, even indirectly"
        );
    }
}

#[test]
fn core_links_no_gui_toolkit_and_no_server_framework() {
    let names = dependency_names("hoist-core");
    assert!(names.iter().any(|n| n == "reqwest"), "sanity: {names:?}");
    assert_lacks(
        "hoist-core",
        &[
            "egui",
            "eframe",
            "winit",
            "axum",
            "multer",
            "hoist-ui",
            "hoist-refserver",
        ],
    );
}

#[test]
fn the_window_never_links_the_reference_server() {
    let names = dependency_names("hoist-ui");
    assert!(names.iter().any(|n| n == "hoist-core"), "sanity: {names:?}");
    assert_lacks("hoist-ui", &["hoist-refserver", "axum", "multer"]);
}

/// The test harness is a dev-dependency only: nothing shipped links it.
#[test]
fn the_test_harness_is_never_shipped() {
    for package in ["hoist", "hoist-core", "hoist-ui", "hoist-refserver"] {
        let names = dependency_names(package);
        assert!(names.len() > 1, "sanity: {package} {names:?}");
        assert_lacks(package, &["hoist-test-support"]);
    }
    // The check would see it: the tests' own tree has it.
    let names = dependency_names("hoist-test-support");
    assert!(names.iter().any(|n| n == "hoist-refserver"), "{names:?}");
}

#[test]
fn the_reference_server_links_no_hoist_crate() {
    let names = dependency_names("hoist-refserver");
    let hoist_crates: Vec<&String> = names
        .iter()
        .skip(1)
        .filter(|n| n.starts_with("hoist"))
        .collect();
    assert!(
        hoist_crates.is_empty(),
        "hoist-refserver links {hoist_crates:?}"
    );
}

/// `hoist-core`'s modules from the bottom up: each may use only those before it (lib.rs and
/// ARCHITECTURE.md give the same order).
const CORE_LAYERS: [&str; 13] = [
    "units", "upload", "file", "store", "secrets", "protocol", "auth", "profile", "engine",
    "system", "watch", "support", "fuzz",
];

/// `#[cfg(test)]` modules of `hoist-core` that any layer's tests may use.
const TEST_ONLY_MODULES: [&str; 1] = ["test_support"];

/// Every `crate::MODULE` named in `path` (a file, or a folder's `.rs` files; code and doc links
/// alike), with the file it is in.
fn crate_paths_in(path: &Path, found: &mut Vec<(String, String)>) {
    if path.is_dir() {
        for entry in std::fs::read_dir(path).expect("read source dir") {
            crate_paths_in(&entry.expect("entry").path(), found);
        }
        return;
    }
    if path.extension().is_none_or(|e| e != "rs") {
        return;
    }
    let text = std::fs::read_to_string(path).expect("read source");
    for (at, _) in text.match_indices("crate::") {
        let module: String = text[at + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        found.push((path.display().to_string(), module));
    }
}

#[test]
fn core_modules_only_use_the_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/hoist-core/src");
    let mut violations = Vec::new();
    for (rank, layer) in CORE_LAYERS.iter().enumerate() {
        let dir = src.join(layer);
        let mut found = Vec::new();
        if dir.is_dir() {
            crate_paths_in(&dir, &mut found);
        } else {
            crate_paths_in(&src.join(format!("{layer}.rs")), &mut found);
        }
        for (file, module) in found {
            if TEST_ONLY_MODULES.contains(&module.as_str()) {
                continue;
            }
            match CORE_LAYERS.iter().position(|l| *l == module) {
                Some(used) if used <= rank => {}
                Some(_) => violations.push(format!("{file}: {layer} uses crate::{module}")),
                None => violations.push(format!("{file}: unknown module crate::{module}")),
            }
        }
    }
    assert!(
        violations.is_empty(),
        "modules using a layer above them:\n{}",
        violations.join("\n")
    );
}
