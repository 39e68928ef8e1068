use std::path::{Path, PathBuf};

use serde_json::json;

use super::*;
use crate::store::Journal;
use crate::upload::UploadId;

const PROTOCOLS: [WireProtocol; 4] = [
    WireProtocol::GoogleResumable,
    WireProtocol::ApiVideo,
    WireProtocol::PresignedMultipart,
    WireProtocol::Tus,
];

/// A Google state as Hoist 0.1.0 wrote it (tests/fixtures/v0.1.0), with a made-up session URI.
fn google_0_1_0() -> Value {
    json!({
        "confirmed_bytes": 3145728,
        "crc32c": {"upto_bytes": 3145728, "value": 2538506048u32},
        "sent_high_water_bytes": 3145728,
        "session_uri": "http://127.0.0.1:9/upload?upload_id=secret-id"
    })
}

#[test]
fn null_is_new_and_new_and_start_again_are_null() {
    for protocol in PROTOCOLS {
        let state = SessionState::from_value(protocol, Value::Null);
        assert_eq!(state, SessionState::New);
        assert_eq!(state.protocol(), None);
        assert!(state.is_fresh());
        assert_eq!(
            SessionState::from_stored(protocol, "null"),
            SessionState::New
        );
    }
    assert_eq!(
        serde_json::to_value(SessionState::New).expect("serialises"),
        Value::Null
    );
    let start_again = SessionState::StartAgain(StartAgainReason::NotJson);
    assert_eq!(
        serde_json::to_value(start_again).expect("serialises"),
        Value::Null
    );
}

#[test]
fn an_untagged_0_1_0_state_is_read_and_written_back_tagged() {
    let stored = google_0_1_0();
    let state = SessionState::from_value(WireProtocol::GoogleResumable, stored.clone());
    let SessionState::Google(google) = &state else {
        panic!("decoded as {state:?}");
    };
    assert_eq!(
        google.session_uri.as_deref(),
        Some("http://127.0.0.1:9/upload?upload_id=secret-id")
    );
    assert_eq!(google.confirmed_bytes, 3_145_728);
    let written = serde_json::to_value(&state).expect("serialises");
    let mut expected = stored;
    expected[PROTOCOL_TAG] = json!("google");
    assert_eq!(written, expected, "the same object, with its tag");
    assert_eq!(
        SessionState::from_value(WireProtocol::GoogleResumable, written),
        state
    );
}

#[test]
fn a_tagged_state_is_still_readable_by_an_untagged_reader() {
    // 0.1.x decodes the protocol's struct from the column and skips fields it does not know.
    let state = SessionState::from_value(WireProtocol::GoogleResumable, google_0_1_0());
    let written = serde_json::to_value(&state).expect("serialises");
    let old_reader = GoogleState::deserialize(written).expect("the old shape still decodes");
    assert_eq!(SessionState::Google(old_reader), state);
}

#[test]
fn damaged_states_start_again_with_a_reason_that_quotes_nothing() {
    let secret = "https://example.com/upload?upload_id=secret-id";
    let cut_short = format!("{{\"session_uri\": \"{secret}");
    assert_eq!(
        SessionState::from_stored(WireProtocol::GoogleResumable, &cut_short),
        SessionState::StartAgain(StartAgainReason::NotJson)
    );
    for protocol in PROTOCOLS {
        for stored in [
            json!(["not", "a", "state"]),
            json!({"confirmed_bytes": secret, "upload_url": 5, "video_id": 5, "upload_id": 5}),
        ] {
            let state = SessionState::from_value(protocol, stored);
            let SessionState::StartAgain(reason) = &state else {
                panic!("{protocol:?} decoded as {state:?}");
            };
            assert!(
                matches!(reason, StartAgainReason::Damaged { protocol: p, .. } if *p == protocol),
                "{reason:?}"
            );
            let words = reason.to_string();
            assert!(!words.contains("secret"), "{words}");
            assert!(state.is_fresh());
        }
    }
}

#[test]
fn unknown_and_foreign_tags_start_again() {
    let mut from_newer = google_0_1_0();
    from_newer[PROTOCOL_TAG] = json!("carrier-pigeon");
    assert_eq!(
        SessionState::from_value(WireProtocol::GoogleResumable, from_newer),
        SessionState::StartAgain(StartAgainReason::UnknownProtocol)
    );
    let mut foreign = google_0_1_0();
    foreign[PROTOCOL_TAG] = json!("google");
    assert_eq!(
        SessionState::from_value(WireProtocol::Tus, foreign),
        SessionState::StartAgain(StartAgainReason::OtherProtocol {
            found: WireProtocol::GoogleResumable,
            expected: WireProtocol::Tus,
        })
    );
}

fn fixture_journal() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/session-states/journal.sqlite3")
}

/// tests/fixtures/session-states: one interrupted upload per protocol, as releases up to 0.1.x
/// wrote them (untagged), opens typed, and is written back in a shape that reads the same.
#[test]
fn every_protocol_s_state_written_before_the_tag_opens_typed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    std::fs::copy(fixture_journal(), &path).expect("copy the fixture");
    let opened = Journal::open(&path).expect("open");
    assert!(opened.recovered.is_none(), "{:?}", opened.recovered);
    let journal = opened.journal;
    let records = journal.list().expect("list");
    assert_eq!(records.len(), 5, "every row decodes");
    let state = |id: i64| journal.get(UploadId(id)).expect("get").protocol_state;

    let SessionState::Google(google) = state(1) else {
        panic!("row 1: {:?}", state(1));
    };
    assert!(
        google
            .session_uri
            .as_deref()
            .is_some_and(|u| u.ends_with("fixture-google"))
    );
    assert_eq!(
        (google.confirmed_bytes, google.crc32c.upto_bytes),
        (2_097_152, 2_097_152)
    );
    let SessionState::Tus(tus) = state(2) else {
        panic!("row 2: {:?}", state(2));
    };
    assert!(
        tus.upload_url
            .as_deref()
            .is_some_and(|u| u.ends_with("fixture-tus"))
    );
    assert_eq!(tus.confirmed_bytes, 1_048_576);
    assert!(tus.length_declared);
    let capabilities = tus.capabilities.as_ref().expect("capabilities kept");
    assert_eq!(capabilities.checksum_algorithms, ["sha1"]);
    let SessionState::Multipart(multipart) = state(3) else {
        panic!("row 3: {:?}", state(3));
    };
    assert_eq!(multipart.upload_id.as_deref(), Some("fixture-multipart"));
    assert_eq!(multipart.total_chunks, 6);
    assert_eq!(multipart.acknowledged.len(), 3);
    assert_eq!(multipart.unreported.len(), 1);
    let SessionState::ApiVideo(apivideo) = state(4) else {
        panic!("row 4: {:?}", state(4));
    };
    assert_eq!(apivideo.video_id.as_deref(), Some("vi-fixture"));
    assert_eq!(apivideo.acknowledged_parts, 1);
    assert_eq!(state(5), SessionState::New);

    for record in &records {
        journal
            .save_progress(
                record.id,
                record.confirmed_bytes,
                &record.protocol_state,
                false,
            )
            .expect("written back");
        assert_eq!(state(record.id.0), record.protocol_state, "{}", record.id);
    }
}

#[test]
fn expiries_are_kept_and_older_states_have_none() {
    // A 0.1.0 state knows no expiry, and writes none back.
    let old = SessionState::from_value(WireProtocol::GoogleResumable, google_0_1_0());
    assert_eq!(old.expires_unix_secs(), None);
    let written = serde_json::to_value(&old).expect("serialises");
    assert!(written.get("expires_unix_secs").is_none(), "{written}");
    for (protocol, stored) in [
        (
            WireProtocol::GoogleResumable,
            json!({"session_uri": "u", "confirmed_bytes": 0, "sent_high_water_bytes": 0,
                   "crc32c": {"upto_bytes": 0, "value": 0}, "expires_unix_secs": 1_700_000_000u64}),
        ),
        (
            WireProtocol::PresignedMultipart,
            json!({"upload_id": "m", "expires_unix_secs": 1_700_000_000u64}),
        ),
        (
            WireProtocol::Tus,
            json!({"upload_url": "u", "confirmed_bytes": 0, "expires_unix_secs": 1_700_000_000u64}),
        ),
    ] {
        let state = SessionState::from_value(protocol, stored);
        assert_eq!(
            state.expires_unix_secs(),
            Some(1_700_000_000),
            "{protocol:?}"
        );
        let again =
            SessionState::from_value(protocol, serde_json::to_value(&state).expect("serialises"));
        assert_eq!(again, state, "{protocol:?} round trip");
    }
    let apivideo = SessionState::from_value(WireProtocol::ApiVideo, json!({"video_id": "v"}));
    assert_eq!(
        apivideo.expires_unix_secs(),
        None,
        "api.video sessions do not expire"
    );
}
