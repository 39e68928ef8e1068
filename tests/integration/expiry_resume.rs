//! The "may not finish in time" notice is given once per upload: pausing and resuming a slow
//! upload whose session expires soon starts new runs, which show the outlook again but do not
//! repeat the notice (the CLI would print it again on every resume).

use std::time::Duration;

use hoist_core::engine::{Command, EngineEvents, Event, UploadNotice, UploadOptions};
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};

use crate::support::{TestServer, make_file, next_event};

const MIB: u64 = 1024 * 1024;

fn is_may_expire(event: &Event, id: UploadId) -> bool {
    matches!(event, Event::Notice { id: i, notice: UploadNotice::SessionMayExpire { .. } } if *i == id)
}

/// Waits (up to 20 s) for an at-risk outlook of `id`, then 1 s more; the notices seen meanwhile.
fn notices_until_at_risk(events: &mut EngineEvents, id: UploadId) -> usize {
    let mut notices = 0;
    next_event(events, 20, |e| {
        notices += usize::from(is_may_expire(e, id));
        matches!(e, Event::Expiry { id: i, outlook } if *i == id && outlook.will_not_finish)
    });
    std::thread::sleep(Duration::from_secs(1));
    while let Some(event) = events.try_recv() {
        notices += usize::from(is_may_expire(&event, id));
    }
    notices
}

#[test]
fn pausing_and_resuming_does_not_repeat_the_may_expire_notice() {
    // Uploads expire a minute after creation; 16 MiB at 256 KiB/s need about 64 s.
    let server = TestServer::start(&["tus-expires=60", "throttle=256KiB"]);
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "slow.mov", 16 * MIB, 0x5e55);
    let (handle, mut events, _) = crate::engine::engine(home.path(), 1);
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    handle
        .send(Command::Add {
            tag: 1,
            path: source,
            destination: Destination {
                service: Service::Tus {
                    endpoint: format!("{}/tus/files/", server.base_url()),
                },
                auth: AuthSource::None,
            },
            options: UploadOptions {
                chunk_size_bytes: Some(256 * 1024),
                chunk_size_auto: false,
                size_unknown: false,
            },
        })
        .expect("send");
    let id = match next_event(&mut events, 10, |e| {
        matches!(e, Event::Added { tag: 1, .. })
    }) {
        Event::Added { upload, .. } => upload.id,
        other => panic!("expected Added, got {other:?}"),
    };
    assert_eq!(
        notices_until_at_risk(&mut events, id),
        1,
        "told once at first"
    );
    for round in 1..=2 {
        handle.send(Command::Pause(id)).expect("pause");
        next_event(
            &mut events,
            5,
            |e| matches!(e, Event::PhaseChanged { id: i, phase: Phase::Paused, .. } if *i == id),
        );
        handle.send(Command::Resume(id)).expect("resume");
        assert_eq!(
            notices_until_at_risk(&mut events, id),
            0,
            "told again after resume {round}"
        );
    }
    assert_eq!(
        server.stats().sessions_created,
        1,
        "the same session all along"
    );
    handle.send(Command::Cancel(id)).expect("cancel");
    handle.shutdown();
}
