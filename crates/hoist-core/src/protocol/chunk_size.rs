//! Automatic chunk size: each chunk should take about [`TARGET_CHUNK_TIME`] at the rate the
//! last one went, within the protocol's rules and never above [`MAX_AUTO_CHUNK_BYTES`] (so a
//! failed chunk never costs more than that much sent again).
//!
//! Chunks stream from disk in blocks (`file::stream_range`), so memory does not grow with the
//! chunk size: only the bytes a failure may send twice do.
//!
//! Google's sessions take one chunk size from their first chunk to their last (all but the last
//! chunk the same size, as its documentation requires): there the size follows the rate from one
//! session to the next, starting from the rate the engine last measured ([`LinkRate`]), and
//! within a session only through its last request, which takes the rest of the file once the
//! automatic size has grown past it. api.video numbers its parts `N/M`, so an upload keeps the
//! size of its first part: there the size follows the rate from one upload to the next. tus may
//! change it from one chunk to the next.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::upload::Service;

/// How long one chunk should take at the measured rate: long enough that the wait for each
/// answer costs little, short enough that progress is confirmed every few seconds.
pub const TARGET_CHUNK_TIME: Duration = Duration::from_secs(4);
/// The largest chunk the automatic size picks (a failure re-sends at most this much).
pub const MAX_AUTO_CHUNK_BYTES: u64 = 256 * 1024 * 1024;
/// Where the automatic size starts when nothing else was asked for.
pub const DEFAULT_AUTO_START_BYTES: u64 = 8 * 1024 * 1024;
/// The largest chunk a session that keeps one size picks before any rate was measured.
pub const MAX_UNMEASURED_SESSION_CHUNK_BYTES: u64 = 64 * 1024 * 1024;
/// Before any rate was measured, a session that keeps one size aims at about this many chunks.
const UNMEASURED_SESSION_CHUNKS: u64 = 16;
/// How much one chunk may grow over the one before (a rate measured on one chunk may be a fluke).
const MAX_GROWTH: u64 = 4;
/// How much one chunk may shrink below the one before.
const MAX_SHRINK: u64 = 4;

/// What a protocol allows as a chunk size (the last chunk of a file may be shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRules {
    /// Every chunk is a multiple of this (Google: 256 KiB).
    pub granularity_bytes: u64,
    /// The smallest chunk (a multiple of the granularity).
    pub min_bytes: u64,
    /// The largest chunk, at most [`MAX_AUTO_CHUNK_BYTES`].
    pub max_bytes: u64,
    /// Every chunk of a session but its last has the size of its first (Google, api.video).
    pub one_size_per_session: bool,
    /// Where a session that keeps one size starts at most before any rate was measured.
    pub unmeasured_max_bytes: u64,
}

impl ChunkRules {
    /// The legal size nearest `bytes` (rounded down to the granularity, within min and max).
    pub fn legal(&self, bytes: u64) -> u64 {
        let granule = self.granularity_bytes.max(1);
        let rounded = bytes - bytes % granule;
        rounded.clamp(self.min_bytes, self.max_bytes)
    }
}

/// The rules for automatic chunks on `service`, or `None` where the client does not choose the
/// size (presigned multipart takes the server's). api.video numbers its chunks `part N/M`, so M
/// (and the size) is fixed when the first chunk goes: it keeps one size per upload, within its
/// 5 to 128 MiB, starting at most at its default before a rate was measured (a part is its unit
/// of loss: it has no status query).
pub fn auto_chunk_rules(service: &Service) -> Option<ChunkRules> {
    const QUARTER_MIB: u64 = 256 * 1024;
    match service {
        Service::GoogleResumable { .. }
        | Service::YouTube { .. }
        | Service::Drive { .. }
        | Service::CloudStorage { .. } => Some(ChunkRules {
            granularity_bytes: super::google::CHUNK_GRANULARITY_BYTES,
            min_bytes: super::google::CHUNK_GRANULARITY_BYTES,
            max_bytes: MAX_AUTO_CHUNK_BYTES,
            one_size_per_session: true,
            unmeasured_max_bytes: MAX_UNMEASURED_SESSION_CHUNK_BYTES,
        }),
        Service::Tus { .. } => Some(ChunkRules {
            granularity_bytes: QUARTER_MIB,
            min_bytes: QUARTER_MIB,
            max_bytes: MAX_AUTO_CHUNK_BYTES,
            one_size_per_session: false,
            unmeasured_max_bytes: MAX_AUTO_CHUNK_BYTES,
        }),
        Service::ApiVideo { .. } => {
            let min_bytes = super::apivideo::smallest_chunk_bytes(service);
            Some(ChunkRules {
                granularity_bytes: min_bytes.min(QUARTER_MIB),
                min_bytes,
                max_bytes: super::apivideo::MAX_CHUNK_BYTES,
                one_size_per_session: true,
                unmeasured_max_bytes: super::apivideo::DEFAULT_CHUNK_BYTES,
            })
        }
        Service::PresignedMultipart { .. } => None,
    }
}

/// The upload rate last measured on a chunk anywhere in the engine, in bytes per second: where
/// the automatic size of a new upload (and of each new Google session) starts. Shared by clones.
#[derive(Debug, Clone, Default)]
pub struct LinkRate {
    /// 0 while nothing was measured.
    bytes_per_sec: Arc<AtomicU64>,
}

impl LinkRate {
    /// Notes that `sent_bytes` went out and were confirmed in `elapsed`.
    pub fn record(&self, sent_bytes: u64, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if sent_bytes == 0 || secs <= 0.0 {
            return;
        }
        // f64 -> u64 saturates.
        let rate = (sent_bytes as f64 / secs) as u64;
        self.bytes_per_sec.store(rate.max(1), Ordering::Relaxed);
    }

    /// The rate last measured, if any.
    pub fn bytes_per_sec(&self) -> Option<u64> {
        match self.bytes_per_sec.load(Ordering::Relaxed) {
            0 => None,
            rate => Some(rate),
        }
    }
}

/// Where an automatic chunk size starts before any rate was measured, for a file of
/// `file_size_bytes`: `configured_bytes`, except where a session keeps its first size to its
/// last (Google, api.video), which cannot grow later: there about a sixteenth of the file, at
/// most the rules' `unmeasured_max_bytes` (Google: [`MAX_UNMEASURED_SESSION_CHUNK_BYTES`]; its
/// documentation: "larger chunks are more efficient"; its own Python library sends 100 MiB).
pub fn unmeasured_start_bytes(
    rules: &ChunkRules,
    configured_bytes: u64,
    file_size_bytes: u64,
) -> u64 {
    if !rules.one_size_per_session {
        return configured_bytes;
    }
    let by_size = (file_size_bytes / UNMEASURED_SESSION_CHUNKS).min(rules.unmeasured_max_bytes);
    rules.legal(by_size.max(configured_bytes))
}

/// Where an automatic chunk size starts: what takes [`TARGET_CHUNK_TIME`] at
/// `rate_bytes_per_sec`, legal under `rules`; `configured_bytes` when no rate was measured yet.
pub fn start_chunk_bytes(
    rules: &ChunkRules,
    configured_bytes: u64,
    rate_bytes_per_sec: Option<u64>,
) -> u64 {
    match rate_bytes_per_sec {
        None => rules.legal(configured_bytes),
        Some(rate) => rules.legal(rate.saturating_mul(TARGET_CHUNK_TIME.as_secs())),
    }
}

/// The size of the next chunk after one of `current_bytes` that moved `sent_bytes` in
/// `elapsed`: what would take [`TARGET_CHUNK_TIME`] at that rate, at most [`MAX_GROWTH`] times
/// larger or [`MAX_SHRINK`] times smaller than `current_bytes`, and legal under `rules`.
pub fn next_chunk_bytes(
    rules: &ChunkRules,
    current_bytes: u64,
    sent_bytes: u64,
    elapsed: Duration,
) -> u64 {
    let current = rules.legal(current_bytes);
    let secs = elapsed.as_secs_f64();
    if sent_bytes == 0 || secs <= 0.0 {
        return current;
    }
    let ideal = sent_bytes as f64 / secs * TARGET_CHUNK_TIME.as_secs_f64();
    // f64 -> u64 saturates; the bounds keep it within a factor of the current size.
    let ideal = ideal as u64;
    let low = (current / MAX_SHRINK).max(1);
    let high = current.saturating_mul(MAX_GROWTH);
    let next = rules.legal(ideal.clamp(low, high));
    // Rounding down to the granularity must not move away from the target.
    if ideal > current {
        next.max(current)
    } else {
        next.min(current)
    }
}

#[cfg(test)]
#[path = "chunk_size_proptests.rs"]
mod chunk_size_proptests;

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn google() -> ChunkRules {
        auto_chunk_rules(&Service::GoogleResumable {
            initiate_url: "http://127.0.0.1/x".to_string(),
        })
        .expect("google rules")
    }

    #[test]
    fn grows_on_a_fast_link_and_shrinks_on_a_slow_one() {
        let rules = google();
        // 8 MiB in 10 ms (800 MiB/s): 4 s would be 3.2 GiB; growth is bounded to 4x.
        assert_eq!(
            next_chunk_bytes(&rules, 8 * MIB, 8 * MIB, Duration::from_millis(10)),
            32 * MIB
        );
        // At the cap it stays there.
        assert_eq!(
            next_chunk_bytes(&rules, 256 * MIB, 256 * MIB, Duration::from_millis(100)),
            256 * MIB
        );
        // 8 MiB in 8 s (1 MiB/s): 4 MiB takes the 4 s.
        assert_eq!(
            next_chunk_bytes(&rules, 8 * MIB, 8 * MIB, Duration::from_secs(8)),
            4 * MIB
        );
        // Very slow: never below 256 KiB.
        assert_eq!(
            next_chunk_bytes(&rules, 256 * 1024, 1000, Duration::from_secs(60)),
            256 * 1024
        );
        // Nothing measured: unchanged.
        assert_eq!(
            next_chunk_bytes(&rules, 8 * MIB, 0, Duration::ZERO),
            8 * MIB
        );
    }

    #[test]
    fn a_new_upload_starts_from_the_rate_last_measured() {
        let rules = google();
        let rate = LinkRate::default();
        assert_eq!(
            start_chunk_bytes(&rules, 8 * MIB, rate.bytes_per_sec()),
            8 * MIB
        );
        // 64 MiB in 2 s: 32 MiB/s, so 4 s is 128 MiB.
        rate.record(64 * MIB, Duration::from_secs(2));
        assert_eq!(rate.clone().bytes_per_sec(), Some(32 * MIB));
        assert_eq!(
            start_chunk_bytes(&rules, 8 * MIB, rate.bytes_per_sec()),
            128 * MIB
        );
        // Nothing sent measures nothing; a slow link starts at the smallest legal chunk.
        rate.record(0, Duration::from_secs(1));
        assert_eq!(rate.bytes_per_sec(), Some(32 * MIB));
        rate.record(10_000, Duration::from_secs(1));
        assert_eq!(
            start_chunk_bytes(&rules, 8 * MIB, rate.bytes_per_sec()),
            256 * 1024
        );
        // Very fast: never above the cap.
        rate.record(u64::MAX, Duration::from_millis(1));
        assert_eq!(
            start_chunk_bytes(&rules, 8 * MIB, rate.bytes_per_sec()),
            MAX_AUTO_CHUNK_BYTES
        );
    }

    #[test]
    fn a_google_session_without_a_measured_rate_starts_from_the_file_size() {
        let rules = google();
        // A sixteenth of the file, never below the configured start, never above the cap.
        assert_eq!(unmeasured_start_bytes(&rules, 8 * MIB, 48 * MIB), 8 * MIB);
        assert_eq!(unmeasured_start_bytes(&rules, 8 * MIB, 512 * MIB), 32 * MIB);
        assert_eq!(
            unmeasured_start_bytes(&rules, 8 * MIB, 4096 * MIB),
            MAX_UNMEASURED_SESSION_CHUNK_BYTES
        );
        // Legal: a multiple of 256 KiB.
        assert_eq!(
            unmeasured_start_bytes(&rules, 8 * MIB, 300 * MIB + 12345),
            18 * MIB + 768 * 1024
        );
        // tus changes size from chunk to chunk: it starts where it was asked to.
        let tus = auto_chunk_rules(&Service::Tus {
            endpoint: "http://127.0.0.1/files/".to_string(),
        })
        .expect("tus rules");
        assert_eq!(unmeasured_start_bytes(&tus, 8 * MIB, 4096 * MIB), 8 * MIB);
    }

    fn api_video(host: &str) -> Service {
        Service::ApiVideo {
            host: host.to_string(),
            access: crate::upload::ApiVideoAccess::ApiKey,
            title: None,
            description: String::new(),
            tags: Vec::new(),
            public: true,
        }
    }

    #[test]
    fn an_api_video_upload_keeps_one_size_chosen_within_the_services_limits() {
        let rules = auto_chunk_rules(&api_video("https://ws.api.video")).expect("api.video rules");
        assert!(rules.one_size_per_session);
        // Before a rate is measured: a sixteenth of the file, from the configured start up to the
        // service's default of 32 MiB (a part is the unit of loss: no status query).
        assert_eq!(unmeasured_start_bytes(&rules, 8 * MIB, 40 * MIB), 8 * MIB);
        assert_eq!(unmeasured_start_bytes(&rules, 8 * MIB, 256 * MIB), 16 * MIB);
        assert_eq!(
            unmeasured_start_bytes(&rules, 8 * MIB, 4096 * MIB),
            32 * MIB
        );
        // Measured: 4 s of the rate, within 5 to 128 MiB.
        assert_eq!(start_chunk_bytes(&rules, 8 * MIB, Some(MIB)), 5 * MIB);
        assert_eq!(start_chunk_bytes(&rules, 8 * MIB, Some(10 * MIB)), 40 * MIB);
        assert_eq!(
            start_chunk_bytes(&rules, 8 * MIB, Some(u64::MAX)),
            128 * MIB
        );
        // A compatible server on this computer may take parts of any size.
        let local = auto_chunk_rules(&api_video("http://127.0.0.1:9")).expect("local rules");
        assert_eq!(local.min_bytes, 1);
        assert_eq!(start_chunk_bytes(&local, MIB, Some(1000)), 4000);
    }

    #[test]
    fn multipart_keeps_the_servers_size_and_tus_may_grow_to_the_cap() {
        let multipart = Service::PresignedMultipart {
            base_url: "http://127.0.0.1".to_string(),
            asset_type: None,
            parallel_chunks: 4,
            max_size_bytes: None,
        };
        assert_eq!(auto_chunk_rules(&multipart), None);
        let tus = Service::Tus {
            endpoint: "http://127.0.0.1/files/".to_string(),
        };
        assert_eq!(
            auto_chunk_rules(&tus).map(|r| r.max_bytes),
            Some(MAX_AUTO_CHUNK_BYTES)
        );
    }
}
