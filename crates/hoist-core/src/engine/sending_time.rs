//! How long each upload spends sending, for its history entry: every run of an upload task is
//! one stretch, added to the journal before the scheduler hears the task ended (so the
//! completion that follows finds it). Time queued, paused or with Hoist closed is not counted;
//! waits between retries inside a run are. A run cut by a crash is lost (the entry then counts
//! the runs that were recorded, or the time from start to finish when none was).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::outcome::TaskEnd;
use crate::store::{Journal, StoreError};
use crate::upload::UploadId;

/// One run of an upload task, from its start.
pub(super) struct SendingStretch {
    began: Instant,
    began_unix_secs: i64,
}

impl SendingStretch {
    /// A stretch starting now.
    pub(super) fn begin() -> SendingStretch {
        let began_unix_secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        SendingStretch {
            began: Instant::now(),
            began_unix_secs,
        }
    }

    /// Adds the stretch to the upload's sending time, unless another process drove it.
    pub(super) fn record(self, journal: &Journal, id: UploadId, end: &TaskEnd) {
        if matches!(end, TaskEnd::Busy(_)) {
            return;
        }
        match journal.add_sending_time(id, self.began_unix_secs, self.began.elapsed()) {
            Ok(()) | Err(StoreError::NotFound(_)) => {}
            Err(e) => tracing::warn!(upload = %id, "could not record the time spent sending: {e}"),
        }
    }
}
