//! The "Watch folders" window: the folders whose new files are uploaded by themselves, their
//! destination and state, "Add folder…" and "Remove". The watching itself is
//! [`hoist_core::watch::WatchService`], on the engine's runtime; this only draws its states and
//! sends it what the person asked for, so nothing here blocks.

use std::path::PathBuf;

use egui::{RichText, Ui};
use poll_promise::Promise;

use crate::background::background;
use crate::desktop::{FilePicker, PickWhat, Picked};
use crate::message::{Message, MessageKind, message_color};
use hoist_core::watch::{
    DEFAULT_SETTLE, FolderState, FolderStatus, WatchError, WatchEvent, WatchEvents, WatchService,
};

/// The window's title (and the toolbar button's words).
pub const WATCH_TITLE: &str = "Watch folders";

/// The words for a folder's state.
pub fn state_words(status: &FolderStatus) -> String {
    match &status.state {
        FolderState::Starting => "Starting…".to_string(),
        FolderState::Watching if status.settling_files > 0 => format!(
            "Watching · {} waiting to finish copying",
            hoist_core::units::count_words(status.settling_files, "file", "files")
        ),
        FolderState::Watching => "Watching".to_string(),
        FolderState::Missing => "Folder missing — will continue when it is back".to_string(),
        FolderState::NoDestination => {
            "Its destination was removed; nothing is uploaded from here".to_string()
        }
        FolderState::Unreadable(_) => "Hoist isn't allowed to open this folder".to_string(),
    }
}

/// The line for something the watcher did not do, of its kind: a folder already watched is
/// only information (the detail goes to the log).
fn problem_words(error: &WatchError) -> Message {
    tracing::warn!("watch folders: {error}");
    match error {
        WatchError::AlreadyWatched(_) => Message::info("That folder is watched already."),
        WatchError::NotAFolder(_) => {
            Message::new(MessageKind::Warning, "That isn't a folder Hoist can open.")
        }
        WatchError::Profile(_) => Message::problem("That destination no longer exists."),
        _ => Message::problem("Hoist couldn't save the list of watch folders."),
    }
}

/// The Watch folders window and the watcher behind it.
#[derive(Default)]
pub struct WatchPanel {
    /// Whether the window is shown.
    pub open: bool,
    service: Option<(WatchService, WatchEvents)>,
    picker: Option<FilePicker>,
    picking: Option<Promise<Picked>>,
    /// The profile (by key) new folders go to.
    profile: Option<String>,
    typed: String,
    problem: Option<Message>,
}

impl WatchPanel {
    /// Shows the folders of `service` and sends it additions and removals.
    pub fn set_service(&mut self, service: WatchService, events: WatchEvents) {
        self.service = Some((service, events));
    }

    /// Uses `picker` as the folder chooser.
    pub fn set_picker(&mut self, picker: FilePicker) {
        self.picker = Some(picker);
    }

    /// The folders and their states, as last reported.
    pub fn statuses(&self) -> Vec<FolderStatus> {
        self.service
            .as_ref()
            .map(|(s, _)| s.statuses())
            .unwrap_or_default()
    }

    /// Drains the watcher's events and the folder chooser (call it from `logic`).
    pub fn update(&mut self) {
        let mut problems = Vec::new();
        if let Some((_, events)) = &mut self.service {
            while let Some(event) = events.try_recv() {
                match event {
                    WatchEvent::Failed(error) => problems.push(problem_words(&error)),
                    WatchEvent::Added(_) | WatchEvent::Removed(_) => self.problem = None,
                    WatchEvent::StateChanged { .. } | WatchEvent::Queued { .. } => {}
                }
            }
        }
        if let Some(last) = problems.pop() {
            self.problem = Some(last);
        }
        let picked = self.picking.as_mut().and_then(|p| p.ready_mut()).cloned();
        if let Some(picked) = picked {
            self.picking = None;
            match picked {
                Picked::Chosen(folders) => {
                    for folder in folders {
                        self.add(folder);
                    }
                }
                Picked::Cancelled => {}
                Picked::Failed => {
                    self.problem = Some(Message::new(
                        MessageKind::Warning,
                        "Couldn't open a file chooser; paste the folder's location below instead.",
                    ));
                }
            }
        }
    }

    fn add(&mut self, folder: PathBuf) {
        if let (Some((service, _)), Some(profile)) = (&self.service, &self.profile) {
            service.add_folder(folder, profile.clone(), DEFAULT_SETTLE);
        }
    }

    /// Draws the window inside `area`; `profiles` are the saved destinations as (key, name
    /// shown).
    pub fn show(&mut self, ctx: &egui::Context, area: egui::Rect, profiles: &[(String, String)]) {
        let mut open = self.open;
        crate::window_area::place(
            egui::Window::new(WATCH_TITLE),
            area,
            crate::window_area::Cascade::Watch,
        )
        .open(&mut open)
        .default_width(640.0)
        .resizable(true)
        .show(ctx, |ui| self.contents(ui, profiles));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut Ui, profiles: &[(String, String)]) {
        ui.label("Files that appear in these folders, or in folders inside them, are uploaded by themselves, once each.");
        ui.add_space(6.0);
        let statuses = self.statuses();
        if statuses.is_empty() {
            ui.label(RichText::new("No watch folders yet.").weak());
        }
        let label_of = |key: &str| {
            profiles
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, label)| label.clone())
                .unwrap_or_else(|| key.to_string())
        };
        let mut remove = None;
        egui::Grid::new("watch folders")
            .num_columns(4)
            .spacing([12.0, 6.0])
            .striped(true)
            .show(ui, |ui| {
                for status in &statuses {
                    ui.label(status.folder.path.display().to_string());
                    ui.label(format!("to {}", label_of(&status.folder.profile)));
                    let words = state_words(status);
                    if matches!(status.state, FolderState::Watching | FolderState::Starting) {
                        ui.label(words);
                    } else {
                        ui.colored_label(ui.visuals().warn_fg_color, words);
                    }
                    if ui.button("Remove").clicked() {
                        remove = Some(status.folder.id);
                    }
                    ui.end_row();
                }
            });
        if let (Some(id), Some((service, _))) = (remove, &self.service) {
            service.remove_folder(id);
        }
        ui.separator();
        self.add_row(ui, profiles);
        if let Some(problem) = &self.problem {
            ui.colored_label(message_color(ui.visuals(), problem.kind), &problem.text);
        }
    }

    fn add_row(&mut self, ui: &mut Ui, profiles: &[(String, String)]) {
        if profiles.is_empty() {
            let steps = crate::toolbar_layout::profiles_steps(
                crate::toolbar_layout::profiles_in_menu(ui.ctx()),
            );
            ui.label(format!("First choose where files go: {steps}."));
            return;
        }
        if self
            .profile
            .as_ref()
            .is_none_or(|p| !profiles.iter().any(|(k, _)| k == p))
        {
            self.profile = profiles.first().map(|(k, _)| k.clone());
        }
        ui.horizontal(|ui| {
            let label = ui.label("New folders send to");
            let current = self.profile.clone().unwrap_or_default();
            let shown = profiles
                .iter()
                .find(|(k, _)| *k == current)
                .map(|(_, l)| l.clone())
                .unwrap_or_default();
            egui::ComboBox::from_id_salt("watch destination")
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for (key, name) in profiles {
                        if ui.selectable_label(*key == current, name).clicked() {
                            self.profile = Some(key.clone());
                        }
                    }
                })
                .response
                .labelled_by(label.id);
            let choosing = self.picking.is_some();
            if ui
                .add_enabled(!choosing, egui::Button::new("Add folder…"))
                .clicked()
                && let Some(picker) = self.picker.clone()
            {
                self.picking = Some(background(ui.ctx(), move || picker(PickWhat::Folder)));
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Or paste a folder's location");
            ui.add(egui::TextEdit::singleline(&mut self.typed).desired_width(320.0))
                .labelled_by(label.id);
            let typed = self.typed.trim().to_string();
            if ui
                .add_enabled(!typed.is_empty(), egui::Button::new("Watch"))
                .clicked()
            {
                self.add(PathBuf::from(typed));
                self.typed.clear();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_watched_already_is_information_and_failures_are_problems() {
        let folder = PathBuf::from("/videos/incoming");
        let already = problem_words(&WatchError::AlreadyWatched(folder.clone()));
        assert_eq!(already, Message::info("That folder is watched already."));
        assert_eq!(
            problem_words(&WatchError::NotAFolder(folder)).kind,
            MessageKind::Warning
        );
    }
}
