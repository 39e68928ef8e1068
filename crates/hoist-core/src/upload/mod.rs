//! The plain data every part of Hoist talks in: ids, phases, destinations and results.

mod action;
mod destination;
mod failure;
mod id;
mod phase;
mod remote_result;
mod secret_ref;
mod wire_protocol;

pub use action::UploadAction;
pub use destination::{
    ApiVideoAccess, AssetType, AuthSource, DEFAULT_PARALLEL_CHUNKS, Destination, GoogleOauthSource,
    Privacy, Service,
};
pub use failure::{Failure, FailureKind};
pub use id::UploadId;
pub use phase::Phase;
pub use remote_result::RemoteResult;
pub use secret_ref::{SecretLocation, SecretRef, StoredHeader};
pub use wire_protocol::WireProtocol;
