//! The History window's entries: one line per finished upload in columns (finished, file, size,
//! where it went, time taken) when the window is wide, two lines when it is narrow; each with
//! "Open link" and "Copy link" when the service gave a link, and "Remove" (from the history).
//! Only the rows in view are laid out, so 10,000 entries draw as fast as ten.

use egui::{Align, Label, Layout, RichText, Ui, vec2};

use crate::actions::UiAction;
use hoist_core::store::HistoryEntry;
use hoist_core::units::{format_bytes, format_eta, format_local_time};

/// Below this width an entry takes two lines.
const WIDE_FROM: f32 = 820.0;
/// Room kept at the right of each entry for its buttons.
const BUTTONS_WIDTH: f32 = 225.0;
/// Column widths of the wide layout.
const DATE_WIDTH: f32 = 120.0;
const SIZE_WIDTH: f32 = 70.0;
const DESTINATION_WIDTH: f32 = 150.0;
const TIME_WIDTH: f32 = 80.0;
/// The button that takes one entry out of the history.
pub const REMOVE_FROM_HISTORY: &str = "Remove";

/// The names people gave destinations: saved profiles (key, name shown) and destinations
/// without a profile (service label, name shown; the demo server).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DestinationNames {
    pub(crate) profiles: Vec<(String, String)>,
    pub(crate) services: Vec<(String, String)>,
}

impl DestinationNames {
    /// Where `entry` went, in the names people know.
    pub(crate) fn words(&self, entry: &HistoryEntry) -> String {
        let find = |list: &[(String, String)], key: &str| {
            list.iter()
                .find(|(k, _)| k == key)
                .map(|(_, shown)| shown.clone())
        };
        match &entry.profile {
            Some(profile) => {
                let shown = find(&self.profiles, profile).unwrap_or_else(|| profile.clone());
                if shown == entry.destination {
                    shown
                } else {
                    format!("{shown} · {}", entry.destination)
                }
            }
            None => find(&self.services, &entry.destination)
                .unwrap_or_else(|| entry.destination.clone()),
        }
    }
}

/// An entry with its words made once, when the history is loaded (dates need the time zone,
/// which is not looked up while drawing).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shown {
    pub(crate) entry: HistoryEntry,
    date: String,
    size: String,
    taken: String,
    destination: String,
    /// What a search looks in, in lower case, made once.
    haystack: String,
}

impl Shown {
    pub(crate) fn new(entry: HistoryEntry) -> Shown {
        let destination = entry.destination_words();
        Shown {
            haystack: haystack(&entry, &destination),
            date: format_local_time(entry.finished_unix_secs),
            size: format_bytes(entry.size_bytes),
            taken: taken_words(entry.time_taken_secs),
            destination,
            entry,
        }
    }

    /// Names its destination with `names`.
    pub(crate) fn named(&mut self, names: &DestinationNames) {
        self.destination = names.words(&self.entry);
        self.haystack = haystack(&self.entry, &self.destination);
    }

    /// Whether `needle` (trimmed, lower case: see [`needle`]) is in its name, path, link or
    /// destination (as shown or stored).
    pub(crate) fn matches(&self, needle: &str) -> bool {
        self.haystack.contains(needle)
    }

    fn taken_hover(&self) -> &'static str {
        if self.entry.time_is_sending {
            "Time spent sending, without time waiting in the queue or paused"
        } else {
            "From the start to the end (the time spent sending was not recorded)"
        }
    }
}

/// A search's text as entries are matched with it: trimmed, in lower case.
pub(crate) fn needle(search: &str) -> String {
    search.trim().to_lowercase()
}

/// The name, path, destination (stored and shown), profile and link, lower case, one a line.
fn haystack(entry: &HistoryEntry, destination: &str) -> String {
    [
        Some(entry.file_name.as_str()),
        Some(entry.file_path.as_str()),
        Some(entry.destination.as_str()),
        Some(destination),
        entry.profile.as_deref(),
        entry.link.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n")
    .to_lowercase()
}

/// How long an upload took, in words ("under 1 s" rather than "0 s").
pub(crate) fn taken_words(secs: u64) -> String {
    if secs == 0 {
        "under 1 s".to_string()
    } else {
        format_eta(std::time::Duration::from_secs(secs))
    }
}

/// Space between two entries of the narrow layout.
const NARROW_GAP: f32 = 6.0;

/// Draws `shown` in a scrolled list; the entry to remove from the history, if one was asked.
pub(crate) fn show_entries(
    ui: &mut Ui,
    shown: &[&Shown],
    actions: &mut Vec<UiAction>,
) -> Option<i64> {
    let wide = ui.available_width() >= WIDE_FROM;
    let line = ui.spacing().interact_size.y;
    let row_height = if wide {
        line
    } else {
        2.0 * line + ui.spacing().item_spacing.y + NARROW_GAP
    };
    if wide {
        header(ui, line);
    }
    let mut remove = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, true])
        .show_rows(ui, row_height, shown.len(), |ui, rows| {
            for index in rows {
                let Some(entry) = shown.get(index) else {
                    continue;
                };
                let asked = if wide {
                    wide_row(ui, entry, line, actions)
                } else {
                    narrow_row(ui, entry, line, actions)
                };
                if asked {
                    remove = Some(entry.entry.id);
                }
            }
        });
    remove
}

fn header(ui: &mut Ui, line: f32) {
    ui.horizontal(|ui| {
        let name_width = name_width(ui);
        for (words, width) in [
            ("Finished", DATE_WIDTH),
            ("File", name_width),
            ("Size", SIZE_WIDTH),
            ("Sent to", DESTINATION_WIDTH),
            ("Time taken", TIME_WIDTH),
        ] {
            cell(ui, width, line, RichText::new(words).strong());
        }
    });
}

/// The file name's column: what the fixed columns and the buttons leave.
fn name_width(ui: &Ui) -> f32 {
    let spacing = ui.spacing().item_spacing.x * 5.0;
    (ui.available_width()
        - DATE_WIDTH
        - SIZE_WIDTH
        - DESTINATION_WIDTH
        - TIME_WIDTH
        - BUTTONS_WIDTH
        - spacing)
        .max(80.0)
}

/// One truncated label in a box `width` wide.
fn cell(ui: &mut Ui, width: f32, height: f32, text: impl Into<egui::WidgetText>) -> egui::Response {
    ui.allocate_ui_with_layout(
        vec2(width, height),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_width(width);
            ui.add(Label::new(text).truncate())
        },
    )
    .inner
}

fn wide_row(ui: &mut Ui, shown: &Shown, line: f32, actions: &mut Vec<UiAction>) -> bool {
    ui.horizontal(|ui| {
        let name_width = name_width(ui);
        cell(ui, DATE_WIDTH, line, &shown.date);
        cell(ui, name_width, line, &shown.entry.file_name).on_hover_text(&shown.entry.file_path);
        cell(ui, SIZE_WIDTH, line, &shown.size);
        cell(ui, DESTINATION_WIDTH, line, &shown.destination).on_hover_text(&shown.destination);
        cell(ui, TIME_WIDTH, line, &shown.taken).on_hover_text(shown.taken_hover());
        buttons(ui, shown, line, actions)
    })
    .inner
}

fn narrow_row(ui: &mut Ui, shown: &Shown, line: f32, actions: &mut Vec<UiAction>) -> bool {
    ui.vertical(|ui| {
        let asked = ui
            .horizontal(|ui| {
                let width = (ui.available_width() - BUTTONS_WIDTH).max(80.0);
                cell(
                    ui,
                    width,
                    line,
                    RichText::new(&shown.entry.file_name).strong(),
                )
                .on_hover_text(&shown.entry.file_path);
                buttons(ui, shown, line, actions)
            })
            .inner;
        let details = format!(
            "{} · {} · {} · took {}",
            shown.date, shown.size, shown.destination, shown.taken
        );
        cell(
            ui,
            ui.available_width(),
            line,
            RichText::new(details).weak(),
        );
        ui.add_space(NARROW_GAP);
        asked
    })
    .inner
}

/// "Open link", "Copy link" and "Remove", right-aligned; true when "Remove" was pressed.
fn buttons(ui: &mut Ui, shown: &Shown, line: f32, actions: &mut Vec<UiAction>) -> bool {
    ui.allocate_ui_with_layout(
        vec2(ui.available_width(), line),
        Layout::right_to_left(Align::Center),
        |ui| {
            let remove = ui
                .button(REMOVE_FROM_HISTORY)
                .on_hover_text("Remove from the history (the file stays where it was sent)")
                .clicked();
            if let Some(link) = &shown.entry.link {
                if ui.button(crate::queue_order::COPY_LINK).clicked() {
                    actions.push(UiAction::CopyLink(link.clone()));
                }
                if ui.button("Open link").on_hover_text(link).clicked() {
                    actions.push(UiAction::OpenUrl(link.clone()));
                }
            }
            remove
        },
    )
    .inner
}
