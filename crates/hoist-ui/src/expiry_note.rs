//! Expiry in the window: the row's line when the server's session may run out, and one desktop
//! notification when a paused upload is within a day of starting again from the beginning.

use std::collections::HashSet;
use std::time::Duration;

use egui::Ui;

use super::expiry_words::{paused_words, row_expiry_words};
use super::model::{Notice, Row};
use hoist_core::engine::{PAUSED_NOTIFY_WITHIN, paused_expiry_due};
use hoist_core::protocol::expiry_dates::unix_now_secs;
use hoist_core::upload::{Phase, UploadId};

/// The row's expiry line now, when it has one.
pub fn row_words(row: &Row) -> Option<String> {
    row_expiry_words(row, unix_now_secs())
}

/// Shows a row's expiry line in the warning colour, the whole sentence on hover.
pub fn show(ui: &mut Ui, words: String) {
    let color = ui.visuals().warn_fg_color;
    ui.add(egui::Label::new(egui::RichText::new(&words).color(color)).truncate())
        .on_hover_text(words);
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
    /// When the next paused upload enters its last day, to look again then.
    pub recheck_after: Option<Duration>,
}

impl ExpiryWarnings {
    /// The notifications due for `rows` at `now_unix_secs`, each given once.
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
            if paused_expiry_due(
                Some(expires),
                upload.confirmed_bytes,
                now_unix_secs,
                PAUSED_NOTIFY_WITHIN,
            ) {
                if self.told.insert((upload.id, expires))
                    && let Some(words) =
                        paused_words(Some(expires), upload.confirmed_bytes, now_unix_secs)
                {
                    check.notices.push(Notice {
                        title: format!("Resume soon: {}", upload.file_name),
                        body: format!("{words}."),
                    });
                }
                continue;
            }
            let enters_last_day = expires.saturating_sub(PAUSED_NOTIFY_WITHIN.as_secs());
            if enters_last_day > now_unix_secs {
                let after = Duration::from_secs(enters_last_day - now_unix_secs);
                check.recheck_after = Some(check.recheck_after.map_or(after, |a| a.min(after)));
            }
        }
        check
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoist_core::engine::UploadSnapshot;
    use hoist_core::upload::{AuthSource, Destination, Service};

    fn paused(id: i64, confirmed_bytes: u64, expires_unix_secs: Option<u64>) -> Row {
        Row::from_snapshot(&UploadSnapshot {
            id: UploadId(id),
            file_name: format!("clip{id}.mp4"),
            path: format!("/videos/clip{id}.mp4").into(),
            destination: "tus.example".to_string(),
            target: Destination {
                service: Service::Tus {
                    endpoint: "https://tus.example/files/".to_string(),
                },
                auth: AuthSource::default(),
            },
            total_bytes: Some(100),
            confirmed_bytes,
            phase: Phase::Paused,
            error: None,
            result: None,
            expires_unix_secs,
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
        assert_eq!(check.recheck_after, Some(Duration::from_secs(86_400)));
        assert!(warnings.check(&rows, now + 60).notices.is_empty(), "once");
        let later = warnings.check(&rows, now + 86_400 + 1);
        assert_eq!(later.notices.len(), 1, "the second upload's turn");
        assert!(later.notices[0].title.ends_with("clip2.mp4"));
    }
}
