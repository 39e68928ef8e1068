//! Wire protocols, one file each, all behind [`UploadSession`].
//!
//! A protocol knows the bytes on the wire and nothing about scheduling, retries, the journal or
//! progress reporting: the engine calls [`UploadSession::step`] again and again, persists what the
//! session reports after every acknowledgement, and decides from the [`ProtocolError`] whether to
//! wait and retry. After any failure the engine calls [`UploadSession::interrupted`], so the next
//! step asks the server what it has before sending anything.

mod context;
mod credentials;
mod error;
pub mod google;
mod http;

pub use context::SessionContext;
pub use credentials::{Credentials, EnvCredentials, NoCredentials, credentials_for};
pub use error::{ConnectionProblem, ProtocolError, RetryClass};
pub use http::{http_client, parse_retry_after, server_message};

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
    fn persistent_state(&self) -> serde_json::Value;
    /// Called after any failure or relaunch: the next step must ask the server before sending.
    fn interrupted(&mut self);
    /// Asks the server to discard the session where the protocol allows it (best effort).
    async fn cancel(&mut self, ctx: &SessionContext) -> Result<(), ProtocolError>;
}

/// Opens the session for `destination`, continuing from the saved `state` (`Null` for a new upload).
pub fn open_session(
    destination: &Destination,
    state: &serde_json::Value,
) -> Result<Box<dyn UploadSession>, ProtocolError> {
    match &destination.service {
        Service::GoogleResumable { .. }
        | Service::YouTube { .. }
        | Service::Drive { .. }
        | Service::CloudStorage { .. } => Ok(Box::new(google::GoogleSession::from_state(state)?)),
    }
}

/// Checks a destination before anything is queued: URLs parse, schemes are http(s).
pub fn validate_destination(destination: &Destination) -> Result<(), ProtocolError> {
    google::validate(&destination.service)
}

/// The outcome the caller should report when an upload ends.
pub type Completion = RemoteResult;
