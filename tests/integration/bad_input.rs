//! Bad input: each case gets a clear message, and the rest of the queue is unaffected.

use std::process::Stdio;

use crate::support::{
    FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text, wait_until,
};

const MIB: u64 = 1024 * 1024;

/// Uploads a small file to `endpoint` with `extra` args, expects exit code 1, and returns stderr
/// in lower case.
fn small_upload_fails(endpoint: &str, extra: &[&str]) -> String {
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let file = make_file(files.path(), "a.bin", 1000, 4);
    let out = home.upload(endpoint, extra, &[&file]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{endpoint} {extra:?}: {}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stderr).to_lowercase()
}

#[test]
fn missing_file_and_folder_do_not_stop_the_others() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let good = make_file(files.path(), "good.bin", 300_000, 1);
    let missing = files.path().join("missing.mp4");
    let out = home.upload(
        &server.initiate_url(),
        &[],
        &[&missing, files.path(), &good],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("the file is missing"), "{stderr}");
    assert!(stderr.contains("this is a folder, not a file"), "{stderr}");
    assert!(stderr.contains("1 of 3 succeeded"), "{stderr}");
    assert_stored_equal(&server, "good.bin", &good);
}

#[test]
fn unreadable_file_is_reported() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let secret = make_file(files.path(), "locked.bin", 1000, 2);
    let good = make_file(files.path(), "fine.bin", 1000, 3);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let running_as_root = std::fs::File::open(&secret).is_ok();
    let mut cmd = if running_as_root {
        // Root reads anything: run hoist as an unprivileged user so permissions apply.
        for dir in [home.dir.path(), files.path()] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        }
        std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        // A copy of the binary the unprivileged user can reach wherever the checkout lives.
        let binary = files.path().join("hoist-copy");
        std::fs::copy(env!("CARGO_BIN_EXE_hoist"), &binary).expect("copy binary");
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&binary)
            .env("HOIST_HOME", home.dir.path());
        cmd
    } else {
        home.hoist()
    };
    let out = cmd
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
        ])
        .args(FAST_RETRY)
        .arg(&secret)
        .arg(&good)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("not allowed to read the file"), "{stderr}");
    assert_stored_equal(&server, "fine.bin", &good);
}

#[test]
fn malformed_and_unsafe_urls_are_refused() {
    for (endpoint, expected) in [
        ("not a url", "is not a valid url"),
        ("ftp://127.0.0.1/x", "not supported"),
        (
            "http://example.com/upload?uploadType=resumable",
            "plain http is only allowed",
        ),
    ] {
        let stderr = small_upload_fails(endpoint, &[]);
        assert!(stderr.contains(expected), "{endpoint}: {stderr}");
    }
}

#[test]
fn chunk_size_must_be_a_multiple_of_256k() {
    let stderr = small_upload_fails("http://127.0.0.1:9/upload", &["--chunk-size", "100KiB"]);
    assert!(stderr.contains("multiple of 256 kib"), "{stderr}");
}

#[test]
fn server_answering_garbage() {
    let server = TestServer::start(&["garbage-initiate"]);
    let stderr = small_upload_fails(&server.initiate_url(), &[]);
    assert!(stderr.contains("not understood"), "{stderr}");
    assert!(stderr.contains("no location header"), "{stderr}");
}

#[test]
fn nothing_listening_fails_after_retries() {
    // Port 9 (discard) is closed on test machines: connection refused, retried, then given up.
    let stderr = small_upload_fails(
        "http://127.0.0.1:9/upload?uploadType=resumable",
        &["--retry-budget", "1s"],
    );
    assert!(stderr.contains("gave up after"), "{stderr}");
    assert!(stderr.contains("could not reach the server"), "{stderr}");
}

#[test]
fn file_changed_between_runs_then_restart() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "edit.mov", 4 * MIB, 8);
    let mut child = home.spawn_upload(&server.initiate_url(), &["--chunk-size", "256KiB"], &source);
    wait_until(60, "some bytes to arrive", || {
        server.stats().upload_body_bytes_received >= MIB
    });
    child.kill().expect("kill");
    child.wait().expect("reap");

    // The user edits the file: same name, different content.
    let edited = make_file(files.path(), "edit.mov", 3 * MIB + 99, 9);
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .output()
        .expect("resume");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        stderr.contains("the file changed since the upload started"),
        "{stderr}"
    );
    let list = home.list();
    assert_eq!(list[0]["phase"], "file-changed");
    assert!(
        !server.stored("edit.mov").exists(),
        "no mix of old and new bytes was stored"
    );

    // resume keeps refusing it, restart sends the new version from byte 0.
    let id = list[0]["id"].to_string();
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .output()
        .expect("resume");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hoist restart"));
    let out = home
        .hoist()
        .args(["restart", &id])
        .args(FAST_RETRY)
        .output()
        .expect("restart");
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "edit.mov", &edited);
}

#[test]
fn corrupt_journal_is_set_aside() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let data = home.dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    std::fs::write(
        data.join("journal.sqlite3"),
        b"this is not a database, just junk...".repeat(200),
    )
    .expect("write junk");
    let files = tempfile::tempdir().expect("tempdir");
    let file = make_file(files.path(), "after.bin", 1000, 10);
    let out = home.upload(&server.initiate_url(), &[], &[&file]);
    assert!(out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("damaged"), "{stderr}");
    assert_stored_equal(&server, "after.bin", &file);
    let kept_aside = std::fs::read_dir(&data)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains("corrupt"));
    assert!(kept_aside, "the damaged journal was kept aside");
}

#[test]
fn two_processes_never_drive_the_same_upload() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "shared.bin", 3 * MIB, 11);
    let mut first = home.spawn_upload(&server.initiate_url(), &[], &source);
    wait_until(60, "the upload to start", || {
        server.stats().upload_body_bytes_received > 0
    });
    let out = home
        .hoist()
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .output()
        .expect("second");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("another hoist process"),
        "{}",
        text(&out)
    );
    assert!(first.wait().expect("first finishes").success());
    assert_stored_equal(&server, "shared.bin", &source);
    assert_eq!(server.stats().sessions_created, 1);
}

#[test]
fn journal_and_logs_hold_no_token() {
    let server = TestServer::start_with_token(&["drop-after=300KiB"], Some("sekrit-token-42"));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let file = make_file(files.path(), "t.bin", 600_000, 12);
    let out = home
        .hoist()
        .env("MY_TOKEN", "sekrit-token-42")
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
        ])
        .args(["--token-env", "MY_TOKEN", "--json"])
        .args(FAST_RETRY)
        .arg(&file)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("sekrit-token-42"));
    for entry in walk(home.dir.path()) {
        let bytes = std::fs::read(&entry).expect("read");
        assert!(
            !String::from_utf8_lossy(&bytes).contains("sekrit-token-42"),
            "token found in {}",
            entry.display()
        );
        use std::os::unix::fs::PermissionsExt;
        if entry.to_string_lossy().contains("journal")
            || entry.extension().is_some_and(|e| e == "log")
        {
            let mode = std::fs::metadata(&entry)
                .expect("meta")
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600, "{} is mode {mode:o}", entry.display());
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
    {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn commands_a_phase_does_not_allow_are_refused_at_once_in_plain_words() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let done = make_file(files.path(), "done.mov", 300 * 1024, 3);
    let cancelled = make_file(files.path(), "cancelled.mov", 200 * 1024, 4);
    let out = home.upload(&server.initiate_url(), &[], &[&done, &cancelled]);
    assert!(out.status.success(), "{}", text(&out));
    let list = home.list();
    let id_of = |name: &str| {
        list.iter()
            .find(|u| u["file_name"] == name)
            .map(|u| u["id"].to_string())
            .expect("listed")
    };
    let (done_id, cancelled_id) = (id_of("done.mov"), id_of("cancelled.mov"));
    // A completed upload has nothing to cancel; forgetting about it is `remove`.
    let out = home
        .hoist()
        .args(["cancel", &done_id])
        .output()
        .expect("cancel");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("nothing to cancel (Done)"),
        "{}",
        text(&out)
    );

    // Completed: restarting or resuming it is "already done", at once (it used to wait forever).
    for verb in ["restart", "resume"] {
        let started = std::time::Instant::now();
        let out = home.hoist().args([verb, &done_id]).output().expect("runs");
        assert!(out.status.success(), "{verb}: {}", text(&out));
        assert!(
            text(&out).contains("already done"),
            "{verb}: {}",
            text(&out)
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
    }

    // Mark the other one cancelled as `hoist cancel` would have, then ask to resume it.
    let journal = hoist_core::store::Journal::open(
        &hoist_core::store::HoistDirs::from_home(home.dir.path()).journal_path(),
    )
    .expect("journal")
    .journal;
    let id = hoist_core::upload::UploadId(cancelled_id.parse().expect("an id"));
    journal
        .set_phase(id, hoist_core::upload::Phase::Cancelled, None)
        .expect("cancelled");
    drop(journal);
    let out = home
        .hoist()
        .args(["resume", &cancelled_id])
        .output()
        .expect("resume");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("cannot be resumed now (Cancelled)"),
        "{}",
        text(&out)
    );
}
