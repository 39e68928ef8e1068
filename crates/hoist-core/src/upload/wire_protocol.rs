//! Which wire protocol a service speaks.

use super::Service;

/// The wire protocol a service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireProtocol {
    /// Google's resumable upload protocol (YouTube, Drive, Cloud Storage, compatible servers).
    GoogleResumable,
    /// api.video's chunked upload.
    ApiVideo,
    /// Presigned-URL multipart (Twelve Labs-style).
    PresignedMultipart,
    /// tus 1.0.
    Tus,
}

impl WireProtocol {
    /// The protocol `service` speaks.
    pub fn of(service: &Service) -> WireProtocol {
        match service {
            Service::GoogleResumable { .. }
            | Service::YouTube { .. }
            | Service::Drive { .. }
            | Service::CloudStorage { .. } => WireProtocol::GoogleResumable,
            Service::ApiVideo { .. } => WireProtocol::ApiVideo,
            Service::PresignedMultipart { .. } => WireProtocol::PresignedMultipart,
            Service::Tus { .. } => WireProtocol::Tus,
        }
    }
}
