//! The command line's runtime for one-off network jobs: a sign-in, a connection test, listing a
//! server's unfinished uploads. Commands that upload use the engine's runtime instead.

use anyhow::Context as _;

/// A runtime with one worker thread. Multi-thread, so `profile::manage` can `block_on` its
/// handle (a current-thread runtime's handle cannot drive I/O).
#[allow(
    clippy::disallowed_methods,
    reason = "the command line's runtime for one-off jobs (ARCHITECTURE.md)"
)]
pub(crate) fn job_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("hoist-job")
        .enable_all()
        .build()
        .context("could not start the network runtime")
}
