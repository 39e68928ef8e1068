//! An api.video video as the reference server keeps it (`DIR/.sessions/<videoId>.json`), its
//! JSON shapes (Video, status), and api.video's problem-details errors.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Tag of this protocol's session files.
pub(super) const PROTOCOL: &str = "api-video";
/// Characters after the `vi` prefix of a video id.
const ID_SUFFIX_LEN: usize = 22;

/// A video as stored. Its partial source is `DIR/.partial/<videoId>` until the last part.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct VideoMeta {
    pub protocol: String,
    pub video_id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub metadata: Vec<Value>,
    #[serde(default)]
    pub public: bool,
    pub created_unix_ms: u64,
    /// Parts stored, in order from the first.
    #[serde(default)]
    pub parts_received: u64,
    /// The part count the client announced (`part N/M`), once known.
    #[serde(default)]
    pub parts_total: Option<u64>,
    /// Bytes stored: the partial file's length.
    #[serde(default)]
    pub bytes_received: u64,
    /// The name of the uploaded file (made safe), from the `file` part.
    #[serde(default)]
    pub file_name: Option<String>,
    /// When the last part arrived; the source is complete from then on.
    #[serde(default)]
    pub uploaded_unix_ms: Option<u64>,
    /// How long encoding takes after the upload.
    #[serde(default)]
    pub processing_delay_ms: u64,
    /// Encoding fails (the `processing-fail` fault was set when the upload finished).
    #[serde(default)]
    pub processing_fails: bool,
}

impl VideoMeta {
    /// A new, empty video.
    pub fn new(title: String) -> VideoMeta {
        VideoMeta {
            protocol: PROTOCOL.to_string(),
            video_id: new_video_id(),
            title,
            description: String::new(),
            tags: Vec::new(),
            metadata: Vec::new(),
            public: true,
            created_unix_ms: now_unix_ms(),
            parts_received: 0,
            parts_total: None,
            bytes_received: 0,
            file_name: None,
            uploaded_unix_ms: None,
            processing_delay_ms: 0,
            processing_fails: false,
        }
    }

    /// Where encoding stands now.
    fn encoding(&self) -> (&'static str, &'static str, bool) {
        let Some(uploaded) = self.uploaded_unix_ms else {
            let ingest = if self.parts_received == 0 {
                "missing"
            } else {
                "uploading"
            };
            return (ingest, "waiting", false);
        };
        let done = now_unix_ms() >= uploaded.saturating_add(self.processing_delay_ms);
        match (done, self.processing_fails) {
            (false, _) => ("uploaded", "encoding", false),
            (true, false) => ("ingested", "encoded", true),
            (true, true) => ("ingested", "failed", false),
        }
    }

    /// The Video JSON; asset links point at `base` (`http://host:port/apivideo`).
    pub fn to_json(&self, base: &str) -> Value {
        let id = &self.video_id;
        let player = format!("{base}/embed/vod/{id}");
        let vod = format!("{base}/vod/{id}");
        let created = rfc3339(self.created_unix_ms);
        let updated = rfc3339(self.uploaded_unix_ms.unwrap_or(self.created_unix_ms));
        json!({
            "videoId": id,
            "createdAt": created,
            "updatedAt": updated,
            "publishedAt": created,
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "metadata": self.metadata,
            "public": self.public,
            "panoramic": false,
            "mp4Support": true,
            "discarded": false,
            "source": { "type": "upload", "uri": format!("/videos/{id}/source") },
            "assets": {
                "iframe": format!("<iframe src=\"{player}\" width=\"100%\" height=\"100%\" frameborder=\"0\" scrolling=\"no\" allowfullscreen=\"true\"></iframe>"),
                "player": player,
                "hls": format!("{vod}/hls/manifest.m3u8"),
                "thumbnail": format!("{vod}/thumbnail.jpg"),
                "mp4": format!("{vod}/mp4/source.mp4"),
            },
        })
    }

    /// The answer to `GET /videos/{id}/status`.
    pub fn status_json(&self) -> Value {
        let (ingest, quality_status, playable) = self.encoding();
        let qualities: Vec<Value> = if self.uploaded_unix_ms.is_some() {
            ["360p", "720p"]
                .iter()
                .map(|q| json!({ "type": "hls", "quality": q, "status": quality_status }))
                .collect()
        } else {
            Vec::new()
        };
        let received_bytes = if self.bytes_received > 0 {
            json!([{ "from": 0, "to": self.bytes_received - 1, "total": self.bytes_received }])
        } else {
            json!([])
        };
        json!({
            "ingest": {
                "status": ingest,
                "filesize": self.uploaded_unix_ms.map(|_| self.bytes_received),
                "receivedBytes": received_bytes,
                "receivedParts": {
                    "parts": (1..=self.parts_received).collect::<Vec<u64>>(),
                    "total": self.parts_total,
                },
            },
            "encoding": {
                "playable": playable,
                "qualities": qualities,
                "metadata": { "width": null, "height": null, "duration": null },
            },
        })
    }
}

/// `vi` and 22 letters or digits, like api.video's ids.
fn new_video_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..ID_SUFFIX_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("vi{suffix}")
}

/// True for ids this server could have made: only those become file names.
pub(super) fn is_valid_video_id(id: &str) -> bool {
    id.len() == ID_SUFFIX_LEN + 2
        && id.starts_with("vi")
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A random token with a two-letter prefix.
pub(super) fn random_token(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("{prefix}{body}")
}

/// Milliseconds since 1970.
pub(super) fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// `YYYY-MM-DDTHH:MM:SS+00:00`, as api.video writes dates.
pub(super) fn rfc3339(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or_default();
    let rest = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// An api.video error: `{"type","title","status"[,"name"]}`.
pub(super) fn problem(status: StatusCode, slug: &str, title: &str) -> Response {
    problem_named(status, slug, title, None)
}

/// An api.video error about one attribute (`name`).
pub(super) fn problem_named(
    status: StatusCode,
    slug: &str,
    title: &str,
    name: Option<&str>,
) -> Response {
    let mut body = json!({
        "type": format!("https://docs.api.video/reference/{slug}"),
        "title": title,
        "status": status.as_u16(),
    });
    if let Some(name) = name {
        body["name"] = json!(name);
        body["problems"] = json!([{ "type": body["type"], "title": title, "name": name }]);
    }
    (status, axum::Json(body)).into_response()
}

/// 404 for an unknown video.
pub(super) fn no_such_video() -> Response {
    problem_named(
        StatusCode::NOT_FOUND,
        "resource-not-found",
        "The requested resource was not found.",
        Some("videoId"),
    )
}

/// 500 when the storage folder fails.
pub(super) fn storage_error() -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal-server-error",
        "The server could not store the upload.",
    )
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(rfc3339(1_612_764_893_000), "2021-02-08T06:14:53+00:00");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn ids() {
        let meta = VideoMeta::new("t".into());
        assert!(is_valid_video_id(&meta.video_id), "{}", meta.video_id);
        assert!(!is_valid_video_id("vi../../etc/passwd"));
        assert!(!is_valid_video_id("vi"));
    }

    #[test]
    fn encoding_progresses() {
        let mut meta = VideoMeta::new("t".into());
        assert_eq!(meta.status_json()["ingest"]["status"], "missing");
        meta.parts_received = 1;
        meta.bytes_received = 10;
        assert_eq!(meta.status_json()["ingest"]["status"], "uploading");
        meta.uploaded_unix_ms = Some(now_unix_ms());
        meta.processing_delay_ms = 60_000;
        assert_eq!(meta.status_json()["encoding"]["playable"], false);
        meta.processing_delay_ms = 0;
        assert_eq!(meta.status_json()["encoding"]["playable"], true);
        meta.processing_fails = true;
        let status = meta.status_json();
        assert_eq!(status["encoding"]["playable"], false);
        assert_eq!(status["encoding"]["qualities"][0]["status"], "failed");
        let video = meta.to_json("http://127.0.0.1:1/apivideo");
        assert!(
            video["assets"]["hls"]
                .as_str()
                .is_some_and(|h| h.ends_with("/hls/manifest.m3u8"))
        );
    }
}
