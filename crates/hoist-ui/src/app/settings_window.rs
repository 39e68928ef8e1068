//! The Settings window, in words: "Upload 3 files at once", "Limit upload speed", how the window
//! looks, and the piece size folded away under Advanced with what it changes.

use super::*;
use crate::theme::ThemeChoice;

/// The highest speed limit the slider offers, in MiB/s (0 is "Unlimited").
const MAX_LIMIT_MIB_PER_SEC: u64 = 100;
/// The height Settings' title bar and frame take, with the gap to the window's edges.
const SETTINGS_FRAME_PX: f32 = 72.0;
/// The largest piece the Advanced slider offers, in MiB (0 is "Whole file").
const MAX_PIECE_MIB: u64 = 256;

impl HoistApp {
    pub(super) fn settings_window(
        &mut self,
        ctx: &egui::Context,
        area: egui::Rect,
        actions: &mut Vec<UiAction>,
    ) {
        let mut open = self.show_settings;
        let opening = open && !self.settings_shown;
        crate::window_area::place(
            egui::Window::new("Settings"),
            area,
            crate::window_area::Cascade::Settings,
        )
        .open(&mut open)
        .resizable(false)
        // As tall as its contents up to the room below the toolbar, scrolling beyond (at
        // 480x400 the support bundle was cut off below the bottom edge).
        .show(ctx, |ui| {
            let room = (area.height() - SETTINGS_FRAME_PX).max(120.0);
            egui::ScrollArea::vertical()
                .max_height(room)
                .min_scrolled_height(room)
                .show(ui, |ui| self.settings_contents(ui, opening, actions));
        });
        self.show_settings = open;
        self.settings_shown = open;
    }

    /// Everything Settings holds, top to bottom; `opening`: Settings opens in this frame.
    fn settings_contents(&mut self, ui: &mut Ui, opening: bool, actions: &mut Vec<UiAction>) {
        let mut changed = self.at_once_setting(ui);
        changed |= self.speed_setting(ui);
        ui.add_space(4.0);
        ui.checkbox(
            &mut self.settings.auto_resume,
            "Continue unfinished uploads when Hoist starts",
        );
        ui.checkbox(
            &mut self.settings.notifications,
            "Notify me when an upload finishes or fails",
        );
        self.close_setting(ui);
        self.power_settings(ui, actions);
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            ui.label("Appearance");
            for choice in ThemeChoice::ALL {
                ui.radio_value(&mut self.settings.theme, choice, choice.label());
            }
        });
        ui.add_space(4.0);
        // Opened each time Settings opens while it holds a custom schedule, which decides the
        // speed (egui would otherwise keep it as it was last left).
        let custom = !self.settings.speed_schedule.trim().is_empty();
        egui::CollapsingHeader::new("Advanced")
            .default_open(custom)
            .open((opening && custom).then_some(true))
            .show(ui, |ui| {
                self.piece_setting(ui);
                ui.separator();
                changed |= self.custom_schedule_setting(ui);
            });
        if changed {
            actions.push(UiAction::ApplyLimits);
        }
        ui.separator();
        let ctx = ui.ctx().clone();
        self.support.ui(ui, self.profiles.dirs(), |path| {
            self.desktop.show_file(&ctx, path);
        });
    }

    /// What closing the window does while uploads run: ask (the default), or the answer the
    /// close question remembered, which can be changed or forgotten here.
    fn close_setting(&mut self, ui: &mut Ui) {
        use crate::close_dialog::{ASK_ON_CLOSE, CloseChoice, KEEP_UPLOADING, PAUSE_AND_QUIT};
        let words = |choice: Option<CloseChoice>| match choice {
            None => ASK_ON_CLOSE,
            Some(CloseChoice::KeepUploading) => KEEP_UPLOADING,
            Some(CloseChoice::PauseAndQuit) => PAUSE_AND_QUIT,
        };
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Closing the window while uploads run:");
            egui::ComboBox::from_id_salt("on close")
                .selected_text(words(self.settings.on_close))
                .show_ui(ui, |ui| {
                    for choice in [
                        None,
                        Some(CloseChoice::KeepUploading),
                        Some(CloseChoice::PauseAndQuit),
                    ] {
                        ui.selectable_value(&mut self.settings.on_close, choice, words(choice));
                    }
                })
                .response
                .labelled_by(label.id);
        });
    }

    /// "Upload [3] files at once"; true when changed.
    fn at_once_setting(&mut self, ui: &mut Ui) -> bool {
        let hover = at_once_hover();
        ui.horizontal(|ui| {
            let label = ui.label("Upload").on_hover_text(&hover);
            let changed = ui
                .add(egui::DragValue::new(&mut self.settings.parallel_uploads).range(1..=8))
                .labelled_by(label.id)
                .on_hover_text(&hover)
                .changed();
            ui.label(if self.settings.parallel_uploads == 1 {
                "file at once"
            } else {
                "files at once"
            })
            .on_hover_text(&hover);
            changed
        })
        .inner
    }

    /// "Limit upload speed" and a slider from "Unlimited" up, then the hours limit; true when
    /// changed.
    fn speed_setting(&mut self, ui: &mut Ui) -> bool {
        // A valid custom schedule decides the limit: the slider and the hours limit are greyed
        // out, not "Unlimited" beside a schedule that limits.
        let custom = matches!(
            crate::speed_schedule::typed_schedule(&self.settings),
            Some(Ok(_))
        );
        let changed = ui
            .horizontal_wrapped(|ui| {
                let label = ui.label("Limit upload speed");
                let slider = limit_slider(&mut self.settings.bandwidth_limit_mib_per_sec);
                ui.add_enabled(!custom, slider)
                    .on_disabled_hover_text(CUSTOM_DECIDES)
                    .labelled_by(label.id)
                    .changed()
            })
            .inner;
        changed | self.hours_setting(ui, custom)
    }

    /// "A different limit during certain hours": every day from one time to another, at most
    /// so fast; the slider's limit outside those hours. True when changed.
    fn hours_setting(&mut self, ui: &mut Ui, custom: bool) -> bool {
        let mut changed = false;
        ui.add_enabled_ui(!custom, |ui| {
            changed |= ui
                .checkbox(
                    &mut self.settings.hours_limit_on,
                    "A different limit during certain hours",
                )
                .on_disabled_hover_text(CUSTOM_DECIDES)
                .changed();
            if !self.settings.hours_limit_on {
                return;
            }
            ui.indent("hours limit", |ui| {
                let hours = &mut self.settings.hours_limit;
                ui.horizontal_wrapped(|ui| {
                    let from = ui.label("Every day from");
                    changed |=
                        time_of_day_choice(ui, "hours from", &mut hours.from_minute, from.id);
                    let to = ui.label("to");
                    changed |= time_of_day_choice(ui, "hours to", &mut hours.to_minute, to.id);
                });
                ui.horizontal_wrapped(|ui| {
                    let label = ui.label("at most");
                    changed |= ui
                        .add(limit_slider(&mut hours.limit_mib_per_sec))
                        .labelled_by(label.id)
                        .changed();
                });
                if hours.from_minute == hours.to_minute {
                    let warning = crate::profiles::tone_color(ui, crate::profiles::Tone::Warning);
                    ui.colored_label(
                        warning,
                        "Choose two different times; until then “Limit upload speed” holds.",
                    );
                } else if !custom {
                    let now = self.speed_note.as_deref().unwrap_or("no speed limit");
                    ui.label(
                        RichText::new(format!(
                            "Outside these hours, “Limit upload speed” holds. Now: {now}."
                        ))
                        .weak(),
                    );
                }
            });
        });
        changed
    }

    /// "Custom schedule" under Advanced: a schedule in rclone's syntax (weekdays too), what it
    /// means now, or what is wrong with it; true when changed.
    fn custom_schedule_setting(&mut self, ui: &mut Ui) -> bool {
        let changed = ui
            .horizontal_wrapped(|ui| {
                let label = ui.label("Custom schedule");
                let edit = egui::TextEdit::singleline(&mut self.settings.speed_schedule)
                    .hint_text("e.g. Mon-08:00,2M Sat-00:00,off")
                    .desired_width(220.0);
                ui.add(edit).labelled_by(label.id).changed()
            })
            .inner;
        match crate::speed_schedule::typed_schedule(&self.settings) {
            None => {
                ui.label(
                    RichText::new(
                        "Limits by weekday, as rclone's --bwlimit takes them: \"Mon-08:00,2M \
                         Sat-00:00,off\" means at most 2 MiB/s from Monday 8:00 and no limit \
                         from Saturday. It replaces the limits above.",
                    )
                    .weak(),
                );
            }
            Some(Ok(_)) => {
                let now = self.speed_note.as_deref().unwrap_or_default();
                ui.label(
                    RichText::new(format!(
                        "Each time sets the limit until the next one (\"off\": no limit); \
                         it replaces the limits above. Now: {now}."
                    ))
                    .weak(),
                );
            }
            Some(Err(why)) => {
                ui.label(
                    RichText::new(format!("{why} Until it is fixed, the limits above hold."))
                        .color(crate::profiles::tone_color(
                            ui,
                            crate::profiles::Tone::Warning,
                        )),
                );
            }
        }
        changed
    }

    /// The piece size, with one line on what it changes.
    fn piece_setting(&mut self, ui: &mut Ui) {
        ui.checkbox(&mut self.settings.chunk_size_auto, "Piece size: Automatic");
        let fixed = !self.settings.chunk_size_auto;
        ui.add_enabled_ui(fixed, |ui| self.piece_slider(ui));
        ui.label(
            egui::RichText::new(if fixed {
                "Smaller pieces show confirmed progress sooner; after a dropped connection at most \
                 one piece is sent again. Applies to files added from now on."
            } else {
                "Hoist picks pieces that take a few seconds each at your connection's speed: \
                 progress is confirmed as it goes, at nearly full speed."
            })
            .weak(),
        );
    }

    /// The fixed piece size.
    fn piece_slider(&mut self, ui: &mut Ui) {
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Send files in pieces of");
            let slider = egui::Slider::new(&mut self.settings.chunk_size_mib, 0..=MAX_PIECE_MIB)
                .logarithmic(true)
                .smallest_positive(1.0)
                .custom_formatter(|value, _| match value as u64 {
                    0 => "Whole file at once".to_string(),
                    mib => format_bytes(mib * 1024 * 1024),
                });
            ui.add(slider).labelled_by(label.id);
        });
    }
}

/// Why the speed limits are greyed out while a custom schedule decides.
const CUSTOM_DECIDES: &str = "The custom schedule under Advanced decides the speed now";

/// A speed limit from "Unlimited" (0) up to 100 MiB/s; typing "unlimited" or "2M" works too.
fn limit_slider(limit_mib_per_sec: &mut u64) -> egui::Slider<'_> {
    egui::Slider::new(limit_mib_per_sec, 0..=MAX_LIMIT_MIB_PER_SEC)
        .custom_formatter(|value, _| match value as u64 {
            0 => "Unlimited".to_string(),
            mib => format!("{}/s", format_bytes(mib * 1024 * 1024)),
        })
        .custom_parser(|text| {
            let text = text.trim();
            if text.eq_ignore_ascii_case("unlimited") {
                return Some(0.0);
            }
            let bytes = hoist_core::units::parse_bytes(text.trim_end_matches("/s")).ok()?;
            // Rounded up: "512k" is a limit of 1 MiB/s, not 0, which would mean none.
            Some(bytes.div_ceil(1024 * 1024) as f64)
        })
}

/// A time of day picked from a list every half hour ("08:00", "08:30", ...); true when changed.
fn time_of_day_choice(
    ui: &mut Ui,
    id_salt: &str,
    minute_of_day: &mut u32,
    label: egui::Id,
) -> bool {
    use crate::speed_schedule::clock_words;
    // The list opens scrolled to the time chosen (once per opening, so it still scrolls by hand).
    let scrolled = egui::Id::unique(("time of day list scrolled", id_salt));
    let chosen = *minute_of_day;
    let mut changed = false;
    let combo = egui::ComboBox::from_id_salt(id_salt)
        .selected_text(clock_words(chosen))
        .width(64.0)
        .height(260.0)
        .show_ui(ui, |ui| {
            let opening = !ui.data(|d| d.get_temp::<bool>(scrolled).unwrap_or(false));
            for minute in (0..24 * 60).step_by(30) {
                let item = ui.selectable_value(minute_of_day, minute, clock_words(minute));
                if opening && minute == chosen / 30 * 30 {
                    item.scroll_to_me(Some(egui::Align::Center));
                }
                changed |= item.changed();
            }
            ui.data_mut(|d| d.insert_temp(scrolled, true));
        });
    if combo.inner.is_none() {
        ui.data_mut(|d| d.remove::<bool>(scrolled));
    }
    combo.response.labelled_by(label);
    changed
}

/// What hovering "Upload [2] files at once" explains: the default lets many small files go
/// together (their time is mostly waiting for answers); a number the user picks holds for all.
fn at_once_hover() -> String {
    use hoist_core::engine::EngineConfig;
    format!(
        "While this is {}, small files ({} or less each) go up to {} at once, because their time \
         is mostly waiting for the server's answers. Any other number holds for every file.",
        EngineConfig::DEFAULT_PARALLEL_UPLOADS,
        hoist_core::units::format_bytes(EngineConfig::SMALL_FILE_BYTES),
        EngineConfig::DEFAULT_SMALL_FILES_AT_ONCE
    )
}

#[cfg(test)]
mod tests {
    /// The hover says the numbers the engine uses, in words.
    #[test]
    fn the_at_once_hover_says_when_small_files_go_more_at_once() {
        assert_eq!(
            super::at_once_hover(),
            "While this is 2, small files (8.00 MiB or less each) go up to 16 at once, because \
             their time is mostly waiting for the server's answers. Any other number holds for \
             every file."
        );
    }
}
