//! Expiry in the window: the row's line when the server's session may run out, and one desktop
//! notification when a paused upload is within a day of starting again from the beginning.

use std::collections::HashSet;
use std::time::Duration;

use egui::Ui;

use super::expiry_words::{AT_RISK_ADVICE, paused_words, row_expiry_words};
use super::model::{Notice, Row};
use hoist_core::engine::{PAUSED_NOTE_WITHIN, PAUSED_NOTIFY_WITHIN, paused_expiry_due};
use hoist_core::protocol::expiry_dates::unix_now_secs;
use hoist_core::upload::{Phase, UploadId};

/// The row's expiry line now, when it has one.
pub fn row_words(row: &Row) -> Option<String> {
    row_expiry_words(row, unix_now_secs())
}

/// Shows `row`'s expiry line `words` in the warning colour, the whole of it on hover.
pub fn show(ui: &mut Ui, row: &Row, words: String) {
    let color = ui.visuals().warn_fg_color;
    let hover = hover_words(row, &words);
    // The hover has the whole line: not egui's own tooltip for cut text as well.
    let label = egui::Label::new(egui::RichText::new(words).color(color))
        .truncate()
        .show_tooltip_when_elided(false);
    ui.add(label).on_hover_text(hover);
}

/// What hovering `row`'s expiry line says: the line, and for a running upload what happens if
/// that time runs out and what helps.
fn hover_words(row: &Row, words: &str) -> String {
    if row.upload.phase == Phase::Uploading {
        format!("{words}. {AT_RISK_ADVICE}")
    } else {
        words.to_string()
    }
}

/// Which paused uploads were already told about (by session end, so a new session is told again).
#[derive(Debug, Default)]
pub struct ExpiryWarnings {
    told: HashSet<(UploadId, u64)>,
}

/// What [`ExpiryWarnings::check`] found.
#[derive(Debug, Default, PartialEq)]
pub struct ExpiryCheck {
    /// Notifications due now (one per paused upload and session).
    pub notices: Vec<Notice>,
    /// When to look again: a paused upload's line appears or changes, or its notification is
    /// due.
    pub recheck_after: Option<Duration>,
}

impl ExpiryWarnings {
    /// The notifications due for `rows` at `now_unix_secs`, each given once, and when a paused
    /// row's line next appears or changes.
    pub fn check(&mut self, rows: &[Row], now_unix_secs: u64) -> ExpiryCheck {
        let mut check = ExpiryCheck::default();
        for row in rows {
            let upload = &row.upload;
            let Some(expires) = upload.expires_unix_secs else {
                continue;
            };
            if upload.phase != Phase::Paused || upload.confirmed_bytes == 0 {
                continue;
            }
            if let Some(after) = next_change(expires, now_unix_secs) {
                check.recheck_after = Some(check.recheck_after.map_or(after, |a| a.min(after)));
            }
            let due = paused_expiry_due(
                Some(expires),
                upload.confirmed_bytes,
                now_unix_secs,
                PAUSED_NOTIFY_WITHIN,
            );
            if due
                && self.told.insert((upload.id, expires))
                && let Some(words) =
                    paused_words(Some(expires), upload.confirmed_bytes, now_unix_secs)
            {
                check.notices.push(Notice {
                    title: format!("Resume soon: {}", upload.file_name),
                    body: format!("{words}."),
                });
            }
        }
        check
    }
}

/// How long until a paused upload ending at `expires_unix_secs` needs another look: its line
/// appears (three days before), its notification is due (a day before), or the count in its line
/// changes ("2 days" to "47 hours"). `None` once it has ended.
fn next_change(expires_unix_secs: u64, now_unix_secs: u64) -> Option<Duration> {
    const DAY: u64 = 86_400;
    let left = expires_unix_secs
        .checked_sub(now_unix_secs)
        .filter(|&l| l > 0)?;
    let to_mark = [PAUSED_NOTE_WITHIN.as_secs(), PAUSED_NOTIFY_WITHIN.as_secs()]
        .into_iter()
        .filter(|&mark| left > mark)
        .map(|mark| left - mark)
        .min();
    let unit = match left {
        0..120 => 1,
        120..7_200 => 60,
        7_200..172_800 => 3_600,
        _ => DAY,
    };
    let line_changes = (left <= PAUSED_NOTE_WITHIN.as_secs()).then(|| left % unit + 1);
    [to_mark, line_changes]
        .into_iter()
        .flatten()
        .min()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoist_core::engine::UploadSnapshot;

    fn paused(id: i64, confirmed_bytes: u64, expires_unix_secs: Option<u64>) -> Row {
        Row::from_snapshot(&UploadSnapshot {
            expires_unix_secs,
            ..crate::test_snapshot::tus_snapshot(id, Phase::Paused, confirmed_bytes, 100)
        })
    }

    #[test]
    fn a_paused_upload_is_told_once_within_its_last_day() {
        let now = 1_000_000;
        let rows = vec![
            paused(1, 50, Some(now + 5 * 3600)),
            paused(2, 50, Some(now + 2 * 86_400)),
            paused(3, 0, Some(now + 3600)),
            paused(4, 50, None),
        ];
        let mut warnings = ExpiryWarnings::default();
        let check = warnings.check(&rows, now);
        assert_eq!(
            check.notices,
            vec![Notice {
                title: "Resume soon: clip1.mp4".to_string(),
                body: "Resume within 5 hours, or this upload will start again from the beginning."
                    .to_string(),
            }]
        );
        assert_eq!(
            check.recheck_after,
            Some(Duration::from_secs(1)),
            "the first line's hours count down (5 hours, then 4)"
        );
        assert!(warnings.check(&rows, now + 60).notices.is_empty(), "once");
        let later = warnings.check(&rows, now + 86_400 + 1);
        assert_eq!(later.notices.len(), 1, "the second upload's turn");
        assert!(later.notices[0].title.ends_with("clip2.mp4"));
    }

    #[test]
    fn hovering_a_running_uploads_line_says_what_happens_and_what_helps() {
        let mut row = paused(1, 50, Some(1_000));
        assert_eq!(
            hover_words(&row, "Resume within 2 days"),
            "Resume within 2 days"
        );
        row.upload.phase = Phase::Uploading;
        let hover = hover_words(&row, "May not finish in time");
        assert!(hover.starts_with("May not finish in time. If that time runs out first"));
        assert!(
            hover.ends_with("fewer uploads at once, would help."),
            "{hover}"
        );
    }

    #[test]
    fn a_paused_line_is_looked_at_again_only_when_it_changes() {
        let (day, hour) = (86_400, 3_600);
        assert_eq!(next_change(10 * day, 0), Some(Duration::from_secs(7 * day)));
        assert_eq!(next_change(2 * day + 30, 0), Some(Duration::from_secs(31)));
        assert_eq!(next_change(day + 40, 0), Some(Duration::from_secs(40)));
        assert_eq!(
            next_change(5 * hour + 100, 0),
            Some(Duration::from_secs(101))
        );
        assert_eq!(next_change(90 * 60 + 10, 0), Some(Duration::from_secs(11)));
        assert_eq!(next_change(90, 0), Some(Duration::from_secs(1)));
        assert_eq!(next_change(100, 100), None);
        assert_eq!(next_change(100, 200), None);
    }
}
