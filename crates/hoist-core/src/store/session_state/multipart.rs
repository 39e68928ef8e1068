//! Presigned-URL multipart: what an upload keeps between launches.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ChunkSet;

/// What survives a relaunch (saved in the journal).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MultipartState {
    #[serde(default)]
    pub(crate) upload_id: Option<String>,
    #[serde(default)]
    pub(crate) asset_id: Option<String>,
    /// The file size the session was created for.
    #[serde(default)]
    pub(crate) total_size_bytes: u64,
    /// The service's chunk size: every chunk but the last is exactly this long.
    #[serde(default)]
    pub(crate) chunk_size_bytes: u64,
    #[serde(default)]
    pub(crate) total_chunks: u64,
    /// Chunks the service acknowledged.
    #[serde(default)]
    pub(crate) acknowledged: ChunkSet,
    /// ETags of chunks sent but not yet reported, by chunk index.
    #[serde(default)]
    pub(crate) unreported: BTreeMap<u64, String>,
    /// Headers the service asks for on every chunk `PUT`.
    #[serde(default)]
    pub(crate) upload_headers: BTreeMap<String, String>,
    /// The asset's URL, once the service gave one.
    #[serde(default)]
    pub(crate) asset_url: Option<String>,
    /// When the service drops the unfinished session (`expires_at` at creation), in seconds since
    /// the Unix epoch. Presigned URLs expire much sooner, but those are asked for again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires_unix_secs: Option<u64>,
}

impl std::fmt::Debug for MultipartState {
    /// Counts only: the upload id, ETags and headers may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultipartState")
            .field("has_session", &self.upload_id.is_some())
            .field("total_size_bytes", &self.total_size_bytes)
            .field("chunk_size_bytes", &self.chunk_size_bytes)
            .field("total_chunks", &self.total_chunks)
            .field("acknowledged", &self.acknowledged.len())
            .field("unreported", &self.unreported.len())
            .field("expires_unix_secs", &self.expires_unix_secs)
            .finish_non_exhaustive()
    }
}
