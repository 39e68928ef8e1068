use serde::{Deserialize, Serialize};

/// Where an upload stands, as remembered in the journal.
///
/// Short-lived conditions ("reconnecting in 8 s") are events, not phases: after a relaunch only
/// these survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// Waiting for a free slot.
    Queued,
    /// Being sent (or was being sent when the process stopped).
    Uploading,
    /// Stopped by the user; resumes from the server-confirmed offset.
    Paused,
    /// All bytes are on the server, which is still processing them.
    Processing,
    /// Done: the server confirmed every byte.
    Completed,
    /// Stopped by an error that retrying did not fix; the user may retry.
    Failed,
    /// The local file is no longer what was being uploaded; the user may restart it.
    FileChanged,
    /// Cancelled by the user.
    Cancelled,
}

impl Phase {
    /// The name stored in the journal and printed by `hoist list`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Uploading => "uploading",
            Phase::Paused => "paused",
            Phase::Processing => "processing",
            Phase::Completed => "completed",
            Phase::Failed => "failed",
            Phase::FileChanged => "file-changed",
            Phase::Cancelled => "cancelled",
        }
    }

    /// Parses the journal's name of a phase.
    pub fn parse(name: &str) -> Option<Phase> {
        Some(match name {
            "queued" => Phase::Queued,
            "uploading" => Phase::Uploading,
            "paused" => Phase::Paused,
            "processing" => Phase::Processing,
            "completed" => Phase::Completed,
            "failed" => Phase::Failed,
            "file-changed" => Phase::FileChanged,
            "cancelled" => Phase::Cancelled,
            _ => return None,
        })
    }

    /// True when nothing more will happen to the upload without the user asking.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Phase::Completed | Phase::Failed | Phase::FileChanged | Phase::Cancelled
        )
    }

    /// The phase in plain words for people.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Queued => "Waiting",
            Phase::Uploading => "Uploading",
            Phase::Paused => "Paused",
            Phase::Processing => "Processing",
            Phase::Completed => "Done",
            Phase::Failed => "Failed",
            Phase::FileChanged => "File changed",
            Phase::Cancelled => "Cancelled",
        }
    }
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
