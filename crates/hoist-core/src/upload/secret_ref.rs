use serde::{Deserialize, Serialize};

/// Where a stored secret is kept. Not the secret: only which store holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretLocation {
    /// The operating system's keyring (Secret Service, Keychain, Credential Manager).
    Keyring,
    /// Hoist's own secrets file (mode 0600 in the data folder), chosen explicitly or used when no
    /// keyring is available.
    File,
}

impl SecretLocation {
    /// How people call this store.
    pub fn label(self) -> &'static str {
        match self {
            SecretLocation::Keyring => "the system keyring",
            SecretLocation::File => "Hoist's secrets file",
        }
    }
}

/// Names stored secrets: where they are and under which keys. Safe to save in the journal and the
/// profiles file; holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// The store holding every secret named here.
    pub store: SecretLocation,
    /// The key of the main secret (access token or API key); `None` when only headers are stored.
    #[serde(default)]
    pub key: Option<String>,
    /// Request headers whose values are stored secrets (e.g. tus servers wanting `Authorization`).
    #[serde(default)]
    pub headers: Vec<StoredHeader>,
}

/// A request header whose value is a stored secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredHeader {
    /// The header's name (not secret).
    pub name: String,
    /// The key of its value in the store.
    pub key: String,
}
