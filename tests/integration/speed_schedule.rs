//! Speed limits by time of day from the command line (`--bwlimit-schedule`, rclone's syntax): a
//! schedule that holds all day limits the upload; a mistake is named in words before anything
//! is sent.

use std::time::Instant;

use crate::support::{FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text};

const MIB: u64 = 1024 * 1024;

#[test]
fn a_schedule_limits_the_upload_and_a_mistake_is_named() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "scheduled.bin", 3 * MIB, 91);
    let endpoint = server.initiate_url();

    // Every day from 00:00: 1 MiB/s. 3 MiB cannot take much less than 2 s (the limiter's first
    // second may run ahead by its burst).
    let started = Instant::now();
    let out = home
        .hoist()
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &endpoint,
        ])
        .args(["--bwlimit-schedule", "00:00,1M"])
        .args(FAST_RETRY)
        .arg(&source)
        .output()
        .expect("hoist runs");
    let took = started.elapsed();
    assert!(out.status.success(), "{}", text(&out));
    assert!(took.as_secs_f64() >= 1.8, "not limited: {took:?}");
    assert_stored_equal(&server, "scheduled.bin", &source);

    let out = home
        .hoist()
        .args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            &endpoint,
        ])
        .args(["--bwlimit-schedule", "08:00,2M 25:00,off"])
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("'25:00,off' is not a time and a limit"),
        "{said}"
    );
    assert_eq!(
        home.list().len(),
        1,
        "nothing queued by the refused command"
    );
}
