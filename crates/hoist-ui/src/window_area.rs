//! Where Hoist's own windows (Settings, Saved profiles, Watch folders, History) open and may be
//! dragged: below the toolbar and above the status bar, so they never hide the buttons that open
//! and close them (History, 900 points wide, covered every toolbar action but the menu).

/// The gap between the toolbar and a window that opens below it, and from the left edge.
const OPEN_OFFSET: egui::Vec2 = egui::vec2(24.0, 12.0);
/// How far each window opens from the one before (title bars stay in view when they overlap).
const CASCADE_STEP: egui::Vec2 = egui::vec2(28.0, 28.0);

/// Where each window first opens, one step apart.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cascade {
    /// Settings.
    Settings = 0,
    /// Saved profiles.
    Profiles = 1,
    /// Watch folders.
    Watch = 2,
    /// History.
    History = 3,
}

/// The room between the toolbar and the status bar, measured each frame from their panels.
pub(crate) fn between(toolbar: egui::Rect, status: egui::Rect, content: egui::Rect) -> egui::Rect {
    egui::Rect::from_min_max(
        egui::pos2(content.left(), toolbar.bottom()),
        egui::pos2(content.right(), status.top().max(toolbar.bottom())),
    )
}

/// `window` opening near the top left of `area`, a step further for each `cascade`, and kept
/// inside `area`.
pub(crate) fn place(
    window: egui::Window<'_>,
    area: egui::Rect,
    cascade: Cascade,
) -> egui::Window<'_> {
    let step = CASCADE_STEP * f32::from(cascade as u8);
    window
        .default_pos(area.min + OPEN_OFFSET + step)
        .constrain_to(area)
}
