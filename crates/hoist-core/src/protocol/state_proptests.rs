//! Property tests of [`SessionState::from_value`] with [`open_session`]: any journal JSON
//! decodes to a state of the upload's protocol, `New`, or a typed `StartAgain`, never a panic;
//! a state that decodes opens a session whose progress is within the file.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{ProtocolError, SessionState, open_session};
use crate::store::StartAgainReason;
use crate::test_support::{any_json, proptest_config};
use crate::upload::{AuthSource, Destination, Service, WireProtocol};

const PROTOCOLS: [WireProtocol; 4] = [
    WireProtocol::GoogleResumable,
    WireProtocol::ApiVideo,
    WireProtocol::PresignedMultipart,
    WireProtocol::Tus,
];

fn destination(protocol: WireProtocol) -> Destination {
    let service = match protocol {
        WireProtocol::GoogleResumable => Service::GoogleResumable {
            initiate_url: "https://example.com/upload".to_string(),
        },
        WireProtocol::ApiVideo => Service::ApiVideo {
            host: "https://ws.api.video".to_string(),
            access: Default::default(),
            title: None,
            description: String::new(),
            tags: Vec::new(),
            public: false,
        },
        WireProtocol::PresignedMultipart => Service::PresignedMultipart {
            base_url: "https://api.example.com/v1".to_string(),
            asset_type: None,
            parallel_chunks: 2,
            max_size_bytes: None,
        },
        WireProtocol::Tus => Service::Tus {
            endpoint: "https://tus.example.com/files/".to_string(),
        },
    };
    Destination {
        service,
        auth: AuthSource::None,
    }
}

/// Numbers as a damaged journal might hold them: small, huge, negative, fractional, or text.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0u64..64).prop_map(Value::from),
        2 => any::<u64>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => Just(Value::from("12")),
        1 => Just(Value::Null),
    ]
}

/// Mostly a count that decodes (so the checks after decoding are reached), sometimes not.
fn count() -> impl Strategy<Value = Value> {
    prop_oneof![
        12 => (0u64..16).prop_map(Value::from),
        2 => any::<u64>().prop_map(Value::from),
        1 => number(),
    ]
}

fn text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::from("https://example.com/upload?id=x")),
        any::<String>().prop_map(Value::from),
        number(),
    ]
}

/// Objects shaped like each protocol's state, with values of any kind in each field; chunk
/// sets as lists of pairs in any order, overlapping, reversed or out of range.
fn state_like() -> impl Strategy<Value = Value> {
    let ranges = proptest::collection::vec(
        prop_oneof![
            12 => (count(), count()).prop_map(|(a, b)| json!([a, b])),
            1 => any_json(),
        ],
        0..5,
    );
    let google = (text(), number(), number(), number(), number(), number()).prop_map(
        |(uri, c, s, v, u, e)| {
            json!({"session_uri": uri, "confirmed_bytes": c, "sent_high_water_bytes": s,
                   "crc32c": {"value": v, "upto_bytes": u}, "expires_unix_secs": e})
        },
    );
    let apivideo =
        (text(), number(), number(), any::<bool>(), number()).prop_map(|(id, c, p, done, s)| {
            json!({"video_id": id, "chunk_size_bytes": c, "acknowledged_parts": p,
               "source_uploaded": done, "size_bytes": s})
        });
    let multipart = (
        text(),
        count(),
        count(),
        count(),
        ranges,
        proptest::collection::btree_map("[0-9]{1,2}", text(), 0..3),
        number(),
    )
        .prop_map(
            |(id, size, chunk, chunks, acknowledged, unreported, expires)| {
                json!({"upload_id": id, "total_size_bytes": size, "chunk_size_bytes": chunk,
                   "total_chunks": chunks, "acknowledged": acknowledged, "unreported": unreported,
                   "expires_unix_secs": expires})
            },
        );
    let tus = (text(), number(), any::<bool>(), number(), number()).prop_map(|(url, c, l, e, s)| {
        json!({"upload_url": url, "confirmed_bytes": c, "length_declared": l,
               "expires_unix_secs": e, "sent_high_water_bytes": s,
               "capabilities": {"extensions": ["creation"], "checksum_algorithms": [], "max_size_bytes": s}})
    });
    prop_oneof![google, apivideo, multipart, tus, any_json()]
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any stored JSON, for any protocol, is a state of that protocol, `New`, or `StartAgain`;
    /// a state is written back as it reads, opens a session (or is refused with `BadState`),
    /// and that session's progress never panics and stays within the file.
    #[test]
    fn stored_states_never_panic(stored in state_like(), which in 0usize..4) {
        let protocol = PROTOCOLS[which];
        let state = SessionState::from_value(protocol, stored.clone());
        prop_assert!(state.protocol().is_none_or(|p| p == protocol));
        if stored.is_null() {
            prop_assert_eq!(&state, &SessionState::New);
        }
        let written = serde_json::to_value(&state).expect("serialises");
        if !matches!(state, SessionState::StartAgain(_)) {
            prop_assert_eq!(SessionState::from_value(protocol, written), state.clone());
        }
        match open_session(&destination(protocol), state) {
            Ok(session) => {
                let confirmed = session.confirmed_bytes();
                if protocol == WireProtocol::PresignedMultipart {
                    let total = stored.get("total_size_bytes").and_then(Value::as_u64).unwrap_or(0);
                    prop_assert!(confirmed <= total, "{confirmed} > {total}");
                }
                let _ = session.persistent_state();
            }
            Err(error) => {
                let bad = matches!(error, ProtocolError::BadState { .. });
                prop_assert!(bad, "{error:?}");
            }
        }
    }

    /// A state of one protocol opened for another destination is refused, never mixed up; read
    /// back for another destination, it starts again.
    #[test]
    fn states_stay_with_their_protocol(stored in state_like(), which in 0usize..4, other in 0usize..4) {
        let state = SessionState::from_value(PROTOCOLS[which], stored);
        if !state.is_fresh() && which != other {
            let written = serde_json::to_value(&state).expect("serialises");
            let refused = matches!(
                open_session(&destination(PROTOCOLS[other]), state),
                Err(ProtocolError::BadState { .. })
            );
            prop_assert!(refused);
            let read_back = SessionState::from_value(PROTOCOLS[other], written);
            let other_protocol = matches!(
                read_back,
                SessionState::StartAgain(StartAgainReason::OtherProtocol { .. })
            );
            prop_assert!(other_protocol, "{read_back:?}");
        }
    }
}
