use std::time::{Duration, Instant};

use rand::{Rng, RngCore, SeedableRng};

/// How Hoist waits between attempts: plain data, the same for every protocol.
///
/// Exponential backoff (doubling from `initial_wait`, at most `max_wait` per wait) plus up to one
/// `initial_wait` of random jitter; a server's `Retry-After` is honoured; after `total_budget` of
/// failing without progress the upload gives up. Defaults follow Google's reference client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The first wait.
    pub initial_wait: Duration,
    /// The longest single wait.
    pub max_wait: Duration,
    /// How long to keep failing without progress before giving up.
    pub total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

impl RetryPolicy {
    /// Google's reference client's timings: 1 s doubling to 64 s per wait, giving up after 10
    /// minutes without progress. The CLI's `--retry-*` defaults read these.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        initial_wait: Duration::from_secs(1),
        max_wait: Duration::from_secs(64),
        total_budget: Duration::from_secs(600),
    };

    /// Quick retries for a server on this computer (the demo): 200 ms doubling to 2 s, giving up
    /// after 2 minutes.
    pub fn loopback() -> RetryPolicy {
        RetryPolicy {
            initial_wait: Duration::from_millis(200),
            max_wait: Duration::from_secs(2),
            total_budget: Duration::from_secs(120),
        }
    }
}

/// The running state of a [`RetryPolicy`] for one upload. Randomness is injectable for tests.
pub struct Backoff {
    policy: RetryPolicy,
    attempt: u32,
    first_failure: Option<Instant>,
    rng: Box<dyn RngCore + Send>,
}

impl std::fmt::Debug for Backoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backoff")
            .field("policy", &self.policy)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl Backoff {
    /// A backoff with OS randomness.
    pub fn new(policy: RetryPolicy) -> Backoff {
        Backoff::with_rng(policy, Box::new(rand::rngs::StdRng::from_os_rng()))
    }

    /// A backoff with the given random source (seeded in tests).
    pub fn with_rng(policy: RetryPolicy, rng: Box<dyn RngCore + Send>) -> Backoff {
        Backoff {
            policy,
            attempt: 0,
            first_failure: None,
            rng,
        }
    }

    /// How many failures since the last progress.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Forgets past failures (the upload made progress).
    pub fn reset(&mut self) {
        self.attempt = 0;
        self.first_failure = None;
    }

    /// The wait before the next attempt, or `None` when the budget is spent.
    pub fn next_delay(&mut self, retry_after: Option<Duration>) -> Option<Duration> {
        self.next_delay_at(retry_after, Instant::now())
    }

    /// [`next_delay`](Self::next_delay) at a given instant (for tests).
    pub fn next_delay_at(
        &mut self,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> Option<Duration> {
        let first = *self.first_failure.get_or_insert(now);
        let exponential = self
            .policy
            .initial_wait
            .saturating_mul(1u32 << self.attempt.min(20))
            .min(self.policy.max_wait);
        let jitter = self
            .policy
            .initial_wait
            .mul_f64(self.rng.random_range(0.0..=1.0));
        let mut wait = (exponential + jitter).min(self.policy.max_wait);
        if let Some(after) = retry_after {
            wait = wait.max(after);
        }
        if now.duration_since(first) + wait > self.policy.total_budget {
            return None;
        }
        self.attempt += 1;
        Some(wait)
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    fn seeded(policy: RetryPolicy) -> Backoff {
        Backoff::with_rng(policy, Box::new(rand::rngs::StdRng::seed_from_u64(7)))
    }

    #[test]
    fn doubles_with_bounded_jitter_and_cap() {
        let mut b = seeded(RetryPolicy::default());
        let now = Instant::now();
        let waits: Vec<Duration> = (0..9)
            .map(|_| b.next_delay_at(None, now).expect("within budget"))
            .collect();
        for (n, wait) in waits.iter().enumerate() {
            let base = Duration::from_secs(1 << n.min(6)).min(Duration::from_secs(64));
            assert!(*wait >= base, "{n}: {wait:?} < {base:?}");
            assert!(*wait <= (base + Duration::from_secs(1)).min(Duration::from_secs(64)));
        }
        assert_eq!(waits[8], Duration::from_secs(64));
    }

    #[test]
    fn honours_retry_after_and_budget() {
        let mut b = seeded(RetryPolicy::default());
        let now = Instant::now();
        assert_eq!(
            b.next_delay_at(Some(Duration::from_secs(30)), now),
            Some(Duration::from_secs(30))
        );
        // 599 s after the first failure, nothing more fits in the 600 s budget.
        assert_eq!(b.next_delay_at(None, now + Duration::from_secs(599)), None);
        b.reset();
        assert!(
            b.next_delay_at(None, now + Duration::from_secs(599))
                .is_some()
        );
    }

    #[test]
    fn same_seed_same_waits() {
        let now = Instant::now();
        let mut a = seeded(RetryPolicy::default());
        let mut b = seeded(RetryPolicy::default());
        for _ in 0..5 {
            assert_eq!(a.next_delay_at(None, now), b.next_delay_at(None, now));
        }
    }
}
