use std::sync::Arc;

use async_trait::async_trait;

use crate::upload::AuthSource;

use super::ProtocolError;

/// Supplies the secret a request needs. Implementations never log or print the secret.
#[async_trait]
pub trait Credentials: Send + Sync {
    /// The bearer token to send now, if any.
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError>;
    /// Gets a fresh token after the server refused the current one (HTTP 401).
    async fn refresh(&self) -> Result<(), ProtocolError>;
}

/// No credentials: for servers that need none (a loopback test server).
#[derive(Debug, Default)]
pub struct NoCredentials;

#[async_trait]
impl Credentials for NoCredentials {
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
        Ok(None)
    }

    async fn refresh(&self) -> Result<(), ProtocolError> {
        Ok(())
    }
}

/// A bearer token read from an environment variable each time it is needed.
#[derive(Debug)]
pub struct EnvCredentials {
    var: String,
}

impl EnvCredentials {
    /// Reads the token from the variable named `var`.
    pub fn new(var: impl Into<String>) -> EnvCredentials {
        EnvCredentials { var: var.into() }
    }
}

#[async_trait]
impl Credentials for EnvCredentials {
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
        match std::env::var(&self.var) {
            Ok(token) if !token.trim().is_empty() => Ok(Some(token.trim().to_string())),
            _ => Err(ProtocolError::MissingCredentials {
                detail: format!(
                    "the environment variable {} that should hold the access token is not set",
                    self.var
                ),
            }),
        }
    }

    async fn refresh(&self) -> Result<(), ProtocolError> {
        // An environment variable cannot change under a running process: the next request uses
        // the same token, and a second refusal fails the upload with a clear message.
        Ok(())
    }
}

/// The credentials an [`AuthSource`] names.
pub fn credentials_for(auth: &AuthSource) -> Arc<dyn Credentials> {
    match auth {
        AuthSource::None => Arc::new(NoCredentials),
        AuthSource::Env { var } => Arc::new(EnvCredentials::new(var.clone())),
        AuthSource::GoogleOauth { .. } => crate::auth::saved_sign_in_credentials(auth),
    }
}
