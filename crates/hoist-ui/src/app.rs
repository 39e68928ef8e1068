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
use hoist_core::engine::{Command, UploadOptions};
use hoist_core::store::HoistDirs;
use hoist_core::units::{format_bytes, format_eta};
use hoist_core::upload::Destination;

/// How long `logic` may spend draining events before it asks for another frame.
const DRAIN_BUDGET: Duration = Duration::from_millis(10);
/// The label of the demo server's destination.
pub const DEMO_DESTINATION: &str = "Demo server";

/// The Hoist window.
pub struct HoistApp {
    backend: Box<dyn Backend>,
    model: QueueModel,
    settings: UiSettings,
    applied_limits: (usize, u64),
    demo: Option<Box<dyn DemoControl>>,
    flaky: bool,
    next_tag: u64,
    scans: Vec<Promise<Vec<PathBuf>>>,
    picks: Vec<Promise<Option<Vec<PathBuf>>>>,
    show_settings: bool,
    sent_notices: bool,
    /// Paths to add once the journal's uploads and the saved profiles are known (so duplicates
    /// are recognised and a remembered profile destination is found).
    deferred: Vec<PathBuf>,
    thumbnails: Thumbnails,
    profiles: ProfilesWindow,
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
        HoistApp {
            backend,
            model: QueueModel::default(),
            applied_limits: (
                settings.parallel_uploads,
                settings.bandwidth_limit_bytes_per_sec(),
            ),
            settings,
            demo,
            flaky: false,
            next_tag: 0,
            scans: Vec::new(),
            picks: Vec::new(),
            show_settings: false,
            sent_notices: true,
            deferred: Vec::new(),
            thumbnails: Thumbnails::default(),
            profiles: ProfilesWindow::new(None),
        }
    }

    /// Turns desktop notifications off regardless of settings (tests).
    pub fn without_notifications(mut self) -> HoistApp {
        self.sent_notices = false;
        self
    }

    /// Opens Google's sign-in page with `opener` instead of the system browser (tests).
    pub fn with_browser_opener(mut self, opener: super::BrowserOpener) -> HoistApp {
        self.profiles.set_browser_opener(opener);
        self
    }

    /// Uses Hoist's folders for saved profiles (the Profiles window and their destinations).
    pub fn with_dirs(mut self, dirs: HoistDirs) -> HoistApp {
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

    /// The destinations new files can go to, by label: the demo server first, then those in
    /// the journal, then the saved profiles (by name).
    pub fn destinations(&self) -> Vec<(String, Destination)> {
        self.choices()
            .into_iter()
            .map(|(label, destination, _)| (label, destination))
            .collect()
    }

    /// Each destination with its chunk size: a profile's own, `None` (the settings') otherwise.
    fn choices(&self) -> Vec<(String, Destination, Option<Option<u64>>)> {
        let profiles = self.profiles.choices();
        let mut all = Vec::new();
        if let Some(demo) = &self.demo {
            all.push((DEMO_DESTINATION.to_string(), demo.destination(), None));
        }
        for (label, destination) in self.model.destinations() {
            let known = all.iter().any(|(_, d, _)| *d == destination)
                || profiles.iter().any(|p| p.destination == destination);
            if !known {
                all.push((label, destination, None));
            }
        }
        for profile in profiles {
            all.push((
                profile.name,
                profile.destination,
                Some(profile.chunk_size_bytes),
            ));
        }
        all
    }

    fn chosen_destination(&self) -> Option<(String, Destination, Option<Option<u64>>)> {
        let all = self.choices();
        let wanted = self.settings.destination.as_deref();
        all.iter()
            .find(|(label, _, _)| Some(label.as_str()) == wanted)
            .or(all.first())
            .cloned()
    }

    /// Drains engine events (time-boxed), finishes background jobs.
    fn drain(&mut self, ctx: &egui::Context) {
        let started = Instant::now();
        while let Some(event) = self.backend.try_recv() {
            if let Some(notice) = self.model.apply(event, Instant::now())
                && self.settings.notifications
                && self.sent_notices
            {
                notify::show(notice);
            }
            if started.elapsed() > DRAIN_BUDGET {
                ctx.request_repaint();
                break;
            }
        }
        self.profiles.update(ctx);
        if self.model.restored && self.profiles.ready() && !self.deferred.is_empty() {
            let paths = std::mem::take(&mut self.deferred);
            self.scans
                .push(background(ctx, move || folder_scan::expand(paths)));
        }
        let mut ready = Vec::new();
        self.scans.retain_mut(|scan| match scan.ready_mut() {
            Some(files) => {
                ready.append(files);
                false
            }
            None => true,
        });
        self.picks.retain_mut(|pick| match pick.ready_mut() {
            Some(picked) => {
                if let Some(paths) = picked.take() {
                    ready.extend(paths);
                }
                false
            }
            None => true,
        });
        if !ready.is_empty() {
            self.queue_files(ready);
        }
        self.thumbnails.update(ctx);
        if self.model.has_countdown(Instant::now()) {
            // A visible "Reconnecting in N s" counts down once a second, and only while shown.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Sends `Add` for each file not already queued.
    fn queue_files(&mut self, files: Vec<PathBuf>) {
        let Some((_, destination, chunk_size)) = self.chosen_destination() else {
            self.model.messages.push(
                "There is no destination yet: add a profile under Profiles, upload once with `hoist upload` from a terminal, or start Hoist with --demo."
                    .to_string(),
            );
            return;
        };
        let options = UploadOptions {
            chunk_size_bytes: chunk_size.unwrap_or_else(|| self.settings.chunk_size_bytes()),
            size_unknown: false,
        };
        let mut seen = std::collections::HashSet::new();
        for path in files {
            if self.model.contains_path(&path) || !seen.insert(path.clone()) {
                continue;
            }
            self.next_tag += 1;
            let command = Command::Add {
                tag: self.next_tag,
                path,
                destination: destination.clone(),
                options,
            };
            if let Err(e) = self.backend.send(command) {
                self.model.messages.push(e);
            }
        }
    }

    fn apply(&mut self, action: UiAction, ctx: &egui::Context) {
        match action {
            UiAction::Engine(command) => {
                if let Err(e) = self.backend.send(command) {
                    self.model.messages.push(e);
                }
            }
            UiAction::AddPaths(paths) => {
                self.scans
                    .push(background(ctx, move || folder_scan::expand(paths)));
            }
            UiAction::PickFiles => {
                self.picks.push(background(ctx, || {
                    rfd::FileDialog::new().set_title("Add files").pick_files()
                }));
            }
            UiAction::PickFolder => {
                self.picks.push(background(ctx, || {
                    rfd::FileDialog::new()
                        .set_title("Add folder")
                        .pick_folder()
                        .map(|folder| folder_scan::expand(vec![folder]))
                }));
            }
            UiAction::OpenUrl(url) => ctx.open_url(egui::OpenUrl::new_tab(url)),
            UiAction::ShowFile(path) => reveal(path),
            UiAction::ChooseDestination(label) => self.settings.destination = Some(label),
            UiAction::ApplyLimits => {
                let limits = (
                    self.settings.parallel_uploads.max(1),
                    self.settings.bandwidth_limit_bytes_per_sec(),
                );
                if limits != self.applied_limits {
                    self.applied_limits = limits;
                    let command = Command::SetLimits {
                        max_parallel_uploads: limits.0,
                        bandwidth_limit_bytes_per_sec: limits.1,
                    };
                    if let Err(e) = self.backend.send(command) {
                        self.model.messages.push(e);
                    }
                }
            }
            UiAction::SetFlaky(flaky) => {
                self.flaky = flaky;
                if let Some(demo) = &self.demo {
                    demo.set_flaky(flaky);
                }
            }
            UiAction::DismissMessages => self.model.messages.clear(),
        }
    }

    fn toolbar(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        ui.horizontal_wrapped(|ui| {
            let destinations = self.destinations();
            let has_destination = !destinations.is_empty();
            let no_destination =
                "No destination yet: add a profile under Profiles, upload once with `hoist upload`, or start Hoist with --demo";
            let add_files = ui.add_enabled(has_destination, egui::Button::new("Add files…"));
            if add_files.on_disabled_hover_text(no_destination).clicked() {
                actions.push(UiAction::PickFiles);
            }
            let add_folder = ui.add_enabled(has_destination, egui::Button::new("Add folder…"));
            if add_folder.on_disabled_hover_text(no_destination).clicked() {
                actions.push(UiAction::PickFolder);
            }
            ui.separator();
            let label = ui.label("Destination");
            let current = self
                .chosen_destination()
                .map(|(label, _, _)| label)
                .unwrap_or_else(|| "none yet".to_string());
            egui::ComboBox::from_id_salt("destination")
                .selected_text(&current)
                .show_ui(ui, |ui| {
                    for (name, _) in &destinations {
                        if ui.selectable_label(*name == current, name).clicked() {
                            actions.push(UiAction::ChooseDestination(name.clone()));
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            ui.separator();
            if ui.button("Pause all").clicked() {
                actions.push(UiAction::Engine(Command::PauseAll));
            }
            if ui.button("Resume all").clicked() {
                actions.push(UiAction::Engine(Command::ResumeAll));
            }
            if ui.button("Settings").clicked() {
                self.show_settings = !self.show_settings;
            }
            if ui.button("Profiles").clicked() {
                self.profiles.open = !self.profiles.open;
                if self.profiles.open {
                    self.profiles.refresh();
                }
            }
            if self.demo.is_some() {
                ui.separator();
                let mut flaky = self.flaky;
                if ui
                    .checkbox(&mut flaky, "Simulate a flaky network")
                    .on_hover_text("Drops connections and answers with errors now and then, to show retries and resumes")
                    .changed()
                {
                    actions.push(UiAction::SetFlaky(flaky));
                }
            }
        });
    }

    fn messages(&self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        if self.model.messages.is_empty() {
            return;
        }
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                for message in self.model.messages.iter().rev().take(3) {
                    ui.colored_label(ui.visuals().warn_fg_color, message);
                }
            });
            if ui.button("Dismiss").clicked() {
                actions.push(UiAction::DismissMessages);
            }
        });
    }

    fn status_bar(&self, ui: &mut Ui) {
        let rows = self.model.rows();
        let done = rows
            .iter()
            .filter(|r| r.upload.phase == hoist_core::upload::Phase::Completed)
            .count();
        let (rate, eta) = self.model.totals();
        let mut text = format!("{} uploads, {done} done", rows.len());
        if rate >= 1.0 {
            text.push_str(&format!(" · {}/s", format_bytes(rate as u64)));
        }
        if let Some(eta) = eta {
            text.push_str(&format!(" · {} left", format_eta(eta)));
        }
        ui.label(text);
    }

    fn settings_window(&mut self, ctx: &egui::Context, actions: &mut Vec<UiAction>) {
        let mut open = self.show_settings;
        egui::Window::new("Settings")
            .open(&mut open)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("settings").num_columns(2).show(ui, |ui| {
                    let label = ui.label("Uploads at the same time");
                    let changed = ui
                        .add(egui::DragValue::new(&mut self.settings.parallel_uploads).range(1..=8))
                        .labelled_by(label.id)
                        .changed();
                    ui.end_row();
                    let label = ui.label("Chunk size (MiB, 0 = one stream)");
                    ui.add(egui::DragValue::new(&mut self.settings.chunk_size_mib).range(0..=1024))
                        .labelled_by(label.id)
                        .on_hover_text("Chunks suit unstable links: at most one chunk is ever sent twice. Applies to files added from now on.");
                    ui.end_row();
                    let label = ui.label("Bandwidth limit (MiB/s, 0 = none)");
                    let limit_changed = ui
                        .add(
                            egui::DragValue::new(&mut self.settings.bandwidth_limit_mib_per_sec)
                                .range(0..=10_000),
                        )
                        .labelled_by(label.id)
                        .changed();
                    ui.end_row();
                    if changed || limit_changed {
                        actions.push(UiAction::ApplyLimits);
                    }
                });
                ui.checkbox(
                    &mut self.settings.auto_resume,
                    "Continue unfinished uploads when Hoist starts",
                );
                ui.checkbox(
                    &mut self.settings.notifications,
                    "Notify me when an upload finishes or fails",
                );
            });
        self.show_settings = open;
    }
}

impl eframe::App for HoistApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain(ctx);
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
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
        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(4.0);
            self.toolbar(ui, &mut actions);
            self.messages(ui, &mut actions);
            ui.add_space(2.0);
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        egui::CentralPanel::default_margins().show(ui, |ui| {
            if self.model.rows().is_empty() {
                ui.centered_and_justified(|ui| {
                    ui.label(
                        RichText::new("Drop videos here or click Add files")
                            .size(22.0)
                            .weak(),
                    );
                });
            } else {
                actions.extend(queue_view::show(
                    ui,
                    self.model.rows(),
                    &mut self.thumbnails,
                    Instant::now(),
                ));
            }
        });
        self.settings_window(&ctx, &mut actions);
        if self.profiles.open {
            self.profiles.show(&ctx);
        }
        drop_overlay(&ctx);
        for action in actions {
            self.apply(action, &ctx);
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.settings);
    }
}

/// Runs a one-off job (a folder scan, a file dialog) on its own thread and wakes the window when
/// its result is ready.
#[allow(
    clippy::disallowed_methods,
    reason = "short-lived threads for file dialogs, folder scans and opening files, off the UI thread"
)]
pub(crate) fn background<T: Send + 'static>(
    ctx: &egui::Context,
    job: impl FnOnce() -> T + Send + 'static,
) -> Promise<T> {
    let (sender, promise) = Promise::new();
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("hoist-job".to_string())
        .spawn(move || {
            sender.send(job());
            ctx.request_repaint();
        });
    if let Err(e) = spawned {
        tracing::error!("could not start a background job: {e}");
    }
    promise
}

/// A visible target while files are dragged over the window.
fn drop_overlay(ctx: &egui::Context) {
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !hovering {
        return;
    }
    let painter = ctx.layer_painter(LayerId::new(
        Order::Foreground,
        Id::unique("hoist drop overlay"),
    ));
    let rect = ctx.content_rect();
    painter.rect_filled(rect, 0.0, Color32::from_black_alpha(160));
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        "Drop to upload",
        egui::FontId::proportional(32.0),
        Color32::WHITE,
    );
}

/// Opens the file manager at the file, off the UI thread.
#[allow(
    clippy::disallowed_methods,
    reason = "short-lived threads for file dialogs, folder scans and opening files, off the UI thread"
)]
fn reveal(path: PathBuf) {
    let spawned = std::thread::Builder::new()
        .name("hoist-reveal".to_string())
        .spawn(move || {
            let result = if cfg!(target_os = "macos") {
                std::process::Command::new("open")
                    .arg("-R")
                    .arg(&path)
                    .status()
            } else if cfg!(target_os = "windows") {
                std::process::Command::new("explorer")
                    .arg(format!("/select,{}", path.display()))
                    .status()
            } else {
                let folder = path.parent().map(PathBuf::from).unwrap_or(path);
                std::process::Command::new("xdg-open").arg(folder).status()
            };
            if let Err(e) = result {
                tracing::warn!("could not open the file manager: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("could not start the file manager thread: {e}");
    }
}
