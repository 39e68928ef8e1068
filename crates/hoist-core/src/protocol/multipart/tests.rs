use super::*;

fn service(max: Option<u64>, asset_type: Option<AssetType>) -> Service {
    Service::PresignedMultipart {
        base_url: "http://127.0.0.1:9/multipart".into(),
        asset_type,
        parallel_chunks: 4,
        max_size_bytes: max,
    }
}

#[test]
fn chunks_are_one_based_and_the_last_is_short() {
    assert_eq!(chunk_range(10, 4, 1), (0, 4));
    assert_eq!(chunk_range(10, 4, 2), (4, 4));
    assert_eq!(chunk_range(10, 4, 3), (8, 2));
    assert_eq!(chunk_range(8, 4, 2), (4, 4));
    assert_eq!(chunk_range(1, 5 << 20, 1), (0, 1));
}

#[test]
fn etags_lose_their_quotes() {
    assert_eq!(
        strip_etag("\"d41d8cd98f00b204e9800998ecf8427e\""),
        "d41d8cd98f00b204e9800998ecf8427e"
    );
    assert_eq!(strip_etag("W/\"abc\""), "abc");
    assert_eq!(strip_etag(" abc "), "abc");
    assert_eq!(strip_etag("\"\""), "");
}

#[test]
fn url_lifetimes_come_from_expires_at() {
    assert_eq!(url_lifetime(None), ASSUMED_URL_LIFETIME);
    assert_eq!(url_lifetime(Some("not a date")), ASSUMED_URL_LIFETIME);
    assert_eq!(url_lifetime(Some("2001-01-01T00:00:00Z")), Duration::ZERO);
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(120);
    let text = soon
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let lifetime = url_lifetime(Some(&text));
    assert!(
        lifetime > Duration::from_secs(110) && lifetime <= Duration::from_secs(120),
        "{lifetime:?}"
    );
}

#[test]
fn limits_are_checked_before_anything_is_sent() {
    let default = service(None, None);
    validate_upload(&default, 1, None).expect("1 byte is fine");
    validate_upload(&default, 4_000_000_000, Some(8 << 20)).expect("at the limit");
    let err = validate_upload(&default, 4_000_000_001, None).expect_err("over");
    assert!(matches!(err, ProtocolError::OverLimit { .. }));
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert_eq!(err.retry_class(), crate::protocol::RetryClass::Fatal);
    let err = validate_upload(&default, 0, None).expect_err("empty");
    assert!(err.to_string().contains("empty"), "{err}");
    let bigger = service(Some(10_000_000_000), Some(AssetType::Video));
    validate_upload(&bigger, 9_000_000_000, None).expect("override raises the limit");
    let smaller = service(Some(1000), Some(AssetType::Audio));
    let err = validate_upload(&smaller, 1001, None).expect_err("override lowers it");
    assert!(err.to_string().contains("audio"), "{err}");
    assert!(validate_filename(&"x".repeat(255)).is_ok());
    assert!(validate_filename(&"é".repeat(256)).is_err());
    assert!(validate_filename("").is_err());
}

#[test]
fn destinations_are_checked() {
    assert!(validate(&service(None, None)).is_ok());
    let plain_http = Service::PresignedMultipart {
        base_url: "http://example.com/v1.3".into(),
        asset_type: None,
        parallel_chunks: 4,
        max_size_bytes: None,
    };
    assert!(validate(&plain_http).is_err());
    let zero = Service::PresignedMultipart {
        base_url: MULTIPART_BASE_URL.into(),
        asset_type: None,
        parallel_chunks: 0,
        max_size_bytes: None,
    };
    assert!(validate(&zero).is_err());
}

#[test]
fn asset_types_are_guessed_from_names() {
    use std::path::Path;
    assert_eq!(guess_asset_type(Path::new("a.mp4")), Some(AssetType::Video));
    assert_eq!(guess_asset_type(Path::new("a.MOV")), Some(AssetType::Video));
    assert_eq!(guess_asset_type(Path::new("a.mp3")), Some(AssetType::Audio));
    assert_eq!(guess_asset_type(Path::new("a.jpg")), Some(AssetType::Image));
    assert_eq!(guess_asset_type(Path::new("a.bin")), None);
    assert_eq!(
        asset_type(&service(None, None), Path::new("a.bin")),
        AssetType::Video
    );
    assert_eq!(
        asset_type(&service(None, Some(AssetType::Image)), Path::new("a.mp4")),
        AssetType::Image
    );
}

#[test]
fn chunk_puts_never_carry_the_api_key() {
    let mut upload_headers = BTreeMap::new();
    upload_headers.insert("x-api-key".to_string(), "secret".to_string());
    upload_headers.insert("Authorization".to_string(), "Bearer secret".to_string());
    upload_headers.insert("x-amz-meta-a".to_string(), "b".to_string());
    upload_headers.insert("Content-Length".to_string(), "1".to_string());
    let headers = chunk_headers(&upload_headers, 42);
    assert!(headers.get("x-api-key").is_none());
    assert!(headers.get("authorization").is_none());
    assert_eq!(headers["x-amz-meta-a"], "b");
    assert_eq!(headers[CONTENT_LENGTH], "42");
    assert_eq!(headers[CONTENT_TYPE], "application/octet-stream");
}

#[test]
fn confirmed_bytes_count_acknowledged_chunks_only() {
    let state = serde_json::json!({
        "upload_id": "u1",
        "asset_id": "a1",
        "total_size_bytes": 10,
        "chunk_size_bytes": 4,
        "total_chunks": 3,
        "acknowledged": [[1, 1], [3, 3]],
        "unreported": {"2": "etag-2"},
    });
    let session = multipart_session(state.clone()).expect("state");
    assert_eq!(session.confirmed_bytes(), 6);
    assert!(
        session.needs_status,
        "a saved session asks the status first"
    );
    assert_eq!(session.pending().count(), 0);
    let saved = serde_json::to_value(session.persistent_state()).expect("serialises");
    assert_eq!(saved["acknowledged"], serde_json::json!([[1, 1], [3, 3]]));
    assert_eq!(saved["unreported"]["2"], "etag-2");
    assert!(
        saved.get("urls").is_none() && !saved.to_string().contains("http"),
        "presigned URLs are never persisted: {saved}"
    );
    let debug = format!("{session:?}");
    assert!(
        !debug.contains("u1") && !debug.contains("etag-2"),
        "{debug}"
    );
    let bad = serde_json::json!({"total_chunks": 2, "acknowledged": [[1, 5]]});
    assert!(multipart_session(bad).is_err());
    assert_eq!(
        multipart_session(serde_json::Value::Null)
            .expect("new")
            .confirmed_bytes(),
        0
    );
}

/// A session from the journal's JSON, as the engine opens one.
fn multipart_session(stored: serde_json::Value) -> Result<MultipartSession, ProtocolError> {
    match SessionState::from_value(crate::protocol::WireProtocol::PresignedMultipart, stored) {
        SessionState::New => MultipartSession::from_state(MultipartState::default()),
        SessionState::Multipart(state) => MultipartSession::from_state(state),
        SessionState::StartAgain(reason) => Err(ProtocolError::BadState {
            detail: reason.to_string(),
        }),
        other => panic!("decoded as {other:?}"),
    }
}
