//! What the computer and its connection mean for the uploads: wake-ups (every running upload
//! drops its request and asks the server where it stands), the metered hold (new chunks wait)
//! and the activity the keep-awake inhibitor follows (`hoist_core::system` watches it).

use tokio::sync::watch;

use super::Event;

/// What uploads are doing, for whoever keeps the computer awake (published by the scheduler
/// after every change; read it with [`super::EngineHandle::activity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// Uploads sending now (running, not processing, not held by the metered hold).
    pub sending_uploads: usize,
    /// Whether the computer should be kept awake while uploads send (the setting).
    pub keep_awake: bool,
    /// Whether new chunks wait on a metered connection (the setting).
    pub pause_on_metered: bool,
}

/// The scheduler's side: the settings, what the system said, and the senders.
pub(crate) struct Power {
    /// What the system said; `None` until it says (`hoist_core::system` says "not metered" where
    /// it cannot tell), so that with the setting on nothing is sent before it is known.
    metered: Option<bool>,
    /// What the last [`Event::MeteredHold`] said.
    shown: bool,
    pause_on_metered: bool,
    keep_awake: bool,
    wake: watch::Sender<u64>,
    held: watch::Sender<bool>,
    activity: watch::Sender<Activity>,
}

/// A driver's side: told of wake-ups and of the metered hold between steps.
#[derive(Debug, Clone)]
pub(crate) struct DriverSignals {
    wake: watch::Receiver<u64>,
    held: watch::Receiver<bool>,
}

impl Power {
    /// Starts with the settings of the engine's configuration; with "pause on metered" on,
    /// new chunks wait until the system has said whether the connection is metered.
    pub(crate) fn new(keep_awake: bool, pause_on_metered: bool) -> Power {
        let activity = Activity {
            sending_uploads: 0,
            keep_awake,
            pause_on_metered,
        };
        Power {
            metered: None,
            shown: false,
            pause_on_metered,
            keep_awake,
            wake: watch::channel(0).0,
            held: watch::channel(pause_on_metered).0,
            activity: watch::channel(activity).0,
        }
    }

    /// A receiver of the activity (for the engine's handle).
    pub(crate) fn activity(&self) -> watch::Receiver<Activity> {
        self.activity.subscribe()
    }

    /// What a new driver listens to.
    pub(crate) fn signals(&self) -> DriverSignals {
        DriverSignals {
            wake: self.wake.subscribe(),
            held: self.held.subscribe(),
        }
    }

    /// Whether new chunks wait now.
    pub(crate) fn held(&self) -> bool {
        self.pause_on_metered && self.metered != Some(false)
    }

    /// The computer woke up: every driver drops its request and asks the server again.
    pub(crate) fn woke(&self) {
        tracing::info!("the computer woke up: every running upload asks the server where it is");
        self.wake
            .send_modify(|generation| *generation = generation.wrapping_add(1));
    }

    /// The setting "keep the computer awake while uploading".
    pub(crate) fn set_keep_awake(&mut self, on: bool) {
        self.keep_awake = on;
    }

    /// What the system says about the connection; the event to send if the hold changed.
    pub(crate) fn set_metered(&mut self, metered: bool) -> Option<Event> {
        tracing::info!(metered, "the connection's metered state");
        self.metered = Some(metered);
        self.update_hold()
    }

    /// The setting "pause on metered connections"; the event to send if the hold changed.
    pub(crate) fn set_pause_on_metered(&mut self, on: bool) -> Option<Event> {
        self.pause_on_metered = on;
        self.update_hold()
    }

    /// Tells the drivers; the event to send when what people see changed (the short wait at
    /// start-up, before the system said, is not shown as "metered").
    fn update_hold(&mut self) -> Option<Event> {
        let held = self.held();
        self.held
            .send_if_modified(|h| std::mem::replace(h, held) != held);
        let waiting = self.pause_on_metered && self.metered == Some(true);
        (std::mem::replace(&mut self.shown, waiting) != waiting)
            .then_some(Event::MeteredHold { waiting })
    }

    /// Publishes what uploads do now (`running_uploads`: running and not processing).
    pub(crate) fn publish(&self, running_uploads: usize) {
        let now = Activity {
            sending_uploads: if self.held() { 0 } else { running_uploads },
            keep_awake: self.keep_awake,
            pause_on_metered: self.pause_on_metered,
        };
        self.activity
            .send_if_modified(|activity| std::mem::replace(activity, now) != now);
    }
}

impl DriverSignals {
    /// Marks every wake-up so far as seen (a new drive starts by asking the server anyway).
    pub(crate) fn wake_watch(&self) -> watch::Receiver<u64> {
        let mut wake = self.wake.clone();
        wake.mark_unchanged();
        wake
    }

    /// Waits while the metered hold is on (returns at once when it is off).
    pub(crate) async fn wait_while_held(&self) {
        let mut held = self.held.clone();
        if *held.borrow_and_update() {
            tracing::info!("the connection is metered: the next chunk waits");
            let _ = held.wait_for(|held| !*held).await;
            tracing::info!("the connection is no longer held: sending goes on");
        }
    }
}

/// Resolves at the next wake-up `wake` has not seen (never, once the engine is gone).
pub(crate) async fn woken(wake: &mut watch::Receiver<u64>) {
    if wake.changed().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_needs_both_the_setting_and_a_metered_connection() {
        let mut early = Power::new(true, true);
        assert!(early.held(), "nothing is sent before the system said");
        assert_eq!(
            early.set_metered(false),
            None,
            "the wait at start is not shown"
        );
        assert!(!early.held());
        let mut power = Power::new(true, false);
        assert!(!power.held());
        assert_eq!(power.set_metered(true), None, "the setting is off");
        assert!(!power.held());
        assert_eq!(
            power.set_pause_on_metered(true),
            Some(Event::MeteredHold { waiting: true })
        );
        assert_eq!(power.set_metered(true), None, "no change, no event");
        power.publish(2);
        assert_eq!(power.activity().borrow().sending_uploads, 0);
        assert_eq!(
            power.set_metered(false),
            Some(Event::MeteredHold { waiting: false })
        );
        power.publish(2);
        assert_eq!(power.activity().borrow().sending_uploads, 2);
    }
}
