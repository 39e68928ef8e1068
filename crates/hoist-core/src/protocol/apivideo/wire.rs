//! api.video wire details without I/O: chunk arithmetic, `Content-Range: part N/M`, problem
//! details, rate-limit headers, the video status. Facts: shared/PROTOCOLS.md §2.

use std::time::Duration;

use serde_json::Value;

use super::super::ProtocolError;
use crate::upload::RemoteResult;

const MIB: u64 = 1024 * 1024;
/// Smallest chunk api.video accepts (except the last one).
pub const MIN_CHUNK_BYTES: u64 = 5 * MIB;
/// Largest chunk api.video accepts.
pub const MAX_CHUNK_BYTES: u64 = 128 * MIB;
/// Chunk size when none is asked for.
///
/// api.video has no status query: a chunk whose answer is lost is sent again whole, and the
/// journal moves one chunk at a time. So the chunk is the unit of loss and of saved progress,
/// while each chunk costs one request round trip (and the service's per-chunk handling) of idle
/// link. 32 MiB keeps that idle time under about 10 % on a 100 Mbit/s uplink (2.7 s per chunk)
/// while a failure on a typical 10-20 Mbit/s home uplink costs at most 15-30 s of re-sending,
/// instead of 20-40 s with the service's own default of 50 MiB.
pub const DEFAULT_CHUNK_BYTES: u64 = 32 * MIB;

/// How many parts a file of `size_bytes` makes with chunks of `chunk_bytes` (an empty file is
/// one empty part).
pub fn part_count(size_bytes: u64, chunk_bytes: u64) -> u64 {
    if size_bytes == 0 {
        return 1;
    }
    size_bytes.div_ceil(chunk_bytes.max(1))
}

/// Where part `part` (1-based) starts in the file, and its length.
pub fn part_range(part: u64, size_bytes: u64, chunk_bytes: u64) -> (u64, u64) {
    let chunk = chunk_bytes.max(1);
    let start = part.saturating_sub(1).saturating_mul(chunk).min(size_bytes);
    let end = start.saturating_add(chunk).min(size_bytes);
    (start, end - start)
}

/// The `Content-Range` of part `part` of `parts`: `part N/M`, or `part N/*` for intermediate
/// parts when the total is announced only at the end (the last is then `part N/N`).
pub fn content_range(part: u64, parts: u64, size_unknown: bool) -> String {
    if size_unknown && part < parts {
        format!("part {part}/*")
    } else {
        format!("part {part}/{parts}")
    }
}

/// Bytes confirmed once `parts` parts are acknowledged.
pub fn confirmed_after(parts: u64, size_bytes: u64, chunk_bytes: u64) -> u64 {
    parts.saturating_mul(chunk_bytes).min(size_bytes)
}

/// An api.video error body: `{type, title, name, status, detail, problems:[...]}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Problem {
    /// The `type` URL, e.g. `https://docs.api.video/reference/video-source-already-uploaded`.
    pub kind: String,
    /// The plain message for people.
    pub message: String,
}

impl Problem {
    /// Reads a problem body; other JSON or text gives the shared best-effort message.
    pub fn parse(body: &str) -> Problem {
        let Ok(json) = serde_json::from_str::<Value>(body) else {
            return Problem {
                kind: String::new(),
                message: super::super::server_message(body),
            };
        };
        let text = |v: &Value, key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut message = text(&json, "title")
            .or_else(|| text(&json, "detail"))
            .unwrap_or_else(|| super::super::server_message(body));
        if let Some(name) = text(&json, "name") {
            message = format!("{} ({name})", message.trim_end_matches('.'));
        }
        let details: Vec<String> = json
            .get("problems")
            .and_then(Value::as_array)
            .map(|problems| {
                problems
                    .iter()
                    .filter_map(|p| text(p, "title"))
                    .filter(|t| *t != message)
                    .take(3)
                    .collect()
            })
            .unwrap_or_default();
        if !details.is_empty() {
            message = format!("{}: {}", message.trim_end_matches('.'), details.join("; "));
        }
        Problem {
            kind: text(&json, "type").unwrap_or_default(),
            message,
        }
    }

    /// True for `video-source-already-uploaded`: every byte is on the server already.
    pub fn is_source_already_uploaded(&self) -> bool {
        self.kind
            .trim_end_matches('/')
            .ends_with("video-source-already-uploaded")
    }
}

/// The wait a 429 asks for: `X-RateLimit-Retry-After` (seconds), else `Retry-After`.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let rate_limit = headers
        .get("x-ratelimit-retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        // `try_`: a number too large for a Duration (`1e20`) is ignored, not a panic.
        .and_then(|s| Duration::try_from_secs_f64(s).ok());
    rate_limit.or_else(|| super::super::parse_retry_after(headers))
}

/// Where the service is with a video after its source arrived (`GET /videos/{id}/status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    /// At least one quality plays.
    Playable,
    /// Still ingesting or encoding; the text says how far, for the log.
    Working(String),
    /// Encoding failed for every quality.
    Failed(String),
}

/// Reads a video status: `{"ingest":{"status"},"encoding":{"playable","qualities":[{quality,status}]}}`.
pub fn parse_status(status: &Value) -> Result<Encoding, ProtocolError> {
    let encoding = status
        .get("encoding")
        .filter(|e| e.is_object())
        .ok_or_else(|| ProtocolError::BadResponse {
            detail: "the video status has no encoding part".to_string(),
        })?;
    if encoding.get("playable").and_then(Value::as_bool) == Some(true) {
        return Ok(Encoding::Playable);
    }
    let ingest = status
        .pointer("/ingest/status")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let qualities: Vec<(&str, &str)> = encoding
        .get("qualities")
        .and_then(Value::as_array)
        .map(|qs| {
            qs.iter()
                .map(|q| {
                    (
                        q.get("quality").and_then(Value::as_str).unwrap_or("?"),
                        q.get("status").and_then(Value::as_str).unwrap_or("?"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let summary = qualities
        .iter()
        .map(|(q, s)| format!("{q} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    if ingest == "failed"
        || (!qualities.is_empty() && qualities.iter().all(|(_, s)| *s == "failed"))
    {
        let detail = if summary.is_empty() {
            "api.video could not ingest the video".to_string()
        } else {
            format!("api.video could not encode the video ({summary})")
        };
        return Ok(Encoding::Failed(detail));
    }
    Ok(Encoding::Working(format!("ingest {ingest}; {summary}")))
}

/// The `videoId` of a video (or chunk acknowledgement) answer.
pub fn video_id(video: &Value) -> Result<String, ProtocolError> {
    video
        .get("videoId")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        .map(str::to_string)
        .ok_or_else(|| ProtocolError::BadResponse {
            detail: "the answer has no usable videoId".to_string(),
        })
}

/// The finished upload: the video id, its player page and the whole Video JSON.
pub fn remote_result(video: Value) -> RemoteResult {
    let remote_id = video_id(&video).ok();
    let url = video
        .pointer("/assets/player")
        .and_then(Value::as_str)
        .map(str::to_string);
    RemoteResult {
        remote_id,
        url,
        response: video,
    }
}

#[cfg(test)]
#[path = "wire_proptests.rs"]
mod wire_proptests;

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn chunk_arithmetic() {
        let mib = MIB;
        assert_eq!(part_count(0, 5 * mib), 1);
        assert_eq!(part_count(1, 5 * mib), 1);
        assert_eq!(part_count(5 * mib, 5 * mib), 1);
        assert_eq!(part_count(5 * mib + 1, 5 * mib), 2);
        assert_eq!(part_count(15 * mib, 5 * mib), 3);
        assert_eq!(part_range(1, 0, 5), (0, 0));
        assert_eq!(part_range(1, 12, 5), (0, 5));
        assert_eq!(part_range(2, 12, 5), (5, 5));
        assert_eq!(part_range(3, 12, 5), (10, 2));
        assert_eq!(part_range(3, 15, 5), (10, 5));
        // Every byte is in exactly one part.
        for (size, chunk) in [(1u64, 1u64), (7, 3), (9, 3), (100, 7), (5, 10)] {
            let parts = part_count(size, chunk);
            let mut next = 0;
            for part in 1..=parts {
                let (start, len) = part_range(part, size, chunk);
                assert_eq!(start, next);
                assert!(len > 0 && len <= chunk);
                next = start + len;
            }
            assert_eq!(next, size);
        }
        assert_eq!(confirmed_after(0, 12, 5), 0);
        assert_eq!(confirmed_after(2, 12, 5), 10);
        assert_eq!(confirmed_after(3, 12, 5), 12);
    }

    #[test]
    fn content_ranges() {
        assert_eq!(content_range(1, 1, false), "part 1/1");
        assert_eq!(content_range(2, 3, false), "part 2/3");
        assert_eq!(content_range(2, 3, true), "part 2/*");
        assert_eq!(content_range(3, 3, true), "part 3/3");
    }

    #[test]
    fn problems_become_plain_messages() {
        let p = Problem::parse(
            r#"{"type":"https://docs.api.video/reference/video-source-already-uploaded","title":"The source of the video is already uploaded.","status":400}"#,
        );
        assert!(p.is_source_already_uploaded());
        assert_eq!(p.message, "The source of the video is already uploaded.");
        let p = Problem::parse(
            r#"{"type":"https://docs.api.video/reference/invalid-attribute","title":"This attribute is required.","name":"title","status":400,"problems":[{"title":"This attribute is required.","name":"title"},{"title":"This attribute must be a boolean.","name":"public"}]}"#,
        );
        assert!(!p.is_source_already_uploaded());
        assert_eq!(
            p.message,
            "This attribute is required (title): This attribute is required.; This attribute must be a boolean."
        );
        assert_eq!(Problem::parse("").message, "no details given");
        assert_eq!(Problem::parse("oops").message, "oops");
    }

    #[test]
    fn rate_limit_waits() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", "3".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("x-ratelimit-retry-after", "1".parse().expect("header"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(1)));
    }

    #[test]
    fn statuses() {
        let playable = json!({"ingest":{"status":"ingested"},"encoding":{"playable":true,"qualities":[{"quality":"720p","status":"encoded"}]}});
        assert_eq!(parse_status(&playable).expect("status"), Encoding::Playable);
        let working = json!({"ingest":{"status":"uploaded"},"encoding":{"playable":false,"qualities":[{"quality":"720p","status":"encoding"}]}});
        assert!(matches!(parse_status(&working), Ok(Encoding::Working(_))));
        let no_qualities =
            json!({"ingest":{"status":"uploading"},"encoding":{"playable":false,"qualities":[]}});
        assert!(matches!(
            parse_status(&no_qualities),
            Ok(Encoding::Working(_))
        ));
        let failed = json!({"ingest":{"status":"ingested"},"encoding":{"playable":false,"qualities":[{"quality":"360p","status":"failed"}]}});
        assert!(matches!(parse_status(&failed), Ok(Encoding::Failed(_))));
        assert!(parse_status(&json!({"ingest":{}})).is_err());
    }

    #[test]
    fn video_ids_and_results() {
        let video = json!({"videoId":"vi4blUQJFrYWbaG44NChkH27","assets":{"player":"https://embed.api.video/vod/vi4blUQJFrYWbaG44NChkH27","hls":"https://vod.api.video/vod/vi4blUQJFrYWbaG44NChkH27/hls/manifest.m3u8"}});
        assert_eq!(video_id(&video).expect("id"), "vi4blUQJFrYWbaG44NChkH27");
        let result = remote_result(video.clone());
        assert_eq!(
            result.remote_id.as_deref(),
            Some("vi4blUQJFrYWbaG44NChkH27")
        );
        assert_eq!(
            result.url.as_deref(),
            Some("https://embed.api.video/vod/vi4blUQJFrYWbaG44NChkH27")
        );
        assert_eq!(result.response, video);
        assert!(video_id(&json!({"videoId":"../x"})).is_err());
        assert!(video_id(&json!({})).is_err());
    }
}
