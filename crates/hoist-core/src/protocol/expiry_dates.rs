//! When upload sessions and links expire, read from what the services say. Every parser gives a
//! time or nothing, never a panic: a date it cannot read only means no warning.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long Google keeps a resumable upload session: about a week (documented; the server does not
/// say per session).
pub const GOOGLE_SESSION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Seconds since the Unix epoch now (0 on a clock set before 1970).
pub fn unix_now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// When a Google session created at `created_unix_secs` expires.
pub(crate) fn google_session_expiry(created_unix_secs: u64) -> u64 {
    created_unix_secs.saturating_add(GOOGLE_SESSION_LIFETIME.as_secs())
}

/// An RFC 3339 time (`2026-12-07T10:00:00Z`) in seconds since the Unix epoch; `None` when
/// unreadable or before 1970.
pub(crate) fn rfc3339_unix_secs(text: &str) -> Option<u64> {
    let at =
        time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
            .ok()?;
    u64::try_from(at.unix_timestamp()).ok()
}

/// A presigned URL's expiry from its AWS signature parameters: `X-Amz-Date` (ISO 8601 basic,
/// `20261207T100000Z`) plus `X-Amz-Expires` (seconds). `None` when either is missing or unreadable.
pub(crate) fn amz_url_expiry_unix_secs(url: &str) -> Option<u64> {
    let parsed = url::Url::parse(url).ok()?;
    let mut date = None;
    let mut expires = None;
    for (key, value) in parsed.query_pairs() {
        if key.eq_ignore_ascii_case("x-amz-date") {
            date = Some(value.into_owned());
        } else if key.eq_ignore_ascii_case("x-amz-expires") {
            expires = Some(value.into_owned());
        }
    }
    let signed = amz_date_unix_secs(&date?)?;
    let lifetime_secs: u64 = expires?.trim().parse().ok()?;
    signed.checked_add(lifetime_secs)
}

/// `YYYYMMDDTHHMMSSZ` in seconds since the Unix epoch (read as the RFC 3339 time it spells).
fn amz_date_unix_secs(text: &str) -> Option<u64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 16
        && bytes[8] == b'T'
        && bytes[15] == b'Z'
        && bytes[..8]
            .iter()
            .chain(&bytes[9..15])
            .all(u8::is_ascii_digit);
    if !shaped {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &text[0..4],
        &text[4..6],
        &text[6..8],
        &text[9..11],
        &text[11..13],
        &text[13..15]
    );
    rfc3339_unix_secs(&rfc3339)
}

#[cfg(test)]
#[path = "expiry_dates_proptests.rs"]
mod proptests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc3339_and_amz_dates() {
        assert_eq!(
            rfc3339_unix_secs("2014-06-25T16:00:00Z"),
            Some(1_403_712_000)
        );
        assert_eq!(
            rfc3339_unix_secs(" 2014-06-25T18:00:00+02:00 "),
            Some(1_403_712_000)
        );
        assert_eq!(rfc3339_unix_secs("1969-12-31T23:59:59Z"), None);
        assert_eq!(rfc3339_unix_secs("tomorrow"), None);
        let url = "https://b.s3.amazonaws.com/k?partNumber=3&X-Amz-Date=20140625T150000Z&X-Amz-Expires=3600&X-Amz-Signature=ab";
        assert_eq!(amz_url_expiry_unix_secs(url), Some(1_403_712_000));
        assert_eq!(
            amz_url_expiry_unix_secs("https://b.example/k?X-Amz-Expires=60"),
            None
        );
        assert_eq!(
            amz_url_expiry_unix_secs(
                "https://b.example/k?X-Amz-Date=20140625T150000Z&X-Amz-Expires=-5"
            ),
            None
        );
        assert_eq!(google_session_expiry(100), 100 + 604_800);
    }
}
