//! Settings as tall as its contents at the window's usual size; at the smallest sizes, taller
//! than the window, it scrolls, so its last part (saving a support bundle) stays in reach
//! instead of being cut off at the bottom.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_ui::{ChannelBackend, HoistApp, UiSettings};

use crate::window_support::settle;

#[test]
fn settings_scroll_to_their_last_button_in_a_small_window() {
    for size in [
        egui::vec2(1100.0, 800.0),
        egui::vec2(480.0, 400.0),
        egui::vec2(480.0, 360.0),
    ] {
        let (backend, _commands, _events) = ChannelBackend::new();
        let app =
            HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
        let mut harness = Harness::builder().with_size(size).build_eframe(|cc| {
            hoist_ui::install_system_fonts(&cc.egui_ctx);
            app
        });
        settle(&mut harness);
        harness.get_by_label("Settings").click();
        settle(&mut harness);
        let unscrolled = harness.get_by_label("Save a support bundle").rect();
        if size.y >= 640.0 {
            assert!(
                unscrolled.bottom() <= size.y,
                "whole at {size:?}: {unscrolled:?}"
            );
        }
        harness.get_by_label("Save a support bundle").scroll_to_me();
        settle(&mut harness);
        let button = harness.get_by_label("Save a support bundle").rect();
        assert!(
            button.top() >= 0.0 && button.bottom() <= size.y,
            "at {size:?} the button is at {button:?}"
        );
    }
}
