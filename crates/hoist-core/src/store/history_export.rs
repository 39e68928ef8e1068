//! The history as a CSV file (RFC 4180: a header row, fields with commas, quotes or line breaks
//! quoted, quotes doubled; UTF-8), for a spreadsheet. Times are UTC in RFC 3339
//! (`2026-12-07T03:04:05Z`), sizes and durations plain numbers.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::HistoryEntry;

/// The header row.
pub const HISTORY_CSV_HEADER: [&str; 12] = [
    "finished_utc",
    "file_name",
    "file_path",
    "size_bytes",
    "profile",
    "service",
    "destination",
    "link",
    "remote_id",
    "started_utc",
    "time_taken_secs",
    "time_measured",
];

/// Why the history could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum HistoryExportError {
    /// The file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A row could not be written.
    #[error("writing CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// Writes `entries` as CSV to `out`.
pub fn write_history_csv<W: Write>(entries: &[HistoryEntry], out: W) -> Result<(), csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(HISTORY_CSV_HEADER)?;
    for entry in entries {
        writer.write_record([
            utc(entry.finished_unix_secs),
            entry.file_name.clone(),
            entry.file_path.clone(),
            entry.size_bytes.to_string(),
            entry.profile.clone().unwrap_or_default(),
            entry.service_kind.clone(),
            entry.destination.clone(),
            entry.link.clone().unwrap_or_default(),
            entry.remote_id.clone().unwrap_or_default(),
            utc(entry.started_unix_secs),
            entry.time_taken_secs.to_string(),
            if entry.time_is_sending {
                "sending"
            } else {
                "start to finish"
            }
            .to_string(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// Writes `entries` as CSV to the file `path` (through a temporary file beside it, so a
/// half-written export never replaces an earlier one).
pub fn export_history_csv(entries: &[HistoryEntry], path: &Path) -> Result<(), HistoryExportError> {
    let io = |source| HistoryExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".hoist-history-")
        .suffix(".csv.part")
        .tempfile_in(&parent)
        .map_err(io)?;
    write_history_csv(entries, &mut temp)?;
    temp.as_file().sync_all().map_err(io)?;
    temp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// `unix_secs` as RFC 3339 in UTC.
fn utc(unix_secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
