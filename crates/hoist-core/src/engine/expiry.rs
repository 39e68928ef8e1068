//! Expiry awareness: when an upload's server session ends, against how long the rest of the upload
//! needs at the measured speed.
//!
//! The protocols read the expiry from what the servers say (Google: creation plus a week; tus:
//! `Upload-Expires`; multipart: the session's `expires_at`) into the saved session state. The
//! driver copies it into an [`ExpiryCell`] after every confirmation; the progress reporter
//! compares it with the time the rest needs and emits [`super::Event::Expiry`] when the answer
//! changes. What can be renewed is renewed by the protocols before it runs out (presigned URLs
//! are asked for again before their margin; api.video's access token is refreshed ahead of its
//! lifetime); a session that cannot be renewed and does expire starts again from byte 0 through
//! each protocol's existing "session gone" path.
//!
//! The notice for people ([`UploadNotice::SessionMayExpire`]) is given once per upload, not once
//! per run: [`ExpiryNoticeMemory`] (kept by the scheduler) remembers it across pauses and resumes,
//! and forgets it only when a measured speed says the upload is safe again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::UploadNotice;
use crate::protocol::SessionState;

/// A paused upload whose session ends within this long gets a line in its row and in `hoist list`.
pub const PAUSED_NOTE_WITHIN: Duration = Duration::from_secs(3 * 24 * 3600);
/// A paused upload whose session ends within this long is worth one desktop notification.
pub const PAUSED_NOTIFY_WITHIN: Duration = Duration::from_secs(24 * 3600);
/// How long a rate must be measured before it is trusted for an outlook.
const MEASURE_FOR: Duration = Duration::from_secs(5);
/// How long an upload told it may not finish must stay safe at a measured speed before the notice
/// counts as no longer applying (a measured speed wavers by a third from one second to the next).
const SAFE_FOR: Duration = Duration::from_secs(60);

/// Time to the session's expiry against the time the rest of the upload needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExpiryOutlook {
    /// When the server's session ends, in seconds since the Unix epoch.
    pub expires_unix_secs: u64,
    /// Seconds from the assessment until then (0 once passed).
    pub expires_in_secs: u64,
    /// About how long the rest of the upload needs at the measured speed, in seconds.
    pub finish_in_secs: Option<u64>,
    /// At this speed the session ends before the upload does.
    pub will_not_finish: bool,
}

impl ExpiryOutlook {
    /// The outlook at `now_unix_secs` for `remaining_bytes` at `rate_bytes_per_sec`.
    /// `was_at_risk` keeps an upload at risk until it is clearly safe (20 % spare instead of
    /// 10 %), so a speed that wavers does not make the row flicker.
    pub fn assess(
        expires_unix_secs: u64,
        now_unix_secs: u64,
        remaining_bytes: u64,
        rate_bytes_per_sec: f64,
        was_at_risk: bool,
    ) -> ExpiryOutlook {
        let expires_in_secs = expires_unix_secs.saturating_sub(now_unix_secs);
        let finish_in_secs = (rate_bytes_per_sec > 0.0 && rate_bytes_per_sec.is_finite())
            .then(|| (remaining_bytes as f64 / rate_bytes_per_sec).ceil())
            .map(|secs| {
                if secs >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    secs as u64
                }
            });
        let spare_percent: u64 = if was_at_risk { 80 } else { 90 };
        let usable_secs =
            expires_in_secs / 100 * spare_percent + expires_in_secs % 100 * spare_percent / 100;
        let will_not_finish =
            remaining_bytes > 0 && finish_in_secs.is_some_and(|finish| finish > usable_secs);
        ExpiryOutlook {
            expires_unix_secs,
            expires_in_secs,
            finish_in_secs,
            will_not_finish,
        }
    }
}

/// True when a paused upload with `confirmed_bytes` kept by a session ending at
/// `expires_unix_secs` should be told about it at `now_unix_secs` (within `within`, not yet past).
pub fn paused_expiry_due(
    expires_unix_secs: Option<u64>,
    confirmed_bytes: u64,
    now_unix_secs: u64,
    within: Duration,
) -> bool {
    confirmed_bytes > 0
        && expires_unix_secs.is_some_and(|expires| {
            expires > now_unix_secs && expires - now_unix_secs <= within.as_secs()
        })
}

/// The expiry of one running upload's session, shared by its driver (which writes it after every
/// confirmation) and its progress reporter (which reads it). 0 means unknown. It also carries
/// whether the upload's "may not finish" notice was given and still applies, which outlives the
/// run (see [`ExpiryNoticeMemory`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct ExpiryCell {
    expires_unix_secs: Arc<AtomicU64>,
    at_risk_told: Arc<AtomicBool>,
}

impl ExpiryCell {
    /// A cell holding `state`'s expiry, for an upload never told it is at risk.
    #[cfg(test)]
    pub(crate) fn of(state: &SessionState) -> ExpiryCell {
        let cell = ExpiryCell::default();
        cell.note(state);
        cell
    }

    /// Takes the expiry of the state just saved.
    pub(crate) fn note(&self, state: &SessionState) {
        self.expires_unix_secs
            .store(state.expires_unix_secs().unwrap_or(0), Ordering::Relaxed);
    }

    fn get(&self) -> Option<u64> {
        Some(self.expires_unix_secs.load(Ordering::Relaxed)).filter(|&secs| secs > 0)
    }
}

/// Per upload, whether its "may not finish" notice was given and still applies, across its runs
/// (a pause and resume starts a new run and a new [`ExpiryTracker`]; the notice is not repeated).
#[derive(Debug, Default)]
pub(crate) struct ExpiryNoticeMemory(HashMap<crate::upload::UploadId, Arc<AtomicBool>>);

impl ExpiryNoticeMemory {
    /// The cell for a new run of upload `id`, holding `state`'s expiry and what was told before.
    pub(crate) fn cell_for(
        &mut self,
        id: crate::upload::UploadId,
        state: &SessionState,
    ) -> ExpiryCell {
        let cell = ExpiryCell {
            expires_unix_secs: Arc::default(),
            at_risk_told: self.0.entry(id).or_default().clone(),
        };
        cell.note(state);
        cell
    }

    /// Forgets a removed upload.
    pub(crate) fn forget(&mut self, id: crate::upload::UploadId) {
        self.0.remove(&id);
    }
}

/// Follows one running upload's outlook and says when views should hear of it.
pub(crate) struct ExpiryTracker {
    cell: ExpiryCell,
    /// Used while the session is not created yet: now plus the service's documented lifetime.
    assumed_unix_secs: Option<u64>,
    started: Instant,
    last: Option<ExpiryOutlook>,
    /// Since when a measured speed has said the upload is safe, without a break.
    safe_since: Option<Instant>,
}

/// What the tracker has to say after a progress tick.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct ExpiryNews {
    /// A changed outlook, for the views.
    pub outlook: Option<ExpiryOutlook>,
    /// The one notice (for the log of messages) when the upload becomes at risk: once per
    /// upload, again only after a measured speed said it was safe in between.
    pub notice: Option<UploadNotice>,
}

impl ExpiryTracker {
    /// Tracks `cell`; `documented_lifetime` stands in until the server's own expiry is known.
    pub(crate) fn new(cell: ExpiryCell, documented_lifetime: Option<Duration>) -> ExpiryTracker {
        let now = crate::protocol::expiry_dates::unix_now_secs();
        ExpiryTracker {
            cell,
            assumed_unix_secs: documented_lifetime.map(|l| now.saturating_add(l.as_secs())),
            started: Instant::now(),
            last: None,
            safe_since: None,
        }
    }

    /// The news after a tick with `remaining_bytes` left at `rate_bytes_per_sec`.
    pub(crate) fn tick(&mut self, remaining_bytes: u64, rate_bytes_per_sec: f64) -> ExpiryNews {
        let Some(expires) = self.cell.get().or(self.assumed_unix_secs) else {
            return ExpiryNews::default();
        };
        // Until the speed is measured, only the expiry itself is news.
        let measured = self.started.elapsed() >= MEASURE_FOR;
        let rate_bytes_per_sec = if measured { rate_bytes_per_sec } else { 0.0 };
        // A new run starts from what the last one told: at risk stays at risk until clearly safe.
        let told = &self.cell.at_risk_told;
        let was_at_risk = self
            .last
            .map_or(told.load(Ordering::Relaxed), |o| o.will_not_finish);
        let outlook = ExpiryOutlook::assess(
            expires,
            crate::protocol::expiry_dates::unix_now_secs(),
            remaining_bytes,
            rate_bytes_per_sec,
            was_at_risk,
        );
        let changed = self.last.is_none_or(|last| {
            last.expires_unix_secs != outlook.expires_unix_secs
                || last.will_not_finish != outlook.will_not_finish
        });
        let mut news = ExpiryNews::default();
        if changed {
            self.last = Some(outlook);
            news.outlook = Some(outlook);
        }
        if outlook.will_not_finish {
            self.safe_since = None;
            if !told.swap(true, Ordering::Relaxed) {
                news.notice = Some(UploadNotice::SessionMayExpire {
                    needed: Duration::from_secs(outlook.finish_in_secs.unwrap_or(u64::MAX)),
                    lifetime: Duration::from_secs(outlook.expires_in_secs),
                });
            }
        } else if outlook.finish_in_secs.is_some()
            && self.safe_since.get_or_insert_with(Instant::now).elapsed() >= SAFE_FOR
        {
            // Safe at a measured speed for long enough: the notice no longer applies (and may
            // be given again).
            told.store(false, Ordering::Relaxed);
        }
        news
    }
}

#[cfg(test)]
#[path = "expiry_tests.rs"]
mod tests;
