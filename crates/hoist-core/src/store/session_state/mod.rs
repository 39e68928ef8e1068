//! What an upload needs to continue after a restart, typed per protocol.
//!
//! On disk (the journal's `protocol_state_json`), a state is `null` before the first
//! acknowledgement, otherwise the protocol's own object with a `"protocol"` tag (`"google"`,
//! `"api_video"`, `"multipart"`, `"tus"`). Releases up to 0.1.x wrote the same objects without
//! the tag; for those the row's destination says which protocol the object belongs to. Older
//! releases ignore the tag (they skip fields they do not know), so the journal needs no new
//! schema version and stays readable both ways.
//!
//! A state that cannot be used (damaged, another protocol's, or a protocol this release does not
//! know) decodes to [`SessionState::StartAgain`] with its reason, never to an error or a panic:
//! the engine logs the reason and starts a new session, as for [`SessionState::New`].

mod apivideo;
mod chunk_set;
mod google;
mod multipart;
mod tus;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use apivideo::ApiVideoState;
pub(crate) use chunk_set::ChunkSet;
pub use google::GoogleState;
pub use multipart::MultipartState;
pub(crate) use tus::Capabilities;
pub use tus::TusState;

use crate::upload::WireProtocol;

/// The field naming a state's protocol in the journal's JSON.
pub const PROTOCOL_TAG: &str = "protocol";

/// An upload's resume state: nothing yet, one protocol's state, or a saved state that cannot be
/// used. It holds session URIs and upload ids, which are bearer capabilities: its `Debug` output
/// redacts them.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// No acknowledgement yet: the next step starts a new session.
    New,
    /// Google's resumable protocol.
    Google(GoogleState),
    /// api.video.
    ApiVideo(ApiVideoState),
    /// Presigned-URL multipart.
    Multipart(MultipartState),
    /// tus.
    Tus(TusState),
    /// The journal held a state that cannot be used: the next step starts a new session, as for
    /// [`SessionState::New`], and the reason goes to the log. Written back as `null`.
    StartAgain(StartAgainReason),
}

/// Why a saved state cannot be used. The words are for the log; they never quote the state
/// (it may hold session URIs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartAgainReason {
    /// The column is not JSON at all (cut short, overwritten).
    #[error("the saved session state is not valid JSON")]
    NotJson,
    /// JSON, but not in the shape the protocol keeps.
    #[error("the saved {protocol:?} session state is not in the expected shape ({problem})")]
    Damaged {
        /// The protocol whose shape was expected.
        protocol: WireProtocol,
        /// What is wrong (serde's words up to the first quoted value: field names only).
        problem: String,
    },
    /// Tagged with a protocol this release does not know (written by a newer release?).
    #[error("the saved session state names a protocol this release does not know")]
    UnknownProtocol,
    /// Another protocol's state than the destination speaks.
    #[error("the saved session state is for {found:?}, the destination speaks {expected:?}")]
    OtherProtocol {
        /// The protocol the state is tagged with.
        found: WireProtocol,
        /// The protocol of the upload's destination.
        expected: WireProtocol,
    },
}

impl SessionState {
    /// Decodes the journal's column for an upload whose destination speaks `protocol`.
    pub fn from_stored(protocol: WireProtocol, json: &str) -> SessionState {
        match serde_json::from_str::<Value>(json) {
            Ok(value) => SessionState::from_value(protocol, value),
            Err(_) => SessionState::StartAgain(StartAgainReason::NotJson),
        }
    }

    /// Decodes a state already parsed as JSON (see [`SessionState::from_stored`]).
    pub fn from_value(protocol: WireProtocol, mut value: Value) -> SessionState {
        if value.is_null() {
            return SessionState::New;
        }
        if let Some(tag) = value.as_object_mut().and_then(|o| o.remove(PROTOCOL_TAG)) {
            match tag.as_str().and_then(protocol_of_tag) {
                None => return SessionState::StartAgain(StartAgainReason::UnknownProtocol),
                Some(found) if found != protocol => {
                    return SessionState::StartAgain(StartAgainReason::OtherProtocol {
                        found,
                        expected: protocol,
                    });
                }
                Some(_) => {}
            }
        }
        let decoded = match protocol {
            WireProtocol::GoogleResumable => {
                GoogleState::deserialize(value).map(SessionState::Google)
            }
            WireProtocol::ApiVideo => ApiVideoState::deserialize(value).map(SessionState::ApiVideo),
            WireProtocol::PresignedMultipart => {
                MultipartState::deserialize(value).map(SessionState::Multipart)
            }
            WireProtocol::Tus => TusState::deserialize(value).map(SessionState::Tus),
        };
        decoded.unwrap_or_else(|error| {
            SessionState::StartAgain(StartAgainReason::Damaged {
                protocol,
                problem: problem_words(&error),
            })
        })
    }

    /// The protocol this state belongs to (`None` for [`SessionState::New`] and
    /// [`SessionState::StartAgain`]).
    pub fn protocol(&self) -> Option<WireProtocol> {
        match self {
            SessionState::New | SessionState::StartAgain(_) => None,
            SessionState::Google(_) => Some(WireProtocol::GoogleResumable),
            SessionState::ApiVideo(_) => Some(WireProtocol::ApiVideo),
            SessionState::Multipart(_) => Some(WireProtocol::PresignedMultipart),
            SessionState::Tus(_) => Some(WireProtocol::Tus),
        }
    }

    /// When the server's session ends (seconds since the Unix epoch), where known: Google's
    /// session URI (creation plus a week), a multipart session's `expires_at`, tus
    /// `Upload-Expires`. api.video sessions do not expire (its tokens are renewed as they go).
    pub fn expires_unix_secs(&self) -> Option<u64> {
        match self {
            SessionState::Google(state) => state.expires_unix_secs,
            SessionState::Multipart(state) => state.expires_unix_secs,
            SessionState::Tus(state) => state.expires_unix_secs,
            SessionState::New | SessionState::StartAgain(_) | SessionState::ApiVideo(_) => None,
        }
    }

    /// True when there is no server session to continue ([`SessionState::New`] or
    /// [`SessionState::StartAgain`]).
    pub fn is_fresh(&self) -> bool {
        self.protocol().is_none()
    }
}

/// The tag's name for each protocol (the serde names of [`Tagged`]).
fn protocol_of_tag(tag: &str) -> Option<WireProtocol> {
    match tag {
        "google" => Some(WireProtocol::GoogleResumable),
        "api_video" => Some(WireProtocol::ApiVideo),
        "multipart" => Some(WireProtocol::PresignedMultipart),
        "tus" => Some(WireProtocol::Tus),
        _ => None,
    }
}

/// How a state with a protocol is written: the protocol's object with its tag.
#[derive(Serialize)]
#[serde(tag = "protocol", rename_all = "snake_case")]
enum Tagged<'a> {
    Google(&'a GoogleState),
    ApiVideo(&'a ApiVideoState),
    Multipart(&'a MultipartState),
    Tus(&'a TusState),
}

/// Written as the protocol's tagged object; `null` for [`SessionState::New`] and
/// [`SessionState::StartAgain`].
impl Serialize for SessionState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SessionState::New | SessionState::StartAgain(_) => serializer.serialize_none(),
            SessionState::Google(state) => Tagged::Google(state).serialize(serializer),
            SessionState::ApiVideo(state) => Tagged::ApiVideo(state).serialize(serializer),
            SessionState::Multipart(state) => Tagged::Multipart(state).serialize(serializer),
            SessionState::Tus(state) => Tagged::Tus(state).serialize(serializer),
        }
    }
}

/// serde's words for a shape problem, cut before the first quoted value so that no stored
/// value (a session URI in the wrong field) reaches the log: "missing field `session_uri`",
/// "invalid type".
fn problem_words(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let cut = text
        .find([':', '"'])
        .map_or(text.as_str(), |at| &text[..at]);
    cut.trim().to_string()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
