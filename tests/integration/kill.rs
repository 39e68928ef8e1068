//! A real process kill: `hoist upload` is SIGKILLed mid-transfer at several points, `hoist resume
//! --all` finishes the job, the stored object is byte-exact and at most one chunk per kill was
//! sent twice.

use std::process::Child;

use crate::support::{FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, wait_until};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

/// Kills the upload whenever the server has received each of `points` bytes, resumes after
/// each kill, and returns the number of kills.
fn kill_and_resume(server: &TestServer, home: &Home, first: Child, points: &[u64]) -> u64 {
    let mut child = first;
    let mut kills = 0;
    for &point in points {
        wait_until(60, "the server to receive more bytes", || {
            server.stats().upload_body_bytes_received >= point
        });
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        kills += 1;
        // The journal survived the kill and says the upload is unfinished.
        let list = home.list();
        assert_eq!(list.len(), 1);
        assert_ne!(list[0]["phase"], "completed");
        child = home.spawn(&["resume", "--all"]);
    }
    let status = child.wait().expect("resume finishes");
    assert!(status.success(), "the last resume failed: {status:?}");
    kills
}

#[test]
fn sigkill_during_chunked_upload_then_resume() {
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 6 * MIB + 12_345;
    let chunk = 512 * KIB;
    let source = make_file(files.path(), "movie.mov", size, 77);
    let endpoint = server.initiate_url();
    let first = home.spawn_upload(&endpoint, &["--chunk-size", "512KiB"], &source);
    let kills = kill_and_resume(&server, &home, first, &[MIB, 5 * MIB / 2, 4 * MIB]);
    assert_stored_equal(&server, "movie.mov", &source);
    let received = server.stats().upload_body_bytes_received;
    assert!(
        received <= size + kills * chunk,
        "re-sent more than one chunk per kill: received {received} for {size} bytes and {kills} kills"
    );
    let list = home.list();
    assert_eq!(list[0]["phase"], "completed");
    assert_eq!(list[0]["confirmed_bytes"], size);
    assert_eq!(
        server.stats().sessions_created,
        1,
        "the session was resumed, not restarted"
    );
}

#[test]
fn sigkill_during_streaming_upload_then_resume() {
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 5 * MIB + 1;
    let source = make_file(files.path(), "stream.bin", size, 78);
    let endpoint = server.initiate_url();
    let first = home.spawn_upload(&endpoint, &[], &source);
    let kills = kill_and_resume(&server, &home, first, &[MIB, 3 * MIB]);
    assert_stored_equal(&server, "stream.bin", &source);
    // The server keeps what it received in 256 KiB units; the rest of the bytes in flight at
    // each kill (socket buffers included) are sent again.
    let received = server.stats().upload_body_bytes_received;
    assert!(received <= size + kills * 4 * MIB, "{received}");
    assert_eq!(server.stats().sessions_created, 1);
}

#[test]
fn sigkill_right_after_start_then_resume() {
    // Killed while the session is being initiated or the first bytes are going out.
    let server = TestServer::start(&["latency=200ms"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "early.bin", 700 * KIB, 79);
    let endpoint = server.initiate_url();
    let mut child = home.spawn_upload(&endpoint, &["--chunk-size", "256KiB"], &source);
    wait_until(30, "the upload to be in the journal", || {
        home.list()
            .first()
            .is_some_and(|u| u["phase"] == "uploading")
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .output()
        .expect("resume");
    assert!(out.status.success(), "{}", crate::support::text(&out));
    assert_stored_equal(&server, "early.bin", &source);
}
