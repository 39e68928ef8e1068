//! History: uploads that finish get an entry (name, size, destination, link) written with the
//! completion; "Clear finished" (the engine's Remove, `hoist remove`) leaves it; `hoist history`
//! lists, searches, limits, exports CSV (read back with the `csv` crate, names with commas,
//! quotes, line breaks and CJK) and clears. A `hoist upload` killed with SIGKILL at several
//! moments never leaves a completed upload without its entry, nor an entry without a completed
//! upload (they are one transaction; `store/journal/history_tests.rs` forces the entry's write to
//! fail and sees the completion rolled back).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hoist_core::engine::{Command, Engine, EngineConfig, Event, UploadOptions};
use hoist_core::store::{HistoryEntry, HoistDirs, Journal};
use hoist_core::upload::{AuthSource, Destination, Phase, Service, UploadId};

use crate::support::{Home, TestServer, make_file, next_event, text, wait_until};

const KIB: u64 = 1024;

/// Names that CSV and tables must carry exactly.
const AWKWARD_NAMES: [&str; 3] = [
    "take 1, \"final\".mov",
    "two\nlines.mov",
    "夏の旅行 🎬 été.mp4",
];

fn history_of(home: &Path) -> Vec<HistoryEntry> {
    let dirs = HoistDirs::from_home(home);
    Journal::open(&dirs.journal_path())
        .expect("journal")
        .journal
        .history(None)
        .expect("history")
}

#[test]
fn finished_uploads_get_an_entry_that_clear_finished_keeps() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let config = EngineConfig::new(&HoistDirs::from_home(home.dir.path()));
    let (handle, mut events) = Engine::start(config, Arc::new(|| {})).expect("engine");
    next_event(&mut events, 10, |e| matches!(e, Event::Restored { .. }));
    let sizes = [300 * KIB, 1, 64 * KIB];
    for (tag, (name, size)) in AWKWARD_NAMES.iter().zip(sizes).enumerate() {
        handle
            .send(Command::Add {
                tag: tag as u64,
                path: make_file(files.path(), name, size, tag as u64),
                destination: Destination {
                    service: Service::GoogleResumable {
                        initiate_url: server.initiate_url(),
                    },
                    auth: AuthSource::None,
                },
                options: UploadOptions::default(),
            })
            .expect("add");
    }
    let mut links: Vec<(UploadId, Option<String>)> = Vec::new();
    while links.len() < 3 {
        if let Event::Completed { id, result } =
            next_event(&mut events, 60, |e| matches!(e, Event::Completed { .. }))
        {
            links.push((id, result.url));
        }
    }
    let history = history_of(home.dir.path());
    assert_eq!(history.len(), 3, "{history:?}");
    for (name, size) in AWKWARD_NAMES.iter().zip(sizes) {
        let entry = history
            .iter()
            .find(|e| e.file_name == *name)
            .unwrap_or_else(|| panic!("{name} in {history:?}"));
        assert_eq!(entry.size_bytes, size, "{name}");
        assert_eq!(entry.service_kind, "google-resumable");
        assert_eq!(entry.destination, server.base_url().replace("http://", ""));
        let (_, link) = links
            .iter()
            .find(|(id, _)| *id == entry.upload_id)
            .expect("its completion");
        assert!(
            link.as_deref().is_some_and(|l| l.contains("alt=media")),
            "{link:?}"
        );
        assert_eq!(entry.link, *link, "the link the server gave");
        assert!(entry.time_is_sending, "{entry:?}");
    }
    // "Clear finished": the window removes every completed upload from the queue.
    for (id, _) in &links {
        handle.send(Command::Remove(*id)).expect("remove");
        next_event(
            &mut events,
            10,
            |e| matches!(e, Event::Removed { id: r, .. } if r == id),
        );
    }
    handle.shutdown();
    next_event(&mut events, 10, |e| matches!(e, Event::Stopped));
    assert!(home.list().is_empty(), "the queue is empty");
    assert_eq!(
        history_of(home.dir.path()),
        history,
        "the history is unchanged"
    );
}

/// `hoist history ARGS` in `home`: its standard output (it must succeed).
fn history_cli(home: &Home, args: &[&str]) -> String {
    let out = home
        .hoist()
        .arg("history")
        .args(args)
        .output()
        .expect("hoist runs");
    assert!(
        out.status.success(),
        "hoist history {args:?}: {}",
        text(&out)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn hoist_history_lists_searches_exports_and_clears() {
    let server = TestServer::start(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let paths: Vec<_> = AWKWARD_NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| make_file(files.path(), name, 10 * KIB * (i as u64 + 1), i as u64))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    assert!(history_cli(&home, &[]).contains("No finished uploads yet"));
    let out = home.upload(&server.initiate_url(), &[], &refs);
    assert!(out.status.success(), "upload: {}", text(&out));

    let table = history_cli(&home, &[]);
    assert!(table.starts_with("Finished"), "{table}");
    for name in AWKWARD_NAMES {
        assert!(table.contains(name), "{name} in {table}");
    }
    assert!(table.contains("alt=media"), "links are listed: {table}");
    let json: Vec<serde_json::Value> = history_cli(&home, &["--json"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(json.len(), 3);
    let finished: Vec<i64> = json
        .iter()
        .map(|e| e["finished_unix_secs"].as_i64().expect("time"))
        .collect();
    assert!(
        finished.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {finished:?}"
    );
    let newest_first: Vec<&str> = json
        .iter()
        .map(|e| e["file_name"].as_str().expect("name"))
        .collect();
    let cjk = json
        .iter()
        .find(|e| e["file_name"] == AWKWARD_NAMES[2])
        .expect("CJK entry");
    assert_eq!(cjk["size_bytes"], 30 * KIB);
    let found = history_cli(&home, &["--json", "--search", "夏の"]);
    assert_eq!(found.lines().count(), 1, "{found}");
    assert!(found.contains("été"), "{found}");
    assert_eq!(
        history_cli(&home, &["--json", "--limit", "2"])
            .lines()
            .count(),
        2
    );
    assert!(
        history_cli(&home, &["--search", "nothing-like-this"])
            .contains("No finished uploads match")
    );

    let csv_path = files.path().join("history, exported.csv");
    let said = history_cli(&home, &["export", csv_path.to_str().expect("utf-8")]);
    assert!(said.contains("3 finished uploads"), "{said}");
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let header = reader.headers().expect("header").clone();
    assert_eq!(&header[1], "file_name");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let names: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(
        names, newest_first,
        "the same entries, in the same order, names exact"
    );
    let first = rows
        .iter()
        .find(|r| &r[1] == AWKWARD_NAMES[0])
        .expect("row");
    assert_eq!(&first[3], (10 * KIB).to_string());
    assert!(
        rows.iter()
            .all(|r| r[7].contains("alt=media") && r[0].ends_with('Z'))
    );

    // `hoist remove` (the command line's clearing) leaves the history.
    let ids: Vec<String> = home.list().iter().map(|u| u["id"].to_string()).collect();
    let mut remove = vec!["remove"];
    remove.extend(ids.iter().map(String::as_str));
    assert!(
        home.hoist()
            .args(&remove)
            .output()
            .expect("runs")
            .status
            .success()
    );
    assert!(home.list().is_empty());
    assert_eq!(history_cli(&home, &["--json"]).lines().count(), 3);
    assert!(history_cli(&home, &["clear"]).contains("3 entries"));
    assert!(history_cli(&home, &[]).contains("No finished uploads yet"));
}

#[test]
fn a_kill_never_splits_a_completion_from_its_entry() {
    let server = TestServer::start(&["throttle=1MiB"]);
    let files = tempfile::tempdir().expect("tempdir");
    let paths: Vec<String> = (0..12)
        .map(|i| {
            let path = make_file(files.path(), &format!("clip {i}.mov"), 96 * KIB, i);
            path.to_str().expect("utf-8").to_string()
        })
        .collect();
    let mut completed_somewhere = 0;
    for kill_after_ms in [250, 500, 800, 1100] {
        let home = Home::new();
        let mut args = vec!["upload", "--kind", "google-resumable", "--parallel", "3"];
        let endpoint = server.initiate_url();
        args.extend(["--endpoint", endpoint.as_str()]);
        args.extend(paths.iter().map(String::as_str));
        let mut child = home.spawn(&args);
        std::thread::sleep(Duration::from_millis(kill_after_ms));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        wait_until(5, "the journal to be readable", || {
            home.dir.path().join("data/journal.sqlite3").exists()
        });
        let history = history_of(home.dir.path());
        let queue = home.list();
        let completed: Vec<i64> = queue
            .iter()
            .filter(|u| u["phase"] == Phase::Completed.as_str())
            .map(|u| u["id"].as_i64().expect("id"))
            .collect();
        let mut recorded: Vec<i64> = history.iter().map(|e| e.upload_id.0).collect();
        recorded.sort_unstable();
        assert_eq!(recorded, completed, "killed after {kill_after_ms} ms");
        eprintln!(
            "killed after {kill_after_ms} ms: {} of 12 completed",
            completed.len()
        );
        completed_somewhere += completed.len();
    }
    assert!(
        completed_somewhere > 0,
        "some uploads finished before a kill"
    );
}
