//! Taking secrets out of what goes into a support bundle: tokens, API keys, session URIs and
//! presigned URLs are replaced by [`MARKER`], while what helps to understand a problem (hosts,
//! ports, sizes, phases, error kinds) stays.
//!
//! Three nets, each enough on its own for what it is meant to catch:
//! - **known secrets**: every value given to [`Redactor::new`] (the secrets file's values, the
//!   tokens in the environment variables profiles name) is replaced wherever it appears;
//! - **URLs**: anything after `scheme://host:port` (path, query, fragment) and any user info is
//!   replaced, because session URIs, tus upload URLs and presigned URLs are capabilities;
//! - **token shapes**: `Bearer ...`, and any run of 20 or more token characters that mixes
//!   letters and digits (keys, signatures, ids), is replaced.
//!
//! JSON (the journal's protocol state) is redacted by structure as well: a string under a key
//! that names a secret (`token`, `key`, `secret`, `signature`, `session`, `upload_id`, ...) is
//! replaced whatever it looks like.

use serde_json::Value;

/// What replaces a secret.
pub const MARKER: &str = "[redacted]";

/// The shortest run of token characters treated as a possible secret.
const MIN_TOKEN_CHARS: usize = 20;

/// Key names whose string values are always replaced (compared in lower case, as substrings).
const SECRET_KEY_PARTS: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "key",
    "signature",
    "auth",
    "credential",
    "session",
    "upload_id",
    "uploadid",
    "cookie",
];

/// Replaces secrets in text and JSON.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Known secret values, longest first (so a secret containing another goes first).
    known: Vec<String>,
}

impl Redactor {
    /// A redactor that also replaces each of `known_secrets` (empty and very short values,
    /// under 4 characters, are ignored: replacing them would erase ordinary words).
    pub fn new(known_secrets: impl IntoIterator<Item = String>) -> Redactor {
        let mut known: Vec<String> = known_secrets
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| s.chars().count() >= 4)
            .collect();
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        known.dedup();
        Redactor { known }
    }

    /// `text` with every known secret, URL tail and token-shaped run replaced by [`MARKER`].
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.known {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MARKER);
            }
        }
        let out = redact_urls(&out);
        let out = redact_bearer(&out);
        redact_token_runs(&out)
    }

    /// `value` with strings under secret-named keys replaced, and every other string passed
    /// through [`Redactor::text`].
    pub fn json(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.json(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, v)| {
                        let redacted = match v {
                            Value::String(_) if names_a_secret(key) => {
                                Value::String(MARKER.to_string())
                            }
                            other => self.json(other),
                        };
                        (key.clone(), redacted)
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// True when a key's name says its value is a secret.
fn names_a_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|part| key.contains(part))
}

/// Characters that end a URL in free text.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`' | ')' | ']' | '}' | ',')
}

/// Every `http://` or `https://` URL in `text` cut to `scheme://host[:port]`, followed by
/// [`MARKER`] when anything (path, query, fragment) followed the authority.
fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = ["https://", "http://"]
            .iter()
            .filter_map(|scheme| {
                rest.to_ascii_lowercase()
                    .find(scheme)
                    .map(|at| (at, scheme.len()))
            })
            .min();
        let Some((at, scheme_len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + scheme_len]);
        let after = &rest[at + scheme_len..];
        let end = after.find(ends_url).unwrap_or(after.len());
        let url_rest = &after[..end];
        let authority_end = url_rest.find(['/', '?', '#']).unwrap_or(url_rest.len());
        let authority = &url_rest[..authority_end];
        // user:password@host keeps only the host.
        let host = authority.rsplit('@').next().unwrap_or(authority);
        if authority.contains('@') {
            out.push_str(MARKER);
            out.push('@');
        }
        out.push_str(host);
        let tail = &url_rest[authority_end..];
        if !tail.is_empty() && tail != "/" {
            out.push('/');
            out.push_str(MARKER);
        } else {
            out.push_str(tail);
        }
        rest = &after[end..];
    }
}

/// `Bearer <anything>` with the credential replaced (case-insensitive `bearer`).
fn redact_bearer(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search_from = 0;
    while let Some(found) = lower[search_from..].find("bearer ") {
        let start = search_from + found + "bearer ".len();
        let token_len = text[start..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(text.len() - start);
        out.push_str(&text[copied..start]);
        if token_len > 0 {
            out.push_str(MARKER);
        }
        copied = start + token_len;
        search_from = copied.max(start);
        if search_from >= text.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Characters a token, key or signature is made of.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=' | '%')
}

/// Runs of [`MIN_TOKEN_CHARS`] or more token characters that mix letters and digits, replaced.
/// The marker itself and file paths made of short parts (`/home/me/Videos/clip-01.mp4`) stay:
/// a run is judged part by part between `/`.
fn redact_token_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if is_token_char(c) {
            run.push(c);
        } else {
            out.push_str(&redact_run(&run));
            run.clear();
            out.push(c);
        }
    }
    out.push_str(&redact_run(&run));
    out
}

fn redact_run(run: &str) -> String {
    run.split('/')
        .map(|part| {
            let long = part.chars().count() >= MIN_TOKEN_CHARS;
            let letters = part.chars().any(|c| c.is_ascii_alphabetic());
            let digits = part.chars().any(|c| c.is_ascii_digit());
            if long && letters && digits {
                MARKER.to_string()
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_go_wherever_they_are() {
        let r = Redactor::new(["s3cr3t-KEY".to_string(), "ab".to_string()]);
        assert_eq!(r.text("key=s3cr3t-KEY; about"), "key=[redacted]; about");
        // Too short to be treated as a secret: ordinary words stay.
        assert_eq!(r.text("ab about"), "ab about");
    }

    #[test]
    fn urls_keep_only_their_origin() {
        let r = Redactor::default();
        assert_eq!(
            r.text("PUT https://storage.example.com/upload?upload_id=XyZ123 failed"),
            "PUT https://storage.example.com/[redacted] failed"
        );
        assert_eq!(
            r.text("\"http://127.0.0.1:4000/files/7\""),
            "\"http://127.0.0.1:4000/[redacted]\""
        );
        assert_eq!(
            r.text("see https://example.com/"),
            "see https://example.com/"
        );
        assert_eq!(
            r.text("http://me:pw@host.example:8/x"),
            "http://[redacted]@host.example:8/[redacted]"
        );
        assert_eq!(
            r.text("HTTPS://A.example/b"),
            "HTTPS://A.example/[redacted]"
        );
    }

    #[test]
    fn bearer_tokens_and_token_shapes_go() {
        let r = Redactor::default();
        assert_eq!(
            r.text("Authorization: Bearer ya29.short"),
            "Authorization: Bearer [redacted]"
        );
        assert_eq!(
            r.text("key 0123456789abcdefABCDEF0123 done"),
            "key [redacted] done"
        );
        // Words, numbers and paths of short parts stay.
        let plain = "Uploaded 1048576 bytes of /home/me/Videos/holiday-2024.mp4 in 12 s";
        assert_eq!(r.text(plain), plain);
    }

    #[test]
    fn json_secret_keys_go_by_name() {
        let r = Redactor::default();
        let state = serde_json::json!({
            "session_uri": "opaque",
            "upload_id": "7",
            "parts": [{"etag": "\"abc\"", "number": 1}],
            "size": 1048576,
            "name": "clip.mp4",
        });
        let out = r.json(&state);
        assert_eq!(out["session_uri"], MARKER);
        assert_eq!(out["upload_id"], MARKER);
        assert_eq!(out["parts"][0]["number"], 1);
        assert_eq!(out["size"], 1048576);
        assert_eq!(out["name"], "clip.mp4");
    }

    #[test]
    fn redaction_never_panics_on_odd_text() {
        let r = Redactor::new(["secret-value".to_string()]);
        for text in [
            "",
            "http://",
            "https://?",
            "bearer ",
            "Bearer",
            "日本語 https://例え.jp/パス?x=1 🎬",
            "http://a/b http://c",
        ] {
            let _ = r.text(text);
        }
        assert_eq!(
            r.text("http://a/b http://c"),
            "http://a/[redacted] http://c"
        );
    }
}
