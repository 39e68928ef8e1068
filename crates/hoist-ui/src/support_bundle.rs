//! "Save a support bundle" in Settings: one zip for a bug report (`hoist_core::support`), saved
//! in the Downloads folder with the time in its name, and a "Show file" to find it. Written off
//! the UI thread; what went wrong goes to the log, the window says it in one line.

use std::path::PathBuf;

use egui::{RichText, Ui};
use poll_promise::Promise;

use crate::background::background;
use crate::profiles::{Tone, tone_color};
use hoist_core::store::HoistDirs;

/// The button's label.
pub const SAVE_SUPPORT_BUNDLE: &str = "Save a support bundle";

/// The support bundle part of Settings: the button, the job and what it found.
#[derive(Default)]
pub(crate) struct SupportBundle {
    /// Where bundles go; the Downloads folder (or home) when `None`.
    folder: Option<PathBuf>,
    job: Option<Promise<Result<PathBuf, ()>>>,
    /// The last bundle saved, or `Err` when saving failed.
    last: Option<Result<PathBuf, ()>>,
}

impl SupportBundle {
    /// Saves bundles in `folder` instead of Downloads (tests).
    pub(crate) fn set_folder(&mut self, folder: PathBuf) {
        self.folder = Some(folder);
    }

    /// Draws the section; `show_file` is asked to reveal a saved bundle.
    pub(crate) fn ui(
        &mut self,
        ui: &mut Ui,
        dirs: Option<&HoistDirs>,
        show_file: impl FnOnce(PathBuf),
    ) {
        if let Some(done) = self.job.as_ref().and_then(|job| job.ready()) {
            self.last = Some(done.clone());
            self.job = None;
        }
        ui.label(RichText::new("Reporting a problem").strong());
        ui.label(
            "One zip with Hoist's settings, upload list and recent logs, to attach to a bug \
             report. Passwords, keys and upload links are taken out.",
        );
        ui.horizontal_wrapped(|ui| {
            let can_save = dirs.is_some() && self.job.is_none();
            if ui
                .add_enabled(can_save, egui::Button::new(SAVE_SUPPORT_BUNDLE))
                .clicked()
                && let Some(dirs) = dirs
            {
                let dirs = dirs.clone();
                let folder = self.folder.clone();
                self.last = None;
                self.job = Some(background(ui.ctx(), move || save(&dirs, folder)));
            }
            if self.job.is_some() {
                ui.spinner();
                ui.label("Saving…");
            }
        });
        match &self.last {
            Some(Ok(path)) => {
                let mut show = false;
                ui.horizontal_wrapped(|ui| {
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    let folder = path
                        .parent()
                        .and_then(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned());
                    ui.colored_label(
                        tone_color(ui, Tone::Success),
                        format!(
                            "Saved {} in {}",
                            name.unwrap_or_default(),
                            folder.unwrap_or_else(|| "your home folder".to_string())
                        ),
                    );
                    show = ui.button("Show file").clicked();
                });
                if show {
                    show_file(path.clone());
                }
            }
            Some(Err(())) => {
                ui.colored_label(
                    tone_color(ui, Tone::Error),
                    "Couldn't save the support bundle. Details are in the log.",
                );
            }
            None => {}
        }
    }
}

/// Writes a bundle into `folder` (else Downloads, else home); the path, or `Err` once logged.
fn save(dirs: &HoistDirs, folder: Option<PathBuf>) -> Result<PathBuf, ()> {
    let folder = folder
        .or_else(|| {
            let user = directories::UserDirs::new()?;
            // Without an XDG user-dirs file the Downloads folder is not named: ~/Downloads if
            // it is there, else home.
            let home = user.home_dir().to_path_buf();
            Some(
                user.download_dir()
                    .map(PathBuf::from)
                    .or_else(|| Some(home.join("Downloads")).filter(|d| d.is_dir()))
                    .unwrap_or(home),
            )
        })
        .ok_or_else(|| tracing::warn!("support bundle: no Downloads or home folder"))?;
    let t = time::OffsetDateTime::now_utc();
    let stamp = format!(
        "{:04}-{:02}-{:02}-{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let path = folder.join(format!("hoist-support-{stamp}.zip"));
    match hoist_core::support::write_support_bundle(dirs, &path) {
        Ok(report) => {
            tracing::info!(
                "support bundle saved to {} ({} bytes)",
                report.path.display(),
                report.size_bytes
            );
            Ok(report.path)
        }
        Err(e) => {
            tracing::warn!(
                "support bundle could not be saved to {}: {e}",
                path.display()
            );
            Err(())
        }
    }
}
