//! The independent servers and tools some tests need (gcp-storage-emulator, moto, @tus/server,
//! dbus-daemon and gnome-keyring): when one is missing, `scripts/install-test-peers.sh` installs
//! it on first use, once per test process and one process at a time, so `cargo test
//! --all-targets` works on a fresh checkout. What the script cannot install (no root, no Node.js)
//! it names in one line, and the test fails with that line.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// A peer a test needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// gcp-storage-emulator (PyPI) in `target/ci-venv`.
    GcsEmulator,
    /// moto[server] (PyPI) in `target/ci-venv`.
    Moto,
    /// @tus/server and @tus/file-store (npm) in `tests/peers/tus/node_modules`.
    Tus,
    /// dbus-daemon and gnome-keyring-daemon (Debian packages).
    Keyring,
}

/// The repository's top directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The CI virtualenv that holds the PyPI peers.
pub fn venv() -> PathBuf {
    root().join("target/ci-venv")
}

/// True when `program` is an executable on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn site_packages_have(package: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(venv().join("lib")) else {
        return false;
    };
    entries
        .flatten()
        .any(|python| python.path().join("site-packages").join(package).is_dir())
}

fn present(peer: Peer) -> bool {
    match peer {
        Peer::GcsEmulator => {
            std::env::var_os("HOIST_GCS_EMULATOR").is_some()
                || venv().join("bin/gcp-storage-emulator").is_file()
        }
        Peer::Moto => {
            std::env::var_os("HOIST_MOTO_PYTHON").is_some()
                || (site_packages_have("moto") && site_packages_have("boto3"))
        }
        Peer::Tus => {
            let modules = root().join("tests/peers/tus/node_modules/@tus");
            modules.join("server/package.json").is_file()
                && modules.join("file-store/package.json").is_file()
        }
        Peer::Keyring => on_path("dbus-daemon") && on_path("gnome-keyring-daemon"),
    }
}

/// Makes sure `peer` is installed, running the installer once if it is not; panics with the
/// installer's one-line explanation when it cannot be installed here.
pub fn ensure(peer: Peer) {
    if present(peer) {
        return;
    }
    static INSTALLED: OnceLock<Mutex<Option<Result<(), String>>>> = OnceLock::new();
    let slot = INSTALLED.get_or_init(|| Mutex::new(None));
    let mut outcome = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if outcome.is_none() {
        *outcome = Some(install());
    }
    if let Some(Err(why)) = outcome.as_ref() {
        panic!("{peer:?} is needed and could not be installed: {why}");
    }
    assert!(
        present(peer),
        "{peer:?} is still missing after scripts/install-test-peers.sh ran"
    );
}

/// Runs the installer under a file lock, so parallel test processes install once.
fn install() -> Result<(), String> {
    let target = root().join("target");
    std::fs::create_dir_all(&target).map_err(|e| format!("{}: {e}", target.display()))?;
    let lock_path = target.join("install-test-peers.lock");
    let lock = File::create(&lock_path).map_err(|e| format!("{}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    let script: &Path = &root().join("scripts/install-test-peers.sh");
    let out = Command::new("bash")
        .arg(script)
        .current_dir(root())
        .output()
        .map_err(|e| format!("could not run {}: {e}", script.display()))?;
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    eprint!("{said}");
    if out.status.success() {
        Ok(())
    } else {
        let last = said.lines().rev().find(|l| !l.trim().is_empty());
        Err(last
            .unwrap_or("scripts/install-test-peers.sh failed")
            .to_string())
    }
}
