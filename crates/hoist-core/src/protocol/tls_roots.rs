//! How HTTPS connections check servers: the system's certificate authorities, read once, on the
//! first HTTPS connection (a run that only speaks plain HTTP, like the reference server on
//! loopback, never reads them). The bundle file (`SSL_CERT_FILE`, or the one OpenSSL finds) is
//! read first and alone; the certificate folders (`SSL_CERT_DIR`, `/etc/ssl/certs`) only when a
//! server's authority is not in the bundle, as OpenSSL looks in them only when needed (reading
//! both at once read each authority twice: about 145 files more on every start).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use tokio_rustls::rustls;
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// The TLS settings of the shared HTTP client: TLS 1.2 and 1.3 with the aws-lc-rs provider,
/// servers checked against the system's authorities, loaded when first needed.
pub(crate) fn client_tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(LazyVerifier {
        algorithms: provider.signature_verification_algorithms,
        provider: provider.clone(),
        bundle: OnceLock::new(),
        everywhere: OnceLock::new(),
    });
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The authorities in the system's bundle file, if there is one and it holds any.
fn bundle_roots() -> Option<RootCertStore> {
    let file = bundle_file()?;
    let loaded = rustls_native_certs::load_certs_from_paths(Some(&file), None);
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(loaded.certs);
    tracing::debug!(added, file = %file.display(), "certificate authorities loaded");
    (added > 0).then_some(roots)
}

/// The authorities everywhere the system keeps them: the bundle file and the folders.
fn all_system_roots() -> RootCertStore {
    let loaded = rustls_native_certs::load_native_certs();
    for error in &loaded.errors {
        tracing::warn!(%error, "a certificate authority of the system could not be read");
    }
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(loaded.certs);
    tracing::debug!(
        added,
        "certificate authorities loaded from every system location"
    );
    roots
}

/// The system's certificate bundle, as OpenSSL and curl find it (`SSL_CERT_FILE` first).
fn bundle_file() -> Option<PathBuf> {
    openssl_probe::probe()
        .cert_file
        .filter(|file| file.is_file())
}

/// A verifier over roots loaded when first needed.
type Built = Result<Arc<WebPkiServerVerifier>, rustls::Error>;

/// Checks server certificates against the bundle's authorities, then, for a server whose
/// authority is not there, against every system location; each set loaded on first use.
#[derive(Debug)]
struct LazyVerifier {
    provider: Arc<CryptoProvider>,
    algorithms: WebPkiSupportedAlgorithms,
    /// Over the bundle file; `None` when there is no usable bundle.
    bundle: OnceLock<Option<Built>>,
    /// Over every system location.
    everywhere: OnceLock<Built>,
}

impl LazyVerifier {
    fn build(&self, roots: RootCertStore) -> Built {
        if roots.is_empty() {
            return Err(rustls::Error::General(
                "no certificate authorities were found on this computer".to_string(),
            ));
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|e| rustls::Error::General(e.to_string()))
    }

    fn bundle(&self) -> Option<&Built> {
        self.bundle
            .get_or_init(|| bundle_roots().map(|roots| self.build(roots)))
            .as_ref()
    }

    fn everywhere(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.everywhere
            .get_or_init(|| self.build(all_system_roots()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for LazyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verify = |verifier: &WebPkiServerVerifier| {
            verifier.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        };
        if let Some(Ok(bundle)) = self.bundle() {
            match verify(bundle) {
                Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
                    tracing::debug!("the server's authority is not in the bundle; looking further");
                }
                checked => return checked,
            }
        }
        verify(self.everywhere()?)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
