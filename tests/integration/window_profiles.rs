//! The profile editor and the window's messages in egui_kittest: services offered by name, the
//! fields each needs, Save checking what the connection test checks, a failed save keeping
//! everything typed (the hidden key too), and actions that cannot run saying why.

use std::path::PathBuf;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{Command, Event, UploadSnapshot};
use hoist_core::store::HoistDirs;
use hoist_core::upload::{AuthSource, Destination, Phase, RemoteResult, Service, UploadId};
use hoist_ui::{ChannelBackend, HoistApp, Picked, ServiceChoice, UiSettings};

use crate::window_support::{click, jobs_runtime, settle, step_until, type_into};

/// Words that belong in the log, never in the window.
const INTERNAL: [&str; 9] = [
    "zbus",
    "unix:path",
    "HOIST_SECRET_STORE",
    "0600",
    "secrets.json",
    "profiles.toml",
    "google-resumable",
    "Secret Service",
    "HTTP ",
];

struct Window {
    harness: Harness<'static, HoistApp>,
    commands: std::sync::mpsc::Receiver<Command>,
    _events: std::sync::mpsc::Sender<Event>,
    _home: tempfile::TempDir,
    dirs: HoistDirs,
    /// The engine's runtime stand-in: connection tests and sign-ins run on it.
    _jobs: tokio::runtime::Runtime,
}

/// The window over a fresh home whose profiles file chooses the secrets file knowingly.
fn window(configure: impl FnOnce(HoistApp) -> HoistApp) -> Window {
    window_with(Vec::new(), configure)
}

/// The same, with these uploads in the journal.
fn window_with(
    uploads: Vec<UploadSnapshot>,
    configure: impl FnOnce(HoistApp) -> HoistApp,
) -> Window {
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = HoistDirs::from_home(home.path());
    dirs.ensure().expect("dirs");
    std::fs::write(
        dirs.config_dir.join("profiles.toml"),
        "secret_store = \"file\"\n",
    )
    .expect("write");
    let (backend, commands, event_tx) = ChannelBackend::new();
    event_tx.send(Event::Restored { uploads }).expect("send");
    let jobs = jobs_runtime();
    let app = configure(
        HoistApp::new(Box::new(backend), UiSettings::default(), None)
            .without_notifications()
            .with_dirs(dirs.clone())
            .with_jobs(jobs.handle().clone()),
    );
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 800.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    Window {
        harness,
        commands,
        _events: event_tx,
        _home: home,
        dirs,
        _jobs: jobs,
    }
}

/// Opens Profiles, then Add: the service picker.
fn open_picker(harness: &mut Harness<'static, HoistApp>) {
    click(harness, "Profiles");
    step_until(harness, "the empty list", |h| {
        h.query_by_label("No saved profiles yet.").is_some()
    });
    click(harness, "Add");
}

/// No node of the window names an internal type, path, bus or variable.
fn assert_no_internal_words(harness: &Harness<'static, HoistApp>) {
    for word in INTERNAL {
        let found: Vec<String> = harness
            .query_all_by(|node| {
                node.label().is_some_and(|l| l.contains(word))
                    || node.value().is_some_and(|v| v.contains(word))
            })
            .map(|node| format!("{node:?}"))
            .collect();
        assert!(found.is_empty(), "the window shows {word:?}: {found:?}");
    }
}

#[test]
fn the_editor_offers_services_by_name_and_asks_for_what_each_needs() {
    let mut w = window(|app| app);
    open_picker(&mut w.harness);
    for service in ServiceChoice::ALL {
        w.harness.get_by_label(service.name());
        w.harness.get_by_label(service.needs());
    }
    assert!(w.harness.query_by_label("Kind").is_none());
    w.harness.check_accessibility();

    click(&mut w.harness, "api.video");
    for label in ["Name", hoist_ui::API_KEY_LABEL, "Title", "Tags"] {
        w.harness.get_by_label(label);
    }
    assert!(w.harness.query_by_label(hoist_ui::ADDRESS_LABEL).is_none());
    assert!(
        w.harness.query_by_label("Piece size").is_none(),
        "folded away"
    );
    click(&mut w.harness, "Advanced settings");
    w.harness.get_by_label("Piece size");
    w.harness.get_by_label("Server address");
    w.harness.check_accessibility();

    click(&mut w.harness, "Choose another service");
    click(&mut w.harness, "Your own server (tus)");
    w.harness.get_by_label(hoist_ui::ADDRESS_LABEL);
    w.harness.get_by_label(hoist_ui::SECRET_LABEL);
    assert!(w.harness.query_by_label(hoist_ui::API_KEY_LABEL).is_none());

    click(&mut w.harness, "Choose another service");
    click(&mut w.harness, "Google Cloud Storage");
    w.harness.get_by_label("Bucket");
    w.harness.get_by_label("Folder in the bucket");
    w.harness.get_by_label(hoist_ui::SIGN_IN_CHECKBOX);
    assert_no_internal_words(&w.harness);
}

/// Save refuses plain http to another computer (as the connection test would), a save that
/// fails at the profiles file keeps every field (the hidden key too, proven by saving it
/// afterwards without typing it again), and any display name is accepted.
#[test]
fn a_failed_save_keeps_every_field_and_save_refuses_remote_http() {
    let mut w = window(|app| app);
    let profiles_file = w.dirs.config_dir.join("profiles.toml");
    open_picker(&mut w.harness);
    click(&mut w.harness, "Your own server (tus)");
    // Emoji in names are proven by the core's round-trip tests; the test font has none.
    let name = "Mes vidéos d'été";
    type_into(&mut w.harness, "Name", name);
    type_into(
        &mut w.harness,
        hoist_ui::ADDRESS_LABEL,
        "http://upload.example.com/files/",
    );
    type_into(&mut w.harness, hoist_ui::SECRET_LABEL, "tok-kept-91");
    click(&mut w.harness, "Save");
    w.harness.get_by_label(
        "The address of upload.example.com must start with https:// (plain http:// only works for this computer).",
    );
    let written = std::fs::read_to_string(&profiles_file).expect("read");
    assert!(!written.contains("[profiles"), "nothing saved: {written}");
    assert_eq!(
        w.harness.get_by_label("Name").value().as_deref(),
        Some(name)
    );
    assert_eq!(
        w.harness
            .get_by_label(hoist_ui::ADDRESS_LABEL)
            .value()
            .as_deref(),
        Some("http://upload.example.com/files/")
    );

    // A loopback address is fine; now the profiles file breaks before Save.
    w.harness
        .get_by_label(hoist_ui::ADDRESS_LABEL)
        .set_text_value_accesskit("http://127.0.0.1:9/files/");
    settle(&mut w.harness);
    std::fs::write(&profiles_file, "secret_store = \n").expect("break");
    click(&mut w.harness, "Save");
    step_until(&mut w.harness, "the refused save", |h| {
        h.query_by_label_contains("Not saved: Hoist's list of accounts is damaged at line 1")
            .is_some()
    });
    assert_eq!(
        w.harness.get_by_label("Name").value().as_deref(),
        Some(name)
    );
    assert_eq!(
        w.harness
            .get_by_label(hoist_ui::ADDRESS_LABEL)
            .value()
            .as_deref(),
        Some("http://127.0.0.1:9/files/")
    );
    assert!(!w.dirs.data_dir.join("secrets.json").exists());
    assert_no_internal_words(&w.harness);

    // Fixed: Save again without typing anything; the key typed before is what gets stored.
    std::fs::write(&profiles_file, "secret_store = \"file\"\n").expect("fix");
    click(&mut w.harness, "Save");
    step_until(&mut w.harness, "the save", |h| {
        h.query_by_label("Saved").is_some()
    });
    let secrets = std::fs::read_to_string(w.dirs.data_dir.join("secrets.json")).expect("secrets");
    assert!(secrets.contains("tok-kept-91"), "the hidden key was kept");
    let stored = hoist_core::profile::ProfileStore::new(&w.dirs)
        .load()
        .expect("load");
    let (key, profile) = stored.profiles.iter().next().expect("one profile");
    assert_eq!(key, "mes-videos-d-ete");
    assert_eq!(profile.display_name.as_deref(), Some(name));
    assert_eq!(profile.kind, hoist_core::profile::ProfileKind::Tus);
    // Listed and offered as a destination by its name.
    w.harness.get_by_label(name);
    assert!(
        w.harness
            .state()
            .destinations()
            .iter()
            .any(|(label, _)| label == name)
    );
    assert_no_internal_words(&w.harness);
}

/// An existing profile opens under its service, and the connection test names the host and
/// the fix.
#[test]
fn existing_profiles_open_under_their_service_and_tests_name_the_host() {
    let mut w = window(|app| app);
    let profile = hoist_core::profile::Profile {
        endpoint: Some("http://127.0.0.1:9/files/".to_string()),
        ..hoist_core::profile::Profile::new(hoist_core::profile::ProfileKind::Tus)
    };
    hoist_core::profile::manage::save(
        &w.dirs,
        "old-tus",
        profile,
        hoist_core::profile::manage::SecretUpdate::Keep,
        false,
    )
    .expect("save");
    click(&mut w.harness, "Profiles");
    step_until(&mut w.harness, "the list", |h| {
        h.query_by_label("old-tus").is_some()
    });
    click(&mut w.harness, "Test connection");
    step_until(&mut w.harness, "the test", |h| {
        h.query_by_label_contains(
            "Couldn't reach 127.0.0.1:9 — check the address and your internet connection.",
        )
        .is_some()
    });
    click(&mut w.harness, "Edit");
    // The form's heading names the service, beside the list's row (the picker is not shown
    // when editing).
    assert_eq!(
        w.harness
            .query_all_by_label("Your own server (tus)")
            .count(),
        2
    );
    assert!(
        w.harness
            .query_by_label("Where do you want to upload?")
            .is_none()
    );
    assert_eq!(
        w.harness
            .get_by_label(hoist_ui::ADDRESS_LABEL)
            .value()
            .as_deref(),
        Some("http://127.0.0.1:9/files/")
    );
    assert_no_internal_words(&w.harness);
}

/// "Add files..." with no file chooser says so and how to add files instead; dragging still
/// works. A link no browser opens offers "Copy link".
#[test]
fn actions_that_cannot_run_say_why_and_offer_the_way_around() {
    let picker: hoist_ui::FilePicker = Arc::new(|_| Picked::Failed);
    let no_browser: hoist_ui::BrowserOpener = Arc::new(|_| false);
    let mut w = window(move |app| {
        let mut app = app.with_file_picker(picker).with_browser_opener(no_browser);
        // The entry point a first-run assistant uses: the Profiles window on the picker.
        app.connect_account();
        app
    });
    w.harness.get_by_label("Where do you want to upload?");
    w.harness.get_by_label("YouTube");
    click(&mut w.harness, "Cancel");
    // "Add files..." needs a destination.
    hoist_core::profile::manage::save(
        &w.dirs,
        "local",
        hoist_core::profile::Profile {
            endpoint: Some("http://127.0.0.1:9/files/".to_string()),
            ..hoist_core::profile::Profile::new(hoist_core::profile::ProfileKind::Tus)
        },
        hoist_core::profile::manage::SecretUpdate::Keep,
        false,
    )
    .expect("save");
    // Closing and opening Profiles reads the file again.
    click(&mut w.harness, "Profiles");
    click(&mut w.harness, "Profiles");
    step_until(&mut w.harness, "the profile", |h| {
        h.query_by_label("local").is_some()
    });
    click(&mut w.harness, "Profiles");
    click(&mut w.harness, "Add files…");
    step_until(&mut w.harness, "the message", |h| {
        h.query_by_label("Couldn't open a file chooser; drag files here instead.")
            .is_some()
    });
    assert!(w.commands.try_iter().next().is_none());
    click(&mut w.harness, "Dismiss");
    assert!(
        w.harness
            .query_by_label("Couldn't open a file chooser; drag files here instead.")
            .is_none()
    );
}

/// A finished upload's "Open link" with no browser: the window says so and offers "Copy link";
/// "Show file" with no file manager names the folder and offers "Copy location".
#[test]
fn a_link_or_folder_the_desktop_cannot_open_can_be_copied() {
    let url = "https://videos.example.com/v/42";
    let done = UploadSnapshot {
        id: UploadId(1),
        file_name: "clip.mp4".to_string(),
        path: PathBuf::from("/nonexistent-hoist-folder/clip.mp4"),
        destination: "videos.example.com".to_string(),
        target: Destination {
            service: Service::Tus {
                endpoint: "https://videos.example.com/files/".to_string(),
            },
            auth: AuthSource::None,
        },
        total_bytes: Some(5),
        confirmed_bytes: 5,
        phase: Phase::Completed,
        error: None,
        result: Some(RemoteResult {
            remote_id: Some("42".to_string()),
            url: Some(url.to_string()),
            response: serde_json::Value::Null,
        }),
        expires_unix_secs: None,
    };
    let asked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = asked.clone();
    let no_browser: hoist_ui::BrowserOpener = Arc::new(move |link: &url::Url| {
        seen.lock().expect("lock").push(link.to_string());
        false
    });
    let no_file_manager: hoist_ui::FileManager = Arc::new(|_| false);
    let mut w = window_with(vec![done], move |app| {
        app.with_browser_opener(no_browser)
            .with_file_manager(no_file_manager)
    });
    step_until(&mut w.harness, "the row", |h| {
        h.query_by_label("Open link").is_some()
    });
    click(&mut w.harness, "Open link");
    step_until(&mut w.harness, "the message", |h| {
        h.query_by_label("Couldn't open a browser. Copy the link and paste it into yours.")
            .is_some()
    });
    assert_eq!(*asked.lock().expect("lock"), vec![url.to_string()]);
    w.harness.get_by_label("Copy link").click();
    w.harness.step();
    let copied = w
        .harness
        .output()
        .platform_output
        .commands
        .iter()
        .any(|c| matches!(c, egui::OutputCommand::CopyText(text) if text == url));
    assert!(copied, "Copy link put the link on the clipboard");
    assert_no_internal_words(&w.harness);

    click(&mut w.harness, "Show file");
    step_until(&mut w.harness, "the file manager message", |h| {
        h.query_by_label("Couldn't open the file manager. The file is in /nonexistent-hoist-folder")
            .is_some()
    });
    w.harness.get_by_label("Copy location").click();
    w.harness.step();
    let copied = w.harness.output().platform_output.commands.iter().any(
        |c| matches!(c, egui::OutputCommand::CopyText(text) if text == "/nonexistent-hoist-folder"),
    );
    assert!(copied, "Copy location put the folder on the clipboard");
}

#[test]
fn settings_save_a_support_bundle_that_people_can_find() {
    let folder = tempfile::tempdir().expect("tempdir");
    let shown: Arc<std::sync::Mutex<Vec<PathBuf>>> = Arc::default();
    let seen = shown.clone();
    let into = folder.path().to_path_buf();
    let mut w = window(move |app| {
        app.with_support_folder(into)
            .with_file_manager(Arc::new(move |path: &std::path::Path| {
                seen.lock().expect("lock").push(path.to_path_buf());
                true
            }))
    });
    click(&mut w.harness, "Settings");
    click(&mut w.harness, hoist_ui::SAVE_SUPPORT_BUNDLE);
    step_until(&mut w.harness, "the bundle", |h| {
        h.query_by_label_contains("Saved hoist-support-").is_some()
    });
    let saved: Vec<PathBuf> = std::fs::read_dir(folder.path())
        .expect("folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let bundle = &saved[0];
    let name = bundle.file_name().and_then(|n| n.to_str()).expect("name");
    assert!(
        name.starts_with("hoist-support-") && name.ends_with(".zip"),
        "{name}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(bundle).expect("open")).expect("zip");
    assert!(
        zip.by_name("journal.json").is_ok(),
        "the upload list is in it"
    );
    assert!(
        zip.by_name("settings/profiles.toml").is_ok(),
        "the profiles are in it"
    );
    assert_no_internal_words(&w.harness);
    click(&mut w.harness, "Show file");
    step_until(&mut w.harness, "the file manager", |_| {
        !shown.lock().expect("lock").is_empty()
    });
    assert_eq!(
        shown.lock().expect("lock").as_slice(),
        std::slice::from_ref(bundle)
    );
}
