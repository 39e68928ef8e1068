//! The demo wiring: the reference server (`hoist-refserver`) offered as a Hoist destination, for
//! `hoist demo` and `hoist --demo`.

use std::path::Path;

use hoist_core::upload::{AuthSource, Destination, Service};
use hoist_refserver::{DemoServer, ServerError};

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
}
