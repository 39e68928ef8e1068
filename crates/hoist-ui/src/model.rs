//! The window's picture of the queue, built only from engine events.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::failure_words::{add_failure_advice, failure_advice, retry_words};
use super::message::{Message, MessageKind};
use super::warning_words::{warning_kind, warning_words};
use super::words::notice_words;
use hoist_core::engine::{Event, ExpiryOutlook, UploadNotice, UploadSnapshot};
use hoist_core::upload::{Destination, Phase, UploadAction, UploadId};

/// One upload as the window shows it: the engine's snapshot, kept current by events, plus what
/// only a running upload has.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The upload as the engine last described it.
    pub upload: UploadSnapshot,
    /// Handed to the network.
    pub sent_bytes: u64,
    /// Smoothed rate.
    pub rate_bytes_per_sec: f64,
    /// When the next attempt starts, while reconnecting.
    pub retry_at: Option<Instant>,
    /// Why it is reconnecting.
    pub retry_reason: Option<String>,
    /// New pieces wait: the connection is metered (the row says so while uploading).
    pub metered_hold: bool,
    /// The session's expiry against the time the rest needs, while running.
    pub expiry: Option<ExpiryOutlook>,
    /// Bytes have gone out since this run (or its last reconnection) began; until then the row
    /// says it is connecting rather than showing "Uploading" with no speed.
    pub flowing: bool,
}

impl Row {
    pub(crate) fn from_snapshot(s: &UploadSnapshot) -> Row {
        Row {
            upload: s.clone(),
            sent_bytes: s.confirmed_bytes,
            rate_bytes_per_sec: 0.0,
            retry_at: None,
            retry_reason: None,
            metered_hold: false,
            expiry: None,
            flowing: false,
        }
    }

    /// Confirmed fraction, 0..=1 (1 for a finished 0-byte file).
    pub fn confirmed_fraction(&self) -> f32 {
        fraction(
            self.upload.confirmed_bytes,
            self.upload.total_bytes,
            self.upload.phase,
        )
    }

    /// Sent fraction, 0..=1, never below the confirmed one.
    pub fn sent_fraction(&self) -> f32 {
        fraction(self.sent_bytes, self.upload.total_bytes, self.upload.phase)
            .max(self.confirmed_fraction())
    }

    /// Estimated time left at the current rate.
    pub fn time_left(&self) -> Option<Duration> {
        let total = self.upload.total_bytes?;
        if self.upload.phase != Phase::Uploading || self.rate_bytes_per_sec < 1.0 {
            return None;
        }
        hoist_core::units::time_left(
            total.saturating_sub(self.upload.confirmed_bytes),
            self.rate_bytes_per_sec,
        )
    }
}

fn fraction(done: u64, total: Option<u64>, phase: Phase) -> f32 {
    match total {
        Some(0) | None if phase == Phase::Completed => 1.0,
        Some(0) | None => 0.0,
        Some(total) => (done.min(total) as f64 / total as f64) as f32,
    }
}

/// Something worth a desktop notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Short title.
    pub title: String,
    /// Body.
    pub body: String,
}

/// The queue as the window shows it.
#[derive(Debug, Default)]
pub struct QueueModel {
    rows: Vec<Row>,
    index: HashMap<UploadId, usize>,
    /// Messages about Hoist itself or files that could not be added, newest last, each once
    /// (add them with [`QueueModel::say`]).
    pub messages: Vec<Message>,
    /// True once the engine has reported the journal's uploads.
    pub restored: bool,
    /// What the engine said about sleep and metered connections.
    pub power: crate::power::PowerStatus,
}

/// How a file added again is already in the list, for the same destination (most telling
/// first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Listed {
    /// An upload of it waits, sends, is processed or paused.
    OnItsWay,
    /// An upload of it stopped after a failure or because the file changed: its row's Retry or
    /// Restart sends it.
    Stopped,
    /// An upload of it is done and its row still in the list.
    Sent,
}

impl QueueModel {
    /// Adds `message` to the message area, unless the same line is already there.
    pub fn say(&mut self, message: Message) {
        if !self.messages.contains(&message) {
            self.messages.push(message);
        }
    }

    /// The rows, in queue order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The row of an upload.
    pub fn row(&self, id: UploadId) -> Option<&Row> {
        self.index.get(&id).and_then(|i| self.rows.get(*i))
    }

    /// Whether this file is in the list already, going to `destination`: on its way, or sent
    /// (its row done). `None` when it is not, or only cancelled or going elsewhere: adding it
    /// then is a new upload.
    pub fn already_listed(&self, path: &Path, destination: &Destination) -> Option<Listed> {
        let rows = self
            .rows
            .iter()
            .filter(|r| r.upload.path == path && r.upload.target == *destination);
        let mut listed = None;
        for row in rows {
            let this = match row.upload.phase {
                Phase::Cancelled => continue,
                Phase::Completed => Listed::Sent,
                Phase::Failed | Phase::FileChanged => Listed::Stopped,
                Phase::Queued | Phase::Uploading | Phase::Processing | Phase::Paused => {
                    Listed::OnItsWay
                }
            };
            // An unfinished row says more than a done one.
            listed = Some(listed.map_or(this, |seen: Listed| seen.min(this)));
        }
        listed
    }

    /// True if "Pause all" would pause something: an upload waits, sends or is being processed.
    pub fn any_to_pause(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.upload.phase.allows(UploadAction::Pause))
    }

    /// True if "Resume all" would start something: an upload is paused or stopped after a
    /// failure (those that wait or send already run).
    pub fn any_to_resume(&self) -> bool {
        self.rows.iter().any(|r| {
            let phase = r.upload.phase;
            phase.allows(UploadAction::Resume) && !phase.wants_to_run()
        })
    }

    /// The finished uploads ("Clear finished" removes them from the list).
    pub fn finished_ids(&self) -> Vec<UploadId> {
        self.rows
            .iter()
            .filter(|r| r.upload.phase == Phase::Completed)
            .map(|r| r.upload.id)
            .collect()
    }

    /// The distinct destinations of the uploads, in first-seen order.
    pub fn destinations(&self) -> Vec<(String, Destination)> {
        let mut seen: Vec<(String, Destination)> = Vec::new();
        for row in &self.rows {
            if !seen.iter().any(|(_, d)| *d == row.upload.target) {
                seen.push((row.upload.destination.clone(), row.upload.target.clone()));
            }
        }
        seen
    }

    /// Total rate and time left over every running upload.
    pub fn totals(&self) -> (f64, Option<Duration>) {
        let running: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.upload.phase == Phase::Uploading)
            .collect();
        let rate: f64 = running.iter().map(|r| r.rate_bytes_per_sec).sum();
        let left: u64 = self
            .rows
            .iter()
            .filter(|r| matches!(r.upload.phase, Phase::Uploading | Phase::Queued))
            .map(|r| {
                r.upload
                    .total_bytes
                    .unwrap_or(0)
                    .saturating_sub(r.upload.confirmed_bytes)
            })
            .sum();
        // Nothing left to send: no time left to show (never "0 s left").
        let eta = (left > 0)
            .then(|| hoist_core::units::time_left(left, rate))
            .flatten();
        (rate, eta)
    }

    /// True while some row shows a countdown (the window then ticks once a second).
    pub fn has_countdown(&self, now: Instant) -> bool {
        self.rows
            .iter()
            .any(|r| r.retry_at.is_some_and(|t| t > now))
    }

    fn insert(&mut self, mut row: Row) {
        row.metered_hold = self.power.metered_hold;
        if let Some(i) = self.index.get(&row.upload.id) {
            self.rows[*i] = row;
        } else {
            self.index.insert(row.upload.id, self.rows.len());
            self.rows.push(row);
        }
    }

    /// New pieces wait on a metered connection (or go on): every row says so while uploading.
    fn set_metered_hold(&mut self, waiting: bool) {
        for row in &mut self.rows {
            row.metered_hold = waiting;
        }
    }

    fn row_mut(&mut self, id: UploadId) -> Option<&mut Row> {
        let i = *self.index.get(&id)?;
        self.rows.get_mut(i)
    }

    /// Shows what the server confirmed and what was sent, never past the file's size.
    fn progress(&mut self, p: &hoist_core::engine::Progress) {
        let Some(row) = self.row_mut(p.id) else {
            return;
        };
        row.flowing |= p.rate_bytes_per_sec > 0.0 || p.sent_bytes > row.sent_bytes;
        row.upload.confirmed_bytes = p.confirmed_bytes;
        row.sent_bytes = p.sent_bytes.max(p.confirmed_bytes);
        if let Some(total) = row.upload.total_bytes {
            row.sent_bytes = row.sent_bytes.min(total);
            row.upload.confirmed_bytes = row.upload.confirmed_bytes.min(total);
        }
        row.rate_bytes_per_sec = p.rate_bytes_per_sec;
        if p.rate_bytes_per_sec > 0.0 {
            row.retry_at = None;
        }
    }

    /// Takes the upload `id` off the list.
    fn remove_row(&mut self, id: UploadId) {
        if let Some(i) = self.index.remove(&id) {
            self.rows.remove(i);
            self.index = self
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.upload.id, i))
                .collect();
        }
    }

    /// Applies one engine event; returns a notice when an upload finished or failed.
    pub fn apply(&mut self, event: Event, now: Instant) -> Option<Notice> {
        self.power.observe(&event);
        match event {
            Event::Restored { uploads } => {
                for upload in &uploads {
                    self.insert(Row::from_snapshot(upload));
                }
                self.restored = true;
            }
            Event::Added { upload, .. } => self.insert(Row::from_snapshot(&upload)),
            Event::AddFailed { path, failure, .. } => self.say(Message::problem(format!(
                "{} was not added. {}",
                super::words::file_name_words(&path),
                add_failure_advice(&failure)
            ))),
            Event::Progress(p) => self.progress(&p),
            Event::PhaseChanged { id, phase, failure } => {
                let row = self.row_mut(id)?;
                row.flowing &= row.upload.phase == phase;
                row.upload.phase = phase;
                row.upload.error = failure.clone();
                row.retry_at = None;
                if phase != Phase::Uploading {
                    row.expiry = None;
                    row.rate_bytes_per_sec = 0.0;
                    row.sent_bytes = row.upload.confirmed_bytes;
                }
                if matches!(phase, Phase::Failed | Phase::FileChanged) {
                    return Some(Notice {
                        title: format!("Upload failed: {}", row.upload.file_name),
                        body: failure
                            .map(|f| failure_advice(&f))
                            .unwrap_or_else(|| phase.label().to_string()),
                    });
                }
            }
            Event::Retrying {
                id, wait, reason, ..
            } => {
                let row = self.row_mut(id)?;
                row.retry_at = Some(now + wait);
                row.retry_reason = Some(retry_words(&reason));
                row.rate_bytes_per_sec = 0.0;
                row.flowing = false;
            }
            Event::Notice { id, notice } => self.notice(id, notice),
            Event::Expiry { id, outlook } => {
                let row = self.row_mut(id)?;
                row.upload.expires_unix_secs = Some(outlook.expires_unix_secs);
                row.expiry = Some(outlook);
            }
            Event::Completed { id, result } => {
                let row = self.row_mut(id)?;
                row.upload.phase = Phase::Completed;
                if let Some(total) = row.upload.total_bytes {
                    row.upload.confirmed_bytes = total;
                    row.sent_bytes = total;
                }
                row.upload.result = Some(result);
                row.upload.error = None;
                return Some(Notice {
                    title: format!("Uploaded: {}", row.upload.file_name),
                    body: format!("{} is on {}.", row.upload.file_name, row.upload.destination),
                });
            }
            Event::Removed { id } => self.remove_row(id),
            // The engine logged the detail.
            Event::Warning { kind, .. } => {
                self.say(Message::new(warning_kind(&kind), warning_words(&kind)));
            }
            Event::MeteredHold { waiting } => self.set_metered_hold(waiting),
            Event::QueueOrder { ids } => self.reorder(&ids),
            Event::Stopped => {}
        }
        None
    }

    /// Shows what happened to upload `id` at the top, once; not a session that may expire first,
    /// which the row says itself while it applies (`expiry_words`).
    fn notice(&mut self, id: UploadId, notice: UploadNotice) {
        let kind = match notice {
            UploadNotice::SessionMayExpire { .. } => return,
            UploadNotice::SessionLost => MessageKind::Warning,
            UploadNotice::ServerKeptLess => MessageKind::Info,
        };
        let name = self
            .row(id)
            .map(|r| r.upload.file_name.clone())
            .unwrap_or_default();
        self.say(Message::new(
            kind,
            format!("{name}: {}", notice_words(notice)),
        ));
    }

    /// Puts the rows in the engine's queue order; rows it did not name follow, as they were.
    fn reorder(&mut self, ids: &[UploadId]) {
        let mut rows: Vec<Option<Row>> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(Some)
            .collect();
        let mut ordered = Vec::with_capacity(rows.len());
        for id in ids {
            if let Some(row) = self.index.get(id).and_then(|i| rows.get_mut(*i)?.take()) {
                ordered.push(row);
            }
        }
        ordered.extend(rows.into_iter().flatten());
        self.rows = ordered;
        self.index = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.upload.id, i))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hoist_core::engine::EngineWarning;
    use hoist_core::upload::{Failure, FailureKind};

    fn model_with_one_upload() -> QueueModel {
        let mut model = QueueModel::default();
        let upload = crate::test_snapshot::tus_snapshot(1, Phase::Uploading, 10, 100);
        model.apply(
            Event::Restored {
                uploads: vec![upload],
            },
            Instant::now(),
        );
        model
    }

    fn kinds(model: &QueueModel) -> Vec<MessageKind> {
        model.messages.iter().map(|m| m.kind).collect()
    }

    fn model_of(phases: &[Phase]) -> QueueModel {
        let mut model = QueueModel::default();
        let uploads = (1..)
            .zip(phases)
            .map(|(id, phase)| crate::test_snapshot::tus_snapshot(id, *phase, 10, 100))
            .collect();
        model.apply(Event::Restored { uploads }, Instant::now());
        model
    }

    #[test]
    fn a_file_added_again_is_found_by_its_most_telling_row() {
        let here = crate::test_snapshot::tus_snapshot(1, Phase::Completed, 100, 100);
        let (path, target) = (here.path.clone(), here.target.clone());
        let mut model = QueueModel::default();
        let row = |id, phase| {
            let mut upload = crate::test_snapshot::tus_snapshot(id, phase, 10, 100);
            upload.path = path.clone();
            upload
        };
        model.apply(
            Event::Restored {
                uploads: vec![row(1, Phase::Cancelled)],
            },
            Instant::now(),
        );
        assert_eq!(model.already_listed(&path, &target), None, "cancelled");
        for (phase, listed) in [
            (Phase::Completed, Listed::Sent),
            (Phase::FileChanged, Listed::Stopped),
            (Phase::Paused, Listed::OnItsWay),
        ] {
            let id = model.rows().len() as i64 + 1;
            model.apply(
                Event::Restored {
                    uploads: vec![row(id, phase)],
                },
                Instant::now(),
            );
            assert_eq!(
                model.already_listed(&path, &target),
                Some(listed),
                "{phase:?}"
            );
        }
        let mut elsewhere = target.clone();
        elsewhere.service = hoist_core::upload::Service::Tus {
            endpoint: "http://127.0.0.1:1/other/".to_string(),
        };
        assert_eq!(
            model.already_listed(&path, &elsewhere),
            None,
            "another destination"
        );
    }

    #[test]
    fn pause_all_and_resume_all_are_offered_only_when_they_would_change_something() {
        let empty = model_of(&[]);
        assert!(!empty.any_to_pause() && !empty.any_to_resume());
        let finished = model_of(&[Phase::Completed, Phase::Cancelled, Phase::FileChanged]);
        assert!(!finished.any_to_pause() && !finished.any_to_resume());
        for running in [Phase::Queued, Phase::Uploading, Phase::Processing] {
            let model = model_of(&[Phase::Completed, running]);
            assert!(model.any_to_pause(), "{running:?}");
            assert!(!model.any_to_resume(), "{running:?}");
        }
        for stopped in [Phase::Paused, Phase::Failed] {
            let model = model_of(&[Phase::Completed, stopped]);
            assert!(!model.any_to_pause(), "{stopped:?}");
            assert!(model.any_to_resume(), "{stopped:?}");
        }
        let both = model_of(&[Phase::Uploading, Phase::Paused]);
        assert!(both.any_to_pause() && both.any_to_resume());
    }

    #[test]
    fn an_expiry_notice_stays_in_its_row_and_other_notices_show_once() {
        let mut model = model_with_one_upload();
        let may_expire = UploadNotice::SessionMayExpire {
            needed: Duration::from_secs(10_000),
            lifetime: Duration::from_secs(7_200),
        };
        for _ in 0..3 {
            model.apply(
                Event::Notice {
                    id: UploadId(1),
                    notice: may_expire,
                },
                Instant::now(),
            );
        }
        assert!(model.messages.is_empty(), "{:?}", model.messages);
        for _ in 0..3 {
            model.apply(
                Event::Notice {
                    id: UploadId(1),
                    notice: UploadNotice::SessionLost,
                },
                Instant::now(),
            );
        }
        model.apply(
            Event::Notice {
                id: UploadId(1),
                notice: UploadNotice::ServerKeptLess,
            },
            Instant::now(),
        );
        assert_eq!(kinds(&model), vec![MessageKind::Warning, MessageKind::Info]);
        assert!(
            model.messages[0]
                .text
                .starts_with("clip1.mp4: The server lost")
        );
    }

    #[test]
    fn each_message_has_the_kind_of_what_happened() {
        let mut model = model_with_one_upload();
        model.apply(
            Event::AddFailed {
                tag: 1,
                path: "/videos/gone.mp4".into(),
                failure: Failure::new(FailureKind::NotFound, "no such file"),
            },
            Instant::now(),
        );
        for kind in [
            EngineWarning::CannotKeepAwake,
            EngineWarning::QueueOrderNotSaved,
        ] {
            model.apply(
                Event::Warning {
                    kind,
                    detail: "detail for the log".to_string(),
                },
                Instant::now(),
            );
        }
        model.say(Message::info("1 upload is continuing where it left off."));
        assert_eq!(
            kinds(&model),
            vec![
                MessageKind::Problem,
                MessageKind::Warning,
                MessageKind::Problem,
                MessageKind::Info
            ]
        );
        assert!(model.messages.iter().all(|m| !m.text.contains("detail")));
    }

    /// What a resumed row shows second by second: the bytes confirmed before the pause at once,
    /// "Connecting…" while nothing goes out yet, then the speed as soon as bytes flow.
    #[test]
    fn a_resumed_row_says_connecting_until_bytes_flow() {
        let mib = 1024 * 1024;
        let mut model = QueueModel::default();
        let paused = crate::test_snapshot::tus_snapshot(1, Phase::Paused, 7 * mib, 200 * mib);
        model.apply(
            Event::Restored {
                uploads: vec![paused],
            },
            Instant::now(),
        );
        let phase = |phase| Event::PhaseChanged {
            id: UploadId(1),
            phase,
            failure: None,
        };
        let progress = |sent_bytes, rate_bytes_per_sec| {
            Event::Progress(hoist_core::engine::Progress {
                id: UploadId(1),
                sent_bytes,
                confirmed_bytes: 7 * mib,
                total_bytes: Some(200 * mib),
                rate_bytes_per_sec,
            })
        };
        let now = Instant::now();
        let shown = |model: &QueueModel| {
            let row = model.row(UploadId(1)).expect("row");
            let state = crate::words::state_words(row, now);
            (
                crate::words::size_words(row),
                state,
                crate::words::speed_words(row),
            )
        };
        model.apply(phase(Phase::Uploading), now);
        let (size, state, speed) = shown(&model);
        assert_eq!(
            size, "7.00 MiB of 200 MiB",
            "what was confirmed shows at once"
        );
        assert_eq!(
            (state.as_str(), speed.as_str()),
            (crate::words::CONNECTING, "")
        );
        // The first report carries the confirmed bytes and nothing sent yet: still connecting.
        model.apply(progress(7 * mib, 0.0), now);
        assert_eq!(shown(&model).1, crate::words::CONNECTING);
        model.apply(progress(7 * mib + 64 * 1024, 256.0 * 1024.0), now);
        let (size, state, speed) = shown(&model);
        assert_eq!(
            size, "7.00 MiB of 200 MiB",
            "the words say what the server confirmed"
        );
        let row = model.row(UploadId(1)).expect("row");
        assert!(
            row.sent_fraction() > row.confirmed_fraction(),
            "the bar's sent part climbs"
        );
        assert_eq!(state, "Uploading");
        assert!(speed.starts_with("256 KiB/s · "), "{speed}");
        // A dropped connection: reconnecting, then connecting again until bytes flow.
        let reason = hoist_core::upload::Failure::new(
            hoist_core::upload::FailureKind::Network,
            "reset".to_string(),
        );
        model.apply(
            Event::Retrying {
                id: UploadId(1),
                attempt: 1,
                wait: Duration::ZERO,
                reason,
            },
            now,
        );
        assert_eq!(shown(&model).1, crate::words::CONNECTING);
        model.apply(progress(7 * mib + 128 * 1024, 0.0), now);
        assert_eq!(shown(&model).1, "Uploading", "bytes went out");
        // Paused and resumed again: connecting until the new run moves.
        model.apply(phase(Phase::Paused), now);
        model.apply(phase(Phase::Uploading), now);
        assert_eq!(shown(&model).1, crate::words::CONNECTING);
    }
}
