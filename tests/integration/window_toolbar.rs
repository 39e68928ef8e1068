//! The toolbar in egui_kittest, with the window's own fonts: one line at the window's default
//! size (1060 wide, `src/window.rs`), with or without the demo; narrower, the less used actions
//! go into its menu and nothing is cut off or out of reach.

use std::cell::Cell;
use std::rc::Rc;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use hoist_core::upload::Destination;
use hoist_ui::{
    ChannelBackend, DemoControl, FLAKY_NOTE, HISTORY_TITLE, HoistApp, TOOLBAR_MENU, UiSettings,
    WATCH_TITLE,
};

use crate::window_support::{loopback_destination, settle};

/// The window's size when it first opens.
const DEFAULT_SIZE: egui::Vec2 = egui::vec2(1060.0, 640.0);
/// The smallest the window gets.
const MIN_SIZE: egui::Vec2 = egui::vec2(480.0, 360.0);

/// Every action of the toolbar, the demo's last.
const ACTIONS: &[&str] = &[
    "Add files…",
    "Add folder…",
    "Pause all",
    "Resume all",
    "Clear finished",
    "Profiles",
    "Settings",
    WATCH_TITLE,
    HISTORY_TITLE,
];
const DEMO_ACTIONS: &[&str] = &["Simulate a flaky network", "Reset demo"];

#[derive(Clone, Default)]
struct QuietDemo {
    flaky: Rc<Cell<bool>>,
}

impl DemoControl for QuietDemo {
    fn destination(&self) -> Destination {
        loopback_destination(47_801)
    }
    fn set_flaky(&self, flaky: bool) {
        self.flaky.set(flaky);
    }
    fn reset(&self) {}
}

fn window(size: egui::Vec2, demo: bool) -> Harness<'static, HoistApp> {
    window_with(size, demo.then(QuietDemo::default))
}

fn window_with(size: egui::Vec2, demo: Option<QuietDemo>) -> Harness<'static, HoistApp> {
    let (backend, _command_rx, _event_tx) = ChannelBackend::new();
    let demo = demo.map(|demo| Box::new(demo) as Box<dyn DemoControl>);
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), demo).without_notifications();
    let mut harness = Harness::builder().with_size(size).build_eframe(|cc| {
        hoist_ui::install_system_fonts(&cc.egui_ctx);
        app
    });
    settle(&mut harness);
    harness
}

fn rect_of(harness: &Harness<'static, HoistApp>, label: &str) -> Option<egui::Rect> {
    harness.query_by_label(label).map(|node| node.rect())
}

/// The toolbar's actions shown as widgets of their own (not folded into the menu), with where.
fn shown(harness: &Harness<'static, HoistApp>, demo: bool) -> Vec<(&'static str, egui::Rect)> {
    let demo_actions = if demo { DEMO_ACTIONS } else { &[] };
    ACTIONS
        .iter()
        .chain(demo_actions)
        .chain([&TOOLBAR_MENU])
        .filter_map(|label| Some((*label, rect_of(harness, label)?)))
        .collect()
}

fn assert_one_line_inside(shown: &[(&str, egui::Rect)], size: egui::Vec2, what: &str) {
    let first = shown.first().expect("a toolbar").1;
    for (label, rect) in shown {
        assert!(
            (rect.center().y - first.center().y).abs() < 1.0,
            "{what}: {label} at {rect:?} is not on the first line ({first:?})"
        );
        assert!(
            rect.right() <= size.x + 0.5,
            "{what}: {label} at {rect:?} is cut off"
        );
    }
}

#[test]
fn the_toolbar_is_one_line_at_the_default_size() {
    let harness = window(DEFAULT_SIZE, false);
    let plain = shown(&harness, false);
    assert_eq!(
        plain.len(),
        ACTIONS.len(),
        "every action, no menu: {plain:?}"
    );
    assert_one_line_inside(&plain, DEFAULT_SIZE, "without the demo");

    let mut harness = window(DEFAULT_SIZE, true);
    let demo = shown(&harness, true);
    assert_one_line_inside(&demo, DEFAULT_SIZE, "the demo");
    // The demo's actions that do not fit are in the menu.
    for label in DEMO_ACTIONS.iter().chain(ACTIONS) {
        if harness.query_by_label(label).is_none() {
            harness.get_by_label(TOOLBAR_MENU).click();
            settle(&mut harness);
            harness.get_by_label(label);
            harness.key_press(egui::Key::Escape);
            settle(&mut harness);
        }
    }
}

#[test]
fn a_narrow_toolbar_keeps_every_action_in_reach_and_nothing_cut_off() {
    for demo in [false, true] {
        let mut harness = window(MIN_SIZE, demo);
        let direct = shown(&harness, demo);
        for (label, rect) in &direct {
            assert!(
                rect.left() >= -0.5 && rect.right() <= MIN_SIZE.x + 0.5,
                "{label} at {rect:?} is cut off"
            );
            for (other, other_rect) in &direct {
                let overlap = rect.intersect(*other_rect);
                assert!(
                    label == other || overlap.width() <= 0.5 || overlap.height() <= 0.5,
                    "{label} overlaps {other}"
                );
            }
        }
        assert!(
            rect_of(&harness, TOOLBAR_MENU).is_some(),
            "a menu when narrow"
        );
        let demo_actions = if demo { DEMO_ACTIONS } else { &[] };
        let folded: Vec<&str> = ACTIONS
            .iter()
            .chain(demo_actions)
            .copied()
            .filter(|label| rect_of(&harness, label).is_none())
            .collect();
        assert!(!folded.is_empty(), "some actions go into the menu");
        harness.get_by_label(TOOLBAR_MENU).click();
        settle(&mut harness);
        for label in folded {
            let rect = rect_of(&harness, label).unwrap_or_else(|| panic!("{label} in the menu"));
            assert!(
                rect.right() <= MIN_SIZE.x + 0.5,
                "{label} at {rect:?} is cut off"
            );
        }
    }
}

/// The demo's flaky network is switched in the toolbar's menu at the usual size, and the status
/// bar says it is on, since the switch itself is out of sight there.
#[test]
fn the_flaky_switch_works_from_the_menu_and_the_status_bar_says_it_is_on() {
    let demo = QuietDemo::default();
    let mut harness = window_with(DEFAULT_SIZE, Some(demo.clone()));
    assert!(harness.query_by_label_contains(FLAKY_NOTE).is_none());
    crate::window_support::click(&mut harness, "Simulate a flaky network");
    assert!(demo.flaky.get(), "the demo server was told");
    harness.get_by_label_contains(FLAKY_NOTE);
    crate::window_support::click(&mut harness, "Simulate a flaky network");
    assert!(!demo.flaky.get());
    assert!(harness.query_by_label_contains(FLAKY_NOTE).is_none());
}

/// With no destination yet, Add files… is disabled and its hint sends people to Profiles: the
/// button when the toolbar has room for it, the toolbar's menu when Profiles is folded into it.
#[test]
fn the_no_destination_hint_points_to_where_profiles_is() {
    let mut folded_somewhere = false;
    // (The demo has a destination: no hint there.)
    for width in [1060.0, 900.0, 800.0, 700.0, 600.0, 480.0] {
        let size = egui::vec2(width, 400.0);
        let mut harness = window(size, false);
        let profiles_in_menu = rect_of(&harness, "Profiles").is_none();
        folded_somewhere |= profiles_in_menu;
        harness.get_by_label("Add files…").hover();
        settle(&mut harness);
        let expected = if profiles_in_menu {
            "First choose where your videos go: open the menu at the end of the toolbar (the \
             three lines), choose Profiles, then Add."
        } else {
            "First choose where your videos go: press Profiles, then Add."
        };
        harness.get_by_label(expected);
        assert_eq!(
            harness
                .query_all_by_label_contains("First choose where your videos go")
                .count(),
            1,
            "one hint at {size:?}"
        );
    }
    assert!(folded_somewhere, "a case with Profiles in the menu");
}

/// Settings, Saved profiles, Watch folders and History open below the toolbar and stay there, at
/// the default size and the smallest: none hides a toolbar button (History, 900 points wide, once
/// covered all of them but the menu).
#[test]
fn the_windows_open_below_the_toolbar_and_leave_every_button_in_reach() {
    for size in [DEFAULT_SIZE, MIN_SIZE] {
        let mut harness = window(size, false);
        let toolbar = shown(&harness, false);
        assert!(!toolbar.is_empty(), "the toolbar's buttons at {size:?}");
        let toolbar_bottom = toolbar
            .iter()
            .map(|(_, rect)| rect.bottom())
            .fold(0.0, f32::max);
        for (button, title) in [
            ("Settings", "Settings"),
            ("Profiles", "Saved profiles"),
            (WATCH_TITLE, WATCH_TITLE),
            (HISTORY_TITLE, HISTORY_TITLE),
        ] {
            crate::window_support::click(&mut harness, button);
            // The window's title: the topmost text with its words that is not a button.
            let tops: Vec<f32> = harness
                .query_all_by_label(title)
                .filter(|node| node.accesskit_node().role() != egui::accesskit::Role::Button)
                .map(|node| node.rect().top())
                .collect();
            assert!(!tops.is_empty(), "{title} did not open at {size:?}");
            let top = tops.into_iter().fold(f32::MAX, f32::min);
            assert!(
                top > toolbar_bottom,
                "{title} at {size:?}: its title at {top}, the toolbar ends at {toolbar_bottom}"
            );
        }
    }
}
