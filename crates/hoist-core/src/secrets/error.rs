use std::path::PathBuf;

/// Why a secret could not be read or kept. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// There is no usable system keyring (no Secret Service on this session bus, ...).
    #[error("no system keyring is available ({detail})")]
    KeyringUnavailable {
        /// What the keyring said.
        detail: String,
    },
    /// The keyring is there but refused the request (locked, access denied, ...).
    #[error("the system keyring refused: {detail}")]
    Keyring {
        /// What the keyring said.
        detail: String,
    },
    /// The secrets file could not be read or written.
    #[error("could not use the secrets file: {source} ({})", .path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The secrets file is not in Hoist's format; it was left as it is.
    #[error("the secrets file is damaged and was left untouched ({})", .path.display())]
    FileDamaged {
        /// The file.
        path: PathBuf,
    },
    /// The secrets file can be read by other users; Hoist will not use it until it is private.
    #[error(
        "the secrets file can be read by other users (mode {mode:o}); make it private with `chmod 600` ({})",
        .path.display()
    )]
    FileNotPrivate {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// `HOIST_SECRET_STORE` holds something other than `keyring` or `file`.
    #[error("HOIST_SECRET_STORE must be 'keyring' or 'file', not '{value}'")]
    BadChoice {
        /// What it holds.
        value: String,
    },
    /// Hoist's folders could not be found or created.
    #[error(transparent)]
    Dirs(#[from] crate::store::StoreError),
}

impl SecretError {
    /// The keyring crate's error, described without any secret it may carry.
    pub(crate) fn from_keyring(error: keyring_core::Error) -> SecretError {
        use keyring_core::Error as K;
        match error {
            K::NoStorageAccess(e) => SecretError::Keyring {
                detail: format!(
                    "it is locked or has no default keyring; unlock it in your desktop's \
                     passwords app, or set HOIST_SECRET_STORE=file to keep secrets in a private \
                     file instead ({e})"
                ),
            },
            K::PlatformFailure(e) => SecretError::KeyringUnavailable {
                detail: e.to_string(),
            },
            K::NoDefaultStore => SecretError::KeyringUnavailable {
                detail: "no keyring set up".to_string(),
            },
            // These carry the stored bytes: never show them.
            K::BadEncoding(_) | K::BadDataFormat(_, _) => SecretError::Keyring {
                detail: "the stored secret is not in the expected format".to_string(),
            },
            K::Ambiguous(_) => SecretError::Keyring {
                detail: "several secrets match this name".to_string(),
            },
            other => SecretError::Keyring {
                detail: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::SecretError;

    #[test]
    fn a_locked_keyring_says_what_to_do() {
        let refused = keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other(
            "SS error: result not returned from SS API",
        )));
        let said = SecretError::from_keyring(refused).to_string();
        assert!(said.contains("locked or has no default keyring"), "{said}");
        assert!(said.contains("HOIST_SECRET_STORE=file"), "{said}");
        assert!(said.contains("result not returned"), "{said}");
    }
}
