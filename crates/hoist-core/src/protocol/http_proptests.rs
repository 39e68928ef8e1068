//! Property tests of the shared answer parsers: `Retry-After`, error messages, endpoint URLs.

use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::*;
use crate::test_support::{header_map, header_value_bytes, proptest_config, url_like};

fn retry_after_of(value: &[u8]) -> Option<Option<Duration>> {
    header_map("retry-after", value).map(|headers| parse_retry_after(&headers))
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any `Retry-After` a server sends gives a wait or nothing; never a panic.
    #[test]
    fn retry_after_never_panics(value in header_value_bytes()) {
        let _ = retry_after_of(&value);
    }

    /// Whole seconds are read exactly, up to the largest u64.
    #[test]
    fn retry_after_reads_whole_seconds(seconds in any::<u64>(), space in "[ \\t]{0,2}") {
        let text = format!("{space}{seconds}{space}");
        prop_assert_eq!(retry_after_of(text.as_bytes()), Some(Some(Duration::from_secs(seconds))));
    }

    /// Fractional seconds are read within float precision; negative ones are ignored.
    #[test]
    fn retry_after_reads_fractions(seconds in -1e6f64..1e9) {
        let text = format!("{seconds}");
        let read = retry_after_of(text.as_bytes()).flatten();
        if seconds < 0.0 {
            prop_assert_eq!(read, None);
        } else {
            let read = read.map(|d| d.as_secs_f64());
            prop_assert!(read.is_some_and(|r| (r - seconds).abs() <= 1e-6), "{text} -> {read:?}");
        }
    }

    /// An HTTP date is read as the wait until then (nothing to wait for once it has passed).
    #[test]
    fn retry_after_reads_http_dates(offset_secs in -100_000_000i64..100_000_000) {
        let now = SystemTime::now();
        let at = if offset_secs >= 0 {
            now + Duration::from_secs(offset_secs.unsigned_abs())
        } else {
            now - Duration::from_secs(offset_secs.unsigned_abs())
        };
        let text = httpdate::fmt_http_date(at);
        let read = retry_after_of(text.as_bytes()).flatten();
        prop_assert!(read.is_some(), "{text} not read");
        let read = read.unwrap_or_default().as_secs_f64();
        let expected = offset_secs.max(0) as f64;
        // The date has whole seconds, and the clock moves while the test runs.
        prop_assert!((read - expected).abs() <= 2.0, "{text}: {read} instead of {expected}");
    }

    /// Any error body gives a short, non-empty message; never a panic.
    #[test]
    fn server_message_is_short(body in prop_oneof![
        any::<String>(),
        crate::test_support::any_json().prop_map(|json| json.to_string()),
        "[ ]{0,3}<[a-z]{0,5}>[^<]{0,400}",
        "[a-z ]{290,320}",
    ]) {
        let message = server_message(&body);
        prop_assert!(!message.is_empty());
        prop_assert!(message.chars().count() <= 301, "{} chars", message.chars().count());
    }

    /// An endpoint is https, or plain http on this computer only; anything else is an error,
    /// and an accepted URL parses again to itself.
    #[test]
    fn parse_url_accepts_only_safe_endpoints(text in url_like()) {
        match parse_url(&text) {
            Ok(url) => {
                prop_assert!(
                    url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url)),
                    "{text} accepted"
                );
                prop_assert_eq!(parse_url(url.as_str()).ok(), Some(url.clone()));
            }
            Err(error) => {
                let is_invalid_destination = matches!(error, ProtocolError::InvalidDestination { .. });
                prop_assert!(is_invalid_destination, "{error:?}");
            }
        }
    }

    /// Loopback is localhost, 127.0.0.0/8 and ::1, whatever the spelling; never another name.
    #[test]
    fn loopback_is_only_this_computer(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255, first in 0u8..=255, name in "[a-z]{1,10}") {
        let ip = |first: u8| url::Url::parse(&format!("http://{first}.{a}.{b}.{c}/")).ok();
        prop_assert_eq!(ip(first).map(|u| is_loopback(&u)), Some(first == 127));
        let named = url::Url::parse(&format!("http://{name}.example/")).ok();
        prop_assert_eq!(named.map(|u| is_loopback(&u)), Some(false));
        let localhost = url::Url::parse(&format!("http://LocalHost:{a}/{name}")).ok();
        prop_assert_eq!(localhost.map(|u| is_loopback(&u)), Some(true));
    }
}
