//! The Google sign-in as the window runs it: the browser is opened by a [`BrowserOpener`] (the
//! system's, or a test's), and while Hoist waits the consent page's address stays on screen in
//! case no browser appeared.

use std::sync::{Arc, Mutex};

/// Opens the consent page; returns false when no browser could be started.
pub type BrowserOpener = Arc<dyn Fn(&url::Url) -> bool + Send + Sync>;

/// The system's default browser.
pub fn system_browser() -> BrowserOpener {
    Arc::new(|url| webbrowser::open(url.as_str()).is_ok())
}

/// The sign-in in progress, shared by the job that runs it and the window: its consent page
/// once opened, and the switch that cancels it.
#[derive(Clone, Default)]
pub struct PendingSignIn {
    page: Arc<Mutex<Option<ConsentPage>>>,
    cancel: Arc<Mutex<Arc<tokio::sync::Notify>>>,
}

/// A consent page that was (or could not be) opened.
#[derive(Clone, Debug)]
pub struct ConsentPage {
    /// The address (it holds no secret: the PKCE verifier stays in Hoist).
    pub url: String,
    /// Whether a browser was started on it.
    pub opened: bool,
}

impl PendingSignIn {
    /// Records the page being opened.
    pub fn set(&self, page: ConsentPage) {
        if let Ok(mut slot) = self.page.lock() {
            *slot = Some(page);
        }
    }

    /// The page, while a sign-in waits.
    pub fn get(&self) -> Option<ConsentPage> {
        self.page.lock().ok().and_then(|slot| slot.clone())
    }

    /// The sign-in ended.
    pub fn clear(&self) {
        if let Ok(mut slot) = self.page.lock() {
            *slot = None;
        }
    }

    /// A new switch for a sign-in about to start (a click meant for an earlier one is dropped).
    pub fn cancel_switch(&self) -> Arc<tokio::sync::Notify> {
        let fresh = Arc::new(tokio::sync::Notify::new());
        if let Ok(mut current) = self.cancel.lock() {
            *current = fresh.clone();
        }
        fresh
    }

    /// Stops the sign-in in progress.
    pub fn cancel(&self) {
        if let Ok(current) = self.cancel.lock() {
            current.notify_one();
        }
    }
}
