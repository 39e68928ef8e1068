//! Where Hoist's own windows (Settings, Saved profiles, Watch folders, History) open and may be
//! dragged: below the toolbar and above the status bar, so they never hide the buttons that open
//! and close them (History, 900 points wide, covered every toolbar action but the menu).

/// The gap between the toolbar and a window that opens below it, and from the left edge.
const OPEN_OFFSET: egui::Vec2 = egui::vec2(24.0, 12.0);

/// The room between the toolbar and the status bar, measured each frame from their panels.
pub(crate) fn between(toolbar: egui::Rect, status: egui::Rect, content: egui::Rect) -> egui::Rect {
    egui::Rect::from_min_max(
        egui::pos2(content.left(), toolbar.bottom()),
        egui::pos2(content.right(), status.top().max(toolbar.bottom())),
    )
}

/// `window` opening near the top left of `area` and kept inside it.
pub(crate) fn place(window: egui::Window<'_>, area: egui::Rect) -> egui::Window<'_> {
    window
        .default_pos(area.min + OPEN_OFFSET)
        .constrain_to(area)
}
