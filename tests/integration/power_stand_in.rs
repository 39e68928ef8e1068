//! Stand-ins for logind and NetworkManager on a private system bus (a real `dbus-daemon`),
//! written with zbus's server side: logind's `Inhibit` (each lock a pipe whose reading end the
//! test keeps: end of file = every copy of the lock closed = released) and `PrepareForSleep`,
//! and NetworkManager's `Metered` property with its `PropertiesChanged` signal.

use std::io::Read as _;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const LOGIND_PATH: &str = "/org/freedesktop/login1";
const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
const NETWORK_MANAGER_PATH: &str = "/org/freedesktop/NetworkManager";

/// A private system bus; stopped on drop.
pub(crate) struct SystemBus {
    daemon: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl SystemBus {
    pub fn start() -> SystemBus {
        assert!(
            crate::peers::on_path("dbus-daemon"),
            "dbus-daemon is not on PATH (apt-get install dbus)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let (daemon, address) = crate::support::private_system_bus(dir.path());
        SystemBus {
            daemon,
            address,
            _dir: dir,
        }
    }
}

impl Drop for SystemBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// One inhibitor lock handed out, as logind's `Inhibit` was asked for it.
#[derive(Clone, Debug)]
pub(crate) struct Inhibitor {
    /// `what`, `who`, `why`, `mode` as asked.
    pub asked: [String; 4],
    released: Arc<AtomicBool>,
}

impl Inhibitor {
    /// Whether every copy of the lock's descriptor is closed.
    pub fn released(&self) -> bool {
        self.released.load(Ordering::SeqCst)
    }
}

/// logind's manager, as far as Hoist uses it.
struct Logind {
    inhibitors: Arc<Mutex<Vec<Inhibitor>>>,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Logind {
    async fn inhibit(
        &self,
        what: String,
        who: String,
        why: String,
        mode: String,
    ) -> zbus::fdo::Result<zbus::zvariant::OwnedFd> {
        let (mut reader, writer) =
            std::io::pipe().map_err(|e| zbus::fdo::Error::IOError(e.to_string()))?;
        let released = Arc::new(AtomicBool::new(false));
        let flag = released.clone();
        std::thread::spawn(move || {
            // Nothing is ever written: this returns once every writing end is closed.
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest);
            flag.store(true, Ordering::SeqCst);
        });
        self.inhibitors.lock().expect("lock").push(Inhibitor {
            asked: [what, who, why, mode],
            released,
        });
        Ok(std::os::fd::OwnedFd::from(writer).into())
    }
}

/// NetworkManager, as far as Hoist uses it.
struct NetworkManager {
    metered: u32,
}

#[zbus::interface(name = "org.freedesktop.NetworkManager")]
impl NetworkManager {
    #[zbus(property)]
    async fn metered(&self) -> u32 {
        self.metered
    }
}

/// The stand-in services, owning logind's and NetworkManager's names on the bus.
pub(crate) struct StandIn {
    connection: zbus::Connection,
    inhibitors: Arc<Mutex<Vec<Inhibitor>>>,
    runtime: tokio::runtime::Runtime,
}

impl StandIn {
    /// Starts both services, NetworkManager saying `metered` (NMMetered) at first.
    pub fn start(address: &str, metered: u32) -> StandIn {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let inhibitors = Arc::new(Mutex::new(Vec::new()));
        let logind = Logind {
            inhibitors: inhibitors.clone(),
        };
        let connection = runtime.block_on(async {
            zbus::connection::Builder::address(address)
                .expect("address")
                .name("org.freedesktop.login1")
                .expect("name")
                .name("org.freedesktop.NetworkManager")
                .expect("name")
                .serve_at(LOGIND_PATH, logind)
                .expect("serve logind")
                .serve_at(NETWORK_MANAGER_PATH, NetworkManager { metered })
                .expect("serve NetworkManager")
                .build()
                .await
                .expect("the stand-in connects")
        });
        StandIn {
            connection,
            inhibitors,
            runtime,
        }
    }

    /// Every lock handed out so far, oldest first.
    pub fn inhibitors(&self) -> Vec<Inhibitor> {
        self.inhibitors.lock().expect("lock").clone()
    }

    /// Emits logind's `PrepareForSleep(start)`.
    pub fn prepare_for_sleep(&self, start: bool) {
        self.runtime.block_on(async {
            self.connection
                .emit_signal(
                    None::<zbus::names::BusName<'_>>,
                    LOGIND_PATH,
                    LOGIND_MANAGER,
                    "PrepareForSleep",
                    &start,
                )
                .await
                .expect("emit PrepareForSleep");
        });
    }

    /// Sets NetworkManager's `Metered` and emits `PropertiesChanged`.
    pub fn set_metered(&self, metered: u32) {
        self.runtime.block_on(async {
            let iface = self
                .connection
                .object_server()
                .interface::<_, NetworkManager>(NETWORK_MANAGER_PATH)
                .await
                .expect("the NetworkManager stand-in");
            iface.get_mut().await.metered = metered;
            iface
                .get()
                .await
                .metered_changed(iface.signal_emitter())
                .await
                .expect("emit PropertiesChanged");
        });
    }
}
