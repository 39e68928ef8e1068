//! The support bundle's history and watch folders: a finished upload (its link in the history),
//! a watch folder, and planted results whose links carry a secret in their path or a signature
//! in their query. The bundle holds `history.json` and `settings/watch-folders.json`, the
//! finished upload by name with its link cut to `scheme://host:port`, and none of the secrets.

use hoist_core::file::FileIdentity;
use hoist_core::store::{HoistDirs, Journal, NewUpload};
use hoist_core::upload::{AuthSource, Destination, RemoteResult, Service};

use crate::support::{Home, TestServer, make_file, text};
use crate::support_bundle::unzip;

const TOKEN: &str = "tok-HISTORY-BUNDLE-9e8d7c6b5a41";
const SECRET_PATH: &str = "cap-7Q2xW9pL4kV8nR3tY6uJ";
const SIGNATURE: &str = "sig-Z1y2X3w4V5u6T7s8R9q0";

/// Two finished uploads whose results carry a secret in the link's path and its query.
fn plant_results(home: &Home, file: &std::path::Path) {
    let dirs = HoistDirs::from_home(home.dir.path());
    let journal = Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal;
    for url in [
        format!("https://cdn.example.com/{SECRET_PATH}/take.mp4"),
        format!("https://cdn.example.com/take.mp4?X-Amz-Signature={SIGNATURE}"),
    ] {
        let record = journal
            .insert(&NewUpload {
                file: FileIdentity::read(file).expect("identity"),
                destination: Destination {
                    service: Service::Tus {
                        endpoint: "https://cdn.example.com/files/".to_string(),
                    },
                    auth: AuthSource::None,
                },
                total_bytes: None,
                chunk_size_bytes: None,
                chunk_size_auto: false,
            })
            .expect("insert");
        let result = RemoteResult {
            remote_id: None,
            url: Some(url),
            response: serde_json::Value::Null,
        };
        journal.complete(record.id, &result).expect("complete");
    }
    let kept: Vec<String> = journal
        .history(None)
        .expect("history")
        .into_iter()
        .filter_map(|e| e.link)
        .collect();
    assert!(
        kept.iter().any(|l| l.contains(SECRET_PATH)),
        "the journal holds the planted path: {kept:?}"
    );
}

#[test]
fn the_support_bundle_holds_the_history_and_watch_folders_without_secrets() {
    let server = TestServer::start_with_token(&[], Some(TOKEN));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let clip = make_file(files.path(), "finished clip.mov", 200 * 1024, 3);
    let endpoint = server.initiate_url();
    let add = home.run_with_stdin(
        &[
            "profile",
            "add",
            "studio",
            "--kind",
            "google-resumable",
            "--endpoint",
            &endpoint,
            "--secret-stdin",
        ],
        &format!("{TOKEN}\n"),
    );
    assert!(add.status.success(), "profile add: {}", text(&add));
    let clip_arg = clip.to_str().expect("utf-8");
    let sent = home.run(&["upload", "--profile", "studio", clip_arg]);
    assert!(sent.status.success(), "upload: {}", text(&sent));
    let watched = files.path().join("Exports");
    std::fs::create_dir_all(&watched).expect("folder");
    let watch = home.run(&[
        "watch",
        "add",
        watched.to_str().expect("utf-8"),
        "--profile",
        "studio",
    ]);
    assert!(watch.status.success(), "watch add: {}", text(&watch));
    plant_results(&home, &clip);

    let bundle = home.dir.path().join("report.zip");
    let out = home.run(&["support-bundle", bundle.to_str().expect("utf-8")]);
    assert!(out.status.success(), "support-bundle: {}", text(&out));
    let entries = unzip(&bundle);
    let entry = |name: &str| {
        entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, content)| content.clone())
            .unwrap_or_else(|| {
                panic!(
                    "{name} in {:?}",
                    entries.iter().map(|(n, _)| n).collect::<Vec<_>>()
                )
            })
    };
    let folders = entry("settings/watch-folders.json");
    assert!(
        folders.contains("Exports") && folders.contains("studio"),
        "{folders}"
    );
    let history: serde_json::Value = serde_json::from_str(&entry("history.json")).expect("JSON");
    let rows = history.as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{history}");
    let finished = rows
        .iter()
        .find(|r| r["file_name"] == "finished clip.mov" && r["profile"] == "studio")
        .expect("the finished upload, by name and profile");
    let link = finished["link"].as_str().expect("a link");
    assert!(link.starts_with(&server.base_url()), "{link}");
    assert!(!link.contains("finished"), "the link's path is cut: {link}");
    assert!(
        rows.iter().filter(|r| r["link"].is_null()).count() == 1,
        "the signed link was never kept"
    );
    for (name, content) in &entries {
        for secret in [TOKEN, SECRET_PATH, SIGNATURE] {
            assert!(!content.contains(secret), "{name} contains {secret}");
        }
    }
}
