use std::path::PathBuf;

use hoist_core::engine::Command;
use hoist_core::upload::{Phase, UploadAction, UploadId};

/// The engine command a row's action sends, for its button and its key alike (a failed
/// upload's Resume is a Retry).
pub(crate) fn row_command(action: UploadAction, id: UploadId, phase: Phase) -> Command {
    match action {
        UploadAction::Pause => Command::Pause(id),
        UploadAction::Resume if phase == Phase::Failed => Command::Retry(id),
        UploadAction::Resume => Command::Resume(id),
        UploadAction::Restart => Command::Restart(id),
        UploadAction::Cancel => Command::Cancel(id),
        UploadAction::Remove => Command::Remove(id),
    }
}

/// What drawing code asks for; applied in one place after the frame is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum UiAction {
    /// Send a command to the engine.
    Engine(Command),
    /// Queue these files or folders (folders are expanded off the UI thread).
    AddPaths(Vec<PathBuf>),
    /// Open the file picker.
    PickFiles,
    /// Open the folder picker.
    PickFolder,
    /// Open a link in the browser.
    OpenUrl(String),
    /// Put a link on the clipboard; the status bar says so for a moment.
    CopyLink(String),
    /// Show the file in the file manager.
    ShowFile(PathBuf),
    /// Choose the destination for new files (by label).
    ChooseDestination(String),
    /// Apply changed limits to the engine.
    ApplyLimits,
    /// Demo: simulate a flaky network or not.
    SetFlaky(bool),
    /// Forget the messages shown at the top.
    DismissMessages,
    /// Remove every finished upload from the list (the uploaded files stay where they went).
    ClearFinished,
    /// Send the files waiting for a destination to the chosen one.
    SendPending,
    /// Forget one file waiting for a destination.
    DropPending(PathBuf),
    /// Open the saved profiles, to connect an account.
    OpenProfiles,
    /// Demo: remove every demo upload and empty the demo server, for a clean slate.
    ResetDemo,
}
