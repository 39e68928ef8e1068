//! What a resumed upload reports at a slow speed (what its row shows): the bytes the server
//! confirmed before the pause at once, never fewer, then a speed as soon as bytes go out again.
//!
//! A session saw a resumed row with no speed for about 12 s on a slow link. The cause: the
//! bytes of the request aborted by the pause still sit in the connection's buffers, and the
//! server reads them at the link's speed before it answers the resumed upload's "how much do
//! you have?". Nothing of the resumed upload goes out meanwhile; its reports say so (no speed),
//! and the window's row says "Connecting…" until bytes move (`hoist_ui` model test
//! `a_resumed_row_says_connecting_until_bytes_flow`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use hoist_core::engine::{
    Command, Engine, EngineConfig, EngineEvents, EngineHandle, Event, Progress, UploadOptions,
};
use hoist_core::store::HoistDirs;
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};

use crate::support::{TestServer, make_file, next_event};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

fn progress_of(event: &Event, id: UploadId) -> Option<Progress> {
    match event {
        Event::Progress(p) if p.id == id => Some(*p),
        _ => None,
    }
}

/// An engine limited to `limit_bytes_per_sec` (0: none) sending a 16 MiB file to `server` in
/// 1 MiB pieces.
fn start(
    server: &TestServer,
    home: &std::path::Path,
    limit_bytes_per_sec: u64,
) -> (EngineHandle, EngineEvents, UploadId, tempfile::TempDir) {
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "slow.mov", 16 * MIB, 0x51e0);
    let mut config = EngineConfig::new(&HoistDirs::from_home(home));
    config.bandwidth_limit_bytes_per_sec = limit_bytes_per_sec;
    let (handle, mut events) = Engine::start(config, Arc::new(|| {})).expect("engine starts");
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    let destination = Destination {
        service: Service::GoogleResumable {
            initiate_url: server.initiate_url(),
        },
        auth: AuthSource::None,
    };
    let options = UploadOptions {
        chunk_size_bytes: Some(MIB),
        chunk_size_auto: false,
        size_unknown: false,
    };
    let add = Command::Add {
        tag: 1,
        path: source,
        destination,
        options,
    };
    handle.send(add).expect("send");
    let id = match next_event(&mut events, 10, |e| {
        matches!(e, Event::Added { tag: 1, .. })
    }) {
        Event::Added { upload, .. } => upload.id,
        other => panic!("expected Added, got {other:?}"),
    };
    (handle, events, id, files)
}

/// Pauses `id` halfway through the piece after `confirmed_at_least`; what was confirmed then.
fn pause_mid_piece(
    handle: &EngineHandle,
    events: &mut EngineEvents,
    id: UploadId,
    confirmed_at_least: u64,
) -> u64 {
    let mut confirmed = 0;
    next_event(events, 30, |e| {
        progress_of(e, id).is_some_and(|p| {
            confirmed = p.confirmed_bytes;
            p.confirmed_bytes >= confirmed_at_least && p.sent_bytes >= p.confirmed_bytes + MIB / 2
        })
    });
    handle.send(Command::Pause(id)).expect("pause");
    next_event(
        events,
        5,
        |e| matches!(e, Event::PhaseChanged { id: i, phase: Phase::Paused, .. } if *i == id),
    );
    while let Some(event) = events.try_recv() {
        if let Some(p) = progress_of(&event, id) {
            confirmed = confirmed.max(p.confirmed_bytes);
        }
    }
    confirmed
}

/// Resumes `id`: how long until its first report and until a report with a speed. Every report
/// shows at least `confirmed_before`.
fn resume(
    handle: &EngineHandle,
    events: &mut EngineEvents,
    id: UploadId,
    confirmed_before: u64,
) -> (Duration, Duration) {
    handle.send(Command::Resume(id)).expect("resume");
    let resumed = Instant::now();
    let mut first_report = None;
    next_event(events, 20, |e| {
        let Some(p) = progress_of(e, id) else {
            return false;
        };
        assert!(
            p.confirmed_bytes >= confirmed_before,
            "shown {p:?} after {confirmed_before} was confirmed"
        );
        first_report.get_or_insert(resumed.elapsed());
        p.rate_bytes_per_sec > 0.0
    });
    (first_report.expect("a report"), resumed.elapsed())
}

#[test]
fn a_resumed_upload_shows_what_was_confirmed_at_once_and_a_speed_when_bytes_go() {
    // Hoist's own limit: bytes go out as soon as the upload resumes. A slow link (the server
    // reads slowly): the bytes of the aborted request are read first.
    for (faults, limit, speed_within) in [
        (&[][..], 256 * KIB, Duration::from_secs(2)),
        (&["throttle=256KiB"][..], 0, Duration::from_secs(15)),
    ] {
        let server = TestServer::start(faults);
        let home = tempfile::tempdir().expect("tempdir");
        let (handle, mut events, id, _files) = start(&server, home.path(), limit);
        for round in 1..=2 {
            let confirmed = pause_mid_piece(&handle, &mut events, id, round * MIB);
            let (first_report, speed_after) = resume(&handle, &mut events, id, confirmed);
            eprintln!(
                "{faults:?} limit {limit}: round {round}: first report after {first_report:?}, a speed after {speed_after:?}"
            );
            assert!(
                first_report < Duration::from_secs(1),
                "{faults:?}: {first_report:?}"
            );
            assert!(speed_after < speed_within, "{faults:?}: {speed_after:?}");
        }
        handle.send(Command::Cancel(id)).expect("cancel");
        handle.shutdown();
    }
}
