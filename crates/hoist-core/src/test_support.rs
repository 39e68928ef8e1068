//! Shared helpers for the crate's tests.
//!
//! The property tests (`*proptests` modules, every one of them named so that
//! `cargo test -p hoist-core --lib proptest` runs them all) take their case count from
//! [`proptest_config`]: 2000 cases per property by default, so CI runs them quickly, and as many
//! as `HOIST_PROPTEST_CASES` says for a long run on demand:
//!
//! ```text
//! HOIST_PROPTEST_CASES=1000000 cargo test -p hoist-core --lib proptest
//! ```

use proptest::test_runner::Config as ProptestConfig;

/// The environment variable that sets how many cases each property runs.
pub(crate) const CASES_VAR: &str = "HOIST_PROPTEST_CASES";

/// Cases per property when [`CASES_VAR`] is not set (or is not a positive number).
pub(crate) const DEFAULT_CASES: u32 = 2000;

/// The configuration every property test uses: [`CASES_VAR`] cases (default
/// [`DEFAULT_CASES`]), and no regression files written into the source tree (a failure prints
/// its minimal input; add it to the module's unit tests by hand).
pub(crate) fn proptest_config() -> ProptestConfig {
    let cases = std::env::var(CASES_VAR)
        .ok()
        .and_then(|text| text.trim().parse::<u32>().ok())
        .filter(|cases| *cases > 0)
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        failure_persistence: None,
        // Shrinking a failure is bounded by time, not by a count that grows with `cases`.
        max_shrink_iters: 10_000,
        ..ProptestConfig::with_cases(cases)
    }
}

/// Header values as a hostile server might send them: any bytes HTTP allows in a value (which
/// includes non-ASCII bytes, so `to_str` may fail), text near what the parsers expect, and
/// numbers of every size, signed and fractional.
pub(crate) fn header_value_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        any::<String>().prop_map(String::into_bytes),
        "[ \\t]{0,2}(bytes=)?[-+]?[0-9]{0,22}([.,-][0-9]{0,22})?[ \\t]{0,2}"
            .prop_map(String::into_bytes),
        "[-+]?[0-9]{0,25}(\\.[0-9]{0,10})?([eE][-+]?[0-9]{1,4})?".prop_map(String::into_bytes),
        any::<u64>().prop_map(|n| n.to_string().into_bytes()),
        any::<f64>().prop_map(|n| n.to_string().into_bytes()),
        any::<i64>().prop_map(|n| n.to_string().into_bytes()),
    ]
}

/// A header map holding `name: value`, or `None` when HTTP does not allow those bytes in a
/// header value (a server cannot send them, so there is nothing to parse).
pub(crate) fn header_map(name: &'static str, value: &[u8]) -> Option<reqwest::header::HeaderMap> {
    let value = reqwest::header::HeaderValue::from_bytes(value).ok()?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(name, value);
    Some(headers)
}

/// JSON values of any shape, nested a few levels, with strings, big and negative numbers.
pub(crate) fn any_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-zA-Z0-9_/:.-]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::btree_map(json_key(), inner, 0..8)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Object keys: the names Hoist's decoders look for, often enough to reach their branches.
pub(crate) fn json_key() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        3 => prop::sample::select(vec![
            "error", "message", "detail", "title", "name", "type", "problems", "status",
            "encoding", "playable", "qualities", "quality", "ingest", "videoId", "assets",
            "player", "id", "size", "crc32c", "md5Hash", "mediaLink", "selfLink", "upload_id",
            "asset_id", "upload_urls", "upload_headers", "chunk_size", "total_chunks",
            "chunk_index", "url", "expires_at", "uploaded_chunks", "index", "data",
            "total_completed", "session_uri", "confirmed_bytes", "sent_high_water_bytes",
            "value", "upto_bytes", "upload_url", "length_declared", "expires_unix_secs",
            "capabilities", "extensions", "checksum_algorithms", "max_size_bytes",
            "video_id", "chunk_size_bytes", "acknowledged_parts", "source_uploaded", "video",
            "size_bytes", "total_size_bytes", "acknowledged", "unreported", "asset_url",
        ])
        .prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// Text shaped like a URL often enough to reach every branch of the URL checks.
pub(crate) fn url_like() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        any::<String>(),
        "(https?|HTTPS?|ftp|file|ws|data|javascript)://[a-zA-Z0-9.:@%\\[\\]_-]{0,24}(/[!-~]{0,16})?",
        "(https?)://(localhost|LOCALHOST|127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}|\\[::1\\]|\\[::ffff:127\\.0\\.0\\.1\\]|0x7f000001|2130706433|127\\.1|[a-z]{1,8}\\.(com|localhost|invalid))(:[0-9]{0,6})?(/[a-z?=&%]{0,12})?",
        "[a-z]{0,6}:[!-~]{0,24}",
    ]
}
