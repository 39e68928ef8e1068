use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::step::{Control, Watcher};
use super::{FolderState, FolderStatus, WatchError, WatchFolder};
use crate::engine::{Command, EngineError, EngineHandle, Waker};
use crate::store::HoistDirs;

/// Where a watch folder's files are sent: the engine's normal add path.
pub type Enqueue = Arc<dyn Fn(Command) -> Result<(), EngineError> + Send + Sync>;

/// How the watcher runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchConfig {
    /// Every folder is read through again this often, in case the system missed a change.
    pub rescan_interval: Duration,
    /// How often waiting files are looked at (and missing folders looked for).
    pub tick_interval: Duration,
    /// Chunk size for destinations whose profile sets none.
    pub chunk_size_bytes: Option<u64>,
    /// Whether chunks after the first are sized automatically (see
    /// [`UploadOptions::chunk_size_auto`](crate::engine::UploadOptions)); a profile's own chunk
    /// size is always kept fixed.
    pub chunk_size_auto: bool,
}

impl WatchConfig {
    /// The safety-net rescan: once a minute.
    pub const DEFAULT_RESCAN_INTERVAL: Duration = Duration::from_secs(60);
    /// Waiting files are looked at every second.
    pub const DEFAULT_TICK_INTERVAL: Duration = Duration::from_secs(1);
}

impl Default for WatchConfig {
    fn default() -> WatchConfig {
        WatchConfig {
            rescan_interval: WatchConfig::DEFAULT_RESCAN_INTERVAL,
            tick_interval: WatchConfig::DEFAULT_TICK_INTERVAL,
            chunk_size_bytes: None,
            chunk_size_auto: false,
        }
    }
}

/// What the watcher did, for the window's messages and `hoist watch run`'s lines.
#[derive(Debug)]
pub enum WatchEvent {
    /// A folder's state changed.
    StateChanged {
        /// The folder.
        folder: WatchFolder,
        /// Its new state.
        state: FolderState,
    },
    /// A file was handed to the engine.
    Queued {
        /// The folder it is in.
        folder: WatchFolder,
        /// The file.
        path: PathBuf,
    },
    /// A folder was added to the list.
    Added(WatchFolder),
    /// A folder was taken off the list.
    Removed(WatchFolder),
    /// Something could not be done (adding, removing, reading the list or the record).
    Failed(WatchError),
}

/// Receives the watcher's events.
#[derive(Debug)]
pub struct WatchEvents {
    rx: mpsc::UnboundedReceiver<WatchEvent>,
}

impl WatchEvents {
    /// The next event if one is ready (never blocks).
    pub fn try_recv(&mut self) -> Option<WatchEvent> {
        self.rx.try_recv().ok()
    }
}

/// Watches the saved watch folders and queues their new files. Runs on the engine's runtime;
/// stops when dropped or with [`Self::stop`].
#[derive(Debug)]
pub struct WatchService {
    control: mpsc::UnboundedSender<Control>,
    statuses: Arc<Mutex<Vec<FolderStatus>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    runtime: tokio::runtime::Handle,
}

impl WatchService {
    /// Starts watching the folders saved in `dirs`, queueing into `engine` on its runtime.
    pub fn for_engine(
        engine: &EngineHandle,
        dirs: &HoistDirs,
        config: WatchConfig,
        waker: Waker,
    ) -> Result<(WatchService, WatchEvents), WatchError> {
        let handle = engine.clone();
        let enqueue: Enqueue = Arc::new(move |command| handle.send(command));
        WatchService::start(dirs, enqueue, engine.jobs(), config, waker)
    }

    /// Starts watching the folders saved in `dirs` on `runtime`, handing files to `enqueue`;
    /// `waker` is called whenever the states or events change.
    pub fn start(
        dirs: &HoistDirs,
        enqueue: Enqueue,
        runtime: tokio::runtime::Handle,
        config: WatchConfig,
        waker: Waker,
    ) -> Result<(WatchService, WatchEvents), WatchError> {
        let (control, control_rx) = mpsc::unbounded_channel();
        let (event_tx, event_rx) = mpsc::unbounded_channel();
        let (changes_tx, changes_rx) = mpsc::unbounded_channel();
        let statuses = Arc::new(Mutex::new(Vec::new()));
        let watcher = Watcher::new(
            dirs,
            enqueue,
            config,
            super::step::Outputs {
                events: event_tx,
                statuses: statuses.clone(),
                waker,
            },
            changes_tx,
        )?;
        let task = runtime.spawn(run(watcher, control_rx, changes_rx, config.tick_interval));
        Ok((
            WatchService {
                control,
                statuses,
                task: Mutex::new(Some(task)),
                runtime,
            },
            WatchEvents { rx: event_rx },
        ))
    }

    /// Every folder with its state, in the order they were added.
    pub fn statuses(&self) -> Vec<FolderStatus> {
        self.statuses.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Adds a folder for a saved destination (saved to the list off the caller's thread; the
    /// answer comes as [`WatchEvent::Added`] or [`WatchEvent::Failed`]).
    pub fn add_folder(&self, path: PathBuf, profile: String, settle: Duration) {
        let _ = self.control.send(Control::Add {
            path,
            profile,
            settle,
        });
    }

    /// Takes the folder with this number off the list ([`WatchEvent::Removed`] answers).
    pub fn remove_folder(&self, id: u32) {
        let _ = self.control.send(Control::Remove(id.to_string()));
    }

    /// Reads the list again now (after `hoist watch add` changed it, say).
    pub fn reload(&self) {
        let _ = self.control.send(Control::Reload);
    }

    /// Stops watching and waits for the watcher to end. Call it from a plain thread, never from
    /// inside the runtime.
    pub fn stop(&self) {
        let _ = self.control.send(Control::Stop);
        let task = self.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = self.runtime.block_on(task);
        }
    }
}

impl Drop for WatchService {
    fn drop(&mut self) {
        let _ = self.control.send(Control::Stop);
    }
}

/// The watcher's loop: a step on every tick, file system change and command, each step on the
/// runtime's blocking pool (it reads folders).
async fn run(
    mut watcher: Watcher,
    mut control: mpsc::UnboundedReceiver<Control>,
    mut changes: mpsc::UnboundedReceiver<Vec<PathBuf>>,
    tick: Duration,
) {
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            Some(paths) = changes.recv() => watcher.changed(paths),
            command = control.recv() => match command {
                Some(Control::Stop) | None => break,
                Some(command) => watcher.command(command),
            },
        }
        let stepped = tokio::task::spawn_blocking(move || {
            let keep_going = watcher.step(Instant::now());
            (watcher, keep_going)
        })
        .await;
        match stepped {
            Ok((back, true)) => watcher = back,
            Ok((_, false)) => break,
            Err(e) => {
                tracing::error!("watch: the watcher stopped: {e}");
                break;
            }
        }
    }
    tracing::info!("watch: stopped");
}
