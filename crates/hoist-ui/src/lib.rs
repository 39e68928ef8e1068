//! The desktop window (egui): [`HoistApp`] and everything it draws. The `hoist` binary opens it
//! with eframe (glow renderer) and wires in the engine and, for `hoist --demo`, the demo server.
//!
//! It never blocks and does no file or network I/O while drawing: the engine runs on its own
//! thread, the window drains its events in `logic` (time-boxed), draws from the [`QueueModel`],
//! and sends typed [`hoist_core::engine::Command`]s. The engine's waker calls `request_repaint`, so an
//! idle window draws nothing.

mod actions;
mod app;
mod backend;
mod background;
mod close_dialog;
mod demo;
mod desktop;
mod expiry_note;
mod expiry_words;
mod failure_words;
mod folder_scan;
mod fonts;
mod history_export;
mod history_list;
mod history_panel;
mod icon;
mod message;
mod model;
mod notify;
mod pending;
mod power;
mod profiles;
mod queue_order;
mod queue_view;
mod resume_note;
mod row_layout;
mod settings;
mod shortcuts;
mod sign_in;
mod speed_schedule;
mod state_icon;
mod support_bundle;
#[cfg(test)]
mod test_snapshot;
mod theme;
mod thumbnails;
mod toolbar_layout;
mod tray;
mod warning_words;
mod watch_panel;
mod window_area;
mod words;

pub use actions::UiAction;
pub use app::{DEMO_DESTINATION, DROP_HERE, FLAKY_NOTE, HoistApp};
pub use backend::{Backend, ChannelBackend, EngineBackend};
pub use close_dialog::{
    ASK_ON_CLOSE, CLOSE_TITLE, CloseChoice, KEEP_UPLOADING, NO_TRAY_WORDS, PAUSE_AND_QUIT,
};
pub use demo::DemoControl;
pub use desktop::{
    DesktopProblem, FileManager, FilePicker, PickWhat, Picked, system_file_manager,
    system_file_picker,
};
pub use expiry_words::{at_risk_words, paused_words, rough_duration_words};
pub use fonts::{install_system_fonts, system_font_definitions};
pub use history_export::{SaveChoice, SavePicker, system_save_picker};
pub use history_list::REMOVE_FROM_HISTORY;
pub use history_panel::{
    CLEAR_HISTORY, CLEAR_HISTORY_CONFIRM, HISTORY_EMPTY, HISTORY_TITLE, SEARCH_HISTORY,
};
pub use icon::{APP_ID, window_icon};
pub use message::{Message, MessageKind, message_color};
pub use model::{Notice, QueueModel, Row};
pub use pending::{CHOOSE_WHERE, load_pending};
pub use profiles::{
    ADDRESS_LABEL, API_KEY_LABEL, CLIENT_SECRET_LABEL, ProfileChoice, ProfilesWindow, SECRET_LABEL,
    SIGN_IN_CHECKBOX, ServiceChoice, UPLOAD_TOKEN_LABEL,
};
pub use queue_order::{COPY_LINK, MOVE_DOWN, MOVE_TO_TOP, MOVE_UP, UPLOAD_NEXT};
pub use queue_view::MORE_ACTIONS;
pub use resume_note::{DEMO_MOVED, interrupted_words};
pub use settings::{HoursLimit, UiSettings};
pub use sign_in::{BrowserOpener, system_browser};
pub use state_icon::StateIcon;
pub use support_bundle::SAVE_SUPPORT_BUNDLE;
pub use theme::{StateLook, ThemeChoice, contrast_ratio, state_look, visuals};
pub use toolbar_layout::{TOOLBAR_MENU, TOOLBAR_MENU_HINT};
pub use tray::{
    NO_TRAY_NOTE, NoTray, OPEN_HOIST, PAUSE_ALL, QUIT, RESUME_ALL, StatusNotifierTray, SystemTray,
    TrayIcon, TraySummary, Wake, WindowRequest,
};
pub use watch_panel::{WATCH_TITLE, state_words as watch_state_words};
pub use words::{FileKind, state_words};
