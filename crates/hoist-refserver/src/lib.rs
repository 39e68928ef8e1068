//! The Hoist reference server (`hoist serve`): real HTTP upload endpoints with fault injection,
//! for tests, benchmarks and the demo.
//!
//! It speaks Google's resumable upload protocol (`/upload/...`, see the `google` module), stores uploads in
//! a folder (see the `storage` module for the layout), and injects the faults of a
//! [`FaultConfig`], which can be replaced while it runs. Besides the upload endpoints:
//! - `GET /` answers one line of plain text naming the protocols and where they live;
//! - `GET /_hoist/stats` answers [`ServerStats`] as JSON;
//! - `GET /_hoist/faults` answers the fault specs in force, as a JSON list of strings;
//! - `PUT /_hoist/faults` with a JSON list of spec strings replaces the faults (loopback clients only).
//!
//! Each accepted connection is served by hyper's HTTP/1.1 server around an axum [`Router`]; a
//! handler that must drop the connection (a drop fault) marks its response with
//! `DropConnection`, and the connection service turns that into an error, upon which hyper
//! closes the socket without answering.

mod apivideo;
mod demo;
mod faults;
mod google;
mod multipart;
mod oauth;
mod sink;
mod spec_units;
mod stats;
mod storage;
mod tls;
mod tus;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt as _;

pub use demo::DemoServer;
pub use faults::{
    ErrorRate, Expiry, FaultConfig, FaultSpecError, HANG_DURATION, VALID_FAULT_SPECS,
};
pub use stats::ServerStats;
pub use tls::{TlsError, TlsFiles};

use faults::{FaultState, GateFault};
use stats::Counters;
use storage::Storage;

/// How long open connections get to finish their request at shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Largest read buffer of a connection: big reads keep the body path cheap.
const MAX_READ_BUFFER_BYTES: usize = 4 << 20;
/// How long a client gets to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server needs to start.
#[derive(Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Folder where uploads and sessions are stored (created when missing).
    pub dir: PathBuf,
    /// Faults to inject from the start.
    pub faults: FaultConfig,
    /// When set, every upload request needs `Authorization: Bearer <token>`.
    pub required_token: Option<String>,
    /// When set, the server speaks HTTPS with this certificate (and its URLs say `https`).
    pub tls: Option<TlsFiles>,
}

impl std::fmt::Debug for ServerConfig {
    /// Shows everything but the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("addr", &self.addr)
            .field("dir", &self.dir)
            .field("faults", &self.faults)
            .field(
                "required_token",
                &self.required_token.as_ref().map(|_| "<redacted>"),
            )
            .field("tls", &self.tls)
            .finish()
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The storage folder could not be created.
    #[error("could not create the storage folder: {source} ({})", path.display())]
    Storage {
        /// The folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// The TLS certificate or key could not be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// A server running on the current tokio runtime; see [`start`].
///
/// Dropping it stops accepting connections; [`RunningServer::shutdown`] also waits for them.
#[derive(Debug)]
pub struct RunningServer {
    local_addr: SocketAddr,
    app: Arc<App>,
    cancel: CancellationToken,
    tracker: TaskTracker,
    accept: Option<tokio::task::JoinHandle<()>>,
}

/// Binds `config.addr`, spawns the accept loop on the current tokio runtime and returns at once.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let storage = Storage::open(&config.dir).map_err(|source| ServerError::Storage {
        path: config.dir.clone(),
        source,
    })?;
    let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
    let listener = TcpListener::bind(config.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.addr,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.addr,
        source,
    })?;
    let tracker = TaskTracker::new();
    let app = Arc::new(App {
        base_url: base_url_of(local_addr, tls.is_some()),
        storage,
        faults: FaultState::new(config.faults),
        stats: Counters::default(),
        required_token: config.required_token.filter(|t| !t.is_empty()).map(Secret),
        google: google::Sessions::default(),
        apivideo: apivideo::State::default(),
        multipart: multipart::State::default(),
        tus: tus::State::default(),
        oauth: oauth::State::default(),
        tasks: tracker.clone(),
    });
    let cancel = CancellationToken::new();
    let router = router(app.clone());
    let accept = tokio::spawn(accept_loop(
        listener,
        tls,
        app.clone(),
        router,
        cancel.clone(),
        tracker.clone(),
    ));
    tracing::info!(%local_addr, dir = %config.dir.display(), "reference server listening");
    Ok(RunningServer {
        local_addr,
        app,
        cancel,
        tracker,
        accept: Some(accept),
    })
}

impl RunningServer {
    /// The address the server listens on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://IP:PORT` (`https` with TLS), without a trailing slash (a wildcard address is
    /// shown as 127.0.0.1).
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ServerStats {
        self.app.stats()
    }

    /// Replaces the faults injected from now on (requests under way notice drop faults too).
    pub fn set_faults(&self, faults: FaultConfig) {
        self.app.faults.set(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> FaultConfig {
        self.app.faults.config()
    }

    /// Stops accepting, lets open requests finish for a few seconds, then closes everything.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE * 2, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not close in time");
        }
        tracing::info!(local_addr = %self.local_addr, "reference server stopped");
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

fn base_url_of(addr: SocketAddr, tls: bool) -> String {
    let ip = match addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// State shared by every request.
#[derive(Debug)]
pub(crate) struct App {
    /// `http://IP:PORT` (or `https://`) of this server.
    pub base_url: String,
    /// The storage folder.
    pub storage: Storage,
    /// Faults in force, their random source and counters.
    pub faults: FaultState,
    /// Request and byte counters.
    pub stats: Counters,
    /// Bearer token every upload request must carry, if any.
    pub required_token: Option<Secret>,
    /// Google resumable sessions in memory.
    pub google: google::Sessions,
    /// api.video videos and tokens.
    pub apivideo: apivideo::State,
    /// Presigned multipart sessions.
    pub multipart: multipart::State,
    /// tus uploads.
    pub tus: tus::State,
    /// OAuth codes, grants and access tokens (`/oauth/...`).
    pub oauth: oauth::State,
    /// Tasks that must finish before shutdown completes (connections, body writers).
    pub tasks: TaskTracker,
}

impl std::fmt::Debug for FaultState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultState")
            .field("config", &self.config())
            .finish_non_exhaustive()
    }
}

impl App {
    fn stats(&self) -> ServerStats {
        self.stats.snapshot(self.faults.injected())
    }

    /// `http://HOST` (`https` with TLS) from the request's `Host` header, so the URLs handed
    /// out work under whatever name the client used; else the server's own address.
    pub(crate) fn public_base(&self, headers: &HeaderMap) -> String {
        let scheme = if self.base_url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .filter(|host| {
                !host.contains('@') && host.parse::<axum::http::uri::Authority>().is_ok()
            })
            .map(|host| format!("{scheme}://{host}"))
            .unwrap_or_else(|| self.base_url.clone())
    }

    /// The checks in front of every upload request, before its body is read: the bearer token,
    /// then the `unauthorized-every` and `error-rate` faults.
    ///
    /// With a required token, a request needs it or a live access token issued by `/oauth/token`.
    /// Without one, any request passes except one carrying an expired or revoked access token
    /// issued here.
    pub(crate) fn gate(&self, headers: &HeaderMap) -> Option<Refusal> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
            });
        let accepted = match (&self.required_token, given) {
            (Some(Secret(token)), Some(given)) => {
                same_secret(given.as_bytes(), token.as_bytes())
                    || self.oauth.check(given) == oauth::TokenCheck::Live
            }
            (Some(_), None) => false,
            (None, Some(given)) => self.oauth.check(given) != oauth::TokenCheck::Dead,
            (None, None) => true,
        };
        if !accepted {
            return Some(Refusal::Unauthorized);
        }
        match self.faults.gate()? {
            GateFault::Unauthorized => Some(Refusal::Unauthorized),
            GateFault::Error {
                status,
                retry_after_secs,
            } => Some(Refusal::Error {
                status,
                retry_after_secs,
            }),
        }
    }

    /// Reads and counts the rest of a body the server will not store, without holding up the
    /// answer, so the client can finish sending and read it on a connection that stays usable.
    pub(crate) fn discard_body(self: &Arc<Self>, body: Body) {
        if axum::body::HttpBody::is_end_stream(&body) {
            return;
        }
        let app = self.clone();
        self.tasks.spawn(async move {
            use futures_util::StreamExt as _;
            let mut stream = body.into_data_stream();
            while let Some(Ok(data)) = stream.next().await {
                app.stats.add_body_bytes(data.len() as u64);
            }
        });
    }
}

/// Why an upload request was refused at the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Missing or wrong token, or the `unauthorized-every` fault: 401.
    Unauthorized,
    /// The `error-rate` fault.
    Error {
        status: u16,
        retry_after_secs: Option<u64>,
    },
}

/// A token that never shows in logs or `Debug` output.
pub(crate) struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Marks a response whose connection must be closed without sending it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

impl DropConnection {
    /// A response that tells the connection service to drop the connection.
    pub fn response() -> axum::response::Response {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(DropConnection);
        response
    }
}

/// The client's address, put on every request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PeerAddr(pub SocketAddr);

/// The error that makes hyper close a connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose (fault injection)")]
struct ConnectionDropped;

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(describe))
        .route("/_hoist/stats", get(stats_json))
        .route("/_hoist/faults", get(faults_json).put(replace_faults))
        .merge(google::routes())
        .merge(apivideo::routes())
        .merge(multipart::routes())
        .merge(tus::routes())
        .merge(oauth::routes())
        .fallback(google::not_found)
        .with_state(app)
}

async fn describe() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Hoist reference server: Google resumable uploads under /upload/, api.video under \
         /apivideo, presigned multipart under /multipart, tus 1.0 under /tus/files/, OAuth 2.0 \
         under /oauth/ (stats at /_hoist/stats, faults at /_hoist/faults)\n",
    )
}

async fn stats_json(State(app): State<Arc<App>>) -> impl IntoResponse {
    axum::Json(app.stats())
}

async fn faults_json(State(app): State<Arc<App>>) -> impl IntoResponse {
    axum::Json(app.faults.config().to_specs())
}

async fn replace_faults(
    State(app): State<Arc<App>>,
    Extension(PeerAddr(peer)): Extension<PeerAddr>,
    body: axum::body::Bytes,
) -> axum::response::Response {
    if !peer.ip().is_loopback() {
        return plain_error(
            StatusCode::FORBIDDEN,
            "faults can only be changed from this machine",
        );
    }
    let specs: Vec<String> = match serde_json::from_slice(&body) {
        Ok(specs) => specs,
        Err(e) => {
            return plain_error(
                StatusCode::BAD_REQUEST,
                &format!("expected a JSON list of fault specs: {e}"),
            );
        }
    };
    match FaultConfig::from_specs(&specs) {
        Ok(config) => {
            tracing::info!(faults = %config, "faults replaced");
            let specs = config.to_specs();
            app.faults.set(config);
            axum::Json(specs).into_response()
        }
        Err(e) => plain_error(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

fn plain_error(status: StatusCode, message: &str) -> axum::response::Response {
    (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Arc<App>,
    router: Router,
    cancel: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let (app, router, cancel) = (app.clone(), router.clone(), cancel.clone());
                match tls.clone() {
                    None => tracker.spawn(serve_connection(stream, peer, app, router, cancel)),
                    Some(acceptor) => tracker.spawn(async move {
                        if let Some(stream) = handshake(&acceptor, stream, peer).await {
                            serve_connection(stream, peer, app, router, cancel).await;
                        }
                    }),
                };
            }
            Err(e) => {
                // Usually out of file descriptors: wait a little instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// Runs the TLS handshake; `None` (logged) when it fails or takes too long.
async fn handshake(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        Ok(Err(e)) => {
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "TLS handshake timed out");
            None
        }
    }
}

async fn serve_connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Arc<App>,
    router: Router,
    cancel: CancellationToken,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        handle(app.clone(), router.clone(), peer, request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .max_buf_size(MAX_READ_BUFFER_BYTES);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = cancel.cancelled() => {
            connection.as_mut().graceful_shutdown();
            match tokio::time::timeout(SHUTDOWN_GRACE, connection.as_mut()).await {
                Ok(result) => result,
                Err(_) => Ok(()),
            }
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection closed");
    }
}

async fn handle(
    app: Arc<App>,
    router: Router,
    peer: SocketAddr,
    mut request: Request<Incoming>,
) -> Result<Response<Body>, ConnectionDropped> {
    Counters::bump(&app.stats.requests);
    request.extensions_mut().insert(PeerAddr(peer));
    let control = request.uri().path().starts_with("/_hoist/");
    let response = match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if response.extensions().get::<DropConnection>().is_some() {
        return Err(ConnectionDropped);
    }
    if !control && let Some(latency) = app.faults.latency() {
        tokio::time::sleep(latency).await;
    }
    Ok(response)
}
