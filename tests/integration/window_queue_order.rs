//! The queue's order in the real window (`HoistApp` in egui_kittest, a fake engine): the "…"
//! menu and the right-click menu move a row, Alt+Up / Alt+Down move the selected row, dragging
//! a row onto another place moves it there, and the rows follow the engine's order.

use std::sync::mpsc::{Receiver, Sender};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{Command, Event, QueueMove, UploadSnapshot};
use hoist_core::upload::{Phase, UploadId};
use hoist_ui::{
    ChannelBackend, HoistApp, MORE_ACTIONS, MOVE_DOWN, MOVE_TO_TOP, MOVE_UP, UPLOAD_NEXT,
    UiSettings,
};

use crate::window_support::{loopback_destination, settle, upload_row};

struct Fake {
    commands: Receiver<Command>,
    events: Sender<Event>,
}

fn snapshot(id: i64, name: &str, phase: Phase) -> UploadSnapshot {
    upload_row(id, name, phase, loopback_destination(9), 0, 10_000_000)
}

/// The window over `uploads`, `size` big, with a fake engine.
fn window_with(
    uploads: Vec<UploadSnapshot>,
    size: egui::Vec2,
) -> (Harness<'static, HoistApp>, Fake) {
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx.send(Event::Restored { uploads }).expect("send");
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    let mut harness = Harness::builder().with_size(size).build_eframe(|_cc| app);
    settle(&mut harness);
    (
        harness,
        Fake {
            commands: command_rx,
            events: event_tx,
        },
    )
}

/// A running upload, two waiting ones and a paused one, in a window `width` wide.
fn window(width: f32) -> (Harness<'static, HoistApp>, Fake) {
    let uploads = vec![
        snapshot(1, "a.mp4", Phase::Uploading),
        snapshot(2, "b.mp4", Phase::Queued),
        snapshot(3, "c.mp4", Phase::Queued),
        snapshot(4, "d.mp4", Phase::Paused),
    ];
    window_with(uploads, egui::Vec2::new(width, 600.0))
}

/// Forty waiting uploads in a window with room for about six.
fn long_window() -> (Harness<'static, HoistApp>, Fake) {
    let uploads = (1..=40)
        .map(|i| snapshot(i, &format!("clip-{i:02}.mp4"), Phase::Queued))
        .collect();
    window_with(uploads, egui::Vec2::new(1100.0, 420.0))
}

fn sent(fake: &Fake) -> Vec<Command> {
    fake.commands.try_iter().collect()
}

fn row_label(name: &str, number: usize) -> String {
    format!("{name}, number {number} of 4 in the queue")
}

/// The file names of the rows, top first.
fn row_names(harness: &Harness<'static, HoistApp>) -> Vec<String> {
    let mut rows: Vec<(f32, String)> = ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]
        .iter()
        .map(|name| (harness.get_by_label(name).rect().top(), name.to_string()))
        .collect();
    rows.sort_by(|x, y| x.0.total_cmp(&y.0));
    rows.into_iter().map(|(_, name)| name).collect()
}

fn move_of(id: i64, to: QueueMove) -> Command {
    Command::Move {
        id: UploadId(id),
        to,
    }
}

#[test]
fn the_more_menu_offers_the_moves_and_upload_next_and_sends_them() {
    for width in [1100.0, 480.0] {
        let (mut harness, fake) = window(width);
        // Row 3 (c.mp4): its "…" menu.
        harness
            .get_all_by_label(MORE_ACTIONS)
            .nth(2)
            .expect("menu")
            .click();
        settle(&mut harness);
        harness.get_by_label(MOVE_TO_TOP).click();
        settle(&mut harness);
        assert_eq!(sent(&fake), vec![move_of(3, QueueMove::Top)], "{width}");
        for (item, expected) in [
            (MOVE_UP, move_of(3, QueueMove::Up)),
            (MOVE_DOWN, move_of(3, QueueMove::Down)),
            (UPLOAD_NEXT, Command::UploadNext(UploadId(3))),
        ] {
            harness
                .get_all_by_label(MORE_ACTIONS)
                .nth(2)
                .expect("menu")
                .click();
            settle(&mut harness);
            harness.get_by_label_contains(item).click();
            settle(&mut harness);
            assert_eq!(sent(&fake), vec![expected], "{width} {item}");
        }
        // The keys are named in the menu.
        harness
            .get_all_by_label(MORE_ACTIONS)
            .nth(2)
            .expect("menu")
            .click();
        settle(&mut harness);
        harness.get_by_label(&format!("{MOVE_UP} Alt+Up"));
        harness.get_by_label(&format!("{MOVE_DOWN} Alt+Down"));
    }
}

#[test]
fn the_top_row_cannot_move_up_and_a_running_one_cannot_be_uploaded_next() {
    use egui_kittest::kittest::NodeT;
    let (mut harness, fake) = window(1100.0);
    harness
        .get_all_by_label(MORE_ACTIONS)
        .next()
        .expect("menu")
        .click();
    settle(&mut harness);
    let disabled = |harness: &Harness<'static, HoistApp>, item: &str| {
        harness
            .get_by_label_contains(item)
            .accesskit_node()
            .is_disabled()
    };
    for item in [MOVE_TO_TOP, MOVE_UP, UPLOAD_NEXT] {
        assert!(disabled(&harness, item), "{item} is offered");
    }
    assert!(!disabled(&harness, MOVE_DOWN));
    harness.get_by_label_contains(UPLOAD_NEXT).click();
    settle(&mut harness);
    assert_eq!(sent(&fake), Vec::<Command>::new());
}

#[test]
fn right_click_on_a_row_opens_the_same_menu() {
    let (mut harness, fake) = window(1100.0);
    harness
        .get_by_label(&row_label("d.mp4", 4))
        .click_secondary();
    settle(&mut harness);
    harness.get_by_label(UPLOAD_NEXT).click();
    settle(&mut harness);
    assert_eq!(sent(&fake), vec![Command::UploadNext(UploadId(4))]);
}

#[test]
fn alt_up_and_down_move_the_selected_row_which_follows_the_engines_order() {
    let (mut harness, fake) = window(1100.0);
    harness.get_by_label(&row_label("c.mp4", 3)).click();
    settle(&mut harness);
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    settle(&mut harness);
    assert_eq!(sent(&fake), vec![move_of(3, QueueMove::Up)]);
    // The engine saved it and says so: the rows change places, c.mp4 keeps the selection.
    let ids = [1, 3, 2, 4].map(UploadId).to_vec();
    fake.events.send(Event::QueueOrder { ids }).expect("send");
    settle(&mut harness);
    assert_eq!(row_names(&harness), ["a.mp4", "c.mp4", "b.mp4", "d.mp4"]);
    harness.get_by_label(&row_label("c.mp4", 2));
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
    settle(&mut harness);
    assert_eq!(sent(&fake), vec![move_of(3, QueueMove::Down)]);
    // Without the Alt key, arrows do not move anything.
    harness.key_press(egui::Key::ArrowDown);
    settle(&mut harness);
    assert_eq!(sent(&fake), Vec::<Command>::new());
}

#[test]
fn dragging_a_row_onto_another_place_moves_it_there() {
    let (mut harness, fake) = window(1100.0);
    let from = harness.get_by_label(&row_label("d.mp4", 4)).rect();
    let onto = harness.get_by_label(&row_label("b.mp4", 2)).rect();
    // Pick d.mp4 up by its empty middle, move in steps, let go in b.mp4's upper half.
    let start = egui::pos2(from.center().x, from.center().y);
    let target = egui::pos2(onto.center().x, onto.top() + 8.0);
    harness.hover_at(start);
    harness.run();
    harness.drag_at(start);
    harness.run();
    for step in 1..=6 {
        let t = step as f32 / 6.0;
        harness.hover_at(start + (target - start) * t);
        harness.run();
    }
    // Nothing moves until the row is let go.
    assert_eq!(sent(&fake), Vec::<Command>::new());
    harness.drop_at(target);
    settle(&mut harness);
    // Above b.mp4: index 1 of the queue.
    assert_eq!(sent(&fake), vec![move_of(4, QueueMove::To(1))]);
    // Dropped onto its own place: nothing moves.
    let c = harness.get_by_label(&row_label("c.mp4", 3)).rect();
    harness.drag_at(c.center());
    harness.run();
    for step in 1..=3 {
        harness.hover_at(c.center() + egui::vec2(0.0, step as f32 * 4.0));
        harness.run();
    }
    harness.drop_at(c.center() + egui::vec2(0.0, 12.0));
    settle(&mut harness);
    assert_eq!(sent(&fake), Vec::<Command>::new());
}

#[test]
fn a_row_moved_by_the_keyboard_past_the_visible_rows_stays_in_view_and_selected() {
    let (mut harness, fake) = long_window();
    assert!(
        harness.query_by_label("clip-20.mp4").is_none(),
        "row 20 is out of view"
    );
    harness
        .get_by_label("clip-02.mp4, number 2 of 40 in the queue")
        .click();
    settle(&mut harness);
    // Down, one place at a time, far past the rows first in view; the engine answers each move.
    let mut order: Vec<i64> = (1..=40).collect();
    for place in 2..20 {
        harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowDown);
        settle(&mut harness);
        assert_eq!(sent(&fake), vec![move_of(2, QueueMove::Down)], "at {place}");
        order.swap(place - 1, place);
        let ids = order.iter().copied().map(UploadId).collect();
        fake.events.send(Event::QueueOrder { ids }).expect("send");
        settle(&mut harness);
    }
    // It is the 20th row now, drawn (so in view) and still the one the keys move.
    harness.get_by_label("clip-02.mp4, number 20 of 40 in the queue");
    harness.key_press_modifiers(egui::Modifiers::ALT, egui::Key::ArrowUp);
    settle(&mut harness);
    assert_eq!(sent(&fake), vec![move_of(2, QueueMove::Up)]);
}

#[test]
fn a_row_held_at_the_bottom_edge_scrolls_the_list_and_drops_far_down() {
    let (mut harness, fake) = long_window();
    let row = harness
        .get_by_label("clip-02.mp4, number 2 of 40 in the queue")
        .rect();
    // The list ends where the status bar ("40 uploads") starts.
    let list_bottom = harness.get_by_label("40 uploads").rect().top();
    assert!(harness.query_by_label("clip-30.mp4").is_none());
    let start = row.center();
    harness.hover_at(start);
    harness.run();
    harness.drag_at(start);
    harness.run();
    // Down to the list's bottom edge, then held there while the list scrolls.
    let edge = egui::pos2(start.x, list_bottom - 12.0);
    for step in 1..=4 {
        harness.hover_at(start + (edge - start) * (step as f32 / 4.0));
        harness.step();
    }
    let mut frames = 0;
    while harness.query_by_label("clip-35.mp4").is_none() {
        frames += 1;
        assert!(
            frames < 400,
            "the list did not scroll while the row was held at its edge"
        );
        harness.hover_at(edge);
        harness.step();
    }
    // Let go a little higher, over a row far below where it started.
    let over = harness.get_by_label("clip-33.mp4").rect();
    let drop = egui::pos2(start.x, over.bottom() - 4.0);
    harness.hover_at(drop);
    harness.step();
    harness.drop_at(drop);
    settle(&mut harness);
    // Below clip-33: index 32 once clip-02 is taken out.
    assert_eq!(sent(&fake), vec![move_of(2, QueueMove::To(32))]);
}
