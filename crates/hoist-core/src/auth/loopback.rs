//! The loopback listener that receives the browser's redirect after the consent screen
//! (RFC 8252 §7.3): `http://127.0.0.1:PORT/?code=...&state=...`. It reads just the request line of
//! each connection (a GET with the redirect in its query) and answers a short plain-text page.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::error::AuthError;
use super::secret::SecretString;

/// What one request to the listener means.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RedirectOutcome {
    /// Not a redirect (e.g. `/favicon.ico`): answered 404, keep waiting.
    Ignore,
    /// A redirect with the wrong or no `state`: refused (it may be forged), keep waiting.
    WrongState,
    /// The authorization code.
    Code(SecretString),
    /// The server sent the browser back with `error=...`.
    Failed {
        /// The `error` code.
        code: String,
        /// `error_description`, when given.
        description: Option<String>,
    },
}

/// Reads one request to the loopback listener (`path` and raw `query`) against the `state`
/// Hoist sent. Only `/` carries a redirect.
pub(crate) fn parse_redirect(
    path: &str,
    query: Option<&str>,
    expected_state: &str,
) -> RedirectOutcome {
    if path != "/" {
        return RedirectOutcome::Ignore;
    }
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let code = params.get("code").filter(|c| !c.is_empty());
    let error = params.get("error").filter(|e| !e.is_empty());
    if code.is_none() && error.is_none() {
        return RedirectOutcome::Ignore;
    }
    let state_matches = params.get("state").is_some_and(|given| {
        given.len() == expected_state.len()
            && given
                .bytes()
                .zip(expected_state.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if !state_matches {
        return RedirectOutcome::WrongState;
    }
    match (error, code) {
        (Some(error), _) => RedirectOutcome::Failed {
            code: error.clone(),
            description: params.get("error_description").cloned(),
        },
        (None, Some(code)) => RedirectOutcome::Code(SecretString::new(code.clone())),
        (None, None) => RedirectOutcome::Ignore,
    }
}

/// A listener bound on 127.0.0.1 with a free port, ready before the browser is opened.
pub(crate) struct LoopbackListener {
    listener: TcpListener,
    redirect_uri: String,
}

impl LoopbackListener {
    /// Binds `127.0.0.1:0`.
    pub async fn bind() -> Result<LoopbackListener, AuthError> {
        let listener =
            TcpListener::bind(("127.0.0.1", 0))
                .await
                .map_err(|e| AuthError::Listener {
                    detail: e.to_string(),
                })?;
        let port = listener
            .local_addr()
            .map_err(|e| AuthError::Listener {
                detail: e.to_string(),
            })?
            .port();
        Ok(LoopbackListener {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/"),
        })
    }

    /// `http://127.0.0.1:PORT/`.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Serves until one redirect with the right `state` arrives (or `timeout` passes), answers
    /// the browser with a short page, and returns the authorization code.
    pub async fn wait_for_code(
        self,
        expected_state: SecretString,
        timeout: Duration,
    ) -> Result<SecretString, AuthError> {
        let (sender, receiver) = oneshot::channel();
        let catcher = Arc::new(Catcher {
            expected_state,
            sender: Mutex::new(Some(sender)),
        });
        let listener = self.listener;
        // One task per connection: a browser may open a connection it never uses (preconnect),
        // which must not hold up the one that carries the redirect.
        let server = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(answer_connection(stream, Arc::clone(&catcher)));
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "sign-in listener stopped");
                        return;
                    }
                }
            }
        });
        let outcome = tokio::time::timeout(timeout, receiver).await;
        // Give the answer page a moment to reach the browser before the listener goes away.
        tokio::time::sleep(ANSWER_GRACE).await;
        server.abort();
        match outcome {
            Err(_) => Err(AuthError::TimedOut { waited: timeout }),
            Ok(Err(_)) => Err(AuthError::Listener {
                detail: "the listener stopped unexpectedly".to_string(),
            }),
            Ok(Ok(result)) => result,
        }
    }
}

struct Catcher {
    expected_state: SecretString,
    sender: Mutex<Option<oneshot::Sender<Result<SecretString, AuthError>>>>,
}

/// How long the listener stays up after the answer, so the page reaches the browser.
const ANSWER_GRACE: Duration = Duration::from_millis(200);
/// How long a connection may take to send its request head.
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// The most of a request head the listener reads (a redirect's is well under 2 KiB).
const REQUEST_HEAD_MAX_BYTES: usize = 16 * 1024;

const DONE_PAGE: &str = "Hoist: signed in. You can close this window and go back to Hoist.\n";
const DENIED_PAGE: &str = "Hoist: sign-in was cancelled. You can close this window.\n";
const FAILED_PAGE: &str = "Hoist: the sign-in did not complete. You can close this window; Hoist shows what went wrong.\n";
const WRONG_STATE_PAGE: &str =
    "Hoist: this answer does not belong to the sign-in Hoist started, so it was ignored.\n";
const NOT_FOUND_PAGE: &str = "Not found.\n";
const GONE_PAGE: &str = "Hoist: this sign-in is already finished. You can close this window.\n";
const BAD_REQUEST_PAGE: &str = "Bad request.\n";

/// Reads one HTTP/1.1 request head from `stream`, answers it and closes the connection.
async fn answer_connection(mut stream: TcpStream, catcher: Arc<Catcher>) {
    let head = tokio::time::timeout(REQUEST_HEAD_TIMEOUT, read_request_head(&mut stream)).await;
    let (status, page) = match head {
        Ok(Some(target)) => catch(&catcher, &target),
        Ok(None) => ("400 Bad Request", BAD_REQUEST_PAGE),
        Err(_) => return,
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    if let Err(e) = stream.write_all(answer.as_bytes()).await {
        tracing::debug!(error = %e, "could not answer the browser");
    }
    let _ = stream.shutdown().await;
}

/// The request target (`/?code=...`) of a `GET` request head, read up to its blank line;
/// `None` for anything else (another method, a head over the limit, a closed connection).
async fn read_request_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() + read > REQUEST_HEAD_MAX_BYTES {
            return None;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let head = std::str::from_utf8(&head).ok()?;
    let mut request_line = head.lines().next()?.split(' ');
    match (request_line.next(), request_line.next()) {
        (Some("GET"), Some(target)) => Some(target.to_string()),
        _ => None,
    }
}

/// The status line and page for one request `target`; hands a code or a failure to the waiter.
fn catch(catcher: &Catcher, target: &str) -> (&'static str, &'static str) {
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let outcome = parse_redirect(path, query, catcher.expected_state.expose());
    let (status, page, result) = match outcome {
        RedirectOutcome::Ignore => return ("404 Not Found", NOT_FOUND_PAGE),
        RedirectOutcome::WrongState => {
            tracing::warn!("ignored a sign-in answer whose state did not match");
            ("400 Bad Request", WRONG_STATE_PAGE, None)
        }
        RedirectOutcome::Code(code) => ("200 OK", DONE_PAGE, Some(Ok(code))),
        RedirectOutcome::Failed { code, .. } if code == "access_denied" => {
            ("200 OK", DENIED_PAGE, Some(Err(AuthError::AccessDenied)))
        }
        RedirectOutcome::Failed { code, description } => (
            "200 OK",
            FAILED_PAGE,
            Some(Err(AuthError::Authorization { code, description })),
        ),
    };
    if let Some(result) = result {
        let sender = catcher
            .sender
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match sender {
            Some(sender) => {
                let _ = sender.send(result);
            }
            // A second answer after the first: the sign-in is already settled.
            None => return ("410 Gone", GONE_PAGE),
        }
    }
    (status, page)
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_good_redirect() {
        let outcome = parse_redirect("/", Some("state=abc&code=4%2Fxyz&scope=a+b"), "abc");
        assert_eq!(
            outcome,
            RedirectOutcome::Code(SecretString::new("4/xyz".into()))
        );
    }

    #[test]
    fn refuses_a_wrong_or_missing_state() {
        assert_eq!(
            parse_redirect("/", Some("state=abd&code=c"), "abc"),
            RedirectOutcome::WrongState
        );
        assert_eq!(
            parse_redirect("/", Some("code=c"), "abc"),
            RedirectOutcome::WrongState
        );
        assert_eq!(
            parse_redirect("/", Some("state=ab&code=c"), "abc"),
            RedirectOutcome::WrongState
        );
    }

    #[test]
    fn ignores_stray_requests() {
        assert_eq!(
            parse_redirect("/favicon.ico", None, "abc"),
            RedirectOutcome::Ignore
        );
        assert_eq!(
            parse_redirect("/favicon.ico", Some("state=abc&code=c"), "abc"),
            RedirectOutcome::Ignore
        );
        assert_eq!(parse_redirect("/", None, "abc"), RedirectOutcome::Ignore);
        assert_eq!(
            parse_redirect("/", Some("state=abc"), "abc"),
            RedirectOutcome::Ignore
        );
    }

    #[test]
    fn reads_errors() {
        assert_eq!(
            parse_redirect("/", Some("error=access_denied&state=abc"), "abc"),
            RedirectOutcome::Failed {
                code: "access_denied".into(),
                description: None
            }
        );
        assert_eq!(
            parse_redirect(
                "/",
                Some("error=invalid_scope&error_description=bad+scope&state=abc"),
                "abc"
            ),
            RedirectOutcome::Failed {
                code: "invalid_scope".into(),
                description: Some("bad scope".into())
            }
        );
        // An error with the wrong state may be forged to cancel the sign-in: ignored.
        assert_eq!(
            parse_redirect("/", Some("error=access_denied&state=x"), "abc"),
            RedirectOutcome::WrongState
        );
    }
}
