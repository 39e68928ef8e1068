//! SIGTERM, SIGINT and SIGHUP end the window as a normal close does: the uploads pause (the
//! engine stops, they stay resumable), the window closes, and the window-open marker is removed,
//! so the next start does not speak of a crash. The window hears of it as a
//! [`WindowRequest::Quit`]; a second signal ends the process at once.

use std::sync::mpsc::Sender;

use hoist_ui::{Wake, WindowRequest};
use tokio::signal::unix::{SignalKind, signal};

/// Listens for the signals on `jobs` (the engine's runtime) from now on.
pub(crate) fn quit_on_signals(
    jobs: &tokio::runtime::Handle,
    requests: Sender<WindowRequest>,
    wake: Wake,
) -> std::io::Result<()> {
    let _entered = jobs.enter();
    let mut term = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    jobs.spawn(async move {
        let mut asked = false;
        loop {
            let received = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
                _ = hangup.recv() => "SIGHUP",
            };
            if asked {
                tracing::warn!("{received} again: ending at once");
                std::process::exit(1);
            }
            asked = true;
            tracing::info!("{received}: pausing the uploads and closing the window");
            if requests.send(WindowRequest::Quit).is_err() {
                return;
            }
            wake();
        }
    });
    Ok(())
}
