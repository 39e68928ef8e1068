//! The engine as a library (what the window will use): pause aborts the request in flight and
//! resume continues from the confirmed offset; cancel discards the server's session; the waker
//! fires; parallel slots are honoured.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hoist_core::engine::{
    Command, Engine, EngineConfig, EngineEvents, Event, RetryPolicy, UploadOptions,
};
use hoist_core::store::HoistDirs;
use hoist_core::upload::{AuthSource, Destination, FailureKind, Phase, Service, UploadId};

use crate::support::{TestServer, assert_stored_equal, make_file, next_event};

const MIB: u64 = 1024 * 1024;

/// An engine over `home` with `parallel` slots and fast retries; its handle, events and how
/// often its waker was called.
pub fn engine(
    home: &std::path::Path,
    parallel: usize,
) -> (
    hoist_core::engine::EngineHandle,
    EngineEvents,
    Arc<AtomicUsize>,
) {
    let mut config = EngineConfig::new(&HoistDirs::from_home(home));
    config.max_parallel_uploads = parallel;
    // The number asked for, whatever the files' sizes.
    config.small_files_at_once = 0;
    config.retry = RetryPolicy {
        initial_wait: Duration::from_millis(20),
        max_wait: Duration::from_millis(200),
        total_budget: Duration::from_secs(30),
    };
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let (handle, events) = Engine::start(
        config,
        Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    )
    .expect("engine starts");
    (handle, events, wakes)
}

fn destination(server: &TestServer) -> Destination {
    Destination {
        service: Service::GoogleResumable {
            initiate_url: server.initiate_url(),
        },
        auth: AuthSource::None,
    }
}

/// An upload of `source` to `server` that a Hoist with home `home` was sending when it stopped
/// (phase Uploading in the journal); the journal and the upload's id.
fn interrupted_upload(
    home: &std::path::Path,
    source: &std::path::Path,
    server: &TestServer,
) -> (hoist_core::store::Journal, UploadId) {
    let dirs = HoistDirs::from_home(home);
    dirs.ensure().expect("dirs");
    let journal = hoist_core::store::Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    let record = journal
        .insert(&hoist_core::store::NewUpload {
            file: hoist_core::file::FileIdentity::read(source).expect("identity"),
            destination: destination(server),
            total_bytes: Some(MIB),
            chunk_size_bytes: None,
            chunk_size_auto: false,
        })
        .expect("insert");
    journal
        .set_phase(record.id, Phase::Uploading, None)
        .expect("phase");
    (journal, record.id)
}

fn added_id(event: &Event) -> UploadId {
    match event {
        Event::Added { upload, .. } => upload.id,
        other => panic!("expected Added, got {other:?}"),
    }
}

#[test]
fn pause_aborts_promptly_and_resume_continues_from_confirmed() {
    let server = TestServer::start(&["throttle=3MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "pause.bin", 6 * MIB, 21);
    let (handle, mut events, wakes) = engine(home.path(), 2);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    handle
        .send(Command::Add {
            tag: 7,
            path: source.clone(),
            destination: destination(&server),
            options: UploadOptions {
                chunk_size_bytes: Some(512 * 1024),
                chunk_size_auto: false,
                size_unknown: false,
            },
        })
        .expect("send");
    let id = added_id(&next_event(&mut events, 10, |e| {
        matches!(e, Event::Added { tag: 7, .. })
    }));
    let mut last_confirmed = 0;
    let mut last_sent = 0;
    next_event(&mut events, 30, |e| match e {
        Event::Progress(p) if p.id == id => {
            assert!(
                p.confirmed_bytes >= last_confirmed,
                "confirmed went backwards"
            );
            assert!(p.sent_bytes >= p.confirmed_bytes, "sent < confirmed: {p:?}");
            assert!(p.sent_bytes <= 6 * MIB, "past 100 %");
            last_confirmed = p.confirmed_bytes;
            last_sent = p.sent_bytes;
            p.confirmed_bytes >= MIB
        }
        _ => false,
    });
    assert!(last_sent >= last_confirmed);

    handle.send(Command::Pause(id)).expect("pause");
    let paused_at = Instant::now();
    next_event(
        &mut events,
        5,
        |e| matches!(e, Event::PhaseChanged { id: i, phase: Phase::Paused, .. } if *i == id),
    );
    assert!(
        paused_at.elapsed() < Duration::from_secs(2),
        "pause took {:?}",
        paused_at.elapsed()
    );
    // Nothing moves while paused.
    std::thread::sleep(Duration::from_millis(300));
    let received = server.stats().upload_body_bytes_received;
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        server.stats().upload_body_bytes_received,
        received,
        "bytes moved while paused"
    );

    handle.send(Command::Resume(id)).expect("resume");
    next_event(
        &mut events,
        60,
        |e| matches!(e, Event::Completed { id: i, .. } if *i == id),
    );
    assert_stored_equal(&server, "pause.bin", &source);
    let received = server.stats().upload_body_bytes_received;
    assert!(
        received <= 6 * MIB + 512 * 1024,
        "more than the chunk in flight was re-sent: {received}"
    );
    assert_eq!(server.stats().sessions_created, 1);
    assert!(wakes.load(Ordering::Relaxed) > 0, "the waker was called");
    handle.shutdown();
}

#[test]
fn cancel_discards_the_server_session() {
    let server = TestServer::start(&["throttle=2MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    // Bigger than what loopback socket buffers hold, so the server cannot have it all yet.
    let source = make_file(files.path(), "cancel.bin", 32 * MIB, 22);
    let (handle, mut events, _) = engine(home.path(), 2);
    handle
        .send(Command::Add {
            tag: 1,
            path: source,
            destination: destination(&server),
            options: UploadOptions::default(),
        })
        .expect("send");
    let id = added_id(&next_event(&mut events, 10, |e| {
        matches!(e, Event::Added { .. })
    }));
    next_event(
        &mut events,
        30,
        |e| matches!(e, Event::Progress(p) if p.sent_bytes > 300_000),
    );
    handle.send(Command::Cancel(id)).expect("cancel");
    next_event(
        &mut events,
        15,
        |e| matches!(e, Event::PhaseChanged { id: i, phase: Phase::Cancelled, .. } if *i == id),
    );
    let partials: Vec<_> = std::fs::read_dir(server.store.path().join(".partial"))
        .map(|d| d.filter_map(|e| e.ok()).collect())
        .unwrap_or_default();
    assert!(
        partials.is_empty(),
        "the server still holds the cancelled upload: {partials:?}"
    );
    assert!(!server.stored("cancel.bin").exists());
    handle.send(Command::Remove(id)).expect("remove");
    next_event(
        &mut events,
        5,
        |e| matches!(e, Event::Removed { id: i } if *i == id),
    );
    handle.shutdown();
}

#[test]
fn parallel_slots_are_honoured_and_the_rest_wait_in_order() {
    let server = TestServer::start(&["throttle=8MiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let (handle, mut events, _) = engine(home.path(), 2);
    let sources: Vec<_> = (0..4)
        .map(|i| make_file(files.path(), &format!("q{i}.bin"), MIB, 30 + i))
        .collect();
    for (tag, path) in sources.iter().enumerate() {
        handle
            .send(Command::Add {
                tag: tag as u64,
                path: path.clone(),
                destination: destination(&server),
                options: UploadOptions::default(),
            })
            .expect("send");
    }
    let mut uploading = std::collections::BTreeSet::new();
    let mut started_order = Vec::new();
    let mut completed = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while completed < 4 && Instant::now() < deadline {
        let Some(event) = events.try_recv() else {
            std::thread::sleep(Duration::from_millis(2));
            continue;
        };
        match event {
            Event::PhaseChanged {
                id,
                phase: Phase::Uploading,
                ..
            } => {
                uploading.insert(id);
                started_order.push(id);
                assert!(uploading.len() <= 2, "more than 2 uploads at once");
            }
            Event::PhaseChanged {
                id,
                phase: Phase::Completed,
                ..
            } => {
                uploading.remove(&id);
                completed += 1;
            }
            _ => {}
        }
    }
    assert_eq!(completed, 4);
    let mut sorted = started_order.clone();
    sorted.sort();
    assert_eq!(started_order, sorted, "uploads started in queue order");
    for (i, source) in sources.iter().enumerate() {
        assert_stored_equal(&server, &format!("q{i}.bin"), source);
    }
    handle.shutdown();
}

#[test]
fn relaunch_resumes_interrupted_uploads_or_leaves_them_paused() {
    let server = TestServer::start(&[]);
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "again.bin", MIB, 40);
    let interrupted = |home: &std::path::Path| interrupted_upload(home, &source, &server).1;
    let journal_phase = |home: &std::path::Path, id| {
        hoist_core::store::Journal::open(&HoistDirs::from_home(home).journal_path())
            .expect("journal")
            .journal
            .get(id)
            .expect("record")
            .phase
    };

    // Auto-resume off (the command line): it comes back paused for this engine, while the
    // journal keeps it unfinished, so an engine that continues unfinished uploads later (the
    // window's default) still does (it used to be paused for good).
    let home = tempfile::tempdir().expect("tempdir");
    let id = interrupted(home.path());
    let (handle, mut events, _) = engine(home.path(), 2);
    match next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. })) {
        Event::Restored { uploads } => assert_eq!(uploads[0].phase, Phase::Paused),
        other => panic!("{other:?}"),
    }
    handle.shutdown();
    assert!(journal_phase(home.path(), id).wants_to_run());

    // Auto-resume on: it continues by itself and completes.
    let mut config = EngineConfig::new(&HoistDirs::from_home(home.path()));
    config.resume_unfinished_on_start = true;
    let (handle, mut events) = Engine::start(config, Arc::new(|| {})).expect("engine");
    next_event(
        &mut events,
        30,
        |e| matches!(e, Event::Completed { id: i, .. } if *i == id),
    );
    assert_stored_equal(&server, "again.bin", &source);
    handle.shutdown();
    assert_eq!(journal_phase(home.path(), id), Phase::Completed);
}

#[test]
fn a_refused_token_reaches_the_events_and_the_journal_as_its_kind() {
    // Every upload request answers 401: one refresh, then the upload fails as "token refused".
    let server = TestServer::start(&["unauthorized-every=1"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "refused.bin", MIB, 5);
    let (handle, mut events, _) = engine(home.path(), 1);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    handle
        .send(Command::Add {
            tag: 1,
            path: source,
            destination: destination(&server),
            options: UploadOptions::default(),
        })
        .expect("send");
    let id = added_id(&next_event(&mut events, 10, |e| {
        matches!(e, Event::Added { tag: 1, .. })
    }));
    let failed = next_event(
        &mut events,
        30,
        |e| matches!(e, Event::PhaseChanged { id: i, phase: Phase::Failed, .. } if *i == id),
    );
    let Event::PhaseChanged {
        failure: Some(failure),
        ..
    } = failed
    else {
        panic!("a failure without its reason: {failed:?}");
    };
    assert_eq!(failure.kind, FailureKind::TokenRefused, "{failure:?}");
    assert!(
        failure.detail.contains("refused the credentials"),
        "the detail for the log says what the server said: {failure:?}"
    );
    handle.shutdown();

    // The kind is kept in the journal beside the text, so a relaunch still knows it.
    let journal =
        hoist_core::store::Journal::open(&HoistDirs::from_home(home.path()).journal_path())
            .expect("journal opens")
            .journal;
    let record = journal.get(id).expect("the upload is in the journal");
    assert_eq!(
        record.error.map(|f| f.kind),
        Some(FailureKind::TokenRefused)
    );
}

#[test]
fn the_engines_runtime_runs_one_off_jobs_from_a_plain_thread() {
    // What the window's connection test and sign-in do: `block_on` the engine's runtime handle
    // from a short-lived thread, with real I/O and timers.
    let server = TestServer::start(&[]);
    let home = tempfile::tempdir().expect("tempdir");
    let (handle, mut events, _) = engine(home.path(), 1);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    let jobs = handle.jobs();
    let url = server.base_url();
    let status = std::thread::spawn(move || {
        jobs.block_on(async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let http = hoist_core::protocol::http_client().expect("client");
            http.get(url).send().await.map(|r| r.status().as_u16())
        })
    })
    .join()
    .expect("the job's thread");
    assert!(status.is_ok(), "the job reached the server: {status:?}");
    handle.shutdown();
}

/// A saved session state that cannot be used (here another protocol's) starts the upload again
/// from byte 0: the engine tells it starts over (`SessionLost`), the journal forgets the old
/// progress first, and the upload completes byte-exact.
#[test]
fn an_unusable_saved_state_starts_again_and_completes() {
    use hoist_core::engine::UploadNotice;
    use hoist_core::store::SessionState;
    use hoist_core::upload::WireProtocol;

    let server = TestServer::start(&[]);
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "foreign.bin", MIB, 41);
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = HoistDirs::from_home(home.path());
    let (journal, id) = interrupted_upload(home.path(), &source, &server);
    let foreign = SessionState::from_value(
        WireProtocol::Tus,
        serde_json::json!({"upload_url": "http://127.0.0.1:9/files/x", "confirmed_bytes": MIB / 2}),
    );
    assert!(matches!(foreign, SessionState::Tus(_)), "{foreign:?}");
    journal
        .save_progress(id, MIB / 2, &foreign, false)
        .expect("save");
    assert!(matches!(
        journal.get(id).expect("record").protocol_state,
        SessionState::StartAgain(_)
    ));
    drop(journal);

    let mut config = EngineConfig::new(&dirs);
    config.resume_unfinished_on_start = true;
    let (handle, mut events) = Engine::start(config, Arc::new(|| {})).expect("engine");
    next_event(
        &mut events,
        30,
        |e| matches!(e, Event::Notice { id: i, notice: UploadNotice::SessionLost } if *i == id),
    );
    next_event(
        &mut events,
        30,
        |e| matches!(e, Event::Completed { id: i, .. } if *i == id),
    );
    assert_stored_equal(&server, "foreign.bin", &source);
    handle.shutdown();
}
