//! How an upload's fields are stored in SQLite: paths as bytes or text, JSON columns, rows.

use super::*;

/// Stores a path losslessly: text when it is UTF-8, its raw bytes otherwise (Unix).
pub(super) fn path_to_sql(path: &Path) -> Value {
    match path.to_str() {
        Some(text) => Value::Text(text.to_owned()),
        #[cfg(unix)]
        None => {
            use std::os::unix::ffi::OsStrExt;
            Value::Blob(path.as_os_str().as_bytes().to_vec())
        }
        #[cfg(not(unix))]
        None => Value::Text(path.to_string_lossy().into_owned()),
    }
}

pub(super) fn path_from_sql(value: ValueRef<'_>) -> Result<PathBuf, String> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes)
            .map(PathBuf::from)
            .map_err(|_| "the file path is not valid text".to_string()),
        #[cfg(unix)]
        ValueRef::Blob(bytes) => {
            use std::os::unix::ffi::OsStrExt;
            Ok(PathBuf::from(std::ffi::OsStr::from_bytes(bytes)))
        }
        #[cfg(not(unix))]
        ValueRef::Blob(bytes) => Ok(PathBuf::from(String::from_utf8_lossy(bytes).into_owned())),
        _ => Err("the file path is missing".to_string()),
    }
}

/// Reads one row: the outer error is SQLite's, the inner one a damaged entry (id and reason).
pub(super) fn read_row(
    row: &Row<'_>,
) -> rusqlite::Result<Result<UploadRecord, (UploadId, String)>> {
    let id = UploadId(row.get(0)?);
    Ok(decode_record(id, row).map_err(|detail| (id, detail)))
}

/// Decodes the columns of [`record_columns!`]. Error texts name the column and the kind of
/// problem, never the stored value.
pub(super) fn decode_record(id: UploadId, row: &Row<'_>) -> Result<UploadRecord, String> {
    fn column<T: FromSql>(row: &Row<'_>, index: usize, name: &str) -> Result<T, String> {
        row.get(index).map_err(|e| format!("{name}: {e}"))
    }
    let path = path_from_sql(row.get_ref(1).map_err(|e| format!("file path: {e}"))?)?;
    let phase_name: String = column(row, 10, "phase")?;
    let result_json: Option<String> = column(row, 12, "result")?;
    let destination: Destination =
        from_json(&column::<String>(row, 5, "destination")?, "destination")?;
    let protocol = WireProtocol::of(&destination.service);
    Ok(UploadRecord {
        id,
        file: FileIdentity {
            path,
            size_bytes: column(row, 2, "file size")?,
            modified_unix_nanos: column(row, 3, "file modification time")?,
            sample_sha256: column(row, 4, "file fingerprint")?,
        },
        destination,
        total_bytes: column(row, 6, "total bytes")?,
        chunk_size_bytes: column(row, 7, "chunk size")?,
        // NULL in rows of journals before format 3: those sizes were fixed.
        chunk_size_auto: column::<Option<bool>>(row, 16, "chunk size mode")?.unwrap_or(false),
        confirmed_bytes: column(row, 8, "confirmed bytes")?,
        protocol_state: SessionState::from_stored(
            protocol,
            &column::<String>(row, 9, "protocol state")?,
        ),
        phase: Phase::parse(&phase_name).ok_or_else(|| "the phase is unknown".to_string())?,
        error: column::<Option<String>>(row, 11, "error")?.map(|detail| {
            let kind = column::<Option<String>>(row, 15, "error kind")
                .ok()
                .flatten()
                .map_or(FailureKind::Other, |name| FailureKind::parse(&name));
            Failure::new(kind, detail)
        }),
        result: result_json
            .map(|json| from_json(&json, "result"))
            .transpose()?,
        created_unix_secs: column(row, 13, "creation time")?,
        updated_unix_secs: column(row, 14, "update time")?,
    })
}

/// Parses a JSON column; the error tells where and what kind of problem, not the content.
pub(super) fn from_json<T: DeserializeOwned>(json: &str, name: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|error| {
        let kind = match error.classify() {
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Eof => "cut short",
            serde_json::error::Category::Data => "not in the expected shape",
            serde_json::error::Category::Io => "unreadable",
        };
        format!(
            "{name}: {kind} (line {}, column {})",
            error.line(),
            error.column()
        )
    })
}

pub(super) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Database(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

pub(super) fn now_unix_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
