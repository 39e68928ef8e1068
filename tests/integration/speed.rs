//! Speed without giving up confirmed progress: the journal write beside the network never lets
//! progress show an offset before the journal has it; automatic chunks grow on a fast link,
//! stay legal and capped, keep a fixed size fixed, and after a kill re-send at most one chunk.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hoist_core::engine::{Command, Engine, EngineConfig, Event, RetryPolicy, UploadOptions};
use hoist_core::protocol::MAX_AUTO_CHUNK_BYTES;
use hoist_core::store::{HoistDirs, Journal};
use hoist_core::upload::{AuthSource, Destination, Phase, Service};

use crate::support::{
    FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text, wait_until,
};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;

/// Every `Progress` event is checked against the journal's row at the moment it is read: the
/// confirmed offset shown is never ahead of the journal (the journal is written beside the
/// network now, so this is the rule that keeps "progress is what the server confirmed and Hoist
/// wrote down").
#[test]
fn confirmed_progress_is_never_shown_before_the_journal_has_it() {
    let server = TestServer::start(&["throttle=8MiB"]);
    let home = tempfile::tempdir().expect("home");
    let files = tempfile::tempdir().expect("files");
    let size = 6 * MIB + 4321;
    let source = make_file(files.path(), "ordered.bin", size, 31);
    let dirs = HoistDirs::from_home(home.path());
    let mut config = EngineConfig::new(&dirs);
    config.retry = RetryPolicy::loopback();
    let (handle, mut events) = Engine::start(config, Arc::new(|| {})).expect("engine");
    // A second connection to the same journal, as another Hoist process would have.
    let journal = Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    handle
        .send(Command::Add {
            tag: 1,
            path: source.clone(),
            destination: Destination {
                service: Service::GoogleResumable {
                    initiate_url: server.initiate_url(),
                },
                auth: AuthSource::None,
            },
            options: UploadOptions {
                chunk_size_bytes: Some(256 * KIB),
                chunk_size_auto: false,
                size_unknown: false,
            },
        })
        .expect("add");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut checked = 0;
    let mut distinct = std::collections::BTreeSet::new();
    let mut completed = false;
    while !completed {
        assert!(Instant::now() < deadline, "the upload did not finish");
        let Some(event) = events.try_recv() else {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        };
        match event {
            Event::Progress(p) => {
                let row = journal.get(p.id).expect("the row");
                assert!(
                    row.confirmed_bytes >= p.confirmed_bytes,
                    "progress showed {} confirmed while the journal had {}",
                    p.confirmed_bytes,
                    row.confirmed_bytes
                );
                checked += 1;
                distinct.insert(p.confirmed_bytes);
            }
            Event::PhaseChanged {
                phase: Phase::Completed,
                ..
            } => completed = true,
            Event::PhaseChanged {
                phase: Phase::Failed,
                failure,
                ..
            } => panic!("the upload failed: {failure:?}"),
            _ => {}
        }
    }
    handle.shutdown();
    // About 0.8 s of sending at 4 reports a second: several distinct confirmed offsets seen.
    assert!(
        checked >= 3 && distinct.len() >= 3,
        "{checked} events, {distinct:?}"
    );
    assert_stored_equal(&server, "ordered.bin", &source);
}

/// `--chunk-size auto` on loopback. tus: the first chunk is the starting size and later ones
/// grow within the upload (chunks that take milliseconds are far below the few seconds aimed
/// at). Google: a session keeps the size of its first chunk for every request but the last (the
/// protocol's rule, which the reference server enforces); the rest of the file goes as one last
/// request once the automatic size has grown past it, and the next upload's session starts from
/// the rate the first one measured. Every chunk but the last is a multiple of 256 KiB and none
/// is above the cap; `--chunk-size 8MiB` stays 8 MiB.
#[test]
fn automatic_chunks_follow_the_link_within_each_protocols_rules() {
    let files = tempfile::tempdir().expect("files");
    let size = 48 * MIB + 100;
    let home = Home::new();
    let tus_server = TestServer::start(&[]);
    let grown = make_file(files.path(), "grow.bin", size, 32);
    let out = home
        .hoist()
        .args(crate::tus::upload_args(&tus_server))
        .args(FAST_RETRY)
        .args(["--chunk-size", "auto"])
        .arg(&grown)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    let sizes = tus_server.stats().upload_body_sizes_bytes;
    assert_eq!(sizes.iter().sum::<u64>(), size, "{sizes:?}");
    assert_eq!(sizes[0], 8 * MIB, "{sizes:?}");
    assert!(
        sizes[1] > 8 * MIB,
        "the second chunk did not grow: {sizes:?}"
    );
    assert_legal_chunks(&sizes);

    let server = TestServer::start(&[]);
    let first = make_file(files.path(), "first.bin", size, 35);
    let second = make_file(files.path(), "second.bin", size, 36);
    let out = home.upload(
        &server.initiate_url(),
        &["--chunk-size", "auto", "--parallel", "1"],
        &[&first, &second],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "first.bin", &first);
    assert_stored_equal(&server, "second.bin", &second);
    let sizes = server.stats().upload_body_sizes_bytes;
    assert_eq!(sizes.iter().sum::<u64>(), 2 * size, "{sizes:?}");
    // The first session: 8 MiB chunks, then the rest in one last request, sooner than 8 MiB
    // chunks to the end would have finished ([8 MiB x 6, 100]); the second session starts bigger
    // and keeps its size.
    let first_requests = sizes
        .iter()
        .scan(0, |sum, chunk| {
            let before = *sum;
            *sum += chunk;
            (before < size).then_some(*chunk)
        })
        .count();
    let (first_last, first_rest) = sizes[..first_requests].split_last().expect("chunks");
    assert!(first_rest.iter().all(|c| *c == 8 * MIB), "{sizes:?}");
    assert!(
        first_requests < 7 && *first_last > 8 * MIB,
        "the rest did not go as one last request: {sizes:?}"
    );
    let later = &sizes[first_requests..];
    assert!(
        later[0] > 8 * MIB,
        "the second session did not start bigger: {sizes:?}"
    );
    if let Some((_, rest)) = later.split_last() {
        assert!(rest.iter().all(|c| *c == later[0]), "{sizes:?}");
    }
    assert_legal_chunks(later);
    assert!(home.list().iter().all(|u| u["phase"] == "completed"));

    let fixed_server = TestServer::start(&[]);
    let fixed = make_file(files.path(), "fixed.bin", 20 * MIB + 7, 33);
    let out = home.upload(
        &fixed_server.initiate_url(),
        &["--chunk-size", "8MiB"],
        &[&fixed],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        fixed_server.stats().upload_body_sizes_bytes,
        vec![8 * MIB, 8 * MIB, 4 * MIB + 7]
    );
}

/// `--chunk-size auto` on api.video: its parts are numbered `part N/M`, so each upload keeps the
/// size of its first part. The first upload, before any rate is measured, starts at the
/// configured 8 MiB (a sixteenth of the file is less); the next one starts from the rate the
/// first measured, bigger, and keeps that size to its last part. The first upload's 100-byte
/// last part measures nothing (its time is the answer's round trip): were it counted, the next
/// upload would start below the service's 5 MiB minimum.
#[test]
fn automatic_api_video_parts_keep_one_size_per_upload_chosen_from_the_rate() {
    let files = tempfile::tempdir().expect("files");
    let size = 48 * MIB + 100;
    let home = Home::new();
    let server = TestServer::start(&[]);
    let first = make_file(files.path(), "first.mp4", size, 37);
    let second = make_file(files.path(), "second.mp4", size, 38);
    let out = home
        .hoist()
        .args(crate::apivideo::upload_args(&server))
        .env(crate::apivideo::API_KEY_ENV, crate::apivideo::API_KEY)
        .args(FAST_RETRY)
        .args(["--chunk-size", "auto", "--parallel", "1"])
        .arg(&first)
        .arg(&second)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    let sizes = server.stats().upload_body_sizes_bytes;
    assert_eq!(sizes.iter().sum::<u64>(), 2 * size, "{sizes:?}");
    let (first_parts, later) = sizes.split_at(7);
    assert_eq!(first_parts[..6], [8 * MIB; 6], "{sizes:?}");
    assert_eq!(first_parts[6], 100, "{sizes:?}");
    assert!(
        later[0] > 8 * MIB,
        "the second upload did not start bigger: {sizes:?}"
    );
    if let Some((_, rest)) = later.split_last() {
        assert!(rest.iter().all(|c| *c == later[0]), "{sizes:?}");
    }
    assert!(later.iter().all(|c| *c <= 128 * MIB), "{sizes:?}");
    assert!(home.list().iter().all(|u| u["phase"] == "completed"));
}

/// With automatic chunks, `kill -9` mid-upload and resume: the journal may be one confirmation
/// behind the server (it is written beside the network), the resume asks the server, and each
/// kill costs at most the largest chunk sent again.
#[test]
fn sigkill_with_automatic_chunks_resends_at_most_one_chunk_per_kill() {
    let server = TestServer::start(&["throttle=6MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("files");
    let size = 20 * MIB + 999;
    let source = make_file(files.path(), "killed.bin", size, 34);
    let mut child = home.spawn_upload(&server.initiate_url(), &["--chunk-size", "auto"], &source);
    let mut kills = 0;
    for point in [3 * MIB, 11 * MIB] {
        wait_until(60, "the server to receive more bytes", || {
            server.stats().upload_body_bytes_received >= point
        });
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        kills += 1;
        assert_ne!(home.list()[0]["phase"], "completed");
        child = home.spawn(&["resume", "--all"]);
    }
    assert!(child.wait().expect("resume").success());
    assert_stored_equal(&server, "killed.bin", &source);
    let stats = server.stats();
    let largest = stats
        .upload_body_sizes_bytes
        .iter()
        .copied()
        .max()
        .unwrap_or(0);
    let resent = stats.upload_body_bytes_received.saturating_sub(size);
    assert!(
        resent <= kills * largest,
        "re-sent {resent} bytes over {kills} kills, the largest chunk being {largest}"
    );
    assert_eq!(stats.sessions_created, 1, "the session was resumed");
    assert_eq!(home.list()[0]["phase"], "completed");
    assert_eq!(home.list()[0]["confirmed_bytes"], size);
}

/// With the default settings, many small files go up to 16 at once (their time is round trips,
/// not bytes), while a big file keeps the usual 2; an explicit number is kept for any size.
#[test]
fn many_small_files_go_more_at_once_by_default() {
    let server = TestServer::start(&["latency=100ms"]);
    let home = tempfile::tempdir().expect("home");
    let files = tempfile::tempdir().expect("files");
    let mut sources: Vec<_> = (0..20)
        .map(|i| make_file(files.path(), &format!("small{i}.bin"), 64 * KIB, 40 + i))
        .collect();
    sources.push(make_file(files.path(), "big.bin", 9 * MIB, 60));
    let mut config = EngineConfig::new(&HoistDirs::from_home(home.path()));
    config.retry = RetryPolicy::loopback();
    assert_eq!(config.max_parallel_uploads, 2);
    let (handle, mut events) = Engine::start(config, Arc::new(|| {})).expect("engine");
    for (tag, path) in sources.iter().enumerate() {
        handle
            .send(Command::Add {
                tag: tag as u64,
                path: path.clone(),
                destination: Destination {
                    service: Service::GoogleResumable {
                        initiate_url: server.initiate_url(),
                    },
                    auth: AuthSource::None,
                },
                options: UploadOptions::default(),
            })
            .expect("add");
    }
    let big_tag = (sources.len() - 1) as u64;
    let mut big = None;
    let mut running = std::collections::BTreeSet::new();
    let mut most_at_once = 0;
    let mut completed = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while completed < sources.len() {
        assert!(Instant::now() < deadline, "the uploads did not finish");
        let Some(event) = events.try_recv() else {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        };
        if let Event::Added { tag, upload } = &event
            && *tag == big_tag
        {
            big = Some(upload.id);
        }
        if let Event::PhaseChanged { id, phase, .. } = event {
            match phase {
                Phase::Uploading => {
                    running.insert(id);
                    most_at_once = most_at_once.max(running.len());
                    if Some(id) == big {
                        assert!(
                            running.len() <= 2,
                            "the big file started beside {running:?}"
                        );
                    }
                }
                Phase::Completed => {
                    running.remove(&id);
                    completed += 1;
                }
                Phase::Failed => panic!("an upload failed"),
                _ => {}
            }
        }
    }
    handle.shutdown();
    assert!(
        most_at_once > 2 && most_at_once <= EngineConfig::DEFAULT_SMALL_FILES_AT_ONCE,
        "{most_at_once} at once"
    );
}

/// Every chunk but the last is a multiple of 256 KiB, none above the automatic size's cap.
fn assert_legal_chunks(sizes: &[u64]) {
    let (last, rest) = sizes.split_last().expect("chunks");
    assert!(*last > 0);
    for chunk in rest {
        assert_eq!(chunk % (256 * KIB), 0, "{sizes:?}");
        assert!(*chunk <= MAX_AUTO_CHUNK_BYTES, "{sizes:?}");
    }
}
