//! api.video: what an upload keeps between launches.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What survives a relaunch (saved in the journal). No token: those live in memory only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiVideoState {
    /// The video container, once created (API-key mode) or named by the first part's answer.
    #[serde(default)]
    pub(crate) video_id: Option<String>,
    /// The chunk size of this upload, fixed by the first part (0 until then).
    #[serde(default)]
    pub(crate) chunk_size_bytes: u64,
    /// Parts the server acknowledged, in order from the first.
    #[serde(default)]
    pub(crate) acknowledged_parts: u64,
    /// Every part is on the server; what is left is waiting for the encoding.
    #[serde(default)]
    pub(crate) source_uploaded: bool,
    /// The last part's answer (the Video), for delegated mode, which cannot ask again.
    #[serde(default)]
    pub(crate) video: Option<Value>,
    /// The file's size (known when the upload was queued).
    #[serde(default)]
    pub(crate) size_bytes: u64,
}
