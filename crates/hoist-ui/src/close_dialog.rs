//! Closing the window while uploads run: ask once what to do ("Keep uploading in the background"
//! or "Pause and quit"), remember the answer, and just quit when nothing is running. Where the
//! window goes in the background is `tray`'s business.

use egui::{Id, RichText, ViewportCommand};
use serde::{Deserialize, Serialize};

/// What closing the window does while uploads run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseChoice {
    /// The window goes to the tray (minimised where there is none) and the uploads go on.
    KeepUploading,
    /// Hoist quits; the uploads continue from the server's offset when it starts again.
    PauseAndQuit,
}

/// The question asked when the window is closed mid-upload.
#[derive(Debug)]
pub(crate) struct CloseDialog {
    open: bool,
    remember: bool,
    quitting: bool,
}

impl Default for CloseDialog {
    fn default() -> Self {
        CloseDialog {
            open: false,
            remember: true,
            quitting: false,
        }
    }
}

/// Settings' choice that asks each time (the answer not remembered).
pub const ASK_ON_CLOSE: &str = "Ask each time";
/// The dialog's title.
pub const CLOSE_TITLE: &str = "Uploads are still running";
/// Its button that keeps Hoist running.
pub const KEEP_UPLOADING: &str = "Keep uploading in the background";
/// What the question says where the desktop has no tray.
pub const NO_TRAY_WORDS: &str = "Hoist can keep uploading with its window minimised (this desktop has no tray for its icon), or stop now.";
/// Its button that quits.
pub const PAUSE_AND_QUIT: &str = "Pause and quit";

impl CloseDialog {
    /// Pauses the uploads and quits without asking (the tray's Quit, a signal to end).
    pub(crate) fn quit(&mut self, ctx: &egui::Context) {
        self.open = false;
        self.quitting = true;
        ctx.send_viewport_cmd(ViewportCommand::Close);
    }

    /// Handles a close request of the window and draws the question while it is open. `busy`:
    /// some upload is running or waiting; `remembered`: the answer kept in settings; `resumes`:
    /// unfinished uploads continue by themselves when Hoist starts; `tray`: whether the desktop
    /// has a tray for Hoist's icon (`None`: not known yet). Returns `KeepUploading` when the
    /// window should go to the background now.
    pub(crate) fn show(
        &mut self,
        ctx: &egui::Context,
        busy: bool,
        remembered: &mut Option<CloseChoice>,
        resumes: bool,
        tray: Option<bool>,
    ) -> Option<CloseChoice> {
        let mut background = None;
        if ctx.input(|i| i.viewport().close_requested()) && busy && !self.quitting {
            match *remembered {
                Some(CloseChoice::PauseAndQuit) => {}
                Some(CloseChoice::KeepUploading) => {
                    ctx.send_viewport_cmd(ViewportCommand::CancelClose);
                    background = Some(CloseChoice::KeepUploading);
                }
                None => {
                    ctx.send_viewport_cmd(ViewportCommand::CancelClose);
                    self.open = true;
                }
            }
        }
        if !self.open {
            return background;
        }
        let mut choice = None;
        let modal = egui::Modal::new(Id::unique("hoist close dialog")).show(ctx, |ui| {
            ui.set_max_width(420.0);
            ui.label(RichText::new(CLOSE_TITLE).heading());
            ui.add_space(6.0);
            ui.label(match tray {
                Some(true) => "Hoist can keep uploading with its icon in the tray, or stop now.",
                Some(false) => NO_TRAY_WORDS,
                None => "Hoist can keep uploading in the background, or stop now.",
            });
            ui.label(if resumes {
                "If you pause and quit, your uploads continue from where they stopped when you start Hoist again."
            } else {
                "If you pause and quit, your uploads wait, paused, until you open Hoist and press Resume all."
            });
            ui.add_space(8.0);
            ui.checkbox(&mut self.remember, "Remember my choice");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(KEEP_UPLOADING).clicked() {
                    choice = Some(CloseChoice::KeepUploading);
                }
                if ui.button(PAUSE_AND_QUIT).clicked() {
                    choice = Some(CloseChoice::PauseAndQuit);
                }
            });
        });
        match choice {
            Some(choice) => {
                self.open = false;
                if self.remember {
                    *remembered = Some(choice);
                }
                match choice {
                    CloseChoice::KeepUploading => background = Some(choice),
                    CloseChoice::PauseAndQuit => {
                        self.quitting = true;
                        ctx.send_viewport_cmd(ViewportCommand::Close);
                    }
                }
            }
            // Escape or a click beside the dialog: the window stays, nothing is remembered.
            None if modal.should_close() => self.open = false,
            None => {}
        }
        background
    }
}
