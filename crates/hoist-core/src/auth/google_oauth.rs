//! Google sign-in: OAuth 2.0 for installed apps (RFC 8252) with PKCE (RFC 7636) and a loopback
//! redirect on 127.0.0.1, through the `oauth2` crate over Hoist's own HTTP client (which follows
//! no redirects, so no credential ever reaches another host).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, PkceCodeChallenge, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, StandardErrorResponse, TokenResponse as _, TokenUrl,
};
use url::Url;

use super::error::AuthError;
use super::loopback::LoopbackListener;
use super::secret::SecretString;
use crate::upload::Service;

/// Google's consent page.
pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's revocation endpoint.
pub const GOOGLE_REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";

/// Upload videos to YouTube.
pub const SCOPE_YOUTUBE_UPLOAD: &str = "https://www.googleapis.com/auth/youtube.upload";
/// Create files in Drive (and see only the files Hoist created).
pub const SCOPE_DRIVE_FILE: &str = "https://www.googleapis.com/auth/drive.file";
/// Read and write Cloud Storage objects.
pub const SCOPE_STORAGE_READ_WRITE: &str = "https://www.googleapis.com/auth/devstorage.read_write";

/// How long [`sign_in`] waits for the browser unless told otherwise.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Longest wait for one answer of the token endpoint.
const TOKEN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The scopes a destination needs: only the one of its service (none for other services).
pub fn scopes_for(service: &Service) -> &'static [&'static str] {
    match service {
        Service::YouTube { .. } => &[SCOPE_YOUTUBE_UPLOAD],
        Service::Drive { .. } => &[SCOPE_DRIVE_FILE],
        Service::CloudStorage { .. } => &[SCOPE_STORAGE_READ_WRITE],
        _ => &[],
    }
}

/// The scope for a short name typed by people: `youtube`, `drive` or `storage`.
pub fn scope_named(name: &str) -> Option<&'static str> {
    match name.trim().to_ascii_lowercase().as_str() {
        "youtube" => Some(SCOPE_YOUTUBE_UPLOAD),
        "drive" => Some(SCOPE_DRIVE_FILE),
        "storage" | "cloud-storage" => Some(SCOPE_STORAGE_READ_WRITE),
        _ => None,
    }
}

/// The OAuth client the person created in their Google Cloud project (type "Desktop app"), and
/// the endpoints (Google's unless overridden, e.g. for the reference server).
#[derive(Debug, Clone)]
pub struct GoogleOAuthConfig {
    /// The client ID (`....apps.googleusercontent.com`); not a secret.
    pub client_id: String,
    /// The client secret Google issues with Desktop clients (needed by its token endpoint).
    pub client_secret: Option<SecretString>,
    /// The consent page.
    pub auth_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The revocation endpoint.
    pub revoke_url: String,
}

impl GoogleOAuthConfig {
    /// A client at Google's endpoints.
    pub fn google(client_id: impl Into<String>, client_secret: Option<SecretString>) -> Self {
        GoogleOAuthConfig {
            client_id: client_id.into(),
            client_secret,
            auth_url: GOOGLE_AUTH_URL.to_string(),
            token_url: GOOGLE_TOKEN_URL.to_string(),
            revoke_url: GOOGLE_REVOKE_URL.to_string(),
        }
    }

    /// The same client at a server's `/oauth/authorize`, `/oauth/token` and `/oauth/revoke`
    /// (the reference server), `base` being `http://127.0.0.1:PORT`.
    pub fn at_server(mut self, base: &str) -> Self {
        let base = base.trim_end_matches('/');
        self.auth_url = format!("{base}/oauth/authorize");
        self.token_url = format!("{base}/oauth/token");
        self.revoke_url = format!("{base}/oauth/revoke");
        self
    }
}

/// Tokens from the token endpoint. `Debug` hides them.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token for API requests.
    pub access_token: SecretString,
    /// How long the access token lives, when the server said.
    pub expires_in: Option<Duration>,
    /// The long-lived token that gets new access tokens (absent on a refresh that does not rotate).
    pub refresh_token: Option<SecretString>,
    /// The scopes granted, when the server said.
    pub scopes: Vec<String>,
}

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Talks to one OAuth server as one client: authorization URL, code exchange, refresh, revoke.
#[derive(Clone)]
pub struct OAuthClient {
    client: Client,
    http: TokenHttp,
    revoke_url: Url,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client.client_id().as_str())
            .field("token_url", &self.client.token_uri().as_str())
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// Checks the endpoints (https, or http on loopback only) and builds the client.
    pub fn new(config: &GoogleOAuthConfig) -> Result<OAuthClient, AuthError> {
        if config.client_id.trim().is_empty() {
            return Err(AuthError::InvalidEndpoint {
                detail: "the OAuth client ID is empty".to_string(),
            });
        }
        let auth_url = AuthUrl::from_url(check_endpoint(&config.auth_url)?);
        let token_url = TokenUrl::from_url(check_endpoint(&config.token_url)?);
        let revoke_url = check_endpoint(&config.revoke_url)?;
        let mut client = BasicClient::new(ClientId::new(config.client_id.trim().to_string()))
            // Google documents the client credentials as form fields for installed apps.
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(auth_url)
            .set_token_uri(token_url);
        if let Some(secret) = &config.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.expose().to_string()));
        }
        Ok(OAuthClient {
            client,
            http: TokenHttp::new()?,
            revoke_url,
        })
    }

    /// Exchanges an authorization code (with the PKCE verifier and the redirect URI it was
    /// issued for) for tokens.
    pub(crate) async fn exchange_code(
        &self,
        code: &SecretString,
        verifier: oauth2::PkceCodeVerifier,
        redirect_uri: &str,
    ) -> Result<TokenSet, AuthError> {
        let redirect =
            RedirectUrl::new(redirect_uri.to_string()).map_err(|e| AuthError::InvalidEndpoint {
                detail: e.to_string(),
            })?;
        let client = self.client.clone().set_redirect_uri(redirect);
        let response = client
            .exchange_code(AuthorizationCode::new(code.expose().to_string()))
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(token_set(&response))
    }

    /// Gets a new access token with a refresh token.
    pub async fn refresh(&self, refresh_token: &SecretString) -> Result<TokenSet, AuthError> {
        let token = RefreshToken::new(refresh_token.expose().to_string());
        let response = self
            .client
            .exchange_refresh_token(&token)
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(token_set(&response))
    }

    /// Revokes a refresh token (and with it the grant) at the revocation endpoint (RFC 7009).
    /// A token the server no longer knows counts as revoked.
    ///
    /// Sent by Hoist itself rather than the oauth2 crate, which refuses plain-http revocation
    /// URLs even on loopback (the reference server); the endpoint was checked in [`Self::new`].
    pub async fn revoke(&self, refresh_token: &SecretString) -> Result<(), AuthError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", refresh_token.expose())
            .append_pair("token_type_hint", "refresh_token")
            .append_pair("client_id", self.client.client_id().as_str())
            .finish();
        let response = self
            .http
            .0
            .post(self.revoke_url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .timeout(TOKEN_REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| AuthError::Connection {
                detail: crate::protocol::ProtocolError::from_reqwest(e).to_string(),
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = crate::protocol::read_error_body(response).await;
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let code = answer["error"].as_str().unwrap_or("").to_string();
        if code == "invalid_token" || code == "invalid_grant" {
            return Ok(());
        }
        Err(AuthError::TokenRefused {
            code: if code.is_empty() {
                format!("HTTP {}", status.as_u16())
            } else {
                code
            },
            description: answer["error_description"].as_str().map(str::to_string),
        })
    }
}

/// Signs in: listens on `http://127.0.0.1:PORT/`, builds the consent URL (PKCE S256, a random
/// `state`, `access_type=offline`, `prompt=consent`), hands it to `open_browser`, waits up to
/// `timeout` for the browser's redirect, and exchanges the code for tokens.
///
/// `open_browser` launches the browser (or prints the URL for people to open); tests pass their
/// own, which plays the browser.
pub async fn sign_in(
    config: &GoogleOAuthConfig,
    scopes: &[&str],
    open_browser: impl FnOnce(&Url),
    timeout: Duration,
) -> Result<TokenSet, AuthError> {
    let client = OAuthClient::new(config)?;
    let listener = LoopbackListener::bind().await?;
    let redirect_uri = listener.redirect_uri().to_string();
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let redirect =
        RedirectUrl::new(redirect_uri.clone()).map_err(|e| AuthError::InvalidEndpoint {
            detail: e.to_string(),
        })?;
    let (url, state) = client
        .client
        .clone()
        .set_redirect_uri(redirect)
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes.iter().map(|s| Scope::new((*s).to_string())))
        .set_pkce_challenge(challenge)
        .add_extra_param("access_type", "offline")
        .add_extra_param("prompt", "consent")
        .url();
    open_browser(&url);
    let code = listener
        .wait_for_code(SecretString::new(state.secret().clone()), timeout)
        .await?;
    let tokens = client.exchange_code(&code, verifier, &redirect_uri).await?;
    if tokens.refresh_token.is_none() {
        return Err(AuthError::BadResponse {
            detail: "no refresh token came with the sign-in, so Hoist could not stay signed in"
                .to_string(),
        });
    }
    Ok(tokens)
}

fn token_set(response: &BasicTokenResponse) -> TokenSet {
    TokenSet {
        access_token: SecretString::new(response.access_token().secret().clone()),
        expires_in: response.expires_in(),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::new(t.secret().clone())),
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Turns the oauth2 crate's error into ours, without the response body (it may hold tokens).
fn token_error<T>(error: RequestTokenError<TokenHttpError, StandardErrorResponse<T>>) -> AuthError
where
    T: oauth2::ErrorResponseType + std::fmt::Display + 'static,
{
    match error {
        RequestTokenError::ServerResponse(response) => {
            let code = response.error().to_string();
            if code == "invalid_grant" {
                return AuthError::SignInAgain;
            }
            AuthError::TokenRefused {
                code,
                description: response.error_description().cloned(),
            }
        }
        RequestTokenError::Request(TokenHttpError(detail)) => AuthError::Connection { detail },
        RequestTokenError::Parse(e, _body) => AuthError::BadResponse {
            detail: format!("not an OAuth answer ({})", e.path()),
        },
        RequestTokenError::Other(text) => AuthError::BadResponse {
            detail: text.chars().take(200).collect(),
        },
    }
}

/// Accepts https, and plain http only for this computer (127.0.0.1, ::1, localhost).
fn check_endpoint(text: &str) -> Result<Url, AuthError> {
    let url = Url::parse(text.trim()).map_err(|e| AuthError::InvalidEndpoint {
        detail: format!("'{text}' is not a valid address ({e})"),
    })?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(AuthError::InvalidEndpoint {
            detail: format!(
                "{} must use https (plain http is allowed only for this computer)",
                url.host_str().unwrap_or(text)
            ),
        }),
    }
}

/// The oauth2 crate's HTTP hook over Hoist's reqwest client (no redirects, bounded wait).
#[derive(Clone)]
struct TokenHttp(reqwest::Client);

/// A failed token request: what reqwest said, without the URL.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct TokenHttpError(String);

impl TokenHttp {
    fn new() -> Result<TokenHttp, AuthError> {
        crate::protocol::http_client()
            .map(TokenHttp)
            .map_err(|e| AuthError::Connection {
                detail: e.to_string(),
            })
    }
}

impl<'c> AsyncHttpClient<'c> for TokenHttp {
    type Error = TokenHttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TokenHttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let fail = |e: reqwest::Error| {
                TokenHttpError(crate::protocol::ProtocolError::from_reqwest(e).to_string())
            };
            let mut request = reqwest::Request::try_from(request).map_err(fail)?;
            *request.timeout_mut() = Some(TOKEN_REQUEST_TIMEOUT);
            let response = self.0.execute(request).await.map_err(fail)?;
            let mut builder = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            // Bounded: a token answer is small; an endless one must not fill the memory.
            let body = crate::protocol::read_body(
                response,
                crate::protocol::MAX_ANSWER_BYTES,
                TOKEN_REQUEST_TIMEOUT,
            )
            .await
            .map_err(|e| TokenHttpError(e.to_string()))?;
            builder
                .body(body)
                .map_err(|e| TokenHttpError(e.to_string()))
        })
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use sha2::Digest as _;

    #[test]
    fn pkce_challenge_is_s256_of_the_verifier() {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        assert_eq!(challenge.method().as_str(), "S256");
        let digest = sha2::Sha256::digest(verifier.secret().as_bytes());
        let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        assert_eq!(challenge.as_str(), expected);
        assert!((43..=128).contains(&verifier.secret().len()));
        assert!(!format!("{verifier:?}").contains(verifier.secret().as_str()));
    }

    #[test]
    fn scopes_per_service() {
        let youtube = Service::YouTube {
            title: None,
            description: String::new(),
            tags: vec![],
            privacy: crate::upload::Privacy::Private,
            category_id: "22".into(),
            endpoint: String::new(),
        };
        assert_eq!(scopes_for(&youtube), [SCOPE_YOUTUBE_UPLOAD]);
        let drive = Service::Drive {
            folder_id: None,
            endpoint: String::new(),
        };
        assert_eq!(scopes_for(&drive), [SCOPE_DRIVE_FILE]);
        let storage = Service::CloudStorage {
            bucket: "b".into(),
            object_prefix: String::new(),
            host: String::new(),
        };
        assert_eq!(scopes_for(&storage), [SCOPE_STORAGE_READ_WRITE]);
        assert!(
            scopes_for(&Service::Tus {
                endpoint: String::new()
            })
            .is_empty()
        );
        assert_eq!(scope_named("Drive"), Some(SCOPE_DRIVE_FILE));
        assert_eq!(scope_named("photos"), None);
    }

    #[test]
    fn endpoints_must_be_https_except_loopback() {
        assert!(check_endpoint("https://oauth2.googleapis.com/token").is_ok());
        assert!(check_endpoint("http://127.0.0.1:8080/oauth/token").is_ok());
        assert!(check_endpoint("http://[::1]:8080/oauth/token").is_ok());
        assert!(check_endpoint("http://localhost/x").is_ok());
        assert!(check_endpoint("http://oauth2.googleapis.com/token").is_err());
        assert!(check_endpoint("ftp://127.0.0.1/").is_err());
        assert!(check_endpoint("not a url").is_err());
    }

    #[test]
    fn config_debug_hides_the_secret() {
        let config =
            GoogleOAuthConfig::google("id-123", Some(SecretString::new("very-secret".into())));
        let shown = format!("{config:?}");
        assert!(shown.contains("id-123"));
        assert!(!shown.contains("very-secret"));
        let client = OAuthClient::new(&config).expect("client");
        assert!(!format!("{client:?}").contains("very-secret"));
    }

    #[tokio::test]
    async fn auth_url_carries_pkce_state_and_offline_access() {
        let config = GoogleOAuthConfig::google("id-123", None);
        let (sender, receiver) = std::sync::mpsc::channel();
        let result = sign_in(
            &config,
            &[SCOPE_DRIVE_FILE],
            |url| {
                let _ = sender.send(url.clone());
            },
            Duration::from_millis(200),
        )
        .await;
        assert!(matches!(result, Err(AuthError::TimedOut { .. })));
        let url = receiver.recv().expect("opened");
        assert!(url.as_str().starts_with(GOOGLE_AUTH_URL));
        let params: std::collections::HashMap<String, String> =
            url.query_pairs().into_owned().collect();
        assert_eq!(
            params.get("response_type").map(String::as_str),
            Some("code")
        );
        assert_eq!(params.get("client_id").map(String::as_str), Some("id-123"));
        assert_eq!(
            params.get("code_challenge_method").map(String::as_str),
            Some("S256")
        );
        assert_eq!(
            params.get("access_type").map(String::as_str),
            Some("offline")
        );
        assert_eq!(params.get("prompt").map(String::as_str), Some("consent"));
        assert_eq!(
            params.get("scope").map(String::as_str),
            Some(SCOPE_DRIVE_FILE)
        );
        assert!(params.get("state").is_some_and(|s| s.len() >= 16));
        let redirect = params.get("redirect_uri").expect("redirect");
        assert!(redirect.starts_with("http://127.0.0.1:") && redirect.ends_with('/'));
    }
}
