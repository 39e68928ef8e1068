//! The real tray: Hoist's StatusNotifierItem (`ksni`) on the session bus. Its D-Bus work runs as
//! futures on the engine's runtime (`EngineHandle::jobs`) and on ksni's own executor thread; the
//! menu only sends [`WindowRequest`]s and wakes the window.

use std::sync::mpsc::Sender;
use std::time::Duration;

use ksni::TrayMethods as _;
use ksni::menu::{MenuItem, StandardItem};
use poll_promise::Promise;

use super::{NoTray, SystemTray, TrayIcon, TraySummary, Wake, WindowRequest};

/// The StatusNotifierWatcher's well-known name on the session bus.
const WATCHER: &str = "org.kde.StatusNotifierWatcher";
/// How long asking the session bus may take before Hoist decides there is no tray.
const BUS_WAIT: Duration = Duration::from_secs(5);
/// The icon at the sizes trays draw (`scripts/render-icons.sh`).
const ICON_PNGS: [&[u8]; 2] = [
    include_bytes!("../../../../assets/icons/hoist-32.png"),
    include_bytes!("../../../../assets/icons/hoist-64.png"),
];
/// The tray menu's words.
pub const OPEN_HOIST: &str = "Open Hoist";
/// Pauses every upload.
pub const PAUSE_ALL: &str = "Pause all";
/// Resumes every paused upload.
pub const RESUME_ALL: &str = "Resume all";
/// Pauses the uploads and quits.
pub const QUIT: &str = "Quit";

/// Hoist's item as ksni serves it.
struct HoistItem {
    summary: TraySummary,
    requests: Sender<WindowRequest>,
    wake: Wake,
    icons: Vec<ksni::Icon>,
}

impl HoistItem {
    fn ask(&self, request: WindowRequest) {
        if self.requests.send(request).is_ok() {
            (self.wake)();
        }
    }
}

impl ksni::Tray for HoistItem {
    fn id(&self) -> String {
        crate::APP_ID.to_string()
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        self.ask(WindowRequest::Open);
    }

    fn title(&self) -> String {
        format!("Hoist: {}", self.summary.line)
    }

    fn icon_name(&self) -> String {
        crate::APP_ID.to_string()
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.icons.clone()
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            icon_name: crate::APP_ID.to_string(),
            icon_pixmap: Vec::new(),
            title: "Hoist".to_string(),
            description: self.summary.line.clone(),
        }
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let (label, request) = if self.summary.paused {
            (RESUME_ALL, WindowRequest::ResumeAll)
        } else {
            (PAUSE_ALL, WindowRequest::PauseAll)
        };
        let item = |label: &str, request: WindowRequest| {
            MenuItem::Standard(StandardItem {
                label: label.to_string(),
                activate: Box::new(move |item: &mut HoistItem| item.ask(request)),
                ..Default::default()
            })
        };
        vec![
            item(OPEN_HOIST, WindowRequest::Open),
            item(label, request),
            MenuItem::Separator,
            item(QUIT, WindowRequest::Quit),
        ]
    }
}

/// The icon in ARGB32 (network byte order) as StatusNotifierItem wants it.
fn icon_pixmaps() -> Vec<ksni::Icon> {
    ICON_PNGS
        .iter()
        .filter_map(|png| {
            let image = image::load_from_memory(png)
                .inspect_err(|e| tracing::warn!("the tray icon does not decode: {e}"))
                .ok()?
                .into_rgba8();
            let (width, height) = image.dimensions();
            let data = image
                .pixels()
                .flat_map(|p| [p[3], p[0], p[1], p[2]])
                .collect();
            Some(ksni::Icon {
                width: i32::try_from(width).ok()?,
                height: i32::try_from(height).ok()?,
                data,
            })
        })
        .collect()
}

/// Whether the session bus has a StatusNotifierWatcher that says a host (a tray) is there.
async fn host_present() -> Result<bool, zbus::Error> {
    let bus = zbus::Connection::session().await?;
    let dbus = zbus::fdo::DBusProxy::new(&bus).await?;
    let name = zbus::names::BusName::try_from(WATCHER)?;
    if !dbus.name_has_owner(name).await? {
        return Ok(false);
    }
    let watcher = zbus::proxy::Builder::<zbus::Proxy<'_>>::new(&bus)
        .destination(WATCHER)?
        .path("/StatusNotifierWatcher")?
        .interface(WATCHER)?
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    watcher
        .get_property::<bool>("IsStatusNotifierHostRegistered")
        .await
}

/// The tray of the desktop session (`DBUS_SESSION_BUS_ADDRESS`), reached on `jobs`.
pub struct StatusNotifierTray {
    jobs: tokio::runtime::Handle,
}

impl StatusNotifierTray {
    /// A tray whose D-Bus work runs on `jobs` (the engine's runtime).
    pub fn new(jobs: tokio::runtime::Handle) -> StatusNotifierTray {
        StatusNotifierTray { jobs }
    }
}

impl SystemTray for StatusNotifierTray {
    fn has_host(&self, wake: Wake) -> Promise<bool> {
        let (sender, promise) = Promise::new();
        self.jobs.spawn(async move {
            let present = match tokio::time::timeout(BUS_WAIT, host_present()).await {
                Ok(Ok(present)) => present,
                Ok(Err(error)) => {
                    tracing::info!(%error, "no session bus to look for a tray on");
                    false
                }
                Err(_) => {
                    tracing::info!("the session bus did not answer in time; no tray");
                    false
                }
            };
            if !present {
                tracing::info!("no StatusNotifierWatcher with a host: closing minimises");
            }
            sender.send(present);
            wake();
        });
        promise
    }

    fn show(
        &self,
        summary: TraySummary,
        requests: Sender<WindowRequest>,
        wake: Wake,
    ) -> Promise<Result<Box<dyn TrayIcon>, NoTray>> {
        let (sender, promise) = Promise::new();
        let jobs = self.jobs.clone();
        let item = HoistItem {
            summary,
            requests,
            wake: wake.clone(),
            icons: icon_pixmaps(),
        };
        self.jobs.spawn(async move {
            let answer = match tokio::time::timeout(BUS_WAIT, item.spawn()).await {
                Ok(Ok(handle)) => {
                    tracing::info!("the tray icon is in place");
                    Ok(Box::new(Icon { handle, jobs }) as Box<dyn TrayIcon>)
                }
                Ok(Err(error)) => Err(NoTray::NoHost(error.to_string())),
                Err(_) => Err(NoTray::NoHost("the session bus did not answer".to_string())),
            };
            if let Err(error) = &answer {
                tracing::info!(%error, "no tray icon");
            }
            sender.send(answer);
            wake();
        });
        promise
    }
}

/// The icon while it is in the tray.
struct Icon {
    handle: ksni::Handle<HoistItem>,
    jobs: tokio::runtime::Handle,
}

impl TrayIcon for Icon {
    fn update(&self, summary: TraySummary) {
        let handle = self.handle.clone();
        self.jobs.spawn(async move {
            handle.update(|item| item.summary = summary).await;
        });
    }

    fn remove(self: Box<Self>) {
        // The request is sent now; ksni's own task takes the item off the bus.
        drop(self.handle.shutdown());
    }
}
