//! What a person can ask of one upload, and which phases allow it: the one table the scheduler,
//! the window's buttons and the command line ask.

use super::Phase;

/// What a person can ask of one upload, from a row's buttons or the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UploadAction {
    /// Stop sending; keep what the server confirmed.
    Pause,
    /// Continue from what the server confirmed (after a pause, a failure or an interruption).
    Resume,
    /// Start again from byte 0 with the file as it is now.
    Restart,
    /// Stop and ask the server to discard what it received.
    Cancel,
    /// Forget the upload (cancelling it first if unfinished).
    Remove,
}

impl Phase {
    /// True while the upload wants an upload slot: waiting for one, sending, or waiting for the
    /// server to finish processing.
    pub fn wants_to_run(self) -> bool {
        matches!(self, Phase::Queued | Phase::Uploading | Phase::Processing)
    }

    /// Whether the engine carries out `action` for an upload in this phase.
    pub fn allows(self, action: UploadAction) -> bool {
        match action {
            UploadAction::Pause => self.wants_to_run(),
            UploadAction::Resume => matches!(
                self,
                Phase::Queued | Phase::Uploading | Phase::Paused | Phase::Failed
            ),
            UploadAction::Restart | UploadAction::Cancel => {
                !matches!(self, Phase::Completed | Phase::Cancelled)
            }
            UploadAction::Remove => true,
        }
    }

    /// The actions a row offers for this phase, left to right, besides Remove (always offered).
    /// Each is allowed by [`Phase::allows`]; a failed upload's Resume is labelled "Retry".
    pub fn offered_actions(self) -> &'static [UploadAction] {
        match self {
            Phase::Queued | Phase::Uploading => &[UploadAction::Pause, UploadAction::Cancel],
            Phase::Paused => &[UploadAction::Resume, UploadAction::Cancel],
            Phase::Failed => &[UploadAction::Resume],
            Phase::FileChanged => &[UploadAction::Restart],
            Phase::Processing | Phase::Completed | Phase::Cancelled => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_PHASES: [Phase; 8] = [
        Phase::Queued,
        Phase::Uploading,
        Phase::Paused,
        Phase::Processing,
        Phase::Completed,
        Phase::Failed,
        Phase::FileChanged,
        Phase::Cancelled,
    ];

    #[test]
    fn every_offered_action_is_allowed() {
        for phase in ALL_PHASES {
            for action in phase.offered_actions() {
                assert!(phase.allows(*action), "{phase} offers {action:?}");
            }
            assert!(phase.allows(UploadAction::Remove), "{phase}");
        }
    }

    #[test]
    fn finished_uploads_can_only_be_removed() {
        for phase in [Phase::Completed, Phase::Cancelled] {
            for action in [
                UploadAction::Pause,
                UploadAction::Resume,
                UploadAction::Restart,
                UploadAction::Cancel,
            ] {
                assert!(!phase.allows(action), "{phase} allows {action:?}");
            }
        }
        assert!(!Phase::FileChanged.allows(UploadAction::Resume));
        assert!(Phase::FileChanged.allows(UploadAction::Restart));
        assert!(Phase::Failed.allows(UploadAction::Resume));
        assert!(!Phase::Paused.allows(UploadAction::Pause));
    }
}
