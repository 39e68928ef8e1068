//! What the engine warns about Hoist itself, in the window's words: made here once from the
//! engine's [`EngineWarning`]. The warning's technical detail goes to the log, never into the
//! window.

use hoist_core::engine::EngineWarning;

use super::message::MessageKind;

/// How the window shows `warning`: what the system cannot do here is a warning (uploads still
/// go on); what went wrong with Hoist's own list is a problem.
pub fn warning_kind(warning: &EngineWarning) -> MessageKind {
    match warning {
        EngineWarning::CannotKeepAwake | EngineWarning::CannotSeeMetered => MessageKind::Warning,
        EngineWarning::JournalSetAside { .. }
        | EngineWarning::JournalUnreadable
        | EngineWarning::QueueOrderNotSaved => MessageKind::Problem,
    }
}

/// The message the window shows for `warning`.
pub fn warning_words(warning: &EngineWarning) -> String {
    match warning {
        EngineWarning::JournalSetAside { moved_to } => format!(
            "Hoist's list of uploads was damaged, so Hoist started a new one. \
             The old list is kept at {}.",
            moved_to.display()
        ),
        EngineWarning::JournalUnreadable => {
            "Hoist could not read its list of uploads, so the list is empty for now. \
             Quitting Hoist and opening it again may help."
                .to_string()
        }
        EngineWarning::CannotKeepAwake => crate::power::CANNOT_KEEP_AWAKE.to_string(),
        EngineWarning::CannotSeeMetered => crate::power::CANNOT_SEE_METERED.to_string(),
        EngineWarning::QueueOrderNotSaved => {
            "Hoist could not save the new order of the list, so it keeps its old order. \
             The disk may be full."
                .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn every_warning_is_a_plain_sentence() {
        let set_aside = EngineWarning::JournalSetAside {
            moved_to: PathBuf::from("/home/ana/.local/share/hoist/journal.sqlite3.corrupt-17"),
        };
        let words = warning_words(&set_aside);
        assert!(
            words.starts_with("Hoist's list of uploads was damaged"),
            "{words}"
        );
        assert!(
            words.ends_with("kept at /home/ana/.local/share/hoist/journal.sqlite3.corrupt-17."),
            "{words}"
        );
        for warning in [
            set_aside,
            EngineWarning::JournalUnreadable,
            EngineWarning::CannotKeepAwake,
            EngineWarning::CannotSeeMetered,
            EngineWarning::QueueOrderNotSaved,
        ] {
            let words = warning_words(&warning);
            assert!(words.ends_with('.'), "{words}");
            for jargon in ["journal", "SQLite", "database", "JSON"] {
                let without_path = words.split(" kept at ").next().unwrap_or_default();
                assert!(!without_path.contains(jargon), "{jargon} in {words}");
            }
        }
    }
}
