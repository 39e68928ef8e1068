//! The queue's order with the real engine and the reference server: a move while an upload runs
//! decides what starts next (never stopping the running one), it survives a relaunch, a move
//! saved by `hoist queue move` reaches a running engine, and `hoist list` shows the order.

use std::path::Path;
use std::time::{Duration, Instant};

use hoist_core::engine::{
    Command, Engine, EngineConfig, EngineEvents, EngineHandle, Event, QueueMove, RetryPolicy,
    UploadOptions,
};
use hoist_core::file::FileIdentity;
use hoist_core::store::{HoistDirs, Journal, NewUpload};
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};

use crate::support::{
    Home, TestServer, assert_stored_equal, hoist_binary, make_file, next_event, text,
};

const MIB: u64 = 1024 * 1024;

fn engine(home: &Path) -> (EngineHandle, EngineEvents) {
    let mut config = EngineConfig::new(&HoistDirs::from_home(home));
    config.max_parallel_uploads = 1;
    config.small_files_at_once = 0;
    config.retry = RetryPolicy {
        initial_wait: Duration::from_millis(20),
        max_wait: Duration::from_millis(200),
        total_budget: Duration::from_secs(30),
    };
    Engine::start(config, std::sync::Arc::new(|| {})).expect("engine starts")
}

fn destination(server: &TestServer) -> Destination {
    Destination {
        service: Service::GoogleResumable {
            initiate_url: server.initiate_url(),
        },
        auth: AuthSource::None,
    }
}

/// The next event matching `pred`, every event on the way in `seen`; panics after `secs`.
fn wait_for(
    events: &mut EngineEvents,
    seen: &mut Vec<Event>,
    secs: u64,
    mut pred: impl FnMut(&Event) -> bool,
) -> Event {
    next_event(events, secs, |event| {
        seen.push(event.clone());
        pred(event)
    })
}

/// Queues A, B and C (A the largest, so it runs while the test moves C) and returns their ids
/// once A is uploading.
fn queue_three(
    handle: &EngineHandle,
    events: &mut EngineEvents,
    seen: &mut Vec<Event>,
    server: &TestServer,
    files: &Path,
) -> [UploadId; 3] {
    let sizes = [("a.bin", 6 * MIB), ("b.bin", MIB), ("c.bin", MIB)];
    let mut ids = Vec::new();
    for (tag, (name, size)) in sizes.iter().enumerate() {
        let path = make_file(files, name, *size, 70 + tag as u64);
        handle
            .send(Command::Add {
                tag: tag as u64,
                path,
                destination: destination(server),
                options: UploadOptions::default(),
            })
            .expect("send");
        match wait_for(events, seen, 10, |e| matches!(e, Event::Added { .. })) {
            Event::Added { upload, .. } => ids.push(upload.id),
            other => unreachable!("{other:?}"),
        }
    }
    let a = ids[0];
    let a_runs = |e: &Event| matches!(e, Event::PhaseChanged { id, phase: Phase::Uploading, .. } if *id == a);
    if !seen.iter().any(a_runs) {
        wait_for(events, seen, 10, a_runs);
    }
    [ids[0], ids[1], ids[2]]
}

/// The uploads in the order they started (their first `Uploading`), waiting until all are done.
fn started_order(events: &mut EngineEvents, seen: &mut Vec<Event>, count: usize) -> Vec<UploadId> {
    let done = |seen: &[Event]| {
        seen.iter()
            .filter(|e| matches!(e, Event::Completed { .. }))
            .count()
    };
    while done(seen) < count {
        wait_for(events, seen, 60, |e| matches!(e, Event::Completed { .. }));
    }
    let mut started = Vec::new();
    for event in seen.iter() {
        if let Event::PhaseChanged {
            id,
            phase: Phase::Uploading,
            ..
        } = event
            && !started.contains(id)
        {
            started.push(*id);
        }
    }
    started
}

/// When the server finished storing `name`.
fn stored_at(server: &TestServer, name: &str) -> std::time::SystemTime {
    std::fs::metadata(server.stored(name))
        .and_then(|m| m.modified())
        .expect("stored file")
}

#[test]
fn c_moved_to_the_top_while_a_runs_starts_before_b_and_the_order_survives_a_relaunch() {
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (handle, mut events) = engine(home.path());
    let mut seen = Vec::new();
    let [a, b, c] = queue_three(&handle, &mut events, &mut seen, &server, files.path());
    handle
        .send(Command::Move {
            id: c,
            to: QueueMove::Top,
        })
        .expect("send");
    let order = wait_for(&mut events, &mut seen, 10, |e| {
        matches!(e, Event::QueueOrder { .. })
    });
    assert_eq!(order, Event::QueueOrder { ids: vec![c, a, b] });
    // A was not stopped: it goes on and is the first to finish.
    assert_eq!(started_order(&mut events, &mut seen, 3), vec![a, c, b]);
    let stopped = seen
        .iter()
        .any(|e| matches!(e, Event::PhaseChanged { id, phase, .. } if *id == a && *phase != Phase::Uploading && *phase != Phase::Completed));
    assert!(!stopped, "the running upload was interrupted: {seen:?}");
    // The server stored them in that order, each byte-exact, one session each.
    assert!(stored_at(&server, "c.bin") <= stored_at(&server, "b.bin"));
    assert!(stored_at(&server, "a.bin") <= stored_at(&server, "c.bin"));
    for name in ["a.bin", "b.bin", "c.bin"] {
        assert_stored_equal(&server, name, &files.path().join(name));
    }
    assert_eq!(server.stats().sessions_created, 3);
    handle.shutdown();

    // Relaunch: the journal and a new engine keep the order.
    let dirs = HoistDirs::from_home(home.path());
    let journal = Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    assert_eq!(journal.queue_order().expect("order"), vec![c, a, b]);
    drop(journal);
    let (handle, mut events) = engine(home.path());
    let mut seen = Vec::new();
    let restored = wait_for(&mut events, &mut seen, 10, |e| {
        matches!(e, Event::Restored { .. })
    });
    let Event::Restored { uploads } = restored else {
        unreachable!()
    };
    let restored: Vec<UploadId> = uploads.iter().map(|u| u.id).collect();
    assert_eq!(restored, vec![c, a, b]);
    handle.shutdown();
}

#[test]
fn upload_next_resumes_a_paused_upload_and_puts_it_above_the_waiting_ones() {
    let server = TestServer::start(&["throttle=4MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (handle, mut events) = engine(home.path());
    let mut seen = Vec::new();
    let [a, b, c] = queue_three(&handle, &mut events, &mut seen, &server, files.path());
    handle.send(Command::Pause(c)).expect("send");
    wait_for(
        &mut events,
        &mut seen,
        10,
        |e| matches!(e, Event::PhaseChanged { id, phase: Phase::Paused, .. } if *id == c),
    );
    handle.send(Command::UploadNext(c)).expect("send");
    let order = wait_for(&mut events, &mut seen, 10, |e| {
        matches!(e, Event::QueueOrder { .. })
    });
    // Just above B, the first waiting upload; A keeps its place and goes on.
    assert_eq!(order, Event::QueueOrder { ids: vec![a, c, b] });
    assert_eq!(started_order(&mut events, &mut seen, 3), vec![a, c, b]);
    handle.shutdown();
}

#[test]
fn a_move_saved_by_hoist_queue_move_reaches_a_running_engine() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (handle, mut events) = engine(home.path());
    let mut seen = Vec::new();
    let [a, b, c] = queue_three(&handle, &mut events, &mut seen, &server, files.path());
    let out = std::process::Command::new(hoist_binary())
        .env("HOIST_HOME", home.path())
        .env_remove("HOIST_LOG")
        .args(["queue", "move", &c.to_string(), "--top"])
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    // While A still runs (6 MiB at 2 MiB/s), the engine finds the move in the journal.
    let order = wait_for(&mut events, &mut seen, 10, |e| {
        matches!(e, Event::QueueOrder { .. })
    });
    assert_eq!(order, Event::QueueOrder { ids: vec![c, a, b] });
    let a_done = seen
        .iter()
        .any(|e| matches!(e, Event::Completed { id, .. } if *id == a));
    assert!(!a_done, "the move arrived only after A finished");
    assert_eq!(started_order(&mut events, &mut seen, 3), vec![a, c, b]);
    handle.shutdown();
}

#[test]
fn an_idle_engine_follows_hoist_queue_move_at_once() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (handle, mut events) = engine(home.path());
    let mut seen = Vec::new();
    let [a, b, c] = queue_three(&handle, &mut events, &mut seen, &server, files.path());
    handle.send(Command::PauseAll).expect("send");
    for id in [a, b, c] {
        let paused = |e: &Event| matches!(e, Event::PhaseChanged { id: p, phase: Phase::Paused, .. } if *p == id);
        if !seen.iter().any(paused) {
            wait_for(&mut events, &mut seen, 10, paused);
        }
    }
    // Nothing runs now: no start and no once-a-second check. The journal's change wakes it.
    let moved = Instant::now();
    let out = std::process::Command::new(hoist_binary())
        .env("HOIST_HOME", home.path())
        .env_remove("HOIST_LOG")
        .args(["queue", "move", &b.to_string(), "--bottom"])
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    let order = wait_for(&mut events, &mut seen, 10, |e| {
        matches!(e, Event::QueueOrder { .. })
    });
    assert_eq!(order, Event::QueueOrder { ids: vec![a, c, b] });
    eprintln!(
        "the idle engine showed the move {:?} after the command started",
        moved.elapsed()
    );
    handle.shutdown();
}

#[test]
fn a_move_that_cannot_be_saved_is_reported_and_changes_nothing() {
    let server = TestServer::start(&["throttle=1MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (handle, mut events) = engine(home.path());
    let mut seen = Vec::new();
    let [a, b, c] = queue_three(&handle, &mut events, &mut seen, &server, files.path());
    handle.send(Command::PauseAll).expect("send");
    wait_for(
        &mut events,
        &mut seen,
        10,
        |e| matches!(e, Event::PhaseChanged { id, phase: Phase::Paused, .. } if *id == a),
    );
    // Another program holds the journal's write lock longer than Hoist waits for it.
    let journal_path = HoistDirs::from_home(home.path()).journal_path();
    let other = rusqlite::Connection::open(&journal_path).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    handle
        .send(Command::Move {
            id: c,
            to: QueueMove::Top,
        })
        .expect("send");
    let warning = wait_for(&mut events, &mut seen, 20, |e| {
        matches!(e, Event::Warning { .. } | Event::QueueOrder { .. })
    });
    assert!(
        matches!(
            warning,
            Event::Warning {
                kind: hoist_core::engine::EngineWarning::QueueOrderNotSaved,
                ..
            }
        ),
        "{warning:?}"
    );
    other.execute_batch("ROLLBACK").expect("unlock");
    drop(other);
    let journal = Journal::open(&journal_path).expect("journal").journal;
    assert_eq!(journal.queue_order().expect("order"), vec![a, b, c]);
    // The engine kept its order too: the next move starts from it.
    handle
        .send(Command::Move {
            id: b,
            to: QueueMove::Up,
        })
        .expect("send");
    let order = wait_for(&mut events, &mut seen, 10, |e| {
        matches!(e, Event::QueueOrder { .. })
    });
    assert_eq!(order, Event::QueueOrder { ids: vec![b, a, c] });
    handle.shutdown();
}

/// Puts `names` in the journal of `home` as queued uploads (no engine runs) and returns their ids.
fn journal_with(home: &Path, files: &Path, names: &[&str]) -> Vec<UploadId> {
    let dirs = HoistDirs::from_home(home);
    dirs.ensure().expect("dirs");
    let journal = Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let path = make_file(files, name, 1024, i as u64);
            let file = FileIdentity::read(&path).expect("identity");
            let new = NewUpload {
                file,
                destination: Destination {
                    service: Service::Tus {
                        endpoint: "http://127.0.0.1:9/files/".to_string(),
                    },
                    auth: AuthSource::None,
                },
                total_bytes: Some(1024),
                chunk_size_bytes: None,
                chunk_size_auto: false,
            };
            journal.insert(&new).expect("insert").id
        })
        .collect()
}

fn listed(home: &Home) -> Vec<i64> {
    home.list()
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect()
}

fn queue_move(home: &Home, id: UploadId, flag: &str) -> std::process::Output {
    home.hoist()
        .args(["queue", "move", &id.to_string(), flag])
        .output()
        .expect("hoist runs")
}

#[test]
fn hoist_queue_move_changes_the_order_hoist_list_shows() {
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let ids = journal_with(home.dir.path(), files.path(), &["a.mp4", "b.mp4", "c.mp4"]);
    let [a, b, c] = [ids[0].0, ids[1].0, ids[2].0];
    assert_eq!(listed(&home), vec![a, b, c]);

    let out = queue_move(&home, ids[2], "--top");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{c} c.mp4 is now number 1 of 3 in the queue.")
    );
    assert_eq!(listed(&home), vec![c, a, b]);
    assert!(queue_move(&home, ids[0], "--up").status.success());
    assert_eq!(listed(&home), vec![a, c, b]);
    assert!(queue_move(&home, ids[0], "--down").status.success());
    assert_eq!(listed(&home), vec![c, a, b]);
    assert!(queue_move(&home, ids[2], "--bottom").status.success());
    assert_eq!(listed(&home), vec![a, b, c]);

    // The plain list is in the same order.
    let out = home.hoist().arg("list").output().expect("hoist runs");
    let plain = String::from_utf8_lossy(&out.stdout);
    let at = |name: &str| {
        plain
            .find(name)
            .unwrap_or_else(|| panic!("{name}: {plain}"))
    };
    assert!(
        at("a.mp4") < at("b.mp4") && at("b.mp4") < at("c.mp4"),
        "{plain}"
    );

    // An unknown upload, and two places at once, are refused with a reason.
    let out = queue_move(&home, UploadId(99), "--top");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no upload 99"),
        "{}",
        text(&out)
    );
    let out = home
        .hoist()
        .args(["queue", "move", &a.to_string(), "--top", "--down"])
        .output()
        .expect("hoist runs");
    assert!(!out.status.success(), "{}", text(&out));
    assert_eq!(listed(&home), vec![a, b, c]);
}
