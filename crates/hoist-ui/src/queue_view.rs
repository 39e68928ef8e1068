//! The queue: one row per upload, virtualised so 10,000 rows scroll smoothly. Rows fit their
//! width: narrow rows drop the destination, size and speed and fold all but the main action into
//! a "…" menu ([`RowLayout`]), so nothing overlaps from 480 px up.

use std::time::Instant;

use egui::{Align, Layout, Rect, Role, Sense, Ui, UiBuilder, Vec2, WidgetInfo};

use super::actions::{UiAction, row_command};
use super::failure_words::failure_advice;
use super::model::Row;
use super::queue_order::{self, Place};
use super::row_layout::RowLayout;
use super::state_icon::state_icon;
use super::theme::state_look;
use super::thumbnails::{THUMBNAIL_PIXELS, Thumbnails};
use super::words::{FileKind, percent_words, size_words, speed_words, state_words};
use hoist_core::engine::Command;
use hoist_core::upload::{Destination, Phase, UploadAction};

/// Height of one row.
pub const ROW_HEIGHT: f32 = 52.0;
/// Width of the thumbnail or file-type badge.
const BADGE_WIDTH: f32 = 56.0;
/// Width of every row action button, so Pause and Resume (and those beside them) never jump.
const ACTION_WIDTH: f32 = 76.0;
/// The label of the menu that holds a narrow row's other actions.
pub const MORE_ACTIONS: &str = "…";

/// What the rows need besides themselves.
pub struct RowContext<'a> {
    /// The moment the rows are drawn for (countdowns).
    pub now: Instant,
    /// The names people gave destinations (profiles, the demo server), shown instead of hosts.
    pub names: &'a [(String, Destination)],
}

/// Draws the rows (only those in view) and returns what the user asked for.
pub fn show(
    ui: &mut Ui,
    rows: &[Row],
    thumbnails: &mut Thumbnails,
    context: &RowContext<'_>,
) -> Vec<UiAction> {
    let mut actions = Vec::new();
    let mut area = egui::ScrollArea::vertical().auto_shrink([false, false]);
    if let Some(offset) = queue_order::follow_offset(ui, rows, ROW_HEIGHT) {
        area = area.vertical_scroll_offset(offset);
    }
    let count = rows.len();
    area.show_rows(ui, ROW_HEIGHT, count, |ui, range| {
        queue_order::remember_visible(ui, &range);
        queue_order::drag_scroll(ui);
        for (index, row) in rows.iter().enumerate().skip(range.start).take(range.len()) {
            let place = Place { index, count };
            row_ui(ui, row, place, thumbnails, context, &mut actions);
        }
    });
    actions
}

fn row_ui(
    ui: &mut Ui,
    row: &Row,
    place: Place,
    thumbnails: &mut Thumbnails,
    context: &RowContext<'_>,
    actions: &mut Vec<UiAction>,
) {
    let width = ui.available_width();
    let layout = RowLayout::for_width(width);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, ROW_HEIGHT), Sense::hover());
    let response = queue_order::row_response(ui, rect, row, place);
    let mut row_ui = ui.new_child(
        UiBuilder::new()
            .max_rect(rect)
            .layout(Layout::right_to_left(Align::Center)),
    );
    let ui = &mut row_ui;
    ui.set_clip_rect(rect.intersect(ui.clip_rect()));
    // The row itself is dragged and selected: its words are not selectable text.
    ui.style_mut().interaction.selectable_labels = false;
    buttons(ui, row, place, layout, actions);
    ui.with_layout(Layout::left_to_right(Align::Center), |ui| {
        let kind = FileKind::of(&row.upload.file_name);
        let thumbnail = (kind == FileKind::Image)
            .then(|| thumbnails.get(row.upload.id, &row.upload.path))
            .flatten();
        ui.allocate_ui_with_layout(
            Vec2::new(BADGE_WIDTH, ROW_HEIGHT - 8.0),
            Layout::centered_and_justified(egui::Direction::LeftToRight),
            |ui| match thumbnail {
                Some(texture) => {
                    ui.add(
                        egui::Image::new(texture)
                            .fit_to_exact_size(Vec2::splat(THUMBNAIL_PIXELS as f32))
                            .alt_text(format!("Picture {}", row.upload.file_name)),
                    );
                }
                None => badge(ui, kind),
            },
        );
        ui.vertical(|ui| {
            ui.set_max_width(ui.available_width());
            name_line(ui, row, layout, context);
            state_line(ui, row, layout, context.now);
        });
    });
    ui.painter().hline(
        rect.x_range(),
        rect.bottom() - 0.5,
        ui.visuals().widgets.noninteractive.bg_stroke,
    );
    queue_order::after_row(ui, &response, row, place, actions);
}

/// "holiday.mp4  to My videos": the destination only when there is room.
fn name_line(ui: &mut Ui, row: &Row, layout: RowLayout, context: &RowContext<'_>) {
    ui.horizontal(|ui| {
        let room = ui.available_width();
        // A session that may end first is told here, in the destination's place.
        let expiry = super::expiry_note::row_words(row);
        let name_width = if expiry.is_some() {
            room * 0.4
        } else if layout.show_destination {
            room * 0.65
        } else {
            room
        };
        ui.scope(|ui| {
            ui.set_max_width(name_width);
            // The hover's path has the whole name: not egui's own tooltip for cut text as well.
            let name = egui::Label::new(egui::RichText::new(&row.upload.file_name).strong())
                .truncate()
                .show_tooltip_when_elided(false);
            ui.add(name)
                .on_hover_text(row.upload.path.display().to_string());
        });
        if let Some(words) = expiry {
            super::expiry_note::show(ui, row, words);
        } else if layout.show_destination {
            let name = context
                .names
                .iter()
                .find(|(_, d)| *d == row.upload.target)
                .map(|(name, _)| name.as_str())
                .unwrap_or(&row.upload.destination);
            ui.add(egui::Label::new(egui::RichText::new(format!("to {name}")).weak()).truncate());
        }
    });
}

/// Progress, percent, size, the state with its symbol, speed and time left.
fn state_line(ui: &mut Ui, row: &Row, layout: RowLayout, now: Instant) {
    ui.horizontal(|ui| {
        // A row held on a metered connection looks like one waiting its turn.
        let held = row.metered_hold && row.upload.phase == Phase::Uploading;
        let look = state_look(
            if held {
                Phase::Queued
            } else {
                row.upload.phase
            },
            ui.visuals(),
        );
        progress_bar(ui, row, layout.bar_width(ui.available_width()), look.bar);
        ui.label(percent_words(row));
        if layout.show_size {
            ui.label(size_words(row));
        }
        state_icon(ui, look.icon, look.color);
        let state = state_words(row, now);
        let state_label =
            ui.add(egui::Label::new(egui::RichText::new(&state).color(look.color)).truncate());
        if let Some(reason) = &row.retry_reason
            && row.retry_at.is_some_and(|t| t > now)
        {
            state_label.on_hover_text(reason);
        } else if let Some(error) = &row.upload.error {
            state_label.on_hover_text(failure_advice(error));
        } else if held {
            state_label.on_hover_text(crate::power::METERED_WAIT_HINT);
        }
        if layout.show_speed {
            let speed = speed_words(row);
            if !speed.is_empty() {
                ui.add(egui::Label::new(egui::RichText::new(speed).weak()).truncate());
            }
        }
    });
}

/// One action a row offers: its label, the tooltip, and what it does.
struct RowAction {
    label: &'static str,
    hint: &'static str,
    action: UiAction,
}

/// The row's actions, most important first.
fn row_actions(row: &Row) -> Vec<RowAction> {
    let id = row.upload.id;
    let phase = row.upload.phase;
    let mut all = Vec::new();
    for &action in phase.offered_actions() {
        let (label, hint) = match action {
            UploadAction::Pause => ("Pause", "Pause"),
            UploadAction::Resume if phase == Phase::Failed => ("Retry", "Try again"),
            UploadAction::Resume => ("Resume", "Resume"),
            UploadAction::Restart => ("Restart", "Starts this file again from the beginning"),
            UploadAction::Cancel => ("Cancel", "Stop and discard"),
            UploadAction::Remove => ("Remove", "Remove from the list"),
        };
        all.push(RowAction {
            label,
            hint,
            action: UiAction::Engine(row_command(action, id, phase)),
        });
    }
    if let Some(url) = row.upload.result.as_ref().and_then(|r| r.url.clone()) {
        all.push(RowAction {
            label: "Open link",
            hint: "Open the uploaded file",
            action: UiAction::OpenUrl(url),
        });
    }
    all.push(RowAction {
        label: "Show file",
        hint: "Show in the file manager",
        action: UiAction::ShowFile(row.upload.path.clone()),
    });
    if !all.iter().any(|a| a.label == "Remove") {
        all.push(RowAction {
            label: "Remove",
            hint: "Remove from the list",
            action: UiAction::Engine(Command::Remove(id)),
        });
    }
    all
}

/// The buttons, laid out right to left: every action when wide; the main one when narrow. The
/// "…" menu holds the others when narrow, and the queue order's items.
fn buttons(ui: &mut Ui, row: &Row, place: Place, layout: RowLayout, actions: &mut Vec<UiAction>) {
    let mut all = row_actions(row);
    let name = &row.upload.file_name;
    let rest = if layout.fold_actions {
        all.split_off(1.min(all.len()))
    } else {
        Vec::new()
    };
    ui.menu_button(MORE_ACTIONS, |ui| {
        queue_order::menu_items(ui, row, place, actions);
        if !rest.is_empty() {
            ui.separator();
        }
        for entry in rest {
            if ui
                .button(entry.label)
                .on_hover_text(format!("{}: {name}", entry.hint))
                .clicked()
            {
                actions.push(entry.action);
            }
        }
    })
    .response
    .on_hover_text("More actions");
    // Right to left: the last added shows first, so the main action goes in last.
    for entry in all.into_iter().rev() {
        if ui
            .add(egui::Button::new(entry.label).min_size(Vec2::new(ACTION_WIDTH, 0.0)))
            .on_hover_text(format!("{}: {name}", entry.hint))
            .clicked()
        {
            actions.push(entry.action);
        }
    }
}

/// The file-type badge at the start of a row.
fn badge(ui: &mut Ui, kind: FileKind) {
    egui::Frame::new()
        .fill(ui.visuals().faint_bg_color)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 4))
        .show(ui, |ui| {
            ui.label(egui::RichText::new(kind.badge()).small().strong());
        });
}

/// Confirmed bytes in the state's colour, sent-but-unconfirmed bytes lighter.
fn progress_bar(ui: &mut Ui, row: &Row, width: f32, color: egui::Color32) {
    let size = Vec2::new(width, 12.0);
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    let confirmed = row.confirmed_fraction();
    let sent = row.sent_fraction();
    response.widget_info(|| {
        WidgetInfo::labeled(
            Role::ProgressIndicator,
            true,
            format!(
                "{}: {:.0} % confirmed",
                row.upload.file_name,
                confirmed * 100.0
            ),
        )
    });
    if !ui.is_rect_visible(rect) {
        return;
    }
    let visuals = ui.visuals();
    let painter = ui.painter();
    let radius = 4.0;
    // The track: the fill of an idle button, visible on the panel in both themes.
    painter.rect_filled(rect, radius, visuals.widgets.inactive.bg_fill);
    let part = |fraction: f32| {
        Rect::from_min_size(rect.min, Vec2::new(rect.width() * fraction, rect.height()))
    };
    painter.rect_filled(part(sent), radius, color.gamma_multiply(0.35));
    painter.rect_filled(part(confirmed), radius, color);
}
