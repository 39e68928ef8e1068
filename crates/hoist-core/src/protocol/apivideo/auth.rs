//! api.video authentication in API-key mode: the key is exchanged for a short-lived access token
//! (`POST /auth/api-key`), renewed with the refresh token (`POST /auth/refresh`) ahead of expiry
//! and once after a refusal, and exchanged again when the refresh token is refused (e.g. after a
//! relaunch, since tokens live in memory only: never persisted, never logged). A server without
//! `/auth/api-key` (404/405) gets the key directly as `Authorization: Basic base64("<key>:")`.
//!
//! The key and the tokens go only to the configured api.video host (`https://ws.api.video`, the
//! sandbox, or the endpoint given): every request is built from that host, the `Authorization`
//! header is put on by [`attach_secrets`], and requests that carry the key in their body are
//! checked with [`SecretScope::require`]. No address named by a server is ever given a secret.

use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use serde::Deserialize;

use super::super::credentials::{SecretScope, attach_secrets, secret_value};
use super::super::error::RETRYABLE_STATUSES;
use super::super::http::{parse_url, read_error_body, read_text};
use super::super::{ProtocolError, SessionContext};
use super::wire::Problem;

/// Token lifetime assumed when the answer does not give one (api.video's is one hour).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Renew at most this long before expiry.
const MAX_RENEW_AHEAD: Duration = Duration::from_secs(60);

/// The tokens of one session, in memory only. `Debug` shows no secret.
#[derive(Default)]
pub(super) struct Tokens {
    access: Option<Access>,
    refresh_token: Option<String>,
    /// The server refused the access token: renew before the next request.
    rejected: bool,
    /// The server has no `/auth/api-key`: send the key with Basic authentication.
    basic: bool,
}

struct Access {
    token: String,
    expires_at: Instant,
    lifetime: Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &self.access.as_ref().map(|_| "<redacted>"))
            .field(
                "refresh",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("rejected", &self.rejected)
            .field("basic", &self.basic)
            .finish()
    }
}

/// `POST /auth/api-key` and `/auth/refresh` answers.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// How a token request ended.
enum Exchange {
    Granted(TokenAnswer),
    /// The server refused what was sent (400/401/403), with its message.
    Refused {
        status: u16,
        message: String,
    },
    /// The server has no such endpoint.
    Missing,
}

impl Tokens {
    /// The server refused the current access token: the next request renews it first.
    pub fn mark_rejected(&mut self) {
        self.rejected = true;
    }

    /// Adds the credentials to `request` (which must go to `host`), getting or renewing a token
    /// first when needed.
    pub async fn authorize(
        &mut self,
        ctx: &SessionContext,
        host: &str,
        request: &mut reqwest::Request,
    ) -> Result<(), ProtocolError> {
        let scope = SecretScope::new(&parse_url(host)?);
        scope.require(request.url())?;
        let key = api_key(ctx).await?;
        if !self.basic && self.needs_renewal() {
            self.renew(ctx, host, &key).await?;
        }
        let value = if self.basic {
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{key}:"));
            format!("Basic {encoded}")
        } else {
            match &self.access {
                Some(access) => format!("Bearer {}", access.token),
                None => {
                    return Err(ProtocolError::BadResponse {
                        detail: "no access token was handed out".to_string(),
                    });
                }
            }
        };
        attach_secrets(
            &scope,
            request,
            vec![(AUTHORIZATION, secret_value(&value)?)],
        )?;
        Ok(())
    }

    fn needs_renewal(&self) -> bool {
        match &self.access {
            None => true,
            Some(_) if self.rejected => true,
            Some(access) => {
                let ahead = (access.lifetime / 5).min(MAX_RENEW_AHEAD);
                Instant::now() + ahead >= access.expires_at
            }
        }
    }

    async fn renew(
        &mut self,
        ctx: &SessionContext,
        host: &str,
        key: &str,
    ) -> Result<(), ProtocolError> {
        if let Some(refresh_token) = self.refresh_token.take() {
            let body = serde_json::json!({ "refreshToken": refresh_token });
            match exchange(ctx, host, "/auth/refresh", &body).await? {
                Exchange::Granted(answer) => {
                    tracing::debug!("api.video access token refreshed");
                    self.keep(answer);
                    return Ok(());
                }
                Exchange::Refused { .. } | Exchange::Missing => {
                    tracing::info!(
                        "api.video refused the refresh token; exchanging the API key again"
                    );
                }
            }
        }
        let body = serde_json::json!({ "apiKey": key });
        match exchange(ctx, host, "/auth/api-key", &body).await? {
            Exchange::Granted(answer) => {
                tracing::debug!("api.video API key exchanged for an access token");
                self.keep(answer);
                Ok(())
            }
            Exchange::Missing => {
                tracing::info!(
                    "this server has no /auth/api-key; sending the API key with Basic authentication"
                );
                self.basic = true;
                self.access = None;
                self.rejected = false;
                Ok(())
            }
            Exchange::Refused { status, message } => {
                let message = format!(
                    "api.video refused the API key ({}); check the key in the variable named by --token-env",
                    message.trim_end_matches('.')
                );
                Err(if RETRYABLE_STATUSES.contains(&status) {
                    ProtocolError::Status {
                        status,
                        message,
                        retry_after: None,
                    }
                } else {
                    ProtocolError::CredentialsRefused { status, message }
                })
            }
        }
    }

    fn keep(&mut self, answer: TokenAnswer) {
        let lifetime = answer
            .expires_in
            .filter(|s| *s > 0)
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_LIFETIME);
        self.access = Some(Access {
            token: answer.access_token,
            expires_at: Instant::now() + lifetime,
            lifetime,
        });
        if answer.refresh_token.is_some() {
            self.refresh_token = answer.refresh_token;
        }
        self.rejected = false;
    }
}

/// The API key or upload token from the destination's credentials.
pub(super) async fn api_key(ctx: &SessionContext) -> Result<String, ProtocolError> {
    ctx.credentials
        .bearer_token()
        .await?
        .ok_or_else(|| ProtocolError::MissingCredentials {
            detail: "api.video needs an API key (or an upload token with --upload-token): name the environment variable holding it with --token-env".to_string(),
        })
}

async fn exchange(
    ctx: &SessionContext,
    host: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<Exchange, ProtocolError> {
    let url = parse_url(&format!("{}{path}", host.trim_end_matches('/')))?;
    // The key (or refresh token) is in the body: only ever to the configured host.
    SecretScope::new(&parse_url(host)?).require(&url)?;
    let response = ctx
        .http
        .post(url)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .map_err(ProtocolError::from_reqwest)?;
    ctx.counter.touch();
    let status = response.status().as_u16();
    match status {
        200 | 201 => {
            let text = read_text(response, ctx.answer_timeout).await?;
            serde_json::from_str::<TokenAnswer>(&text)
                .ok()
                .filter(|a| !a.access_token.trim().is_empty())
                .map(Exchange::Granted)
                .ok_or_else(|| ProtocolError::BadResponse {
                    detail: "the token answer has no access_token".to_string(),
                })
        }
        404 | 405 => Ok(Exchange::Missing),
        400 | 401 | 403 => {
            let text = read_error_body(response).await;
            Ok(Exchange::Refused {
                status,
                message: Problem::parse(&text).message,
            })
        }
        _ => Err(super::api_error(response).await.0),
    }
}
