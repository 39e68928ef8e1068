//! tus 1.0 resumable uploads (<https://tus.io/protocols/resumable-upload>; PROTOCOLS.md §4).
//!
//! State machine, one request per step:
//! 1. `OPTIONS <endpoint>` once per upload: the server's extensions (`Tus-Extension`), checksum
//!    algorithms (`Tus-Checksum-Algorithm`) and largest upload (`Tus-Max-Size`), kept in the
//!    persistent state. A server that does not answer `OPTIONS` is spoken to with the core
//!    protocol only.
//! 2. `POST <endpoint>` with `Upload-Length` (or `Upload-Defer-Length: 1` when the size is
//!    announced late) and `Upload-Metadata` -> `201` + `Location`, resolved against the endpoint.
//!    The upload URL is a bearer capability: it lives only in the persistent state (the journal),
//!    never in logs, errors or `Debug` output.
//! 3. `PATCH <upload>` with `Upload-Offset` and the bytes from there: the rest of the file in one
//!    streaming request, or chunks of `chunk_size_bytes`. The `Upload-Offset` of the `204` is the
//!    confirmed count, whatever was sent. With a deferred length, the last `PATCH` carries
//!    `Upload-Length`.
//! 4. After any interruption (and on relaunch): `HEAD <upload>` for `Upload-Offset` before sending
//!    again. It may be lower than confirmed before (the server lost data): the upload rewinds.
//!
//! Answers handled besides success: `409` (wrong offset) and `423` (the upload is locked by a
//! request the server still thinks is running) ask `HEAD` again; `460` (checksum mismatch: the
//! server discarded the chunk) asks `HEAD` and sends the chunk again; `404`/`410` on `HEAD` or
//! `PATCH` mean the upload is gone: a new one is created and sent from byte 0. `403` is an error,
//! not "gone" (a server refusing access must not make Hoist upload again and again). An upload whose
//! `Upload-Expires` has passed is created anew instead of resumed.
//!
//! Secrets: the bearer token and a profile's secret headers go only to the origin of the
//! configured endpoint ([`SecretScope`]). The tus specification lets `Location` name any URL,
//! absolute or relative, and the upload URL is a capability of its own, so an upload URL on
//! another origin is followed, without those secrets (a server there that wants them answers
//! 401, which fails the upload in plain words). An upload URL that would move the file over
//! plain http (from an https endpoint, or off this computer) is refused with
//! [`ProtocolError::InsecureAddress`].
//!
//! Claims: an `Upload-Offset` beyond what Hoist handed to the network for this upload, or
//! beyond the file's size, is [`ProtocolError::ImpossibleClaim`], never progress; so the upload
//! is complete only once the last byte went out and the server confirmed it. An offset lower
//! than confirmed before means the server lost data: sending resumes from the server's offset.
//!
//! Checksums: when the server advertises the `checksum` extension with `sha1`, every `PATCH`
//! carries `Upload-Checksum: sha1 <base64>`. The header precedes the body, so the chunk is hashed
//! from disk first (bounded memory) and then streamed from disk again. A `PATCH` is then at most
//! the chunk size, or [`CHECKSUM_PATCH_MAX_BYTES`] when streaming without a chunk size: that bounds
//! the pause for hashing before each request and what a mismatch (or a broken connection, after
//! which a checksumming server keeps nothing of the request) costs to send again. For the same
//! reason, when a checksummed `PATCH` gets no answer (the connection broke), the following ones
//! are half as long (not below [`CHECKSUM_PATCH_MIN_BYTES`]) for the rest of the run, so an
//! unstable link still moves the upload forward.

use std::io::Read;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, LOCATION};
use sha1::Digest as _;

use super::credentials::{SecretScope, authorize};
use super::google::media_type;
use super::http::{error_from_response, parse_url};
use super::{ProtocolError, SessionContext, SessionState, Step, UploadSession};
use crate::file::{ByteCounter, FileError, FileIdentity, stream_range};
use crate::store::session_state::Capabilities;
pub use crate::store::session_state::TusState;
use crate::upload::{RemoteResult, Service};

/// The protocol version sent as `Tus-Resumable` on every request.
pub const TUS_VERSION: &str = "1.0.0";
/// The media type of a `PATCH` body.
pub const OFFSET_OCTET_STREAM: &str = "application/offset+octet-stream";
/// Largest `PATCH` when checksums are on and no chunk size is set (see the module docs).
pub const CHECKSUM_PATCH_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Smallest `PATCH` the halving after broken checksummed requests goes down to.
pub const CHECKSUM_PATCH_MIN_BYTES: u64 = 256 * 1024;
/// The status a tus server answers to a checksum mismatch.
const CHECKSUM_MISMATCH: u16 = 460;
/// Read size when hashing a chunk before sending it.
const HASH_BUFFER_BYTES: usize = 256 * 1024;

impl Capabilities {
    fn has(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e == extension)
    }

    /// True when `PATCH`es should carry a SHA-1 `Upload-Checksum`.
    fn sha1_checksums(&self) -> bool {
        self.has("checksum") && self.checksum_algorithms.iter().any(|a| a == "sha1")
    }
}

/// One upload over tus 1.0.
#[derive(Debug, Default)]
pub struct TusSession {
    state: TusState,
    /// Ask the server for its offset (`HEAD`) before sending.
    needs_head: bool,
    /// Length of the checksummed `PATCH` under way, until it is answered.
    checksummed_in_flight_bytes: Option<u64>,
    /// Cap on checksummed `PATCH`es after broken ones (see the module docs).
    checksummed_limit_bytes: Option<u64>,
    /// The state came from the journal and the server has not said its offset since: the
    /// `PATCH` in flight when Hoist stopped may have carried bytes beyond
    /// `sent_high_water_bytes`.
    from_journal: bool,
    /// The origin the token and secret headers may go to, worked out once (it is asked on every
    /// request).
    scope: OnceLock<SecretScope>,
}

impl TusSession {
    /// Continues from saved state (the default state for a new upload). A saved upload is always asked for
    /// its offset before any byte is sent.
    pub fn from_state(state: TusState) -> Result<TusSession, ProtocolError> {
        Ok(TusSession {
            needs_head: state.upload_url.is_some(),
            from_journal: state.upload_url.is_some(),
            state,
            ..TusSession::default()
        })
    }

    /// A request with `Tus-Resumable`; the credentials are added by [`Self::send`].
    fn request(
        &self,
        ctx: &SessionContext,
        method: reqwest::Method,
        url: &str,
    ) -> reqwest::RequestBuilder {
        ctx.http
            .request(method, url)
            .header("Tus-Resumable", TUS_VERSION)
    }

    /// Builds and sends `request`, with the bearer token and the secret headers a profile
    /// stores (e.g. a custom `Authorization` or an API-key header) only when it goes to the
    /// configured origin.
    async fn send(
        &self,
        ctx: &SessionContext,
        request: reqwest::RequestBuilder,
    ) -> Result<Result<reqwest::Response, reqwest::Error>, ProtocolError> {
        let mut request = request.build().map_err(ProtocolError::from_reqwest)?;
        let scope = match self.scope.get() {
            Some(scope) => scope,
            None => {
                let endpoint = endpoint(&ctx.destination.service)?;
                self.scope.get_or_init(|| SecretScope::new(&endpoint))
            }
        };
        authorize(scope, ctx.credentials.as_ref(), &mut request).await?;
        Ok(ctx.http.execute(request).await)
    }

    /// Takes note of how far the file was handed to the network (the stream counts as it goes,
    /// even in a request that was cut or abandoned by the engine).
    fn note_sent(&mut self, ctx: &SessionContext) {
        if self.state.upload_url.is_some() {
            self.state.sent_high_water_bytes = self
                .state
                .sent_high_water_bytes
                .max(ctx.counter.sent_position_bytes());
        }
    }

    /// The most bytes that could have reached the server for this upload.
    fn possibly_sent_bytes(&self, ctx: &SessionContext) -> u64 {
        let total = ctx.file.size_bytes;
        let mut sent = self.state.sent_high_water_bytes;
        if self.from_journal {
            let checksums = self
                .state
                .capabilities
                .as_ref()
                .is_some_and(Capabilities::sha1_checksums);
            let start = self.state.confirmed_bytes.min(total);
            // The PATCH in flight and the one before it, whose confirmation the journal may
            // not have had yet.
            let lag_end = if ctx.chunk_size_bytes.is_some() {
                ctx.journal_lag_end(start)
            } else {
                let first = patch_end(start, total, None, checksums);
                patch_end(first, total, None, checksums)
            };
            sent = sent.max(lag_end);
        }
        sent.min(total)
    }

    /// `OPTIONS <endpoint>`: learns the server's extensions once.
    async fn discover(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        let endpoint = endpoint(&ctx.destination.service)?;
        let request = self.request(ctx, reqwest::Method::OPTIONS, endpoint.as_str());
        let response = self
            .send(ctx, request)
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        let status = response.status().as_u16();
        let capabilities = if response.status().is_success() {
            let headers = response.headers();
            if let Some(versions) = header_text(headers, "tus-version")
                && !parse_list(versions).iter().any(|v| v == TUS_VERSION)
            {
                return Err(ProtocolError::InvalidDestination {
                    detail: format!(
                        "the server speaks tus {versions}, not {TUS_VERSION}, which Hoist speaks"
                    ),
                });
            }
            Capabilities {
                extensions: header_text(headers, "tus-extension")
                    .map(parse_list)
                    .unwrap_or_default(),
                checksum_algorithms: header_text(headers, "tus-checksum-algorithm")
                    .map(parse_list)
                    .unwrap_or_default(),
                max_size_bytes: parse_number(headers, "tus-max-size")?,
            }
        } else if status == 401 || super::error::RETRYABLE_STATUSES.contains(&status) {
            return Err(error_from_response(response).await);
        } else {
            // Tolerated: OPTIONS is optional for a tus server; speak the core protocol only.
            tracing::warn!(
                status,
                "the tus server did not describe itself (OPTIONS); using the core protocol only"
            );
            Capabilities::default()
        };
        tracing::debug!(?capabilities, "tus server capabilities");
        self.state.capabilities = Some(capabilities);
        Ok(Step::Progress { rewound: false })
    }

    /// `POST <endpoint>`: creates a new upload (and forgets any earlier one).
    async fn create(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        let capabilities = self.state.capabilities.clone().unwrap_or_default();
        if let Some(max) = capabilities.max_size_bytes
            && ctx.file.size_bytes > max
        {
            return Err(ProtocolError::OverLimit {
                detail: format!(
                    "the file is {} bytes but the server accepts at most {max} bytes per upload",
                    ctx.file.size_bytes
                ),
            });
        }
        let endpoint = endpoint(&ctx.destination.service)?;
        let mut request = self
            .request(ctx, reqwest::Method::POST, endpoint.as_str())
            .header("Upload-Metadata", upload_metadata(&ctx.file))
            .header(CONTENT_LENGTH, 0);
        request = if ctx.size_unknown {
            request.header("Upload-Defer-Length", "1")
        } else {
            request.header("Upload-Length", ctx.file.size_bytes)
        };
        let response = self
            .send(ctx, request.body(Vec::new()))
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        // 201 by the spec; 200 tolerated (some servers behind proxies rewrite it).
        if !matches!(response.status().as_u16(), 200 | 201) {
            return Err(error_from_response(response).await);
        }
        let location = header_text(response.headers(), LOCATION.as_str()).ok_or_else(|| {
            ProtocolError::BadResponse {
                detail: "the server did not hand out an upload address (no Location header)"
                    .to_string(),
            }
        })?;
        let upload_url = resolve_location(&endpoint, location)?;
        if !SecretScope::new(&endpoint).admits(&upload_url) {
            tracing::info!(
                "the tus upload is on another server than the one configured; it gets no credentials"
            );
        }
        let expires_unix_secs = parse_expires(response.headers());
        tracing::info!("created a new tus upload");
        let rewound = self.state.confirmed_bytes > 0;
        self.state = TusState {
            upload_url: Some(upload_url.to_string()),
            confirmed_bytes: 0,
            length_declared: !ctx.size_unknown,
            expires_unix_secs,
            capabilities: Some(capabilities),
            sent_high_water_bytes: 0,
        };
        self.needs_head = false;
        self.from_journal = false;
        ctx.counter.set_sent_position(0);
        Ok(Step::Progress { rewound })
    }

    /// `HEAD <upload>`: where the server is.
    async fn head(&mut self, ctx: &SessionContext, url: &str) -> Result<Step, ProtocolError> {
        let request = self.request(ctx, reqwest::Method::HEAD, url);
        let response = self
            .send(ctx, request)
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        match response.status().as_u16() {
            200 | 204 => {}
            404 | 410 => return Ok(self.gone(ctx)),
            _ => return Err(error_from_response(response).await),
        }
        let headers = response.headers();
        let offset =
            parse_number(headers, "upload-offset")?.ok_or_else(|| ProtocolError::BadResponse {
                detail: "the server's answer to HEAD has no Upload-Offset".to_string(),
            })?;
        let total = ctx.file.size_bytes;
        match parse_number(headers, "upload-length")? {
            Some(length) if length != total => {
                return Err(ProtocolError::BadResponse {
                    detail: format!(
                        "the server expects {length} bytes for this upload, but the file has {total}"
                    ),
                });
            }
            Some(_) => self.state.length_declared = true,
            None => {
                // Deferred (`Upload-Defer-Length: 1`): the length goes with the last PATCH.
                self.state.length_declared = false;
            }
        }
        if let Some(expires) = parse_expires(headers) {
            self.state.expires_unix_secs = Some(expires);
        }
        self.accept_offset(ctx, offset)
    }

    /// Takes `offset` from the server as the confirmed count: never more than the file, nor
    /// more than could have reached the server.
    fn accept_offset(&mut self, ctx: &SessionContext, offset: u64) -> Result<Step, ProtocolError> {
        let total = ctx.file.size_bytes;
        if offset > total {
            return Err(ProtocolError::ImpossibleClaim {
                claimed_bytes: offset,
                limit: format!("the file has only {total}"),
            });
        }
        let sent = self.possibly_sent_bytes(ctx);
        if offset > sent {
            return Err(ProtocolError::ImpossibleClaim {
                claimed_bytes: offset,
                limit: format!("only {sent} were sent"),
            });
        }
        self.from_journal = false;
        self.state.sent_high_water_bytes = self.state.sent_high_water_bytes.max(offset);
        let rewound = offset < self.state.confirmed_bytes;
        if rewound {
            tracing::warn!(
                "the server kept fewer bytes than it had confirmed before ({} < {}); continuing from what it has",
                offset,
                self.state.confirmed_bytes
            );
        }
        self.state.confirmed_bytes = offset;
        self.needs_head = false;
        ctx.counter.set_sent_position(offset);
        if offset == total && self.state.length_declared {
            return Ok(Step::Completed(self.result(total)));
        }
        Ok(Step::Progress { rewound })
    }

    /// The upload is gone (404/410): forget it, so the next step creates a new one.
    fn gone(&mut self, ctx: &SessionContext) -> Step {
        tracing::warn!(
            "the tus upload is gone (expired or discarded); starting a new one from byte 0"
        );
        let rewound = self.state.confirmed_bytes > 0;
        self.forget_upload();
        self.state.confirmed_bytes = 0;
        self.state.sent_high_water_bytes = 0;
        self.from_journal = false;
        ctx.counter.set_sent_position(0);
        Step::Progress { rewound }
    }

    fn forget_upload(&mut self) {
        self.state.upload_url = None;
        self.state.expires_unix_secs = None;
        self.state.length_declared = false;
        self.needs_head = false;
    }

    /// `PATCH <upload>`: sends the next bytes from the confirmed offset.
    async fn patch(&mut self, ctx: &SessionContext, url: &str) -> Result<Step, ProtocolError> {
        let total = ctx.file.size_bytes;
        let start = self.state.confirmed_bytes.min(total);
        let checksums = self
            .state
            .capabilities
            .as_ref()
            .is_some_and(Capabilities::sha1_checksums);
        let mut end = patch_end(start, total, ctx.chunk_size_bytes, checksums);
        if checksums && let Some(limit) = self.checksummed_limit_bytes {
            end = end.min(start.saturating_add(limit));
        }
        if start == end && self.state.length_declared {
            return Ok(Step::Completed(self.result(total)));
        }
        let declare_length = end == total && !self.state.length_declared;
        let checksum = if checksums && end > start {
            Some(range_checksum(ctx, start, end).await?)
        } else {
            None
        };

        let options = ctx.stream_options();
        ctx.counter.set_sent_position(start);
        let body = if start == end {
            reqwest::Body::from(Vec::new())
        } else {
            reqwest::Body::wrap_stream(stream_range(
                ctx.file.path.clone(),
                start,
                end - start,
                options.clone(),
            ))
        };
        // Until a definitive answer arrives, the server's offset is unknown.
        self.needs_head = true;
        let mut request = self
            .request(ctx, reqwest::Method::PATCH, url)
            .header(CONTENT_TYPE, OFFSET_OCTET_STREAM)
            .header(CONTENT_LENGTH, end - start)
            .header("Upload-Offset", start);
        if declare_length {
            request = request.header("Upload-Length", total);
        }
        if let Some(checksum) = checksum {
            request = request.header("Upload-Checksum", checksum);
            self.checksummed_in_flight_bytes = Some(end - start);
        }
        let result = self.send(ctx, request.body(body)).await?;
        self.note_sent(ctx);
        if let Some(failure) = options.take_failure() {
            self.checksummed_in_flight_bytes = None;
            return Err(failure.into());
        }
        // A broken request leaves `checksummed_in_flight_bytes` for `interrupted`.
        let response = result.map_err(ProtocolError::from_reqwest)?;
        self.checksummed_in_flight_bytes = None;
        ctx.counter.touch();
        match response.status().as_u16() {
            200 | 204 => {}
            404 | 410 => return Ok(self.gone(ctx)),
            409 | 423 => {
                // 409: the offset is not the server's; 423: the server still holds a lock from
                // an earlier request. Ask where it is and go on from there.
                tracing::info!(
                    status = response.status().as_u16(),
                    "the tus server did not take the bytes at this offset; asking where it is"
                );
                return Ok(Step::Progress { rewound: false });
            }
            CHECKSUM_MISMATCH => {
                tracing::warn!(
                    "the tus server received bytes that do not match their checksum and discarded them; sending them again"
                );
                return Ok(Step::Progress { rewound: false });
            }
            _ => return Err(error_from_response(response).await),
        }
        let headers = response.headers();
        let offset =
            parse_number(headers, "upload-offset")?.ok_or_else(|| ProtocolError::BadResponse {
                detail: "the server's answer to PATCH has no Upload-Offset".to_string(),
            })?;
        if offset > end {
            return Err(ProtocolError::ImpossibleClaim {
                claimed_bytes: offset,
                limit: format!("it was sent bytes up to {end} only"),
            });
        }
        if declare_length {
            self.state.length_declared = true;
        }
        if let Some(expires) = parse_expires(headers) {
            self.state.expires_unix_secs = Some(expires);
        }
        self.accept_offset(ctx, offset)
    }

    fn result(&self, total: u64) -> RemoteResult {
        RemoteResult {
            remote_id: self.state.upload_url.as_deref().and_then(remote_id_of),
            // The upload URL is a capability, not a link to share.
            url: None,
            response: serde_json::json!({ "size_bytes": total }),
        }
    }

    fn expired(&self) -> bool {
        self.state
            .expires_unix_secs
            .is_some_and(|expires| unix_now_secs() >= expires)
    }
}

#[async_trait]
impl UploadSession for TusSession {
    async fn step(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        // A request abandoned by the engine (a stall) still counted what it handed out.
        self.note_sent(ctx);
        if self.state.capabilities.is_none() {
            return self.discover(ctx).await;
        }
        if self.state.upload_url.is_some() && self.expired() {
            tracing::warn!("the tus upload has expired; creating a new one");
            self.forget_upload();
        }
        let Some(url) = self.state.upload_url.clone() else {
            return self.create(ctx).await;
        };
        if self.needs_head {
            self.head(ctx, &url).await
        } else {
            self.patch(ctx, &url).await
        }
    }

    fn confirmed_bytes(&self) -> u64 {
        self.state.confirmed_bytes
    }

    fn persistent_state(&self) -> SessionState {
        SessionState::Tus(self.state.clone())
    }

    fn interrupted(&mut self) {
        self.needs_head = self.state.upload_url.is_some();
        if let Some(broken) = self.checksummed_in_flight_bytes.take() {
            let limit = (broken / 2).max(CHECKSUM_PATCH_MIN_BYTES);
            if limit < broken {
                tracing::info!(
                    limit,
                    "a checksummed request broke off; sending smaller requests from now on"
                );
                self.checksummed_limit_bytes = Some(limit);
            }
        }
    }

    async fn cancel(&mut self, ctx: &SessionContext) -> Result<(), ProtocolError> {
        let Some(url) = self.state.upload_url.take() else {
            return Ok(());
        };
        // Termination is an extension; asked even when not advertised (a server without it
        // answers 404/405, which changes nothing).
        let request = self
            .request(ctx, reqwest::Method::DELETE, &url)
            .header(CONTENT_LENGTH, 0);
        let response = self
            .send(ctx, request)
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        if !response.status().is_success() {
            tracing::info!(
                status = response.status().as_u16(),
                "the tus server did not confirm the termination"
            );
        }
        Ok(())
    }
}

/// Checks a tus destination without contacting anyone.
pub fn validate(service: &Service) -> Result<(), ProtocolError> {
    endpoint(service).map(|_| ())
}

/// Checks a file and chunk size before queueing: any chunk size but 0 is fine for tus.
pub fn validate_upload(
    _size_bytes: u64,
    chunk_size_bytes: Option<u64>,
) -> Result<(), ProtocolError> {
    if chunk_size_bytes == Some(0) {
        return Err(ProtocolError::InvalidDestination {
            detail: "the chunk size must be more than 0 bytes".to_string(),
        });
    }
    Ok(())
}

fn endpoint(service: &Service) -> Result<url::Url, ProtocolError> {
    match service {
        Service::Tus { endpoint } => parse_url(endpoint),
        other => Err(ProtocolError::InvalidDestination {
            detail: format!("{} does not speak tus", other.label()),
        }),
    }
}

/// Where the next `PATCH` ends (exclusive).
fn patch_end(start: u64, total: u64, chunk_size_bytes: Option<u64>, checksums: bool) -> u64 {
    let limit = match (chunk_size_bytes, checksums) {
        (Some(chunk), _) => Some(chunk.max(1)),
        (None, true) => Some(CHECKSUM_PATCH_MAX_BYTES),
        (None, false) => None,
    };
    match limit {
        Some(limit) => start.saturating_add(limit).min(total),
        None => total,
    }
}

/// `Upload-Metadata`: `filename` and `filetype`, values in base64.
fn upload_metadata(file: &FileIdentity) -> String {
    encode_metadata(&[
        ("filename", file.file_name().as_str()),
        ("filetype", media_type(file).as_str()),
    ])
}

/// Encodes `Upload-Metadata` pairs: `key base64(value)`, comma separated.
pub fn encode_metadata(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{key} {}", BASE64.encode(value.as_bytes())))
        .collect::<Vec<_>>()
        .join(",")
}

/// Resolves a `Location` (absolute or relative) against the creation endpoint; an address that
/// would lower the transport's safety is refused ([`SecretScope::check_named_address`]).
pub(crate) fn resolve_location(
    endpoint: &url::Url,
    location: &str,
) -> Result<url::Url, ProtocolError> {
    let resolved = endpoint
        .join(location.trim())
        .map_err(|_| ProtocolError::BadResponse {
            detail: "the upload address the server handed out is not a valid URL".to_string(),
        })?;
    SecretScope::new(endpoint).check_named_address(&resolved)?;
    Ok(resolved)
}

/// The last non-empty path segment of an upload URL: the server's id of the upload.
pub(crate) fn remote_id_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    url.path_segments()?.rfind(|s| !s.is_empty()).map(|s| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    })
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// A comma-separated header value as a list of lowercase items.
pub(crate) fn parse_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .filter(|item| !item.is_empty())
        .collect()
}

/// A header holding a number of bytes (`Upload-Offset`, `Upload-Length`, `Tus-Max-Size`).
/// Strict: only digits; absent is `None`.
pub(crate) fn parse_number(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ProtocolError> {
    let Some(value) = headers.get(name) else {
        return Ok(None);
    };
    let bad = || ProtocolError::BadResponse {
        detail: format!("unexpected {name} header {value:?}"),
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    text.parse::<u64>().map(Some).map_err(|_| bad())
}

/// `Upload-Expires` (an RFC 7231 HTTP date) in seconds since the Unix epoch. An unreadable date is
/// ignored (tolerated: the server still answers 404/410 once the upload is gone).
pub(crate) fn parse_expires(headers: &HeaderMap) -> Option<u64> {
    let text = header_text(headers, "upload-expires")?;
    match httpdate::parse_http_date(text.trim()) {
        Ok(time) => time.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs()),
        Err(_) => {
            tracing::warn!(value = text, "ignoring an unreadable Upload-Expires header");
            None
        }
    }
}

fn unix_now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// SHA-1 (base64) of the bytes `[start, end)` of the file, read in bounded blocks. Blocking.
fn sha1_of_range(
    path: &std::path::Path,
    start: u64,
    end: u64,
    counter: &ByteCounter,
) -> Result<String, FileError> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|e| FileError::from_io(e, path))?;
    file.seek(SeekFrom::Start(start))
        .map_err(|e| FileError::from_io(e, path))?;
    let mut hasher = sha1::Sha1::new();
    let mut buffer = vec![0u8; HASH_BUFFER_BYTES];
    let mut left = end - start;
    while left > 0 {
        let want = usize::try_from(left)
            .unwrap_or(usize::MAX)
            .min(buffer.len());
        let read = file
            .read(&mut buffer[..want])
            .map_err(|e| FileError::from_io(e, path))?;
        if read == 0 {
            return Err(FileError::Changed {
                what: "it got shorter while being uploaded",
                path: path.to_path_buf(),
            });
        }
        hasher.update(&buffer[..read]);
        left -= read as u64;
        // Hashing is work on the upload's behalf: keep the stall watch from firing.
        counter.touch();
    }
    Ok(BASE64.encode(hasher.finalize()))
}

/// The `Upload-Checksum` value of the file's bytes `start..end` ("sha1 <base64>"), read off the
/// runtime's threads.
async fn range_checksum(
    ctx: &SessionContext,
    start: u64,
    end: u64,
) -> Result<String, ProtocolError> {
    ctx.counter.touch();
    let path = ctx.file.path.clone();
    let counter = ctx.counter.clone();
    let digest = tokio::task::spawn_blocking(move || sha1_of_range(&path, start, end, &counter))
        .await
        .map_err(|e| ProtocolError::BadState {
            detail: e.to_string(),
        })??;
    Ok(format!("sha1 {digest}"))
}

#[cfg(test)]
#[path = "tus_proptests.rs"]
mod tus_proptests;

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        h
    }

    #[test]
    fn parses_offsets_strictly() {
        assert_eq!(
            parse_number(&headers(&[]), "upload-offset").expect("absent"),
            None
        );
        let h = headers(&[("upload-offset", "1048576")]);
        assert_eq!(
            parse_number(&h, "upload-offset").expect("number"),
            Some(1_048_576)
        );
        let h = headers(&[("upload-offset", " 0 ")]);
        assert_eq!(parse_number(&h, "upload-offset").expect("number"), Some(0));
        for bad in ["-1", "1.5", "", "12abc", "+3", "99999999999999999999999"] {
            let h = headers(&[("upload-offset", bad)]);
            assert!(parse_number(&h, "upload-offset").is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_extension_lists() {
        assert_eq!(
            parse_list("creation, creation-defer-length,Termination ,,checksum"),
            [
                "creation",
                "creation-defer-length",
                "termination",
                "checksum"
            ]
        );
        assert!(parse_list("").is_empty());
        let caps = Capabilities {
            extensions: parse_list("creation,checksum"),
            checksum_algorithms: parse_list("md5, SHA1"),
            max_size_bytes: None,
        };
        assert!(caps.sha1_checksums());
        let caps = Capabilities {
            extensions: parse_list("creation"),
            checksum_algorithms: parse_list("sha1"),
            max_size_bytes: None,
        };
        assert!(!caps.sha1_checksums(), "the extension must be advertised");
        let caps = Capabilities {
            extensions: parse_list("checksum"),
            checksum_algorithms: parse_list("md5,crc32"),
            max_size_bytes: None,
        };
        assert!(!caps.sha1_checksums(), "sha1 must be offered");
    }

    #[test]
    fn parses_upload_expires() {
        let h = headers(&[("upload-expires", "Wed, 25 Jun 2014 16:00:00 GMT")]);
        assert_eq!(parse_expires(&h), Some(1_403_712_000));
        // The obsolete forms RFC 7231 says recipients must accept.
        let h = headers(&[("upload-expires", "Wednesday, 25-Jun-14 16:00:00 GMT")]);
        assert_eq!(parse_expires(&h), Some(1_403_712_000));
        let h = headers(&[("upload-expires", "Wed Jun 25 16:00:00 2014")]);
        assert_eq!(parse_expires(&h), Some(1_403_712_000));
        let h = headers(&[("upload-expires", "tomorrow")]);
        assert_eq!(parse_expires(&h), None);
        assert_eq!(parse_expires(&headers(&[])), None);
    }

    #[test]
    fn encodes_metadata() {
        assert_eq!(
            encode_metadata(&[
                ("filename", "world_domination_plan.pdf"),
                ("is_confidential", "")
            ]),
            "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential "
        );
        let file = FileIdentity {
            path: "/v/clip é.mp4".into(),
            size_bytes: 1,
            modified_unix_nanos: 0,
            sample_sha256: String::new(),
        };
        let metadata = upload_metadata(&file);
        let pairs: Vec<(&str, String)> = metadata
            .split(',')
            .map(|pair| {
                let (key, value) = pair.split_once(' ').expect("key value");
                let value = BASE64.decode(value).expect("base64");
                (key, String::from_utf8(value).expect("utf-8"))
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("filename", "clip é.mp4".to_string()),
                ("filetype", "video/mp4".to_string())
            ]
        );
    }

    #[test]
    fn resolves_locations() {
        let endpoint = url::Url::parse("http://127.0.0.1:1080/files/").expect("url");
        assert_eq!(
            resolve_location(&endpoint, "http://127.0.0.1:1080/files/abc")
                .expect("absolute")
                .as_str(),
            "http://127.0.0.1:1080/files/abc"
        );
        assert_eq!(
            resolve_location(&endpoint, "abc")
                .expect("relative")
                .as_str(),
            "http://127.0.0.1:1080/files/abc"
        );
        assert_eq!(
            resolve_location(&endpoint, "/other/xyz?t=1")
                .expect("path")
                .as_str(),
            "http://127.0.0.1:1080/other/xyz?t=1"
        );
        // Plain http off this computer is refused, as for endpoints.
        assert!(matches!(
            resolve_location(&endpoint, "http://example.com/files/abc"),
            Err(ProtocolError::InsecureAddress { .. })
        ));
        assert!(resolve_location(&endpoint, "https://example.com/files/abc").is_ok());
        // From an https endpoint, no plain http at all, not even on this computer.
        let secure = url::Url::parse("https://tus.example.org/files/").expect("url");
        for downgrade in ["http://tus.example.org/files/x", "http://127.0.0.1:1080/x"] {
            let error = resolve_location(&secure, downgrade).expect_err(downgrade);
            assert!(
                matches!(error, ProtocolError::InsecureAddress { .. }),
                "{error}"
            );
        }
        assert!(resolve_location(&secure, "ftp://tus.example.org/x").is_err());
    }

    #[test]
    fn remote_ids() {
        assert_eq!(
            remote_id_of("https://tus.example/files/24e533e02ec3bc40c387f1a0e460e216").as_deref(),
            Some("24e533e02ec3bc40c387f1a0e460e216")
        );
        assert_eq!(
            remote_id_of("https://tus.example/files/abc/").as_deref(),
            Some("abc")
        );
        assert_eq!(
            remote_id_of("https://tus.example/files/a%20b?x=1").as_deref(),
            Some("a b")
        );
    }

    #[test]
    fn patch_sizes() {
        const MIB: u64 = 1 << 20;
        assert_eq!(patch_end(0, 10 * MIB, None, false), 10 * MIB);
        assert_eq!(patch_end(3, 10 * MIB, Some(MIB), false), MIB + 3);
        assert_eq!(patch_end(9 * MIB + 5, 10 * MIB, Some(MIB), true), 10 * MIB);
        assert_eq!(
            patch_end(0, 1000 * MIB, None, true),
            CHECKSUM_PATCH_MAX_BYTES
        );
        assert_eq!(patch_end(0, 0, None, true), 0);
    }

    #[test]
    fn state_round_trips_and_hides_the_url_from_debug() {
        let session = TusSession {
            state: TusState {
                upload_url: Some("https://tus.example/files/secret-capability".to_string()),
                confirmed_bytes: 42,
                length_declared: true,
                expires_unix_secs: Some(1),
                capabilities: Some(Capabilities::default()),
                sent_high_water_bytes: 7,
            },
            ..TusSession::default()
        };
        let debug = format!("{session:?}");
        assert!(!debug.contains("secret-capability"), "{debug}");
        let SessionState::Tus(saved) = session.persistent_state() else {
            panic!("a tus session saves tus state");
        };
        let again = TusSession::from_state(saved).expect("state");
        assert_eq!(again.state, session.state);
        assert!(again.needs_head, "a saved upload asks HEAD first");
        assert!(matches!(
            SessionState::from_value(
                crate::protocol::WireProtocol::Tus,
                serde_json::json!({"confirmed_bytes": "x"})
            ),
            SessionState::StartAgain(_)
        ));
    }

    #[test]
    fn broken_checksummed_patches_get_shorter() {
        let mut session = TusSession {
            state: TusState {
                upload_url: Some("https://tus.example/files/x".to_string()),
                ..TusState::default()
            },
            ..TusSession::default()
        };
        session.checksummed_in_flight_bytes = Some(3 << 20);
        session.interrupted();
        assert!(session.needs_head);
        assert_eq!(session.checksummed_limit_bytes, Some(3 << 19));
        // An error that was not a broken PATCH changes nothing.
        session.interrupted();
        assert_eq!(session.checksummed_limit_bytes, Some(3 << 19));
        session.checksummed_in_flight_bytes = Some(300 * 1024);
        session.interrupted();
        assert_eq!(
            session.checksummed_limit_bytes,
            Some(CHECKSUM_PATCH_MIN_BYTES)
        );
    }

    #[test]
    fn hashes_a_range() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"xxhello worldyy").expect("write");
        // sha1("hello world") = 2aae6c35c94fcfb415dbe95f408b9ce91ee846ed
        assert_eq!(
            sha1_of_range(&path, 2, 13, &ByteCounter::new()).expect("hash"),
            "Kq5sNclPz7QV2+lfQIuc6R7oRu0="
        );
        assert!(matches!(
            sha1_of_range(&path, 10, 100, &ByteCounter::new()),
            Err(FileError::Changed { .. })
        ));
    }

    #[test]
    fn chunk_sizes() {
        assert!(validate_upload(10, Some(0)).is_err());
        assert!(validate_upload(10, Some(1)).is_ok());
        assert!(validate_upload(10, None).is_ok());
    }
}
