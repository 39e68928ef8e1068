use serde::{Deserialize, Serialize};

use crate::auth::{
    GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL, GoogleOAuthConfig, SecretString,
};

/// A profile that uploads with a Google sign-in (OAuth 2.0) instead of a pasted access token.
/// The OAuth client's secret is the profile's stored secret; the refresh token is saved by the
/// sign-in under the account name. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GoogleSignIn {
    /// The OAuth client ID from the person's Google Cloud project (type "Desktop app").
    pub client_id: String,
    /// The name the sign-in is saved under; the profile's name when `None`. Profiles (and
    /// `hoist signin google --account NAME`) naming the same account share one sign-in.
    pub account: Option<String>,
    /// The consent page; Google's when `None` (set for the reference server).
    pub auth_url: Option<String>,
    /// The token endpoint; Google's when `None`.
    pub token_url: Option<String>,
    /// The revocation endpoint; Google's when `None`.
    pub revoke_url: Option<String>,
}

impl GoogleSignIn {
    /// The saved sign-in's name for the profile `profile_name`.
    pub fn account_for(&self, profile_name: &str) -> String {
        self.account
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| profile_name.to_string())
    }

    /// The consent page in use.
    pub fn effective_auth_url(&self) -> String {
        or_default(&self.auth_url, GOOGLE_AUTH_URL)
    }

    /// The token endpoint in use.
    pub fn effective_token_url(&self) -> String {
        or_default(&self.token_url, GOOGLE_TOKEN_URL)
    }

    /// The revocation endpoint in use.
    pub fn effective_revoke_url(&self) -> String {
        or_default(&self.revoke_url, GOOGLE_REVOKE_URL)
    }

    /// The OAuth client, with its secret read from the store by the caller.
    pub fn config(&self, client_secret: Option<SecretString>) -> GoogleOAuthConfig {
        GoogleOAuthConfig {
            client_id: self.client_id.trim().to_string(),
            client_secret,
            auth_url: self.effective_auth_url(),
            token_url: self.effective_token_url(),
            revoke_url: self.effective_revoke_url(),
        }
    }
}

fn or_default(value: &Option<String>, default: &str) -> String {
    value
        .clone()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}
