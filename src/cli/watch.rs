//! `hoist watch add|list|remove|run`: watch folders from the command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;

use super::args::RunArgs;
use super::output::Output;
use hoist_core::engine::{Engine, Event};
use hoist_core::store::HoistDirs;
use hoist_core::watch::{
    DEFAULT_SETTLE, FolderState, SeenFiles, WatchConfig, WatchEvent, WatchList, WatchService,
};

/// `hoist watch ...`.
#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Watch a folder: files that appear in it or its subfolders are uploaded to the profile's
    /// destination by themselves, once each (hidden and partly downloaded files are skipped).
    Add {
        /// The folder.
        dir: PathBuf,
        /// The saved destination (see `hoist profile list`).
        #[arg(long)]
        profile: String,
        /// Seconds a new file must stay unchanged before it is queued.
        #[arg(long, default_value_t = DEFAULT_SETTLE.as_secs())]
        settle_secs: u64,
    },
    /// List the watched folders.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Stop watching a folder (by its number from `hoist watch list`, or its path).
    Remove {
        /// The folder's number or path.
        folder: String,
    },
    /// Watch the folders and upload their new files in the foreground until Ctrl-C (the window
    /// does the same while it is open).
    Run {
        /// Seconds between full reads of every folder (a safety net beside live watching).
        #[arg(long, default_value_t = WatchConfig::DEFAULT_RESCAN_INTERVAL.as_secs())]
        rescan_secs: u64,
        /// How to run the engine.
        #[command(flatten)]
        run: RunArgs,
    },
}

/// Runs a `hoist watch` command.
pub(crate) fn run(command: WatchCommand) -> anyhow::Result<ExitCode> {
    let dirs = super::run::dirs()?;
    let list = WatchList::new(&dirs);
    match command {
        WatchCommand::Add {
            dir,
            profile,
            settle_secs,
        } => {
            let added = list.add(&dir, &profile, Duration::from_secs(settle_secs))?;
            println!(
                "Watching {} (#{}): new files go to \"{}\" once they have been still for {} s.",
                added.path.display(),
                added.id,
                added.profile,
                added.settle_secs
            );
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::List { json } => list_folders(&dirs, &list, json),
        WatchCommand::Remove { folder } => {
            let removed = list.remove(&folder)?;
            println!(
                "Stopped watching {} (#{}).",
                removed.path.display(),
                removed.id
            );
            Ok(ExitCode::SUCCESS)
        }
        WatchCommand::Run { rescan_secs, run } => run_watch(&dirs, rescan_secs, &run),
    }
}

fn list_folders(dirs: &HoistDirs, list: &WatchList, json: bool) -> anyhow::Result<ExitCode> {
    let folders = list.load()?;
    let seen = SeenFiles::open(dirs)?;
    if folders.is_empty() && !json {
        println!("No watch folders. Add one with: hoist watch add DIR --profile NAME");
    }
    for folder in folders {
        let present = folder.path.is_dir();
        let queued = seen.count(folder.id)?;
        if json {
            let line = serde_json::json!({
                "id": folder.id,
                "path": folder.path,
                "profile": folder.profile,
                "settle_secs": folder.settle_secs,
                "present": present,
                "queued_files": queued,
            });
            println!("{line}");
        } else {
            println!(
                "#{} {} -> {} (settle {} s, {} file{} queued so far){}",
                folder.id,
                folder.path.display(),
                folder.profile,
                folder.settle_secs,
                queued,
                if queued == 1 { "" } else { "s" },
                if present {
                    ""
                } else {
                    " - folder missing, will continue when it is back"
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What wakes the foreground loop.
enum Wake {
    Something,
    Stop,
}

fn run_watch(dirs: &HoistDirs, rescan_secs: u64, run: &RunArgs) -> anyhow::Result<ExitCode> {
    let mut config = super::run::engine_config(dirs, run);
    config.resume_unfinished_on_start = true;
    let (wake_tx, wake) = std::sync::mpsc::channel();
    let engine_wake = wake_tx.clone();
    let (handle, mut events) = Engine::start(
        config,
        Arc::new(move || {
            let _ = engine_wake.send(Wake::Something);
        }),
    )?;
    super::run::follow_bandwidth_schedule(&handle, run);
    super::run::follow_system(&handle);
    let watch_config = WatchConfig {
        rescan_interval: Duration::from_secs(rescan_secs.max(1)),
        ..WatchConfig::default()
    };
    let watch_wake = wake_tx.clone();
    let (watch, mut watch_events) = WatchService::for_engine(
        &handle,
        dirs,
        watch_config,
        Arc::new(move || {
            let _ = watch_wake.send(Wake::Something);
        }),
    )?;
    handle.jobs().spawn(stop_signal(wake_tx));
    let folders = watch
        .statuses()
        .len()
        .max(WatchList::new(dirs).load()?.len());
    eprintln!(
        "Watching {folders} folder{}; press Ctrl-C to stop.",
        if folders == 1 { "" } else { "s" }
    );
    let mut output = Output::new(run.json);
    while let Ok(Wake::Something) = wake.recv() {
        while let Some(event) = watch_events.try_recv() {
            output.print(&watch_line(&event));
        }
        while let Some(event) = events.try_recv() {
            if let Event::Added { upload, .. } = &event {
                output.track(upload);
            }
            output.event(&event);
        }
    }
    eprintln!("Stopping; unfinished uploads continue next time.");
    watch.stop();
    handle.shutdown();
    Ok(ExitCode::SUCCESS)
}

/// Waits for Ctrl-C (or SIGTERM from a service manager) and wakes the loop to stop.
async fn stop_signal(wake: std::sync::mpsc::Sender<Wake>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            let _ = wake.send(Wake::Stop);
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    let _ = wake.send(Wake::Stop);
}

/// The line `hoist watch run` prints for a watcher event.
fn watch_line(event: &WatchEvent) -> String {
    match event {
        WatchEvent::StateChanged { folder, state } => {
            let words = match state {
                FolderState::Starting => "starting".to_string(),
                FolderState::Watching => "watching".to_string(),
                FolderState::Missing => "folder missing, will continue when it is back".to_string(),
                FolderState::NoDestination => format!(
                    "the profile \"{}\" no longer exists; nothing is uploaded from here",
                    folder.profile
                ),
                FolderState::Unreadable(detail) => format!("cannot read the folder: {detail}"),
            };
            format!("{}: {words}", folder.path.display())
        }
        WatchEvent::Queued { folder, path } => format!(
            "queued {} for \"{}\"",
            path.strip_prefix(&folder.path).unwrap_or(path).display(),
            folder.profile
        ),
        WatchEvent::Added(folder) => format!("now watching {}", folder.path.display()),
        WatchEvent::Removed(folder) => format!("stopped watching {}", folder.path.display()),
        WatchEvent::Failed(error) => format!("watch folders: {error}"),
    }
}
