//! Upgrades: what Hoist 0.1.0 left behind (`tests/fixtures/v0.1.0`, made by that release) opens
//! in this build, and its interrupted upload finishes byte-exact.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use crate::support::{FAST_RETRY, Home, TestServer, make_file, sha256, text};

/// Where 0.1.0 read the source from (the journal keeps absolute paths).
const SOURCE_DIR: &str = "/tmp/hoist-upgrade-fixture";
const SOURCE_NAME: &str = "clip-0.1.0.bin";
const SOURCE_BYTES: u64 = 6 * 1024 * 1024;
const SOURCE_SHA256: &str = "c76d00b616796441e2f6f764ece4291518af0b11af61660ebc11388f96cf3127";
/// The source's modification time as 0.1.0 recorded it.
const SOURCE_MODIFIED_UNIX_NANOS: u64 = 1_796_582_281_817_043_442;
/// What the server had confirmed when 0.1.0 was killed.
const CONFIRMED_BYTES: u64 = 3 * 1024 * 1024;
/// The server session 0.1.0 started, and the address its session URI names.
const SESSION_ID: &str = "4cf40a00c6d2a72ed90a7942d1970eef";
const SERVER_ADDR: &str = "127.0.0.1:28417";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/v0.1.0")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

#[test]
fn an_upload_interrupted_under_0_1_0_resumes_and_finishes_byte_exact() {
    // The source, exactly as 0.1.0 saw it (content and modification time).
    std::fs::create_dir_all(SOURCE_DIR).expect("source dir");
    let source = make_file(Path::new(SOURCE_DIR), SOURCE_NAME, SOURCE_BYTES, 7);
    assert_eq!(sha256(&source), SOURCE_SHA256, "the regenerated source");
    std::fs::File::options()
        .write(true)
        .open(&source)
        .expect("open source")
        .set_modified(UNIX_EPOCH + Duration::from_nanos(SOURCE_MODIFIED_UNIX_NANOS))
        .expect("set mtime");

    // The server as 0.1.0 left it: its session record and the bytes it had received.
    let store = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture_dir().join("server"), store.path());
    let partial = store.path().join(".partial");
    std::fs::create_dir_all(&partial).expect("partial dir");
    let bytes = std::fs::read(&source).expect("read source");
    std::fs::write(partial.join(SESSION_ID), &bytes[..CONFIRMED_BYTES as usize])
        .expect("write the received bytes");
    let server = TestServer::start_in(store, SERVER_ADDR, &[]);

    // Hoist's home as 0.1.0 left it.
    let home = Home::new();
    copy_tree(&fixture_dir().join("home"), home.dir.path());

    let uploads = home.list();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0]["file_name"], SOURCE_NAME);
    assert_eq!(uploads[0]["confirmed_bytes"], CONFIRMED_BYTES);
    assert_eq!(uploads[0]["total_bytes"], SOURCE_BYTES);

    let resumed = home
        .hoist()
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .output()
        .expect("hoist resume runs");
    assert!(
        resumed.status.success(),
        "resume failed: {}",
        text(&resumed)
    );
    assert_eq!(
        sha256(&server.stored(SOURCE_NAME)),
        SOURCE_SHA256,
        "the object the server stored"
    );
    // It continued from the server's offset: only the rest crossed the wire.
    let received = server.stats().upload_body_bytes_received;
    assert_eq!(
        received,
        SOURCE_BYTES - CONFIRMED_BYTES,
        "bytes sent after the upgrade"
    );
    let after = home.list();
    assert_eq!(after[0]["phase"], "completed", "{after:?}");

    // The profile 0.1.0 saved, and its secret in the secrets file, are still there.
    let shown = home
        .hoist()
        .args(["profile", "show", "fixture-tus"])
        .output()
        .expect("hoist profile show runs");
    assert!(
        shown.status.success(),
        "profile show failed: {}",
        text(&shown)
    );
    let shown_text = text(&shown);
    assert!(shown_text.contains("127.0.0.1:28417"), "{shown_text}");
    assert!(
        !shown_text.contains("secret-value-fixture"),
        "the secret must not be shown: {shown_text}"
    );
}

#[test]
fn a_journal_from_a_newer_hoist_is_refused_in_plain_words_and_left_untouched() {
    let home = Home::new();
    copy_tree(&fixture_dir().join("home"), home.dir.path());
    // The SQLite header keeps `PRAGMA user_version` (the journal's format) at bytes 60..64.
    let journal = home.dir.path().join("data/journal.sqlite3");
    let mut bytes = std::fs::read(&journal).expect("read journal");
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes());
    std::fs::write(&journal, &bytes).expect("write journal");

    let out = home
        .hoist()
        .args(["list"])
        .output()
        .expect("hoist list runs");
    assert!(!out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("written by a newer version of Hoist") && said.contains("left untouched"),
        "{said}"
    );
    assert_eq!(
        std::fs::read(&journal).expect("read journal"),
        bytes,
        "the newer journal is not changed"
    );
    let set_aside = std::fs::read_dir(home.dir.path().join("data"))
        .expect("list data dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains("corrupt"));
    assert!(!set_aside, "nothing is set aside");
}

/// The window's settings as 0.1.0 kept them (eframe's file storage, `config/window.ron`, under
/// the key `app`) load in this build: every value the user chose is kept, and settings that 0.1.0
/// did not have take their defaults.
#[test]
fn window_settings_from_0_1_0_keep_every_choice() {
    let path = fixture_dir().join("home/config/window.ron");
    let text = std::fs::read_to_string(&path).expect("read window.ron");
    // What eframe does: the file is a map of keys to RON texts; `get_value` reads one of them.
    let stored: std::collections::HashMap<String, String> =
        ron::from_str(&text).expect("eframe's storage map");
    let settings: hoist_ui::UiSettings =
        ron::from_str(&stored[eframe::APP_KEY]).expect("0.1.0's settings load");
    let fresh = hoist_ui::UiSettings::default();
    assert_eq!(settings.parallel_uploads, 3);
    assert_eq!(settings.chunk_size_mib, 16);
    assert_eq!(settings.bandwidth_limit_mib_per_sec, 5);
    assert!(!settings.auto_resume);
    assert!(!settings.notifications);
    assert_eq!(settings.destination.as_deref(), Some("fixture-tus"));
    assert_eq!(settings.on_close, fresh.on_close, "new in 0.2: asked once");
    assert_eq!(
        settings.theme, fresh.theme,
        "new in 0.2: as the desktop says"
    );
    // Saved again by this build, the file still loads and nothing changed.
    let again: hoist_ui::UiSettings =
        ron::from_str(&ron::to_string(&settings).expect("serialise")).expect("reload");
    assert_eq!(again, settings);
}
