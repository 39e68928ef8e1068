//! The window's own life in egui_kittest: Clear finished and per-row Remove for done rows,
//! "Reset demo", and the question asked when the window is closed while uploads run.

use std::cell::Cell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, Sender};

use egui::{ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use hoist_core::engine::{Command, Event, UploadSnapshot};
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};
use hoist_ui::{
    ASK_ON_CLOSE, CLOSE_TITLE, ChannelBackend, CloseChoice, DemoControl, HoistApp, KEEP_UPLOADING,
    PAUSE_AND_QUIT, UiSettings,
};

fn destination(port: u16) -> Destination {
    Destination {
        service: Service::GoogleResumable {
            initiate_url: format!("http://127.0.0.1:{port}/upload?name={{name}}"),
        },
        auth: AuthSource::None,
    }
}

fn snapshot(id: i64, name: &str, phase: Phase, target: Destination) -> UploadSnapshot {
    UploadSnapshot {
        id: UploadId(id),
        file_name: name.to_string(),
        path: PathBuf::from(format!("/videos/{name}")),
        destination: "127.0.0.1".to_string(),
        target,
        total_bytes: Some(1000),
        confirmed_bytes: if phase == Phase::Completed { 1000 } else { 10 },
        phase,
        error: None,
        result: None,
        expires_unix_secs: None,
    }
}

struct Ends {
    commands: Receiver<Command>,
    events: Sender<Event>,
}

impl Ends {
    fn commands(&self) -> Vec<Command> {
        self.commands.try_iter().collect()
    }
}

fn window(
    rows: Vec<UploadSnapshot>,
    settings: UiSettings,
    demo: Option<Box<dyn DemoControl>>,
) -> (Harness<'static, HoistApp>, Ends) {
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored { uploads: rows })
        .expect("send");
    let app = HoistApp::new(Box::new(backend), settings, demo).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 600.0))
        .build_eframe(|_cc| app);
    harness.run();
    (
        harness,
        Ends {
            commands: command_rx,
            events: event_tx,
        },
    )
}

#[test]
fn clear_finished_removes_only_done_rows_and_rests_disabled_after() {
    let (mut harness, ends) = window(
        vec![
            snapshot(1, "done-a.mp4", Phase::Completed, destination(9)),
            snapshot(2, "running.mp4", Phase::Uploading, destination(9)),
            snapshot(3, "done-b.mp4", Phase::Completed, destination(9)),
            snapshot(4, "paused.mp4", Phase::Paused, destination(9)),
        ],
        UiSettings::default(),
        None,
    );
    harness.get_by_label("Clear finished").click();
    harness.run();
    assert_eq!(
        ends.commands(),
        vec![Command::Remove(UploadId(1)), Command::Remove(UploadId(3))]
    );
    for id in [1, 3] {
        ends.events
            .send(Event::Removed { id: UploadId(id) })
            .expect("send");
    }
    harness.run();
    assert!(harness.query_by_label("done-a.mp4").is_none());
    harness.get_by_label("running.mp4");
    harness.get_by_label("paused.mp4");
    // Nothing finished any more: the button is there but does nothing.
    harness.get_by_label("Clear finished").click();
    harness.run();
    assert_eq!(ends.commands(), Vec::new());
}

#[test]
fn a_done_row_has_its_own_remove_button() {
    let (mut harness, ends) = window(
        vec![snapshot(7, "done.mp4", Phase::Completed, destination(9))],
        UiSettings::default(),
        None,
    );
    harness.get_by_label("Remove").click();
    harness.run();
    assert_eq!(ends.commands(), vec![Command::Remove(UploadId(7))]);
}

struct FakeDemo {
    resets: Rc<Cell<u32>>,
}

impl DemoControl for FakeDemo {
    fn destination(&self) -> Destination {
        destination(47_801)
    }

    fn set_flaky(&self, _flaky: bool) {}

    fn reset(&self) {
        self.resets.set(self.resets.get() + 1);
    }
}

/// With somewhere to send files (here the demo server), the empty window says where to drop them.
#[test]
fn an_empty_window_with_a_destination_says_where_to_drop_files() {
    let demo = FakeDemo {
        resets: Rc::new(Cell::new(0)),
    };
    let (harness, _ends) = window(Vec::new(), UiSettings::default(), Some(Box::new(demo)));
    harness.get_by_label("Drop videos and photos here");
    assert!(harness.query_by_label("Connect an account…").is_none());
}

#[test]
fn reset_demo_removes_every_demo_upload_and_empties_the_server() {
    let resets = Rc::new(Cell::new(0));
    let demo = FakeDemo {
        resets: resets.clone(),
    };
    let (mut harness, ends) = window(
        vec![
            snapshot(1, "done.mp4", Phase::Completed, destination(47_801)),
            snapshot(2, "running.mp4", Phase::Uploading, destination(47_801)),
            snapshot(3, "elsewhere.mp4", Phase::Paused, destination(9)),
        ],
        UiSettings::default(),
        Some(Box::new(demo)),
    );
    // At this width "Reset demo" is in the toolbar's menu.
    crate::window_support::click(&mut harness, "Reset demo");
    assert_eq!(resets.get(), 1);
    assert_eq!(
        ends.commands(),
        vec![Command::Remove(UploadId(1)), Command::Remove(UploadId(2))]
    );
}

/// Asks the window to close, as the window manager's close button does; returns the viewport
/// commands of that frame.
fn request_close(harness: &mut Harness<'static, HoistApp>) -> Vec<ViewportCommand> {
    harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    harness.step();
    let commands = harness
        .output()
        .viewport_output
        .get(&ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default();
    harness.run();
    commands
}

/// A window with one upload of `name` in `phase`, for the close question's tests.
fn one_upload(name: &str, phase: Phase) -> (Harness<'static, HoistApp>, Ends) {
    window(
        vec![snapshot(1, name, phase, destination(9))],
        UiSettings::default(),
        None,
    )
}

/// Asks the window to close and checks it closes without a question.
fn assert_closes_without_asking(harness: &mut Harness<'static, HoistApp>) {
    let commands = request_close(harness);
    assert!(
        !commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert!(harness.query_by_label(CLOSE_TITLE).is_none());
}

/// Clicks the close question's button `label`; returns the viewport commands of that frame.
fn answer(harness: &mut Harness<'static, HoistApp>, label: &str) -> Vec<ViewportCommand> {
    harness.get_by_label(label).click();
    harness.step();
    let commands = harness.output().viewport_output[&ViewportId::ROOT]
        .commands
        .clone();
    harness.run();
    commands
}

#[test]
fn closing_with_nothing_running_just_quits() {
    let (mut harness, _ends) = one_upload("done.mp4", Phase::Completed);
    assert_closes_without_asking(&mut harness);
}

#[test]
fn closing_mid_upload_asks_and_pause_and_quit_is_remembered() {
    let (mut harness, _ends) = one_upload("running.mp4", Phase::Uploading);
    let commands = request_close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    harness.get_by_label(CLOSE_TITLE);
    harness.get_by_label(
        "If you pause and quit, your uploads continue from where they stopped when you start Hoist again.",
    );
    let commands = answer(&mut harness, PAUSE_AND_QUIT);
    assert!(commands.contains(&ViewportCommand::Close), "{commands:?}");
    assert_eq!(
        harness.state().settings().on_close,
        Some(CloseChoice::PauseAndQuit)
    );
    // The close that follows goes through, without a second question.
    assert_closes_without_asking(&mut harness);
}

#[test]
fn keep_uploading_minimises_and_next_time_does_not_ask() {
    let (mut harness, _ends) = one_upload("running.mp4", Phase::Queued);
    request_close(&mut harness);
    let commands = answer(&mut harness, KEEP_UPLOADING);
    assert!(
        commands.contains(&ViewportCommand::Minimized(true)),
        "{commands:?}"
    );
    assert!(harness.query_by_label(CLOSE_TITLE).is_none());
    assert_eq!(
        harness.state().settings().on_close,
        Some(CloseChoice::KeepUploading)
    );
    // Remembered: closing again minimises at once and asks nothing.
    let commands = request_close(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert!(
        commands.contains(&ViewportCommand::Minimized(true)),
        "{commands:?}"
    );
    assert!(harness.query_by_label(CLOSE_TITLE).is_none());
}

/// A remembered answer shows in Settings, where "Ask each time" forgets it: the question comes
/// back.
#[test]
fn settings_show_the_remembered_answer_and_ask_me_forgets_it() {
    let (mut harness, _ends) = one_upload("running.mp4", Phase::Uploading);
    request_close(&mut harness);
    answer(&mut harness, KEEP_UPLOADING);
    harness.get_by_label("Settings").click();
    harness.run();
    let setting = "Closing the window while uploads run:";
    let combo = harness.get_by_role_and_label(egui::accesskit::Role::ComboBox, setting);
    assert_eq!(
        combo.accesskit_node().value().as_deref(),
        Some(KEEP_UPLOADING)
    );
    combo.click();
    harness.run();
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, ASK_ON_CLOSE)
        .click();
    harness.run();
    assert_eq!(harness.state().settings().on_close, None);
    request_close(&mut harness);
    harness.get_by_label(CLOSE_TITLE);
}

#[test]
fn an_unremembered_answer_is_asked_again() {
    let (mut harness, _ends) = one_upload("running.mp4", Phase::Uploading);
    request_close(&mut harness);
    harness.get_by_label("Remember my choice").click();
    harness.run();
    harness.get_by_label(KEEP_UPLOADING).click();
    harness.run();
    assert_eq!(harness.state().settings().on_close, None);
    request_close(&mut harness);
    harness.get_by_label(CLOSE_TITLE);
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("not read in tests".to_string())
    }
}

/// Steps the window until `cond` holds (background jobs finish on their own threads).
fn step_until(harness: &mut Harness<'static, HoistApp>, what: &str, cond: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    harness.run();
}

#[test]
fn files_with_no_destination_wait_as_choose_where_to_send_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("waiting-files.txt");
    let kept = dir.path().join("kept.mov");
    let dropped = dir.path().join("dropped.mp4");
    std::fs::write(&dropped, b"video").expect("write");
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored {
            uploads: Vec::new(),
        })
        .expect("send");
    // kept.mov waited in an earlier run; there is no destination at all.
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None)
        .without_notifications()
        .with_pending(store.clone(), vec![kept.clone()]);
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 600.0))
        .build_eframe(|_cc| app);
    harness.run();
    harness.get_by_label("kept.mov");
    harness.get_by_label(hoist_ui::CHOOSE_WHERE);
    assert!(
        harness
            .query_by_label("Drop videos and photos here")
            .is_none()
    );

    // A file dropped now has nowhere to go either: it joins the waiting rows, is written down,
    // and the saved profiles open to connect an account.
    harness.input_mut().dropped_files = vec![std::sync::Arc::new(Dropped(dropped.clone()))];
    let expected = format!("{}\n{}\n", kept.display(), dropped.display());
    step_until(&mut harness, "the dropped file to be kept", || {
        std::fs::read_to_string(&store).ok().as_deref() == Some(expected.as_str())
    });
    harness.get_by_label("dropped.mp4");
    harness.get_by_label("Saved profiles");
    assert_eq!(
        harness.state().waiting_files(),
        [kept.clone(), dropped.clone()]
    );
    assert!(
        command_rx.try_iter().next().is_none(),
        "nothing may be sent yet"
    );
    harness.get_by_label("Connect an account…");

    // "Remove" forgets one waiting file (the profiles window, over the rows, is closed first).
    harness.get_by_label("Profiles").click();
    harness.run();
    assert!(harness.query_by_label("Saved profiles").is_none());
    harness
        .get_all_by_label("Remove")
        .next()
        .expect("a Remove button")
        .click();
    let only_dropped = format!("{}\n", dropped.display());
    step_until(&mut harness, "the list to be written", || {
        std::fs::read_to_string(&store).ok().as_deref() == Some(only_dropped.as_str())
    });
    assert_eq!(harness.state().waiting_files(), [dropped]);
}

#[test]
fn waiting_files_go_with_one_click_once_a_destination_exists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = dir.path().join("waiting-files.txt");
    let a = dir.path().join("a.mov");
    let b = dir.path().join("b.mov");
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored {
            uploads: Vec::new(),
        })
        .expect("send");
    let demo = FakeDemo {
        resets: Rc::new(Cell::new(0)),
    };
    let app = HoistApp::new(
        Box::new(backend),
        UiSettings::default(),
        Some(Box::new(demo)),
    )
    .without_notifications()
    .with_pending(store.clone(), vec![a.clone(), b.clone()]);
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 600.0))
        .build_eframe(|_cc| app);
    harness.run();
    // They wait for the click; nothing goes on its own.
    assert!(command_rx.try_iter().next().is_none());
    harness.get_by_label("2 files wait for you to send them.");
    harness.get_by_label("Send to Demo server").click();
    harness.run();
    let sent: Vec<(PathBuf, Destination)> = command_rx
        .try_iter()
        .filter_map(|c| match c {
            Command::Add {
                path, destination, ..
            } => Some((path, destination)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        vec![(a, destination(47_801)), (b, destination(47_801))]
    );
    assert!(harness.state().waiting_files().is_empty());
    step_until(&mut harness, "the emptied list to be written", || {
        std::fs::read_to_string(&store).ok().as_deref() == Some("")
    });
    assert!(harness.query_by_label(hoist_ui::CHOOSE_WHERE).is_none());
}
