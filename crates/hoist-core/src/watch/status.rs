use super::WatchFolder;

/// What a watch folder is doing now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderState {
    /// Not looked at yet.
    Starting,
    /// Present and watched.
    Watching,
    /// Not there (a drive unplugged, a folder moved or deleted); watched again when it is back.
    Missing,
    /// Its saved destination no longer exists, so nothing is queued from it.
    NoDestination,
    /// It cannot be read (permissions); the error's text, for logs and the CLI.
    Unreadable(String),
}

/// One watch folder and its state, as the window and `hoist watch run` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderStatus {
    /// The folder.
    pub folder: WatchFolder,
    /// What it is doing.
    pub state: FolderState,
    /// Files queued from it since Hoist started.
    pub queued_files: u64,
    /// New files waiting to be still (or to be closed by the program writing them).
    pub settling_files: usize,
}
