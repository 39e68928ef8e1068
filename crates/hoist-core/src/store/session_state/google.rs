//! Google's resumable protocol: what an upload keeps between launches.

use serde::{Deserialize, Serialize};

use crate::file::RunningCrc32c;

/// What survives a relaunch (saved in the journal; the session URI is a bearer capability, so
/// `Debug` leaves it out).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoogleState {
    /// The session URI from `Location`, exactly as given.
    pub(crate) session_uri: Option<String>,
    /// Bytes the server confirmed.
    pub(crate) confirmed_bytes: u64,
    /// The furthest file position handed to the network in this session (to check the
    /// server's claims): what the file stream counted, not what a request meant to send.
    pub(crate) sent_high_water_bytes: u64,
    /// CRC32C of the file's prefix read so far, to verify the server's copy without re-reading.
    pub(crate) crc32c: RunningCrc32c,
    /// When the session URI stops working, in seconds since the Unix epoch: its creation plus
    /// about a week (Google documents the lifetime; the server does not say it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expires_unix_secs: Option<u64>,
    /// The size of every chunk of this session but the last (the protocol wants them all the
    /// same), fixed by its first chunk; `None` before it, or for one stream. Older Hoists did not
    /// keep it: their sessions take the upload's size when they go on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) chunk_size_bytes: Option<u64>,
}

impl std::fmt::Debug for GoogleState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleState")
            .field(
                "session_uri",
                &self.session_uri.as_ref().map(|_| "<redacted>"),
            )
            .field("confirmed_bytes", &self.confirmed_bytes)
            .field("sent_high_water_bytes", &self.sent_high_water_bytes)
            .field("crc32c", &self.crc32c)
            .field("expires_unix_secs", &self.expires_unix_secs)
            .field("chunk_size_bytes", &self.chunk_size_bytes)
            .finish()
    }
}
