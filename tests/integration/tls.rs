//! HTTPS: every protocol against the reference server speaking TLS with a certificate from a
//! throwaway authority (`scripts/make-test-ca.sh`), trusted through `SSL_CERT_FILE`; and a
//! certificate Hoist does not trust fails at once, with words that say so; an authority only in a
//! certificate folder (`SSL_CERT_DIR`) is found once the bundle file does not know the server.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hoist_refserver::TlsFiles;

use crate::protocols::{TOKEN, protocols, upload_with_env};
use crate::support::{Home, TestServer, assert_stored_equal, make_file, text};

/// A CA and a server certificate for 127.0.0.1, made in `dir`; returns (files, CA path).
fn make_ca(dir: &Path) -> (TlsFiles, PathBuf) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-test-ca.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(dir)
        .output()
        .expect("make-test-ca.sh runs (needs openssl)");
    assert!(out.status.success(), "make-test-ca.sh: {}", text(&out));
    (
        TlsFiles {
            cert_chain_path: dir.join("server.pem"),
            key_path: dir.join("server.key"),
        },
        dir.join("ca.pem"),
    )
}

#[test]
fn every_protocol_uploads_over_tls() {
    let certs = tempfile::tempdir().expect("tempdir");
    let (files, ca) = make_ca(certs.path());
    for protocol in protocols() {
        let server = TestServer::start_with(
            &protocol.faults(&["drop-rate=0.25", "seed=7"]),
            Some(TOKEN),
            Some(files.clone()),
        );
        assert!(
            server.base_url().starts_with("https://127.0.0.1:"),
            "{}",
            server.base_url()
        );
        let home = Home::new();
        let source = make_file(home.dir.path(), "tls.bin", 3 * 1024 * 1024 + 17, 41);
        upload_with_env(
            &home,
            &server,
            &protocol,
            &[&source],
            &[("SSL_CERT_FILE", &ca)],
        );
        assert_stored_equal(&server, "tls.bin", &source);
        assert!(
            server.injected("drop-rate") > 0,
            "{}: no drop was injected; the retry path over TLS went untested",
            protocol.name
        );
    }
}

#[test]
fn an_untrusted_certificate_fails_at_once_in_plain_words() {
    let certs = tempfile::tempdir().expect("tempdir");
    let (files, _ca) = make_ca(certs.path());
    let server = TestServer::start_with(&[], None, Some(files));
    let home = Home::new();
    let source = make_file(home.dir.path(), "untrusted.bin", 100_000, 42);
    let started = Instant::now();
    // No SSL_CERT_FILE: the system's authorities do not know the test CA.
    let out = home
        .hoist()
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .args(["upload", "--kind", "google-resumable", "--endpoint"])
        .arg(server.initiate_url())
        .arg(&source)
        .output()
        .expect("hoist runs");
    let took = started.elapsed();
    let said = text(&out);
    assert!(
        !out.status.success(),
        "an untrusted server was accepted: {said}"
    );
    assert!(
        said.contains("certificate is not trusted") && said.contains("SSL_CERT_FILE"),
        "{said}"
    );
    assert!(
        !said.contains("Retrying"),
        "a certificate refusal was retried: {said}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert_eq!(server.stats().requests, 0, "a request reached the server");
}

/// An authority kept only in a certificate folder (`SSL_CERT_DIR`), not in the bundle file Hoist
/// reads first: the folder is read when the bundle does not know the server, and it is trusted.
#[test]
fn an_authority_in_a_certificate_folder_is_found_after_the_bundle() {
    let certs = tempfile::tempdir().expect("tempdir");
    let (files, ca) = make_ca(certs.path());
    let folder = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&ca, folder.path().join("test-ca.pem")).expect("copy the CA");
    let server = TestServer::start_with(&[], None, Some(files));
    let home = Home::new();
    let source = make_file(home.dir.path(), "folder-ca.bin", 200_000, 43);
    let out = home
        .hoist()
        .env_remove("SSL_CERT_FILE")
        .env("SSL_CERT_DIR", folder.path())
        .args(["upload", "--kind", "google-resumable", "--endpoint"])
        .arg(server.initiate_url())
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "folder-ca.bin", &source);
}
