//! The protocols Hoist speaks, as the cross-protocol suites (conformance, chaos) drive them
//! through the real `hoist` binary against the reference server.

use std::path::Path;
use std::process::{Child, Stdio};

use crate::support::{FAST_RETRY, Home, TestServer, text};

/// The token the reference server demands in this suite (given through `HOIST_TEST_TOKEN`).
pub const TOKEN: &str = "conformance-token-3b9d";

/// A protocol as this suite drives it.
pub struct Protocol {
    /// Its name in assertion messages.
    pub name: &'static str,
    /// `hoist upload` arguments before the files: kind, endpoint, credentials, and a chunk size
    /// small enough that a few MiB take several requests.
    pub args: fn(&TestServer) -> Vec<String>,
    /// Whether a 0-byte file is a valid upload for this protocol.
    pub empty_files: bool,
    /// Server settings the protocol needs in every scenario (e.g. small chunks allowed).
    pub base_faults: &'static [&'static str],
    /// Whether the server keeps the part of a request that arrived before the connection broke
    /// (Google, tus). For the others a chunk counts whole or not at all, so a connection always
    /// cut at the same byte (`drop-after`) can never be survived, by design.
    pub keeps_partial_requests: bool,
    /// The `unauthorized-every` spec this protocol survives. Hoist refreshes credentials once
    /// per 401 and fails on a second 401 before anything succeeds (as a real service that keeps
    /// refusing means bad credentials); a protocol that makes many requests per step (multipart:
    /// status pages, fresh URLs, 4 chunks, a report) needs a sparser cycle to not hit that.
    pub unauthorized_every: &'static str,
}

impl Protocol {
    /// `specs` plus the protocol's base settings; the spec `unauthorized` stands for the
    /// protocol's own `unauthorized-every`.
    pub fn faults<'a>(&self, specs: &[&'a str]) -> Vec<&'a str> {
        let mut all: Vec<&str> = self.base_faults.to_vec();
        all.extend(specs.iter().map(|&spec| {
            if spec == "unauthorized" {
                self.unauthorized_every
            } else {
                spec
            }
        }));
        all
    }
}

fn google(server: &TestServer) -> Vec<String> {
    [
        "upload",
        "--kind",
        "google-resumable",
        "--endpoint",
        &server.initiate_url(),
        "--token-env",
        "HOIST_TEST_TOKEN",
        "--chunk-size",
        "512KiB",
    ]
    .map(str::to_string)
    .to_vec()
}

fn tus(server: &TestServer) -> Vec<String> {
    let mut args = crate::tus::upload_args(server);
    args.extend(["--token-env", "HOIST_TEST_TOKEN", "--chunk-size", "512KiB"].map(str::to_string));
    args
}

fn api_video(server: &TestServer) -> Vec<String> {
    [
        "upload",
        "--kind",
        "api-video",
        "--endpoint",
        &format!("{}/apivideo", server.base_url()),
        "--token-env",
        "HOIST_TEST_TOKEN",
        "--chunk-size",
        "512KiB",
    ]
    .map(str::to_string)
    .to_vec()
}

fn multipart(server: &TestServer) -> Vec<String> {
    let mut args = crate::multipart::upload_args(server);
    args.extend(["--token-env", "HOIST_TEST_TOKEN"].map(str::to_string));
    args
}

/// Every protocol.
pub fn protocols() -> Vec<Protocol> {
    vec![
        Protocol {
            name: "google",
            args: google,
            empty_files: true,
            base_faults: &[],
            keeps_partial_requests: true,
            unauthorized_every: "unauthorized-every=3",
        },
        Protocol {
            name: "tus",
            args: tus,
            empty_files: true,
            base_faults: &[],
            keeps_partial_requests: true,
            unauthorized_every: "unauthorized-every=3",
        },
        Protocol {
            name: "api.video",
            args: api_video,
            empty_files: true,
            base_faults: &["apivideo-min-chunk=64KiB", "apivideo-processing=100ms"],
            keeps_partial_requests: false,
            unauthorized_every: "unauthorized-every=3",
        },
        Protocol {
            name: "multipart",
            args: multipart,
            empty_files: false,
            base_faults: &["multipart-chunk-size=512KiB", "multipart-processing=100ms"],
            keeps_partial_requests: false,
            unauthorized_every: "unauthorized-every=13",
        },
    ]
}

pub fn server(protocol: &Protocol, faults: &[&str]) -> TestServer {
    TestServer::start_with_token(&protocol.faults(faults), Some(TOKEN))
}

/// `hoist upload` of `files` for `protocol`, with fast retries.
pub fn upload(home: &Home, server: &TestServer, protocol: &Protocol, files: &[&Path]) {
    upload_with_env(home, server, protocol, files, &[]);
}

/// [`upload`] with extra environment variables for `hoist`.
pub fn upload_with_env(
    home: &Home,
    server: &TestServer,
    protocol: &Protocol,
    files: &[&Path],
    env: &[(&str, &Path)],
) {
    let out = home
        .hoist()
        .env("HOIST_TEST_TOKEN", TOKEN)
        .envs(env.iter().copied())
        .args((protocol.args)(server))
        .args(FAST_RETRY)
        .args(files)
        .output()
        .expect("hoist runs");
    assert!(
        out.status.success(),
        "{}: upload failed: {}",
        protocol.name,
        text(&out)
    );
}

/// Starts `hoist upload` of one file in the background.
pub fn spawn_upload(home: &Home, server: &TestServer, protocol: &Protocol, file: &Path) -> Child {
    home.hoist()
        .env("HOIST_TEST_TOKEN", TOKEN)
        .args((protocol.args)(server))
        .args(FAST_RETRY)
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hoist")
}

pub fn resume_all(home: &Home) -> Child {
    home.hoist()
        .env("HOIST_TEST_TOKEN", TOKEN)
        .args(["resume", "--all"])
        .args(FAST_RETRY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hoist resume")
}
