//! tus 1.0 (<https://tus.io/protocols/resumable-upload>; PROTOCOLS.md §4) under `/tus/files/`.
//!
//! - `OPTIONS /tus/files/` (or on an upload): `204` with `Tus-Version: 1.0.0`, the extensions
//!   `creation,creation-defer-length,termination,checksum,expiration` and
//!   `Tus-Checksum-Algorithm: sha1`;
//! - `POST /tus/files/` with `Upload-Length` or `Upload-Defer-Length: 1` and optional
//!   `Upload-Metadata`: `201` with `Location: http://HOST/tus/files/<32 hex digits>`;
//! - `HEAD <upload>`: `200` with `Upload-Offset`, `Upload-Length` (or `Upload-Defer-Length: 1`),
//!   `Upload-Metadata` and `Cache-Control: no-store`;
//! - `PATCH <upload>` (`Content-Type: application/offset+octet-stream`, `Upload-Offset`, optional
//!   `Upload-Length` for a deferred length, optional `Upload-Checksum: sha1 <base64>`): `204` with
//!   the new `Upload-Offset`; `409` when the offset is not the stored one, `415` for another
//!   content type, `460` when the checksum does not match (the chunk is discarded), `413` when
//!   the body would pass the upload's length;
//! - `DELETE <upload>`: `204`; the upload is gone (`410`) from then on.
//!
//! Every request but `OPTIONS` needs `Tus-Resumable: 1.0.0` (else `412`); every answer carries it.
//! Unknown uploads answer `404`; terminated and expired ones `410` (`expire-after` answers the
//! status it names). The finished file is moved to `DIR/<filename from the metadata>` (else
//! `DIR/upload-<id>`); the session survives a server restart (`DIR/.sessions/<id>.json`, the bytes
//! in `DIR/.partial/<id>`).
//!
//! Semantics chosen where tus leaves room: a `PATCH` whose body breaks off keeps the bytes received,
//! except when it carries a checksum, which cannot be verified then: nothing of it is kept.
//! `short-commit` keeps fewer bytes than received on a `PATCH` that does not finish the upload
//! (answering the smaller offset); `expire-after` is checked when a `PATCH` starts and after a
//! non-final one stored its bytes. `tus-expires=SECONDS` gives uploads created meanwhile an
//! `Upload-Expires` that many seconds after their creation. A finished upload answers `HEAD`
//! with its full offset; `DELETE` on it forgets the upload but leaves the delivered file.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::{Path, State as AxumState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{head, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha1::Digest as _;

use super::faults::kind;
use super::sink::{self, BodyEnd, SinkPlan, run_blocking};
use super::storage::{Storage, safe_file_name};
use super::{App, DropConnection, Refusal};

/// Tag of this protocol's session files.
const PROTOCOL: &str = "tus";
/// Where uploads are created.
const BASE_PATH: &str = "/tus/files";
/// The one protocol version spoken.
const TUS_VERSION: &str = "1.0.0";
/// The extensions advertised by `OPTIONS`.
const EXTENSIONS: &str = "creation,creation-defer-length,termination,checksum,expiration";
/// The checksum algorithms advertised by `OPTIONS`.
const CHECKSUM_ALGORITHMS: &str = "sha1";
/// The media type of a `PATCH` body.
const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
/// The status of a checksum mismatch.
const CHECKSUM_MISMATCH: u16 = 460;
/// Longest `Upload-Metadata` accepted.
const MAX_METADATA_BYTES: usize = 64 * 1024;
/// Read size when hashing a received chunk.
const HASH_BUFFER_BYTES: usize = 1 << 20;

/// The routes of this protocol.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(BASE_PATH, post(create).options(options))
        .route("/tus/files/", post(create).options(options))
        .route(
            "/tus/files/{id}",
            head(status).patch(patch).delete(terminate).options(options),
        )
}

/// Where an upload stands, persisted with it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum UploadState {
    /// Receiving bytes.
    #[default]
    Active,
    /// Every byte is stored; the file was moved to its final name.
    Completed,
    /// Terminated by `DELETE`: 410 from now on.
    Terminated,
    /// Expired (`tus-expires`: 410, `expire-after`: its status) from now on.
    Expired { status: u16 },
}

/// An upload as stored in `DIR/.sessions/<id>.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct UploadMeta {
    protocol: String,
    id: String,
    /// `Upload-Length`; `None` while deferred.
    length: Option<u64>,
    /// `Upload-Metadata` as received (echoed by `HEAD`).
    metadata: String,
    /// The name the finished file gets in the storage folder.
    file_name: String,
    created_unix_ms: u64,
    /// `Upload-Expires`, in seconds since the Unix epoch.
    expires_unix_secs: Option<u64>,
    #[serde(default)]
    state: UploadState,
}

/// One upload in memory. Its lock is held while a request works on it.
#[derive(Debug)]
struct Upload {
    meta: UploadMeta,
    /// Bytes stored: the partial file's length, or the length once completed.
    offset: u64,
}

type UploadRef = Arc<tokio::sync::Mutex<Upload>>;

/// The tus uploads in memory; others are loaded from the storage folder on first use.
#[derive(Debug, Default)]
pub(crate) struct State {
    map: std::sync::Mutex<HashMap<String, UploadRef>>,
}

impl State {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, UploadRef>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn insert(&self, upload: Upload) {
        let id = upload.meta.id.clone();
        self.map()
            .insert(id, Arc::new(tokio::sync::Mutex::new(upload)));
    }

    /// The upload `id`, loading it from disk after a restart.
    async fn get(&self, storage: &Storage, id: &str) -> io::Result<Option<UploadRef>> {
        if !Storage::is_valid_id(id) {
            return Ok(None);
        }
        if let Some(upload) = self.map().get(id) {
            return Ok(Some(upload.clone()));
        }
        let Some(meta) = storage.load_meta::<UploadMeta>(id).await? else {
            return Ok(None);
        };
        if meta.protocol != PROTOCOL || meta.id != id {
            return Ok(None);
        }
        let offset = match meta.state {
            UploadState::Active => storage.partial_len(id).await?,
            UploadState::Completed => meta.length.unwrap_or_default(),
            UploadState::Terminated | UploadState::Expired { .. } => 0,
        };
        let upload = Arc::new(tokio::sync::Mutex::new(Upload { meta, offset }));
        Ok(Some(
            self.map().entry(id.to_string()).or_insert(upload).clone(),
        ))
    }
}

/// `OPTIONS`: what this server supports.
async fn options() -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    headers.insert("tus-version", HeaderValue::from_static(TUS_VERSION));
    headers.insert("tus-extension", HeaderValue::from_static(EXTENSIONS));
    headers.insert(
        "tus-checksum-algorithm",
        HeaderValue::from_static(CHECKSUM_ALGORITHMS),
    );
    response
}

/// `POST /tus/files/`: creates an upload.
async fn create(AxumState(app): AxumState<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    // creation-with-upload is not offered: a body is read and ignored.
    app.discard_body(body);
    if let Some(response) = refuse(&app, &headers) {
        return response;
    }
    let length = match (
        header_str(&headers, "upload-length"),
        header_str(&headers, "upload-defer-length"),
    ) {
        (Some(_), Some(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "send either Upload-Length or Upload-Defer-Length, not both",
            );
        }
        (Some(text), None) => match parse_number(text) {
            Some(length) => Some(length),
            None => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "Upload-Length must be a whole number of bytes",
                );
            }
        },
        (None, Some(text)) if text.trim() == "1" => None,
        (None, Some(_)) => {
            return error(StatusCode::BAD_REQUEST, "Upload-Defer-Length must be 1");
        }
        (None, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "Upload-Length or Upload-Defer-Length: 1 is required",
            );
        }
    };
    let metadata = header_str(&headers, "upload-metadata")
        .unwrap_or_default()
        .to_string();
    if metadata.len() > MAX_METADATA_BYTES {
        return error(StatusCode::BAD_REQUEST, "Upload-Metadata is too long");
    }
    let pairs = match parse_metadata(&metadata) {
        Ok(pairs) => pairs,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message),
    };
    let id = Storage::new_session_id();
    let file_name = pairs
        .iter()
        .find(|(key, _)| key == "filename" || key == "name")
        .and_then(|(_, value)| value.as_deref())
        .and_then(safe_file_name)
        .unwrap_or_else(|| format!("upload-{id}"));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    let expires_unix_secs = app
        .faults
        .config()
        .tus_expires_secs
        .map(|secs| now.as_secs().saturating_add(secs));
    let meta = UploadMeta {
        protocol: PROTOCOL.to_string(),
        id: id.clone(),
        length,
        metadata,
        file_name,
        created_unix_ms: now.as_millis() as u64,
        expires_unix_secs,
        state: UploadState::Active,
    };
    let saved = async {
        app.storage.create_partial(&id).await?;
        app.storage.save_meta(&id, &meta).await
    };
    if let Err(e) = saved.await {
        tracing::error!(error = %e, "could not create a tus upload");
        return storage_error();
    }
    let mut upload = Upload { meta, offset: 0 };
    super::stats::Counters::bump(&app.stats.sessions_created);
    tracing::debug!(upload = short(&id), ?length, "tus upload created");
    if length == Some(0)
        && let Err(response) = finish(&app, &mut upload).await
    {
        return response;
    }
    app.tus.insert(upload);
    let location = format!("{}{BASE_PATH}/{id}", app.public_base(&headers));
    let Ok(location) = HeaderValue::from_str(&location) else {
        return error(StatusCode::BAD_REQUEST, "the Host header cannot be echoed");
    };
    let mut response = tus_response(StatusCode::CREATED);
    response.headers_mut().insert(header::LOCATION, location);
    add_expires(&mut response, expires_unix_secs);
    response
}

/// `HEAD <upload>`: its offset.
async fn status(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(response) = refuse(&app, &headers) {
        return response;
    }
    super::stats::Counters::bump(&app.stats.offset_queries);
    let upload = match app.tus.get(&app.storage, &id).await {
        Ok(Some(upload)) => upload,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "could not load a tus upload");
            return storage_error();
        }
    };
    let mut upload = upload.lock().await;
    if let Some(response) = unavailable(&app, &mut upload).await {
        return response;
    }
    let mut response = tus_response(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("upload-offset", HeaderValue::from(upload.offset));
    match upload.meta.length {
        Some(length) => headers.insert("upload-length", HeaderValue::from(length)),
        None => headers.insert("upload-defer-length", HeaderValue::from_static("1")),
    };
    if !upload.meta.metadata.is_empty()
        && let Ok(metadata) = HeaderValue::from_str(&upload.meta.metadata)
    {
        headers.insert("upload-metadata", metadata);
    }
    if upload.meta.state == UploadState::Active {
        add_expires(&mut response, upload.meta.expires_unix_secs);
    }
    response
}

/// What a `PATCH` asked for.
#[derive(Debug)]
struct PatchRequest {
    id: String,
    offset: u64,
    length: Option<u64>,
    /// The SHA-1 the body must have.
    sha1: Option<Vec<u8>>,
    content_length: Option<u64>,
}

/// `PATCH <upload>`: stores bytes at the offset.
async fn patch(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(response) = refuse(&app, &headers) {
        app.discard_body(body);
        return response;
    }
    let request = match parse_patch(id, &headers) {
        Ok(request) => request,
        Err((status, message)) => {
            app.discard_body(body);
            return error(status, &message);
        }
    };
    let upload = match app.tus.get(&app.storage, &request.id).await {
        Ok(Some(upload)) => upload,
        Ok(None) => {
            app.discard_body(body);
            return not_found();
        }
        Err(e) => {
            app.discard_body(body);
            tracing::error!(error = %e, "could not load a tus upload");
            return storage_error();
        }
    };
    // Run apart from the connection, so the partial file is put in order even when hyper drops
    // this request because the client went away.
    let task = app
        .tasks
        .spawn(store_patch(app.clone(), upload, request, body));
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "tus PATCH task failed");
        storage_error()
    })
}

/// Reads the headers of a `PATCH`; the error is the status and message to answer.
fn parse_patch(id: String, headers: &HeaderMap) -> Result<PatchRequest, (StatusCode, String)> {
    let content_type = header_str(headers, header::CONTENT_TYPE.as_str()).unwrap_or_default();
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    if !essence.eq_ignore_ascii_case(OFFSET_OCTET_STREAM) {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "PATCH bodies must be Content-Type: application/offset+octet-stream".to_string(),
        ));
    }
    let offset = header_str(headers, "upload-offset")
        .and_then(parse_number)
        .ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                "Upload-Offset must be given as a whole number of bytes".to_string(),
            )
        })?;
    let length = match header_str(headers, "upload-length") {
        None => None,
        Some(text) => Some(parse_number(text).ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                "Upload-Length must be a whole number of bytes".to_string(),
            )
        })?),
    };
    let sha1 = match header_str(headers, "upload-checksum") {
        None => None,
        Some(text) => Some(parse_checksum(text).map_err(|m| (StatusCode::BAD_REQUEST, m))?),
    };
    let content_length =
        header_str(headers, header::CONTENT_LENGTH.as_str()).and_then(parse_number);
    Ok(PatchRequest {
        id,
        offset,
        length,
        sha1,
        content_length,
    })
}

async fn store_patch(
    app: Arc<App>,
    upload: UploadRef,
    request: PatchRequest,
    body: Body,
) -> Response {
    let mut upload = upload.lock().await;
    let upload = &mut *upload;
    if let Some(response) = answer_without_body(&app, upload, &request).await {
        app.discard_body(body);
        return response;
    }
    let prior = upload.offset;
    let room = match check_lengths(&app, upload, &request, prior).await {
        Ok(room) => room,
        Err(response) => {
            app.discard_body(body);
            return response;
        }
    };
    let body_empty = HttpBody::size_hint(&body).exact() == Some(0);
    let outcome = if body_empty || room == Some(0) {
        app.discard_body(body);
        None
    } else {
        let plan = SinkPlan {
            partial: app.storage.partial_path(&request.id),
            start: prior,
            skip: 0,
            limit: room,
            body_len: request.content_length,
            digests: None,
        };
        Some(sink::receive(&app, body, plan).await)
    };
    let (end, received_end) = match outcome {
        Some(outcome) => (outcome.end, outcome.stored_end),
        None => (BodyEnd::Complete, prior),
    };

    let received = Received {
        prior,
        end: &end,
        received_end,
    };
    let keep = bytes_to_keep(&app, upload.meta.length, &request, &received);
    let mismatch = checksum_mismatch(&app, &request, &received).await;
    let keep = if mismatch { prior } else { keep };
    if keep < received_end
        && let Err(e) = app.storage.truncate_partial(&request.id, keep).await
    {
        tracing::error!(error = %e, "could not cut a tus upload");
        upload.offset = app.storage.partial_len(&request.id).await.unwrap_or(prior);
        return storage_error();
    }
    upload.offset = keep;

    match end {
        BodyEnd::Complete => {}
        BodyEnd::Dropped => return DropConnection::response(),
        BodyEnd::Broken => {
            return error(StatusCode::BAD_REQUEST, "the request body was cut off");
        }
        BodyEnd::WriteFailed(_) => return storage_error(),
    }
    if mismatch {
        tracing::debug!(
            upload = short(&request.id),
            "tus chunk discarded: checksum mismatch"
        );
        let status = StatusCode::from_u16(CHECKSUM_MISMATCH).unwrap_or(StatusCode::BAD_REQUEST);
        return error(status, "Checksum Mismatch: the chunk was discarded");
    }
    if upload.meta.length == Some(upload.offset) {
        if let Err(response) = finish(&app, upload).await {
            return response;
        }
        return offset_response(upload.offset, None);
    }
    if let Some(status) = expiry_due(&app, upload) {
        return expire(&app, upload, status, kind::EXPIRE_AFTER).await;
    }
    offset_response(upload.offset, upload.meta.expires_unix_secs)
}

/// The answer to a `PATCH` that is not stored: the upload is finished (an empty `PATCH` at its
/// end, a client repeating the request whose answer it lost, gets the same answer), unavailable,
/// expired, or not at the upload's offset (or the conflict fault). `None`: store the body.
async fn answer_without_body(
    app: &App,
    upload: &mut Upload,
    request: &PatchRequest,
) -> Option<Response> {
    if upload.meta.state == UploadState::Completed {
        if request.offset != upload.offset {
            return Some(conflict(upload.offset));
        }
        return Some(offset_response(upload.offset, None));
    }
    if let Some(response) = unavailable(app, upload).await {
        return Some(response);
    }
    if let Some(status) = expiry_due(app, upload) {
        return Some(expire(app, upload, status, kind::EXPIRE_AFTER).await);
    }
    if request.offset != upload.offset || app.faults.offset_conflict() {
        return Some(conflict(upload.offset));
    }
    None
}

/// Checks a `PATCH`'s `Upload-Length` against the one known (recording it when it is new) and
/// its body against the room left; the bytes left to the upload's length, or the answer.
async fn check_lengths(
    app: &App,
    upload: &mut Upload,
    request: &PatchRequest,
    prior: u64,
) -> Result<Option<u64>, Response> {
    if let Some(length) = request.length {
        match upload.meta.length {
            Some(known) if known != length => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    &format!("Upload-Length {length} differs from the {known} bytes announced"),
                ));
            }
            Some(_) => {}
            None if length < prior => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    &format!("Upload-Length {length} is less than the {prior} bytes stored"),
                ));
            }
            None => {
                upload.meta.length = Some(length);
                if let Err(e) = app.storage.save_meta(&request.id, &upload.meta).await {
                    tracing::error!(error = %e, "could not save a tus upload");
                    return Err(storage_error());
                }
            }
        }
    }
    let room = upload.meta.length.map(|length| length - prior);
    if let (Some(room), Some(len)) = (room, request.content_length)
        && len > room
    {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the body has {len} bytes but only {room} remain to the upload's length"),
        ));
    }
    Ok(room)
}

/// What a `PATCH` body left in the partial file: the offset before it, how it ended, and the
/// end of what was written.
struct Received<'a> {
    prior: u64,
    end: &'a BodyEnd,
    received_end: u64,
}

/// How much of what arrived the server keeps (before the checksum check): all of a complete
/// body (less the short-commit fault's bytes), what arrived of a broken unchecksummed one,
/// nothing of a broken checksummed one or of a failed write.
fn bytes_to_keep(
    app: &App,
    upload_length: Option<u64>,
    request: &PatchRequest,
    received: &Received<'_>,
) -> u64 {
    let Received {
        prior,
        end,
        received_end,
    } = *received;
    match end {
        BodyEnd::Complete => {
            let short = app.faults.config().short_commit_bytes;
            let is_final = upload_length == Some(received_end);
            match short {
                Some(short) if !is_final && short > 0 && received_end > prior => {
                    app.faults.count(kind::SHORT_COMMIT);
                    received_end.saturating_sub(short).max(prior)
                }
                _ => received_end,
            }
        }
        // What arrived of a checksummed body cannot be verified: none of it is kept.
        BodyEnd::Dropped | BodyEnd::Broken if request.sha1.is_some() => prior,
        BodyEnd::Dropped | BodyEnd::Broken => received_end,
        BodyEnd::WriteFailed(e) => {
            tracing::error!(error = %e, "could not write a tus upload");
            prior
        }
    }
}

/// True when a complete checksummed body does not match its `Upload-Checksum` (or the fault
/// says so, or it cannot be hashed).
async fn checksum_mismatch(app: &App, request: &PatchRequest, received: &Received<'_>) -> bool {
    let (prior, received_end) = (received.prior, received.received_end);
    let (Some(expected), BodyEnd::Complete) = (&request.sha1, received.end) else {
        return false;
    };
    if received_end <= prior {
        return false;
    }
    let path = app.storage.partial_path(&request.id);
    match run_blocking(move || sha1_of_range(&path, prior, received_end)).await {
        Ok(actual) => actual != *expected || app.faults.checksum_mismatch(),
        Err(e) => {
            tracing::error!(error = %e, "could not hash a tus chunk");
            true
        }
    }
}

/// `DELETE <upload>`: terminates it.
async fn terminate(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    app.discard_body(body);
    if let Some(response) = refuse(&app, &headers) {
        return response;
    }
    let upload = match app.tus.get(&app.storage, &id).await {
        Ok(Some(upload)) => upload,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "could not load a tus upload");
            return storage_error();
        }
    };
    let mut upload = upload.lock().await;
    if upload.meta.state == UploadState::Terminated {
        return gone("the upload was terminated");
    }
    if let Err(e) = app.storage.remove_partial(&id).await {
        tracing::error!(error = %e, "could not delete a terminated tus upload");
    }
    upload.meta.state = UploadState::Terminated;
    upload.offset = 0;
    if let Err(e) = app.storage.save_meta(&id, &upload.meta).await {
        tracing::error!(error = %e, "could not save a terminated tus upload");
    }
    tracing::debug!(upload = short(&id), "tus upload terminated");
    tus_response(StatusCode::NO_CONTENT)
}

/// The gate (token, `error-rate`, `unauthorized-every`) and the version check.
fn refuse(app: &App, headers: &HeaderMap) -> Option<Response> {
    if let Some(refusal) = app.gate(headers) {
        return Some(refusal_response(refusal));
    }
    if header_str(headers, "tus-resumable").map(str::trim) != Some(TUS_VERSION) {
        let mut response = error(
            StatusCode::PRECONDITION_FAILED,
            "this server speaks tus 1.0.0: send Tus-Resumable: 1.0.0",
        );
        response
            .headers_mut()
            .insert("tus-version", HeaderValue::from_static(TUS_VERSION));
        return Some(response);
    }
    None
}

/// The answer for an upload that is no longer there (terminated or expired), if so; expires an
/// active upload whose `Upload-Expires` has passed.
async fn unavailable(app: &App, upload: &mut Upload) -> Option<Response> {
    match upload.meta.state {
        UploadState::Active => {}
        UploadState::Completed => return None,
        UploadState::Terminated => return Some(gone("the upload was terminated")),
        UploadState::Expired { status } => return Some(expired_response(status)),
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    if upload.meta.expires_unix_secs.is_some_and(|at| now >= at) {
        return Some(expire(app, upload, 410, kind::TUS_EXPIRES).await);
    }
    None
}

/// The status the `expire-after` fault gives this upload now, if due. Only the first upload to
/// reach the mark expires, so the client's new upload can finish.
fn expiry_due(app: &App, upload: &Upload) -> Option<u16> {
    let expiry = app.faults.config().expire_after?;
    let already = app
        .faults
        .injected()
        .get(kind::EXPIRE_AFTER)
        .copied()
        .unwrap_or(0);
    (already == 0 && upload.offset >= expiry.after_bytes).then_some(expiry.status)
}

/// Expires an upload: its bytes are deleted and it answers `status` from now on.
async fn expire(app: &App, upload: &mut Upload, status: u16, fault: &'static str) -> Response {
    app.faults.count(fault);
    let id = upload.meta.id.clone();
    if let Err(e) = app.storage.remove_partial(&id).await {
        tracing::error!(error = %e, "could not delete an expired tus upload");
    }
    upload.meta.state = UploadState::Expired { status };
    upload.offset = 0;
    if let Err(e) = app.storage.save_meta(&id, &upload.meta).await {
        tracing::error!(error = %e, "could not save an expired tus upload");
    }
    tracing::debug!(upload = short(&id), status, "tus upload expired");
    expired_response(status)
}

/// Moves a complete upload to its final name.
async fn finish(app: &App, upload: &mut Upload) -> Result<(), Response> {
    let id = upload.meta.id.clone();
    if let Err(e) = app.storage.finish(&id, &upload.meta.file_name).await {
        tracing::error!(error = %e, "could not store a finished tus upload");
        return Err(storage_error());
    }
    upload.meta.state = UploadState::Completed;
    if let Err(e) = app.storage.save_meta(&id, &upload.meta).await {
        tracing::error!(error = %e, "could not save a finished tus upload");
    }
    super::stats::Counters::bump(&app.stats.uploads_completed);
    tracing::info!(
        upload = short(&id),
        bytes = upload.offset,
        file = %upload.meta.file_name,
        "tus upload finished"
    );
    Ok(())
}

/// Parses `Upload-Metadata`: `key base64,key2 base64,key3` (a key may have no value).
fn parse_metadata(text: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut pairs = Vec::new();
    for pair in text.split(',') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (key, value) = match pair.split_once(' ') {
            Some((key, value)) => (key, Some(value.trim())),
            None => (pair, None),
        };
        if key.is_empty() || !key.is_ascii() || pairs.iter().any(|(k, _)| k == key) {
            return Err(format!(
                "Upload-Metadata has an invalid or repeated key '{key}'"
            ));
        }
        let value = match value {
            None | Some("") => None,
            Some(value) => {
                let bytes = BASE64
                    .decode(value)
                    .map_err(|_| format!("the Upload-Metadata value of '{key}' is not base64"))?;
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
        };
        pairs.push((key.to_string(), value));
    }
    Ok(pairs)
}

/// Parses `Upload-Checksum: sha1 <base64>` into the raw digest.
fn parse_checksum(text: &str) -> Result<Vec<u8>, String> {
    let (algorithm, value) = text
        .trim()
        .split_once(' ')
        .ok_or_else(|| "Upload-Checksum must be '<algorithm> <base64 digest>'".to_string())?;
    if !algorithm.eq_ignore_ascii_case("sha1") {
        return Err(format!(
            "the checksum algorithm '{algorithm}' is not supported (supported: {CHECKSUM_ALGORITHMS})"
        ));
    }
    match BASE64.decode(value.trim()) {
        Ok(digest) if digest.len() == 20 => Ok(digest),
        _ => Err("the Upload-Checksum digest is not the base64 of a SHA-1".to_string()),
    }
}

/// A whole number of bytes (digits only).
fn parse_number(text: &str) -> Option<u64> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// SHA-1 of the bytes `[start, end)` of a file (blocking).
fn sha1_of_range(path: &std::path::Path, start: u64, end: u64) -> io::Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut hasher = sha1::Sha1::new();
    let mut buffer = vec![0u8; HASH_BUFFER_BYTES];
    let mut left = end - start;
    while left > 0 {
        let want = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(buffer.len());
        let read = file.read(&mut buffer[..want])?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        hasher.update(&buffer[..read]);
        left -= read as u64;
    }
    Ok(hasher.finalize().to_vec())
}

/// An empty answer with `Tus-Resumable`.
fn tus_response(status: StatusCode) -> Response {
    let mut response = status.into_response();
    response
        .headers_mut()
        .insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    response
}

/// `204` with the new `Upload-Offset` (and `Upload-Expires` while the upload is unfinished).
fn offset_response(offset: u64, expires_unix_secs: Option<u64>) -> Response {
    let mut response = tus_response(StatusCode::NO_CONTENT);
    response
        .headers_mut()
        .insert("upload-offset", HeaderValue::from(offset));
    add_expires(&mut response, expires_unix_secs);
    response
}

fn add_expires(response: &mut Response, expires_unix_secs: Option<u64>) {
    if let Some(secs) = expires_unix_secs {
        let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs));
        if let Ok(value) = HeaderValue::from_str(&date) {
            response
                .headers_mut()
                .insert(HeaderName::from_static("upload-expires"), value);
        }
    }
}

/// A plain-text error with `Tus-Resumable`.
fn error(status: StatusCode, message: &str) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response();
    response
        .headers_mut()
        .insert("tus-resumable", HeaderValue::from_static(TUS_VERSION));
    response
}

/// 409, saying where the upload is in the message (clients ask `HEAD`).
fn conflict(offset: u64) -> Response {
    error(
        StatusCode::CONFLICT,
        &format!("Upload-Offset does not match the {offset} bytes stored"),
    )
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such upload")
}

fn gone(message: &str) -> Response {
    error(StatusCode::GONE, message)
}

fn expired_response(status: u16) -> Response {
    if status == 410 {
        return gone("the upload has expired");
    }
    error(StatusCode::NOT_FOUND, "the upload has expired")
}

fn storage_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not store the upload",
    )
}

fn refusal_response(refusal: Refusal) -> Response {
    match refusal {
        Refusal::Unauthorized => {
            let mut response = error(StatusCode::UNAUTHORIZED, "invalid or missing bearer token");
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"hoist\""),
            );
            response
        }
        Refusal::Error {
            status,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = error(status, status.canonical_reason().unwrap_or("Error"));
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The first characters of an upload id, enough for logs (the whole id is a capability).
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests;
