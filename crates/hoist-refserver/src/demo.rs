//! The demo: a reference server on 127.0.0.1, with a switch that simulates a flaky network. `hoist
//! demo` runs it in a scratch folder emptied at each start ([`DemoServer::start`]); `hoist --demo`
//! keeps its storage and prefers a fixed port ([`DemoServer::open`]) so that demo uploads survive a
//! relaunch and continue where the server's offset says.

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

    /// The port the persistent demo asks for first.
    pub const PORT: u16 = 47_801;

    /// Starts the server storing into `store` as it is (sessions and finished files of earlier
    /// runs are kept), on the first of `ports` that is free, or on any free port when none is.
    #[allow(clippy::disallowed_methods, reason = "the demo server's own runtime")]
    pub fn open(store: &Path, ports: &[u16], flaky: bool) -> Result<DemoServer, ServerError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("hoist-demo-server")
            .enable_all()
            .build()
            .map_err(|source| ServerError::Storage {
                path: store.to_path_buf(),
                source,
            })?;
        let config = |port: u16| ServerConfig {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
            dir: store.to_path_buf(),
            faults: faults(flaky),
            required_token: None,
            tls: None,
        };
        let mut last_error = None;
        for port in ports.iter().copied().chain([0]) {
            match runtime.block_on(super::start(config(port))) {
                Ok(server) => {
                    return Ok(DemoServer {
                        runtime,
                        server: Some(server),
                        store: store.to_path_buf(),
                    });
                }
                Err(error @ ServerError::Bind { .. }) => {
                    tracing::info!(port, %error, "demo server: port taken, trying the next");
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or(ServerError::Storage {
            path: store.to_path_buf(),
            source: std::io::Error::other("no port to listen on"),
        }))
    }

    /// The port the server listens on (0 if it stopped).
    pub fn port(&self) -> u16 {
        self.server
            .as_ref()
            .map(|s| s.local_addr().port())
            .unwrap_or(0)
    }

    /// Empties the storage folder (finished files and unfinished sessions) in the background on
    /// the server's runtime, for a clean slate; never blocks the caller.
    pub fn clear_store(&self) {
        let store = self.store.clone();
        self.runtime.spawn(async move {
            let mut entries = match tokio::fs::read_dir(&store).await {
                Ok(entries) => entries,
                Err(error) => {
                    tracing::warn!(%error, "demo reset: could not read the storage folder");
                    return;
                }
            };
            while let Ok(Some(entry)) = entries.next_entry().await {
                let path = entry.path();
                let removed = match entry.file_type().await {
                    Ok(kind) if kind.is_dir() => tokio::fs::remove_dir_all(&path).await,
                    _ => tokio::fs::remove_file(&path).await,
                };
                if let Err(error) = removed {
                    tracing::warn!(%error, path = %path.display(), "demo reset: could not remove");
                }
            }
            for folder in [super::storage::SESSIONS_DIR, super::storage::PARTIAL_DIR] {
                if let Err(error) = tokio::fs::create_dir_all(store.join(folder)).await {
                    tracing::warn!(%error, "demo reset: could not recreate {folder}");
                }
            }
        });
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
