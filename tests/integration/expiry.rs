//! Expiry awareness with the real engine (`hoist upload`, `hoist list`) and the reference server's
//! short expiries: presigned URLs renewed before they run out, a tus upload told it will not
//! finish in time and started again when its upload expires, and a paused upload's warning.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::support::{
    FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text, wait_until,
};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;
const KEY: &str = "expiry-test-key-9d2e";
const KEY_VAR: &str = "HOIST_TEST_EXPIRY_KEY";

/// `hoist upload --json` in the background, its events (one JSON object a line) on a channel.
fn spawn_json(home: &Home, args: &[String]) -> (Child, Receiver<serde_json::Value>) {
    let mut child = home
        .hoist()
        .env(KEY_VAR, KEY)
        .args(args)
        .args(FAST_RETRY)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hoist");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Ok(value) = serde_json::from_str(&line) {
                let _ = tx.send(value);
            }
        }
    });
    (child, rx)
}

/// The first event within `secs` for which `want` holds, keeping every event seen in `seen`.
fn wait_event(
    events: &Receiver<serde_json::Value>,
    seen: &mut Vec<serde_json::Value>,
    secs: u64,
    want: impl Fn(&serde_json::Value) -> bool,
) -> Option<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(event) = events.recv_timeout(left) else {
            break;
        };
        seen.push(event.clone());
        if want(&event) {
            return Some(event);
        }
    }
    None
}

fn finish(
    mut child: Child,
    events: &Receiver<serde_json::Value>,
    seen: &mut Vec<serde_json::Value>,
) {
    let status = child.wait().expect("hoist ends");
    seen.extend(events.try_iter());
    assert!(status.success(), "hoist failed; events: {seen:#?}");
}

#[test]
fn presigned_urls_are_renewed_before_they_expire() {
    // URLs live 2 s; 24 chunks of 64 KiB at 192 KiB/s take about 8 s.
    let server = TestServer::start_with_token(
        &[
            "multipart-chunk-size=64KiB",
            "url-expire-after=2",
            "throttle=192KiB",
        ],
        Some(KEY),
    );
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 24 * 64 * KIB + 99;
    let source = make_file(files.path(), "clip.mp4", size, 0xe517);
    let out = home
        .hoist()
        .env(KEY_VAR, KEY)
        .args(crate::multipart::upload_args(&server))
        .args(["--token-env", KEY_VAR, "--parallel-chunks", "4"])
        .args(FAST_RETRY)
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "clip.mp4", &source);
    let stats = server.stats();
    assert!(
        stats.presigned_urls_renewed >= 2,
        "URLs asked for again: {}",
        stats.presigned_urls_renewed
    );
    assert_eq!(
        stats.faults_injected.get("url-expire-after"),
        None,
        "no chunk was sent to an expired URL: {:?}",
        stats.faults_injected
    );
    assert_eq!(stats.sessions_created, 1);
    assert_eq!(
        stats.upload_body_bytes_received, size,
        "every chunk sent once"
    );
    let list = home.list();
    assert_eq!(list[0]["phase"], "completed");
    // The session's own end (its expires_at: a day), not a presigned URL's.
    let expires = list[0]["expires_unix_secs"].as_u64().expect("expiry kept");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let day = 24 * 3600;
    assert!(
        (now + day - 120..=now + day + 1).contains(&expires),
        "{expires} vs {now}"
    );
}

#[test]
fn a_tus_upload_that_cannot_finish_in_time_is_told_and_starts_again() {
    // Uploads expire 10 s after creation; 6 MiB at 256 KiB/s need about 24 s.
    let server = TestServer::start(&["tus-expires=10", "throttle=256KiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 6 * MIB + 7;
    let source = make_file(files.path(), "long.mov", size, 0x7e17);
    let mut args = crate::tus::upload_args(&server);
    args.extend(["--chunk-size".to_string(), "256KiB".to_string()]);
    args.push(source.to_str().expect("utf-8").to_string());
    let started = Instant::now();
    let (child, events) = spawn_json(&home, &args);
    let mut seen = Vec::new();
    let at_risk = wait_event(&events, &mut seen, 9, |e| {
        e["event"] == "expiry" && e["outlook"]["will_not_finish"] == true
    })
    .unwrap_or_else(|| panic!("no at-risk outlook before the expiry; events: {seen:#?}"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "told before it happens"
    );
    let outlook = &at_risk["outlook"];
    let expires_in = outlook["expires_in_secs"]
        .as_u64()
        .expect("expires_in_secs");
    let finish_in = outlook["finish_in_secs"].as_u64().expect("finish_in_secs");
    assert!(expires_in <= 10 && finish_in > expires_in, "{outlook}");
    wait_event(&events, &mut seen, 5, |e| {
        e["event"] == "notice" && e["notice"]["kind"] == "session-may-expire"
    })
    .unwrap_or_else(|| panic!("the notice for people comes with it; events: {seen:#?}"));
    // New uploads live long from now on; the one under way still expires (at the same speed).
    server.set_faults(&["throttle=256KiB"]);
    wait_event(&events, &mut seen, 60, |e| {
        e["event"] == "notice" && e["notice"]["kind"] == "session-lost"
    })
    .unwrap_or_else(|| panic!("the expired upload did not start again; events: {seen:#?}"));
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "not before its expiry"
    );
    // The client knows the expiry, so it starts anew on its own at the next chunk; a chunk under
    // way at that moment is refused (410) once at most. (Setting faults clears the fault
    // counters: read them first.)
    let refused = server.stats().faults_injected.get("tus-expires").copied();
    assert!(refused.unwrap_or(0) <= 1, "refused {refused:?} times");
    server.set_faults(&["throttle=8MiB"]);
    finish(child, &events, &mut seen);
    assert_stored_equal(&server, "long.mov", &source);
    assert_eq!(
        server.stats().sessions_created,
        2,
        "created anew after the expiry"
    );
    assert_eq!(home.list()[0]["confirmed_bytes"], size);
}

#[test]
fn an_interrupted_upload_near_its_expiry_is_told_in_hoist_list() {
    // Uploads expire two and a half hours after creation.
    let server = TestServer::start(&["tus-expires=9000", "throttle=1MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "paused.mov", 8 * MIB, 0x9a5e);
    let mut args: Vec<&str> = Vec::new();
    let base = crate::tus::upload_args(&server);
    args.extend(base.iter().map(String::as_str));
    args.extend(["--chunk-size", "256KiB", source.to_str().expect("utf-8")]);
    let mut child = home.spawn(&args);
    wait_until(60, "some bytes to be confirmed", || {
        home.list()
            .first()
            .and_then(|u| u["confirmed_bytes"].as_u64())
            .is_some_and(|c| c >= 512 * KIB)
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let list = home.list();
    let expires = list[0]["expires_unix_secs"]
        .as_u64()
        .expect("expiry listed");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    assert!(
        expires > now && expires <= now + 9_001,
        "{expires} vs {now}"
    );
    let out = home.hoist().arg("list").output().expect("hoist list");
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown
            .contains("Resume within 2 hours, or this upload will start again from the beginning."),
        "{shown}"
    );
}

#[test]
fn api_video_tokens_are_renewed_before_they_expire() {
    // Access tokens live 2 s; 1 MiB at 256 KiB/s takes about 4 s.
    let server = TestServer::start(&[
        "apivideo-min-chunk=64KiB",
        "apivideo-processing=100ms",
        "token-ttl=2",
        "throttle=256KiB",
    ]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = MIB + 3;
    let source = make_file(files.path(), "renewed.mp4", size, 0xa91d);
    let started = Instant::now();
    let out = home
        .hoist()
        .env(crate::apivideo::API_KEY_ENV, crate::apivideo::API_KEY)
        .args(crate::apivideo::upload_args(&server))
        .args(["--chunk-size", "64KiB"])
        .args(FAST_RETRY)
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "tokens expired during the upload"
    );
    assert_stored_equal(&server, "renewed.mp4", &source);
    let injected = server.stats().faults_injected;
    assert_eq!(
        injected.get("token-ttl"),
        None,
        "no request carried an expired token: {injected:?}"
    );
}

#[test]
fn a_google_session_keeps_its_week_and_is_not_worth_a_line_yet() {
    let server = TestServer::start(&["throttle=1MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "week.mov", 8 * MIB, 0x6001);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let endpoint = server.initiate_url();
    let mut child = home.spawn_upload(&endpoint, &["--chunk-size", "256KiB"], &source);
    wait_until(60, "some bytes to be confirmed", || {
        home.list()
            .first()
            .and_then(|u| u["confirmed_bytes"].as_u64())
            .is_some_and(|c| c >= 512 * KIB)
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let expires = home.list()[0]["expires_unix_secs"]
        .as_u64()
        .expect("expiry listed");
    let week = 7 * 24 * 3600;
    assert!(
        (before + week..=before + week + 120).contains(&expires),
        "created plus a week: {expires} vs {before}"
    );
    let out = home.hoist().arg("list").output().expect("hoist list");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(!shown.contains("Resume within"), "a week away: {shown}");
}
