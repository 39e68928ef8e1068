//! Why an upload stopped or could not be queued, as data: a [`FailureKind`] a window, the
//! command line or a test can match on, and the error's own text for the log and the command
//! line. The words people read are made from the kind by the window (`hoist-ui`
//! `failure_words.rs`) and the command line (`src/cli/output.rs`), never here.

use serde::{Deserialize, Serialize};

/// What kind of trouble stopped an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureKind {
    /// The server refused the token, key or signature (HTTP 401), also after a refresh.
    TokenRefused,
    /// No credentials could be found, or the saved sign-in is no longer accepted.
    SignInNeeded,
    /// The server said the account may not do this (HTTP 403).
    AccessDenied,
    /// The server does not know the bucket, video or session (HTTP 404).
    NotFound,
    /// The server forgot the upload session (HTTP 410).
    SessionExpired,
    /// The server kept answering with an error, or refused the request (other HTTP errors).
    ServerRejected,
    /// The server could not be reached, the connection broke, or nothing moved for too long.
    Network,
    /// The server's TLS certificate is not trusted.
    Certificate,
    /// The server sent the upload to an insecure address or to another server.
    UnsafeAddress,
    /// The server broke the protocol: answers not understood, too large, impossible claims.
    ProtocolViolation,
    /// The server's copy differs from the file.
    ChecksumMismatch,
    /// The service could not process the uploaded file (e.g. a video it cannot encode).
    ProcessingFailed,
    /// A destination setting is wrong.
    InvalidDestination,
    /// The file breaks one of the service's limits.
    OverLimit,
    /// The saved state of the upload could not be read.
    StateDamaged,
    /// The local file is gone.
    FileMissing,
    /// The local file could not be read (permissions, a folder, an I/O error).
    FileUnreadable,
    /// The local file changed since the upload started.
    FileChanged,
    /// The disk holding Hoist's journal is full.
    DiskFull,
    /// Hoist's own files (the journal, its folders) could not be used.
    JournalUnusable,
    /// Another Hoist process is driving the upload.
    StoreLocked,
    /// Something inside Hoist went wrong (a task that ended unexpectedly).
    Internal,
    /// Written by an older Hoist that kept only text (see [`Failure::detail`]).
    Other,
}

impl FailureKind {
    /// Every kind, for tables and tests.
    pub const ALL: [FailureKind; 23] = [
        FailureKind::TokenRefused,
        FailureKind::SignInNeeded,
        FailureKind::AccessDenied,
        FailureKind::NotFound,
        FailureKind::SessionExpired,
        FailureKind::ServerRejected,
        FailureKind::Network,
        FailureKind::Certificate,
        FailureKind::UnsafeAddress,
        FailureKind::ProtocolViolation,
        FailureKind::ChecksumMismatch,
        FailureKind::ProcessingFailed,
        FailureKind::InvalidDestination,
        FailureKind::OverLimit,
        FailureKind::StateDamaged,
        FailureKind::FileMissing,
        FailureKind::FileUnreadable,
        FailureKind::FileChanged,
        FailureKind::DiskFull,
        FailureKind::JournalUnusable,
        FailureKind::StoreLocked,
        FailureKind::Internal,
        FailureKind::Other,
    ];

    /// The name stored in the journal and printed with `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::TokenRefused => "token-refused",
            FailureKind::SignInNeeded => "sign-in-needed",
            FailureKind::AccessDenied => "access-denied",
            FailureKind::NotFound => "not-found",
            FailureKind::SessionExpired => "session-expired",
            FailureKind::ServerRejected => "server-rejected",
            FailureKind::Network => "network",
            FailureKind::Certificate => "certificate",
            FailureKind::UnsafeAddress => "unsafe-address",
            FailureKind::ProtocolViolation => "protocol-violation",
            FailureKind::ChecksumMismatch => "checksum-mismatch",
            FailureKind::ProcessingFailed => "processing-failed",
            FailureKind::InvalidDestination => "invalid-destination",
            FailureKind::OverLimit => "over-limit",
            FailureKind::StateDamaged => "state-damaged",
            FailureKind::FileMissing => "file-missing",
            FailureKind::FileUnreadable => "file-unreadable",
            FailureKind::FileChanged => "file-changed",
            FailureKind::DiskFull => "disk-full",
            FailureKind::JournalUnusable => "journal-unusable",
            FailureKind::StoreLocked => "store-locked",
            FailureKind::Internal => "internal",
            FailureKind::Other => "other",
        }
    }

    /// Parses the journal's name of a kind; an unknown name (a newer Hoist's) is [`Self::Other`].
    pub fn parse(name: &str) -> FailureKind {
        FailureKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .unwrap_or(FailureKind::Other)
    }
}

/// Why an upload failed: the kind, and what the error said, for the log and the command line.
/// Never holds a secret or a session URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind of trouble.
    pub kind: FailureKind,
    /// The error's own text (lower case, technical); not for the window.
    pub detail: String,
}

impl Failure {
    /// A failure of `kind` with `detail`.
    pub fn new(kind: FailureKind, detail: impl Into<String>) -> Failure {
        Failure {
            kind,
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip_and_match_serde() {
        for kind in FailureKind::ALL {
            assert_eq!(FailureKind::parse(kind.as_str()), kind);
            assert_eq!(
                serde_json::to_value(kind).expect("serialises"),
                serde_json::Value::String(kind.as_str().to_string())
            );
        }
        assert_eq!(FailureKind::parse("from-the-future"), FailureKind::Other);
    }
}
