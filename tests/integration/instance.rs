//! One Hoist per user session, with the real binary under Xvfb: a later `hoist FILE...` hands its
//! files to the running window and exits 0; the files are queued exactly once; with no
//! destination they wait ("Choose where to send") and survive a relaunch.

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::Duration;

use crate::desktop::{DemoDirs, XDisplay, free_port};
use crate::support::{Home, make_file, sha256, text, wait_until};

const MIB: u64 = 1024 * 1024;

fn socket(home: &Home) -> PathBuf {
    home.dir.path().join("data").join("instance.sock")
}

fn waiting(home: &Home) -> Vec<String> {
    std::fs::read_to_string(home.dir.path().join("data").join("waiting-files.txt"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Starts a window with `args` and waits until it serves later launches.
fn first_window(display: &XDisplay, home: &Home, args: &[&str], log: &Path, port: u16) -> Child {
    // A killed window leaves its socket file behind: only a fresh one says this window is up.
    let _ = std::fs::remove_file(socket(home));
    let mut child = display
        .hoist(home, args, log)
        .env("HOIST_DEMO_PORT", port.to_string())
        .spawn()
        .expect("hoist starts");
    wait_until(60, "the window to listen for later launches", || {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the window exited: {status:?}\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        socket(home).exists()
    });
    child
}

/// A later launch `hoist ARGS` in the same session; must finish on its own.
fn later_launch(display: &XDisplay, home: &Home, args: &[&str], log: &Path) -> Output {
    let mut cmd = display.hoist(home, args, log);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("hoist starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("status").is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().expect("kill");
            let out = child.wait_with_output().expect("reap");
            panic!(
                "the later launch did not hand off and exit:\n{}",
                text(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("the later launch ends");
    assert!(out.status.success(), "{}", text(&out));
    out
}

fn stop(mut child: Child) {
    child.kill().expect("kill");
    child.wait().expect("reap");
}

#[test]
fn later_launch_hands_files_to_the_running_window_exactly_once() {
    let display = XDisplay::start();
    let home = Home::new();
    let demo = DemoDirs::of(&home);
    let files = tempfile::tempdir().expect("tempdir");
    let a = make_file(files.path(), "first-clip.mp4", 3 * MIB + 7, 11);
    let b = make_file(files.path(), "second-clip.mp4", 2 * MIB + 9, 12);
    let first = first_window(
        &display,
        &home,
        &["--demo"],
        &files.path().join("first.log"),
        free_port(),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(socket(&home))
            .expect("socket")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the socket is private");
    }

    let out = later_launch(
        &display,
        &home,
        &[a.to_str().expect("utf-8"), b.to_str().expect("utf-8")],
        &files.path().join("second.log"),
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Hoist is already open"),
        "{}",
        text(&out)
    );
    wait_until(120, "both handed files to be uploaded", || {
        let list = demo.list();
        list.len() == 2 && list.iter().all(|u| u["phase"] == "completed")
    });
    assert_eq!(sha256(&demo.stored("first-clip.mp4")), sha256(&a));
    assert_eq!(sha256(&demo.stored("second-clip.mp4")), sha256(&b));

    // Handing the same file over again adds nothing; `hoist` alone just brings the window up.
    later_launch(
        &display,
        &home,
        &[a.to_str().expect("utf-8")],
        &files.path().join("third.log"),
    );
    later_launch(&display, &home, &[], &files.path().join("fourth.log"));
    std::thread::sleep(Duration::from_secs(2));
    let list = demo.list();
    assert_eq!(list.len(), 2, "a file was queued twice: {list:?}");
    let names: Vec<&str> = list
        .iter()
        .filter_map(|u| u["file_name"].as_str())
        .collect();
    assert_eq!(names, ["first-clip.mp4", "second-clip.mp4"]);
    stop(first);
}

#[test]
fn handed_files_with_no_destination_wait_and_survive_a_relaunch() {
    let display = XDisplay::start();
    let home = Home::new();
    let demo = DemoDirs::of(&home);
    let files = tempfile::tempdir().expect("tempdir");
    let clip = make_file(files.path(), "clip.mov", 100_000, 21);
    let other = make_file(files.path(), "other.mov", 100_000, 22);
    let clip_text = clip.to_str().expect("utf-8").to_string();
    let other_text = other.to_str().expect("utf-8").to_string();
    let port = free_port();

    // A fresh Hoist with no account and no demo: nowhere to send files.
    let first = first_window(&display, &home, &[], &files.path().join("a.log"), port);
    later_launch(&display, &home, &[&clip_text], &files.path().join("b.log"));
    wait_until(20, "the file to be kept as waiting", || {
        waiting(&home) == [clip_text.clone()]
    });
    // Killed, not closed: the waiting file is already on disk.
    stop(first);

    let again = first_window(&display, &home, &[], &files.path().join("c.log"), port);
    later_launch(&display, &home, &[&other_text], &files.path().join("d.log"));
    // The relaunched window still had clip.mov: it keeps both.
    wait_until(20, "both files to be kept as waiting", || {
        waiting(&home) == [clip_text.clone(), other_text.clone()]
    });
    stop(again);

    // Once a destination exists (the demo here) they wait for the user's one click, unsent.
    let with_demo = first_window(
        &display,
        &home,
        &["--demo"],
        &files.path().join("e.log"),
        port,
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(waiting(&home), [clip_text, other_text]);
    assert!(demo.list().is_empty(), "sent without the user's click");
    stop(with_demo);
}
