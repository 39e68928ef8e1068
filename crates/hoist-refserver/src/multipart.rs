//! The reference server's presigned-URL multipart upload (PROTOCOLS.md §3), shaped like Twelve
//! Labs' assets API, under `/multipart` (so the API base is `<server>/multipart`):
//!
//! - `POST /multipart/assets/multipart-uploads` creates a session;
//! - `GET /multipart/assets/multipart-uploads` lists unfinished sessions (paged);
//! - `POST /multipart/assets/multipart-uploads/{id}` reports completed chunks;
//! - `GET /multipart/assets/multipart-uploads/{id}` answers the status (paged chunks);
//! - `POST /multipart/assets/multipart-uploads/{id}/presigned-urls` hands out fresh URLs;
//! - `PUT /multipart/put/{id}/{chunk}?expires=<unix>&signature=<hex>` stores one chunk: the
//!   "presigned URL", an HMAC-SHA256 of the id, the chunk and the expiry under a random key made
//!   when the server starts. Expired or forged: 403 with an S3-like XML body.
//!
//! API calls need `x-api-key` equal to the server's token when it has one (401 otherwise);
//! chunk `PUT`s need only their signature. Chunks are kept as separate files until every chunk is
//! reported with its ETag (the MD5 hex of the chunk), then put together into the final file;
//! the session is `processing` for a moment (`multipart-processing`), then `completed`.
//! Sessions are saved in the storage folder and survive a restart (URLs made before a restart are
//! refused: the key is new, and the client asks for fresh ones).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use super::faults::{GateFault, kind};
use super::sink::{self, BodyEnd, Digests, SinkOutcome, SinkPlan, run_blocking};
use super::stats::Counters;
use super::storage::{Storage, safe_file_name};
use super::{App, DropConnection, Secret, same_secret};

/// Tag of this protocol's session files.
const PROTOCOL: &str = "presigned-multipart";
/// Chunk size unless `multipart-chunk-size` says otherwise.
const DEFAULT_CHUNK_SIZE_BYTES: u64 = 5 * 1024 * 1024;
/// Presigned URL lifetime unless `url-expire-after` says otherwise.
const DEFAULT_URL_LIFETIME: Duration = Duration::from_secs(3600);
/// How long a finished upload stays `processing` unless `multipart-processing` says otherwise.
const DEFAULT_PROCESSING: Duration = Duration::from_millis(200);
/// How long a session lives.
const SESSION_LIFETIME_SECS: i64 = 24 * 3600;
/// URLs handed out with a new session (the rest are asked for).
const INITIAL_URLS: u64 = 10;
/// Most URLs per request, and the largest page.
const MAX_COUNT: u64 = 50;
/// Page size when none is asked for.
const DEFAULT_PAGE_LIMIT: u64 = 10;
/// Largest JSON body accepted.
const MAX_JSON_BYTES: usize = 4 << 20;
const DOCS_URL: &str = "https://docs.twelvelabs.io/v1.3/api-reference/multipart-uploads";

/// This protocol's sessions and the key that signs its URLs.
pub(crate) struct State {
    key: [u8; 32],
    sessions: tokio::sync::Mutex<Sessions>,
}

#[derive(Default)]
struct Sessions {
    loaded: bool,
    map: HashMap<String, Meta>,
}

impl Default for State {
    fn default() -> Self {
        State {
            key: rand::rng().random(),
            sessions: tokio::sync::Mutex::new(Sessions::default()),
        }
    }
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("multipart::State").finish_non_exhaustive()
    }
}

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    Active,
    Processing,
    Completed,
    Failed,
    Expired,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Active => "active",
            Phase::Processing => "processing",
            Phase::Completed => "completed",
            Phase::Failed => "failed",
            Phase::Expired => "expired",
        }
    }
}

/// A session as saved in `DIR/.sessions/<id>.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Meta {
    protocol: String,
    upload_id: String,
    asset_id: String,
    filename: String,
    file_name: String,
    asset_type: String,
    total_size: u64,
    chunk_size: u64,
    total_chunks: u64,
    created_unix: i64,
    expires_unix: i64,
    phase: Phase,
    /// ETag (MD5 hex) of every stored chunk.
    stored: BTreeMap<u64, String>,
    /// Chunks reported with a matching proof.
    reported: BTreeSet<u64>,
}

impl Meta {
    fn chunk_len(&self, index: u64) -> u64 {
        let start = (index - 1) * self.chunk_size;
        self.chunk_size.min(self.total_size - start)
    }

    fn reported_bytes(&self) -> u64 {
        self.reported.iter().map(|&i| self.chunk_len(i)).sum()
    }

    fn stored_bytes(&self) -> u64 {
        self.stored.keys().map(|&i| self.chunk_len(i)).sum()
    }
}

/// The routes of this protocol.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/multipart/assets/multipart-uploads",
            get(list_incomplete).post(create),
        )
        .route(
            "/multipart/assets/multipart-uploads/{id}",
            get(status).post(report),
        )
        .route(
            "/multipart/assets/multipart-uploads/{id}/presigned-urls",
            axum::routing::post(fresh_urls),
        )
        .route("/multipart/put/{id}/{chunk}", put(put_chunk))
}

// ---------------------------------------------------------------------------------------------
// Answers

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "code": code, "message": message, "docs_url": DOCS_URL })),
    )
        .into_response()
}

/// An error answer not yet turned into a response (small, so `Result`s stay cheap).
#[derive(Debug)]
struct Refused {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error(self.status, self.code, &self.message)
    }
}

fn storage_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the server could not store the upload",
    )
}

fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "upload_not_found",
        "no such upload session (it expired or never existed)",
    )
}

/// 403 like S3's for a presigned URL that is expired or not signed by this server.
fn access_denied(message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>\n"
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response()
}

fn gate_response(fault: GateFault) -> Response {
    match fault {
        GateFault::Unauthorized => unauthorized(),
        GateFault::Error {
            status,
            retry_after_secs,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let code = match status.as_u16() {
                429 => "too_many_requests",
                500..=599 => "internal_error",
                _ => "bad_request",
            };
            let mut response = error(
                status,
                code,
                status.canonical_reason().unwrap_or("injected error"),
            );
            let headers = response.headers_mut();
            if status == StatusCode::TOO_MANY_REQUESTS {
                let reset = retry_after_secs.unwrap_or(1);
                headers.insert("x-ratelimit-limit", HeaderValue::from(100u32));
                headers.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
                headers.insert(
                    "x-ratelimit-reset",
                    HeaderValue::from(now_unix().saturating_add(reset as i64)),
                );
                headers.insert(header::RETRY_AFTER, HeaderValue::from(reset));
            } else if let Some(secs) = retry_after_secs {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            response
        }
    }
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "api_key_invalid",
        "the x-api-key header is missing or not valid",
    )
}

/// The checks in front of every API call: the API key, then the gate faults.
fn api_gate(app: &App, headers: &HeaderMap) -> Option<Response> {
    if let Some(Secret(token)) = &app.required_token {
        let given = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        if !given.is_some_and(|given| same_secret(given.as_bytes(), token.as_bytes())) {
            return Some(unauthorized());
        }
    }
    app.faults.gate().map(gate_response)
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn page_info(limit: u64, page: u64, total: usize) -> Value {
    let total = total as u64;
    json!({
        "limit_per_page": limit,
        "page": page,
        "total_page": total.div_ceil(limit.max(1)),
        "total_results": total,
    })
}

/// `?page=&page_limit=` with the service's defaults and bounds.
#[derive(Debug, Deserialize)]
struct Paging {
    page: Option<u64>,
    page_limit: Option<u64>,
}

impl Paging {
    fn bounds(&self) -> Result<(u64, u64), Refused> {
        let page = self.page.unwrap_or(1);
        let limit = self.page_limit.unwrap_or(DEFAULT_PAGE_LIMIT);
        if page == 0 || limit == 0 || limit > MAX_COUNT {
            return Err(Refused {
                status: StatusCode::BAD_REQUEST,
                code: "parameter_invalid",
                message: "page must be at least 1 and page_limit from 1 to 50".to_string(),
            });
        }
        Ok((page, limit))
    }

    /// The items of this page (empty past the end).
    fn slice<T: Clone>(&self, items: &[T], page: u64, limit: u64) -> Vec<T> {
        let start = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
        items
            .iter()
            .skip(start)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, Refused> {
    serde_json::from_slice(body).map_err(|e| Refused {
        status: StatusCode::BAD_REQUEST,
        code: "parameter_invalid",
        message: format!("the request body is not valid: {e}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Sessions

impl State {
    /// The sessions, loading the saved ones on first use (after a restart).
    async fn sessions(&self, storage: &Storage) -> tokio::sync::MutexGuard<'_, Sessions> {
        let mut sessions = self.sessions.lock().await;
        if !sessions.loaded {
            sessions.loaded = true;
            match storage.session_ids().await {
                Ok(ids) => {
                    for id in ids {
                        if let Ok(Some(meta)) = storage.load_meta::<Meta>(&id).await
                            && meta.protocol == PROTOCOL
                            && meta.upload_id == id
                        {
                            sessions.map.insert(id, meta);
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not read the saved sessions"),
            }
        }
        let now = now_unix();
        for meta in sessions.map.values_mut() {
            if meta.phase == Phase::Active && now > meta.expires_unix {
                meta.phase = Phase::Expired;
            }
        }
        sessions
    }

    fn signature(&self, id: &str, chunk: u64, expires: i64) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(format!("{id}\n{chunk}\n{expires}").as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Presigned URLs for chunks `start..start+count`, and their expiry.
fn presign(app: &App, meta: &Meta, start: u64, count: u64) -> (Vec<Value>, i64) {
    let lifetime = app
        .faults
        .config()
        .url_expire_after
        .unwrap_or(DEFAULT_URL_LIFETIME);
    // Whole seconds, rounded up: a URL lives at least its lifetime.
    let expires = now_unix() + lifetime.as_secs_f64().ceil() as i64;
    let end = (start + count).min(meta.total_chunks + 1);
    let urls = (start..end)
        .map(|chunk| {
            let signature = app.multipart.signature(&meta.upload_id, chunk, expires);
            json!({
                "chunk_index": chunk,
                "url": format!(
                    "{}/multipart/put/{}/{chunk}?expires={expires}&signature={signature}",
                    app.base_url, meta.upload_id
                ),
                "expires_at": rfc3339(expires),
            })
        })
        .collect();
    (urls, expires)
}

async fn save(app: &App, meta: &Meta) -> Result<(), Response> {
    app.storage
        .save_meta(&meta.upload_id, meta)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not save a multipart session");
            storage_error()
        })
}

// ---------------------------------------------------------------------------------------------
// Handlers

#[derive(Deserialize)]
struct CreateRequest {
    filename: String,
    #[serde(rename = "type")]
    asset_type: String,
    total_size: u64,
}

async fn create(AxumState(app): AxumState<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = api_gate(&app, &headers) {
        return refused;
    }
    let request: CreateRequest = match parse_json(&body) {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let chars = request.filename.chars().count();
    if chars == 0 || chars > 255 {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "filename must be 1 to 255 characters",
        );
    }
    if !["video", "audio", "image"].contains(&request.asset_type.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "type must be video, audio or image",
        );
    }
    if request.total_size == 0 {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "total_size must be at least 1 byte",
        );
    }
    let Some(file_name) = safe_file_name(&request.filename) else {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "the filename cannot be stored",
        );
    };
    let chunk_size = app
        .faults
        .config()
        .multipart_chunk_size_bytes
        .unwrap_or(DEFAULT_CHUNK_SIZE_BYTES);
    let now = now_unix();
    let upload_id = Storage::new_session_id();
    let meta = Meta {
        protocol: PROTOCOL.to_string(),
        asset_id: Storage::new_session_id()[..24].to_string(),
        upload_id: upload_id.clone(),
        filename: request.filename,
        file_name,
        asset_type: request.asset_type,
        total_size: request.total_size,
        chunk_size,
        total_chunks: request.total_size.div_ceil(chunk_size),
        created_unix: now,
        expires_unix: now + SESSION_LIFETIME_SECS,
        phase: Phase::Active,
        stored: BTreeMap::new(),
        reported: BTreeSet::new(),
    };
    let mut sessions = app.multipart.sessions(&app.storage).await;
    if let Err(response) = save(&app, &meta).await {
        return response;
    }
    let (urls, _) = presign(&app, &meta, 1, INITIAL_URLS);
    let answer = json!({
        "upload_id": meta.upload_id,
        "asset_id": meta.asset_id,
        "upload_urls": urls,
        "upload_headers": {},
        "chunk_size": meta.chunk_size,
        "total_chunks": meta.total_chunks,
        "expires_at": rfc3339(meta.expires_unix),
    });
    sessions.map.insert(upload_id, meta);
    Counters::bump(&app.stats.sessions_created);
    (StatusCode::CREATED, axum::Json(answer)).into_response()
}

#[derive(Deserialize)]
struct UrlsRequest {
    start: u64,
    count: u64,
}

async fn fresh_urls(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = api_gate(&app, &headers) {
        return refused;
    }
    let request: UrlsRequest = match parse_json(&body) {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let sessions = app.multipart.sessions(&app.storage).await;
    let Some(meta) = sessions.map.get(&id) else {
        return not_found();
    };
    if meta.phase != Phase::Active {
        return error(
            StatusCode::BAD_REQUEST,
            "upload_not_active",
            &format!("the upload session is {}", meta.phase.as_str()),
        );
    }
    if request.start == 0
        || request.start > meta.total_chunks
        || request.count == 0
        || request.count > MAX_COUNT
    {
        return error(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "start must be a chunk index (from 1) and count from 1 to 50",
        );
    }
    let (urls, expires) = presign(&app, meta, request.start, request.count);
    Counters::bump(&app.stats.presigned_urls_renewed);
    axum::Json(json!({
        "upload_id": meta.upload_id,
        "start_index": request.start,
        "count": urls.len(),
        "upload_urls": urls,
        "generated_at": rfc3339(now_unix()),
        "expires_at": rfc3339(expires),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct ReportRequest {
    completed_chunks: Vec<ReportedChunk>,
}

#[derive(Deserialize)]
struct ReportedChunk {
    chunk_index: u64,
    proof: String,
    #[serde(default)]
    proof_type: Option<String>,
    chunk_size: u64,
}

async fn report(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = api_gate(&app, &headers) {
        return refused;
    }
    if body.len() > MAX_JSON_BYTES {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "parameter_invalid",
            "too many chunks in one report",
        );
    }
    let request: ReportRequest = match parse_json(&body) {
        Ok(request) => request,
        Err(refused) => return refused.into_response(),
    };
    let mut sessions = app.multipart.sessions(&app.storage).await;
    let Some(meta) = sessions.map.get_mut(&id) else {
        return not_found();
    };
    match meta.phase {
        Phase::Active | Phase::Processing | Phase::Completed => {}
        other => {
            return error(
                StatusCode::BAD_REQUEST,
                "upload_not_active",
                &format!("the upload session is {}", other.as_str()),
            );
        }
    }
    // Check the whole batch before taking any of it.
    if let Err(refused) = check_report(meta, &request.completed_chunks) {
        return *refused;
    }
    let mut processed = 0u64;
    let mut duplicates = 0u64;
    for chunk in &request.completed_chunks {
        if meta.reported.insert(chunk.chunk_index) {
            processed += 1;
        } else {
            duplicates += 1;
        }
    }
    let all_reported = meta.reported.len() as u64 == meta.total_chunks;
    let start_assembly = all_reported && meta.phase == Phase::Active;
    if start_assembly {
        meta.phase = Phase::Processing;
    }
    let meta = meta.clone();
    if let Err(response) = save(&app, &meta).await {
        return response;
    }
    drop(sessions);
    if start_assembly {
        let app2 = app.clone();
        app.tasks.spawn(assemble(app2, meta.clone()));
    }
    let mut answer = json!({
        "asset_id": meta.asset_id,
        "processed_chunks": processed,
        "duplicate_chunks": duplicates,
        "total_completed": meta.reported.len(),
    });
    if all_reported {
        answer["url"] = json!(format!(
            "{}/multipart/assets/{}",
            app.base_url, meta.asset_id
        ));
    }
    axum::Json(answer).into_response()
}

/// Checks every chunk a report names: part of the upload, its size, and the ETag it was received
/// with.
fn check_report(meta: &Meta, chunks: &[ReportedChunk]) -> Result<(), Box<Response>> {
    for chunk in chunks {
        let index = chunk.chunk_index;
        if index == 0 || index > meta.total_chunks {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "parameter_invalid",
                &format!("chunk {index} is not part of this upload"),
            )));
        }
        if chunk.proof_type.as_deref().is_some_and(|t| t != "etag") {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "parameter_invalid",
                "proof_type must be etag",
            )));
        }
        if chunk.chunk_size != meta.chunk_len(index) {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "parameter_invalid",
                &format!(
                    "chunk {index} has {} bytes, not {}",
                    meta.chunk_len(index),
                    chunk.chunk_size
                ),
            )));
        }
        let proof = chunk.proof.trim().trim_matches('"');
        if meta.stored.get(&index).map(String::as_str) != Some(proof) {
            return Err(Box::new(error(
                StatusCode::BAD_REQUEST,
                "invalid_proof",
                &format!("chunk {index} was not received with that ETag"),
            )));
        }
    }
    Ok(())
}

/// Puts the chunks together into the final file, waits the processing delay, and completes.
async fn assemble(app: Arc<App>, meta: Meta) {
    let id = meta.upload_id.clone();
    let pieces: Vec<_> = (1..=meta.total_chunks)
        .map(|i| app.storage.piece_path(&id, &i.to_string()))
        .collect();
    let target = app.storage.partial_path(&id);
    let joined = run_blocking(move || {
        let mut out = io::BufWriter::new(std::fs::File::create(&target)?);
        for piece in &pieces {
            io::copy(&mut std::fs::File::open(piece)?, &mut out)?;
        }
        io::Write::flush(&mut out)?;
        for piece in &pieces {
            let _ = std::fs::remove_file(piece);
        }
        Ok(())
    })
    .await;
    let finished = match joined {
        Ok(()) => app.storage.finish(&id, &meta.file_name).await.map(drop),
        Err(e) => Err(e),
    };
    let delay = app
        .faults
        .config()
        .multipart_processing
        .unwrap_or(DEFAULT_PROCESSING);
    tokio::time::sleep(delay).await;
    let mut sessions = app.multipart.sessions(&app.storage).await;
    let Some(meta) = sessions.map.get_mut(&id) else {
        return;
    };
    match finished {
        Ok(()) => {
            meta.phase = Phase::Completed;
            Counters::bump(&app.stats.uploads_completed);
            tracing::info!(bytes = meta.total_size, file = %meta.file_name, "multipart upload finished");
        }
        Err(e) => {
            meta.phase = Phase::Failed;
            tracing::error!(error = %e, "could not put a multipart upload together");
        }
    }
    let meta = meta.clone();
    let _ = save(&app, &meta).await;
}

async fn status(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    Query(paging): Query<Paging>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = api_gate(&app, &headers) {
        return refused;
    }
    let (page, limit) = match paging.bounds() {
        Ok(bounds) => bounds,
        Err(refused) => return refused.into_response(),
    };
    let sessions = app.multipart.sessions(&app.storage).await;
    let Some(meta) = sessions.map.get(&id) else {
        return not_found();
    };
    // Reported chunks are completed; stored but unreported ones are pending.
    let mut chunks: Vec<(u64, &str)> = meta.reported.iter().map(|&i| (i, "completed")).collect();
    chunks.extend(
        meta.stored
            .keys()
            .filter(|i| !meta.reported.contains(i))
            .map(|&i| (i, "pending")),
    );
    chunks.sort_unstable();
    let pending = chunks.len() - meta.reported.len();
    let items: Vec<Value> = paging
        .slice(&chunks, page, limit)
        .into_iter()
        .map(|(index, state)| json!({ "index": index, "status": state, "uploaded_at": Value::Null, "error": Value::Null }))
        .collect();
    axum::Json(json!({
        "upload_id": meta.upload_id,
        "status": meta.phase.as_str(),
        "uploaded_chunks": items,
        "chunks_completed": meta.reported.len(),
        "chunks_failed": 0,
        "chunks_pending": pending,
        "total_size": meta.total_size,
        "uploaded_size": meta.reported_bytes(),
        "page_info": page_info(limit, page, chunks.len()),
    }))
    .into_response()
}

async fn list_incomplete(
    AxumState(app): AxumState<Arc<App>>,
    Query(paging): Query<Paging>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = api_gate(&app, &headers) {
        return refused;
    }
    let (page, limit) = match paging.bounds() {
        Ok(bounds) => bounds,
        Err(refused) => return refused.into_response(),
    };
    let sessions = app.multipart.sessions(&app.storage).await;
    let mut open: Vec<&Meta> = sessions
        .map
        .values()
        .filter(|m| m.phase == Phase::Active)
        .collect();
    open.sort_by(|a, b| (a.created_unix, &a.upload_id).cmp(&(b.created_unix, &b.upload_id)));
    let data: Vec<Value> = paging
        .slice(&open, page, limit)
        .into_iter()
        .map(|m| {
            json!({
                "upload_id": m.upload_id,
                "status": m.phase.as_str(),
                "total_size": m.total_size,
                "chunk_size": m.chunk_size,
                "total_chunks": m.total_chunks,
                "created_at": rfc3339(m.created_unix),
                "expires_at": rfc3339(m.expires_unix),
            })
        })
        .collect();
    axum::Json(json!({ "data": data, "page_info": page_info(limit, page, open.len()) }))
        .into_response()
}

#[derive(Deserialize)]
struct Signed {
    expires: Option<i64>,
    signature: Option<String>,
}

/// `PUT /multipart/put/{id}/{chunk}?expires=&signature=`: stores one chunk.
async fn put_chunk(
    AxumState(app): AxumState<Arc<App>>,
    Path((id, chunk)): Path<(String, u64)>,
    Query(signed): Query<Signed>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match app.faults.gate() {
        None => {}
        // Presigned PUTs carry no key: storage refuses bad credentials with 403, like S3.
        Some(GateFault::Unauthorized) => {
            app.discard_body(body);
            return access_denied(
                "The AWS Access Key Id you provided does not exist in our records",
            );
        }
        Some(fault) => {
            app.discard_body(body);
            return gate_response(fault);
        }
    }
    let (Some(expires), Some(signature)) = (signed.expires, signed.signature) else {
        app.discard_body(body);
        return access_denied(
            "Query-string authentication requires the expires and signature parameters",
        );
    };
    let expected = app.multipart.signature(&id, chunk, expires);
    if !same_secret(signature.as_bytes(), expected.as_bytes()) {
        app.discard_body(body);
        return access_denied(
            "The request signature we calculated does not match the signature you provided",
        );
    }
    if now_unix() > expires {
        app.discard_body(body);
        app.faults.count(kind::URL_EXPIRED);
        return access_denied("Request has expired");
    }
    let len = {
        let sessions = app.multipart.sessions(&app.storage).await;
        let Some(meta) = sessions.map.get(&id) else {
            app.discard_body(body);
            return access_denied("The upload session does not exist");
        };
        if meta.phase != Phase::Active {
            app.discard_body(body);
            return access_denied("The upload session is no longer active");
        }
        if chunk == 0 || chunk > meta.total_chunks {
            app.discard_body(body);
            return access_denied("No such chunk");
        }
        meta.chunk_len(chunk)
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|d| d != len) {
        app.discard_body(body);
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_chunk_size",
            &format!("chunk {chunk} must be exactly {len} bytes"),
        );
    }
    // Received into a temporary file, renamed over the chunk only when whole.
    let temp = app
        .storage
        .piece_path(&id, &format!("{chunk}.{}", Storage::new_session_id()));
    let task = app.tasks.spawn(receive_chunk(
        app.clone(),
        id,
        chunk,
        len,
        temp,
        body,
        declared,
    ));
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "chunk task failed");
        storage_error()
    })
}

async fn receive_chunk(
    app: Arc<App>,
    id: String,
    chunk: u64,
    len: u64,
    temp: std::path::PathBuf,
    body: Body,
    declared: Option<u64>,
) -> Response {
    let body_len = declared.or(HttpBody::size_hint(&body).exact());
    let plan = SinkPlan {
        partial: temp.clone(),
        start: 0,
        skip: 0,
        limit: Some(len + 1),
        body_len,
        digests: Some(Digests::default()),
    };
    let outcome = sink::receive(&app, body, plan).await;
    let etag = match chunk_etag(outcome, &temp, chunk, len).await {
        Ok(etag) => etag,
        Err(response) => {
            let _ = tokio::fs::remove_file(&temp).await;
            return response;
        }
    };
    let remove_temp = || async {
        let _ = tokio::fs::remove_file(&temp).await;
    };
    let mut sessions = app.multipart.sessions(&app.storage).await;
    let Some(meta) = sessions.map.get_mut(&id) else {
        remove_temp().await;
        return access_denied("The upload session does not exist");
    };
    if meta.phase != Phase::Active {
        remove_temp().await;
        return access_denied("The upload session is no longer active");
    }
    let piece = app.storage.piece_path(&id, &chunk.to_string());
    if let Err(e) = tokio::fs::rename(&temp, &piece).await {
        tracing::error!(error = %e, "could not keep a chunk");
        remove_temp().await;
        return storage_error();
    }
    meta.stored.insert(chunk, etag.clone());
    expire_after_fault(&app, &id, meta).await;
    let meta = meta.clone();
    if let Err(response) = save(&app, &meta).await {
        return response;
    }
    drop(sessions);
    if app.faults.drop_etag() {
        return StatusCode::OK.into_response();
    }
    let mut response = StatusCode::OK.into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Checks a received chunk and gives its ETag (the MD5 of its bytes), or the answer refusing it.
async fn chunk_etag(
    outcome: SinkOutcome,
    temp: &std::path::Path,
    chunk: u64,
    len: u64,
) -> Result<String, Response> {
    match outcome.end {
        BodyEnd::Complete => {}
        BodyEnd::Dropped => {
            return Err(DropConnection::response());
        }
        BodyEnd::Broken => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "incomplete_body",
                "the request body was cut off",
            ));
        }
        BodyEnd::WriteFailed(e) => {
            tracing::error!(error = %e, "could not write a chunk");
            return Err(storage_error());
        }
    }
    if outcome.stored_end != len {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "invalid_chunk_size",
            &format!("chunk {chunk} must be exactly {len} bytes"),
        ));
    }
    match outcome.trail {
        Some(trail) => match trail.at(temp.to_path_buf(), len).await {
            Ok(digests) => Ok(digests.md5_hex()),
            Err(e) => {
                tracing::error!(error = %e, "could not digest a chunk");
                Err(storage_error())
            }
        },
        None => Err(storage_error()),
    }
}

/// The `expire-after` fault: once the session holds enough bytes, it expires (once) and its
/// chunks are deleted.
async fn expire_after_fault(app: &App, id: &str, meta: &mut Meta) {
    if let Some(expiry) = app.faults.config().expire_after
        && app
            .faults
            .injected()
            .get(kind::EXPIRE_AFTER)
            .copied()
            .unwrap_or(0)
            == 0
        && meta.stored_bytes() >= expiry.after_bytes
    {
        app.faults.count(kind::EXPIRE_AFTER);
        meta.phase = Phase::Expired;
        for index in meta.stored.keys() {
            let _ = tokio::fs::remove_file(app.storage.piece_path(id, &index.to_string())).await;
        }
        meta.stored.clear();
        meta.reported.clear();
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_id_chunk_and_expiry() {
        let state = State::default();
        let a = state.signature("abc", 1, 100);
        assert_eq!(a.len(), 64);
        assert_eq!(a, state.signature("abc", 1, 100));
        assert_ne!(a, state.signature("abc", 2, 100));
        assert_ne!(a, state.signature("abc", 1, 101));
        assert_ne!(a, state.signature("abd", 1, 100));
        assert_ne!(
            a,
            State::default().signature("abc", 1, 100),
            "a key per server"
        );
    }

    #[test]
    fn pages_past_the_end_are_empty() {
        let paging = Paging {
            page: Some(3),
            page_limit: Some(2),
        };
        let (page, limit) = paging.bounds().expect("bounds");
        assert!(paging.slice(&[1, 2, 3, 4], page, limit).is_empty());
        assert_eq!(paging.slice(&[1, 2, 3, 4, 5], page, limit), vec![5]);
        let too_big = Paging {
            page: None,
            page_limit: Some(51),
        };
        assert!(too_big.bounds().is_err());
    }
}
