//! The window's state and its two passes: `logic` (drain engine events, finish background jobs)
//! and `ui` (draw from the model, collect actions, apply them after drawing).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui::{Align2, Color32, Id, LayerId, Order, RichText, Ui};
use poll_promise::Promise;

use super::actions::UiAction;
use super::backend::Backend;
use super::demo::DemoControl;
use super::model::QueueModel;
use super::profiles::ProfilesWindow;
use super::settings::UiSettings;
use super::thumbnails::Thumbnails;
use super::{folder_scan, notify, queue_view};
use crate::background::background;
use hoist_core::engine::{Command, UploadOptions};
use hoist_core::store::HoistDirs;
use hoist_core::units::{format_bytes, format_eta};
use hoist_core::upload::Destination;
pub use toolbar::FLAKY_NOTE;
use toolbar::drop_overlay;

/// How long `logic` may spend draining events before it asks for another frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(10);
/// Room kept right of the banner's messages for its buttons.
const BANNER_BUTTON_ROOM: f32 = 110.0;
/// The label of the demo server's destination.
pub const DEMO_DESTINATION: &str = "Demo server";

/// The Hoist window.
pub struct HoistApp {
    backend: Box<dyn Backend>,
    model: QueueModel,
    settings: UiSettings,
    applied_limits: (usize, u64),
    /// What the status bar says about the speed limit, and when to work the limit out again
    /// (a speed schedule is set): `drain` applies the limits once this time has come.
    speed_note: Option<String>,
    speed_recheck_at: Option<std::time::Instant>,
    /// Until when the status bar says "Link copied" (after "Copy link").
    link_copied_until: Option<std::time::Instant>,
    demo: Option<Box<dyn DemoControl>>,
    flaky: bool,
    next_tag: u64,
    scans: Vec<Promise<Vec<PathBuf>>>,
    desktop: crate::desktop::Desktop,
    show_settings: bool,
    /// Settings was open in the last frame (so this frame knows when it opens).
    settings_shown: bool,
    sent_notices: bool,
    /// Paths to add once the journal's uploads and the saved profiles are known (so duplicates
    /// are recognised and a remembered profile destination is found).
    deferred: Vec<PathBuf>,
    thumbnails: Thumbnails,
    profiles: ProfilesWindow,
    close_dialog: super::close_dialog::CloseDialog,
    /// The window in the background: the tray icon, or minimised.
    background: crate::tray::Background,
    pending: super::pending::PendingFiles,
    inbox: Option<std::sync::mpsc::Receiver<Vec<PathBuf>>>,
    /// The theme last put into the context (`None` before the first frame).
    applied_theme: Option<crate::theme::ThemeChoice>,
    /// "Save a support bundle" in Settings.
    support: crate::support_bundle::SupportBundle,
    /// The Watch folders window.
    watch: crate::watch_panel::WatchPanel,
    /// The History window.
    history: crate::history_panel::HistoryPanel,
    /// Paused uploads already told that their session ends soon.
    expiry_warnings: crate::expiry_note::ExpiryWarnings,
}

impl HoistApp {
    /// A window over `backend`, with remembered `settings`, and the demo server when running
    /// `hoist --demo`.
    pub fn new(
        backend: Box<dyn Backend>,
        settings: UiSettings,
        demo: Option<Box<dyn DemoControl>>,
    ) -> HoistApp {
        let mut settings = settings;
        if demo.is_some() {
            settings.destination = Some(DEMO_DESTINATION.to_string());
        }
        let mut profiles = ProfilesWindow::new(None);
        let mut background = crate::tray::Background::default();
        if let Some(jobs) = backend.jobs() {
            background.set_system(Box::new(crate::StatusNotifierTray::new(jobs.clone())));
            profiles.set_jobs(jobs);
        }
        HoistApp {
            backend,
            model: QueueModel::default(),
            applied_limits: (
                settings.parallel_uploads,
                settings.bandwidth_limit_bytes_per_sec(),
            ),
            speed_note: None,
            link_copied_until: None,
            // A schedule set last time decides the limit from the first frame.
            speed_recheck_at: crate::speed_schedule::schedule_in_force(&settings)
                .is_some()
                .then(std::time::Instant::now),
            settings,
            demo,
            flaky: false,
            next_tag: 0,
            scans: Vec::new(),
            desktop: crate::desktop::Desktop::default(),
            show_settings: false,
            settings_shown: false,
            sent_notices: true,
            deferred: Vec::new(),
            thumbnails: Thumbnails::default(),
            profiles,
            close_dialog: Default::default(),
            background,
            pending: Default::default(),
            inbox: None,
            applied_theme: None,
            support: Default::default(),
            watch: Default::default(),
            history: Default::default(),
            expiry_warnings: Default::default(),
        }
    }

    /// Shows and manages the watch folders of `service` (the binary starts it on the engine's
    /// runtime) in the Watch folders window.
    pub fn with_watch(
        mut self,
        service: hoist_core::watch::WatchService,
        events: hoist_core::watch::WatchEvents,
    ) -> HoistApp {
        self.watch.set_service(service, events);
        self
    }

    /// Opens the Watch folders window.
    pub fn open_watch_folders(&mut self) {
        self.watch.open = true;
    }

    /// What people call the destinations in the History window.
    fn history_names(&self) -> crate::history_list::DestinationNames {
        crate::history_list::DestinationNames {
            profiles: self.profiles.names(),
            services: self
                .demo
                .iter()
                .map(|demo| {
                    (
                        demo.destination().service.label(),
                        DEMO_DESTINATION.to_string(),
                    )
                })
                .collect(),
        }
    }

    /// Opens the History window.
    pub fn open_history(&mut self) {
        self.history.open = true;
    }

    /// Shows the history of the journal at `path` (the demo's engine keeps its own journal).
    pub fn with_history_journal(mut self, path: PathBuf) -> HoistApp {
        self.history.set_journal(path);
        self
    }

    /// Uses `picker` to choose where the history is exported (tests).
    pub fn with_save_picker(mut self, picker: crate::SavePicker) -> HoistApp {
        self.history.set_save_picker(picker);
        self
    }

    /// Runs connection tests and sign-ins on `jobs` (tests whose backend is not the engine).
    pub fn with_jobs(mut self, jobs: tokio::runtime::Handle) -> HoistApp {
        self.profiles.set_jobs(jobs);
        self
    }

    /// Turns desktop notifications off regardless of settings (tests).
    pub fn without_notifications(mut self) -> HoistApp {
        self.sent_notices = false;
        self
    }

    /// Uses `tray` as the desktop's tray (tests; the engine's window uses the session bus's).
    pub fn with_system_tray(mut self, tray: Box<dyn crate::SystemTray>) -> HoistApp {
        self.background.set_system(tray);
        self
    }

    /// Where requests from outside the window go (the tray's menu uses the same channel): a
    /// `Quit` sent here pauses the uploads and closes the window, as on SIGTERM.
    pub fn window_requests(&self) -> std::sync::mpsc::Sender<crate::WindowRequest> {
        self.background.requests()
    }

    /// Opens Google's sign-in page with `opener` instead of the system browser (tests).
    pub fn with_browser_opener(mut self, opener: super::BrowserOpener) -> HoistApp {
        self.desktop.set_opener(opener.clone());
        self.profiles.set_browser_opener(opener);
        self
    }

    /// Uses `picker` instead of the system's file chooser (tests).
    pub fn with_file_picker(mut self, picker: crate::FilePicker) -> HoistApp {
        self.desktop.set_picker(picker);
        self
    }

    /// Uses `file_manager` instead of the system's to show files (tests).
    pub fn with_file_manager(mut self, file_manager: crate::FileManager) -> HoistApp {
        self.desktop.set_file_manager(file_manager);
        self
    }

    /// Opens the Profiles window on a new account's service picker ("Connect an account").
    pub fn connect_account(&mut self) {
        self.profiles.open_new();
    }

    /// Saves support bundles in `folder` instead of the Downloads folder (tests).
    pub fn with_support_folder(mut self, folder: PathBuf) -> HoistApp {
        self.support.set_folder(folder);
        self
    }

    /// Uses Hoist's folders for saved profiles (the Profiles window and their destinations).
    pub fn with_dirs(mut self, dirs: HoistDirs) -> HoistApp {
        self.history.set_journal(dirs.journal_path());
        self.profiles.set_dirs(dirs);
        self
    }

    /// Queues files or folders (expanded off the UI thread) once the journal's uploads are known.
    pub fn add_paths(&mut self, paths: Vec<PathBuf>) {
        self.deferred.extend(paths);
    }

    /// The queue as shown.
    pub fn model(&self) -> &QueueModel {
        &self.model
    }

    /// The remembered settings.
    pub fn settings(&self) -> &UiSettings {
        &self.settings
    }

    /// The keyboard shortcuts pressed in this frame (`shortcuts.rs`). Adding files with nowhere
    /// to send them opens the saved profiles, as the empty window's button does.
    fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        use crate::shortcuts::Shortcut;
        for shortcut in crate::shortcuts::pressed(ctx) {
            let has_destination = !self.destinations().is_empty();
            match shortcut {
                Shortcut::AddFiles if has_destination => actions.push(UiAction::PickFiles),
                Shortcut::AddFolder if has_destination => actions.push(UiAction::PickFolder),
                Shortcut::AddFiles | Shortcut::AddFolder => actions.push(UiAction::OpenProfiles),
                Shortcut::Settings => self.show_settings = !self.show_settings,
                Shortcut::CloseWindow => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            }
        }
    }

    /// The destinations new files can go to, by label: the demo server first, then those in
    /// the journal, then the saved profiles (by name).
    pub fn destinations(&self) -> Vec<(String, Destination)> {
        self.choices()
            .into_iter()
            .map(|(label, destination, _)| (label, destination))
            .collect()
    }
}

impl eframe::App for HoistApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain(ctx);
        self.watch.update();
        // Also while the window is hidden (eframe then calls only `logic`).
        let tick = self.background.tick(ctx, self.model.rows());
        for message in tick.messages {
            self.model.say(crate::message::Message::info(message));
        }
        for command in tick.commands {
            self.apply(UiAction::Engine(command), ctx);
        }
        if let Some(notice) = tick.notice
            && self.settings.notifications
            && self.sent_notices
        {
            notify::show(notice);
        }
        if tick.quit {
            self.close_dialog.quit(ctx);
        }
        self.warn_of_expiry(ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        if self.applied_theme != Some(self.settings.theme) {
            crate::theme::apply(&ctx, self.settings.theme);
            self.applied_theme = Some(self.settings.theme);
        }
        let mut actions = Vec::new();
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if !dropped.is_empty() {
            actions.push(UiAction::AddPaths(dropped));
        }
        self.shortcuts(&ctx, &mut actions);
        let toolbar = egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            self.toolbar(ui, &mut actions);
            // The messages wrap short of the right edge, so the banner's Dismiss beside them
            // stays in the window however long they are.
            ui.scope(|ui| {
                ui.set_max_width((ui.available_width() - BANNER_BUTTON_ROOM).max(120.0));
                self.messages(ui, &mut actions);
            });
            ui.add_space(2.0);
        });
        let status = egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        let area = crate::window_area::between(
            toolbar.response.rect,
            status.response.rect,
            ctx.content_rect(),
        );
        egui::CentralPanel::default_margins().show(ui, |ui| {
            if !self.pending.paths().is_empty() {
                let label = self.chosen_destination().map(|(label, _, _)| label);
                self.pending.show(ui, label.as_deref(), &mut actions);
            }
            if self.model.rows().is_empty() && self.pending.paths().is_empty() {
                let can_send = self.chosen_destination().is_some();
                empty_queue(ui, can_send, &mut actions);
            } else {
                let names = self.destinations();
                let context = queue_view::RowContext {
                    now: Instant::now(),
                    names: &names,
                };
                actions.extend(queue_view::show(
                    ui,
                    self.model.rows(),
                    &mut self.thumbnails,
                    &context,
                ));
            }
        });
        self.settings_window(&ctx, area, &mut actions);
        if self.profiles.open {
            self.profiles.show(&ctx, area);
        }
        if self.watch.open {
            self.watch.set_picker(self.desktop.picker());
            let names = self.profiles.names();
            self.watch.show(&ctx, area, &names);
        }
        if self.history.open {
            let finished = self.model.finished_ids().len();
            let names = self.history_names();
            self.history.show(&ctx, area, finished, names, &mut actions);
        } else {
            self.history.closed();
        }
        drop_overlay(&ctx);
        let busy = self
            .model
            .rows()
            .iter()
            .any(|r| r.upload.phase.wants_to_run());
        let resumes = self.settings.auto_resume;
        let tray = self.background.has_tray();
        let closed = self
            .close_dialog
            .show(&ctx, busy, &mut self.settings.on_close, resumes, tray);
        if closed.is_some()
            && let Some(note) = self.background.go(&ctx, self.model.rows())
        {
            self.model.say(crate::message::Message::info(note));
        }
        for action in actions {
            self.apply(action, &ctx);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

mod logic;
mod power_settings;
mod settings_window;
mod toolbar;

/// The empty queue's first line when files have somewhere to go.
pub const DROP_HERE: &str = "Drop videos and photos here";

/// What an empty queue says: where to drop files, or, with nowhere to send them yet, how to
/// connect an account first (the Add buttons wait for one).
fn empty_queue(ui: &mut egui::Ui, can_send: bool, actions: &mut Vec<UiAction>) {
    if can_send {
        let keys = crate::shortcuts::words(ui.ctx(), &crate::shortcuts::ADD_FILES);
        ui.vertical_centered(|ui| {
            ui.add_space((ui.available_height() / 2.0 - 30.0).max(8.0));
            ui.label(RichText::new(DROP_HERE).size(22.0).weak());
            ui.add_space(6.0);
            ui.label(
                RichText::new(format!("Folders too. Or click Add files… ({keys})"))
                    .size(15.0)
                    .weak(),
            );
        });
        return;
    }
    ui.vertical_centered(|ui| {
        ui.add_space((ui.available_height() / 2.0 - 60.0).max(8.0));
        ui.label(
            RichText::new("Connect the account your videos go to, then drop them here")
                .size(20.0)
                .weak(),
        );
        ui.add_space(12.0);
        let connect = egui::Button::new(RichText::new("Connect an account…").size(16.0))
            .min_size(egui::vec2(200.0, 32.0));
        if ui.add(connect).clicked() {
            actions.push(UiAction::OpenProfiles);
        }
    });
}
