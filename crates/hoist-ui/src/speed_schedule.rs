//! Speed limits by time of day in Settings: which limit holds now (a custom schedule's, when one is
//! typed under Advanced and valid; else the hours limit's during its hours and the slider's
//! outside them, when it is on; else the slider's), what the status bar says about it, and when to
//! look again. Worked out when the settings change and when the limit may change, never in `ui()`.

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

/// The schedule that decides the limit, if any: the custom one when it is valid, else the hours
/// limit when it is on and its two times differ.
pub(crate) fn schedule_in_force(settings: &UiSettings) -> Option<BandwidthSchedule> {
    match typed_schedule(settings) {
        Some(Ok(schedule)) => Some(schedule),
        _ => hours_schedule(settings),
    }
}

/// The hours limit as a schedule: its limit from its first time, the slider's from its second,
/// every day. `None` when it is off or both times are the same.
pub(crate) fn hours_schedule(settings: &UiSettings) -> Option<BandwidthSchedule> {
    let hours = settings.hours_limit;
    if !settings.hours_limit_on || hours.from_minute == hours.to_minute {
        return None;
    }
    let rate = |mib: u64| match mib {
        0 => "off".to_string(),
        mib => format!("{mib}M"),
    };
    let text = format!(
        "{},{} {},{}",
        clock_words(hours.from_minute),
        rate(hours.limit_mib_per_sec),
        clock_words(hours.to_minute),
        rate(settings.bandwidth_limit_mib_per_sec)
    );
    BandwidthSchedule::parse(&text).ok()
}

/// A time of day as the window shows it: "08:00" for 480 minutes after midnight.
pub(crate) fn clock_words(minute_of_day: u32) -> String {
    let minute = minute_of_day % (24 * 60);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The limit the settings ask for now (reads the clock when a schedule is in force).
pub(crate) fn speed_now(settings: &UiSettings) -> SpeedNow {
    match schedule_in_force(settings) {
        Some(schedule) => {
            let second = hoist_core::units::local_second_of_minute();
            let mut now = speed_at(&schedule, local_week_minute());
            now.recheck_after = now.recheck_after.map(|after| on_the_minute(after, second));
            now
        }
        None => {
            let limit = settings.bandwidth_limit_bytes_per_sec();
            SpeedNow {
                limit_bytes_per_sec: limit,
                note: (limit > 0).then(|| format!("limit {}/s", format_bytes(limit))),
                recheck_after: None,
            }
        }
    }
}

/// A wait counted in whole minutes from the start of the current minute, shortened by the
/// `second`s of it already gone, so a change due at 19:00 is seen at 19:00:00, not up to a minute
/// late (at least a second).
fn on_the_minute(after: Duration, second: u32) -> Duration {
    after
        .saturating_sub(Duration::from_secs(u64::from(second)))
        .max(Duration::from_secs(1))
}

/// The schedule's limit at `week_minute` (minutes since Monday 00:00), with the time it ends
/// (none when it never does: "00:00,300K" holds all day, every day).
pub(crate) fn speed_at(schedule: &BandwidthSchedule, week_minute: u32) -> SpeedNow {
    let limit = schedule.limit_at(week_minute);
    let minutes = schedule.minutes_until_change(week_minute);
    let until = minutes_until_other_limit(schedule, week_minute)
        .map(|other| format!(" until {}", clock_words(week_minute + other)))
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

    fn with_hours(from: &str, to: &str, limit_mib: u64, slider_mib: u64) -> UiSettings {
        let minute = |t: &str| {
            let (h, m) = t.split_once(':').expect("HH:MM");
            h.parse::<u32>().expect("hour") * 60 + m.parse::<u32>().expect("minute")
        };
        UiSettings {
            bandwidth_limit_mib_per_sec: slider_mib,
            hours_limit_on: true,
            hours_limit: crate::HoursLimit {
                from_minute: minute(from),
                to_minute: minute(to),
                limit_mib_per_sec: limit_mib,
            },
            ..UiSettings::default()
        }
    }

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_hours_limit_holds_in_its_hours_and_the_slider_outside_them() {
        let settings = with_hours("08:00", "19:00", 2, 0);
        let schedule = hours_schedule(&settings).expect("a schedule");
        // Tuesday 10:00 and 23:00, Sunday 07:59.
        let day = speed_at(&schedule, 24 * 60 + 10 * 60);
        assert_eq!(day.limit_bytes_per_sec, 2 * MIB);
        assert_eq!(day.note.as_deref(), Some("limit 2.00 MiB/s until 19:00"));
        let night = speed_at(&schedule, 24 * 60 + 23 * 60);
        assert_eq!(night.limit_bytes_per_sec, 0);
        assert_eq!(night.note.as_deref(), Some("no speed limit until 08:00"));
        assert_eq!(
            speed_at(&schedule, 6 * 24 * 60 + 7 * 60 + 59).limit_bytes_per_sec,
            0
        );

        // Past midnight, unlimited at night and the slider's 5 MiB/s in the day.
        let settings = with_hours("22:30", "06:00", 0, 5);
        let schedule = hours_schedule(&settings).expect("a schedule");
        assert_eq!(speed_at(&schedule, 23 * 60).limit_bytes_per_sec, 0);
        assert_eq!(speed_at(&schedule, 3 * 60).limit_bytes_per_sec, 0);
        let noon = speed_at(&schedule, 12 * 60);
        assert_eq!(noon.limit_bytes_per_sec, 5 * MIB);
        assert_eq!(noon.note.as_deref(), Some("limit 5.00 MiB/s until 22:30"));
    }

    #[test]
    fn the_hours_limit_counts_only_when_on_with_two_different_times() {
        let mut settings = with_hours("08:00", "08:00", 2, 3);
        assert!(hours_schedule(&settings).is_none(), "the same time twice");
        assert_eq!(speed_now(&settings).limit_bytes_per_sec, 3 * MIB);
        settings.hours_limit.to_minute = 9 * 60;
        assert!(hours_schedule(&settings).is_some());
        settings.hours_limit_on = false;
        assert!(schedule_in_force(&settings).is_none(), "switched off");
        assert_eq!(speed_now(&settings).limit_bytes_per_sec, 3 * MIB);
        assert_eq!(speed_now(&settings).recheck_after, None);
    }

    #[test]
    fn a_valid_custom_schedule_wins_over_the_hours_limit() {
        let mut settings = with_hours("00:00", "23:59", 7, 0);
        settings.speed_schedule = "00:00,300K".to_string();
        let schedule = schedule_in_force(&settings).expect("in force");
        assert_eq!(schedule.limit_at(10 * 60), 300 * 1024);
        settings.speed_schedule = "25:00,1M".to_string();
        let schedule = schedule_in_force(&settings).expect("the hours limit");
        assert_eq!(
            schedule.limit_at(10 * 60),
            7 * MIB,
            "a bad custom schedule counts for nothing"
        );
    }

    #[test]
    fn a_change_is_looked_at_when_its_minute_begins() {
        assert_eq!(
            on_the_minute(Duration::from_secs(60), 0),
            Duration::from_secs(60)
        );
        assert_eq!(
            on_the_minute(Duration::from_secs(60), 45),
            Duration::from_secs(15)
        );
        assert_eq!(
            on_the_minute(Duration::from_secs(60), 59),
            Duration::from_secs(1)
        );
        assert_eq!(
            on_the_minute(Duration::from_secs(0), 30),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn times_of_day_read_as_on_a_clock() {
        assert_eq!(clock_words(0), "00:00");
        assert_eq!(clock_words(8 * 60 + 5), "08:05");
        assert_eq!(clock_words(24 * 60 + 23 * 60 + 30), "23:30");
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
