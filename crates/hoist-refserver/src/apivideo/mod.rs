//! The reference server's api.video (shared/PROTOCOLS.md §2) under `/apivideo`, so
//! `http://IP:PORT/apivideo` is the host a client is given.
//!
//! - `POST /auth/api-key {"apiKey"}`, `POST /auth/refresh {"refreshToken"}`: tokens (the key must
//!   equal the server's required token when one is set; a bad key or refresh token is a 400);
//! - `POST /videos`, `GET /videos/{id}`, `GET /videos/{id}/status`, `DELETE /videos/{id}`;
//! - `POST /videos/{id}/source`: the source in parts (see the `source` module);
//! - `POST /upload-tokens {"ttl"}`, `POST /upload?token=T`: delegated uploads.
//!
//! API requests need `Authorization: Bearer <access token>` or `Basic base64("<key>:")`. Videos
//! are kept in the storage folder (`.sessions/<videoId>.json`, `.partial/<videoId>`) and survive a
//! restart; access tokens do not. After the last part the video "encodes" for a short while
//! (`apivideo-processing`), then plays, or fails with `processing-fail`.

mod auth;
mod source;
mod video;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use super::App;
use super::stats::Counters;
use super::storage::Storage;
use video::{VideoMeta, is_valid_video_id, no_such_video, problem, problem_named, storage_error};

/// Where this protocol's routes live.
const PREFIX: &str = "/apivideo";
/// Largest JSON body accepted by the API calls.
const MAX_JSON_BYTES: usize = 1 << 20;

/// One video in memory. Its lock is held while a part is stored.
#[derive(Debug)]
struct Video {
    meta: VideoMeta,
    deleted: bool,
}

type VideoRef = Arc<tokio::sync::Mutex<Video>>;

/// Videos and tokens; videos are loaded from the storage folder on first use.
#[derive(Debug, Default)]
pub(crate) struct State {
    videos: std::sync::Mutex<HashMap<String, VideoRef>>,
    tokens: auth::Tokens,
}

impl State {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, VideoRef>> {
        self.videos
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The video `id`, loading it from disk after a restart.
    async fn video(&self, storage: &Storage, id: &str) -> io::Result<Option<VideoRef>> {
        if !is_valid_video_id(id) {
            return Ok(None);
        }
        if let Some(video) = self.map().get(id) {
            return Ok(Some(video.clone()));
        }
        let Some(meta) = storage.load_meta::<VideoMeta>(id).await? else {
            return Ok(None);
        };
        if meta.protocol != video::PROTOCOL || meta.video_id != id {
            return Ok(None);
        }
        let video = Arc::new(tokio::sync::Mutex::new(Video {
            meta,
            deleted: false,
        }));
        Ok(Some(
            self.map().entry(id.to_string()).or_insert(video).clone(),
        ))
    }

    /// Saves and registers a new video.
    async fn create(&self, app: &App, meta: VideoMeta) -> io::Result<VideoRef> {
        app.storage.save_meta(&meta.video_id, &meta).await?;
        Counters::bump(&app.stats.sessions_created);
        tracing::debug!(video = %meta.video_id, "api.video video created");
        let id = meta.video_id.clone();
        let video = Arc::new(tokio::sync::Mutex::new(Video {
            meta,
            deleted: false,
        }));
        self.map().insert(id, video.clone());
        Ok(video)
    }
}

/// The routes of this protocol.
pub(crate) fn routes() -> Router<Arc<App>> {
    let p = |path: &str| format!("{PREFIX}{path}");
    Router::new()
        .route(&p("/auth/api-key"), post(auth_api_key))
        .route(&p("/auth/refresh"), post(auth_refresh))
        .route(&p("/videos"), post(create_video))
        .route(&p("/videos/{id}"), get(get_video).delete(delete_video))
        .route(&p("/videos/{id}/status"), get(video_status))
        .route(&p("/videos/{id}/source"), post(upload_source))
        .route(&p("/upload-tokens"), post(create_upload_token))
        .route(&p("/upload"), post(delegated_upload))
}

/// `http://HOST/apivideo` (or `https`) from the request's `Host` header, else the server's own
/// address.
pub(super) fn public_base(app: &App, headers: &HeaderMap) -> String {
    format!("{}{PREFIX}", app.public_base(headers))
}

/// Reads a JSON object body (empty = `{}`); the error is an answer.
async fn json_body(body: Body) -> Result<Value, Response> {
    let bytes = axum::body::to_bytes(body, MAX_JSON_BYTES)
        .await
        .map_err(|_| {
            problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid-request",
                "The body is too large or was cut off.",
            )
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    match serde_json::from_slice(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(problem(
            StatusCode::BAD_REQUEST,
            "invalid-request",
            "The body must be a JSON object.",
        )),
    }
}

async fn auth_api_key(AxumState(app): AxumState<Arc<App>>, body: Body) -> Response {
    let body = match json_body(body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    match body.get("apiKey").and_then(Value::as_str) {
        Some(key) if auth::key_accepted(&app, key) => {
            (StatusCode::OK, axum::Json(app.apivideo.tokens.issue(&app))).into_response()
        }
        _ => auth::invalid_credentials(),
    }
}

async fn auth_refresh(AxumState(app): AxumState<Arc<App>>, body: Body) -> Response {
    let body = match json_body(body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    match body.get("refreshToken").and_then(Value::as_str) {
        Some(token) if app.apivideo.tokens.take_refresh(token) => {
            (StatusCode::OK, axum::Json(app.apivideo.tokens.issue(&app))).into_response()
        }
        _ => auth::invalid_credentials(),
    }
}

async fn create_video(
    AxumState(app): AxumState<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(response) = auth::check_api(&app, &headers) {
        app.discard_body(body);
        return response;
    }
    let body = match json_body(body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let invalid = |name: &str, title: &str| {
        problem_named(
            StatusCode::BAD_REQUEST,
            "invalid-attribute",
            title,
            Some(name),
        )
    };
    let title = match body.get("title").and_then(Value::as_str).map(str::trim) {
        Some(title) if !title.is_empty() => title.to_string(),
        _ => return invalid("title", "This attribute is required."),
    };
    let mut meta = VideoMeta::new(title);
    match body.get("description") {
        None | Some(Value::Null) => {}
        Some(Value::String(d)) => meta.description = d.clone(),
        Some(_) => return invalid("description", "This attribute must be a string."),
    }
    match body.get("public") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(public)) => meta.public = *public,
        Some(_) => return invalid("public", "This attribute must be a boolean."),
    }
    match body.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(tags)) if tags.iter().all(Value::is_string) => {
            meta.tags = tags
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        }
        Some(_) => return invalid("tags", "This attribute must be an array of strings."),
    }
    match body.get("metadata") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(|i| i.get("key").is_some()) => {
            meta.metadata = items.clone();
        }
        Some(_) => {
            return invalid(
                "metadata",
                "This attribute must be an array of {key, value}.",
            );
        }
    }
    let base = public_base(&app, &headers);
    match app.apivideo.create(&app, meta).await {
        Ok(video) => {
            let json = video.lock().await.meta.to_json(&base);
            (StatusCode::CREATED, axum::Json(json)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "could not create a video");
            storage_error()
        }
    }
}

/// Checks the credentials and finds the video, or the answer to give instead.
async fn authorized_video(app: &App, headers: &HeaderMap, id: &str) -> Result<VideoRef, Response> {
    if let Some(refusal) = auth::check_api(app, headers) {
        return Err(refusal);
    }
    match app.apivideo.video(&app.storage, id).await {
        Ok(Some(video)) => Ok(video),
        Ok(None) => Err(no_such_video()),
        Err(e) => {
            tracing::error!(error = %e, "could not load a video");
            Err(storage_error())
        }
    }
}

async fn get_video(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let video = match authorized_video(&app, &headers, &id).await {
        Ok(video) => video,
        Err(response) => return response,
    };
    let video = video.lock().await;
    if video.deleted {
        return no_such_video();
    }
    let json = video.meta.to_json(&public_base(&app, &headers));
    (StatusCode::OK, axum::Json(json)).into_response()
}

async fn video_status(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let video = match authorized_video(&app, &headers, &id).await {
        Ok(video) => video,
        Err(response) => return response,
    };
    let video = video.lock().await;
    if video.deleted {
        return no_such_video();
    }
    (StatusCode::OK, axum::Json(video.meta.status_json())).into_response()
}

async fn delete_video(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let video = match authorized_video(&app, &headers, &id).await {
        Ok(video) => video,
        Err(response) => return response,
    };
    let mut video = video.lock().await;
    if video.deleted {
        return no_such_video();
    }
    video.deleted = true;
    app.apivideo.map().remove(&id);
    if let Err(e) = app.storage.remove_session(&id).await {
        tracing::error!(error = %e, "could not remove a deleted video");
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn upload_source(
    AxumState(app): AxumState<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let video = match authorized_video(&app, &headers, &id).await {
        Ok(video) => video,
        Err(response) => {
            app.discard_body(body);
            return response;
        }
    };
    source::receive(app, source::Target::Video(video), headers, body).await
}

async fn create_upload_token(
    AxumState(app): AxumState<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(response) = auth::check_api(&app, &headers) {
        app.discard_body(body);
        return response;
    }
    let body = match json_body(body).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let ttl = match body.get("ttl") {
        None | Some(Value::Null) => 0,
        Some(ttl) => match ttl.as_u64() {
            Some(ttl) => ttl,
            None => {
                return problem_named(
                    StatusCode::BAD_REQUEST,
                    "invalid-attribute",
                    "This attribute must be a whole number of seconds.",
                    Some("ttl"),
                );
            }
        },
    };
    match app.apivideo.tokens.new_upload_token(&app, ttl).await {
        Ok(json) => (StatusCode::OK, axum::Json(json)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not save an upload token");
            storage_error()
        }
    }
}

async fn delegated_upload(
    AxumState(app): AxumState<Arc<App>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let valid = match query.get("token") {
        Some(token) => app.apivideo.tokens.upload_token_valid(&app, token).await,
        None => Ok(false),
    };
    match valid {
        Ok(true) => {}
        Ok(false) => {
            app.discard_body(body);
            return problem_named(
                StatusCode::NOT_FOUND,
                "upload-token-not-found",
                "The upload token does not exist or has expired.",
                Some("token"),
            );
        }
        Err(e) => {
            app.discard_body(body);
            tracing::error!(error = %e, "could not read the upload tokens");
            return storage_error();
        }
    }
    if let Some(response) = auth::check_faults(&app) {
        app.discard_body(body);
        return response;
    }
    source::receive(app, source::Target::Delegated, headers, body).await
}
