use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};

use super::{Secret, SecretError, SecretStore};
use crate::upload::SecretLocation;

/// The service name Hoist's entries carry in the keyring.
const SERVICE: &str = "hoist";

/// Secrets in the operating system's keyring, one entry per key (service `hoist`, user = key).
pub struct KeyringStore {
    store: Arc<CredentialStore>,
}

impl KeyringStore {
    /// The platform's keyring: Secret Service (over D-Bus) on Linux and the BSDs, Keychain on
    /// macOS, Credential Manager on Windows. Fails when there is none (e.g. no session bus).
    pub fn system() -> Result<KeyringStore, SecretError> {
        Ok(KeyringStore {
            store: platform_store()?,
        })
    }

    /// A keyring over any credential store (tests use `keyring_core::mock::Store`).
    pub fn with_store(store: Arc<CredentialStore>) -> KeyringStore {
        KeyringStore { store }
    }

    fn entry(&self, key: &str) -> Result<Entry, SecretError> {
        self.store
            .build(SERVICE, key, None)
            .map_err(SecretError::from_keyring)
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
        SecretError::KeyringUnavailable {
            detail: format!("Secret Service: {e}"),
        }
    })?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| {
        SecretError::KeyringUnavailable {
            detail: format!("Keychain: {e}"),
        }
    })?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
    let store = windows_native_keyring_store::Store::new().map_err(|e| {
        SecretError::KeyringUnavailable {
            detail: format!("Credential Manager: {e}"),
        }
    })?;
    Ok(store)
}

#[cfg(not(any(unix, target_os = "windows")))]
fn platform_store() -> Result<Arc<CredentialStore>, SecretError> {
    Err(SecretError::KeyringUnavailable {
        detail: "this platform has no supported keyring".to_string(),
    })
}

impl SecretStore for KeyringStore {
    fn location(&self) -> SecretLocation {
        SecretLocation::Keyring
    }

    fn describe(&self) -> String {
        let name = if cfg!(target_os = "macos") {
            "Keychain"
        } else if cfg!(target_os = "windows") {
            "Credential Manager"
        } else {
            "Secret Service"
        };
        format!("the system keyring ({name}, service \"{SERVICE}\")")
    }

    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::from_keyring(e)),
        }
    }

    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError> {
        self.entry(key)?
            .set_password(secret.expose())
            .map_err(SecretError::from_keyring)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::from_keyring(e)),
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_the_mock_keyring() {
        let store = KeyringStore::with_store(keyring_core::mock::Store::new().expect("mock"));
        assert_eq!(store.get("profile/a").expect("get"), None);
        store
            .set("profile/a", &Secret::new("key-aaa"))
            .expect("set");
        store
            .set("profile/b", &Secret::new("key-bbb"))
            .expect("set");
        assert_eq!(
            store.get("profile/a").expect("get"),
            Some(Secret::new("key-aaa"))
        );
        store
            .set("profile/a", &Secret::new("key-ccc"))
            .expect("replace");
        assert_eq!(
            store.get("profile/a").expect("get"),
            Some(Secret::new("key-ccc"))
        );
        store.delete("profile/a").expect("delete");
        store.delete("profile/a").expect("delete twice");
        assert_eq!(store.get("profile/a").expect("get"), None);
        assert_eq!(
            store.get("profile/b").expect("get"),
            Some(Secret::new("key-bbb"))
        );
        assert_eq!(store.location(), SecretLocation::Keyring);
    }
}
