//! Google's resumable upload protocol (YouTube `videos.insert`, Drive `files.create`, Cloud Storage,
//! and any compatible server). Wire facts: shared/PROTOCOLS.md §1.
//!
//! State machine: no session -> initiate (POST, keep `Location`); after any interruption -> status
//! query (`PUT`, `Content-Range: bytes */N`); otherwise send the rest of the file in one streaming
//! `PUT`, or fixed chunks. A `308` `Range: bytes=0-K` says bytes `0..=K` are stored (no `Range`: none);
//! the next byte sent is always `K + 1`, whatever was sent before. `404`/`410` mean the session is
//! gone: a new one starts from byte 0.
//!
//! Secrets: the access token goes only to the origin of the initiate URL the user configured
//! (see [`SecretScope`]). The session URI is a bearer capability of its own (PROTOCOLS.md §1:
//! "use the URI exactly as given"; Cloud Storage documents that requests to it need no
//! authorisation), so a session URI on another origin is followed, without the token. A session
//! URI that would send the file over plain http (from an https endpoint, or off this computer)
//! is refused with [`ProtocolError::InsecureAddress`].
//!
//! Claims: the server's `Range` can never exceed what was sent in this session nor the file's
//! size ([`ProtocolError::ImpossibleClaim`]), and a `200`/`201` counts as completion only when
//! the last byte was sent, or, for a status query, when the answer confirms the size or a
//! checksum of the whole file ([`ProtocolError::PrematureCompletion`] otherwise).

use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};

use super::credentials::{SecretScope, authorize};
use super::http::{error_from_response, parse_url, read_text};
use super::{ProtocolError, SessionContext, SessionState, Step, UploadSession};
use crate::file::{ByteCounter, FileIdentity, RunningCrc32c, file_digests_reporting, stream_range};
pub use crate::store::session_state::GoogleState;
use crate::upload::{RemoteResult, Service};

/// YouTube's initiate URL (`videos.insert`, parts snippet and status).
pub const YOUTUBE_ENDPOINT: &str =
    "https://www.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status";
/// Google Drive's initiate URL (`files.create`).
pub const DRIVE_ENDPOINT: &str =
    "https://www.googleapis.com/upload/drive/v3/files?uploadType=resumable";
/// Cloud Storage's host.
pub const STORAGE_HOST: &str = "https://storage.googleapis.com";
/// Chunk sizes must be multiples of this (except the last chunk).
pub const CHUNK_GRANULARITY_BYTES: u64 = 256 * 1024;

/// One upload over Google's resumable protocol.
#[derive(Debug)]
pub struct GoogleSession {
    state: GoogleState,
    crc32c: Arc<Mutex<RunningCrc32c>>,
    needs_status_query: bool,
    /// The state came from the journal and no answer came since: the request in flight when
    /// Hoist stopped may have carried bytes beyond `sent_high_water_bytes`, up to
    /// [`SessionContext::journal_lag_end`].
    from_journal: bool,
    /// The origin the token may go to, worked out once (it is asked on every request).
    scope: OnceLock<SecretScope>,
}

/// Which request a `200`/`201` answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answered {
    /// A status query (`bytes */N`).
    StatusQuery,
    /// A `PUT` of bytes ending (exclusive) at this position.
    Data { end: u64 },
}

impl GoogleSession {
    /// Continues from saved state (the default state for a new upload). A saved session is always asked for
    /// its status before any byte is sent.
    pub fn from_state(state: GoogleState) -> Result<GoogleSession, ProtocolError> {
        Ok(GoogleSession {
            needs_status_query: state.session_uri.is_some(),
            from_journal: state.session_uri.is_some(),
            crc32c: Arc::new(Mutex::new(state.crc32c)),
            state,
            scope: OnceLock::new(),
        })
    }

    /// The origin the token may go to: the configured initiate URL's.
    fn scope(&self, ctx: &SessionContext) -> Result<&SecretScope, ProtocolError> {
        if let Some(scope) = self.scope.get() {
            return Ok(scope);
        }
        let (url, _) = initiate_request(&ctx.destination.service, &ctx.file)?;
        Ok(self.scope.get_or_init(|| SecretScope::new(&url)))
    }

    fn current_crc(&self) -> RunningCrc32c {
        self.crc32c.lock().map(|c| *c).unwrap_or_default()
    }

    /// Builds `request`, adds the token when it goes to the configured origin, and sends it.
    async fn send_authorized(
        &self,
        ctx: &SessionContext,
        request: reqwest::RequestBuilder,
    ) -> Result<Result<reqwest::Response, reqwest::Error>, ProtocolError> {
        let mut request = request.build().map_err(ProtocolError::from_reqwest)?;
        authorize(self.scope(ctx)?, ctx.credentials.as_ref(), &mut request).await?;
        Ok(ctx.http.execute(request).await)
    }

    /// True when the last byte may have reached the server: this process handed the whole file
    /// to the network in this session, or (fresh from the journal) the request in flight when
    /// Hoist stopped may have carried it.
    fn may_have_sent_everything(&self, ctx: &SessionContext) -> bool {
        let total = ctx.file.size_bytes;
        self.state.sent_high_water_bytes >= total
            || (self.from_journal && ctx.journal_lag_end(self.state.confirmed_bytes) >= total)
    }

    /// The most bytes that could have reached the server in this session.
    fn possibly_sent_bytes(&self, ctx: &SessionContext) -> u64 {
        let mut sent = self.state.sent_high_water_bytes;
        if self.from_journal {
            sent = sent.max(ctx.journal_lag_end(self.state.confirmed_bytes));
        }
        sent.min(ctx.file.size_bytes)
    }

    async fn initiate(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        let (url, metadata) = initiate_request(&ctx.destination.service, &ctx.file)?;
        let mut request = ctx
            .http
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json; charset=UTF-8")
            .header("X-Upload-Content-Type", media_type(&ctx.file));
        if !ctx.size_unknown {
            request = request.header("X-Upload-Content-Length", ctx.file.size_bytes);
        }
        let response = self
            .send_authorized(ctx, request.body(metadata.to_string()))
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        if !matches!(response.status(), StatusCode::OK | StatusCode::CREATED) {
            return Err(error_from_response(response).await);
        }
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ProtocolError::BadResponse {
                detail: "the server did not hand out an upload session (no Location header)"
                    .to_string(),
            })?;
        let session_uri = url.join(location).map_err(|_| ProtocolError::BadResponse {
            detail: "the upload session address the server handed out is not a valid URL"
                .to_string(),
        })?;
        let scope = SecretScope::new(&url);
        scope.check_named_address(&session_uri)?;
        if !scope.admits(&session_uri) {
            tracing::info!(
                "the upload session is on another server than the one configured; it gets no credentials"
            );
        }
        tracing::info!("started a new upload session");
        let rewound = self.state.confirmed_bytes > 0;
        self.state = GoogleState {
            session_uri: Some(session_uri.to_string()),
            crc32c: self.current_crc(),
            expires_unix_secs: Some(super::expiry_dates::google_session_expiry(
                super::expiry_dates::unix_now_secs(),
            )),
            ..GoogleState::default()
        };
        self.needs_status_query = false;
        self.from_journal = false;
        Ok(Step::Progress { rewound })
    }

    async fn status_query(
        &mut self,
        ctx: &SessionContext,
        uri: &str,
    ) -> Result<Step, ProtocolError> {
        let content_range = if ctx.size_unknown {
            "bytes */*".to_string()
        } else {
            format!("bytes */{}", ctx.file.size_bytes)
        };
        let request = ctx
            .http
            .put(uri)
            .header(CONTENT_LENGTH, 0)
            .header("Content-Range", content_range);
        let response = self
            .send_authorized(ctx, request)
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        self.handle_response(ctx, response, Answered::StatusQuery)
            .await
    }

    async fn send(&mut self, ctx: &SessionContext, uri: &str) -> Result<Step, ProtocolError> {
        let total = ctx.file.size_bytes;
        let start = self.state.confirmed_bytes.min(total);
        // Every chunk of a session but the last has the size its first one had.
        if self.state.chunk_size_bytes.is_none() {
            self.state.chunk_size_bytes = ctx.chunk_size_bytes;
        }
        let end = request_end(
            start,
            total,
            self.state.chunk_size_bytes,
            ctx.chunk_size_bytes,
        );
        let is_last = end == total;
        let content_range = match (start == end, is_last && !ctx.size_unknown, is_last) {
            (true, _, _) => format!("bytes */{total}"),
            (false, true, _) | (false, false, true) => {
                format!("bytes {start}-{}/{total}", end - 1)
            }
            (false, false, false) => format!("bytes {start}-{}/*", end - 1),
        };
        let mut options = ctx.stream_options();
        options.crc32c = Some(self.crc32c.clone());
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
        // Until a definitive answer arrives, the server's position is unknown.
        self.needs_status_query = true;
        let request = ctx
            .http
            .put(uri)
            .header(CONTENT_LENGTH, end - start)
            .header(CONTENT_TYPE, media_type(&ctx.file))
            .header("Content-Range", content_range)
            .body(body);
        let result = self.send_authorized(ctx, request).await?;
        self.note_sent(ctx);
        if let Some(failure) = options.take_failure() {
            return Err(failure.into());
        }
        let response = result.map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        self.handle_response(ctx, response, Answered::Data { end })
            .await
    }

    /// Takes note of how far the file was handed to the network (the stream counts as it goes,
    /// even in a request that was then cut or abandoned by the engine).
    fn note_sent(&mut self, ctx: &SessionContext) {
        if self.state.session_uri.is_some() {
            self.state.sent_high_water_bytes = self
                .state
                .sent_high_water_bytes
                .max(ctx.counter.sent_position_bytes());
        }
    }

    async fn handle_response(
        &mut self,
        ctx: &SessionContext,
        response: reqwest::Response,
        answered: Answered,
    ) -> Result<Step, ProtocolError> {
        match response.status().as_u16() {
            308 => {
                let stored = parse_range(response.headers())?;
                let stored = self.sanity_check_stored(stored, ctx)?;
                let rewound = stored < self.state.confirmed_bytes;
                if rewound {
                    tracing::warn!(
                        "the server kept fewer bytes than it had confirmed before ({} < {}); continuing from what it has",
                        stored,
                        self.state.confirmed_bytes
                    );
                }
                self.state.confirmed_bytes = stored;
                self.state.sent_high_water_bytes = self.state.sent_high_water_bytes.max(stored);
                self.needs_status_query = false;
                self.from_journal = false;
                ctx.counter.set_sent_position(stored);
                Ok(Step::Progress { rewound })
            }
            200 | 201 => {
                let total = ctx.file.size_bytes;
                if let Answered::Data { end } = answered {
                    // A middle chunk cannot have completed the upload, nor a request when
                    // the file's end never went out, whatever the answer says.
                    let sent = self.state.sent_high_water_bytes;
                    if end < total || sent < total {
                        return Err(ProtocolError::PrematureCompletion {
                            sent_bytes: sent.min(end),
                            total_bytes: total,
                        });
                    }
                }
                let body = read_text(response, ctx.answer_timeout).await?;
                let result = self.finish(ctx, &body, answered).await?;
                self.needs_status_query = false;
                Ok(Step::Completed(result))
            }
            404 | 410 => {
                tracing::warn!(
                    "the upload session is gone (expired or discarded); starting a new one from byte 0"
                );
                let rewound = self.state.confirmed_bytes > 0;
                self.state = GoogleState {
                    crc32c: self.current_crc(),
                    ..GoogleState::default()
                };
                self.needs_status_query = false;
                self.from_journal = false;
                ctx.counter.set_sent_position(0);
                Ok(Step::Progress { rewound })
            }
            _ => Err(error_from_response(response).await),
        }
    }

    /// The server cannot hold more than the file, nor (within a session) more than was sent:
    /// such a claim is an error, never progress. gcp-storage-emulator answers `bytes=0-0` for a
    /// session that holds nothing.
    fn sanity_check_stored(&self, stored: u64, ctx: &SessionContext) -> Result<u64, ProtocolError> {
        let total = ctx.file.size_bytes;
        if stored > total {
            return Err(ProtocolError::ImpossibleClaim {
                claimed_bytes: stored,
                limit: format!("the file has only {total}"),
            });
        }
        if stored == 1 && self.state.sent_high_water_bytes == 0 {
            return Ok(0);
        }
        let sent = self.possibly_sent_bytes(ctx);
        if stored > sent {
            return Err(ProtocolError::ImpossibleClaim {
                claimed_bytes: stored,
                limit: format!("only {sent} were sent"),
            });
        }
        Ok(stored)
    }

    /// Checks the final answer: its size and checksums against the file, and, when Hoist cannot
    /// be sure it sent the last byte (a status query), that it confirms the whole file.
    async fn finish(
        &self,
        ctx: &SessionContext,
        body: &str,
        answered: Answered,
    ) -> Result<RemoteResult, ProtocolError> {
        let response: serde_json::Value = serde_json::from_str(body)
            .unwrap_or_else(|_| serde_json::Value::String(body.to_string()));
        verify_object(&response, &ctx.file, self.current_crc(), &ctx.counter).await?;
        let total = ctx.file.size_bytes;
        if answered == Answered::StatusQuery
            && !self.may_have_sent_everything(ctx)
            && !confirms_whole_file(&response)
        {
            return Err(ProtocolError::PrematureCompletion {
                sent_bytes: self.state.sent_high_water_bytes,
                total_bytes: total,
            });
        }
        Ok(remote_result(&ctx.destination.service, response))
    }
}

#[async_trait]
impl UploadSession for GoogleSession {
    async fn step(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        // A request abandoned by the engine (a stall) still counted what it handed out.
        self.note_sent(ctx);
        let Some(uri) = self.state.session_uri.clone() else {
            return self.initiate(ctx).await;
        };
        if self.needs_status_query {
            self.status_query(ctx, &uri).await
        } else {
            self.send(ctx, &uri).await
        }
    }

    fn confirmed_bytes(&self) -> u64 {
        self.state.confirmed_bytes
    }

    fn persistent_state(&self) -> SessionState {
        let mut state = self.state.clone();
        state.crc32c = self.current_crc();
        SessionState::Google(state)
    }

    fn interrupted(&mut self) {
        self.needs_status_query = self.state.session_uri.is_some();
    }

    async fn cancel(&mut self, ctx: &SessionContext) -> Result<(), ProtocolError> {
        let Some(uri) = self.state.session_uri.take() else {
            return Ok(());
        };
        // Google answers 499 to a cancelled session; any answer means the server heard us.
        self.send_authorized(ctx, ctx.http.delete(uri))
            .await?
            .map_err(ProtocolError::from_reqwest)?;
        Ok(())
    }
}

/// Where a data `PUT` starting at `start` ends (exclusive): the session's chunk, or the rest of
/// the file. The rest also goes as one final request when it is no larger than `next_bytes`,
/// the chunk the engine would pick now (with the automatic size, what takes a few seconds at
/// the measured rate; otherwise the session's own size): only the last request of a session may
/// differ from its chunk size, so on a fast link this is how the size follows the rate.
fn request_end(
    start: u64,
    total: u64,
    session_chunk_bytes: Option<u64>,
    next_bytes: Option<u64>,
) -> u64 {
    let rest = total.saturating_sub(start);
    match session_chunk_bytes {
        Some(_) if next_bytes.is_some_and(|next| rest <= next) => total,
        Some(chunk) => start.saturating_add(chunk).min(total),
        None => total,
    }
}

/// True when a final answer vouches for the whole file: its size, or a checksum (which
/// [`verify_object`] has compared with the file).
pub(crate) fn confirms_whole_file(response: &serde_json::Value) -> bool {
    ["size", "crc32c", "md5Hash"]
        .iter()
        .any(|key| response.get(*key).is_some_and(|v| !v.is_null()))
}

/// Parses a 308's `Range` header into the number of stored bytes. Strict: absent means nothing
/// stored; anything but `bytes=0-K` (or `0-K`) is an error.
pub fn parse_range(headers: &reqwest::header::HeaderMap) -> Result<u64, ProtocolError> {
    let Some(value) = headers.get(reqwest::header::RANGE) else {
        return Ok(0);
    };
    let bad = || ProtocolError::BadResponse {
        detail: format!("unexpected Range header {value:?}"),
    };
    let text = value.to_str().map_err(|_| bad())?.trim();
    let text = text.strip_prefix("bytes=").unwrap_or(text);
    let (first, last) = text.split_once('-').ok_or_else(bad)?;
    if first.trim() != "0" {
        return Err(bad());
    }
    let last: u64 = last.trim().parse().map_err(|_| bad())?;
    last.checked_add(1).ok_or_else(bad)
}

/// The media type sent as `X-Upload-Content-Type` / `Content-Type`, guessed from the extension.
pub fn media_type(file: &FileIdentity) -> String {
    mime_guess::from_path(&file.path)
        .first_or_octet_stream()
        .essence_str()
        .to_string()
}

/// Everything but RFC 3986's unreserved characters is escaped.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn encode_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, COMPONENT).to_string()
}

fn file_stem(file: &FileIdentity) -> String {
    file.path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.file_name())
}

/// A YouTube title: at most 100 characters, without `<` or `>` (which YouTube rejects).
fn youtube_title(title: Option<&str>, file: &FileIdentity) -> String {
    let raw = match title {
        Some(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => file_stem(file),
    };
    let cleaned: String = raw
        .chars()
        .filter(|c| *c != '<' && *c != '>')
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "Untitled".to_string()
    } else {
        cleaned
    }
}

/// Checks a chunk size asked for: Google wants multiples of 256 KiB.
pub fn validate_chunk_size(chunk_size_bytes: Option<u64>) -> Result<(), ProtocolError> {
    match chunk_size_bytes {
        Some(chunk) if chunk == 0 || chunk % CHUNK_GRANULARITY_BYTES != 0 => {
            Err(ProtocolError::InvalidDestination {
                detail: format!(
                    "the chunk size must be a multiple of 256 KiB (262144 bytes); {chunk} is not"
                ),
            })
        }
        _ => Ok(()),
    }
}

/// Checks a Google-family destination without contacting anyone.
pub fn validate(service: &Service) -> Result<(), ProtocolError> {
    match service {
        Service::GoogleResumable { initiate_url } => {
            parse_url(&initiate_url.replace("{name}", "x")).map(|_| ())
        }
        Service::YouTube { endpoint, .. } | Service::Drive { endpoint, .. } => {
            parse_url(endpoint).map(|_| ())
        }
        Service::CloudStorage { bucket, host, .. } => {
            let valid_bucket = (3..=222).contains(&bucket.len())
                && bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
            if !valid_bucket {
                return Err(ProtocolError::InvalidDestination {
                    detail: format!(
                        "'{bucket}' is not a valid bucket name (3-222 lowercase letters, digits, '-', '_' or '.')"
                    ),
                });
            }
            parse_url(host).map(|_| ())
        }
        other => Err(not_google(other)),
    }
}

fn not_google(service: &Service) -> ProtocolError {
    ProtocolError::InvalidDestination {
        detail: format!(
            "{} does not speak Google's resumable protocol",
            service.label()
        ),
    }
}

/// The initiate URL and the metadata JSON for a destination.
fn initiate_request(
    service: &Service,
    file: &FileIdentity,
) -> Result<(url::Url, serde_json::Value), ProtocolError> {
    let name = file.file_name();
    Ok(match service {
        Service::GoogleResumable { initiate_url } => (
            parse_url(&initiate_url.replace("{name}", &encode_component(&name)))?,
            serde_json::json!({ "name": name }),
        ),
        Service::YouTube {
            title,
            description,
            tags,
            privacy,
            category_id,
            endpoint,
        } => (
            parse_url(endpoint)?,
            serde_json::json!({
                "snippet": {
                    "title": youtube_title(title.as_deref(), file),
                    "description": description,
                    "tags": tags,
                    "categoryId": category_id,
                },
                "status": { "privacyStatus": privacy.as_str() },
            }),
        ),
        Service::Drive {
            folder_id,
            endpoint,
        } => {
            let mut metadata = serde_json::json!({ "name": name });
            if let Some(folder) = folder_id {
                metadata["parents"] = serde_json::json!([folder]);
            }
            (parse_url(endpoint)?, metadata)
        }
        Service::CloudStorage {
            bucket,
            object_prefix,
            host,
        } => {
            let object = format!("{object_prefix}{name}");
            let url = format!(
                "{}/upload/storage/v1/b/{}/o?uploadType=resumable&name={}",
                host.trim_end_matches('/'),
                encode_component(bucket),
                encode_component(&object)
            );
            (parse_url(&url)?, serde_json::json!({ "name": object }))
        }
        other => return Err(not_google(other)),
    })
}

/// Checks the created object against the file: size, then CRC32C (preferred, as Google's own
/// clients do) or MD5, whichever the server returned. A mismatch is an error, never a success.
async fn verify_object(
    response: &serde_json::Value,
    file: &FileIdentity,
    crc: RunningCrc32c,
    counter: &ByteCounter,
) -> Result<(), ProtocolError> {
    let size = response.get("size").and_then(|s| {
        s.as_str()
            .map(str::to_string)
            .or(s.as_u64().map(|n| n.to_string()))
    });
    if let Some(size) = size
        && size != file.size_bytes.to_string()
    {
        return Err(ProtocolError::ChecksumMismatch {
            algorithm: "size",
            server: size,
            local: file.size_bytes.to_string(),
        });
    }
    let server_crc = response.get("crc32c").and_then(|v| v.as_str());
    let server_md5 = response.get("md5Hash").and_then(|v| v.as_str());
    if server_crc.is_none() && server_md5.is_none() {
        return Ok(());
    }
    let local_crc = (crc.upto_bytes == file.size_bytes).then(|| crc.to_base64());
    let (algorithm, server, local) = match (server_crc, local_crc) {
        (Some(server), Some(local)) => ("crc32c", server, local),
        (server_crc, _) => {
            let path = file.path.clone();
            // The file is read again (the running CRC does not cover it all, after a resume);
            // each block read counts as activity, so the stall timer waits for a long read.
            let counter = counter.clone();
            let digests = tokio::task::spawn_blocking(move || {
                file_digests_reporting(&path, &mut |_| counter.touch())
            })
            .await
            .map_err(|e| ProtocolError::BadState {
                detail: e.to_string(),
            })??;
            match (server_crc, server_md5) {
                (Some(server), _) => ("crc32c", server, digests.crc32c_base64),
                (None, Some(server)) => ("md5", server, digests.md5_base64),
                (None, None) => return Ok(()),
            }
        }
    };
    if server != local {
        return Err(ProtocolError::ChecksumMismatch {
            algorithm,
            server: server.to_string(),
            local,
        });
    }
    Ok(())
}

pub(crate) fn remote_result(service: &Service, response: serde_json::Value) -> RemoteResult {
    let text = |key: &str| {
        response
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let id = text("id");
    let (remote_id, url) = match service {
        Service::YouTube { .. } => (
            id.clone(),
            id.map(|id| format!("https://www.youtube.com/watch?v={id}")),
        ),
        Service::Drive { .. } => (
            id.clone(),
            id.map(|id| format!("https://drive.google.com/file/d/{id}/view")),
        ),
        _ => (
            text("name").or(id),
            text("mediaLink").or_else(|| text("selfLink")),
        ),
    };
    RemoteResult {
        remote_id,
        url,
        response,
    }
}

#[cfg(test)]
#[path = "google_proptests.rs"]
mod google_proptests;

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RANGE};

    fn range(value: &str) -> Result<u64, ProtocolError> {
        let mut h = HeaderMap::new();
        h.insert(RANGE, HeaderValue::from_str(value).expect("header"));
        parse_range(&h)
    }

    #[test]
    fn parses_range_strictly() {
        assert_eq!(parse_range(&HeaderMap::new()).expect("absent"), 0);
        assert_eq!(range("bytes=0-999999").expect("range"), 1_000_000);
        assert_eq!(range("0-262143").expect("range"), 262_144);
        assert!(range("bytes=5-10").is_err());
        assert!(range("bytes=0-").is_err());
        assert!(range("garbage").is_err());
    }

    #[test]
    fn only_a_size_or_checksum_vouches_for_the_whole_file() {
        assert!(!confirms_whole_file(&serde_json::json!({})));
        assert!(!confirms_whole_file(
            &serde_json::json!({"id": "x", "kind": "drive#file"})
        ));
        assert!(!confirms_whole_file(&serde_json::json!("not json")));
        assert!(!confirms_whole_file(&serde_json::json!({"size": null})));
        assert!(confirms_whole_file(&serde_json::json!({"size": "10"})));
        assert!(confirms_whole_file(
            &serde_json::json!({"crc32c": "yZRlqg=="})
        ));
        assert!(confirms_whole_file(
            &serde_json::json!({"md5Hash": "XrY7u+Ae7tCTyyK7j1rNww=="})
        ));
    }

    #[test]
    fn request_ends() {
        assert_eq!(request_end(0, 1000, None, None), 1000);
        assert_eq!(request_end(0, 1000, Some(256), Some(256)), 256);
        assert_eq!(request_end(768, 1000, Some(256), Some(256)), 1000);
        assert_eq!(request_end(1000, 1000, Some(256), Some(256)), 1000);
        assert_eq!(
            request_end(u64::MAX - 1, u64::MAX, Some(256), Some(256)),
            u64::MAX
        );
        // The automatic size grew past the rest of the file: one final request.
        assert_eq!(request_end(256, 1000, Some(256), Some(768)), 1000);
        assert_eq!(request_end(256, 1000, Some(256), Some(1024)), 1000);
        // Not yet: the session's size.
        assert_eq!(request_end(0, 1000, Some(256), Some(768)), 256);
    }

    #[test]
    fn titles_are_cleaned() {
        let file = FileIdentity {
            path: "/videos/My <best> holiday.mp4".into(),
            size_bytes: 1,
            modified_unix_nanos: 0,
            sample_sha256: String::new(),
        };
        assert_eq!(youtube_title(None, &file), "My best holiday");
        assert_eq!(youtube_title(Some(&"x".repeat(150)), &file).len(), 100);
    }

    /// Reading a big file again to check the server's copy is activity: the upload's stall timer
    /// (which watches the counter) must not take it for a silent server and start over.
    #[tokio::test]
    async fn reading_the_file_again_to_check_it_keeps_the_upload_alive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big.bin");
        let data: Vec<u8> = (0..(6 << 20)).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &data).expect("write");
        let file = FileIdentity::read(&path).expect("identity");
        let digests = crate::file::file_digests(&path).expect("digests");
        let answer = serde_json::json!({"crc32c": digests.crc32c_base64});
        let counter = ByteCounter::new();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(counter.idle_for() >= std::time::Duration::from_millis(300));
        verify_object(&answer, &file, RunningCrc32c::default(), &counter)
            .await
            .expect("matches");
        assert!(
            counter.idle_for() < std::time::Duration::from_millis(250),
            "{:?}",
            counter.idle_for()
        );
    }

    #[tokio::test]
    async fn a_checksum_mismatch_is_an_error_never_a_success() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.bin");
        std::fs::write(&path, b"hello world").expect("write");
        let file = FileIdentity::read(&path).expect("identity");
        let mut crc = RunningCrc32c::default();
        crc.feed(0, b"hello world");
        let good = serde_json::json!({"size": "11", "crc32c": "yZRlqg==", "md5Hash": "XrY7u+Ae7tCTyyK7j1rNww=="});
        verify_object(&good, &file, crc, &ByteCounter::new())
            .await
            .expect("matches");
        // The inline CRC does not cover the file (e.g. after a relaunch): the file is re-read.
        verify_object(&good, &file, RunningCrc32c::default(), &ByteCounter::new())
            .await
            .expect("matches");
        let md5_only = serde_json::json!({"md5Hash": "XrY7u+Ae7tCTyyK7j1rNww=="});
        verify_object(&md5_only, &file, crc, &ByteCounter::new())
            .await
            .expect("md5 matches");
        for bad in [
            serde_json::json!({"crc32c": "AAAAAA=="}),
            serde_json::json!({"md5Hash": "AAAAAAAAAAAAAAAAAAAAAA=="}),
            serde_json::json!({"size": "12"}),
        ] {
            let err = verify_object(&bad, &file, crc, &ByteCounter::new())
                .await
                .expect_err("mismatch");
            assert!(
                matches!(err, ProtocolError::ChecksumMismatch { .. }),
                "{err}"
            );
            assert!(err.to_string().contains("differs from your file"), "{err}");
            assert_eq!(err.retry_class(), crate::protocol::RetryClass::Fatal);
        }
    }

    #[test]
    fn refuses_plain_http_off_loopback() {
        assert!(parse_url("http://127.0.0.1:9/upload").is_ok());
        assert!(parse_url("http://localhost/upload").is_ok());
        assert!(parse_url("https://example.com/upload").is_ok());
        assert!(parse_url("http://example.com/upload").is_err());
        assert!(parse_url("ftp://example.com/").is_err());
        assert!(parse_url("not a url").is_err());
    }

    #[test]
    fn cloud_storage_initiate_url_encodes_names() {
        let file = FileIdentity {
            path: "/v/a b#c.mp4".into(),
            size_bytes: 1,
            modified_unix_nanos: 0,
            sample_sha256: String::new(),
        };
        let service = Service::CloudStorage {
            bucket: "my-bucket".into(),
            object_prefix: "clips/".into(),
            host: "http://127.0.0.1:9023".into(),
        };
        let (url, metadata) = initiate_request(&service, &file).expect("request");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9023/upload/storage/v1/b/my-bucket/o?uploadType=resumable&name=clips%2Fa%20b%23c.mp4"
        );
        assert_eq!(metadata["name"], "clips/a b#c.mp4");
    }
}
