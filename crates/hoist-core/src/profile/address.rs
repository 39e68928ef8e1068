//! Checking a profile's address the way uploads and the connection test will use it: a web
//! address, https, or plain http only to this computer.

/// Why an address cannot be used. Holds no secret (addresses are shown without their query).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressProblem {
    /// Not a web address at all.
    #[error("'{text}' is not a web address (it should start with https://)")]
    NotAUrl {
        /// What was given, cut to 80 characters.
        text: String,
    },
    /// Plain http to another computer: its secrets would travel readable.
    #[error(
        "plain http is only allowed for this computer (127.0.0.1, localhost); use https for {host}"
    )]
    PlainHttp {
        /// The other computer.
        host: String,
    },
    /// Neither http nor https.
    #[error("'{scheme}' addresses are not supported, use https")]
    UnsupportedScheme {
        /// The scheme given.
        scheme: String,
    },
}

/// Checks `text` as an endpoint: https, or plain http to this computer only (what uploads and
/// the connection test accept).
pub fn check_address(text: &str) -> Result<url::Url, AddressProblem> {
    let trimmed = text.trim();
    let url = url::Url::parse(trimmed).map_err(|_| AddressProblem::NotAUrl {
        text: trimmed.chars().take(80).collect(),
    })?;
    let Some(host) = url.host_str().map(str::to_string) else {
        return Err(AddressProblem::NotAUrl {
            text: trimmed.chars().take(80).collect(),
        });
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if crate::protocol::is_loopback(&url) => Ok(url),
        "http" => Err(AddressProblem::PlainHttp { host }),
        other => Err(AddressProblem::UnsupportedScheme {
            scheme: other.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_here() {
        assert!(check_address("https://upload.example.com/files").is_ok());
        assert!(check_address(" http://127.0.0.1:8080/files ").is_ok());
        assert!(check_address("http://localhost/upload").is_ok());
        assert_eq!(
            check_address("http://upload.example.com/files"),
            Err(AddressProblem::PlainHttp {
                host: "upload.example.com".to_string()
            })
        );
        assert!(matches!(
            check_address("upload.example.com"),
            Err(AddressProblem::NotAUrl { .. })
        ));
        assert!(matches!(
            check_address("ftp://example.com/x"),
            Err(AddressProblem::UnsupportedScheme { .. })
        ));
    }
}
