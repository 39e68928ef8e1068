//! Property tests of api.video answers (problem details, video status, ids, rate-limit
//! headers) and of the part arithmetic.

use proptest::prelude::*;
use serde_json::Value;

use super::*;
use crate::test_support::{any_json, header_map, header_value_bytes, proptest_config};

/// Shapes close to a video status, so every branch of [`parse_status`] is reached.
fn status_like() -> impl Strategy<Value = Value> {
    let status = prop_oneof![
        Just(Value::from("failed")),
        Just(Value::from("encoded")),
        Just(Value::from("uploaded")),
        any_json(),
    ];
    (
        proptest::option::of(status.clone()),
        proptest::option::of(prop_oneof![any::<bool>().prop_map(Value::from), any_json()]),
        proptest::option::of(proptest::collection::vec(
            (
                proptest::option::of("[0-9]{3,4}p"),
                proptest::option::of(status),
            ),
            0..4,
        )),
        any::<bool>(),
    )
        .prop_map(|(ingest, playable, qualities, encoding_object)| {
            let mut encoding = serde_json::Map::new();
            if let Some(playable) = playable {
                encoding.insert("playable".to_string(), playable);
            }
            if let Some(qualities) = qualities {
                let qualities = qualities
                    .into_iter()
                    .map(|(quality, status)| {
                        let mut q = serde_json::Map::new();
                        if let Some(quality) = quality {
                            q.insert("quality".to_string(), quality.into());
                        }
                        if let Some(status) = status {
                            q.insert("status".to_string(), status);
                        }
                        Value::Object(q)
                    })
                    .collect();
                encoding.insert("qualities".to_string(), Value::Array(qualities));
            }
            let mut root = serde_json::Map::new();
            if let Some(ingest) = ingest {
                root.insert(
                    "ingest".to_string(),
                    serde_json::json!({ "status": ingest }),
                );
            }
            let encoding = if encoding_object {
                Value::Object(encoding)
            } else {
                Value::from("x")
            };
            root.insert("encoding".to_string(), encoding);
            Value::Object(root)
        })
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any error body (JSON of any shape, or text) gives a non-empty message; never a panic.
    #[test]
    fn problems_never_panic(body in prop_oneof![
        any::<String>(),
        any_json().prop_map(|v| v.to_string()),
        (any_json(), proptest::collection::vec(any_json(), 0..5)).prop_map(|(title, problems)| {
            serde_json::json!({"type": title, "title": title, "name": title, "problems": problems}).to_string()
        }),
    ]) {
        let problem = Problem::parse(&body);
        prop_assert!(!problem.message.is_empty(), "{body:?}");
        let _ = problem.is_source_already_uploaded();
    }

    /// Any video status gives an encoding state or a typed error; no encoding object is an error.
    #[test]
    fn statuses_never_panic(status in prop_oneof![any_json(), status_like()]) {
        match parse_status(&status) {
            Ok(Encoding::Playable) => {
                prop_assert_eq!(status.pointer("/encoding/playable"), Some(&Value::Bool(true)));
            }
            Ok(_) => prop_assert!(status.get("encoding").is_some_and(Value::is_object)),
            Err(error) => {
                prop_assert!(!status.get("encoding").is_some_and(Value::is_object));
                let bad = matches!(error, ProtocolError::BadResponse { .. });
                prop_assert!(bad, "{error:?}");
            }
        }
    }

    /// A video id is accepted only as 1 to 64 ASCII letters and digits (it goes into paths).
    #[test]
    fn video_ids_are_safe(video in prop_oneof![
        any_json(),
        any_json().prop_map(|id| serde_json::json!({"videoId": id})),
        "[ ]?[a-zA-Z0-9]{0,70}[ /.%]?".prop_map(|id| serde_json::json!({"videoId": id})),
    ]) {
        if let Ok(id) = video_id(&video) {
            prop_assert!(!id.is_empty() && id.len() <= 64);
            prop_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id:?}");
        }
        let result = remote_result(video.clone());
        prop_assert_eq!(result.remote_id, video_id(&video).ok());
    }

    /// Any rate-limit header gives a wait or nothing; never a panic.
    #[test]
    fn rate_limit_waits_never_panic(value in header_value_bytes()) {
        for name in ["x-ratelimit-retry-after", "retry-after"] {
            if let Some(headers) = header_map(name, &value) {
                let _ = retry_after(&headers);
            }
        }
    }

    /// Parts cover the file exactly: consecutive, each at most a chunk, the last ending at the
    /// file's end; all the parts confirm the whole file. Any numbers: never a panic.
    #[test]
    fn parts_cover_the_file(
        size in prop_oneof![0u64..1 << 20, any::<u64>()],
        chunk in prop_oneof![Just(0u64), 1u64..1 << 20, any::<u64>()],
        pick in any::<u64>(),
    ) {
        let parts = part_count(size, chunk);
        prop_assert!(parts >= 1);
        let part = 1 + pick % parts;
        let (start, len) = part_range(part, size, chunk);
        prop_assert!(start.checked_add(len).is_some_and(|end| end <= size));
        prop_assert!(len <= chunk.max(1));
        if part < parts {
            prop_assert_eq!(len, chunk.max(1));
            let (next, _) = part_range(part + 1, size, chunk);
            prop_assert_eq!(next, start + len);
        } else {
            prop_assert_eq!(start + len, size);
        }
        if chunk > 0 {
            prop_assert_eq!(confirmed_after(parts, size, chunk), size);
        }
        let range = content_range(part, parts, pick % 2 == 0);
        let expected = format!("part {part}/");
        prop_assert!(range.starts_with(&expected), "{}", range);
        let _ = part_range(pick, size, chunk);
        let _ = confirmed_after(pick, size, chunk);
    }
}
