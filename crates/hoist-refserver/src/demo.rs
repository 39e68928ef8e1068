//! The demo: a reference server on 127.0.0.1 in a scratch folder, with a switch that simulates a
//! flaky network. Used by `hoist demo` and `hoist --demo`.

use std::path::{Path, PathBuf};

use super::{FaultConfig, RunningServer, ServerConfig, ServerError};

/// A steady link, slow enough that progress is visible.
const STEADY: &[&str] = &["throttle=40MiB"];
/// A flaky link: dropped connections, server errors, lost bytes, latency.
const FLAKY: &[&str] = &[
    "throttle=40MiB",
    "drop-rate=0.15",
    "error-rate=0.1",
    "short-commit=256KiB",
    "latency=30ms",
];

/// The demo server and the runtime it runs on.
pub struct DemoServer {
    runtime: tokio::runtime::Runtime,
    server: Option<RunningServer>,
    store: PathBuf,
}

impl std::fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoServer")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl DemoServer {
    /// Starts the server storing into `scratch/server` (emptied first).
    #[allow(clippy::disallowed_methods, reason = "the demo server's own runtime")]
    pub fn start(scratch: &Path, flaky: bool) -> Result<DemoServer, ServerError> {
        let store = scratch.join("server");
        let _ = std::fs::remove_dir_all(&store);
        std::fs::create_dir_all(&store).map_err(|source| ServerError::Storage {
            path: store.clone(),
            source,
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hoist-demo-server")
            .enable_all()
            .build()
            .map_err(|source| ServerError::Storage {
                path: store.clone(),
                source,
            })?;
        let server = runtime.block_on(super::start(ServerConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            dir: store.clone(),
            faults: faults(flaky),
            required_token: None,
            tls: None,
        }))?;
        Ok(DemoServer {
            runtime,
            server: Some(server),
            store,
        })
    }

    /// Where the uploads land.
    pub fn store(&self) -> &Path {
        &self.store
    }

    /// The server's base URL.
    pub fn base_url(&self) -> String {
        self.server
            .as_ref()
            .map(RunningServer::base_url)
            .unwrap_or_default()
    }

    /// Turns the simulated flaky network on or off.
    pub fn set_flaky(&self, flaky: bool) {
        if let Some(server) = &self.server {
            server.set_faults(faults(flaky));
        }
    }

    /// The Google-protocol initiate URL of the demo bucket, with `{name}` standing for the
    /// URL-encoded file name.
    pub fn google_initiate_url(&self) -> String {
        format!(
            "{}/upload/storage/v1/b/demo/o?uploadType=resumable&name={{name}}",
            self.base_url()
        )
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

fn faults(flaky: bool) -> FaultConfig {
    let specs = if flaky { FLAKY } else { STEADY };
    FaultConfig::from_specs(specs.iter().copied()).unwrap_or_default()
}
