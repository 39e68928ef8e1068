//! The upload engine: a tokio runtime on its own thread that drives upload sessions.
//!
//! [`Engine::start`] returns an [`EngineHandle`] for [`Command`]s and [`EngineEvents`] for
//! [`Event`]s. The handle never blocks the caller (a window); a waker is invoked whenever events
//! are ready, so a window can repaint only then. Progress is coalesced to a few events per second
//! per upload. Every server acknowledgement is saved in the journal before it is reported.

mod bandwidth_schedule;
mod command;
mod confirmations;
mod driver;
mod event;
mod expiry;
mod outcome;
mod power;
mod progress;
mod retry;
mod scheduler;
mod sending_time;
mod sink;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use crate::store::QueueMove;
pub use bandwidth_schedule::follow_schedule;
pub use command::{Command, UploadOptions};
pub use event::{EngineWarning, Event, Progress, UploadNotice, UploadSnapshot};
pub use expiry::{ExpiryOutlook, PAUSED_NOTE_WITHIN, PAUSED_NOTIFY_WITHIN, paused_expiry_due};
pub use power::Activity;
pub use progress::{PROGRESS_INTERVAL, SmoothedRate};
pub use retry::{Backoff, RetryPolicy};
pub use sink::Waker;

pub use scheduler::snapshot;
use scheduler::{Scheduler, SchedulerSettings};
use sink::EventSink;
use tokio::sync::mpsc;

use crate::file::Throttle;
use crate::protocol::{ProtocolError, http_client};
use crate::store::{HoistDirs, Journal, StoreError};

/// Room for commands in flight; a full queue makes [`EngineHandle::send`] fail rather than block.
const COMMAND_CAPACITY: usize = 1024;
/// Room for events not yet read.
const EVENT_CAPACITY: usize = 4096;

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The journal database.
    pub journal_path: PathBuf,
    /// Where per-upload lock files go.
    pub locks_dir: PathBuf,
    /// Uploads running at once.
    pub max_parallel_uploads: usize,
    /// Uploads running at once while every one of them is small (at most
    /// [`Self::SMALL_FILE_BYTES`]), when more than `max_parallel_uploads`; 0 = never more. Many
    /// small files are bound by the answers' round trips, not by the link; the bytes in flight
    /// stay bounded by this times [`Self::SMALL_FILE_BYTES`].
    pub small_files_at_once: usize,
    /// Bandwidth limit for all uploads together, 0 = unlimited.
    pub bandwidth_limit_bytes_per_sec: u64,
    /// Waiting between attempts.
    pub retry: RetryPolicy,
    /// A request during which nothing moves for this long is abandoned and retried.
    pub stall_timeout: Duration,
    /// Continue uploads that were queued or running when Hoist last stopped.
    pub resume_unfinished_on_start: bool,
    /// Keep the computer from sleeping while uploads send (`hoist_core::system` takes the lock;
    /// on by default; the CLI's `--no-keep-awake`).
    pub keep_awake: bool,
    /// New chunks wait while the connection is metered (off by default; the CLI's
    /// `--pause-on-metered`). When on, nothing is sent until `hoist_core::system::start`'s watcher
    /// has said whether the connection is metered (it says "no" where it cannot tell).
    pub pause_on_metered: bool,
}

impl EngineConfig {
    /// Uploads running at once unless the user chooses (the CLI's `--parallel`, the window's
    /// setting): the one place this default is written.
    pub const DEFAULT_PARALLEL_UPLOADS: usize = 2;
    /// [`Self::small_files_at_once`] unless the user chooses a number.
    pub const DEFAULT_SMALL_FILES_AT_ONCE: usize = 16;
    /// The largest file that counts as small for [`Self::small_files_at_once`].
    pub const SMALL_FILE_BYTES: u64 = 8 * 1024 * 1024;
    /// How long a request may go without moving before it is abandoned and retried (the CLI's
    /// `--stall-timeout`).
    pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);

    /// Defaults for Hoist's directories: [`Self::DEFAULT_PARALLEL_UPLOADS`] at once (up to
    /// [`Self::DEFAULT_SMALL_FILES_AT_ONCE`] small files), no bandwidth
    /// limit, [`RetryPolicy::DEFAULT`], [`Self::DEFAULT_STALL_TIMEOUT`], unfinished uploads left
    /// as they are.
    pub fn new(dirs: &HoistDirs) -> EngineConfig {
        EngineConfig {
            journal_path: dirs.journal_path(),
            locks_dir: dirs.locks_dir(),
            max_parallel_uploads: Self::DEFAULT_PARALLEL_UPLOADS,
            small_files_at_once: Self::DEFAULT_SMALL_FILES_AT_ONCE,
            bandwidth_limit_bytes_per_sec: 0,
            retry: RetryPolicy::DEFAULT,
            stall_timeout: Self::DEFAULT_STALL_TIMEOUT,
            resume_unfinished_on_start: false,
            keep_awake: true,
            pause_on_metered: false,
        }
    }
}

/// Why the engine could not start or take a command.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The journal could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be set up.
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The background thread or runtime could not start.
    #[error("the upload engine could not start: {0}")]
    Start(std::io::Error),
    /// The engine has stopped.
    #[error("the upload engine has stopped")]
    Stopped,
    /// Too many commands at once.
    #[error("the upload engine is busy; try again")]
    Busy,
}

/// Starts engines.
#[derive(Debug)]
pub struct Engine;

impl Engine {
    /// Opens the journal (setting a damaged one aside, reported as a [`Event::Warning`]), starts
    /// the runtime on a thread named `hoist-engine`, and returns the two ends.
    #[allow(
        clippy::disallowed_methods,
        reason = "the engine's runtime and its thread: their home"
    )]
    pub fn start(
        config: EngineConfig,
        waker: Waker,
    ) -> Result<(EngineHandle, EngineEvents), EngineError> {
        if let Some(parent) = config.journal_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::from_io(e, parent))?;
        }
        std::fs::create_dir_all(&config.locks_dir)
            .map_err(|e| StoreError::from_io(e, &config.locks_dir))?;
        // Building the HTTP client reads and parses the system's certificate authorities (tens
        // of milliseconds, the largest fixed cost of a one-file upload): done on its own thread
        // while the journal opens and the runtime starts.
        let http = std::thread::Builder::new()
            .name("hoist-http-setup".to_string())
            .spawn(http_client)
            .map_err(EngineError::Start)?;
        let opened = Journal::open(&config.journal_path)?;
        let mut warnings = Vec::new();
        if let Some(corrupt) = &opened.recovered {
            tracing::error!(
                "the journal was damaged ({}); kept aside at {}",
                corrupt.detail,
                corrupt.moved_to.display()
            );
            warnings.push(Event::Warning {
                kind: EngineWarning::JournalSetAside {
                    moved_to: corrupt.moved_to.clone(),
                },
                detail: corrupt.detail.clone(),
            });
        }
        let journal = Arc::new(opened.journal);
        let throttle = Arc::new(Throttle::new(config.bandwidth_limit_bytes_per_sec));
        let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (event_tx, event_rx) = mpsc::channel(EVENT_CAPACITY);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hoist-io")
            .enable_all()
            .build()
            .map_err(EngineError::Start)?;
        let http = http
            .join()
            .map_err(|_| EngineError::Start(std::io::Error::other("the HTTP set-up failed")))??;
        let settings = SchedulerSettings {
            max_parallel_uploads: config.max_parallel_uploads.max(1),
            small_files_at_once: config.small_files_at_once,
            retry: config.retry,
            stall_timeout: config.stall_timeout,
            locks_dir: config.locks_dir.clone(),
            resume_unfinished_on_start: config.resume_unfinished_on_start,
        };
        let power = power::Power::new(config.keep_awake, config.pause_on_metered);
        let activity = power.activity();
        let sink = EventSink::new(event_tx, waker);
        let jobs = runtime.handle().clone();
        // Held while the engine thread lives: `hoist list` then knows queued uploads wait here.
        let engine_lock = crate::store::EngineLock::acquire(&config.locks_dir)?;
        let thread = std::thread::Builder::new()
            .name("hoist-engine".to_string())
            .spawn(move || {
                let _engine_lock = engine_lock;
                let scheduler = Scheduler::new(journal, http, throttle, sink, settings, power);
                runtime.block_on(scheduler.run(command_rx, warnings));
                runtime.shutdown_timeout(Duration::from_secs(2));
            })
            .map_err(EngineError::Start)?;
        Ok((
            EngineHandle {
                commands: command_tx,
                thread: Arc::new(Mutex::new(Some(thread))),
                jobs,
                activity,
            },
            EngineEvents { rx: event_rx },
        ))
    }
}

/// Sends commands to the engine. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    commands: mpsc::Sender<Command>,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
    jobs: tokio::runtime::Handle,
    activity: tokio::sync::watch::Receiver<Activity>,
}

impl EngineHandle {
    /// What uploads are doing and the power settings, updated as they change (what
    /// `hoist_core::system` keeps the computer awake by).
    pub fn activity(&self) -> tokio::sync::watch::Receiver<Activity> {
        self.activity.clone()
    }

    /// Sends a command without ever blocking (for a window's UI thread).
    pub fn send(&self, command: Command) -> Result<(), EngineError> {
        self.commands.try_send(command).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => EngineError::Busy,
            mpsc::error::TrySendError::Closed(_) => EngineError::Stopped,
        })
    }

    /// Sends a command, waiting for room (for command-line use, never on a UI thread).
    pub fn send_blocking(&self, command: Command) -> Result<(), EngineError> {
        self.commands
            .blocking_send(command)
            .map_err(|_| EngineError::Stopped)
    }

    /// The engine's runtime, for one-off jobs beside the uploads (a profile's connection test,
    /// a sign-in: `profile::manage` takes it), so nothing else builds a runtime. It is a
    /// multi-thread runtime: `block_on` it from a plain thread, never from the UI thread or
    /// inside the runtime. It stops with the engine ([`Self::shutdown`]).
    pub fn jobs(&self) -> tokio::runtime::Handle {
        self.jobs.clone()
    }

    /// Stops every upload (they stay resumable) and waits for the engine thread to end.
    pub fn shutdown(&self) {
        let _ = self.commands.blocking_send(Command::Shutdown);
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Receives the engine's events.
#[derive(Debug)]
pub struct EngineEvents {
    rx: mpsc::Receiver<Event>,
}

impl EngineEvents {
    /// The next event if one is ready (never blocks).
    pub fn try_recv(&mut self) -> Option<Event> {
        self.rx.try_recv().ok()
    }

    /// Waits for the next event; `None` once the engine has stopped.
    pub fn recv_blocking(&mut self) -> Option<Event> {
        self.rx.blocking_recv()
    }
}
