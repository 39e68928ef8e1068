//! One-off jobs off the UI thread (folder scans, file dialogs, profile saves, thumbnails).

use poll_promise::Promise;

/// Runs a one-off job (a folder scan, a file dialog) on its own thread and wakes the window when
/// its result is ready.
#[allow(
    clippy::disallowed_methods,
    reason = "short-lived threads for file dialogs, folder scans and opening files, off the UI thread"
)]
pub(crate) fn background<T: Send + 'static>(
    ctx: &egui::Context,
    job: impl FnOnce() -> T + Send + 'static,
) -> Promise<T> {
    let (sender, promise) = Promise::new();
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("hoist-job".to_string())
        .spawn(move || {
            sender.send(job());
            ctx.request_repaint();
        });
    if let Err(e) = spawned {
        tracing::error!("could not start a background job: {e}");
    }
    promise
}
