//! Runs each subcommand.

use std::collections::{BTreeSet, HashMap};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use super::args::{ChunkSize, Cli, CliCommand, RunArgs, UploadArgs};
use super::output::{Output, list_line};
use super::{logging, profile, serve, signin};
use hoist_core::engine::{
    Command, Engine, EngineConfig, EngineEvents, EngineHandle, EngineWarning, Event, RetryPolicy,
    UploadOptions, UploadSnapshot,
};
use hoist_core::protocol::DEFAULT_AUTO_START_BYTES;
use hoist_core::store::{EngineLock, HoistDirs, Journal, UploadLock};
use hoist_core::upload::{Phase, UploadAction, UploadId};

#[allow(
    clippy::disallowed_methods,
    reason = "the command line's runtime for `hoist serve`"
)]
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Some(command) = cli.command else {
        let _ = dirs()?;
        crate::window::run(crate::window::WindowOptions {
            demo: cli.demo,
            files: cli.files,
            stall_timeout: cli.stall_timeout.map(|d| d.0),
        })?;
        return Ok(ExitCode::SUCCESS);
    };
    match command {
        CliCommand::Serve(args) => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("could not start the server runtime")?;
            runtime.block_on(serve::run(args))?;
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::List {
            json,
            remote: true,
            kind,
            endpoint,
            token_env,
        } => super::remote::list_remote(json, kind, endpoint, token_env),
        CliCommand::List { json, .. } => list(json),
        CliCommand::Signin(args) => {
            let _ = dirs()?;
            signin::signin(*args)?;
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::Signout(args) => {
            let _ = dirs()?;
            signin::signout(*args)?;
            Ok(ExitCode::SUCCESS)
        }
        CliCommand::Upload(args) => upload(*args),
        CliCommand::Demo { flaky, files } => demo(flaky, &files),
        CliCommand::Resume { all, ids, run } => {
            let selection = if all {
                Selection::All
            } else {
                Selection::Ids(ids)
            };
            drive(run, Action::Resume(selection))
        }
        CliCommand::Restart { ids, run } => drive(run, Action::Restart(ids)),
        CliCommand::Cancel { ids } => drive(RunArgs::default(), Action::Cancel(ids)),
        CliCommand::Remove { ids } => drive(RunArgs::default(), Action::Remove(ids)),
        CliCommand::Profile(command) => profile::run(command, &dirs()?),
        CliCommand::Watch(command) => super::watch::run(command),
        CliCommand::History(args) => super::history::run(args),
        CliCommand::Queue(command) => super::queue::run(command),
        CliCommand::SupportBundle { file } => super::support_bundle::run(&dirs()?, &file),
    }
}

pub(super) fn dirs() -> anyhow::Result<HoistDirs> {
    let dirs = HoistDirs::discover()?;
    dirs.ensure()?;
    logging::init(&dirs.log_dir());
    Ok(dirs)
}

fn list(json: bool) -> anyhow::Result<ExitCode> {
    let dirs = dirs()?;
    let opened = Journal::open(&dirs.journal_path())?;
    if let Some(corrupt) = &opened.recovered {
        let warning = EngineWarning::JournalSetAside {
            moved_to: corrupt.moved_to.clone(),
        };
        eprintln!("warning: {}", super::output::warning_words(&warning));
    }
    let records = opened.journal.list()?;
    if records.is_empty() && !json {
        println!("No uploads yet.");
    }
    let engine_running = EngineLock::any_running(&dirs.locks_dir()).unwrap_or(true);
    for record in &records {
        let snapshot = hoist_core::engine::snapshot(record);
        // Unfinished, yet no process drives it and no engine runs that could have it queued:
        // whoever drove it is gone.
        let interrupted = record.phase.wants_to_run()
            && !UploadLock::is_held(&dirs.locks_dir(), record.id).unwrap_or(true)
            && !engine_running;
        if json {
            let mut value = serde_json::to_value(&snapshot)?;
            if let Some(object) = value.as_object_mut() {
                object.insert("interrupted".to_string(), interrupted.into());
            }
            println!("{}", serde_json::to_string(&value)?);
        } else {
            println!("{}", list_line(&snapshot, interrupted));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn start_engine(run: &RunArgs) -> anyhow::Result<(EngineHandle, EngineEvents)> {
    let config = engine_config(&dirs()?, run);
    let (handle, events) = Engine::start(config, Arc::new(|| {}))?;
    follow_bandwidth_schedule(&handle, run);
    follow_system(&handle);
    Ok((handle, events))
}

/// The engine's settings from the run options every uploading command shares.
pub(super) fn engine_config(dirs: &hoist_core::store::HoistDirs, run: &RunArgs) -> EngineConfig {
    let mut config = EngineConfig::new(dirs);
    if let Some(parallel) = run.parallel {
        // The number asked for, for files of any size.
        config.max_parallel_uploads = parallel.max(1);
        config.small_files_at_once = 0;
    }
    config.bandwidth_limit_bytes_per_sec = run.bandwidth_limit;
    config.retry = RetryPolicy {
        initial_wait: run.retry_initial.0,
        max_wait: run.retry_max_wait.0,
        total_budget: run.retry_budget.0,
    };
    config.stall_timeout = run.stall_timeout.0;
    config.keep_awake = !run.no_keep_awake;
    config.pause_on_metered = run.pause_on_metered;
    if let Some(schedule) = &run.bwlimit_schedule {
        config.bandwidth_limit_bytes_per_sec =
            schedule.limit_at(hoist_core::units::local_week_minute());
    }
    config
}

/// Keeps the computer awake while uploading, notices wake-ups and metered connections
/// (`hoist_core::system`, on the engine's runtime; ends with the engine).
pub(super) fn follow_system(handle: &EngineHandle) {
    hoist_core::system::start(handle, hoist_core::system::SystemOptions::default());
}

/// With `--bwlimit-schedule`, keeps the engine's limit on the schedule (a detached task that
/// ends by itself when the engine stops).
pub(super) fn follow_bandwidth_schedule(handle: &EngineHandle, run: &RunArgs) {
    if let Some(schedule) = run.bwlimit_schedule.clone() {
        let parallel = run
            .parallel
            .unwrap_or(EngineConfig::DEFAULT_PARALLEL_UPLOADS)
            .max(1);
        drop(hoist_core::engine::follow_schedule(
            handle, schedule, parallel,
        ));
    }
}

fn upload(args: UploadArgs) -> anyhow::Result<ExitCode> {
    let (destination, profile_chunk) = match &args.profile {
        Some(name) => profile::destination_for(&dirs()?, name, &args.destination)?,
        None => (args.destination.destination()?, None),
    };
    let (chunk_size_bytes, chunk_size_auto) = match args.chunk_size {
        Some(ChunkSize::Auto) => (Some(DEFAULT_AUTO_START_BYTES), true),
        Some(ChunkSize::Fixed(bytes)) => (Some(bytes), false),
        None => (profile_chunk, false),
    };
    let (handle, events) = start_engine(&args.run)?;
    let options = UploadOptions {
        chunk_size_bytes,
        chunk_size_auto,
        size_unknown: args.size_unknown,
    };
    add_and_follow(
        &handle,
        events,
        &args.files,
        &destination,
        options,
        args.run.json,
    )
}

/// `hoist demo`: the reference server on 127.0.0.1 and uploads to it, in a scratch folder, so
/// anyone can watch Hoist work without an account.
fn demo(flaky: bool, files: &[std::path::PathBuf]) -> anyhow::Result<ExitCode> {
    let dirs = dirs()?;
    let scratch = dirs.cache_dir.join("demo");
    let demo = crate::demo::Demo::start(&scratch, flaky)?;
    let server = demo.server();
    eprintln!(
        "Demo server on {} ({}); uploads are stored in {}",
        server.base_url(),
        if flaky {
            "flaky network simulated"
        } else {
            "steady network"
        },
        server.store().display()
    );
    let home = scratch.join("home");
    let _ = std::fs::remove_dir_all(&home);
    let mut config = EngineConfig::new(&HoistDirs::from_home(&home));
    config.retry = RetryPolicy::loopback();
    let (handle, events) = Engine::start(config, Arc::new(|| {}))?;
    let options = UploadOptions {
        chunk_size_bytes: flaky.then_some(1024 * 1024),
        chunk_size_auto: false,
        size_unknown: false,
    };
    add_and_follow(&handle, events, files, &demo.destination(), options, false)
}

/// Queues `files` and follows them until each has finished.
fn add_and_follow(
    handle: &EngineHandle,
    mut events: EngineEvents,
    files: &[std::path::PathBuf],
    destination: &hoist_core::upload::Destination,
    options: UploadOptions,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let mut output = Output::new(json);
    for (tag, path) in files.iter().enumerate() {
        handle.send_blocking(Command::Add {
            tag: tag as u64,
            path: path.clone(),
            destination: destination.clone(),
            options,
        })?;
    }
    let mut pending_adds = files.len();
    let mut failures = 0usize;
    let mut watched = Watched::default();
    while pending_adds > 0 || !watched.all_done() {
        let Some(event) = events.recv_blocking() else {
            break;
        };
        output.event(&event);
        match &event {
            Event::Added { upload, .. } => {
                pending_adds -= 1;
                output.track(upload);
                watched.watch(upload.id);
            }
            Event::AddFailed { .. } => {
                pending_adds -= 1;
                failures += 1;
            }
            other => watched.update(other),
        }
    }
    finish(handle, &mut output, watched, failures)
}

enum Selection {
    All,
    Ids(Vec<UploadId>),
}

enum Action {
    Resume(Selection),
    Restart(Vec<UploadId>),
    Cancel(Vec<UploadId>),
    Remove(Vec<UploadId>),
}

/// Starts the engine, waits for the journal's uploads, applies the action, and follows the chosen
/// uploads until each has settled.
fn drive(run: RunArgs, action: Action) -> anyhow::Result<ExitCode> {
    let (handle, mut events) = start_engine(&run)?;
    let mut output = Output::new(run.json);
    let uploads = loop {
        match events.recv_blocking() {
            Some(Event::Restored { uploads }) => break uploads,
            Some(event) => output.event(&event),
            None => anyhow::bail!("the upload engine stopped unexpectedly"),
        }
    };
    let requested = match &action {
        Action::Resume(Selection::All) => uploads
            .iter()
            // A changed file is listed too, to say how to send it again.
            .filter(|u| u.phase.allows(UploadAction::Resume) || u.phase == Phase::FileChanged)
            .map(|u| u.id)
            .collect(),
        Action::Resume(Selection::Ids(ids))
        | Action::Restart(ids)
        | Action::Cancel(ids)
        | Action::Remove(ids) => ids.clone(),
    };
    let mut failures = 0usize;
    let mut watched = Watched::default();
    for id in requested {
        let Some(snapshot) = uploads.iter().find(|u| u.id == id) else {
            output.print(&format!("#{id}: no such upload (see `hoist list`)"));
            failures += 1;
            continue;
        };
        match plan(&action, snapshot) {
            Plan::Send(command, settles_on) => {
                output.track(snapshot);
                watched.watch_until(id, settles_on);
                handle.send_blocking(command)?;
            }
            Plan::Skip { message, failed } => {
                output.print(&format!("#{id} {}: {message}", snapshot.file_name));
                failures += usize::from(failed);
            }
        }
    }
    if watched.is_empty() && failures == 0 {
        if matches!(action, Action::Resume(Selection::All)) {
            output.print("Nothing to resume.");
        }
        handle.shutdown();
        return Ok(ExitCode::SUCCESS);
    }
    while !watched.all_done() {
        let Some(event) = events.recv_blocking() else {
            break;
        };
        output.event(&event);
        watched.update(&event);
    }
    finish(&handle, &mut output, watched, failures)
}

/// What a command does with one upload.
enum Plan {
    /// Send the command and follow the upload until it settles.
    Send(Command, Settle),
    /// Nothing to send: why, in the command line's words, and whether the command failed for it.
    Skip { message: String, failed: bool },
}

/// Asks [`Phase::allows`] whether the upload's phase allows the action, and says why not.
fn plan(action: &Action, upload: &UploadSnapshot) -> Plan {
    let id = upload.id;
    let (wanted, command, settles_on) = match action {
        Action::Resume(_) => (UploadAction::Resume, Command::Resume(id), Settle::Finished),
        Action::Restart(_) => (
            UploadAction::Restart,
            Command::Restart(id),
            Settle::Finished,
        ),
        Action::Cancel(_) => (UploadAction::Cancel, Command::Cancel(id), Settle::Stopped),
        Action::Remove(_) => (UploadAction::Remove, Command::Remove(id), Settle::Stopped),
    };
    if upload.phase.allows(wanted) {
        return Plan::Send(command, settles_on);
    }
    let (message, failed) = match (wanted, upload.phase) {
        (UploadAction::Resume, Phase::FileChanged) => (
            format!(
                "the file changed since the upload started; run `hoist restart {id}` to send the new version"
            ),
            true,
        ),
        (_, Phase::Completed) if wanted != UploadAction::Cancel => {
            ("already done".to_string(), false)
        }
        (UploadAction::Cancel, phase) => (format!("nothing to cancel ({})", phase.label()), false),
        (_, phase) => (
            format!(
                "cannot be {} now ({})",
                action.past_participle(),
                phase.label()
            ),
            true,
        ),
    };
    Plan::Skip { message, failed }
}

impl Action {
    /// "resumed", "restarted" ...
    fn past_participle(&self) -> &'static str {
        match self {
            Action::Resume(_) => "resumed",
            Action::Restart(_) => "restarted",
            Action::Cancel(_) => "cancelled",
            Action::Remove(_) => "removed",
        }
    }
}

fn finish(
    handle: &EngineHandle,
    output: &mut Output,
    watched: Watched,
    earlier_failures: usize,
) -> anyhow::Result<ExitCode> {
    handle.shutdown();
    let total = watched.len() + earlier_failures;
    let failed = watched.unsuccessful() + earlier_failures;
    if total > 1 || failed > 0 {
        output.print(&format!(
            "{} of {} succeeded{}.",
            total - failed,
            total,
            if failed > 0 {
                format!("; {failed} did not")
            } else {
                String::new()
            }
        ));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settle {
    /// Completed, failed or file changed.
    Finished,
    /// Cancelled or removed.
    Stopped,
}

/// The uploads a command follows, and how each ended.
#[derive(Default)]
struct Watched {
    waiting: HashMap<UploadId, Settle>,
    ok: BTreeSet<UploadId>,
    not_ok: BTreeSet<UploadId>,
}

impl Watched {
    fn watch(&mut self, id: UploadId) {
        self.watch_until(id, Settle::Finished);
    }

    fn watch_until(&mut self, id: UploadId, settle: Settle) {
        self.waiting.insert(id, settle);
    }

    fn update(&mut self, event: &Event) {
        let (id, ok) = match event {
            Event::PhaseChanged { id, phase, .. } => match (self.waiting.get(id), phase) {
                (Some(Settle::Finished), Phase::Completed) => (*id, true),
                (
                    Some(Settle::Finished),
                    Phase::Failed | Phase::FileChanged | Phase::Cancelled | Phase::Paused,
                ) => (*id, false),
                (Some(Settle::Stopped), Phase::Cancelled) => (*id, true),
                _ => return,
            },
            Event::Removed { id } if self.waiting.contains_key(id) => (*id, true),
            Event::Stopped => {
                let ids: Vec<UploadId> = self.waiting.keys().copied().collect();
                self.not_ok.extend(ids);
                self.waiting.clear();
                return;
            }
            _ => return,
        };
        self.waiting.remove(&id);
        if ok {
            self.ok.insert(id);
        } else {
            self.not_ok.insert(id);
        }
    }

    fn all_done(&self) -> bool {
        self.waiting.is_empty()
    }

    fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.ok.is_empty() && self.not_ok.is_empty()
    }

    fn len(&self) -> usize {
        self.waiting.len() + self.ok.len() + self.not_ok.len()
    }

    fn unsuccessful(&self) -> usize {
        self.not_ok.len() + self.waiting.len()
    }
}
