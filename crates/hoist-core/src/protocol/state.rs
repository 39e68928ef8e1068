//! What an upload needs to continue after a restart, typed per protocol.
//!
//! The journal keeps each protocol's state as that protocol's own JSON object (`null` before the
//! first acknowledgement), exactly as every release so far has written it. The journal row's
//! destination says which protocol the object belongs to, so decoding takes the [`WireProtocol`]
//! instead of reading a tag from the JSON: a journal written by 0.1.0 opens unchanged.

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use super::ProtocolError;
use super::apivideo::ApiVideoState;
use super::google::GoogleState;
use super::multipart::MultipartState;
use super::tus::TusState;
use crate::upload::Service;

/// The wire protocol a service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireProtocol {
    /// Google's resumable upload protocol (YouTube, Drive, Cloud Storage, compatible servers).
    GoogleResumable,
    /// api.video's chunked upload.
    ApiVideo,
    /// Presigned-URL multipart (Twelve Labs-style).
    PresignedMultipart,
    /// tus 1.0.
    Tus,
}

impl WireProtocol {
    /// The protocol `service` speaks.
    pub fn of(service: &Service) -> WireProtocol {
        match service {
            Service::GoogleResumable { .. }
            | Service::YouTube { .. }
            | Service::Drive { .. }
            | Service::CloudStorage { .. } => WireProtocol::GoogleResumable,
            Service::ApiVideo { .. } => WireProtocol::ApiVideo,
            Service::PresignedMultipart { .. } => WireProtocol::PresignedMultipart,
            Service::Tus { .. } => WireProtocol::Tus,
        }
    }
}

/// An upload's resume state: nothing yet, or one protocol's state. It holds session URIs and
/// upload ids, which are bearer capabilities: its `Debug` output redacts them.
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
}

impl SessionState {
    /// Decodes the journal's JSON for an upload over `protocol` (`null` is [`SessionState::New`]).
    /// A state that does not decode is an error, never a silent start from byte 0.
    pub fn from_stored(
        protocol: WireProtocol,
        stored: &serde_json::Value,
    ) -> Result<SessionState, ProtocolError> {
        if stored.is_null() {
            return Ok(SessionState::New);
        }
        Ok(match protocol {
            WireProtocol::GoogleResumable => SessionState::Google(decode(stored)?),
            WireProtocol::ApiVideo => SessionState::ApiVideo(decode(stored)?),
            WireProtocol::PresignedMultipart => SessionState::Multipart(decode(stored)?),
            WireProtocol::Tus => SessionState::Tus(decode(stored)?),
        })
    }

    /// The protocol this state belongs to (`None` for [`SessionState::New`]).
    pub fn protocol(&self) -> Option<WireProtocol> {
        match self {
            SessionState::New => None,
            SessionState::Google(_) => Some(WireProtocol::GoogleResumable),
            SessionState::ApiVideo(_) => Some(WireProtocol::ApiVideo),
            SessionState::Multipart(_) => Some(WireProtocol::PresignedMultipart),
            SessionState::Tus(_) => Some(WireProtocol::Tus),
        }
    }
}

/// Written as the protocol's own object (`null` for [`SessionState::New`]): the journal's format.
impl Serialize for SessionState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SessionState::New => serializer.serialize_none(),
            SessionState::Google(state) => state.serialize(serializer),
            SessionState::ApiVideo(state) => state.serialize(serializer),
            SessionState::Multipart(state) => state.serialize(serializer),
            SessionState::Tus(state) => state.serialize(serializer),
        }
    }
}

fn decode<T: DeserializeOwned>(stored: &serde_json::Value) -> Result<T, ProtocolError> {
    T::deserialize(stored).map_err(|e| ProtocolError::BadState {
        detail: e.to_string(),
    })
}

#[cfg(test)]
#[path = "state_proptests.rs"]
mod state_proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_is_new_and_new_is_null() {
        for protocol in [
            WireProtocol::GoogleResumable,
            WireProtocol::ApiVideo,
            WireProtocol::PresignedMultipart,
            WireProtocol::Tus,
        ] {
            let state = SessionState::from_stored(protocol, &serde_json::Value::Null)
                .expect("null decodes");
            assert_eq!(state, SessionState::New);
            assert_eq!(state.protocol(), None);
        }
        assert_eq!(
            serde_json::to_value(SessionState::New).expect("serialises"),
            serde_json::Value::Null
        );
    }

    #[test]
    fn a_0_1_0_google_state_round_trips_unchanged() {
        // Written by Hoist 0.1.0 (tests/fixtures/v0.1.0), with a made-up session URI.
        let stored = serde_json::json!({
            "confirmed_bytes": 3145728,
            "crc32c": {"upto_bytes": 3145728, "value": 2538506048u32},
            "sent_high_water_bytes": 3145728,
            "session_uri": "http://127.0.0.1:9/upload?upload_id=secret-id"
        });
        let state =
            SessionState::from_stored(WireProtocol::GoogleResumable, &stored).expect("decodes");
        assert_eq!(state.protocol(), Some(WireProtocol::GoogleResumable));
        assert_eq!(serde_json::to_value(&state).expect("serialises"), stored);
    }

    #[test]
    fn a_state_that_does_not_decode_is_an_error() {
        let stored = serde_json::json!(["not", "a", "state"]);
        for protocol in [
            WireProtocol::GoogleResumable,
            WireProtocol::ApiVideo,
            WireProtocol::PresignedMultipart,
            WireProtocol::Tus,
        ] {
            assert!(
                matches!(
                    SessionState::from_stored(protocol, &stored),
                    Err(ProtocolError::BadState { .. })
                ),
                "{protocol:?}"
            );
        }
    }
}
