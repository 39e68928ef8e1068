//! `hoist support-bundle FILE.zip` with recognisable secrets in every place Hoist keeps or sees
//! them: a profile's token in the secrets file, a token in an environment variable, and the
//! session URIs of two uploads killed mid-way (in the journal). The unzipped bundle must hold
//! none of them, and still hold what helps: both uploads, the profile, the log.

use std::io::Read as _;
use std::path::Path;

use crate::support::{Home, TestServer, make_file, text, wait_until};

const PROFILE_TOKEN: &str = "tok-BUNDLE-PROFILE-7f3a9c21e5d4";
const ENV_TOKEN: &str = "tok-BUNDLE-ENV-1c2d3e4f5a6b7c";
const TOKEN_VAR: &str = "HOIST_BUNDLE_TEST_TOKEN";
const MIB: u64 = 1024 * 1024;

/// Starts `hoist upload ARGS FILE` in the background and kills it once `server` has received
/// `at_bytes`, so the upload stays unfinished with its session URI in the journal.
fn upload_and_kill(home: &Home, server: &TestServer, args: &[&str], file: &Path, at_bytes: u64) {
    let mut child = home
        .hoist_file_store()
        .env(TOKEN_VAR, ENV_TOKEN)
        .arg("upload")
        .args(args)
        .args(["--chunk-size", "256KiB"])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn hoist upload");
    wait_until(60, "the server to receive bytes", || {
        server.stats().upload_body_bytes_received >= at_bytes
    });
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
}

/// Every `http://127.0.0.1:PORT/...` URL written in the journal's files (the database and its
/// write-ahead log), read as raw bytes: the session URIs Hoist saved.
fn urls_in_journal(home: &Home, base_url: &str) -> Vec<String> {
    let data = home.dir.path().join("data");
    let mut urls = Vec::new();
    for name in ["journal.sqlite3", "journal.sqlite3-wal"] {
        let Ok(bytes) = std::fs::read(data.join(name)) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut rest: &str = &text;
        while let Some(at) = rest.find(base_url) {
            let url: String = rest[at..]
                .chars()
                .take_while(|c| !c.is_control() && *c != '"' && *c != '\'' && *c != ' ')
                .collect();
            if url.len() > base_url.len() + 1 && !urls.contains(&url) {
                urls.push(url.clone());
            }
            rest = &rest[at + base_url.len()..];
        }
    }
    urls
}

/// The bundle's entries, by name.
pub(crate) fn unzip(path: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(path).expect("open bundle");
    let mut archive = zip::ZipArchive::new(file).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut entry = archive.by_index(i).expect("entry");
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("utf-8 entry");
            (entry.name().expect("entry name").to_string(), text)
        })
        .collect()
}

#[test]
fn a_support_bundle_holds_no_secret_and_what_helps() {
    let profile_server = TestServer::start_with_token(&["throttle=2MiB"], Some(PROFILE_TOKEN));
    let env_server = TestServer::start_with_token(&["throttle=2MiB"], Some(ENV_TOKEN));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let first = make_file(files.path(), "first take.mov", 4 * MIB, 5);
    let second = make_file(files.path(), "second.mov", 4 * MIB, 6);

    let add = home.run_with_stdin(
        &[
            "profile",
            "add",
            "studio",
            "--kind",
            "google-resumable",
            "--endpoint",
            &profile_server.initiate_url(),
            "--secret-stdin",
        ],
        &format!("{PROFILE_TOKEN}\n"),
    );
    assert!(add.status.success(), "profile add: {}", text(&add));
    upload_and_kill(
        &home,
        &profile_server,
        &["--profile", "studio"],
        &first,
        MIB,
    );
    let env_endpoint = env_server.initiate_url();
    upload_and_kill(
        &home,
        &env_server,
        &[
            "--kind",
            "google-resumable",
            "--endpoint",
            &env_endpoint,
            "--token-env",
            TOKEN_VAR,
        ],
        &second,
        MIB,
    );
    let mut session_uris = urls_in_journal(&home, &profile_server.base_url());
    session_uris.extend(urls_in_journal(&home, &env_server.base_url()));
    // The initiate URLs are configuration, not secrets; the others are the session URIs.
    session_uris.retain(|u| *u != profile_server.initiate_url() && *u != env_endpoint);
    assert!(
        !session_uris.is_empty(),
        "the journal keeps the session URIs of the unfinished uploads"
    );

    let bundle = write_bundle(&home);
    let entries = unzip(&bundle);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["about.txt", "journal.json", "settings/profiles.toml"] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        names.iter().any(|n| n.starts_with("logs/")),
        "a log is in the bundle: {names:?}"
    );
    assert!(
        !names.iter().any(|n| n.contains("secret")),
        "the secrets file is never copied: {names:?}"
    );

    // Nothing secret anywhere: the tokens, the session URIs, nor their paths and queries.
    let needles = secret_needles(&session_uris);
    for (name, content) in &entries {
        for needle in &needles {
            assert!(
                !content.contains(needle.as_str()),
                "{name} contains a secret: {needle}"
            );
        }
    }

    // What helps stays: both uploads with their files, phases and progress; the profile.
    let journal: serde_json::Value = serde_json::from_str(
        &entries
            .iter()
            .find(|(n, _)| n == "journal.json")
            .expect("journal")
            .1,
    )
    .expect("journal.json is JSON");
    let rows = journal.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{journal}");
    assert!(rows.iter().any(|r| {
        r["file_path"]
            .as_str()
            .is_some_and(|p| p.ends_with("first take.mov"))
    }));
    assert!(rows.iter().all(|r| r["confirmed_bytes"].as_u64() > Some(0)));
    let profiles = &entries
        .iter()
        .find(|(n, _)| n == "settings/profiles.toml")
        .expect("profiles")
        .1;
    assert!(profiles.contains("[profiles.studio]"), "{profiles}");
}

/// The files each watch folder already took go into the bundle (`watch-seen.json`); without
/// any watch folder that entry is an empty list, not an error.
#[test]
fn a_support_bundle_lists_the_files_each_watch_folder_already_took() {
    let empty = Home::new();
    let entries = unzip(&write_bundle(&empty));
    let seen = entries.iter().find(|(n, _)| n == "watch-seen.json");
    assert_eq!(seen.map(|(_, t)| t.trim()), Some("[]"), "{entries:?}");

    let home = Home::new();
    let dirs = hoist_core::store::HoistDirs::from_home(home.dir.path());
    std::fs::create_dir_all(&dirs.data_dir).expect("data dir");
    let key = hoist_core::watch::FileKey {
        device: 1,
        inode: 2,
        size_bytes: 3,
        modified_unix_nanos: 4,
    };
    let seen = hoist_core::watch::SeenFiles::open(&dirs).expect("seen files");
    seen.insert(7, &key, Path::new("/photos/beach.jpg"))
        .expect("insert");
    drop(seen);
    let entries = unzip(&write_bundle(&home));
    let (_, text) = entries
        .iter()
        .find(|(name, _)| name == "watch-seen.json")
        .expect("watch-seen.json in the bundle");
    let rows: Vec<serde_json::Value> = serde_json::from_str(text).expect("json");
    assert_eq!(rows.len(), 1, "{text}");
    assert_eq!(rows[0]["path"], "/photos/beach.jpg");
    assert_eq!(rows[0]["folder"], 7);
}

/// `hoist support-bundle report.zip` in `home`: the bundle, private to the user.
fn write_bundle(home: &Home) -> std::path::PathBuf {
    let bundle = home.dir.path().join("report.zip");
    let out = home
        .hoist_file_store()
        .env(TOKEN_VAR, ENV_TOKEN)
        .args(["support-bundle"])
        .arg(&bundle)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "support-bundle: {}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("report.zip"), "{said}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&bundle)
            .expect("bundle")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the bundle is private to the user");
    }

    bundle
}

/// What must never be in a bundle: the tokens, the session URIs, and their paths and queries.
fn secret_needles(session_uris: &[String]) -> Vec<String> {
    let mut needles = vec![PROFILE_TOKEN.to_string(), ENV_TOKEN.to_string()];
    for uri in session_uris {
        needles.push(uri.clone());
        let url = url::Url::parse(uri).expect("a URL");
        needles.push(url.path().to_string());
        if let Some(query) = url.query() {
            needles.push(query.to_string());
        }
    }
    needles.retain(|n| n.len() > 3);
    needles
}
