use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::upload::{Destination, Failure, Phase, RemoteResult, UploadId};

/// A read-only picture of one upload, for lists and windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UploadSnapshot {
    /// The upload.
    pub id: UploadId,
    /// The file's name.
    pub file_name: String,
    /// The file's path.
    pub path: PathBuf,
    /// Where it goes, for people.
    pub destination: String,
    /// Where it goes, as data (no secrets), so a window can offer it for new files.
    pub target: Destination,
    /// Total size, when known.
    pub total_bytes: Option<u64>,
    /// Bytes the server confirmed.
    pub confirmed_bytes: u64,
    /// Where it stands.
    pub phase: Phase,
    /// Why it last failed (the window and the command line put it in words).
    pub error: Option<Failure>,
    /// The result once completed.
    pub result: Option<RemoteResult>,
    /// When the server's upload session ends (seconds since the Unix epoch), where known; after
    /// that the upload starts again from the beginning.
    pub expires_unix_secs: Option<u64>,
}

/// Progress of one running upload. `confirmed_bytes <= sent_bytes <= total_bytes`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    /// The upload.
    pub id: UploadId,
    /// Bytes handed to the network (file position).
    pub sent_bytes: u64,
    /// Bytes the server confirmed (what survives a crash).
    pub confirmed_bytes: u64,
    /// Total size, when known.
    pub total_bytes: Option<u64>,
    /// Smoothed sending rate.
    pub rate_bytes_per_sec: f64,
}

/// Something that happened to an upload that is not a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum UploadNotice {
    /// The server lost the upload session: the upload starts again from the beginning.
    SessionLost,
    /// The server kept less than it had confirmed: the upload goes on from what it has.
    ServerKeptLess,
    /// At the current speed the upload needs longer than the service keeps an upload session;
    /// if the session expires, the upload starts again from the beginning.
    SessionMayExpire {
        /// About how long the rest of the upload needs.
        #[serde(with = "seconds")]
        needed: Duration,
        /// How long the upload session has left.
        #[serde(with = "seconds")]
        lifetime: Duration,
    },
}

/// Something about Hoist itself, not about one upload, that people should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum EngineWarning {
    /// The journal (the list of uploads) was damaged: it was moved aside and a fresh, empty one
    /// started.
    JournalSetAside {
        /// Where the damaged copy now is.
        moved_to: PathBuf,
    },
    /// The journal could not be read at start, so the list is empty for now.
    JournalUnreadable,
    /// Keeping the computer awake while uploading is on, but the system offers no way to
    /// (no system D-Bus, no logind, or it refused): uploads pause if it sleeps and continue when
    /// it wakes.
    CannotKeepAwake,
    /// "Pause on metered connections" is on, but the system does not say whether the connection
    /// is metered (no system D-Bus or no NetworkManager): uploads go on as usual.
    CannotSeeMetered,
    /// A new order of the queue could not be saved (the disk is full, or another program held
    /// the journal too long); the queue keeps the order it had.
    QueueOrderNotSaved,
}

/// What the engine tells the outside world. Progress is coalesced to a few events per second per
/// upload; everything else is sent as it happens.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Event {
    /// The uploads found in the journal at start.
    Restored {
        /// One per upload, in queue order.
        uploads: Vec<UploadSnapshot>,
    },
    /// A file was queued.
    Added {
        /// The caller's tag from the command.
        tag: u64,
        /// The new upload.
        upload: Box<UploadSnapshot>,
    },
    /// A file could not be queued; the rest of the queue is untouched.
    AddFailed {
        /// The caller's tag from the command.
        tag: u64,
        /// The file.
        path: PathBuf,
        /// Why.
        failure: Failure,
    },
    /// Bytes moved or were confirmed.
    Progress(Progress),
    /// The upload's phase changed (with the reason for failures).
    PhaseChanged {
        /// The upload.
        id: UploadId,
        /// The new phase.
        phase: Phase,
        /// Why, for failures and changed files.
        failure: Option<Failure>,
    },
    /// A request failed and will be retried after a wait.
    Retrying {
        /// The upload.
        id: UploadId,
        /// Failures since the last progress.
        attempt: u32,
        /// How long until the next try.
        #[serde(with = "seconds")]
        wait: Duration,
        /// What went wrong.
        reason: Failure,
    },
    /// Something worth telling about one upload that is not an error (e.g. a new session).
    Notice {
        /// The upload.
        id: UploadId,
        /// What happened (the window and the command line put it in words).
        notice: UploadNotice,
    },
    /// A running upload's session expiry against the time the rest needs changed (sent when
    /// the expiry is first known, then whenever it or the verdict changes).
    Expiry {
        /// The upload.
        id: UploadId,
        /// The outlook.
        outlook: super::ExpiryOutlook,
    },
    /// The upload is done.
    Completed {
        /// The upload.
        id: UploadId,
        /// What the server answered.
        result: RemoteResult,
    },
    /// The upload was removed from the list.
    Removed {
        /// The upload.
        id: UploadId,
    },
    /// Something about Hoist itself that people should know (e.g. a damaged journal was set
    /// aside). The words are made by whoever shows it (the window, the command line).
    Warning {
        /// What happened.
        kind: EngineWarning,
        /// The technical detail, for the log (never shown in the window).
        detail: String,
    },
    /// New chunks wait because the connection is metered and "Pause on metered connections" is
    /// on (`waiting`), or go on again (running uploads stay in their phase meanwhile).
    MeteredHold {
        /// Whether new chunks wait now.
        waiting: bool,
    },
    /// The queue's order changed (a [`super::Command::Move`] here, or a move another Hoist
    /// process such as `hoist queue move` wrote to the journal); already saved.
    QueueOrder {
        /// Every upload the engine knows, top of the queue first.
        ids: Vec<UploadId>,
    },
    /// The engine stopped (after [`super::Command::Shutdown`]).
    Stopped,
}

mod seconds {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_are_data_in_json() {
        let event = Event::Notice {
            id: UploadId(4),
            notice: UploadNotice::SessionMayExpire {
                needed: Duration::from_secs(90),
                lifetime: Duration::from_secs(60),
            },
        };
        let json = serde_json::to_value(&event).expect("serialises");
        assert_eq!(json["event"], "notice");
        assert_eq!(json["notice"]["kind"], "session-may-expire");
        assert_eq!(json["notice"]["needed"], 90.0);
        assert_eq!(json["notice"]["lifetime"], 60.0);
        let lost = serde_json::to_value(Event::Notice {
            id: UploadId(4),
            notice: UploadNotice::SessionLost,
        })
        .expect("serialises");
        assert_eq!(lost["notice"]["kind"], "session-lost");
    }
}
