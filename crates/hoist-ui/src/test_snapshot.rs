//! The snapshot of one upload to a tus server, for the window's unit tests.

use hoist_core::engine::UploadSnapshot;
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};

/// Upload `id`, `clip{id}.mp4`, in `phase`, with `confirmed_bytes` of `total_bytes` confirmed.
pub(crate) fn tus_snapshot(
    id: i64,
    phase: Phase,
    confirmed_bytes: u64,
    total_bytes: u64,
) -> UploadSnapshot {
    UploadSnapshot {
        id: UploadId(id),
        file_name: format!("clip{id}.mp4"),
        path: format!("/videos/clip{id}.mp4").into(),
        destination: "tus.example".to_string(),
        target: Destination {
            service: Service::Tus {
                endpoint: "https://tus.example/files/".to_string(),
            },
            auth: AuthSource::default(),
        },
        total_bytes: Some(total_bytes),
        confirmed_bytes,
        phase,
        error: None,
        result: None,
        expires_unix_secs: None,
    }
}
