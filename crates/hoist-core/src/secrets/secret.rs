/// A secret value (token, API key, header value). `Debug` shows `Secret(<redacted>)`; the value
/// is reached only through [`Secret::expose`], so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value, trimming surrounding whitespace (a trailing newline from stdin).
    pub fn new(value: impl Into<String>) -> Secret {
        let value: String = value.into();
        let trimmed = value.trim();
        if trimmed.len() == value.len() {
            Secret(value)
        } else {
            Secret(trimmed.to_string())
        }
    }

    /// The value, to put in a request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
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
    fn debug_redacts_and_new_trims() {
        let secret = Secret::new("  tok-123\n");
        assert_eq!(secret.expose(), "tok-123");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert!(Secret::new("\n").is_empty());
    }
}
