//! Receiving a video's source in parts: `POST /videos/{id}/source` and `POST /upload?token=`.
//!
//! The body is `multipart/form-data`; its `file` part is streamed (through the shared body sink,
//! so drop faults, throttling and byte counts apply) into a temporary file, never held in memory,
//! then appended to the video's partial file once the request is whole and the part is in order.
//! Parts arrive in order: `Content-Range: part N/M`, `part N/*` (the last is `part N/N`), legacy
//! `bytes FROM-TO/TOTAL`, or none (the whole file in one request). A part already stored is
//! acknowledged again without storing it; a part past the next one is refused. Chunks are at
//! least 5 MiB (`apivideo-min-chunk` lowers this for tests) except the last, at most 128 MiB.

use std::io::{self, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;

use super::super::faults::kind;
use super::super::sink::{self, BodyEnd, SinkPlan, run_blocking};
use super::super::stats::Counters;
use super::super::storage::safe_file_name;
use super::super::{App, DropConnection};
use super::video::{VideoMeta, no_such_video, now_unix_ms, problem, storage_error};
use super::{VideoRef, public_base};

const MIB: u64 = 1024 * 1024;
/// api.video's smallest chunk, except the last.
const MIN_CHUNK_BYTES: u64 = 5 * MIB;
/// api.video's largest chunk.
const MAX_CHUNK_BYTES: u64 = 128 * MIB;
/// Largest file sent in one request without `Content-Range`.
const MAX_SINGLE_REQUEST_BYTES: u64 = 200 * MIB;
/// Largest text field read (`videoId`).
const MAX_TEXT_FIELD_BYTES: usize = 1024;
/// How long encoding takes unless `apivideo-processing` says otherwise.
const DEFAULT_PROCESSING_MS: u64 = 500;

/// A parsed `Content-Range` of a source upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PartRange {
    /// `part N/M` or `part N/*`.
    Part { number: u64, total: Option<u64> },
    /// Legacy `bytes FROM-TO/TOTAL`.
    Bytes { first: u64, last: u64, total: u64 },
    /// No header: the whole file in one request.
    Whole,
}

/// Parses the `Content-Range` of a source upload; the error is for people.
pub(super) fn parse_part_range(value: Option<&str>) -> Result<PartRange, String> {
    let Some(value) = value.map(str::trim) else {
        return Ok(PartRange::Whole);
    };
    let malformed = || {
        format!(
            "malformed Content-Range '{value}' (expected 'part N/M', 'part N/*' or 'bytes FROM-TO/TOTAL')"
        )
    };
    let number = |text: &str| -> Result<u64, String> {
        let text = text.trim();
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed());
        }
        text.parse::<u64>().map_err(|_| malformed())
    };
    let (unit, rest) = value.split_once(' ').ok_or_else(malformed)?;
    let (range, total) = rest.trim().split_once('/').ok_or_else(malformed)?;
    if unit.eq_ignore_ascii_case("part") {
        let total = match total.trim() {
            "*" => None,
            total => Some(number(total)?),
        };
        let number = number(range)?;
        if number == 0 || total.is_some_and(|t| number > t) {
            return Err(format!("invalid Content-Range '{value}': no such part"));
        }
        return Ok(PartRange::Part { number, total });
    }
    if unit.eq_ignore_ascii_case("bytes") {
        let (first, last) = range.split_once('-').ok_or_else(malformed)?;
        let (first, last, total) = (number(first)?, number(last)?, number(total)?);
        if last < first || last >= total {
            return Err(format!("invalid Content-Range '{value}'"));
        }
        return Ok(PartRange::Bytes { first, last, total });
    }
    Err(malformed())
}

/// Which video a request feeds.
pub(super) enum Target {
    /// `/videos/{id}/source`.
    Video(VideoRef),
    /// `/upload?token=`: the `videoId` field, or a new video for the first part.
    Delegated,
}

/// What the multipart body held.
struct Received {
    /// The temporary file with the `file` part.
    temp: PathBuf,
    len: u64,
    file_name: Option<String>,
    video_id: Option<String>,
}

/// Handles one source request whose credentials were checked.
pub(super) async fn receive(
    app: Arc<App>,
    target: Target,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let range = match parse_part_range(
        headers
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok()),
    ) {
        Ok(range) => range,
        Err(message) => {
            app.discard_body(body);
            return problem(StatusCode::BAD_REQUEST, "invalid-content-range", &message);
        }
    };
    let boundary = match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
    {
        Some(boundary) => boundary,
        None => {
            app.discard_body(body);
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid-request",
                "The request must be multipart/form-data with a file field.",
            );
        }
    };
    let content_length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let base = public_base(&app, &headers);
    // Run apart from the connection, so the files are put in order even when hyper drops this
    // request because the client went away.
    let task_app = app.clone();
    let task = app.tasks.spawn(async move {
        let temp = task_app
            .storage
            .partial_path(&format!("upload-{}", super::video::random_token("")));
        let response = receive_and_store(
            &task_app,
            target,
            range,
            body,
            boundary,
            content_length,
            &temp,
            &base,
        )
        .await;
        if let Err(e) = tokio::fs::remove_file(&temp).await
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(error = %e, "could not remove a temporary part");
        }
        response
    });
    task.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "source upload task failed");
        storage_error()
    })
}

#[allow(clippy::too_many_arguments)]
async fn receive_and_store(
    app: &Arc<App>,
    target: Target,
    range: PartRange,
    body: Body,
    boundary: String,
    content_length: Option<u64>,
    temp: &Path,
    base: &str,
) -> Response {
    let received = match read_multipart(app, body, boundary, content_length, temp).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let video = match target {
        Target::Video(video) => video,
        Target::Delegated => match &received.video_id {
            Some(id) => match app.apivideo.video(&app.storage, id).await {
                Ok(Some(video)) => video,
                Ok(None) => return no_such_video(),
                Err(e) => {
                    tracing::error!(error = %e, "could not load a video");
                    return storage_error();
                }
            },
            None => {
                let title = received
                    .file_name
                    .as_deref()
                    .map(|n| match n.rsplit_once('.') {
                        Some((stem, _)) if !stem.is_empty() => stem.to_string(),
                        _ => n.to_string(),
                    })
                    .unwrap_or_else(|| "Untitled".to_string());
                match app.apivideo.create(app, VideoMeta::new(title)).await {
                    Ok(video) => video,
                    Err(e) => {
                        tracing::error!(error = %e, "could not create a video");
                        return storage_error();
                    }
                }
            }
        },
    };
    let mut video = video.lock().await;
    if video.deleted {
        return no_such_video();
    }
    store_part(app, &mut video.meta, range, &received, base).await
}

/// Reads the multipart body: the `file` part into `temp`, text fields into memory.
async fn read_multipart(
    app: &Arc<App>,
    body: Body,
    boundary: String,
    content_length: Option<u64>,
    temp: &Path,
) -> Result<Received, Response> {
    let bad = |title: &str| problem(StatusCode::BAD_REQUEST, "invalid-request", title);
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let mut received = Received {
        temp: temp.to_path_buf(),
        len: 0,
        file_name: None,
        video_id: None,
    };
    let mut have_file = false;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(bad("The multipart body is malformed or was cut off.")),
        };
        match field.name() {
            Some("file") if !have_file => {
                have_file = true;
                received.file_name = field.file_name().map(str::to_string);
                let plan = SinkPlan {
                    partial: temp.to_path_buf(),
                    start: 0,
                    skip: 0,
                    limit: Some(MAX_SINGLE_REQUEST_BYTES + 1),
                    body_len: content_length,
                    digests: None,
                };
                let outcome = sink::receive(app, Body::from_stream(field), plan).await;
                match outcome.end {
                    BodyEnd::Complete => received.len = outcome.stored_end,
                    BodyEnd::Dropped => return Err(DropConnection::response()),
                    BodyEnd::Broken => return Err(bad("The file part was cut off.")),
                    BodyEnd::WriteFailed(e) => {
                        tracing::error!(error = %e, "could not write a part");
                        return Err(storage_error());
                    }
                }
            }
            Some("videoId") => {
                let mut text = Vec::new();
                let mut field = field;
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|_| bad("The videoId field was cut off."))?;
                    if text.len() + chunk.len() > MAX_TEXT_FIELD_BYTES {
                        return Err(bad("The videoId field is too long."));
                    }
                    text.extend_from_slice(&chunk);
                }
                received.video_id = Some(String::from_utf8_lossy(&text).trim().to_string());
            }
            _ => {
                // Other fields are read and ignored.
                let mut field = field;
                while let Some(chunk) = field.next().await {
                    if chunk.is_err() {
                        return Err(bad("The multipart body was cut off."));
                    }
                }
            }
        }
    }
    if !have_file {
        return Err(problem(
            StatusCode::BAD_REQUEST,
            "missing-file",
            "The request has no file part.",
        ));
    }
    Ok(received)
}

/// Stores one received part in order, finishing the source with the last one.
async fn store_part(
    app: &Arc<App>,
    meta: &mut VideoMeta,
    range: PartRange,
    received: &Received,
    base: &str,
) -> Response {
    if meta.uploaded_unix_ms.is_some() {
        return problem(
            StatusCode::BAD_REQUEST,
            "video-source-already-uploaded",
            "The source of the video is already uploaded.",
        );
    }
    let stored = meta.parts_received;
    let (number, is_last, max) = match place_part(meta, range, received.len) {
        Ok(place) => place,
        Err(response) => return *response,
    };
    if number <= stored {
        // A part sent again after its answer was lost: acknowledged, not stored twice.
        return (StatusCode::OK, axum::Json(meta.to_json(base))).into_response();
    }
    if number > stored + 1 {
        return invalid_range(&format!("part {number} arrived before part {}", stored + 1));
    }
    if received.len > max {
        return problem(
            StatusCode::BAD_REQUEST,
            "file-too-large",
            &format!("A chunk must be at most {max} bytes."),
        );
    }
    let min = app
        .faults
        .config()
        .apivideo_min_chunk_bytes
        .unwrap_or(MIN_CHUNK_BYTES);
    if !is_last && received.len < min {
        return problem(
            StatusCode::BAD_REQUEST,
            "invalid-chunk-size",
            &format!("Every chunk but the last must be at least {min} bytes."),
        );
    }
    let id = meta.video_id.clone();
    let partial = app.storage.partial_path(&id);
    let (temp, at) = (received.temp.clone(), meta.bytes_received);
    if let Err(e) = run_blocking(move || append(&temp, &partial, at)).await {
        tracing::error!(error = %e, "could not append a part");
        return storage_error();
    }
    meta.parts_received = number;
    meta.bytes_received += received.len;
    if let PartRange::Part {
        total: Some(total), ..
    } = range
    {
        meta.parts_total = Some(total);
    }
    if meta.file_name.is_none() {
        meta.file_name = received.file_name.as_deref().and_then(safe_file_name);
    }
    if !is_last {
        if let Err(e) = app.storage.save_meta(&id, meta).await {
            tracing::error!(error = %e, "could not save a video");
            return storage_error();
        }
        return (StatusCode::OK, axum::Json(meta.to_json(base))).into_response();
    }
    finish_source(app, meta, &id, number, base).await
}

/// Where a received part goes: its number, whether it is the last, and the largest size it may
/// have; or the answer that refuses it.
fn place_part(
    meta: &VideoMeta,
    range: PartRange,
    received_len: u64,
) -> Result<(u64, bool, u64), Box<Response>> {
    let stored = meta.parts_received;
    Ok(match range {
        PartRange::Part { number, total } => {
            if let (Some(known), Some(total)) = (meta.parts_total, total)
                && known != total
            {
                return Err(Box::new(invalid_range(&format!(
                    "the part count {total} differs from the {known} announced before"
                ))));
            }
            (number, total == Some(number), MAX_CHUNK_BYTES)
        }
        PartRange::Bytes { first, last, total } => {
            if last - first + 1 != received_len {
                return Err(Box::new(invalid_range(
                    "the Content-Range does not match the size of the file part",
                )));
            }
            if last < meta.bytes_received {
                (stored, false, MAX_CHUNK_BYTES)
            } else if first != meta.bytes_received {
                return Err(Box::new(invalid_range(&format!(
                    "the part starts at byte {first} but {} bytes are stored",
                    meta.bytes_received
                ))));
            } else {
                (stored + 1, last + 1 == total, MAX_CHUNK_BYTES)
            }
        }
        PartRange::Whole => (stored + 1, true, MAX_SINGLE_REQUEST_BYTES),
    })
}

/// Finishes the source with its last part `number`: stores the file, starts "processing" and
/// answers 201 (or loses the answer when that fault is set).
async fn finish_source(
    app: &Arc<App>,
    meta: &mut VideoMeta,
    id: &str,
    number: u64,
    base: &str,
) -> Response {
    let file_name = meta
        .file_name
        .clone()
        .unwrap_or_else(|| format!("{id}.mp4"));
    if let Err(e) = app.storage.finish(id, &file_name).await {
        tracing::error!(error = %e, "could not store a finished source");
        return storage_error();
    }
    let config = app.faults.config();
    meta.parts_total = Some(number);
    meta.uploaded_unix_ms = Some(now_unix_ms());
    meta.processing_delay_ms = config
        .apivideo_processing
        .map_or(DEFAULT_PROCESSING_MS, |d| {
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
        });
    meta.processing_fails = config.processing_fail;
    if meta.processing_fails {
        app.faults.count(kind::PROCESSING_FAIL);
    }
    if let Err(e) = app.storage.save_meta(id, meta).await {
        tracing::error!(error = %e, "could not save a finished video");
    }
    Counters::bump(&app.stats.uploads_completed);
    tracing::info!(video = %id, bytes = meta.bytes_received, file = %file_name, "api.video source finished");
    if config.lose_final_answer
        && app
            .faults
            .injected()
            .get(kind::LOSE_FINAL_ANSWER)
            .is_none_or(|n| *n == 0)
    {
        app.faults.count(kind::LOSE_FINAL_ANSWER);
        return DropConnection::response();
    }
    (StatusCode::CREATED, axum::Json(meta.to_json(base))).into_response()
}

fn invalid_range(title: &str) -> Response {
    problem(StatusCode::BAD_REQUEST, "invalid-content-range", title)
}

/// Appends the file at `part` to `partial` at offset `at` (cutting anything after it first).
fn append(part: &Path, partial: &Path, at: u64) -> io::Result<()> {
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(partial)?;
    target.set_len(at)?;
    target.seek(SeekFrom::Start(at))?;
    let mut source = std::fs::File::open(part)?;
    io::copy(&mut source, &mut target)?;
    Ok(())
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_ranges() {
        assert_eq!(parse_part_range(None), Ok(PartRange::Whole));
        assert_eq!(
            parse_part_range(Some("part 2/3")),
            Ok(PartRange::Part {
                number: 2,
                total: Some(3)
            })
        );
        assert_eq!(
            parse_part_range(Some("part 4/*")),
            Ok(PartRange::Part {
                number: 4,
                total: None
            })
        );
        assert_eq!(
            parse_part_range(Some("bytes 0-99/250")),
            Ok(PartRange::Bytes {
                first: 0,
                last: 99,
                total: 250
            })
        );
        for bad in [
            "part 0/3",
            "part 4/3",
            "part x/3",
            "part 1",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "bytes 0-1/*",
            "chunks 1/2",
        ] {
            assert!(parse_part_range(Some(bad)).is_err(), "{bad}");
        }
    }
}
