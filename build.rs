//! Build script: `HOIST_VERSION` for `hoist --version` -- the package version, followed by the
//! short git commit when the crate is built from its own git checkout (`0.1.0 (1a2b3c4)`), else the
//! package version alone (a source tarball, or a checkout without `git`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let package_version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = match checkout_commit(&manifest_dir) {
        Some(commit) => format!("{package_version} ({commit})"),
        None => package_version,
    };
    println!("cargo:rustc-env=HOIST_VERSION={version}");
}

/// The short commit of HEAD if `dir` is the top of a git work tree, and tells cargo which git files
/// to watch so a new commit refreshes the version.
fn checkout_commit(dir: &Path) -> Option<String> {
    // Only this crate's own checkout: a tarball unpacked inside some other repository must not
    // borrow that repository's commit.
    let top_level = git(dir, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(top_level).ok()? != std::fs::canonicalize(dir).ok()? {
        return None;
    }
    let commit = git(dir, &["rev-parse", "--short", "HEAD"])?;
    // HEAD lives in the (per-worktree) git dir; the branch it names and packed-refs in the common
    // dir. Watch only files that exist: a missing one would make cargo rerun this every build.
    let git_dir = PathBuf::from(git(dir, &["rev-parse", "--absolute-git-dir"])?);
    // `--git-common-dir` may be relative to `dir` (".git"); `join` keeps an absolute one as is.
    let common_dir = git(dir, &["rev-parse", "--git-common-dir"]).map(|d| dir.join(d));
    let mut watched = vec![git_dir.join("HEAD")];
    if let Some(common_dir) = common_dir {
        watched.push(common_dir.join("packed-refs"));
        if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
            watched.push(common_dir.join(branch));
        }
    }
    for path in watched.iter().filter(|p| p.is_file()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(commit)
}

/// Runs `git` in `dir`; its trimmed stdout on success.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}
