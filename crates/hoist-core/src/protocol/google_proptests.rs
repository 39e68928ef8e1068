//! Property tests of Google's answers: the 308 `Range` header and the completion JSON.

#![allow(
    clippy::disallowed_methods,
    reason = "one runtime per property, to run the async completion check"
)]

use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue, RANGE};

use super::*;
use crate::test_support::{any_json, header_map, header_value_bytes, proptest_config};

fn range(value: &str) -> Option<Result<u64, ProtocolError>> {
    header_map("range", value.as_bytes()).map(|headers| parse_range(&headers))
}

fn services() -> impl Strategy<Value = Service> {
    prop::sample::select(vec![
        Service::YouTube {
            title: None,
            description: String::new(),
            tags: Vec::new(),
            privacy: crate::upload::Privacy::Private,
            category_id: "22".to_string(),
            endpoint: YOUTUBE_ENDPOINT.to_string(),
        },
        Service::Drive {
            folder_id: None,
            endpoint: DRIVE_ENDPOINT.to_string(),
        },
        Service::CloudStorage {
            bucket: "b".to_string(),
            object_prefix: String::new(),
            host: STORAGE_HOST.to_string(),
        },
        Service::GoogleResumable {
            initiate_url: "https://example.com/upload".to_string(),
        },
    ])
}

/// Every string held anywhere in `value`.
fn strings_in(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings_in(v, out)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any `Range` a server sends gives a count or a typed error; never a panic. A count is at
    /// least 1 (`0-0` is one byte), since an absent header is the only way to say nothing.
    #[test]
    fn parse_range_never_panics(value in header_value_bytes()) {
        if let Some(headers) = header_map("range", &value) {
            match parse_range(&headers) {
                Ok(stored) => prop_assert!(stored >= 1),
                Err(error) => {
                    let bad = matches!(error, ProtocolError::BadResponse { .. });
                    prop_assert!(bad, "{error:?}");
                }
            }
        }
    }

    /// `bytes=0-N` (or `0-N`, with spaces around) is N + 1 stored bytes; N = u64::MAX does not
    /// fit and is an error.
    #[test]
    fn a_valid_range_parses_back(
        last in prop_oneof![0u64..1 << 40, any::<u64>(), Just(u64::MAX)],
        prefix in prop::sample::select(vec!["bytes=", ""]),
        space in "[ ]{0,2}",
    ) {
        let text = format!("{space}{prefix}0{space}-{space}{last}{space}");
        let parsed = range(&text);
        match last.checked_add(1) {
            Some(stored) => prop_assert_eq!(parsed.map(|r| r.ok()), Some(Some(stored)), "{}", text),
            None => prop_assert!(parsed.is_some_and(|r| r.is_err())),
        }
    }

    /// A range that does not start at byte 0 is refused: Google keeps only a prefix.
    #[test]
    fn a_range_not_from_zero_is_refused(first in 1u64.., last in any::<u64>()) {
        let text = format!("bytes={first}-{last}");
        prop_assert!(range(&text).is_some_and(|r| r.is_err()), "{}", text);
    }

    /// Any completion JSON gives a result whose id and link come from the answer's strings (or,
    /// for YouTube and Drive, the page built from the id); never a panic.
    #[test]
    fn remote_result_takes_only_answer_strings(response in any_json(), service in services()) {
        let mut strings = Vec::new();
        strings_in(&response, &mut strings);
        let vouches = confirms_whole_file(&response);
        prop_assert_eq!(
            vouches,
            ["size", "crc32c", "md5Hash"].iter().any(|k| response.get(*k).is_some_and(|v| !v.is_null()))
        );
        let result = remote_result(&service, response.clone());
        if let Some(id) = &result.remote_id {
            prop_assert!(strings.contains(id));
        }
        if let Some(url) = &result.url {
            prop_assert!(
                strings.contains(url) || url.starts_with("https://www.youtube.com/watch?v=")
                    || url.starts_with("https://drive.google.com/file/d/"),
                "{url}"
            );
        }
        prop_assert_eq!(result.response, response);
    }
}

/// The completion check against a real file: any answer either matches the file (its size, and
/// its CRC32C or MD5 when given) or is an error; a wrong size or checksum is never a success.
#[test]
fn completion_answers_are_checked_against_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let answer = prop_oneof![
        any_json(),
        (
            proptest::option::of(prop_oneof![
                Just(serde_json::Value::Null),
                (0u64..100).prop_map(serde_json::Value::from),
                "[0-9]{1,3}".prop_map(serde_json::Value::from),
            ]),
            proptest::option::of(prop_oneof![
                Just("right".to_string()),
                "[A-Za-z0-9+/=]{0,8}"
            ]),
            proptest::option::of(prop_oneof![
                Just("right".to_string()),
                "[A-Za-z0-9+/=]{0,24}"
            ]),
        )
            .prop_map(|(size, crc, md5)| {
                let mut object = serde_json::Map::new();
                if let Some(size) = size {
                    object.insert("size".to_string(), size);
                }
                if let Some(crc) = crc {
                    object.insert("crc32c".to_string(), crc.into());
                }
                if let Some(md5) = md5 {
                    object.insert("md5Hash".to_string(), md5.into());
                }
                serde_json::Value::Object(object)
            }),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(proptest_config());
    let result = runner.run(
        &(
            proptest::collection::vec(any::<u8>(), 0..100),
            answer,
            any::<bool>(),
        ),
        |(content, mut response, crc_known)| {
            let path = dir.path().join("file");
            std::fs::write(&path, &content).expect("write");
            let digests = crate::file::file_digests(&path).expect("digests");
            for (key, right) in [
                ("crc32c", &digests.crc32c_base64),
                ("md5Hash", &digests.md5_base64),
            ] {
                if response.get(key).and_then(|v| v.as_str()) == Some("right") {
                    response[key] = right.clone().into();
                }
            }
            let file = FileIdentity {
                path,
                size_bytes: content.len() as u64,
                modified_unix_nanos: 0,
                sample_sha256: String::new(),
            };
            let mut crc = RunningCrc32c::default();
            if crc_known {
                crc.feed(0, &content);
            }
            let checked = runtime.block_on(verify_object(
                &response,
                &file,
                crc,
                &crate::file::ByteCounter::new(),
            ));
            let size = response.get("size").and_then(|s| {
                s.as_str()
                    .map(str::to_string)
                    .or(s.as_u64().map(|n| n.to_string()))
            });
            let server_crc = response.get("crc32c").and_then(|v| v.as_str());
            let server_md5 = response.get("md5Hash").and_then(|v| v.as_str());
            let matches = size.is_none_or(|s| s == content.len().to_string())
                && match (server_crc, server_md5) {
                    (Some(crc), _) => crc == digests.crc32c_base64,
                    (None, Some(md5)) => md5 == digests.md5_base64,
                    (None, None) => true,
                };
            prop_assert_eq!(checked.is_ok(), matches, "{:?} for {:?}", checked, response);
            if let Err(error) = checked {
                let mismatch = matches!(error, ProtocolError::ChecksumMismatch { .. });
                prop_assert!(mismatch, "{error:?}");
            }
            Ok(())
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// An absent `Range` is nothing stored; a non-text one is a typed error.
#[test]
fn absent_and_binary_ranges() {
    assert_eq!(parse_range(&HeaderMap::new()).ok(), Some(0));
    let mut headers = HeaderMap::new();
    headers.insert(
        RANGE,
        HeaderValue::from_bytes(b"bytes=0-\xff").expect("value"),
    );
    assert!(matches!(
        parse_range(&headers),
        Err(ProtocolError::BadResponse { .. })
    ));
}
