//! Where secrets live: API keys, access and refresh tokens, client secrets, secret headers.
//!
//! - [`KeyringStore`]: the operating system's keyring (Secret Service on Linux and the BSDs,
//!   Keychain on macOS, Credential Manager on Windows), through the keyring crate's core API.
//! - [`FileSecretStore`]: a file private to the user (mode 0600) in Hoist's data folder, for
//!   computers without a keyring (a headless Linux box). Used only when chosen explicitly
//!   (`HOIST_SECRET_STORE=file`, or `secret_store = "file"` in the profiles file), or, when no
//!   keyring is available, with a warning that says where the secret went.
//!
//! Secrets are held in [`Secret`], whose `Debug` never shows the value. Nothing here logs a
//! secret or puts one in an error message.

mod choice;
mod error;
mod file_store;
mod keyring_store;
mod secret;

pub use choice::{NoKeyring, STORE_VAR, StoreChoice, StoredSecret, open, store_secret};
pub use error::SecretError;
pub use file_store::FileSecretStore;
pub use keyring_store::KeyringStore;
pub use secret::Secret;

use crate::upload::SecretLocation;

/// A place secrets are kept, by key. Implementations never log or print values.
pub trait SecretStore: Send + Sync {
    /// Which kind of store this is.
    fn location(&self) -> SecretLocation;
    /// Where the secrets are, in words for people (never a secret).
    fn describe(&self) -> String;
    /// The secret stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Secret>, SecretError>;
    /// Stores `secret` under `key`, replacing any earlier one.
    fn set(&self, key: &str, secret: &Secret) -> Result<(), SecretError>;
    /// Removes the secret under `key`; removing a missing one is not an error.
    fn delete(&self, key: &str) -> Result<(), SecretError>;
}
