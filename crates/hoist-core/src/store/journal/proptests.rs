//! Property tests of the journal's row decoding: whatever a damaged or hand-edited journal
//! holds in a row, reading it gives the upload or [`StoreError::CorruptRow`] (naming the column,
//! never the stored value); never a panic. And what Hoist writes reads back unchanged.

use proptest::prelude::*;

use super::*;
use crate::test_support::{any_json, proptest_config};
use crate::upload::{AuthSource, Service};

/// A marker that stands for a secret stored in a column.
const MARKER: &str = "s3cr3tmark";

fn destinations() -> impl Strategy<Value = Destination> {
    prop::sample::select(vec![
        Service::Tus {
            endpoint: "https://tus.example.com/files/".to_string(),
        },
        Service::CloudStorage {
            bucket: "media".to_string(),
            object_prefix: "v/".to_string(),
            host: "https://storage.googleapis.com".to_string(),
        },
        Service::GoogleResumable {
            initiate_url: "http://127.0.0.1:9/upload".to_string(),
        },
    ])
    .prop_map(|service| Destination {
        service,
        auth: AuthSource::Env {
            var: "HOIST_TOKEN".to_string(),
        },
    })
}

/// File paths of any bytes a Unix path may hold (no NUL), or any text elsewhere.
fn paths() -> impl Strategy<Value = PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        prop_oneof![
            any::<String>().prop_map(PathBuf::from),
            proptest::collection::vec(1u8..=255, 1..40)
                .prop_map(|bytes| PathBuf::from(std::ffi::OsString::from_vec(bytes))),
        ]
    }
    #[cfg(not(unix))]
    {
        any::<String>().prop_map(PathBuf::from)
    }
}

fn new_uploads() -> impl Strategy<Value = NewUpload> {
    (
        paths(),
        prop_oneof![0u64..1 << 40, any::<u64>()],
        any::<i64>(),
        any::<String>(),
        destinations(),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(
            |(path, size_bytes, modified, sha, destination, total, chunk)| NewUpload {
                file: FileIdentity {
                    path,
                    size_bytes,
                    modified_unix_nanos: modified,
                    sample_sha256: sha,
                },
                destination,
                total_bytes: total,
                chunk_size_bytes: chunk,
                chunk_size_auto: chunk.is_some_and(|c| c % 2 == 0),
            },
        )
}

/// A value for one column, of the column's SQL type (the table is STRICT) but any content.
fn damage() -> impl Strategy<Value = (&'static str, rusqlite::types::Value)> {
    use rusqlite::types::Value as Sql;
    let json_text = prop_oneof![
        any_json().prop_map(|v| v.to_string()),
        any::<String>(),
        any_json().prop_map(|v| format!("{{\"x\": \"{MARKER}\", \"y\": {v}")),
        Just(format!("\"{MARKER}\"")),
    ]
    .prop_map(Sql::Text);
    let integer =
        prop_oneof![any::<i64>(), Just(-1i64), Just(i64::MIN), Just(0)].prop_map(Sql::Integer);
    let any_value = prop_oneof![
        Just(Sql::Null),
        any::<i64>().prop_map(Sql::Integer),
        any::<f64>().prop_map(Sql::Real),
        any::<String>().prop_map(Sql::Text),
        proptest::collection::vec(any::<u8>(), 0..32).prop_map(Sql::Blob),
    ];
    prop_oneof![
        (
            prop::sample::select(vec![
                "destination_json",
                "protocol_state_json",
                "result_json"
            ]),
            json_text
        ),
        (
            prop::sample::select(vec![
                "file_size_bytes",
                "file_modified_unix_nanos",
                "total_bytes",
                "chunk_size_bytes",
                "confirmed_bytes",
                "created_unix_secs",
                "updated_unix_secs",
            ]),
            integer
        ),
        (
            Just("phase"),
            prop_oneof![
                prop::sample::select(vec![
                    "queued",
                    "uploading",
                    "completed",
                    "Queued",
                    "warp",
                    ""
                ])
                .prop_map(str::to_string),
                any::<String>(),
            ]
            .prop_map(Sql::Text)
        ),
        (
            prop::sample::select(vec!["file_path", "error", "file_sample_sha256"]),
            any_value
        ),
    ]
}

proptest! {
    #![proptest_config(proptest_config())]

    /// What Hoist writes reads back unchanged: any path bytes, sizes, times, text. A size over
    /// what SQLite holds (i64) is refused at insert with an error, not stored wrapped.
    #[test]
    fn inserted_uploads_read_back(new in new_uploads()) {
        let journal = Journal::open_in_memory().expect("journal");
        let too_big = |n: u64| n > i64::MAX as u64;
        let refused = too_big(new.file.size_bytes)
            || new.total_bytes.is_some_and(too_big)
            || new.chunk_size_bytes.is_some_and(too_big);
        match journal.insert(&new) {
            Ok(record) => {
                prop_assert!(!refused);
                prop_assert_eq!(journal.get(record.id).ok(), Some(record.clone()));
                prop_assert_eq!(journal.list().ok(), Some(vec![record]));
            }
            Err(error) => {
                prop_assert!(refused, "{error}");
                prop_assert_eq!(journal.list().ok().map(|l| l.len()), Some(0));
            }
        }
    }

    /// A row damaged in any columns reads as the upload or `CorruptRow` naming the problem
    /// without the stored content; `list` skips exactly the rows `get` refuses; `remove` still
    /// deletes it.
    #[test]
    fn damaged_rows_never_panic(damages in proptest::collection::vec(damage(), 1..4)) {
        let journal = Journal::open_in_memory().expect("journal");
        let new = NewUpload {
            file: FileIdentity {
                path: PathBuf::from("/videos/a.mov"),
                size_bytes: 10,
                modified_unix_nanos: 1,
                sample_sha256: "ab".repeat(32),
            },
            destination: Destination {
                service: Service::Tus { endpoint: "https://tus.example.com/files/".to_string() },
                auth: AuthSource::None,
            },
            total_bytes: Some(10),
            chunk_size_bytes: None,
            chunk_size_auto: false,
        };
        let id = journal.insert(&new).expect("insert").id;
        for (column, value) in &damages {
            let sql = format!("UPDATE uploads SET {column} = ?1 WHERE id = ?2");
            // NOT NULL columns refuse a NULL: that damage cannot happen, skip it.
            let _ = journal.conn().execute(&sql, rusqlite::params![value, id.0]);
        }
        let listed = journal.list().expect("list");
        match journal.get(id) {
            Ok(record) => prop_assert_eq!(listed, vec![record]),
            Err(StoreError::CorruptRow { id: bad, detail }) => {
                prop_assert_eq!(bad, id);
                prop_assert!(!detail.contains(MARKER), "{detail}");
                prop_assert!(listed.is_empty());
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }
        journal.remove(id).expect("remove");
        prop_assert!(matches!(journal.get(id), Err(StoreError::NotFound(_))));
    }

    /// Any text in a JSON column gives a value or an error that names the column and the kind
    /// of problem, never the content.
    #[test]
    fn json_columns_never_show_their_content(prefix in any::<String>(), suffix in any::<String>()) {
        let text = format!("{prefix}{MARKER}{suffix}");
        if let Err(detail) = from_json::<serde_json::Value>(&text, "protocol state") {
            prop_assert!(detail.starts_with("protocol state: "), "{detail}");
            prop_assert!(!detail.contains(MARKER), "{detail}");
        }
        if let Err(detail) = from_json::<Destination>(&text, "destination") {
            prop_assert!(!detail.contains(MARKER), "{detail}");
        }
    }
}
