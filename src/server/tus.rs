//! The reference server's tus 1.0 (PROTOCOLS.md §4) under `/tus/`. SCAFFOLD: to be written.

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
