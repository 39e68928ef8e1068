use std::time::Duration;

use super::{ConnectionProblem, ProtocolError};

/// The HTTP client every upload shares: no redirects (a 308 is "resume incomplete" here, and
/// credentials must never follow a redirect to another host), HTTP/1.1, no overall timeout (a
/// streaming upload takes as long as it takes; the engine's stall timeout watches instead).
/// Servers are checked against the system's certificate authorities, read on the first HTTPS
/// connection ([`super::tls_roots`]).
pub fn http_client() -> Result<reqwest::Client, ProtocolError> {
    let tls = super::tls_roots::client_tls_config().map_err(|e| ProtocolError::Certificate {
        detail: e.to_string(),
    })?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
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
        // `try_`: a number too large for a Duration (`1e20`) is ignored, not a panic.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    if let Ok(at) = httpdate::parse_http_date(value) {
        return Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
        );
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
            // An empty message says nothing: look further.
            if let Some(text) = candidate.as_str().map(str::trim).filter(|t| !t.is_empty()) {
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

/// The largest answer body Hoist parses (JSON from a service, a token answer): 1 MiB. Real
/// answers are a few KiB; anything bigger is a broken or hostile server, and reading on would
/// only cost memory.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;
/// The most of an error answer Hoist reads for its message: 64 KiB. The rest is left unread.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// The longest reading an answer body may take when the caller has no shorter limit (the
/// engine passes its stall timeout instead): 60 s.
pub const ANSWER_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest reading an error answer's message may take: 10 s. After that the message is
/// whatever arrived.
pub const ERROR_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads an answer body as a stream, holding at most `max_bytes` and taking at most `timeout`
/// in all, so an endless or trickling answer can neither fill the memory nor hold the upload.
/// A `Content-Length` over the limit is refused before anything is read.
///
/// Every body Hoist reads from a server goes through here (or [`read_error_body`]): never
/// `Response::text`, `json` or `bytes`, which read without limit.
pub async fn read_body(
    response: reqwest::Response,
    max_bytes: usize,
    timeout: Duration,
) -> Result<Vec<u8>, ProtocolError> {
    let too_large = || ProtocolError::AnswerTooLarge {
        limit_bytes: max_bytes as u64,
    };
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes as u64)
    {
        return Err(too_large());
    }
    let mut response = response;
    let read = async {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(ProtocolError::from_reqwest)?
        {
            if body.len().saturating_add(chunk.len()) > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(timeout, read)
        .await
        .map_err(|_| ProtocolError::Connection {
            problem: ConnectionProblem::TimedOut,
            detail: format!(
                "the answer's body did not arrive within {} s",
                timeout.as_secs_f64()
            ),
        })?
}

/// [`read_body`] as text (invalid UTF-8 is replaced), at most [`MAX_ANSWER_BYTES`].
pub(crate) async fn read_text(
    response: reqwest::Response,
    timeout: Duration,
) -> Result<String, ProtocolError> {
    let body = read_body(response, MAX_ANSWER_BYTES, timeout).await?;
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// [`read_body`] parsed as JSON, at most [`MAX_ANSWER_BYTES`]; `what` names the answer in the
/// error when it is not the JSON expected.
pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
    timeout: Duration,
    what: &str,
) -> Result<T, ProtocolError> {
    let body = read_body(response, MAX_ANSWER_BYTES, timeout).await?;
    serde_json::from_slice(&body).map_err(|e| ProtocolError::BadResponse {
        detail: format!("the answer to {what} is not what the protocol describes ({e})"),
    })
}

/// The start of an error answer, for its message: at most [`MAX_ERROR_BODY_BYTES`], within
/// [`ERROR_BODY_TIMEOUT`]; whatever arrived when either runs out (possibly nothing).
pub async fn read_error_body(response: reqwest::Response) -> String {
    read_error_body_within(response, ERROR_BODY_TIMEOUT).await
}

async fn read_error_body_within(response: reqwest::Response, timeout: Duration) -> String {
    let mut response = response;
    let mut body = Vec::new();
    let read = async {
        while let Ok(Some(chunk)) = response.chunk().await {
            let room = MAX_ERROR_BODY_BYTES.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_ERROR_BODY_BYTES {
                break;
            }
        }
    };
    // Out of time: keep what arrived.
    let _ = tokio::time::timeout(timeout, read).await;
    String::from_utf8_lossy(&body).into_owned()
}

/// Turns a non-success response into a [`ProtocolError`].
pub(crate) async fn error_from_response(response: reqwest::Response) -> ProtocolError {
    let status = response.status().as_u16();
    let retry_after = parse_retry_after(response.headers());
    let body = read_error_body(response).await;
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
#[path = "http_proptests.rs"]
mod http_proptests;

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

    /// Serves one raw HTTP answer to the first request on a local port; returns the URL.
    async fn raw_server(head: &'static str, body: Body) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            match body {
                Body::Bytes(bytes) => {
                    let _ = socket.write_all(&bytes).await;
                }
                Body::Endless => {
                    let block = vec![b'a'; 64 * 1024];
                    while socket.write_all(&block).await.is_ok() {}
                }
                Body::Trickle(every) => loop {
                    tokio::time::sleep(every).await;
                    if socket.write_all(b" ").await.is_err() {
                        return;
                    }
                },
            }
        });
        url
    }

    enum Body {
        Bytes(Vec<u8>),
        Endless,
        Trickle(Duration),
    }

    async fn get(url: &str) -> reqwest::Response {
        http_client()
            .expect("client")
            .get(url)
            .send()
            .await
            .expect("answer")
    }

    #[tokio::test]
    async fn bounded_reader_reads_small_answers() {
        let url = raw_server(
            "HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n",
            Body::Bytes(br#"{"ok":true}"#.to_vec()),
        )
        .await;
        let value: serde_json::Value = read_json(get(&url).await, Duration::from_secs(5), "x")
            .await
            .expect("json");
        assert_eq!(value["ok"], true);
    }

    #[tokio::test]
    async fn bounded_reader_stops_an_endless_answer_at_the_limit() {
        // Without a length (read to the end of the connection) and never ending.
        let url = raw_server(
            "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n",
            Body::Endless,
        )
        .await;
        let started = std::time::Instant::now();
        let error = read_body(get(&url).await, 256 * 1024, Duration::from_secs(30))
            .await
            .expect_err("too large");
        assert!(
            matches!(
                error,
                ProtocolError::AnswerTooLarge {
                    limit_bytes: 262_144
                }
            ),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "the server's answer was too large (over 256 KiB); Hoist stopped reading it"
        );
        assert_eq!(error.retry_class(), super::super::RetryClass::Fatal);
        assert!(started.elapsed() < Duration::from_secs(5));

        // A declared length over the limit is refused before reading anything.
        let url = raw_server(
            "HTTP/1.1 200 OK\r\ncontent-length: 10737418240\r\n\r\n",
            Body::Trickle(Duration::from_secs(1)),
        )
        .await;
        let started = std::time::Instant::now();
        let error = read_text(get(&url).await, Duration::from_secs(30))
            .await
            .expect_err("too large");
        assert!(
            matches!(error, ProtocolError::AnswerTooLarge { .. }),
            "{error}"
        );
        assert!(started.elapsed() < Duration::from_millis(900));
    }

    #[tokio::test]
    async fn bounded_reader_gives_up_on_a_trickle() {
        let url = raw_server(
            "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n",
            Body::Trickle(Duration::from_millis(50)),
        )
        .await;
        let started = std::time::Instant::now();
        let error = read_text(get(&url).await, Duration::from_millis(400))
            .await
            .expect_err("too slow");
        let elapsed = started.elapsed();
        assert!(
            matches!(
                error,
                ProtocolError::Connection {
                    problem: ConnectionProblem::TimedOut,
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            elapsed >= Duration::from_millis(400) && elapsed < Duration::from_secs(2),
            "{elapsed:?}"
        );
        assert!(matches!(
            error.retry_class(),
            super::super::RetryClass::Retry { .. }
        ));
    }

    #[tokio::test]
    async fn error_bodies_are_cut_not_refused() {
        let url = raw_server(
            "HTTP/1.1 503 Busy\r\nconnection: close\r\n\r\n",
            Body::Endless,
        )
        .await;
        let error = error_from_response(get(&url).await).await;
        match error {
            ProtocolError::Status {
                status, message, ..
            } => {
                assert_eq!(status, 503);
                assert!(message.chars().count() <= 301, "{}", message.len());
            }
            other => panic!("{other}"),
        }
        let url = raw_server(
            "HTTP/1.1 500 Busy\r\ncontent-length: 1000\r\n\r\n{\"message\":",
            Body::Trickle(Duration::from_secs(60)),
        )
        .await;
        let started = std::time::Instant::now();
        let body = read_error_body_within(get(&url).await, Duration::from_millis(300)).await;
        assert_eq!(body, "{\"message\":");
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn parses_retry_after() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(parse_retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().expect("header"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
    }
}
