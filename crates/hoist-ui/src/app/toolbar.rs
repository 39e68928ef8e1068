//! The window's chrome: the toolbar, the message banner, the status bar and the drop overlay.

use super::*;

impl HoistApp {
    pub(super) fn toolbar(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        ui.horizontal_wrapped(|ui| {
            let destinations = self.destinations();
            let has_destination = !destinations.is_empty();
            let no_destination =
                "First choose where your videos go: press Profiles, then Add.";
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
            let finished = self.model.finished_ids().len();
            let clear = ui.add_enabled(finished > 0, egui::Button::new("Clear finished"));
            if clear.on_hover_text("Remove finished uploads from the list; the files stay where they were sent").clicked() {
                actions.push(UiAction::ClearFinished);
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
            if ui
                .button(crate::watch_panel::WATCH_TITLE)
                .on_hover_text("Folders whose new files are uploaded by themselves")
                .clicked()
            {
                self.watch.open = !self.watch.open;
                if self.watch.open {
                    self.profiles.refresh();
                }
            }
            if ui
                .button(crate::history_panel::HISTORY_TITLE)
                .on_hover_text("Finished uploads and their links, kept after Clear finished")
                .clicked()
            {
                self.history.open = !self.history.open;
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
                if ui.button("Reset demo").on_hover_text("Remove every demo upload and everything the demo server received, for a clean start").clicked() {
                    actions.push(UiAction::ResetDemo);
                }
            }
        });
    }

    pub(super) fn messages(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        self.desktop.show_problem(ui);
        if self.model.messages.is_empty() {
            return;
        }
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                for message in self.model.messages.iter().rev().take(3) {
                    let color = crate::message::message_color(ui.visuals(), message.kind);
                    ui.colored_label(color, &message.text);
                }
            });
            if ui.button("Dismiss").clicked() {
                actions.push(UiAction::DismissMessages);
            }
        });
    }

    pub(super) fn status_bar(&self, ui: &mut Ui) {
        let rows = self.model.rows();
        let done = rows
            .iter()
            .filter(|r| r.upload.phase == hoist_core::upload::Phase::Completed)
            .count();
        let (rate, eta) = self.model.totals();
        let mut text = format!(
            "{}, {done} done",
            hoist_core::units::count_words(rows.len(), "upload", "uploads")
        );
        if rate >= 1.0 {
            text.push_str(&format!(" · {}", hoist_core::units::format_rate(rate)));
        }
        // The whole queue (waiting files too), so it is worded apart from a row's "left".
        if let Some(eta) = eta {
            text.push_str(&format!(" · all done in {}", format_eta(eta)));
        }
        if let Some(note) = &self.speed_note {
            text.push_str(&format!(" · {note}"));
        }
        ui.label(text);
    }
}

/// A visible target while files are dragged over the window.
pub(super) fn drop_overlay(ctx: &egui::Context) {
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
