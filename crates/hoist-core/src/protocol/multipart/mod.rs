//! Presigned-URL multipart upload, shaped like Twelve Labs' assets API (PROTOCOLS.md §3).
//!
//! Create a session (the service picks the chunk size and hands out presigned URLs), `PUT` chunks
//! to the presigned URLs in parallel (no API key on those), report the chunks' ETags in batches,
//! then ask the status until the service says `completed`.
//!
//! Design:
//! - The session keeps a [`JoinSet`] of chunk `PUT`s. Each [`step`](UploadSession::step) tops it up
//!   to `parallel_chunks`, waits for at least one to finish (taking any others already done),
//!   reports that batch, and returns. Dropping the session (pause) aborts the `PUT`s; so does a
//!   stall. After any other failure ([`interrupted`](UploadSession::interrupted)) the `PUT`s under
//!   way carry on (through the retry wait too) and the next step asks the status.
//! - Confirmed bytes are the bytes of the chunks the service acknowledged (reported, or listed as
//!   completed by the status), never what was merely sent.
//! - Presigned URLs expire (an hour): a URL is used only while comfortably inside its lifetime,
//!   fresh ones are asked for just before the chunks that need them, and a `403` on a `PUT`
//!   drops the URL and sends the chunk again with a fresh one. URLs are never persisted.
//! - Secrets: the API key goes only to the configured base URL (the control API). Presigned URLs
//!   are capabilities that name their own storage host (another origin, as a rule): they get no
//!   API key and no `Authorization` (`upload_headers` from the service cannot add either). A
//!   presigned URL that would move the file over plain http (from an https base URL, or off this
//!   computer) is refused with [`ProtocolError::InsecureAddress`].
//! - Completion: the service's `completed` counts only when every chunk is acknowledged (reported
//!   and accepted, or listed as completed by the status); otherwise it is
//!   [`ProtocolError::PrematureCompletion`]. A chunk `PUT` answered without `ETag` cannot be
//!   proven and is sent again.
//! - Persistent state: the session ids, the chunk geometry, the acknowledged chunks (as ranges)
//!   and the ETags of chunks sent but not yet reported.

pub(crate) mod api;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, ETAG, HeaderMap, HeaderName, HeaderValue};
use tokio::task::JoinSet;

use super::credentials::SecretScope;
use super::http::{error_from_response, parse_url};
use super::{ProtocolError, SessionContext, SessionState, Step, UploadSession};
use crate::file::{StreamOptions, stream_range};
use crate::store::session_state::ChunkSet;
pub use crate::store::session_state::MultipartState;
use crate::units::format_bytes;
use crate::upload::{AssetType, RemoteResult, Service};

pub use api::RemoteSession;
use api::{Api, CompletedChunk, MAX_URLS_PER_REQUEST, Status, UrlEntry};

/// Twelve Labs' API base.
pub const MULTIPART_BASE_URL: &str = "https://api.twelvelabs.io/v1.3";
/// Longest file name the service accepts, in characters.
pub const MAX_FILENAME_CHARS: usize = 255;
/// How long a presigned URL lives when the service does not say.
const ASSUMED_URL_LIFETIME: Duration = Duration::from_secs(3600);
/// The most a URL's lifetime is cut short by, to be sure it is still valid when the `PUT` starts.
const MAX_URL_MARGIN: Duration = Duration::from_secs(300);
/// Failures in a row of one chunk (403 with fresh URLs, no ETag, refused proof) before giving up.
const MAX_CHUNK_FAILURES: u32 = 8;
/// Most chunks reported in one request.
const MAX_REPORT_BATCH: usize = 100;

/// The largest file the service accepts for `asset_type` unless the destination says otherwise
/// (`max_size_bytes`). The service's own documents disagree for video (4 GB on the multipart
/// page, 10 GB elsewhere), so the smaller figure is the default; audio and images have no
/// figure of their own in those documents and share it.
pub fn default_max_size_bytes(asset_type: AssetType) -> u64 {
    match asset_type {
        AssetType::Video => 4_000_000_000,
        AssetType::Audio => 4_000_000_000,
        AssetType::Image => 4_000_000_000,
    }
}

impl MultipartState {
    /// The bytes of the acknowledged chunks.
    fn acknowledged_bytes(&self) -> u64 {
        if self.total_chunks == 0 {
            return 0;
        }
        let chunks = self.acknowledged.len();
        let mut bytes = chunks.saturating_mul(self.chunk_size_bytes);
        if self.acknowledged.contains(self.total_chunks) {
            let (_, last_len) = chunk_range(
                self.total_size_bytes,
                self.chunk_size_bytes,
                self.total_chunks,
            );
            bytes = bytes.saturating_sub(self.chunk_size_bytes) + last_len;
        }
        bytes.min(self.total_size_bytes)
    }
}

/// A presigned URL and until when Hoist uses it.
struct FreshUrl {
    url: String,
    use_before: Instant,
}

/// How one chunk `PUT` ended.
struct ChunkOutcome {
    index: u64,
    result: Result<String, ChunkFailure>,
}

enum ChunkFailure {
    /// 403: the URL expired (usually) or was refused.
    Refused,
    /// 2xx without an ETag: the chunk cannot be proven, so it is sent again.
    NoEtag,
    /// Anything else (connection trouble, 5xx, a local read error).
    Error(ProtocolError),
}

/// One upload over the presigned multipart protocol.
pub struct MultipartSession {
    state: MultipartState,
    urls: HashMap<u64, FreshUrl>,
    tasks: JoinSet<ChunkOutcome>,
    in_flight: HashMap<tokio::task::Id, u64>,
    needs_status: bool,
    failures: HashMap<u64, u32>,
    deferred_error: Option<ProtocolError>,
    /// The last fresh-URL request was refused and the status was asked because of it.
    asked_status_for_urls: bool,
}

impl std::fmt::Debug for MultipartSession {
    /// Counts only: URLs and headers may be secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultipartSession")
            .field("has_session", &self.state.upload_id.is_some())
            .field("chunk_size_bytes", &self.state.chunk_size_bytes)
            .field("total_chunks", &self.state.total_chunks)
            .field("acknowledged", &self.state.acknowledged.len())
            .field("unreported", &self.state.unreported.len())
            .field("in_flight", &self.in_flight.len())
            .field("urls", &self.urls.len())
            .finish_non_exhaustive()
    }
}

impl MultipartSession {
    /// Continues from saved state (the default state for a new upload). A saved session is always asked for
    /// its status before any byte is sent.
    pub fn from_state(state: MultipartState) -> Result<MultipartSession, ProtocolError> {
        if !state.acknowledged.is_within(state.total_chunks)
            || state
                .unreported
                .keys()
                .any(|&i| i == 0 || i > state.total_chunks)
        {
            return Err(ProtocolError::BadState {
                detail: "chunk numbers beyond the session's chunk count".to_string(),
            });
        }
        Ok(MultipartSession {
            needs_status: state.upload_id.is_some(),
            state,
            urls: HashMap::new(),
            tasks: JoinSet::new(),
            in_flight: HashMap::new(),
            failures: HashMap::new(),
            deferred_error: None,
            asked_status_for_urls: false,
        })
    }

    /// The file range `(start, len)` of chunk `index` (1-based).
    fn chunk_range(&self, index: u64) -> (u64, u64) {
        chunk_range(
            self.state.total_size_bytes,
            self.state.chunk_size_bytes,
            index,
        )
    }

    async fn api<'a>(&self, ctx: &'a SessionContext) -> Result<Api<'a>, ProtocolError> {
        let base_url = base_url(&ctx.destination.service)?;
        Api::new(
            &ctx.http,
            base_url,
            ctx.credentials.bearer_token().await?,
            ctx.answer_timeout,
        )
    }

    /// Forgets the session: the next step creates a new one from chunk 1.
    fn restart(&mut self) -> Step {
        let rewound = self.confirmed_bytes() > 0;
        self.abort_chunks();
        self.state = MultipartState::default();
        self.urls.clear();
        self.failures.clear();
        self.needs_status = false;
        Step::Progress { rewound }
    }

    fn abort_chunks(&mut self) {
        // Dropping a JoinSet aborts its tasks.
        self.tasks = JoinSet::new();
        self.in_flight.clear();
    }

    async fn create(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        let filename = ctx.file.file_name();
        validate_filename(&filename)?;
        let total = ctx.file.size_bytes;
        validate_size(&ctx.destination.service, total)?;
        let asset_type = asset_type(&ctx.destination.service, &ctx.file.path);
        if ctx.chunk_size_bytes.is_some() {
            tracing::debug!("the service chooses the chunk size; the one asked for is not used");
        }
        let api = self.api(ctx).await?;
        let created = api.create(&filename, asset_type.as_str(), total).await?;
        ctx.counter.touch();
        let expected_chunks = match created.chunk_size {
            0 => 0,
            size => total.div_ceil(size),
        };
        if created.chunk_size == 0 || created.total_chunks != expected_chunks {
            return Err(ProtocolError::BadResponse {
                detail: format!(
                    "the service split a {total}-byte file into {} chunks of {} bytes",
                    created.total_chunks, created.chunk_size
                ),
            });
        }
        let rewound = self.confirmed_bytes() > 0;
        self.abort_chunks();
        self.state = MultipartState {
            upload_id: Some(created.upload_id),
            asset_id: created.asset_id,
            total_size_bytes: total,
            chunk_size_bytes: created.chunk_size,
            total_chunks: created.total_chunks,
            upload_headers: created.upload_headers.unwrap_or_default(),
            expires_unix_secs: created
                .expires_at
                .as_deref()
                .and_then(super::expiry_dates::rfc3339_unix_secs),
            ..MultipartState::default()
        };
        self.urls.clear();
        self.failures.clear();
        self.store_urls(&ctx.destination.service, created.upload_urls)?;
        self.needs_status = false;
        tracing::info!(
            chunks = self.state.total_chunks,
            chunk_size_bytes = self.state.chunk_size_bytes,
            "started a new multipart upload session"
        );
        Ok(Step::Progress { rewound })
    }

    /// Keeps presigned URLs for later `PUT`s, after checking each one is a web address that
    /// keeps the transport's safety.
    fn store_urls(
        &mut self,
        service: &Service,
        entries: Vec<UrlEntry>,
    ) -> Result<(), ProtocolError> {
        let scope = SecretScope::new(&parse_url(base_url(service)?)?);
        let received = Instant::now();
        for entry in entries {
            if entry.chunk_index == 0 || entry.chunk_index > self.state.total_chunks {
                continue;
            }
            let url = url::Url::parse(&entry.url).map_err(|_| ProtocolError::BadResponse {
                detail: format!(
                    "the upload URL for chunk {} is not a URL",
                    entry.chunk_index
                ),
            })?;
            scope.check_named_address(&url)?;
            let lifetime = entry_lifetime(&entry);
            let margin = (lifetime / 4).min(MAX_URL_MARGIN);
            self.urls.insert(
                entry.chunk_index,
                FreshUrl {
                    url: entry.url,
                    use_before: received + lifetime.saturating_sub(margin),
                },
            );
        }
        Ok(())
    }

    fn usable_url(&self, index: u64, now: Instant) -> Option<&str> {
        self.urls
            .get(&index)
            .filter(|u| now < u.use_before)
            .map(|u| u.url.as_str())
    }

    /// Chunks neither acknowledged, nor waiting to be reported, nor in flight, in order.
    fn pending(&self) -> impl Iterator<Item = u64> + '_ {
        let flying: std::collections::HashSet<u64> = self.in_flight.values().copied().collect();
        (1..=self.state.total_chunks).filter(move |i| {
            !self.state.acknowledged.contains(*i)
                && !self.state.unreported.contains_key(i)
                && !flying.contains(i)
        })
    }

    async fn query_status(
        &mut self,
        api: &Api<'_>,
        upload_id: &str,
    ) -> Result<Step, ProtocolError> {
        match api.status(upload_id, true).await? {
            Status::Gone => {
                tracing::warn!(
                    "the service no longer knows the upload session; starting a new one"
                );
                Ok(self.restart())
            }
            Status::Found { status, completed } => match status.as_str() {
                "expired" => {
                    tracing::warn!("the upload session expired; starting a new one");
                    Ok(self.restart())
                }
                "failed" => Err(failed()),
                _ => {
                    let mut acknowledged = ChunkSet::default();
                    for index in completed {
                        if (1..=self.state.total_chunks).contains(&index) {
                            acknowledged.insert(index);
                        }
                    }
                    let rewound = acknowledged.len() < self.state.acknowledged.len();
                    if rewound {
                        tracing::warn!(
                            "the service holds fewer chunks than it acknowledged; sending the others again"
                        );
                    }
                    if status == "completed" && !acknowledged.covers(self.state.total_chunks) {
                        // Only chunks the service listed count: a "completed" upload that
                        // lacks some was not completed with this file's bytes.
                        let listed = MultipartState {
                            acknowledged,
                            ..self.state.clone()
                        };
                        return Err(ProtocolError::PrematureCompletion {
                            sent_bytes: listed.acknowledged_bytes(),
                            total_bytes: self.state.total_size_bytes,
                        });
                    }
                    self.state.acknowledged = acknowledged;
                    let state = &mut self.state;
                    state
                        .unreported
                        .retain(|i, _| !state.acknowledged.contains(*i));
                    self.needs_status = false;
                    if status == "completed" {
                        return Ok(Step::Completed(self.result(status)));
                    }
                    Ok(Step::Progress { rewound })
                }
            },
        }
    }

    /// Every chunk is acknowledged: has the service finished?
    async fn poll_completion(
        &mut self,
        api: &Api<'_>,
        upload_id: &str,
    ) -> Result<Step, ProtocolError> {
        match api.status(upload_id, false).await? {
            Status::Gone => Ok(self.restart()),
            Status::Found { status, .. } => match status.as_str() {
                "completed" => Ok(Step::Completed(self.result(status))),
                "failed" => Err(failed()),
                "expired" => Ok(self.restart()),
                _ => Ok(Step::Processing),
            },
        }
    }

    fn result(&self, status: String) -> RemoteResult {
        RemoteResult {
            remote_id: self.state.asset_id.clone(),
            url: self.state.asset_url.clone(),
            response: serde_json::json!({
                "asset_id": self.state.asset_id,
                "url": self.state.asset_url,
                "status": status,
                "total_chunks": self.state.total_chunks,
            }),
        }
    }

    /// Starts chunk `PUT`s until `parallel_chunks` are in flight, asking for fresh URLs first
    /// when the next chunks have none still comfortably valid (one request at most).
    async fn top_up(
        &mut self,
        ctx: &SessionContext,
        api: &Api<'_>,
        upload_id: &str,
    ) -> Result<(), ProtocolError> {
        let parallel = parallel_chunks(&ctx.destination.service);
        let free = parallel.saturating_sub(self.tasks.len());
        if free == 0 {
            return Ok(());
        }
        let wanted: Vec<u64> = self.pending().take(free).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let now = Instant::now();
        if let Some(&first) = wanted.iter().find(|&&i| self.usable_url(i, now).is_none()) {
            let count = (self.state.total_chunks - first + 1).min(MAX_URLS_PER_REQUEST);
            match api.fresh_urls(upload_id, first, count).await {
                Ok(fresh) => {
                    ctx.counter.touch();
                    self.asked_status_for_urls = false;
                    self.store_urls(&ctx.destination.service, fresh.upload_urls)?;
                }
                // The session may have expired or been lost: the status says (once).
                Err(ProtocolError::Status {
                    status: 400 | 404 | 410,
                    ..
                }) if !self.asked_status_for_urls => {
                    self.asked_status_for_urls = true;
                    self.needs_status = true;
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
        }
        let now = Instant::now();
        for index in wanted {
            let Some(url) = self.usable_url(index, now).map(str::to_string) else {
                continue;
            };
            let (start, len) = self.chunk_range(index);
            let headers = chunk_headers(&self.state.upload_headers, len);
            let job = ChunkJob {
                http: ctx.http.clone(),
                url,
                headers,
                path: ctx.file.path.clone(),
                start,
                len,
                options: ctx.stream_options(),
                index,
            };
            let handle = self.tasks.spawn(job.run());
            self.in_flight.insert(handle.id(), index);
        }
        Ok(())
    }

    /// Waits for at least one chunk `PUT`, then takes every other one already finished.
    async fn collect(&mut self) {
        let Some(first) = self.tasks.join_next_with_id().await else {
            return;
        };
        self.handle(first);
        while let Some(next) = self.tasks.try_join_next_with_id() {
            self.handle(next);
        }
    }

    fn handle(&mut self, joined: Result<(tokio::task::Id, ChunkOutcome), tokio::task::JoinError>) {
        let (id, outcome) = match joined {
            Ok(done) => done,
            Err(e) => {
                // Aborted or panicked: the chunk is pending again.
                self.in_flight.remove(&e.id());
                return;
            }
        };
        self.in_flight.remove(&id);
        let index = outcome.index;
        let failure = match outcome.result {
            Ok(etag) => {
                self.failures.remove(&index);
                self.state.unreported.insert(index, etag);
                return;
            }
            Err(ChunkFailure::Refused) => {
                self.urls.remove(&index);
                tracing::info!(
                    chunk = index,
                    "a presigned URL was refused (expired?); asking for a fresh one"
                );
                ProtocolError::Status {
                    status: 403,
                    message: format!(
                        "the storage refused chunk {index} {MAX_CHUNK_FAILURES} times, even with fresh upload URLs"
                    ),
                    retry_after: None,
                }
            }
            Err(ChunkFailure::NoEtag) => {
                tracing::warn!(
                    chunk = index,
                    "the storage kept a chunk without answering its ETag; sending it again"
                );
                ProtocolError::BadResponse {
                    detail: format!(
                        "the storage answered chunk {index} without an ETag {MAX_CHUNK_FAILURES} times"
                    ),
                }
            }
            Err(ChunkFailure::Error(e)) => {
                if self.deferred_error.is_none() {
                    self.deferred_error = Some(e);
                }
                return;
            }
        };
        self.count_failure(index, failure);
    }

    fn count_failure(&mut self, index: u64, error: ProtocolError) {
        let count = self.failures.entry(index).or_insert(0);
        *count += 1;
        if *count >= MAX_CHUNK_FAILURES && self.deferred_error.is_none() {
            self.failures.remove(&index);
            self.deferred_error = Some(error);
        }
    }

    /// Reports a batch of sent chunks; the acknowledged ones count as confirmed.
    async fn report(
        &mut self,
        ctx: &SessionContext,
        api: &Api<'_>,
        upload_id: &str,
    ) -> Result<Step, ProtocolError> {
        let batch: Vec<CompletedChunk> = self
            .state
            .unreported
            .iter()
            .take(MAX_REPORT_BATCH)
            .map(|(&index, etag)| CompletedChunk {
                chunk_index: index,
                proof: etag.clone(),
                proof_type: "etag",
                chunk_size: self.chunk_range(index).1,
            })
            .collect();
        match api.report(upload_id, &batch).await {
            Ok(reported) => {
                ctx.counter.touch();
                for chunk in &batch {
                    self.state.unreported.remove(&chunk.chunk_index);
                    self.state.acknowledged.insert(chunk.chunk_index);
                }
                if reported.url.is_some() {
                    self.state.asset_url = reported.url;
                }
                if reported.asset_id.is_some() {
                    self.state.asset_id = reported.asset_id;
                }
                if let Some(total) = reported.total_completed
                    && total < self.state.acknowledged.len()
                {
                    tracing::debug!(
                        total,
                        "the service counts fewer chunks than acknowledged; the status will tell"
                    );
                }
                Ok(Step::Progress { rewound: false })
            }
            Err(ProtocolError::Status {
                status: status @ (400 | 409 | 422),
                message,
                ..
            }) => {
                // The service refused the proofs: send those chunks again.
                tracing::warn!(
                    status,
                    "the service refused reported chunks ({message}); sending them again"
                );
                for chunk in &batch {
                    self.state.unreported.remove(&chunk.chunk_index);
                    self.count_failure(
                        chunk.chunk_index,
                        ProtocolError::Status {
                            status,
                            message: message.clone(),
                            retry_after: None,
                        },
                    );
                }
                Ok(Step::Progress { rewound: false })
            }
            Err(ProtocolError::Status {
                status: 404 | 410, ..
            }) => {
                self.needs_status = true;
                Ok(Step::Progress { rewound: false })
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl UploadSession for MultipartSession {
    async fn step(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        if let Some(error) = self.deferred_error.take() {
            return Err(error);
        }
        let Some(upload_id) = self.state.upload_id.clone() else {
            return self.create(ctx).await;
        };
        let api = self.api(ctx).await?;
        if self.needs_status {
            let step = self.query_status(&api, &upload_id).await;
            ctx.counter.touch();
            return step;
        }
        if self.state.acknowledged.covers(self.state.total_chunks) {
            let step = self.poll_completion(&api, &upload_id).await;
            ctx.counter.touch();
            return step;
        }
        if self.tasks.is_empty() && !self.state.unreported.is_empty() {
            return self.report(ctx, &api, &upload_id).await;
        }
        self.top_up(ctx, &api, &upload_id).await?;
        if self.needs_status {
            return Ok(Step::Progress { rewound: false });
        }
        if self.tasks.is_empty() {
            if !self.state.unreported.is_empty() {
                return self.report(ctx, &api, &upload_id).await;
            }
            return Err(ProtocolError::BadResponse {
                detail: "the service handed out no upload URL for the next chunks".to_string(),
            });
        }
        self.collect().await;
        if !self.state.unreported.is_empty() {
            return self.report(ctx, &api, &upload_id).await;
        }
        if let Some(error) = self.deferred_error.take() {
            return Err(error);
        }
        Ok(Step::Progress { rewound: false })
    }

    fn confirmed_bytes(&self) -> u64 {
        self.state.acknowledged_bytes()
    }

    fn persistent_state(&self) -> SessionState {
        SessionState::Multipart(self.state.clone())
    }

    /// Chunk `PUT`s still under way keep going: one failed request (a report, a status page,
    /// another chunk) says nothing about them, and aborting them would throw away their bytes.
    /// Each one that fails is counted and retried on its own.
    fn interrupted(&mut self) {
        self.deferred_error = None;
        self.needs_status = self.state.upload_id.is_some();
    }

    /// Nothing moved: the chunks under way are stuck, so they are dropped and sent again.
    fn stalled(&mut self) {
        self.abort_chunks();
        self.interrupted();
    }

    async fn cancel(&mut self, _ctx: &SessionContext) -> Result<(), ProtocolError> {
        self.abort_chunks();
        if self.state.upload_id.take().is_some() {
            tracing::info!(
                "the service offers no way to discard a multipart upload session; it expires on its own (24 hours)"
            );
        }
        Ok(())
    }
}

/// One chunk `PUT`, run as its own task.
struct ChunkJob {
    http: reqwest::Client,
    url: String,
    headers: HeaderMap,
    path: std::path::PathBuf,
    start: u64,
    len: u64,
    options: StreamOptions,
    index: u64,
}

impl ChunkJob {
    async fn run(self) -> ChunkOutcome {
        let index = self.index;
        ChunkOutcome {
            index,
            result: self.put().await,
        }
    }

    async fn put(self) -> Result<String, ChunkFailure> {
        let body = reqwest::Body::wrap_stream(stream_range(
            self.path,
            self.start,
            self.len,
            self.options.clone(),
        ));
        let sent = self
            .http
            .put(&self.url)
            .headers(self.headers)
            .body(body)
            .send()
            .await;
        if let Some(failure) = self.options.take_failure() {
            return Err(ChunkFailure::Error(failure.into()));
        }
        let response = sent.map_err(|e| ChunkFailure::Error(ProtocolError::from_reqwest(e)))?;
        self.options.counter.touch();
        let status = response.status();
        if status.as_u16() == 403 {
            return Err(ChunkFailure::Refused);
        }
        if !status.is_success() {
            return Err(ChunkFailure::Error(error_from_response(response).await));
        }
        let etag = response
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(strip_etag)
            .filter(|e| !e.is_empty());
        match etag {
            Some(etag) => Ok(etag),
            None => Err(ChunkFailure::NoEtag),
        }
    }
}

/// The headers of a chunk `PUT`: the service's `upload_headers`, `Content-Type:
/// application/octet-stream` unless those say otherwise, and the length. Never the API key.
fn chunk_headers(upload_headers: &BTreeMap<String, String>, len: u64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    for (name, value) in upload_headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            continue;
        };
        if name.as_str() == api::API_KEY_HEADER
            || name == CONTENT_LENGTH
            || name == reqwest::header::AUTHORIZATION
        {
            continue;
        }
        headers.insert(name, value);
    }
    headers.insert(CONTENT_LENGTH, HeaderValue::from(len));
    headers
}

/// `"abc"` -> `abc` (also weak `W/"abc"`).
pub(crate) fn strip_etag(value: &str) -> String {
    let value = value.trim();
    let value = value.strip_prefix("W/").unwrap_or(value);
    value.trim_matches('"').trim().to_string()
}

/// The file range `(start, len)` of chunk `index` (1-based).
fn chunk_range(total_size_bytes: u64, chunk_size_bytes: u64, index: u64) -> (u64, u64) {
    let start = (index.saturating_sub(1)).saturating_mul(chunk_size_bytes);
    let end = start.saturating_add(chunk_size_bytes).min(total_size_bytes);
    (start.min(total_size_bytes), end.saturating_sub(start))
}

/// How long a URL lives from now: its `expires_at`, else its `X-Amz-Date` plus `X-Amz-Expires`
/// (S3-style presigned URLs), else an hour.
fn entry_lifetime(entry: &UrlEntry) -> Duration {
    if entry.expires_at.is_none()
        && let Some(expires) = super::expiry_dates::amz_url_expiry_unix_secs(&entry.url)
    {
        let left = expires.saturating_sub(super::expiry_dates::unix_now_secs());
        return Duration::from_secs(left);
    }
    url_lifetime(entry.expires_at.as_deref())
}

/// How long a URL lives from now, from its RFC 3339 `expires_at` (an hour when absent or unreadable).
pub(crate) fn url_lifetime(expires_at: Option<&str>) -> Duration {
    let Some(text) = expires_at else {
        return ASSUMED_URL_LIFETIME;
    };
    match time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        Ok(at) => {
            let left = at - time::OffsetDateTime::now_utc();
            Duration::try_from(left).unwrap_or(Duration::ZERO)
        }
        Err(_) => ASSUMED_URL_LIFETIME,
    }
}

fn failed() -> ProtocolError {
    ProtocolError::ProcessingFailed {
        detail: "the service marked the upload as failed".to_string(),
    }
}

fn base_url(service: &Service) -> Result<&str, ProtocolError> {
    match service {
        Service::PresignedMultipart { base_url, .. } => Ok(base_url),
        other => Err(ProtocolError::InvalidDestination {
            detail: format!(
                "{} does not speak the presigned multipart protocol",
                other.label()
            ),
        }),
    }
}

fn parallel_chunks(service: &Service) -> usize {
    match service {
        Service::PresignedMultipart {
            parallel_chunks, ..
        } => (*parallel_chunks).max(1),
        _ => 1,
    }
}

/// The asset type: the destination's, or guessed from the file name (video when unsure).
fn asset_type(service: &Service, path: &std::path::Path) -> AssetType {
    if let Service::PresignedMultipart {
        asset_type: Some(t),
        ..
    } = service
    {
        return *t;
    }
    guess_asset_type(path).unwrap_or(AssetType::Video)
}

/// The asset type a file name suggests, if any.
pub fn guess_asset_type(path: &std::path::Path) -> Option<AssetType> {
    let mime = mime_guess::from_path(path).first()?;
    match mime.type_().as_str() {
        "video" => Some(AssetType::Video),
        "audio" => Some(AssetType::Audio),
        "image" => Some(AssetType::Image),
        _ => None,
    }
}

fn validate_filename(name: &str) -> Result<(), ProtocolError> {
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_FILENAME_CHARS {
        return Err(ProtocolError::OverLimit {
            detail: format!(
                "the file name has {chars} characters; the service accepts 1 to {MAX_FILENAME_CHARS}: rename the file"
            ),
        });
    }
    Ok(())
}

/// The largest file this destination accepts.
pub fn max_size_bytes(service: &Service, asset_type: AssetType) -> u64 {
    match service {
        Service::PresignedMultipart {
            max_size_bytes: Some(max),
            ..
        } => *max,
        _ => default_max_size_bytes(asset_type),
    }
}

fn validate_size(service: &Service, size_bytes: u64) -> Result<(), ProtocolError> {
    if size_bytes == 0 {
        return Err(ProtocolError::OverLimit {
            detail: "the file is empty; the service needs at least one byte (one chunk) per upload"
                .to_string(),
        });
    }
    let declared = match service {
        Service::PresignedMultipart { asset_type, .. } => *asset_type,
        _ => None,
    };
    let kind = declared.unwrap_or(AssetType::Video);
    let max = max_size_bytes(service, kind);
    if size_bytes > max {
        return Err(ProtocolError::OverLimit {
            detail: format!(
                "the file is {} ({size_bytes} bytes), more than the {} ({max} bytes) this destination accepts for {}; nothing was sent (raise the destination's maximum size if your plan allows bigger files)",
                format_bytes(size_bytes),
                format_bytes(max),
                match kind {
                    AssetType::Video => "videos",
                    AssetType::Audio => "audio",
                    AssetType::Image => "images",
                }
            ),
        });
    }
    Ok(())
}

/// Checks a destination of this kind without contacting anyone.
pub fn validate(service: &Service) -> Result<(), ProtocolError> {
    let url = base_url(service)?;
    parse_url(url)?;
    if let Service::PresignedMultipart {
        parallel_chunks,
        max_size_bytes,
        ..
    } = service
    {
        if *parallel_chunks == 0 || *parallel_chunks > 64 {
            return Err(ProtocolError::InvalidDestination {
                detail: format!("chunks sent at once must be from 1 to 64, not {parallel_chunks}"),
            });
        }
        if *max_size_bytes == Some(0) {
            return Err(ProtocolError::InvalidDestination {
                detail: "the maximum file size cannot be 0".to_string(),
            });
        }
    }
    Ok(())
}

/// Checks a file against the service's limits before queueing, so nothing is sent for a file
/// the service would refuse: empty files and files over the destination's maximum size. The
/// chunk size is the service's choice, so one asked for is accepted and not used.
pub fn validate_upload(
    service: &Service,
    size_bytes: u64,
    _chunk_size_bytes: Option<u64>,
) -> Result<(), ProtocolError> {
    validate(service)?;
    validate_size(service, size_bytes)
}

/// The service's unfinished upload sessions (`GET /assets/multipart-uploads`, every page until
/// an empty one).
pub async fn list_incomplete(
    http: &reqwest::Client,
    base_url: &str,
    api_key: Option<&str>,
) -> Result<Vec<RemoteSession>, ProtocolError> {
    Api::new(
        http,
        base_url,
        api_key.map(str::to_string),
        super::http::ANSWER_READ_TIMEOUT,
    )?
    .incomplete()
    .await
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests;
