//! What the server counted: requests, sessions, body bytes, completed uploads and faults.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of the server's counters (also served as JSON at `GET /_hoist/stats`).
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ServerStats {
    /// HTTP requests received, on any path.
    pub requests: u64,
    /// Upload sessions created.
    pub sessions_created: u64,
    /// Body bytes read on upload requests, including bytes later discarded
    /// (overlaps, rounding after a broken connection, `short-commit`, refused requests).
    pub upload_body_bytes_received: u64,
    /// Uploads finished and moved to their final name.
    pub uploads_completed: u64,
    /// Injected faults per kind (`drop-after`, `error-rate`, ...).
    pub faults_injected: BTreeMap<String, u64>,
}

/// The live counters behind [`ServerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub sessions_created: AtomicU64,
    pub upload_body_bytes_received: AtomicU64,
    pub uploads_completed: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts body bytes read on an upload request.
    pub fn add_body_bytes(&self, bytes: u64) {
        self.upload_body_bytes_received
            .fetch_add(bytes, Ordering::Relaxed);
    }

    /// The counters now, with the fault counters given.
    pub fn snapshot(&self, faults_injected: BTreeMap<String, u64>) -> ServerStats {
        ServerStats {
            requests: self.requests.load(Ordering::Relaxed),
            sessions_created: self.sessions_created.load(Ordering::Relaxed),
            upload_body_bytes_received: self.upload_body_bytes_received.load(Ordering::Relaxed),
            uploads_completed: self.uploads_completed.load(Ordering::Relaxed),
            faults_injected,
        }
    }
}
