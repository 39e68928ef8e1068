//! The real `hoist` binary against deliberately broken servers: a tiny HTTP/1.1 server on a
//! plain `TcpListener` with hand-written answers (so it can lie, redirect uploads elsewhere,
//! answer without end or one byte at a time). What is proven, for every protocol:
//!
//! - secrets go only to the configured origin: a second listener that a `Location`, a session
//!   URI or a presigned URL points to never sees the token, API key or secret header;
//! - an address that would move the upload over plain http off this computer is refused;
//! - claims beyond what was sent (or beyond the file) and completion before the last byte never
//!   end as "done": non-zero exit, and the journal does not say completed;
//! - an endless answer is refused with bounded memory (peak RSS measured), and a trickling one
//!   is given up after the stall timeout.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{Home, make_file, text};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
/// The environment variable the tests name with `--token-env`.
const TOKEN_VAR: &str = "HOIST_HOSTILE_TOKEN";
/// The secret: it must reach the configured origin and nothing else.
const TOKEN: &str = "hostile-SECRET-token-5e1f";

/// One request as a hostile server received it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    /// Header names lowercased.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Everything the request carried, as text: where a secret would show.
    fn all_text(&self) -> String {
        let mut out = format!("{} {}\n", self.method, self.target);
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\n"));
        }
        out.push_str(&String::from_utf8_lossy(&self.body));
        out
    }
}

/// What a hostile server answers.
enum Reply {
    /// A complete answer with `Content-Length`.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A chunked JSON body that never ends.
    Endless { status: u16 },
    /// A `Content-Length` body sent one byte every `every`.
    Trickle {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        every: Duration,
    },
}

fn full(status: u16, headers: &[(&str, String)], body: &str) -> Reply {
    Reply::Full {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// What a trickling answer saw: when it started, and when the client stopped listening.
#[derive(Clone, Copy, Debug)]
struct TrickleRun {
    started: Instant,
    abandoned_after: Option<Duration>,
}

/// A hostile HTTP/1.1 server on 127.0.0.1, port 0, on its own runtime.
struct Hostile {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    trickles: Arc<Mutex<Vec<TrickleRun>>>,
    runtime: tokio::runtime::Runtime,
}

impl Hostile {
    fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Hostile {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let trickles = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, t) = (seen.clone(), trickles.clone());
        runtime.spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, handler.clone(), s.clone(), t.clone()));
            }
        });
        Hostile {
            port,
            seen,
            trickles,
            runtime,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn trickles(&self) -> Vec<TrickleRun> {
        self.trickles.lock().expect("lock").clone()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        // Endless and trickling answers are cut when the runtime goes.
        let runtime = std::mem::replace(
            &mut self.runtime,
            tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime"),
        );
        runtime.shutdown_background();
    }
}

/// Serves one connection: requests one after another, until either side closes.
async fn serve(
    stream: TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
    trickles: Arc<Mutex<Vec<TrickleRun>>>,
) {
    let mut stream = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        seen.lock().expect("lock").push(request.clone());
        let reply = handler(&request);
        let socket = stream.get_mut();
        let ok = match reply {
            Reply::Full {
                status,
                headers,
                body,
            } => {
                let mut head = status_line(status, &headers);
                head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                let mut bytes = head.into_bytes();
                bytes.extend_from_slice(&body);
                socket.write_all(&bytes).await.is_ok()
            }
            Reply::Endless { status } => {
                let mut head = status_line(status, &[]);
                head.push_str(
                    "content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
                );
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let first = b"{\"upload_id\":\"";
                let _ = socket
                    .write_all(format!("{:x}\r\n", first.len()).as_bytes())
                    .await;
                let _ = socket.write_all(first).await;
                let _ = socket.write_all(b"\r\n").await;
                let block = vec![b'a'; 64 * 1024];
                let frame = [
                    format!("{:x}\r\n", block.len()).into_bytes(),
                    block,
                    b"\r\n".to_vec(),
                ]
                .concat();
                while socket.write_all(&frame).await.is_ok() {}
                return;
            }
            Reply::Trickle {
                status,
                headers,
                body,
                every,
            } => {
                let mut head = status_line(status, &headers);
                head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let started = Instant::now();
                let index = {
                    let mut runs = trickles.lock().expect("lock");
                    runs.push(TrickleRun {
                        started,
                        abandoned_after: None,
                    });
                    runs.len() - 1
                };
                for byte in &body {
                    tokio::time::sleep(every).await;
                    let written = socket.write_all(&[*byte]).await.and(socket.flush().await);
                    if written.is_err() {
                        trickles.lock().expect("lock")[index].abandoned_after =
                            Some(started.elapsed());
                        return;
                    }
                }
                true
            }
        };
        if !ok {
            return;
        }
    }
}

fn status_line(status: u16, headers: &[(String, String)]) -> String {
    let mut head = format!("HTTP/1.1 {status} Hostile\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head
}

/// Reads one request (head, then a `Content-Length` or chunked body). `None` when the client
/// closed or sent something unreadable.
async fn read_request(stream: &mut BufReader<TcpStream>) -> Option<Seen> {
    let mut line = String::new();
    if stream.read_line(&mut line).await.ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if stream.read_line(&mut header).await.ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v): &(String, String)| v.clone())
    };
    let mut body = Vec::new();
    if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size).await.ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0u8; size + 2];
            stream.read_exact(&mut chunk).await.ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = find("content-length") {
        let length: usize = length.parse().ok()?;
        body = vec![0u8; length];
        stream.read_exact(&mut body).await.ok()?;
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

/// `hoist upload` with the secret in [`TOKEN_VAR`], quick retries, and `args` (the file last).
fn upload(home: &Home, args: &[&str]) -> Output {
    home.hoist()
        .env(TOKEN_VAR, TOKEN)
        .arg("upload")
        .args(args)
        .args(["--retry-initial", "20ms", "--retry-max-wait", "200ms"])
        .output()
        .expect("hoist runs")
}

/// `hoist upload --kind KIND --endpoint ENDPOINT --token-env` [`TOKEN_VAR`] `SOURCE`.
fn upload_kind(home: &Home, kind: &str, endpoint: &str, source: &Path) -> Output {
    upload(
        home,
        &[
            "--kind",
            kind,
            "--endpoint",
            endpoint,
            "--token-env",
            TOKEN_VAR,
            source.to_str().expect("utf-8"),
        ],
    )
}

/// Asserts the run failed and the journal does not call the upload completed.
fn assert_not_done(home: &Home, out: &Output, expected_words: &str) {
    assert!(!out.status.success(), "must not succeed: {}", text(out));
    let all = text(out);
    assert!(
        all.contains(expected_words),
        "expected {expected_words:?} in: {all}"
    );
    assert!(!all.contains(TOKEN), "the secret was printed: {all}");
    let list = home.list();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_ne!(list[0]["phase"], "completed", "{:?}", list[0]);
    let confirmed = list[0]["confirmed_bytes"].as_u64().unwrap_or(0);
    let total = list[0]["total_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(confirmed <= total, "{:?}", list[0]);
}

/// Asserts `server` saw requests but none carried the secret in any form.
fn assert_no_secret(server: &Hostile, secrets: &[&str]) {
    let seen = server.seen();
    assert!(!seen.is_empty(), "the second server saw nothing");
    for request in &seen {
        assert!(
            request.header("authorization").is_none(),
            "Authorization reached another origin: {request:?}"
        );
        assert!(request.header("x-api-key").is_none(), "{request:?}");
        let all = request.all_text();
        for secret in secrets {
            assert!(!all.contains(secret), "{secret} reached another origin");
        }
    }
}

/// The numbers `Content-Range: bytes S-E/T` names.
fn content_range(request: &Seen) -> Option<(u64, u64)> {
    let value = request.header("content-range")?;
    let range = value.strip_prefix("bytes ")?.split('/').next()?;
    let (start, end) = range.split_once('-')?;
    Some((start.parse().ok()?, end.parse().ok()?))
}

/// A Google initiate answer sending the session to `location`.
fn initiated(location: &str) -> Reply {
    full(200, &[("location", location.to_string())], "")
}

// ---------------------------------------------------------------------------------------------
// (a) Secrets only to their origin.

#[test]
fn google_session_uri_on_another_origin_gets_no_token() {
    let second = Hostile::start(|request| {
        // The session server: takes the whole file and says what it stored.
        full(
            200,
            &[("content-type", "application/json".to_string())],
            &format!(
                "{{\"name\":\"clip.bin\",\"size\":\"{}\"}}",
                request.body.len()
            ),
        )
    });
    let session = format!("{}/upload/session/capability-1", second.base());
    let first = Hostile::start(move |_| initiated(&session));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.bin", 300 * KIB + 1, 1);
    let endpoint = format!("{}/upload?uploadType=resumable&name={{name}}", first.base());
    let out = upload_kind(&home, "google-resumable", &endpoint, &source);
    assert!(
        out.status.success(),
        "followed without the token: {}",
        text(&out)
    );
    let initiate = &first.seen()[0];
    assert_eq!(
        initiate.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str()),
        "the configured origin gets the token"
    );
    assert_no_secret(&second, &[TOKEN]);
    assert_eq!(second.seen()[0].body.len() as u64, 300 * KIB + 1);
}

#[test]
fn google_session_uri_over_plain_http_off_this_computer_is_refused() {
    let first = Hostile::start(|_| initiated("http://192.0.2.1:9/upload/session/capability-2"));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.bin", 10 * KIB, 2);
    let endpoint = format!("{}/upload?uploadType=resumable", first.base());
    let started = Instant::now();
    let out = upload_kind(&home, "google-resumable", &endpoint, &source);
    assert_not_done(
        &home,
        &out,
        "The server sent the upload to an insecure address (http://192.0.2.1:9); Hoist stopped so your data and sign-in stay private",
    );
    assert!(!text(&out).contains("capability-2"), "{}", text(&out));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "refused at once"
    );
}

/// A tus server whose upload URL is on `second`; OPTIONS answered, POST creates.
fn tus_creator(location: String) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |request| match request.method.as_str() {
        "OPTIONS" => full(
            204,
            &[
                ("tus-resumable", "1.0.0".to_string()),
                ("tus-version", "1.0.0".to_string()),
                ("tus-extension", "creation,termination".to_string()),
            ],
            "",
        ),
        "POST" => full(
            201,
            &[
                ("tus-resumable", "1.0.0".to_string()),
                ("location", location.clone()),
            ],
            "",
        ),
        _ => full(405, &[], ""),
    }
}

/// A tus upload server that takes every `PATCH` whole.
fn tus_taker(total: u64) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |request| {
        let offset: u64 = request
            .header("upload-offset")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        match request.method.as_str() {
            "PATCH" => full(
                204,
                &[
                    ("tus-resumable", "1.0.0".to_string()),
                    (
                        "upload-offset",
                        (offset + request.body.len() as u64).to_string(),
                    ),
                ],
                "",
            ),
            "HEAD" => full(
                200,
                &[
                    ("upload-offset", "0".to_string()),
                    ("upload-length", total.to_string()),
                ],
                "",
            ),
            _ => full(204, &[], ""),
        }
    }
}

#[test]
fn tus_upload_url_on_another_origin_gets_no_token_nor_secret_headers() {
    let size = 200 * KIB + 9;
    let second = Hostile::start(tus_taker(size));
    let first = Hostile::start(tus_creator(format!("{}/files/capability-3", second.base())));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "talk.mov", size, 3);
    let header_secret = "hostile-HEADER-secret-77aa";
    // A profile with two secret headers (kept in the 0600 secrets file for the test).
    let mut add = home
        .hoist()
        .env("HOIST_SECRET_STORE", "file")
        .args([
            "profile",
            "add",
            "selfhosted",
            "--kind",
            "tus",
            "--endpoint",
            &format!("{}/files/", first.base()),
            "--secret-header",
            "Authorization",
            "--secret-header",
            "X-Api-Key",
            "--secret-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write as _;
        let mut stdin = add.stdin.take().expect("stdin");
        writeln!(stdin, "Bearer {TOKEN}").expect("write");
        writeln!(stdin, "{header_secret}").expect("write");
    }
    let added = add.wait_with_output().expect("profile add");
    assert!(added.status.success(), "{}", text(&added));
    let out = home
        .hoist()
        .env("HOIST_SECRET_STORE", "file")
        .args(["upload", "--profile", "selfhosted"])
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(
        out.status.success(),
        "followed without secrets: {}",
        text(&out)
    );
    let created = first.seen();
    let post = created
        .iter()
        .find(|r| r.method == "POST")
        .expect("creation");
    assert_eq!(
        post.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(post.header("x-api-key"), Some(header_secret));
    assert_no_secret(&second, &[TOKEN, header_secret]);
    let patched: u64 = second
        .seen()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.body.len() as u64)
        .sum();
    assert_eq!(patched, size);
}

#[test]
fn tus_upload_url_over_plain_http_off_this_computer_is_refused() {
    let first = Hostile::start(tus_creator(
        "http://192.0.2.1:9/files/capability-4".to_string(),
    ));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "talk.mov", 10 * KIB, 4);
    let out = upload_kind(&home, "tus", &format!("{}/files/", first.base()), &source);
    assert_not_done(&home, &out, "insecure address (http://192.0.2.1:9)");
}

/// A multipart control API handing out presigned URLs on `storage`, with `chunk` bytes a chunk.
fn multipart_api(
    storage: String,
    total: u64,
    chunk: u64,
    completed: Arc<Mutex<Vec<u64>>>,
) -> impl Fn(&Seen) -> Reply + Send + Sync + 'static {
    move |request| {
        let chunks = total.div_ceil(chunk);
        let urls: Vec<serde_json::Value> = (1..=chunks)
            .map(|i| serde_json::json!({"chunk_index": i, "url": format!("{storage}/part/{i}?sig=capability-5")}))
            .collect();
        let json = |value: serde_json::Value| {
            full(
                200,
                &[("content-type", "application/json".to_string())],
                &value.to_string(),
            )
        };
        let path = request.target.split('?').next().unwrap_or("");
        match (request.method.as_str(), path) {
            ("POST", "/assets/multipart-uploads") => json(serde_json::json!({
                "upload_id": "u1", "asset_id": "a1", "upload_urls": urls,
                "chunk_size": chunk, "total_chunks": chunks,
            })),
            ("POST", "/assets/multipart-uploads/u1") => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let mut done = completed.lock().expect("lock");
                for c in body["completed_chunks"].as_array().into_iter().flatten() {
                    done.push(c["chunk_index"].as_u64().unwrap_or(0));
                }
                json(serde_json::json!({"asset_id": "a1", "total_completed": done.len()}))
            }
            ("GET", "/assets/multipart-uploads/u1") => {
                let done = completed.lock().expect("lock").clone();
                let listed: Vec<serde_json::Value> = done
                    .iter()
                    .map(|i| serde_json::json!({"index": i, "status": "completed"}))
                    .collect();
                let page: u64 = request
                    .target
                    .split("page=")
                    .nth(1)
                    .and_then(|p| p.split('&').next())
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1);
                json(serde_json::json!({
                    "upload_id": "u1",
                    "status": if done.len() as u64 >= chunks { "completed" } else { "active" },
                    "uploaded_chunks": if page == 1 { listed } else { Vec::new() },
                }))
            }
            _ => full(404, &[], "{\"message\":\"no such thing\"}"),
        }
    }
}

#[test]
fn multipart_presigned_urls_get_no_api_key() {
    let size = 150 * KIB + 5;
    let storage = Hostile::start(|request| {
        let etag = format!("\"etag-{}\"", request.body.len());
        full(200, &[("etag", etag)], "")
    });
    let completed = Arc::new(Mutex::new(Vec::new()));
    let api = Hostile::start(multipart_api(storage.base(), size, 64 * KIB, completed));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "asset.mp4", size, 5);
    let out = upload_kind(&home, "multipart", &api.base(), &source);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        api.seen()
            .iter()
            .all(|r| r.header("x-api-key") == Some(TOKEN)),
        "every control call carries the key"
    );
    assert_no_secret(&storage, &[TOKEN]);
    let stored: u64 = storage.seen().iter().map(|r| r.body.len() as u64).sum();
    assert_eq!(stored, size);
}

#[test]
fn multipart_presigned_url_over_plain_http_off_this_computer_is_refused() {
    let completed = Arc::new(Mutex::new(Vec::new()));
    let api = Hostile::start(multipart_api(
        "http://192.0.2.1:9".to_string(),
        10 * KIB,
        64 * KIB,
        completed,
    ));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "asset.mp4", 10 * KIB, 6);
    let out = upload_kind(&home, "multipart", &api.base(), &source);
    assert_not_done(&home, &out, "insecure address (http://192.0.2.1:9)");
}

#[test]
fn apivideo_redirects_and_addresses_in_answers_are_never_followed() {
    let second = Hostile::start(|_| full(500, &[], "{}"));
    let redirect = format!("{}/auth/api-key", second.base());
    let video = format!("{}/videos/x", second.base());
    // 1. The key exchange is redirected to `second`; 2. the key exchange works, and the new
    // video's "id" is an address on `second`.
    for (redirect_key_exchange, words) in [(true, "307"), (false, "no usable videoId")] {
        let (redirect, video) = (redirect.clone(), video.clone());
        let first = Hostile::start(move |request| match request.target.as_str() {
            "/auth/api-key" if redirect_key_exchange => {
                full(307, &[("location", redirect.clone())], "")
            }
            "/auth/api-key" => full(
                200,
                &[("content-type", "application/json".to_string())],
                "{\"access_token\":\"at-1\",\"refresh_token\":\"rt-1\",\"expires_in\":3600}",
            ),
            "/videos" => full(
                201,
                &[("content-type", "application/json".to_string())],
                &serde_json::json!({"videoId": video, "assets": {"player": video}}).to_string(),
            ),
            _ => full(404, &[], "{}"),
        });
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "film.mp4", 10 * KIB, 7);
        let out = upload_kind(&home, "api-video", &first.base(), &source);
        assert_not_done(&home, &out, words);
        let seen = first.seen();
        assert!(String::from_utf8_lossy(&seen[0].body).contains(TOKEN));
        if !redirect_key_exchange {
            assert_eq!(seen[1].target, "/videos");
            assert_eq!(seen[1].header("authorization"), Some("Bearer at-1"));
        }
    }
    assert!(second.seen().is_empty(), "{:?}", second.seen());
}

// ---------------------------------------------------------------------------------------------
// (b), (c), (d) Never "done" for an incomplete upload.

/// A Google server: initiate on `/upload`, session on `/session`; `on_put(n, request)` answers
/// the `n`th (0-based) `PUT`.
fn google_server(on_put: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Hostile {
    let puts = Mutex::new(0usize);
    let port = Arc::new(Mutex::new(0u16));
    let port_for_handler = port.clone();
    let server = Hostile::start(move |request| {
        if request.method == "POST" {
            let port = *port_for_handler.lock().expect("lock");
            return initiated(&format!("http://127.0.0.1:{port}/session/s1"));
        }
        let mut count = puts.lock().expect("lock");
        let n = *count;
        *count += 1;
        on_put(n, request)
    });
    *port.lock().expect("lock") = server.port;
    server
}

fn google_args<'a>(server: &'a str, file: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--kind",
        "google-resumable",
        "--endpoint",
        server,
        "--token-env",
        TOKEN_VAR,
    ];
    args.extend_from_slice(extra);
    args.push(file.to_str().expect("utf-8"));
    args
}

#[test]
fn google_range_beyond_what_was_sent_is_an_error_not_progress() {
    for (claim, words) in [
        // Three chunks claimed after one was sent.
        (
            "bytes=0-786431",
            "claims to hold 786432 bytes, but only 262144 were sent",
        ),
        // More than the file.
        (
            "bytes=0-2097151",
            "claims to hold 2097152 bytes, but the file has only 1048576",
        ),
    ] {
        let server = google_server(move |n, _| match n {
            0 => full(308, &[("range", claim.to_string())], ""),
            _ => full(200, &[], "{}"),
        });
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "clip.bin", MIB, 8);
        let endpoint = format!("{}/upload", server.base());
        let out = upload(
            &home,
            &google_args(&endpoint, &source, &["--chunk-size", "256KiB"]),
        );
        assert_not_done(&home, &out, words);
        let list = home.list();
        assert!(
            list[0]["confirmed_bytes"].as_u64().unwrap_or(0) <= 262_144,
            "{list:?}"
        );
        // Nothing was sent from the claimed offset.
        let puts: Vec<(u64, u64)> = server.seen().iter().filter_map(content_range).collect();
        assert_eq!(puts, vec![(0, 262_143)], "{claim}");
    }
}

#[test]
fn google_200_to_a_middle_chunk_is_not_completion() {
    let server = google_server(|_, _| full(200, &[], "{}"));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.bin", MIB, 9);
    let endpoint = format!("{}/upload", server.base());
    let out = upload(
        &home,
        &google_args(&endpoint, &source, &["--chunk-size", "256KiB"]),
    );
    assert_not_done(
        &home,
        &out,
        "The server said the upload was complete when only 262144 of 1048576 bytes had been sent",
    );
}

#[test]
fn google_status_query_200_without_size_after_a_cut_is_not_completion() {
    // The first chunk fails (503); the status query that follows says "complete" with an
    // empty resource, though three chunks were never sent.
    let server = google_server(|n, request| {
        if n == 0 {
            // A 503 sends Hoist to ask where the server is.
            return full(503, &[], "{}");
        }
        // Only a status query gets "complete".
        match request.header("content-range") {
            Some("bytes */1048576") => full(200, &[], "{}"),
            _ => full(400, &[], "{\"message\":\"not a status query\"}"),
        }
    });
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.bin", MIB, 10);
    let endpoint = format!("{}/upload", server.base());
    let out = upload(
        &home,
        &google_args(&endpoint, &source, &["--chunk-size", "256KiB"]),
    );
    assert_not_done(
        &home,
        &out,
        "was complete when only 262144 of 1048576 bytes",
    );
}

/// A tus server: OPTIONS and POST as usual, `on_other(n, request)` for the `n`th PATCH or HEAD.
fn tus_server(on_other: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Hostile {
    let count = Mutex::new(0usize);
    let creator = tus_creator("/files/t1".to_string());
    Hostile::start(move |request| match request.method.as_str() {
        "OPTIONS" | "POST" => creator(request),
        _ => {
            let mut count = count.lock().expect("lock");
            let n = *count;
            *count += 1;
            on_other(n, request)
        }
    })
}

#[test]
fn tus_offsets_beyond_what_was_sent_or_the_length_are_errors() {
    let total = MIB;
    let offset = move |value: u64| {
        full(
            204,
            &[
                ("tus-resumable", "1.0.0".to_string()),
                ("upload-offset", value.to_string()),
                ("upload-length", total.to_string()),
            ],
            "",
        )
    };
    type Script = Box<dyn Fn(usize, &Seen) -> Reply + Send + Sync>;
    let cases: Vec<(Script, &str)> = vec![
        // A PATCH of 256 KiB answered with an offset of 512 KiB.
        (
            Box::new(move |_, _| offset(512 * KIB)),
            "claims to hold 524288 bytes, but it was sent bytes up to 262144 only",
        ),
        // A 409 sends Hoist to HEAD, which claims more than the Upload-Length.
        (
            Box::new(move |n, _| match n {
                0 => full(409, &[], ""),
                _ => offset(total + 1000),
            }),
            "claims to hold 1049576 bytes, but the file has only 1048576",
        ),
        // The HEAD claims everything when one chunk was sent.
        (
            Box::new(move |n, _| match n {
                0 => full(409, &[], ""),
                _ => offset(total),
            }),
            "claims to hold 1048576 bytes, but only 262144 were sent",
        ),
    ];
    for (script, words) in cases {
        let server = tus_server(script);
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "talk.mov", total, 11);
        let out = upload(
            &home,
            &[
                "--kind",
                "tus",
                "--endpoint",
                &format!("{}/files/", server.base()),
                "--chunk-size",
                "256KiB",
                source.to_str().expect("utf-8"),
            ],
        );
        assert_not_done(&home, &out, words);
    }
}

#[test]
fn multipart_completed_without_every_chunk_is_not_done() {
    // The storage loses the connection on chunk 2; then the status claims "completed" while
    // listing chunk 1 only.
    let storage = Hostile::start(|request| {
        if request.target.starts_with("/part/2") {
            return full(503, &[], "");
        }
        full(200, &[("etag", "\"e\"".to_string())], "")
    });
    let base = storage.base();
    let api = Hostile::start(move |request| {
        let json = |value: serde_json::Value| {
            full(
                200,
                &[("content-type", "application/json".to_string())],
                &value.to_string(),
            )
        };
        let path = request.target.split('?').next().unwrap_or("");
        match (request.method.as_str(), path) {
            ("POST", "/assets/multipart-uploads") => json(serde_json::json!({
                "upload_id": "u1", "asset_id": "a1", "chunk_size": 65536, "total_chunks": 2,
                "upload_urls": [
                    {"chunk_index": 1, "url": format!("{base}/part/1")},
                    {"chunk_index": 2, "url": format!("{base}/part/2")},
                ],
            })),
            ("POST", "/assets/multipart-uploads/u1") => json(serde_json::json!({})),
            ("GET", "/assets/multipart-uploads/u1") => json(serde_json::json!({
                "upload_id": "u1", "status": "completed",
                "uploaded_chunks": [{"index": 1, "status": "completed"}],
            })),
            _ => full(404, &[], "{}"),
        }
    });
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "asset.mp4", 100 * KIB, 12);
    let out = upload_kind(&home, "multipart", &api.base(), &source);
    assert_not_done(
        &home,
        &out,
        "complete when only 65536 of 102400 bytes had been sent",
    );
}

#[test]
fn multipart_chunks_without_etag_are_never_counted() {
    // The storage keeps answering 200 without an ETag: the chunk cannot be proven, so it is sent
    // again, and after a few tries the upload fails; it is never reported to the service.
    let storage = Hostile::start(|_| full(200, &[], ""));
    let completed = Arc::new(Mutex::new(Vec::new()));
    let api = Hostile::start(multipart_api(
        storage.base(),
        10 * KIB,
        64 * KIB,
        completed.clone(),
    ));
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "asset.mp4", 10 * KIB, 18);
    let out = upload_kind(&home, "multipart", &api.base(), &source);
    assert_not_done(&home, &out, "without an ETag");
    assert!(
        completed.lock().expect("lock").is_empty(),
        "nothing reported"
    );
    assert!(
        storage.seen().len() >= 2,
        "sent again: {}",
        storage.seen().len()
    );
    assert_eq!(home.list()[0]["confirmed_bytes"], 0);
}

#[test]
fn apivideo_answers_without_the_video_id_are_not_done() {
    // The part's answer names no video; then, in a second run, "already uploaded" to the first
    // of two parts.
    let server = Hostile::start(|request| {
        let json = |status: u16, value: serde_json::Value| {
            full(
                status,
                &[("content-type", "application/json".to_string())],
                &value.to_string(),
            )
        };
        match request.target.as_str() {
            "/auth/api-key" => json(
                200,
                serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3600}),
            ),
            "/videos" => json(201, serde_json::json!({"videoId": "vi1"})),
            "/videos/vi1/source" => json(201, serde_json::json!({"title": "no id here"})),
            _ => json(404, serde_json::json!({})),
        }
    });
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "film.mp4", 10 * KIB, 13);
    let out = upload_kind(&home, "api-video", &server.base(), &source);
    assert_not_done(&home, &out, "no usable videoId");

    let server = Hostile::start(|request| {
        let json = |status: u16, value: serde_json::Value| {
            full(
                status,
                &[("content-type", "application/json".to_string())],
                &value.to_string(),
            )
        };
        match request.target.as_str() {
            "/auth/api-key" => json(
                200,
                serde_json::json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3600}),
            ),
            "/videos" => json(201, serde_json::json!({"videoId": "vi2"})),
            "/videos/vi2/source" => json(
                400,
                serde_json::json!({"type": "https://docs.api.video/reference/video-source-already-uploaded",
                    "title": "The source of this video is already uploaded.",
                    "name": "video-source-already-uploaded", "status": 400}),
            ),
            _ => json(404, serde_json::json!({})),
        }
    });
    let home = Home::new();
    let source = make_file(files.path(), "film2.mp4", 10 * MIB, 14);
    let out = upload(
        &home,
        &[
            "--kind",
            "api-video",
            "--endpoint",
            &server.base(),
            "--token-env",
            TOKEN_VAR,
            "--chunk-size",
            "5MiB",
            source.to_str().expect("utf-8"),
        ],
    );
    assert_not_done(&home, &out, "complete when only 0 of 10485760 bytes");
}

// ---------------------------------------------------------------------------------------------
// (e), (f) Bounded reads.

/// Peak resident memory (`VmHWM`, KiB) of a running process, while it runs.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for `child`, sampling its peak memory; returns its output, the largest `VmHWM` seen
/// (KiB) and how long it ran. Kills it after `limit`.
fn run_measured(mut child: Child, limit: Duration) -> (Output, u64, Duration) {
    let started = Instant::now();
    let mut peak_kib = 0;
    loop {
        if let Some(kib) = vm_hwm_kib(child.id()) {
            peak_kib = peak_kib.max(kib);
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = started.elapsed();
    (child.wait_with_output().expect("output"), peak_kib, elapsed)
}

fn spawn_upload(home: &Home, args: &[&str]) -> Child {
    home.hoist()
        .env(TOKEN_VAR, TOKEN)
        .arg("upload")
        .args(args)
        .args(["--retry-initial", "20ms", "--retry-max-wait", "200ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hoist")
}

#[test]
fn endless_answers_are_refused_with_bounded_memory() {
    let mut peaks = HashMap::new();
    for kind in ["multipart", "api-video"] {
        let server = Hostile::start(|request| match request.target.as_str() {
            "/auth/api-key" => full(
                200,
                &[("content-type", "application/json".to_string())],
                "{\"access_token\":\"at\",\"expires_in\":3600}",
            ),
            _ => Reply::Endless { status: 200 },
        });
        let home = Home::new();
        let files = tempfile::tempdir().expect("tempdir");
        let source = make_file(files.path(), "asset.mp4", 10 * KIB, 15);
        let child = spawn_upload(
            &home,
            &[
                "--kind",
                kind,
                "--endpoint",
                &server.base(),
                "--token-env",
                TOKEN_VAR,
                source.to_str().expect("utf-8"),
            ],
        );
        let (out, peak_kib, elapsed) = run_measured(child, Duration::from_secs(20));
        eprintln!(
            "{kind}: endless answer refused after {:.2} s, peak RSS {:.1} MiB",
            elapsed.as_secs_f64(),
            peak_kib as f64 / 1024.0
        );
        assert!(
            elapsed < Duration::from_secs(15),
            "{kind}: took {elapsed:?}"
        );
        assert_not_done(
            &home,
            &out,
            "The server's answer was too large (over 1.00 MiB); Hoist stopped reading it",
        );
        assert!(peak_kib > 0, "VmHWM was read");
        assert!(
            peak_kib < 200 * 1024,
            "{kind}: peak RSS {peak_kib} KiB over 200 MiB"
        );
        peaks.insert(kind, peak_kib);
    }
    eprintln!("peak RSS (KiB): {peaks:?}");
}

#[test]
fn google_endless_error_answer_is_cut_and_memory_stays_bounded() {
    // An error answer that never ends: its message is read up to 64 KiB, then the upload is
    // retried and gives up within its budget.
    let server = Hostile::start(|_| Reply::Endless { status: 503 });
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.bin", 10 * KIB, 16);
    let endpoint = format!("{}/upload", server.base());
    let child = spawn_upload(
        &home,
        &google_args(&endpoint, &source, &["--retry-budget", "3s"]),
    );
    let (out, peak_kib, elapsed) = run_measured(child, Duration::from_secs(20));
    eprintln!(
        "google: endless initiate answer, gave up after {:.2} s, peak RSS {:.1} MiB",
        elapsed.as_secs_f64(),
        peak_kib as f64 / 1024.0
    );
    assert_not_done(&home, &out, "Gave up after");
    assert!(text(&out).contains("503"), "{}", text(&out));
    assert!(peak_kib < 200 * 1024, "peak RSS {peak_kib} KiB");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
}

#[test]
fn trickling_answers_are_given_up_after_the_stall_timeout() {
    // The initiate works; every answer to a PUT trickles in one byte each 500 ms.
    let server = google_server(|_, _| Reply::Trickle {
        status: 200,
        headers: vec![("content-type".to_string(), "application/json".to_string())],
        body: format!("{{\"size\":\"{}\"}}{}", 10 * KIB, " ".repeat(200)).into_bytes(),
        every: Duration::from_millis(500),
    });
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.bin", 10 * KIB, 17);
    let endpoint = format!("{}/upload", server.base());
    let started = Instant::now();
    let out = upload(
        &home,
        &google_args(
            &endpoint,
            &source,
            &["--stall-timeout", "2s", "--retry-budget", "6s"],
        ),
    );
    let elapsed = started.elapsed();
    let runs = server.trickles();
    eprintln!(
        "trickle: {}",
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .chain(String::from_utf8_lossy(&out.stdout).lines())
            .filter(|l| l.contains("Gave up") || l.contains("Retrying") || l.contains("retry"))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    eprintln!(
        "trickle: gave up after {:.2} s; {} answers started, abandoned after {:?}",
        elapsed.as_secs_f64(),
        runs.len(),
        runs.iter()
            .map(|r| r
                .abandoned_after
                .map(|d| format!("{:.2} s", d.as_secs_f64())))
            .collect::<Vec<_>>()
    );
    assert!(!out.status.success(), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("did not answer in time") || all.contains("stalled"),
        "{all}"
    );
    assert_not_done(&home, &out, "Gave up after");
    assert!(elapsed < Duration::from_secs(15), "took {elapsed:?}");
    assert!(runs.len() >= 2, "retried: {runs:?}");
    // Each trickle was abandoned by the client within the stall timeout (plus one byte's wait
    // for the server to notice).
    for run in runs.iter().take(runs.len() - 1) {
        let after = run.abandoned_after.expect("abandoned");
        assert!(
            after < Duration::from_millis(4500),
            "a trickling answer held on for {after:?}"
        );
    }
    let first = runs.first().map(|r| r.started.duration_since(started));
    eprintln!("trickle: first answer started {first:?} after launch");
}
