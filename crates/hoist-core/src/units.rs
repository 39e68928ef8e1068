//! Human-friendly units: byte sizes ("8MiB", "1.5 GB") and durations ("250ms", "2s").

use std::time::Duration;

mod dates;
mod schedule;
mod speech;
pub use dates::{format_local_time, format_relative};
pub use schedule::{BandwidthSchedule, ScheduleError, local_second_of_minute, local_week_minute};
pub use speech::{count_words, format_rate, rate_and_time_left, sentence, time_left};

/// An error parsing a size or duration typed by a person.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("'{input}' is not a {what} (examples: {examples})")]
pub struct UnitParseError {
    input: String,
    what: &'static str,
    examples: &'static str,
}

const KIB: u64 = 1024;

/// Parses a byte size such as `262144`, `256KiB`, `8MiB`, `1.5GB` or `4 GiB`.
///
/// Binary suffixes (`KiB`, `MiB`, `GiB`, `TiB`, `PiB`) are powers of 1024, decimal ones (`KB`,
/// `MB`, `GB`, `TB`, `PB`) powers of 1000; `K`, `M`, `G`, `T`, `P` alone are read as binary, which
/// is what people mean. Everything [`format_bytes`] writes parses back.
pub fn parse_bytes(input: &str) -> Result<u64, UnitParseError> {
    let err = || UnitParseError {
        input: input.to_string(),
        what: "size",
        examples: "1048576, 256KiB, 8MiB, 1GB",
    };
    let trimmed = input.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let multiplier: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => KIB,
        "m" | "mib" => KIB * KIB,
        "g" | "gib" => KIB * KIB * KIB,
        "t" | "tib" => KIB * KIB * KIB * KIB,
        "p" | "pib" => KIB * KIB * KIB * KIB * KIB,
        "kb" => 1000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "pb" => 1_000_000_000_000_000,
        _ => return Err(err()),
    };
    if number.is_empty() {
        return Err(err());
    }
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(multiplier).ok_or_else(err);
    }
    let value: f64 = number.parse().map_err(|_| err())?;
    let bytes = value * multiplier as f64;
    // `u64::MAX as f64` is 2^64, one more than the largest u64: a value that rounds to it is
    // too large too.
    if !bytes.is_finite() || bytes < 0.0 || bytes >= u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes.round() as u64)
}

/// Parses a duration such as `250ms`, `2s`, `1.5s`, `3m` or `1h`; a bare number is seconds.
pub fn parse_duration(input: &str) -> Result<Duration, UnitParseError> {
    let err = || UnitParseError {
        input: input.to_string(),
        what: "duration",
        examples: "250ms, 2s, 1.5s, 3m, 1h",
    };
    let trimmed = input.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, suffix) = trimmed.split_at(split);
    let value: f64 = number.parse().map_err(|_| err())?;
    let seconds = match suffix.trim() {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(err()),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| err())
}

/// Formats a byte count for people: `0 B`, `1023 B`, `1.5 KiB`, `8.0 MiB`, `4.00 GiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < KIB {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / KIB as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else if value >= 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

/// Formats a time left for people: `45 s`, `3 min 20 s`, `2 h 05 min`, always in this one
/// shape (never `86s` in one place and `2m` in another). Part of a second counts as a whole
/// one, so a time left is never `0 s` while something is left.
pub fn format_eta(duration: Duration) -> String {
    let secs = duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0));
    if secs < 60 {
        format!("{secs} s")
    } else if secs < 3600 {
        format!("{} min {:02} s", secs / 60, secs % 60)
    } else if secs < 2 * 86_400 {
        format!("{} h {:02} min", secs / 3600, (secs % 3600) / 60)
    } else {
        format!("{} days {} h", secs / 86_400, (secs % 86_400) / 3600)
    }
}

#[cfg(test)]
#[path = "units_proptests.rs"]
mod units_proptests;

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_bytes("262144"), Ok(262_144));
        assert_eq!(parse_bytes("256KiB"), Ok(262_144));
        assert_eq!(parse_bytes("8MiB"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_bytes("8 M"), Ok(8 * 1024 * 1024));
        assert_eq!(parse_bytes("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_bytes("1.5KiB"), Ok(1536));
        assert!(parse_bytes("").is_err());
        assert!(parse_bytes("MiB").is_err());
        assert!(parse_bytes("12 parsecs").is_err());
        assert!(parse_bytes("99999999999999999999TiB").is_err());
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("3m"), Ok(Duration::from_secs(180)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn formats_durations() {
        assert_eq!(format_eta(Duration::from_secs(45)), "45 s");
        assert_eq!(format_eta(Duration::from_secs(200)), "3 min 20 s");
        assert_eq!(format_eta(Duration::from_secs(7500)), "2 h 05 min");
        assert_eq!(format_eta(Duration::from_secs(7 * 86_400)), "7 days 0 h");
        assert_eq!(format_eta(Duration::from_millis(300)), "1 s");
        assert_eq!(format_eta(Duration::from_millis(86_200)), "1 min 27 s");
    }

    #[test]
    fn formats_sizes() {
        assert_eq!(format_bytes(0), "0 B");
        assert_eq!(format_bytes(1023), "1023 B");
        assert_eq!(format_bytes(1536), "1.50 KiB");
        assert_eq!(format_bytes(8 * 1024 * 1024), "8.00 MiB");
        assert_eq!(format_bytes(150 * 1024 * 1024), "150 MiB");
    }
}
