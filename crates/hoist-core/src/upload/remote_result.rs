use serde::{Deserialize, Serialize};

/// What the server handed back when an upload completed.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RemoteResult {
    /// The remote identifier (video id, file id, object name), when the response has one.
    pub remote_id: Option<String>,
    /// A link a person can open (the video page, the object's URL), when one is known.
    pub url: Option<String>,
    /// The server's final response body (JSON where the server sent JSON).
    pub response: serde_json::Value,
}
