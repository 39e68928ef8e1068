//! Keeping the computer awake while uploads send: logind's `Inhibit("sleep:idle", ...)` lock,
//! held as the file descriptor it returns, taken when the first upload starts sending and
//! closed (released) the moment none is (queue drained, all paused, metered hold).

use std::os::fd::OwnedFd as Lock;
use zbus::Connection;

use zbus::zvariant::OwnedFd;

use super::bus::{logind, system_bus};
use super::{SystemOptions, send};
use crate::engine::{Command, EngineHandle, EngineWarning};

/// What the lock is taken for (logind's `what`, `who`, `why`, `mode`).
const INHIBIT: (&str, &str, &str, &str) = ("sleep:idle", "Hoist", "Uploading files", "block");

/// Follows the engine's activity until it stops: holds the lock exactly while the setting is
/// on and at least one upload sends. Where the lock cannot be had, says so once.
pub(super) async fn keep_awake(engine: EngineHandle, options: SystemOptions) {
    let mut activity = engine.activity();
    let mut connection: Option<Connection> = None;
    let mut lock: Option<Lock> = None;
    // Said the first time an upload sends and the lock cannot be had (not at start: a
    // window opened only to look at the list need not hear it).
    let mut told = false;
    loop {
        let now = *activity.borrow_and_update();
        let wanted = now.keep_awake && now.sending_uploads > 0;
        if wanted && lock.is_none() {
            match take(&options, &mut connection).await {
                Ok(fd) => {
                    tracing::info!(
                        "keeping the computer awake while uploading (logind lock taken)"
                    );
                    lock = Some(fd);
                }
                Err(detail) if !told => told = tell(&engine, detail).await,
                Err(detail) => tracing::debug!("still no logind lock: {detail}"),
            }
        } else if !wanted && lock.take().is_some() {
            tracing::info!("no upload sends: the computer may sleep again (logind lock released)");
        }
        if activity.changed().await.is_err() {
            return;
        }
    }
}

/// Takes the lock: the descriptor logind returns (closing it releases the lock).
async fn take(
    options: &SystemOptions,
    connection: &mut Option<Connection>,
) -> Result<Lock, String> {
    let bus = connect(options, connection).await?;
    let proxy = logind(&bus)
        .await
        .map_err(|e| format!("logind could not be reached: {e}"))?;
    let fd: std::os::fd::OwnedFd = proxy
        .call::<_, _, OwnedFd>("Inhibit", &INHIBIT)
        .await
        .map_err(|e| format!("logind refused the inhibitor lock: {e}"))?
        .into();
    // zbus receives descriptors without close-on-exec: a copy that has it (`try_clone` asks for
    // it), so a program Hoist starts (a browser, a file manager) never holds the lock.
    fd.try_clone()
        .map_err(|e| format!("could not keep the inhibitor lock: {e}"))
}

/// The system bus, connecting the first time it is needed.
async fn connect(
    options: &SystemOptions,
    connection: &mut Option<Connection>,
) -> Result<Connection, String> {
    if let Some(bus) = connection {
        return Ok(bus.clone());
    }
    let bus = system_bus(options)
        .await
        .map_err(|e| format!("no system D-Bus: {e}"))?;
    *connection = Some(bus.clone());
    Ok(bus)
}

/// Says once that the computer cannot be kept awake here (the log gets why).
async fn tell(engine: &EngineHandle, detail: String) -> bool {
    tracing::warn!("cannot keep the computer awake while uploading: {detail}");
    send(
        engine,
        Command::Warn {
            kind: EngineWarning::CannotKeepAwake,
            detail,
        },
    )
    .await;
    true
}
