//! Google's resumable upload protocol (YouTube `videos.insert`, Drive, Cloud Storage), as
//! `shared/PROTOCOLS.md` §1 describes it.
//!
//! - `POST /upload/...?uploadType=resumable` starts a session and answers its URI in `Location`
//!   (the same path and query plus `upload_id=<32 hex digits>`);
//! - `PUT` on the session URI sends bytes (`Content-Range: bytes S-E/T`, `bytes S-E/*`) or asks
//!   where the upload is (`Content-Range: bytes */T`, `bytes */*`, no body): 308 with
//!   `Range: bytes=0-K` (no `Range` when nothing is stored) until the last byte, then 200 with the
//!   resource JSON, which later queries get again;
//! - `DELETE` on the session URI cancels it: 499, and the session is gone (404).
//!
//! The resource is a Cloud Storage object (with `md5Hash` and `crc32c`) for `/upload/storage/...`
//! and any other path, a YouTube video for `/upload/youtube/...`, a Drive file for `/upload/drive/...`.
//!
//! Semantics chosen where Google leaves room: a request starting past the stored offset is refused
//! with 400; one starting before it has the overlap skipped; when a connection breaks mid-body the
//! bytes received are kept rounded down to a multiple of 256 KiB (never below what was stored
//! before); `expire-after` is checked when a request starts and after a non-final request stored
//! its bytes, so a request that finishes the upload always succeeds.

use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use hyper::ext::ReasonPhrase;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::faults::kind;
use super::sink::{self, BodyEnd, Digests, SinkOutcome, SinkPlan, run_blocking};
use super::storage::{Storage, safe_file_name};
use super::{App, DropConnection, Refusal};

/// Tag of this protocol's session files.
const PROTOCOL: &str = "google-resumable";
/// Granularity of what is kept from a broken request, like Cloud Storage.
const KEEP_GRANULE_BYTES: u64 = 256 * 1024;
/// What Cloud Storage links escape in object names (all but `A-Z a-z 0-9 - _ . ~`).
const NAME_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// Largest metadata body accepted by the initiate request.
const MAX_METADATA_BYTES: usize = 1 << 20;

/// The routes of this protocol.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new().route("/upload/{*path}", post(initiate).put(upload).delete(cancel))
}

/// The answer to any path the server does not serve.
pub(crate) async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "notFound", "Not Found")
}

/// What a session URI leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ResourceKind {
    /// `/upload/storage/v1/b/{bucket}/o`: a Cloud Storage object.
    Storage,
    /// `/upload/youtube/...`: a YouTube video.
    Youtube,
    /// `/upload/drive/...`: a Drive file.
    Drive,
    /// Anything else: answered like a Cloud Storage object in bucket `hoist`.
    Other,
}

impl ResourceKind {
    /// The kind and (for objects) the bucket of an upload path.
    fn of(path: &str) -> (ResourceKind, Option<String>) {
        if let Some(rest) = path.strip_prefix("/upload/storage/") {
            let parts: Vec<&str> = rest.split('/').collect();
            if let Some(bucket) = parts
                .iter()
                .position(|p| *p == "b")
                .and_then(|i| parts.get(i + 1))
                && !bucket.is_empty()
            {
                let bucket = percent_decode_str(bucket).decode_utf8_lossy().into_owned();
                return (ResourceKind::Storage, Some(bucket));
            }
            return (ResourceKind::Storage, Some("hoist".to_string()));
        }
        if path.starts_with("/upload/youtube/") {
            return (ResourceKind::Youtube, None);
        }
        if path.starts_with("/upload/drive/") {
            return (ResourceKind::Drive, None);
        }
        (ResourceKind::Other, Some("hoist".to_string()))
    }

    /// True when the resource reports MD5 and CRC32C, so they are computed while receiving.
    fn reports_digests(self) -> bool {
        matches!(self, ResourceKind::Storage | ResourceKind::Other)
    }
}

/// Where a session stands, persisted with it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SessionState {
    /// Receiving bytes.
    #[default]
    Active,
    /// Finished: every later request gets this resource again.
    Completed { resource: Value },
    /// Expired by the `expire-after` fault: every later request gets this status.
    Expired { status: u16 },
}

/// A session as stored in `DIR/.sessions/<id>.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SessionMeta {
    protocol: String,
    id: String,
    kind: ResourceKind,
    /// The upload path, as received (percent-encoded).
    path: String,
    /// The initiate query, as received.
    query: String,
    /// The object name as the client gave it.
    object_name: String,
    /// The name the finished file gets in the storage folder.
    file_name: String,
    bucket: Option<String>,
    /// The resource id: the generation of an object, the id of a video or file.
    resource_id: String,
    content_type: String,
    /// Announced total size; unknown until the client says.
    total_bytes: Option<u64>,
    /// The metadata JSON sent with the initiate request.
    metadata: Value,
    created_unix_ms: u64,
    #[serde(default)]
    state: SessionState,
    /// The size of the session's chunks but the last, set by its first chunk (the protocol wants
    /// them all the same).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chunk_bytes: Option<u64>,
}

/// One session in memory. Its lock is held while a request works on it.
#[derive(Debug)]
struct Session {
    meta: SessionMeta,
    /// Bytes stored: the length of the partial file.
    offset: u64,
    /// Digests of the stored bytes, when known (rebuilt from the file otherwise).
    digests: Option<Digests>,
    /// Cancelled: the session no longer exists.
    gone: bool,
}

type SessionRef = Arc<tokio::sync::Mutex<Session>>;

/// The sessions in memory; others are loaded from the storage folder on first use.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: std::sync::Mutex<HashMap<String, SessionRef>>,
}

impl Sessions {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, SessionRef>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn insert(&self, session: Session) {
        let id = session.meta.id.clone();
        self.map()
            .insert(id, Arc::new(tokio::sync::Mutex::new(session)));
    }

    fn remove(&self, id: &str) {
        self.map().remove(id);
    }

    /// The session `id`, loading it from disk after a restart.
    async fn get(&self, storage: &Storage, id: &str) -> io::Result<Option<SessionRef>> {
        if !Storage::is_valid_id(id) {
            return Ok(None);
        }
        if let Some(session) = self.map().get(id) {
            return Ok(Some(session.clone()));
        }
        let Some(meta) = storage.load_meta::<SessionMeta>(id).await? else {
            return Ok(None);
        };
        if meta.protocol != PROTOCOL || meta.id != id {
            return Ok(None);
        }
        let offset = match meta.state {
            SessionState::Active => storage.partial_len(id).await?,
            _ => 0,
        };
        let session = Arc::new(tokio::sync::Mutex::new(Session {
            meta,
            offset,
            digests: None,
            gone: false,
        }));
        Ok(Some(
            self.map().entry(id.to_string()).or_insert(session).clone(),
        ))
    }
}

/// A parsed `Content-Range` request header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ContentRange {
    /// `bytes FIRST-LAST/TOTAL` or `bytes FIRST-LAST/*`: bytes FIRST..=LAST follow.
    Bytes {
        first: u64,
        last: u64,
        total: Option<u64>,
    },
    /// `bytes */TOTAL` or `bytes */*`: no bytes; where is the upload?
    Status { total: Option<u64> },
}

/// Parses a `Content-Range` request header; the error says what is wrong.
pub(crate) fn parse_content_range(value: &str) -> Result<ContentRange, String> {
    let malformed = || {
        format!(
            "malformed Content-Range '{value}' (expected 'bytes FIRST-LAST/TOTAL', 'bytes FIRST-LAST/*', 'bytes */TOTAL' or 'bytes */*')"
        )
    };
    let trimmed = value.trim();
    let rest = trimmed
        .get(..5)
        .filter(|unit| unit.eq_ignore_ascii_case("bytes"))
        .and_then(|_| trimmed.get(5..))
        .ok_or_else(malformed)?;
    if !rest.starts_with(' ') {
        return Err(malformed());
    }
    let (range, total) = rest.trim().split_once('/').ok_or_else(malformed)?;
    let number = |text: &str| -> Result<u64, String> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        text.parse::<u64>().map_err(|_| malformed())
    };
    let total = match total.trim() {
        "*" => None,
        total => Some(number(total)?),
    };
    if range.trim() == "*" {
        return Ok(ContentRange::Status { total });
    }
    let (first, last) = range.split_once('-').ok_or_else(malformed)?;
    let (first, last) = (number(first)?, number(last)?);
    if last < first {
        return Err(format!(
            "invalid Content-Range '{value}': the last byte comes before the first"
        ));
    }
    if total.is_some_and(|total| last >= total) {
        return Err(format!(
            "invalid Content-Range '{value}': the last byte is past the total size"
        ));
    }
    Ok(ContentRange::Bytes { first, last, total })
}

/// `POST /upload/...?uploadType=resumable`: starts a session.
async fn initiate(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refusal) = app.gate(&headers) {
        app.discard_body(body);
        return refusal_response(refusal);
    }
    if app.faults.config().garbage_initiate {
        app.faults.count(kind::GARBAGE_INITIATE);
        app.discard_body(body);
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<html><head><title>Hoist</title></head><body><h1>It works!</h1></body></html>\n",
        )
            .into_response();
    }
    let query = uri.query().unwrap_or_default();
    let params: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    if params.get("uploadType").map(String::as_str) != Some("resumable") {
        app.discard_body(body);
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "this server only accepts uploadType=resumable",
        );
    }
    let (total_bytes, metadata) = match read_initiation(&app, &headers, body).await {
        Ok(read) => read,
        Err(response) => return response,
    };
    let id = Storage::new_session_id();
    let meta = match session_meta(&id, &uri, &params, &headers, metadata, total_bytes) {
        Ok(meta) => meta,
        Err(response) => return *response,
    };
    let saved = async {
        app.storage.create_partial(&id).await?;
        app.storage.save_meta(&id, &meta).await
    };
    if let Err(e) = saved.await {
        tracing::error!(error = %e, "could not create an upload session");
        return storage_error();
    }
    let kind = meta.kind;
    app.google.insert(Session {
        meta,
        offset: 0,
        digests: None,
        gone: false,
    });
    super::stats::Counters::bump(&app.stats.sessions_created);
    tracing::debug!(session = short(&id), ?kind, "resumable session created");
    let location = format!(
        "{}{}?{query}&upload_id={id}",
        app.public_base(&headers),
        uri.path()
    );
    match HeaderValue::from_str(&location) {
        Ok(location) => (StatusCode::OK, [(header::LOCATION, location)]).into_response(),
        Err(_) => error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the request URL cannot be echoed",
        ),
    }
}

/// Reads what an initiation announced: the total size, if any, and its metadata object.
async fn read_initiation(
    app: &Arc<App>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Option<u64>, Value), Response> {
    let total_bytes = match header_str(headers, "x-upload-content-length") {
        None => None,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(total) => Some(total),
            Err(_) => {
                app.discard_body(body);
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "X-Upload-Content-Length must be a whole number of bytes",
                ));
            }
        },
    };
    let metadata_bytes = match axum::body::to_bytes(body, MAX_METADATA_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return Err(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "uploadTooLarge",
                "the metadata body is too large or was cut off",
            ));
        }
    };
    let metadata: Value = if metadata_bytes.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&metadata_bytes) {
            Ok(value @ Value::Object(_)) => value,
            _ => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "parseError",
                    "Parse Error: the metadata body is not a JSON object",
                ));
            }
        }
    };
    Ok((total_bytes, metadata))
}

/// The new session `id` as an initiation described it.
fn session_meta(
    id: &str,
    uri: &Uri,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    metadata: Value,
    total_bytes: Option<u64>,
) -> Result<SessionMeta, Box<Response>> {
    let (kind, bucket) = ResourceKind::of(uri.path());
    let object_name = params
        .get("name")
        .filter(|n| !n.is_empty())
        .cloned()
        .or_else(|| json_str(&metadata, &["name"]))
        .or_else(|| json_str(&metadata, &["snippet", "title"]))
        .unwrap_or_else(|| format!("upload-{id}"));
    let Some(file_name) = safe_file_name(&object_name) else {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the object name cannot be stored (empty, '.' or '..')",
        )));
    };
    let content_type = header_str(headers, "x-upload-content-type")
        .map(str::to_string)
        .or_else(|| json_str(&metadata, &["contentType"]))
        .or_else(|| json_str(&metadata, &["mimeType"]))
        .unwrap_or_else(|| "application/octet-stream".to_string());
    let created_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let resource_id = match kind {
        ResourceKind::Youtube => random_token(11),
        ResourceKind::Drive => random_token(33),
        ResourceKind::Storage | ResourceKind::Other => (created_unix_ms * 1000).to_string(),
    };
    Ok(SessionMeta {
        protocol: PROTOCOL.to_string(),
        id: id.to_string(),
        kind,
        path: uri.path().to_string(),
        query: uri.query().unwrap_or_default().to_string(),
        object_name,
        file_name,
        bucket,
        resource_id,
        content_type,
        total_bytes,
        metadata,
        created_unix_ms,
        state: SessionState::Active,
        chunk_bytes: None,
    })
}

/// `PUT` on a session URI: bytes or a status query.
async fn upload(State(app): State<Arc<App>>, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    if let Some(refusal) = app.gate(&headers) {
        app.discard_body(body);
        return refusal_response(refusal);
    }
    let Some(id) = upload_id(&uri) else {
        app.discard_body(body);
        return error(
            StatusCode::BAD_REQUEST,
            "required",
            "this URL is not an upload session: upload_id is missing",
        );
    };
    let range = match headers.get(header::CONTENT_RANGE) {
        None => None,
        Some(value) => match value
            .to_str()
            .map_err(|_| "the Content-Range header is not text".to_string())
            .and_then(parse_content_range)
        {
            Ok(range) => Some(range),
            Err(message) => {
                app.discard_body(body);
                return error(StatusCode::BAD_REQUEST, "invalid", &message);
            }
        },
    };
    let content_length = match header_str(&headers, header::CONTENT_LENGTH.as_str()) {
        None => None,
        Some(text) => text.trim().parse::<u64>().ok(),
    };
    let session = match app.google.get(&app.storage, &id).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            app.discard_body(body);
            return no_such_session();
        }
        Err(e) => {
            app.discard_body(body);
            tracing::error!(error = %e, "could not load an upload session");
            return storage_error();
        }
    };
    // Run apart from the connection, so the partial file is put in order even when hyper drops
    // this request because the client went away.
    let request = PutRequest {
        id,
        range,
        content_length,
    };
    let task = app.tasks.spawn(put(app.clone(), session, request, body));
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "upload task failed");
        storage_error()
    })
}

/// `DELETE` on a session URI: cancels it.
async fn cancel(State(app): State<Arc<App>>, uri: Uri, headers: HeaderMap, body: Body) -> Response {
    app.discard_body(body);
    if let Some(refusal) = app.gate(&headers) {
        return refusal_response(refusal);
    }
    let Some(id) = upload_id(&uri) else {
        return error(StatusCode::BAD_REQUEST, "required", "upload_id is missing");
    };
    let session = match app.google.get(&app.storage, &id).await {
        Ok(Some(session)) => session,
        Ok(None) => return no_such_session(),
        Err(e) => {
            tracing::error!(error = %e, "could not load an upload session");
            return storage_error();
        }
    };
    let mut session = session.lock().await;
    if session.gone {
        return no_such_session();
    }
    session.gone = true;
    app.google.remove(&id);
    if let Err(e) = app.storage.remove_session(&id).await {
        tracing::error!(error = %e, "could not remove a cancelled session");
    }
    tracing::debug!(session = short(&id), "resumable session cancelled");
    client_closed()
}

/// What a `PUT` asked for.
#[derive(Debug)]
struct PutRequest {
    id: String,
    range: Option<ContentRange>,
    content_length: Option<u64>,
}

async fn put(app: Arc<App>, session: SessionRef, request: PutRequest, body: Body) -> Response {
    let mut session = session.lock().await;
    let session = &mut *session;
    if let Some(answer) = closed_session_answer(&app, session).await {
        app.discard_body(body);
        return answer;
    }

    let body_empty = HttpBody::size_hint(&body).exact() == Some(0);
    let (first, declared_len, total) = match request.range {
        Some(ContentRange::Status { total }) => {
            app.discard_body(body);
            if let Err(response) = learn_total(&app, session, total).await {
                return response;
            }
            return answer_status_query(&app, session).await;
        }
        None if body_empty => return answer_status_query(&app, session).await,
        Some(ContentRange::Bytes { first, last, total }) => {
            let len = last - first + 1;
            if request.content_length.is_some_and(|cl| cl != len) {
                app.discard_body(body);
                return error(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "Content-Length does not match the Content-Range",
                );
            }
            (first, Some(len), total)
        }
        None => (0, request.content_length, None),
    };
    let checked = match learn_total(&app, session, total).await {
        Ok(()) => keep_chunk_size(&app, &request, session).await,
        refused => refused,
    };
    if let Err(response) = checked {
        app.discard_body(body);
        return response;
    }
    let prior = session.offset;
    if first > prior {
        app.discard_body(body);
        return error(
            StatusCode::BAD_REQUEST,
            "invalid",
            &format!(
                "noncontiguous upload: the request starts at byte {first} but {prior} bytes are stored"
            ),
        );
    }
    let skip = prior - first;
    let limit = bytes_to_keep(session, declared_len, skip);
    if limit == Some(0) {
        app.discard_body(body);
        return answer_state(&app, session).await;
    }

    let partial = app.storage.partial_path(&request.id);
    let digests = match digests_for_put(&app, &request.id, session).await {
        Ok(digests) => digests,
        Err(response) => {
            app.discard_body(body);
            return response;
        }
    };
    let plan = SinkPlan {
        partial: partial.clone(),
        start: prior,
        skip,
        limit,
        body_len: request.content_length.or(declared_len),
        digests,
    };
    let outcome = sink::receive(&app, body, plan).await;

    let end = match settle_received(&app, session, &request.id, partial, prior, outcome).await {
        Ok(end) => end,
        Err(response) => return response,
    };
    if let Some(answer) = unfinished_body_answer(&end) {
        return answer;
    }
    if request.range.is_none() && session.meta.total_bytes.is_none() {
        // A whole upload in one request without Content-Range: its end is the total.
        if let Err(response) = learn_total(&app, session, Some(session.offset)).await {
            return response;
        }
    }
    if session.meta.total_bytes != Some(session.offset)
        && let Some(status) = expiry_due(&app, session)
    {
        return expire(&app, session, status).await;
    }
    answer_state(&app, session).await
}

/// The answer to a `PUT` whose body did not arrive whole: none (it did), a dropped connection, a
/// 400 for a body cut off, or a storage error.
fn unfinished_body_answer(end: &BodyEnd) -> Option<Response> {
    match end {
        BodyEnd::Complete => None,
        BodyEnd::Dropped => Some(DropConnection::response()),
        BodyEnd::Broken => Some(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the request body was cut off",
        )),
        BodyEnd::WriteFailed(_) => Some(storage_error()),
    }
}

/// Holds a session to one chunk size: the first chunk that is not the last sets it, and a later
/// one of another size is refused (400), as Google's documentation says "the chunk size must be
/// the same for each request in the upload sequence with the exception of the last request".
async fn keep_chunk_size(
    app: &App,
    request: &PutRequest,
    session: &mut Session,
) -> Result<(), Response> {
    let Some(ContentRange::Bytes { first, last, total }) = request.range else {
        return Ok(());
    };
    let len = last - first + 1;
    if total.is_some_and(|total| last + 1 == total) {
        return Ok(());
    }
    match session.meta.chunk_bytes {
        Some(size) if size == len => Ok(()),
        Some(size) => Err(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            &format!(
                "every chunk but the last must have the size of the first: {size} bytes, not {len}"
            ),
        )),
        None => {
            session.meta.chunk_bytes = Some(len);
            app.storage
                .save_meta(&request.id, &session.meta)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, "could not save an upload session");
                    storage_error()
                })
        }
    }
}

/// The answer to a `PUT` on a session that takes no more bytes: gone, completed or expired.
async fn closed_session_answer(app: &Arc<App>, session: &mut Session) -> Option<Response> {
    if session.gone {
        return Some(no_such_session());
    }
    match &session.meta.state {
        SessionState::Active => {}
        SessionState::Completed { resource } => {
            return Some((StatusCode::OK, axum::Json(resource.clone())).into_response());
        }
        SessionState::Expired { status } => return Some(expired_response(*status)),
    }
    let status = expiry_due(app, session)?;
    Some(expire(app, session, status).await)
}

/// How many of a `PUT`'s bytes after the `skip` already stored to keep: what it declared, and
/// never past the announced total.
fn bytes_to_keep(session: &Session, declared_len: Option<u64>, skip: u64) -> Option<u64> {
    let limit = declared_len.map(|len| len.saturating_sub(skip));
    match session.meta.total_bytes {
        Some(total) => {
            let room = total.saturating_sub(session.offset);
            Some(limit.map_or(room, |limit| limit.min(room)))
        }
        None => limit,
    }
}

/// The digests of the bytes stored so far, for a session whose answers report them.
async fn digests_for_put(
    app: &Arc<App>,
    id: &str,
    session: &mut Session,
) -> Result<Option<Digests>, Response> {
    if !session.meta.kind.reports_digests() {
        return Ok(None);
    }
    match digests_at_offset(app, id, session).await {
        Ok(digests) => Ok(Some(digests)),
        Err(e) => {
            tracing::error!(error = %e, "could not rebuild the digests of a session");
            Err(storage_error())
        }
    }
}

/// Keeps what a `PUT` stored (cut back where a fault or a broken body says) and brings the
/// session's offset and digests up to it; how the body ended, or the answer to a storage failure.
async fn settle_received(
    app: &Arc<App>,
    session: &mut Session,
    id: &str,
    partial: PathBuf,
    prior: u64,
    outcome: SinkOutcome,
) -> Result<BodyEnd, Response> {
    let received_end = outcome.stored_end;
    let is_final = session
        .meta
        .total_bytes
        .is_some_and(|total| received_end == total);
    let keep = match &outcome.end {
        BodyEnd::Complete => match app.faults.config().short_commit_bytes {
            Some(short) if !is_final && short > 0 && received_end > prior => {
                app.faults.count(kind::SHORT_COMMIT);
                received_end.saturating_sub(short).max(prior)
            }
            _ => received_end,
        },
        BodyEnd::Dropped | BodyEnd::Broken => {
            (received_end - received_end % KEEP_GRANULE_BYTES).max(prior)
        }
        BodyEnd::WriteFailed(e) => {
            tracing::error!(error = %e, "could not write an upload");
            prior
        }
    };
    if keep < received_end
        && let Err(e) = app.storage.truncate_partial(id, keep).await
    {
        tracing::error!(error = %e, "could not cut a partial upload");
        session.offset = app.storage.partial_len(id).await.unwrap_or(prior);
        session.digests = None;
        return Err(storage_error());
    }
    session.offset = keep;
    session.digests = match outcome.trail {
        Some(trail) => trail.at(partial, keep).await.ok(),
        // Nothing received: the digests rebuilt for this request still hold.
        None => session.digests.take().filter(|d| d.len() <= keep),
    };
    Ok(outcome.end)
}

/// Records a total size announced by a request; 400 if it contradicts what is known.
async fn learn_total(app: &App, session: &mut Session, total: Option<u64>) -> Result<(), Response> {
    let Some(total) = total else {
        return Ok(());
    };
    match session.meta.total_bytes {
        Some(known) if known == total => Ok(()),
        Some(known) => Err(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            &format!("the total size {total} differs from the {known} bytes announced before"),
        )),
        None if total < session.offset => Err(error(
            StatusCode::BAD_REQUEST,
            "invalid",
            &format!(
                "the total size {total} is less than the {} bytes stored",
                session.offset
            ),
        )),
        None => {
            session.meta.total_bytes = Some(total);
            if let Err(e) = app.storage.save_meta(&session.meta.id, &session.meta).await {
                tracing::error!(error = %e, "could not save an upload session");
                return Err(storage_error());
            }
            Ok(())
        }
    }
}

/// 200 with the resource when every byte is stored (finishing the upload), else 308.
/// Answers a question about where the upload stands (counted in `offset_queries`).
async fn answer_status_query(app: &App, session: &mut Session) -> Response {
    super::stats::Counters::bump(&app.stats.offset_queries);
    answer_state(app, session).await
}

async fn answer_state(app: &App, session: &mut Session) -> Response {
    if session.meta.total_bytes == Some(session.offset) {
        return finish(app, session).await;
    }
    incomplete(session.offset)
}

/// Moves the upload to its final name and answers the resource.
async fn finish(app: &App, session: &mut Session) -> Response {
    let id = session.meta.id.clone();
    let digests = if session.meta.kind.reports_digests() {
        match digests_at_offset(app, &id, session).await {
            Ok(digests) => Some(digests),
            Err(e) => {
                tracing::error!(error = %e, "could not compute the digests of an upload");
                return storage_error();
            }
        }
    } else {
        None
    };
    if let Err(e) = app.storage.finish(&id, &session.meta.file_name).await {
        tracing::error!(error = %e, "could not store a finished upload");
        return storage_error();
    }
    let resource = resource_json(app, &session.meta, session.offset, digests.as_ref());
    session.meta.state = SessionState::Completed {
        resource: resource.clone(),
    };
    session.digests = None;
    if let Err(e) = app.storage.save_meta(&id, &session.meta).await {
        tracing::error!(error = %e, "could not save a finished upload session");
    }
    super::stats::Counters::bump(&app.stats.uploads_completed);
    tracing::info!(
        session = short(&id),
        bytes = session.offset,
        file = %session.meta.file_name,
        "upload finished"
    );
    (StatusCode::OK, axum::Json(resource)).into_response()
}

/// The digests of the stored bytes, rebuilt from the partial file when not in memory.
async fn digests_at_offset(app: &App, id: &str, session: &mut Session) -> io::Result<Digests> {
    let offset = session.offset;
    let mut digests = session
        .digests
        .take()
        .filter(|d| d.len() <= offset)
        .unwrap_or_default();
    // Rebuilt a step at a time, each step kept on the session: a client that gives up waiting
    // (its request dropped mid-rebuild) does not throw the work away, so its next try goes on
    // from there instead of starting over (after a restart, a multi-GiB upload's rebuild can
    // take longer than a client waits).
    while digests.len() < offset {
        let to = offset.min(digests.len().saturating_add(REBUILD_STEP_BYTES));
        let path = app.storage.partial_path(id);
        let from = digests.len();
        digests = run_blocking(move || digests.extend_from_file(&path, to)).await?;
        app.stats
            .digest_rebuild_bytes
            .fetch_add(to - from, std::sync::atomic::Ordering::Relaxed);
        session.digests = Some(digests.clone());
    }
    Ok(digests)
}

/// How much of a partial file one step of a digest rebuild reads (1 MiB in this crate's tests, so
/// a rebuild of a few MiB takes several steps).
#[cfg(not(test))]
const REBUILD_STEP_BYTES: u64 = 64 * 1024 * 1024;
#[cfg(test)]
const REBUILD_STEP_BYTES: u64 = 1024 * 1024;

/// The status the `expire-after` fault gives this session now, if it is due. Only the first
/// session to reach the mark expires (a session URI outliving its week, once), so the client's
/// new session can finish.
fn expiry_due(app: &App, session: &Session) -> Option<u16> {
    let expiry = app.faults.config().expire_after?;
    let already = app
        .faults
        .injected()
        .get(kind::EXPIRE_AFTER)
        .copied()
        .unwrap_or(0);
    (already == 0 && session.offset >= expiry.after_bytes).then_some(expiry.status)
}

/// Expires a session: its bytes are deleted and it answers `status` from now on.
async fn expire(app: &App, session: &mut Session, status: u16) -> Response {
    app.faults.count(kind::EXPIRE_AFTER);
    let id = session.meta.id.clone();
    if let Err(e) = app.storage.remove_partial(&id).await {
        tracing::error!(error = %e, "could not delete an expired upload");
    }
    session.meta.state = SessionState::Expired { status };
    session.offset = 0;
    session.digests = None;
    if let Err(e) = app.storage.save_meta(&id, &session.meta).await {
        tracing::error!(error = %e, "could not save an expired upload session");
    }
    tracing::debug!(session = short(&id), "resumable session expired (fault)");
    expired_response(status)
}

fn resource_json(app: &App, meta: &SessionMeta, size: u64, digests: Option<&Digests>) -> Value {
    match meta.kind {
        ResourceKind::Youtube => {
            let snippet = meta
                .metadata
                .get("snippet")
                .filter(|s| s.is_object())
                .cloned()
                .unwrap_or_else(|| json!({ "title": meta.object_name }));
            let mut status = meta
                .metadata
                .get("status")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            status.insert("uploadStatus".into(), json!("uploaded"));
            status
                .entry("privacyStatus")
                .or_insert_with(|| json!("private"));
            json!({
                "kind": "youtube#video",
                "etag": format!("hoist-{}", meta.resource_id),
                "id": meta.resource_id,
                "snippet": snippet,
                "status": status,
            })
        }
        ResourceKind::Drive => json!({
            "kind": "drive#file",
            "id": meta.resource_id,
            "name": meta.object_name,
            "mimeType": json_str(&meta.metadata, &["mimeType"]).unwrap_or_else(|| meta.content_type.clone()),
        }),
        ResourceKind::Storage | ResourceKind::Other => {
            let bucket = meta.bucket.as_deref().unwrap_or("hoist");
            let generation = &meta.resource_id;
            let encoded = utf8_percent_encode(&meta.object_name, NAME_ESCAPES).to_string();
            let bucket_encoded = utf8_percent_encode(bucket, NAME_ESCAPES).to_string();
            let mut object = json!({
                "kind": "storage#object",
                "id": format!("{bucket}/{}/{generation}", meta.object_name),
                "selfLink": format!("{}/storage/v1/b/{bucket_encoded}/o/{encoded}", app.base_url),
                "mediaLink": format!(
                    "{}/download/storage/v1/b/{bucket_encoded}/o/{encoded}?generation={generation}&alt=media",
                    app.base_url
                ),
                "name": meta.object_name,
                "bucket": bucket,
                "generation": generation,
                "metageneration": "1",
                "contentType": meta.content_type,
                "storageClass": "STANDARD",
                "size": size.to_string(),
            });
            if let Some(digests) = digests {
                object["md5Hash"] = json!(digests.md5_base64());
                object["crc32c"] = json!(digests.crc32c_base64());
                object["etag"] = json!(digests.md5_base64());
            }
            if let Some(custom) = meta.metadata.get("metadata").filter(|m| m.is_object()) {
                object["metadata"] = custom.clone();
            }
            object
        }
    }
}

/// 308 Resume Incomplete, with `Range: bytes=0-K` when something is stored.
fn incomplete(offset: u64) -> Response {
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    response
        .extensions_mut()
        .insert(ReasonPhrase::from_static(b"Resume Incomplete"));
    if offset > 0
        && let Ok(range) = HeaderValue::from_str(&format!("bytes=0-{}", offset - 1))
    {
        response.headers_mut().insert(header::RANGE, range);
    }
    response
}

/// A Google-shaped error: `{"error":{"code","message","errors":[{"domain","reason","message"}]}}`.
fn error(status: StatusCode, reason: &str, message: &str) -> Response {
    let body = json!({
        "error": {
            "code": status.as_u16(),
            "message": message,
            "errors": [{ "domain": "global", "reason": reason, "message": message }],
        }
    });
    (status, axum::Json(body)).into_response()
}

fn refusal_response(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => {
            let body = json!({
                "error": {
                    "code": 401,
                    "message": "Invalid Credentials",
                    "errors": [{
                        "domain": "global",
                        "reason": "authError",
                        "message": "Invalid Credentials",
                        "locationType": "header",
                        "location": "Authorization",
                    }],
                }
            });
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer realm=\"hoist\"")],
                axum::Json(body),
            )
                .into_response()
        }
        Refusal::Error {
            status,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let reason = match status.as_u16() {
                429 => "rateLimitExceeded",
                408 => "requestTimeout",
                500..=599 => "backendError",
                _ => "invalid",
            };
            let message = status.canonical_reason().unwrap_or("Error");
            let mut response = error(status, reason, message);
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

fn no_such_session() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "notFound",
        "No such upload session (it was cancelled, expired or never existed)",
    )
}

fn expired_response(status: u16) -> Response {
    if status == 410 {
        return error(StatusCode::GONE, "gone", "The upload session has expired");
    }
    error(
        StatusCode::NOT_FOUND,
        "notFound",
        "The upload session has expired",
    )
}

fn client_closed() -> Response {
    let status = StatusCode::from_u16(499).unwrap_or(StatusCode::NO_CONTENT);
    let mut response = status.into_response();
    response
        .extensions_mut()
        .insert(ReasonPhrase::from_static(b"Client Closed Request"));
    response
}

fn storage_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "backendError",
        "the server could not store the upload",
    )
}

/// The `upload_id` query parameter.
fn upload_id(uri: &Uri) -> Option<String> {
    url::form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(key, _)| key == "upload_id")
        .map(|(_, value)| value.into_owned())
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The string at `path` in a JSON object, if any and not empty.
fn json_str(value: &Value, path: &[&str]) -> Option<String> {
    let mut node = value;
    for key in path {
        node = node.get(key)?;
    }
    node.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// The first characters of a session id, enough for logs (the whole id is a capability).
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests;
