//! Bandwidth schedules in rclone's `--bwlimit` syntax: time windows with their own speed limits,
//! e.g. `"08:00,2M 19:00,off"` (2 MiB/s from 08:00, no limit from 19:00 until 08:00 the next
//! day) or with days, `"Mon-08:00,512k Sat-00:00,off"`.
//!
//! Each entry is `[DAY-]HH:MM,RATE`; RATE is a size per second (`512k`, `10M`, `1.5MiB`; a bare
//! letter is binary and a bare number KiB/s, as in rclone) or `off`; rclone's `UP:DOWN` pairs are read for their upload
//! half. An entry without a day holds every day. A limit holds from its time until the next
//! entry's, going round the week; a single RATE with no time is a limit at all times.

use super::{UnitParseError, parse_bytes};

/// Minutes in a day and in a week.
const DAY_MINUTES: u32 = 24 * 60;
const WEEK_MINUTES: u32 = 7 * DAY_MINUTES;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A schedule that does not parse: which entry and why, in words a person can act on.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Nothing was typed.
    #[error("the schedule is empty (example: \"08:00,2M 19:00,off\")")]
    Empty,
    /// An entry is not `[DAY-]HH:MM,RATE`.
    #[error("'{entry}' is not a time and a limit (examples: \"08:00,2M\", \"Sat-00:00,off\")")]
    Entry {
        /// The entry as typed.
        entry: String,
    },
    /// The rate of an entry is not a size or `off`.
    #[error("'{entry}': {source}")]
    Rate {
        /// The entry as typed.
        entry: String,
        /// Why its rate does not parse.
        source: UnitParseError,
    },
    /// Two entries name the same moment.
    #[error("'{entry}' repeats a time already in the schedule")]
    Repeated {
        /// The entry as typed.
        entry: String,
    },
}

/// When a limit starts: minutes since Monday 00:00, local time.
type WeekMinute = u32;

/// A week of speed limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandwidthSchedule {
    /// (start, bytes per second; 0 = no limit), sorted by start, at least one.
    changes: Vec<(WeekMinute, u64)>,
}

impl BandwidthSchedule {
    /// Parses rclone's `--bwlimit` syntax (see the module's documentation).
    pub fn parse(text: &str) -> Result<BandwidthSchedule, ScheduleError> {
        let entries: Vec<&str> = text.split_whitespace().collect();
        if entries.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if let [single] = entries.as_slice()
            && !single.contains(',')
        {
            return Ok(BandwidthSchedule {
                changes: vec![(0, rate(single, single)?)],
            });
        }
        let mut changes = Vec::new();
        for entry in entries {
            let bad = || ScheduleError::Entry {
                entry: entry.to_string(),
            };
            let (when, limit) = entry.split_once(',').ok_or_else(bad)?;
            let limit = rate(entry, limit)?;
            let (days, clock) = match when.split_once('-') {
                Some((day, clock)) => {
                    let day = DAYS
                        .iter()
                        .position(|d| d.eq_ignore_ascii_case(day))
                        .ok_or_else(bad)?;
                    (day..day + 1, clock)
                }
                None => (0..7, when),
            };
            let minute = clock_minutes(clock).ok_or_else(bad)?;
            for day in days {
                let start = day as u32 * DAY_MINUTES + minute;
                if changes.iter().any(|(at, _)| *at == start) {
                    return Err(ScheduleError::Repeated {
                        entry: entry.to_string(),
                    });
                }
                changes.push((start, limit));
            }
        }
        changes.sort_unstable();
        Ok(BandwidthSchedule { changes })
    }

    /// The limit in bytes per second (0 = none) at `week_minute` (minutes since Monday 00:00).
    pub fn limit_at(&self, week_minute: u32) -> u64 {
        let week_minute = week_minute % WEEK_MINUTES;
        self.changes
            .iter()
            .rev()
            .find(|(start, _)| *start <= week_minute)
            .or(self.changes.last())
            .map_or(0, |(_, limit)| *limit)
    }

    /// Minutes from `week_minute` until the limit may change (at least 1, at most a week).
    pub fn minutes_until_change(&self, week_minute: u32) -> u32 {
        let week_minute = week_minute % WEEK_MINUTES;
        self.changes
            .iter()
            .map(|(start, _)| (start + WEEK_MINUTES - week_minute - 1) % WEEK_MINUTES + 1)
            .min()
            .unwrap_or(WEEK_MINUTES)
    }
}

/// Minutes since Monday 00:00 in the computer's time zone, now.
pub fn local_week_minute() -> u32 {
    use chrono::{Datelike, Timelike};
    let now = chrono::Local::now();
    now.weekday().num_days_from_monday() * DAY_MINUTES + now.hour() * 60 + now.minute()
}

/// The seconds already gone in the current minute, local time (0..=59; a leap second reads 59).
pub fn local_second_of_minute() -> u32 {
    use chrono::Timelike;
    chrono::Local::now().second().min(59)
}

/// `off` is no limit (0); anything else a size per second; `UP:DOWN` gives UP.
fn rate(entry: &str, text: &str) -> Result<u64, ScheduleError> {
    let upload = text.split_once(':').map_or(text, |(up, _)| up);
    if upload.eq_ignore_ascii_case("off") || upload.is_empty() {
        return Ok(0);
    }
    let plain_number = upload.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    // As in rclone, a number without a unit is KiB/s.
    let typed = if plain_number {
        format!("{upload}KiB")
    } else {
        upload.to_string()
    };
    parse_bytes(&typed).map_err(|source| ScheduleError::Rate {
        entry: entry.to_string(),
        source,
    })
}

/// `HH:MM` (24-hour clock) as minutes since midnight.
fn clock_minutes(text: &str) -> Option<u32> {
    let (hours, minutes) = text.split_once(':')?;
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || minutes.len() != 2 || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn a_daily_schedule_goes_round_the_clock() {
        let schedule = BandwidthSchedule::parse("08:00,2M 19:00,off").expect("parses");
        assert_eq!(
            schedule.limit_at(7 * 60 + 59),
            0,
            "before 08:00: yesterday's 19:00"
        );
        assert_eq!(schedule.limit_at(8 * 60), 2 * MIB);
        assert_eq!(schedule.limit_at(18 * 60 + 59), 2 * MIB);
        assert_eq!(schedule.limit_at(19 * 60), 0);
        // Sunday night runs into Monday morning.
        assert_eq!(schedule.limit_at(6 * DAY_MINUTES + 23 * 60), 0);
        assert_eq!(schedule.minutes_until_change(7 * 60), 60);
        assert_eq!(schedule.minutes_until_change(8 * 60), 11 * 60);
        assert_eq!(
            schedule.minutes_until_change(6 * DAY_MINUTES + 23 * 60),
            9 * 60
        );
    }

    #[test]
    fn days_rates_and_single_limits() {
        let schedule = BandwidthSchedule::parse("Mon-08:00,512k sat-00:00,off").expect("parses");
        assert_eq!(schedule.limit_at(8 * 60), 512 * 1024);
        assert_eq!(
            schedule.limit_at(4 * DAY_MINUTES + 12 * 60),
            512 * 1024,
            "Friday"
        );
        assert_eq!(schedule.limit_at(5 * DAY_MINUTES), 0, "Saturday");
        assert_eq!(schedule.limit_at(7 * 60), 0, "Monday before 08:00");
        let single = BandwidthSchedule::parse("10M").expect("parses");
        assert_eq!(single.limit_at(0), 10 * MIB);
        assert_eq!(single.limit_at(WEEK_MINUTES - 1), 10 * MIB);
        assert_eq!(
            BandwidthSchedule::parse("512").expect("parses").limit_at(0),
            512 * 1024
        );
        let pair = BandwidthSchedule::parse("09:30,1M:100k 17:00,off:off").expect("parses");
        assert_eq!(pair.limit_at(10 * 60), MIB, "the upload half of UP:DOWN");
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(BandwidthSchedule::parse("  "), Err(ScheduleError::Empty));
        for bad in [
            "25:00,1M",
            "08:60,1M",
            "Mo-08:00,1M",
            "08:00,fast",
            "08:0,1M",
        ] {
            let error = BandwidthSchedule::parse(bad).expect_err(bad);
            assert!(error.to_string().contains(bad), "{bad}: {error}");
        }
        assert!(matches!(
            BandwidthSchedule::parse("08:00,1M 08:00,2M"),
            Err(ScheduleError::Repeated { .. })
        ));
    }

    #[test]
    fn any_minute_has_a_limit_and_a_next_change() {
        let schedule = BandwidthSchedule::parse("Tue-03:15,1M 12:00,3M 20:45,off").expect("parses");
        for minute in 0..WEEK_MINUTES {
            let next = schedule.minutes_until_change(minute);
            assert!((1..=WEEK_MINUTES).contains(&next));
            // The limit holds until the next change.
            assert_eq!(
                schedule.limit_at(minute + next - 1),
                schedule.limit_at(minute)
            );
        }
    }
}
