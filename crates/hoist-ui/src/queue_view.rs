//! The queue: one row per upload, virtualised so 10,000 rows scroll smoothly.

use std::time::Instant;

use egui::{Align, Layout, Rect, Role, Sense, Ui, Vec2, WidgetInfo};

use super::actions::UiAction;
use super::failure_words::failure_advice;
use super::model::Row;
use super::thumbnails::{THUMBNAIL_PIXELS, Thumbnails};
use super::words::{FileKind, size_words, speed_words, state_words};
use hoist_core::engine::Command;
use hoist_core::upload::{Phase, UploadAction};

/// Height of one row.
pub const ROW_HEIGHT: f32 = 52.0;
/// Width of the thumbnail or file-type badge.
const BADGE_WIDTH: f32 = 56.0;

/// Draws the rows (only those in view) and returns what the user asked for.
pub fn show(ui: &mut Ui, rows: &[Row], thumbnails: &mut Thumbnails, now: Instant) -> Vec<UiAction> {
    let mut actions = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            for row in &rows[range] {
                row_ui(ui, row, thumbnails, now, &mut actions);
            }
        });
    actions
}

fn row_ui(
    ui: &mut Ui,
    row: &Row,
    thumbnails: &mut Thumbnails,
    now: Instant,
    actions: &mut Vec<UiAction>,
) {
    let width = ui.available_width();
    ui.allocate_ui_with_layout(
        Vec2::new(width, ROW_HEIGHT),
        Layout::left_to_right(Align::Center),
        |ui| {
            ui.set_min_height(ROW_HEIGHT);
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
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(&row.upload.file_name).strong())
                        .on_hover_text(row.upload.path.display().to_string());
                    ui.weak(format!("to {}", row.upload.destination));
                });
                ui.horizontal(|ui| {
                    progress_bar(ui, row);
                    ui.label(format!("{:.0} %", row.confirmed_fraction() * 100.0));
                    ui.label(size_words(row));
                    let state = state_words(row, now);
                    let state_label =
                        if matches!(row.upload.phase, Phase::Failed | Phase::FileChanged) {
                            ui.colored_label(ui.visuals().error_fg_color, &state)
                        } else {
                            ui.label(&state)
                        };
                    if let Some(reason) = &row.retry_reason
                        && row.retry_at.is_some_and(|t| t > now)
                    {
                        state_label.on_hover_text(reason);
                    } else if let Some(error) = &row.upload.error {
                        state_label.on_hover_text(failure_advice(error));
                    }
                    ui.weak(speed_words(row));
                });
            });
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                buttons(ui, row, actions);
            });
        },
    );
    ui.separator();
}

fn buttons(ui: &mut Ui, row: &Row, actions: &mut Vec<UiAction>) {
    let id = row.upload.id;
    let mut button = |ui: &mut Ui, label: &str, hint: &str, action: UiAction| {
        if ui
            .button(label)
            .on_hover_text(format!("{hint}: {}", row.upload.file_name))
            .clicked()
        {
            actions.push(action);
        }
    };
    button(
        ui,
        "Remove",
        "Remove from the list",
        UiAction::Engine(Command::Remove(id)),
    );
    button(
        ui,
        "Show file",
        "Show in the file manager",
        UiAction::ShowFile(row.upload.path.clone()),
    );
    if let Some(url) = row.upload.result.as_ref().and_then(|r| r.url.clone()) {
        button(
            ui,
            "Open link",
            "Open the uploaded file",
            UiAction::OpenUrl(url),
        );
    }
    // The layout runs right to left: the phase's actions are added last, so they show first.
    for action in row.upload.phase.offered_actions().iter().rev() {
        let (label, hint, command) = match action {
            UploadAction::Pause => ("Pause", "Pause", Command::Pause(id)),
            UploadAction::Resume if row.upload.phase == Phase::Failed => {
                ("Retry", "Try again", Command::Retry(id))
            }
            UploadAction::Resume => ("Resume", "Resume", Command::Resume(id)),
            UploadAction::Restart => (
                "Restart",
                "Send the new version from the start",
                Command::Restart(id),
            ),
            UploadAction::Cancel => ("Cancel", "Stop and discard", Command::Cancel(id)),
            UploadAction::Remove => ("Remove", "Remove from the list", Command::Remove(id)),
        };
        button(ui, label, hint, UiAction::Engine(command));
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

/// Confirmed bytes in the accent colour, sent-but-unconfirmed bytes lighter.
fn progress_bar(ui: &mut Ui, row: &Row) {
    let size = Vec2::new(220.0, 12.0);
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
    painter.rect_filled(rect, radius, visuals.extreme_bg_color);
    let part = |fraction: f32| {
        Rect::from_min_size(rect.min, Vec2::new(rect.width() * fraction, rect.height()))
    };
    let accent = visuals.selection.bg_fill;
    painter.rect_filled(part(sent), radius, accent.gamma_multiply(0.35));
    painter.rect_filled(part(confirmed), radius, accent);
}
