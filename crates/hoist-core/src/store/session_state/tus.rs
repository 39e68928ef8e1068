//! tus 1.0: what an upload keeps between launches.

use serde::{Deserialize, Serialize};

/// What the server said about itself in answer to `OPTIONS`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Capabilities {
    /// `Tus-Extension`, lowercased.
    pub(crate) extensions: Vec<String>,
    /// `Tus-Checksum-Algorithm`, lowercased.
    pub(crate) checksum_algorithms: Vec<String>,
    /// `Tus-Max-Size`, when given.
    pub(crate) max_size_bytes: Option<u64>,
}

/// What survives a relaunch (saved in the journal, which is private to the user).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TusState {
    /// The upload URL (absolute), once created. A bearer capability.
    pub(crate) upload_url: Option<String>,
    /// Bytes the server confirmed (its `Upload-Offset`).
    pub(crate) confirmed_bytes: u64,
    /// The server knows the upload's length (sent at creation, or with a later `PATCH`).
    #[serde(default)]
    pub(crate) length_declared: bool,
    /// The server's `Upload-Expires`, in seconds since the Unix epoch.
    #[serde(default)]
    pub(crate) expires_unix_secs: Option<u64>,
    /// The server's `OPTIONS` answer, once asked.
    #[serde(default)]
    pub(crate) capabilities: Option<Capabilities>,
    /// The furthest file position handed to the network for this upload (to check the
    /// server's offsets).
    #[serde(default)]
    pub(crate) sent_high_water_bytes: u64,
}

impl std::fmt::Debug for TusState {
    /// Everything but the upload URL, which is a capability.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TusState")
            .field(
                "upload_url",
                &self.upload_url.as_ref().map(|_| "<redacted>"),
            )
            .field("confirmed_bytes", &self.confirmed_bytes)
            .field("length_declared", &self.length_declared)
            .field("expires_unix_secs", &self.expires_unix_secs)
            .field("capabilities", &self.capabilities)
            .field("sent_high_water_bytes", &self.sent_high_water_bytes)
            .finish()
    }
}
