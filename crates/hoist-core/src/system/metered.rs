//! Following whether the connection is metered: NetworkManager's `Metered` property (NMMetered:
//! 0 unknown, 1 yes, 2 no, 3 guessed yes, 4 guessed no; yes and guessed yes count as metered),
//! sent to the engine as [`Command::SetMetered`] whenever it changes. Without NetworkManager,
//! people who asked to pause on metered connections are told once that Hoist cannot see it.

use futures_util::StreamExt as _;
use zbus::Proxy;

use super::bus::{NETWORK_MANAGER, NETWORK_MANAGER_PATH, system_bus};
use super::{SystemOptions, send};
use crate::engine::{Command, EngineHandle, EngineWarning};

/// Whether an NMMetered value means metered (1 yes, 3 guessed yes).
pub fn is_metered(nm_metered: u32) -> bool {
    matches!(nm_metered, 1 | 3)
}

/// Follows the property until the engine stops.
pub(super) async fn follow_metered(engine: EngineHandle, options: SystemOptions) {
    let proxy = async {
        let bus = system_bus(&options).await?;
        let proxy =
            Proxy::new(&bus, NETWORK_MANAGER, NETWORK_MANAGER_PATH, NETWORK_MANAGER).await?;
        let first = proxy.get_property::<u32>("Metered").await?;
        zbus::Result::Ok((proxy, first))
    }
    .await;
    let (proxy, first) = match proxy {
        Ok(found) => found,
        Err(e) => {
            // Uploads must not wait for an answer that never comes.
            if !send(&engine, Command::SetMetered(false)).await {
                return;
            }
            return unavailable(&engine, e.to_string()).await;
        }
    };
    let mut metered = is_metered(first);
    if !send(&engine, Command::SetMetered(metered)).await {
        return;
    }
    let mut changes = proxy.receive_property_changed::<u32>("Metered").await;
    let mut stopped = engine.activity();
    loop {
        tokio::select! {
            change = changes.next() => {
                let Some(change) = change else { return };
                let Ok(value) = change.get().await else { continue };
                if is_metered(value) != metered {
                    metered = is_metered(value);
                    if !send(&engine, Command::SetMetered(metered)).await {
                        return;
                    }
                }
            }
            changed = stopped.changed() => if changed.is_err() { return },
        }
    }
}

/// NetworkManager cannot be asked: the log says why; people who turned "Pause on metered
/// connections" on (now or later) are told once.
async fn unavailable(engine: &EngineHandle, detail: String) {
    tracing::info!("cannot tell whether the connection is metered (no NetworkManager): {detail}");
    let mut activity = engine.activity();
    loop {
        if activity.borrow_and_update().pause_on_metered {
            send(
                engine,
                Command::Warn {
                    kind: EngineWarning::CannotSeeMetered,
                    detail,
                },
            )
            .await;
            return;
        }
        if activity.changed().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_and_guessed_yes_are_metered() {
        let metered: Vec<u32> = (0..=4).filter(|v| is_metered(*v)).collect();
        assert_eq!(metered, [1, 3]);
    }
}
