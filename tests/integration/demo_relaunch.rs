//! The demo behaves like the product: `hoist --demo` (the real window, under Xvfb) keeps its
//! journal and the demo server's storage, and listens on a fixed port, so an upload killed with
//! SIGKILL comes back on relaunch, continues from the server's offset and ends byte-exact.

use crate::desktop::{DemoDirs, XDisplay, free_port, server_stats};
use crate::support::{Home, make_file, sha256, wait_until};

const MIB: u64 = 1024 * 1024;
/// The window's default chunk size: at most this much is sent again after a kill.
const CHUNK: u64 = 8 * MIB;

fn confirmed(upload: &serde_json::Value) -> u64 {
    upload["confirmed_bytes"].as_u64().expect("confirmed_bytes")
}

#[test]
fn demo_upload_survives_sigkill_and_finishes_from_the_servers_offset() {
    let display = XDisplay::start();
    let home = Home::new();
    let demo = DemoDirs::of(&home);
    let files = tempfile::tempdir().expect("tempdir");
    let size = 160 * MIB + 4321;
    let source = make_file(files.path(), "holiday.mp4", size, 181);
    let port = free_port();
    let port_text = port.to_string();
    let log = files.path().join("first.log");
    let source_arg = source.to_str().expect("utf-8");

    let mut first = display
        .hoist(&home, &["--demo", source_arg], &log)
        .env("HOIST_DEMO_PORT", &port_text)
        .spawn()
        .expect("hoist --demo starts");
    wait_until(120, "the demo upload to be partly confirmed", || {
        demo.list()
            .first()
            .is_some_and(|u| confirmed(u) >= 2 * CHUNK)
    });
    first.kill().expect("SIGKILL");
    first.wait().expect("reap");

    let at_kill = demo.list();
    assert_eq!(at_kill.len(), 1, "{at_kill:?}");
    let offset = confirmed(&at_kill[0]);
    assert!(offset < size, "finished before the kill: {at_kill:?}");
    assert_eq!(at_kill[0]["phase"], "uploading");
    assert_eq!(at_kill[0]["interrupted"], true, "{at_kill:?}");
    assert!(!demo.stored("holiday.mp4").exists());

    // Relaunch with no files: the row comes back from the demo journal and continues.
    let log = files.path().join("second.log");
    let mut second = display
        .hoist(&home, &["--demo"], &log)
        .env("HOIST_DEMO_PORT", &port_text)
        .spawn()
        .expect("hoist --demo starts again");
    let mut lowest = u64::MAX;
    wait_until(180, "the demo upload to finish after the relaunch", || {
        let list = demo.list();
        let Some(upload) = list.first() else {
            return false;
        };
        lowest = lowest.min(confirmed(upload));
        upload["phase"] == "completed"
    });
    assert!(lowest >= offset, "progress went back: {lowest} < {offset}");
    let stats = server_stats(port);
    assert_eq!(
        stats["sessions_created"], 0,
        "the relaunch resumed the session instead of starting again: {stats}"
    );
    let received = stats["upload_body_bytes_received"].as_u64().expect("bytes");
    assert!(
        received <= size - offset + CHUNK,
        "sent {received} bytes after the relaunch; the server had {offset} of {size}"
    );
    assert_eq!(sha256(&demo.stored("holiday.mp4")), sha256(&source));
    let done = demo.list();
    assert_eq!(done[0]["confirmed_bytes"], size);
    assert_eq!(done[0]["interrupted"], false);
    assert!(
        second.try_wait().expect("status").is_none(),
        "the window closed on its own"
    );
    second.kill().expect("stop the window");
    second.wait().expect("reap");
    // A finished row stays until it is cleared.
    assert_eq!(demo.list()[0]["phase"], "completed");
}

#[test]
fn demo_moves_to_another_port_when_its_own_is_taken_and_its_uploads_follow() {
    let display = XDisplay::start();
    let home = Home::new();
    let demo = DemoDirs::of(&home);
    let files = tempfile::tempdir().expect("tempdir");
    let size = 96 * MIB + 99;
    let source = make_file(files.path(), "moving.mp4", size, 182);
    let port = free_port();
    let port_text = port.to_string();
    let source_arg = source.to_str().expect("utf-8");

    let mut first = display
        .hoist(
            &home,
            &["--demo", source_arg],
            &files.path().join("first.log"),
        )
        .env("HOIST_DEMO_PORT", &port_text)
        .spawn()
        .expect("hoist --demo starts");
    wait_until(120, "the demo upload to be partly confirmed", || {
        demo.list().first().is_some_and(|u| confirmed(u) >= CHUNK)
    });
    first.kill().expect("SIGKILL");
    first.wait().expect("reap");
    let offset = confirmed(&demo.list()[0]);
    assert!(offset < size);
    let port_file = demo.root.join("port");
    assert_eq!(
        std::fs::read_to_string(&port_file)
            .expect("port file")
            .trim(),
        port_text
    );

    // Another program takes the demo's port before the relaunch.
    let squatter = std::net::TcpListener::bind(("127.0.0.1", port)).expect("take the port");
    let mut second = display
        .hoist(&home, &["--demo"], &files.path().join("second.log"))
        .env("HOIST_DEMO_PORT", &port_text)
        .spawn()
        .expect("hoist --demo starts again");
    wait_until(180, "the moved demo upload to finish", || {
        demo.list()
            .first()
            .is_some_and(|u| u["phase"] == "completed")
    });
    let new_port: u16 = std::fs::read_to_string(&port_file)
        .expect("port file")
        .trim()
        .parse()
        .expect("a port");
    assert_ne!(
        new_port, port,
        "the demo cannot have listened on a taken port"
    );
    let done = demo.list();
    assert_eq!(
        done[0]["destination"],
        format!("127.0.0.1:{new_port}"),
        "the upload followed the demo to its new port: {done:?}"
    );
    let stats = server_stats(new_port);
    assert_eq!(
        stats["sessions_created"], 0,
        "resumed, not restarted: {stats}"
    );
    assert_eq!(sha256(&demo.stored("moving.mp4")), sha256(&source));
    second.kill().expect("stop the window");
    second.wait().expect("reap");
    drop(squatter);
}
