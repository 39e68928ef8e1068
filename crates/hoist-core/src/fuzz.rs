//! One entry point for fuzzers: every parser of what a server answers and of Hoist's own files,
//! fed arbitrary bytes. Built only for tests and with the `fuzzing` feature; `fuzz/` (cargo-fuzz,
//! nightly) drives it for as long as asked, and a unit test drives it with random inputs in CI.
//!
//! The first byte of the input picks the parser; the rest is its input. Parsers that take two
//! texts (an endpoint and a `Location`) split the rest at the first newline. Every parser must
//! answer (a value or a typed error) and never panic, whatever the bytes.

use std::path::PathBuf;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::protocol::apivideo::wire as apivideo;
use crate::protocol::multipart::api as multipart;
use crate::protocol::{SessionState, WireProtocol, google, http, tus};

/// How many parsers [`parsers`] chooses among.
pub const PARSERS: u8 = 13;

/// Feeds `data[1..]` to the parser `data[0] % PARSERS` picks.
pub fn parsers(data: &[u8]) {
    let Some((&which, input)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(input);
    match which % PARSERS {
        0 => header_parsers(input),
        1 => {
            let (endpoint, location) = text
                .split_once('\n')
                .unwrap_or(("https://a.example/", &text));
            locations(endpoint, location);
        }
        2 => {
            let _ = http::parse_url(&text);
            let _ = http::server_message(&text);
            let _ = tus::parse_list(&text);
            let _ = tus::remote_id_of(&text);
        }
        3 => json_answers(input),
        4 => {
            let problem = apivideo::Problem::parse(&text);
            let _ = problem.is_source_already_uploaded();
        }
        5 => session_states(input),
        6 => journal_row(input),
        7 => profiles_file(&text),
        8 => {
            let _ = crate::units::parse_bytes(&text);
            let _ = crate::units::parse_duration(&text);
        }
        9 => {
            let _ = crate::upload::Phase::parse(&text);
            let _ = crate::upload::FailureKind::parse(&text);
        }
        10 => {
            let _ = crate::protocol::multipart::strip_etag(&text);
            let _ = crate::protocol::multipart::url_lifetime(Some(&text));
            let _ = crate::protocol::expiry_dates::rfc3339_unix_secs(&text);
            let _ = crate::protocol::expiry_dates::amz_url_expiry_unix_secs(&text);
        }
        11 => {
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(input) {
                let _ = apivideo::parse_status(&value);
                let _ = google::confirms_whole_file(&value);
            }
        }
        _ => {
            let (path, query) = text.split_once('?').unwrap_or((&text, ""));
            let _ = crate::auth::loopback::parse_redirect(path, Some(query), "state");
        }
    }
}

/// Every header parser, with the input as the header's value.
fn header_parsers(value: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(value) else {
        return;
    };
    for name in [
        "range",
        "upload-offset",
        "upload-length",
        "upload-expires",
        "retry-after",
        "x-ratelimit-retry-after",
    ] {
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static(name), value.clone());
        let _ = google::parse_range(&headers);
        let _ = tus::parse_number(&headers, name);
        let _ = tus::parse_expires(&headers);
        let _ = http::parse_retry_after(&headers);
        let _ = apivideo::retry_after(&headers);
    }
}

/// A `Location` (or a presigned URL) named by a server, resolved and checked against an endpoint.
fn locations(endpoint: &str, location: &str) {
    let Ok(endpoint) = url::Url::parse(endpoint) else {
        return;
    };
    if let Ok(resolved) = tus::resolve_location(&endpoint, location) {
        let scope = crate::protocol::SecretScope::new(&endpoint);
        let _ = scope.admits(&resolved);
        let _ = scope.check_named_address(&resolved);
        let _ = scope.require(&resolved);
    }
    if let Ok(target) = url::Url::parse(location) {
        let scope = crate::protocol::SecretScope::new(&endpoint);
        let _ = scope.require(&target);
    }
}

/// Every JSON answer body Hoist decodes.
fn json_answers(body: &[u8]) {
    let _ = serde_json::from_slice::<multipart::Created>(body);
    let _ = serde_json::from_slice::<multipart::FreshUrls>(body);
    let _ = serde_json::from_slice::<multipart::Reported>(body);
    let _ = serde_json::from_slice::<multipart::StatusPage>(body);
    let _ = serde_json::from_slice::<multipart::RemoteSession>(body);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let service = crate::upload::Service::GoogleResumable {
            initiate_url: "https://a.example/upload".to_string(),
        };
        let _ = google::remote_result(&service, value);
    }
}

/// Session state as the journal stores it, decoded for every protocol.
fn session_states(stored: &[u8]) {
    let text = String::from_utf8_lossy(stored);
    for protocol in [
        WireProtocol::GoogleResumable,
        WireProtocol::ApiVideo,
        WireProtocol::PresignedMultipart,
        WireProtocol::Tus,
    ] {
        let _ = SessionState::from_stored(protocol, &text);
    }
}

/// A journal row whose JSON and text columns hold the input; reading it back gives the upload or
/// a corrupt-row error.
fn journal_row(input: &[u8]) {
    use crate::file::FileIdentity;
    use crate::store::{Journal, NewUpload};
    use crate::upload::{AuthSource, Destination, Service};
    let Ok(journal) = Journal::open_in_memory() else {
        return;
    };
    let new = NewUpload {
        file: FileIdentity {
            path: PathBuf::from("/videos/a.mov"),
            size_bytes: 10,
            modified_unix_nanos: 1,
            sample_sha256: "ab".repeat(32),
        },
        destination: Destination {
            service: Service::Tus {
                endpoint: "https://tus.example.com/files/".to_string(),
            },
            auth: AuthSource::None,
        },
        total_bytes: Some(10),
        chunk_size_bytes: None,
        chunk_size_auto: false,
    };
    let Ok(record) = journal.insert(&new) else {
        return;
    };
    let text = String::from_utf8_lossy(input).into_owned();
    let columns = [
        "chunk_size_auto",
        "destination_json",
        "protocol_state_json",
        "result_json",
        "phase",
        "error",
        "file_path",
    ];
    let column = columns[input.len() % columns.len()];
    let sql = format!("UPDATE uploads SET {column} = ?1 WHERE id = ?2");
    // A NOT NULL column refuses what it cannot hold; the row then stays as it was.
    let _ = journal
        .conn()
        .execute(&sql, rusqlite::params![text, record.id.0]);
    let _ = journal.get(record.id);
    let _ = journal.list();
}

/// A `profiles.toml` with the input as its content.
fn profiles_file(text: &str) {
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let store = crate::profile::ProfileStore::at(dir.path().join("profiles.toml"));
    if std::fs::write(store.path(), text).is_err() {
        return;
    }
    if let Ok(file) = store.load() {
        for (name, profile) in &file.profiles {
            let _ = profile.effective_endpoint();
            let _ = profile.service(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Inputs that reach deep into each parser: valid shapes with a byte changed here and there.
    const SEEDS: &[&str] = &[
        "bytes=0-1023",
        "0-18446744073709551615",
        "18446744073709551616",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "1E20",
        "https://a.example/files/\n//b.example/x",
        "http://127.0.0.1:9/files/\n/files/abc?x=1",
        r#"{"upload_id":"u","upload_urls":[{"chunk_index":1,"url":"https://s3/x","expires_at":"2026-01-01T00:00:00Z"}]}"#,
        r#"{"size":"10","md5Hash":"x","crc32c":null,"id":"a/b/1","selfLink":"https://a"}"#,
        r#"{"title":"t","problems":[{"name":"n"}],"status":400}"#,
        r#"{"encoding":{"playable":true,"qualities":[{"status":"encoded"}]}}"#,
        r#"{"session_uri":"https://a.example/s","confirmed":5}"#,
        "[profiles.a]\nkind = \"tus\"\nendpoint = \"https://t.example/files/\"\n",
        "8MiB",
        "1.5 GiB",
        "uploading",
    ];

    /// Every parser gets each seed, each seed mutated, and plain random bytes: no panic. (The
    /// number of cases is `HOIST_FUZZ_CASES`, 20,000 by default; `fuzz/` runs longer.)
    #[test]
    fn random_inputs_never_panic() {
        let cases: usize = std::env::var("HOIST_FUZZ_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(20_000);
        let mut rng = StdRng::seed_from_u64(0x5eed);
        for which in 0..PARSERS {
            for seed in SEEDS {
                let mut input = vec![which];
                input.extend_from_slice(seed.as_bytes());
                parsers(&input);
            }
        }
        for _ in 0..cases {
            let mut input = vec![rng.random_range(0..PARSERS)];
            if rng.random_bool(0.5) {
                let seed = SEEDS[rng.random_range(0..SEEDS.len())].as_bytes();
                input.extend_from_slice(seed);
                for _ in 0..rng.random_range(1..4) {
                    let at = rng.random_range(0..input.len());
                    input[at] = rng.random();
                }
            } else {
                let len = rng.random_range(0..64);
                input.extend((0..len).map(|_| rng.random::<u8>()));
            }
            parsers(&input);
        }
    }
}
