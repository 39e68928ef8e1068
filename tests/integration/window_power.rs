//! The window and sleep, wake-ups and metered connections (egui_kittest, a fake engine):
//! Settings offers "Keep the computer awake while uploading" (on) and "Pause on metered
//! connections" (off) and sends changes to the engine; where the system does not allow them the
//! line shows in the banner and beside the option; an uploading row held on a metered
//! connection says why, and goes back to "Uploading" when the hold ends.

use std::sync::mpsc::{Receiver, Sender};

use egui::accesskit::Toggled;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use hoist_core::engine::{Command, EngineWarning, Event};
use hoist_core::upload::Phase;
use hoist_ui::{ChannelBackend, HoistApp, UiSettings};

use crate::window_support::{loopback_destination, upload_row};

const KEEP_AWAKE: &str = "Keep the computer awake while uploading";
const PAUSE_ON_METERED: &str = "Pause on metered connections";
const METERED_WAIT: &str =
    "Waiting \u{2014} this connection is metered (Settings \u{203a} Pause on metered connections)";
const CANNOT_KEEP_AWAKE: &str = "Hoist can't keep this computer awake here, so uploads pause if it sleeps and continue when it wakes.";
const CANNOT_SEE_METERED: &str = "Hoist can't tell here whether the connection is metered, so uploads go on as usual on every connection.";

/// The window with one uploading row, `settings`, and the fake engine's ends.
fn window(settings: UiSettings) -> (Harness<'static, HoistApp>, Receiver<Command>, Sender<Event>) {
    let (backend, commands, events) = ChannelBackend::new();
    let row = upload_row(
        1,
        "clip.mp4",
        Phase::Uploading,
        loopback_destination(9),
        2_500_000,
        10_000_000,
    );
    events
        .send(Event::Restored { uploads: vec![row] })
        .expect("send");
    let app = HoistApp::new(Box::new(backend), settings, None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 700.0))
        .build_eframe(|_cc| app);
    harness.run();
    (harness, commands, events)
}

fn toggled(harness: &Harness<'static, HoistApp>, label: &str) -> Option<Toggled> {
    harness.get_by_label(label).accesskit_node().toggled()
}

#[test]
fn settings_offer_keep_awake_on_and_pause_on_metered_off_and_send_changes() {
    let (mut harness, commands, _events) = window(UiSettings::default());
    harness.get_by_label("Settings").click();
    harness.run();
    assert_eq!(toggled(&harness, KEEP_AWAKE), Some(Toggled::True));
    assert_eq!(toggled(&harness, PAUSE_ON_METERED), Some(Toggled::False));
    harness.check_accessibility();
    assert!(
        commands.try_iter().next().is_none(),
        "nothing sent by opening Settings"
    );

    harness.get_by_label(PAUSE_ON_METERED).click();
    harness.run();
    harness.get_by_label(KEEP_AWAKE).click();
    harness.run();
    let sent: Vec<Command> = commands.try_iter().collect();
    assert_eq!(
        sent,
        [
            Command::SetPauseOnMetered(true),
            Command::SetKeepAwake(false)
        ]
    );
    assert_eq!(toggled(&harness, PAUSE_ON_METERED), Some(Toggled::True));
    assert_eq!(toggled(&harness, KEEP_AWAKE), Some(Toggled::False));
}

#[test]
fn where_the_system_does_not_allow_it_the_banner_and_settings_say_so() {
    let settings = UiSettings {
        pause_on_metered: true,
        ..UiSettings::default()
    };
    let (mut harness, _commands, events) = window(settings);
    for kind in [
        EngineWarning::CannotKeepAwake,
        EngineWarning::CannotSeeMetered,
    ] {
        events
            .send(Event::Warning {
                kind,
                detail: "no system D-Bus".to_string(),
            })
            .expect("send");
    }
    harness.run();
    // The banner.
    harness.get_by_label(CANNOT_KEEP_AWAKE);
    harness.get_by_label(CANNOT_SEE_METERED);
    assert!(
        harness.query_by_label_contains("D-Bus").is_none(),
        "jargon in the window"
    );
    // And beside each option in Settings.
    harness.get_by_label("Settings").click();
    harness.run();
    assert_eq!(harness.query_all_by_label(CANNOT_KEEP_AWAKE).count(), 2);
    assert_eq!(harness.query_all_by_label(CANNOT_SEE_METERED).count(), 2);
    harness.check_accessibility();
}

#[test]
fn a_row_held_on_a_metered_connection_says_why_until_it_goes_on() {
    let (mut harness, _commands, events) = window(UiSettings::default());
    // Nothing has gone out yet: connecting; bytes flowing: uploading.
    harness.get_by_label("Connecting…");
    events
        .send(Event::Progress(hoist_core::engine::Progress {
            id: hoist_core::upload::UploadId(1),
            sent_bytes: 2_600_000,
            confirmed_bytes: 2_500_000,
            total_bytes: Some(10_000_000),
            rate_bytes_per_sec: 100_000.0,
        }))
        .expect("send");
    harness.run();
    harness.get_by_label("Uploading");
    events
        .send(Event::MeteredHold { waiting: true })
        .expect("send");
    harness.run();
    harness.get_by_label(METERED_WAIT).hover();
    harness.run();
    assert!(harness.query_by_label("Uploading").is_none());
    // The row's words may be cut short: the tooltip has the whole story.
    harness.get_by_label_contains("To upload anyway, turn off Settings");
    events
        .send(Event::MeteredHold { waiting: false })
        .expect("send");
    harness.run();
    harness.get_by_label("Uploading");
    assert!(harness.query_by_label(METERED_WAIT).is_none());
}
