//! A string that never shows in `Debug` or `Display` output.

/// A secret (token, client secret): `Debug` prints `<redacted>`; read it with [`SecretString::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `value`.
    pub fn new(value: String) -> SecretString {
        SecretString(value)
    }

    /// The secret itself, to put in a request or a store.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}
