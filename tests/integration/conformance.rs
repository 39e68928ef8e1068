//! One conformance suite, the same scenarios against every protocol Hoist speaks: a clean upload
//! of awkward sizes, each generic fault of the reference server, the server restarted mid-upload,
//! and the `hoist` process SIGKILLed mid-transfer at several points followed by
//! `hoist resume --all`. Every scenario ends with the sha256 of what the server stored equal to
//! the source's.
//!
//! Protocol-specific behaviour (409s in tus, expired presigned URLs, api.video tokens...) is
//! tested in each protocol's own file; here only what every protocol must survive.

use crate::protocols::{protocols, resume_all, server, spawn_upload, upload};
use crate::support::{Home, assert_stored_equal, make_file, wait_until};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

#[test]
fn clean_uploads_of_awkward_sizes() {
    for protocol in protocols() {
        let server = server(&protocol, &[]);
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let mut sizes = vec![1, 256 * KIB - 1, 3 * MIB + 333];
        if protocol.empty_files {
            sizes.push(0);
        }
        let sources: Vec<_> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| make_file(files.path(), &format!("c{i}.bin"), size, 40 + i as u64))
            .collect();
        let paths: Vec<&std::path::Path> = sources.iter().map(|p| p.as_path()).collect();
        upload(&home, &server, &protocol, &paths);
        for (i, source) in sources.iter().enumerate() {
            assert_stored_equal(&server, &format!("c{i}.bin"), source);
        }
        let list = home.list();
        assert!(
            list.iter().all(|u| u["phase"] == "completed"),
            "{}: {list:?}",
            protocol.name
        );
    }
}

#[test]
fn every_generic_fault_is_survived() {
    let faults: &[&[&str]] = &[
        &["drop-after=300KiB"],
        &["drop-rate=0.3", "seed=7"],
        &["error-rate=0.3", "seed=8"],
        &["error-rate=0.3:429", "retry-after=1", "seed=9"],
        &["error-rate=0.3:502", "seed=10"],
        &["unauthorized"],
        &["latency=50ms", "throttle=8MiB"],
    ];
    for protocol in protocols() {
        for specs in faults {
            if specs[0].starts_with("drop-after") && !protocol.keeps_partial_requests {
                continue;
            }
            let server = server(&protocol, specs);
            let home = Home::new();
            let files = tempfile::tempdir().expect("tempdir");
            let source = make_file(files.path(), "fault.bin", 3 * MIB + 777, 51);
            eprintln!("{}: {specs:?}", protocol.name);
            upload(&home, &server, &protocol, &[&source]);
            assert_stored_equal(&server, "fault.bin", &source);
            let injected: u64 = server.stats().faults_injected.values().sum();
            assert!(
                injected > 0,
                "{}: {specs:?} injected nothing, so the scenario proved nothing",
                protocol.name
            );
        }
    }
}

#[test]
fn server_restarted_mid_upload() {
    for protocol in protocols() {
        let mut server = server(&protocol, &["throttle=2MiB"]);
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "restart.bin", 4 * MIB + 5, 52);
        let mut child = spawn_upload(&home, &server, &protocol, &source);
        wait_until(60, "the server to receive a first MiB", || {
            server.stats().upload_body_bytes_received >= MIB
        });
        server.restart();
        let status = child.wait().expect("upload finishes");
        assert!(
            status.success(),
            "{}: upload across a server restart failed",
            protocol.name
        );
        assert_stored_equal(&server, "restart.bin", &source);
    }
}

#[test]
fn sigkill_at_several_points_then_resume_all() {
    for protocol in protocols() {
        let server = server(&protocol, &["throttle=3MiB"]);
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "killed.bin", 5 * MIB + 99, 53);
        let mut child = spawn_upload(&home, &server, &protocol, &source);
        for point in [MIB / 2, 2 * MIB, 7 * MIB / 2] {
            wait_until(60, "the server to receive more bytes", || {
                server.stats().upload_body_bytes_received >= point
            });
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            let list = home.list();
            assert_eq!(list.len(), 1, "{}", protocol.name);
            assert_ne!(list[0]["phase"], "completed", "{}", protocol.name);
            child = resume_all(&home);
        }
        let status = child.wait().expect("resume finishes");
        assert!(
            status.success(),
            "{}: the last resume failed",
            protocol.name
        );
        assert_stored_equal(&server, "killed.bin", &source);
        assert_eq!(home.list()[0]["phase"], "completed", "{}", protocol.name);
    }
}
