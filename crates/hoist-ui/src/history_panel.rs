//! The "History" window: finished uploads (kept after "Clear finished"), a search field that
//! filters as you type, each entry's link to open or copy, "Remove from history", "Export…"
//! (CSV) and "Clear history…" with a confirmation. The journal is read and changed only by
//! one-off jobs off the UI thread (`background`); drawing uses what the last job brought back.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{RichText, Ui};
use poll_promise::Promise;

use crate::actions::UiAction;
use crate::background::background;
use crate::history_export::{SavePicker, export_job, system_save_picker};
use crate::history_list::{DestinationNames, Shown, needle, show_entries};
use crate::profiles::{Tone, tone_color};
use hoist_core::store::{HistoryEntry, Journal};

/// The window's title (and the toolbar button's words).
pub const HISTORY_TITLE: &str = "History";
/// The button that asks before emptying the history.
pub const CLEAR_HISTORY: &str = "Clear history…";
/// The confirmation's button.
pub const CLEAR_HISTORY_CONFIRM: &str = "Clear history";
/// The search field's label.
pub const SEARCH_HISTORY: &str = "Search";
/// What the window says when nothing has finished yet.
pub const HISTORY_EMPTY: &str = "No finished uploads yet. Uploads are listed here once they \
     finish, and stay after Clear finished.";

/// A line the window shows after a job: what happened, and a saved file to show.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Note {
    pub(crate) tone: Tone,
    pub(crate) words: String,
    pub(crate) file: Option<PathBuf>,
}

/// What a finished job brings back.
pub(crate) struct JobDone {
    journal: Option<Arc<Journal>>,
    /// The history afresh (`None`: unchanged, e.g. after an export).
    entries: Option<Result<Vec<Shown>, ()>>,
    note: Option<Note>,
}

/// What a job does with the journal.
#[derive(Clone, Copy)]
enum Change {
    Nothing,
    Remove(i64),
    Clear,
}

/// The History window's state.
pub(crate) struct HistoryPanel {
    /// Whether the window is shown.
    pub(crate) open: bool,
    was_open: bool,
    journal_path: Option<PathBuf>,
    journal: Option<Arc<Journal>>,
    /// The entries as last loaded, newest first (`None` before the first load; `Err` when the
    /// history could not be read).
    entries: Option<Result<Vec<Shown>, ()>>,
    job: Option<Promise<JobDone>>,
    /// How many finished uploads the queue had when the history was last loaded.
    seen_finished: Option<usize>,
    /// The destinations' names the entries were last named with.
    names: DestinationNames,
    search: String,
    /// The entries the search last let through (by index), and the search's needle then.
    filtered: Option<(String, Vec<usize>)>,
    confirm_clear: bool,
    note: Option<Note>,
    save_picker: SavePicker,
}

impl Default for HistoryPanel {
    fn default() -> HistoryPanel {
        HistoryPanel {
            open: false,
            was_open: false,
            journal_path: None,
            journal: None,
            entries: None,
            job: None,
            seen_finished: None,
            names: DestinationNames::default(),
            search: String::new(),
            filtered: None,
            confirm_clear: false,
            note: None,
            save_picker: system_save_picker(),
        }
    }
}

impl HistoryPanel {
    /// Reads the history from the journal at `path`.
    pub(crate) fn set_journal(&mut self, path: PathBuf) {
        if self.journal_path.as_ref() != Some(&path) {
            self.journal = None;
            self.entries = None;
        }
        self.journal_path = Some(path);
    }

    /// Uses `picker` to choose where exports go (tests).
    pub(crate) fn set_save_picker(&mut self, picker: SavePicker) {
        self.save_picker = picker;
    }

    /// Draws the window inside `area`; `finished` is how many finished uploads the queue shows (a change
    /// reloads the history), `names` what people call the destinations. Links to open and
    /// files to show go to `actions`.
    pub(crate) fn show(
        &mut self,
        ctx: &egui::Context,
        area: egui::Rect,
        finished: usize,
        names: DestinationNames,
        actions: &mut Vec<UiAction>,
    ) {
        let opened_now = !self.was_open;
        self.was_open = true;
        self.collect_job();
        if names != self.names {
            self.names = names;
            self.rename();
        }
        if self.job.is_none() && (opened_now || self.seen_finished != Some(finished)) {
            self.seen_finished = Some(finished);
            self.start(ctx, Change::Nothing);
        }
        let mut open = self.open;
        crate::window_area::place(
            egui::Window::new(HISTORY_TITLE),
            area,
            crate::window_area::Cascade::History,
        )
        .open(&mut open)
        .default_width(900.0)
        .default_height(480.0)
        .resizable(true)
        .show(ctx, |ui| self.contents(ui, actions));
        self.open = open;
    }

    /// Empties the history without asking (Reset demo: the demo's entries link to a server that
    /// was just emptied).
    pub(crate) fn clear_all(&mut self, ctx: &egui::Context) {
        self.confirm_clear = false;
        self.start(ctx, Change::Clear);
    }

    /// Notes that the window is closed (the next opening reads the history afresh).
    pub(crate) fn closed(&mut self) {
        self.was_open = false;
    }

    fn collect_job(&mut self) {
        let Some(done) = self.job.take_if(|job| job.ready().is_some()) else {
            return;
        };
        let Ok(done) = done.try_take() else {
            return;
        };
        if done.journal.is_some() {
            self.journal = done.journal;
        }
        if let Some(entries) = done.entries {
            self.entries = Some(entries);
            self.rename();
        }
        if done.note.is_some() {
            self.note = done.note;
        }
    }

    fn rename(&mut self) {
        self.filtered = None;
        if let Some(Ok(entries)) = &mut self.entries {
            for shown in entries {
                shown.named(&self.names);
            }
        }
    }

    /// Starts a job that makes `change` and reads the history afresh.
    fn start(&mut self, ctx: &egui::Context, change: Change) {
        let journal = self.journal.clone();
        let path = self.journal_path.clone();
        self.job = Some(background(ctx, move || load_job(journal, path, change)));
    }

    fn contents(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        let busy = self.job.is_some();
        let count = match &self.entries {
            Some(Ok(entries)) => entries.len(),
            _ => 0,
        };
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(SEARCH_HISTORY);
            ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text("File name, destination or link")
                    .desired_width(240.0),
            )
            .labelled_by(label.id);
            if busy {
                ui.spinner();
            }
        });
        ui.horizontal_wrapped(|ui| {
            let export = ui.add_enabled(!busy && count > 0, egui::Button::new("Export…"));
            if export
                .on_hover_text("Save the entries shown as a CSV file for a spreadsheet")
                .clicked()
            {
                self.export(ui.ctx());
            }
            let clear = ui.add_enabled(!busy && count > 0, egui::Button::new(CLEAR_HISTORY));
            if clear.clicked() {
                self.confirm_clear = true;
            }
        });
        if self.confirm_clear {
            self.confirmation(ui, count);
        }
        self.note_line(ui, actions);
        ui.separator();
        self.list(ui, actions);
    }

    fn confirmation(&mut self, ui: &mut Ui, count: usize) {
        ui.group(|ui| {
            ui.label(format!(
                "Remove all {} from the history? The files you sent stay where they are.",
                hoist_core::units::count_words(count, "entry", "entries")
            ));
            ui.horizontal(|ui| {
                if ui.button(CLEAR_HISTORY_CONFIRM).clicked() {
                    self.confirm_clear = false;
                    self.start(ui.ctx(), Change::Clear);
                }
                if ui.button("Keep").clicked() {
                    self.confirm_clear = false;
                }
            });
        });
    }

    fn note_line(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        let Some(note) = &self.note else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(tone_color(ui, note.tone), &note.words);
            if let Some(file) = &note.file
                && ui.button("Show file").clicked()
            {
                actions.push(UiAction::ShowFile(file.clone()));
            }
        });
    }

    fn list(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        let entries = match &self.entries {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Loading the history…");
                });
                return;
            }
            Some(Err(())) => {
                ui.colored_label(
                    tone_color(ui, Tone::Error),
                    "Couldn't read the history. Details are in the log.",
                );
                return;
            }
            Some(Ok(entries)) => entries,
        };
        if entries.is_empty() {
            ui.label(RichText::new(HISTORY_EMPTY).weak());
            return;
        }
        let needle = needle(&self.search);
        if self.filtered.as_ref().is_none_or(|(n, _)| *n != needle) {
            let passed = (0..entries.len())
                .filter(|i| entries[*i].matches(&needle))
                .collect();
            self.filtered = Some((needle, passed));
        }
        let passed = self
            .filtered
            .as_ref()
            .map_or(&[][..], |(_, p)| p.as_slice());
        let shown: Vec<&Shown> = passed.iter().filter_map(|i| entries.get(*i)).collect();
        if shown.is_empty() {
            ui.label(
                RichText::new(format!(
                    "Nothing in the history matches “{}”.",
                    self.search.trim()
                ))
                .weak(),
            );
            return;
        }
        if let Some(remove) = show_entries(ui, &shown, actions) {
            self.start(ui.ctx(), Change::Remove(remove));
        }
    }

    fn export(&mut self, ctx: &egui::Context) {
        let Some(Ok(entries)) = &self.entries else {
            return;
        };
        let needle = needle(&self.search);
        let chosen: Vec<HistoryEntry> = entries
            .iter()
            .filter(|e| e.matches(&needle))
            .map(|e| e.entry.clone())
            .collect();
        let picker = self.save_picker.clone();
        self.note = None;
        self.job = Some(background(ctx, move || JobDone {
            journal: None,
            entries: None,
            note: export_job(&picker, &chosen),
        }));
    }
}

/// Opens the journal (once), makes `change` and reads the history.
fn load_job(journal: Option<Arc<Journal>>, path: Option<PathBuf>, change: Change) -> JobDone {
    let journal = match journal {
        Some(journal) => journal,
        None => {
            let Some(path) = path else {
                tracing::warn!("history: no journal to read it from");
                return failed_load();
            };
            match Journal::open_for_history(&path) {
                Ok(journal) => Arc::new(journal),
                Err(e) => {
                    tracing::warn!("history: the journal could not be opened: {e}");
                    return failed_load();
                }
            }
        }
    };
    let changed = match change {
        Change::Nothing => Ok(()),
        Change::Remove(id) => journal.remove_from_history(id).map(|_| ()),
        Change::Clear => journal.clear_history().map(|_| ()),
    };
    let note = changed.err().map(|e| {
        tracing::warn!("history: could not change it: {e}");
        Note {
            tone: Tone::Error,
            words: "Couldn't change the history. Details are in the log.".to_string(),
            file: None,
        }
    });
    let entries = match journal.history(None) {
        Ok(entries) => Ok(entries.into_iter().map(Shown::new).collect()),
        Err(e) => {
            tracing::warn!("history: could not read it: {e}");
            Err(())
        }
    };
    JobDone {
        journal: Some(journal),
        entries: Some(entries),
        note,
    }
}

fn failed_load() -> JobDone {
    JobDone {
        journal: None,
        entries: Some(Err(())),
        note: None,
    }
}
