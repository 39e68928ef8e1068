//! Noticing that the computer woke up, two ways: logind's `PrepareForSleep(false)` signal, and
//! (with or without D-Bus) the wall clock jumping ahead of the monotonic clock between two
//! ticks (Linux's monotonic clock stands still while the computer sleeps). Either sends
//! [`Command::Wake`]: every running upload drops its request and asks the server at once.

use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt as _;

use super::bus::{logind, system_bus};
use super::{SystemOptions, send};
use crate::engine::{Command, EngineError, EngineHandle};

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
    let alive = engine.activity();
    let now = || (SystemTime::now(), Instant::now());
    watch_clock(CLOCK_TICK, now, |jump| match jump {
        Some(ahead) => {
            tracing::info!(
                ahead_secs = ahead.as_secs(),
                "the wall clock jumped ahead of the monotonic clock: the computer slept"
            );
            !matches!(engine.send(Command::Wake), Err(EngineError::Stopped))
        }
        // The engine has stopped once its activity channel is closed.
        None => alive.has_changed().is_ok(),
    })
    .await;
}

/// Every `tick`, reads both clocks with `now` and calls `tick_done` with how far the wall
/// clock ran ahead when that counts as a wake-up ([`clock_jumped`]), else `None`; ends when it
/// returns `false`.
async fn watch_clock(
    tick: Duration,
    mut now: impl FnMut() -> (SystemTime, Instant),
    mut tick_done: impl FnMut(Option<Duration>) -> bool,
) {
    let (mut wall, mut monotonic) = now();
    loop {
        tokio::time::sleep(tick).await;
        let (wall_now, monotonic_now) = now();
        let wall_elapsed = wall_now.duration_since(wall).unwrap_or_default();
        let monotonic_elapsed = monotonic_now.duration_since(monotonic);
        (wall, monotonic) = (wall_now, monotonic_now);
        let jump = clock_jumped(wall_elapsed, monotonic_elapsed)
            .then(|| wall_elapsed.saturating_sub(monotonic_elapsed));
        if !tick_done(jump) {
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

    #[test]
    #[allow(clippy::disallowed_methods, reason = "a test's own runtime")]
    fn the_watcher_reports_one_wake_up_for_one_jump() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        // Ticks of 2 s on both clocks; before the fourth reading the computer slept an hour.
        let (start_wall, start_monotonic) = (SystemTime::now(), Instant::now());
        let mut readings = 0u64;
        let now = move || {
            let slept = if readings >= 3 { 3600 } else { 0 };
            let reading = (
                start_wall + Duration::from_secs(2 * readings + slept),
                start_monotonic + Duration::from_secs(2 * readings),
            );
            readings += 1;
            reading
        };
        let mut seen = Vec::new();
        runtime.block_on(watch_clock(Duration::from_millis(1), now, |jump| {
            seen.push(jump);
            seen.len() < 6
        }));
        let jumps: Vec<(usize, Duration)> = seen
            .iter()
            .enumerate()
            .filter_map(|(i, jump)| jump.map(|ahead| (i, ahead)))
            .collect();
        assert_eq!(jumps, [(2, Duration::from_secs(3600))], "{seen:?}");
    }
}
