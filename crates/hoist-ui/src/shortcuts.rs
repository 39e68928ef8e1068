//! The window's keyboard shortcuts, as GNOME apps have them: Ctrl+O adds files, Ctrl+Shift+O a
//! folder, Ctrl+, opens or closes Settings, Ctrl+Q closes the window (asking first while uploads
//! run, as the close button does). On the selected row, Space pauses or resumes it
//! (`queue_order.rs` has the row's moves). The toolbar's hovers name them.

use egui::{Context, Key, KeyboardShortcut, Modifiers};

/// Adds files (the file chooser).
pub const ADD_FILES: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
/// Adds a folder (the folder chooser).
pub const ADD_FOLDER: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::O);
/// Opens or closes Settings.
pub const SETTINGS: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Comma);
/// Closes the window, as its close button does.
pub const CLOSE_WINDOW: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);

/// A shortcut pressed in this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shortcut {
    /// Ctrl+O.
    AddFiles,
    /// Ctrl+Shift+O.
    AddFolder,
    /// Ctrl+,.
    Settings,
    /// Ctrl+Q.
    CloseWindow,
}

/// The shortcuts pressed in this frame, taken out of the input so no widget sees them too.
/// Ctrl+Shift+O is looked at first: Ctrl+O would match it too.
pub(crate) fn pressed(ctx: &Context) -> Vec<Shortcut> {
    ctx.input_mut(|i| {
        [
            (ADD_FOLDER, Shortcut::AddFolder),
            (ADD_FILES, Shortcut::AddFiles),
            (SETTINGS, Shortcut::Settings),
            (CLOSE_WINDOW, Shortcut::CloseWindow),
        ]
        .into_iter()
        .filter(|(keys, _)| i.consume_shortcut(keys))
        .map(|(_, shortcut)| shortcut)
        .collect()
    })
}

/// A shortcut in words for a hover ("Ctrl+O"; "⌘O" on a Mac).
pub(crate) fn words(ctx: &Context, shortcut: &KeyboardShortcut) -> String {
    ctx.format_shortcut(shortcut)
}

/// `response` with a hover saying `what` and the keys of `shortcut` ("Settings (Ctrl+,)"),
/// put into words only while it shows.
pub(crate) fn hover(
    response: egui::Response,
    what: &str,
    shortcut: &KeyboardShortcut,
) -> egui::Response {
    response.on_hover_ui(|ui| {
        ui.label(format!("{what} ({})", words(ui.ctx(), shortcut)));
    })
}
