//! The demo wiring: the reference server (`hoist-refserver`) offered as a Hoist destination, for
//! `hoist demo` (a scratch folder, emptied at each start) and `hoist --demo` (a persistent demo
//! home, [`DemoHome`], with the server on a fixed port so demo uploads survive a relaunch).

use std::path::{Path, PathBuf};

use hoist_core::store::{HoistDirs, Journal, StoreError};
use hoist_core::upload::{AuthSource, Destination, Service};
use hoist_refserver::{DemoServer, ServerError};

/// Overrides the demo server's first port (tests run several demos at once).
const PORT_VAR: &str = "HOIST_DEMO_PORT";
/// How many ports after the first one the demo tries before taking any free port.
const FALLBACK_PORTS: u16 = 9;

/// The running demo server.
pub(crate) struct Demo {
    server: DemoServer,
}

impl Demo {
    /// Starts the server storing into `scratch/server` (emptied first).
    pub(crate) fn start(scratch: &Path, flaky: bool) -> Result<Demo, ServerError> {
        Ok(Demo {
            server: DemoServer::start(scratch, flaky)?,
        })
    }

    /// The server itself (its address and storage folder).
    pub(crate) fn server(&self) -> &DemoServer {
        &self.server
    }

    /// The destination that uploads to the demo server, with no credentials.
    pub(crate) fn destination(&self) -> Destination {
        Destination {
            service: Service::GoogleResumable {
                initiate_url: self.server.google_initiate_url(),
            },
            auth: AuthSource::None,
        }
    }
}

impl hoist_ui::DemoControl for Demo {
    fn destination(&self) -> Destination {
        Demo::destination(self)
    }

    fn set_flaky(&self, flaky: bool) {
        self.server.set_flaky(flaky);
    }

    fn reset(&self) {
        self.server.clear_store();
    }
}

/// Where `hoist --demo` keeps everything, under Hoist's data folder: `demo/home` (a Hoist home of
/// its own: journal, locks, window settings, logs), `demo/server` (what the demo server stored)
/// and `demo/port` (the port it listened on last).
#[derive(Debug, Clone)]
pub(crate) struct DemoHome {
    root: PathBuf,
}

/// What happened when the persistent demo started.
pub(crate) struct OpenedDemo {
    /// The server.
    pub(crate) demo: Demo,
    /// The demo's own Hoist folders.
    pub(crate) dirs: HoistDirs,
    /// Set when the usual port was taken and the demo moved: the port it had before.
    pub(crate) moved_from: Option<u16>,
}

impl DemoHome {
    /// The demo home of Hoist's folders `dirs`.
    pub(crate) fn of(dirs: &HoistDirs) -> DemoHome {
        DemoHome {
            root: dirs.data_dir.join("demo"),
        }
    }

    /// The demo's own Hoist folders.
    pub(crate) fn dirs(&self) -> HoistDirs {
        HoistDirs::from_home(&self.root.join("home"))
    }

    fn server_dir(&self) -> PathBuf {
        self.root.join("server")
    }

    fn port_file(&self) -> PathBuf {
        self.root.join("port")
    }

    /// Starts the demo server over the kept storage, on the port it had last time (or
    /// [`DemoServer::PORT`], or `HOIST_DEMO_PORT`), falling back to the next few ports and then to
    /// any free one. When it lands elsewhere than last time, the demo journal's uploads are
    /// pointed at the new address so they continue there.
    pub(crate) fn open(&self, flaky: bool) -> anyhow::Result<OpenedDemo> {
        let dirs = self.dirs();
        dirs.ensure()?;
        let first = std::env::var(PORT_VAR)
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .filter(|p| *p != 0)
            .unwrap_or(DemoServer::PORT);
        let last = std::fs::read_to_string(self.port_file())
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok());
        let mut ports: Vec<u16> = Vec::new();
        for port in last
            .into_iter()
            .chain((0..=FALLBACK_PORTS).filter_map(|i| first.checked_add(i)))
        {
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
        let server = DemoServer::open(&self.server_dir(), &ports, flaky)?;
        let port = server.port();
        let moved_from = last.filter(|last| *last != port);
        if let Some(old) = moved_from {
            let changed = follow_port(&dirs, old, port)?;
            tracing::warn!(
                old,
                new = port,
                changed,
                "the demo server's port was taken; demo uploads moved to the new port"
            );
        }
        if last != Some(port) {
            std::fs::write(self.port_file(), format!("{port}\n")).map_err(|e| {
                anyhow::anyhow!("could not write {}: {e}", self.port_file().display())
            })?;
        }
        Ok(OpenedDemo {
            demo: Demo { server },
            dirs,
            moved_from,
        })
    }
}

/// Points the demo journal's uploads at the server's new port.
fn follow_port(dirs: &HoistDirs, old: u16, new: u16) -> Result<usize, StoreError> {
    let opened = Journal::open(&dirs.journal_path())?;
    opened.journal.replace_origin(
        &format!("http://127.0.0.1:{old}"),
        &format!("http://127.0.0.1:{new}"),
    )
}
