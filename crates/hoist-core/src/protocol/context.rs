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
    /// Fixed chunk size, or `None` for one streaming request of the rest of the file.
    pub chunk_size_bytes: Option<u64>,
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
