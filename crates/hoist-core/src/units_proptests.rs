//! Property tests of the human units parsers ([`parse_bytes`], [`parse_duration`]) and their
//! formatters.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::test_support::proptest_config;

/// A size suffix and its multiplier, as [`parse_bytes`] documents them.
fn suffix() -> impl Strategy<Value = (&'static str, u64)> {
    prop::sample::select(vec![
        ("", 1),
        ("B", 1),
        ("k", KIB),
        ("KiB", KIB),
        ("M", KIB * KIB),
        ("MiB", KIB * KIB),
        ("G", KIB * KIB * KIB),
        ("GiB", KIB * KIB * KIB),
        ("TiB", KIB * KIB * KIB * KIB),
        ("KB", 1000),
        ("MB", 1_000_000),
        ("gb", 1_000_000_000),
        ("TB", 1_000_000_000_000),
    ])
}

/// Text that looks like a size or duration often enough to reach every branch.
fn unit_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ ]{0,2}[-+]?[0-9]{0,25}(\\.[0-9]{0,25})?[ ]{0,2}[a-zA-Z]{0,4}[ ]{0,2}",
        "[0-9.eE+-]{0,12}(ms|s|m|min|h|KiB|MiB|GiB|TiB|KB|MB|GB|TB|PiB)?",
    ]
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any text gives a size or an error that quotes it; never a panic.
    #[test]
    fn parse_bytes_never_panics(text in unit_like()) {
        if let Err(error) = parse_bytes(&text) {
            prop_assert!(error.to_string().contains(&text));
        }
    }

    /// Any text gives a duration or an error; never a panic.
    #[test]
    fn parse_duration_never_panics(text in unit_like()) {
        if let Err(error) = parse_duration(&text) {
            prop_assert!(error.to_string().contains(&text));
        }
    }

    /// A whole number with a suffix is exactly number x multiplier, or an error when that does
    /// not fit in a u64; spaces around and between are allowed.
    #[test]
    fn whole_sizes_are_exact(
        number in prop_oneof![0u64..100_000, any::<u64>()],
        (suffix, multiplier) in suffix(),
        space in "[ ]{0,2}",
    ) {
        let text = format!("{space}{number}{space}{suffix}{space}");
        match number.checked_mul(multiplier) {
            Some(bytes) => prop_assert_eq!(parse_bytes(&text), Ok(bytes)),
            None => prop_assert!(parse_bytes(&text).is_err(), "{text}"),
        }
    }

    /// A decimal number larger than any u64 is refused, not clamped.
    #[test]
    fn sizes_beyond_u64_are_refused(
        extra in prop_oneof![1u128..5000, 1u128..=u128::from(u64::MAX)],
        digits in "([0-9]{1,20})?",
    ) {
        let text = format!("{}{digits}", u128::from(u64::MAX) + extra);
        prop_assert!(parse_bytes(&text).is_err(), "{text} -> {:?}", parse_bytes(&text));
    }

    /// What [`format_bytes`] shows parses back to the same size within its rounding (three
    /// significant digits: at most 0.5 % off). The only exception is the top of the range, which
    /// is shown rounded up to "16384 PiB" (2^64, one more than a u64 holds).
    #[test]
    fn formatted_sizes_parse_back(
        bytes in prop_oneof![0u64..1 << 20, any::<u64>(), (u64::MAX - (1 << 50))..=u64::MAX],
    ) {
        let shown = format_bytes(bytes);
        let parsed = parse_bytes(&shown);
        if shown == "16384 PiB" {
            prop_assert!(parsed.is_err());
            return Ok(());
        }
        prop_assert!(parsed.is_ok(), "{shown:?} does not parse: {parsed:?}");
        let parsed = parsed.unwrap_or_default() as f64;
        let tolerance = (bytes as f64 * 0.005).max(0.5);
        prop_assert!((parsed - bytes as f64).abs() <= tolerance, "{bytes} -> {shown} -> {parsed}");
    }

    /// A fractional size is the rounded product, never more than a u64.
    #[test]
    fn fractional_sizes_round(whole in 0u32..100_000, fraction in 0u32..1000, (suffix, multiplier) in suffix()) {
        let text = format!("{whole}.{fraction:03}{suffix}");
        let expected = (f64::from(whole) + f64::from(fraction) / 1000.0) * multiplier as f64;
        let parsed = parse_bytes(&text);
        prop_assert!(parsed.is_ok(), "{text}: {parsed:?}");
        let parsed = parsed.unwrap_or_default() as f64;
        prop_assert!((parsed - expected).abs() <= expected * 1e-12 + 0.5, "{text} -> {parsed}");
    }

    /// Milliseconds, seconds, minutes and hours parse to what they say.
    #[test]
    fn durations_parse_to_what_they_say(
        amount in 0u64..10_000_000,
        (suffix, seconds_per_unit) in prop::sample::select(vec![
            ("ms", 0.001), ("", 1.0), ("s", 1.0), ("m", 60.0), ("min", 60.0), ("h", 3600.0),
        ]),
    ) {
        let text = format!("{amount}{suffix}");
        let parsed = parse_duration(&text);
        prop_assert!(parsed.is_ok(), "{text}: {parsed:?}");
        let expected = amount as f64 * seconds_per_unit;
        let got = parsed.map(|d| d.as_secs_f64()).unwrap_or(-1.0);
        prop_assert!((got - expected).abs() <= expected * 1e-12 + 1e-9, "{text} -> {got}");
    }

    /// A negative duration is always refused.
    #[test]
    fn negative_durations_are_refused(amount in any::<f64>().prop_filter("finite", |a| a.is_finite())) {
        let text = format!("-{}s", amount.abs());
        prop_assert!(parse_duration(&text).is_err(), "{text}");
    }

    /// The ETA text never panics and always names a unit.
    #[test]
    fn eta_formats_any_duration(secs in any::<u64>(), nanos in 0u32..1_000_000_000) {
        let text = format_eta(Duration::new(secs, nanos));
        prop_assert!(text.ends_with(" s") || text.ends_with(" min") || text.ends_with(" h"), "{text}");
    }
}
