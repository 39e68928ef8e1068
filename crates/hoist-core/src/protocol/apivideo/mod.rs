//! api.video chunked upload (shared/PROTOCOLS.md §2).
//!
//! API-key mode: create the video container (`POST /videos`; its `videoId` is saved before any
//! byte is sent), then send the file in parts (`POST /videos/{videoId}/source`, multipart field
//! `file`, `Content-Range: part N/M`), each streamed from disk. Delegated mode (an upload token):
//! `POST /upload?token=T`, where the first part's answer creates the video and later parts name
//! it in a `videoId` field.
//!
//! Every part's answer (< 400, JSON with `videoId`) acknowledges that part; the count of
//! acknowledged parts is the persistent progress. There is no status query, so after a failure or
//! a relaunch the first unacknowledged part is sent again (at most one part is ever re-sent).
//! A 400 `video-source-already-uploaded` means every part is on the server (the last answer was
//! lost). Afterwards, in API-key mode, the video status is polled (`Step::Processing`) until the
//! video plays; in delegated mode the upload completes with the last part's answer, since an
//! upload token cannot read the status.
//!
//! Secrets: the API key, its tokens and an upload token go only to the configured host (see the
//! `auth` module); api.video's answers name no address Hoist sends to (a `videoId` is checked to
//! be a plain id before it goes into a path), and redirects are never followed.
//!
//! Claims: a part counts only when its answer names the video; a `video-source-already-uploaded`
//! refusal counts as "every part arrived" only in answer to the last part (the earlier parts
//! were all acknowledged); the finished video must carry the id of the video uploaded.
//!
//! Chunk sizes are 5 to 128 MiB except the last ([`wire::DEFAULT_CHUNK_BYTES`] when none is
//! asked for). The 5 MiB minimum is not enforced for a server on this computer, so a compatible
//! test server can take small chunks.

mod auth;
pub(crate) mod wire;

use async_trait::async_trait;
use reqwest::header::CONTENT_TYPE;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use super::credentials::SecretScope;
use super::http::{is_loopback, parse_url, read_error_body};
use super::{ProtocolError, SessionContext, SessionState, Step, UploadSession};
use crate::file::stream_range;
pub use crate::store::session_state::ApiVideoState;
use crate::upload::{ApiVideoAccess, Service};

pub use wire::{DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, MIN_CHUNK_BYTES};

/// api.video's production host.
pub const API_VIDEO_HOST: &str = "https://ws.api.video";
/// api.video's sandbox host.
pub const API_VIDEO_SANDBOX_HOST: &str = "https://sandbox.api.video";

/// One upload to api.video.
#[derive(Debug)]
pub struct ApiVideoSession {
    state: ApiVideoState,
    tokens: auth::Tokens,
}

/// The destination's api.video settings.
struct Settings<'a> {
    host: &'a str,
    access: ApiVideoAccess,
    title: Option<&'a str>,
    description: &'a str,
    tags: &'a [String],
    public: bool,
}

fn settings(service: &Service) -> Result<Settings<'_>, ProtocolError> {
    match service {
        Service::ApiVideo {
            host,
            access,
            title,
            description,
            tags,
            public,
        } => Ok(Settings {
            host: host.trim_end_matches('/'),
            access: *access,
            title: title.as_deref(),
            description,
            tags,
            public: *public,
        }),
        _ => Err(ProtocolError::InvalidDestination {
            detail: "not an api.video destination".to_string(),
        }),
    }
}

impl ApiVideoSession {
    /// Continues from saved state (the default state for a new upload).
    pub fn from_state(state: ApiVideoState) -> Result<ApiVideoSession, ProtocolError> {
        Ok(ApiVideoSession {
            state,
            tokens: auth::Tokens::default(),
        })
    }

    fn chunk_bytes(&mut self, ctx: &SessionContext) -> u64 {
        if self.state.chunk_size_bytes == 0 {
            self.state.chunk_size_bytes = ctx
                .chunk_size_bytes
                .filter(|c| *c > 0)
                .unwrap_or(DEFAULT_CHUNK_BYTES);
        }
        self.state.chunk_size_bytes
    }

    /// Sends `request` with API-key credentials; a 401 marks the token for renewal.
    async fn send_authorized(
        &mut self,
        ctx: &SessionContext,
        host: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ProtocolError> {
        let mut request = request.build().map_err(ProtocolError::from_reqwest)?;
        self.tokens.authorize(ctx, host, &mut request).await?;
        let response = ctx
            .http
            .execute(request)
            .await
            .map_err(ProtocolError::from_reqwest)?;
        ctx.counter.touch();
        if response.status().as_u16() == 401 {
            self.tokens.mark_rejected();
        }
        Ok(response)
    }

    /// `POST /videos`: creates the container; its id is saved before any byte is sent.
    async fn create_video(
        &mut self,
        ctx: &SessionContext,
        s: &Settings<'_>,
    ) -> Result<Step, ProtocolError> {
        let title = match s.title.map(str::trim).filter(|t| !t.is_empty()) {
            Some(title) => title.to_string(),
            None => file_stem(ctx),
        };
        let body = serde_json::json!({
            "title": title,
            "description": s.description,
            "tags": s.tags,
            "public": s.public,
        });
        let url = parse_url(&format!("{}/videos", s.host))?;
        let request = ctx
            .http
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        let response = self.send_authorized(ctx, s.host, request).await?;
        if !response.status().is_success() {
            return Err(api_error(response).await.0);
        }
        let video = read_json(ctx, response).await?;
        let id = wire::video_id(&video)?;
        tracing::info!(video = %id, "api.video video container created");
        self.state.video_id = Some(id);
        Ok(Step::Progress { rewound: false })
    }

    /// Sends the first unacknowledged part.
    async fn send_part(
        &mut self,
        ctx: &SessionContext,
        s: &Settings<'_>,
    ) -> Result<Step, ProtocolError> {
        let size = ctx.file.size_bytes;
        let chunk = self.chunk_bytes(ctx);
        let parts = wire::part_count(size, chunk);
        let part = self.state.acknowledged_parts + 1;
        let (start, len) = wire::part_range(part, size, chunk);
        let options = ctx.stream_options();
        ctx.counter.set_sent_position(start);
        let stream = stream_range(ctx.file.path.clone(), start, len, options.clone());
        let file_part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), len)
            .file_name(ctx.file.file_name());
        let mut form = Form::new();
        let request = match s.access {
            ApiVideoAccess::ApiKey => {
                let Some(id) = self.state.video_id.clone() else {
                    return Err(ProtocolError::BadState {
                        detail: "no video to upload to".to_string(),
                    });
                };
                let url = parse_url(&format!("{}/videos/{}/source", s.host, id))?;
                ctx.http.post(url)
            }
            ApiVideoAccess::UploadToken => {
                if let Some(id) = &self.state.video_id {
                    form = form.text("videoId", id.clone());
                }
                let token = auth::api_key(ctx).await?;
                let mut url = parse_url(&format!("{}/upload", s.host))?;
                // The token is in the address: only ever to the configured host.
                SecretScope::new(&parse_url(s.host)?).require(&url)?;
                url.query_pairs_mut().append_pair("token", &token);
                ctx.http.post(url)
            }
        };
        let request = request
            .header(
                "Content-Range",
                wire::content_range(part, parts, ctx.size_unknown),
            )
            .multipart(form.part("file", file_part));
        let result = match s.access {
            ApiVideoAccess::ApiKey => self.send_authorized(ctx, s.host, request).await,
            ApiVideoAccess::UploadToken => {
                let sent = request.send().await.map_err(ProtocolError::from_reqwest);
                ctx.counter.touch();
                sent
            }
        };
        if let Some(failure) = options.take_failure() {
            return Err(failure.into());
        }
        let response = result?;
        if !response.status().is_success() {
            let (error, problem) = api_error(response).await;
            if problem.is_some_and(|p| p.is_source_already_uploaded()) {
                if part < parts {
                    // Parts from this one on were never acknowledged: the server cannot have
                    // the whole source.
                    return Err(ProtocolError::PrematureCompletion {
                        sent_bytes: start,
                        total_bytes: size,
                    });
                }
                tracing::info!("api.video already has the whole source (its last answer was lost)");
                return Ok(self.all_parts_acknowledged(size, None));
            }
            return Err(error);
        }
        let answer = read_json(ctx, response).await?;
        let id = wire::video_id(&answer)?;
        match &self.state.video_id {
            Some(known) if *known != id => {
                return Err(ProtocolError::BadResponse {
                    detail: format!("a part for video {known} was acknowledged for video {id}"),
                });
            }
            Some(_) => {}
            None => self.state.video_id = Some(id),
        }
        if part >= parts {
            return Ok(self.all_parts_acknowledged(size, Some(answer)));
        }
        self.state.acknowledged_parts = part;
        ctx.counter.set_sent_position(start + len);
        Ok(Step::Progress { rewound: false })
    }

    fn all_parts_acknowledged(&mut self, size: u64, video: Option<Value>) -> Step {
        let chunk = self.state.chunk_size_bytes.max(1);
        self.state.acknowledged_parts = wire::part_count(size, chunk);
        self.state.source_uploaded = true;
        if video.is_some() {
            self.state.video = video;
        }
        Step::Progress { rewound: false }
    }

    /// After the source: asks how the encoding goes; the full Video once it plays.
    async fn poll(
        &mut self,
        ctx: &SessionContext,
        s: &Settings<'_>,
    ) -> Result<Step, ProtocolError> {
        let Some(id) = self.state.video_id.clone() else {
            return Err(ProtocolError::BadState {
                detail: "the source is uploaded but the video id is missing".to_string(),
            });
        };
        if s.access == ApiVideoAccess::UploadToken {
            // An upload token cannot read the video: the last part's answer is the result.
            let video = self
                .state
                .video
                .clone()
                .unwrap_or_else(|| serde_json::json!({ "videoId": id }));
            return Ok(Step::Completed(wire::remote_result(video)));
        }
        let url = parse_url(&format!("{}/videos/{}/status", s.host, id))?;
        let response = self.send_authorized(ctx, s.host, ctx.http.get(url)).await?;
        if !response.status().is_success() {
            return Err(api_error(response).await.0);
        }
        match wire::parse_status(&read_json(ctx, response).await?)? {
            wire::Encoding::Working(detail) => {
                tracing::debug!(video = %id, "api.video is processing: {detail}");
                Ok(Step::Processing)
            }
            wire::Encoding::Failed(detail) => Err(ProtocolError::ProcessingFailed { detail }),
            wire::Encoding::Playable => {
                let url = parse_url(&format!("{}/videos/{}", s.host, id))?;
                let response = self.send_authorized(ctx, s.host, ctx.http.get(url)).await?;
                if !response.status().is_success() {
                    return Err(api_error(response).await.0);
                }
                let video = read_json(ctx, response).await?;
                if wire::video_id(&video)? != id {
                    return Err(ProtocolError::BadResponse {
                        detail: format!("the finished video is not video {id}"),
                    });
                }
                tracing::info!(video = %id, "api.video video is playable");
                Ok(Step::Completed(wire::remote_result(video)))
            }
        }
    }
}

#[async_trait]
impl UploadSession for ApiVideoSession {
    async fn step(&mut self, ctx: &SessionContext) -> Result<Step, ProtocolError> {
        let s = settings(&ctx.destination.service)?;
        self.state.size_bytes = ctx.file.size_bytes;
        if self.state.source_uploaded {
            return self.poll(ctx, &s).await;
        }
        if s.access == ApiVideoAccess::ApiKey && self.state.video_id.is_none() {
            return self.create_video(ctx, &s).await;
        }
        self.send_part(ctx, &s).await
    }

    fn confirmed_bytes(&self) -> u64 {
        if self.state.source_uploaded {
            return self.state.size_bytes;
        }
        wire::confirmed_after(
            self.state.acknowledged_parts,
            self.state.size_bytes,
            self.state.chunk_size_bytes,
        )
    }

    fn persistent_state(&self) -> SessionState {
        SessionState::ApiVideo(self.state.clone())
    }

    fn interrupted(&mut self) {
        // No status query exists: the next step re-sends the first unacknowledged part.
    }

    async fn cancel(&mut self, ctx: &SessionContext) -> Result<(), ProtocolError> {
        let s = settings(&ctx.destination.service)?;
        let Some(id) = self.state.video_id.take() else {
            return Ok(());
        };
        if s.access == ApiVideoAccess::UploadToken {
            return Ok(());
        }
        let url = parse_url(&format!("{}/videos/{}", s.host, id))?;
        self.send_authorized(ctx, s.host, ctx.http.delete(url))
            .await?;
        Ok(())
    }
}

/// Checks an api.video destination without contacting anyone.
pub fn validate(service: &Service) -> Result<(), ProtocolError> {
    let s = settings(service)?;
    parse_url(s.host)?;
    Ok(())
}

/// The smallest part `service` takes (but for the last): [`MIN_CHUNK_BYTES`], or 1 byte for a
/// server on this computer (a compatible test server may take small chunks).
pub(crate) fn smallest_chunk_bytes(service: &Service) -> u64 {
    settings(service)
        .ok()
        .and_then(|s| parse_url(s.host).ok())
        .map_or(MIN_CHUNK_BYTES, |url| smallest_for(&url))
}

fn smallest_for(url: &url::Url) -> u64 {
    if is_loopback(url) { 1 } else { MIN_CHUNK_BYTES }
}

/// Checks a file and chunk size before queueing: chunks of 5 to 128 MiB (any size from 1 byte
/// for a server on this computer, whose minimum may be lowered for tests).
pub fn validate_upload(
    service: &Service,
    size_bytes: u64,
    chunk_size_bytes: Option<u64>,
) -> Result<(), ProtocolError> {
    let _ = size_bytes;
    let s = settings(service)?;
    let url = parse_url(s.host)?;
    let Some(chunk) = chunk_size_bytes else {
        return Ok(());
    };
    if chunk < smallest_for(&url) || chunk > MAX_CHUNK_BYTES {
        return Err(ProtocolError::InvalidDestination {
            detail: format!(
                "api.video takes chunks of 5 MiB to 128 MiB (5242880 to 134217728 bytes); {chunk} is not"
            ),
        });
    }
    Ok(())
}

/// Turns an error answer into a [`ProtocolError`] (401: the token was refused; 429 with the
/// rate-limit wait), with the problem details when the body had them.
async fn api_error(response: reqwest::Response) -> (ProtocolError, Option<wire::Problem>) {
    let status = response.status().as_u16();
    let retry_after = wire::retry_after(response.headers());
    let body = read_error_body(response).await;
    let problem = wire::Problem::parse(&body);
    let message = problem.message.clone();
    let error = if status == 401 {
        ProtocolError::Unauthorized { message }
    } else {
        ProtocolError::Status {
            status,
            message,
            retry_after,
        }
    };
    (error, Some(problem))
}

/// An answer's JSON, read through the bounded reader.
async fn read_json(
    ctx: &SessionContext,
    response: reqwest::Response,
) -> Result<Value, ProtocolError> {
    let body =
        super::http::read_body(response, super::http::MAX_ANSWER_BYTES, ctx.answer_timeout).await?;
    serde_json::from_slice(&body).map_err(|_| ProtocolError::BadResponse {
        detail: "the answer is not JSON".to_string(),
    })
}

/// The file name without its extension: the default video title.
fn file_stem(ctx: &SessionContext) -> String {
    ctx.file
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| ctx.file.file_name())
}
