//! The small picture beside each row's state: painted shapes, not font glyphs, so they show
//! whatever fonts the system has, and they differ in shape, not only in colour.

use egui::{Color32, Pos2, Rect, Sense, Stroke, Ui, Vec2, pos2};

/// The shape for a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateIcon {
    /// An arrow pointing up: sending.
    Uploading,
    /// A tick: done.
    Done,
    /// Two bars: paused.
    Paused,
    /// An exclamation mark in a disc: failed or the file changed.
    Failed,
    /// Three dots: the server is processing.
    Processing,
    /// A clock face: waiting its turn.
    Waiting,
    /// A cross: cancelled.
    Cancelled,
}

/// Size of the icon.
const ICON_PX: f32 = 14.0;

/// Draws `icon` in `color` as one small widget.
pub fn state_icon(ui: &mut Ui, icon: StateIcon, color: Color32) {
    let (rect, _) = ui.allocate_exact_size(Vec2::splat(ICON_PX), Sense::hover());
    if !ui.is_rect_visible(rect) {
        return;
    }
    let painter = ui.painter();
    let stroke = Stroke::new(2.0, color);
    let r = rect.shrink(1.5);
    let at = |x: f32, y: f32| -> Pos2 { pos2(r.left() + r.width() * x, r.top() + r.height() * y) };
    match icon {
        StateIcon::Uploading => {
            painter.line_segment([at(0.5, 0.95), at(0.5, 0.1)], stroke);
            painter.line_segment([at(0.15, 0.45), at(0.5, 0.1)], stroke);
            painter.line_segment([at(0.85, 0.45), at(0.5, 0.1)], stroke);
        }
        StateIcon::Done => {
            painter.line_segment([at(0.05, 0.55), at(0.38, 0.88)], stroke);
            painter.line_segment([at(0.38, 0.88), at(0.95, 0.15)], stroke);
        }
        StateIcon::Paused => {
            for x in [0.2, 0.6] {
                let bar = Rect::from_min_max(at(x, 0.05), at(x + 0.22, 0.95));
                painter.rect_filled(bar, 1.0, color);
            }
        }
        StateIcon::Failed => {
            painter.circle_filled(r.center(), r.width() / 2.0, color);
            let mark = Stroke::new(2.0, ui.visuals().panel_fill);
            painter.line_segment([at(0.5, 0.2), at(0.5, 0.58)], mark);
            painter.circle_filled(at(0.5, 0.78), 1.2, ui.visuals().panel_fill);
        }
        StateIcon::Processing => {
            for x in [0.12, 0.5, 0.88] {
                painter.circle_filled(at(x, 0.5), 1.8, color);
            }
        }
        StateIcon::Waiting => {
            painter.circle_stroke(r.center(), r.width() / 2.0, Stroke::new(1.5, color));
            painter.line_segment([r.center(), at(0.5, 0.18)], Stroke::new(1.5, color));
            painter.line_segment([r.center(), at(0.75, 0.5)], Stroke::new(1.5, color));
        }
        StateIcon::Cancelled => {
            painter.line_segment([at(0.15, 0.15), at(0.85, 0.85)], stroke);
            painter.line_segment([at(0.85, 0.15), at(0.15, 0.85)], stroke);
        }
    }
}
