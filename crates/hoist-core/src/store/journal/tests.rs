use super::*;
use crate::store::StartAgainReason;
use crate::upload::{AuthSource, Service};
use serde_json::json;

/// A Google state holding `session_uri` (the tests' destination is Cloud Storage, which speaks
/// Google's protocol).
fn google_state(session_uri: &str, confirmed_bytes: u64) -> SessionState {
    let state = SessionState::from_value(
        WireProtocol::GoogleResumable,
        json!({"session_uri": session_uri, "confirmed_bytes": confirmed_bytes,
               "sent_high_water_bytes": confirmed_bytes, "crc32c": {"value": 0, "upto_bytes": 0}}),
    );
    assert!(matches!(state, SessionState::Google(_)), "{state:?}");
    state
}

fn identity(name: &str, size_bytes: u64) -> FileIdentity {
    FileIdentity {
        path: PathBuf::from(format!("/videos/{name}")),
        size_bytes,
        modified_unix_nanos: 1_700_000_000_123_456_789,
        sample_sha256: "ab".repeat(32),
    }
}

fn new_upload(name: &str, size_bytes: u64) -> NewUpload {
    NewUpload {
        file: identity(name, size_bytes),
        destination: Destination {
            service: Service::CloudStorage {
                bucket: "media".to_string(),
                object_prefix: "videos/".to_string(),
                host: "https://storage.googleapis.com".to_string(),
            },
            auth: AuthSource::Env {
                var: "HOIST_TOKEN".to_string(),
            },
        },
        total_bytes: Some(size_bytes),
        chunk_size_bytes: Some(8 * 1024 * 1024),
        chunk_size_auto: true,
    }
}

fn open_fresh(path: &Path) -> Journal {
    let opened = Journal::open(path).expect("open");
    assert!(opened.recovered.is_none(), "{:?}", opened.recovered);
    opened.journal
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn journal_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Journal>();
}

#[test]
fn insert_get_list_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let journal = open_fresh(&path);
    let first = journal.insert(&new_upload("a.mov", 1000)).expect("insert");
    let second = journal.insert(&new_upload("b.mov", 2000)).expect("insert");
    assert!(first.id < second.id);
    assert_eq!(first.phase, Phase::Queued);
    assert_eq!(first.confirmed_bytes, 0);
    assert_eq!(first.protocol_state, SessionState::New);
    assert_eq!(first.error, None);
    assert_eq!(first.result, None);
    assert_eq!(first.created_unix_secs, first.updated_unix_secs);
    assert!(first.created_unix_secs > 1_600_000_000);

    assert_eq!(journal.get(first.id).expect("get"), first);
    assert_eq!(
        journal.list().expect("list"),
        vec![first.clone(), second.clone()]
    );
    drop(journal);

    // Survives reopening.
    let journal = open_fresh(&path);
    assert_eq!(journal.list().expect("list"), vec![first, second]);
    assert!(matches!(
        journal.get(UploadId(999)),
        Err(StoreError::NotFound(UploadId(999)))
    ));
}

#[cfg(unix)]
#[test]
fn non_utf8_paths_round_trip() {
    use std::os::unix::ffi::OsStrExt;
    let journal = Journal::open_in_memory().expect("open");
    let mut new = new_upload("x", 1);
    new.file.path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/videos/caf\xe9.mov"));
    let record = journal.insert(&new).expect("insert");
    assert_eq!(
        journal.get(record.id).expect("get").file.path,
        new.file.path
    );
}

#[test]
fn save_progress_is_monotonic_unless_rewound() {
    let journal = Journal::open_in_memory().expect("open");
    let id = journal
        .insert(&new_upload("a.mov", 1000))
        .expect("insert")
        .id;
    let state = google_state("https://upload.example/session/secret", 400);
    journal.save_progress(id, 400, &state, false).expect("save");
    let record = journal.get(id).expect("get");
    assert_eq!(record.confirmed_bytes, 400);
    assert_eq!(record.protocol_state, state);

    let newer_state = google_state("https://upload.example/session/other", 100);
    journal
        .save_progress(id, 100, &newer_state, false)
        .expect("save smaller");
    let record = journal.get(id).expect("get");
    assert_eq!(record.confirmed_bytes, 400, "must not go backwards");
    assert_eq!(record.protocol_state, newer_state, "state is still written");

    journal
        .save_progress(id, 100, &SessionState::New, true)
        .expect("rewind");
    let record = journal.get(id).expect("get");
    assert_eq!(record.confirmed_bytes, 100);
    assert_eq!(record.protocol_state, SessionState::New);

    assert!(matches!(
        journal.save_progress(UploadId(42), 1, &SessionState::New, false),
        Err(StoreError::NotFound(UploadId(42)))
    ));
}

#[test]
fn phases_and_errors() {
    let journal = Journal::open_in_memory().expect("open");
    let id = journal
        .insert(&new_upload("a.mov", 1000))
        .expect("insert")
        .id;
    for phase in [
        Phase::Uploading,
        Phase::Paused,
        Phase::Processing,
        Phase::FileChanged,
        Phase::Cancelled,
        Phase::Queued,
    ] {
        journal.set_phase(id, phase, None).expect("set phase");
        assert_eq!(journal.get(id).expect("get").phase, phase);
    }
    let refused = Failure::new(
        FailureKind::TokenRefused,
        "the server refused the credentials",
    );
    journal
        .set_phase(id, Phase::Failed, Some(&refused))
        .expect("fail");
    let record = journal.get(id).expect("get");
    assert_eq!(record.phase, Phase::Failed);
    assert_eq!(
        record.error,
        Some(refused),
        "the kind is kept beside the text"
    );
    journal
        .set_phase(id, Phase::Uploading, None)
        .expect("retry");
    assert_eq!(journal.get(id).expect("get").error, None);
    assert!(matches!(
        journal.set_phase(UploadId(42), Phase::Paused, None),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
fn complete_stores_the_result() {
    let journal = Journal::open_in_memory().expect("open");
    let id = journal
        .insert(&new_upload("a.mov", 1000))
        .expect("insert")
        .id;
    let state = google_state("https://upload.example/s/1", 750);
    journal.save_progress(id, 750, &state, false).expect("save");
    journal
        .set_phase(
            id,
            Phase::Uploading,
            Some(&Failure::new(FailureKind::Network, "reconnecting")),
        )
        .expect("phase");
    let result = RemoteResult {
        remote_id: Some("abc123".to_string()),
        url: Some("https://www.youtube.com/watch?v=abc123".to_string()),
        response: json!({"id": "abc123", "status": {"uploadStatus": "uploaded"}}),
    };
    journal.complete(id, &result).expect("complete");
    let record = journal.get(id).expect("get");
    assert_eq!(record.phase, Phase::Completed);
    assert_eq!(record.confirmed_bytes, 1000);
    assert_eq!(record.result, Some(result.clone()));
    assert_eq!(record.error, None);
    assert_eq!(record.protocol_state, state, "kept for status queries");

    // Unknown total: confirmed stays as it was.
    let id = journal.insert(&new_upload("b.mov", 10)).expect("insert").id;
    journal.set_total(id, None).expect("total");
    journal
        .save_progress(id, 5, &SessionState::New, false)
        .expect("save");
    journal.complete(id, &result).expect("complete");
    assert_eq!(journal.get(id).expect("get").confirmed_bytes, 5);
}

#[test]
fn update_identity_restarts_and_set_total() {
    let journal = Journal::open_in_memory().expect("open");
    let id = journal
        .insert(&new_upload("a.mov", 1000))
        .expect("insert")
        .id;
    journal
        .save_progress(id, 500, &google_state("x", 500), false)
        .expect("save");
    journal.set_total(id, Some(1234)).expect("total");
    assert_eq!(journal.get(id).expect("get").total_bytes, Some(1234));

    let changed = identity("a.mov", 3000);
    journal.update_identity(id, &changed).expect("update");
    let record = journal.get(id).expect("get");
    assert_eq!(record.file, changed);
    assert_eq!(record.total_bytes, Some(3000));
    assert_eq!(record.confirmed_bytes, 0);
    assert_eq!(record.protocol_state, SessionState::New);
    assert_eq!(record.result, None);
}

#[test]
fn remove_forgets_and_ids_are_not_reused() {
    let journal = Journal::open_in_memory().expect("open");
    let a = journal.insert(&new_upload("a.mov", 1)).expect("insert").id;
    let b = journal.insert(&new_upload("b.mov", 1)).expect("insert").id;
    journal.remove(b).expect("remove");
    assert!(matches!(journal.get(b), Err(StoreError::NotFound(_))));
    assert!(matches!(journal.remove(b), Err(StoreError::NotFound(_))));
    let ids: Vec<_> = journal.list().expect("list").iter().map(|r| r.id).collect();
    assert_eq!(ids, vec![a]);
    let c = journal.insert(&new_upload("c.mov", 1)).expect("insert").id;
    assert!(c > b, "ids are never reused");
}

#[test]
fn damaged_row_is_skipped_by_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let journal = open_fresh(&path);
    let good = journal.insert(&new_upload("a.mov", 1)).expect("insert");
    let bad = journal.insert(&new_upload("b.mov", 1)).expect("insert").id;
    let raw = Connection::open(&path).expect("raw");
    raw.execute(
        "UPDATE uploads SET result_json = '{\"url\": \"https://secret' WHERE id = ?1",
        [bad.0],
    )
    .expect("damage");
    assert_eq!(journal.list().expect("list"), vec![good]);
    match journal.get(bad) {
        Err(StoreError::CorruptRow { id, detail }) => {
            assert_eq!(id, bad);
            assert!(detail.contains("result"), "{detail}");
            assert!(!detail.contains("secret"), "{detail}");
        }
        other => panic!("expected CorruptRow, got {other:?}"),
    }
    raw.execute("UPDATE uploads SET phase = 'warp' WHERE id = ?1", [bad.0])
        .expect("damage");
    journal.remove(bad).expect("a damaged entry can be removed");
}

/// A damaged session state does not hide the upload: it is listed, and its state says to start
/// again, with a reason that quotes nothing of the state.
#[test]
fn damaged_session_state_starts_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let journal = open_fresh(&path);
    let id = journal.insert(&new_upload("a.mov", 1)).expect("insert").id;
    let raw = Connection::open(&path).expect("raw");
    let damage = |json: &str| {
        raw.execute(
            "UPDATE uploads SET protocol_state_json = ?2 WHERE id = ?1",
            rusqlite::params![id.0, json],
        )
        .expect("damage");
    };
    damage(r#"{"session_uri": "https://secret"#);
    assert_eq!(journal.list().expect("list").len(), 1);
    let state = journal.get(id).expect("get").protocol_state;
    assert_eq!(state, SessionState::StartAgain(StartAgainReason::NotJson));
    damage(r#"{"session_uri": 7, "confirmed_bytes": "https://secret"}"#);
    let SessionState::StartAgain(reason) = journal.get(id).expect("get").protocol_state else {
        panic!("a damaged state starts again");
    };
    assert!(!reason.to_string().contains("secret"), "{reason}");
}

#[cfg(unix)]
#[test]
fn journal_files_are_private() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let journal = open_fresh(&path);
    let id = journal.insert(&new_upload("a.mov", 1)).expect("insert").id;
    journal
        .save_progress(id, 1, &google_state("secret", 1), false)
        .expect("save");
    assert_eq!(mode(&path), 0o600);
    let wal = with_suffix(&path, "-wal");
    assert!(wal.exists(), "WAL mode");
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&with_suffix(&path, "-shm")), 0o600);
    drop(journal);

    // An existing journal with loose permissions is tightened.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let _journal = open_fresh(&path);
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn garbage_file_is_set_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let garbage: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &garbage).expect("write");
    std::fs::write(with_suffix(&path, "-wal"), b"not a wal").expect("write wal");

    let opened = Journal::open(&path).expect("open");
    let recovered = opened.recovered.expect("recovered");
    assert!(!recovered.detail.is_empty());
    let name = recovered
        .moved_to
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("journal.sqlite3.corrupt-"), "{name}");
    assert_eq!(std::fs::read(&recovered.moved_to).expect("kept"), garbage);
    // SQLite itself deletes a WAL file it cannot use; if it is still there, it moved along.
    let stale_wal = std::fs::read(with_suffix(&path, "-wal")).unwrap_or_default();
    assert!(
        !stale_wal.starts_with(b"not a wal"),
        "stale WAL left beside the journal"
    );
    // The fresh journal works.
    let id = opened
        .journal
        .insert(&new_upload("a.mov", 1))
        .expect("insert")
        .id;
    assert_eq!(opened.journal.list().expect("list").len(), 1);
    drop(opened.journal);
    let again = open_fresh(&path);
    assert_eq!(again.get(id).expect("get").id, id);
}

/// A journal with enough rows to span many pages, closed (checkpointed) and read back.
fn valid_journal_bytes(dir: &Path) -> Vec<u8> {
    let path = dir.join("valid.sqlite3");
    let journal = open_fresh(&path);
    for i in 0..200 {
        let id = journal
            .insert(&new_upload(&format!("{i}.mov"), 1000))
            .expect("insert")
            .id;
        journal
            .save_progress(id, 10, &google_state(&"x".repeat(200), 10), false)
            .expect("save");
    }
    drop(journal);
    std::fs::read(&path).expect("read")
}

#[test]
fn truncated_sqlite_file_is_set_aside() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = valid_journal_bytes(dir.path());
    assert!(bytes.len() > 16 * 4096, "{}", bytes.len());
    for keep in [50, 4096 + 100, bytes.len() / 2] {
        let path = dir.path().join(format!("journal-{keep}.sqlite3"));
        std::fs::write(&path, &bytes[..keep]).expect("write");
        let opened = Journal::open(&path).expect("open");
        let recovered = opened
            .recovered
            .unwrap_or_else(|| panic!("truncated to {keep} bytes not detected"));
        assert_eq!(
            std::fs::read(&recovered.moved_to).expect("kept"),
            &bytes[..keep]
        );
        assert!(opened.journal.list().expect("list").is_empty());
    }
}

#[test]
fn a_newer_journal_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let journal = open_fresh(&path);
    journal.insert(&new_upload("kept.mp4", 10)).expect("insert");
    drop(journal);
    let raw = Connection::open(&path).expect("raw");
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(raw);
    let before = std::fs::read(&path).expect("read");
    let error = Journal::open(&path).expect_err("a newer journal is refused");
    assert!(
        matches!(error, StoreError::NewerJournal { found, supported, .. }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("newer version of Hoist") && message.contains("left untouched"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the file is unchanged"
    );
    let siblings: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("corrupt"))
        .collect();
    assert!(siblings.is_empty(), "nothing set aside: {siblings:?}");
}

#[test]
fn foreign_databases_are_set_aside() {
    let dir = tempfile::tempdir().expect("tempdir");

    let foreign = dir.path().join("foreign.sqlite3");
    let raw = Connection::open(&foreign).expect("raw");
    raw.execute_batch("CREATE TABLE photos (id INTEGER)")
        .expect("create");
    drop(raw);
    let recovered = Journal::open(&foreign)
        .expect("open")
        .recovered
        .expect("foreign");
    assert!(
        recovered.detail.contains("not a Hoist journal"),
        "{}",
        recovered.detail
    );
}

#[test]
fn two_processes_see_each_others_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let first = open_fresh(&path);
    let second = open_fresh(&path);
    let a = first.insert(&new_upload("a.mov", 100)).expect("insert").id;
    let b = second.insert(&new_upload("b.mov", 100)).expect("insert").id;
    assert_ne!(a, b);
    second
        .save_progress(a, 60, &google_state("s", 60), false)
        .expect("save");
    assert_eq!(first.get(a).expect("get").confirmed_bytes, 60);
    first.set_phase(b, Phase::Paused, None).expect("phase");
    assert_eq!(second.get(b).expect("get").phase, Phase::Paused);
    assert_eq!(first.list().expect("list"), second.list().expect("list"));
}

#[test]
fn progress_is_on_disk_when_save_progress_returns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("journal.sqlite3");
    let journal = open_fresh(&path);
    let id = journal
        .insert(&new_upload("a.mov", 1000))
        .expect("insert")
        .id;
    for confirmed in [256u64, 512, 768] {
        journal
            .save_progress(id, confirmed, &google_state("offset", confirmed), false)
            .expect("save");
        // A separate connection, as a relaunched process would open.
        let raw = Connection::open(&path).expect("raw");
        let (bytes, state): (i64, String) = raw
            .query_row(
                "SELECT confirmed_bytes, protocol_state_json FROM uploads WHERE id = ?1",
                [id.0],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("read");
        assert_eq!(bytes, confirmed as i64);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&state).expect("json"),
            serde_json::to_value(google_state("offset", confirmed)).expect("json")
        );
    }
}

#[test]
fn disk_full_is_reported_plainly() {
    let path = Path::new("/data/journal.sqlite3");
    let full =
        rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL), None);
    let error = StoreError::from_sqlite(full, path);
    assert_eq!(
        error.to_string(),
        "the disk holding the upload journal is full: /data/journal.sqlite3"
    );
    let io = std::io::Error::from(std::io::ErrorKind::StorageFull);
    assert!(matches!(
        StoreError::from_io(io, path),
        StoreError::DiskFull { .. }
    ));
}

#[test]
fn an_error_saved_without_its_kind_reads_as_other_with_its_text() {
    // Hoist 0.1.0 kept only the text (its journals have no `error_kind`; migrating adds it empty).
    let journal = Journal::open_in_memory().expect("open");
    let id = journal
        .insert(&new_upload("old.mov", 10))
        .expect("insert")
        .id;
    journal
        .conn()
        .execute(
            "UPDATE uploads SET phase = 'failed', error = 'Gave up after 9 tries.' WHERE id = ?1",
            [id.0],
        )
        .expect("write as 0.1.0 did");
    assert_eq!(
        journal.get(id).expect("get").error,
        Some(Failure::new(FailureKind::Other, "Gave up after 9 tries."))
    );
}

#[test]
fn replace_origin_moves_destination_and_session_to_the_new_origin_only() {
    let journal = Journal::open_in_memory().expect("open");
    let demo = |port: u16| NewUpload {
        destination: Destination {
            service: Service::GoogleResumable {
                initiate_url: format!("http://127.0.0.1:{port}/upload?name={{name}}"),
            },
            auth: AuthSource::None,
        },
        ..new_upload("demo.mov", 10)
    };
    let moved = journal.insert(&demo(4000)).expect("insert");
    let other_port = journal.insert(&demo(40000)).expect("insert");
    let elsewhere = journal
        .insert(&new_upload("cloud.mov", 10))
        .expect("insert");
    let state = google_state("http://127.0.0.1:4000/upload?upload_id=abc", 5);
    journal
        .save_progress(moved.id, 5, &state, false)
        .expect("progress");

    let changed = journal
        .replace_origin("http://127.0.0.1:4000", "http://127.0.0.1:4001/")
        .expect("replace");
    assert_eq!(changed, 1);
    let after = journal.get(moved.id).expect("get");
    assert_eq!(
        after.destination.service,
        Service::GoogleResumable {
            initiate_url: "http://127.0.0.1:4001/upload?name={name}".to_string()
        }
    );
    assert_eq!(
        after.protocol_state,
        google_state("http://127.0.0.1:4001/upload?upload_id=abc", 5)
    );
    assert_eq!(after.confirmed_bytes, 5);
    // Port 40000 starts with "4000" but is another origin; other services are untouched.
    assert_eq!(journal.get(other_port.id).expect("get"), other_port);
    assert_eq!(journal.get(elsewhere.id).expect("get"), elsewhere);
}
