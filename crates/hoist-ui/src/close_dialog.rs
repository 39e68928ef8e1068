//! Closing the window while uploads run: ask once what to do ("Keep uploading in the background"
//! or "Pause and quit"), remember the answer, and just quit when nothing is running.

use egui::{Id, RichText, ViewportCommand};
use serde::{Deserialize, Serialize};

/// What closing the window does while uploads run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseChoice {
    /// The window is minimised and the uploads go on.
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
    /// The window was minimised so uploads go on in the background; cleared when it is
    /// restored or once they have all finished (and the user was told).
    in_background: bool,
}

impl Default for CloseDialog {
    fn default() -> Self {
        CloseDialog {
            open: false,
            remember: true,
            quitting: false,
            in_background: false,
        }
    }
}

/// The dialog's title.
pub const CLOSE_TITLE: &str = "Uploads are still running";
/// Its button that keeps Hoist running.
pub const KEEP_UPLOADING: &str = "Keep uploading in the background";
/// Its button that quits.
pub const PAUSE_AND_QUIT: &str = "Pause and quit";

impl CloseDialog {
    /// Once uploads that went on in the background (the window minimised by "Keep uploading")
    /// have all finished, the desktop notification that says so; once. `busy`: some upload is
    /// still running or waiting; `minimised`: the window is still minimised (`None`: unknown).
    pub(crate) fn background_finished(
        &mut self,
        busy: bool,
        minimised: Option<bool>,
        finished: usize,
        failed: usize,
    ) -> Option<crate::Notice> {
        if !self.in_background {
            return None;
        }
        if minimised == Some(false) {
            // Restored: the user sees the window, so no notification is needed.
            self.in_background = false;
            return None;
        }
        if busy {
            return None;
        }
        self.in_background = false;
        let body = match failed {
            0 => format!(
                "{} sent. Hoist's window is minimised; open it to see them.",
                hoist_core::units::count_words(finished, "upload", "uploads")
            ),
            _ => format!(
                "{} sent, {} did not go. Open Hoist to see what happened.",
                hoist_core::units::count_words(finished, "upload", "uploads"),
                failed
            ),
        };
        Some(crate::Notice {
            title: "Uploads finished".to_string(),
            body,
        })
    }

    /// Handles a close request of the window and draws the question while it is open. `busy`:
    /// some upload is running or waiting; `remembered`: the answer kept in settings; `resumes`:
    /// unfinished uploads continue by themselves when Hoist starts.
    pub(crate) fn show(
        &mut self,
        ctx: &egui::Context,
        busy: bool,
        remembered: &mut Option<CloseChoice>,
        resumes: bool,
    ) {
        if ctx.input(|i| i.viewport().close_requested()) && busy && !self.quitting {
            match *remembered {
                Some(CloseChoice::PauseAndQuit) => {}
                Some(CloseChoice::KeepUploading) => {
                    ctx.send_viewport_cmd(ViewportCommand::CancelClose);
                    ctx.send_viewport_cmd(ViewportCommand::Minimized(true));
                    self.in_background = true;
                }
                None => {
                    ctx.send_viewport_cmd(ViewportCommand::CancelClose);
                    self.open = true;
                }
            }
        }
        if !self.open {
            return;
        }
        let mut choice = None;
        let modal = egui::Modal::new(Id::unique("hoist close dialog")).show(ctx, |ui| {
            ui.set_max_width(420.0);
            ui.label(RichText::new(CLOSE_TITLE).heading());
            ui.add_space(6.0);
            ui.label("Hoist can keep uploading with its window minimised, or stop now.");
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
                    CloseChoice::KeepUploading => {
                        ctx.send_viewport_cmd(ViewportCommand::Minimized(true));
                        self.in_background = true;
                    }
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
    }
}

#[cfg(test)]
mod background_tests {
    use super::*;

    fn in_background() -> CloseDialog {
        CloseDialog {
            in_background: true,
            ..CloseDialog::default()
        }
    }

    #[test]
    fn the_last_background_upload_is_announced_once() {
        let mut dialog = in_background();
        assert!(dialog.background_finished(true, Some(true), 1, 0).is_none());
        let notice = dialog
            .background_finished(false, Some(true), 3, 0)
            .expect("a notice");
        assert_eq!(notice.title, "Uploads finished");
        assert!(
            notice.body.starts_with("3 uploads sent."),
            "{}",
            notice.body
        );
        assert!(
            dialog
                .background_finished(false, Some(true), 3, 0)
                .is_none()
        );
    }

    #[test]
    fn failures_are_named_and_a_restored_window_needs_no_notice() {
        let mut dialog = in_background();
        let notice = dialog
            .background_finished(false, None, 1, 2)
            .expect("a notice");
        assert!(
            notice.body.starts_with("1 upload sent, 2 did not go."),
            "{}",
            notice.body
        );
        let mut restored = in_background();
        assert!(
            restored
                .background_finished(true, Some(false), 0, 0)
                .is_none()
        );
        assert!(
            restored
                .background_finished(false, Some(true), 1, 0)
                .is_none()
        );
        assert!(
            CloseDialog::default()
                .background_finished(false, Some(true), 1, 0)
                .is_none()
        );
    }
}
