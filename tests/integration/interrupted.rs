//! `hoist list` tells an upload whose process is gone ("interrupted") from one being driven
//! right now, by its lock.

use crate::support::{Home, TestServer, make_file, text, wait_until};

const MIB: u64 = 1024 * 1024;

#[test]
fn list_says_interrupted_once_the_uploading_process_is_gone() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "talk.mov", 8 * MIB, 5);
    let mut child = home.spawn_upload(&server.initiate_url(), &["--chunk-size", "256KiB"], &source);
    wait_until(60, "the upload to be under way", || {
        home.list()
            .first()
            .is_some_and(|u| u["phase"] == "uploading" && u["confirmed_bytes"].as_u64() > Some(0))
    });
    // Driven right now: not interrupted.
    let running = home.list();
    assert_eq!(running[0]["interrupted"], false, "{running:?}");
    let out = home.hoist().arg("list").output().expect("list");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        shown.contains("uploading") && !shown.contains("interrupted"),
        "{shown}"
    );

    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let after = home.list();
    assert_eq!(
        after[0]["phase"], "uploading",
        "the journal still says uploading"
    );
    assert_eq!(after[0]["interrupted"], true, "{after:?}");
    let out = home.hoist().arg("list").output().expect("list");
    assert!(out.status.success(), "{}", text(&out));
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    let first_line = shown.lines().next().unwrap_or_default();
    assert!(first_line.contains("interrupted"), "{shown}");
    assert!(!first_line.contains("uploading"), "{shown}");
    assert!(shown.contains("hoist resume 1"), "{shown}");

    // Resumed and finished: neither uploading nor interrupted.
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .args(crate::support::FAST_RETRY)
        .output()
        .expect("resume");
    assert!(out.status.success(), "{}", text(&out));
    let done = home.list();
    assert_eq!(done[0]["phase"], "completed");
    assert_eq!(done[0]["interrupted"], false);
}

/// An upload waiting in a running process's queue (its turn has not come) is queued, not
/// interrupted; once that process is gone, it is.
#[test]
fn an_upload_waiting_in_a_live_queue_is_not_interrupted() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let first = make_file(files.path(), "first.mov", 8 * MIB, 6);
    let second = make_file(files.path(), "second.mov", 2 * MIB, 7);
    let mut child = home.spawn(&[
        "upload",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
        "--parallel",
        "1",
        first.to_str().expect("utf-8"),
        second.to_str().expect("utf-8"),
    ]);
    wait_until(60, "the first upload under way, the second waiting", || {
        let list = home.list();
        list.len() == 2 && list[0]["confirmed_bytes"].as_u64() > Some(0)
    });
    let waiting = home.list();
    assert_ne!(waiting[1]["phase"], "completed", "{waiting:?}");
    assert_eq!(waiting[1]["interrupted"], false, "{waiting:?}");

    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    let after = home.list();
    for upload in &after {
        let unfinished = upload["phase"] != "completed";
        assert_eq!(upload["interrupted"], unfinished, "{after:?}");
    }
    assert_ne!(after[1]["phase"], "completed", "{after:?}");
}
