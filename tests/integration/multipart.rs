//! Presigned-URL multipart upload (PROTOCOLS.md §3) through the real `hoist upload --kind
//! multipart` against the reference server's `/multipart` API: sizes, parallelism, every fault,
//! expiring URLs, a server restart (403 on old URLs), SIGKILL and resume, limits, remote listing.

use std::path::Path;
use std::process::Output;

use crate::support::{
    FAST_RETRY, Home, TestServer, assert_stored_equal, make_file, sha256, text, wait_until,
};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;
/// The API key the token-checking servers want, and the variable that holds it.
const KEY: &str = "mp-test-key-4f1c";
const KEY_VAR: &str = "HOIST_TEST_MULTIPART_KEY";
/// The chunk size the tests' servers hand out.
const CHUNK: &str = "multipart-chunk-size=64KiB";
const CHUNK_BYTES: u64 = 64 * KIB;

/// `hoist upload` arguments for the reference server's multipart API (no key: for servers
/// started without a token), for the cross-protocol conformance suite.
pub fn upload_args(server: &TestServer) -> Vec<String> {
    vec![
        "upload".into(),
        "--kind".into(),
        "multipart".into(),
        "--endpoint".into(),
        format!("{}/multipart", server.base_url()),
    ]
}

/// Runs `hoist upload --kind multipart` with the key in the environment and fast retries.
fn upload(home: &Home, server: &TestServer, extra: &[&str], file: &Path) -> Output {
    home.hoist()
        .env(KEY_VAR, KEY)
        .args(upload_args(server))
        .args(["--token-env", KEY_VAR])
        .args(FAST_RETRY)
        .args(extra)
        .arg(file)
        .output()
        .expect("hoist runs")
}

fn keyed_server(faults: &[&str]) -> TestServer {
    let mut all = vec![CHUNK];
    all.extend_from_slice(faults);
    TestServer::start_with_token(&all, Some(KEY))
}

fn assert_uploads(faults: &[&str], size: u64, extra: &[&str]) -> TestServer {
    let server = keyed_server(faults);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.mp4", size, size ^ 0x5eed);
    let out = upload(&home, &server, extra, &source);
    assert!(
        out.status.success(),
        "upload with {faults:?} {extra:?} failed: {}",
        text(&out)
    );
    assert_stored_equal(&server, "clip.mp4", &source);
    let list = home.list();
    assert_eq!(list[0]["phase"], "completed", "{list:?}");
    assert_eq!(list[0]["confirmed_bytes"], size);
    server
}

#[test]
fn sizes_and_parallelism() {
    for parallel in ["1", "4"] {
        for size in [1, CHUNK_BYTES, 4 * CHUNK_BYTES, 5 * CHUNK_BYTES + 12_345] {
            let server = assert_uploads(&[], size, &["--parallel-chunks", parallel]);
            let stats = server.stats();
            assert_eq!(stats.sessions_created, 1);
            assert_eq!(
                stats.upload_body_bytes_received, size,
                "every chunk sent exactly once without faults"
            );
            assert_eq!(stats.uploads_completed, 1);
        }
    }
}

#[test]
fn an_empty_file_is_refused_before_anything_is_sent() {
    let server = keyed_server(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "empty.mp4", 0, 1);
    let out = upload(&home, &server, &[], &source);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("empty"), "{}", text(&out));
    assert_eq!(server.stats().requests, 0, "nothing was sent");
}

#[test]
fn an_over_limit_file_is_refused_before_anything_is_sent() {
    let server = keyed_server(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "big.mp4", 300 * KIB, 2);
    let out = upload(&home, &server, &["--max-size", "256KiB"], &source);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("more than the 256"),
        "the message names the limit: {}",
        text(&out)
    );
    let stats = server.stats();
    assert_eq!(stats.requests, 0, "not even the create request was sent");
    assert_eq!(stats.sessions_created, 0);
}

#[test]
fn a_wrong_key_fails_clearly() {
    let server = keyed_server(&[]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.mp4", 10 * KIB, 3);
    let out = home
        .hoist()
        .env(KEY_VAR, "not-the-key")
        .args(upload_args(&server))
        .args(["--token-env", KEY_VAR])
        .args(FAST_RETRY)
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(!out.status.success(), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("x-api-key"),
        "the server's message is shown: {all}"
    );
    assert!(!all.contains("not-the-key"), "the key never shows: {all}");
}

#[test]
fn every_fault_still_ends_byte_exact() {
    let size = 10 * CHUNK_BYTES + 777;
    for faults in [
        &["error-rate=0.15:503", "seed=1"][..],
        &["error-rate=0.15:429", "retry-after=0", "seed=2"],
        &["error-rate=0.1:500", "seed=3"],
        &["drop-rate=0.3", "seed=7"],
        &["unauthorized-every=13"],
        &["latency=20ms"],
        &["throttle=2MiB"],
        &["missing-etag-rate=0.3", "seed=6"],
        &["multipart-processing=1500ms"],
    ] {
        let server = assert_uploads(faults, size, &["--parallel-chunks", "4"]);
        let injected: u64 = server.stats().faults_injected.values().sum();
        if !faults.iter().any(|f| f.starts_with("multipart-processing")) {
            assert!(injected > 0, "{faults:?} injected nothing");
        }
    }
}

#[test]
fn a_hung_chunk_is_given_up_and_sent_again() {
    // Some chunk PUTs stop moving: the server neither reads nor answers for a minute. After the
    // stall timeout (1 s here) the chunks in flight are dropped and sent again, long before the
    // server would cut them, and the upload ends byte-exact.
    let server = keyed_server(&["hang-rate=0.2", "seed=5"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 12 * CHUNK_BYTES + 5;
    let source = make_file(files.path(), "clip.mp4", size, 55);
    let started = std::time::Instant::now();
    let out = home
        .hoist()
        .env(KEY_VAR, KEY)
        .args(upload_args(&server))
        .args(["--token-env", KEY_VAR, "--parallel-chunks", "4"])
        .args(["--retry-initial", "20ms", "--retry-max-wait", "200ms"])
        .args(["--stall-timeout", "1s"])
        .arg(&source)
        .output()
        .expect("hoist runs");
    let elapsed = started.elapsed();
    assert!(out.status.success(), "{}", text(&out));
    assert_stored_equal(&server, "clip.mp4", &source);
    assert!(server.injected("hang-rate") > 0, "nothing hung");
    assert!(
        text(&out).contains("stalled: nothing moved for 1 s"),
        "{}",
        text(&out)
    );
    // Every hang was given up by Hoist, not waited out until the server cut it.
    assert!(
        elapsed < hoist_refserver::HANG_DURATION,
        "took {elapsed:?}: {}",
        text(&out)
    );
    let list = home.list();
    assert_eq!(list[0]["confirmed_bytes"], size, "{list:?}");
}

#[test]
fn drop_after_every_put_means_no_chunk_can_finish() {
    // A chunk bigger than the drop point can never arrive: the upload must fail, not spin.
    let server = keyed_server(&["drop-after=10KiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let source = make_file(files.path(), "clip.mp4", 2 * CHUNK_BYTES, 9);
    let out = home
        .hoist()
        .env(KEY_VAR, KEY)
        .args(upload_args(&server))
        .args(["--token-env", KEY_VAR])
        .args(FAST_RETRY)
        .args(["--retry-budget", "2s"])
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(server.injected("drop-after") > 0);
}

#[test]
fn a_429_carries_rate_limit_headers() {
    let server = TestServer::start(&[CHUNK, "error-rate=1:429", "retry-after=3"]);
    let url = format!("{}/multipart/assets/multipart-uploads", server.base_url());
    let response = server.runtime.block_on(async {
        reqwest::Client::new()
            .get(url)
            .send()
            .await
            .expect("request")
    });
    assert_eq!(response.status().as_u16(), 429);
    let headers = response.headers();
    assert_eq!(headers["retry-after"], "3");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert!(headers.contains_key("x-ratelimit-reset"));
    let body: serde_json::Value = server
        .runtime
        .block_on(response.json())
        .expect("json error body");
    assert_eq!(body["code"], "too_many_requests");
    assert!(body["docs_url"].is_string() && body["message"].is_string());
}

#[test]
fn an_expired_session_starts_over_and_completes() {
    let server = assert_uploads(&["expire-after=200KiB"], 8 * CHUNK_BYTES + 5, &[]);
    assert_eq!(server.injected("expire-after"), 1);
    assert_eq!(
        server.stats().sessions_created,
        2,
        "a new session after the expiry"
    );
}

#[test]
fn urls_expiring_every_second_during_a_slow_upload() {
    // 24 chunks at 192 KiB/s take about 8 s: every URL handed out expires long before the end.
    let server = assert_uploads(
        &["url-expire-after=1", "throttle=192KiB"],
        24 * CHUNK_BYTES + 99,
        &["--parallel-chunks", "4"],
    );
    let stats = server.stats();
    assert_eq!(stats.sessions_created, 1);
    assert!(
        stats.upload_body_bytes_received <= 24 * CHUNK_BYTES + 99 + 8 * CHUNK_BYTES,
        "few chunks sent twice: {}",
        stats.upload_body_bytes_received
    );
}

#[test]
fn missing_etags_are_sent_again() {
    let size = 12 * CHUNK_BYTES;
    let server = assert_uploads(&["missing-etag-rate=0.4", "seed=11"], size, &[]);
    let dropped = server.injected("missing-etag-rate");
    assert!(dropped > 0);
    assert_eq!(
        server.stats().upload_body_bytes_received,
        size + dropped * CHUNK_BYTES,
        "exactly the chunks without an ETag were sent again"
    );
}

/// A server on a fixed port and folder, so it can be stopped and started again.
struct Restartable {
    runtime: tokio::runtime::Runtime,
    server: Option<hoist_refserver::RunningServer>,
    dir: tempfile::TempDir,
    port: u16,
}

impl Restartable {
    fn start(faults: &[&str]) -> Restartable {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut this = Restartable {
            runtime,
            server: None,
            dir: tempfile::tempdir().expect("tempdir"),
            port: 0,
        };
        this.launch(faults);
        this
    }

    fn launch(&mut self, faults: &[&str]) {
        let config = hoist_refserver::ServerConfig {
            addr: format!("127.0.0.1:{}", self.port).parse().expect("addr"),
            dir: self.dir.path().to_path_buf(),
            faults: hoist_refserver::FaultConfig::from_specs(faults.iter().copied())
                .expect("faults"),
            required_token: Some(KEY.to_string()),
            tls: None,
        };
        let server = self
            .runtime
            .block_on(hoist_refserver::start(config))
            .expect("server starts");
        self.port = server.local_addr().port();
        self.server = Some(server);
    }

    fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }

    fn stats(&self) -> hoist_refserver::ServerStats {
        self.server.as_ref().expect("running").stats()
    }
}

impl Drop for Restartable {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn a_server_restart_refuses_old_urls_with_403_and_the_upload_goes_on() {
    let faults = [CHUNK, "throttle=256KiB"];
    let mut server = Restartable::start(&faults);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 20 * CHUNK_BYTES + 3;
    let source = make_file(files.path(), "clip.mp4", size, 21);
    let endpoint = format!("http://127.0.0.1:{}/multipart", server.port);
    let child = home
        .hoist()
        .env(KEY_VAR, KEY)
        .args(["upload", "--kind", "multipart", "--endpoint", &endpoint])
        .args(["--token-env", KEY_VAR])
        .args(FAST_RETRY)
        .arg(&source)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until(60, "some chunks", || {
        server.stats().upload_body_bytes_received >= 4 * CHUNK_BYTES
    });
    server.stop();
    // The URLs the client holds were signed with the old server's key: the new one refuses them.
    server.launch(&faults);
    let out = child.wait_with_output().expect("hoist finishes");
    assert!(out.status.success(), "{}", text(&out));
    let stored = server.dir.path().join("clip.mp4");
    assert_eq!(
        sha256(&stored),
        sha256(&source),
        "byte-exact after the restart"
    );
    assert_eq!(
        server.stats().sessions_created,
        0,
        "the saved session went on after the restart"
    );
}

#[test]
fn sigkill_then_resume_sends_only_missing_chunks() {
    let server = keyed_server(&["throttle=1MiB"]);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 40 * CHUNK_BYTES + 1234;
    let source = make_file(files.path(), "movie.mov", size, 31);
    let spawn = |args: &[&str]| {
        home.hoist()
            .env(KEY_VAR, KEY)
            .args(args)
            .args(FAST_RETRY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn hoist")
    };
    let endpoint = format!("{}/multipart", server.base_url());
    let source_arg = source.to_str().expect("utf-8");
    let mut child = spawn(&[
        "upload",
        "--kind",
        "multipart",
        "--endpoint",
        &endpoint,
        "--token-env",
        KEY_VAR,
        "--parallel-chunks",
        "4",
        source_arg,
    ]);
    let mut kills = 0;
    for point in [MIB / 2, 3 * MIB / 2] {
        wait_until(60, "the server to receive more bytes", || {
            server.stats().upload_body_bytes_received >= point
        });
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        kills += 1;
        let list = home.list();
        assert_ne!(list[0]["phase"], "completed");
        child = spawn(&["resume", "--all"]);
    }
    assert!(child.wait().expect("resume finishes").success());
    assert_stored_equal(&server, "movie.mov", &source);
    let stats = server.stats();
    assert_eq!(
        stats.sessions_created, 1,
        "the session was resumed, not restarted"
    );
    // At most the chunks in flight (4) plus those sent but not yet reported (4) per kill again.
    assert!(
        stats.upload_body_bytes_received <= size + kills * 8 * CHUNK_BYTES,
        "re-sent too much: {} for {size} bytes and {kills} kills",
        stats.upload_body_bytes_received
    );
    let list = home.list();
    assert_eq!(list[0]["phase"], "completed");
    assert_eq!(list[0]["confirmed_bytes"], size);
}

#[test]
fn list_remote_shows_unfinished_sessions_over_several_pages() {
    let server = keyed_server(&[]);
    let base = format!("{}/multipart", server.base_url());
    let create = format!("{base}/assets/multipart-uploads");
    server.runtime.block_on(async {
        let http = reqwest::Client::new();
        for i in 0..57 {
            let response = http
                .post(&create)
                .header("x-api-key", KEY)
                .json(&serde_json::json!({"filename": format!("f{i}.mp4"), "type": "video", "total_size": 1000 + i}))
                .send()
                .await
                .expect("create");
            assert_eq!(response.status().as_u16(), 201);
        }
    });
    let home = Home::new();
    let run = |json: bool| {
        let mut cmd = home.hoist();
        cmd.env(KEY_VAR, KEY).args([
            "list",
            "--remote",
            "--kind",
            "multipart",
            "--endpoint",
            &base,
            "--token-env",
            KEY_VAR,
        ]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().expect("hoist list runs");
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let lines: Vec<serde_json::Value> = run(true)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(
        lines.len(),
        57,
        "every page was read (50 + 7, then an empty one)"
    );
    assert!(lines.iter().all(|l| l["status"] == "active"));
    assert!(lines.iter().any(|l| l["total_size"] == 1056));
    let words = run(false);
    assert!(words.contains("57 unfinished upload sessions"), "{words}");
    assert!(!words.contains(KEY), "no secret in the listing");
    assert!(
        !words.contains("signature"),
        "no presigned URL in the listing"
    );
}

/// The Python with moto and boto3: `HOIST_MOTO_PYTHON`, else the CI venv `scripts/install-test-peers.sh` makes.
fn moto_python() -> std::path::PathBuf {
    crate::peers::ensure(crate::peers::Peer::Moto);
    let python = std::env::var_os("HOIST_MOTO_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python")
        });
    let ready = std::process::Command::new(&python)
        .args(["-c", "import moto.server, boto3"])
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        ready,
        "moto[server] is not importable by {} (set HOIST_MOTO_PYTHON to a Python that has \
         moto[server], or unset it to use target/ci-venv)",
        python.display()
    );
    python
}

/// The §3 control API from tests/peers/multipart_shim.py, handing out real presigned S3
/// `upload_part` URLs made by boto3 against moto's S3 server.
struct MotoShim {
    child: std::process::Child,
    port: u16,
    s3: String,
}

impl MotoShim {
    fn start(chunk_size_bytes: u64) -> MotoShim {
        use std::io::BufRead as _;
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/peers/multipart_shim.py");
        let mut child = std::process::Command::new(moto_python())
            .arg(&script)
            .args(["--chunk-size", &chunk_size_bytes.to_string()])
            .args(["--api-key-env", KEY_VAR])
            .env(KEY_VAR, KEY)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the moto shim");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the shim announces itself");
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the shim did not start ({e}): {line:?}"));
        MotoShim {
            port: u16::try_from(ready["port"].as_u64().expect("port")).expect("port"),
            s3: ready["s3"].as_str().expect("s3 url").to_string(),
            child,
        }
    }
}

impl Drop for MotoShim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn interop_with_real_presigned_s3_urls_from_moto() {
    // moto enforces S3's 5 MiB minimum for every part but the last (S3_UPLOAD_PART_MIN_SIZE),
    // so the chunks are real-sized: 5 MiB, 5 MiB and a short last one.
    let chunk = 5 * MIB;
    let shim = MotoShim::start(chunk);
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let size = 2 * chunk + 777;
    let source = make_file(files.path(), "moto clip.mp4", size, 41);
    let endpoint = format!("http://127.0.0.1:{}", shim.port);
    let out = home
        .hoist()
        .env(KEY_VAR, KEY)
        .args(["upload", "--kind", "multipart", "--endpoint", &endpoint])
        .args(["--token-env", KEY_VAR, "--parallel-chunks", "4"])
        .args(FAST_RETRY)
        .arg(&source)
        .output()
        .expect("hoist runs");
    assert!(
        out.status.success(),
        "upload through moto failed: {}",
        text(&out)
    );
    let list = home.list();
    assert_eq!(list[0]["phase"], "completed");
    assert_eq!(list[0]["confirmed_bytes"], size);
    // Read the object back from moto's S3 and compare.
    let url = format!("{}/hoist/moto%20clip.mp4", shim.s3);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bytes = runtime.block_on(async {
        let response = reqwest::get(&url).await.expect("GET from moto");
        assert_eq!(
            response.status().as_u16(),
            200,
            "the object is in moto's bucket"
        );
        response.bytes().await.expect("object body")
    });
    let copy = files.path().join("from-moto.bin");
    std::fs::write(&copy, &bytes).expect("write copy");
    assert_eq!(bytes.len() as u64, size);
    assert_eq!(
        sha256(&copy),
        sha256(&source),
        "moto holds exactly the file"
    );
}
