//! Opens the desktop window: eframe (glow renderer) around [`hoist_ui::HoistApp`], with the engine
//! on its own thread and, for `hoist --demo`, the demo server.

use std::sync::Arc;

use anyhow::Context as _;
use hoist_core::engine::{Engine, EngineConfig, RetryPolicy};
use hoist_core::store::HoistDirs;
use hoist_ui::{APP_ID, DemoControl, EngineBackend, HoistApp, UiSettings};

use crate::demo::Demo;

/// How the window starts.
#[derive(Debug, Clone, Default)]
pub(crate) struct WindowOptions {
    /// Start the reference server on 127.0.0.1 and offer it as "Demo server".
    pub(crate) demo: bool,
    /// Files or folders to queue once the window is up.
    pub(crate) files: Vec<std::path::PathBuf>,
}

/// Opens the window and runs until it is closed.
pub(crate) fn run(options: WindowOptions) -> anyhow::Result<()> {
    let dirs = HoistDirs::discover()?;
    dirs.ensure()?;
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(if options.demo {
            "Hoist (demo)"
        } else {
            "Hoist"
        })
        .with_app_id(APP_ID)
        .with_inner_size([980.0, 620.0])
        .with_min_inner_size([480.0, 360.0])
        .with_drag_and_drop(true);
    if let Some(icon) = hoist_ui::window_icon() {
        viewport = viewport.with_icon(icon);
    }
    let native = eframe::NativeOptions {
        viewport,
        persistence_path: Some(dirs.config_dir.join("window.ron")),
        ..Default::default()
    };
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
            let (mut config, demo) = if options.demo {
                let scratch = dirs.cache_dir.join("demo");
                let demo: Box<dyn DemoControl> = Box::new(Demo::start(&scratch, false)?);
                let home = scratch.join("home");
                let _ = std::fs::remove_dir_all(&home);
                let mut config = EngineConfig::new(&HoistDirs::from_home(&home));
                config.retry = RetryPolicy::loopback();
                (config, Some(demo))
            } else {
                (EngineConfig::new(&dirs), None)
            };
            config.max_parallel_uploads = settings.parallel_uploads.max(1);
            config.bandwidth_limit_bytes_per_sec = settings.bandwidth_limit_bytes_per_sec();
            config.resume_unfinished_on_start = settings.auto_resume;
            let ctx = cc.egui_ctx.clone();
            let started = Engine::start(config, Arc::new(move || ctx.request_repaint()));
            let (handle, events) = match started {
                Ok(ends) => ends,
                Err(e) => {
                    startup_error = Some(e.to_string());
                    return Err(Box::new(e));
                }
            };
            let mut app =
                HoistApp::new(Box::new(EngineBackend::new(handle, events)), settings, demo)
                    .with_dirs(dirs.clone());
            if !options.files.is_empty() {
                app.add_paths(options.files.clone());
            }
            Ok(Box::new(app))
        }),
    );
    if let Some(message) = startup_error {
        anyhow::bail!("{message}");
    }
    result
        .map_err(|e| anyhow::anyhow!("{e}"))
        .context("the window could not open (on Linux it needs a display: X11 or Wayland)")
}
