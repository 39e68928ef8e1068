//! The window's chrome: the toolbar, the message banner, the status bar and the drop overlay.

use super::*;
use crate::shortcuts::{self, ADD_FILES, ADD_FOLDER, SETTINGS};
use crate::toolbar_layout::{
    TOOLBAR_MENU, TOOLBAR_MENU_HINT, ToolbarExtra, extras_shown, profiles_in_menu, profiles_steps,
    remember_profiles_in_menu,
};

/// What the status bar adds while the demo simulates a flaky network.
pub const FLAKY_NOTE: &str = "simulating a flaky network";

/// The room a separator takes in a line, with the spacing after it.
const SEPARATOR_ROOM: f32 = 14.0;

/// The words of an extra action.
fn extra_label(extra: ToolbarExtra) -> &'static str {
    match extra {
        ToolbarExtra::ClearFinished => "Clear finished",
        ToolbarExtra::Profiles => "Profiles",
        ToolbarExtra::Settings => "Settings",
        ToolbarExtra::WatchFolders => crate::watch_panel::WATCH_TITLE,
        ToolbarExtra::History => crate::history_panel::HISTORY_TITLE,
        ToolbarExtra::Flaky => "Simulate a flaky network",
        ToolbarExtra::ResetDemo => "Reset demo",
    }
}

/// How wide the toolbar's menu button is.
const MENU_BUTTON_WIDTH: f32 = 30.0;

/// The toolbar's menu button showing `content`: three painted lines (no font needs a glyph for
/// them), named for screen readers and explained on hover.
fn menu_button(ui: &mut Ui, content: impl FnOnce(&mut Ui)) {
    let size = egui::vec2(MENU_BUTTON_WIDTH, ui.spacing().interact_size.y);
    let button = egui::Button::new("").min_size(size);
    let (response, _) = egui::containers::menu::MenuButton::from_button(button).ui(ui, content);
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Button, ui.is_enabled(), TOOLBAR_MENU)
    });
    let stroke = egui::Stroke::new(1.5, ui.style().interact(&response).fg_stroke.color);
    let center = response.rect.center();
    for dy in [-4.0, 0.0, 4.0] {
        let y = center.y + dy;
        ui.painter().line_segment(
            [egui::pos2(center.x - 6.0, y), egui::pos2(center.x + 6.0, y)],
            stroke,
        );
    }
    response.on_hover_text(TOOLBAR_MENU_HINT);
}

/// How wide a button saying `text` is.
fn button_width(ui: &Ui, text: &str) -> f32 {
    let galley = egui::WidgetText::from(text).into_galley(
        ui,
        Some(egui::TextWrapMode::Extend),
        f32::INFINITY,
        egui::TextStyle::Button,
    );
    galley.size().x + 2.0 * ui.spacing().button_padding.x
}

/// How wide an extra action is on the toolbar (a checkbox has its box before the words).
fn extra_width(ui: &Ui, extra: ToolbarExtra) -> f32 {
    let words = button_width(ui, extra_label(extra));
    match extra {
        ToolbarExtra::Flaky => {
            words - 2.0 * ui.spacing().button_padding.x
                + ui.spacing().icon_width
                + ui.spacing().icon_spacing
        }
        _ => words,
    }
}

impl HoistApp {
    /// The toolbar: the main actions, then as many of the others as fit on the line, then a
    /// menu with the rest (wrapping to a second line only when the main ones do not fit).
    pub(super) fn toolbar(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        ui.horizontal_wrapped(|ui| {
            self.main_actions(ui, actions);
            let extras = self.extras();
            let widths: Vec<f32> = extras.iter().map(|e| extra_width(ui, *e)).collect();
            let spacing = ui.spacing().item_spacing.x;
            // A separator goes before the extras.
            let room = ui.available_size_before_wrap().x - SEPARATOR_ROOM;
            let shown = extras_shown(&widths, room, MENU_BUTTON_WIDTH, spacing);
            let in_menu = extras[shown..].contains(&ToolbarExtra::Profiles);
            remember_profiles_in_menu(ui.ctx(), in_menu);
            ui.separator();
            for extra in &extras[..shown] {
                self.extra(ui, *extra, actions);
            }
            if shown < extras.len() {
                menu_button(ui, |ui| {
                    for extra in &extras[shown..] {
                        self.extra(ui, *extra, actions);
                    }
                });
            }
        });
    }

    /// Add files, Add folder, the destination, Pause all and Resume all.
    fn main_actions(&mut self, ui: &mut Ui, actions: &mut Vec<UiAction>) {
        let destinations = self.destinations();
        let has_destination = !destinations.is_empty();
        let no_destination = format!(
            "First choose where your videos go: {}.",
            profiles_steps(profiles_in_menu(ui.ctx()))
        );
        let add_files = ui.add_enabled(has_destination, egui::Button::new("Add files…"));
        if shortcuts::hover(add_files, "Choose files to upload", &ADD_FILES)
            .on_disabled_hover_text(&no_destination)
            .clicked()
        {
            actions.push(UiAction::PickFiles);
        }
        let add_folder = ui.add_enabled(has_destination, egui::Button::new("Add folder…"));
        if shortcuts::hover(add_folder, "Choose a folder to upload", &ADD_FOLDER)
            .on_disabled_hover_text(no_destination)
            .clicked()
        {
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
        // Pause all and Resume all stay together: on the next line when they do not fit (no
        // separator left dangling at the end of this one).
        let pause_resume = button_width(ui, "Pause all")
            + button_width(ui, "Resume all")
            + ui.spacing().item_spacing.x;
        if ui.available_size_before_wrap().x >= SEPARATOR_ROOM + pause_resume {
            ui.separator();
        } else {
            ui.end_row();
        }
        // Greyed out when they would change nothing, as the row buttons are absent then.
        let pause_all = ui.add_enabled(self.model.any_to_pause(), egui::Button::new("Pause all"));
        if pause_all
            .on_hover_text("Pause every upload; what the server already has is kept")
            .on_disabled_hover_text("Nothing is uploading or waiting to upload")
            .clicked()
        {
            actions.push(UiAction::Engine(Command::PauseAll));
        }
        let resume_all =
            ui.add_enabled(self.model.any_to_resume(), egui::Button::new("Resume all"));
        if resume_all
            .on_hover_text("Continue every paused or stopped upload where the server left off")
            .on_disabled_hover_text("No upload is paused or stopped")
            .clicked()
        {
            actions.push(UiAction::Engine(Command::ResumeAll));
        }
    }

    /// The less used actions, most important first (the demo's last).
    fn extras(&self) -> Vec<ToolbarExtra> {
        let mut extras = vec![
            ToolbarExtra::ClearFinished,
            ToolbarExtra::Profiles,
            ToolbarExtra::Settings,
            ToolbarExtra::WatchFolders,
            ToolbarExtra::History,
        ];
        if self.demo.is_some() {
            extras.extend([ToolbarExtra::Flaky, ToolbarExtra::ResetDemo]);
        }
        extras
    }

    /// One of the less used actions, as a button on the toolbar or an item of its menu.
    fn extra(&mut self, ui: &mut Ui, extra: ToolbarExtra, actions: &mut Vec<UiAction>) {
        let label = extra_label(extra);
        match extra {
            ToolbarExtra::ClearFinished => {
                let finished = self.model.finished_ids().len();
                let clear = ui.add_enabled(finished > 0, egui::Button::new(label));
                let hint =
                    "Remove finished uploads from the list; the files stay where they were sent";
                if clear.on_hover_text(hint).clicked() {
                    actions.push(UiAction::ClearFinished);
                }
            }
            ToolbarExtra::Profiles => {
                if ui.button(label).clicked() {
                    self.profiles.open = !self.profiles.open;
                    if self.profiles.open {
                        self.profiles.refresh();
                    }
                }
            }
            ToolbarExtra::Settings => {
                if shortcuts::hover(ui.button(label), "Settings", &SETTINGS).clicked() {
                    self.show_settings = !self.show_settings;
                }
            }
            ToolbarExtra::WatchFolders => {
                let hint = "Folders whose new files are uploaded by themselves";
                if ui.button(label).on_hover_text(hint).clicked() {
                    self.watch.open = !self.watch.open;
                    if self.watch.open {
                        self.profiles.refresh();
                    }
                }
            }
            ToolbarExtra::History => {
                let hint = "Finished uploads and their links, kept after Clear finished";
                if ui.button(label).on_hover_text(hint).clicked() {
                    self.history.open = !self.history.open;
                }
            }
            ToolbarExtra::Flaky => {
                let mut flaky = self.flaky;
                let hint = "Drops connections and answers with errors now and then, to show retries and resumes";
                if ui.checkbox(&mut flaky, label).on_hover_text(hint).changed() {
                    actions.push(UiAction::SetFlaky(flaky));
                }
            }
            ToolbarExtra::ResetDemo => {
                let hint = "Remove every demo upload and everything the demo server received, for a clean start";
                if ui.button(label).on_hover_text(hint).clicked() {
                    actions.push(UiAction::ResetDemo);
                }
            }
        }
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
        let mut text = queue_count_words(rows.len(), done, self.pending.paths().len());
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
        if let Some(left) = self
            .link_copied_until
            .and_then(|until| until.checked_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
        {
            text.push_str(" · Link copied");
            // One more frame when the words are due to go (asked again if one comes earlier).
            ui.ctx().request_repaint_after(left);
        }
        // Said where it is always seen: the switch may be in the toolbar's menu.
        if self.flaky {
            text.push_str(&format!(" · {FLAKY_NOTE}"));
        }
        ui.label(text);
    }
}

/// The status bar's count: "Nothing to upload", "3 uploads", "3 uploads, 1 done", "3 uploads, all done", and
/// the files that wait for a destination ("2 files wait to be sent").
fn queue_count_words(uploads: usize, done: usize, waiting_files: usize) -> String {
    let count = hoist_core::units::count_words(uploads, "upload", "uploads");
    let waiting = match waiting_files {
        0 => None,
        1 => Some("1 file waits to be sent".to_string()),
        n => Some(format!("{n} files wait to be sent")),
    };
    let queue = match (uploads, done) {
        (0, _) => return waiting.unwrap_or_else(|| "Nothing to upload".to_string()),
        (_, 0) => count,
        (1, 1) => "1 upload, done".to_string(),
        _ if done >= uploads => format!("{count}, all done"),
        _ => format!("{count}, {done} done"),
    };
    match waiting {
        Some(waiting) => format!("{queue} · {waiting}"),
        None => queue,
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

#[cfg(test)]
mod tests {
    use super::queue_count_words;

    #[test]
    fn the_status_bar_counts_in_words() {
        assert_eq!(queue_count_words(0, 0, 0), "Nothing to upload");
        assert_eq!(queue_count_words(1, 0, 0), "1 upload");
        assert_eq!(queue_count_words(4, 0, 0), "4 uploads");
        assert_eq!(queue_count_words(1, 1, 0), "1 upload, done");
        assert_eq!(queue_count_words(3, 1, 0), "3 uploads, 1 done");
        assert_eq!(queue_count_words(3, 3, 0), "3 uploads, all done");
        // Files waiting for a destination are not "no uploads".
        assert_eq!(queue_count_words(0, 0, 2), "2 files wait to be sent");
        assert_eq!(queue_count_words(0, 0, 1), "1 file waits to be sent");
        assert_eq!(
            queue_count_words(3, 1, 2),
            "3 uploads, 1 done · 2 files wait to be sent"
        );
    }
}
