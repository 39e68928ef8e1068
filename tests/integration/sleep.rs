//! A laptop that sleeps: `hoist` is stopped (SIGSTOP) mid-upload for longer than its stall timeout
//! while the server drops every connection (a restart), then woken (SIGCONT). Every protocol must
//! recover within a bounded time of waking and finish byte-exact.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::protocols::{TOKEN, protocols, server};
use crate::support::{Home, assert_stored_equal, make_file, wait_until};

const MIB: u64 = 1024 * 1024;
/// The stall timeout `hoist` runs with here; the sleep is longer.
const STALL_TIMEOUT: &str = "2s";
const SLEEP: Duration = Duration::from_secs(3);
/// How long after waking the upload may take to finish (the rest of the file at the throttle
/// takes about 2 s; the rest is reconnecting).
const RECOVERY_BOUND: Duration = Duration::from_secs(30);

/// Sends a signal by name (`STOP`, `CONT`) with kill(1).
pub(crate) fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

#[test]
fn an_upload_recovers_after_the_computer_sleeps() {
    for protocol in protocols() {
        let mut server = server(&protocol, &["throttle=2MiB"]);
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "sleep.bin", 4 * MIB + 7, 61);
        let mut child = home
            .hoist()
            .env("HOIST_TEST_TOKEN", TOKEN)
            .args((protocol.args)(&server))
            .args(["--retry-initial", "20ms", "--retry-max-wait", "200ms"])
            .args(["--stall-timeout", STALL_TIMEOUT])
            .arg(&source)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn hoist");
        wait_until(60, "the server to receive a first MiB", || {
            server.stats().upload_body_bytes_received >= MIB
        });

        signal(child.id(), "STOP");
        // While it sleeps the server drops every connection.
        server.restart();
        std::thread::sleep(SLEEP);
        let woken = Instant::now();
        signal(child.id(), "CONT");

        let deadline = woken + RECOVERY_BOUND;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "{}: not finished {} s after waking",
                    protocol.name,
                    RECOVERY_BOUND.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        eprintln!(
            "{}: finished {:.1} s after waking",
            protocol.name,
            woken.elapsed().as_secs_f64()
        );
        assert!(status.success(), "{}: the upload failed", protocol.name);
        assert_stored_equal(&server, "sleep.bin", &source);
        assert_eq!(home.list()[0]["phase"], "completed", "{}", protocol.name);
    }
}
