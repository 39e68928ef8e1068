//! Saved profiles and their secrets, through the real binary: `hoist profile add|list|show|
//! remove|test`, `hoist upload --profile`, a broken profiles file, and the security sweep
//! (no secret or session URI in any file Hoist wrote or anything it printed).
//!
//! The binary cannot use the mock keyring, so these tests choose the explicit secrets file
//! (`HOIST_SECRET_STORE=file`); the keyring store is tested with `keyring_core::mock` in the
//! library's unit tests.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, text};

const KIB: u64 = 1024;

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every regular file under `dir`.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn assert_absent(what: &str, haystack: &[u8], needles: &[&str]) {
    for needle in needles {
        assert!(
            !contains(haystack, needle),
            "{what} contains a secret ({} bytes of it)",
            needle.len()
        );
    }
}

#[test]
fn profile_round_trip_upload_and_remove() {
    let secret = "tok-PROFILE-ROUNDTRIP-5b1f0c2e";
    let server = TestServer::start_with_token(&[], Some(secret));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "take1.mov", 3 * 1024 * KIB + 17, 11);

    let add = home.run_with_stdin(
        &[
            "profile",
            "add",
            "studio",
            "--kind",
            "google-resumable",
            "--endpoint",
            &server.initiate_url(),
            "--chunk-size",
            "512KiB",
            "--secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    assert!(add.status.success(), "add: {}", text(&add));
    let said = String::from_utf8_lossy(&add.stdout);
    assert!(said.contains("secrets file"), "add says where: {said}");
    assert_absent(
        "profile add output",
        &[add.stdout.clone(), add.stderr.clone()].concat(),
        &[secret],
    );

    // Adding again without --replace is refused and changes nothing.
    assert_adding_again_is_refused(&home);

    for args in [
        &["profile", "list"][..],
        &["profile", "list", "--json"],
        &["profile", "show", "studio"],
        &["profile", "show", "studio", "--json"],
    ] {
        let out = home.run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("studio"),
            "{args:?}: {}",
            text(&out)
        );
        assert_absent(
            &format!("{args:?}"),
            &[out.stdout, out.stderr].concat(),
            &[secret],
        );
    }
    let shown = home.run(&["profile", "show", "studio"]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("kept in the secrets file"), "{shown}");
    let listed = home.run(&["profile", "list", "--json"]);
    let line: serde_json::Value =
        serde_json::from_slice(listed.stdout.split(|b| *b == b'\n').next().expect("a line"))
            .expect("json");
    assert_eq!(line["kind"], "google-resumable");
    assert_eq!(line["secret_store"], "file");

    assert_eq!(mode(&home.secrets_file()), 0o600);
    assert_eq!(mode(&home.profiles_file()), 0o600);
    assert_absent(
        "profiles.toml",
        &std::fs::read(home.profiles_file()).expect("read"),
        &[secret],
    );

    let mut upload = home.hoist_file_store();
    upload
        .args(["upload", "--profile", "studio"])
        .args(FAST_RETRY)
        .arg(&source);
    let out = upload.output().expect("hoist runs");
    assert!(out.status.success(), "upload --profile: {}", text(&out));
    assert_stored_equal(&server, "take1.mov", &source);
    let list = home.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["phase"], "completed");
    assert!(server.stats().sessions_created >= 1);

    // The profile's chunk size was used: several PUTs for a 3 MiB file at 512 KiB.
    assert!(server.stats().requests >= 7, "{:?}", server.stats());

    let removed = home.run(&["profile", "remove", "studio"]);
    assert!(removed.status.success(), "remove: {}", text(&removed));
    assert_absent(
        "secrets file after remove",
        &std::fs::read(home.secrets_file()).expect("read"),
        &[secret],
    );
    let gone = home.run(&["profile", "show", "studio"]);
    assert!(!gone.status.success());
    assert!(
        String::from_utf8_lossy(&gone.stderr).contains("no profile named"),
        "{}",
        text(&gone)
    );
}

#[test]
fn broken_profiles_file_names_the_line_and_is_left_alone() {
    let home = Home::new();
    std::fs::create_dir_all(home.profiles_file().parent().expect("parent")).expect("mkdir");
    let broken =
        "[profiles.a]\nkind = \"drive\"\n\n[profiles.b]\nkind = \"youtube\"\ntags = [\"x\",\n";
    std::fs::write(home.profiles_file(), broken).expect("write");

    for args in [&["profile", "list"][..], &["profile", "show", "a"]] {
        let out = home.run(args);
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("line "), "{args:?}: {stderr}");
        assert!(stderr.contains("profiles.toml"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let add = home.run_with_stdin(
        &["profile", "add", "c", "--kind", "drive", "--secret-stdin"],
        "tok-never-stored\n",
    );
    assert!(!add.status.success(), "{}", text(&add));
    assert!(
        !home.secrets_file().exists(),
        "no secret stored while the file is broken"
    );
    let upload = home.run(&["upload", "--profile", "a", "/nonexistent"]);
    assert!(!upload.status.success());
    assert!(
        String::from_utf8_lossy(&upload.stderr).contains("line "),
        "{}",
        text(&upload)
    );

    assert_eq!(
        std::fs::read_to_string(home.profiles_file()).expect("read"),
        broken,
        "the broken file is never rewritten"
    );
    // The rest of Hoist keeps working.
    assert!(home.list().is_empty());
}

#[test]
fn broken_line_number_is_exact() {
    let home = Home::new();
    std::fs::create_dir_all(home.profiles_file().parent().expect("parent")).expect("mkdir");
    std::fs::write(
        home.profiles_file(),
        "[profiles.a]\nkind = \"drive\"\nprivacy = public\n",
    )
    .expect("write");
    let out = home.run(&["profile", "list"]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 3, column 11"), "{stderr}");
}

#[test]
fn profile_test_reports_in_plain_words() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let add = home.run(&[
        "profile",
        "add",
        "local",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
    ]);
    assert!(add.status.success(), "{}", text(&add));
    let ok = home.run(&["profile", "test", "local"]);
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(
        String::from_utf8_lossy(&ok.stdout).starts_with("OK: The server at http://127.0.0.1:"),
        "{}",
        text(&ok)
    );

    let dead = home.run(&[
        "profile",
        "add",
        "dead",
        "--kind",
        "tus",
        "--endpoint",
        "http://127.0.0.1:9/files",
    ]);
    assert!(dead.status.success(), "{}", text(&dead));
    let failed = home.run(&["profile", "test", "dead"]);
    assert_eq!(failed.status.code(), Some(1), "{}", text(&failed));
    assert!(
        String::from_utf8_lossy(&failed.stdout).starts_with("Failed: "),
        "{}",
        text(&failed)
    );
}

/// Full uploads with recognisable secrets, through faults that exercise every error path
/// (401s, dropped connections, server errors, status queries); then no secret in any file
/// under HOIST_HOME (except the 0600 secrets file itself), and neither the secret nor any
/// session URI in stdout, stderr, `--json` output, the log or the profiles file.
/// `hoist profile add NAME --kind google-resumable --endpoint ENDPOINT EXTRA --secret-stdin`
/// with `secret` on standard input; asserts it worked.
fn add_google_profile(
    home: &Home,
    name: &str,
    endpoint: &str,
    extra: &[&str],
    secret: &str,
) -> Output {
    let mut args = vec![
        "profile",
        "add",
        name,
        "--kind",
        "google-resumable",
        "--endpoint",
        endpoint,
    ];
    args.extend_from_slice(extra);
    args.push("--secret-stdin");
    let out = home.run_with_stdin(&args, &format!("{secret}\n"));
    assert!(out.status.success(), "add {name}: {}", text(&out));
    out
}

/// Every file in `home` but the secrets file (private, holding `secrets[0]`) is free of
/// `leaky`; the journal, which must keep session URIs, is free of `secrets` and private; the
/// log was written.
fn assert_home_holds_no_secret(home: &Home, secrets: &[&str], leaky: &[&str]) {
    let secrets_file = home.secrets_file();
    assert_eq!(mode(&secrets_file), 0o600, "the secrets file is private");
    let stored = std::fs::read(&secrets_file).expect("read secrets");
    assert!(
        contains(&stored, secrets[0]),
        "the secret is kept in the secrets file"
    );
    let mut checked = 0;
    for file in all_files(home.dir.path()) {
        if file == secrets_file {
            continue;
        }
        let bytes = std::fs::read(&file).expect("read");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.starts_with("journal.sqlite3") {
            // The journal keeps session URIs (to resume) but never a secret, and is private.
            assert_eq!(mode(&file), 0o600, "{}", file.display());
            assert_absent(&file.display().to_string(), &bytes, secrets);
        } else {
            assert_absent(&file.display().to_string(), &bytes, leaky);
        }
        checked += 1;
    }
    let log = home.dir.path().join("cache").join("logs").join("hoist.log");
    assert!(
        log.exists() && std::fs::metadata(&log).expect("log").len() > 0,
        "the log was written"
    );
    assert!(checked >= 3, "checked {checked} files");
}

#[test]
fn secrets_and_session_uris_never_leak() {
    let secret = "HOISTSECRET-7f3a9c1e-do-not-print";
    let wrong = "HOISTWRONGSECRET-0b8d2e44";
    // Dropped connections and server errors on one server, expiring tokens on another (a 401
    // right after a refresh fails an upload, so the two are kept apart).
    let server = TestServer::start_with_token(
        &["drop-rate=0.2", "error-rate=0.15", "seed=42"],
        Some(secret),
    );
    let expiring = TestServer::start_with_token(&["unauthorized-every=4"], Some(secret));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let first = make_file(files.path(), "first.mp4", 2 * 1024 * KIB + 5, 1);
    let second = make_file(files.path(), "second.mp4", 1024 * KIB, 2);
    let mut outputs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut keep = |what: &str, out: &Output| {
        outputs.push((format!("{what} stdout"), out.stdout.clone()));
        outputs.push((format!("{what} stderr"), out.stderr.clone()));
    };

    let add = add_google_profile(&home, "good", &server.initiate_url(), &[], secret);
    keep("add good", &add);
    let add_expiring = add_google_profile(
        &home,
        "expiring",
        &expiring.initiate_url(),
        &["--chunk-size", "256KiB"],
        secret,
    );
    keep("add expiring", &add_expiring);
    let add_bad = add_profile_with_wrong_secret(&home, &expiring.initiate_url(), wrong);
    assert!(add_bad.status.success(), "{}", text(&add_bad));
    keep("add bad", &add_bad);

    let mut json_upload = home.hoist_file_store();
    json_upload
        .args([
            "upload",
            "--profile",
            "good",
            "--json",
            "--chunk-size",
            "256KiB",
            "--parallel",
            "1",
        ])
        .args(FAST_RETRY)
        .args([&first, &second]);
    let out = json_upload.output().expect("hoist runs");
    assert!(out.status.success(), "json upload: {}", text(&out));
    keep("upload --json", &out);
    assert_stored_equal(&server, "first.mp4", &first);
    assert_stored_equal(&server, "second.mp4", &second);

    let third = make_file(files.path(), "third.mp4", 1500 * KIB, 3);
    let mut plain_upload = home.hoist_file_store();
    plain_upload
        .args(["upload", "--profile", "expiring"])
        .args(FAST_RETRY)
        .arg(&third);
    let out = plain_upload.output().expect("hoist runs");
    assert!(out.status.success(), "plain upload: {}", text(&out));
    keep("upload", &out);
    assert_stored_equal(&expiring, "third.mp4", &third);

    let refused = make_file(files.path(), "refused.mp4", 300 * KIB, 4);
    let mut bad_upload = home.hoist_file_store();
    bad_upload
        .args(["upload", "--profile", "bad", "--json"])
        .args(FAST_RETRY)
        .arg(&refused);
    let out = bad_upload.output().expect("hoist runs");
    assert!(
        !out.status.success(),
        "the wrong secret must fail: {}",
        text(&out)
    );
    keep("upload with the wrong secret", &out);

    for args in [
        &["list", "--json"][..],
        &["list"],
        &["profile", "list", "--json"],
        &["profile", "show", "good", "--json"],
        &["profile", "show", "bad"],
        &["profile", "test", "good"],
        &["profile", "test", "bad"],
    ] {
        keep(&format!("{args:?}"), &home.run(args));
    }

    // The session URIs Hoist used, from its journal.
    let (session_uris, upload_ids) = journal_session_uris(&home);
    let mut leaky: Vec<&str> = vec![secret, wrong];
    leaky.extend(session_uris.iter().map(String::as_str));
    leaky.extend(upload_ids.iter().map(String::as_str));
    for (what, bytes) in &outputs {
        assert_absent(what, bytes, &leaky);
    }

    assert_home_holds_no_secret(&home, &[secret, wrong], &leaky);
    assert!(
        expiring.injected("unauthorized-every") > 0,
        "{:?}",
        expiring.stats()
    );
    assert!(
        server.injected("drop-rate") + server.injected("error-rate") > 0,
        "{:?}",
        server.stats()
    );
}

#[test]
fn tus_profile_sends_its_secret_header() {
    // The server wants `Authorization: Bearer <token>`; the profile keeps the whole header value
    // as a secret and has no main secret.
    let token = "tus-HEADER-SECRET-9c41";
    let server = TestServer::start_with_token(&[], Some(token));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "header.mov", 700 * KIB + 3, 12);
    let add = home.run_with_stdin(
        &[
            "profile",
            "add",
            "selfhosted",
            "--kind",
            "tus",
            "--endpoint",
            &format!("{}/tus/files/", server.base_url()),
            "--secret-header",
            "Authorization",
            "--secret-stdin",
        ],
        &format!("Bearer {token}\n"),
    );
    assert!(add.status.success(), "add: {}", text(&add));
    let upload = home.run(&[
        "upload",
        "--profile",
        "selfhosted",
        source.to_str().expect("utf-8 path"),
    ]);
    assert!(upload.status.success(), "upload: {}", text(&upload));
    assert_stored_equal(&server, "header.mov", &source);
    assert_absent(
        "upload output",
        &[upload.stdout.clone(), upload.stderr.clone()].concat(),
        &[token],
    );
}

#[test]
fn profile_list_shows_the_name_the_window_gave_beside_the_key() {
    let home = Home::new();
    let config = home.dir.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("profiles.toml"),
        "secret_store = \"file\"\n\n[profiles.my-videos]\nkind = \"tus\"\n\
         endpoint = \"http://127.0.0.1:9/files/\"\ndisplay_name = \"My videos 🎬\"\n\n\
         [profiles.plain]\nkind = \"tus\"\nendpoint = \"http://127.0.0.1:9/files/\"\n",
    )
    .expect("write profiles");
    let listed = home.run(&["profile", "list"]);
    assert!(listed.status.success(), "{}", text(&listed));
    let said = String::from_utf8_lossy(&listed.stdout);
    assert!(said.contains("my-videos (\"My videos 🎬\")"), "{said}");
    assert!(said.contains("plain "), "{said}");
    assert!(
        !said.contains("plain (\""),
        "no display name, no quotes: {said}"
    );
    let json = home.run(&["profile", "list", "--json"]);
    assert!(json.status.success(), "{}", text(&json));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let by_name = |name: &str| {
        lines
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed: {lines:?}"))
            .clone()
    };
    assert_eq!(by_name("my-videos")["display_name"], "My videos 🎬");
    assert_eq!(by_name("plain")["display_name"], "plain");
}

/// `profile add studio` when `studio` exists is refused.
fn assert_adding_again_is_refused(home: &Home) {
    let again = home.run_with_stdin(
        &[
            "profile",
            "add",
            "studio",
            "--kind",
            "tus",
            "--endpoint",
            "http://127.0.0.1:1/files",
            "--secret-stdin",
        ],
        "other-secret\n",
    );
    assert!(!again.status.success(), "{}", text(&again));
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("exists already"),
        "{}",
        text(&again)
    );
}

/// `profile add bad` with the secret `wrong`, from an environment variable.
fn add_profile_with_wrong_secret(home: &Home, endpoint: &str, wrong: &str) -> Output {
    home.hoist_file_store()
        .args([
            "profile",
            "add",
            "bad",
            "--kind",
            "google-resumable",
            "--endpoint",
            endpoint,
            "--secret-env",
            "WRONG_TOKEN",
        ])
        .env("WRONG_TOKEN", wrong)
        .output()
        .expect("hoist runs")
}

/// The session URIs in the journal of `home` (at least three), and the upload ids in them.
fn journal_session_uris(home: &Home) -> (Vec<String>, Vec<String>) {
    let opened =
        hoist_core::store::Journal::open(&home.dir.path().join("data").join("journal.sqlite3"))
            .expect("journal");
    let records = opened.journal.list().expect("records");
    let session_uris: Vec<String> = records
        .iter()
        .filter_map(|r| {
            serde_json::to_value(&r.protocol_state)
                .ok()?
                .get("session_uri")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert!(session_uris.len() >= 3, "{records:?}");
    let upload_ids: Vec<String> = session_uris
        .iter()
        .filter_map(|uri| uri.split("upload_id=").nth(1).map(str::to_string))
        .collect();
    assert_eq!(upload_ids.len(), session_uris.len());
    drop(opened);
    (session_uris, upload_ids)
}
