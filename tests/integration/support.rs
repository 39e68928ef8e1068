//! Shared test support: the harness lives in the dev-only `hoist-test-support` crate; this
//! module re-exports it so that tests keep writing `crate::support::...`.

pub use hoist_test_support::*;

use std::time::{Duration, Instant};

use hoist_core::engine::{EngineEvents, Event};

/// The next engine event matching `pred` within `secs` (the others are dropped); panics after.
pub fn next_event(
    events: &mut EngineEvents,
    secs: u64,
    mut pred: impl FnMut(&Event) -> bool,
) -> Event {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        match events.try_recv() {
            Some(event) if pred(&event) => return event,
            Some(_) => {}
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    panic!("timed out waiting for an event");
}
