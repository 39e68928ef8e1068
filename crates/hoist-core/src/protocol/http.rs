use std::time::Duration;

use super::ProtocolError;

/// The HTTP client every upload shares: no redirects (a 308 is "resume incomplete" here, and
/// credentials must never follow a redirect to another host), HTTP/1.1, no overall timeout (a
/// streaming upload takes as long as it takes; the engine's stall timeout watches instead).
pub fn http_client() -> Result<reqwest::Client, ProtocolError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .http1_only()
        .connect_timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .user_agent(concat!("hoist/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(ProtocolError::from_reqwest)
}

/// Reads `Retry-After` (seconds, or an HTTP date) from response headers.
pub fn parse_retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>()
        && seconds.is_finite()
        && seconds >= 0.0
    {
        return Some(Duration::from_secs_f64(seconds));
    }
    None
}

/// Pulls a human message out of an error body: Google's `{"error":{"message"}}`, api.video's
/// `{"title","detail"}`, `{"message"}`, or the start of a plain-text body. HTML pages are summarised,
/// not dumped.
pub fn server_message(body: &str) -> String {
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        let candidates = [
            json.pointer("/error/message"),
            json.get("message"),
            json.get("detail"),
            json.get("title"),
            json.get("error_description"),
            json.get("error"),
        ];
        for candidate in candidates.into_iter().flatten() {
            if let Some(text) = candidate.as_str() {
                return truncate(text);
            }
        }
    }
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return "no details given".to_string();
    }
    if trimmed.starts_with('<') {
        return "an HTML page instead of an answer".to_string();
    }
    truncate(trimmed)
}

fn truncate(text: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut out: String = text.chars().take(MAX_CHARS).collect();
    if text.chars().count() > MAX_CHARS {
        out.push('…');
    }
    out
}

/// Turns a non-success response into a [`ProtocolError`].
pub(crate) async fn error_from_response(response: reqwest::Response) -> ProtocolError {
    let status = response.status().as_u16();
    let retry_after = parse_retry_after(response.headers());
    let body = response.text().await.unwrap_or_default();
    let message = server_message(&body);
    if status == 401 {
        ProtocolError::Unauthorized { message }
    } else {
        ProtocolError::Status {
            status,
            message,
            retry_after,
        }
    }
}

/// Parses an endpoint URL: https, or plain http on loopback only.
pub(crate) fn parse_url(text: &str) -> Result<url::Url, ProtocolError> {
    let url = url::Url::parse(text).map_err(|e| ProtocolError::InvalidDestination {
        detail: format!("'{text}' is not a valid URL ({e})"),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(ProtocolError::InvalidDestination {
            detail: format!(
                "plain http is only allowed for this computer (127.0.0.1, localhost); use https for {}",
                url.host_str().unwrap_or("that server")
            ),
        }),
        other => Err(ProtocolError::InvalidDestination {
            detail: format!("'{other}' addresses are not supported, use https"),
        }),
    }
}

/// True when the URL names this computer.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
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
    fn extracts_messages() {
        assert_eq!(
            server_message(r#"{"error":{"code":403,"message":"Quota exceeded"}}"#),
            "Quota exceeded"
        );
        assert_eq!(server_message(r#"{"message":"nope"}"#), "nope");
        assert_eq!(
            server_message("<html><body>Bad gateway</body></html>"),
            "an HTML page instead of an answer"
        );
        assert_eq!(server_message(""), "no details given");
    }

    #[test]
    fn parses_retry_after() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(parse_retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
    }
}
