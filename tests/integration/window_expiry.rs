//! The window's expiry line (egui_kittest): a paused upload near its session's end says how long
//! is left to resume; a running upload that will not finish in time says so; neither says
//! anything when it does not matter.

use std::sync::mpsc::Sender;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{Event, ExpiryOutlook, Progress, UploadNotice, UploadSnapshot};
use hoist_core::upload::{Phase, UploadId};
use hoist_ui::{ChannelBackend, HoistApp, UiSettings};

use crate::window_support::{loopback_destination, settle, upload_row};

const HOUR: u64 = 3600;
const MIB: u64 = 1024 * 1024;

fn now_unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn window(rows: Vec<UploadSnapshot>) -> (Harness<'static, HoistApp>, Sender<Event>) {
    let (backend, _command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored { uploads: rows })
        .expect("send");
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1280.0, 600.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    (harness, event_tx)
}

fn row(id: i64, name: &str, phase: Phase, confirmed: u64, expires: Option<u64>) -> UploadSnapshot {
    let mut row = upload_row(
        id,
        name,
        phase,
        loopback_destination(9),
        confirmed,
        100 * MIB,
    );
    row.expires_unix_secs = expires;
    row
}

fn has_label_containing(harness: &Harness<'static, HoistApp>, text: &str) -> bool {
    harness.query_by_label_contains(text).is_some()
}

#[test]
fn a_paused_upload_near_its_end_says_how_long_is_left_to_resume() {
    let now = now_unix_secs();
    let (harness, _events) = window(vec![
        row(
            1,
            "soon.mp4",
            Phase::Paused,
            10 * MIB,
            Some(now + 2 * 24 * HOUR + HOUR),
        ),
        row(
            2,
            "later.mp4",
            Phase::Paused,
            10 * MIB,
            Some(now + 6 * 24 * HOUR),
        ),
        row(3, "nothing-yet.mp4", Phase::Paused, 0, Some(now + HOUR)),
    ]);
    harness
        .get_by_label("Resume within 2 days, or this upload will start again from the beginning");
    let lines = harness.query_all_by_label_contains("Resume within").count();
    assert_eq!(
        lines, 1,
        "only the upload whose end is near and that has something to lose"
    );
    harness.check_accessibility();
}

#[test]
fn a_running_upload_that_will_not_finish_in_time_says_so() {
    let now = now_unix_secs();
    let (mut harness, events) = window(vec![row(1, "long.mov", Phase::Uploading, 0, None)]);
    let rate = MIB as f64 / 100.0;
    events
        .send(Event::Progress(Progress {
            id: UploadId(1),
            sent_bytes: 0,
            confirmed_bytes: 0,
            total_bytes: Some(100 * MIB),
            rate_bytes_per_sec: rate,
        }))
        .expect("send");
    let outlook = |will_not_finish| ExpiryOutlook {
        expires_unix_secs: now + 2 * HOUR + 600,
        expires_in_secs: 2 * HOUR + 600,
        finish_in_secs: Some(10_000),
        will_not_finish,
    };
    events
        .send(Event::Expiry {
            id: UploadId(1),
            outlook: outlook(false),
        })
        .expect("send");
    settle(&mut harness);
    assert!(
        !has_label_containing(&harness, "May not finish in time"),
        "fine so far"
    );
    events
        .send(Event::Expiry {
            id: UploadId(1),
            outlook: outlook(true),
        })
        .expect("send");
    settle(&mut harness);
    // 100 MiB at 1/100 MiB/s: 10,000 s, 2 hours 46 minutes 40 seconds (the session ends in 2
    // hours 10 minutes, or 2 hours 9 minutes once a second has passed).
    harness.get_by_label_contains(
        "May not finish in time: at this speed it needs about 2 hours 47 minutes, but the server \
         keeps the unfinished upload for only 2 hours ",
    );
    // Paused: the running upload's line goes (its session has no known end here).
    events
        .send(Event::PhaseChanged {
            id: UploadId(1),
            phase: Phase::Paused,
            failure: None,
        })
        .expect("send");
    settle(&mut harness);
    assert!(!has_label_containing(&harness, "May not finish in time"));
}

/// The engine tells of an upload at risk once per upload (again after it was safe for a while);
/// however often it says so, the window says it once, in the row (not again in the messages at the top), and not at all once
/// the upload is no longer at risk.
#[test]
fn an_upload_at_risk_is_told_once_however_often_the_engine_says_so() {
    let now = now_unix_secs();
    let (mut harness, events) = window(vec![row(1, "long.mov", Phase::Uploading, 0, None)]);
    let send = |event| events.send(event).expect("send");
    let outlook = |will_not_finish| ExpiryOutlook {
        expires_unix_secs: now + 2 * HOUR + 600,
        expires_in_secs: 2 * HOUR + 600,
        finish_in_secs: Some(10_000),
        will_not_finish,
    };
    for _ in 0..3 {
        for phase in [Phase::Paused, Phase::Uploading] {
            send(Event::PhaseChanged {
                id: UploadId(1),
                phase,
                failure: None,
            });
        }
        send(Event::Progress(Progress {
            id: UploadId(1),
            sent_bytes: 0,
            confirmed_bytes: 0,
            total_bytes: Some(100 * MIB),
            rate_bytes_per_sec: MIB as f64 / 100.0,
        }));
        send(Event::Expiry {
            id: UploadId(1),
            outlook: outlook(true),
        });
        send(Event::Notice {
            id: UploadId(1),
            notice: UploadNotice::SessionMayExpire {
                needed: std::time::Duration::from_secs(10_000),
                lifetime: std::time::Duration::from_secs(2 * HOUR + 600),
            },
        });
        settle(&mut harness);
    }
    let told = harness
        .query_all_by_label_contains("keeps the unfinished upload")
        .count();
    assert_eq!(told, 1, "once, however often the engine said it");
    harness.get_by_label_contains("May not finish in time");
    assert!(!has_label_containing(&harness, "If that time runs out"));
    send(Event::Expiry {
        id: UploadId(1),
        outlook: outlook(false),
    });
    settle(&mut harness);
    assert!(!has_label_containing(
        &harness,
        "keeps the unfinished upload"
    ));
}

/// A cut-off line or name says the whole of it once on hover (the row's own tooltip), not twice
/// (egui's tooltip for cut text as well).
#[test]
fn hovering_a_cut_off_line_shows_one_tooltip() {
    let now = now_unix_secs();
    let name = "a very long name for a family holiday video from the summer of 2026 final edit.mp4";
    let (mut harness, events) = window(vec![row(1, name, Phase::Uploading, 0, None)]);
    events
        .send(Event::Progress(Progress {
            id: UploadId(1),
            sent_bytes: MIB,
            confirmed_bytes: 0,
            total_bytes: Some(100 * MIB),
            rate_bytes_per_sec: MIB as f64 / 100.0,
        }))
        .expect("send");
    events
        .send(Event::Expiry {
            id: UploadId(1),
            outlook: ExpiryOutlook {
                expires_unix_secs: now + 600,
                expires_in_secs: 600,
                finish_in_secs: Some(10_000),
                will_not_finish: true,
            },
        })
        .expect("send");
    settle(&mut harness);
    let count = |harness: &Harness<'static, HoistApp>, text: &str| {
        harness.query_all_by_label_contains(text).count()
    };
    // (The row's label carries the whole line for screen readers, cut off or not.)
    assert_eq!(count(&harness, "keeps the unfinished upload"), 1);
    harness
        .get_by_label_contains("May not finish in time")
        .hover();
    settle(&mut harness);
    assert_eq!(
        count(&harness, "keeps the unfinished upload"),
        2,
        "the row and one tooltip"
    );
    harness.get_by_label_contains("If that time runs out first");
    harness.get_by_label(name).hover();
    settle(&mut harness);
    assert_eq!(
        harness.query_all_by_label(name).count(),
        1,
        "the name once (its path in the tooltip)"
    );
    harness.get_by_label(&format!("/videos/{name}"));
}
