//! The window's keyboard shortcuts: Ctrl+O and Ctrl+Shift+O open the file and folder choosers
//! (the saved profiles when there is nowhere to send files yet), Ctrl+, opens and closes
//! Settings, and Space on the selected row pauses it, then resumes it.

use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{Command, Event, UploadSnapshot};
use hoist_core::upload::{Phase, UploadId};
use hoist_ui::{ChannelBackend, FilePicker, HoistApp, PickWhat, Picked, UiSettings};

use crate::window_support::{loopback_destination, settle, step_until, upload_row};

struct Window {
    harness: Harness<'static, HoistApp>,
    commands: Receiver<Command>,
    events: std::sync::mpsc::Sender<Event>,
    picked: Arc<Mutex<Vec<PickWhat>>>,
}

fn window(uploads: Vec<UploadSnapshot>) -> Window {
    let (backend, commands, events) = ChannelBackend::new();
    events.send(Event::Restored { uploads }).expect("send");
    let picked = Arc::new(Mutex::new(Vec::new()));
    let seen = picked.clone();
    let picker: FilePicker = Arc::new(move |what| {
        seen.lock().expect("lock").push(what);
        Picked::Cancelled
    });
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None)
        .without_notifications()
        .with_file_picker(picker);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1060.0, 640.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    Window {
        harness,
        commands,
        events,
        picked,
    }
}

fn press(harness: &mut Harness<'static, HoistApp>, modifiers: Modifiers, key: Key) {
    harness.key_press_modifiers(modifiers, key);
    settle(harness);
}

#[test]
fn ctrl_o_and_ctrl_shift_o_open_the_choosers_and_ctrl_comma_settings() {
    let row = upload_row(
        1,
        "clip.mp4",
        Phase::Completed,
        loopback_destination(9),
        5,
        5,
    );
    let mut w = window(vec![row]);
    press(&mut w.harness, Modifiers::COMMAND, Key::O);
    step_until(&mut w.harness, "the file chooser", |_| {
        w.picked.lock().expect("lock").len() == 1
    });
    press(
        &mut w.harness,
        Modifiers::COMMAND | Modifiers::SHIFT,
        Key::O,
    );
    step_until(&mut w.harness, "the folder chooser", |_| {
        w.picked.lock().expect("lock").len() == 2
    });
    assert_eq!(
        *w.picked.lock().expect("lock"),
        vec![PickWhat::Files, PickWhat::Folder]
    );

    assert!(w.harness.query_by_label("Limit upload speed").is_none());
    press(&mut w.harness, Modifiers::COMMAND, Key::Comma);
    w.harness
        .get_by_role_and_label(egui::accesskit::Role::Slider, "Limit upload speed");
    press(&mut w.harness, Modifiers::COMMAND, Key::Comma);
    assert!(w.harness.query_by_label("Limit upload speed").is_none());
    assert_eq!(
        w.commands.try_iter().count(),
        0,
        "no command for the engine"
    );
}

#[test]
fn ctrl_o_with_nowhere_to_send_files_opens_the_saved_profiles() {
    let mut w = window(Vec::new());
    assert!(w.harness.query_by_label("Saved profiles").is_none());
    press(&mut w.harness, Modifiers::COMMAND, Key::O);
    w.harness.get_by_label("Saved profiles");
    assert!(w.picked.lock().expect("lock").is_empty());
}

#[test]
fn space_pauses_and_resumes_the_selected_row() {
    let row = upload_row(
        7,
        "talk.mov",
        Phase::Uploading,
        loopback_destination(9),
        5,
        50,
    );
    let mut w = window(vec![row]);
    w.harness
        .get_by_label("talk.mov, number 1 of 1 in the queue")
        .click();
    settle(&mut w.harness);
    press(&mut w.harness, Modifiers::NONE, Key::Space);
    assert_eq!(
        w.commands.try_iter().collect::<Vec<_>>(),
        vec![Command::Pause(UploadId(7))]
    );
    w.events
        .send(Event::PhaseChanged {
            id: UploadId(7),
            phase: Phase::Paused,
            failure: None,
        })
        .expect("send");
    settle(&mut w.harness);
    press(&mut w.harness, Modifiers::NONE, Key::Space);
    assert_eq!(
        w.commands.try_iter().collect::<Vec<_>>(),
        vec![Command::Resume(UploadId(7))]
    );
}
