//! Refresh tokens kept in Hoist's secret store: the system keyring, or the explicit 0600
//! secrets file (`HOIST_SECRET_STORE=file`, or automatically with a warning in the log when no
//! keyring answers), the same place profiles keep their API keys.

use super::{SecretString, TokenStore, TokenStoreError};
use crate::secrets::{
    FileSecretStore, KeyringStore, Secret, SecretError, SecretStore, StoreChoice, store_secret,
};
use crate::store::HoistDirs;

/// Prefix of the keys OAuth tokens are stored under (`oauth/google/<account>`).
const KEY_PREFIX: &str = "oauth/";

/// A [`TokenStore`] over the secret store.
#[derive(Debug, Clone)]
pub struct SecretStoreTokens {
    dirs: HoistDirs,
    /// The store chosen by the caller; `None`: `HOIST_SECRET_STORE`, else automatic.
    forced: Option<StoreChoice>,
}

impl SecretStoreTokens {
    /// Tokens in the secret store of the Hoist folders `dirs`, chosen as for profiles.
    pub fn new(dirs: HoistDirs) -> SecretStoreTokens {
        SecretStoreTokens { dirs, forced: None }
    }

    /// Tokens in the store `choice`, whatever the environment says.
    pub fn with_choice(dirs: HoistDirs, choice: StoreChoice) -> SecretStoreTokens {
        SecretStoreTokens {
            dirs,
            forced: Some(choice),
        }
    }

    fn choice(&self, action: &'static str) -> Result<StoreChoice, TokenStoreError> {
        match self.forced {
            Some(choice) => Ok(choice),
            None => StoreChoice::resolve(StoreChoice::Auto).map_err(|e| failed(action, &e)),
        }
    }

    /// The stores to look in, keyring first (unless the file was chosen or no keyring answers).
    fn stores(&self, choice: StoreChoice) -> Vec<Box<dyn SecretStore>> {
        let mut stores: Vec<Box<dyn SecretStore>> = Vec::new();
        if choice != StoreChoice::File
            && let Ok(keyring) = KeyringStore::system()
        {
            stores.push(Box::new(keyring));
        }
        if choice != StoreChoice::Keyring {
            stores.push(Box::new(FileSecretStore::in_dirs(&self.dirs)));
        }
        stores
    }
}

fn failed(action: &'static str, error: &SecretError) -> TokenStoreError {
    TokenStoreError {
        action,
        detail: error.to_string(),
    }
}

impl TokenStore for SecretStoreTokens {
    fn load(&self, key: &str) -> Result<Option<SecretString>, TokenStoreError> {
        let key = format!("{KEY_PREFIX}{key}");
        for store in self.stores(self.choice("read")?) {
            match store.get(&key) {
                Ok(Some(secret)) => {
                    return Ok(Some(SecretString::new(secret.expose().to_string())));
                }
                Ok(None) => {}
                Err(SecretError::KeyringUnavailable { .. }) => {}
                Err(e) => return Err(failed("read", &e)),
            }
        }
        Ok(None)
    }

    fn save(&self, key: &str, token: &SecretString) -> Result<(), TokenStoreError> {
        let key = format!("{KEY_PREFIX}{key}");
        let stored = store_secret(
            &self.dirs,
            self.choice("saved")?,
            &[(key, Secret::new(token.expose()))],
        )
        .map_err(|e| failed("saved", &e))?;
        if let Some(warning) = stored.warning {
            tracing::warn!("{warning}");
        }
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), TokenStoreError> {
        let key = format!("{KEY_PREFIX}{key}");
        for store in self.stores(self.choice("deleted")?) {
            match store.delete(&key) {
                Ok(()) | Err(SecretError::KeyringUnavailable { .. }) => {}
                Err(e) => return Err(failed("deleted", &e)),
            }
        }
        Ok(())
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
    fn save_load_delete_in_the_secrets_file() {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(home.path());
        let tokens = SecretStoreTokens::with_choice(dirs.clone(), StoreChoice::File);
        assert!(tokens.load("google/a").expect("load").is_none());
        tokens
            .save("google/a", &SecretString::new("refresh-1".to_string()))
            .expect("save");
        let loaded = tokens.load("google/a").expect("load").expect("saved");
        assert_eq!(loaded.expose(), "refresh-1");
        // It is the profiles' secrets file, under its own key.
        let file = FileSecretStore::in_dirs(&dirs);
        assert_eq!(
            file.get("oauth/google/a")
                .expect("get")
                .expect("present")
                .expose(),
            "refresh-1"
        );
        tokens.delete("google/a").expect("delete");
        assert!(tokens.load("google/a").expect("load").is_none());
    }
}
