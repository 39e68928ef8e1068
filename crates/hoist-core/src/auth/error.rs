use std::time::Duration;

use crate::protocol::{ConnectionProblem, ProtocolError};

use super::token_store::TokenStoreError;

/// What went wrong signing in or getting a token. `Display` is for people; nothing here ever
/// holds a token, an authorization code, a verifier or a client secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// An endpoint address is malformed or not https (plain http is allowed for loopback only).
    #[error("the sign-in address is not valid: {detail}")]
    InvalidEndpoint {
        /// What is wrong with it.
        detail: String,
    },
    /// The loopback listener that receives the browser's redirect could not start.
    #[error("could not listen for the browser's answer on this computer: {detail}")]
    Listener {
        /// The OS error.
        detail: String,
    },
    /// The person refused the consent screen (or closed it with "Cancel").
    #[error("sign-in was cancelled: access to your Google account was not granted")]
    AccessDenied,
    /// The person stopped waiting for the browser (the window's "Cancel sign-in").
    #[error("the sign-in was cancelled")]
    Cancelled,
    /// The authorization server sent the browser back with another error.
    #[error("Google did not complete the sign-in: {code}{}", describe(.description))]
    Authorization {
        /// The `error` code (`invalid_scope`, `unauthorized_client`, ...).
        code: String,
        /// The server's `error_description`, when given.
        description: Option<String>,
    },
    /// No answer came back from the browser in time.
    #[error("no answer from the browser within {} minutes; run the sign-in again", .waited.as_secs().div_ceil(60))]
    TimedOut {
        /// How long Hoist waited.
        waited: Duration,
    },
    /// The saved sign-in was revoked or expired (`invalid_grant` on refresh).
    #[error(
        "Google no longer accepts the saved sign-in (it was revoked, expired or the password changed); sign in again: the profile's \"Sign in with Google\" button, or `hoist signin google`"
    )]
    SignInAgain,
    /// Nothing is saved for this account.
    #[error(
        "not signed in to Google yet; sign in with the profile's \"Sign in with Google\" button, or `hoist signin google`"
    )]
    NotSignedIn,
    /// The token endpoint refused a request for another reason.
    #[error("the sign-in server refused the request: {code}{}", describe(.description))]
    TokenRefused {
        /// The RFC 6749 `error` code.
        code: String,
        /// The server's `error_description`, when given.
        description: Option<String>,
    },
    /// The token endpoint could not be reached.
    #[error("could not reach the sign-in server")]
    Connection {
        /// Connection trouble, for the log (no URL).
        detail: String,
    },
    /// The token endpoint answered something that is not an OAuth answer.
    #[error("the sign-in server's answer was not understood: {detail}")]
    BadResponse {
        /// What was wrong (never the body, which may hold tokens).
        detail: String,
    },
    /// The token store failed.
    #[error(transparent)]
    Store(#[from] TokenStoreError),
}

fn describe(description: &Option<String>) -> String {
    match description {
        Some(text) if !text.trim().is_empty() => format!(" ({})", text.trim()),
        _ => String::new(),
    }
}

impl From<AuthError> for ProtocolError {
    /// Sign-in trouble during an upload: "sign in again" and "not signed in" are missing
    /// credentials (the upload fails with that message); a network failure is retried.
    fn from(error: AuthError) -> ProtocolError {
        match error {
            AuthError::Connection { detail } => ProtocolError::Connection {
                problem: ConnectionProblem::Unreachable,
                detail: format!("token endpoint: {detail}"),
            },
            other => ProtocolError::MissingCredentials {
                detail: other.to_string(),
            },
        }
    }
}
