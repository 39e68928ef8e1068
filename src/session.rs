//! Whether the last window ended well: a marker file that exists while a window is open, so the
//! next start can tell a crash (or kill -9) from a normal close, and count the uploads left
//! unfinished with nobody driving them.

use std::path::PathBuf;

use hoist_core::store::{HoistDirs, Journal, UploadLock};

/// The marker of one window session, in Hoist's data folder.
pub(crate) struct SessionMarker {
    path: PathBuf,
    dirs: HoistDirs,
    crashed_before: bool,
}

impl SessionMarker {
    /// Notes that a window is open; remembers whether the last one never said it closed.
    pub(crate) fn begin(dirs: &HoistDirs) -> SessionMarker {
        let path = dirs.data_dir.join("window-open");
        let crashed_before = path.exists();
        if let Err(error) = std::fs::write(&path, format!("{}\n", std::process::id())) {
            tracing::warn!(%error, "could not write the window-open marker");
        }
        SessionMarker {
            path,
            dirs: dirs.clone(),
            crashed_before,
        }
    }

    /// True when the previous window did not close normally (a crash, a kill, a power cut).
    pub(crate) fn crashed_before(&self) -> bool {
        self.crashed_before
    }

    /// Uploads the journal says are running or waiting, whose lock nobody holds: left behind by
    /// a process that is gone. Read before the engine starts (it then takes those locks).
    pub(crate) fn interrupted_uploads(&self) -> usize {
        let opened = match Journal::open(&self.dirs.journal_path()) {
            Ok(opened) => opened,
            Err(error) => {
                tracing::warn!(%error, "could not read the journal to count interrupted uploads");
                return 0;
            }
        };
        let records = opened.journal.list().unwrap_or_default();
        let locks = self.dirs.locks_dir();
        records
            .iter()
            .filter(|r| {
                r.phase.wants_to_run() && !UploadLock::is_held(&locks, r.id).unwrap_or(true)
            })
            .count()
    }

    /// Notes that the window closed normally.
    pub(crate) fn end(&self) {
        if let Err(error) = std::fs::remove_file(&self.path) {
            tracing::warn!(%error, "could not remove the window-open marker");
        }
    }
}
