//! The words and symbols the window uses for states, sizes and file types.

use std::time::Instant;

use super::failure_words::failure_headline;
use super::model::Row;
use hoist_core::units::{format_bytes, format_eta};
use hoist_core::upload::Phase;

/// The state of a row in plain words ("Reconnecting in 8 s", "Failed: no connection").
pub fn state_words(row: &Row, now: Instant) -> String {
    match row.upload.phase {
        Phase::Queued => "Waiting".to_string(),
        Phase::Uploading => match row.retry_at {
            Some(at) if at > now => {
                let secs = (at - now).as_secs_f64().ceil() as u64;
                format!("Reconnecting in {secs} s")
            }
            _ => "Uploading".to_string(),
        },
        Phase::Paused => "Paused".to_string(),
        Phase::Processing => format!("Processing on {}", row.upload.destination),
        Phase::Completed => "Done".to_string(),
        Phase::Failed => match row
            .upload
            .error
            .as_ref()
            .and_then(|f| failure_headline(f.kind))
        {
            Some(headline) => format!("Failed: {headline}"),
            None => "Failed".to_string(),
        },
        Phase::FileChanged => "File changed".to_string(),
        Phase::Cancelled => "Cancelled".to_string(),
    }
}

/// Speed and time left, or nothing when not moving.
pub fn speed_words(row: &Row) -> String {
    if row.upload.phase != Phase::Uploading || row.rate_bytes_per_sec < 1.0 {
        return String::new();
    }
    let mut text = format!("{}/s", format_bytes(row.rate_bytes_per_sec as u64));
    if let Some(left) = row.time_left() {
        text.push_str(&format!(" · {} left", format_eta(left)));
    }
    text
}

/// "1.20 GiB of 4.00 GiB" (confirmed of total).
pub fn size_words(row: &Row) -> String {
    match row.upload.total_bytes {
        Some(total) if row.upload.phase == Phase::Completed => format_bytes(total),
        Some(total) => format!(
            "{} of {}",
            format_bytes(row.upload.confirmed_bytes),
            format_bytes(total)
        ),
        None => format_bytes(row.upload.confirmed_bytes),
    }
}

/// What kind of file, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Video.
    Video,
    /// Picture.
    Image,
    /// Sound.
    Audio,
    /// Anything else.
    Other,
}

impl FileKind {
    /// Guesses from the file name.
    pub fn of(name: &str) -> FileKind {
        let mime = mime_guess::from_path(name).first_or_octet_stream();
        match mime.type_().as_str() {
            "video" => FileKind::Video,
            "image" => FileKind::Image,
            "audio" => FileKind::Audio,
            _ => FileKind::Other,
        }
    }

    /// A short badge the bundled fonts can draw (they have no emoji).
    pub fn badge(self) -> &'static str {
        match self {
            FileKind::Video => "VIDEO",
            FileKind::Image => "IMAGE",
            FileKind::Audio => "AUDIO",
            FileKind::Other => "FILE",
        }
    }
}
