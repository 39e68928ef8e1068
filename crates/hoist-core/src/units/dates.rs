//! Dates for people, in the computer's time zone: "Today, 14:03", "Yesterday, 09:12",
//! "30 Nov, 14:03" (this year), "30 Nov 2025, 14:03" (other years).

use chrono::{DateTime, Datelike, Local, TimeZone};

/// `unix_secs` as people read a date and time, in the local time zone.
pub fn format_local_time(unix_secs: i64) -> String {
    let now = Local::now();
    match Local.timestamp_opt(unix_secs, 0).earliest() {
        Some(when) => format_relative(&when, &now),
        None => "unknown date".to_string(),
    }
}

/// `when` as seen from `now` (both in the same time zone).
pub fn format_relative<Tz: TimeZone>(when: &DateTime<Tz>, now: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let day = when.date_naive();
    let today = now.date_naive();
    let clock = when.format("%H:%M");
    if day == today {
        format!("Today, {clock}")
    } else if today.pred_opt() == Some(day) {
        format!("Yesterday, {clock}")
    } else if day.year() == today.year() {
        format!("{}, {clock}", when.format("%-d %b"))
    } else {
        format!("{}, {clock}", when.format("%-d %b %Y"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn dates_read_as_people_say_them() {
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .expect("date")
                .with_timezone(&Utc)
        };
        let now = at("2026-12-07T15:00:00Z");
        assert_eq!(
            format_relative(&at("2026-12-07T03:04:00Z"), &now),
            "Today, 03:04"
        );
        assert_eq!(
            format_relative(&at("2026-12-06T23:59:00Z"), &now),
            "Yesterday, 23:59"
        );
        assert_eq!(
            format_relative(&at("2026-11-30T14:03:00Z"), &now),
            "30 Nov, 14:03"
        );
        assert_eq!(
            format_relative(&at("2025-01-02T08:00:00Z"), &now),
            "2 Jan 2025, 08:00"
        );
        assert!(!format_local_time(1_700_000_000).is_empty());
    }
}
