//! The system bus and the proxies the watchers use.

use zbus::{Connection, Proxy};

use super::SystemOptions;

/// logind's well-known name.
pub(super) const LOGIND: &str = "org.freedesktop.login1";
/// logind's manager object.
pub(super) const LOGIND_PATH: &str = "/org/freedesktop/login1";
/// logind's manager interface (`Inhibit`, `PrepareForSleep`).
pub(super) const LOGIND_MANAGER: &str = "org.freedesktop.login1.Manager";
/// NetworkManager's well-known name, object and interface (the `Metered` property).
pub(super) const NETWORK_MANAGER: &str = "org.freedesktop.NetworkManager";
/// NetworkManager's object.
pub(super) const NETWORK_MANAGER_PATH: &str = "/org/freedesktop/NetworkManager";

/// Connects to the system bus (or the one `options` names).
pub(super) async fn system_bus(options: &SystemOptions) -> zbus::Result<Connection> {
    match &options.bus_address {
        Some(address) => {
            zbus::connection::Builder::address(address.as_str())?
                .build()
                .await
        }
        None => Connection::system().await,
    }
}

/// A proxy for logind's manager.
pub(super) async fn logind(connection: &Connection) -> zbus::Result<Proxy<'static>> {
    Proxy::new(connection, LOGIND, LOGIND_PATH, LOGIND_MANAGER).await
}
