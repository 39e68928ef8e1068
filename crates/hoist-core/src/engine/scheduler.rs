//! The engine's actor: owns the queue, starts and stops upload tasks, applies commands.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::confirmations::ConfirmationWriter;
use super::driver::Driver;
use super::outcome::{DriveEnd, Internal, TaskEnd};
use super::power::Power;
use super::progress::report_progress;
use super::retry::RetryPolicy;
use super::sink::EventSink;
use super::{Command, EngineWarning, Event, UploadNotice, UploadOptions, UploadSnapshot};
use crate::auth::credentials_for;
use crate::file::{ByteCounter, FileError, FileIdentity, Throttle};
use crate::protocol::{
    LinkRate, SessionContext, auto_chunk_rules, open_session, start_chunk_bytes,
    unmeasured_start_bytes, validate_destination, validate_upload,
};
use crate::store::{
    Journal, NewUpload, SessionState, StartAgainReason, StoreError, UploadLock, UploadRecord,
};
use crate::upload::{Destination, Failure, FailureKind, Phase, UploadAction, UploadId};

mod journal_changes;
mod power_commands;
mod queue_order;
use queue_order::{ORDER_CHECK_INTERVAL, QueueOrder};

/// How long a best-effort "discard this session" request may take.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a running upload is being stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StopReason {
    Pause,
    Cancel,
    Remove,
    Shutdown,
}

struct Running {
    cancel: CancellationToken,
    reason: Option<StopReason>,
}

/// Settings the scheduler runs with.
pub(crate) struct SchedulerSettings {
    pub max_parallel_uploads: usize,
    /// Uploads at once while all are small (`EngineConfig::small_files_at_once`).
    pub small_files_at_once: usize,
    pub retry: RetryPolicy,
    pub stall_timeout: Duration,
    pub locks_dir: PathBuf,
    pub resume_unfinished_on_start: bool,
}

pub(crate) struct Scheduler {
    journal: Arc<Journal>,
    http: reqwest::Client,
    throttle: Arc<Throttle>,
    sink: EventSink,
    settings: SchedulerSettings,
    entries: BTreeMap<UploadId, UploadRecord>,
    /// The waiting uploads, in queue order.
    queue: VecDeque<UploadId>,
    order: QueueOrder,
    running: HashMap<UploadId, Running>,
    internal_tx: mpsc::Sender<Internal>,
    internal_rx: mpsc::Receiver<Internal>,
    power: Power,
    /// The rate last measured on an automatic chunk, where new uploads' chunk sizes start.
    link_rate: LinkRate,
    /// Which uploads were told they may not finish in time, across their runs.
    expiry_notices: super::expiry::ExpiryNoticeMemory,
}

impl Scheduler {
    pub(crate) fn new(
        journal: Arc<Journal>,
        http: reqwest::Client,
        throttle: Arc<Throttle>,
        sink: EventSink,
        settings: SchedulerSettings,
        power: Power,
    ) -> Scheduler {
        let (internal_tx, internal_rx) = mpsc::channel(256);
        Scheduler {
            journal,
            http,
            throttle,
            sink,
            settings,
            entries: BTreeMap::new(),
            queue: VecDeque::new(),
            order: QueueOrder::default(),
            running: HashMap::new(),
            link_rate: LinkRate::default(),
            expiry_notices: Default::default(),
            internal_tx,
            internal_rx,
            power,
        }
    }

    /// Runs until [`Command::Shutdown`] (or until every handle is dropped).
    pub(crate) async fn run(mut self, mut commands: mpsc::Receiver<Command>, warnings: Vec<Event>) {
        for warning in warnings {
            self.sink.emit(warning).await;
        }
        self.restore().await;
        let mut shutting_down = false;
        let mut order_check = tokio::time::interval(ORDER_CHECK_INTERVAL);
        // Ticks missed while idle are not made up in a burst.
        order_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut journal_changes = journal_changes::JournalChanges::watch(self.journal.path());
        loop {
            self.publish_activity();
            tokio::select! {
                _ = order_check.tick(), if !self.running.is_empty() => {
                    self.follow_journal_order().await;
                }
                () = journal_changes.due() => self.follow_journal_order().await,
                command = commands.recv(), if !shutting_down => match command {
                    Some(Command::Shutdown) | None => {
                        shutting_down = true;
                        let ids: Vec<UploadId> = self.running.keys().copied().collect();
                        for id in ids {
                            self.stop(id, StopReason::Shutdown);
                        }
                    }
                    Some(command) => self.handle(command).await,
                },
                Some(internal) = self.internal_rx.recv() => match internal {
                    Internal::Processing { id } => self.processing(id).await,
                    Internal::Finished { id, end } => self.finished(id, end).await,
                },
            }
            if shutting_down && self.running.is_empty() {
                break;
            }
            if !shutting_down {
                self.schedule().await;
            }
        }
        self.sink.emit(Event::Stopped).await;
    }

    async fn restore(&mut self) {
        let records = match self.journal.list() {
            Ok(records) => records,
            Err(e) => {
                tracing::error!("could not read the journal: {e}");
                self.sink
                    .emit(Event::Warning {
                        kind: EngineWarning::JournalUnreadable,
                        detail: e.to_string(),
                    })
                    .await;
                Vec::new()
            }
        };
        let order: Vec<UploadId> = records.iter().map(|r| r.id).collect();
        self.restore_order(&order);
        for mut record in records {
            let unfinished = record.phase.wants_to_run();
            if unfinished && self.settings.resume_unfinished_on_start {
                self.queue.push_back(record.id);
            } else if unfinished && self.idle(record.id) {
                // Interrupted by a crash or a quit and not resumed now: it waits, paused, in this
                // engine only. The journal keeps it unfinished, so a later start that continues
                // unfinished uploads (the window's default) still does: a `hoist upload` of
                // another file in between used to turn it into a paused upload for good.
                record.phase = Phase::Paused;
            }
            self.entries.insert(record.id, record);
        }
        let uploads = order
            .iter()
            .filter_map(|id| self.entries.get(id))
            .map(snapshot)
            .collect();
        self.sink.emit(Event::Restored { uploads }).await;
        self.schedule().await;
    }

    /// True when no other process is driving the upload (its lock is free).
    fn idle(&self, id: UploadId) -> bool {
        UploadLock::try_acquire(&self.settings.locks_dir, id).is_ok()
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Add {
                tag,
                path,
                destination,
                options,
            } => self.add(tag, path, destination, options).await,
            Command::Pause(id) => self.pause(id).await,
            Command::Resume(id) | Command::Retry(id) => self.resume(id).await,
            Command::Restart(id) => self.restart(id).await,
            Command::Cancel(id) => self.cancel(id, false).await,
            Command::Move { id, to } => self.move_upload(id, to).await,
            Command::UploadNext(id) => self.upload_next(id).await,
            Command::Remove(id) => self.cancel(id, true).await,
            Command::PauseAll => {
                let ids: Vec<UploadId> = self.entries.keys().copied().collect();
                for id in ids {
                    self.pause(id).await;
                }
            }
            Command::ResumeAll => {
                let ids: Vec<UploadId> = self.entries.keys().copied().collect();
                for id in ids {
                    self.resume(id).await;
                }
            }
            Command::SetLimits {
                max_parallel_uploads,
                bandwidth_limit_bytes_per_sec,
            } => {
                self.settings.max_parallel_uploads = max_parallel_uploads.max(1);
                self.throttle.set_limit(bandwidth_limit_bytes_per_sec);
            }
            Command::Wake
            | Command::SetMetered(_)
            | Command::SetPauseOnMetered(_)
            | Command::SetKeepAwake(_)
            | Command::Warn { .. } => self.power_command(command).await,
            Command::Shutdown => {}
        }
    }

    async fn add(
        &mut self,
        tag: u64,
        path: PathBuf,
        destination: Destination,
        options: UploadOptions,
    ) {
        match self.insert(&path, destination, options).await {
            Ok(record) => {
                let id = record.id;
                let upload = Box::new(snapshot(&record));
                self.entries.insert(id, record);
                self.order.push(id);
                self.enqueue(id);
                self.sink.emit(Event::Added { tag, upload }).await;
            }
            Err(failure) => {
                tracing::warn!(
                    kind = failure.kind.as_str(),
                    "could not queue a file: {}",
                    failure.detail
                );
                self.sink
                    .emit(Event::AddFailed { tag, path, failure })
                    .await;
            }
        }
    }

    async fn insert(
        &self,
        path: &std::path::Path,
        destination: Destination,
        options: UploadOptions,
    ) -> Result<UploadRecord, Failure> {
        validate_destination(&destination).map_err(|e| e.failure())?;
        let owned = path.to_path_buf();
        let file = tokio::task::spawn_blocking(move || FileIdentity::read(&owned))
            .await
            .map_err(|e| Failure::new(FailureKind::Internal, e.to_string()))?
            .map_err(|e| e.failure())?;
        validate_upload(&destination, file.size_bytes, options.chunk_size_bytes)
            .map_err(|e| e.failure())?;
        let total_bytes = (!options.size_unknown).then_some(file.size_bytes);
        self.journal
            .insert(&NewUpload {
                file,
                destination,
                total_bytes,
                chunk_size_bytes: options.chunk_size_bytes,
                chunk_size_auto: options.chunk_size_auto && options.chunk_size_bytes.is_some(),
            })
            .map_err(|e| e.failure())
    }

    async fn set_phase(&mut self, id: UploadId, phase: Phase, failure: Option<Failure>) {
        if let Err(e) = self.journal.set_phase(id, phase, failure.as_ref()) {
            tracing::error!(upload = %id, "could not record the new state: {e}");
        }
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.phase = phase;
            entry.error = failure.clone();
        }
        self.sink
            .emit(Event::PhaseChanged { id, phase, failure })
            .await;
    }

    /// A running upload's bytes are all on the server, which is processing them.
    async fn processing(&mut self, id: UploadId) {
        if self.running.contains_key(&id) {
            self.set_phase(id, Phase::Processing, None).await;
        }
    }

    async fn pause(&mut self, id: UploadId) {
        if self.running.contains_key(&id) {
            self.stop(id, StopReason::Pause);
            return;
        }
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        if entry.phase.allows(UploadAction::Pause) {
            self.queue.retain(|q| *q != id);
            self.set_phase(id, Phase::Paused, None).await;
        }
    }

    async fn resume(&mut self, id: UploadId) {
        if self.running.contains_key(&id) || self.queue.contains(&id) {
            return;
        }
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        if entry.phase.allows(UploadAction::Resume) {
            self.enqueue(id);
            self.set_phase(id, Phase::Queued, None).await;
        }
    }

    async fn restart(&mut self, id: UploadId) {
        if self.running.contains_key(&id) {
            return;
        }
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        if !entry.phase.allows(UploadAction::Restart) {
            return;
        }
        let path = entry.file.path.clone();
        let identity = tokio::task::spawn_blocking(move || FileIdentity::read(&path)).await;
        let file = match identity {
            Ok(Ok(file)) => file,
            Ok(Err(e)) => {
                self.set_phase(id, Phase::Failed, Some(e.failure())).await;
                return;
            }
            Err(e) => {
                tracing::error!("identity task failed: {e}");
                return;
            }
        };
        self.discard_remote(id).await;
        let size_unknown = entry.total_bytes.is_none();
        if let Err(e) = self.journal.update_identity(id, &file) {
            tracing::error!(upload = %id, "could not record the file's new identity: {e}");
            self.set_phase(id, Phase::Failed, Some(e.failure())).await;
            return;
        }
        if size_unknown && let Err(e) = self.journal.set_total(id, None) {
            tracing::error!(upload = %id, "could not record the size: {e}");
        }
        if let Ok(record) = self.journal.get(id) {
            self.entries.insert(id, record);
        }
        self.enqueue(id);
        self.set_phase(id, Phase::Queued, None).await;
    }

    async fn cancel(&mut self, id: UploadId, remove: bool) {
        let reason = if remove {
            StopReason::Remove
        } else {
            StopReason::Cancel
        };
        if self.running.contains_key(&id) {
            self.stop(id, reason);
            return;
        }
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        let unfinished = entry.phase.allows(UploadAction::Cancel);
        self.queue.retain(|q| *q != id);
        if unfinished {
            self.discard_remote(id).await;
        }
        if remove {
            self.forget(id).await;
        } else if unfinished {
            self.set_phase(id, Phase::Cancelled, None).await;
        }
    }

    async fn forget(&mut self, id: UploadId) {
        if let Err(e) = self.journal.remove(id) {
            tracing::error!(upload = %id, "could not remove from the journal: {e}");
        }
        self.entries.remove(&id);
        self.expiry_notices.forget(id);
        self.order.remove(id);
        self.sink.emit(Event::Removed { id }).await;
    }

    /// Best effort: asks the server to discard the session of an upload that is not running.
    async fn discard_remote(&self, id: UploadId) {
        let Some(record) = self.entries.get(&id) else {
            return;
        };
        if record.protocol_state.is_fresh() {
            return;
        }
        let Ok(lock) = UploadLock::try_acquire(&self.settings.locks_dir, id) else {
            return;
        };
        let ctx = self.context_for(record, ByteCounter::new());
        if let Ok(mut session) = open_session(&record.destination, record.protocol_state.clone()) {
            match tokio::time::timeout(CANCEL_TIMEOUT, session.cancel(&ctx)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(upload = %id, "could not discard the session: {e}"),
                Err(_) => tracing::warn!(upload = %id, "discarding the session timed out"),
            }
        }
        drop(lock);
    }

    fn stop(&mut self, id: UploadId, reason: StopReason) {
        if let Some(running) = self.running.get_mut(&id) {
            running.reason.get_or_insert(reason);
            running.cancel.cancel();
        }
    }

    fn context_for(&self, record: &UploadRecord, counter: ByteCounter) -> SessionContext {
        SessionContext {
            http: self.http.clone(),
            file: record.file.clone(),
            destination: record.destination.clone(),
            credentials: credentials_for(&record.destination.auth),
            chunk_size_bytes: self.starting_chunk_bytes(record),
            largest_chunk_bytes: largest_chunk_bytes(record),
            size_unknown: record.total_bytes.is_none(),
            counter,
            throttle: self.throttle.clone(),
            answer_timeout: self.settings.stall_timeout,
        }
    }

    /// The chunk size `record` starts (or resumes) with: its own when fixed; when automatic, what
    /// the rate last measured in this engine suggests (a Google session already under way keeps
    /// the size it started with: the protocol holds it in the session's state).
    fn starting_chunk_bytes(&self, record: &UploadRecord) -> Option<u64> {
        let configured = record.chunk_size_bytes?;
        let rules = record
            .chunk_size_auto
            .then(|| auto_chunk_rules(&record.destination.service))
            .flatten();
        Some(rules.map_or(configured, |rules| {
            let unmeasured = unmeasured_start_bytes(&rules, configured, record.file.size_bytes);
            start_chunk_bytes(&rules, unmeasured, self.link_rate.bytes_per_sec())
        }))
    }

    /// Whether one more upload may start now: below the limit, or, beyond it, while the next
    /// file and every running one are small.
    fn room_for(&self, next: UploadId) -> bool {
        let running = self.running.len();
        if running < self.settings.max_parallel_uploads {
            return true;
        }
        if running >= self.settings.small_files_at_once {
            return false;
        }
        let small = |id: &UploadId| {
            self.entries
                .get(id)
                .is_some_and(|e| e.file.size_bytes <= super::EngineConfig::SMALL_FILE_BYTES)
        };
        small(&next) && self.running.keys().all(small)
    }

    async fn schedule(&mut self) {
        if !self.queue.is_empty() {
            self.follow_journal_order().await;
        }
        while let Some(&next) = self.queue.front() {
            if !self.room_for(next) {
                return;
            }
            let Some(id) = self.queue.pop_front() else {
                return;
            };
            let Some(record) = self.entries.get(&id) else {
                continue;
            };
            if !record.phase.wants_to_run() {
                continue;
            }
            let record = record.clone();
            self.start(record).await;
        }
    }

    async fn start(&mut self, mut record: UploadRecord) {
        let id = record.id;
        if let SessionState::StartAgain(reason) = &record.protocol_state {
            let reason = reason.clone();
            self.start_again(&mut record, &reason).await;
        }
        let cancel = CancellationToken::new();
        self.running.insert(
            id,
            Running {
                cancel: cancel.clone(),
                reason: None,
            },
        );
        self.set_phase(id, Phase::Uploading, None).await;
        let counter = ByteCounter::new();
        counter.set_sent_position(record.confirmed_bytes);
        let ctx = self.context_for(&record, counter);
        let confirmed = Arc::new(AtomicU64::new(record.confirmed_bytes));
        let (writer, confirmations) = ConfirmationWriter::start(
            self.journal.clone(),
            id,
            confirmed.clone(),
            record.file.size_bytes,
        );
        let driver = Driver {
            id,
            confirmations,
            auto_chunks: record
                .chunk_size_auto
                .then(|| auto_chunk_rules(&record.destination.service))
                .flatten(),
            link_rate: self.link_rate.clone(),
            sink: self.sink.clone(),
            internal: self.internal_tx.clone(),
            retry: self.settings.retry,
            stall_timeout: self.settings.stall_timeout,
            signals: self.power.signals(),
            expiry: self.expiry_notices.cell_for(id, &record.protocol_state),
        };
        let upload = UploadTask {
            record,
            ctx,
            driver,
            writer,
            confirmed,
        };
        let locks_dir = self.settings.locks_dir.clone();
        let internal = self.internal_tx.clone();
        let sink = self.sink.clone();
        let journal = self.journal.clone();
        tokio::spawn(async move {
            let stretch = super::sending_time::SendingStretch::begin();
            let end = run_upload(upload, locks_dir, cancel, sink).await;
            stretch.record(&journal, id, &end);
            let _ = internal.send(Internal::Finished { id, end }).await;
        });
    }

    /// The journal held a session state that cannot be used: the upload starts a new session
    /// from byte 0 (the reason goes to the log; people see that it starts over).
    async fn start_again(&mut self, record: &mut UploadRecord, reason: &StartAgainReason) {
        let id = record.id;
        tracing::warn!(upload = %id, "starting a new session: {reason}");
        if let Err(e) = self.journal.save_progress(id, 0, &SessionState::New, true) {
            tracing::error!(upload = %id, "could not reset the saved session: {e}");
        }
        let had_progress = record.confirmed_bytes > 0;
        record.protocol_state = SessionState::New;
        record.confirmed_bytes = 0;
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.protocol_state = SessionState::New;
            entry.confirmed_bytes = 0;
        }
        if had_progress {
            let notice = UploadNotice::SessionLost;
            self.sink.emit(Event::Notice { id, notice }).await;
        }
    }

    async fn finished(&mut self, id: UploadId, end: TaskEnd) {
        let reason = self.running.remove(&id).and_then(|r| r.reason);
        if let Ok(record) = self.journal.get(id)
            && let Some(entry) = self.entries.get_mut(&id)
        {
            entry.confirmed_bytes = record.confirmed_bytes;
            entry.protocol_state = record.protocol_state;
        }
        match end {
            TaskEnd::Drive(DriveEnd::Completed(result)) => {
                if let Err(e) = self.journal.complete(id, &result) {
                    tracing::error!(upload = %id, "could not record the completion: {e}");
                }
                if let Some(entry) = self.entries.get_mut(&id) {
                    entry.phase = Phase::Completed;
                    entry.error = None;
                    entry.confirmed_bytes = entry.file.size_bytes;
                    entry.result = Some(result.clone());
                }
                self.sink.emit(Event::Completed { id, result }).await;
                self.sink
                    .emit(Event::PhaseChanged {
                        id,
                        phase: Phase::Completed,
                        failure: None,
                    })
                    .await;
                if reason == Some(StopReason::Remove) {
                    self.forget(id).await;
                }
            }
            TaskEnd::Drive(DriveEnd::Failed(failure)) => {
                self.set_phase(id, Phase::Failed, Some(failure)).await;
            }
            TaskEnd::Drive(DriveEnd::FileChanged(failure)) => {
                self.set_phase(id, Phase::FileChanged, Some(failure)).await;
            }
            TaskEnd::Busy(failure) => {
                // Another process drives it: leave the journal alone.
                if let Some(entry) = self.entries.get_mut(&id) {
                    entry.error = Some(failure.clone());
                }
                self.sink
                    .emit(Event::PhaseChanged {
                        id,
                        phase: Phase::Failed,
                        failure: Some(failure),
                    })
                    .await;
            }
            TaskEnd::Stopped => match reason {
                Some(StopReason::Pause) => self.set_phase(id, Phase::Paused, None).await,
                Some(StopReason::Cancel) => {
                    self.discard_remote(id).await;
                    self.set_phase(id, Phase::Cancelled, None).await;
                }
                Some(StopReason::Remove) => {
                    self.discard_remote(id).await;
                    self.forget(id).await;
                }
                Some(StopReason::Shutdown) | None => {}
            },
        }
    }
}

/// What one upload task drives.
struct UploadTask {
    record: UploadRecord,
    ctx: SessionContext,
    driver: Driver,
    /// Writes confirmations to the journal; closed (everything written) before the task ends.
    writer: ConfirmationWriter,
    /// What progress shows: confirmed and written.
    confirmed: Arc<AtomicU64>,
}

/// One upload task: lock, check the file, open the session, drive it until done or stopped;
/// whatever the server confirmed is in the journal before the scheduler hears of the end.
async fn run_upload(
    upload: UploadTask,
    locks_dir: PathBuf,
    cancel: CancellationToken,
    sink: EventSink,
) -> TaskEnd {
    let UploadTask {
        record,
        ctx,
        driver,
        writer,
        confirmed,
    } = upload;
    let id = record.id;
    let lock = match UploadLock::try_acquire(&locks_dir, id) {
        Ok(lock) => lock,
        Err(e @ StoreError::Locked { .. }) => return TaskEnd::Busy(e.failure()),
        Err(e) => return TaskEnd::failed(e.failure()),
    };
    let file = record.file.clone();
    match tokio::task::spawn_blocking(move || file.verify_unchanged()).await {
        Ok(Ok(())) => {}
        Ok(Err(e @ FileError::Changed { .. })) => {
            return TaskEnd::Drive(DriveEnd::FileChanged(e.failure()));
        }
        Ok(Err(e)) => return TaskEnd::failed(e.failure()),
        Err(e) => return TaskEnd::failed(Failure::new(FailureKind::Internal, e.to_string())),
    }
    let mut session = match open_session(&record.destination, record.protocol_state.clone()) {
        Ok(session) => session,
        Err(e) => return TaskEnd::failed(e.failure()),
    };
    let progress_stop = CancellationToken::new();
    let expiry = super::expiry::ExpiryTracker::new(
        driver.expiry.clone(),
        crate::protocol::session_lifetime(&record.destination.service),
    );
    tokio::spawn(report_progress(
        id,
        Some(record.file.size_bytes),
        ctx.counter.clone(),
        confirmed,
        sink,
        progress_stop.clone(),
        expiry,
    ));
    let end = tokio::select! {
        end = driver.drive(session.as_mut(), &ctx) => Some(end),
        _ = cancel.cancelled() => None,
    };
    // Everything confirmed is written (and shown) before the lock goes and the scheduler hears.
    writer.close().await;
    progress_stop.cancel();
    let end = match end {
        Some(end) => TaskEnd::Drive(end),
        None => TaskEnd::Stopped,
    };
    drop(lock);
    end
}

/// The largest chunk `record` ever sends: its fixed size, or the automatic size's cap.
fn largest_chunk_bytes(record: &UploadRecord) -> Option<u64> {
    let chunk = record.chunk_size_bytes?;
    let rules = record
        .chunk_size_auto
        .then(|| auto_chunk_rules(&record.destination.service))
        .flatten();
    Some(rules.map_or(chunk, |rules| rules.max_bytes.max(chunk)))
}

/// The snapshot of a journal record.
pub fn snapshot(record: &UploadRecord) -> UploadSnapshot {
    UploadSnapshot {
        id: record.id,
        file_name: record.file.file_name(),
        path: record.file.path.clone(),
        destination: record.destination.service.label(),
        target: record.destination.clone(),
        total_bytes: Some(record.file.size_bytes),
        confirmed_bytes: record.confirmed_bytes,
        phase: record.phase,
        error: record.error.clone(),
        result: record.result.clone(),
        expires_unix_secs: record.protocol_state.expires_unix_secs(),
    }
}
