//! tus 1.0 against the reference server (`/tus/files/`), through the real `hoist upload --kind
//! tus`: clean uploads of edge sizes, streaming and chunked, a deferred length, every fault, a
//! SIGKILL mid-upload, expiry and cancellation. Every upload is compared by sha256.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{
    FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text, wait_until,
};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

/// The `hoist` arguments that upload to `server` over tus (for suites shared by every protocol).
pub fn upload_args(server: &TestServer) -> Vec<String> {
    vec![
        "upload".to_string(),
        "--kind".to_string(),
        "tus".to_string(),
        "--endpoint".to_string(),
        format!("{}/tus/files/", server.base_url()),
    ]
}

/// `hoist upload --kind tus ...` with fast retries, `extra` args and `file`.
fn upload_command(home: &Home, server: &TestServer, extra: &[&str], file: &Path) -> Command {
    let mut cmd = home.hoist();
    cmd.args(upload_args(server))
        .args(FAST_RETRY)
        .args(extra)
        .arg(file);
    cmd
}

fn run(home: &Home, server: &TestServer, extra: &[&str], file: &Path) -> Output {
    upload_command(home, server, extra, file)
        .output()
        .expect("hoist runs")
}

/// Uploads one file of `size` bytes with `extra` args against a server with `faults`; asserts
/// success, a byte-exact copy and a completed journal entry. Returns the server.
fn upload_ok(faults: &[&str], size: u64, extra: &[&str]) -> TestServer {
    let server = TestServer::start(faults);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.mp4", size, size ^ 0x7e5);
    let out = run(&home, &server, extra, &source);
    assert!(
        out.status.success(),
        "upload failed with {faults:?} {extra:?}: {}",
        text(&out)
    );
    assert_stored_equal(&server, "clip.mp4", &source);
    let list = home.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["phase"], "completed");
    assert_eq!(list[0]["confirmed_bytes"], size);
    let result = &list[0]["result"];
    let remote_id = result["remote_id"].as_str().expect("remote id");
    assert_eq!(
        remote_id.len(),
        32,
        "the id is the upload URL's last segment"
    );
    assert!(
        result["url"].is_null(),
        "the upload URL is a capability, not a link: {result}"
    );
    server
}

#[test]
fn clean_streaming_upload() {
    let server = upload_ok(&[], 5 * MIB + 123, &[]);
    let stats = server.stats();
    assert_eq!(stats.upload_body_bytes_received, 5 * MIB + 123, "sent once");
    assert_eq!(stats.sessions_created, 1);
    assert_eq!(stats.uploads_completed, 1);
}

#[test]
fn clean_chunked_uploads() {
    let server = upload_ok(&[], 3 * MIB + 7, &["--chunk-size", "256KiB"]);
    assert_eq!(server.stats().upload_body_bytes_received, 3 * MIB + 7);
    // tus takes any chunk size, not only multiples of 256 KiB.
    upload_ok(&[], 1_000_003, &["--chunk-size", "100000"]);
}

#[test]
fn edge_sizes() {
    upload_ok(&[], 0, &[]);
    upload_ok(&[], 1, &[]);
    upload_ok(&[], 1, &["--chunk-size", "256KiB"]);
    upload_ok(&[], 256 * KIB, &["--chunk-size", "256KiB"]);
}

#[test]
fn deferred_length() {
    // Not a multiple of the chunk: the last chunk carries Upload-Length.
    upload_ok(
        &[],
        MIB + 1000,
        &["--chunk-size", "256KiB", "--size-unknown"],
    );
    // An exact multiple, and an empty file (Upload-Length with an empty PATCH).
    upload_ok(&[], MIB, &["--chunk-size", "256KiB", "--size-unknown"]);
    upload_ok(&[], 0, &["--chunk-size", "256KiB", "--size-unknown"]);
}

#[test]
fn connection_dropped_after_n_bytes() {
    // Chunks are checksummed, so the server keeps nothing of a broken one; the client sends
    // shorter requests after each break until they fit.
    let server = upload_ok(&["drop-after=700KiB"], 3 * MIB + 5, &[]);
    assert!(server.injected("drop-after") >= 2);
    let server = upload_ok(&["drop-after=300KiB"], MIB + 5, &["--chunk-size", "256KiB"]);
    assert_eq!(
        server.injected("drop-after"),
        0,
        "chunks below the drop point"
    );
}

#[test]
fn connection_dropped_at_random() {
    let server = upload_ok(
        &["drop-rate=0.5", "seed=11"],
        2 * MIB + 1,
        &["--chunk-size", "256KiB"],
    );
    assert!(server.injected("drop-rate") >= 1);
    upload_ok(&["drop-rate=0.5", "seed=12"], 2 * MIB + 1, &[]);
}

#[test]
fn server_errors_are_retried() {
    let server = upload_ok(
        &["error-rate=0.4", "seed=3"],
        2 * MIB,
        &["--chunk-size", "256KiB"],
    );
    assert!(server.injected("error-rate") >= 1);
    upload_ok(
        &["error-rate=0.3:429", "retry-after=0", "seed=5"],
        MIB,
        &["--chunk-size", "256KiB"],
    );
    upload_ok(&["error-rate=0.3:500", "seed=6"], MIB, &[]);
}

#[test]
fn offset_conflicts_ask_head_again() {
    let server = upload_ok(
        &["offset-conflict-rate=0.3", "seed=21"],
        2 * MIB + 9,
        &["--chunk-size", "256KiB"],
    );
    assert!(server.injected("offset-conflict-rate") >= 1);
    let server = upload_ok(&["offset-conflict-rate=0.5", "seed=22"], MIB, &[]);
    assert!(server.injected("offset-conflict-rate") >= 1);
}

#[test]
fn checksum_mismatches_are_sent_again() {
    // The fault only fires on PATCHes that carry Upload-Checksum: its count proves they did.
    let server = upload_ok(
        &["checksum-mismatch-rate=0.3", "seed=31"],
        2 * MIB + 3,
        &["--chunk-size", "256KiB"],
    );
    assert!(server.injected("checksum-mismatch-rate") >= 1);
    let server = upload_ok(&["checksum-mismatch-rate=0.5", "seed=32"], MIB + 1, &[]);
    assert!(server.injected("checksum-mismatch-rate") >= 1);
}

#[test]
fn server_commits_less_than_it_received() {
    // The 204's Upload-Offset is the confirmed count, not what was sent.
    let server = upload_ok(
        &["short-commit=100KiB"],
        2 * MIB + 3,
        &["--chunk-size", "512KiB"],
    );
    assert!(server.injected("short-commit") >= 1);
}

#[test]
fn upload_gone_mid_upload_starts_a_new_one() {
    let server = upload_ok(&["expire-after=1MiB"], 3 * MIB, &["--chunk-size", "256KiB"]);
    assert_eq!(server.injected("expire-after"), 1);
    assert_eq!(
        server.stats().sessions_created,
        2,
        "a new upload was created"
    );
    let server = upload_ok(
        &["expire-after=512KiB:410"],
        2 * MIB,
        &["--chunk-size", "256KiB"],
    );
    assert_eq!(server.stats().sessions_created, 2);
}

#[test]
fn bearer_token_and_a_401_now_and_then() {
    let server = TestServer::start_with_token(&["unauthorized-every=4"], Some("tus-tok-1"));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "a.bin", 2 * MIB, 9);
    let mut cmd = upload_command(
        &home,
        &server,
        &["--token-env", "HOIST_TUS_TOKEN", "--chunk-size", "256KiB"],
        &source,
    );
    let out = cmd
        .env("HOIST_TUS_TOKEN", "tus-tok-1")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "a.bin", &source);
    assert!(server.injected("unauthorized-every") >= 1);
}

#[test]
fn wrong_token_fails_clearly() {
    let server = TestServer::start_with_token(&[], Some("right"));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "a.bin", 1000, 1);
    let mut cmd = upload_command(&home, &server, &["--token-env", "HOIST_TUS_TOKEN"], &source);
    let out = cmd
        .env("HOIST_TUS_TOKEN", "wrong-secret-value")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let all = text(&out);
    assert!(all.contains("refused the credentials"), "{all}");
    assert!(
        !all.contains("wrong-secret-value"),
        "the token leaked: {all}"
    );
    assert!(!all.contains("/tus/files/"), "an upload URL leaked: {all}");
}

#[test]
fn throttled_slow_server_with_latency() {
    upload_ok(
        &["throttle=4MiB", "latency=30ms"],
        MIB + 17,
        &["--chunk-size", "256KiB"],
    );
}

/// Kills `child` whenever the server has received each of `points` bytes and resumes with
/// `hoist resume --all`; returns the number of kills.
fn kill_and_resume(
    server: &TestServer,
    home: &Home,
    first: std::process::Child,
    points: &[u64],
) -> u64 {
    let mut child = first;
    let mut kills = 0;
    for &point in points {
        wait_until(60, "the server to receive more bytes", || {
            server.stats().upload_body_bytes_received >= point
        });
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        kills += 1;
        let list = home.list();
        assert_eq!(list.len(), 1);
        assert_ne!(list[0]["phase"], "completed");
        child = home.spawn(&["resume", "--all"]);
    }
    let status = child.wait().expect("resume finishes");
    assert!(status.success(), "the last resume failed: {status:?}");
    kills
}

fn spawn_upload(
    home: &Home,
    server: &TestServer,
    extra: &[&str],
    file: &Path,
) -> std::process::Child {
    let mut args: Vec<String> = upload_args(server);
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(file.to_str().expect("utf-8 path").to_string());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    home.spawn(&args)
}

#[test]
fn sigkill_during_chunked_upload_then_resume() {
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 6 * MIB + 12_345;
    let chunk = 512 * KIB;
    let source = make_file(files.path(), "movie.mov", size, 77);
    let first = spawn_upload(&home, &server, &["--chunk-size", "512KiB"], &source);
    let kills = kill_and_resume(&server, &home, first, &[MIB, 5 * MIB / 2, 4 * MIB]);
    assert_stored_equal(&server, "movie.mov", &source);
    // A checksummed chunk cut by the kill is discarded whole: at most one chunk (plus what sat
    // in socket buffers, also less than a chunk here) per kill is sent again.
    let received = server.stats().upload_body_bytes_received;
    assert!(
        received <= size + kills * 2 * chunk,
        "re-sent too much: received {received} for {size} bytes and {kills} kills"
    );
    let list = home.list();
    assert_eq!(list[0]["phase"], "completed");
    assert_eq!(list[0]["confirmed_bytes"], size);
    assert_eq!(
        server.stats().sessions_created,
        1,
        "the upload was resumed (HEAD), not created anew"
    );
}

#[test]
fn sigkill_during_streaming_upload_then_resume() {
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 3 * MIB + 1;
    let source = make_file(files.path(), "stream.bin", size, 78);
    let first = spawn_upload(&home, &server, &[], &source);
    kill_and_resume(&server, &home, first, &[MIB]);
    assert_stored_equal(&server, "stream.bin", &source);
    assert_eq!(server.stats().sessions_created, 1);
}

#[test]
fn expired_upload_is_created_anew_on_resume() {
    let server = TestServer::start(&["throttle=1MiB", "tus-expires=4"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 4 * MIB;
    let source = make_file(files.path(), "old.bin", size, 80);
    let mut child = spawn_upload(&home, &server, &["--chunk-size", "256KiB"], &source);
    wait_until(60, "some bytes to arrive", || {
        server.stats().upload_body_bytes_received >= 512 * KIB
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    assert!(home.list()[0]["confirmed_bytes"].as_u64().unwrap_or(0) > 0);
    // Let the upload expire (at most 4 s after its creation), then let new uploads live long
    // and go fast.
    std::thread::sleep(std::time::Duration::from_millis(4500));
    let running = server.server.as_ref().expect("running");
    running.set_faults(hoist_refserver::FaultConfig::default());
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .output()
        .expect("resume");
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "old.bin", &source);
    assert_eq!(server.stats().sessions_created, 2, "created anew");
    assert_eq!(home.list()[0]["confirmed_bytes"], size);
}

#[test]
fn cancel_terminates_the_upload_on_the_server() {
    let server = TestServer::start(&["throttle=1MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "doomed.bin", 4 * MIB, 81);
    let mut child = spawn_upload(&home, &server, &["--chunk-size", "256KiB"], &source);
    wait_until(60, "some bytes to arrive", || {
        server.stats().upload_body_bytes_received >= 512 * KIB
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let id = home.list()[0]["id"].to_string();
    let out = home
        .hoist()
        .args(["cancel", id.trim_matches('"')])
        .output()
        .expect("cancel");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(home.list()[0]["phase"], "cancelled");
    // The server got the DELETE: the upload is terminated and its bytes are gone.
    let sessions: Vec<serde_json::Value> = std::fs::read_dir(server.store.path().join(".sessions"))
        .expect("sessions folder")
        .map(|entry| {
            let path = entry.expect("entry").path();
            serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
        })
        .collect();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["state"], "terminated", "{}", sessions[0]);
    let partial = server.store.path().join(".partial");
    assert_eq!(
        std::fs::read_dir(partial).expect("partial folder").count(),
        0,
        "the received bytes were deleted"
    );
    assert!(!server.stored("doomed.bin").exists());
}
