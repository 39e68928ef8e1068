//! The Google resumable protocol against the reference server: clean uploads, every fault,
//! edge sizes. Every test compares the sha256 of the stored object with the source.

use crate::support::{Home, TestServer, assert_stored_equal, make_file, text};

const MIB: u64 = 1024 * 1024;
const KIB: u64 = 1024;

/// Uploads one file of `size` bytes with `extra` args against a server with `faults`; asserts
/// success and a byte-exact copy. Returns the server for further checks.
fn upload_ok(faults: &[&str], size: u64, extra: &[&str]) -> TestServer {
    let server = TestServer::start(faults);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.mp4", size, size ^ 0x5eed);
    let out = home.upload(&server.initiate_url(), extra, &[&source]);
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
    server
}

#[test]
fn clean_streaming_upload() {
    let server = upload_ok(&[], 5 * MIB + 123, &[]);
    let stats = server.stats();
    assert_eq!(
        stats.upload_body_bytes_received,
        5 * MIB + 123,
        "bytes sent once"
    );
    assert_eq!(stats.sessions_created, 1);
}

#[test]
fn clean_chunked_upload_not_a_multiple_of_256k() {
    let server = upload_ok(&[], 3 * MIB + 7, &["--chunk-size", "256KiB"]);
    assert_eq!(server.stats().upload_body_bytes_received, 3 * MIB + 7);
}

#[test]
fn zero_byte_file() {
    upload_ok(&[], 0, &[]);
}

#[test]
fn one_byte_file() {
    upload_ok(&[], 1, &[]);
    upload_ok(&[], 1, &["--chunk-size", "256KiB"]);
}

#[test]
fn unknown_total_size() {
    // Not a multiple of the chunk: the last chunk carries the total.
    upload_ok(
        &[],
        MIB + 1000,
        &["--chunk-size", "256KiB", "--size-unknown"],
    );
    // An exact multiple: the total comes with an empty last request (`bytes */N`).
    upload_ok(&[], MIB, &["--chunk-size", "256KiB", "--size-unknown"]);
}

#[test]
fn connection_dropped_after_n_bytes() {
    let server = upload_ok(&["drop-after=700KiB"], 3 * MIB + 5, &[]);
    assert!(server.injected("drop-after") >= 3);
}

#[test]
fn connection_dropped_at_random() {
    let server = upload_ok(
        &["drop-rate=0.5", "seed=11"],
        2 * MIB,
        &["--chunk-size", "256KiB"],
    );
    assert!(server.injected("drop-rate") >= 1);
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
fn server_commits_less_than_it_received() {
    let server = upload_ok(
        &["short-commit=100KiB"],
        2 * MIB + 3,
        &["--chunk-size", "512KiB"],
    );
    assert!(server.injected("short-commit") >= 1);
    // In streaming mode too (one request; the server's 308 is only seen after a drop).
    upload_ok(&["short-commit=100KiB", "drop-after=1MiB"], 3 * MIB, &[]);
}

#[test]
fn session_expiring_mid_upload_starts_a_new_one() {
    let server = upload_ok(&["expire-after=1MiB"], 3 * MIB, &["--chunk-size", "256KiB"]);
    assert!(
        server.stats().sessions_created >= 2,
        "a new session was started"
    );
    upload_ok(
        &["expire-after=512KiB:410"],
        2 * MIB,
        &["--chunk-size", "256KiB"],
    );
}

#[test]
fn token_expiry_is_refreshed_once() {
    let server = TestServer::start_with_token(&["unauthorized-every=4"], Some("tok-123"));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "a.bin", 2 * MIB, 9);
    let mut cmd = home.hoist();
    cmd.env("HOIST_TEST_TOKEN", "tok-123").args([
        "upload",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
        "--token-env",
        "HOIST_TEST_TOKEN",
        "--chunk-size",
        "256KiB",
    ]);
    cmd.args(crate::support::FAST_RETRY).arg(&source);
    let out = cmd.output().expect("runs");
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
    let mut cmd = home.hoist();
    cmd.env("HOIST_TEST_TOKEN", "wrong-secret-value").args([
        "upload",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
        "--token-env",
        "HOIST_TEST_TOKEN",
    ]);
    cmd.args(crate::support::FAST_RETRY).arg(&source);
    let out = cmd.output().expect("runs");
    assert!(!out.status.success());
    let all = text(&out);
    assert!(all.contains("refused the credentials"), "{all}");
    assert!(
        !all.contains("wrong-secret-value"),
        "the token leaked: {all}"
    );
}

#[test]
fn throttled_slow_server_with_latency() {
    upload_ok(
        &["throttle=4MiB", "latency=30ms"],
        MIB + 17,
        &["--chunk-size", "256KiB"],
    );
}

#[test]
fn bandwidth_limit_is_respected() {
    let started = std::time::Instant::now();
    upload_ok(&[], MIB, &["--bandwidth-limit", "2MiB"]);
    // 1 MiB at 2 MiB/s takes about half a second (a quarter second may go as a first burst).
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
}

#[test]
fn several_files_in_parallel() {
    let server = TestServer::start(&["latency=5ms"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let sources: Vec<_> = (0..5)
        .map(|i| make_file(files.path(), &format!("f{i}.bin"), 300 * KIB + i, i))
        .collect();
    let refs: Vec<&std::path::Path> = sources.iter().map(|p| p.as_path()).collect();
    let out = home.upload(
        &server.initiate_url(),
        &["--parallel", "3", "--json"],
        &refs,
    );
    assert!(out.status.success(), "{}", text(&out));
    for (i, source) in sources.iter().enumerate() {
        assert_stored_equal(&server, &format!("f{i}.bin"), source);
    }
    // --json: one object per line, each with an event name.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let events: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(
        events.iter().filter(|e| e["event"] == "completed").count(),
        5
    );
    assert!(home.list().iter().all(|u| u["phase"] == "completed"));
}

#[test]
fn youtube_drive_and_storage_kinds_against_compatible_server() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "holiday.mp4", 600 * KIB, 4);
    let base = server.base_url();
    let youtube =
        format!("{base}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status");
    let drive = format!("{base}/upload/drive/v3/files?uploadType=resumable");
    for args in [
        vec![
            "--kind",
            "youtube",
            "--endpoint",
            &youtube,
            "--title",
            "Holiday",
            "--tags",
            "a,b",
        ],
        vec!["--kind", "drive", "--endpoint", &drive],
        vec![
            "--kind",
            "cloud-storage",
            "--endpoint",
            &base,
            "--bucket",
            "my-bucket",
        ],
    ] {
        let out = home
            .hoist()
            .arg("upload")
            .args(&args)
            .args(crate::support::FAST_RETRY)
            .arg(&source)
            .arg("--json")
            .output()
            .expect("runs");
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let completed: serde_json::Value = stdout
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
            .find(|e| e["event"] == "completed")
            .expect("a completed event");
        assert!(completed["result"]["remote_id"].is_string(), "{completed}");
    }
    let stored: Vec<_> = std::fs::read_dir(server.store.path())
        .expect("read dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .collect();
    assert!(!stored.is_empty());
    for entry in stored {
        assert_eq!(
            crate::support::sha256(&entry.path()),
            crate::support::sha256(&source)
        );
    }
}
