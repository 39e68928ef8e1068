//! "Copy link" on a finished upload: in its row's "…" menu and right-click menu, and in the
//! History window. The link goes to the clipboard and the status bar says "Link copied" for a
//! moment; a row without a link offers no such item.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::Event;
use hoist_core::upload::{Phase, RemoteResult};
use hoist_ui::{COPY_LINK, ChannelBackend, HoistApp, MORE_ACTIONS, UiSettings};

use crate::window_support::{loopback_destination, settle, upload_row};

const LINK: &str = "https://videos.example.com/watch/42";

fn window() -> Harness<'static, HoistApp> {
    let (backend, _commands, events) = ChannelBackend::new();
    let mut done = upload_row(
        1,
        "holiday.mp4",
        Phase::Completed,
        loopback_destination(9),
        10,
        10,
    );
    done.result = Some(RemoteResult {
        remote_id: Some("42".to_string()),
        url: Some(LINK.to_string()),
        response: serde_json::Value::Null,
    });
    let without = upload_row(
        2,
        "b-roll.mov",
        Phase::Completed,
        loopback_destination(9),
        10,
        10,
    );
    events
        .send(Event::Restored {
            uploads: vec![done, without],
        })
        .expect("send");
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1060.0, 640.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    // The events channel is dropped with `events`: the rows came in before.
    harness
}

/// Clicks "Copy link" and returns what went to the clipboard in that frame.
fn copy(harness: &mut Harness<'static, HoistApp>) -> Vec<String> {
    harness.get_by_label(COPY_LINK).click();
    harness.step();
    harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

fn status_says_copied(harness: &Harness<'static, HoistApp>) -> bool {
    harness
        .query_all_by_label_contains("Link copied")
        .next()
        .is_some()
}

#[test]
fn copy_link_in_the_row_menus_puts_the_link_on_the_clipboard_and_says_so() {
    let mut harness = window();
    assert!(!status_says_copied(&harness));
    let menus: Vec<_> = harness.query_all_by_label(MORE_ACTIONS).collect();
    assert_eq!(menus.len(), 2, "one menu per row");
    menus[0].click();
    settle(&mut harness);
    assert_eq!(copy(&mut harness), vec![LINK.to_string()]);
    settle(&mut harness);
    assert!(status_says_copied(&harness));

    // The row without a link has no such item; right-click on the first row has it.
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);
    let menus: Vec<_> = harness.query_all_by_label(MORE_ACTIONS).collect();
    menus[1].click();
    settle(&mut harness);
    assert!(harness.query_by_label(COPY_LINK).is_none());
    harness.key_press(egui::Key::Escape);
    settle(&mut harness);
    harness
        .get_by_label_contains("holiday.mp4, number 1 of 2")
        .click_secondary();
    settle(&mut harness);
    assert_eq!(copy(&mut harness), vec![LINK.to_string()]);
}
