//! What the package promises: `hoist --version`, and that the desktop entry, the AppStream
//! metainfo, the window's application id and the icons all agree (names, sizes).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_file(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// `git` in the crate's directory, if that directory is the top of a checkout.
fn git_head() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let same = std::fs::canonicalize(top).ok()? == std::fs::canonicalize(dir).ok()?;
    same.then(|| git(&["rev-parse", "HEAD"])).flatten()
}

#[test]
fn version_prints_the_package_version_and_the_checkout_commit() {
    for flag in ["--version", "-V"] {
        let out = Command::new(env!("CARGO_BIN_EXE_hoist"))
            .arg(flag)
            .output()
            .expect("hoist runs");
        assert!(out.status.success(), "{flag}: {out:?}");
        assert!(out.stderr.is_empty(), "{flag}: nothing on stderr");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let line = text
            .strip_suffix('\n')
            .expect("one line ending in a newline");
        assert!(!line.contains('\n'), "one line: {text:?}");
        // "hoist 0.1.0" or "hoist 0.1.0 (1a2b3c4)"
        let rest = line
            .strip_prefix(concat!("hoist ", env!("CARGO_PKG_VERSION")))
            .unwrap_or_else(|| panic!("{flag} starts with the name and version: {line:?}"));
        match git_head() {
            Some(head) => {
                let commit = rest
                    .strip_prefix(" (")
                    .and_then(|r| r.strip_suffix(')'))
                    .unwrap_or_else(|| {
                        panic!("built from a checkout: commit in parentheses: {line:?}")
                    });
                assert!(commit.len() >= 7, "short commit: {commit:?}");
                assert!(
                    commit.chars().all(|c| c.is_ascii_hexdigit()),
                    "hex: {commit:?}"
                );
                assert!(head.starts_with(commit), "{commit} is HEAD ({head})");
            }
            None => assert_eq!(rest, "", "no checkout: the version alone"),
        }
    }
}

#[test]
fn desktop_entry_metainfo_and_window_share_the_application_id() {
    let id = hoist_ui::APP_ID;
    let desktop = read(&format!("dist/{id}.desktop"));
    let metainfo = read(&format!("dist/{id}.metainfo.xml"));
    assert!(
        desktop.contains("\nExec=hoist %F\n"),
        "opens files given by the desktop"
    );
    assert!(
        desktop.contains(&format!("\nIcon={id}\n")),
        "icon named like the installed PNGs/SVG"
    );
    assert!(
        desktop.contains(&format!("\nStartupWMClass={id}\n")),
        "X11 matches WM_CLASS"
    );
    assert!(metainfo.contains(&format!("<id>{id}</id>")), "AppStream id");
    assert!(
        metainfo.contains(&format!(
            r#"<launchable type="desktop-id">{id}.desktop</launchable>"#
        )),
        "AppStream launches the desktop entry"
    );
    assert!(
        metainfo.contains("<binary>hoist</binary>"),
        "provides the binary"
    );
    assert!(
        metainfo.contains(&format!(
            r#"<release version="{}""#,
            env!("CARGO_PKG_VERSION")
        )),
        "the metainfo lists this version as a release"
    );
}

#[test]
fn icons_decode_at_their_named_sizes_and_the_package_installs_each() {
    let manifest = read("Cargo.toml");
    for size in [16u32, 32, 48, 64, 128, 256, 512] {
        let name = format!("assets/icons/hoist-{size}.png");
        let icon = image::open(repo_file(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((icon.width(), icon.height()), (size, size), "{name}");
        assert!(icon.color().has_alpha(), "{name} has transparent corners");
        let target = format!(
            "usr/share/icons/hicolor/{size}x{size}/apps/{}.png",
            hoist_ui::APP_ID
        );
        assert!(
            manifest.contains(&format!(r#"["{name}", "{target}", "644"]"#)),
            "Cargo.toml [package.metadata.deb] installs {name} as {target}"
        );
    }
    assert!(read("assets/icons/hoist.svg").contains("<svg"));
    for asset in [
        r#"["assets/icons/hoist.svg", "usr/share/icons/hicolor/scalable/apps/io.github.hoist.Hoist.svg", "644"]"#,
        r#"["target/release/hoist", "usr/bin/", "755"]"#,
    ] {
        assert!(manifest.contains(asset), "Cargo.toml installs {asset}");
    }
}
