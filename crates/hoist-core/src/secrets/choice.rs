use serde::{Deserialize, Serialize};

use super::{FileSecretStore, KeyringStore, Secret, SecretError, SecretStore};
use crate::store::HoistDirs;
use crate::upload::SecretLocation;

/// The environment variable that chooses where new secrets go: `keyring` or `file`.
pub const STORE_VAR: &str = "HOIST_SECRET_STORE";

/// Where new secrets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreChoice {
    /// The system keyring; the secrets file, with a warning, when there is no keyring.
    #[default]
    Auto,
    /// The system keyring only: fail when there is none.
    Keyring,
    /// Hoist's secrets file (0600), chosen knowingly.
    File,
}

impl StoreChoice {
    /// `HOIST_SECRET_STORE` when it is set, `setting` (from the profiles file) otherwise.
    pub fn resolve(setting: StoreChoice) -> Result<StoreChoice, SecretError> {
        match std::env::var(STORE_VAR) {
            Ok(value) => StoreChoice::parse(&value),
            Err(_) => Ok(setting),
        }
    }

    fn parse(value: &str) -> Result<StoreChoice, SecretError> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(StoreChoice::Auto),
            "keyring" => Ok(StoreChoice::Keyring),
            "file" => Ok(StoreChoice::File),
            _ => Err(SecretError::BadChoice {
                value: value.chars().take(40).collect(),
            }),
        }
    }
}

/// Opens the store that holds secrets saved at `location`.
pub fn open(
    location: SecretLocation,
    dirs: &HoistDirs,
) -> Result<Box<dyn SecretStore>, SecretError> {
    Ok(match location {
        SecretLocation::Keyring => Box::new(KeyringStore::system()?),
        SecretLocation::File => Box::new(FileSecretStore::in_dirs(dirs)),
    })
}

/// Where [`store_secret`] put the secrets.
#[derive(Debug, Clone)]
pub struct StoredSecret {
    /// The store used.
    pub location: SecretLocation,
    /// The store, in words (never a secret).
    pub described: String,
    /// Set when the secrets went to the file only because there was no keyring: tell the user.
    pub warning: Option<String>,
    /// The same, typed: why there was no keyring and which file the secrets went to.
    pub no_keyring: Option<NoKeyring>,
}

/// Secrets went to the secrets file because no system keyring was available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoKeyring {
    /// What the keyring said (technical: for the log and the command line).
    pub reason: String,
    /// The secrets file they went to instead.
    pub file: std::path::PathBuf,
}

/// Stores each `(key, secret)` in the store `choice` names. With [`StoreChoice::Auto`] that is
/// the system keyring, or, when no keyring is available, the secrets file with a warning saying
/// so and where.
pub fn store_secret(
    dirs: &HoistDirs,
    choice: StoreChoice,
    items: &[(String, Secret)],
) -> Result<StoredSecret, SecretError> {
    let keyring_attempt = match choice {
        StoreChoice::File => None,
        StoreChoice::Keyring | StoreChoice::Auto => {
            Some(KeyringStore::system().and_then(|store| put_all(&store, items).map(|()| store)))
        }
    };
    match keyring_attempt {
        Some(Ok(store)) => Ok(StoredSecret {
            location: SecretLocation::Keyring,
            described: store.describe(),
            warning: None,
            no_keyring: None,
        }),
        Some(Err(error)) => {
            let unavailable = matches!(error, SecretError::KeyringUnavailable { .. });
            if choice == StoreChoice::Keyring || !unavailable {
                return Err(error);
            }
            let file = FileSecretStore::in_dirs(dirs);
            put_all(&file, items)?;
            Ok(StoredSecret {
                location: SecretLocation::File,
                described: file.describe(),
                warning: Some(format!(
                    "{error}. The secret was stored in {} instead: plain text protected by file \
                     permissions (mode 0600). To choose this knowingly and silence this warning, \
                     set {STORE_VAR}=file (or secret_store = \"file\" in the profiles file).",
                    file.describe()
                )),
                no_keyring: Some(NoKeyring {
                    reason: error.to_string(),
                    file: file.path().to_path_buf(),
                }),
            })
        }
        None => {
            let file = FileSecretStore::in_dirs(dirs);
            put_all(&file, items)?;
            Ok(StoredSecret {
                location: SecretLocation::File,
                described: file.describe(),
                warning: None,
                no_keyring: None,
            })
        }
    }
}

fn put_all(store: &dyn SecretStore, items: &[(String, Secret)]) -> Result<(), SecretError> {
    for (key, secret) in items {
        store.set(key, secret)?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn parses_choices() {
        assert_eq!(StoreChoice::parse("file").expect("file"), StoreChoice::File);
        assert_eq!(
            StoreChoice::parse(" Keyring ").expect("keyring"),
            StoreChoice::Keyring
        );
        assert_eq!(StoreChoice::parse("").expect("auto"), StoreChoice::Auto);
        assert!(matches!(
            StoreChoice::parse("plaintext"),
            Err(SecretError::BadChoice { .. })
        ));
    }

    #[test]
    fn file_choice_writes_the_private_file() {
        let home = tempfile::tempdir().expect("tempdir");
        let dirs = HoistDirs::from_home(home.path());
        let stored = store_secret(
            &dirs,
            StoreChoice::File,
            &[("profile/x".to_string(), Secret::new("s3cr3t"))],
        )
        .expect("store");
        assert_eq!(stored.location, SecretLocation::File);
        assert!(stored.warning.is_none());
        assert!(stored.no_keyring.is_none());
        let store = open(SecretLocation::File, &dirs).expect("open");
        assert_eq!(
            store.get("profile/x").expect("get"),
            Some(Secret::new("s3cr3t"))
        );
    }
}
