//! Watch folders through the real binary: `hoist watch add|list|remove`, and `hoist watch run`
//! with the real engine against the reference server: new files (also in subfolders) are
//! uploaded once and byte-exact; a file still being written waits until it is still; hidden and
//! partial files are skipped; a rename, a relaunch and a folder that goes away and comes back
//! never send a file twice.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::{FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text};

const KIB: u64 = 1024;

/// What these tests do with a Hoist home (`Home` lives in hoist-test-support).
trait WatchHome {
    /// Saves the profile `studio` sending to `server` (it needs no secret).
    fn studio_profile(&self, server: &TestServer);
    /// `hoist watch ARGS`.
    fn watch(&self, args: &[&str]) -> std::process::Output;
    /// Starts `hoist watch run` (rescans every 2 s), its output going to `log`.
    fn watch_run(&self, log: &Path) -> Child;
    /// Uploads in the journal by file name, with their phase.
    fn uploads(&self) -> Vec<(String, String)>;
}

impl WatchHome for Home {
    fn studio_profile(&self, server: &TestServer) {
        let out = self
            .hoist()
            .args(["profile", "add", "studio", "--kind", "google-resumable"])
            .args(["--endpoint", &server.initiate_url()])
            .output()
            .expect("hoist runs");
        assert!(out.status.success(), "profile add: {}", text(&out));
    }

    fn watch(&self, args: &[&str]) -> std::process::Output {
        self.hoist()
            .arg("watch")
            .args(args)
            .output()
            .expect("hoist runs")
    }

    fn watch_run(&self, log: &Path) -> Child {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log");
        self.hoist()
            .args(["watch", "run", "--rescan-secs", "2"])
            .args(FAST_RETRY)
            .env("HOIST_LOG", "hoist_core=debug,info")
            .stdout(Stdio::from(file.try_clone().expect("clone")))
            .stderr(Stdio::from(file))
            .spawn()
            .expect("spawn hoist watch run")
    }

    fn uploads(&self) -> Vec<(String, String)> {
        let mut uploads: Vec<(String, String)> = self
            .list()
            .iter()
            .map(|u| {
                (
                    u["file_name"].as_str().unwrap_or("").to_string(),
                    u["phase"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        uploads.sort();
        uploads
    }
}

/// Stops a `hoist watch run` the way Ctrl-C does and checks it ends cleanly.
fn interrupt(mut child: Child, log: &Path) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "watch run ended with {status}: {}",
                read(log)
            );
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "watch run did not stop on Ctrl-C: {}",
            read(log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Waits until every name in `names` is uploaded (completed), with `secs` to spare.
fn wait_uploaded(home: &Home, names: &[&str], secs: u64, log: &Path) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let uploads = home.uploads();
        if names
            .iter()
            .all(|n| uploads.iter().any(|(f, p)| f == n && p == "completed"))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not all of {names:?} uploaded: {uploads:?}\n{}",
            read(log)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Appends `blocks` blocks of 64 KiB to `path`, closing it after each and waiting `gap`
/// between them (a slow copy whose size keeps changing).
fn write_slowly(path: &Path, blocks: usize, gap: Duration) {
    for i in 0..blocks {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        file.write_all(&vec![(i % 251) as u8; 64 * KIB as usize])
            .expect("write");
        drop(file);
        std::thread::sleep(gap);
    }
}

#[test]
fn watch_folder_uploads_each_new_file_once_through_renames_relaunches_and_unplugging() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    home.studio_profile(&server);
    let place = tempfile::tempdir().expect("tempdir");
    let folder = place.path().join("Card A");
    std::fs::create_dir_all(folder.join("day 1")).expect("folders");
    let added = home.watch(&[
        "add",
        folder.to_str().expect("utf-8"),
        "--profile",
        "studio",
        "--settle-secs",
        "1",
    ]);
    assert!(added.status.success(), "watch add: {}", text(&added));
    let log = home.dir.path().join("watch-run.log");
    let run = home.watch_run(&log);

    // New files, one in a subfolder, and files that must be left alone.
    let a = make_file(&folder, "a.mov", 300 * KIB, 1);
    let b = make_file(&folder.join("day 1"), "b.mov", 700 * KIB, 2);
    for skipped in [".hidden.mov", "c.mov.part", "~$notes.docx", "d.crdownload"] {
        make_file(&folder, skipped, 10 * KIB, 3);
    }
    // A slow copy: its size changes every 400 ms for 2.8 s, longer than the 1 s settle time.
    let slow = folder.join("slow.mov");
    let writer = {
        let slow = slow.clone();
        std::thread::spawn(move || write_slowly(&slow, 7, Duration::from_millis(400)))
    };
    std::thread::sleep(Duration::from_millis(2000));
    assert!(
        !home.uploads().iter().any(|(f, _)| f == "slow.mov"),
        "a file still being written was queued: {:?}",
        home.uploads()
    );
    writer.join().expect("writer");
    wait_uploaded(&home, &["a.mov", "b.mov", "slow.mov"], 60, &log);
    assert_stored_equal(&server, "a.mov", &a);
    assert_stored_equal(&server, "b.mov", &b);
    assert_stored_equal(&server, "slow.mov", &slow);
    assert_eq!(home.uploads().len(), 3, "{:?}", home.uploads());

    // A rename is not a new file.
    std::fs::rename(&a, folder.join("a renamed.mov")).expect("rename");
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        home.uploads().len(),
        3,
        "renamed file sent again: {:?}",
        home.uploads()
    );

    // The folder goes away (a drive unplugged) and comes back with one new file.
    let away = place.path().join("unplugged");
    std::fs::rename(&folder, &away).expect("unplug");
    crate::support::wait_until(20, "the folder reported missing", || {
        read(&log).contains("folder missing, will continue when it is back")
    });
    let listed = home.watch(&["list", "--json"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("\"present\":false"));
    let back = make_file(&away.join("day 1"), "while away.mov", 200 * KIB, 4);
    std::fs::rename(&away, &folder).expect("plug back in");
    let back = folder.join("day 1").join(back.file_name().expect("name"));
    wait_uploaded(&home, &["while away.mov"], 60, &log);
    assert_stored_equal(&server, "while away.mov", &back);
    interrupt(run, &log);
    assert_eq!(home.uploads().len(), 4, "{:?}", home.uploads());

    // A relaunch sends nothing again, and goes on watching.
    let run = home.watch_run(&log);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(
        home.uploads().len(),
        4,
        "relaunch sent files again: {:?}",
        home.uploads()
    );
    let later = make_file(&folder, "later.mov", 100 * KIB, 5);
    wait_uploaded(&home, &["later.mov"], 60, &log);
    assert_stored_equal(&server, "later.mov", &later);
    interrupt(run, &log);
    let names: Vec<String> = home.uploads().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        names,
        ["a.mov", "b.mov", "later.mov", "slow.mov", "while away.mov"],
        "each file once, nothing hidden or partial"
    );
    assert_eq!(
        std::fs::read_dir(server.store.path())
            .expect("store")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".mov"))
            .count(),
        5,
        "the server received exactly five files"
    );
}

#[test]
fn watch_add_list_and_remove_from_the_command_line() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    home.studio_profile(&server);
    let place = tempfile::tempdir().expect("tempdir");
    let dir: PathBuf = place.path().join("Exports");
    std::fs::create_dir_all(&dir).expect("dir");
    let dir_text = dir.to_str().expect("utf-8");

    let add = home.watch(&["add", dir_text, "--profile", "studio"]);
    assert!(add.status.success(), "{}", text(&add));
    assert!(
        String::from_utf8_lossy(&add.stdout).contains("Watching"),
        "{}",
        text(&add)
    );
    let again = home.watch(&["add", dir_text, "--profile", "studio"]);
    assert!(!again.status.success());
    assert!(text(&again).contains("watched already"), "{}", text(&again));
    let missing = home.watch(&["add", "/no/such/folder", "--profile", "studio"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("is not a folder"),
        "{}",
        text(&missing)
    );
    let nobody = home.watch(&["add", dir_text, "--profile", "nobody"]);
    assert!(!nobody.status.success(), "{}", text(&nobody));

    let json = home.watch(&["list", "--json"]);
    assert!(json.status.success(), "{}", text(&json));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["profile"], "studio");
    assert_eq!(lines[0]["settle_secs"], 5);
    assert_eq!(lines[0]["present"], true);
    assert_eq!(lines[0]["queued_files"], 0);
    let canonical = std::fs::canonicalize(&dir).expect("canonical");
    assert_eq!(lines[0]["path"], canonical.to_str().expect("utf-8"));
    let plain = home.watch(&["list"]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("#1 "),
        "{}",
        text(&plain)
    );

    let saved = home.dir.path().join("config").join("watch-folders.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved)
            .expect("saved")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let remove = home.watch(&["remove", "1"]);
    assert!(remove.status.success(), "{}", text(&remove));
    let empty = home.watch(&["list"]);
    assert!(String::from_utf8_lossy(&empty.stdout).contains("No watch folders"));
    let gone = home.watch(&["remove", dir_text]);
    assert!(!gone.status.success());
    assert!(text(&gone).contains("no watch folder"), "{}", text(&gone));
    // Removing by path works too.
    assert!(
        home.watch(&["add", dir_text, "--profile", "studio"])
            .status
            .success()
    );
    assert!(home.watch(&["remove", dir_text]).status.success());
}
