//! `hoist upload` and sleep, wake-ups and metered connections: without a system bus the clear
//! lines are on stderr, once each (none with `--no-keep-awake`, none about metered connections
//! without `--pause-on-metered`), and the upload works; with `--pause-on-metered` on a metered
//! connection (the stand-ins on a private system bus) nothing is sent until it is not, and the
//! keep-awake lock is held only while sending.

use std::io::Read as _;
use std::process::Stdio;
use std::time::Duration;

use crate::power_stand_in::{StandIn, SystemBus};
use crate::support::{FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, wait_until};

const MIB: u64 = 1024 * 1024;
const KEEP_AWAKE_LINE: &str = "can't keep this computer awake here";
const METERED_LINE: &str = "can't tell here whether the connection is metered";

#[test]
fn without_a_system_bus_the_command_line_says_so_once() {
    let nowhere = tempfile::tempdir().expect("tmp");
    let no_bus = format!("unix:path={}", nowhere.path().join("no-bus").display());
    let cases: [(&[&str], usize, usize); 3] = [
        (&["--pause-on-metered"], 1, 1),
        (&[], 1, 0),
        (&["--no-keep-awake", "--pause-on-metered"], 0, 1),
    ];
    for (flags, keep_awake_lines, metered_lines) in cases {
        let server = TestServer::start(&[]);
        let home = Home::new();
        let files = tempfile::tempdir().expect("tmp");
        let source = make_file(files.path(), "cli.bin", 2 * MIB + 9, 176);
        let out = home
            .hoist()
            .env("DBUS_SYSTEM_BUS_ADDRESS", &no_bus)
            .args(["upload", "--kind", "google-resumable", "--endpoint"])
            .arg(server.initiate_url())
            .args(FAST_RETRY)
            .args(flags)
            .arg(&source)
            .output()
            .expect("hoist runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{flags:?}: {stderr}");
        assert_eq!(
            stderr.matches(KEEP_AWAKE_LINE).count(),
            keep_awake_lines,
            "{flags:?}: {stderr}"
        );
        assert_eq!(
            stderr.matches(METERED_LINE).count(),
            metered_lines,
            "{flags:?}: {stderr}"
        );
        assert_stored_equal(&server, "cli.bin", &source);
    }
}

#[test]
fn pause_on_metered_holds_the_command_line_upload_until_the_connection_is_not_metered() {
    let bus = SystemBus::start();
    let stand_in = StandIn::start(&bus.address, 1);
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tmp");
    let source = make_file(files.path(), "held.bin", 3 * MIB + 1, 177);
    let mut child = home
        .hoist()
        .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
        .args(["upload", "--kind", "google-resumable", "--endpoint"])
        .arg(server.initiate_url())
        .args(FAST_RETRY)
        .args(["--chunk-size", "256KiB", "--pause-on-metered"])
        .arg(&source)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hoist");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        server.stats().upload_body_bytes_received,
        0,
        "sent on a metered connection"
    );
    assert!(
        stand_in.inhibitors().is_empty(),
        "kept awake while nothing is sent"
    );
    assert!(
        child.try_wait().expect("wait").is_none(),
        "hoist ended while held"
    );

    stand_in.set_metered(2);
    wait_until(10, "the lock while sending", || {
        !stand_in.inhibitors().is_empty()
    });
    let status = child.wait().expect("wait");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("read stderr");
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("Waiting: this connection is metered"),
        "{stderr}"
    );
    assert!(stderr.contains("no longer metered"), "{stderr}");
    assert!(!stderr.contains(KEEP_AWAKE_LINE), "{stderr}");
    assert_stored_equal(&server, "held.bin", &source);
    wait_until(5, "the lock released", || {
        stand_in.inhibitors()[0].released()
    });
}
