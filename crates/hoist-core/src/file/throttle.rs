use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A bandwidth limit shared by every upload (a token bucket). A limit of 0 means unlimited.
#[derive(Debug, Default)]
pub struct Throttle {
    bytes_per_sec: AtomicU64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug, Default)]
struct Bucket {
    /// Bytes that may still go out now; negative when in debt.
    tokens: f64,
    last_refill: Option<Instant>,
}

impl Throttle {
    /// A throttle with the given limit (0 = unlimited).
    pub fn new(bytes_per_sec: u64) -> Throttle {
        let throttle = Throttle::default();
        throttle.set_limit(bytes_per_sec);
        throttle
    }

    /// Changes the limit at run time (0 = unlimited).
    pub fn set_limit(&self, bytes_per_sec: u64) {
        self.bytes_per_sec.store(bytes_per_sec, Ordering::Relaxed);
    }

    /// The current limit (0 = unlimited).
    pub fn limit(&self) -> u64 {
        self.bytes_per_sec.load(Ordering::Relaxed)
    }

    /// Takes `len` bytes from the bucket and returns how long the caller must wait before sending
    /// them (zero when under the limit).
    pub fn reserve(&self, len: u64) -> Duration {
        let rate = self.limit();
        if rate == 0 {
            return Duration::ZERO;
        }
        let rate = rate as f64;
        let now = Instant::now();
        let Ok(mut bucket) = self.bucket.lock() else {
            return Duration::ZERO;
        };
        let elapsed = bucket
            .last_refill
            .map(|t| now.duration_since(t).as_secs_f64())
            .unwrap_or(0.0);
        bucket.last_refill = Some(now);
        // Allow a burst of a quarter second at most.
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate / 4.0);
        bucket.tokens -= len as f64;
        if bucket.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / rate)
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
    fn unlimited_never_waits() {
        let t = Throttle::new(0);
        assert_eq!(t.reserve(1 << 30), Duration::ZERO);
    }

    #[test]
    fn limited_waits_in_proportion() {
        let t = Throttle::new(1_000_000);
        let wait = t.reserve(2_000_000);
        assert!(wait >= Duration::from_millis(1900), "{wait:?}");
        assert!(wait <= Duration::from_millis(2100), "{wait:?}");
    }
}
