//! A minimal OAuth 2.0 authorization server for tests (RFC 6749 + PKCE, RFC 7636 + revocation,
//! RFC 7009), shaped like Google's endpoints, so sign-in, refresh, expiry and revocation run end
//! to end on 127.0.0.1:
//!
//! - `GET /oauth/authorize`: consents at once and redirects (302) to the loopback `redirect_uri`
//!   with `code` and `state`; with `deny=1` in the query it redirects with `error=access_denied`
//!   instead (the person pressed "Cancel"). Only loopback `http` redirect URIs are accepted; the
//!   client must send a PKCE S256 challenge.
//! - `POST /oauth/token` (form): `authorization_code` (single-use code, same client and redirect
//!   URI, PKCE verifier checked) and `refresh_token` grants; RFC 6749 JSON answers and errors.
//!   Any client ID is accepted at `/authorize`; codes and refresh tokens are bound to it.
//! - `POST /oauth/revoke` (form `token`): revokes a refresh token (with its access tokens) or one
//!   access token; answers 200 even for unknown tokens (RFC 7009 §2.2).
//! - `GET /_hoist/oauth`: counters as JSON.
//!
//! Access tokens live `oauth-token-ttl=SECS` (fault spec; one hour by default). The upload gate
//! accepts live access tokens issued here (see `App::gate`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State as AxumState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use rand::RngCore as _;
use sha2::Digest as _;
use tokio::time::Instant;

use super::App;

/// Access-token lifetime unless `oauth-token-ttl` says otherwise.
const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// How long an authorization code can be exchanged.
const CODE_TTL: Duration = Duration::from_secs(120);

/// Grants, codes and tokens in memory.
#[derive(Default)]
pub(crate) struct State {
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("oauth::State").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    codes: HashMap<String, PendingCode>,
    refresh_tokens: HashMap<String, Grant>,
    access_tokens: HashMap<String, AccessToken>,
    counters: OAuthCounters,
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scope: String,
    expires_at: Instant,
}

struct Grant {
    client_id: String,
    scope: String,
}

struct AccessToken {
    refresh_token: String,
    expires_at: Instant,
}

/// What the server did, for tests (`GET /_hoist/oauth`).
#[derive(Debug, Default, Clone, serde::Serialize)]
struct OAuthCounters {
    codes_issued: u64,
    code_exchanges: u64,
    refreshes: u64,
    access_tokens_issued: u64,
    revocations: u64,
    refused: u64,
}

/// What the gate knows about a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Issued here and still valid.
    Live,
    /// Issued here but expired or revoked.
    Dead,
    /// Not an access token of this server.
    Unknown,
}

impl State {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks a bearer token against the access tokens issued here.
    pub(crate) fn check(&self, token: &str) -> TokenCheck {
        let inner = self.inner();
        match inner.access_tokens.get(token) {
            Some(access) if Instant::now() < access.expires_at => TokenCheck::Live,
            Some(_) => TokenCheck::Dead,
            None if token.starts_with(ACCESS_PREFIX) => TokenCheck::Dead,
            None => TokenCheck::Unknown,
        }
    }
}

const ACCESS_PREFIX: &str = "hoist-at-";
const REFRESH_PREFIX: &str = "hoist-rt-";
const CODE_PREFIX: &str = "hoist-code-";

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The OAuth routes.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/_hoist/oauth", get(counters))
}

fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    url.scheme() == "http" && loopback && url.fragment().is_none()
}

async fn authorize(
    AxumState(app): AxumState<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or("");
    let redirect_uri = param("redirect_uri");
    // Without a valid client and redirect URI the error is shown, never redirected (RFC 6749 §4.1.2.1).
    if !is_loopback_redirect(redirect_uri) {
        return plain_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri must be a loopback http address (http://127.0.0.1:PORT/)",
        );
    }
    if param("client_id").trim().is_empty() {
        return plain_page(StatusCode::BAD_REQUEST, "client_id is missing");
    }
    let state = params.get("state").cloned();
    let fail = |error: &str| redirect_to(redirect_uri, &[("error", error)], state.as_deref());
    if param("deny") == "1" {
        return fail("access_denied");
    }
    if param("response_type") != "code" {
        return fail("unsupported_response_type");
    }
    let challenge = param("code_challenge");
    if challenge.is_empty() || param("code_challenge_method") != "S256" {
        return fail("invalid_request");
    }
    let code = random_token(CODE_PREFIX);
    {
        let mut inner = app.oauth.inner();
        let now = Instant::now();
        inner.codes.retain(|_, pending| pending.expires_at > now);
        inner.codes.insert(
            code.clone(),
            PendingCode {
                client_id: param("client_id").to_string(),
                redirect_uri: redirect_uri.to_string(),
                challenge: challenge.to_string(),
                scope: param("scope").to_string(),
                expires_at: now + CODE_TTL,
            },
        );
        inner.counters.codes_issued += 1;
    }
    redirect_to(redirect_uri, &[("code", &code)], state.as_deref())
}

fn redirect_to(redirect_uri: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return plain_page(StatusCode::BAD_REQUEST, "bad redirect_uri");
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
    )
        .into_response()
}

fn plain_page(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// An RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// The client ID from the form, or from HTTP Basic authentication.
fn client_id_of(form: &HashMap<String, String>, headers: &HeaderMap) -> Option<String> {
    if let Some(id) = form.get("client_id").filter(|id| !id.is_empty()) {
        return Some(id.clone());
    }
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, _secret) = decoded.split_once(':')?;
    let id = percent_encoding::percent_decode_str(id)
        .decode_utf8()
        .ok()?
        .into_owned();
    (!id.is_empty()).then_some(id)
}

async fn token(
    AxumState(app): AxumState<Arc<App>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let Some(client_id) = client_id_of(&form, &headers) else {
        app.oauth.inner().counters.refused += 1;
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client_id is missing",
        );
    };
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let ttl = app
        .faults
        .config()
        .oauth_token_ttl_secs
        .map_or(DEFAULT_TOKEN_TTL, Duration::from_secs);
    let mut inner = app.oauth.inner();
    let answer = match field("grant_type") {
        "authorization_code" => exchange_code(&mut inner, &client_id, &form, ttl),
        "refresh_token" => refresh(&mut inner, &client_id, field("refresh_token"), ttl),
        "" => Err(("invalid_request", "grant_type is missing")),
        _ => Err((
            "unsupported_grant_type",
            "only authorization_code and refresh_token",
        )),
    };
    match answer {
        Ok(json) => (
            StatusCode::OK,
            [(header::CACHE_CONTROL, "no-store")],
            axum::Json(json),
        )
            .into_response(),
        Err((error, description)) => {
            inner.counters.refused += 1;
            oauth_error(StatusCode::BAD_REQUEST, error, description)
        }
    }
}

type Answer = Result<serde_json::Value, (&'static str, &'static str)>;

fn exchange_code(
    inner: &mut Inner,
    client_id: &str,
    form: &HashMap<String, String>,
    ttl: Duration,
) -> Answer {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    // A code is used once, whatever the outcome (RFC 6749 §4.1.2).
    let pending = inner
        .codes
        .remove(field("code"))
        .filter(|pending| pending.expires_at > Instant::now())
        .ok_or((
            "invalid_grant",
            "the authorization code is unknown, used or expired",
        ))?;
    if pending.client_id != client_id {
        return Err(("invalid_grant", "the code was issued to another client"));
    }
    if pending.redirect_uri != field("redirect_uri") {
        return Err((
            "invalid_grant",
            "redirect_uri differs from the authorization request",
        ));
    }
    let verifier = field("code_verifier");
    if verifier.is_empty() {
        return Err(("invalid_request", "code_verifier is missing"));
    }
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    if computed != pending.challenge {
        return Err((
            "invalid_grant",
            "the PKCE code_verifier does not match the challenge",
        ));
    }
    let refresh_token = random_token(REFRESH_PREFIX);
    inner.refresh_tokens.insert(
        refresh_token.clone(),
        Grant {
            client_id: client_id.to_string(),
            scope: pending.scope.clone(),
        },
    );
    inner.counters.code_exchanges += 1;
    let access_token = issue_access_token(inner, &refresh_token, ttl);
    Ok(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "refresh_token": refresh_token,
        "scope": pending.scope,
    }))
}

fn refresh(inner: &mut Inner, client_id: &str, refresh_token: &str, ttl: Duration) -> Answer {
    let grant = inner
        .refresh_tokens
        .get(refresh_token)
        .ok_or(("invalid_grant", "Token has been expired or revoked."))?;
    if grant.client_id != client_id {
        return Err((
            "invalid_grant",
            "the refresh token was issued to another client",
        ));
    }
    let scope = grant.scope.clone();
    inner.counters.refreshes += 1;
    let access_token = issue_access_token(inner, refresh_token, ttl);
    Ok(serde_json::json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ttl.as_secs(),
        "scope": scope,
    }))
}

fn issue_access_token(inner: &mut Inner, refresh_token: &str, ttl: Duration) -> String {
    let now = Instant::now();
    // Expired tokens are kept a while so the gate can tell "expired" from "never issued".
    inner
        .access_tokens
        .retain(|_, access| access.expires_at + Duration::from_secs(3600) > now);
    let token = random_token(ACCESS_PREFIX);
    inner.access_tokens.insert(
        token.clone(),
        AccessToken {
            refresh_token: refresh_token.to_string(),
            expires_at: now + ttl,
        },
    );
    inner.counters.access_tokens_issued += 1;
    token
}

async fn revoke(AxumState(app): AxumState<Arc<App>>, body: axum::body::Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is missing",
        );
    };
    let mut inner = app.oauth.inner();
    if inner.refresh_tokens.remove(token).is_some() {
        inner
            .access_tokens
            .retain(|_, access| access.refresh_token != *token);
        inner.counters.revocations += 1;
    } else if inner.access_tokens.remove(token).is_some() {
        inner.counters.revocations += 1;
    }
    (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]).into_response()
}

async fn counters(AxumState(app): AxumState<Arc<App>>) -> Response {
    let counters = app.oauth.inner().counters.clone();
    axum::Json(counters).into_response()
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_redirects() {
        assert!(is_loopback_redirect("http://127.0.0.1:5000/"));
        assert!(is_loopback_redirect("http://[::1]:5000/"));
        assert!(is_loopback_redirect("http://localhost:5000/cb"));
        assert!(!is_loopback_redirect("https://127.0.0.1:5000/"));
        assert!(!is_loopback_redirect("http://evil.example/"));
        assert!(!is_loopback_redirect("http://127.0.0.1.evil.example/"));
        assert!(!is_loopback_redirect(""));
    }

    #[test]
    fn client_id_from_basic_auth() {
        let mut headers = HeaderMap::new();
        let encoded = base64::engine::general_purpose::STANDARD.encode("my%20app:secret");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {encoded}").parse().expect("header"),
        );
        assert_eq!(
            client_id_of(&HashMap::new(), &headers).as_deref(),
            Some("my app")
        );
        assert_eq!(client_id_of(&HashMap::new(), &HeaderMap::new()), None);
    }
}
