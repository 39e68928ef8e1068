//! Sleep and metered connections in the window: what the engine said (the metered hold, and
//! whether the system lets Hoist keep the computer awake or see metered connections) and the
//! words for them, made here once.

use hoist_core::engine::{EngineWarning, Event};

/// What an uploading row says while new chunks wait on a metered connection.
pub const METERED_WAIT: &str =
    "Waiting \u{2014} this connection is metered (Settings \u{203a} Pause on metered connections)";
/// The held row's tooltip: the whole story, where the row's words are cut short.
pub const METERED_WAIT_HINT: &str = "This connection is metered, so uploads wait after the piece \
     they were sending and go on by themselves when it is not. To upload anyway, turn off \
     Settings \u{203a} Pause on metered connections.";
/// The setting's label.
pub const KEEP_AWAKE_LABEL: &str = "Keep the computer awake while uploading";
/// The setting's label.
pub const PAUSE_ON_METERED_LABEL: &str = "Pause on metered connections";
/// The line where the computer cannot be kept awake (the banner and Settings).
pub const CANNOT_KEEP_AWAKE: &str = "Hoist can't keep this computer awake here, so uploads pause \
     if it sleeps and continue when it wakes.";
/// The line where Hoist cannot tell whether the connection is metered (the banner and Settings).
pub const CANNOT_SEE_METERED: &str = "Hoist can't tell here whether the connection is metered, \
     so uploads go on as usual on every connection.";
/// What the metered setting does, under it.
pub const PAUSE_ON_METERED_NOTE: &str = "On a metered connection (a phone's hotspot, for \
     example) uploads wait after the piece they are sending, and go on by themselves when the \
     connection is no longer metered.";

/// What the engine said about sleep and metered connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PowerStatus {
    /// New chunks wait: the connection is metered and the setting is on.
    pub metered_hold: bool,
    /// The system offers no way to keep the computer awake.
    pub cannot_keep_awake: bool,
    /// The system does not say whether the connection is metered.
    pub cannot_see_metered: bool,
}

impl PowerStatus {
    /// Notes what `event` says, if anything.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::MeteredHold { waiting } => self.metered_hold = *waiting,
            Event::Warning {
                kind: EngineWarning::CannotKeepAwake,
                ..
            } => self.cannot_keep_awake = true,
            Event::Warning {
                kind: EngineWarning::CannotSeeMetered,
                ..
            } => self.cannot_see_metered = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_and_the_limits_follow_the_engine() {
        let mut status = PowerStatus::default();
        status.observe(&Event::MeteredHold { waiting: true });
        assert!(status.metered_hold);
        status.observe(&Event::Warning {
            kind: EngineWarning::CannotKeepAwake,
            detail: "no system D-Bus".to_string(),
        });
        assert!(status.cannot_keep_awake && !status.cannot_see_metered);
        status.observe(&Event::MeteredHold { waiting: false });
        assert!(!status.metered_hold);
        for words in [
            METERED_WAIT,
            METERED_WAIT_HINT,
            CANNOT_KEEP_AWAKE,
            CANNOT_SEE_METERED,
        ] {
            for jargon in ["D-Bus", "logind", "NetworkManager", "inhibit"] {
                assert!(!words.contains(jargon), "{jargon} in {words}");
            }
        }
    }
}
