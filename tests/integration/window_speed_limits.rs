//! Settings' speed limits in the window: "A different limit during certain hours", switched on,
//! sends the engine the limit that holds now and says it; switched off, the slider's limit holds
//! again. A custom schedule under Advanced greys out both and decides.

use std::sync::mpsc::Receiver;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use hoist_core::engine::Command;
use hoist_ui::{ChannelBackend, HoistApp, HoursLimit, UiSettings};

use crate::window_support::{click, settle};

const MIB: u64 = 1024 * 1024;
const HOURS_SWITCH: &str = "A different limit during certain hours";

fn settings_open(settings: UiSettings) -> (Harness<'static, HoistApp>, Receiver<Command>) {
    let (backend, commands, _events) = ChannelBackend::new();
    let app = HoistApp::new(Box::new(backend), settings, None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    click(&mut harness, "Settings");
    (harness, commands)
}

/// The bandwidth limits the window sent, in order.
fn limits_sent(commands: &Receiver<Command>) -> Vec<u64> {
    commands
        .try_iter()
        .filter_map(|c| match c {
            Command::SetLimits {
                bandwidth_limit_bytes_per_sec,
                ..
            } => Some(bandwidth_limit_bytes_per_sec),
            _ => None,
        })
        .collect()
}

fn disabled(harness: &Harness<'static, HoistApp>, role: Role, label: &str) -> bool {
    harness
        .get_by_role_and_label(role, label)
        .accesskit_node()
        .is_disabled()
}

#[test]
fn the_hours_limit_holds_during_its_hours_and_the_slider_again_when_it_is_off() {
    // Hours around now (local time): from an hour before the last half hour to two hours after.
    let now = hoist_core::units::local_week_minute() % (24 * 60);
    let half_hour = now / 30 * 30;
    let from_minute = (half_hour + 24 * 60 - 60) % (24 * 60);
    let to_minute = (half_hour + 120) % (24 * 60);
    let settings = UiSettings {
        bandwidth_limit_mib_per_sec: 9,
        hours_limit: HoursLimit {
            from_minute,
            to_minute,
            limit_mib_per_sec: 3,
        },
        ..UiSettings::default()
    };
    let (mut harness, commands) = settings_open(settings);
    assert!(
        harness.query_by_label("Every day from").is_none(),
        "folded while off"
    );
    click(&mut harness, HOURS_SWITCH);
    let to_words = format!("{:02}:{:02}", to_minute / 60, to_minute % 60);
    let from = harness.get_by_role_and_label(Role::ComboBox, "Every day from");
    assert_eq!(
        from.accesskit_node().value().as_deref(),
        Some(format!("{:02}:{:02}", from_minute / 60, from_minute % 60).as_str())
    );
    harness.get_by_role_and_label(Role::ComboBox, "to");
    harness.get_by_role_and_label(Role::Slider, "at most");
    assert_eq!(limits_sent(&commands), vec![3 * MIB]);
    harness.get_by_label(&format!(
        "Outside these hours, “Limit upload speed” holds. Now: limit 3.00 MiB/s until {to_words}."
    ));
    harness.check_accessibility();

    // Picking the same time twice is said, and the slider's limit holds meanwhile.
    harness.get_by_role_and_label(Role::ComboBox, "to").click();
    settle(&mut harness);
    let same = format!("{:02}:{:02}", from_minute / 60, from_minute % 60);
    // The list scrolls: the time is brought into view before it is clicked.
    harness
        .get_by_role_and_label(Role::Button, &same)
        .scroll_to_me();
    settle(&mut harness);
    harness.get_by_role_and_label(Role::Button, &same).click();
    settle(&mut harness);
    harness.get_by_label("Choose two different times; until then “Limit upload speed” holds.");
    assert_eq!(limits_sent(&commands), vec![9 * MIB]);

    click(&mut harness, HOURS_SWITCH);
    assert!(harness.query_by_label("Every day from").is_none());
    assert_eq!(
        limits_sent(&commands),
        Vec::<u64>::new(),
        "9 MiB/s holds already"
    );
    assert_eq!(
        harness.state().settings().hours_limit.to_minute,
        from_minute
    );
}

#[test]
fn a_custom_schedule_under_advanced_greys_out_the_limits_above_it() {
    let settings = UiSettings {
        bandwidth_limit_mib_per_sec: 9,
        hours_limit_on: true,
        speed_schedule: "00:00,300K".to_string(),
        ..UiSettings::default()
    };
    let (mut harness, commands) = settings_open(settings);
    // Advanced is open: the schedule there decides.
    harness.get_by_label("Custom schedule");
    assert!(disabled(&harness, Role::Slider, "Limit upload speed"));
    assert!(disabled(&harness, Role::CheckBox, HOURS_SWITCH));
    assert!(disabled(&harness, Role::Slider, "at most"));
    assert_eq!(limits_sent(&commands), vec![300 * 1024]);
    harness.check_accessibility();

    // Folded, Settings closed and opened again: Advanced opens with it, the schedule in view.
    click(&mut harness, "Advanced");
    assert!(harness.query_by_label("Custom schedule").is_none());
    // The toolbar's button (the window's title says "Settings" too): closed, then open again.
    let speed_slider = |h: &Harness<'static, HoistApp>| {
        h.query_by_role_and_label(Role::Slider, "Limit upload speed")
            .is_some()
    };
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    settle(&mut harness);
    assert!(!speed_slider(&harness), "Settings closed");
    harness
        .get_by_role_and_label(Role::Button, "Settings")
        .click();
    settle(&mut harness);
    assert!(speed_slider(&harness), "Settings open again");
    harness.get_by_label("Custom schedule");
}
