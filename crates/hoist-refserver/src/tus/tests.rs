//! Tests of the tus endpoints against a real server on 127.0.0.1.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::StatusCode as Status;
use sha1::Digest as _;

use super::{parse_checksum, parse_metadata};
use crate::{FaultConfig, RunningServer, ServerConfig, start};

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

fn sha1_header(data: &[u8]) -> String {
    format!("sha1 {}", BASE64.encode(sha1::Sha1::digest(data)))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

async fn serve(dir: &Path, specs: &[&str]) -> RunningServer {
    start(ServerConfig {
        addr: "127.0.0.1:0".parse().expect("addr"),
        dir: dir.to_path_buf(),
        faults: FaultConfig::from_specs(specs).expect("fault specs"),
        required_token: None,
        tls: None,
    })
    .await
    .expect("server starts")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("text").to_string())
}

/// Creates an upload (`length` `None`: deferred) named `name`; returns its URL.
async fn create(
    http: &reqwest::Client,
    server: &RunningServer,
    length: Option<usize>,
    name: &str,
) -> String {
    let mut request = http
        .post(format!("{}/tus/files/", server.base_url()))
        .header("Tus-Resumable", "1.0.0")
        .header(
            "Upload-Metadata",
            format!("filename {},private", BASE64.encode(name)),
        );
    request = match length {
        Some(length) => request.header("Upload-Length", length.to_string()),
        None => request.header("Upload-Defer-Length", "1"),
    };
    let response = request.send().await.expect("create");
    assert_eq!(response.status(), Status::CREATED);
    assert_eq!(header(&response, "tus-resumable").as_deref(), Some("1.0.0"));
    header(&response, "location").expect("Location")
}

async fn patch(
    http: &reqwest::Client,
    url: &str,
    offset: usize,
    body: &[u8],
    extra: &[(&str, String)],
) -> reqwest::Response {
    let mut request = http
        .patch(url)
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/offset+octet-stream")
        .header("Upload-Offset", offset.to_string());
    for (name, value) in extra {
        request = request.header(*name, value);
    }
    request.body(body.to_vec()).send().await.expect("patch")
}

async fn head(http: &reqwest::Client, url: &str) -> reqwest::Response {
    http.head(url)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head")
}

fn offset_of(response: &reqwest::Response) -> u64 {
    header(response, "upload-offset")
        .expect("Upload-Offset")
        .parse()
        .expect("number")
}

#[tokio::test]
async fn options_advertises_extensions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let response = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/tus/files/", server.base_url()),
        )
        .send()
        .await
        .expect("options");
    assert_eq!(response.status(), Status::NO_CONTENT);
    assert_eq!(header(&response, "tus-version").as_deref(), Some("1.0.0"));
    let extensions = header(&response, "tus-extension").expect("extensions");
    for extension in [
        "creation",
        "creation-defer-length",
        "termination",
        "checksum",
        "expiration",
    ] {
        assert!(
            extensions.split(',').any(|e| e == extension),
            "{extensions}"
        );
    }
    assert_eq!(
        header(&response, "tus-checksum-algorithm").as_deref(),
        Some("sha1")
    );
}

#[tokio::test]
async fn upload_in_chunks_with_head_and_conflicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let http = client();
    let all = data(300_000);
    let url = create(&http, &server, Some(all.len()), "clip.bin").await;

    let status = head(&http, &url).await;
    assert_eq!(status.status(), Status::OK);
    assert_eq!(offset_of(&status), 0);
    assert_eq!(
        header(&status, "cache-control").as_deref(),
        Some("no-store")
    );
    assert_eq!(header(&status, "upload-length").as_deref(), Some("300000"));
    assert!(
        header(&status, "upload-metadata").is_some_and(|m| m.starts_with("filename ")),
        "metadata echoed"
    );

    let first = patch(&http, &url, 0, &all[..100_000], &[]).await;
    assert_eq!(first.status(), Status::NO_CONTENT);
    assert_eq!(offset_of(&first), 100_000);
    // A wrong offset is a conflict and changes nothing.
    let wrong = patch(&http, &url, 50_000, &all[50_000..150_000], &[]).await;
    assert_eq!(wrong.status(), Status::CONFLICT);
    assert_eq!(offset_of(&head(&http, &url).await), 100_000);
    // The wrong media type is refused.
    let typed = http
        .patch(&url)
        .header("Tus-Resumable", "1.0.0")
        .header("Content-Type", "application/octet-stream")
        .header("Upload-Offset", "100000")
        .body(all[100_000..].to_vec())
        .send()
        .await
        .expect("patch");
    assert_eq!(typed.status(), Status::UNSUPPORTED_MEDIA_TYPE);
    // Past the length: refused.
    let mut too_long = all[100_000..].to_vec();
    too_long.push(0);
    let long = patch(&http, &url, 100_000, &too_long, &[]).await;
    assert_eq!(long.status(), Status::PAYLOAD_TOO_LARGE);

    let last = patch(&http, &url, 100_000, &all[100_000..], &[]).await;
    assert_eq!(last.status(), Status::NO_CONTENT);
    assert_eq!(offset_of(&last), 300_000);
    assert_eq!(
        std::fs::read(dir.path().join("clip.bin")).expect("stored"),
        all
    );
    let done = head(&http, &url).await;
    assert_eq!(done.status(), Status::OK);
    assert_eq!(offset_of(&done), 300_000);
    assert_eq!(server.stats().uploads_completed, 1);
}

#[tokio::test]
async fn version_is_required() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let response = client()
        .post(format!("{}/tus/files/", server.base_url()))
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("create");
    assert_eq!(response.status(), Status::PRECONDITION_FAILED);
    assert_eq!(header(&response, "tus-version").as_deref(), Some("1.0.0"));
}

#[tokio::test]
async fn checksum_mismatch_discards_the_chunk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let http = client();
    let all = data(5000);
    let url = create(&http, &server, Some(all.len()), "sum.bin").await;
    let bad = patch(
        &http,
        &url,
        0,
        &all[..3000],
        &[("Upload-Checksum", sha1_header(&all[..2999]))],
    )
    .await;
    assert_eq!(bad.status().as_u16(), 460);
    assert_eq!(offset_of(&head(&http, &url).await), 0);
    let unsupported = patch(
        &http,
        &url,
        0,
        &all[..3000],
        &[("Upload-Checksum", "md5 AAAA".to_string())],
    )
    .await;
    assert_eq!(unsupported.status(), Status::BAD_REQUEST);
    let good = patch(
        &http,
        &url,
        0,
        &all[..3000],
        &[("Upload-Checksum", sha1_header(&all[..3000]))],
    )
    .await;
    assert_eq!(good.status(), Status::NO_CONTENT);
    assert_eq!(offset_of(&good), 3000);
    let rest = patch(
        &http,
        &url,
        3000,
        &all[3000..],
        &[("Upload-Checksum", sha1_header(&all[3000..]))],
    )
    .await;
    assert_eq!(offset_of(&rest), 5000);
    assert_eq!(
        std::fs::read(dir.path().join("sum.bin")).expect("stored"),
        all
    );
}

#[tokio::test]
async fn deferred_length_is_given_with_a_patch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let http = client();
    let all = data(1000);
    let url = create(&http, &server, None, "late.bin").await;
    let status = head(&http, &url).await;
    assert_eq!(header(&status, "upload-defer-length").as_deref(), Some("1"));
    assert_eq!(header(&status, "upload-length"), None);
    let first = patch(&http, &url, 0, &all[..600], &[]).await;
    assert_eq!(offset_of(&first), 600);
    // A length below the stored offset is refused.
    let short = patch(
        &http,
        &url,
        600,
        &[],
        &[("Upload-Length", "500".to_string())],
    )
    .await;
    assert_eq!(short.status(), Status::BAD_REQUEST);
    let last = patch(
        &http,
        &url,
        600,
        &all[600..],
        &[("Upload-Length", "1000".to_string())],
    )
    .await;
    assert_eq!(last.status(), Status::NO_CONTENT);
    assert_eq!(offset_of(&last), 1000);
    assert_eq!(
        std::fs::read(dir.path().join("late.bin")).expect("stored"),
        all
    );
}

#[tokio::test]
async fn empty_upload_finishes_at_creation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let http = client();
    let url = create(&http, &server, Some(0), "empty.bin").await;
    assert_eq!(
        std::fs::read(dir.path().join("empty.bin")).expect("stored"),
        b""
    );
    let status = head(&http, &url).await;
    assert_eq!(offset_of(&status), 0);
    assert_eq!(header(&status, "upload-length").as_deref(), Some("0"));
}

#[tokio::test]
async fn termination_unknown_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &[]).await;
    let http = client();
    let all = data(2000);
    let kept = create(&http, &server, Some(all.len()), "kept.bin").await;
    assert_eq!(
        offset_of(&patch(&http, &kept, 0, &all[..700], &[]).await),
        700
    );
    let doomed = create(&http, &server, Some(10), "doomed.bin").await;
    let deleted = http
        .delete(&doomed)
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), Status::NO_CONTENT);
    assert_eq!(head(&http, &doomed).await.status(), Status::GONE);
    let unknown = format!("{}/tus/files/{}", server.base_url(), "0".repeat(32));
    assert_eq!(head(&http, &unknown).await.status(), Status::NOT_FOUND);
    let nonsense = format!("{}/tus/files/..%2F..%2Fetc", server.base_url());
    assert_eq!(head(&http, &nonsense).await.status(), Status::NOT_FOUND);

    // Restarted on the same folder and port: the uploads are still there.
    let addr = server.local_addr();
    server.shutdown().await;
    let server = start(ServerConfig {
        addr,
        dir: dir.path().to_path_buf(),
        faults: FaultConfig::default(),
        required_token: None,
        tls: None,
    })
    .await
    .expect("restart");
    assert_eq!(offset_of(&head(&http, &kept).await), 700);
    assert_eq!(head(&http, &doomed).await.status(), Status::GONE);
    let last = patch(&http, &kept, 700, &all[700..], &[]).await;
    assert_eq!(offset_of(&last), 2000);
    assert_eq!(
        std::fs::read(dir.path().join("kept.bin")).expect("stored"),
        all
    );
    server.shutdown().await;
}

#[tokio::test]
async fn uploads_expire() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &["tus-expires=1"]).await;
    let http = client();
    let response = http
        .post(format!("{}/tus/files/", server.base_url()))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", "10")
        .send()
        .await
        .expect("create");
    let expires = header(&response, "upload-expires").expect("Upload-Expires");
    assert!(httpdate::parse_http_date(&expires).is_ok(), "{expires}");
    let url = header(&response, "location").expect("Location");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(head(&http, &url).await.status(), Status::GONE);
    assert_eq!(
        patch(&http, &url, 0, b"0123456789", &[]).await.status(),
        Status::GONE
    );
    assert_eq!(server.stats().faults_injected.get("tus-expires"), Some(&1));
}

#[tokio::test]
async fn offset_conflict_fault_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = serve(dir.path(), &["offset-conflict-rate=1"]).await;
    let http = client();
    let url = create(&http, &server, Some(10), "c.bin").await;
    let response = patch(&http, &url, 0, b"0123456789", &[]).await;
    assert_eq!(response.status(), Status::CONFLICT);
    assert_eq!(offset_of(&head(&http, &url).await), 0);
}

#[test]
fn parses_metadata_and_checksums() {
    let pairs = parse_metadata("filename d29ybGQucGRm, is_confidential,filetype dGV4dA==")
        .expect("metadata");
    assert_eq!(
        pairs,
        [
            ("filename".to_string(), Some("world.pdf".to_string())),
            ("is_confidential".to_string(), None),
            ("filetype".to_string(), Some("text".to_string())),
        ]
    );
    assert!(parse_metadata("").expect("empty").is_empty());
    assert!(parse_metadata("a !!!").is_err());
    assert!(parse_metadata("a YQ==,a YQ==").is_err());
    let digest = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=").expect("sha1");
    assert_eq!(digest.len(), 20);
    assert!(parse_checksum("md5 XrY7u+Ae7tCTyyK7j1rNww==").is_err());
    assert!(parse_checksum("sha1 AAAA").is_err());
    assert!(parse_checksum("sha1").is_err());
}
