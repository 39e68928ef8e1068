//! Files handed to Hoist before it had anywhere to send them. They are never dropped: they wait
//! as "Choose where to send" rows, kept in a small file (one path a line) so they survive a
//! relaunch, and go with one click once a destination exists.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use egui::{RichText, Ui};

use super::actions::UiAction;
use crate::background::background;

/// What the rows say while no destination is chosen.
pub const CHOOSE_WHERE: &str = "Choose where to send";

/// The waiting files and where they are kept.
#[derive(Debug, Default)]
pub(crate) struct PendingFiles {
    paths: Vec<PathBuf>,
    store: Option<PathBuf>,
    /// Bumped by each change; a save writes only if nothing newer was written first.
    generation: u64,
    written: Arc<Mutex<u64>>,
}

/// The files waiting for a destination kept in `store` by an earlier run (none if it is
/// missing or unreadable). Blocking: for start-up, before the window opens.
pub fn load_pending(store: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(store)
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .unwrap_or_default()
}

impl PendingFiles {
    /// Waiting files kept in `store`, starting with `paths`.
    pub(crate) fn new(store: PathBuf, paths: Vec<PathBuf>) -> PendingFiles {
        PendingFiles {
            paths,
            store: Some(store),
            ..PendingFiles::default()
        }
    }

    /// The waiting files.
    pub(crate) fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Adds files that have nowhere to go yet (each once).
    pub(crate) fn add(&mut self, ctx: &egui::Context, files: Vec<PathBuf>) {
        for file in files {
            if !self.paths.contains(&file) {
                self.paths.push(file);
            }
        }
        self.save(ctx);
    }

    /// Takes every waiting file (to send them).
    pub(crate) fn take_all(&mut self, ctx: &egui::Context) -> Vec<PathBuf> {
        let taken = std::mem::take(&mut self.paths);
        self.save(ctx);
        taken
    }

    /// Forgets one waiting file.
    pub(crate) fn remove(&mut self, ctx: &egui::Context, path: &Path) {
        self.paths.retain(|p| p != path);
        self.save(ctx);
    }

    /// Writes the list off the UI thread (atomically: a temporary file, then a rename).
    fn save(&mut self, ctx: &egui::Context) {
        let Some(store) = self.store.clone() else {
            return;
        };
        self.generation += 1;
        let generation = self.generation;
        let written = self.written.clone();
        let text: String = self
            .paths
            .iter()
            .filter_map(|p| p.to_str().filter(|s| !s.contains('\n')))
            .map(|s| format!("{s}\n"))
            .collect();
        // The promise is not kept: the job only writes, and says so in the log if it fails.
        let _ = background(ctx, move || {
            let mut last = written.lock().unwrap_or_else(PoisonError::into_inner);
            if *last >= generation {
                return;
            }
            let tmp = store.with_extension("tmp");
            let result = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, &store));
            match result {
                Ok(()) => *last = generation,
                Err(error) => {
                    tracing::warn!(%error, path = %store.display(), "could not keep the files waiting for a destination")
                }
            }
        });
    }

    /// Draws the waiting files above the queue: `destination` is where "Send" would put them.
    pub(crate) fn show(&self, ui: &mut Ui, destination: Option<&str>, actions: &mut Vec<UiAction>) {
        if self.paths.is_empty() {
            return;
        }
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                let count = self.paths.len();
                let (files, it) = if count == 1 {
                    ("1 file waits".to_string(), "it")
                } else {
                    (format!("{count} files wait"), "them")
                };
                match destination {
                    Some(label) => {
                        ui.label(format!("{files} for you to send {it}."));
                        if ui.button(format!("Send to {label}")).clicked() {
                            actions.push(UiAction::SendPending);
                        }
                    }
                    None => {
                        ui.label(format!(
                            "{files}: Hoist has nowhere to send files yet. Connect an account to send {it}."
                        ));
                        if ui.button("Connect an account…").clicked() {
                            actions.push(UiAction::OpenProfiles);
                        }
                    }
                }
            });
            for path in &self.paths {
                ui.horizontal(|ui| {
                    let name = super::words::file_name_words(path);
                    ui.label(RichText::new(name).strong())
                        .on_hover_text(path.display().to_string());
                    ui.weak(CHOOSE_WHERE);
                    if ui
                        .small_button("Remove")
                        .on_hover_text("Do not send this file")
                        .clicked()
                    {
                        actions.push(UiAction::DropPending(path.clone()));
                    }
                });
            }
        });
        ui.add_space(6.0);
    }
}
