use std::time::Duration;

use crate::file::FileError;
use crate::upload::{Failure, FailureKind};

/// What went wrong talking to a server. `Display` is the plain-language message for people; the
/// technical detail is in the fields (and goes to the log). Never contains a secret or session URI.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The connection failed, was cut, or timed out.
    #[error("{}", .problem.describe())]
    Connection {
        /// What kind of trouble, for people.
        problem: ConnectionProblem,
        /// What the HTTP client said (without URLs), for the log.
        detail: String,
    },
    /// The server's TLS certificate was refused: not signed by a trusted authority, expired, or
    /// made out for another name. Retrying does not help.
    #[error(
        "the server's certificate is not trusted ({detail}); if your network uses its own certificate authority, point SSL_CERT_FILE at it"
    )]
    Certificate {
        /// What the TLS library said.
        detail: String,
    },
    /// The server keeps answering without keeping any new data.
    #[error("the server keeps answering without keeping any new data")]
    NoProgress,
    /// No byte moved for too long.
    #[error("the upload stalled: nothing moved for {} s", .idle.as_secs())]
    Stalled {
        /// How long nothing moved.
        idle: Duration,
    },
    /// The server answered with an HTTP error.
    #[error("the server answered {status}: {message}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// The server's own message, when it gave one.
        message: String,
        /// The server's `Retry-After`, when it gave one.
        retry_after: Option<Duration>,
    },
    /// The server refused the credentials (HTTP 401).
    #[error("the server refused the credentials: {message}")]
    Unauthorized {
        /// The server's message.
        message: String,
    },
    /// A service's own sign-in exchange refused the key (api.video's `/auth/api-key` answers 400
    /// for a wrong key). Retrying does not help.
    #[error("the server answered {status}: {message}")]
    CredentialsRefused {
        /// HTTP status code.
        status: u16,
        /// The server's message, with what to check.
        message: String,
    },
    /// No credentials could be found.
    #[error("no credentials: {detail}")]
    MissingCredentials {
        /// What is missing.
        detail: String,
    },
    /// The server's answer made no sense for the protocol.
    #[error("the server's answer was not understood: {detail}")]
    BadResponse {
        /// What was wrong with it.
        detail: String,
    },
    /// An answer was longer than Hoist reads for that kind of answer (see
    /// [`MAX_ANSWER_BYTES`](super::http::MAX_ANSWER_BYTES)). Retrying does not help.
    #[error(
        "the server's answer was too large (over {}); Hoist stopped reading it",
        crate::units::format_bytes(*.limit_bytes)
    )]
    AnswerTooLarge {
        /// The limit that was reached.
        limit_bytes: u64,
    },
    /// The server named a plain-http address for the upload (a session URI, an upload URL, a
    /// presigned URL) where the user's endpoint was https, or one off this computer.
    #[error(
        "the server sent the upload to an insecure address ({address}); Hoist stopped so your data and sign-in stay private"
    )]
    InsecureAddress {
        /// `http://host[:port]` only: the rest of such an address may be a capability.
        address: String,
    },
    /// A request that must carry the user's secret was about to go to another origin than the
    /// one configured. Retrying does not help.
    #[error(
        "the server sent the upload to another server ({address}), which Hoist does not trust with your sign-in; Hoist stopped"
    )]
    ForeignOrigin {
        /// `scheme://host[:port]` only.
        address: String,
    },
    /// The server claims to hold more bytes than could have reached it: more than Hoist sent,
    /// or more than the file has. Such a server cannot be trusted to have the file.
    #[error(
        "the server claims to hold {claimed_bytes} bytes, but {limit}; the upload was stopped and not counted as done"
    )]
    ImpossibleClaim {
        /// What the server claimed.
        claimed_bytes: u64,
        /// What made the claim impossible, in plain words ("only 262144 were sent").
        limit: String,
    },
    /// The server said the upload was complete before it could have had every byte.
    #[error(
        "the server said the upload was complete when only {sent_bytes} of {total_bytes} bytes had been sent; it was not counted as done"
    )]
    PrematureCompletion {
        /// Bytes sent when the server said so.
        sent_bytes: u64,
        /// The file's size.
        total_bytes: u64,
    },
    /// The server's copy does not match the file.
    #[error(
        "the server's copy differs from your file ({algorithm} {server} on the server, {local} here); the upload was not accepted as done"
    )]
    ChecksumMismatch {
        /// Which checksum.
        algorithm: &'static str,
        /// The server's value.
        server: String,
        /// Ours.
        local: String,
    },
    /// A destination setting is wrong (bad URL, bad bucket name).
    #[error("the destination is not valid: {detail}")]
    InvalidDestination {
        /// What is wrong.
        detail: String,
    },
    /// The service refused to process the uploaded file (e.g. a video it cannot encode).
    #[error("the service could not process the file: {detail}")]
    ProcessingFailed {
        /// The service's reason.
        detail: String,
    },
    /// The file breaks one of the service's limits (checked before any byte is sent).
    #[error("{detail}")]
    OverLimit {
        /// The limit and the file's value, in plain words.
        detail: String,
    },
    /// The saved protocol state could not be read.
    #[error("the saved upload state could not be read: {detail}")]
    BadState {
        /// What was wrong.
        detail: String,
    },
    /// The local file could not be read, or changed.
    #[error(transparent)]
    File(#[from] FileError),
}

/// The kinds of connection trouble, in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionProblem {
    /// No connection could be made.
    Unreachable,
    /// The server took too long.
    TimedOut,
    /// An open connection broke.
    Lost,
}

impl ConnectionProblem {
    fn describe(self) -> &'static str {
        match self {
            ConnectionProblem::Unreachable => "could not reach the server",
            ConnectionProblem::TimedOut => "the server did not answer in time",
            ConnectionProblem::Lost => "the connection to the server was lost",
        }
    }
}

/// What the engine should do about an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Wait (at least `after`, when given), ask the server where it is, and try again.
    Retry {
        /// The server's requested wait.
        after: Option<Duration>,
    },
    /// Refresh the credentials once and try again.
    Reauthenticate,
    /// Give up: retrying will not help.
    Fatal,
}

/// HTTP statuses worth retrying (PROTOCOLS.md §1).
pub const RETRYABLE_STATUSES: [u16; 6] = [408, 429, 500, 502, 503, 504];

impl ProtocolError {
    /// Decides what the engine does about this error.
    pub fn retry_class(&self) -> RetryClass {
        match self {
            ProtocolError::Connection { .. }
            | ProtocolError::Stalled { .. }
            | ProtocolError::NoProgress => RetryClass::Retry { after: None },
            ProtocolError::Status {
                status,
                retry_after,
                ..
            } if RETRYABLE_STATUSES.contains(status) => RetryClass::Retry {
                after: *retry_after,
            },
            ProtocolError::Unauthorized { .. } => RetryClass::Reauthenticate,
            _ => RetryClass::Fatal,
        }
    }

    /// True when the local file changed (the upload must be restarted by the user).
    pub fn is_file_changed(&self) -> bool {
        matches!(self, ProtocolError::File(FileError::Changed { .. }))
    }

    /// Builds a connection error from the HTTP client's error, without its URL (session URIs are
    /// secrets).
    pub fn from_reqwest(error: reqwest::Error) -> ProtocolError {
        let error = error.without_url();
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail.push_str(": ");
            detail.push_str(&cause.to_string());
            source = cause.source();
        }
        if error.is_decode() {
            return ProtocolError::BadResponse { detail };
        }
        if let Some(refusal) = certificate_refusal(&error) {
            return ProtocolError::Certificate { detail: refusal };
        }
        let problem = if error.is_connect() {
            ConnectionProblem::Unreachable
        } else if error.is_timeout() {
            ConnectionProblem::TimedOut
        } else {
            ConnectionProblem::Lost
        };
        ProtocolError::Connection { problem, detail }
    }

    /// What kind of failure this is, for the window and the command line.
    pub fn failure_kind(&self) -> FailureKind {
        match self {
            ProtocolError::Connection { .. } | ProtocolError::Stalled { .. } => {
                FailureKind::Network
            }
            ProtocolError::Certificate { .. } => FailureKind::Certificate,
            ProtocolError::Status { status: 401, .. }
            | ProtocolError::Unauthorized { .. }
            | ProtocolError::CredentialsRefused { .. } => FailureKind::TokenRefused,
            ProtocolError::Status { status: 403, .. } => FailureKind::AccessDenied,
            ProtocolError::Status { status: 404, .. } => FailureKind::NotFound,
            ProtocolError::Status { status: 410, .. } => FailureKind::SessionExpired,
            ProtocolError::Status { status: 413, .. } => FailureKind::OverLimit,
            ProtocolError::Status { .. } => FailureKind::ServerRejected,
            ProtocolError::MissingCredentials { .. } => FailureKind::SignInNeeded,
            ProtocolError::NoProgress
            | ProtocolError::BadResponse { .. }
            | ProtocolError::AnswerTooLarge { .. }
            | ProtocolError::ImpossibleClaim { .. }
            | ProtocolError::PrematureCompletion { .. } => FailureKind::ProtocolViolation,
            ProtocolError::InsecureAddress { .. } | ProtocolError::ForeignOrigin { .. } => {
                FailureKind::UnsafeAddress
            }
            ProtocolError::ChecksumMismatch { .. } => FailureKind::ChecksumMismatch,
            ProtocolError::InvalidDestination { .. } => FailureKind::InvalidDestination,
            ProtocolError::ProcessingFailed { .. } => FailureKind::ProcessingFailed,
            ProtocolError::OverLimit { .. } => FailureKind::OverLimit,
            ProtocolError::BadState { .. } => FailureKind::StateDamaged,
            ProtocolError::File(error) => error.failure_kind(),
        }
    }

    /// The typed failure: [`Self::failure_kind`] and this error's text (the technical detail
    /// of [`Self::technical_detail`] goes to the log only).
    pub fn failure(&self) -> Failure {
        Failure::new(self.failure_kind(), self.to_string())
    }

    /// The technical detail for the log (never a secret), beyond the plain message.
    pub fn technical_detail(&self) -> Option<&str> {
        match self {
            ProtocolError::Connection { detail, .. } => Some(detail),
            _ => None,
        }
    }
}

/// The TLS library's words when it refused the server's certificate, found anywhere in the
/// error's chain. I/O errors are looked into: their `source()` skips the error they wrap.
fn certificate_refusal(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use tokio_rustls::rustls::Error as TlsError;
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(tls @ (TlsError::InvalidCertificate(_) | TlsError::NoCertificatesPresented)) =
            current.downcast_ref::<TlsError>()
        {
            return Some(tls.to_string());
        }
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn classifies_statuses() {
        let status = |s| ProtocolError::Status {
            status: s,
            message: String::new(),
            retry_after: None,
        };
        for s in RETRYABLE_STATUSES {
            assert_eq!(status(s).retry_class(), RetryClass::Retry { after: None });
        }
        for s in [400, 403, 404, 413, 501] {
            assert_eq!(status(s).retry_class(), RetryClass::Fatal);
        }
        assert_eq!(
            ProtocolError::Unauthorized {
                message: String::new()
            }
            .retry_class(),
            RetryClass::Reauthenticate
        );
    }

    fn detail() -> String {
        "x".to_string()
    }

    /// Connection trouble, statuses and credentials, with the kind each must map to.
    fn connection_and_status_cases() -> Vec<(ProtocolError, FailureKind)> {
        let status = |status| ProtocolError::Status {
            status,
            message: "no".to_string(),
            retry_after: None,
        };
        vec![
            (
                ProtocolError::Connection {
                    problem: ConnectionProblem::Unreachable,
                    detail: "connection refused".to_string(),
                },
                FailureKind::Network,
            ),
            (
                ProtocolError::Stalled {
                    idle: Duration::from_secs(60),
                },
                FailureKind::Network,
            ),
            (
                ProtocolError::Certificate { detail: detail() },
                FailureKind::Certificate,
            ),
            (ProtocolError::NoProgress, FailureKind::ProtocolViolation),
            (status(401), FailureKind::TokenRefused),
            (status(403), FailureKind::AccessDenied),
            (status(404), FailureKind::NotFound),
            (status(410), FailureKind::SessionExpired),
            (status(413), FailureKind::OverLimit),
            (status(400), FailureKind::ServerRejected),
            (status(503), FailureKind::ServerRejected),
            (
                ProtocolError::Unauthorized { message: detail() },
                FailureKind::TokenRefused,
            ),
            (
                ProtocolError::CredentialsRefused {
                    status: 400,
                    message: detail(),
                },
                FailureKind::TokenRefused,
            ),
            (
                ProtocolError::MissingCredentials { detail: detail() },
                FailureKind::SignInNeeded,
            ),
        ]
    }

    /// What the server answered and the local file, with the kind each must map to.
    fn answer_and_file_cases() -> Vec<(ProtocolError, FailureKind)> {
        vec![
            (
                ProtocolError::BadResponse { detail: detail() },
                FailureKind::ProtocolViolation,
            ),
            (
                ProtocolError::AnswerTooLarge { limit_bytes: 1 },
                FailureKind::ProtocolViolation,
            ),
            (
                ProtocolError::InsecureAddress { address: detail() },
                FailureKind::UnsafeAddress,
            ),
            (
                ProtocolError::ForeignOrigin { address: detail() },
                FailureKind::UnsafeAddress,
            ),
            (
                ProtocolError::ImpossibleClaim {
                    claimed_bytes: 9,
                    limit: detail(),
                },
                FailureKind::ProtocolViolation,
            ),
            (
                ProtocolError::PrematureCompletion {
                    sent_bytes: 1,
                    total_bytes: 2,
                },
                FailureKind::ProtocolViolation,
            ),
            (
                ProtocolError::ChecksumMismatch {
                    algorithm: "md5",
                    server: detail(),
                    local: detail(),
                },
                FailureKind::ChecksumMismatch,
            ),
            (
                ProtocolError::InvalidDestination { detail: detail() },
                FailureKind::InvalidDestination,
            ),
            (
                ProtocolError::ProcessingFailed { detail: detail() },
                FailureKind::ProcessingFailed,
            ),
            (
                ProtocolError::OverLimit { detail: detail() },
                FailureKind::OverLimit,
            ),
            (
                ProtocolError::BadState { detail: detail() },
                FailureKind::StateDamaged,
            ),
            (
                ProtocolError::File(FileError::NotFound("/a.mov".into())),
                FailureKind::FileMissing,
            ),
            (
                ProtocolError::File(FileError::Changed {
                    what: "size",
                    path: "/a.mov".into(),
                }),
                FailureKind::FileChanged,
            ),
        ]
    }

    #[test]
    fn each_protocol_error_maps_to_its_failure_kind() {
        let cases = connection_and_status_cases()
            .into_iter()
            .chain(answer_and_file_cases());
        for (error, kind) in cases {
            assert_eq!(error.failure().kind, kind, "{error}");
        }
        let cut = ProtocolError::Connection {
            problem: ConnectionProblem::Lost,
            detail: "connection reset by peer".to_string(),
        };
        assert_eq!(
            cut.failure().detail,
            "the connection to the server was lost",
            "the HTTP client's words stay in the log"
        );
    }
}
