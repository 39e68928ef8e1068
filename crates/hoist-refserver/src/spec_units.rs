//! Sizes and durations in fault specs (`throttle=40MiB`, `latency=30ms`): a number and a unit.
//!
//! The server keeps its own small reader so that it depends on no Hoist crate.

use std::time::Duration;

/// Size units, lower case: binary (`k`, `KiB`, ...) and decimal (`KB`, ...).
const SIZE_UNITS: &[(&str, f64)] = &[
    ("", 1.0),
    ("b", 1.0),
    ("k", 1024.0),
    ("kib", 1024.0),
    ("m", 1_048_576.0),
    ("mib", 1_048_576.0),
    ("g", 1_073_741_824.0),
    ("gib", 1_073_741_824.0),
    ("kb", 1e3),
    ("mb", 1e6),
    ("gb", 1e9),
];

/// Time units, in seconds; a bare number is seconds.
const TIME_UNITS: &[(&str, f64)] = &[
    ("ms", 0.001),
    ("", 1.0),
    ("s", 1.0),
    ("m", 60.0),
    ("min", 60.0),
    ("h", 3600.0),
];

/// `text` as a non-negative number times the factor of its unit in `units`.
fn scaled(text: &str, units: &[(&str, f64)], what: &str) -> Result<f64, String> {
    let text = text.trim();
    let unit_at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(unit_at);
    let unit = unit.trim().to_ascii_lowercase();
    let factor = units
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, factor)| *factor);
    match (digits.parse::<f64>(), factor) {
        (Ok(number), Some(factor)) if (number * factor).is_finite() => Ok(number * factor),
        _ => Err(format!("'{text}' is not a {what}")),
    }
}

/// A size such as `262144`, `256KiB`, `40MiB` or `1GB`, in bytes.
pub(crate) fn parse_size_bytes(text: &str) -> Result<u64, String> {
    scaled(text, SIZE_UNITS, "size (e.g. 256KiB, 40MiB)").map(|bytes| bytes.round() as u64)
}

/// A duration such as `30ms`, `2s`, `1.5s` or `3m`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let what = "duration (e.g. 30ms, 2s)";
    let seconds = scaled(text, TIME_UNITS, what)?;
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("'{}' is not a {what}", text.trim()))
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_like_the_cli() {
        assert_eq!(parse_size_bytes("256KiB"), Ok(262_144));
        assert_eq!(parse_size_bytes("40MiB"), Ok(41_943_040));
        assert_eq!(parse_size_bytes("1.5k"), Ok(1536));
        assert_eq!(parse_size_bytes("2MB"), Ok(2_000_000));
        assert_eq!(parse_size_bytes("7"), Ok(7));
        assert!(parse_size_bytes("lots").is_err());
        assert!(parse_size_bytes("").is_err());
        assert_eq!(parse_duration("30ms"), Ok(Duration::from_millis(30)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("99999999999999999999999h").is_err());
    }
}
