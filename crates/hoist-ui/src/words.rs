//! The words and symbols the window uses for states, sizes and file types.

use std::time::Instant;

use super::failure_words::failure_headline;
use super::model::Row;
use hoist_core::engine::UploadNotice;
use hoist_core::units::{format_bytes, format_rate, rate_and_time_left};
use hoist_core::upload::Phase;

/// What a running row says until its bytes flow (after a start, a resume or a reconnection),
/// instead of "Uploading" with no speed.
pub const CONNECTING: &str = "Connecting…";

/// The state of a row in plain words ("Reconnecting in 8 s", "Failed: no connection").
pub fn state_words(row: &Row, now: Instant) -> String {
    match row.upload.phase {
        Phase::Queued => "Waiting".to_string(),
        Phase::Uploading => match row.retry_at {
            Some(at) if at > now => {
                let secs = (at - now).as_secs_f64().ceil() as u64;
                format!("Reconnecting in {secs} s")
            }
            _ if row.metered_hold => crate::power::METERED_WAIT.to_string(),
            _ if !row.flowing => CONNECTING.to_string(),
            _ => "Uploading".to_string(),
        },
        Phase::Paused => "Paused".to_string(),
        Phase::Processing => "Processing on the server".to_string(),
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

/// What happened to an upload that is not a failure, in a sentence or two.
pub fn notice_words(notice: UploadNotice) -> String {
    match notice {
        UploadNotice::SessionLost => {
            "The server lost the upload, so it starts again from the beginning.".to_string()
        }
        UploadNotice::ServerKeptLess => {
            "The server kept less than it had said; the upload goes on from what it has."
                .to_string()
        }
        UploadNotice::SessionMayExpire { needed, lifetime } => format!(
            "{}. {}",
            super::expiry_words::at_risk_words(lifetime.as_secs(), needed.as_secs()),
            super::expiry_words::AT_RISK_ADVICE
        ),
    }
}

/// Speed and time left ("1.20 MiB/s · 3 min 20 s left"; "finishing", never "0 s left"), or
/// nothing when not moving: the same words as the command line.
pub fn speed_words(row: &Row) -> String {
    if row.upload.phase != Phase::Uploading {
        return String::new();
    }
    let remaining = row
        .upload
        .total_bytes
        .map(|total| total.saturating_sub(row.upload.confirmed_bytes));
    match remaining {
        Some(remaining) => rate_and_time_left(row.rate_bytes_per_sec, remaining),
        None if row.rate_bytes_per_sec >= 1.0 => format_rate(row.rate_bytes_per_sec),
        None => String::new(),
    }
}

/// "42 %": rounded down, so only a finished upload says 100 %.
pub fn percent_words(row: &Row) -> String {
    let percent = (f64::from(row.confirmed_fraction()) * 100.0).floor();
    if row.upload.phase == Phase::Completed {
        "100 %".to_string()
    } else {
        format!("{percent:.0} %")
    }
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

/// A file as the window names it: its name, or the whole path when it has none.
pub fn file_name_words(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// What to say when files added again are in the list already, for the same destination ("clip.mp4
/// is already in the list, on its way."; "... use Retry or Restart on its row."; "clip.mp4 was sent already: to send it again, remove
/// its row first."); `None` when there are none. At most three names.
pub fn already_listed_words(
    paths: &[std::path::PathBuf],
    listed: crate::model::Listed,
) -> Option<String> {
    use crate::model::Listed;
    let names: Vec<String> = paths.iter().map(|p| file_name_words(p)).collect();
    let shown = names[..names.len().min(3)].join(", ");
    let more = match names.len().saturating_sub(3) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let count = names.len();
    Some(match (listed, count) {
        (_, 0) => return None,
        (Listed::OnItsWay, 1) => format!("{shown} is already in the list, on its way."),
        (Listed::OnItsWay, _) => {
            format!("{count} files are already in the list, on their way: {shown}{more}.")
        }
        (Listed::Stopped, 1) => {
            format!("{shown} is already in the list: use Retry or Restart on its row.")
        }
        (Listed::Stopped, _) => format!(
            "{count} files are already in the list: {shown}{more}. Use Retry or Restart on their \
             rows."
        ),
        (Listed::Sent, 1) => {
            format!("{shown} was sent already: to send it again, remove its row first.")
        }
        (Listed::Sent, _) => format!(
            "{count} files were sent already: {shown}{more}. To send them again, remove their \
             rows first."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    #[test]
    fn files_already_in_the_list_are_named_with_what_to_do() {
        use crate::model::Listed::{OnItsWay, Sent, Stopped};
        let paths = |names: &[&str]| -> Vec<PathBuf> {
            names.iter().map(|n| PathBuf::from("/v").join(n)).collect()
        };
        assert_eq!(already_listed_words(&[], OnItsWay), None);
        assert_eq!(
            already_listed_words(&paths(&["clip.mp4"]), OnItsWay).as_deref(),
            Some("clip.mp4 is already in the list, on its way.")
        );
        assert_eq!(
            already_listed_words(&paths(&["a.mp4", "b.mp4"]), OnItsWay).as_deref(),
            Some("2 files are already in the list, on their way: a.mp4, b.mp4.")
        );
        assert_eq!(
            already_listed_words(&paths(&["a", "b", "c", "d", "e"]), OnItsWay).as_deref(),
            Some("5 files are already in the list, on their way: a, b, c and 2 more.")
        );
        assert_eq!(
            already_listed_words(&paths(&["clip.mp4"]), Stopped).as_deref(),
            Some("clip.mp4 is already in the list: use Retry or Restart on its row.")
        );
        assert_eq!(
            already_listed_words(&paths(&["clip.mp4"]), Sent).as_deref(),
            Some("clip.mp4 was sent already: to send it again, remove its row first.")
        );
        assert_eq!(
            already_listed_words(&paths(&["a", "b"]), Sent).as_deref(),
            Some("2 files were sent already: a, b. To send them again, remove their rows first.")
        );
    }

    #[test]
    fn a_session_that_may_expire_is_told_with_both_durations() {
        let words = notice_words(UploadNotice::SessionMayExpire {
            needed: Duration::from_secs(1 << 20),
            lifetime: Duration::from_secs(7 * 24 * 3600),
        });
        assert!(
            words.starts_with(
                "May not finish in time: at this speed it needs about 12 days 4 hours, but the \
                 server keeps the unfinished upload for only 7 days more. If that time runs out"
            ),
            "{words}"
        );
        assert!(notice_words(UploadNotice::SessionLost).contains("from the beginning"));
    }
}
