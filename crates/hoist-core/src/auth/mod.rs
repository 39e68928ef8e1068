//! Signing in to services that use OAuth 2.0 (Google), and keeping the tokens.
//!
//! - `google_oauth`: the installed-app flow (loopback redirect, PKCE), token refresh and revocation;
//! - `credentials`: [`OAuthCredentials`], the [`crate::protocol::Credentials`] of a saved sign-in;
//! - `token_store`: where refresh tokens live ([`TokenStore`]).
//!
//! No GUI code here: the window and the command line call [`sign_in`] with their own way of
//! opening the browser.

mod credentials;
mod error;
mod google_oauth;
pub(crate) mod loopback;
mod secret;
mod secret_tokens;
mod token_store;

pub use credentials::{
    OAuthCredentials, REFRESH_MARGIN, credentials_for, google_store_key, saved_sign_in_credentials,
};
pub use error::AuthError;
pub use google_oauth::{
    DEFAULT_SIGN_IN_TIMEOUT, GOOGLE_AUTH_URL, GOOGLE_REVOKE_URL, GOOGLE_TOKEN_URL,
    GoogleOAuthConfig, OAuthClient, SCOPE_DRIVE_FILE, SCOPE_STORAGE_READ_WRITE,
    SCOPE_YOUTUBE_UPLOAD, TokenSet, scope_named, scopes_for, sign_in,
};
pub use secret::SecretString;
pub use secret_tokens::SecretStoreTokens;
pub use token_store::{FileTokenStore, MemoryTokenStore, TokenStore, TokenStoreError};

/// The token store Hoist uses: the secret store (system keyring, or the explicit 0600 secrets
/// file), where profiles keep their secrets too.
pub fn default_token_store() -> Result<std::sync::Arc<dyn TokenStore>, crate::store::StoreError> {
    let dirs = crate::store::HoistDirs::discover()?;
    Ok(std::sync::Arc::new(SecretStoreTokens::new(dirs)))
}
