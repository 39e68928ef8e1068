use std::path::PathBuf;

/// What went wrong with profiles. Never contains a secret.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The profiles file does not parse. It was left exactly as it is.
    #[error(
        "the profiles file is broken at line {line}, column {column}: {message}. Hoist left it \
         untouched; fix that line or move the file away ({})",
        .path.display()
    )]
    Broken {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the TOML parser said.
        message: String,
    },
    /// The profiles file could not be read or written.
    #[error("could not use the profiles file: {detail} ({})", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// No profile has this name.
    #[error("there is no profile named '{name}' (see `hoist profile list`)")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// A profile with this name exists already.
    #[error("a profile named '{name}' exists already (add --replace to overwrite it)")]
    Exists {
        /// The name.
        name: String,
    },
    /// The name cannot be used.
    #[error("'{name}' cannot be a profile name: use 1 to 64 letters, digits, '-', '_' or '.'")]
    BadName {
        /// The name given.
        name: String,
    },
    /// The secret could not be stored, read or deleted.
    #[error(transparent)]
    Secret(#[from] crate::secrets::SecretError),
    /// The Google sign-in failed or could not be saved.
    #[error(transparent)]
    SignIn(#[from] crate::auth::AuthError),
    /// The profile's address cannot be used.
    #[error("profile '{name}': {problem}")]
    BadAddress {
        /// The profile.
        name: String,
        /// What is wrong with the address.
        problem: super::AddressProblem,
    },
    /// The profile lacks something its kind needs, or holds a bad value.
    #[error("profile '{name}': {detail}")]
    Incomplete {
        /// The profile.
        name: String,
        /// What is missing or wrong.
        detail: String,
    },
}
