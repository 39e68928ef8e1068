//! Hoist's test harness, shared by the workspace's tests (a dev-dependency only: no shipped
//! crate links it; `tests/integration/architecture.rs` checks): a reference server per test
//! ([`TestServer`]), a private Hoist home driving the real `hoist` binary ([`Home`]), seeded test
//! files and SHA-256 digests.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    reason = "a test harness starts its own runtimes and threads, and panics are its failures"
)]
#![allow(
    missing_docs,
    reason = "test helpers; each public one says what it does"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use hoist_refserver::{FaultConfig, RunningServer, ServerConfig, ServerStats, TlsFiles};
use sha2::{Digest, Sha256};

/// The `hoist` binary cargo built for the tests: beside the `deps` folder the test binary runs
/// from (`HOIST_BIN` names another).
pub fn hoist_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("HOIST_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut dir = exe
        .parent()
        .expect("the test binary's folder")
        .to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join(format!("hoist{}", std::env::consts::EXE_SUFFIX))
}

/// A reference server running on its own runtime, storing into a temp dir.
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub runtime: tokio::runtime::Runtime,
    pub store: tempfile::TempDir,
    config: ServerConfig,
}

impl TestServer {
    /// Starts a server with the given `--fault` specs.
    pub fn start(faults: &[&str]) -> TestServer {
        TestServer::start_with_token(faults, None)
    }

    /// Starts a server that requires `token` as a bearer token.
    pub fn start_with_token(faults: &[&str], token: Option<&str>) -> TestServer {
        TestServer::start_with(faults, token, None)
    }

    /// Starts a server with faults, an optional required token and optional HTTPS.
    pub fn start_with(faults: &[&str], token: Option<&str>, tls: Option<TlsFiles>) -> TestServer {
        let store = tempfile::tempdir().expect("tempdir");
        TestServer::start_full(store, "127.0.0.1:0", faults, token, tls)
    }

    /// Starts a server on a fixed `addr` over an existing storage folder (a fixture's).
    pub fn start_in(store: tempfile::TempDir, addr: &str, faults: &[&str]) -> TestServer {
        TestServer::start_full(store, addr, faults, None, None)
    }

    fn start_full(
        store: tempfile::TempDir,
        addr: &str,
        faults: &[&str],
        token: Option<&str>,
        tls: Option<TlsFiles>,
    ) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let faults = FaultConfig::from_specs(faults.iter().copied()).expect("fault specs");
        let config = ServerConfig {
            addr: addr.parse().expect("addr"),
            dir: store.path().to_path_buf(),
            faults,
            required_token: token.map(str::to_string),
            tls,
        };
        let server = runtime
            .block_on(hoist_refserver::start(config.clone()))
            .expect("server starts");
        let config = ServerConfig {
            addr: server.local_addr(),
            ..config
        };
        TestServer {
            server: Some(server),
            runtime,
            store,
            config,
        }
    }

    /// Stops the server (connections are cut after a short grace) and starts it again on the
    /// same address and storage folder, with the faults in force now.
    pub fn restart(&mut self) {
        let faults = self.faults();
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
        let config = ServerConfig {
            faults,
            ..self.config.clone()
        };
        let started = std::time::Instant::now();
        loop {
            match self
                .runtime
                .block_on(hoist_refserver::start(config.clone()))
            {
                Ok(server) => {
                    self.server = Some(server);
                    return;
                }
                Err(e) if started.elapsed() < std::time::Duration::from_secs(10) => {
                    eprintln!("restart: {e}; trying again");
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("the server did not restart: {e}"),
            }
        }
    }

    /// The faults in force.
    pub fn faults(&self) -> FaultConfig {
        self.server.as_ref().expect("running").faults()
    }

    /// Replaces the faults in force.
    pub fn set_faults(&self, specs: &[&str]) {
        let faults = FaultConfig::from_specs(specs.iter().copied()).expect("fault specs");
        self.server.as_ref().expect("running").set_faults(faults);
    }

    pub fn base_url(&self) -> String {
        self.server.as_ref().expect("running").base_url()
    }

    /// A Cloud Storage-shaped initiate URL with `{name}` for the CLI.
    pub fn initiate_url(&self) -> String {
        format!(
            "{}/upload/storage/v1/b/test-bucket/o?uploadType=resumable&name={{name}}",
            self.base_url()
        )
    }

    pub fn stats(&self) -> ServerStats {
        self.server.as_ref().expect("running").stats()
    }

    /// How many faults of `kind` the server injected.
    pub fn injected(&self, kind: &str) -> u64 {
        self.stats().faults_injected.get(kind).copied().unwrap_or(0)
    }

    pub fn stored(&self, name: &str) -> PathBuf {
        self.store.path().join(name)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// A private Hoist home (journal, locks, logs) for one test.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Default for Home {
    fn default() -> Home {
        Home::new()
    }
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// `hoist` with this home and fast retries.
    pub fn hoist(&self) -> Command {
        let mut cmd = Command::new(hoist_binary());
        cmd.env("HOIST_HOME", self.dir.path())
            .env_remove("HOIST_LOG")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `hoist upload` to the given initiate URL with fast retries and extra args.
    pub fn upload(&self, endpoint: &str, extra: &[&str], files: &[&Path]) -> Output {
        let mut cmd = self.hoist();
        cmd.args([
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            endpoint,
        ]);
        cmd.args(FAST_RETRY);
        cmd.args(extra);
        cmd.args(files);
        cmd.output().expect("hoist runs")
    }

    /// Starts `hoist ARGS` (with fast retries) in the background, output discarded.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.hoist()
            .args(args)
            .args(FAST_RETRY)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn hoist")
    }

    /// Starts `hoist upload` of one file to `endpoint` in the background.
    pub fn spawn_upload(&self, endpoint: &str, extra: &[&str], file: &Path) -> std::process::Child {
        let mut args = vec![
            "upload",
            "--kind",
            "google-resumable",
            "--endpoint",
            endpoint,
        ];
        args.extend_from_slice(extra);
        args.push(file.to_str().expect("utf-8 path"));
        self.spawn(&args)
    }

    /// `hoist list --json`, parsed.
    pub fn list(&self) -> Vec<serde_json::Value> {
        list_in(self.dir.path())
    }
}

/// `hoist list --json` of the Hoist home `home`, parsed.
pub fn list_in(home: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(hoist_binary())
        .env("HOIST_HOME", home)
        .env_remove("HOIST_LOG")
        .stdin(Stdio::null())
        .args(["list", "--json"])
        .output()
        .expect("hoist list runs");
    assert!(out.status.success(), "list failed: {}", text(&out));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

/// Retry settings that keep tests quick.
pub const FAST_RETRY: [&str; 6] = [
    "--retry-initial",
    "20ms",
    "--retry-max-wait",
    "200ms",
    "--stall-timeout",
    "10s",
];

/// Writes a file of `size` pseudo-random bytes (seeded, so not compressible or all zeros).
pub fn make_file(dir: &Path, name: &str, size: u64, seed: u64) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut written = 0u64;
    let mut block = vec![0u8; 64 * 1024];
    while written < size {
        for chunk in block.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bytes = state.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        let n = (size - written).min(block.len() as u64) as usize;
        file.write_all(&block[..n]).expect("write");
        written += n as u64;
    }
    file.flush().expect("flush");
    path
}

/// Hex SHA-256 of a file.
pub fn sha256(path: &Path) -> String {
    let mut file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).expect("read");
    format!("{:x}", hasher.finalize())
}

/// Asserts the server stored exactly the source's bytes under `name`.
pub fn assert_stored_equal(server: &TestServer, name: &str, source: &Path) {
    let stored = server.stored(name);
    assert!(stored.exists(), "the server did not store {name}");
    assert_eq!(
        sha256(&stored),
        sha256(source),
        "stored {name} differs from the source"
    );
}

/// stdout and stderr of a run, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Waits until `cond` holds, polling, or panics after `secs`.
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while std::time::Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

/// The profile tests' runs: the explicit secrets file (`HOIST_SECRET_STORE=file`), traced logs.
impl Home {
    /// `hoist` with this home and the explicit secrets file.
    pub fn hoist_file_store(&self) -> Command {
        let mut cmd = self.hoist();
        cmd.env("HOIST_SECRET_STORE", "file")
            .env("HOIST_LOG", "hoist=trace,info");
        cmd
    }

    /// Runs `hoist ARGS` with `stdin` as standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Output {
        let mut cmd = self.hoist_file_store();
        cmd.args(args);
        output_with_stdin(cmd, stdin)
    }

    /// Runs `hoist ARGS` with the explicit secrets file.
    pub fn run(&self, args: &[&str]) -> Output {
        self.hoist_file_store()
            .args(args)
            .output()
            .expect("hoist runs")
    }

    /// The explicit secrets file of this home.
    pub fn secrets_file(&self) -> PathBuf {
        self.dir.path().join("data").join("secrets.json")
    }

    /// This home's `profiles.toml`.
    pub fn profiles_file(&self) -> PathBuf {
        self.dir.path().join("config").join("profiles.toml")
    }
}

/// Hoist may refuse (and exit) before reading its standard input: that is not a test failure.
pub fn ignore_broken_pipe(error: std::io::Error) -> std::io::Result<()> {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(error)
    }
}

/// Runs `cmd` with `stdin` as its standard input; its output.
pub fn output_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn hoist");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .or_else(ignore_broken_pipe)
        .expect("write stdin");
    child.wait_with_output().expect("hoist runs")
}

/// Starts a private D-Bus session bus (`dbus-daemon`, no service activation: nothing starts by
/// itself when a name is asked for) listening on a socket in `dir`. Returns the daemon (stop it
/// when done) and the bus address.
pub fn private_session_bus(dir: &Path) -> (std::process::Child, String) {
    private_bus(dir, "session")
}

/// Starts a private D-Bus bus of type `system` (as [`private_session_bus`]: no service
/// activation, everyone may own any name and send anything) listening on a socket in `dir`,
/// for stand-ins of logind and NetworkManager. Returns the daemon (stop it when done) and the
/// bus address, for `DBUS_SYSTEM_BUS_ADDRESS` or `hoist_core::system::SystemOptions`.
pub fn private_system_bus(dir: &Path) -> (std::process::Child, String) {
    private_bus(dir, "system")
}

/// A private `dbus-daemon` of type `kind` (`session` or `system`) on a socket in `dir`.
fn private_bus(dir: &Path, kind: &str) -> (std::process::Child, String) {
    let config = dir.join("bus.conf");
    std::fs::write(
        &config,
        format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>{kind}</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
            dir.join("bus").display(),
        ),
    )
    .expect("bus config");
    let mut daemon = Command::new("dbus-daemon")
        .arg(format!("--config-file={}", config.display()))
        .args(["--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts");
    let mut address = String::new();
    {
        use std::io::BufRead as _;
        let stdout = daemon.stdout.take().expect("stdout");
        std::io::BufReader::new(stdout)
            .read_line(&mut address)
            .expect("bus address");
    }
    let address = address.trim().to_string();
    assert!(!address.is_empty(), "dbus-daemon printed no address");
    (daemon, address)
}
