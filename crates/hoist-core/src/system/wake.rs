//! Noticing that the computer woke up, two ways: logind's `PrepareForSleep(false)` signal, and
//! (with or without D-Bus) the wall clock jumping ahead of the monotonic clock between two
//! ticks (Linux's monotonic clock stands still while the computer sleeps). Either sends
//! [`Command::Wake`]: every running upload drops its request and asks the server at once.

use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt as _;

use super::bus::{logind, system_bus};
use super::{SystemOptions, send};
use crate::engine::{Command, EngineHandle};

/// How far the wall clock may run ahead of the monotonic clock between two ticks before it
/// counts as a wake-up.
pub const CLOCK_JUMP: Duration = Duration::from_secs(10);
/// How often the clock detector looks.
const CLOCK_TICK: Duration = Duration::from_secs(2);

/// Whether the wall clock ran ahead of the monotonic clock by more than [`CLOCK_JUMP`]: the
/// computer slept in between (a wall clock that went back or barely moved is not a wake-up).
pub fn clock_jumped(wall_elapsed: Duration, monotonic_elapsed: Duration) -> bool {
    wall_elapsed.saturating_sub(monotonic_elapsed) > CLOCK_JUMP
}

/// Compares the two clocks every [`CLOCK_TICK`] until the engine stops.
pub(super) async fn follow_clock(engine: EngineHandle) {
    let mut wall = SystemTime::now();
    let mut monotonic = Instant::now();
    let alive = engine.activity();
    loop {
        tokio::time::sleep(CLOCK_TICK).await;
        let (wall_now, monotonic_now) = (SystemTime::now(), Instant::now());
        let wall_elapsed = wall_now.duration_since(wall).unwrap_or_default();
        let monotonic_elapsed = monotonic_now.duration_since(monotonic);
        (wall, monotonic) = (wall_now, monotonic_now);
        if clock_jumped(wall_elapsed, monotonic_elapsed) {
            tracing::info!(
                wall_secs = wall_elapsed.as_secs(),
                monotonic_secs = monotonic_elapsed.as_secs(),
                "the wall clock jumped ahead: the computer probably slept"
            );
            if !send(&engine, Command::Wake).await {
                return;
            }
        } else if alive.has_changed().is_err() {
            // The engine has stopped.
            return;
        }
    }
}

/// Listens for logind's `PrepareForSleep`; `false` (woke up) sends [`Command::Wake`]. Without
/// logind the log says so: the clock detector still notices wake-ups.
pub(super) async fn follow_sleep_signal(engine: EngineHandle, options: SystemOptions) {
    let stream = async {
        let bus = system_bus(&options).await?;
        let proxy = logind(&bus).await?;
        let stream = proxy.receive_signal("PrepareForSleep").await?;
        zbus::Result::Ok((bus, stream))
    }
    .await;
    let (_bus, mut signals) = match stream {
        Ok(stream) => stream,
        Err(e) => {
            tracing::info!(
                "logind's sleep signal cannot be followed ({e}): a wake-up is noticed from the clock instead"
            );
            return;
        }
    };
    let mut stopped = engine.activity();
    loop {
        tokio::select! {
            message = signals.next() => {
                let Some(message) = message else { return };
                match message.body().deserialize::<bool>() {
                    Ok(true) => tracing::info!("the computer is going to sleep"),
                    Ok(false) => {
                        tracing::info!("the computer woke up (logind)");
                        if !send(&engine, Command::Wake).await {
                            return;
                        }
                    }
                    Err(e) => tracing::debug!("an unreadable PrepareForSleep: {e}"),
                }
            }
            changed = stopped.changed() => if changed.is_err() { return },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_wall_clock_far_ahead_is_a_wake_up() {
        let tick = Duration::from_secs(2);
        assert!(!clock_jumped(tick, tick));
        assert!(!clock_jumped(Duration::ZERO, tick), "the clock went back");
        assert!(!clock_jumped(tick + CLOCK_JUMP, tick), "exactly the limit");
        assert!(
            clock_jumped(Duration::from_secs(3600), tick),
            "an hour asleep"
        );
    }
}
