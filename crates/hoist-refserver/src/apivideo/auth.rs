//! api.video authentication on the reference server: API keys exchanged for access and refresh
//! tokens (in memory: a restart forgets them, as a client must expect), Basic authentication with
//! the key, delegated upload tokens (persisted), and the checks in front of every API request:
//! credentials, the generic gate faults, then `rate-limit-every`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::faults::{GateFault, kind};
use super::super::{App, Secret, same_secret};
use super::video::{now_unix_ms, problem, random_token, rfc3339};

/// api.video's access token lifetime.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Wait announced by `rate-limit-every` unless `retry-after` says otherwise.
const RATE_LIMIT_WAIT_SECS: u64 = 1;
/// Where upload tokens are stored (`DIR/.sessions/<this>.json`).
const UPLOAD_TOKENS_FILE: &str = "apivideo-upload-tokens";

/// Tokens handed out. `Debug` shows counts only.
#[derive(Default)]
pub(crate) struct Tokens {
    /// Access token -> expiry.
    access: Mutex<HashMap<String, Instant>>,
    /// Refresh tokens not used yet (each works once).
    refresh: Mutex<HashMap<String, ()>>,
    /// Upload tokens, loaded from the storage folder on first use.
    upload: tokio::sync::Mutex<Option<HashMap<String, UploadToken>>>,
    /// API requests seen, for `rate-limit-every`.
    api_requests: AtomicU64,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &lock(&self.access).len())
            .field("refresh", &lock(&self.refresh).len())
            .finish_non_exhaustive()
    }
}

/// A delegated upload token as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct UploadToken {
    created_unix_ms: u64,
    /// Seconds it lives; 0 = until deleted.
    ttl_secs: u64,
}

impl UploadToken {
    fn expires_unix_ms(&self) -> Option<u64> {
        (self.ttl_secs > 0).then(|| {
            self.created_unix_ms
                .saturating_add(self.ttl_secs.saturating_mul(1000))
        })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Tokens {
    /// Hands out a fresh access and refresh token pair; the JSON answer.
    pub fn issue(&self, app: &App) -> serde_json::Value {
        let lifetime = app.faults.config().token_ttl.unwrap_or(TOKEN_LIFETIME);
        let access = random_token("at");
        let refresh = random_token("rt");
        lock(&self.access).insert(access.clone(), Instant::now() + lifetime);
        lock(&self.refresh).insert(refresh.clone(), ());
        json!({
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs_f64().ceil() as u64,
            "access_token": access,
            "refresh_token": refresh,
        })
    }

    /// Uses up a refresh token; false when unknown.
    pub fn take_refresh(&self, token: &str) -> bool {
        lock(&self.refresh).remove(token).is_some()
    }

    /// Creates a delegated upload token; the JSON answer.
    pub async fn new_upload_token(
        &self,
        app: &App,
        ttl_secs: u64,
    ) -> std::io::Result<serde_json::Value> {
        let token = random_token("to");
        let record = UploadToken {
            created_unix_ms: now_unix_ms(),
            ttl_secs,
        };
        let mut tokens = self.upload_tokens(app).await?;
        let map = tokens.get_or_insert_with(HashMap::new);
        map.insert(token.clone(), record.clone());
        app.storage.save_meta(UPLOAD_TOKENS_FILE, &*map).await?;
        Ok(json!({
            "token": token,
            "ttl": ttl_secs,
            "createdAt": rfc3339(record.created_unix_ms),
            "expiresAt": record.expires_unix_ms().map(rfc3339),
        }))
    }

    /// True when `token` is a live upload token.
    pub async fn upload_token_valid(&self, app: &App, token: &str) -> std::io::Result<bool> {
        let tokens = self.upload_tokens(app).await?;
        Ok(tokens
            .as_ref()
            .and_then(|map| map.get(token))
            .is_some_and(|t| t.expires_unix_ms().is_none_or(|end| now_unix_ms() < end)))
    }

    async fn upload_tokens(
        &self,
        app: &App,
    ) -> std::io::Result<tokio::sync::MutexGuard<'_, Option<HashMap<String, UploadToken>>>> {
        let mut guard = self.upload.lock().await;
        if guard.is_none() {
            *guard = Some(
                app.storage
                    .load_meta::<HashMap<String, UploadToken>>(UPLOAD_TOKENS_FILE)
                    .await?
                    .unwrap_or_default(),
            );
        }
        Ok(guard)
    }

    /// Why a bearer token is refused, if it is.
    fn check_access(&self, app: &App, token: &str) -> Option<&'static str> {
        let expiry = lock(&self.access).get(token).copied();
        match expiry {
            None => Some("The access token is not valid."),
            Some(expiry) if Instant::now() >= expiry => {
                if app.faults.config().token_ttl.is_some() {
                    app.faults.count(kind::TOKEN_TTL);
                }
                Some("The access token has expired.")
            }
            Some(_) => None,
        }
    }
}

/// True when `key` is an API key this server accepts: the required token when one is set, any
/// non-empty key otherwise.
pub(super) fn key_accepted(app: &App, key: &str) -> bool {
    match &app.required_token {
        Some(Secret(required)) => same_secret(key.as_bytes(), required.as_bytes()),
        None => !key.trim().is_empty(),
    }
}

/// The checks in front of an API request: `Authorization: Bearer <access token>` (or
/// `Basic base64("<key>:")`), then the generic gate faults and `rate-limit-every`. Returns the
/// refusal to answer, if any.
pub(super) fn check_api(app: &App, headers: &HeaderMap) -> Option<Response> {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '));
    let refused = match given {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            app.apivideo.tokens.check_access(app, token.trim())
        }
        Some((scheme, encoded)) if scheme.eq_ignore_ascii_case("basic") => {
            let key = BASE64
                .decode(encoded.trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .map(|text| {
                    text.split_once(':')
                        .map_or(text.clone(), |(k, _)| k.to_string())
                });
            match key {
                Some(key) if key_accepted(app, &key) => None,
                _ => Some("The API key is not valid."),
            }
        }
        _ => Some("This request needs an access token (Authorization: Bearer)."),
    };
    if let Some(title) = refused {
        return Some(unauthorized(title));
    }
    check_faults(app)
}

/// The gate faults and the rate limit, for requests already authenticated otherwise; the
/// refusal to answer, if any.
pub(super) fn check_faults(app: &App) -> Option<Response> {
    match app.faults.gate() {
        Some(GateFault::Unauthorized) => {
            return Some(unauthorized("The access token has expired."));
        }
        Some(GateFault::Error {
            status,
            retry_after_secs,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = problem(
                status,
                "server-error",
                status.canonical_reason().unwrap_or("Error"),
            );
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            return Some(response);
        }
        None => {}
    }
    let config = app.faults.config();
    if let Some(every) = config.rate_limit_every {
        let n = app
            .apivideo
            .tokens
            .api_requests
            .fetch_add(1, Ordering::Relaxed)
            + 1;
        if n.is_multiple_of(every) {
            app.faults.count(kind::RATE_LIMIT_EVERY);
            let wait = config.retry_after_secs.unwrap_or(RATE_LIMIT_WAIT_SECS);
            let mut response = problem(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests.",
            );
            let headers = response.headers_mut();
            headers.insert("x-ratelimit-limit", HeaderValue::from(every));
            headers.insert("x-ratelimit-remaining", HeaderValue::from(0u64));
            headers.insert("x-ratelimit-retry-after", HeaderValue::from(wait));
            return Some(response);
        }
    }
    None
}

/// 401 in api.video's shape.
pub(super) fn unauthorized(title: &str) -> Response {
    let mut response = problem(StatusCode::UNAUTHORIZED, "authentication-failed", title);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// 400 for a refused API key or refresh token (api.video answers 400, not 401, here).
pub(super) fn invalid_credentials() -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "authentication-invalid-credentials",
        "The credentials provided are invalid.",
    )
    .into_response()
}
