//! The control API of PROTOCOLS.md §3: requests, answers and the calls that make them. Every call
//! goes to the configured base URL and carries `x-api-key`, put on through
//! [`attach_secrets`] (so never on a request to another origin); presigned chunk URLs never carry
//! it (see the session module). Answers are read through the bounded reader.

use std::collections::BTreeMap;

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderName};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::super::ProtocolError;
use super::super::credentials::{SecretScope, attach_secrets, secret_value};
use super::super::http::{error_from_response, parse_url, read_json};

/// The header that carries the API key.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// Most presigned URLs one request may ask for.
pub(crate) const MAX_URLS_PER_REQUEST: u64 = 50;
/// Page size used for status and listing (the service's maximum).
pub(crate) const PAGE_LIMIT: u64 = 50;
/// Most pages read in one listing (a server that never returns an empty page must not loop).
const MAX_PAGES: u64 = 10_000;

/// One presigned URL as the service hands it out.
#[derive(Clone, Deserialize)]
pub(crate) struct UrlEntry {
    pub chunk_index: u64,
    pub url: String,
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// The answer to create.
#[derive(Deserialize)]
pub(crate) struct Created {
    pub upload_id: String,
    #[serde(default)]
    pub asset_id: Option<String>,
    #[serde(default)]
    pub upload_urls: Vec<UrlEntry>,
    #[serde(default)]
    pub upload_headers: Option<BTreeMap<String, String>>,
    pub chunk_size: u64,
    pub total_chunks: u64,
    /// When the session expires (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// The answer to a fresh-URLs request.
#[derive(Deserialize)]
pub(crate) struct FreshUrls {
    #[serde(default)]
    pub upload_urls: Vec<UrlEntry>,
}

/// One chunk reported as uploaded.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CompletedChunk {
    pub chunk_index: u64,
    pub proof: String,
    pub proof_type: &'static str,
    pub chunk_size: u64,
}

/// The answer to a report.
#[derive(Debug, Deserialize)]
pub(crate) struct Reported {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub asset_id: Option<String>,
    #[serde(default)]
    pub total_completed: Option<u64>,
}

/// One chunk in a status page.
#[derive(Debug, Deserialize)]
pub(crate) struct ChunkInfo {
    pub index: u64,
    pub status: String,
}

/// One page of status.
#[derive(Debug, Deserialize)]
pub(crate) struct StatusPage {
    pub status: String,
    #[serde(default)]
    pub uploaded_chunks: Vec<ChunkInfo>,
}

/// An unfinished upload session the service knows about (`GET /assets/multipart-uploads`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteSession {
    /// The session's id (useless without the API key).
    pub upload_id: String,
    /// `active`, `completed`, `failed` or `expired`.
    #[serde(default)]
    pub status: String,
    /// The file's size.
    #[serde(default)]
    pub total_size: u64,
    /// The chunk size the service chose.
    #[serde(default)]
    pub chunk_size: u64,
    /// How many chunks the file was split into.
    #[serde(default)]
    pub total_chunks: u64,
    /// When the session was created (RFC 3339).
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it expires (RFC 3339).
    #[serde(default)]
    pub expires_at: Option<String>,
}

#[derive(Deserialize)]
struct IncompletePage {
    #[serde(default)]
    data: Vec<RemoteSession>,
}

/// The control API at one base URL, with one key.
pub(crate) struct Api<'a> {
    http: &'a reqwest::Client,
    base: String,
    scope: SecretScope,
    key: Option<String>,
    answer_timeout: Duration,
}

/// What a status request found.
pub(crate) enum Status {
    /// The session exists: its state and the chunks the service holds as completed.
    Found { status: String, completed: Vec<u64> },
    /// 404: the service does not know the session (any more).
    Gone,
}

impl<'a> Api<'a> {
    /// The API at `base_url`, authenticated with `key` when given; reading an answer may take
    /// `answer_timeout` at most.
    pub fn new(
        http: &'a reqwest::Client,
        base_url: &str,
        key: Option<String>,
        answer_timeout: Duration,
    ) -> Result<Api<'a>, ProtocolError> {
        let url = parse_url(base_url)?;
        Ok(Api {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            scope: SecretScope::new(&url),
            key,
            answer_timeout,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/assets/multipart-uploads{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, ProtocolError> {
        let mut request = request.build().map_err(ProtocolError::from_reqwest)?;
        let secrets = match &self.key {
            Some(key) => vec![(HeaderName::from_static(API_KEY_HEADER), secret_value(key)?)],
            None => Vec::new(),
        };
        if !attach_secrets(&self.scope, &mut request, secrets)? {
            // Every call is built from the base URL: this cannot happen, and must not quietly.
            return Err(ProtocolError::ForeignOrigin {
                address: super::super::credentials::origin_text(request.url()),
            });
        }
        let response = self
            .http
            .execute(request)
            .await
            .map_err(ProtocolError::from_reqwest)?;
        if !response.status().is_success() {
            return Err(error_from_response(response).await);
        }
        read_json(response, self.answer_timeout, what).await
    }

    /// `POST /assets/multipart-uploads`.
    pub async fn create(
        &self,
        filename: &str,
        asset_type: &str,
        total_size: u64,
    ) -> Result<Created, ProtocolError> {
        let body = serde_json::json!({
            "filename": filename,
            "type": asset_type,
            "total_size": total_size,
        });
        let request = self
            .http
            .post(self.url(""))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(request, "creating the upload").await
    }

    /// `POST /assets/multipart-uploads/{id}/presigned-urls`.
    pub async fn fresh_urls(
        &self,
        upload_id: &str,
        start: u64,
        count: u64,
    ) -> Result<FreshUrls, ProtocolError> {
        let body = serde_json::json!({ "start": start, "count": count.min(MAX_URLS_PER_REQUEST) });
        let request = self
            .http
            .post(self.url(&format!("/{}/presigned-urls", encode(upload_id))))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(request, "asking for upload URLs").await
    }

    /// `POST /assets/multipart-uploads/{id}` with completed chunks.
    pub async fn report(
        &self,
        upload_id: &str,
        chunks: &[CompletedChunk],
    ) -> Result<Reported, ProtocolError> {
        let body = serde_json::json!({ "completed_chunks": chunks });
        let request = self
            .http
            .post(self.url(&format!("/{}", encode(upload_id))))
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(request, "reporting chunks").await
    }

    /// `GET /assets/multipart-uploads/{id}?page=&page_limit=`, every page until an empty one
    /// (or only the first when `all_pages` is false).
    pub async fn status(&self, upload_id: &str, all_pages: bool) -> Result<Status, ProtocolError> {
        let mut completed = Vec::new();
        let mut status = String::new();
        for page in 1..=MAX_PAGES {
            let request = self
                .http
                .get(self.url(&format!("/{}", encode(upload_id))))
                .query(&[("page", page), ("page_limit", PAGE_LIMIT)]);
            let answer: StatusPage = match self.send(request, "the status question").await {
                Ok(answer) => answer,
                Err(ProtocolError::Status { status: 404, .. }) if page == 1 => {
                    return Ok(Status::Gone);
                }
                Err(e) => return Err(e),
            };
            status = answer.status;
            let empty = answer.uploaded_chunks.is_empty();
            completed.extend(
                answer
                    .uploaded_chunks
                    .into_iter()
                    .filter(|c| c.status == "completed")
                    .map(|c| c.index),
            );
            if empty || !all_pages {
                break;
            }
        }
        Ok(Status::Found { status, completed })
    }

    /// `GET /assets/multipart-uploads?page=&page_limit=`, every page until an empty one.
    pub async fn incomplete(&self) -> Result<Vec<RemoteSession>, ProtocolError> {
        let mut sessions = Vec::new();
        for page in 1..=MAX_PAGES {
            let request = self
                .http
                .get(self.url(""))
                .query(&[("page", page), ("page_limit", PAGE_LIMIT)]);
            let answer: IncompletePage = self.send(request, "listing unfinished uploads").await?;
            if answer.data.is_empty() {
                break;
            }
            sessions.extend(answer.data);
        }
        Ok(sessions)
    }
}

/// Percent-encodes an id for a path segment.
fn encode(id: &str) -> String {
    percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
#[path = "api_proptests.rs"]
mod api_proptests;
