//! What the window tests share: upload rows to show, and driving the window with egui_kittest
//! until background jobs have finished.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::UploadSnapshot;
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};
use hoist_ui::{HoistApp, TOOLBAR_MENU};

/// A Google-protocol destination on 127.0.0.1:`port` with no credentials.
pub fn loopback_destination(port: u16) -> Destination {
    Destination {
        service: Service::GoogleResumable {
            initiate_url: format!(
                "http://127.0.0.1:{port}/upload?uploadType=resumable&name={{name}}"
            ),
        },
        auth: AuthSource::None,
    }
}

/// A row for `/videos/NAME` to `target`, `confirmed_bytes` of `total_bytes` confirmed.
pub fn upload_row(
    id: i64,
    name: &str,
    phase: Phase,
    target: Destination,
    confirmed_bytes: u64,
    total_bytes: u64,
) -> UploadSnapshot {
    UploadSnapshot {
        id: UploadId(id),
        file_name: name.to_string(),
        path: PathBuf::from(format!("/videos/{name}")),
        destination: "127.0.0.1".to_string(),
        target,
        total_bytes: Some(total_bytes),
        confirmed_bytes,
        phase,
        error: None,
        result: None,
        expires_unix_secs: None,
    }
}

/// Runs the window until it stops asking for frames; a background job finishing in between
/// asks for more, so try again (bounded).
pub fn settle(harness: &mut Harness<'static, HoistApp>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while harness.try_run().is_err() {
        assert!(Instant::now() < deadline, "the window never settled");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Steps the window (background jobs finish on their own threads) until `done` holds.
pub fn step_until(
    harness: &mut Harness<'static, HoistApp>,
    what: &str,
    done: impl Fn(&Harness<'static, HoistApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(harness) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    settle(harness);
}

/// Clicks the widget labelled `label` and lets the window settle; a toolbar action folded into
/// the toolbar's menu (a narrow window) is clicked there.
pub fn click(harness: &mut Harness<'static, HoistApp>, label: &str) {
    if harness.query_by_label(label).is_none() && harness.query_by_label(TOOLBAR_MENU).is_some() {
        harness.get_by_label(TOOLBAR_MENU).click();
        settle(harness);
    }
    harness.get_by_label(label).click();
    settle(harness);
}

/// Types `text` into the text field labelled `label`.
pub fn type_into(harness: &mut Harness<'static, HoistApp>, label: &str, text: &str) {
    harness.get_by_label(label).focus();
    settle(harness);
    harness.get_by_label(label).type_text(text);
    settle(harness);
}

/// A runtime like the engine's, for windows whose backend is a fake: sign-ins and connection
/// tests run on it.
pub fn jobs_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A window over a fake engine (which has restored nothing) for the profiles tests: its home in
/// `dirs` keeps secrets in the secrets file; `configure` adds what the test needs. The commands
/// the window sends, and the runtime its background jobs run on, come back with it.
pub fn profiles_window(
    dirs: &hoist_core::store::HoistDirs,
    settings: hoist_ui::UiSettings,
    configure: impl FnOnce(HoistApp) -> HoistApp,
) -> (
    Harness<'static, HoistApp>,
    std::sync::mpsc::Receiver<hoist_core::engine::Command>,
    tokio::runtime::Runtime,
) {
    dirs.ensure().expect("dirs");
    // The secrets file, chosen knowingly in the profiles file: no keyring, no process env.
    let profiles_file = dirs.config_dir.join("profiles.toml");
    if !profiles_file.exists() {
        std::fs::write(&profiles_file, "secret_store = \"file\"\n").expect("write");
    }
    let (backend, commands_rx, event_tx) = hoist_ui::ChannelBackend::new();
    event_tx
        .send(hoist_core::engine::Event::Restored {
            uploads: Vec::new(),
        })
        .expect("send");
    // The engine's runtime stands in for the fake backend's: connection tests run on it.
    let jobs = jobs_runtime();
    let app = configure(
        HoistApp::new(Box::new(backend), settings, None)
            .without_notifications()
            .with_dirs(dirs.clone())
            .with_jobs(jobs.handle().clone()),
    );
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 700.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    (harness, commands_rx, jobs)
}
