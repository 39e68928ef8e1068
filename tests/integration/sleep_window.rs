//! A laptop that sleeps, with the window open: the real `hoist` window (under Xvfb) uploads a file
//! to a saved destination; it is stopped (SIGSTOP) mid-upload for longer than its stall timeout
//! while the server restarts and drops every connection, then woken (SIGCONT). The upload must
//! recover within a bounded time of waking and finish byte-exact. (`sleep.rs` does the same with
//! the command line, for every protocol.)

use std::time::{Duration, Instant};

use crate::desktop::XDisplay;
use crate::sleep::signal;
use crate::support::{Home, TestServer, assert_stored_equal, make_file, text, wait_until};

const MIB: u64 = 1024 * 1024;
/// The window's stall timeout here (`hoist --stall-timeout`); the sleep is longer.
const STALL_TIMEOUT: &str = "2s";
const SLEEP: Duration = Duration::from_secs(4);
/// How long after waking the upload may take to finish (the rest of the file at the throttle
/// takes about 2 s; the rest is reconnecting).
const RECOVERY_BOUND: Duration = Duration::from_secs(40);

#[test]
fn the_window_recovers_after_the_computer_sleeps() {
    let display = XDisplay::start();
    let mut server = TestServer::start(&["throttle=2MiB"]);
    let home = Home::new();
    let endpoint = format!("{}/tus/files/", server.base_url());
    let added = home
        .hoist()
        .args(["profile", "add", "sleepy", "--kind", "tus", "--endpoint"])
        .arg(&endpoint)
        .output()
        .expect("hoist profile add runs");
    assert!(added.status.success(), "{}", text(&added));

    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "sleep-window.bin", 6 * MIB + 5, 67);
    let log = files.path().join("window.log");
    let source_arg = source.to_str().expect("utf-8 path");
    // The only saved destination is where a file opened with Hoist goes.
    let mut window = display
        .hoist(&home, &["--stall-timeout", STALL_TIMEOUT, source_arg], &log)
        .spawn()
        .expect("the window starts");
    wait_until(90, "the server to receive a first MiB", || {
        if let Ok(Some(status)) = window.try_wait() {
            panic!(
                "the window exited: {status:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        server.stats().upload_body_bytes_received >= MIB
    });

    signal(window.id(), "STOP");
    // While the computer sleeps the server drops every connection.
    server.restart();
    std::thread::sleep(SLEEP);
    let woken = Instant::now();
    signal(window.id(), "CONT");

    let deadline = woken + RECOVERY_BOUND;
    loop {
        let list = home.list();
        if list.first().is_some_and(|u| u["phase"] == "completed") {
            break;
        }
        if Instant::now() > deadline {
            let _ = window.kill();
            panic!(
                "not finished {} s after waking: {list:?}\n{}",
                RECOVERY_BOUND.as_secs(),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!(
        "window: finished {:.1} s after waking",
        woken.elapsed().as_secs_f64()
    );
    assert_stored_equal(&server, "sleep-window.bin", &source);
    let list = home.list();
    assert_eq!(list.len(), 1, "queued once: {list:?}");
    window.kill().expect("kill the window");
    window.wait().expect("reap");
}
