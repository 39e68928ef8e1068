//! What upload tasks tell the scheduler, on one channel so the order is kept: the scheduler is
//! the only writer of phases, and a task's "processing" always arrives before its end.

use crate::upload::{Failure, RemoteResult, UploadId};

/// How one drive ended.
#[derive(Debug)]
pub(crate) enum DriveEnd {
    /// Every byte is on the server.
    Completed(RemoteResult),
    /// Retrying will not help.
    Failed(Failure),
    /// The local file changed; the user may restart the upload.
    FileChanged(Failure),
}

/// How an upload task ended.
#[derive(Debug)]
pub(crate) enum TaskEnd {
    /// The drive ran to an end.
    Drive(DriveEnd),
    /// Stopped by the scheduler (pause, cancel, remove, shutdown).
    Stopped,
    /// Another process holds the upload's lock.
    Busy(Failure),
}

impl TaskEnd {
    /// The task failed before or while driving.
    pub(crate) fn failed(failure: Failure) -> TaskEnd {
        TaskEnd::Drive(DriveEnd::Failed(failure))
    }
}

/// A message from an upload task to the scheduler.
#[derive(Debug)]
pub(crate) enum Internal {
    /// Every byte is on the server, which is processing them: the phase becomes Processing.
    Processing {
        /// The upload.
        id: UploadId,
    },
    /// The task ended.
    Finished {
        /// The upload.
        id: UploadId,
        /// How.
        end: TaskEnd,
    },
}
