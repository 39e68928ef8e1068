//! The real window (`HoistApp`) in egui_kittest, with a fake engine (a channel pair) or the real
//! one: buttons send commands, dropped files become rows, errors show, a journal is restored, and
//! every input widget has an accessible label.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hoist_core::engine::{Command, Event, UploadSnapshot};
use hoist_core::upload::{AuthSource, Destination, Failure, FailureKind, Phase, UploadId};
use hoist_ui::{ChannelBackend, HoistApp, UiSettings};

use crate::window_support::{
    loopback_destination, profiles_window, settle, step_until, type_into, upload_row,
};

fn destination() -> Destination {
    loopback_destination(9)
}

fn snapshot(id: i64, name: &str, phase: Phase) -> UploadSnapshot {
    upload_row(id, name, phase, destination(), 2_500_000, 10_000_000)
}

struct Fake {
    commands: Receiver<Command>,
    events: Sender<Event>,
}

fn window(initial: Vec<UploadSnapshot>) -> (Harness<'static, HoistApp>, Fake) {
    let (backend, command_rx, event_tx) = ChannelBackend::new();
    event_tx
        .send(Event::Restored { uploads: initial })
        .expect("send");
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 600.0))
        .build_eframe(|_cc| app);
    harness.run();
    (
        harness,
        Fake {
            commands: command_rx,
            events: event_tx,
        },
    )
}

fn commands(fake: &Fake) -> Vec<Command> {
    fake.commands.try_iter().collect()
}

#[derive(Debug)]
struct TestDroppedFile(PathBuf);

impl egui::DroppedFile for TestDroppedFile {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// With nowhere to send files yet, the empty window says to connect an account first and its
/// button opens the saved profiles (with one, it says where to drop files: `window_lifecycle`).
#[test]
fn first_run_says_what_to_do() {
    let (mut harness, _fake) = window(Vec::new());
    harness.get_by_label("Connect the account your videos go to, then drop them here");
    assert!(
        harness
            .query_by_label("Drop videos and photos here")
            .is_none()
    );
    harness.check_accessibility();
    assert!(harness.query_by_label("Saved profiles").is_none());
    harness.get_by_label("Connect an account…").click();
    harness.run();
    harness.get_by_label("Saved profiles");
}

#[test]
fn pause_resume_cancel_buttons_send_commands() {
    let (mut harness, fake) = window(vec![snapshot(1, "running.mp4", Phase::Uploading)]);
    harness.get_by_label("running.mp4");
    harness.get_by_label("Pause").click();
    harness.run();
    assert_eq!(commands(&fake), vec![Command::Pause(UploadId(1))]);

    fake.events
        .send(Event::PhaseChanged {
            id: UploadId(1),
            phase: Phase::Paused,
            failure: None,
        })
        .expect("send");
    harness.run();
    harness.get_by_label("Paused");
    harness.get_by_label("Resume").click();
    harness.run();
    assert_eq!(commands(&fake), vec![Command::Resume(UploadId(1))]);
    harness.get_by_label("Cancel").click();
    harness.run();
    assert_eq!(commands(&fake), vec![Command::Cancel(UploadId(1))]);
    harness.get_by_label("Resume all").click();
    harness.run();
    assert_eq!(commands(&fake), vec![Command::ResumeAll]);
    // Pause all pauses nothing while the only upload is paused: greyed out, it sends nothing.
    harness.get_by_label("Pause all").click();
    harness.run();
    assert_eq!(commands(&fake), Vec::<Command>::new());

    fake.events
        .send(Event::PhaseChanged {
            id: UploadId(1),
            phase: Phase::Uploading,
            failure: None,
        })
        .expect("send");
    harness.run();
    harness.get_by_label("Resume all").click();
    harness.run();
    assert_eq!(commands(&fake), Vec::<Command>::new());
    harness.get_by_label("Pause all").click();
    harness.run();
    assert_eq!(commands(&fake), vec![Command::PauseAll]);
}

#[test]
fn dropped_files_are_added_once_and_rows_appear() {
    let files = tempfile::tempdir().expect("tempdir");
    let a = files.path().join("holiday.mp4");
    let b = files.path().join("sub").join("talk.mov");
    std::fs::create_dir_all(b.parent().expect("parent")).expect("mkdir");
    std::fs::write(&a, b"video").expect("write");
    std::fs::write(&b, b"video").expect("write");
    std::fs::write(files.path().join(".hidden"), b"x").expect("write");
    // One row exists already, so there is a destination; holiday.mp4 is dropped twice.
    let (mut harness, fake) = window(vec![snapshot(1, "old.mp4", Phase::Completed)]);
    harness.input_mut().dropped_files = vec![
        Arc::new(TestDroppedFile(a.clone())),
        Arc::new(TestDroppedFile(files.path().to_path_buf())),
    ];
    // Folder expansion runs off the UI thread: step until the commands arrive.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut sent = Vec::new();
    while sent.len() < 2 && Instant::now() < deadline {
        harness.step();
        sent.extend(commands(&fake));
        std::thread::sleep(Duration::from_millis(10));
    }
    let added: Vec<PathBuf> = sent
        .iter()
        .map(|c| match c {
            Command::Add {
                path,
                destination: d,
                ..
            } => {
                assert_eq!(*d, destination());
                path.clone()
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        added,
        vec![a.clone(), b.clone()],
        "hidden files skipped, no duplicates"
    );

    for (i, path) in added.iter().enumerate() {
        let mut upload = snapshot(10 + i as i64, "", Phase::Queued);
        upload.file_name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        upload.path = path.clone();
        fake.events
            .send(Event::Added {
                tag: i as u64 + 1,
                upload: Box::new(upload),
            })
            .expect("send");
    }
    harness.run();
    harness.get_by_label("holiday.mp4");
    harness.get_by_label("talk.mov");
    assert_eq!(harness.state().model().rows().len(), 3);

    // Dropping a file that is already on its way adds nothing, and says so.
    harness.input_mut().dropped_files = vec![Arc::new(TestDroppedFile(a.clone()))];
    step_until(&mut harness, "the words about the file on its way", |h| {
        h.query_by_label("holiday.mp4 is already in the list, on its way.")
            .is_some()
    });
    assert!(commands(&fake).is_empty());

    // Once it is done, dropping it again is said too (an "Open with" twice sends nothing twice);
    // once its row is cleared, it is a new upload.
    fake.events
        .send(Event::PhaseChanged {
            id: UploadId(10),
            phase: Phase::Completed,
            failure: None,
        })
        .expect("send");
    harness.run();
    harness.input_mut().dropped_files = vec![Arc::new(TestDroppedFile(a.clone()))];
    step_until(&mut harness, "the words about the file sent", |h| {
        h.query_by_label("holiday.mp4 was sent already: to send it again, remove its row first.")
            .is_some()
    });
    assert!(commands(&fake).is_empty());
    fake.events
        .send(Event::Removed { id: UploadId(10) })
        .expect("send");
    harness.run();
    harness.input_mut().dropped_files = vec![Arc::new(TestDroppedFile(a.clone()))];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut again = Vec::new();
    while again.is_empty() && Instant::now() < deadline {
        harness.step();
        again.extend(commands(&fake));
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        matches!(again.as_slice(), [Command::Add { path, .. }] if *path == a),
        "{again:?}"
    );
}

#[test]
fn an_error_shows_in_the_row_in_plain_words() {
    let (mut harness, fake) = window(vec![snapshot(3, "clip.mp4", Phase::Uploading)]);
    fake.events
        .send(Event::PhaseChanged {
            id: UploadId(3),
            phase: Phase::Failed,
            failure: Some(Failure::new(
                FailureKind::TokenRefused,
                "the server refused the credentials: Invalid Credentials",
            )),
        })
        .expect("send");
    harness.run();
    harness.get_by_label("Failed: sign-in refused");
    assert!(
        harness
            .query_by_label_contains("Invalid Credentials")
            .is_none(),
        "the server's technical words stay out of the window"
    );
    let row = &harness.state().model().rows()[0];
    assert_eq!(
        row.upload.error.as_ref().map(|f| f.kind),
        Some(FailureKind::TokenRefused),
        "the window can tell a refused token without reading text"
    );
    harness.get_by_label("Retry").click();
    harness.run();
    assert_eq!(commands(&fake), vec![Command::Retry(UploadId(3))]);
}

#[test]
fn progress_and_reconnecting_are_shown() {
    let (mut harness, fake) = window(vec![snapshot(4, "big.mov", Phase::Uploading)]);
    fake.events
        .send(Event::Progress(hoist_core::engine::Progress {
            id: UploadId(4),
            sent_bytes: 6_000_000,
            confirmed_bytes: 5_000_000,
            total_bytes: Some(10_000_000),
            rate_bytes_per_sec: 1_048_576.0,
        }))
        .expect("send");
    harness.run();
    harness.get_by_label("50 %");
    harness.get_by_label("big.mov: 50 % confirmed");
    let row = &harness.state().model().rows()[0];
    assert_eq!(
        (row.upload.confirmed_bytes, row.sent_bytes),
        (5_000_000, 6_000_000)
    );
    fake.events
        .send(Event::Retrying {
            id: UploadId(4),
            attempt: 2,
            wait: Duration::from_secs(8),
            reason: Failure::new(
                FailureKind::Network,
                "the connection to the server was lost",
            ),
        })
        .expect("send");
    harness.step();
    assert!(
        harness.query_by_label("Reconnecting in 8 s").is_some()
            || harness.query_by_label("Reconnecting in 7 s").is_some()
    );
}

#[test]
fn settings_have_labels_and_send_limits() {
    let (mut harness, fake) = window(vec![snapshot(5, "a.mp4", Phase::Queued)]);
    harness.get_by_label("Settings").click();
    harness.run();
    harness.get_by_label("Upload");
    harness.get_by_label("files at once");
    harness.get_by_role_and_label(egui::accesskit::Role::Slider, "Limit upload speed");
    harness.get_by_label("Advanced");
    harness.get_by_label("Notify me when an upload finishes or fails");
    harness.check_accessibility();
    assert!(commands(&fake).is_empty());
}

#[test]
fn relaunch_restores_rows_from_the_journal() {
    let home = tempfile::tempdir().expect("tempdir");
    let files = tempfile::tempdir().expect("tempdir");
    let dirs = hoist_core::store::HoistDirs::from_home(home.path());
    dirs.ensure().expect("dirs");
    let path = files.path().join("restored.mp4");
    std::fs::write(&path, vec![1u8; 4096]).expect("write");
    {
        let opened = hoist_core::store::Journal::open(&dirs.journal_path()).expect("journal");
        let record = opened
            .journal
            .insert(&hoist_core::store::NewUpload {
                file: hoist_core::file::FileIdentity::read(&path).expect("identity"),
                destination: destination(),
                total_bytes: Some(4096),
                chunk_size_bytes: None,
                chunk_size_auto: false,
            })
            .expect("insert");
        opened
            .journal
            .set_phase(record.id, Phase::Paused, None)
            .expect("phase");
    }
    let config = hoist_core::engine::EngineConfig::new(&dirs);
    let (handle, events) =
        hoist_core::engine::Engine::start(config, Arc::new(|| {})).expect("engine");
    let backend = hoist_ui::EngineBackend::new(handle, events);
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None).without_notifications();
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 600.0))
        .build_eframe(|_cc| app);
    let deadline = Instant::now() + Duration::from_secs(10);
    while harness.query_by_label("restored.mp4").is_none() && Instant::now() < deadline {
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run();
    harness.get_by_label("restored.mp4");
    harness.get_by_label("Paused");
    harness.get_by_label("Resume");
}

#[test]
fn profiles_window_adds_tests_edits_and_deletes_a_profile() {
    let token = "tok-window-7c1d";
    let server = crate::support::TestServer::start_with_token(&[], Some(token));
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = hoist_core::store::HoistDirs::from_home(home.path());
    let profiles_file = dirs.config_dir.join("profiles.toml");
    let files = tempfile::tempdir().expect("tempdir");
    let video = files.path().join("clip.mp4");
    std::fs::write(&video, b"video").expect("write");
    let settings = UiSettings {
        destination: Some("local".to_string()),
        ..UiSettings::default()
    };
    let (mut harness, commands_rx, _jobs) = profiles_window(&dirs, settings, |app| app);
    assert!(harness.state().destinations().is_empty());

    harness.get_by_label("Profiles").click();
    settle(&mut harness);
    step_until(&mut harness, "the empty list", |h| {
        h.query_by_label("No saved profiles yet.").is_some()
    });
    harness.get_by_label("Add").click();
    settle(&mut harness);
    harness
        .get_by_label(hoist_ui::ServiceChoice::GoogleStyle.name())
        .click();
    settle(&mut harness);
    type_into(&mut harness, "Name", "local");
    type_into(
        &mut harness,
        hoist_ui::ADDRESS_LABEL,
        &server.initiate_url(),
    );
    type_into(&mut harness, hoist_ui::SECRET_LABEL, token);
    harness.check_accessibility();
    harness.get_by_label("Save").click();
    settle(&mut harness);
    step_until(&mut harness, "the save", |h| {
        h.query_by_label("Saved").is_some()
    });
    // In the list (once its background reload is in), in the file (without the secret), and in
    // the destination menu.
    step_until(&mut harness, "the profile in the list", |h| {
        h.query_all_by_label(hoist_ui::ServiceChoice::GoogleStyle.name())
            .count()
            == 1
    });
    let expected = assert_saved_without_secret(&dirs, &server.initiate_url(), token);
    let menu = harness.state().destinations();
    assert_eq!(menu.len(), 1);
    assert_eq!(menu[0], ("local".to_string(), expected.clone()));

    // Test connection: the reference server accepts the token.
    harness.get_by_label("Test connection").click();
    settle(&mut harness);
    step_until(&mut harness, "the connection test", |h| {
        h.query_by_label_contains(&format!(
            "{} answers.",
            server.base_url().trim_start_matches("http://")
        ))
        .is_some()
    });

    // Files dropped now go to the profile, with its chunk size (one stream: none set).
    drop_and_expect_add(&mut harness, &commands_rx, &video, &expected);

    // Edit: a new token replaces the stored one (the old one is gone); the rest is kept.
    harness.get_by_label("Edit").click();
    settle(&mut harness);
    type_into(&mut harness, hoist_ui::SECRET_LABEL, "new-token-5e2a");
    harness.get_by_label("Save").click();
    settle(&mut harness);
    step_until(&mut harness, "the edit", |h| {
        h.query_by_label("Saved").is_some()
    });
    let secrets = std::fs::read_to_string(dirs.data_dir.join("secrets.json")).expect("secrets");
    assert!(secrets.contains("new-token-5e2a") && !secrets.contains(token));
    assert_eq!(
        hoist_core::profile::ProfileStore::new(&dirs)
            .get("local")
            .expect("profile")
            .endpoint,
        Some(server.initiate_url())
    );

    // Delete asks first, naming the profile; nothing is deleted until confirmed.
    harness.get_by_label("Delete").click();
    settle(&mut harness);
    harness.get_by_label("Delete \"local\" and its saved key? This cannot be undone.");
    assert!(
        std::fs::read_to_string(&profiles_file)
            .expect("read")
            .contains("[profiles.local]")
    );
    harness.get_by_label("Yes, delete it").click();
    settle(&mut harness);
    step_until(&mut harness, "the delete", |h| {
        h.query_by_label_contains("Deleted \"local\".").is_some()
            && h.query_by_label("No saved profiles yet.").is_some()
    });
    let written = std::fs::read_to_string(&profiles_file).expect("read");
    assert!(!written.contains("[profiles.local]"), "{written}");
    let secrets = std::fs::read_to_string(dirs.data_dir.join("secrets.json")).expect("secrets");
    assert!(!secrets.contains("new-token-5e2a"));
    assert!(harness.state().destinations().is_empty());
}

#[test]
fn a_broken_profiles_file_is_shown_with_its_line() {
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = hoist_core::store::HoistDirs::from_home(home.path());
    dirs.ensure().expect("dirs");
    std::fs::write(
        dirs.config_dir.join("profiles.toml"),
        "[profiles.a]\nkind = \"drive\"\nprivacy = public\n",
    )
    .expect("write");
    let (backend, _commands, _events) = ChannelBackend::new();
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None)
        .without_notifications()
        .with_dirs(dirs);
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 600.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    harness.get_by_label("Profiles").click();
    settle(&mut harness);
    step_until(&mut harness, "the error", |h| {
        h.query_by_label_contains("The saved profiles could not be read")
            .is_some()
    });
    harness.get_by_label_contains("line 3");
    harness.check_accessibility();
}

/// A profile that signs in to Google: its form shows the OAuth client fields, its row has
/// "Sign in with Google", which opens the consent page (here a test plays the browser) and saves
/// the sign-in; "Test connection" then uses it and "Sign out" revokes it.
#[test]
fn profiles_window_signs_a_profile_in_to_google() {
    use hoist_core::profile::manage;

    let server = crate::support::TestServer::start_with_token(&[], Some("tok-static-unused"));
    let base = server.base_url();
    let home = tempfile::tempdir().expect("tempdir");
    let dirs = hoist_core::store::HoistDirs::from_home(home.path());
    dirs.ensure().expect("dirs");
    std::fs::write(
        dirs.config_dir.join("profiles.toml"),
        "secret_store = \"file\"\n",
    )
    .expect("write");
    save_google_sign_in_profile(&dirs, &base, server.initiate_url());

    // The "browser": it follows the consent page back to Hoist's loopback listener.
    let browser = server.runtime.handle().clone();
    let visited = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = visited.clone();
    // The second time, nobody finishes in the browser (the sign-in is then cancelled).
    let opener: hoist_ui::BrowserOpener = Arc::new(move |url: &url::Url| {
        let mut seen = seen.lock().expect("lock");
        seen.push(url.to_string());
        if seen.len() == 1 {
            browser.spawn(crate::oauth::play_browser(url.to_string(), ""));
        }
        true
    });
    let (mut harness, _commands, _jobs) = profiles_window(&dirs, UiSettings::default(), |app| {
        app.with_browser_opener(opener)
    });
    harness.get_by_label("Profiles").click();
    settle(&mut harness);
    step_until(&mut harness, "the list", |h| {
        h.query_by_label("Sign in with Google").is_some()
    });

    // The form: the sign-in box is ticked, the client ID shown, the secret is the client's.
    harness.get_by_label("Edit").click();
    settle(&mut harness);
    harness.get_by_label(hoist_ui::SIGN_IN_CHECKBOX);
    harness.get_by_label("OAuth client ID");
    harness.get_by_label(hoist_ui::CLIENT_SECRET_LABEL);
    assert!(harness.query_by_label(hoist_ui::SECRET_LABEL).is_none());
    harness.check_accessibility();
    click_until_shown(
        &mut harness,
        "Save",
        "Press \"Sign in with Google\" in its row",
    );
    // Saving through the form kept the sign-in's endpoints and the client secret.
    let saved = hoist_core::profile::ProfileStore::new(&dirs)
        .get("gsi")
        .expect("profile");
    let sign_in = saved.google_sign_in.expect("still signs in");
    assert_eq!(sign_in.client_id, crate::oauth::CLIENT_ID);
    assert_eq!(sign_in.token_url, Some(format!("{base}/oauth/token")));
    assert!(saved.secret.is_some());

    // Not signed in yet: the connection test says so.
    click_until_shown(
        &mut harness,
        "Test connection",
        "Not signed in to Google yet",
    );

    click_until_shown(
        &mut harness,
        "Sign in with Google",
        "Signed in to Google for \"gsi\".",
    );
    let pages = visited.lock().expect("lock").clone();
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert!(
        pages[0].starts_with(&format!("{base}/oauth/authorize?")),
        "{pages:?}"
    );
    assert!(manage::is_signed_in(&dirs, "gsi").expect("signed in?"));
    let secrets = std::fs::read_to_string(dirs.data_dir.join("secrets.json")).expect("secrets");
    assert!(secrets.contains("oauth/google/gsi"), "the sign-in is saved");

    click_until_shown(
        &mut harness,
        "Test connection",
        &format!("{} answers.", base.trim_start_matches("http://")),
    );

    click_until_shown(
        &mut harness,
        "Sign out",
        "Signed out of Google for \"gsi\".",
    );
    assert!(!manage::is_signed_in(&dirs, "gsi").expect("signed in?"));

    // A sign-in nobody finishes: the page's address is shown, and it can be cancelled.
    harness.get_by_label("Sign in with Google").click();
    settle(&mut harness);
    step_until(&mut harness, "the waiting sign-in", |h| {
        h.query_by_label("Cancel sign-in").is_some()
    });
    harness.get_by_label("Google sign-in page");
    harness.get_by_label("If no browser appeared, open Google's sign-in page yourself:");
    click_until_shown(
        &mut harness,
        "Cancel sign-in",
        "Signing in for \"gsi\" was cancelled.",
    );
    assert!(harness.query_by_label("Cancel sign-in").is_none());
    assert_eq!(visited.lock().expect("lock").len(), 2);
    assert!(!manage::is_signed_in(&dirs, "gsi").expect("signed in?"));
}

/// Clicks `button`, then steps the window until a label containing `shown` appears.
fn click_until_shown(harness: &mut Harness<'static, HoistApp>, button: &str, shown: &str) {
    harness.get_by_label(button).click();
    settle(harness);
    step_until(harness, shown, |h| {
        h.query_by_label_contains(shown).is_some()
    });
}

/// Drops `video` on the window: exactly one `Add` of it to `expected` follows, with no chunk size.
fn drop_and_expect_add(
    harness: &mut Harness<'static, HoistApp>,
    commands_rx: &Receiver<Command>,
    video: &Path,
    expected: &Destination,
) {
    harness.input_mut().dropped_files = vec![Arc::new(TestDroppedFile(video.to_path_buf()))];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut sent = Vec::new();
    while sent.is_empty() && Instant::now() < deadline {
        harness.step();
        sent.extend(commands_rx.try_iter());
        std::thread::sleep(Duration::from_millis(10));
    }
    match sent.as_slice() {
        [
            Command::Add {
                path,
                destination,
                options,
                ..
            },
        ] => {
            assert_eq!(*path, video);
            assert_eq!(destination, expected);
            assert_eq!(options.chunk_size_bytes, None);
        }
        other => panic!("unexpected commands {other:?}"),
    }
}

/// The profile `local` is saved with `endpoint`, its secret `token` only in the secrets file; its
/// destination.
fn assert_saved_without_secret(
    dirs: &hoist_core::store::HoistDirs,
    endpoint: &str,
    token: &str,
) -> Destination {
    let profiles_file = dirs.config_dir.join("profiles.toml");
    let written = std::fs::read_to_string(&profiles_file).expect("read");
    assert!(written.contains("[profiles.local]"), "{written}");
    assert!(written.contains(endpoint), "{written}");
    assert!(
        !written.contains(token),
        "the secret must not be in profiles.toml"
    );
    let secrets = std::fs::read_to_string(dirs.data_dir.join("secrets.json")).expect("secrets");
    assert!(secrets.contains(token));
    let stored = hoist_core::profile::ProfileStore::new(dirs)
        .get("local")
        .expect("profile");
    let expected = stored.destination("local").expect("destination");
    assert!(matches!(expected.auth, AuthSource::Stored(_)));
    expected
}

/// Saves the profile `gsi` as `profile add --oauth` would, pointing at the OAuth provider of the
/// reference server at `base`.
fn save_google_sign_in_profile(
    dirs: &hoist_core::store::HoistDirs,
    base: &str,
    initiate_url: String,
) {
    use hoist_core::profile::manage::{self, SecretUpdate};
    use hoist_core::profile::{GoogleSignIn, Profile, ProfileKind};
    let profile = Profile {
        endpoint: Some(initiate_url),
        google_sign_in: Some(GoogleSignIn {
            client_id: crate::oauth::CLIENT_ID.to_string(),
            account: None,
            auth_url: Some(format!("{base}/oauth/authorize")),
            token_url: Some(format!("{base}/oauth/token")),
            revoke_url: Some(format!("{base}/oauth/revoke")),
        }),
        ..Profile::new(ProfileKind::GoogleResumable)
    };
    manage::save(
        dirs,
        "gsi",
        profile,
        SecretUpdate::Replace {
            main: Some(hoist_core::secrets::Secret::new("client-secret-xyz")),
            headers: Vec::new(),
        },
        false,
    )
    .expect("save");
}
