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

/// The line for a running upload that, at its speed, needs longer than its session has ("May not
/// finish in time: this upload link expires in 2 hours, about 3 hours of upload left").
pub fn at_risk_words(expires_in_secs: u64, upload_left_secs: u64) -> String {
    format!(
        "May not finish in time: this upload link expires in {}, about {} of upload left",
        rough_duration_words(expires_in_secs, false),
        rough_duration_words(upload_left_secs, true)
    )
}

/// What hovering a running upload's "May not finish in time" line adds: what happens then, and
/// what helps (the window says it there rather than in a message of its own).
pub const AT_RISK_ADVICE: &str = "If the link runs out first, the upload starts again from the \
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
    fn the_lines_of_the_brief() {
        assert_eq!(
            at_risk_words(2 * 3600, 3 * 3600),
            "May not finish in time: this upload link expires in 2 hours, about 3 hours of upload left"
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
                "May not finish in time: this upload link expires in 2 hours, about 10 hours of upload left"
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
