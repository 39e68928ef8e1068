//! api.video chunked upload (PROTOCOLS.md §2). SCAFFOLD: to be written.

use async_trait::async_trait;

use super::{ProtocolError, SessionContext, Step, UploadSession};
use crate::upload::Service;

/// api.video's production host.
pub const API_VIDEO_HOST: &str = "https://ws.api.video";
/// api.video's sandbox host.
pub const API_VIDEO_SANDBOX_HOST: &str = "https://sandbox.api.video";

/// One upload over this protocol.
#[derive(Debug, Default)]
pub struct ApiVideoSession {
    confirmed_bytes: u64,
}

impl ApiVideoSession {
    /// Continues from saved state (`Null` for a new upload).
    pub fn from_state(_value: &serde_json::Value) -> Result<ApiVideoSession, ProtocolError> {
        Ok(ApiVideoSession::default())
    }
}

/// Checks a destination of this kind without contacting anyone.
pub fn validate(service: &Service) -> Result<(), ProtocolError> {
    let _ = service;
    Ok(())
}

#[async_trait]
impl UploadSession for ApiVideoSession {
    async fn step(&mut self, _ctx: &SessionContext) -> Result<Step, ProtocolError> {
        Err(ProtocolError::InvalidDestination {
            detail: "this protocol is not written yet".to_string(),
        })
    }

    fn confirmed_bytes(&self) -> u64 {
        self.confirmed_bytes
    }

    fn persistent_state(&self) -> serde_json::Value {
        serde_json::Value::Null
    }

    fn interrupted(&mut self) {}

    async fn cancel(&mut self, _ctx: &SessionContext) -> Result<(), ProtocolError> {
        Ok(())
    }
}

/// Checks a file and chunk size before queueing.
pub fn validate_upload(
    _size_bytes: u64,
    _chunk_size_bytes: Option<u64>,
) -> Result<(), ProtocolError> {
    Ok(())
}
