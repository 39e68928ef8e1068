//! A wake-up when the journal's files change on disk, so an idle engine (nothing running) still
//! follows a move `hoist queue move` saved, and its window shows it at once.
//!
//! The system's file notifications (inotify on Linux, through the `notify` crate, on its own
//! thread) watch the folder of the journal; a change to the journal or its write-ahead log wakes
//! the scheduler [`SETTLE`] later (a commit's last write to the log comes just before the commit
//! is visible), which then checks the journal's cheap [`Journal::outside_writes`] stamp before
//! reading anything. Where notifications cannot be had, the scheduler's check before each
//! start and its check every second while uploading remain.
//!
//! [`Journal::outside_writes`]: crate::store::Journal::outside_writes

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_full::notify::{self, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How long after a change to the journal's files the scheduler looks.
pub(crate) const SETTLE: Duration = Duration::from_millis(150);

/// The journal's changes as the scheduler waits for them.
pub(crate) struct JournalChanges {
    changed: Arc<Notify>,
    /// When to look, once a change was seen.
    due: Option<Instant>,
    /// Kept while the scheduler runs; `None` where files cannot be watched.
    _watcher: Option<RecommendedWatcher>,
}

impl JournalChanges {
    /// Starts watching the journal at `journal_path`.
    pub(crate) fn watch(journal_path: &Path) -> JournalChanges {
        let changed = Arc::new(Notify::new());
        JournalChanges {
            _watcher: watch_journal(journal_path, changed.clone()),
            changed,
            due: None,
        }
    }

    /// Completes [`SETTLE`] after the first change not yet looked at. Cancel-safe: a change
    /// seen before the future is dropped is kept for the next call.
    pub(crate) async fn due(&mut self) {
        loop {
            match self.due {
                None => {
                    self.changed.notified().await;
                    self.due = Some(Instant::now() + SETTLE);
                }
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {
                            self.due = None;
                            return;
                        }
                        () = self.changed.notified() => {}
                    }
                }
            }
        }
    }
}

/// Watches the journal at `journal_path`; `changed` is notified on each change. The watching
/// stops when the returned watcher is dropped; `None` (logged) when it cannot start.
fn watch_journal(journal_path: &Path, changed: Arc<Notify>) -> Option<RecommendedWatcher> {
    let folder = journal_path.parent()?;
    let name = journal_path.file_name()?.to_os_string();
    let handler = move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else {
            return;
        };
        if !matches!(event.kind, EventKind::Modify(_) | EventKind::Create(_)) {
            return;
        }
        let ours = event.paths.iter().any(|path| {
            path.file_name()
                .is_some_and(|file| file.as_encoded_bytes().starts_with(name.as_encoded_bytes()))
        });
        if ours {
            changed.notify_one();
        }
    };
    let watcher = notify::recommended_watcher(handler).and_then(|mut watcher| {
        watcher.watch(folder, RecursiveMode::NonRecursive)?;
        Ok(watcher)
    });
    match watcher {
        Ok(watcher) => Some(watcher),
        Err(e) => {
            tracing::warn!(
                "cannot watch the journal for changes by other Hoist processes ({e}); a move made \
                 by `hoist queue move` shows when the next upload starts"
            );
            None
        }
    }
}
