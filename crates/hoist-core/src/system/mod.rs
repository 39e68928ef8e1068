//! Hoist and the computer it runs on (Linux desktops, over the system D-Bus): keeping the
//! computer awake while uploads send (`inhibit.rs`, logind's inhibitor lock), noticing that it
//! woke up (`wake.rs`, logind's `PrepareForSleep` or the wall clock jumping ahead of the
//! monotonic clock), and following whether the connection is metered (`metered.rs`,
//! NetworkManager's `Metered` property).
//!
//! Everything here runs on the engine's runtime and talks to the engine through
//! [`EngineHandle`]: commands in, [`EngineHandle::activity`] out. Where the system offers no way
//! (no system bus, no logind, no NetworkManager) people get one clear line through
//! [`Command::Warn`] and the log says why; the clock's wake detector needs no D-Bus at all.

mod bus;
#[cfg(unix)]
mod inhibit;
mod metered;
mod wake;

use crate::engine::{Command, EngineError, EngineHandle};

pub use metered::is_metered;
pub use wake::{CLOCK_JUMP, clock_jumped};

/// Where the system watchers connect.
#[derive(Debug, Clone, Default)]
pub struct SystemOptions {
    /// The system bus's address; `None`: the usual one (zbus reads `DBUS_SYSTEM_BUS_ADDRESS`,
    /// else the standard socket). Tests give a private bus here.
    pub bus_address: Option<String>,
}

/// Starts the keep-awake inhibitor, the wake detectors and the metered watcher on the engine's
/// runtime. They end by themselves when the engine stops.
pub fn start(engine: &EngineHandle, options: SystemOptions) {
    let jobs = engine.jobs();
    #[cfg(unix)]
    drop(jobs.spawn(inhibit::keep_awake(engine.clone(), options.clone())));
    drop(jobs.spawn(wake::follow_sleep_signal(engine.clone(), options.clone())));
    drop(jobs.spawn(wake::follow_clock(engine.clone())));
    drop(jobs.spawn(metered::follow_metered(engine.clone(), options)));
}

/// Sends `command`, waiting a little while the command queue is full; `false` once the engine
/// is gone.
async fn send(engine: &EngineHandle, command: Command) -> bool {
    loop {
        match engine.send(command.clone()) {
            Ok(()) => return true,
            Err(EngineError::Stopped) => return false,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
}
