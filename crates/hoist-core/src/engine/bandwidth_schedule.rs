//! Following a [`BandwidthSchedule`]: the engine's bandwidth limit is set for now, then again
//! each time the schedule's limit may change (local time), until the engine stops.

use std::time::Duration;

use super::{Command, EngineError, EngineHandle};
use crate::units::{BandwidthSchedule, local_week_minute};

/// How often the follower looks at the clock at most: a wall-clock jump (a laptop waking, the
/// time zone changing) is noticed within this long.
const LONGEST_NAP: Duration = Duration::from_secs(60);

/// Starts following `schedule` on the engine's runtime, with `max_parallel_uploads` kept as it
/// is. Ends when the engine is gone.
pub fn follow_schedule(
    engine: &EngineHandle,
    schedule: BandwidthSchedule,
    max_parallel_uploads: usize,
) -> tokio::task::JoinHandle<()> {
    let engine = engine.clone();
    engine.jobs().spawn(async move {
        let mut applied = None;
        loop {
            let minute = local_week_minute();
            let limit = schedule.limit_at(minute);
            if applied != Some(limit) {
                let command = Command::SetLimits {
                    max_parallel_uploads,
                    bandwidth_limit_bytes_per_sec: limit,
                };
                match engine.send(command) {
                    Ok(()) => {}
                    Err(EngineError::Stopped) => return,
                    Err(_) => {
                        // The command queue is full for a moment: try again shortly.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                }
                tracing::info!(bytes_per_sec = limit, "bandwidth schedule: limit changed");
                applied = Some(limit);
            }
            let until = Duration::from_secs(u64::from(schedule.minutes_until_change(minute)) * 60);
            tokio::time::sleep(until.min(LONGEST_NAP)).await;
        }
    })
}
