//! Interoperability with an independent implementation of Google's resumable protocol:
//! gcp-storage-emulator (PyPI), installed where missing by `scripts/install-test-peers.sh` (see scripts/gcs-emulator-notes.md).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{FAST_RETRY, Home, make_file, sha256, text};

const MIB: u64 = 1024 * 1024;

struct Emulator {
    child: Child,
    base_url: String,
    _data: tempfile::TempDir,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn emulator_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("HOIST_GCS_EMULATOR") {
        return PathBuf::from(path);
    }
    crate::peers::ensure(crate::peers::Peer::GcsEmulator);
    crate::peers::venv().join("bin/gcp-storage-emulator")
}

fn start_emulator(bucket: &str) -> Emulator {
    let binary = emulator_binary();
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let data = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(&binary)
            .arg("-d")
            .arg(data.path())
            .args(["start", "--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--default-bucket", bucket, "--in-memory", "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gcp-storage-emulator");
        let base_url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let ready = std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
            if ready {
                return Emulator {
                    child,
                    base_url,
                    _data: data,
                };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("gcp-storage-emulator did not start");
}

fn download(emulator: &Emulator, bucket: &str, object: &str, into: &std::path::Path) {
    let url = format!(
        "{}/download/storage/v1/b/{bucket}/o/{object}?alt=media",
        emulator.base_url
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bytes = runtime.block_on(async {
        let response = reqwest::get(&url).await.expect("download");
        assert!(
            response.status().is_success(),
            "download {}",
            response.status()
        );
        response.bytes().await.expect("body")
    });
    std::fs::write(into, &bytes).expect("write download");
}

fn upload_to_emulator(size: u64, extra: &[&str]) {
    let emulator = start_emulator("interop");
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let name = format!("obj-{size}.bin");
    let source = make_file(files.path(), &name, size, size + 1);
    let out = home
        .hoist()
        .args(["upload", "--kind", "cloud-storage", "--bucket", "interop"])
        .args(["--endpoint", &emulator.base_url])
        .args(FAST_RETRY)
        .args(extra)
        .arg(&source)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{extra:?}: {}", text(&out));
    let copy = files.path().join("downloaded");
    download(&emulator, "interop", &name, &copy);
    assert_eq!(sha256(&copy), sha256(&source), "{extra:?}");
}

#[test]
fn gcs_emulator_streaming_upload() {
    upload_to_emulator(3 * MIB + 11, &[]);
}

#[test]
fn gcs_emulator_chunked_upload() {
    upload_to_emulator(MIB + 5, &["--chunk-size", "256KiB"]);
}

#[test]
fn gcs_emulator_edge_sizes() {
    upload_to_emulator(0, &[]);
    upload_to_emulator(1, &[]);
    upload_to_emulator(MIB, &["--chunk-size", "256KiB", "--size-unknown"]);
}
