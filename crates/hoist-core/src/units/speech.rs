//! The rest of the one formatter the window, its status bar and the command line share: speeds,
//! time left worked out one way, and counts with the right plural.

use std::time::Duration;

use super::{format_bytes, format_eta};

/// A speed for people: `1.20 MiB/s` (the units of [`format_bytes`]).
pub fn format_rate(bytes_per_sec: f64) -> String {
    format!("{}/s", format_bytes(bytes_per_sec.max(0.0) as u64))
}

/// Time left for `remaining_bytes` at `bytes_per_sec`, or `None` when not moving (below 1 B/s).
/// Rows, the status bar and the command line all ask this, so one upload shows one time left.
pub fn time_left(remaining_bytes: u64, bytes_per_sec: f64) -> Option<Duration> {
    if !bytes_per_sec.is_finite() || bytes_per_sec < 1.0 {
        return None;
    }
    Duration::try_from_secs_f64(remaining_bytes as f64 / bytes_per_sec).ok()
}

/// "1.20 MiB/s · 3 min 20 s left" for `remaining_bytes` at `bytes_per_sec`; "1.20 MiB/s ·
/// finishing" once every byte is sent but not yet confirmed (never "0 s left"); empty when not
/// moving. The window's rows and the command line both say it this way.
pub fn rate_and_time_left(bytes_per_sec: f64, remaining_bytes: u64) -> String {
    let Some(left) = time_left(remaining_bytes, bytes_per_sec) else {
        return String::new();
    };
    if left.is_zero() {
        format!("{} · finishing", format_rate(bytes_per_sec))
    } else {
        format!("{} · {} left", format_rate(bytes_per_sec), format_eta(left))
    }
}

/// "1 upload", "2 uploads", "0 uploads".
pub fn count_words(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("1 {singular}")
    } else {
        format!("{count} {plural}")
    }
}

/// `text` with a capital first letter (an error's text as the start of a sentence).
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_capitalises_the_first_letter_only() {
        assert_eq!(sentence("the server said no."), "The server said no.");
        assert_eq!(sentence("élan"), "Élan");
        assert_eq!(sentence(""), "");
        assert_eq!(sentence("ß"), "SS");
    }

    #[test]
    fn rates_time_left_and_counts() {
        assert_eq!(format_rate(1_572_864.0), "1.50 MiB/s");
        assert_eq!(format_rate(-3.0), "0 B/s");
        assert_eq!(time_left(1000, 0.5), None);
        assert_eq!(time_left(1000, f64::NAN), None);
        assert_eq!(time_left(1000, 100.0), Some(Duration::from_secs(10)));
        assert_eq!(count_words(1, "upload", "uploads"), "1 upload");
        assert_eq!(count_words(0, "upload", "uploads"), "0 uploads");
        assert_eq!(count_words(2, "file", "files"), "2 files");
        assert_eq!(rate_and_time_left(0.0, 10), "");
        assert_eq!(rate_and_time_left(1024.0, 0), "1.00 KiB/s · finishing");
        assert_eq!(
            rate_and_time_left(1024.0, 86 * 1024 + 1),
            "1.00 KiB/s · 1 min 27 s left"
        );
    }
}
