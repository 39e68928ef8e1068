use std::sync::Arc;
use std::time::Duration;

use crate::file::{ByteCounter, FileIdentity, StreamOptions, Throttle};
use crate::upload::Destination;

use super::Credentials;

/// Everything a protocol may use for one upload, lent by the engine.
#[derive(Clone)]
pub struct SessionContext {
    /// The shared HTTP client (no redirects are followed).
    pub http: reqwest::Client,
    /// The file as it was when the upload was queued.
    pub file: FileIdentity,
    /// Where it goes.
    pub destination: Destination,
    /// Credentials for the destination.
    pub credentials: Arc<dyn Credentials>,
    /// The size of the next chunk (fixed, or picked by the engine before each step when the
    /// size is automatic), or `None` for one streaming request of the rest of the file.
    pub chunk_size_bytes: Option<u64>,
    /// The largest chunk this upload ever sends (the fixed size, or the automatic size's cap).
    /// After a relaunch the server may hold up to two of them beyond the journal's offset: the
    /// engine writes a confirmation to the journal while the next chunk already goes out.
    pub largest_chunk_bytes: Option<u64>,
    /// Announce the total size only with the last chunk (for files whose size is not known up front).
    pub size_unknown: bool,
    /// Counts outgoing bytes (sent progress, rate and stall detection).
    pub counter: ByteCounter,
    /// The shared bandwidth limit.
    pub throttle: Arc<Throttle>,
    /// The longest reading one answer body may take: the engine's stall timeout, so an answer
    /// that trickles in cannot hold an upload longer than one that never comes.
    pub answer_timeout: Duration,
}

impl SessionContext {
    /// The furthest a previous run may have sent beyond `confirmed_bytes` (the journal's
    /// offset): the chunk whose confirmation was not yet written and the one after it, or the
    /// whole file for one streaming request.
    pub fn journal_lag_end(&self, confirmed_bytes: u64) -> u64 {
        let total = self.file.size_bytes;
        match self.largest_chunk_bytes.or(self.chunk_size_bytes) {
            Some(chunk) => confirmed_bytes
                .saturating_add(chunk.max(1).saturating_mul(2))
                .min(total),
            None => total,
        }
    }

    /// Options for a file stream of this upload.
    pub fn stream_options(&self) -> StreamOptions {
        StreamOptions {
            counter: self.counter.clone(),
            throttle: Some(self.throttle.clone()),
            crc32c: None,
            failure: Default::default(),
        }
    }
}
