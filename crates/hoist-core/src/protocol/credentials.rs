use std::sync::Arc;

use async_trait::async_trait;

use crate::secrets::{Secret, SecretError};
use crate::store::HoistDirs;
use crate::upload::{AuthSource, SecretRef};

use super::ProtocolError;

/// Supplies the secret a request needs. Implementations never log or print the secret.
#[async_trait]
pub trait Credentials: Send + Sync {
    /// The bearer token to send now, if any.
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError>;
    /// Gets a fresh token after the server refused the current one (HTTP 401).
    async fn refresh(&self) -> Result<(), ProtocolError>;
    /// Extra request headers whose values are secrets (e.g. a tus server's own `Authorization`
    /// scheme), as `(name, value)`. None unless the destination names some.
    async fn extra_headers(&self) -> Result<Vec<(String, String)>, ProtocolError> {
        Ok(Vec::new())
    }
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
        AuthSource::Stored(reference) => Arc::new(StoredCredentials::new((**reference).clone())),
        AuthSource::GoogleOauth { .. } => crate::auth::saved_sign_in_credentials(auth),
    }
}

/// Secrets read from Hoist's secret store (system keyring or secrets file) when needed. Kept in
/// memory only for the life of the upload; the journal holds only their names.
pub struct StoredCredentials {
    reference: SecretRef,
    dirs: Option<HoistDirs>,
    cached: tokio::sync::Mutex<Option<Secret>>,
}

impl std::fmt::Debug for StoredCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredentials")
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

impl StoredCredentials {
    /// Reads the secrets `reference` names, from Hoist's usual folders (`HOIST_HOME`).
    pub fn new(reference: SecretRef) -> StoredCredentials {
        StoredCredentials {
            reference,
            dirs: None,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Reads the secrets `reference` names, with the secrets file under `dirs`.
    pub fn with_dirs(reference: SecretRef, dirs: HoistDirs) -> StoredCredentials {
        StoredCredentials {
            reference,
            dirs: Some(dirs),
            cached: tokio::sync::Mutex::new(None),
        }
    }

    /// Reads `key` from the store (on a blocking thread: the keyring talks D-Bus synchronously).
    async fn read(&self, key: String) -> Result<Secret, ProtocolError> {
        let location = self.reference.store;
        let dirs = self.dirs.clone();
        let result = tokio::task::spawn_blocking(move || -> Result<Option<Secret>, SecretError> {
            let dirs = match dirs {
                Some(dirs) => dirs,
                None => HoistDirs::discover()?,
            };
            crate::secrets::open(location, &dirs)?.get(&key)
        })
        .await
        .map_err(|_| ProtocolError::MissingCredentials {
            detail: "reading the stored secret was interrupted".to_string(),
        })?;
        match result {
            Ok(Some(secret)) if !secret.is_empty() => Ok(secret),
            Ok(_) => Err(ProtocolError::MissingCredentials {
                detail: format!(
                    "the secret is missing from {}; add the profile again with its secret",
                    location.label()
                ),
            }),
            Err(error) => Err(ProtocolError::MissingCredentials {
                detail: error.to_string(),
            }),
        }
    }
}

#[async_trait]
impl Credentials for StoredCredentials {
    async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
        let Some(key) = self.reference.key.clone() else {
            return Ok(None);
        };
        let mut cached = self.cached.lock().await;
        if let Some(secret) = cached.as_ref() {
            return Ok(Some(secret.expose().to_string()));
        }
        let secret = self.read(key).await?;
        let token = secret.expose().to_string();
        *cached = Some(secret);
        Ok(Some(token))
    }

    async fn refresh(&self) -> Result<(), ProtocolError> {
        // Read the store again next time: the user may have replaced the secret meanwhile.
        *self.cached.lock().await = None;
        Ok(())
    }

    async fn extra_headers(&self) -> Result<Vec<(String, String)>, ProtocolError> {
        let mut headers = Vec::with_capacity(self.reference.headers.len());
        for header in &self.reference.headers {
            let value = self.read(header.key.clone()).await?;
            headers.push((header.name.clone(), value.expose().to_string()));
        }
        Ok(headers)
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use crate::secrets::{FileSecretStore, SecretStore as _};
    use crate::upload::{SecretLocation, StoredHeader};

    #[tokio::test]
    async fn stored_credentials_read_the_store_when_needed() {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(home.path());
        let file = FileSecretStore::in_dirs(&dirs);
        file.set("profile/t", &Secret::new("tok-1")).expect("set");
        file.set("profile/t/header/x-api", &Secret::new("hdr-1"))
            .expect("set");
        let reference = SecretRef {
            store: SecretLocation::File,
            key: Some("profile/t".to_string()),
            headers: vec![StoredHeader {
                name: "X-Api".to_string(),
                key: "profile/t/header/x-api".to_string(),
            }],
        };
        let credentials = StoredCredentials::with_dirs(reference.clone(), dirs.clone());
        assert_eq!(
            credentials.bearer_token().await.expect("token").as_deref(),
            Some("tok-1")
        );
        assert_eq!(
            credentials.extra_headers().await.expect("headers"),
            vec![("X-Api".to_string(), "hdr-1".to_string())]
        );
        // Replaced in the store: seen after a refresh (a 401), not before.
        file.set("profile/t", &Secret::new("tok-2")).expect("set");
        assert_eq!(
            credentials.bearer_token().await.expect("token").as_deref(),
            Some("tok-1")
        );
        credentials.refresh().await.expect("refresh");
        assert_eq!(
            credentials.bearer_token().await.expect("token").as_deref(),
            Some("tok-2")
        );
        assert!(!format!("{credentials:?}").contains("tok-"));

        // A deleted secret is a plain "missing credentials" error without any value.
        file.delete("profile/t").expect("delete");
        let fresh = StoredCredentials::with_dirs(reference, dirs);
        let error = fresh.bearer_token().await.expect_err("missing");
        assert!(
            matches!(error, ProtocolError::MissingCredentials { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("secrets file"), "{error}");
    }
}
