//! "Test connection": one cheap request per kind of destination that shows whether the server
//! answers and accepts the credentials, reported in plain words. Nothing is uploaded or created.
//!
//! - api.video: `POST /auth/api-key` (the key is exchanged for a token, which is thrown away).
//! - presigned multipart: `GET /assets/multipart-uploads?page=1&page_limit=1` with `x-api-key`.
//! - tus: `OPTIONS` on the creation URL (a tus server answers with `Tus-Version`).
//! - YouTube: `GET /youtube/v3/channels?part=id&mine=true` (the cheapest call needing the token).
//! - Google Drive: `GET /drive/v3/about?fields=user`.
//! - Cloud Storage: list at most one object of the bucket (`fields=kind`).
//! - a custom Google-resumable endpoint: reachability only (`OPTIONS`), since the only
//!   authenticated request there would start an upload session.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use super::http::{parse_url, read_error_body, read_json, server_message};
use super::{Credentials, ProtocolError};
use crate::upload::{ApiVideoAccess, Destination, Service};

/// How long one probe request may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

/// What a connection test found, as a kind the window and the command line put in their own
/// words, the host it asked, and the technical detail (for the log and `hoist profile test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeReport {
    /// What happened.
    pub kind: ProbeKind,
    /// The host (with its port when the address names one) the test asked; `None` when the
    /// address could not be read.
    pub host: Option<String>,
    /// What happened, in a sentence with the technical detail (never a secret).
    pub detail: String,
}

/// The kinds of result a connection test has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbeKind {
    /// The service answered and accepted the credentials.
    Works,
    /// The server answers; the credentials can only be checked by an upload (a custom endpoint,
    /// a delegated upload token).
    Answers,
    /// Nothing answered at the address (name not found, connection refused or cut).
    Unreachable,
    /// The server did not answer in time.
    TimedOut,
    /// The server's certificate was not trusted.
    Certificate,
    /// The server refused the API key or token.
    Refused,
    /// The token works but lacks the permission uploads need.
    NoPermission,
    /// Nothing is at that address (HTTP 404), or the bucket does not exist.
    NotFound,
    /// No API key or token is stored, or the Google sign-in is missing.
    MissingSecret,
    /// The address is not a usable URL, or plain http to another computer.
    BadAddress,
    /// Something answered, but not the kind of server expected.
    WrongServer,
    /// The server answered with an error of its own.
    ServerError,
}

impl ProbeReport {
    fn new(kind: ProbeKind, detail: impl Into<String>) -> ProbeReport {
        ProbeReport {
            kind,
            host: None,
            detail: detail.into(),
        }
    }

    /// The destination answered and (where it can be checked) accepted the credentials.
    pub fn ok(&self) -> bool {
        matches!(self.kind, ProbeKind::Works | ProbeKind::Answers)
    }

    /// A report for an error found before asking the server (no HTTP client, say).
    pub fn from_error(error: &ProtocolError, host: Option<String>) -> ProbeReport {
        ProbeReport {
            host,
            ..ProbeReport::new(kind_of(error), capitalise(&error.to_string()))
        }
    }
}

/// The kind of result a protocol error stands for.
fn kind_of(error: &ProtocolError) -> ProbeKind {
    use super::ConnectionProblem;
    match error {
        ProtocolError::Connection {
            problem: ConnectionProblem::TimedOut,
            ..
        } => ProbeKind::TimedOut,
        ProtocolError::Connection { .. } => ProbeKind::Unreachable,
        ProtocolError::Certificate { .. } => ProbeKind::Certificate,
        ProtocolError::Unauthorized { .. } => ProbeKind::Refused,
        ProtocolError::MissingCredentials { .. } => ProbeKind::MissingSecret,
        ProtocolError::InvalidDestination { .. }
        | ProtocolError::InsecureAddress { .. }
        | ProtocolError::ForeignOrigin { .. } => ProbeKind::BadAddress,
        ProtocolError::Status { status: 404, .. } => ProbeKind::NotFound,
        ProtocolError::BadResponse { .. } => ProbeKind::WrongServer,
        _ => ProbeKind::ServerError,
    }
}

/// The host (and port, when the address names one) a destination's requests go to.
pub fn destination_host(service: &Service) -> Option<String> {
    let address = match service {
        Service::GoogleResumable { initiate_url } => initiate_url,
        Service::YouTube { endpoint, .. }
        | Service::Drive { endpoint, .. }
        | Service::Tus { endpoint } => endpoint,
        Service::CloudStorage { host, .. } | Service::ApiVideo { host, .. } => host,
        Service::PresignedMultipart { base_url, .. } => base_url,
    };
    let url = url::Url::parse(address).ok()?;
    let host = url.host_str()?.to_string();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Checks that `destination` answers and accepts `credentials`.
pub async fn probe(
    http: &reqwest::Client,
    destination: &Destination,
    credentials: &dyn Credentials,
) -> ProbeReport {
    let host = destination_host(&destination.service);
    match run(http, destination, credentials).await {
        Ok(report) => ProbeReport { host, ..report },
        Err(error) => ProbeReport::from_error(&error, host),
    }
}

async fn run(
    http: &reqwest::Client,
    destination: &Destination,
    credentials: &dyn Credentials,
) -> Result<ProbeReport, ProtocolError> {
    let token = credentials.bearer_token().await?;
    let extra = credentials.extra_headers().await?;
    match &destination.service {
        Service::GoogleResumable { initiate_url } => {
            google_resumable(http, initiate_url, &token).await
        }
        Service::YouTube { endpoint, .. } => youtube(http, endpoint, &token).await,
        Service::Drive { endpoint, .. } => drive(http, endpoint, &token).await,
        Service::CloudStorage { bucket, host, .. } => {
            cloud_storage(http, bucket, host, &token).await
        }
        Service::ApiVideo { host, access, .. } => api_video(http, host, access, token).await,
        Service::PresignedMultipart { base_url, .. } => multipart(http, base_url, token).await,
        Service::Tus { endpoint } => tus(http, endpoint, &extra, &token).await,
    }
}

/// The connection test for GoogleResumable.
async fn google_resumable(
    http: &reqwest::Client,
    initiate_url: &str,
    token: &Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let url = parse_url(&initiate_url.replace("{name}", "probe"))?;
    let mut request = http.request(reqwest::Method::OPTIONS, url.clone());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = send(request).await?;
    let status = response.status();
    Ok(match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => refused(response, "the token").await,
        _ => ProbeReport::new(
            ProbeKind::Answers,
            format!(
                "The server at {} answers (HTTP {}). A custom endpoint can only check the token when an upload starts.",
                origin(&url),
                status.as_u16()
            ),
        ),
    })
}

/// The connection test for YouTube.
async fn youtube(
    http: &reqwest::Client,
    endpoint: &str,
    token: &Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let url = parse_url(endpoint)?
        .join("/youtube/v3/channels?part=id&mine=true")
        .map_err(bad_url)?;
    let response = send(authorised(http.get(url), token)?).await?;
    Ok(match response.status() {
        s if s.is_success() => ProbeReport::new(
            ProbeKind::Works,
            "Signed in to YouTube: the access token works.",
        ),
        StatusCode::FORBIDDEN => {
            let message = message_of(response).await;
            ProbeReport::new(
                ProbeKind::NoPermission,
                format!(
                    "YouTube accepted the token but refused access ({message}); the token may lack the YouTube upload permission."
                ),
            )
        }
        _ => refused(response, "the access token").await,
    })
}

/// The connection test for Drive.
async fn drive(
    http: &reqwest::Client,
    endpoint: &str,
    token: &Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let url = parse_url(endpoint)?
        .join("/drive/v3/about?fields=user")
        .map_err(bad_url)?;
    let response = send(authorised(http.get(url), token)?).await?;
    if !response.status().is_success() {
        return Ok(refused(response, "the access token").await);
    }
    let body = json_of(response).await;
    let who = body
        .pointer("/user/emailAddress")
        .or_else(|| body.pointer("/user/displayName"))
        .and_then(|v| v.as_str())
        .map(|who| format!(" as {who}"))
        .unwrap_or_default();
    Ok(ProbeReport::new(
        ProbeKind::Works,
        format!("Signed in to Google Drive{who}: the access token works."),
    ))
}

/// The connection test for CloudStorage.
async fn cloud_storage(
    http: &reqwest::Client,
    bucket: &str,
    host: &str,
    token: &Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let mut url = parse_url(host)?;
    url.path_segments_mut()
        .map_err(|()| bad_url(url::ParseError::RelativeUrlWithCannotBeABaseBase))?
        .clear()
        .extend(["storage", "v1", "b", bucket, "o"]);
    url.query_pairs_mut()
        .append_pair("maxResults", "1")
        .append_pair("fields", "kind");
    let response = send(authorised(http.get(url), token)?).await?;
    Ok(match response.status() {
        s if s.is_success() => ProbeReport::new(
            ProbeKind::Works,
            format!(
                "Signed in to Cloud Storage: the token works and the bucket {bucket} is there."
            ),
        ),
        StatusCode::FORBIDDEN => ProbeReport::new(
            ProbeKind::Works,
            format!(
                "Signed in to Cloud Storage, but this account may not list the bucket {bucket} ({}); uploads may still be allowed.",
                message_of(response).await
            ),
        ),
        StatusCode::NOT_FOUND => ProbeReport::new(
            ProbeKind::NotFound,
            format!("The bucket {bucket} does not exist (or the address is wrong)."),
        ),
        _ => refused(response, "the access token").await,
    })
}

/// The connection test for ApiVideo.
async fn api_video(
    http: &reqwest::Client,
    host: &str,
    access: &ApiVideoAccess,
    token: Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let base = parse_url(host)?;
    match access {
        ApiVideoAccess::ApiKey => {
            let key = token.ok_or_else(|| ProtocolError::MissingCredentials {
                detail: "api.video needs an API key".to_string(),
            })?;
            let url = base.join("/auth/api-key").map_err(bad_url)?;
            let response = send(http.post(url).json(&serde_json::json!({ "apiKey": key }))).await?;
            let status = response.status();
            if !status.is_success() {
                return Ok(refused(response, "the API key").await);
            }
            let body = json_of(response).await;
            Ok(
                if body.get("access_token").and_then(|t| t.as_str()).is_some() {
                    ProbeReport::new(ProbeKind::Works, "api.video accepted the API key.")
                } else {
                    ProbeReport::new(
                        ProbeKind::WrongServer,
                        "api.video answered, but not with an access token: is the address right?",
                    )
                },
            )
        }
        ApiVideoAccess::UploadToken => {
            let response = send(http.get(base.clone())).await?;
            Ok(ProbeReport::new(
                ProbeKind::Answers,
                format!(
                    "The server at {} answers (HTTP {}). A delegated upload token can only be checked by uploading.",
                    origin(&base),
                    response.status().as_u16()
                ),
            ))
        }
    }
}

/// The connection test for PresignedMultipart.
async fn multipart(
    http: &reqwest::Client,
    base_url: &str,
    token: Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let key = token.ok_or_else(|| ProtocolError::MissingCredentials {
        detail: "this service needs an API key".to_string(),
    })?;
    let mut url = parse_url(base_url)?;
    url.path_segments_mut()
        .map_err(|()| bad_url(url::ParseError::RelativeUrlWithCannotBeABaseBase))?
        .pop_if_empty()
        .extend(["assets", "multipart-uploads"]);
    url.query_pairs_mut()
        .append_pair("page", "1")
        .append_pair("page_limit", "1");
    let response = send(http.get(url).header("x-api-key", key)).await?;
    if !response.status().is_success() {
        return Ok(refused(response, "the API key").await);
    }
    let body = json_of(response).await;
    let unfinished = body
        .pointer("/page_info/total_results")
        .and_then(|v| v.as_u64())
        .map(|n| format!(" ({n} unfinished upload(s) there)"))
        .unwrap_or_default();
    Ok(ProbeReport::new(
        ProbeKind::Works,
        format!("The service accepted the API key{unfinished}."),
    ))
}

/// The connection test for Tus.
async fn tus(
    http: &reqwest::Client,
    endpoint: &str,
    extra: &[(String, String)],
    token: &Option<String>,
) -> Result<ProbeReport, ProtocolError> {
    let url = parse_url(endpoint)?;
    let mut request = http
        .request(reqwest::Method::OPTIONS, url.clone())
        .header("Tus-Resumable", "1.0.0");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in extra {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = send(request).await?;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Ok(refused(response, "the credentials").await);
    }
    Ok(match tus_summary(response.headers()) {
        Some(summary) if status.is_success() => ProbeReport::new(
            ProbeKind::Works,
            format!("The tus server at {} answers: {summary}.", origin(&url)),
        ),
        _ => ProbeReport::new(
            ProbeKind::WrongServer,
            format!(
                "The server at {} answered HTTP {} but does not speak tus (no Tus-Version header).",
                origin(&url),
                status.as_u16()
            ),
        ),
    })
}

fn authorised(
    request: reqwest::RequestBuilder,
    token: &Option<String>,
) -> Result<reqwest::RequestBuilder, ProtocolError> {
    match token {
        Some(token) => Ok(request.bearer_auth(token)),
        None => Err(ProtocolError::MissingCredentials {
            detail: "this service needs an access token".to_string(),
        }),
    }
}

async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, ProtocolError> {
    request
        .timeout(PROBE_TIMEOUT)
        .send()
        .await
        .map_err(ProtocolError::from_reqwest)
}

/// A failed check: the server's answer in words.
async fn refused(response: reqwest::Response, what: &str) -> ProbeReport {
    let status = response.status().as_u16();
    let message = message_of(response).await;
    match status {
        400 | 401 | 403 => ProbeReport::new(
            ProbeKind::Refused,
            format!("The server refused {what} (HTTP {status}): {message}."),
        ),
        404 => ProbeReport::new(
            ProbeKind::NotFound,
            format!(
                "Nothing answers at this address (HTTP 404): is the endpoint right? {message}."
            ),
        ),
        _ => ProbeReport::new(
            ProbeKind::ServerError,
            format!("The server answered HTTP {status}: {message}."),
        ),
    }
}

async fn message_of(response: reqwest::Response) -> String {
    server_message(&read_error_body(response).await)
}

/// An answer's JSON through the bounded reader (`Null` when it is not JSON or too large).
async fn json_of(response: reqwest::Response) -> serde_json::Value {
    read_json(response, PROBE_TIMEOUT, "the connection test")
        .await
        .unwrap_or_default()
}

fn tus_summary(headers: &HeaderMap) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let versions = header("Tus-Version")?;
    let mut summary = format!("versions {versions}");
    if let Some(extensions) = header("Tus-Extension") {
        summary.push_str(&format!("; extensions {extensions}"));
    }
    if let Some(max) = header("Tus-Max-Size").and_then(|m| m.parse::<u64>().ok()) {
        summary.push_str(&format!("; largest file {max} bytes"));
    }
    Some(summary)
}

/// `scheme://host[:port]` of a URL: never its path or query (which may hold a capability).
fn origin(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

fn bad_url(error: url::ParseError) -> ProtocolError {
    ProtocolError::InvalidDestination {
        detail: format!("the endpoint is not a usable base address ({error})"),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use axum::Router;
    use axum::http::{HeaderMap as AxumHeaders, StatusCode as AxumStatus};
    use axum::routing::{get, options, post};

    use super::*;
    use crate::protocol::{NoCredentials, http_client};
    use crate::upload::{AuthSource, DEFAULT_PARALLEL_CHUNKS};

    const GOOD: &str = "good-secret-4711";

    fn bearer_ok(headers: &AxumHeaders) -> bool {
        headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == format!("Bearer {GOOD}"))
    }

    /// A stub with one route per probe, accepting only [`GOOD`].
    async fn stub() -> String {
        let app = Router::new()
            .route(
                "/auth/api-key",
                post(|body: axum::Json<serde_json::Value>| async move {
                    if body.get("apiKey").and_then(|k| k.as_str()) == Some(GOOD) {
                        (AxumStatus::OK, r#"{"token_type":"Bearer","expires_in":3600,"access_token":"a","refresh_token":"r"}"#)
                    } else {
                        (AxumStatus::BAD_REQUEST, r#"{"title":"The API key is invalid","status":400}"#)
                    }
                }),
            )
            .route(
                "/v1.3/assets/multipart-uploads",
                get(|headers: AxumHeaders| async move {
                    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(GOOD) {
                        (AxumStatus::OK, r#"{"data":[],"page_info":{"limit_per_page":1,"page":1,"total_page":0,"total_results":0}}"#)
                    } else {
                        (AxumStatus::UNAUTHORIZED, r#"{"code":"api_key_invalid","message":"bad key"}"#)
                    }
                }),
            )
            .route(
                "/files",
                options(|headers: AxumHeaders| async move {
                    if bearer_ok(&headers) && headers.get("x-extra").is_some_and(|v| v == "hdr-secret") {
                        (AxumStatus::NO_CONTENT, [("Tus-Version", "1.0.0"), ("Tus-Extension", "creation,termination")])
                    } else {
                        (AxumStatus::UNAUTHORIZED, [("X-Nothing", ""), ("X-Nothing-Else", "")])
                    }
                }),
            )
            .route(
                "/drive/v3/about",
                get(|headers: AxumHeaders| async move {
                    if bearer_ok(&headers) {
                        (AxumStatus::OK, r#"{"user":{"displayName":"Ada","emailAddress":"ada@example.com"}}"#)
                    } else {
                        (AxumStatus::UNAUTHORIZED, r#"{"error":{"code":401,"message":"Invalid Credentials"}}"#)
                    }
                }),
            )
            .route(
                "/storage/v1/b/{bucket}/o",
                get(|axum::extract::Path(bucket): axum::extract::Path<String>| async move {
                    if bucket == "there" {
                        (AxumStatus::OK, r#"{"kind":"storage#objects"}"#)
                    } else {
                        (AxumStatus::NOT_FOUND, r#"{"error":{"message":"Not Found"}}"#)
                    }
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        format!("http://{addr}")
    }

    /// Probes with no credentials at all.
    async fn check(service: Service) -> ProbeReport {
        let destination = Destination {
            service,
            auth: AuthSource::None,
        };
        probe(
            &http_client().expect("client"),
            &destination,
            &NoCredentials,
        )
        .await
    }

    /// Credentials from fixed values, with one secret extra header.
    struct Fixed(&'static str, Vec<(String, String)>);

    #[async_trait::async_trait]
    impl Credentials for Fixed {
        async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
            Ok(Some(self.0.to_string()))
        }
        async fn refresh(&self) -> Result<(), ProtocolError> {
            Ok(())
        }
        async fn extra_headers(&self) -> Result<Vec<(String, String)>, ProtocolError> {
            Ok(self.1.clone())
        }
    }

    async fn check_with(service: Service, secret: &'static str) -> ProbeReport {
        let credentials = Fixed(
            secret,
            vec![("X-Extra".to_string(), "hdr-secret".to_string())],
        );
        let destination = Destination {
            service,
            auth: AuthSource::None,
        };
        probe(&http_client().expect("client"), &destination, &credentials).await
    }

    fn assert_secret_free(report: &ProbeReport) {
        for secret in [GOOD, "wrong-key", "hdr-secret"] {
            assert!(!report.detail.contains(secret), "{report:?}");
        }
    }

    #[tokio::test]
    async fn each_kind_reports_good_and_bad_credentials() {
        let base = stub().await;
        let api_video = || Service::ApiVideo {
            host: base.clone(),
            access: ApiVideoAccess::ApiKey,
            title: None,
            description: String::new(),
            tags: Vec::new(),
            public: false,
        };
        let multipart = || Service::PresignedMultipart {
            base_url: format!("{base}/v1.3"),
            asset_type: None,
            parallel_chunks: DEFAULT_PARALLEL_CHUNKS,
            max_size_bytes: None,
        };
        let tus = || Service::Tus {
            endpoint: format!("{base}/files"),
        };
        let drive = || Service::Drive {
            folder_id: None,
            endpoint: format!("{base}/upload/drive/v3/files?uploadType=resumable"),
        };
        for (name, service) in [
            ("api.video", api_video()),
            ("multipart", multipart()),
            ("tus", tus()),
            ("drive", drive()),
        ] {
            let good = check_with(service.clone(), GOOD).await;
            assert_eq!(good.kind, ProbeKind::Works, "{name}: {good:?}");
            assert!(good.ok(), "{name}: {good:?}");
            assert_eq!(good.host.as_deref(), base.strip_prefix("http://"), "{name}");
            assert_secret_free(&good);
            let bad = check_with(service, "wrong-key").await;
            assert_eq!(bad.kind, ProbeKind::Refused, "{name}: {bad:?}");
            assert!(!bad.ok(), "{name}: {bad:?}");
            assert!(bad.detail.contains("refused"), "{name}: {bad:?}");
            assert_secret_free(&bad);
        }
        let drive_ok = check_with(drive(), GOOD).await;
        assert!(drive_ok.detail.contains("ada@example.com"), "{drive_ok:?}");
        let tus_ok = check_with(tus(), GOOD).await;
        assert!(tus_ok.detail.contains("1.0.0"), "{tus_ok:?}");
    }

    #[tokio::test]
    async fn buckets_reachability_and_missing_secrets() {
        let base = stub().await;
        let bucket = |name: &str| Service::CloudStorage {
            bucket: name.to_string(),
            object_prefix: String::new(),
            host: base.clone(),
        };
        assert!(check_with(bucket("there"), GOOD).await.ok());
        let missing = check_with(bucket("nowhere"), GOOD).await;
        assert!(
            missing.kind == ProbeKind::NotFound && missing.detail.contains("does not exist"),
            "{missing:?}"
        );

        let custom = check(Service::GoogleResumable {
            initiate_url: format!("{base}/upload/x?name={{name}}"),
        })
        .await;
        assert!(
            custom.kind == ProbeKind::Answers && custom.detail.contains("answers"),
            "{custom:?}"
        );

        let no_key = check(Service::PresignedMultipart {
            base_url: base.clone(),
            asset_type: None,
            parallel_chunks: 1,
            max_size_bytes: None,
        })
        .await;
        assert!(
            no_key.kind == ProbeKind::MissingSecret && no_key.detail.contains("API key"),
            "{no_key:?}"
        );

        let nobody = check(Service::Tus {
            endpoint: "http://127.0.0.1:9/files".to_string(),
        })
        .await;
        assert_eq!(nobody.kind, ProbeKind::Unreachable, "{nobody:?}");
        assert_eq!(nobody.host.as_deref(), Some("127.0.0.1:9"));

        let remote_http = check(Service::Tus {
            endpoint: "http://upload.example.com/files".to_string(),
        })
        .await;
        assert_eq!(remote_http.kind, ProbeKind::BadAddress, "{remote_http:?}");
        assert_eq!(remote_http.host.as_deref(), Some("upload.example.com"));
    }
}
