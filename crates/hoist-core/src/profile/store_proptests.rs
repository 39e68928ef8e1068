//! Property tests of `profiles.toml` reading: any file content loads or is reported as broken
//! with a line and column inside the file, and is never rewritten; what Hoist saves loads back.

use proptest::prelude::*;

use super::*;
use crate::profile::ProfileKind;
use crate::test_support::proptest_config;
use crate::upload::{AssetType, Privacy, SecretLocation, SecretRef};

/// TOML-ish lines: the profile file's own tables and keys with values of every TOML type,
/// mixed with arbitrary text.
fn toml_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "kind",
        "endpoint",
        "title",
        "description",
        "tags",
        "privacy",
        "category",
        "public",
        "upload_token",
        "folder_id",
        "bucket",
        "object_prefix",
        "asset_type",
        "parallel_chunks",
        "max_size_bytes",
        "chunk_size_bytes",
        "google_sign_in",
        "secret",
        "secret_store",
        "store",
        "key",
        "client_id",
        "unknown_key",
    ]);
    let value = prop_oneof![
        prop::sample::select(vec![
            "\"tus\"",
            "\"youtube\"",
            "\"api-video\"",
            "\"warp\"",
            "\"keyring\"",
            "\"file\"",
            "\"unlisted\"",
            "\"video\"",
            "true",
            "0",
            "-1",
            "9223372036854775807",
            "9223372036854775808",
            "1.5",
            "inf",
            "nan",
            "[]",
            "[\"a\", 1]",
            "{}",
            "{ store = \"keyring\" }",
            "1979-05-27T07:32:00Z",
            "\"\"\"\nmulti\n\"\"\"",
            "'lit'",
            "\"\\u00e9\\n\"",
            "\"\\uD800\"",
            "",
        ])
        .prop_map(str::to_string),
        any::<String>(),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let line = prop_oneof![
        3 => (key, value).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => "\\[(profiles|profiles\\.[a-z.\"]{0,8}|secret_store)\\]".prop_map(|t| t),
        1 => "\\[\\[profiles\\]\\]|\\[profiles\\.[a-z]{1,4}\\.(secret|google_sign_in)\\]",
        1 => any::<String>(),
    ];
    prop_oneof![
        proptest::collection::vec(line, 0..10).prop_map(|lines| lines.join("\n")),
        any::<String>(),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(any::<String>())
}

fn profiles() -> impl Strategy<Value = Profile> {
    let kinds = prop::sample::select(vec![
        ProfileKind::GoogleResumable,
        ProfileKind::YouTube,
        ProfileKind::Drive,
        ProfileKind::CloudStorage,
        ProfileKind::ApiVideo,
        ProfileKind::Multipart,
        ProfileKind::Tus,
    ]);
    let size = || proptest::option::of(prop_oneof![0u64..1 << 40, any::<u64>()]);
    (
        (
            kinds,
            opt_text(),
            opt_text(),
            any::<String>(),
            proptest::collection::vec(any::<String>(), 0..3),
        ),
        (
            prop::sample::select(vec![Privacy::Private, Privacy::Unlisted, Privacy::Public]),
            opt_text(),
            any::<bool>(),
            any::<bool>(),
            opt_text(),
            opt_text(),
        ),
        (
            any::<String>(),
            proptest::option::of(prop::sample::select(vec![
                AssetType::Video,
                AssetType::Audio,
                AssetType::Image,
            ])),
            proptest::option::of(0usize..64),
            size(),
            size(),
            proptest::option::of((any::<bool>(), opt_text())),
        ),
    )
        .prop_map(|(first, second, third)| {
            let (kind, endpoint, title, description, tags) = first;
            let (privacy, category, public, upload_token, folder_id, bucket) = second;
            let (
                object_prefix,
                asset_type,
                parallel_chunks,
                max_size_bytes,
                chunk_size_bytes,
                secret,
            ) = third;
            Profile {
                // Display names with spaces, accents and emoji round-trip too.
                display_name: title.as_ref().map(|t| format!("Vidéos {t} 🎬")),
                kind,
                endpoint,
                title,
                description,
                tags,
                privacy,
                category,
                public,
                upload_token,
                folder_id,
                bucket,
                object_prefix,
                asset_type,
                parallel_chunks,
                max_size_bytes,
                chunk_size_bytes,
                google_sign_in: None,
                secret: secret.map(|(keyring, key)| SecretRef {
                    store: if keyring {
                        SecretLocation::Keyring
                    } else {
                        SecretLocation::File
                    },
                    key,
                    headers: Vec::new(),
                }),
            }
        })
}

fn store() -> (tempfile::TempDir, ProfileStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ProfileStore::at(dir.path().join(PROFILES_FILE));
    (dir, store)
}

proptest! {
    #![proptest_config(proptest_config())]

    /// Any file content loads or is `Broken` at a line and column inside the file; it is never
    /// rewritten, not even by an update; every loaded profile builds its service or says why
    /// not. Never a panic.
    #[test]
    fn any_profiles_file_loads_or_is_reported(text in toml_like()) {
        let (_dir, store) = store();
        std::fs::write(store.path(), &text).expect("write");
        match store.load() {
            Ok(file) => {
                for (name, profile) in &file.profiles {
                    let _ = profile.effective_endpoint();
                    let _ = profile.service(name);
                }
            }
            Err(ProfileError::Broken { line, column, .. }) => {
                let lines = text.matches('\n').count() + 1;
                prop_assert!(line >= 1 && line <= lines, "line {line} of {lines}");
                let longest = text.split('\n').map(|l| l.chars().count()).max().unwrap_or(0);
                prop_assert!(column >= 1 && column <= longest + 1, "column {column}");
                let update = store.update(|file| {
                    file.profiles.clear();
                    Ok(())
                });
                prop_assert!(update.is_err());
            }
            Err(other) => prop_assert!(false, "{other:?}"),
        }
        let kept = std::fs::read_to_string(store.path()).expect("read");
        prop_assert_eq!(kept, text);
    }

    /// What Hoist saves (any names and text, any sizes: the toml crate writes and reads numbers
    /// over i64::MAX too) loads back equal.
    #[test]
    fn saved_profiles_load_back(
        named in proptest::collection::btree_map(any::<String>(), profiles(), 0..3),
        secret_store in prop::sample::select(vec![StoreChoice::Auto, StoreChoice::Keyring, StoreChoice::File]),
    ) {
        let (_dir, store) = store();
        let file = ProfileFile { secret_store, profiles: named };
        store.save(&file).expect("save");
        prop_assert_eq!(store.load().expect("load"), file);
    }

    /// Line and column of any byte offset stay inside the text, even mid-character.
    #[test]
    fn line_column_stays_inside(text in any::<String>(), offset in any::<usize>()) {
        let (line, column) = line_column(&text, offset % (text.len() + 2));
        prop_assert!(line >= 1 && line <= text.matches('\n').count() + 1);
        prop_assert!(column >= 1 && column <= text.chars().count() + 1);
    }
}
