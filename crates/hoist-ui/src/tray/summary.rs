//! What the tray icon says: one line for its title and tooltip ("Uploading 3 files — 42 %") and
//! whether its menu offers Pause all or Resume all.

use std::collections::HashSet;

use hoist_core::units::count_words;
use hoist_core::upload::{Phase, UploadId};

use crate::model::Row;

/// The tray icon's words and menu state, made from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraySummary {
    /// One line: what the uploads are doing, with the share the server confirmed.
    pub line: String,
    /// Nothing runs and some uploads are paused: the menu offers "Resume all", not "Pause all".
    pub paused: bool,
}

impl TraySummary {
    /// The uploads of `batch` (those that were running or waiting while the window was in the
    /// background) as they are in `rows`. The share is what the server confirmed of all of them,
    /// finished ones included, so it does not jump back when one finishes.
    pub(crate) fn of(rows: &[Row], batch: &HashSet<UploadId>) -> TraySummary {
        let mut running = 0;
        let mut paused = 0;
        let mut sent = 0;
        let mut failed = 0;
        let (mut confirmed, mut total) = (0u128, 0u128);
        for row in rows.iter().filter(|r| batch.contains(&r.upload.id)) {
            let upload = &row.upload;
            match upload.phase {
                phase if phase.wants_to_run() => running += 1,
                Phase::Paused => paused += 1,
                Phase::Completed => sent += 1,
                Phase::Failed | Phase::FileChanged => failed += 1,
                _ => continue,
            }
            if let Some(size) = upload.total_bytes {
                total += u128::from(size);
                confirmed += u128::from(upload.confirmed_bytes.min(size));
            }
        }
        let percent = (confirmed * 100).checked_div(total).unwrap_or(0).min(100);
        let line = if running > 0 {
            format!(
                "Uploading {} — {percent} %",
                count_words(running, "file", "files")
            )
        } else if paused > 0 {
            format!(
                "{} paused — {percent} %",
                count_words(paused, "upload", "uploads")
            )
        } else if failed > 0 {
            format!("{sent} sent, {failed} did not go")
        } else if sent > 0 {
            format!(
                "All uploads finished: {} sent",
                count_words(sent, "file", "files")
            )
        } else {
            "Nothing to upload".to_string()
        };
        TraySummary {
            line,
            paused: running == 0 && paused > 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use hoist_core::engine::UploadSnapshot;
    use hoist_core::upload::{AuthSource, Destination, Service};

    use super::*;

    fn row(id: i64, phase: Phase, confirmed: u64, total: u64) -> Row {
        let snapshot = UploadSnapshot {
            id: UploadId(id),
            file_name: format!("{id}.mp4"),
            path: PathBuf::from(format!("/videos/{id}.mp4")),
            destination: "127.0.0.1".to_string(),
            target: Destination {
                service: Service::GoogleResumable {
                    initiate_url: "http://127.0.0.1:9/upload".to_string(),
                },
                auth: AuthSource::None,
            },
            total_bytes: Some(total),
            confirmed_bytes: confirmed,
            phase,
            error: None,
            result: None,
            expires_unix_secs: None,
        };
        let mut model = crate::QueueModel::default();
        model.apply(
            hoist_core::engine::Event::Restored {
                uploads: vec![snapshot],
            },
            std::time::Instant::now(),
        );
        model.rows()[0].clone()
    }

    #[test]
    fn running_uploads_show_count_and_confirmed_share() {
        let rows = vec![
            row(1, Phase::Uploading, 30, 100),
            row(2, Phase::Queued, 0, 100),
            row(3, Phase::Completed, 100, 100),
            row(4, Phase::Uploading, 50, 100),
        ];
        let batch: HashSet<UploadId> = [1, 2, 3].map(UploadId).into();
        let summary = TraySummary::of(&rows, &batch);
        assert_eq!(summary.line, "Uploading 2 files — 43 %");
        assert!(!summary.paused);
    }

    #[test]
    fn paused_failed_and_finished_batches_say_so() {
        let batch: HashSet<UploadId> = [1, 2].map(UploadId).into();
        let paused = vec![
            row(1, Phase::Paused, 25, 100),
            row(2, Phase::Completed, 100, 100),
        ];
        let summary = TraySummary::of(&paused, &batch);
        assert_eq!(summary.line, "1 upload paused — 62 %");
        assert!(summary.paused);
        let failed = vec![
            row(1, Phase::Failed, 25, 100),
            row(2, Phase::Completed, 100, 100),
        ];
        assert_eq!(
            TraySummary::of(&failed, &batch).line,
            "1 sent, 1 did not go"
        );
        let done = vec![
            row(1, Phase::Completed, 100, 100),
            row(2, Phase::Completed, 100, 100),
        ];
        assert_eq!(
            TraySummary::of(&done, &batch).line,
            "All uploads finished: 2 files sent"
        );
        assert_eq!(
            TraySummary::of(&done, &HashSet::new()).line,
            "Nothing to upload"
        );
    }
}
