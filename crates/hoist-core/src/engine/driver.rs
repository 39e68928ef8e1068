//! Drives one upload to its end: steps the protocol, saves every acknowledgement, retries.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::confirmations::ConfirmationHandle;
use super::outcome::{DriveEnd, Internal};
use super::power::{DriverSignals, woken};
use super::retry::{Backoff, RetryPolicy};
use super::sink::EventSink;
use super::{Event, UploadNotice};
use crate::file::ByteCounter;
use crate::protocol::{
    ChunkRules, LinkRate, ProtocolError, RetryClass, SessionContext, SessionState, Step,
    UploadSession, next_chunk_bytes,
};
use crate::upload::{Failure, FailureKind, RemoteResult, UploadId};

/// Steps in a row that confirm nothing new before the engine treats it as a failure (a server
/// that keeps losing sessions must not loop forever).
const MAX_STEPS_WITHOUT_PROGRESS: u32 = 8;

/// What the driver needs besides the session.
pub(crate) struct Driver {
    pub id: UploadId,
    /// Where confirmations go to be written to the journal (and then shown).
    pub confirmations: ConfirmationHandle,
    /// The rules to size chunks by, when the chunk size is automatic.
    pub auto_chunks: Option<ChunkRules>,
    /// The engine's last measured rate, where later uploads' automatic chunk sizes start.
    pub link_rate: LinkRate,
    pub sink: EventSink,
    /// To the scheduler, which writes the Processing phase (the channel the task's end uses).
    pub internal: mpsc::Sender<Internal>,
    pub retry: RetryPolicy,
    pub stall_timeout: Duration,
    /// Wake-ups and the metered hold.
    pub signals: DriverSignals,
    /// Where the session's expiry goes after every confirmation (for the progress reporter).
    pub expiry: super::expiry::ExpiryCell,
}

/// Where one drive stands between steps.
struct DriveState {
    backoff: Backoff,
    /// The credentials were refreshed after a 401 and nothing succeeded since.
    reauthenticated: bool,
    best_confirmed: u64,
    steps_without_progress: u32,
    processing_polls: u32,
    /// The confirmation the driver handed over last (at most one waits unwritten).
    last_generation: u64,
    /// Wake-ups not seen yet.
    wake: tokio::sync::watch::Receiver<u64>,
}

/// What to do after a step that moved bytes.
enum AfterProgress {
    Continue,
    End(DriveEnd),
    Error(ProtocolError),
}

impl Driver {
    /// Runs the session until it completes or fails for good. Dropping the future (pause) aborts
    /// the request in flight; everything confirmed is already in the journal.
    pub(crate) async fn drive(
        &self,
        session: &mut dyn UploadSession,
        ctx: &SessionContext,
    ) -> DriveEnd {
        let mut state = DriveState {
            backoff: Backoff::new(self.retry),
            reauthenticated: false,
            best_confirmed: session.confirmed_bytes(),
            steps_without_progress: 0,
            processing_polls: 0,
            last_generation: 0,
            wake: self.signals.wake_watch(),
        };
        // The chunk size may change between steps (automatic size), so the driver keeps its
        // own copy of the context.
        let mut ctx = ctx.clone();
        let ctx = &mut ctx;
        loop {
            // New chunks wait while the connection is metered and the setting says so.
            self.signals.wait_while_held().await;
            ctx.counter.touch();
            // The one check of the file before each step, for every protocol (they do not repeat
            // it): a file that changed (or vanished, like a removed USB stick) must not be sent
            // half old, half new.
            if state.processing_polls == 0
                && let Err(e) = ctx.file.verify_size_and_mtime()
            {
                let error = ProtocolError::from(e);
                tracing::warn!(upload = %self.id, "the file can no longer be sent: {error}");
                return if error.is_file_changed() {
                    DriveEnd::FileChanged(error.failure())
                } else {
                    DriveEnd::Failed(error.failure())
                };
            }
            let before = (session.confirmed_bytes(), ctx.counter.transmitted_bytes());
            let started = Instant::now();
            let result = tokio::select! {
                result = session.step(ctx) => result,
                idle = stall_watch(&ctx.counter, self.stall_timeout) => {
                    Err(ProtocolError::Stalled { idle })
                }
                () = woken(&mut state.wake) => {
                    // The connection under the request may be dead since the computer slept:
                    // drop it and ask the server where the upload is, as after a stall, but at
                    // once (no waiting, no failure counted).
                    tracing::info!(upload = %self.id, "woke up: asking the server for the offset");
                    session.stalled();
                    continue;
                }
            };
            tracing::trace!(
                upload = %self.id,
                sent_bytes = ctx.counter.transmitted_bytes().saturating_sub(before.1),
                confirmed_bytes = session.confirmed_bytes(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                ok = result.is_ok(),
                "step finished"
            );
            let error = match result {
                Ok(Step::Completed(result)) => {
                    let saved = session.persistent_state();
                    return self
                        .completed(saved, ctx, state.processing_polls, result)
                        .await;
                }
                Ok(Step::Processing) => {
                    self.processing(session, ctx, &mut state).await;
                    continue;
                }
                Ok(Step::Progress { rewound }) => {
                    if !rewound {
                        self.size_next_chunk(session, ctx, before, started.elapsed());
                    }
                    match self.progressed(session, ctx, &mut state, rewound).await {
                        AfterProgress::Continue => continue,
                        AfterProgress::End(end) => return end,
                        AfterProgress::Error(error) => error,
                    }
                }
                Err(error) => error,
            };
            if let Some(end) = self.recover(error, session, ctx, &mut state).await {
                return end;
            }
        }
    }

    /// The server has every byte: records it, unless the file changed while it was read.
    async fn completed(
        &self,
        saved: SessionState,
        ctx: &SessionContext,
        processing_polls: u32,
        result: RemoteResult,
    ) -> DriveEnd {
        if processing_polls == 0 && ctx.file.verify_size_and_mtime().is_err() {
            // The server has the whole upload, but the file changed while it was read: the
            // server's copy may mix old and new content.
            return DriveEnd::FileChanged(Failure::new(
                FailureKind::FileChanged,
                "the file changed while it was being uploaded, so the copy on the server may mix old and new content",
            ));
        }
        // Done means the whole file, never more (progress stops at 100 %).
        self.save_whole_file(saved, ctx).await;
        DriveEnd::Completed(result)
    }

    /// Records that the server holds the whole file, and waits until it is written.
    async fn save_whole_file(&self, saved: SessionState, ctx: &SessionContext) {
        let confirmed = ctx.file.size_bytes;
        // A failure is logged by the writer; the upload is complete on the server anyway.
        let _ = self.confirmations.write(confirmed, saved, false).await;
    }

    /// With an automatic chunk size: sizes the next chunk from how the step that just
    /// confirmed bytes went (`before`: confirmed and transmitted bytes when it started), and
    /// notes the rate for uploads that start later. A Google session keeps the size it started
    /// with (the protocol's rule); the new size is where its next session would start.
    fn size_next_chunk(
        &self,
        session: &dyn UploadSession,
        ctx: &mut SessionContext,
        before: (u64, u64),
        elapsed: Duration,
    ) {
        let (Some(rules), Some(current)) = (self.auto_chunks, ctx.chunk_size_bytes) else {
            return;
        };
        let sent = ctx.counter.transmitted_bytes().saturating_sub(before.1);
        // Only a step that sent bytes and got them confirmed measures the link (a status
        // query confirms without sending), and only a chunk of about the size asked for: a
        // short last chunk's time is mostly the answer's round trip, not the link.
        if sent == 0 || session.confirmed_bytes() <= before.0 || sent.saturating_mul(2) < current {
            return;
        }
        self.link_rate.record(sent, elapsed);
        let next = next_chunk_bytes(&rules, current, sent, elapsed);
        if next != current {
            tracing::debug!(
                upload = %self.id,
                chunk_bytes = next,
                sent_bytes = sent,
                elapsed_ms = elapsed.as_millis() as u64,
                "next chunk size"
            );
        }
        ctx.chunk_size_bytes = Some(next);
    }

    /// The service is processing the file: the first time, the scheduler is told (it writes the
    /// phase); then wait a little longer each time before asking again.
    async fn processing(
        &self,
        session: &mut dyn UploadSession,
        ctx: &SessionContext,
        state: &mut DriveState,
    ) {
        self.save_whole_file(session.persistent_state(), ctx).await;
        if state.processing_polls == 0 {
            let _ = self
                .internal
                .send(Internal::Processing { id: self.id })
                .await;
        }
        let wait = processing_wait(self.retry.initial_wait, state.processing_polls);
        state.processing_polls = state.processing_polls.saturating_add(1);
        state.steps_without_progress = 0;
        state.backoff.reset();
        // The server answered the poll: the credentials work again.
        state.reauthenticated = false;
        tokio::time::sleep(wait).await;
    }

    /// Hands what the server confirmed to the journal writer (the next step need not wait for
    /// it, but the one after does: at most one confirmation waits unwritten); a server that
    /// keeps confirming nothing new is an error.
    async fn progressed(
        &self,
        session: &mut dyn UploadSession,
        ctx: &SessionContext,
        state: &mut DriveState,
        rewound: bool,
    ) -> AfterProgress {
        // The protocols refuse claims beyond the file; never show past 100 % anyway.
        let confirmed = session.confirmed_bytes().min(ctx.file.size_bytes);
        let previous = state.last_generation;
        let saved = session.persistent_state();
        self.expiry.note(&saved);
        state.last_generation = self.confirmations.submit(confirmed, saved, rewound);
        if let Err(failure) = self.confirmations.wait_written(previous).await {
            return AfterProgress::End(DriveEnd::Failed(failure));
        }
        // The server accepted a request with the current credentials: a later 401 is a new
        // expiry, worth one more refresh.
        state.reauthenticated = false;
        if rewound {
            self.sink
                .emit(Event::Notice {
                    id: self.id,
                    notice: if confirmed == 0 {
                        UploadNotice::SessionLost
                    } else {
                        UploadNotice::ServerKeptLess
                    },
                })
                .await;
        }
        if confirmed > state.best_confirmed {
            state.best_confirmed = confirmed;
            state.steps_without_progress = 0;
            state.backoff.reset();
            return AfterProgress::Continue;
        }
        state.steps_without_progress += 1;
        if state.steps_without_progress < MAX_STEPS_WITHOUT_PROGRESS {
            return AfterProgress::Continue;
        }
        state.steps_without_progress = 0;
        AfterProgress::Error(ProtocolError::NoProgress)
    }

    /// Decides what a failed step means: an end, or (after refreshing the credentials or
    /// waiting) another try.
    async fn recover(
        &self,
        error: ProtocolError,
        session: &mut dyn UploadSession,
        ctx: &SessionContext,
        state: &mut DriveState,
    ) -> Option<DriveEnd> {
        tracing::warn!(
            upload = %self.id,
            detail = error.technical_detail().unwrap_or(""),
            "request failed: {error}"
        );
        if error.is_file_changed() {
            return Some(DriveEnd::FileChanged(error.failure()));
        }
        match error.retry_class() {
            RetryClass::Fatal => return Some(DriveEnd::Failed(error.failure())),
            RetryClass::Reauthenticate if !state.reauthenticated => {
                state.reauthenticated = true;
                if let Err(e) = ctx.credentials.refresh().await {
                    return Some(DriveEnd::Failed(e.failure()));
                }
                session.interrupted();
            }
            RetryClass::Reauthenticate => {
                return Some(DriveEnd::Failed(Failure::new(
                    FailureKind::TokenRefused,
                    format!("{error}; the access token was refused again after a refresh"),
                )));
            }
            RetryClass::Retry { after } => {
                if matches!(error, ProtocolError::Stalled { .. }) {
                    session.stalled();
                } else {
                    session.interrupted();
                }
                let failure = error.failure();
                let Some(wait) = state.backoff.next_delay(after) else {
                    return Some(DriveEnd::Failed(Failure::new(
                        failure.kind,
                        format!(
                            "gave up after {} tries: {}",
                            state.backoff.attempt() + 1,
                            failure.detail
                        ),
                    )));
                };
                self.sink
                    .emit(Event::Retrying {
                        id: self.id,
                        attempt: state.backoff.attempt(),
                        wait,
                        reason: failure,
                    })
                    .await;
                // A wake-up ends the wait: the network is likely back, and the next step asks
                // the server where the upload is.
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = woken(&mut state.wake) => {
                        tracing::info!(upload = %self.id, "woke up: trying again now");
                    }
                }
            }
        }
        None
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
