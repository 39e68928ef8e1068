//! Writing a support bundle: one zip a user can attach to a bug report, with what a developer
//! needs to understand a problem (versions, settings, profiles and watch folders, the journal and
//! its history of finished uploads, the files each watch folder already took, recent logs) and
//! every secret replaced by a marker (see [`super::redact`]).
//!
//! Nothing is changed on the way: the journal is read through a read-only SQLite connection,
//! so a running Hoist is undisturbed and a damaged journal is not "recovered" by looking at it.
//! The secrets file and the keyring are never copied; the secrets file is read only to know
//! which values to take out of everything else.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};
use zip::write::SimpleFileOptions;

use super::redact::Redactor;
use crate::secrets::FileSecretStore;
use crate::store::HoistDirs;

/// At most this much of the end of each log file goes into the bundle.
const LOG_TAIL_BYTES: u64 = 1024 * 1024;
/// At most this many log files (the newest) go into the bundle.
const MAX_LOG_FILES: usize = 5;
/// Settings files larger than this are left out (they are a few KiB).
const MAX_SETTINGS_FILE_BYTES: u64 = 1024 * 1024;

/// What went wrong while writing a support bundle.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The zip could not be written.
    #[error("writing the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// What a written support bundle holds.
#[derive(Debug, Clone)]
pub struct BundleReport {
    /// Where the zip is.
    pub path: PathBuf,
    /// The names of the entries in it.
    pub entries: Vec<String>,
    /// The zip's size.
    pub size_bytes: u64,
}

/// Writes a support bundle for the Hoist whose files are in `dirs` to `out` (a `.zip`),
/// replacing it if it exists. The file is private to the user (0600) and appears only once it
/// is complete.
pub fn write_support_bundle(dirs: &HoistDirs, out: &Path) -> Result<BundleReport, SupportError> {
    let journal = read_journal(&dirs.journal_path());
    let redactor = Redactor::new(known_secrets(dirs, &journal));
    let mut entries: Vec<(String, Vec<u8>)> = vec![("about.txt".to_string(), about(dirs))];
    entries.push((
        "journal.json".to_string(),
        journal_entry(&journal, &redactor),
    ));
    let history = read_rows(&dirs.journal_path(), "SELECT * FROM history ORDER BY id");
    entries.push((
        "history.json".to_string(),
        journal_entry(&history, &redactor),
    ));
    let seen = read_rows(
        &dirs.data_dir.join(crate::watch::SEEN_FILE),
        "SELECT * FROM seen ORDER BY folder, path",
    );
    entries.push((
        "watch-seen.json".to_string(),
        journal_entry(&seen, &redactor),
    ));
    for (name, text) in settings_files(&dirs.config_dir) {
        entries.push((
            format!("settings/{name}"),
            redactor.text(&text).into_bytes(),
        ));
    }
    for (name, text) in log_tails(&dirs.log_dir()) {
        entries.push((format!("logs/{name}"), redactor.text(&text).into_bytes()));
    }
    write_zip(out, &entries)
}

/// The journal's rows as JSON objects (column name to value), or why it could not be read.
fn read_journal(path: &Path) -> Result<Vec<Map<String, Value>>, String> {
    read_rows(path, "SELECT * FROM uploads ORDER BY id")
}

/// The rows `sql` reads from the SQLite file at `path` (the journal, the watch folders' seen
/// files; read-only) as JSON objects; none when there is no such file; why not when it could not
/// be read (a journal older than the history has no `history` table).
fn read_rows(path: &Path, sql: &str) -> Result<Vec<Map<String, Value>>, String> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| e.to_string())?;
    let mut statement = db.prepare(sql).map_err(|e| e.to_string())?;
    let names: Vec<String> = statement
        .column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let rows = statement
        .query_map([], |row| {
            let mut object = Map::new();
            for (i, name) in names.iter().enumerate() {
                object.insert(name.clone(), column_value(name, row.get_ref(i)?));
            }
            Ok(object)
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
}

/// One column as JSON: columns named `*_json` are parsed, text stays text, bytes (a path that
/// is not UTF-8) become lossy text.
fn column_value(name: &str, value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(bytes) | ValueRef::Blob(bytes) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            if name.ends_with("_json") {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            } else {
                Value::String(text)
            }
        }
    }
}

/// Values that must not appear anywhere in the bundle: the secrets file's values and the
/// tokens in environment variables that uploads read their credentials from.
fn known_secrets(
    dirs: &HoistDirs,
    journal: &Result<Vec<Map<String, Value>>, String>,
) -> Vec<String> {
    let mut known: Vec<String> = FileSecretStore::in_dirs(dirs)
        .all_values()
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.expose().to_string())
        .collect();
    let mut env_names = Vec::new();
    if let Ok(rows) = journal {
        for row in rows {
            if let Some(auth) = row.get("destination_json").and_then(|d| d.get("auth")) {
                collect_env_names(auth, &mut env_names);
            }
        }
    }
    for name in env_names {
        if let Ok(value) = std::env::var(&name) {
            known.push(value);
        }
    }
    known
}

/// The names of environment variables an auth source reads (`var`, `client_secret_env`).
fn collect_env_names(value: &Value, names: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match v {
                    Value::String(name) if key == "var" || key.ends_with("_env") => {
                        names.push(name.clone());
                    }
                    other => collect_env_names(other, names),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_env_names(v, names)),
        _ => {}
    }
}

/// `about.txt`: which Hoist, on what, when, and where its files are.
fn about(dirs: &HoistDirs) -> Vec<u8> {
    let os_release = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!(
        "Hoist support bundle\n\
         hoist: {}\n\
         created: {created}\n\
         system: {} {} ({os_release})\n\
         data folder: {}\n\
         settings folder: {}\n\
         logs folder: {}\n\
         HOIST_HOME set: {}\n\
         \n\
         Secrets, tokens, API keys, upload links and presigned URLs are replaced by [redacted].\n",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        dirs.data_dir.display(),
        dirs.config_dir.display(),
        dirs.log_dir().display(),
        std::env::var_os(crate::store::HOME_VAR).is_some(),
    )
    .into_bytes()
}

/// `journal.json`, `history.json` and `watch-seen.json`: every row, redacted (links keep only their
/// `scheme://host:port`); or the reason the rows could not be read.
fn journal_entry(
    journal: &Result<Vec<Map<String, Value>>, String>,
    redactor: &Redactor,
) -> Vec<u8> {
    let value = match journal {
        Ok(rows) => Value::Array(
            rows.iter()
                .map(|row| redactor.json(&Value::Object(row.clone())))
                .collect(),
        ),
        Err(why) => serde_json::json!({ "unreadable": redactor.text(why) }),
    };
    serde_json::to_vec_pretty(&value).unwrap_or_default()
}

/// The text files directly in the settings folder (profiles, watch folders, window settings),
/// by name; the secrets file is never among them.
fn settings_files(config_dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(config_dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, String)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| {
            e.metadata()
                .is_ok_and(|m| m.len() <= MAX_SETTINGS_FILE_BYTES)
        })
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.contains("secret") {
                return None;
            }
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some((name, text))
        })
        .collect();
    files.sort();
    files
}

/// The end of the newest log files, by name.
fn log_tails(log_dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(log_dir) else {
        return Vec::new();
    };
    let mut logs: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    logs.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    logs.into_iter()
        .take(MAX_LOG_FILES)
        .filter_map(|(_, path)| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((name, read_tail(&path, LOG_TAIL_BYTES).ok()?))
        })
        .collect()
}

/// The last `limit_bytes` of a file, starting at a line boundary when it was cut.
fn read_tail(path: &Path, limit_bytes: u64) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(limit_bytes);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(limit_bytes).read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if start == 0 {
        return Ok(text);
    }
    Ok(match text.find('\n') {
        Some(at) => format!("[... earlier lines left out ...]\n{}", &text[at + 1..]),
        None => text,
    })
}

/// Writes the entries to `out` through a temporary file beside it, then renames it into place.
fn write_zip(out: &Path, entries: &[(String, Vec<u8>)]) -> Result<BundleReport, SupportError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SupportError::Io { path, source }
    };
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".hoist-support-")
        .suffix(".zip.part")
        .tempfile_in(&parent)
        .map_err(io(&parent))?;
    let mut zip = zip::ZipWriter::new(temp);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, bytes) in entries {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(bytes).map_err(io(out))?;
    }
    let mut temp = zip.finish()?;
    temp.flush().map_err(io(out))?;
    temp.as_file().sync_all().map_err(io(out))?;
    let file = temp.persist(out).map_err(|e| SupportError::Io {
        path: out.to_path_buf(),
        source: e.error,
    })?;
    let size_bytes = file.metadata().map_err(io(out))?.len();
    Ok(BundleReport {
        path: out.to_path_buf(),
        entries: entries.iter().map(|(name, _)| name.clone()).collect(),
        size_bytes,
    })
}
