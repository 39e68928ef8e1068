//! Property tests of tus answers: `Upload-Offset`/`Upload-Length`/`Tus-Max-Size` numbers,
//! `Upload-Expires` dates, extension lists, `Location` and `Upload-Metadata`.

use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;

use super::*;
use crate::test_support::{header_map, header_value_bytes, proptest_config, url_like};

fn endpoints() -> impl Strategy<Value = url::Url> {
    prop::sample::select(vec![
        "https://tus.example.org/files/",
        "https://tus.example.org:8443/a/b",
        "http://127.0.0.1:1080/files/",
        "http://localhost/files",
    ])
    .prop_filter_map("url", |text| url::Url::parse(text).ok())
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any offset header gives a number or a typed error; a number is exactly the digits sent.
    #[test]
    fn parse_number_never_panics(value in header_value_bytes()) {
        if let Some(headers) = header_map("upload-offset", &value) {
            match parse_number(&headers, "upload-offset") {
                Ok(Some(number)) => {
                    let text = String::from_utf8_lossy(&value);
                    let digits = text.trim().trim_start_matches('0');
                    let shown = if number == 0 { String::new() } else { number.to_string() };
                    prop_assert_eq!(digits, shown.as_str());
                }
                Ok(None) => prop_assert!(false, "a present header read as absent"),
                Err(error) => {
                    let bad = matches!(error, ProtocolError::BadResponse { .. });
                    prop_assert!(bad, "{error:?}");
                }
            }
        }
    }

    /// Every u64 (with leading zeros or spaces) reads back; signs, fractions and numbers over
    /// u64::MAX are errors, never a wrapped or clamped offset.
    #[test]
    fn offsets_round_trip(
        number in any::<u64>(),
        zeros in "0{0,3}",
        space in "[ \\t]{0,2}",
        damage in prop::sample::select(vec!["", "+", "-", ".0", "0", "e3", " 1"]),
    ) {
        let text = match damage {
            "" => format!("{space}{zeros}{number}{space}"),
            "+" | "-" => format!("{damage}{number}"),
            "0" => format!("{}0", u128::from(number) + u128::from(u64::MAX)),
            _ => format!("{number}{damage}"),
        };
        let read = header_map("upload-length", text.as_bytes())
            .map(|headers| parse_number(&headers, "upload-length"));
        if damage.is_empty() {
            prop_assert_eq!(read.map(|r| r.ok()), Some(Some(Some(number))));
        } else {
            prop_assert!(read.is_some_and(|r| r.is_err()), "{text} accepted");
        }
    }

    /// Any `Upload-Expires` gives a time or nothing; never a panic.
    #[test]
    fn parse_expires_never_panics(value in prop_oneof![
        header_value_bytes(),
        "(Mon|Tue|Sun|Xyz), [0-9]{1,2} (Jan|Feb|Jun|Dec|Foo) [0-9]{1,5} [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2} (GMT|UTC)".prop_map(String::into_bytes),
    ]) {
        if let Some(headers) = header_map("upload-expires", &value) {
            let _ = parse_expires(&headers);
        }
    }

    /// Every HTTP date from 1970 to 9999 reads back to its second.
    #[test]
    fn expiry_dates_round_trip(secs in 0u64..253_402_300_800) {
        let text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        let read = header_map("upload-expires", text.as_bytes()).map(|headers| parse_expires(&headers));
        prop_assert_eq!(read, Some(Some(secs)), "{}", text);
    }

    /// Extension lists give trimmed, lowercase, non-empty items, one per comma-separated entry.
    #[test]
    fn lists_are_clean(value in prop_oneof![any::<String>(), "[a-zA-Z0-9 ,-]{0,40}"]) {
        let items = parse_list(&value);
        prop_assert!(items.len() <= value.matches(',').count() + 1);
        for item in &items {
            prop_assert!(!item.is_empty() && !item.contains(','));
            prop_assert_eq!(item.trim(), item.as_str());
            prop_assert_eq!(&item.to_ascii_lowercase(), item);
        }
    }

    /// Any `Location` resolves to an address that keeps the endpoint's safety, or is an error;
    /// never a panic. Over an https endpoint, the upload never goes over plain http.
    #[test]
    fn locations_never_lower_safety(
        endpoint in endpoints(),
        location in prop_oneof![url_like(), "[/.a-z0-9?#%:]{0,24}", any::<String>()],
    ) {
        match resolve_location(&endpoint, &location) {
            Ok(resolved) => {
                let scheme = resolved.scheme();
                prop_assert!(scheme == "https" || scheme == "http", "{resolved}");
                if endpoint.scheme() == "https" {
                    prop_assert_eq!(scheme, "https");
                } else if scheme == "http" {
                    prop_assert!(crate::protocol::http::is_loopback(&resolved), "{resolved}");
                }
                let _ = remote_id_of(resolved.as_str());
            }
            Err(error) => {
                let typed = matches!(
                    error,
                    ProtocolError::BadResponse { .. } | ProtocolError::InsecureAddress { .. }
                );
                prop_assert!(typed, "{error:?}");
            }
        }
        let _ = remote_id_of(&location);
    }

    /// `Upload-Metadata` decodes back to the pairs it was made from.
    #[test]
    fn metadata_round_trips(pairs in proptest::collection::vec(("[a-z][a-z0-9_-]{0,8}", any::<String>()), 0..5)) {
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let encoded = encode_metadata(&borrowed);
        let decoded: Vec<(String, String)> = if encoded.is_empty() {
            Vec::new()
        } else {
            encoded
                .split(',')
                .map(|pair| {
                    let (key, value) = pair.split_once(' ').unwrap_or((pair, ""));
                    let value = BASE64.decode(value).expect("base64");
                    (key.to_string(), String::from_utf8(value).expect("utf-8"))
                })
                .collect()
        };
        prop_assert_eq!(decoded, pairs);
    }

    /// A `PATCH` ends after its start (unless the file is done) and never past the file.
    #[test]
    fn patches_stay_within_the_file(
        total in any::<u64>(),
        start_fraction in 0.0f64..=1.0,
        chunk in proptest::option::of(prop_oneof![Just(0u64), 1u64..1 << 30, any::<u64>()]),
        checksums in any::<bool>(),
    ) {
        let start = (total as f64 * start_fraction) as u64;
        let start = start.min(total);
        let end = patch_end(start, total, chunk, checksums);
        prop_assert!(end <= total);
        prop_assert!(end >= start);
        if start < total {
            prop_assert!(end > start);
        }
        if checksums && chunk.is_none() {
            prop_assert!(end - start <= CHECKSUM_PATCH_MAX_BYTES);
        }
    }
}
