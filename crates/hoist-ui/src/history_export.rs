//! "Export…" in the History window: a save dialog (rfd), then the CSV (`hoist_core::store`).
//! When no dialog can be opened, the file goes to the Downloads folder (as the support bundle
//! does) and the window says so. Runs off the UI thread; details go to the log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::history_panel::Note;
use crate::profiles::Tone;
use hoist_core::store::{HistoryEntry, export_history_csv};

/// What the save dialog gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveChoice {
    /// Save here.
    Chosen(PathBuf),
    /// The person closed the dialog.
    Cancelled,
    /// No dialog could be opened (no desktop portal, no zenity, ...).
    Failed,
}

/// Asks where to save a file, suggesting a name (blocking; called off the UI thread). Tests
/// pass their own.
pub type SavePicker = Arc<dyn Fn(&str) -> SaveChoice + Send + Sync>;

/// A dialog that closes this fast was never shown (as for the file chooser).
const NEVER_SHOWN: Duration = Duration::from_millis(700);

/// The system's save dialog (rfd: the desktop portal, or zenity).
pub fn system_save_picker() -> SavePicker {
    Arc::new(|suggested| {
        let started = Instant::now();
        let chosen = rfd::FileDialog::new()
            .set_title("Export history")
            .set_file_name(suggested)
            .add_filter("CSV (spreadsheet)", &["csv"])
            .save_file();
        match chosen {
            Some(path) => SaveChoice::Chosen(path),
            None if started.elapsed() < NEVER_SHOWN => {
                tracing::warn!(
                    "the save dialog closed after {} ms without being shown (no desktop portal or zenity?)",
                    started.elapsed().as_millis()
                );
                SaveChoice::Failed
            }
            None => SaveChoice::Cancelled,
        }
    })
}

/// Asks where to save and writes `entries` there (or in Downloads when no dialog opened);
/// what to tell people, `None` when the dialog was cancelled.
pub(crate) fn export_job(picker: &SavePicker, entries: &[HistoryEntry]) -> Option<Note> {
    let suggested = format!("hoist-history-{}.csv", today());
    let (path, fallback) = match picker(&suggested) {
        SaveChoice::Chosen(path) => (path, false),
        SaveChoice::Cancelled => return None,
        SaveChoice::Failed => (downloads()?.join(&suggested), true),
    };
    match export_history_csv(entries, &path) {
        Ok(()) => {
            tracing::info!("history exported to {}", path.display());
            let saved = saved_words(&path);
            let words = if fallback {
                format!("History saved {saved} (no file chooser could open here).")
            } else {
                format!("Saved {saved}.")
            };
            Some(Note {
                tone: Tone::Success,
                words,
                file: Some(path),
            })
        }
        Err(e) => {
            tracing::warn!("the history could not be exported: {e}");
            Some(Note {
                tone: Tone::Error,
                words: "Couldn't save the history. Details are in the log.".to_string(),
                file: None,
            })
        }
    }
}

/// "as NAME in FOLDER".
fn saved_words(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "your home folder".to_string());
    format!("as {name} in {folder}")
}

/// The Downloads folder (or home when there is none).
fn downloads() -> Option<PathBuf> {
    let user = directories::UserDirs::new()?;
    let home = user.home_dir().to_path_buf();
    Some(
        user.download_dir()
            .map(PathBuf::from)
            .or_else(|| Some(home.join("Downloads")).filter(|d| d.is_dir()))
            .unwrap_or(home),
    )
}

/// Today's date for a file name (`2026-12-07`, UTC).
fn today() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}
