//! Bad things that happen while an upload runs: the file changes, is deleted, or its disk goes
//! away (a removed USB stick), and the disk holding the journal fills up. Each gets a clear
//! message, nothing is reported done that is not, and the rest of the queue is unaffected.
//!
//! The disk cases run the `hoist` binary inside a private mount namespace (`unshare -Urm`, from
//! util-linux) with a small tmpfs, so no privileges are needed.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::{
    FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, sha256, text, wait_until,
};

const MIB: u64 = 1024 * 1024;

/// Queues `victim` and `bystander` (chunked, 2 at once), calls `harm` once the server holds
/// some of the upload, and returns the finished run's output and the journal.
fn upload_and_harm(
    server: &TestServer,
    victim: &Path,
    bystander: &Path,
    harm: impl FnOnce(),
) -> (std::process::Output, Vec<serde_json::Value>, Home) {
    let home = Home::new();
    let child = home
        .hoist()
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
            "--chunk-size",
            "256KiB",
            "--parallel",
            "2",
        ])
        .args(FAST_RETRY)
        .arg(victim)
        .arg(bystander)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hoist");
    wait_until(60, "the upload to be under way", || {
        server.stats().upload_body_bytes_received >= MIB
    });
    harm();
    let out = child.wait_with_output().expect("hoist finishes");
    let list = home.list();
    (out, list, home)
}

fn entry<'a>(list: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    list.iter()
        .find(|u| u["path"].as_str().is_some_and(|p| p.ends_with(name)))
        .unwrap_or_else(|| panic!("{name} is not in the journal: {list:?}"))
}

#[test]
fn file_changed_during_upload() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let files = tempfile::tempdir().expect("tempdir");
    let victim = make_file(files.path(), "edited.mov", 6 * MIB, 61);
    let bystander = make_file(files.path(), "calm.mov", 3 * MIB, 62);
    let (out, list, _home) = upload_and_harm(&server, &victim, &bystander, || {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&victim)
            .expect("open");
        std::io::Write::write_all(&mut file, b"an edit").expect("append");
    });
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let edited = entry(&list, "edited.mov");
    assert_eq!(edited["phase"], "file-changed", "{edited}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed"),
        "{}",
        text(&out)
    );
    assert!(
        !server.stored("edited.mov").exists(),
        "a changed file was finished on the server"
    );
    assert_eq!(entry(&list, "calm.mov")["phase"], "completed");
    assert_stored_equal(&server, "calm.mov", &bystander);
}

#[test]
fn file_deleted_during_upload() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let files = tempfile::tempdir().expect("tempdir");
    let victim = make_file(files.path(), "deleted.mov", 6 * MIB, 63);
    let bystander = make_file(files.path(), "kept.mov", 3 * MIB, 64);
    let (out, list, _home) = upload_and_harm(&server, &victim, &bystander, || {
        std::fs::remove_file(&victim).expect("delete");
    });
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let deleted = entry(&list, "deleted.mov");
    assert_eq!(deleted["phase"], "failed", "{deleted}");
    assert_eq!(deleted["error"]["kind"], "file-missing", "{deleted}");
    assert!(
        deleted["error"]["detail"]
            .as_str()
            .is_some_and(|e| e.contains("missing")),
        "{deleted}"
    );
    assert_eq!(entry(&list, "kept.mov")["phase"], "completed");
    assert_stored_equal(&server, "kept.mov", &bystander);
}

/// Runs `script` with `sh` in a private user + mount namespace, with `HOIST` set to the binary
/// and the given variables.
fn in_private_mounts(script: &str, vars: &[(&str, String)]) -> std::process::Output {
    let mut cmd = Command::new("unshare");
    cmd.args(["-Urm", "sh", "-ec", script])
        .env("HOIST", env!("CARGO_BIN_EXE_hoist"))
        .env_remove("HOIST_LOG")
        .stdin(Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("unshare (util-linux) runs; it is needed for the disk tests");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("unshare failed"),
        "this machine does not allow private mount namespaces: {}",
        text(&out)
    );
    out
}

#[test]
fn usb_stick_removed_during_upload() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "stick.mov", 6 * MIB, 65);
    let bystander = make_file(files.path(), "local.mov", 2 * MIB, 66);
    let stick = tempfile::tempdir().expect("tempdir");
    // The "stick" is a tmpfs mounted over a folder; it is detached while the upload runs.
    let script = r#"
        mount -t tmpfs -o size=16m stick "$STICK"
        cp "$SOURCE" "$STICK/stick.mov"
        "$HOIST" upload --kind google-resumable --endpoint "$ENDPOINT" --chunk-size 256KiB \
            --parallel 2 --retry-initial 20ms --retry-max-wait 200ms \
            "$STICK/stick.mov" "$BYSTANDER" >"$OUT" 2>&1 &
        pid=$!
        sleep 1.5
        umount -l "$STICK"
        status=0
        wait "$pid" || status=$?
        echo "exit $status"
    "#;
    let out = in_private_mounts(
        script,
        &[
            ("HOIST_HOME", home.dir.path().display().to_string()),
            ("STICK", stick.path().display().to_string()),
            ("SOURCE", source.display().to_string()),
            ("BYSTANDER", bystander.display().to_string()),
            ("ENDPOINT", server.initiate_url()),
            ("OUT", files.path().join("out.txt").display().to_string()),
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("exit 1"),
        "{}\n--- hoist\n{}",
        text(&out),
        std::fs::read_to_string(files.path().join("out.txt")).unwrap_or_default()
    );
    let list = home.list();
    let gone = entry(&list, "stick.mov");
    assert_eq!(gone["phase"], "failed", "{gone}");
    assert_eq!(gone["error"]["kind"], "file-missing", "{gone}");
    assert!(
        gone["error"]["detail"]
            .as_str()
            .is_some_and(|e| e.contains("missing")),
        "{gone}"
    );
    assert!(!server.stored("stick.mov").exists());
    assert_eq!(entry(&list, "local.mov")["phase"], "completed");
    assert_stored_equal(&server, "local.mov", &bystander);
}

#[test]
fn journal_disk_full_stops_safely_and_resumes_after_space_is_freed() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "full.mov", 6 * MIB, 67);
    let home_dir = tempfile::tempdir().expect("tempdir");
    // Hoist's home is a 2 MiB tmpfs; once the upload runs, a filler takes every free byte, then
    // is removed and the upload resumed, all inside one namespace (the tmpfs dies with it).
    let script = r#"
        mount -t tmpfs -o size=2m home "$HOIST_HOME"
        "$HOIST" upload --kind google-resumable --endpoint "$ENDPOINT" --chunk-size 256KiB \
            --retry-initial 20ms --retry-max-wait 200ms "$SOURCE" >"$OUT" 2>&1 &
        pid=$!
        sleep 1.5
        dd if=/dev/zero of="$HOIST_HOME/filler" bs=4k 2>/dev/null || true
        status=0
        wait "$pid" || status=$?
        echo "first exit $status"
        "$HOIST" list --json
        rm -f "$HOIST_HOME/filler"
        "$HOIST" resume --all --retry-initial 20ms --retry-max-wait 200ms >>"$OUT" 2>&1
        echo "resume exit $?"
        "$HOIST" list --json
    "#;
    let out = in_private_mounts(
        script,
        &[
            ("HOIST_HOME", home_dir.path().display().to_string()),
            ("SOURCE", source.display().to_string()),
            ("ENDPOINT", server.initiate_url()),
            ("OUT", files.path().join("out.txt").display().to_string()),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let hoist_out = std::fs::read_to_string(files.path().join("out.txt")).unwrap_or_default();
    let context = format!("{}\n--- hoist\n{hoist_out}", text(&out));
    assert!(stdout.contains("first exit 1"), "{context}");
    assert!(
        hoist_out.contains("could not record the progress"),
        "the user was not told why it stopped: {context}"
    );
    assert!(stdout.contains("resume exit 0"), "{context}");
    let last: serde_json::Value = stdout
        .lines()
        .rfind(|l| l.starts_with('{'))
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_else(|| panic!("no journal listing: {context}"));
    assert_eq!(last["phase"], "completed", "{context}");
    assert_eq!(sha256(&server.stored("full.mov")), sha256(&source));
}
