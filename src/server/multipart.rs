//! The reference server's presigned multipart (PROTOCOLS.md §3) under `/multipart/`. SCAFFOLD: to be written.

use std::sync::Arc;

use axum::Router;

use super::App;

/// This protocol's sessions in memory.
#[derive(Debug, Default)]
pub(crate) struct State {}

/// The routes of this protocol.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
}
