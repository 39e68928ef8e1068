//! The history of finished uploads: what was sent, where, its link, when and how long it took.
//!
//! A history entry is written by [`Journal::complete`] in the same SQLite transaction that marks
//! the upload completed, so a crash leaves either both or neither (never a completed upload
//! without its entry, never two entries: `upload_id` is unique and an upload completes once).
//! Entries live in their own table: removing an upload from the queue ("Clear finished",
//! `hoist remove`) leaves its entry; only [`Journal::remove_from_history`] and
//! [`Journal::clear_history`] take entries out. The newest [`HISTORY_LIMIT`] are kept.
//!
//! What an entry holds is safe to show and export: the file's name and path, its size, the
//! destination's profile name, service kind and label (never credentials), and the result's link
//! only when it has no secret-looking query (a presigned URL is a capability, not a link).

use super::*;
use crate::upload::{AuthSource, Service};

/// How many entries the history keeps; older ones are removed as new uploads finish.
pub const HISTORY_LIMIT: usize = 10_000;

/// Query parameter names (lower case, as substrings) that make a link a capability rather than
/// something to share; such a link is not kept.
const SECRET_QUERY_PARTS: &[&str] = &[
    "signature",
    "sig",
    "token",
    "key",
    "secret",
    "credential",
    "expires",
    "policy",
    "auth",
    "session",
    "upload_id",
    "uploadid",
    "password",
];

/// One finished upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// The entry's own number (for "Remove from history").
    pub id: i64,
    /// The upload it records (gone from the queue once cleared).
    pub upload_id: UploadId,
    /// The file's name.
    pub file_name: String,
    /// The file's full path (lossy where it is not valid text).
    pub file_path: String,
    /// Bytes sent.
    pub size_bytes: u64,
    /// The saved destination's name (its key in `profiles.toml`), when the upload used one.
    pub profile: Option<String>,
    /// The kind of service (`youtube`, `tus`, `cloud-storage`, ...).
    pub service_kind: String,
    /// Where it went, for people ("YouTube", "Cloud Storage: media", "tus: host:port").
    pub destination: String,
    /// A link a person can open (the video page, the object's URL), when the service gave one
    /// that holds no secret.
    pub link: Option<String>,
    /// The service's id for what was made (video id, object name), when known.
    pub remote_id: Option<String>,
    /// When sending first started (seconds since the Unix epoch; when it was added for uploads
    /// begun by a Hoist that did not record it).
    pub started_unix_secs: i64,
    /// When the service said it was done (seconds since the Unix epoch).
    pub finished_unix_secs: i64,
    /// How long it took, in seconds: see [`HistoryEntry::time_is_sending`].
    pub time_taken_secs: u64,
    /// True: `time_taken_secs` counts only the time Hoist spent sending (not queued, paused or
    /// closed). False: sending time was not recorded (an upload begun by an older Hoist, or
    /// one whose sending was cut by a crash each time), and it is the time from starting (or
    /// adding) to finishing.
    pub time_is_sending: bool,
}

impl HistoryEntry {
    /// Whether `search` (ignoring case; empty matches everything) is in the file's name or path,
    /// the destination, the profile's name or the link.
    pub fn matches(&self, search: &str) -> bool {
        let needle = search.trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        [
            Some(self.file_name.as_str()),
            Some(self.file_path.as_str()),
            Some(self.destination.as_str()),
            self.profile.as_deref(),
            self.link.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|text| text.to_lowercase().contains(&needle))
    }

    /// Where it went, for people: the profile's name and the service ("studio · YouTube"), or
    /// the service alone.
    pub fn destination_words(&self) -> String {
        match &self.profile {
            Some(profile) => format!("{profile} · {}", self.destination),
            None => self.destination.clone(),
        }
    }
}

/// The history columns, in the order [`read_entry`] decodes them.
const ENTRY_COLUMNS: &str = "id, upload_id, file_name, file_path, size_bytes, profile, \
     service_kind, destination, link, remote_id, started_unix_secs, finished_unix_secs, \
     time_taken_secs, time_is_sending";

impl Journal {
    /// Marks the upload [`Phase::Completed`] with the server's result: confirmed bytes become the
    /// total (when known) and the error is cleared. The protocol state is kept (status queries
    /// may need it). In the same transaction the upload's history entry is written (once), and
    /// the history is trimmed to the newest [`HISTORY_LIMIT`] entries.
    pub fn complete(&self, id: UploadId, result: &RemoteResult) -> Result<(), StoreError> {
        self.complete_keeping(id, result, HISTORY_LIMIT)
    }

    /// [`Journal::complete`], keeping at most `limit` history entries.
    pub(super) fn complete_keeping(
        &self,
        id: UploadId,
        result: &RemoteResult,
        limit: usize,
    ) -> Result<(), StoreError> {
        let result_json = to_json(result)?;
        let now = now_unix_secs();
        let mut conn = self.conn();
        let changed = complete_in_transaction(&mut conn, id, result, &result_json, now, limit)
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        if changed == 0 {
            return Err(StoreError::NotFound(id));
        }
        self.after_write();
        Ok(())
    }

    /// Adds one stretch of sending to the upload: `sending` more time spent sending, and
    /// `began_unix_secs` as when sending first started if none was recorded yet.
    pub fn add_sending_time(
        &self,
        id: UploadId,
        began_unix_secs: i64,
        sending: Duration,
    ) -> Result<(), StoreError> {
        let millis = i64::try_from(sending.as_millis()).unwrap_or(i64::MAX);
        self.update_one(
            id,
            "UPDATE uploads SET started_unix_secs = coalesce(started_unix_secs, ?2), \
             sending_millis = coalesce(sending_millis, 0) + ?3 WHERE id = ?1",
            rusqlite::params![id.0, began_unix_secs, millis],
        )
    }

    /// The newest `limit` history entries (all when `None`), newest first. Entries that cannot
    /// be decoded are skipped with a warning in the log.
    pub fn history(&self, limit: Option<usize>) -> Result<Vec<HistoryEntry>, StoreError> {
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM history ORDER BY id DESC LIMIT ?1");
        let conn = self.conn();
        let rows = conn
            .prepare_cached(&sql)
            .and_then(|mut statement| {
                statement
                    .query_map([limit], read_entry)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                row.map_err(|(id, detail)| {
                    tracing::warn!(history_entry = id, %detail, "skipping a damaged history entry");
                })
                .ok()
            })
            .collect())
    }

    /// Takes one entry out of the history; false when there was none with this number.
    pub fn remove_from_history(&self, entry_id: i64) -> Result<bool, StoreError> {
        self.history_write("DELETE FROM history WHERE id = ?1", entry_id)
            .map(|changed| changed > 0)
    }

    /// Empties the history (the queue is left alone); how many entries it held.
    pub fn clear_history(&self) -> Result<usize, StoreError> {
        self.history_write("DELETE FROM history WHERE ?1 = ?1", 0)
    }

    fn history_write(&self, sql: &'static str, param: i64) -> Result<usize, StoreError> {
        let conn = self.conn();
        let changed = conn
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([param]))
            .map_err(|e| self.db_error(e))?;
        drop(conn);
        self.after_write();
        Ok(changed)
    }

    /// Opens the journal at `path` to read and change its history, from a process or thread
    /// beside the engine (the window's History). Unlike [`Journal::open`] it never sets a damaged
    /// file aside (that is the engine's to do, and to tell): it fails instead.
    pub fn open_for_history(path: &Path) -> Result<Journal, StoreError> {
        match Journal::try_open_patiently(path) {
            Ok(journal) => Ok(journal),
            Err(OpenFailure::Store(error)) => Err(error),
            Err(OpenFailure::Invalid(detail)) => Err(StoreError::Io {
                source: std::io::Error::other(detail),
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Writes the completion and its history entry in one immediate transaction; the number of
/// uploads changed (0: no such upload).
fn complete_in_transaction(
    conn: &mut Connection,
    id: UploadId,
    result: &RemoteResult,
    result_json: &str,
    now: i64,
    limit: usize,
) -> rusqlite::Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = tx
        .prepare_cached(concat!(
            "SELECT ",
            record_columns!(),
            ", started_unix_secs, sending_millis FROM uploads WHERE id = ?1"
        ))?
        .query_row([id.0], |row| {
            Ok((
                read_row(row)?,
                row.get::<_, Option<i64>>(17)?,
                row.get::<_, Option<i64>>(18)?,
            ))
        })
        .optional()?;
    match found {
        Some((Ok(record), started, sending_millis)) if record.phase != Phase::Completed => {
            let timing = Timing {
                started_unix_secs: started.unwrap_or(record.created_unix_secs),
                finished_unix_secs: now,
                sending_millis: sending_millis.unwrap_or(0),
            };
            insert_entry(&tx, &record, result, &timing)?;
            trim_history(&tx, limit)?;
        }
        Some((Err((id, detail)), ..)) => {
            tracing::warn!(upload = %id, %detail, "a damaged upload finished; no history entry");
        }
        _ => {}
    }
    let changed = tx
        .prepare_cached(
            "UPDATE uploads SET phase = ?2, \
             confirmed_bytes = coalesce(total_bytes, confirmed_bytes), \
             result_json = ?3, error = NULL, error_kind = NULL, updated_unix_secs = ?4 \
             WHERE id = ?1",
        )?
        .execute(rusqlite::params![
            id.0,
            Phase::Completed.as_str(),
            result_json,
            now
        ])?;
    tx.commit()?;
    Ok(changed)
}

/// When an upload started and finished, and how long it spent sending.
struct Timing {
    started_unix_secs: i64,
    finished_unix_secs: i64,
    sending_millis: i64,
}

impl Timing {
    /// Seconds taken, and whether they are sending time (else from start to finish).
    fn taken(&self) -> (u64, bool) {
        if self.sending_millis > 0 {
            let secs = (self.sending_millis.saturating_add(500)) / 1000;
            (u64::try_from(secs).unwrap_or(0), true)
        } else {
            let wall = self.finished_unix_secs - self.started_unix_secs;
            (u64::try_from(wall).unwrap_or(0), false)
        }
    }
}

fn insert_entry(
    tx: &rusqlite::Transaction<'_>,
    record: &UploadRecord,
    result: &RemoteResult,
    timing: &Timing,
) -> rusqlite::Result<()> {
    let (taken_secs, is_sending) = timing.taken();
    let size_bytes = record.total_bytes.unwrap_or(record.file.size_bytes);
    tx.prepare_cached(
        "INSERT OR IGNORE INTO history (upload_id, file_name, file_path, size_bytes, profile, \
         service_kind, destination, link, remote_id, started_unix_secs, finished_unix_secs, \
         time_taken_secs, time_is_sending) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(rusqlite::params![
        record.id.0,
        record.file.file_name(),
        path_to_sql(&record.file.path),
        size_bytes,
        profile_of(&record.destination.auth),
        service_kind(&record.destination.service),
        record.destination.service.label(),
        result.url.as_deref().and_then(shareable_link),
        result.remote_id,
        timing.started_unix_secs,
        timing.finished_unix_secs,
        taken_secs,
        is_sending,
    ])?;
    Ok(())
}

/// Removes all but the newest `limit` entries.
fn trim_history(tx: &rusqlite::Transaction<'_>, limit: usize) -> rusqlite::Result<()> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "DELETE FROM history WHERE id <= \
         (SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?1)",
    )?
    .execute([limit])?;
    Ok(())
}

/// Reads one history row: the outer error is SQLite's, the inner one a damaged entry.
fn read_entry(row: &Row<'_>) -> rusqlite::Result<Result<HistoryEntry, (i64, String)>> {
    let id: i64 = row.get(0)?;
    let path = match path_from_sql(row.get_ref(3)?) {
        Ok(path) => path,
        Err(detail) => return Ok(Err((id, detail))),
    };
    Ok(Ok(HistoryEntry {
        id,
        upload_id: UploadId(row.get(1)?),
        file_name: row.get(2)?,
        file_path: path.to_string_lossy().into_owned(),
        size_bytes: row.get(4)?,
        profile: row.get(5)?,
        service_kind: row.get(6)?,
        destination: row.get(7)?,
        link: row.get(8)?,
        remote_id: row.get(9)?,
        started_unix_secs: row.get(10)?,
        finished_unix_secs: row.get(11)?,
        time_taken_secs: row.get(12)?,
        time_is_sending: row.get(13)?,
    }))
}

/// The saved destination an upload's credentials come from: secrets stored under
/// `profile/NAME` (see `Profile::secret_key`) name their profile.
pub(crate) fn profile_of(auth: &AuthSource) -> Option<String> {
    let key = match auth {
        AuthSource::Stored(secret) => secret
            .key
            .clone()
            .or_else(|| secret.headers.first().map(|h| h.key.clone())),
        AuthSource::GoogleOauth(source) => {
            source.client_secret.as_ref().and_then(|s| s.key.clone())
        }
        AuthSource::None | AuthSource::Env { .. } => None,
    }?;
    let name = key.strip_prefix("profile/")?;
    let name = name.split('/').next().unwrap_or(name);
    (!name.is_empty()).then(|| name.to_string())
}

/// The service's kind, as the profiles file and the command line name it.
pub(crate) fn service_kind(service: &Service) -> &'static str {
    match service {
        Service::GoogleResumable { .. } => "google-resumable",
        Service::YouTube { .. } => "youtube",
        Service::Drive { .. } => "drive",
        Service::CloudStorage { .. } => "cloud-storage",
        Service::ApiVideo { .. } => "api-video",
        Service::PresignedMultipart { .. } => "multipart",
        Service::Tus { .. } => "tus",
    }
}

/// `url` when it is a web link safe to keep and share: http(s), no user name or password, and
/// no query parameter that looks like a signature, token, key or expiry (a presigned URL).
pub(crate) fn shareable_link(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https")
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return None;
    }
    let secret_looking = parsed.query_pairs().any(|(name, _)| {
        let name = name.to_lowercase();
        SECRET_QUERY_PARTS.iter().any(|part| name.contains(part))
    });
    (!secret_looking).then(|| url.to_string())
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
