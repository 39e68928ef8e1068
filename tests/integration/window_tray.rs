//! The window's side of the tray in egui_kittest, with a stand-in tray: "Keep uploading in the
//! background" hides the window once its icon is in the tray, the icon's words follow the
//! uploads, its menu's Pause all / Open / Quit reach the engine and the window; with no tray
//! the window says so and minimises; a `Quit` request (SIGTERM) closes without asking. The real
//! StatusNotifierItem on a private D-Bus is `tray_dbus.rs`.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use egui::{ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{Command, Event, Progress, UploadSnapshot};
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};
use hoist_ui::{
    CLOSE_TITLE, ChannelBackend, HoistApp, KEEP_UPLOADING, NO_TRAY_NOTE, NO_TRAY_WORDS, NoTray,
    SystemTray, TrayIcon, TraySummary, UiSettings, Wake, WindowRequest,
};
use poll_promise::Promise;

/// What the stand-in tray saw.
#[derive(Default)]
struct Seen {
    /// Every summary the icon showed, first one first.
    lines: Vec<String>,
    menu: Option<Sender<WindowRequest>>,
    removed: bool,
}

struct FakeTray {
    host: bool,
    seen: Arc<Mutex<Seen>>,
}

struct FakeIcon {
    seen: Arc<Mutex<Seen>>,
}

impl SystemTray for FakeTray {
    fn has_host(&self, _wake: Wake) -> Promise<bool> {
        Promise::from_ready(self.host)
    }

    fn show(
        &self,
        summary: TraySummary,
        requests: Sender<WindowRequest>,
        _wake: Wake,
    ) -> Promise<Result<Box<dyn TrayIcon>, NoTray>> {
        if !self.host {
            return Promise::from_ready(Err(NoTray::NoHost("no watcher".to_string())));
        }
        let mut seen = self.seen.lock().expect("lock");
        seen.lines.push(summary.line);
        seen.menu = Some(requests);
        Promise::from_ready(Ok(Box::new(FakeIcon {
            seen: self.seen.clone(),
        }) as Box<dyn TrayIcon>))
    }
}

impl TrayIcon for FakeIcon {
    fn update(&self, summary: TraySummary) {
        self.seen.lock().expect("lock").lines.push(summary.line);
    }

    fn remove(self: Box<Self>) {
        self.seen.lock().expect("lock").removed = true;
    }
}

fn running(id: i64, confirmed: u64) -> UploadSnapshot {
    UploadSnapshot {
        id: UploadId(id),
        file_name: format!("clip-{id}.mp4"),
        path: PathBuf::from(format!("/videos/clip-{id}.mp4")),
        destination: "127.0.0.1".to_string(),
        target: Destination {
            service: Service::GoogleResumable {
                initiate_url: "http://127.0.0.1:9/upload?name={name}".to_string(),
            },
            auth: AuthSource::None,
        },
        total_bytes: Some(1000),
        confirmed_bytes: confirmed,
        phase: Phase::Uploading,
        error: None,
        result: None,
        expires_unix_secs: None,
    }
}

struct Ends {
    commands: Receiver<Command>,
    events: Sender<Event>,
    seen: Arc<Mutex<Seen>>,
}

fn window(host: Option<bool>) -> (Harness<'static, HoistApp>, Ends) {
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored {
            uploads: vec![running(1, 100), running(2, 300)],
        })
        .expect("send");
    let seen = Arc::new(Mutex::new(Seen::default()));
    let mut app =
        HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    if let Some(host) = host {
        app = app.with_system_tray(Box::new(FakeTray {
            host,
            seen: seen.clone(),
        }));
    }
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 600.0))
        .build_eframe(|_cc| app);
    harness.run();
    (
        harness,
        Ends {
            commands: command_rx,
            events: event_tx,
            seen,
        },
    )
}

/// One frame; the viewport commands it gave.
fn step(harness: &mut Harness<'static, HoistApp>) -> Vec<ViewportCommand> {
    harness.step();
    harness
        .output()
        .viewport_output
        .get(&ViewportId::ROOT)
        .map(|v| v.commands.clone())
        .unwrap_or_default()
}

/// A few frames; every viewport command they gave.
fn frames(harness: &mut Harness<'static, HoistApp>) -> Vec<ViewportCommand> {
    (0..4).flat_map(|_| step(harness)).collect()
}

fn request_close(harness: &mut Harness<'static, HoistApp>) -> Vec<ViewportCommand> {
    harness
        .input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    frames(harness)
}

fn menu(ends: &Ends) -> Sender<WindowRequest> {
    ends.seen
        .lock()
        .expect("lock")
        .menu
        .clone()
        .expect("the icon is in the tray")
}

#[test]
fn keep_uploading_puts_the_icon_in_the_tray_and_its_menu_works() {
    let (mut harness, ends) = window(Some(true));
    let commands = request_close(&mut harness);
    assert!(commands.contains(&ViewportCommand::CancelClose));
    harness.get_by_label("Hoist can keep uploading with its icon in the tray, or stop now.");
    harness.get_by_label(KEEP_UPLOADING).click();
    let commands = frames(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::Visible(false)),
        "{commands:?}"
    );
    assert_eq!(
        ends.seen.lock().expect("lock").lines,
        ["Uploading 2 files — 20 %"]
    );

    // The icon follows the uploads; a finished one stays counted.
    ends.events
        .send(Event::Progress(Progress {
            id: UploadId(1),
            sent_bytes: 1000,
            confirmed_bytes: 1000,
            total_bytes: Some(1000),
            rate_bytes_per_sec: 1.0,
        }))
        .expect("send");
    ends.events
        .send(Event::PhaseChanged {
            id: UploadId(1),
            phase: Phase::Completed,
            failure: None,
        })
        .expect("send");
    frames(&mut harness);
    assert_eq!(
        ends.seen
            .lock()
            .expect("lock")
            .lines
            .last()
            .map(String::as_str),
        Some("Uploading 1 file — 65 %")
    );

    // Pause all from the menu reaches the engine; Open brings the window back.
    ends.commands.try_iter().for_each(drop);
    menu(&ends).send(WindowRequest::PauseAll).expect("send");
    frames(&mut harness);
    assert_eq!(
        ends.commands.try_iter().collect::<Vec<_>>(),
        [Command::PauseAll]
    );
    menu(&ends).send(WindowRequest::Open).expect("send");
    let commands = frames(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::Visible(true)),
        "{commands:?}"
    );
    assert!(ends.seen.lock().expect("lock").removed, "the icon is gone");

    // Quit from the menu closes the window with the uploads running, without asking.
    menu(&ends).send(WindowRequest::Quit).expect("send");
    let commands = frames(&mut harness);
    assert!(commands.contains(&ViewportCommand::Close), "{commands:?}");
    let commands = request_close(&mut harness);
    assert!(
        !commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert!(harness.query_by_label(CLOSE_TITLE).is_none());
}

#[test]
fn with_no_tray_keep_uploading_says_so_and_minimises() {
    let (mut harness, ends) = window(Some(false));
    request_close(&mut harness);
    harness.get_by_label(NO_TRAY_WORDS);
    harness.get_by_label(KEEP_UPLOADING).click();
    let commands = frames(&mut harness);
    assert!(
        commands.contains(&ViewportCommand::Minimized(true)),
        "{commands:?}"
    );
    assert!(
        !commands.contains(&ViewportCommand::Visible(false)),
        "{commands:?}"
    );
    harness.run();
    harness.get_by_label(NO_TRAY_NOTE);
    assert!(ends.seen.lock().expect("lock").lines.is_empty());
}

#[test]
fn a_quit_request_closes_at_once_with_uploads_running() {
    // What SIGTERM sends (src/signals.rs): no question, the close is not cancelled.
    let (mut harness, _ends) = window(None);
    harness
        .state()
        .window_requests()
        .send(WindowRequest::Quit)
        .expect("send");
    let commands = frames(&mut harness);
    assert!(commands.contains(&ViewportCommand::Close), "{commands:?}");
    let commands = request_close(&mut harness);
    assert!(
        !commands.contains(&ViewportCommand::CancelClose),
        "{commands:?}"
    );
    assert!(harness.query_by_label(CLOSE_TITLE).is_none());
}
