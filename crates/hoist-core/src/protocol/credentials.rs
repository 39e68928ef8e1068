//! Where a request's secret comes from ([`Credentials`]) and the one place secrets are put on a
//! request (`attach_secrets`), which checks the request's origin first.

use async_trait::async_trait;
use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::secrets::{Secret, SecretError};
use crate::store::HoistDirs;
use crate::upload::SecretRef;

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

/// Where a destination's secrets may go: the origin (scheme, host and port) of the endpoint the
/// user configured, or of the service's own documented host when none was configured (e.g.
/// `https://ws.api.video`). Secrets are the bearer token, an API key, a profile's secret
/// headers, an upload token.
///
/// Servers name other addresses: a Google session URI or a tus upload URL (`Location`), the
/// presigned URLs of a multipart upload. Those are capabilities of their own and never receive
/// the user's secrets when they are on another origin ([`attach_secrets`] leaves them off); what
/// each protocol does with such an address is documented in its module. Whatever the origin, an
/// address a server names must not lower the transport's safety: see
/// [`check_named_address`](SecretScope::check_named_address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretScope {
    origin: url::Origin,
    https: bool,
}

impl SecretScope {
    /// The scope of a configured endpoint (already checked by `parse_url`).
    pub fn new(endpoint: &url::Url) -> SecretScope {
        SecretScope {
            origin: endpoint.origin(),
            https: endpoint.scheme() == "https",
        }
    }

    /// True when `target` is on the configured origin (scheme, host and port, default ports
    /// filled in), so the user's secrets may go there.
    pub fn admits(&self, target: &url::Url) -> bool {
        self.origin.is_tuple() && target.origin() == self.origin
    }

    /// Checks an address a server named for the upload (a session URI, an upload URL, a
    /// presigned URL): it must be http(s); plain http is accepted only when the configured
    /// endpoint is plain http too (which is allowed only on this computer) and the address is
    /// on this computer. Anything else is [`ProtocolError::InsecureAddress`]: the file's bytes,
    /// and the capability in the address, would cross the network unencrypted.
    pub fn check_named_address(&self, target: &url::Url) -> Result<(), ProtocolError> {
        match target.scheme() {
            "https" => Ok(()),
            "http" if !self.https && super::http::is_loopback(target) => Ok(()),
            "http" => Err(ProtocolError::InsecureAddress {
                address: origin_text(target),
            }),
            _ => Err(ProtocolError::BadResponse {
                detail: "the server named an address for the upload that is not a web address"
                    .to_string(),
            }),
        }
    }

    /// Fails with [`ProtocolError::ForeignOrigin`] unless `target` is in the scope: for requests
    /// that carry a secret in their body or query, which cannot be left off.
    pub fn require(&self, target: &url::Url) -> Result<(), ProtocolError> {
        self.check_named_address(target)?;
        if self.admits(target) {
            Ok(())
        } else {
            Err(ProtocolError::ForeignOrigin {
                address: origin_text(target),
            })
        }
    }
}

/// `scheme://host[:port]` of a URL: the part of an address that is never a secret.
pub(crate) fn origin_text(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

/// The one place secret headers are put on a request. Checks the request's address with
/// [`SecretScope::check_named_address`]; then adds `secrets` (marked sensitive, so they are
/// never printed) only when the address is in `scope`. Returns whether they were added.
pub(crate) fn attach_secrets(
    scope: &SecretScope,
    request: &mut reqwest::Request,
    secrets: Vec<(HeaderName, HeaderValue)>,
) -> Result<bool, ProtocolError> {
    scope.check_named_address(request.url())?;
    if !scope.admits(request.url()) {
        if !secrets.is_empty() {
            tracing::debug!(
                "this request goes to another server than the one configured; it carries no credentials"
            );
        }
        return Ok(false);
    }
    for (name, mut value) in secrets {
        value.set_sensitive(true);
        request.headers_mut().insert(name, value);
    }
    Ok(true)
}

/// Adds `credentials` (the bearer token and any secret headers) to `request` through
/// [`attach_secrets`]. The credentials are not even read for a request outside `scope`.
pub(crate) async fn authorize(
    scope: &SecretScope,
    credentials: &dyn Credentials,
    request: &mut reqwest::Request,
) -> Result<(), ProtocolError> {
    scope.check_named_address(request.url())?;
    if !scope.admits(request.url()) {
        return attach_secrets(scope, request, Vec::new()).map(|_| ());
    }
    let mut secrets = Vec::new();
    if let Some(token) = credentials.bearer_token().await? {
        secrets.push((AUTHORIZATION, secret_value(&format!("Bearer {token}"))?));
    }
    for (name, value) in credentials.extra_headers().await? {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            ProtocolError::MissingCredentials {
                detail: format!("'{name}' cannot be sent as a header name"),
            }
        })?;
        secrets.push((name, secret_value(&value)?));
    }
    attach_secrets(scope, request, secrets).map(|_| ())
}

/// A secret as a header value, or an error that does not show it.
pub(crate) fn secret_value(text: &str) -> Result<HeaderValue, ProtocolError> {
    HeaderValue::from_str(text).map_err(|_| ProtocolError::MissingCredentials {
        detail: "the secret holds characters that cannot be sent in a header".to_string(),
    })
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
#[path = "credentials_proptests.rs"]
mod credentials_proptests;

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).expect("url")
    }

    fn request(target: &str) -> reqwest::Request {
        reqwest::Request::new(reqwest::Method::PUT, url(target))
    }

    /// Credentials with a token and a secret header, counting how often they were read.
    #[derive(Default)]
    struct Counting {
        reads: std::sync::atomic::AtomicUsize,
    }

    #[async_trait]
    impl Credentials for Counting {
        async fn bearer_token(&self) -> Result<Option<String>, ProtocolError> {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(Some("tok-secret".to_string()))
        }

        async fn refresh(&self) -> Result<(), ProtocolError> {
            Ok(())
        }

        async fn extra_headers(&self) -> Result<Vec<(String, String)>, ProtocolError> {
            Ok(vec![("X-Api-Key".to_string(), "hdr-secret".to_string())])
        }
    }

    #[test]
    fn the_scope_is_the_configured_origin() {
        let scope = SecretScope::new(&url("https://api.example.com/v1/upload?x=1"));
        assert!(scope.admits(&url("https://api.example.com/other/path")));
        assert!(scope.admits(&url("https://api.example.com:443/session?id=1")));
        assert!(scope.admits(&url("https://API.example.com/x")));
        assert!(
            !scope.admits(&url("https://api.example.com:8443/x")),
            "port"
        );
        assert!(!scope.admits(&url("http://api.example.com/x")), "scheme");
        assert!(!scope.admits(&url("https://evil.example.com/x")), "host");
        assert!(!scope.admits(&url("https://api.example.com.evil.net/x")));
        assert!(!scope.admits(&url("https://user@evil.net/x")));

        let local = SecretScope::new(&url("http://127.0.0.1:9023/upload"));
        assert!(local.admits(&url("http://127.0.0.1:9023/session/1")));
        assert!(!local.admits(&url("http://127.0.0.1:9024/session/1")));
        assert!(!local.admits(&url("http://localhost:9023/session/1")));
    }

    #[test]
    fn named_addresses_may_not_lower_the_transport() {
        let https = SecretScope::new(&url("https://api.example.com/upload"));
        https
            .check_named_address(&url("https://other.example.net/s"))
            .expect("https elsewhere is not a downgrade");
        for insecure in [
            "http://api.example.com/session",
            "http://127.0.0.1:8080/session",
            "http://10.0.0.7/session",
        ] {
            let error = https
                .check_named_address(&url(insecure))
                .expect_err(insecure);
            assert!(
                matches!(error, ProtocolError::InsecureAddress { .. }),
                "{error}"
            );
            assert_eq!(error.retry_class(), super::super::RetryClass::Fatal);
        }
        let error = https
            .check_named_address(&url("http://api.example.com/session?upload_id=cap"))
            .expect_err("downgrade");
        assert_eq!(
            error.to_string(),
            "the server sent the upload to an insecure address (http://api.example.com); Hoist stopped so your data and sign-in stay private"
        );
        assert!(!error.to_string().contains("cap"));

        let local = SecretScope::new(&url("http://127.0.0.1:9023/upload"));
        local
            .check_named_address(&url("http://127.0.0.1:9/x"))
            .expect("loopback to loopback");
        local
            .check_named_address(&url("http://[::1]:9/x"))
            .expect("loopback to loopback");
        assert!(
            local
                .check_named_address(&url("http://192.0.2.1/x"))
                .is_err()
        );
        assert!(
            local
                .check_named_address(&url("ftp://127.0.0.1/x"))
                .is_err()
        );
        assert!(
            local
                .check_named_address(&url("https://example.com/x"))
                .is_ok()
        );
    }

    #[tokio::test]
    async fn secrets_go_only_to_the_configured_origin() {
        let scope = SecretScope::new(&url("http://127.0.0.1:9023/upload"));
        let credentials = Counting::default();

        let mut same = request("http://127.0.0.1:9023/session/abc");
        authorize(&scope, &credentials, &mut same)
            .await
            .expect("same origin");
        let auth = same.headers().get(AUTHORIZATION).expect("authorization");
        assert_eq!(auth.to_str().expect("ascii"), "Bearer tok-secret");
        assert!(auth.is_sensitive());
        assert_eq!(
            same.headers().get("x-api-key").map(|v| v.as_bytes()),
            Some(&b"hdr-secret"[..])
        );
        assert_eq!(
            credentials.reads.load(std::sync::atomic::Ordering::Relaxed),
            1
        );

        let mut other = request("http://127.0.0.1:9024/session/abc");
        authorize(&scope, &credentials, &mut other)
            .await
            .expect("followed");
        assert!(other.headers().is_empty(), "{:?}", other.headers());
        assert_eq!(
            credentials.reads.load(std::sync::atomic::Ordering::Relaxed),
            1,
            "credentials are not even read for another origin"
        );

        let mut insecure = request("http://192.0.2.1/session/abc");
        let error = authorize(&scope, &credentials, &mut insecure)
            .await
            .expect_err("insecure");
        assert!(matches!(error, ProtocolError::InsecureAddress { .. }));
        assert!(insecure.headers().is_empty());

        let secrets = || {
            vec![(
                HeaderName::from_static("x-api-key"),
                HeaderValue::from_static("k"),
            )]
        };
        let mut presigned = request("https://bucket.s3.example.com/part?sig=1");
        assert!(!attach_secrets(&scope, &mut presigned, secrets()).expect("attach"));
        assert!(presigned.headers().is_empty());

        assert!(scope.require(&url("http://127.0.0.1:9023/auth")).is_ok());
        let error = scope
            .require(&url("https://evil.example.com/auth?key=x"))
            .expect_err("foreign");
        assert_eq!(
            error.to_string(),
            "the server sent the upload to another server (https://evil.example.com), which Hoist does not trust with your sign-in; Hoist stopped"
        );
    }
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
