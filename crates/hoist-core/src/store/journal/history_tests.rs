use super::*;
use crate::upload::{SecretLocation, SecretRef};

fn upload_to(journal: &Journal, name: &str, size_bytes: u64, auth: AuthSource) -> UploadId {
    let new = NewUpload {
        file: FileIdentity {
            path: PathBuf::from(format!("/videos/{name}")),
            size_bytes,
            modified_unix_nanos: 1_700_000_000_000_000_000,
            sample_sha256: "cd".repeat(32),
        },
        destination: Destination {
            service: Service::YouTube {
                title: None,
                description: String::new(),
                tags: Vec::new(),
                privacy: Default::default(),
                category_id: "22".to_string(),
                endpoint: "https://www.googleapis.com/upload/youtube/v3/videos".to_string(),
            },
            auth,
        },
        total_bytes: Some(size_bytes),
        chunk_size_bytes: None,
        chunk_size_auto: false,
    };
    journal.insert(&new).expect("insert").id
}

fn stored(key: &str) -> AuthSource {
    AuthSource::Stored(Box::new(SecretRef {
        store: SecretLocation::File,
        key: Some(key.to_string()),
        headers: Vec::new(),
    }))
}

fn result(url: &str) -> RemoteResult {
    RemoteResult {
        remote_id: Some("vid-1".to_string()),
        url: Some(url.to_string()),
        response: serde_json::json!({"id": "vid-1"}),
    }
}

#[test]
fn completing_writes_one_entry_that_outlives_the_queue_row() {
    let journal = Journal::open_in_memory().expect("journal");
    let id = upload_to(
        &journal,
        "été, \"cut\" 🎬.mov",
        4096,
        stored("profile/studio"),
    );
    journal
        .add_sending_time(id, 1_700_000_000, Duration::from_millis(2600))
        .expect("sending time");
    let link = "https://www.youtube.com/watch?v=vid-1";
    journal.complete(id, &result(link)).expect("complete");
    // Completing again (a repeated report) adds nothing.
    journal.complete(id, &result(link)).expect("complete again");
    journal.remove(id).expect("remove from the queue");

    let history = journal.history(None).expect("history");
    assert_eq!(history.len(), 1, "{history:?}");
    let entry = &history[0];
    assert_eq!(entry.upload_id, id);
    assert_eq!(entry.file_name, "été, \"cut\" 🎬.mov");
    assert_eq!(entry.file_path, "/videos/été, \"cut\" 🎬.mov");
    assert_eq!(entry.size_bytes, 4096);
    assert_eq!(entry.profile.as_deref(), Some("studio"));
    assert_eq!(entry.service_kind, "youtube");
    assert_eq!(entry.destination, "YouTube");
    assert_eq!(entry.destination_words(), "studio · YouTube");
    assert_eq!(entry.link.as_deref(), Some(link));
    assert_eq!(entry.remote_id.as_deref(), Some("vid-1"));
    assert_eq!(entry.started_unix_secs, 1_700_000_000);
    assert!(entry.finished_unix_secs >= entry.started_unix_secs);
    assert_eq!((entry.time_taken_secs, entry.time_is_sending), (3, true));
}

#[test]
fn without_sending_time_the_time_taken_is_from_adding_to_finishing() {
    let journal = Journal::open_in_memory().expect("journal");
    let id = upload_to(&journal, "a.mov", 10, AuthSource::None);
    journal
        .conn()
        .execute(
            "UPDATE uploads SET created_unix_secs = created_unix_secs - 90 WHERE id = ?1",
            [id.0],
        )
        .expect("backdate");
    journal
        .complete(id, &RemoteResult::default())
        .expect("complete");
    let entry = journal.history(None).expect("history").remove(0);
    assert!(!entry.time_is_sending);
    assert!((90..=92).contains(&entry.time_taken_secs), "{entry:?}");
    assert_eq!(entry.profile, None);
    assert_eq!(entry.link, None);
}

#[test]
fn the_completion_and_its_entry_are_one_transaction() {
    let journal = Journal::open_in_memory().expect("journal");
    let id = upload_to(&journal, "a.mov", 10, AuthSource::None);
    // Make writing the entry fail: the completion must not be kept without it.
    journal
        .conn()
        .execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'no'); END;",
        )
        .expect("trigger");
    assert!(
        journal
            .complete(id, &result("https://example.com/v"))
            .is_err()
    );
    let record = journal.get(id).expect("get");
    assert_eq!(record.phase, Phase::Queued, "rolled back with the entry");
    assert_eq!(record.result, None);
    journal
        .conn()
        .execute_batch("DROP TRIGGER refuse;")
        .expect("drop trigger");
    journal
        .complete(id, &result("https://example.com/v"))
        .expect("complete");
    assert_eq!(journal.get(id).expect("get").phase, Phase::Completed);
    assert_eq!(journal.history(None).expect("history").len(), 1);
}

#[test]
fn the_history_keeps_the_newest_entries_and_can_be_edited() {
    let journal = Journal::open_in_memory().expect("journal");
    let ids: Vec<UploadId> = (0..5)
        .map(|i| upload_to(&journal, &format!("{i}.mov"), 10, AuthSource::None))
        .collect();
    for id in &ids {
        journal
            .complete_keeping(*id, &RemoteResult::default(), 3)
            .expect("complete");
    }
    let names = |journal: &Journal| -> Vec<String> {
        journal
            .history(None)
            .expect("history")
            .into_iter()
            .map(|e| e.file_name)
            .collect()
    };
    assert_eq!(names(&journal), ["4.mov", "3.mov", "2.mov"], "newest first");
    assert_eq!(journal.history(Some(1)).expect("history").len(), 1);
    let middle = journal.history(None).expect("history")[1].id;
    assert!(journal.remove_from_history(middle).expect("remove"));
    assert!(!journal.remove_from_history(middle).expect("remove again"));
    assert_eq!(names(&journal), ["4.mov", "2.mov"]);
    assert_eq!(journal.clear_history().expect("clear"), 2);
    assert!(journal.history(None).expect("history").is_empty());
    assert_eq!(
        journal.list().expect("queue").len(),
        5,
        "the queue is untouched"
    );
}

#[test]
fn only_links_without_secrets_are_kept() {
    for kept in [
        "https://www.youtube.com/watch?v=abc",
        "https://storage.googleapis.com/download/storage/v1/b/m/o/a.mov?generation=1&alt=media",
        "http://127.0.0.1:8080/videos/a",
    ] {
        assert_eq!(shareable_link(kept).as_deref(), Some(kept));
    }
    for dropped in [
        "https://bucket.s3.amazonaws.com/a?X-Amz-Signature=abc&X-Amz-Credential=x",
        "https://cdn.example.com/a?token=abc",
        "https://user:pass@example.com/a",
        "https://example.com/a?Expires=1&Signature=x",
        "file:///etc/passwd",
        "not a url",
    ] {
        assert_eq!(shareable_link(dropped), None, "{dropped}");
    }
}

#[test]
fn profiles_are_named_by_their_secrets_keys() {
    assert_eq!(
        profile_of(&stored("profile/studio")).as_deref(),
        Some("studio")
    );
    let headers_only = AuthSource::Stored(Box::new(SecretRef {
        store: SecretLocation::Keyring,
        key: None,
        headers: vec![crate::upload::StoredHeader {
            name: "Authorization".to_string(),
            key: "profile/tus-box/header/authorization".to_string(),
        }],
    }));
    assert_eq!(profile_of(&headers_only).as_deref(), Some("tus-box"));
    assert_eq!(profile_of(&stored("cli-token")), None);
    let env = AuthSource::Env {
        var: "TOKEN".to_string(),
    };
    assert_eq!(profile_of(&env), None);
}

#[test]
fn search_looks_in_name_destination_profile_and_link() {
    let entry = HistoryEntry {
        id: 1,
        upload_id: UploadId(1),
        file_name: "夏の旅行 Final.MOV".to_string(),
        file_path: "/videos/夏の旅行 Final.MOV".to_string(),
        size_bytes: 1,
        profile: Some("studio".to_string()),
        service_kind: "youtube".to_string(),
        destination: "YouTube".to_string(),
        link: Some("https://www.youtube.com/watch?v=xyz".to_string()),
        remote_id: None,
        started_unix_secs: 0,
        finished_unix_secs: 0,
        time_taken_secs: 0,
        time_is_sending: true,
    };
    for hit in ["", "  ", "final", "夏の", "youtube", "STUDIO", "v=xyz"] {
        assert!(entry.matches(hit), "{hit}");
    }
    assert!(!entry.matches("drive"));
}

#[test]
fn the_history_keeps_the_newest_ten_thousand() {
    let journal = Journal::open_in_memory().expect("journal");
    let started = std::time::Instant::now();
    for i in 0..HISTORY_LIMIT + 2 {
        let id = upload_to(&journal, &format!("{i}.mov"), 10, AuthSource::None);
        journal
            .complete(id, &RemoteResult::default())
            .expect("complete");
    }
    let written = started.elapsed();
    let started = std::time::Instant::now();
    let history = journal.history(None).expect("history");
    eprintln!(
        "{} completions in {written:?}; the history read back in {:?}",
        HISTORY_LIMIT + 2,
        started.elapsed()
    );
    assert_eq!(history.len(), HISTORY_LIMIT);
    assert_eq!(history[0].file_name, format!("{}.mov", HISTORY_LIMIT + 1));
    assert_eq!(
        history.last().map(|e| e.file_name.as_str()),
        Some("2.mov"),
        "the two oldest are gone"
    );
}
