use std::path::PathBuf;

use super::EngineWarning;
use crate::store::QueueMove;
use crate::upload::{Destination, UploadId};

/// Per-upload sending options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UploadOptions {
    /// Chunk size (a multiple of 256 KiB), or `None` for one streaming request.
    pub chunk_size_bytes: Option<u64>,
    /// The chunk size is only where sending starts: each next chunk is sized to take about
    /// [`TARGET_CHUNK_TIME`](crate::protocol::TARGET_CHUNK_TIME) at the measured rate (Google
    /// and tus; api.video and multipart keep theirs). `false`: every chunk is
    /// `chunk_size_bytes`, as the user set it.
    pub chunk_size_auto: bool,
    /// Announce the total size only with the last chunk.
    pub size_unknown: bool,
}

/// The only way to ask the engine for change. Sent through [`super::EngineHandle`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Queue a file. `tag` is echoed in the resulting `Added` / `AddFailed` event.
    Add {
        /// Caller's token to match the answer.
        tag: u64,
        /// The file.
        path: PathBuf,
        /// Where it goes.
        destination: Destination,
        /// How it is sent.
        options: UploadOptions,
    },
    /// Stop sending now; keep what the server confirmed.
    Pause(UploadId),
    /// Continue from what the server confirmed.
    Resume(UploadId),
    /// Retry a failed upload (same as resume).
    Retry(UploadId),
    /// Start over from byte 0 with the file as it is now (after "file changed").
    Restart(UploadId),
    /// Stop and ask the server to discard the session.
    Cancel(UploadId),
    /// Forget the upload (cancelling it first if unfinished).
    Remove(UploadId),
    /// Move an upload in the queue: saved in the journal first, then
    /// [`Event::QueueOrder`](super::Event::QueueOrder). Waiting uploads start in queue order;
    /// a move never stops a running one.
    Move {
        /// The upload.
        id: UploadId,
        /// Where it goes.
        to: QueueMove,
    },
    /// "Upload next": the upload goes just above every other waiting upload, so it starts when
    /// a slot frees (a paused or failed one is resumed first); running uploads go on.
    UploadNext(UploadId),
    /// Pause every upload.
    PauseAll,
    /// Resume every paused, failed or interrupted upload.
    ResumeAll,
    /// Change the limits.
    SetLimits {
        /// Uploads running at once (at least 1).
        max_parallel_uploads: usize,
        /// Bandwidth limit for all uploads together, 0 = unlimited.
        bandwidth_limit_bytes_per_sec: u64,
    },
    /// The computer woke up: every running upload drops its request and asks the server where
    /// it stands, at once (`hoist_core::system` sends it).
    Wake,
    /// Whether the connection is metered, as the system says (`hoist_core::system` sends it).
    SetMetered(bool),
    /// The setting "Pause on metered connections".
    SetPauseOnMetered(bool),
    /// The setting "Keep the computer awake while uploading" (see [`super::Activity`]).
    SetKeepAwake(bool),
    /// Something outside the engine (`hoist_core::system`) people should know: sent back as an
    /// [`super::Event::Warning`], so the window and the command line show it as any other.
    Warn {
        /// What happened.
        kind: EngineWarning,
        /// The technical detail, for the log.
        detail: String,
    },
    /// Stop everything (uploads stay resumable) and end the engine thread.
    Shutdown,
}
