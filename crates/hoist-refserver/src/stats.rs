//! What the server counted: requests, sessions, body bytes, completed uploads and faults.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many upload request body sizes [`ServerStats::upload_body_sizes_bytes`] keeps (the
/// newest).
pub const BODY_SIZES_KEPT: usize = 4096;

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
    /// Questions about where an upload stands (Google's `Content-Range: bytes */T` status
    /// query, tus `HEAD`): how often clients re-asked their offset.
    #[serde(default)]
    pub offset_queries: u64,
    /// Injected faults per kind (`drop-after`, `error-rate`, ...).
    pub faults_injected: BTreeMap<String, u64>,
    /// The body size of each upload request read through the sink (Google and tus chunks),
    /// in the order they ended: the newest [`BODY_SIZES_KEPT`].
    #[serde(default)]
    pub upload_body_sizes_bytes: Vec<u64>,
    /// Presigned multipart URLs handed out again (`presigned-urls` requests answered), so tests
    /// can see URLs renewed before they expire.
    #[serde(default)]
    pub presigned_urls_renewed: u64,
    /// Bytes of partial files read again to rebuild digests after a restart (Google).
    #[serde(default)]
    pub digest_rebuild_bytes: u64,
}

/// The live counters behind [`ServerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub sessions_created: AtomicU64,
    pub upload_body_bytes_received: AtomicU64,
    pub uploads_completed: AtomicU64,
    pub offset_queries: AtomicU64,
    pub upload_body_sizes: Mutex<std::collections::VecDeque<u64>>,
    pub presigned_urls_renewed: AtomicU64,
    pub digest_rebuild_bytes: AtomicU64,
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

    /// Notes the body size of one upload request that ended.
    pub fn add_body_size(&self, bytes: u64) {
        let mut sizes = self
            .upload_body_sizes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if sizes.len() == BODY_SIZES_KEPT {
            sizes.pop_front();
        }
        sizes.push_back(bytes);
    }

    /// The counters now, with the fault counters given.
    pub fn snapshot(&self, faults_injected: BTreeMap<String, u64>) -> ServerStats {
        ServerStats {
            requests: self.requests.load(Ordering::Relaxed),
            sessions_created: self.sessions_created.load(Ordering::Relaxed),
            upload_body_bytes_received: self.upload_body_bytes_received.load(Ordering::Relaxed),
            uploads_completed: self.uploads_completed.load(Ordering::Relaxed),
            offset_queries: self.offset_queries.load(Ordering::Relaxed),
            faults_injected,
            upload_body_sizes_bytes: self
                .upload_body_sizes
                .lock()
                .map(|sizes| sizes.iter().copied().collect())
                .unwrap_or_default(),
            presigned_urls_renewed: self.presigned_urls_renewed.load(Ordering::Relaxed),
            digest_rebuild_bytes: self.digest_rebuild_bytes.load(Ordering::Relaxed),
        }
    }
}
