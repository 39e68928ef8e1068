//! Writes what the server confirmed to the journal beside the network, not in its way.
//!
//! The driver hands each confirmation over and sends the next chunk at once; a small task per
//! upload writes the newest one (confirmations that arrive while a write is under way are
//! coalesced: only the newest matters) and only then makes it the offset progress shows. The
//! driver lets at most one confirmation wait unwritten ([`ConfirmationHandle::submit`] then
//! [`ConfirmationHandle::wait_written`] of the one before), so after a crash the server holds
//! at most two chunks beyond the journal's offset, and a resume asks the server anyway.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Notify, watch};

use crate::protocol::SessionState;
use crate::store::Journal;
use crate::upload::{Failure, FailureKind, UploadId};

/// One confirmation waiting to be written.
struct Pending {
    generation: u64,
    confirmed_bytes: u64,
    state: SessionState,
    /// The confirmed count went down in this confirmation or in one it replaced.
    rewound: bool,
}

/// How far the journal has got.
#[derive(Clone, Debug, Default)]
struct Written {
    generation: u64,
    failure: Option<Failure>,
}

struct Shared {
    id: UploadId,
    journal: Arc<Journal>,
    /// What progress shows: only offsets already in the journal.
    shown: Arc<AtomicU64>,
    /// The file's size: progress never shows more.
    size_bytes: u64,
    pending: Mutex<Option<Pending>>,
    next_generation: AtomicU64,
    wake: Notify,
    closed: AtomicBool,
    written: watch::Sender<Written>,
}

/// The driver's side: hands confirmations over and waits until they are written.
#[derive(Clone)]
pub(crate) struct ConfirmationHandle {
    shared: Arc<Shared>,
    written: watch::Receiver<Written>,
}

/// The writer task's owner: [`Self::close`] writes what is left and ends the task (dropping it
/// ends the task too, after the last write).
pub(crate) struct ConfirmationWriter {
    shared: Arc<Shared>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ConfirmationWriter {
    /// Starts the writer task for upload `id`; `shown` is what its progress reports read.
    pub(crate) fn start(
        journal: Arc<Journal>,
        id: UploadId,
        shown: Arc<AtomicU64>,
        size_bytes: u64,
    ) -> (ConfirmationWriter, ConfirmationHandle) {
        let (written, written_rx) = watch::channel(Written::default());
        let shared = Arc::new(Shared {
            id,
            journal,
            shown,
            size_bytes,
            pending: Mutex::new(None),
            next_generation: AtomicU64::new(1),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            written,
        });
        let task = tokio::spawn(write_loop(shared.clone()));
        let handle = ConfirmationHandle {
            shared: shared.clone(),
            written: written_rx,
        };
        (
            ConfirmationWriter {
                shared,
                task: Some(task),
            },
            handle,
        )
    }

    /// Writes what is still waiting, then ends the task.
    pub(crate) async fn close(mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ConfirmationWriter {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        self.shared.wake.notify_one();
    }
}

impl ConfirmationHandle {
    /// Hands a confirmation to the writer without waiting; returns its generation for
    /// [`Self::wait_written`].
    pub(crate) fn submit(&self, confirmed_bytes: u64, state: SessionState, rewound: bool) -> u64 {
        let generation = self.shared.next_generation.fetch_add(1, Ordering::Relaxed);
        {
            let mut slot = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // A rewind replaced before it was written must still be written as one.
            let rewound = rewound || slot.as_ref().is_some_and(|p| p.rewound);
            *slot = Some(Pending {
                generation,
                confirmed_bytes,
                state,
                rewound,
            });
        }
        self.shared.wake.notify_one();
        generation
    }

    /// Waits until confirmation `generation` (or a newer one) is in the journal; the failure
    /// if writing failed (the driver then stops, to stay safe).
    pub(crate) async fn wait_written(&self, generation: u64) -> Result<(), Failure> {
        let mut written = self.written.clone();
        let written = written
            .wait_for(|w| w.generation >= generation || w.failure.is_some())
            .await
            .map(|w| w.clone())
            .map_err(|_| Failure::new(FailureKind::Internal, "the journal writer stopped"))?;
        match written.failure {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    /// Hands a confirmation over and waits until it is written.
    pub(crate) async fn write(
        &self,
        confirmed_bytes: u64,
        state: SessionState,
        rewound: bool,
    ) -> Result<(), Failure> {
        let generation = self.submit(confirmed_bytes, state, rewound);
        self.wait_written(generation).await
    }
}

/// Writes the newest pending confirmation until closed and nothing is left.
async fn write_loop(shared: Arc<Shared>) {
    loop {
        let next = shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let Some(pending) = next else {
            if shared.closed.load(Ordering::Acquire) {
                return;
            }
            shared.wake.notified().await;
            continue;
        };
        let journal = shared.journal.clone();
        let id = shared.id;
        let (confirmed, rewound) = (pending.confirmed_bytes, pending.rewound);
        let saved = tokio::task::spawn_blocking(move || {
            journal.save_progress(id, confirmed, &pending.state, rewound)
        })
        .await;
        let failure = match saved {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                tracing::error!(upload = %id, "could not save progress: {e}");
                Some(Failure::new(
                    e.failure_kind(),
                    format!("Hoist could not record the progress, so it stopped to stay safe: {e}"),
                ))
            }
            Err(e) => Some(Failure::new(FailureKind::Internal, e.to_string())),
        };
        if failure.is_none() {
            // Only now may progress show it.
            shared
                .shown
                .store(confirmed.min(shared.size_bytes), Ordering::Release);
        }
        shared.written.send_modify(|w| {
            w.generation = w.generation.max(pending.generation);
            if failure.is_some() {
                w.failure = failure;
            }
        });
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use crate::file::FileIdentity;
    use crate::store::NewUpload;
    use crate::upload::{Destination, Service};

    fn journal_with_upload() -> (Arc<Journal>, UploadId) {
        let journal = Journal::open_in_memory().expect("journal");
        let record = journal
            .insert(&NewUpload {
                file: FileIdentity {
                    path: "/tmp/x.bin".into(),
                    size_bytes: 1000,
                    modified_unix_nanos: 0,
                    sample_sha256: String::new(),
                },
                destination: Destination {
                    service: Service::Tus {
                        endpoint: "http://127.0.0.1/files/".to_string(),
                    },
                    auth: Default::default(),
                },
                total_bytes: Some(1000),
                chunk_size_bytes: Some(100),
                chunk_size_auto: false,
            })
            .expect("insert");
        (Arc::new(journal), record.id)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shows_only_what_is_written_and_keeps_a_coalesced_rewind() {
        let (journal, id) = journal_with_upload();
        let shown = Arc::new(AtomicU64::new(0));
        let (writer, handle) = ConfirmationWriter::start(journal.clone(), id, shown.clone(), 1000);
        handle
            .write(600, SessionState::New, false)
            .await
            .expect("written");
        assert_eq!(journal.get(id).expect("row").confirmed_bytes, 600);
        assert_eq!(shown.load(Ordering::Acquire), 600);
        // A rewind to 100 and then 200 handed over back to back: even if coalesced, the
        // journal must go down to 200 (a plain save keeps the larger of old and new).
        handle.submit(100, SessionState::New, true);
        let last = handle.submit(200, SessionState::New, false);
        handle.wait_written(last).await.expect("written");
        assert_eq!(journal.get(id).expect("row").confirmed_bytes, 200);
        assert_eq!(shown.load(Ordering::Acquire), 200);
        // Past the file's size is never shown.
        handle
            .write(5000, SessionState::New, false)
            .await
            .expect("written");
        assert_eq!(shown.load(Ordering::Acquire), 1000);
        // Close writes whatever is left.
        handle.submit(900, SessionState::New, true);
        writer.close().await;
        assert_eq!(journal.get(id).expect("row").confirmed_bytes, 900);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_is_reported_and_not_shown() {
        let (journal, id) = journal_with_upload();
        journal.remove(id).expect("remove");
        let shown = Arc::new(AtomicU64::new(0));
        let (writer, handle) = ConfirmationWriter::start(journal, id, shown.clone(), 1000);
        let failure = handle
            .write(500, SessionState::New, false)
            .await
            .expect_err("the row is gone");
        assert!(
            failure.detail.contains("record the progress"),
            "{failure:?}"
        );
        assert_eq!(shown.load(Ordering::Acquire), 0);
        writer.close().await;
    }
}
