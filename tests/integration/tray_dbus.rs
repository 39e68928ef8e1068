//! The tray for real: `hoist --demo` (the real window, under Xvfb) on a private D-Bus session
//! with a StatusNotifierWatcher stand-in started by the test. Closing the window mid-upload
//! (as a window manager does, WM_DELETE_WINDOW) puts Hoist's item on the bus and hides the
//! window; the item's title and tooltip say what the upload does; its menu's Pause all, Resume
//! all, Open and Quit work (com.canonical.dbusmenu "clicked"). With no watcher the window stays
//! (minimised where a window manager does that) and no item is made. SIGTERM ends the window
//! as a normal close does: exit 0, the window-open marker removed, the upload resumable.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, MapState, Window,
};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

use crate::desktop::{DemoDirs, XDisplay, free_port};
use crate::support::{Home, make_file, wait_until};

const MIB: u64 = 1024 * 1024;
const WATCHER: &str = "org.kde.StatusNotifierWatcher";

/// A private session bus (no service activation); stopped on drop.
struct PrivateBus {
    daemon: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl PrivateBus {
    fn start() -> PrivateBus {
        assert!(
            crate::peers::on_path("dbus-daemon"),
            "dbus-daemon is not on PATH (apt-get install dbus)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let (daemon, address) = crate::support::private_session_bus(dir.path());
        PrivateBus {
            daemon,
            address,
            _dir: dir,
        }
    }

    async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .expect("address")
            .build()
            .await
            .expect("connect to the private bus")
    }
}

impl Drop for PrivateBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// The stand-in for the desktop's StatusNotifierWatcher: a host is always there, and every
/// item that registers is written down.
struct Watcher {
    items: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    async fn register_status_notifier_item(
        &self,
        service: &str,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let name = match header.sender() {
            Some(sender) if service.starts_with('/') => format!("{sender}{service}"),
            _ => service.to_string(),
        };
        self.items.lock().expect("lock").push(name);
    }

    async fn register_status_notifier_host(&self, _service: &str) {}

    #[zbus(property)]
    async fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    async fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().expect("lock").clone()
    }

    #[zbus(property)]
    async fn protocol_version(&self) -> i32 {
        0
    }
}

/// A runtime for the test's own D-Bus calls.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Sets the demo's remembered window settings: "Keep uploading in the background" already
/// chosen, and uploads held to 1 MiB/s so one is still running while the test looks.
fn remember_keep_uploading(home: &Home) {
    let config = home
        .dir
        .path()
        .join("data")
        .join("demo")
        .join("home")
        .join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(
        config.join("window.ron"),
        r#"{"app": "(on_close: Some(KeepUploading), bandwidth_limit_mib_per_sec: 1)"}"#,
    )
    .expect("window.ron");
}

/// The demo home's window-open marker (`src/session.rs`).
fn marker(home: &Home) -> PathBuf {
    DemoDirs::of(home)
        .root
        .join("home")
        .join("data")
        .join("window-open")
}

/// The X11 side: finding Hoist's window, closing it as a window manager would, whether shown.
struct X11 {
    conn: x11rb::rust_connection::RustConnection,
    root: Window,
}

impl X11 {
    fn connect(display: &XDisplay) -> X11 {
        let (conn, screen) = x11rb::connect(Some(display.name())).expect("X connection");
        let root = conn.setup().roots[screen].root;
        X11 { conn, root }
    }

    fn atom(&self, name: &str) -> u32 {
        self.conn
            .intern_atom(false, name.as_bytes())
            .expect("intern")
            .reply()
            .expect("atom")
            .atom
    }

    /// The top-level window whose title starts with "Hoist".
    fn hoist_window(&self) -> Option<Window> {
        let net_name = self.atom("_NET_WM_NAME");
        let tree = self.conn.query_tree(self.root).ok()?.reply().ok()?;
        tree.children.into_iter().find(|&window| {
            [net_name, u32::from(AtomEnum::WM_NAME)]
                .iter()
                .any(|&prop| {
                    self.conn
                        .get_property(false, window, prop, AtomEnum::ANY, 0, 64)
                        .ok()
                        .and_then(|c| c.reply().ok())
                        .is_some_and(|p| p.value.starts_with(b"Hoist"))
                })
        })
    }

    fn shown(&self, window: Window) -> bool {
        self.conn
            .get_window_attributes(window)
            .expect("attributes")
            .reply()
            .is_ok_and(|a| a.map_state == MapState::VIEWABLE)
    }

    /// What a window manager's close button sends.
    fn close(&self, window: Window) {
        let event = ClientMessageEvent::new(
            32,
            window,
            self.atom("WM_PROTOCOLS"),
            [self.atom("WM_DELETE_WINDOW"), 0, 0, 0, 0],
        );
        self.conn
            .send_event(false, window, EventMask::NO_EVENT, event)
            .expect("send");
        self.conn.flush().expect("flush");
    }
}

/// `hoist --demo FILE` on the private bus, with a demo port of its own.
fn start_window(display: &XDisplay, home: &Home, bus: &PrivateBus, file: &Path) -> Child {
    let log = home.dir.path().join("window.log");
    display
        .hoist(home, &["--demo", file.to_str().expect("utf-8")], &log)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("HOIST_DEMO_PORT", free_port().to_string())
        .spawn()
        .expect("hoist starts")
}

fn phase(home: &Home) -> String {
    DemoDirs::of(home)
        .list()
        .first()
        .and_then(|u| u["phase"].as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Every `hoist.log` under `dir`, one after the other.
fn hoist_logs(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            text.push_str(&hoist_logs(&path));
        } else if path.file_name().is_some_and(|n| n == "hoist.log") {
            text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    text
}

fn wait_for_exit(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("status") {
            return status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "hoist did not end in {secs} s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The item's properties and menu, read and clicked over D-Bus as a tray host does.
struct Item<'a> {
    conn: &'a zbus::Connection,
    name: String,
}

impl Item<'_> {
    async fn proxy(&self, path: &str, interface: &str) -> zbus::Proxy<'_> {
        zbus::proxy::Builder::<zbus::Proxy<'_>>::new(self.conn)
            .destination(self.name.clone())
            .expect("destination")
            .path(path.to_string())
            .expect("path")
            .interface(interface.to_string())
            .expect("interface")
            .cache_properties(zbus::proxy::CacheProperties::No)
            .build()
            .await
            .expect("proxy")
    }

    async fn property<T>(&self, name: &str) -> T
    where
        T: TryFrom<OwnedValue>,
        T::Error: Into<zbus::Error>,
    {
        self.proxy("/StatusNotifierItem", "org.kde.StatusNotifierItem")
            .await
            .get_property::<T>(name)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    async fn title(&self) -> String {
        self.property::<String>("Title").await
    }

    /// The menu's items: label to id.
    async fn menu(&self) -> HashMap<String, i32> {
        let path: OwnedObjectPath = self.property("Menu").await;
        let menu = self.proxy(path.as_str(), "com.canonical.dbusmenu").await;
        type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
        let (_revision, (_, _, children)): (u32, Layout) = menu
            .call("GetLayout", &(0i32, -1i32, Vec::<String>::new()))
            .await
            .expect("GetLayout");
        children
            .into_iter()
            .filter_map(|child| {
                let (id, props, _): Layout = child.try_into().ok()?;
                let label = String::try_from(props.get("label")?.try_clone().ok()?).ok()?;
                Some((label, id))
            })
            .collect()
    }

    async fn click(&self, label: &str) {
        let menu = self.menu().await;
        let id = *menu
            .get(label)
            .unwrap_or_else(|| panic!("no {label:?} in the menu: {menu:?}"));
        let path: OwnedObjectPath = self.property("Menu").await;
        self.proxy(path.as_str(), "com.canonical.dbusmenu")
            .await
            .call_method("Event", &(id, "clicked", Value::from(0i32), 0u32))
            .await
            .expect("Event");
    }
}

async fn has_owner(conn: &zbus::Connection, name: &str) -> bool {
    let dbus = zbus::fdo::DBusProxy::new(conn).await.expect("dbus proxy");
    dbus.name_has_owner(name.try_into().expect("bus name"))
        .await
        .unwrap_or(false)
}

/// Waits (on `rt`) until `cond` holds.
fn wait_async<F: std::future::Future<Output = bool>>(
    rt: &tokio::runtime::Runtime,
    secs: u64,
    what: &str,
    mut cond: impl FnMut() -> F,
) {
    wait_until(secs, what, || rt.block_on(cond()));
}

#[test]
fn closing_mid_upload_puts_hoist_in_the_tray_and_its_menu_works() {
    let display = XDisplay::start();
    let x11 = X11::connect(&display);
    let bus = PrivateBus::start();
    let rt = runtime();
    let items = Arc::new(Mutex::new(Vec::new()));
    let conn = rt.block_on(bus.connect());
    rt.block_on(async {
        conn.object_server()
            .at(
                "/StatusNotifierWatcher",
                Watcher {
                    items: items.clone(),
                },
            )
            .await
            .expect("serve the watcher");
        conn.request_name(WATCHER).await.expect("watcher name");
    });
    let home = Home::new();
    remember_keep_uploading(&home);
    let files = tempfile::tempdir().expect("tempdir");
    let file = make_file(files.path(), "holiday.mp4", 40 * MIB, 3);
    let mut child = start_window(&display, &home, &bus, &file);
    wait_until(60, "the upload to run", || phase(&home) == "uploading");
    let window = x11.hoist_window().expect("Hoist's window");
    assert!(x11.shown(window));

    x11.close(window);
    wait_until(30, "Hoist's item to register", || {
        !items.lock().expect("lock").is_empty()
    });
    let item = Item {
        conn: &conn,
        name: items.lock().expect("lock")[0].clone(),
    };
    wait_until(10, "the window to hide", || !x11.shown(window));
    assert!(child.try_wait().expect("status").is_none(), "hoist ended");
    rt.block_on(async {
        let title = item.title().await;
        assert!(title.starts_with("Hoist: Uploading 1 file — "), "{title}");
        assert!(title.ends_with(" %"), "{title}");
        let status: String = item.property("Status").await;
        assert_eq!(status, "Active");
        type ToolTip = (String, Vec<(i32, i32, Vec<u8>)>, String, String);
        let (_, _, tip_title, tip_text): ToolTip = item.property("ToolTip").await;
        assert_eq!(tip_title, "Hoist");
        assert!(tip_text.starts_with("Uploading 1 file — "), "{tip_text}");
        let menu = item.menu().await;
        for label in ["Open Hoist", "Pause all", "Quit"] {
            assert!(menu.contains_key(label), "{label}: {menu:?}");
        }
        item.click("Pause all").await;
    });
    wait_until(20, "the upload to pause", || phase(&home) == "paused");
    wait_async(&rt, 10, "the title to say paused", || async {
        item.title().await.starts_with("Hoist: 1 upload paused — ")
    });
    rt.block_on(item.click("Resume all"));
    wait_until(20, "the upload to run again", || {
        matches!(phase(&home).as_str(), "uploading" | "queued")
    });

    rt.block_on(item.click("Open Hoist"));
    wait_until(10, "the window to come back", || x11.shown(window));
    wait_async(&rt, 10, "the item to leave the bus", || async {
        !has_owner(&conn, &item.name).await
    });

    // Closed again: back in the tray (a new item); its Quit pauses and quits.
    x11.close(window);
    wait_until(30, "the item to register again", || {
        items.lock().expect("lock").len() == 2
    });
    let item = Item {
        conn: &conn,
        name: items.lock().expect("lock")[1].clone(),
    };
    rt.block_on(item.click("Quit"));
    let status = wait_for_exit(&mut child, 30);
    assert!(status.success(), "{status:?}");
    assert!(!marker(&home).exists(), "a normal end removes the marker");
    assert_ne!(phase(&home), "completed", "quit before the end");
}

#[test]
fn with_no_tray_the_window_stays_and_sigterm_quits_cleanly() {
    let display = XDisplay::start();
    let x11 = X11::connect(&display);
    let bus = PrivateBus::start();
    let rt = runtime();
    let conn = rt.block_on(bus.connect());
    let home = Home::new();
    remember_keep_uploading(&home);
    let files = tempfile::tempdir().expect("tempdir");
    let file = make_file(files.path(), "holiday.mp4", 40 * MIB, 4);
    let mut child = start_window(&display, &home, &bus, &file);
    wait_until(60, "the upload to run", || phase(&home) == "uploading");
    let window = x11.hoist_window().expect("Hoist's window");
    x11.close(window);
    std::thread::sleep(Duration::from_secs(3));
    // Minimised where a window manager does that (Xvfb has none): never hidden, still running.
    assert!(x11.shown(window), "with no tray the window is not hidden");
    assert!(child.try_wait().expect("status").is_none(), "hoist ended");
    let names: Vec<String> = rt.block_on(async {
        let dbus = zbus::fdo::DBusProxy::new(&conn).await.expect("dbus proxy");
        dbus.list_names()
            .await
            .expect("names")
            .into_iter()
            .map(|n| n.to_string())
            .collect()
    });
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("org.kde.StatusNotifierItem")),
        "{names:?}"
    );
    assert_eq!(phase(&home), "uploading");
    let logs = hoist_logs(home.dir.path());
    assert!(
        logs.contains("no tray: the window is minimised and the uploads go on"),
        "{logs}"
    );

    let confirmed = || {
        DemoDirs::of(&home)
            .list()
            .first()
            .and_then(|u| u["confirmed_bytes"].as_u64())
            .unwrap_or(0)
    };
    wait_until(60, "a first chunk to be confirmed", || confirmed() > 0);
    let before = confirmed();
    assert!(
        marker(&home).exists(),
        "the marker is there while the window is"
    );
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = wait_for_exit(&mut child, 30);
    assert!(status.success(), "SIGTERM ends like a close: {status:?}");
    assert!(!marker(&home).exists(), "SIGTERM removes the marker");
    let list = DemoDirs::of(&home).list();
    assert_eq!(list.len(), 1, "{list:?}");
    let after = confirmed();
    assert!(
        after >= before && after < 40 * MIB,
        "kept part-way: {before} then {after}"
    );
}

#[test]
fn sigint_and_sighup_also_end_the_window_like_a_close() {
    let display = XDisplay::start();
    // Held for the whole test: Xvfb resets when its last client leaves, and a window starting
    // during the reset cannot connect.
    let x11 = X11::connect(&display);
    let home = Home::new();
    let log = home.dir.path().join("window.log");
    for signal in ["-INT", "-HUP"] {
        let mut child = display
            .hoist(&home, &["--demo"], &log)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("HOIST_DEMO_PORT", free_port().to_string())
            .spawn()
            .expect("hoist starts");
        wait_until(60, "the window to be up", || {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "hoist ended: {status:?}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            marker(&home).exists() && x11.hoist_window().is_some()
        });
        // Listening for signals starts with the window; give it a frame to be drawn.
        std::thread::sleep(Duration::from_millis(500));
        let kill = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(kill.success());
        let status = wait_for_exit(&mut child, 30);
        assert!(status.success(), "{signal}: {status:?}");
        assert!(!marker(&home).exists(), "{signal} removes the marker");
    }
}
