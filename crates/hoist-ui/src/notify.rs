use super::model::Notice;

/// Shows a desktop notification without blocking the window (D-Bus is talked to on a short-lived
/// thread). Failures (no notification service) go to the log only.
#[allow(
    clippy::disallowed_methods,
    reason = "a short-lived thread for a desktop notification, off the UI thread"
)]
pub fn show(notice: Notice) {
    let spawned = std::thread::Builder::new()
        .name("hoist-notify".to_string())
        .spawn(move || {
            let result = notify_rust::Notification::new()
                .appname("Hoist")
                .summary(&notice.title)
                .body(&notice.body)
                .show();
            if let Err(e) = result {
                tracing::info!("no desktop notification: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("could not start the notification thread: {e}");
    }
}
