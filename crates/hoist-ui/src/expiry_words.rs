//! The one line a row (and `hoist list`) shows when an upload's server session may run out before
//! the upload is done: plain words, only when it matters.

use hoist_core::engine::{ExpiryOutlook, PAUSED_NOTE_WITHIN, paused_expiry_due};

use super::model::Row;
use hoist_core::upload::Phase;

/// About how long `secs` is, in the largest unit that reads naturally ("3 days", "2 hours",
/// "40 minutes", "1 minute", "30 seconds"). `round_up` for work still to do, down for time that
/// is left, so the words never promise more time than there is.
pub fn rough_duration_words(secs: u64, round_up: bool) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    let (unit_secs, name) = if secs >= 2 * DAY {
        (DAY, "day")
    } else if secs >= 2 * HOUR {
        (HOUR, "hour")
    } else if secs >= 2 * MINUTE {
        (MINUTE, "minute")
    } else {
        (1, "second")
    };
    let count = if round_up {
        secs.div_ceil(unit_secs)
    } else {
        secs / unit_secs
    }
    .max(1);
    if count == 1 {
        format!("1 {name}")
    } else {
        format!("{count} {name}s")
    }
}

/// The line for a paused upload whose session ends within [`PAUSED_NOTE_WITHIN`] ("Resume within
/// 3 days, or this upload will start again from the beginning"), `None` when it does not matter
/// (nothing confirmed yet, no known end, or the end far away or already past).
pub fn paused_words(
    expires_unix_secs: Option<u64>,
    confirmed_bytes: u64,
    now_unix_secs: u64,
) -> Option<String> {
    if !paused_expiry_due(
        expires_unix_secs,
        confirmed_bytes,
        now_unix_secs,
        PAUSED_NOTE_WITHIN,
    ) {
        return None;
    }
    let left = expires_unix_secs?.saturating_sub(now_unix_secs);
    Some(format!(
        "Resume within {}, or this upload will start again from the beginning",
        rough_duration_words(left, false)
    ))
}

/// `secs` in words close enough to compare two times a few percent apart: two units from a day
/// ("6 days 11 hours") or an hour ("2 hours 5 minutes"), minutes from two minutes ("40 minutes"),
/// seconds below. `round_up` for work still to do, down for time that is left.
pub fn close_duration_words(secs: u64, round_up: bool) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    let round = |unit: u64| {
        if round_up {
            secs.div_ceil(unit).saturating_mul(unit)
        } else {
            secs / unit * unit
        }
    };
    let (big, small, big_name, small_name) = if secs >= DAY {
        (DAY, HOUR, "day", "hour")
    } else if secs >= HOUR {
        (HOUR, MINUTE, "hour", "minute")
    } else {
        return rough_duration_words(secs, round_up);
    };
    let rounded = round(small);
    let count_words = |count: u64, name: &str| match count {
        1 => format!("1 {name}"),
        count => format!("{count} {name}s"),
    };
    match (rounded / big, rounded % big / small) {
        (whole, 0) => count_words(whole, big_name),
        (whole, part) => format!(
            "{} {}",
            count_words(whole, big_name),
            count_words(part, small_name)
        ),
    }
}

/// The line for a running upload that, at its speed, may need longer than the server keeps it
/// unfinished ("May not finish in time: at this speed it needs about 3 hours, but the server
/// keeps the unfinished upload for only 2 hours more"). An upload that needs a little less than
/// the time left is at risk too (a speed wavers): the line says that little is to spare.
pub fn at_risk_words(expires_in_secs: u64, upload_left_secs: u64) -> String {
    let needs = close_duration_words(upload_left_secs, true);
    let keeps = close_duration_words(expires_in_secs, false);
    if upload_left_secs >= expires_in_secs {
        format!(
            "May not finish in time: at this speed it needs about {needs}, but the server keeps \
             the unfinished upload for only {keeps} more"
        )
    } else {
        format!(
            "May not finish in time: at this speed it needs about {needs}, and the server keeps \
             the unfinished upload for {keeps} more, which leaves little to spare"
        )
    }
}

/// What hovering a running upload's "May not finish in time" line adds: what happens then, and
/// what helps (the window says it there rather than in a message of its own).
pub const AT_RISK_ADVICE: &str = "If that time runs out first, the upload starts again from the \
     beginning: a faster connection, or fewer uploads at once, would help.";

/// The expiry line for `row` at `now_unix_secs`, when it has one.
pub fn row_expiry_words(row: &Row, now_unix_secs: u64) -> Option<String> {
    match row.upload.phase {
        Phase::Paused => paused_words(
            row.upload.expires_unix_secs,
            row.upload.confirmed_bytes,
            now_unix_secs,
        ),
        Phase::Uploading => {
            // A session already past its end is being replaced: nothing to warn of.
            let outlook: ExpiryOutlook = row
                .expiry
                .filter(|o| o.will_not_finish && o.expires_unix_secs > now_unix_secs)?;
            let left_secs = row
                .time_left()
                .map(|d| d.as_secs())
                .or(outlook.finish_in_secs)?;
            let expires_in = outlook.expires_unix_secs.saturating_sub(now_unix_secs);
            Some(at_risk_words(expires_in, left_secs))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally_and_never_promise_too_much() {
        assert_eq!(rough_duration_words(3 * 86_400 + 7_000, false), "3 days");
        assert_eq!(rough_duration_words(2 * 3600 + 3599, false), "2 hours");
        assert_eq!(rough_duration_words(2 * 3600 + 1, true), "3 hours");
        assert_eq!(rough_duration_words(40 * 60, false), "40 minutes");
        assert_eq!(rough_duration_words(90, false), "90 seconds");
        assert_eq!(rough_duration_words(1, false), "1 second");
        assert_eq!(rough_duration_words(0, false), "1 second");
        assert_eq!(rough_duration_words(36 * 3600, false), "36 hours");
        assert!(!rough_duration_words(u64::MAX, true).is_empty());
    }

    #[test]
    fn close_durations_tell_apart_times_a_few_percent_apart() {
        let day = 86_400;
        assert_eq!(
            close_duration_words(6 * day + 11 * 3600, true),
            "6 days 11 hours"
        );
        assert_eq!(
            close_duration_words(6 * day + 23 * 3600 + 59, false),
            "6 days 23 hours"
        );
        assert_eq!(
            close_duration_words(6 * day + 10 * 3600 + 1, true),
            "6 days 11 hours"
        );
        assert_eq!(close_duration_words(day + 3600, false), "1 day 1 hour");
        assert_eq!(close_duration_words(2 * day - 1, true), "2 days");
        assert_eq!(
            close_duration_words(2 * 3600 + 5 * 60, false),
            "2 hours 5 minutes"
        );
        assert_eq!(close_duration_words(3600 + 59, false), "1 hour");
        assert_eq!(close_duration_words(40 * 60 + 30, true), "41 minutes");
        assert_eq!(close_duration_words(95, true), "95 seconds");
        assert!(!close_duration_words(u64::MAX, true).is_empty());
        assert!(!close_duration_words(u64::MAX, false).is_empty());
    }

    /// The case seen in a session: a need shorter than the time left, at risk by the safety
    /// margin, must not read as a contradiction.
    #[test]
    fn a_need_a_little_shorter_than_the_time_left_says_little_is_to_spare() {
        let day = 86_400;
        let words = at_risk_words(6 * day + 23 * 3600 + 1_000, 6 * day + 11 * 3600 - 1_000);
        assert_eq!(
            words,
            "May not finish in time: at this speed it needs about 6 days 11 hours, and the server \
             keeps the unfinished upload for 6 days 23 hours more, which leaves little to spare"
        );
        assert!(!words.contains(" but "), "{words}");
        let short = at_risk_words(100, 95);
        assert!(short.contains("about 95 seconds"), "{short}");
        assert!(
            short.contains("for 100 seconds more, which leaves little"),
            "{short}"
        );
        let equal = at_risk_words(3 * 3600, 3 * 3600);
        assert!(equal.contains("for only 3 hours more"), "{equal}");
    }

    #[test]
    fn the_lines_of_the_brief() {
        assert_eq!(
            at_risk_words(2 * 3600, 3 * 3600),
            "May not finish in time: at this speed it needs about 3 hours, but the server keeps \
             the unfinished upload for only 2 hours more"
        );
        let now = 1_000_000;
        assert_eq!(
            paused_words(Some(now + 3 * 86_400), 10, now).as_deref(),
            Some("Resume within 3 days, or this upload will start again from the beginning")
        );
        assert_eq!(
            paused_words(Some(now + 4 * 86_400), 10, now),
            None,
            "far away"
        );
        assert_eq!(
            paused_words(Some(now + 60), 0, now),
            None,
            "nothing to lose"
        );
        assert_eq!(paused_words(Some(now - 1), 10, now), None, "already over");
        assert_eq!(paused_words(None, 10, now), None);
    }

    #[test]
    fn a_running_row_warns_only_while_its_session_lasts() {
        let mut row = Row::from_snapshot(&crate::test_snapshot::tus_snapshot(
            1,
            Phase::Uploading,
            0,
            3_600_000,
        ));
        row.rate_bytes_per_sec = 100.0;
        let now = 1_000_000;
        row.expiry = Some(ExpiryOutlook {
            expires_unix_secs: now + 2 * 3600,
            expires_in_secs: 2 * 3600,
            finish_in_secs: Some(36_000),
            will_not_finish: true,
        });
        assert_eq!(
            row_expiry_words(&row, now).as_deref(),
            Some(
                "May not finish in time: at this speed it needs about 10 hours, but the server \
                 keeps the unfinished upload for only 2 hours more"
            )
        );
        assert_eq!(
            row_expiry_words(&row, now + 2 * 3600),
            None,
            "past: being replaced"
        );
        row.upload.phase = Phase::Processing;
        assert_eq!(row_expiry_words(&row, now), None);
    }
}
