use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::expiry::ExpiryTracker;
use super::sink::EventSink;
use super::{Event, Progress};
use crate::file::ByteCounter;
use crate::upload::UploadId;

/// How often a running upload reports progress at most.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// An exponentially smoothed rate (about a 2 s window).
#[derive(Debug, Default, Clone, Copy)]
pub struct SmoothedRate {
    rate_bytes_per_sec: Option<f64>,
}

impl SmoothedRate {
    /// Adds a sample of `bytes` moved over `elapsed`; returns the smoothed rate.
    pub fn sample(&mut self, bytes: u64, elapsed: Duration) -> f64 {
        let secs = elapsed.as_secs_f64();
        if secs <= 0.0 {
            return self.rate_bytes_per_sec.unwrap_or(0.0);
        }
        let instant = bytes as f64 / secs;
        let alpha = (secs / 2.0).min(1.0);
        let rate = match self.rate_bytes_per_sec {
            None => instant,
            Some(prev) => prev + alpha * (instant - prev),
        };
        self.rate_bytes_per_sec = Some(rate);
        rate
    }
}

/// Reports progress of one running upload every [`PROGRESS_INTERVAL`] while it changes, until
/// `stop` is cancelled (then once more, so the last figures are shown).
pub(crate) async fn report_progress(
    id: UploadId,
    total_bytes: Option<u64>,
    counter: ByteCounter,
    confirmed: Arc<AtomicU64>,
    sink: EventSink,
    stop: CancellationToken,
    mut expiry: ExpiryTracker,
) {
    let mut rate = SmoothedRate::default();
    let mut last_transmitted = counter.transmitted_bytes();
    let mut last_tick = Instant::now();
    let mut last_sent: Option<(u64, u64)> = None;
    loop {
        let stopped = tokio::select! {
            _ = tokio::time::sleep(PROGRESS_INTERVAL) => false,
            _ = stop.cancelled() => true,
        };
        let now = Instant::now();
        let transmitted = counter.transmitted_bytes();
        let rate_now = rate.sample(transmitted - last_transmitted, now - last_tick);
        last_transmitted = transmitted;
        last_tick = now;
        let mut confirmed_bytes = confirmed.load(Ordering::Relaxed);
        let mut sent_bytes = counter.sent_position_bytes().max(confirmed_bytes);
        if let Some(total) = total_bytes {
            // Never past 100 %.
            sent_bytes = sent_bytes.min(total);
            confirmed_bytes = confirmed_bytes.min(total);
        }
        let moved = last_sent != Some((sent_bytes, confirmed_bytes));
        if moved || rate_now > 0.0 {
            last_sent = Some((sent_bytes, confirmed_bytes));
            sink.emit_lossy(Event::Progress(Progress {
                id,
                sent_bytes,
                confirmed_bytes,
                total_bytes,
                rate_bytes_per_sec: if stopped { 0.0 } else { rate_now },
            }));
        }
        if !stopped && let Some(total) = total_bytes {
            let news = expiry.tick(total.saturating_sub(confirmed_bytes), rate_now);
            if let Some(outlook) = news.outlook {
                sink.emit(Event::Expiry { id, outlook }).await;
            }
            if let Some(notice) = news.notice {
                sink.emit(Event::Notice { id, notice }).await;
            }
        }
        if stopped {
            return;
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn rate_converges() {
        let mut r = SmoothedRate::default();
        assert_eq!(r.sample(1000, Duration::from_secs(1)), 1000.0);
        for _ in 0..40 {
            r.sample(500, Duration::from_millis(250));
        }
        let rate = r.sample(500, Duration::from_millis(250));
        assert!((rate - 2000.0).abs() < 10.0, "{rate}");
    }
}
