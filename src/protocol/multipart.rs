//! Presigned-URL multipart upload (PROTOCOLS.md §3). SCAFFOLD: to be written.

use async_trait::async_trait;

use super::{ProtocolError, SessionContext, Step, UploadSession};
use crate::upload::Service;

/// Twelve Labs' API base.
pub const MULTIPART_BASE_URL: &str = "https://api.twelvelabs.io/v1.3";

/// One upload over this protocol.
#[derive(Debug, Default)]
pub struct MultipartSession {
    confirmed_bytes: u64,
}

impl MultipartSession {
    /// Continues from saved state (`Null` for a new upload).
    pub fn from_state(_value: &serde_json::Value) -> Result<MultipartSession, ProtocolError> {
        Ok(MultipartSession::default())
    }
}

/// Checks a destination of this kind without contacting anyone.
pub fn validate(service: &Service) -> Result<(), ProtocolError> {
    let _ = service;
    Ok(())
}

#[async_trait]
impl UploadSession for MultipartSession {
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

/// Checks a file against the service's limits before queueing.
pub fn validate_upload(
    _service: &Service,
    _size_bytes: u64,
    _chunk_size_bytes: Option<u64>,
) -> Result<(), ProtocolError> {
    Ok(())
}
