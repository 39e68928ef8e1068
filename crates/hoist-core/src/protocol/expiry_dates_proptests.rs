//! Property tests of expiry dates: RFC 3339 times and presigned URLs' `X-Amz-*` parameters.

use proptest::prelude::*;

use super::*;
use crate::test_support::proptest_config;

proptest! {
    #![proptest_config(proptest_config())]

    /// Any text gives a time or nothing; never a panic.
    #[test]
    fn rfc3339_never_panics(text in prop_oneof![
        any::<String>(),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})",
    ]) {
        let _ = rfc3339_unix_secs(&text);
    }

    /// A time written as RFC 3339 reads back as itself.
    #[test]
    fn rfc3339_round_trips(secs in 0u64..253_402_300_799) {
        let at = time::OffsetDateTime::from_unix_timestamp(secs as i64).expect("in range");
        let text = at
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formats");
        prop_assert_eq!(rfc3339_unix_secs(&text), Some(secs));
    }

    /// Any URL query gives a time or nothing; never a panic.
    #[test]
    fn amz_url_never_panics(
        date in prop_oneof![any::<String>(), "[0-9]{8}T[0-9]{6}Z"],
        expires in prop_oneof![any::<String>(), "[0-9]{1,25}"],
    ) {
        let mut url = url::Url::parse("https://bucket.example/key").expect("url");
        url.query_pairs_mut()
            .append_pair("X-Amz-Date", &date)
            .append_pair("X-Amz-Expires", &expires);
        let _ = amz_url_expiry_unix_secs(url.as_str());
    }

    /// A signed time plus a lifetime reads back as their sum.
    #[test]
    fn amz_url_adds_the_lifetime(secs in 0u64..253_402_200_000, lifetime in 0u64..604_800) {
        let at = time::OffsetDateTime::from_unix_timestamp(secs as i64).expect("in range");
        let date = format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        let url = format!("https://b.example/k?X-Amz-Date={date}&X-Amz-Expires={lifetime}");
        prop_assert_eq!(amz_url_expiry_unix_secs(&url), Some(secs + lifetime));
    }
}
