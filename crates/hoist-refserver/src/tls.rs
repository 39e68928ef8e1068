//! HTTPS for the reference server: a certificate chain and key from PEM files.
//!
//! The benchmarks run every client over TLS too (a self-signed authority made by
//! `scripts/bench.sh`); clients trust it through `SSL_CERT_FILE` (Hoist, curl),
//! `REQUESTS_CA_BUNDLE` (Python) or `NODE_EXTRA_CA_CERTS` (Node).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Where the server's certificate chain and private key are (PEM files).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert_chain_path: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key_path: PathBuf,
}

/// Why the TLS files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM item.
    #[error("could not read {what} from {}: {message}", path.display())]
    Read {
        /// "the certificate chain" or "the private key".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// rustls refused the pair (e.g. the key does not match the certificate).
    #[error("the certificate and key cannot be used together: {0}")]
    Config(#[from] rustls::Error),
}

/// Loads the files and builds the acceptor (HTTP/1.1 only, as the plain server).
pub(crate) fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    let chain = read_chain(&files.cert_chain_path)?;
    let key = PrivateKeyDer::from_pem_file(&files.key_path).map_err(|e| TlsError::Read {
        what: "the private key",
        path: files.key_path.clone(),
        message: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read_error = |message: String| TlsError::Read {
        what: "the certificate chain",
        path: path.to_path_buf(),
        message,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| read_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| read_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(read_error("no CERTIFICATE in the file".to_string()));
    }
    Ok(chain)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn unusable_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = TlsFiles {
            cert_chain_path: dir.path().join("none.pem"),
            key_path: dir.path().join("none.key"),
        };
        let error = acceptor(&missing).err().expect("missing files refused");
        assert!(
            error.to_string().contains("the certificate chain")
                && error.to_string().contains("none.pem"),
            "{error}"
        );

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no pem here\n").expect("write");
        let no_cert = TlsFiles {
            cert_chain_path: empty.clone(),
            key_path: empty,
        };
        let error = acceptor(&no_cert).err().expect("empty chain refused");
        assert!(error.to_string().contains("no CERTIFICATE"), "{error}");
    }
}
