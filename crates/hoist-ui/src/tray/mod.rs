//! Uploads that go on with the window closed: Hoist's icon in the desktop's tray
//! (StatusNotifierItem over D-Bus, `ksni`), with the progress in its title and tooltip and a menu
//! (Open Hoist, Pause all or Resume all, Quit), or a minimised window where the desktop has no
//! tray. What the menu asks comes back to the window as [`WindowRequest`]s on a channel, with a
//! repaint; the tray never touches the window or the engine itself.

mod background;
mod item;
mod summary;

use std::sync::Arc;
use std::sync::mpsc::Sender;

use poll_promise::Promise;

pub(crate) use background::Background;
pub use background::NO_TRAY_NOTE;
pub use item::{OPEN_HOIST, PAUSE_ALL, QUIT, RESUME_ALL, StatusNotifierTray};
pub use summary::TraySummary;

/// What the window is asked to do from outside it: the tray's menu, or a signal to quit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowRequest {
    /// Show the window again (the tray's "Open Hoist", or a click on the icon).
    Open,
    /// Pause every upload.
    PauseAll,
    /// Resume every paused upload.
    ResumeAll,
    /// Pause the uploads and quit, as "Pause and quit" does (the tray's "Quit", SIGTERM).
    Quit,
}

/// Wakes the window (a repaint) after a request was sent.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Why Hoist has no icon in the tray; the technical detail goes to the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoTray {
    /// No session bus, or no tray (StatusNotifierWatcher with a host) on it.
    #[error("no tray on this desktop: {0}")]
    NoHost(String),
}

/// The desktop's tray, or a stand-in in tests.
pub trait SystemTray: Send {
    /// Whether the desktop has a tray to show Hoist's icon in (asked off the UI thread).
    fn has_host(&self, wake: Wake) -> Promise<bool>;

    /// Puts Hoist's icon in the tray showing `summary`; its menu sends to `requests` and calls
    /// `wake`. The icon, or why there is none, comes back on the promise.
    fn show(
        &self,
        summary: TraySummary,
        requests: Sender<WindowRequest>,
        wake: Wake,
    ) -> Promise<Result<Box<dyn TrayIcon>, NoTray>>;
}

/// Hoist's icon in the tray while it is there.
pub trait TrayIcon: Send {
    /// Shows `summary` (title, tooltip, which of Pause all and Resume all the menu offers).
    fn update(&self, summary: TraySummary);

    /// Takes the icon out of the tray.
    fn remove(self: Box<Self>);
}
