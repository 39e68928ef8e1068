//! One step of the watcher: read the list when due, look at each folder, queue still files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use tokio::sync::mpsc;

use super::service::{Enqueue, WatchConfig, WatchEvent};
use super::settle::Settling;
use super::{FileKey, FolderState, FolderStatus, SeenFiles, WatchError, WatchFolder, WatchList};
use crate::engine::{Command, EngineError, UploadOptions, Waker};
use crate::profile::ProfileStore;
use crate::store::HoistDirs;
use crate::upload::Destination;

/// Tags of the engine's `Add` commands sent by the watcher start here (the window counts from 0).
const TAG_BASE: u64 = 1 << 48;
/// How long the debouncer gathers file system events before passing them on.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// What the service asks of the watcher.
#[derive(Debug)]
pub(crate) enum Control {
    Add {
        path: PathBuf,
        profile: String,
        settle: Duration,
    },
    Remove(String),
    Reload,
    Stop,
}

/// Where the watcher reports.
pub(crate) struct Outputs {
    pub(crate) events: mpsc::UnboundedSender<WatchEvent>,
    pub(crate) statuses: Arc<Mutex<Vec<FolderStatus>>>,
    pub(crate) waker: Waker,
}

/// One folder as the watcher follows it.
struct Live {
    folder: WatchFolder,
    state: FolderState,
    /// The folder's own (device, inode) while it is watched: a folder deleted and made again is
    /// watched anew.
    root: Option<(u64, u64)>,
    /// Read the whole folder at the next step.
    dirty: bool,
    /// Paths inside the folder the system said changed since the last step.
    touched: HashSet<PathBuf>,
    settling: Settling,
    queued: u64,
}

/// The watcher's state; moved into the blocking pool for each step.
pub(crate) struct Watcher {
    list: WatchList,
    seen: SeenFiles,
    profiles: ProfileStore,
    enqueue: Enqueue,
    config: WatchConfig,
    outputs: Outputs,
    debouncer: Option<Debouncer<RecommendedWatcher, RecommendedCache>>,
    folders: Vec<Live>,
    commands: Vec<Control>,
    changed: Vec<PathBuf>,
    next_rescan: Option<Instant>,
    next_tag: u64,
    published: Vec<FolderStatus>,
}

impl Watcher {
    pub(crate) fn new(
        dirs: &HoistDirs,
        enqueue: Enqueue,
        config: WatchConfig,
        outputs: Outputs,
        changes: mpsc::UnboundedSender<Vec<PathBuf>>,
    ) -> Result<Watcher, WatchError> {
        let seen = SeenFiles::open(dirs)?;
        let debouncer =
            new_debouncer(
                DEBOUNCE,
                None,
                move |result: DebounceEventResult| match result {
                    Ok(events) => {
                        let paths = events.into_iter().flat_map(|e| e.event.paths).collect();
                        let _ = changes.send(paths);
                    }
                    Err(errors) => {
                        for error in errors {
                            tracing::warn!("watch: {error}");
                        }
                    }
                },
            )
            .map_err(|e| tracing::warn!("watch: no live watching, rescans only: {e}"))
            .ok();
        Ok(Watcher {
            list: WatchList::new(dirs),
            seen,
            profiles: ProfileStore::new(dirs),
            enqueue,
            config,
            outputs,
            debouncer,
            folders: Vec::new(),
            commands: Vec::new(),
            changed: Vec::new(),
            next_rescan: None,
            next_tag: TAG_BASE,
            published: Vec::new(),
        })
    }

    /// Notes paths the system says changed.
    pub(crate) fn changed(&mut self, paths: Vec<PathBuf>) {
        self.changed.extend(paths);
    }

    /// Notes a command for the next step.
    pub(crate) fn command(&mut self, command: Control) {
        self.commands.push(command);
    }

    /// Does what is due; `false` once the engine has stopped.
    pub(crate) fn step(&mut self, now: Instant) -> bool {
        let reload = self.apply_commands();
        let full = self.next_rescan.is_none_or(|at| now >= at);
        if full || reload {
            self.reload();
        }
        if full {
            self.next_rescan = Some(now + self.config.rescan_interval);
        }
        for path in std::mem::take(&mut self.changed) {
            for live in &mut self.folders {
                if path == live.folder.path || live.folder.path.starts_with(&path) {
                    live.dirty = true;
                } else if path.starts_with(&live.folder.path) {
                    live.touched.insert(path.clone());
                }
            }
        }
        for index in 0..self.folders.len() {
            self.look_at(index, full, now);
        }
        let keep_going = self.queue_still_files(now);
        self.publish();
        keep_going
    }

    /// Adds and removes folders; whether the list changed.
    fn apply_commands(&mut self) -> bool {
        let mut changed = false;
        for command in std::mem::take(&mut self.commands) {
            let event = match command {
                Control::Add {
                    path,
                    profile,
                    settle,
                } => self
                    .list
                    .add(&path, &profile, settle)
                    .map(WatchEvent::Added),
                Control::Remove(which) => self.list.remove(&which).map(WatchEvent::Removed),
                Control::Reload => {
                    changed = true;
                    continue;
                }
                Control::Stop => continue,
            };
            changed = true;
            match event {
                Ok(event) => self.emit(event),
                Err(error) => self.emit(WatchEvent::Failed(error)),
            }
        }
        changed
    }

    /// Reads the list again, keeping what is known of folders still on it.
    fn reload(&mut self) {
        let folders = match self.list.load() {
            Ok(folders) => folders,
            Err(error) => {
                self.emit(WatchEvent::Failed(error));
                return;
            }
        };
        let mut old: HashMap<u32, Live> = std::mem::take(&mut self.folders)
            .into_iter()
            .map(|live| (live.folder.id, live))
            .collect();
        for folder in folders {
            let live = match old.remove(&folder.id) {
                Some(mut live) => {
                    live.folder = folder;
                    live
                }
                None => Live {
                    queued: 0,
                    folder,
                    state: FolderState::Starting,
                    root: None,
                    dirty: true,
                    touched: HashSet::new(),
                    settling: Settling::default(),
                },
            };
            self.folders.push(live);
        }
        for gone in old.into_values() {
            if gone.root.is_some() {
                self.unwatch(&gone.folder.path);
            }
        }
    }

    /// Notices a folder going or coming back, watches it, and reads it when something changed.
    fn look_at(&mut self, index: usize, full: bool, now: Instant) {
        let root = self.folders[index].folder.path.clone();
        let present = std::fs::metadata(&root).ok().filter(|m| m.is_dir());
        let Some(metadata) = present else {
            if self.folders[index].state != FolderState::Missing {
                if self.folders[index].root.take().is_some() {
                    self.unwatch(&root);
                }
                self.folders[index].settling.clear();
                self.set_state(index, FolderState::Missing);
            }
            return;
        };
        let key = FileKey::of(&metadata);
        let identity = Some((key.device, key.inode));
        if self.folders[index].root != identity {
            if self.folders[index].root.is_some() {
                self.unwatch(&root);
            }
            self.watch(&root);
            self.folders[index].root = identity;
            self.folders[index].dirty = true;
        }
        if matches!(
            self.folders[index].state,
            FolderState::Starting | FolderState::Missing | FolderState::Unreadable(_)
        ) {
            self.folders[index].dirty = true;
            self.set_state(index, FolderState::Watching);
        }
        if self.folders[index].dirty || full {
            self.folders[index].dirty = false;
            self.folders[index].touched.clear();
            self.read_folder(index, &root, now);
        } else {
            for path in std::mem::take(&mut self.folders[index].touched) {
                self.look_at_path(index, &root, &path, now);
            }
            let live = &mut self.folders[index];
            for path in live.settling.paths() {
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if m.is_file() => live.settling.observe(&path, FileKey::of(&m), now),
                    _ => live.settling.forget(&path),
                }
            }
        }
    }

    /// Looks at one path the system said changed: a new or changed file, a folder moved in, or
    /// something gone.
    fn look_at_path(&mut self, index: usize, root: &Path, path: &Path, now: Instant) {
        let skipped = path
            .strip_prefix(root)
            .map(|inside| {
                inside
                    .components()
                    .any(|c| super::is_skipped_name(c.as_os_str()))
            })
            .unwrap_or(true);
        if skipped {
            return;
        }
        let files = match std::fs::symlink_metadata(path) {
            Ok(m) if m.is_file() => vec![(path.to_path_buf(), FileKey::of(&m))],
            Ok(m) if m.is_dir() => super::scan::files_under(path).unwrap_or_default(),
            _ => {
                self.folders[index].settling.forget(path);
                return;
            }
        };
        let id = self.folders[index].folder.id;
        for (file, key) in files {
            if self.seen.contains(id, &key).unwrap_or(false) {
                self.folders[index].settling.forget(&file);
            } else {
                self.folders[index].settling.observe(&file, key, now);
            }
        }
    }

    /// Reads the whole folder: new files start (or go on) waiting, known ones are passed over.
    fn read_folder(&mut self, index: usize, root: &Path, now: Instant) {
        let files = match super::scan::files_under(root) {
            Ok(files) => files,
            Err(error) => {
                tracing::warn!("watch: {error}");
                self.set_state(index, FolderState::Unreadable(error.to_string()));
                return;
            }
        };
        let id = self.folders[index].folder.id;
        let mut present = HashSet::new();
        for (path, key) in files {
            match self.seen.contains(id, &key) {
                Ok(true) => self.folders[index].settling.forget(&path),
                Ok(false) => {
                    self.folders[index].settling.observe(&path, key, now);
                    present.insert(path);
                }
                Err(error) => {
                    tracing::error!("watch: {error}");
                    present.insert(path);
                }
            }
        }
        self.folders[index]
            .settling
            .retain(|path| present.contains(path));
    }

    /// Sends every file that has been still long enough and that nobody is writing; `false`
    /// once the engine has stopped.
    fn queue_still_files(&mut self, now: Instant) -> bool {
        let mut still = Vec::new();
        for (index, live) in self.folders.iter().enumerate() {
            if matches!(
                live.state,
                FolderState::Watching | FolderState::NoDestination
            ) {
                for (path, key) in live.settling.still(now, live.folder.settle()) {
                    still.push((index, path, key));
                }
            }
        }
        if still.is_empty() {
            return true;
        }
        let paths: Vec<PathBuf> = still.iter().map(|(_, p, _)| p.clone()).collect();
        let writing = super::open_for_writing(&paths);
        let mut destinations: HashMap<String, Option<(Destination, Option<u64>)>> = HashMap::new();
        for (index, path, key) in still {
            if writing.contains(&path) {
                continue;
            }
            let profile = self.folders[index].folder.profile.clone();
            let destination = destinations
                .entry(profile.clone())
                .or_insert_with(|| {
                    let found = self
                        .profiles
                        .get(&profile)
                        .and_then(|p| p.destination(&profile).map(|d| (d, p.chunk_size_bytes)));
                    found
                        .map_err(|e| tracing::warn!("watch: destination {profile}: {e}"))
                        .ok()
                })
                .clone();
            let Some((destination, chunk)) = destination else {
                self.set_state(index, FolderState::NoDestination);
                continue;
            };
            if self.folders[index].state == FolderState::NoDestination {
                self.set_state(index, FolderState::Watching);
            }
            match self.send(index, &path, key, destination, chunk) {
                Ok(()) => {}
                Err(EngineError::Busy) => break,
                Err(_) => return false,
            }
        }
        true
    }

    /// Hands one file to the engine and records it as queued.
    fn send(
        &mut self,
        index: usize,
        path: &Path,
        key: FileKey,
        destination: Destination,
        chunk: Option<u64>,
    ) -> Result<(), EngineError> {
        let tag = self.next_tag;
        self.next_tag += 1;
        (self.enqueue)(Command::Add {
            tag,
            path: path.to_path_buf(),
            destination,
            options: UploadOptions {
                chunk_size_bytes: chunk.or(self.config.chunk_size_bytes),
                chunk_size_auto: chunk.is_none() && self.config.chunk_size_auto,
                size_unknown: false,
            },
        })?;
        let live = &mut self.folders[index];
        if let Err(error) = self.seen.insert(live.folder.id, &key, path) {
            tracing::error!("watch: {error}");
        }
        live.settling.forget(path);
        live.queued += 1;
        tracing::info!(
            "watch: queued {} from folder {}",
            path.display(),
            live.folder.id
        );
        let folder = live.folder.clone();
        self.emit(WatchEvent::Queued {
            folder,
            path: path.to_path_buf(),
        });
        Ok(())
    }

    fn set_state(&mut self, index: usize, state: FolderState) {
        let live = &mut self.folders[index];
        if live.state == state {
            return;
        }
        tracing::info!(
            "watch: folder {} ({}) is now {:?}",
            live.folder.id,
            live.folder.path.display(),
            state
        );
        live.state = state.clone();
        let folder = live.folder.clone();
        self.emit(WatchEvent::StateChanged { folder, state });
    }

    fn watch(&mut self, root: &Path) {
        if let Some(debouncer) = &mut self.debouncer
            && let Err(e) = debouncer.watch(root, RecursiveMode::Recursive)
        {
            tracing::warn!(
                "watch: {} is read every {} s only: {e}",
                root.display(),
                self.config.rescan_interval.as_secs()
            );
        }
    }

    fn unwatch(&mut self, root: &Path) {
        if let Some(debouncer) = &mut self.debouncer {
            let _ = debouncer.unwatch(root);
        }
    }

    fn emit(&mut self, event: WatchEvent) {
        if self.outputs.events.send(event).is_ok() {
            (self.outputs.waker)();
        }
    }

    /// Shares the folders' states when they changed.
    fn publish(&mut self) {
        let statuses: Vec<FolderStatus> = self
            .folders
            .iter()
            .map(|live| FolderStatus {
                folder: live.folder.clone(),
                state: live.state.clone(),
                queued_files: live.queued,
                settling_files: live.settling.len(),
            })
            .collect();
        if statuses == self.published {
            return;
        }
        if let Ok(mut shared) = self.outputs.statuses.lock() {
            shared.clone_from(&statuses);
        }
        self.published = statuses;
        (self.outputs.waker)();
    }
}
