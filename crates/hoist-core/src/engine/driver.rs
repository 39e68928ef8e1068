//! Drives one upload to its end: steps the protocol, saves every acknowledgement, retries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Event;
use super::retry::{Backoff, RetryPolicy};
use super::sink::EventSink;
use crate::file::ByteCounter;
use crate::protocol::{ProtocolError, RetryClass, SessionContext, Step, UploadSession};
use crate::store::Journal;
use crate::upload::{Phase, RemoteResult, UploadId};

/// Steps in a row that confirm nothing new before the engine treats it as a failure (a server
/// that keeps losing sessions must not loop forever).
const MAX_STEPS_WITHOUT_PROGRESS: u32 = 8;

/// How one drive ended.
#[derive(Debug)]
pub(crate) enum DriveEnd {
    /// Every byte is on the server.
    Completed(RemoteResult),
    /// Retrying will not help; the message is for people.
    Failed(String),
    /// The local file changed; the message is for people.
    FileChanged(String),
}

/// What the driver needs besides the session.
pub(crate) struct Driver {
    pub id: UploadId,
    pub journal: Arc<Journal>,
    pub sink: EventSink,
    pub retry: RetryPolicy,
    pub stall_timeout: Duration,
    pub confirmed: Arc<AtomicU64>,
}

impl Driver {
    /// Runs the session until it completes or fails for good. Dropping the future (pause) aborts
    /// the request in flight; everything confirmed is already in the journal.
    pub(crate) async fn drive(
        &self,
        session: &mut dyn UploadSession,
        ctx: &SessionContext,
    ) -> DriveEnd {
        let mut backoff = Backoff::new(self.retry);
        let mut reauthenticated = false;
        let mut best_confirmed = session.confirmed_bytes();
        let mut steps_without_progress = 0u32;
        let mut processing_polls = 0u32;
        loop {
            ctx.counter.touch();
            // The one check of the file before each step, for every protocol (they do not repeat
            // it): a file that changed (or vanished, like a removed USB stick) must not be sent
            // half old, half new.
            if processing_polls == 0
                && let Err(e) = ctx.file.verify_size_and_mtime()
            {
                let error = ProtocolError::from(e);
                tracing::warn!(upload = %self.id, "the file can no longer be sent: {error}");
                return if error.is_file_changed() {
                    DriveEnd::FileChanged(capitalise(&error.to_string()))
                } else {
                    DriveEnd::Failed(capitalise(&error.to_string()))
                };
            }
            let result = tokio::select! {
                result = session.step(ctx) => result,
                idle = stall_watch(&ctx.counter, self.stall_timeout) => {
                    Err(ProtocolError::Stalled { idle })
                }
            };
            let error = match result {
                Ok(Step::Completed(result)) => {
                    if processing_polls == 0 && ctx.file.verify_size_and_mtime().is_err() {
                        // The server has the whole upload, but the file changed while it was
                        // read: the server's copy may mix old and new content.
                        return DriveEnd::FileChanged(
                            "The file changed while it was being uploaded, so the copy on the server may mix old and new content. Restart the upload to send the file as it is now.".to_string(),
                        );
                    }
                    // Done means the whole file, never more (progress stops at 100 %).
                    let confirmed = ctx.file.size_bytes;
                    self.confirmed.store(confirmed, Ordering::Relaxed);
                    if let Err(e) = self.journal.save_progress(
                        self.id,
                        confirmed,
                        &session.persistent_state(),
                        false,
                    ) {
                        tracing::error!(upload = %self.id, "could not save progress: {e}");
                    }
                    return DriveEnd::Completed(result);
                }
                Ok(Step::Processing) => {
                    let confirmed = ctx.file.size_bytes;
                    self.confirmed.store(confirmed, Ordering::Relaxed);
                    if let Err(e) = self.journal.save_progress(
                        self.id,
                        confirmed,
                        &session.persistent_state(),
                        false,
                    ) {
                        tracing::error!(upload = %self.id, "could not save progress: {e}");
                    }
                    if processing_polls == 0 {
                        if let Err(e) = self.journal.set_phase(self.id, Phase::Processing, None) {
                            tracing::error!(upload = %self.id, "could not record the new state: {e}");
                        }
                        self.sink
                            .emit(Event::PhaseChanged {
                                id: self.id,
                                phase: Phase::Processing,
                                message: None,
                            })
                            .await;
                    }
                    let wait = processing_wait(self.retry.initial_wait, processing_polls);
                    processing_polls = processing_polls.saturating_add(1);
                    steps_without_progress = 0;
                    backoff.reset();
                    // The server answered the poll: the credentials work again.
                    reauthenticated = false;
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Ok(Step::Progress { rewound }) => {
                    // The protocols refuse claims beyond the file; never show past 100 % anyway.
                    let confirmed = session.confirmed_bytes().min(ctx.file.size_bytes);
                    if let Err(e) = self.journal.save_progress(
                        self.id,
                        confirmed,
                        &session.persistent_state(),
                        rewound,
                    ) {
                        tracing::error!(upload = %self.id, "could not save progress: {e}");
                        return DriveEnd::Failed(format!(
                            "Hoist could not record the progress, so it stopped to stay safe: {e}"
                        ));
                    }
                    self.confirmed.store(confirmed, Ordering::Relaxed);
                    // The server accepted a request with the current credentials: a later 401
                    // is a new expiry, worth one more refresh.
                    reauthenticated = false;
                    if rewound {
                        self.sink
                            .emit(Event::Notice {
                                id: self.id,
                                message: if confirmed == 0 {
                                    "The server lost the upload session; starting again from the beginning.".to_string()
                                } else {
                                    "The server kept less than it had confirmed; continuing from what it has.".to_string()
                                },
                            })
                            .await;
                    }
                    if confirmed > best_confirmed {
                        best_confirmed = confirmed;
                        steps_without_progress = 0;
                        backoff.reset();
                        continue;
                    }
                    steps_without_progress += 1;
                    if steps_without_progress < MAX_STEPS_WITHOUT_PROGRESS {
                        continue;
                    }
                    steps_without_progress = 0;
                    ProtocolError::NoProgress
                }
                Err(error) => error,
            };
            tracing::warn!(
                upload = %self.id,
                detail = error.technical_detail().unwrap_or(""),
                "request failed: {error}"
            );
            if error.is_file_changed() {
                return DriveEnd::FileChanged(capitalise(&error.to_string()));
            }
            match error.retry_class() {
                RetryClass::Fatal => return DriveEnd::Failed(capitalise(&error.to_string())),
                RetryClass::Reauthenticate if !reauthenticated => {
                    reauthenticated = true;
                    if let Err(e) = ctx.credentials.refresh().await {
                        return DriveEnd::Failed(capitalise(&e.to_string()));
                    }
                    session.interrupted();
                }
                RetryClass::Reauthenticate => {
                    return DriveEnd::Failed(format!(
                        "{} The access token was refused again after a refresh: sign in again or provide a new token, then retry.",
                        capitalise(&error.to_string())
                    ));
                }
                RetryClass::Retry { after } => {
                    if matches!(error, ProtocolError::Stalled { .. }) {
                        session.stalled();
                    } else {
                        session.interrupted();
                    }
                    let Some(wait) = backoff.next_delay(after) else {
                        return DriveEnd::Failed(format!(
                            "Gave up after {} tries: {error}.",
                            backoff.attempt() + 1
                        ));
                    };
                    self.sink
                        .emit(Event::Retrying {
                            id: self.id,
                            attempt: backoff.attempt(),
                            wait,
                            reason: capitalise(&error.to_string()),
                        })
                        .await;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// Longest wait between two questions about a file the service is processing.
const MAX_PROCESSING_WAIT: Duration = Duration::from_secs(30);

/// The wait before processing poll number `polls` (0-based): the retry policy's first wait,
/// doubling up to [`MAX_PROCESSING_WAIT`].
fn processing_wait(initial: Duration, polls: u32) -> Duration {
    let factor = 1u32 << polls.min(16);
    initial
        .saturating_mul(factor)
        .min(MAX_PROCESSING_WAIT)
        .max(initial.min(MAX_PROCESSING_WAIT))
}

/// Resolves once nothing has moved for `stall_timeout`, with how long it has been.
async fn stall_watch(counter: &ByteCounter, stall_timeout: Duration) -> Duration {
    let tick = (stall_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        tokio::time::sleep(tick).await;
        let idle = counter.idle_for();
        if idle >= stall_timeout {
            return idle;
        }
    }
}

/// Messages start with a capital letter for people.
pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
