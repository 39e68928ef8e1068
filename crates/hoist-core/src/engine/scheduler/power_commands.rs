//! The scheduler's power commands: wake-ups, the metered hold, keep-awake, and warnings from
//! `hoist_core::system` (their state lives in [`super::super::power`]).

use super::{Command, Event, Scheduler};
use crate::upload::Phase;

impl Scheduler {
    /// Applies one of the power commands (any other command is ignored here).
    pub(super) async fn power_command(&mut self, command: Command) {
        let event = match command {
            Command::Wake => {
                self.power.woke();
                None
            }
            Command::SetMetered(metered) => self.power.set_metered(metered),
            Command::SetPauseOnMetered(on) => self.power.set_pause_on_metered(on),
            Command::SetKeepAwake(on) => {
                self.power.set_keep_awake(on);
                None
            }
            Command::Warn { kind, detail } => {
                tracing::warn!(?kind, "{detail}");
                Some(Event::Warning { kind, detail })
            }
            _ => None,
        };
        if let Some(event) = event {
            self.sink.emit(event).await;
        }
    }

    /// Publishes how many uploads send now (running, not processing on the server).
    pub(super) fn publish_activity(&self) {
        let sending = self
            .running
            .keys()
            .filter(|id| {
                self.entries
                    .get(id)
                    .is_some_and(|entry| entry.phase == Phase::Uploading)
            })
            .count();
        self.power.publish(sending);
    }
}
