//! The Watch folders window, driven with egui_kittest over the real watcher
//! (`hoist_core::watch::WatchService` on a runtime like the engine's): the folders with their
//! destination and state in plain words, "Add folder…" through the file chooser, the pasted
//! location when no chooser opens, "Remove", and a new file in a watched folder sent to the
//! engine's add path.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::Command;
use hoist_core::profile::{Profile, ProfileKind, ProfileStore};
use hoist_core::store::HoistDirs;
use hoist_core::watch::{WatchConfig, WatchEvents, WatchList, WatchService};
use hoist_ui::{ChannelBackend, FilePicker, HoistApp, Picked, UiSettings, WATCH_TITLE};

use crate::window_support::{click, jobs_runtime, settle, step_until, type_into};

const MISSING: &str = "Folder missing — will continue when it is back";

/// A Hoist home with the profile "studio" and two watch folders, the second one then deleted.
fn home_with_folders(place: &Path) -> (HoistDirs, PathBuf, PathBuf) {
    let dirs = HoistDirs::from_home(&place.join("home"));
    dirs.ensure().expect("dirs");
    let mut profile = Profile::new(ProfileKind::GoogleResumable);
    profile.endpoint = Some("http://127.0.0.1:9/upload?uploadType=resumable&name={name}".into());
    ProfileStore::new(&dirs)
        .update(|f| {
            f.profiles.insert("studio".to_string(), profile);
            Ok(())
        })
        .expect("profile");
    let exports = place.join("Exports");
    let card = place.join("Card");
    std::fs::create_dir_all(&exports).expect("exports");
    std::fs::create_dir_all(&card).expect("card");
    let list = WatchList::new(&dirs);
    list.add(&exports, "studio", Duration::from_secs(1))
        .expect("add exports");
    list.add(&card, "studio", Duration::from_secs(1))
        .expect("add card");
    std::fs::remove_dir(&card).expect("unplug the card");
    (dirs, exports, card)
}

/// Clicks the Watch folders window's "Add folder…" (the toolbar's comes first).
fn click_panel_add(harness: &mut Harness<'static, HoistApp>) {
    let buttons: Vec<_> = harness.query_all_by_label("Add folder…").collect();
    assert_eq!(buttons.len(), 2, "the toolbar's and the window's");
    buttons[1].click();
    settle(harness);
}

#[test]
fn watch_folders_window_lists_adds_removes_and_queues() {
    let place = tempfile::tempdir().expect("tempdir");
    let place = std::fs::canonicalize(place.path()).expect("canonical");
    let (dirs, exports, card) = home_with_folders(&place);
    let runtime = jobs_runtime();
    let (service, events, queued) = recording_watch(&dirs, &runtime);
    let renders = place.join("Renders");
    std::fs::create_dir_all(&renders).expect("renders");
    let answers = Arc::new(Mutex::new(vec![
        Picked::Failed,
        Picked::Chosen(vec![renders.clone()]),
    ]));
    let picker: FilePicker = Arc::new(move |_| {
        answers
            .lock()
            .expect("lock")
            .pop()
            .unwrap_or(Picked::Cancelled)
    });
    let (backend, _commands, _events_tx) = ChannelBackend::new();
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None)
        .without_notifications()
        .with_dirs(dirs.clone())
        .with_file_picker(picker)
        .with_watch(service, events);
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 600.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    click(&mut harness, WATCH_TITLE);
    let shown = |h: &Harness<'static, HoistApp>, text: &str| h.query_by_label(text).is_some();
    let exports_text = exports.display().to_string();
    let card_text = card.display().to_string();
    step_until(&mut harness, "both folders with their states", |h| {
        shown(h, &exports_text) && shown(h, &card_text) && shown(h, "Watching") && shown(h, MISSING)
    });
    assert_eq!(harness.query_all_by_label("to studio").count(), 2);

    // A new file in the watched folder goes to the engine's add path once it is still.
    let clip = exports.join("clip.mov");
    std::fs::write(&clip, vec![7u8; 4096]).expect("clip");
    std::fs::write(exports.join(".hidden.mov"), b"x").expect("hidden");
    step_until(&mut harness, "the new file queued", |_| {
        queued.lock().expect("lock").contains(&clip)
    });

    // "Add folder…": the chooser answers with a folder.
    click_panel_add(&mut harness);
    let renders_text = renders.display().to_string();
    step_until(&mut harness, "the chosen folder listed", |h| {
        shown(h, &renders_text)
    });

    // No chooser opens: the same way around as "Add files", in words.
    click_panel_add(&mut harness);
    step_until(&mut harness, "the chooser's fallback", |h| {
        shown(
            h,
            "Couldn't open a file chooser; paste the folder's location below instead.",
        )
    });
    let pasted = place.join("Pasted");
    std::fs::create_dir_all(&pasted).expect("pasted");
    let pasted_text = pasted.display().to_string();
    type_into(&mut harness, "Or paste a folder's location", &pasted_text);
    click(&mut harness, "Watch");
    step_until(&mut harness, "the pasted folder listed", |h| {
        shown(h, &pasted_text)
    });
    // The same folder again is refused in words.
    type_into(&mut harness, "Or paste a folder's location", &pasted_text);
    click(&mut harness, "Watch");
    step_until(&mut harness, "the refusal", |h| {
        shown(h, "That folder is watched already.")
    });

    // The card comes back: watched again.
    std::fs::create_dir_all(&card).expect("plug in");
    step_until(&mut harness, "the card watched again", |h| {
        !shown(h, MISSING)
    });

    // Remove the first folder (Exports).
    let removes: Vec<_> = harness.query_all_by_label("Remove").collect();
    assert_eq!(removes.len(), 4);
    removes[0].click();
    step_until(&mut harness, "Exports removed", |h| {
        !shown(h, &exports_text)
    });
    let saved: Vec<PathBuf> = WatchList::new(&dirs)
        .load()
        .expect("list")
        .into_iter()
        .map(|f| f.path)
        .collect();
    assert_eq!(saved, vec![card.clone(), renders.clone(), pasted.clone()]);
    assert_eq!(
        queued.lock().expect("lock").clone(),
        vec![clip],
        "only the new visible file was queued, once"
    );
    drop(harness);
    drop(runtime);
}

/// A watch service over the folders of `dirs` whose "engine" records the files it is given.
fn recording_watch(
    dirs: &hoist_core::store::HoistDirs,
    runtime: &tokio::runtime::Runtime,
) -> (WatchService, WatchEvents, Arc<Mutex<Vec<PathBuf>>>) {
    let queued = Arc::new(Mutex::new(Vec::new()));
    let sink = queued.clone();
    let config = WatchConfig {
        rescan_interval: Duration::from_secs(2),
        tick_interval: Duration::from_millis(100),
        chunk_size_bytes: None,
        chunk_size_auto: false,
    };
    let (service, events) = WatchService::start(
        dirs,
        Arc::new(move |command| {
            if let Command::Add { path, .. } = command {
                sink.lock().expect("lock").push(path);
            }
            Ok(())
        }),
        runtime.handle().clone(),
        config,
        Arc::new(|| {}),
    )
    .expect("watcher starts");
    (service, events, queued)
}
