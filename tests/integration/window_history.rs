//! The History window in egui_kittest over a real journal: the empty state in words; entries
//! with their destination's name (the profile's), a search that filters as you type (CJK
//! included) and says when nothing matches; "Open link" to the browser; "Export…" through the
//! save dialog, and to Downloads' fallback words when no dialog opens; "Remove" for one entry;
//! "Clear history…" that asks first, keeps everything on "Keep", and leaves the queue alone.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable};
use hoist_core::file::FileIdentity;
use hoist_core::profile::{Profile, ProfileKind, ProfileStore};
use hoist_core::store::{HoistDirs, Journal, NewUpload};
use hoist_core::upload::{
    AuthSource, Destination, RemoteResult, SecretLocation, SecretRef, Service,
};
use hoist_ui::{
    CLEAR_HISTORY, CLEAR_HISTORY_CONFIRM, ChannelBackend, HISTORY_EMPTY, HISTORY_TITLE, HoistApp,
    REMOVE_FROM_HISTORY, SEARCH_HISTORY, SaveChoice, SavePicker, UiSettings,
};

use crate::window_support::{click, settle, step_until, type_into};

const CJK: &str = "夏の旅行 🎬 final.mov";
const YOUTUBE_LINK: &str = "https://www.youtube.com/watch?v=abc123";

/// A home whose journal holds three finished uploads (one to the profile "studio", shown as
/// "Studio videos"); the journal.
fn home_with_history(place: &Path) -> (HoistDirs, Journal) {
    let dirs = HoistDirs::from_home(&place.join("home"));
    dirs.ensure().expect("dirs");
    let mut profile = Profile::new(ProfileKind::YouTube);
    profile.display_name = Some("Studio videos".to_string());
    ProfileStore::new(&dirs)
        .update(|f| {
            f.profiles.insert("studio".to_string(), profile);
            Ok(())
        })
        .expect("profile");
    let journal = Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    let youtube = Service::YouTube {
        title: None,
        description: String::new(),
        tags: Vec::new(),
        privacy: Default::default(),
        category_id: "22".to_string(),
        endpoint: "https://www.googleapis.com/upload/youtube/v3/videos".to_string(),
    };
    let studio = AuthSource::Stored(Box::new(SecretRef {
        store: SecretLocation::File,
        key: Some("profile/studio".to_string()),
        headers: Vec::new(),
    }));
    let tus = Service::Tus {
        endpoint: "http://127.0.0.1:9/files/".to_string(),
    };
    for (name, service, auth, link) in [
        ("b-roll.mov", tus.clone(), AuthSource::None, None),
        (
            "interview.mov",
            tus,
            AuthSource::None,
            Some("http://127.0.0.1:9/v/1"),
        ),
        (CJK, youtube, studio, Some(YOUTUBE_LINK)),
    ] {
        let record = journal
            .insert(&NewUpload {
                file: FileIdentity {
                    path: PathBuf::from(format!("/videos/{name}")),
                    size_bytes: 3 * 1024 * 1024,
                    modified_unix_nanos: 1,
                    sample_sha256: "ab".repeat(32),
                },
                destination: Destination { service, auth },
                total_bytes: Some(3 * 1024 * 1024),
                chunk_size_bytes: None,
                chunk_size_auto: false,
            })
            .expect("insert");
        let result = RemoteResult {
            remote_id: None,
            url: link.map(str::to_string),
            response: serde_json::Value::Null,
        };
        journal.complete(record.id, &result).expect("complete");
    }
    (dirs, journal)
}

/// The links the window asked the browser to open.
type Opened = Arc<Mutex<Vec<String>>>;

fn window(
    dirs: &HoistDirs,
    picker: SavePicker,
    width: f32,
) -> (Harness<'static, HoistApp>, Opened) {
    let (backend, _commands, _events_tx) = ChannelBackend::new();
    let opened = Opened::default();
    let seen = opened.clone();
    let app = HoistApp::new(Box::new(backend), UiSettings::default(), None)
        .without_notifications()
        .with_dirs(dirs.clone())
        .with_save_picker(picker)
        .with_browser_opener(Arc::new(move |url: &url::Url| {
            seen.lock().expect("lock").push(url.to_string());
            true
        }));
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(width, 700.0))
        .build_eframe(|cc| {
            // CJK and emoji in file names, as in the real window.
            hoist_ui::install_system_fonts(&cc.egui_ctx);
            app
        });
    settle(&mut harness);
    (harness, opened)
}

fn shown(harness: &Harness<'static, HoistApp>, text: &str) -> bool {
    harness.query_by_label(text).is_some()
}

#[test]
fn the_history_window_says_when_nothing_has_finished() {
    let place = tempfile::tempdir().expect("tempdir");
    let dirs = HoistDirs::from_home(&place.path().join("home"));
    dirs.ensure().expect("dirs");
    let (mut harness, _) = window(&dirs, Arc::new(|_| SaveChoice::Cancelled), 480.0);
    click(&mut harness, HISTORY_TITLE);
    step_until(&mut harness, "the empty state", |h| shown(h, HISTORY_EMPTY));
    assert!(
        harness
            .get_by_label("Export…")
            .accesskit_node()
            .is_disabled()
    );
}

#[test]
fn the_history_window_searches_opens_exports_removes_and_clears() {
    let place = tempfile::tempdir().expect("tempdir");
    let place = std::fs::canonicalize(place.path()).expect("canonical");
    let (dirs, journal) = home_with_history(&place);
    let export_to = place.join("mine, “exported”.csv");
    let answers = Arc::new(Mutex::new(vec![SaveChoice::Chosen(export_to.clone())]));
    let picker: SavePicker = Arc::new(move |suggested| {
        assert!(suggested.starts_with("hoist-history-") && suggested.ends_with(".csv"));
        answers
            .lock()
            .expect("lock")
            .pop()
            .unwrap_or(SaveChoice::Cancelled)
    });
    let (mut harness, opened) = window(&dirs, picker, 1100.0);
    click(&mut harness, HISTORY_TITLE);
    step_until(&mut harness, "the entries", |h| {
        shown(h, CJK) && shown(h, "interview.mov") && shown(h, "b-roll.mov")
    });
    assert!(
        shown(&harness, "Studio videos · YouTube"),
        "the profile's name"
    );
    assert_eq!(
        harness.query_all_by_label("Open link").count(),
        2,
        "b-roll has no link"
    );

    // Newest first: the first "Open link" is the YouTube video's.
    harness
        .query_all_by_label("Open link")
        .next()
        .expect("a link")
        .click();
    step_until(&mut harness, "the link opened", |_| {
        opened.lock().expect("lock").as_slice() == [YOUTUBE_LINK]
    });
    // "Copy link" puts it on the clipboard, and the status bar says so.
    harness
        .query_all_by_label(hoist_ui::COPY_LINK)
        .next()
        .expect("a link to copy")
        .click();
    harness.step();
    assert!(
        harness
            .output()
            .platform_output
            .commands
            .contains(&egui::OutputCommand::CopyText(YOUTUBE_LINK.to_string()))
    );
    settle(&mut harness);
    assert!(
        harness
            .query_all_by_label_contains("Link copied")
            .next()
            .is_some()
    );

    type_into(&mut harness, SEARCH_HISTORY, "夏の");
    assert!(shown(&harness, CJK) && !shown(&harness, "interview.mov"));
    type_into(&mut harness, SEARCH_HISTORY, "zz");
    assert!(shown(&harness, "Nothing in the history matches “夏のzz”."));
    for _ in 0..4 {
        harness.key_press(egui::Key::Backspace);
    }
    settle(&mut harness);
    assert!(shown(&harness, "interview.mov") && shown(&harness, CJK));

    click(&mut harness, "Export…");
    step_until(&mut harness, "the export saved", |h| {
        shown(
            h,
            &format!("Saved as mine, “exported”.csv in {}.", folder_name(&place)),
        )
    });
    let mut reader = csv::Reader::from_path(&export_to).expect("csv");
    let names: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[1].to_string())
        .collect();
    assert_eq!(names, [CJK, "interview.mov", "b-roll.mov"], "newest first");

    let removes: Vec<_> = harness.query_all_by_label(REMOVE_FROM_HISTORY).collect();
    assert_eq!(removes.len(), 3);
    removes[2].click();
    step_until(&mut harness, "b-roll removed", |h| !shown(h, "b-roll.mov"));
    assert_eq!(journal.history(None).expect("history").len(), 2);

    click(&mut harness, CLEAR_HISTORY);
    assert!(shown(
        &harness,
        "Remove all 2 entries from the history? The files you sent stay where they are."
    ));
    click(&mut harness, "Keep");
    assert_eq!(journal.history(None).expect("history").len(), 2, "kept");
    click(&mut harness, CLEAR_HISTORY);
    click(&mut harness, CLEAR_HISTORY_CONFIRM);
    step_until(&mut harness, "the empty state", |h| shown(h, HISTORY_EMPTY));
    assert!(journal.history(None).expect("history").is_empty());
    assert_eq!(
        journal.list().expect("queue").len(),
        3,
        "the queue is untouched"
    );
}

fn folder_name(path: &Path) -> String {
    path.file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn a_narrow_history_window_keeps_every_entry_and_button() {
    let place = tempfile::tempdir().expect("tempdir");
    let (dirs, _journal) = home_with_history(place.path());
    let picker: SavePicker = Arc::new(|_| SaveChoice::Failed);
    let (mut harness, _) = window(&dirs, picker, 480.0);
    click(&mut harness, HISTORY_TITLE);
    step_until(&mut harness, "the entries", |h| {
        h.query_all_by_label(REMOVE_FROM_HISTORY).count() == 3
    });
    assert_eq!(harness.query_all_by_label("Copy link").count(), 2);
    for button in harness.query_all_by_label(REMOVE_FROM_HISTORY) {
        let rect = button.rect();
        assert!(rect.max.x <= 480.0, "in the window: {rect:?}");
    }
}

#[test]
fn ten_thousand_entries_lay_out_only_the_rows_in_view() {
    let place = tempfile::tempdir().expect("tempdir");
    let dirs = HoistDirs::from_home(&place.path().join("home"));
    dirs.ensure().expect("dirs");
    let journal = Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    let started = std::time::Instant::now();
    for i in 0..hoist_core::store::HISTORY_LIMIT {
        let record = journal
            .insert(&NewUpload {
                file: FileIdentity {
                    path: PathBuf::from(format!("/videos/clip {i:05}.mov")),
                    size_bytes: 1024,
                    modified_unix_nanos: 1,
                    sample_sha256: "ab".repeat(32),
                },
                destination: Destination {
                    service: Service::Tus {
                        endpoint: "http://127.0.0.1:9/files/".to_string(),
                    },
                    auth: AuthSource::None,
                },
                total_bytes: Some(1024),
                chunk_size_bytes: None,
                chunk_size_auto: false,
            })
            .expect("insert");
        journal
            .complete(record.id, &RemoteResult::default())
            .expect("complete");
    }
    let seeded = started.elapsed();
    let (mut harness, _) = window(&dirs, Arc::new(|_| SaveChoice::Cancelled), 1100.0);
    click(&mut harness, HISTORY_TITLE);
    step_until(&mut harness, "the newest entry", |h| {
        shown(h, "clip 09999.mov")
    });
    let laid_out = harness.query_all_by_label(REMOVE_FROM_HISTORY).count();
    assert!((5..60).contains(&laid_out), "{laid_out} rows laid out");
    let started = std::time::Instant::now();
    harness.run_steps(10);
    eprintln!(
        "seeded {} entries in {seeded:?}; 10 frames of the History window in {:?}",
        hoist_core::store::HISTORY_LIMIT,
        started.elapsed()
    );
    type_into(&mut harness, SEARCH_HISTORY, "clip 00042");
    assert_eq!(harness.query_all_by_label(REMOVE_FROM_HISTORY).count(), 1);
    assert!(shown(&harness, "clip 00042.mov"));
}

/// A stand-in demo: Reset demo empties nothing else.
struct QuietDemo;

impl hoist_ui::DemoControl for QuietDemo {
    fn destination(&self) -> Destination {
        Destination {
            service: Service::Tus {
                endpoint: "http://127.0.0.1:9/files/".to_string(),
            },
            auth: AuthSource::None,
        }
    }

    fn set_flaky(&self, _flaky: bool) {}

    fn reset(&self) {}
}

/// "Reset demo" gives a clean slate: the demo's history (in the demo's own journal) is emptied
/// with its uploads, since its links point at the server just emptied.
#[test]
fn reset_demo_empties_the_demos_history() {
    let place = tempfile::tempdir().expect("tempdir");
    let (dirs, journal) = home_with_history(place.path());
    assert_eq!(journal.history(None).expect("history").len(), 3);
    let (backend, _commands, _events_tx) = ChannelBackend::new();
    let app = HoistApp::new(
        Box::new(backend),
        UiSettings::default(),
        Some(Box::new(QuietDemo)),
    )
    .without_notifications()
    .with_history_journal(dirs.journal_path());
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1100.0, 700.0))
        .build_eframe(|_cc| app);
    settle(&mut harness);
    click(&mut harness, "Reset demo");
    step_until(&mut harness, "the history emptied", |_| {
        journal.history(None).is_ok_and(|h| h.is_empty())
    });
    click(&mut harness, HISTORY_TITLE);
    step_until(&mut harness, "the empty state", |h| shown(h, HISTORY_EMPTY));
}
