//! Property tests of the multipart control API's answers (create, fresh URLs, report, status,
//! listing) and of the helpers that read them (URL lifetimes, ETags, chunk ranges, headers).

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::protocol::multipart::{chunk_headers, chunk_range, strip_etag, url_lifetime};
use crate::test_support::{any_json, proptest_config};

/// Decodes `body` as every answer type; each is a value or an error, never a panic.
fn decode_all(body: &[u8]) {
    let _ = serde_json::from_slice::<Created>(body);
    let _ = serde_json::from_slice::<FreshUrls>(body);
    let _ = serde_json::from_slice::<Reported>(body);
    let _ = serde_json::from_slice::<StatusPage>(body);
    let _ = serde_json::from_slice::<IncompletePage>(body);
    let _ = serde_json::from_slice::<RemoteSession>(body);
}

fn url_entry() -> impl Strategy<Value = Value> {
    (any::<u64>(), any::<String>(), proptest::option::of(any::<String>()))
        .prop_map(|(index, url, expires)| json!({"chunk_index": index, "url": url, "expires_at": expires}))
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any bytes, and any JSON, as any answer: decoded or a serde error; never a panic.
    #[test]
    fn answers_never_panic(body in prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..128),
        any_json().prop_map(|v| v.to_string().into_bytes()),
    ]) {
        decode_all(&body);
    }

    /// A well-formed create answer decodes to exactly what it says.
    #[test]
    fn create_answers_decode(
        upload_id in any::<String>(),
        asset_id in proptest::option::of(any::<String>()),
        urls in proptest::collection::vec(url_entry(), 0..4),
        headers in proptest::option::of(proptest::collection::btree_map(any::<String>(), any::<String>(), 0..3)),
        chunk_size in any::<u64>(),
        total_chunks in any::<u64>(),
    ) {
        let body = json!({
            "upload_id": upload_id, "asset_id": asset_id, "upload_urls": urls,
            "upload_headers": headers, "chunk_size": chunk_size, "total_chunks": total_chunks,
        });
        let created: Created = serde_json::from_value(body).expect("decodes");
        prop_assert_eq!(created.upload_id, upload_id);
        prop_assert_eq!(created.asset_id, asset_id);
        prop_assert_eq!(created.upload_urls.len(), urls.len());
        prop_assert_eq!(created.upload_headers, headers);
        prop_assert_eq!((created.chunk_size, created.total_chunks), (chunk_size, total_chunks));
    }

    /// A create answer with a wrong shape is an error: a negative, fractional or textual count,
    /// a missing id, a list that is not one.
    #[test]
    fn wrong_create_answers_are_errors(
        wrong in prop_oneof![
            any::<i64>().prop_filter("negative", |n| *n < 0).prop_map(Value::from),
            (0.5f64..1e6).prop_map(Value::from),
            any::<String>().prop_map(Value::from),
            Just(Value::Null),
        ],
        field in prop::sample::select(vec!["upload_id", "chunk_size", "total_chunks", "upload_urls"]),
    ) {
        let mut body = json!({"upload_id": "u", "chunk_size": 5, "total_chunks": 1, "upload_urls": []});
        body[field] = wrong.clone();
        let ok_anyway = match field {
            "upload_id" => wrong.is_string(),
            _ => false,
        };
        prop_assert_eq!(serde_json::from_value::<Created>(body).is_ok(), ok_anyway);
    }

    /// A URL's lifetime, from any `expires_at` text, is a duration (an hour when unreadable);
    /// never a panic, also at the edges of the calendar and with extreme offsets.
    #[test]
    fn url_lifetimes_never_panic(expires in prop_oneof![
        any::<String>(),
        "[0-9]{4}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,12})?([Zz]|[+-][0-2][0-9]:[0-5][0-9])",
        "(0000|9999|1970)-(01|12)-(01|31)T(00|23):(00|59):(00|59|60)(Z|[+-]23:59)",
    ]) {
        let lifetime = url_lifetime(Some(&expires));
        // RFC 3339 years end at 9999.
        prop_assert!(lifetime <= std::time::Duration::from_secs(10_000 * 366 * 86_400));
    }

    /// ETags lose their quotes and weak marker, and nothing else.
    #[test]
    fn etags_are_stripped(inner in "[!#-~]{0,20}", weak in any::<bool>(), junk in any::<String>()) {
        let _ = strip_etag(&junk);
        let tag = format!("{}\"{inner}\"", if weak { "W/" } else { "" });
        prop_assert_eq!(strip_etag(&tag), inner.trim_matches('"').trim());
    }

    /// Chunk ranges stay within the file for any numbers.
    #[test]
    fn chunk_ranges_stay_within_the_file(total in any::<u64>(), chunk in any::<u64>(), index in any::<u64>()) {
        let (start, len) = chunk_range(total, chunk, index);
        prop_assert!(start <= total);
        prop_assert!(start.checked_add(len).is_some_and(|end| end <= total));
        prop_assert!(len <= chunk);
    }

    /// Whatever headers the service asks for, a chunk `PUT` never carries the API key or an
    /// `Authorization`, and its length is Hoist's own.
    #[test]
    fn chunk_headers_never_carry_secrets(
        asked in proptest::collection::btree_map(
            prop_oneof![
                Just("x-api-key".to_string()), Just("X-Api-Key".to_string()),
                Just("authorization".to_string()), Just("Content-Length".to_string()),
                any::<String>(), "[a-z-]{1,12}",
            ],
            any::<String>(),
            0..6,
        ),
        len in any::<u64>(),
    ) {
        let headers = chunk_headers(&asked, len);
        prop_assert!(headers.get(API_KEY_HEADER).is_none());
        prop_assert!(headers.get(reqwest::header::AUTHORIZATION).is_none());
        let expected = len.to_string();
        prop_assert_eq!(
            headers.get(reqwest::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()),
            Some(expected.as_str())
        );
    }
}
