use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counts the bytes of one upload as they are handed to the network, and remembers when a byte
/// last moved (for the stall timeout). Cheap to clone; clones share the counts.
#[derive(Clone, Debug)]
pub struct ByteCounter {
    inner: Arc<CounterInner>,
}

#[derive(Debug)]
struct CounterInner {
    epoch: Instant,
    /// Bytes handed to the network since the counter was made (monotonic; feeds the rate).
    transmitted_bytes: AtomicU64,
    /// The file position up to which bytes have been handed to the network ("sent").
    sent_position_bytes: AtomicU64,
    /// Milliseconds since `epoch` of the last activity.
    last_activity_millis: AtomicU64,
}

impl Default for ByteCounter {
    fn default() -> Self {
        ByteCounter::new()
    }
}

impl ByteCounter {
    /// A fresh counter.
    pub fn new() -> ByteCounter {
        ByteCounter {
            inner: Arc::new(CounterInner {
                epoch: Instant::now(),
                transmitted_bytes: AtomicU64::new(0),
                sent_position_bytes: AtomicU64::new(0),
                last_activity_millis: AtomicU64::new(0),
            }),
        }
    }

    /// Records that the bytes `[position, position + len)` of the file went out.
    pub fn add(&self, position: u64, len: u64) {
        self.inner
            .transmitted_bytes
            .fetch_add(len, Ordering::Relaxed);
        self.inner
            .sent_position_bytes
            .store(position + len, Ordering::Relaxed);
        self.touch();
    }

    /// Sets where sending (re)starts, e.g. after the server said what it has.
    pub fn set_sent_position(&self, position: u64) {
        self.inner
            .sent_position_bytes
            .store(position, Ordering::Relaxed);
    }

    /// Marks activity without bytes (a response arrived).
    pub fn touch(&self) {
        let millis = u64::try_from(self.inner.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.inner
            .last_activity_millis
            .store(millis, Ordering::Relaxed);
    }

    /// Bytes handed to the network so far (monotonic).
    pub fn transmitted_bytes(&self) -> u64 {
        self.inner.transmitted_bytes.load(Ordering::Relaxed)
    }

    /// The file position up to which bytes were sent.
    pub fn sent_position_bytes(&self) -> u64 {
        self.inner.sent_position_bytes.load(Ordering::Relaxed)
    }

    /// How long since a byte moved or a response arrived.
    pub fn idle_for(&self) -> Duration {
        let now = self.inner.epoch.elapsed();
        let last = Duration::from_millis(self.inner.last_activity_millis.load(Ordering::Relaxed));
        now.saturating_sub(last)
    }
}
