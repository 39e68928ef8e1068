//! Interoperability with an independent tus 1.0 server: `@tus/server` + `@tus/file-store` (npm),
//! pinned in `tests/peers/tus/package.json` and installed where missing by
//! `scripts/install-test-peers.sh` (`npm ci` into `tests/peers/tus/node_modules`). `tests/peers/tus/server.mjs` listens on 127.0.0.1 port 0,
//! prints its port and stores upload `ID` as `DIR/ID` (with `DIR/ID.json`).
//!
//! Where @tus/server differs from Hoist's reference server, and what the client tolerates:
//! - it offers no `checksum` extension, so no `Upload-Checksum` is sent and a streaming upload is
//!   one `PATCH` of the whole rest of the file;
//! - a `PATCH` cut off mid-body keeps the bytes that arrived (the reference server keeps nothing
//!   of a cut checksummed `PATCH`): `HEAD` after a kill reports them and the upload goes on there;
//! - it answers with an empty reason phrase (`HTTP/1.1 204 `), and `Tus-Resumable` on `OPTIONS`;
//! - it stores files under its own ids, not their names: the stored copy is found through the
//!   `remote_id` Hoist reports (the upload URL's last segment).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::{FAST_RETRY, Home, make_file, sha256, text, wait_until};

const MIB: u64 = 1024 * 1024;

/// A running `@tus/server`, stopped on drop.
struct TusPeer {
    child: Child,
    endpoint: String,
    store: tempfile::TempDir,
}

impl Drop for TusPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peer_dir() -> PathBuf {
    crate::peers::ensure(crate::peers::Peer::Tus);
    crate::peers::root().join("tests/peers/tus")
}

fn start_peer() -> TusPeer {
    let dir = peer_dir();
    let node = std::env::var_os("HOIST_NODE").unwrap_or_else(|| "node".into());
    let store = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(&node)
        .arg(dir.join("server.mjs"))
        .arg(store.path())
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("could not start node ({node:?}; set HOIST_NODE to Node.js >= 20.19): {e}")
        });
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the port");
    let port: u16 = line.trim().parse().unwrap_or_else(|_| {
        let _ = child.kill();
        panic!("@tus/server did not print its port (got {line:?})")
    });
    TusPeer {
        child,
        endpoint: format!("http://127.0.0.1:{port}/files/"),
        store,
    }
}

fn upload_args(peer: &TusPeer) -> Vec<String> {
    ["upload", "--kind", "tus", "--endpoint", &peer.endpoint]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// Asserts that the peer stored exactly `source` for the only upload in `home`.
fn assert_peer_stored(peer: &TusPeer, home: &Home, source: &Path) {
    let list = home.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["phase"], "completed", "{}", list[0]);
    let id = list[0]["result"]["remote_id"]
        .as_str()
        .expect("remote id")
        .to_string();
    let stored = peer.store.path().join(&id);
    assert!(stored.exists(), "@tus/server has no file {id}");
    assert_eq!(sha256(&stored), sha256(source), "stored copy differs");
}

fn upload_to_peer(size: u64, extra: &[&str]) {
    let peer = start_peer();
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), &format!("obj-{size}.bin"), size, size + 3);
    let out = home
        .hoist()
        .args(upload_args(&peer))
        .args(FAST_RETRY)
        .args(extra)
        .arg(&source)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{size} {extra:?}: {}", text(&out));
    assert_peer_stored(&peer, &home, &source);
}

#[test]
fn tus_server_streaming_upload() {
    upload_to_peer(5 * MIB + 11, &[]);
}

#[test]
fn tus_server_chunked_upload() {
    upload_to_peer(MIB + 5, &["--chunk-size", "256KiB"]);
    upload_to_peer(700_001, &["--chunk-size", "100000"]);
}

#[test]
fn tus_server_edge_sizes() {
    upload_to_peer(0, &[]);
    upload_to_peer(1, &[]);
    upload_to_peer(MIB + 1000, &["--chunk-size", "256KiB", "--size-unknown"]);
}

/// Starts an upload throttled by Hoist's own bandwidth limit, kills it once `@tus/server` holds
/// some bytes, and resumes it.
fn kill_and_resume(extra: &[&str]) {
    let peer = start_peer();
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 4 * MIB + 77;
    let source = make_file(files.path(), "killed.bin", size, 99);
    let mut child = home
        .hoist()
        .args(upload_args(&peer))
        .args(FAST_RETRY)
        .args(["--bandwidth-limit", "2MiB"])
        .args(extra)
        .arg(&source)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hoist");
    // @tus/server writes straight into DIR/ID: wait until that file holds a fair share.
    wait_until(60, "@tus/server to hold some bytes", || {
        stored_bytes(peer.store.path()) >= MIB
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let list = home.list();
    assert_ne!(list[0]["phase"], "completed");
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .output()
        .expect("resume");
    assert!(out.status.success(), "{extra:?}: {}", text(&out));
    assert_peer_stored(&peer, &home, &source);
    // Resumed, not created anew: the peer holds one upload.
    let uploads = std::fs::read_dir(peer.store.path())
        .expect("store")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .count();
    assert_eq!(uploads, 1, "{extra:?}: the upload was created anew");
}

/// Bytes in the upload files (not the `.json` metadata) under `dir`.
fn stored_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_none())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn tus_server_kill_and_resume_streaming() {
    kill_and_resume(&[]);
}

#[test]
fn tus_server_kill_and_resume_chunked() {
    kill_and_resume(&["--chunk-size", "512KiB"]);
}
