use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::error::AuthError;
use super::google_oauth::{GoogleOAuthConfig, OAuthClient, TokenSet};
use super::secret::SecretString;
use super::token_store::TokenStore;
use crate::protocol::{
    Credentials, EnvCredentials, NoCredentials, ProtocolError, StoredCredentials,
};
use crate::upload::{AuthSource, GoogleOauthSource, SecretRef};

/// Refresh this long before the access token expires (at most half its lifetime).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token endpoint does not say (Google's is one hour).
const ASSUMED_LIFETIME: Duration = Duration::from_secs(3600);

/// Google credentials from a saved sign-in: the refresh token lives in a [`TokenStore`]; the
/// access token is kept in memory with its expiry and refreshed ahead of it, and again when a
/// server refuses it ([`Credentials::refresh`]). A refresh token the server rotates is saved back.
pub struct OAuthCredentials {
    client: OAuthClient,
    store: Arc<dyn TokenStore>,
    key: String,
    cached: tokio::sync::Mutex<Option<CachedToken>>,
}

struct CachedToken {
    access_token: SecretString,
    refresh_at: Instant,
}

impl std::fmt::Debug for OAuthCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthCredentials")
            .field("client", &self.client)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl OAuthCredentials {
    /// Credentials for the sign-in saved under `key` in `store`.
    pub fn new(client: OAuthClient, store: Arc<dyn TokenStore>, key: impl Into<String>) -> Self {
        OAuthCredentials {
            client,
            store,
            key: key.into(),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Saves the refresh token of a fresh sign-in under `key` and starts with its access token.
    pub fn from_sign_in(
        client: OAuthClient,
        store: Arc<dyn TokenStore>,
        key: impl Into<String>,
        tokens: &TokenSet,
    ) -> Result<Self, AuthError> {
        let credentials = OAuthCredentials::new(client, store, key);
        if let Some(refresh_token) = &tokens.refresh_token {
            credentials.store.save(&credentials.key, refresh_token)?;
        }
        if let Ok(mut cached) = credentials.cached.try_lock() {
            *cached = Some(CachedToken::from_tokens(tokens));
        }
        Ok(credentials)
    }

    /// Revokes the saved sign-in at the server and forgets it here. Without a saved sign-in,
    /// only the cached access token is forgotten.
    pub async fn revoke(&self) -> Result<(), AuthError> {
        let mut cached = self.cached.lock().await;
        *cached = None;
        if let Some(refresh_token) = self.store.load(&self.key)? {
            self.client.revoke(&refresh_token).await?;
        }
        self.store.delete(&self.key)?;
        Ok(())
    }

    async fn refresh_into(
        &self,
        cached: &mut Option<CachedToken>,
    ) -> Result<SecretString, AuthError> {
        let refresh_token = self.store.load(&self.key)?.ok_or(AuthError::NotSignedIn)?;
        let tokens = self.client.refresh(&refresh_token).await?;
        if let Some(rotated) = &tokens.refresh_token
            && rotated != &refresh_token
        {
            self.store.save(&self.key, rotated)?;
        }
        tracing::debug!(
            key = %self.key,
            expires_in_secs = tokens.expires_in.map(|d| d.as_secs()),
            "access token refreshed"
        );
        let token = CachedToken::from_tokens(&tokens);
        let access_token = token.access_token.clone();
        *cached = Some(token);
        Ok(access_token)
    }
}

impl CachedToken {
    fn from_tokens(tokens: &TokenSet) -> CachedToken {
        let lifetime = tokens.expires_in.unwrap_or(ASSUMED_LIFETIME);
        let margin = REFRESH_MARGIN.min(lifetime / 2);
        CachedToken {
            access_token: tokens.access_token.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
        }
    }
}

#[async_trait]
impl Credentials for OAuthCredentials {
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(Some(token.access_token.expose().to_string()));
        }
        let token = self.refresh_into(&mut cached).await?;
        Ok(Some(token.expose().to_string()))
    }

    async fn refresh(&self) -> Result<(), ProtocolError> {
        let mut cached = self.cached.lock().await;
        self.refresh_into(&mut cached).await?;
        Ok(())
    }
}

/// Credentials that cannot work (the sign-in settings are broken): every request fails with
/// the reason, as missing credentials.
#[derive(Debug)]
struct Unavailable {
    detail: String,
}

#[async_trait]
impl Credentials for Unavailable {
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
        Err(ProtocolError::MissingCredentials {
            detail: self.detail.clone(),
        })
    }

    async fn refresh(&self) -> Result<(), ProtocolError> {
        self.bearer_token().await.map(|_| ())
    }
}

/// The key of a Google sign-in named `account` in the token store.
pub fn google_store_key(account: &str) -> String {
    format!("google/{account}")
}

/// The credentials an [`AuthSource`] names: none, an environment variable, the secret store, or a
/// saved Google sign-in. (It lives here, above `protocol`, so that protocols never import `auth`.)
pub fn credentials_for(auth: &AuthSource) -> Arc<dyn Credentials> {
    match auth {
        AuthSource::None => Arc::new(NoCredentials),
        AuthSource::Env { var } => Arc::new(EnvCredentials::new(var.clone())),
        AuthSource::Stored(reference) => Arc::new(StoredCredentials::new((**reference).clone())),
        AuthSource::GoogleOauth { .. } => saved_sign_in_credentials(auth),
    }
}

/// The credentials of a saved sign-in named by [`AuthSource::GoogleOauth`], with the refresh
/// token in the default token store (see [`super::default_token_store`]). Anything else gets
/// credentials that always fail with "no credentials".
pub fn saved_sign_in_credentials(auth: &AuthSource) -> Arc<dyn Credentials> {
    let AuthSource::GoogleOauth(source) = auth else {
        return Arc::new(Unavailable {
            detail: "this upload has no saved sign-in".to_string(),
        });
    };
    let GoogleOauthSource {
        account,
        client_id,
        client_secret_env,
        client_secret,
        token_url,
        revoke_url,
    } = source.as_ref();
    let built = (|| -> Result<OAuthCredentials, String> {
        let client_secret = match (client_secret, client_secret_env) {
            (Some(reference), _) => Some(stored_client_secret(reference)?),
            (None, None) => None,
            (None, Some(var)) => match std::env::var(var) {
                Ok(secret) if !secret.trim().is_empty() => {
                    Some(SecretString::new(secret.trim().to_string()))
                }
                _ => {
                    return Err(format!(
                        "the environment variable {var} that should hold the OAuth client secret is not set"
                    ));
                }
            },
        };
        let config = GoogleOAuthConfig {
            client_id: client_id.clone(),
            client_secret,
            auth_url: super::GOOGLE_AUTH_URL.to_string(),
            token_url: token_url.clone(),
            revoke_url: revoke_url.clone(),
        };
        let client = OAuthClient::new(&config).map_err(|e| e.to_string())?;
        let store = super::default_token_store().map_err(|e| e.to_string())?;
        Ok(OAuthCredentials::new(
            client,
            store,
            google_store_key(account),
        ))
    })();
    match built {
        Ok(credentials) => Arc::new(credentials),
        Err(detail) => Arc::new(Unavailable { detail }),
    }
}

/// The OAuth client secret a profile keeps in the secret store, read now (a short blocking
/// keyring call, like the refresh token's).
fn stored_client_secret(reference: &SecretRef) -> Result<SecretString, String> {
    let Some(key) = &reference.key else {
        return Err("the profile has no OAuth client secret stored".to_string());
    };
    let dirs = crate::store::HoistDirs::discover().map_err(|e| e.to_string())?;
    let store = crate::secrets::open(reference.store, &dirs).map_err(|e| e.to_string())?;
    match store.get(key).map_err(|e| e.to_string())? {
        Some(secret) if !secret.is_empty() => {
            Ok(SecretString::new(secret.expose().trim().to_string()))
        }
        _ => Err(format!(
            "the OAuth client secret is missing from {}; save the profile again with it",
            reference.store.label()
        )),
    }
}
