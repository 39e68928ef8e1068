//! "Limit by time of day" in Settings: which speed limit holds now (the schedule's, when one is
//! typed and valid, else the slider's), what the status bar says about it, and when to look again.
//! Worked out when the settings change and when the schedule's limit may change, never in `ui()`.

use std::time::Duration;

use hoist_core::units::{BandwidthSchedule, format_bytes, local_week_minute};

use crate::UiSettings;

/// The longest wait before the window looks at the clock again while a schedule is set (a wall
/// clock jump, a laptop waking, is then noticed within this long).
const LONGEST_WAIT: Duration = Duration::from_secs(60);

/// The limit that holds now and what to say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SpeedNow {
    /// Bytes per second for all uploads together; 0 = no limit.
    pub(crate) limit_bytes_per_sec: u64,
    /// For the status bar ("limit 2 MiB/s until 19:00"), or `None` with no limit at all.
    pub(crate) note: Option<String>,
    /// When to work it out again (a schedule is set).
    pub(crate) recheck_after: Option<Duration>,
}

/// The schedule typed in Settings, if any: `None` when the field is empty, the reason in words
/// when it does not parse.
pub(crate) fn typed_schedule(settings: &UiSettings) -> Option<Result<BandwidthSchedule, String>> {
    let text = settings.speed_schedule.trim();
    (!text.is_empty()).then(|| {
        BandwidthSchedule::parse(text)
            .map_err(|e| format!("{}.", hoist_core::units::sentence(&e.to_string())))
    })
}

/// The limit the settings ask for now (reads the clock when a schedule is set).
pub(crate) fn speed_now(settings: &UiSettings) -> SpeedNow {
    match typed_schedule(settings) {
        Some(Ok(schedule)) => speed_at(&schedule, local_week_minute()),
        _ => {
            let limit = settings.bandwidth_limit_bytes_per_sec();
            SpeedNow {
                limit_bytes_per_sec: limit,
                note: (limit > 0).then(|| format!("limit {}/s", format_bytes(limit))),
                recheck_after: None,
            }
        }
    }
}

/// The schedule's limit at `week_minute` (minutes since Monday 00:00), with the time it ends
/// (none when it never does: "00:00,300K" holds all day, every day).
pub(crate) fn speed_at(schedule: &BandwidthSchedule, week_minute: u32) -> SpeedNow {
    let limit = schedule.limit_at(week_minute);
    let minutes = schedule.minutes_until_change(week_minute);
    let until = minutes_until_other_limit(schedule, week_minute)
        .map(|other| {
            let ends = (week_minute + other) % (24 * 60);
            format!(" until {:02}:{:02}", ends / 60, ends % 60)
        })
        .unwrap_or_default();
    let note = match limit {
        0 => format!("no speed limit{until}"),
        limit => format!("limit {}/s{until}", format_bytes(limit)),
    };
    SpeedNow {
        limit_bytes_per_sec: limit,
        note: Some(note),
        recheck_after: Some(Duration::from_secs(u64::from(minutes) * 60).min(LONGEST_WAIT)),
    }
}

/// Minutes from `week_minute` until the schedule sets a limit other than the one now (an entry
/// that sets the same limit again is no change), or `None` when it never does.
fn minutes_until_other_limit(schedule: &BandwidthSchedule, week_minute: u32) -> Option<u32> {
    const WEEK_MINUTES: u32 = 7 * 24 * 60;
    let limit = schedule.limit_at(week_minute);
    let mut ahead = 0;
    while ahead < WEEK_MINUTES {
        ahead += schedule.minutes_until_change(week_minute + ahead);
        if schedule.limit_at(week_minute + ahead) != limit {
            return Some(ahead);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_wins_over_the_slider_and_says_until_when() {
        let schedule = BandwidthSchedule::parse("08:00,2M 19:00,off").expect("parses");
        let now = speed_at(&schedule, 10 * 60);
        assert_eq!(now.limit_bytes_per_sec, 2 * 1024 * 1024);
        assert_eq!(now.note.as_deref(), Some("limit 2.00 MiB/s until 19:00"));
        assert_eq!(now.recheck_after, Some(LONGEST_WAIT));
        let night = speed_at(&schedule, 23 * 60);
        assert_eq!(night.limit_bytes_per_sec, 0);
        assert_eq!(night.note.as_deref(), Some("no speed limit until 08:00"));
    }

    #[test]
    fn a_limit_that_never_changes_has_no_until() {
        let all_day = BandwidthSchedule::parse("00:00,300K").expect("parses");
        let now = speed_at(&all_day, 11 * 60);
        assert_eq!(now.note.as_deref(), Some("limit 300 KiB/s"));
        assert_eq!(now.limit_bytes_per_sec, 300 * 1024);
        assert_eq!(now.recheck_after, Some(LONGEST_WAIT));
        // An entry that sets the same limit again is skipped: the change is at 19:00.
        let repeated = BandwidthSchedule::parse("08:00,2M 12:00,2M 19:00,off").expect("parses");
        let noon = speed_at(&repeated, 10 * 60);
        assert_eq!(noon.note.as_deref(), Some("limit 2.00 MiB/s until 19:00"));
        let off = BandwidthSchedule::parse("00:00,off").expect("parses");
        assert_eq!(speed_at(&off, 0).note.as_deref(), Some("no speed limit"));
    }

    #[test]
    fn without_a_schedule_the_slider_holds() {
        let mut settings = UiSettings {
            bandwidth_limit_mib_per_sec: 5,
            ..UiSettings::default()
        };
        let now = speed_now(&settings);
        assert_eq!(now.limit_bytes_per_sec, 5 * 1024 * 1024);
        assert_eq!(now.recheck_after, None);
        settings.speed_schedule = "25:00,1M".to_string();
        let typed = typed_schedule(&settings).expect("typed");
        assert!(typed.is_err_and(|why| why.contains("25:00,1M")));
        assert_eq!(
            speed_now(&settings).limit_bytes_per_sec,
            5 * 1024 * 1024,
            "a bad schedule is not applied"
        );
    }
}
