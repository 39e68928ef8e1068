//! Keep-awake, wake-up and metered connections for real: the engine (as the window runs it)
//! with `hoist_core::system` on a private system bus (`dbus-daemon`) where stand-ins speak
//! logind's `Inhibit` and `PrepareForSleep` and NetworkManager's `Metered`, against the
//! reference server. Without a bus, or with a bus but no logind or NetworkManager, the clear
//! line comes as a warning and uploads still work.

use std::time::{Duration, Instant};

use hoist_core::engine::{
    Command, Engine, EngineConfig, EngineEvents, EngineHandle, EngineWarning, Event, RetryPolicy,
    UploadOptions,
};
use hoist_core::store::HoistDirs;
use hoist_core::system::SystemOptions;
use hoist_core::upload::{AuthSource, Destination, Service, UploadId};

use crate::power_stand_in::{StandIn, SystemBus};
use crate::support::{TestServer, assert_stored_equal, make_file, next_event, wait_until};

const MIB: u64 = 1024 * 1024;
/// NMMetered values.
const METERED_YES: u32 = 1;
const METERED_NO: u32 = 2;
const METERED_GUESS_NO: u32 = 4;

/// The engine with the system watchers on the bus at `address`.
fn engine(
    home: &std::path::Path,
    address: &str,
    pause_on_metered: bool,
) -> (EngineHandle, EngineEvents) {
    engine_with(home, address, |config| {
        config.pause_on_metered = pause_on_metered
    })
}

/// [`engine`] with the configuration changed by `edit` last.
fn engine_with(
    home: &std::path::Path,
    address: &str,
    edit: impl FnOnce(&mut EngineConfig),
) -> (EngineHandle, EngineEvents) {
    let mut config = EngineConfig::new(&HoistDirs::from_home(home));
    config.max_parallel_uploads = 2;
    config.small_files_at_once = 0;
    config.retry = RetryPolicy {
        initial_wait: Duration::from_millis(20),
        max_wait: Duration::from_millis(200),
        total_budget: Duration::from_secs(30),
    };
    // Far longer than a wake-up may take to be noticed: the stall path is not what answers.
    config.stall_timeout = Duration::from_secs(30);
    edit(&mut config);
    let (handle, events) = Engine::start(config, std::sync::Arc::new(|| {})).expect("engine");
    hoist_core::system::start(
        &handle,
        SystemOptions {
            bus_address: Some(address.to_string()),
        },
    );
    (handle, events)
}

/// Tags of the commands sent, one each.
static TAGS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The reference server's Google resumable endpoint.
fn google(server: &TestServer) -> Service {
    Service::GoogleResumable {
        initiate_url: server.initiate_url(),
    }
}

/// Queues `path` to `service` in chunks of `chunk_bytes`; the tag of the command.
fn send_add(
    handle: &EngineHandle,
    service: Service,
    path: &std::path::Path,
    chunk_bytes: u64,
) -> u64 {
    let tag = TAGS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    handle
        .send(Command::Add {
            tag,
            path: path.to_path_buf(),
            destination: Destination {
                service,
                auth: AuthSource::None,
            },
            options: UploadOptions {
                chunk_size_bytes: Some(chunk_bytes),
                chunk_size_auto: false,
                size_unknown: false,
            },
        })
        .expect("send");
    tag
}

/// Queues `path` to `service` ([`send_add`]) and waits for it to be added; its id.
fn add_to(
    handle: &EngineHandle,
    events: &mut EngineEvents,
    service: Service,
    path: &std::path::Path,
    chunk_bytes: u64,
) -> UploadId {
    let tag = send_add(handle, service, path, chunk_bytes);
    match next_event(
        events,
        10,
        |e| matches!(e, Event::Added { tag: t, .. } if *t == tag),
    ) {
        Event::Added { upload, .. } => upload.id,
        _ => unreachable!(),
    }
}

/// [`add_to`] the reference server's Google resumable endpoint.
fn add(
    handle: &EngineHandle,
    events: &mut EngineEvents,
    server: &TestServer,
    path: &std::path::Path,
    chunk_bytes: u64,
) -> UploadId {
    add_to(handle, events, google(server), path, chunk_bytes)
}

/// Waits until every upload in `ids` completed.
fn completed(events: &mut EngineEvents, ids: &[UploadId]) {
    let mut left: Vec<UploadId> = ids.to_vec();
    while !left.is_empty() {
        if let Event::Completed { id, .. } =
            next_event(events, 60, |e| matches!(e, Event::Completed { .. }))
        {
            left.retain(|l| *l != id);
        }
    }
}

#[test]
fn the_computer_is_kept_awake_exactly_while_uploading() {
    let bus = SystemBus::start();
    let stand_in = StandIn::start(&bus.address, METERED_NO);
    let server = TestServer::start(&["throttle=2MiB"]);
    let (home, files) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let source = make_file(files.path(), "awake.bin", 5 * MIB + 3, 171);
    let (handle, mut events) = engine(home.path(), &bus.address, false);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        stand_in.inhibitors().is_empty(),
        "a lock with nothing to upload"
    );

    let id = add(&handle, &mut events, &server, &source, 512 * 1024);
    wait_until(10, "the lock to be taken", || {
        stand_in.inhibitors().len() == 1
    });
    let first = stand_in.inhibitors()[0].clone();
    assert_eq!(
        first.asked,
        ["sleep:idle", "Hoist", "Uploading files", "block"]
    );
    assert!(!first.released());

    wait_until(20, "a first MiB", || {
        server.stats().upload_body_bytes_received >= MIB
    });
    handle.send(Command::PauseAll).expect("pause all");
    let paused = Instant::now();
    wait_until(10, "the lock released when all are paused", || {
        first.released()
    });
    eprintln!("lock released {:?} after Pause all", paused.elapsed());

    handle.send(Command::ResumeAll).expect("resume all");
    wait_until(10, "the lock taken again", || {
        stand_in.inhibitors().len() == 2
    });
    completed(&mut events, &[id]);
    let done = Instant::now();
    wait_until(10, "the lock released when the queue drained", || {
        stand_in.inhibitors()[1].released()
    });
    eprintln!(
        "lock released {:?} after the last upload completed",
        done.elapsed()
    );
    assert_eq!(
        stand_in.inhibitors().len(),
        2,
        "one lock per stretch of uploading"
    );
    assert_stored_equal(&server, "awake.bin", &source);
    handle.shutdown();
}

#[test]
fn waking_up_makes_every_active_upload_ask_its_offset_at_once() {
    let bus = SystemBus::start();
    let stand_in = StandIn::start(&bus.address, METERED_NO);
    let server = TestServer::start(&["throttle=2MiB"]);
    let (home, files) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let a = make_file(files.path(), "wake-a.bin", 6 * MIB + 1, 172);
    let b = make_file(files.path(), "wake-b.bin", 6 * MIB + 2, 173);
    let (handle, mut events) = engine(home.path(), &bus.address, false);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    // One upload per protocol whose server the offset questions are counted on.
    let tus = Service::Tus {
        endpoint: format!("{}/tus/files/", server.base_url()),
    };
    let ids = [
        add(&handle, &mut events, &server, &a, MIB),
        add_to(&handle, &mut events, tus, &b, MIB),
    ];
    let mut started = Vec::new();
    while started.len() < 2 {
        if let Event::Progress(p) = next_event(
            &mut events,
            20,
            |e| matches!(e, Event::Progress(p) if p.sent_bytes > 256 * 1024),
        ) && !started.contains(&p.id)
        {
            started.push(p.id);
        }
    }
    let before = server.stats().offset_queries;
    stand_in.prepare_for_sleep(true);
    stand_in.prepare_for_sleep(false);
    let woke = Instant::now();
    wait_until(5, "both uploads to ask their offset", || {
        server.stats().offset_queries >= before + 2
    });
    let asked_after = woke.elapsed();
    eprintln!(
        "offset queries {before} -> {} within {asked_after:?} of PrepareForSleep(false)",
        server.stats().offset_queries
    );
    assert!(
        asked_after < Duration::from_secs(3),
        "not at once: {asked_after:?}"
    );
    let mut retried = false;
    let mut left = ids.to_vec();
    while !left.is_empty() {
        match next_event(&mut events, 60, |e| {
            matches!(e, Event::Completed { .. } | Event::Retrying { .. })
        }) {
            Event::Completed { id, .. } => left.retain(|l| *l != id),
            _ => retried = true,
        }
    }
    assert!(!retried, "a wake-up is not a failure to retry after a wait");
    assert_stored_equal(&server, "wake-a.bin", &a);
    assert_stored_equal(&server, "wake-b.bin", &b);
    handle.shutdown();
}

#[test]
fn waking_up_cuts_a_wait_before_retrying_short() {
    let bus = SystemBus::start();
    let stand_in = StandIn::start(&bus.address, METERED_NO);
    let server = TestServer::start(&["throttle=2MiB"]);
    let (home, files) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let source = make_file(files.path(), "retry.bin", 5 * MIB + 3, 178);
    let (handle, mut events) = engine_with(home.path(), &bus.address, |config| {
        // Far longer than the test waits: only the wake-up can end the wait.
        config.retry.initial_wait = Duration::from_secs(40);
        config.retry.max_wait = Duration::from_secs(60);
        config.retry.total_budget = Duration::from_secs(600);
    });
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    let id = add(&handle, &mut events, &server, &source, MIB);
    wait_until(20, "a first MiB", || {
        server.stats().upload_body_bytes_received >= MIB
    });
    // The network went away with the sleep: the next request fails.
    server.set_faults(&["throttle=2MiB", "error-rate=1"]);
    let wait = match next_event(&mut events, 20, |e| matches!(e, Event::Retrying { .. })) {
        Event::Retrying { wait, .. } => wait,
        _ => unreachable!(),
    };
    assert!(wait >= Duration::from_secs(40), "{wait:?}");
    server.set_faults(&["throttle=2MiB"]);
    let before = server.stats().offset_queries;
    stand_in.prepare_for_sleep(false);
    let woke = Instant::now();
    wait_until(5, "the upload to ask its offset", || {
        server.stats().offset_queries > before
    });
    eprintln!(
        "asked its offset {:?} after the wake-up, instead of {wait:?} later",
        woke.elapsed()
    );
    completed(&mut events, &[id]);
    assert!(
        woke.elapsed() < Duration::from_secs(30),
        "{:?}",
        woke.elapsed()
    );
    assert_stored_equal(&server, "retry.bin", &source);
    handle.shutdown();
}

#[test]
fn a_metered_connection_holds_new_chunks_until_it_is_not() {
    let bus = SystemBus::start();
    let stand_in = StandIn::start(&bus.address, METERED_NO);
    let server = TestServer::start(&["throttle=2MiB"]);
    let (home, files) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let source = make_file(files.path(), "metered.bin", 6 * MIB + 5, 174);
    let (handle, mut events) = engine(home.path(), &bus.address, true);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    let id = add(&handle, &mut events, &server, &source, 256 * 1024);
    wait_until(20, "a first MiB", || {
        server.stats().upload_body_bytes_received >= MIB
    });
    wait_until(10, "the lock to be taken", || {
        stand_in.inhibitors().len() == 1
    });

    stand_in.set_metered(METERED_YES);
    next_event(&mut events, 10, |e| {
        *e == Event::MeteredHold { waiting: true }
    });
    // The chunk on its way (256 KiB at 2 MiB/s) finishes; then nothing more is sent.
    std::thread::sleep(Duration::from_millis(600));
    let held_at = server.stats().upload_body_bytes_received;
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        server.stats().upload_body_bytes_received,
        held_at,
        "bytes were sent on a metered connection"
    );
    assert!(held_at < 6 * MIB, "the upload finished before the hold");
    wait_until(5, "the lock released while nothing sends", || {
        stand_in.inhibitors()[0].released()
    });

    stand_in.set_metered(METERED_GUESS_NO);
    next_event(&mut events, 10, |e| {
        *e == Event::MeteredHold { waiting: false }
    });
    completed(&mut events, &[id]);
    assert_stored_equal(&server, "metered.bin", &source);
    assert_eq!(
        stand_in.inhibitors().len(),
        2,
        "the lock taken again after the hold"
    );
    handle.shutdown();
}

/// Without a system bus, and with a bus but neither logind nor NetworkManager on it: the two
/// warnings (the window's and the command line's clear lines), and the upload still works.
#[test]
fn without_logind_or_network_manager_people_are_told_and_uploads_work() {
    let empty_bus = SystemBus::start();
    let nowhere = tempfile::tempdir().expect("tmp");
    let no_bus = format!("unix:path={}", nowhere.path().join("no-bus").display());
    for address in [no_bus.as_str(), empty_bus.address.as_str()] {
        let server = TestServer::start(&["throttle=8MiB"]);
        let (home, files) = (
            tempfile::tempdir().expect("tmp"),
            tempfile::tempdir().expect("tmp"),
        );
        let source = make_file(files.path(), "plain.bin", 3 * MIB + 7, 175);
        let (handle, mut events) = engine(home.path(), address, true);
        let tag = send_add(&handle, google(&server), &source, 512 * 1024);
        // Every event is looked at: a warning may come before the upload is even added.
        let (mut id, mut done, mut warnings) = (None, false, Vec::new());
        while !(done && warnings.len() == 2) {
            match next_event(&mut events, 30, |_| true) {
                Event::Warning { kind, .. } => warnings.push(kind),
                Event::Added { tag: t, upload } if t == tag => id = Some(upload.id),
                Event::Completed { id: i, .. } => done |= Some(i) == id,
                _ => {}
            }
        }
        warnings.sort_by_key(|k| format!("{k:?}"));
        assert_eq!(
            warnings,
            [
                EngineWarning::CannotKeepAwake,
                EngineWarning::CannotSeeMetered
            ],
            "{address}"
        );
        assert_stored_equal(&server, "plain.bin", &source);
        handle.shutdown();
    }
}
