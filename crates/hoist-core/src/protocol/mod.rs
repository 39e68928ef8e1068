//! Wire protocols, one file each, all behind [`UploadSession`].
//!
//! A protocol knows the bytes on the wire and nothing about scheduling, retries, the journal or
//! progress reporting: the engine calls [`UploadSession::step`] again and again, persists what the
//! session reports after every acknowledgement, and decides from the [`ProtocolError`] whether to
//! wait and retry. After any failure the engine calls [`UploadSession::interrupted`], so the next
//! step asks the server what it has before sending anything.

pub mod apivideo;
mod chunk_size;
mod context;
mod credentials;
mod error;
pub mod expiry_dates;
pub mod google;
pub(crate) mod http;
pub mod multipart;
pub mod probe;
mod tls_roots;
pub mod tus;

pub use crate::store::SessionState;
pub use crate::upload::WireProtocol;
pub use chunk_size::{
    ChunkRules, DEFAULT_AUTO_START_BYTES, LinkRate, MAX_AUTO_CHUNK_BYTES, TARGET_CHUNK_TIME,
    auto_chunk_rules, next_chunk_bytes, start_chunk_bytes, unmeasured_start_bytes,
};
pub use context::SessionContext;
pub use credentials::{Credentials, EnvCredentials, NoCredentials, SecretScope, StoredCredentials};
pub use error::{ConnectionProblem, ProtocolError, RetryClass};
pub(crate) use http::is_loopback;
pub use http::{
    ANSWER_READ_TIMEOUT, MAX_ANSWER_BYTES, MAX_ERROR_BODY_BYTES, http_client, parse_retry_after,
    read_body, read_error_body, server_message,
};

use async_trait::async_trait;

use crate::upload::{Destination, RemoteResult, Service};

/// What one step achieved.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The server acknowledged something (a session, bytes, its status). The engine saves
    /// [`UploadSession::confirmed_bytes`] and [`UploadSession::persistent_state`].
    /// `rewound` is true when the confirmed count went down (the server lost data or a new session
    /// started), which is the only time it may.
    Progress {
        /// The confirmed count went down.
        rewound: bool,
    },
    /// Every byte is on the server, which is still processing them (encoding a video, ...).
    /// The engine saves the state, shows the upload as processing, waits (with backoff) and
    /// steps again; the session's next step asks the server how far it got.
    Processing,
    /// Every byte is on the server; here is what it answered.
    Completed(RemoteResult),
}

/// One upload's conversation with a server, resumable from its [`persistent_state`](Self::persistent_state).
#[async_trait]
pub trait UploadSession: Send {
    /// Does the next request (create the session, ask for status, send bytes, ...).
    async fn step(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError>;
    /// Bytes the server has confirmed.
    fn confirmed_bytes(&self) -> u64;
    /// The state to save in the journal (session URI etc.; treated as a secret).
    fn persistent_state(&self) -> SessionState;
    /// Called after any failure or relaunch: the next step must ask the server before sending.
    fn interrupted(&mut self);
    /// Called instead of [`interrupted`](Self::interrupted) when nothing moved for too long:
    /// whatever is still under way is stuck and must be dropped. By default the same.
    fn stalled(&mut self) {
        self.interrupted();
    }
    /// Asks the server to discard the session where the protocol allows it (best effort).
    async fn cancel(&mut self, ctx: &SessionContext) -> Result<(), ProtocolError>;
}

/// Opens the session for `destination`, continuing from the saved `state`
/// ([`SessionState::New`] for a new upload; [`SessionState::StartAgain`] is the same). A state of
/// another protocol is an error.
pub fn open_session(
    destination: &Destination,
    state: SessionState,
) -> Result<Box<dyn UploadSession>, ProtocolError> {
    let protocol = WireProtocol::of(&destination.service);
    let state = match state {
        SessionState::StartAgain(_) => SessionState::New,
        state => state,
    };
    match (protocol, state) {
        (WireProtocol::GoogleResumable, SessionState::New) => Ok(Box::new(
            google::GoogleSession::from_state(Default::default())?,
        )),
        (WireProtocol::GoogleResumable, SessionState::Google(state)) => {
            Ok(Box::new(google::GoogleSession::from_state(state)?))
        }
        (WireProtocol::ApiVideo, SessionState::New) => Ok(Box::new(
            apivideo::ApiVideoSession::from_state(Default::default())?,
        )),
        (WireProtocol::ApiVideo, SessionState::ApiVideo(state)) => {
            Ok(Box::new(apivideo::ApiVideoSession::from_state(state)?))
        }
        (WireProtocol::PresignedMultipart, SessionState::New) => Ok(Box::new(
            multipart::MultipartSession::from_state(Default::default())?,
        )),
        (WireProtocol::PresignedMultipart, SessionState::Multipart(state)) => {
            Ok(Box::new(multipart::MultipartSession::from_state(state)?))
        }
        (WireProtocol::Tus, SessionState::New) => {
            Ok(Box::new(tus::TusSession::from_state(Default::default())?))
        }
        (WireProtocol::Tus, SessionState::Tus(state)) => {
            Ok(Box::new(tus::TusSession::from_state(state)?))
        }
        (protocol, state) => Err(ProtocolError::BadState {
            detail: format!(
                "the saved state is for {:?}, the destination speaks {protocol:?}",
                state.protocol()
            ),
        }),
    }
}

/// Checks a destination before anything is queued: URLs parse, schemes are http(s).
pub fn validate_destination(destination: &Destination) -> Result<(), ProtocolError> {
    match &destination.service {
        Service::GoogleResumable { .. }
        | Service::YouTube { .. }
        | Service::Drive { .. }
        | Service::CloudStorage { .. } => google::validate(&destination.service),
        Service::ApiVideo { .. } => apivideo::validate(&destination.service),
        Service::PresignedMultipart { .. } => multipart::validate(&destination.service),
        Service::Tus { .. } => tus::validate(&destination.service),
    }
}

/// Checks one file's upload before it is queued and before any byte is sent: the destination,
/// the chunk size the protocol allows, and the service's limits (e.g. the largest file).
/// `size_bytes` is the file's size; `chunk_size_bytes` the chunk size asked for, if any.
pub fn validate_upload(
    destination: &Destination,
    size_bytes: u64,
    chunk_size_bytes: Option<u64>,
) -> Result<(), ProtocolError> {
    validate_destination(destination)?;
    match &destination.service {
        Service::GoogleResumable { .. }
        | Service::YouTube { .. }
        | Service::Drive { .. }
        | Service::CloudStorage { .. } => google::validate_chunk_size(chunk_size_bytes),
        Service::ApiVideo { .. } => {
            apivideo::validate_upload(&destination.service, size_bytes, chunk_size_bytes)
        }
        Service::PresignedMultipart { .. } => {
            multipart::validate_upload(&destination.service, size_bytes, chunk_size_bytes)
        }
        Service::Tus { .. } => tus::validate_upload(size_bytes, chunk_size_bytes),
    }
}

/// How long the service keeps an unfinished upload session before it is lost and the upload
/// must start again from byte 0 (`None`: no such limit, or the server says so per upload).
/// Google's session URIs live about a week; a presigned-multipart `upload_id` 24 hours.
pub fn session_lifetime(service: &Service) -> Option<std::time::Duration> {
    const HOUR: u64 = 3600;
    match service {
        Service::GoogleResumable { .. }
        | Service::YouTube { .. }
        | Service::Drive { .. }
        | Service::CloudStorage { .. } => Some(std::time::Duration::from_secs(7 * 24 * HOUR)),
        Service::PresignedMultipart { .. } => Some(std::time::Duration::from_secs(24 * HOUR)),
        Service::ApiVideo { .. } | Service::Tus { .. } => None,
    }
}

/// The outcome the caller should report when an upload ends.
pub type Completion = RemoteResult;

#[cfg(test)]
mod state_proptests;
