//! Opens the desktop window: eframe (glow renderer) around [`hoist_ui::HoistApp`], with the engine
//! on its own thread and, for `hoist --demo`, the demo server.

use std::sync::Arc;

use anyhow::Context as _;
use hoist_core::engine::{Engine, EngineConfig, RetryPolicy};
use hoist_core::store::HoistDirs;
use hoist_ui::{APP_ID, DemoControl, EngineBackend, HoistApp, UiSettings};

use crate::demo::DemoHome;
use crate::session::SessionMarker;

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct WindowOptions {
    /// Start the reference server on 127.0.0.1 and offer it as "Demo server".
    pub(crate) demo: bool,
    /// Files or folders to queue once the window is up.
    pub(crate) files: Vec<std::path::PathBuf>,
    /// `--stall-timeout`, when given: the engine's default otherwise.
    pub(crate) stall_timeout: Option<std::time::Duration>,
}

/// Opens the window and runs until it is closed.
pub(crate) fn run(options: WindowOptions) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    if let Some(blocker) = crate::window_libs::window_blocker() {
        anyhow::bail!("{blocker}");
    }
    let dirs = HoistDirs::discover()?;
    dirs.ensure()?;
    #[cfg(unix)]
    let first = match crate::instance::claim_or_hand_off(&dirs, &options.files)? {
        crate::instance::Instance::First(first) => Some(first),
        crate::instance::Instance::HandedOff => {
            match options.files.len() {
                0 => eprintln!("Hoist is already open; its window was brought forward."),
                1 => eprintln!("Hoist is already open: the file was handed to its window."),
                n => eprintln!("Hoist is already open: the {n} files were handed to its window."),
            }
            return Ok(());
        }
    };
    // The demo keeps its own home (journal, window settings) and server storage across runs.
    let mut demo_opened = if options.demo {
        Some(DemoHome::of(&dirs).open(false)?)
    } else {
        None
    };
    let engine_dirs = demo_opened
        .as_ref()
        .map(|d| d.dirs.clone())
        .unwrap_or_else(|| dirs.clone());
    let session = SessionMarker::begin(&engine_dirs);
    let native = native_options(options.demo, &engine_dirs);
    let mut startup_error = None;
    let result = eframe::run_native(
        "Hoist",
        native,
        Box::new(|cc| {
            hoist_ui::install_system_fonts(&cc.egui_ctx);
            let settings: UiSettings = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            let mut config = engine_config(&settings, &engine_dirs, options.stall_timeout);
            let mut moved_from = None;
            let demo = demo_opened.take().map(|opened| {
                config.retry = RetryPolicy::loopback();
                moved_from = opened.moved_from;
                Box::new(opened.demo) as Box<dyn DemoControl>
            });
            let interrupted = session.interrupted_uploads();
            let settings_auto_resume = settings.auto_resume;
            let ctx = cc.egui_ctx.clone();
            let started = Engine::start(config, Arc::new(move || ctx.request_repaint()));
            let (handle, events) = match started {
                Ok(ends) => ends,
                Err(e) => {
                    startup_error = Some(e.to_string());
                    return Err(Box::new(e));
                }
            };
            hoist_core::system::start(&handle, hoist_core::system::SystemOptions::default());
            let watch = start_watch(&handle, &dirs, &settings, &cc.egui_ctx);
            #[cfg(unix)]
            let jobs = handle.jobs();
            let waiting_store = dirs.data_dir.join("waiting-files.txt");
            let waiting = hoist_ui::load_pending(&waiting_store);
            let mut app =
                HoistApp::new(Box::new(EngineBackend::new(handle, events)), settings, demo)
                    .with_dirs(dirs.clone())
                    .with_history_journal(engine_dirs.journal_path())
                    .with_pending(waiting_store, waiting);
            match watch {
                Ok((service, events)) => app = app.with_watch(service, events),
                Err(e) => tracing::error!("watch folders are off: {e}"),
            }
            #[cfg(unix)]
            {
                app = listen_outside(app, &jobs, first, &cc.egui_ctx)?;
            }
            if let Some(note) = hoist_ui::interrupted_words(
                interrupted,
                session.crashed_before(),
                settings_auto_resume,
            ) {
                app = app.with_message(note);
            }
            if moved_from.is_some() {
                app = app.with_message(hoist_ui::DEMO_MOVED.to_string());
            }
            if !options.files.is_empty() {
                app.add_paths(options.files.clone());
            }
            Ok(Box::new(app))
        }),
    );
    session.end();
    if let Some(message) = startup_error {
        anyhow::bail!("{message}");
    }
    result
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("the window could not open (on Linux it needs a display: X11 or Wayland)")
}

/// The window's size, title, icon and settings file.
fn native_options(demo: bool, engine_dirs: &HoistDirs) -> eframe::NativeOptions {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(if demo { "Hoist (demo)" } else { "Hoist" })
        .with_app_id(APP_ID)
        .with_inner_size([1060.0, 640.0])
        .with_min_inner_size([480.0, 360.0])
        .with_drag_and_drop(true);
    if let Some(icon) = hoist_ui::window_icon() {
        viewport = viewport.with_icon(icon);
    }
    eframe::NativeOptions {
        viewport,
        persistence_path: Some(engine_dirs.config_dir.join("window.ron")),
        ..Default::default()
    }
}

/// The engine's settings as the window's Settings and `--stall-timeout` say.
fn engine_config(
    settings: &UiSettings,
    engine_dirs: &HoistDirs,
    stall_timeout: Option<std::time::Duration>,
) -> EngineConfig {
    let mut config = EngineConfig::new(engine_dirs);
    if let Some(stall_timeout) = stall_timeout {
        config.stall_timeout = stall_timeout;
    }
    config.max_parallel_uploads = settings.parallel_uploads.max(1);
    if settings.parallel_uploads != EngineConfig::DEFAULT_PARALLEL_UPLOADS {
        // A number the user chose holds for small files too.
        config.small_files_at_once = 0;
    }
    config.bandwidth_limit_bytes_per_sec = settings.bandwidth_limit_bytes_per_sec();
    config.resume_unfinished_on_start = settings.auto_resume;
    settings.apply_power(&mut config);
    config
}

/// Starts watching the user's watch folders for the engine behind `handle`.
fn start_watch(
    handle: &hoist_core::engine::EngineHandle,
    dirs: &HoistDirs,
    settings: &UiSettings,
    ctx: &egui::Context,
) -> Result<
    (
        hoist_core::watch::WatchService,
        hoist_core::watch::WatchEvents,
    ),
    hoist_core::watch::WatchError,
> {
    let watch_config = hoist_core::watch::WatchConfig {
        chunk_size_bytes: settings.chunk_size_bytes(),
        chunk_size_auto: settings.chunk_size_auto,
        ..Default::default()
    };
    let ctx = ctx.clone();
    hoist_core::watch::WatchService::for_engine(
        handle,
        dirs,
        watch_config,
        Arc::new(move || ctx.request_repaint()),
    )
}

/// Lets the world outside reach the window: SIGTERM/SIGINT/SIGHUP close it like the user would,
/// and files opened with Hoist while it runs are handed to it.
#[cfg(unix)]
fn listen_outside(
    mut app: HoistApp,
    jobs: &tokio::runtime::Handle,
    first: Option<crate::instance::FirstInstance>,
    ctx: &egui::Context,
) -> anyhow::Result<HoistApp> {
    let signal_ctx = ctx.clone();
    let wake: hoist_ui::Wake = Arc::new(move || signal_ctx.request_repaint());
    if let Err(error) = crate::signals::quit_on_signals(jobs, app.window_requests(), wake) {
        tracing::warn!(%error, "could not listen for SIGTERM; it will end Hoist at once");
    }
    if let Some(first) = first {
        let (inbox, received) = std::sync::mpsc::channel();
        let ctx = ctx.clone();
        first.serve(inbox, Arc::new(move || ctx.request_repaint()))?;
        app = app.with_inbox(received);
    }
    Ok(app)
}
