use super::*;

#[test]
fn the_form_keeps_or_replaces_the_secret_and_fills_options() {
    let mut editor = Editor::new_profile();
    assert!(
        editor.service.is_none(),
        "a new profile starts at the picker"
    );
    editor.choose(ServiceChoice::TwelveLabs);
    editor.name = "Clips 🎬".to_string();
    editor.chunk_size_mib = 16;
    editor.parallel_chunks = 3;
    editor.tags = " a, ,b ".to_string();
    let profile = editor.profile("clips");
    assert_eq!(profile.kind, ProfileKind::Multipart);
    assert_eq!(profile.display_name.as_deref(), Some("Clips 🎬"));
    assert_eq!(profile.chunk_size_bytes, Some(16 * 1024 * 1024));
    assert_eq!(profile.parallel_chunks, Some(3));
    assert_eq!(profile.tags, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(profile.endpoint, None);
    assert!(matches!(
        editor.secret_update(),
        SecretUpdate::Replace { main: None, .. }
    ));
    let mut editing = Editor::from_profile(Some("clips".to_string()), profile);
    assert_eq!(editing.service, Some(ServiceChoice::TwelveLabs));
    assert_eq!(editing.name, "Clips 🎬");
    assert!(matches!(editing.secret_update(), SecretUpdate::Keep));
    editing.secret = " tok ".to_string();
    assert!(matches!(
        editing.secret_update(),
        SecretUpdate::ReplaceMain(s) if s.expose() == "tok"
    ));
}

#[test]
fn an_old_chunk_size_is_kept_unless_changed_and_old_names_stay_keys() {
    let old = Profile {
        chunk_size_bytes: Some(512 * 1024),
        endpoint: Some("http://127.0.0.1:1080/files/".to_string()),
        ..Profile::new(ProfileKind::Tus)
    };
    let mut editor = Editor::from_profile(Some("fixture-tus".to_string()), old);
    assert_eq!(editor.service, Some(ServiceChoice::Tus));
    assert_eq!(editor.name, "fixture-tus");
    assert_eq!(editor.chunk_size_mib, 1);
    let same = editor.profile("fixture-tus");
    assert_eq!(same.chunk_size_bytes, Some(512 * 1024));
    assert_eq!(same.display_name, None, "an unchanged name adds nothing");
    editor.chunk_size_mib = 4;
    assert_eq!(
        editor.profile("fixture-tus").chunk_size_bytes,
        Some(4 * 1024 * 1024)
    );
}

#[test]
fn save_checks_what_the_connection_test_checks() {
    let mut editor = Editor::new_profile();
    editor.choose(ServiceChoice::Tus);
    editor.name = "Mon serveur".to_string();
    assert!(
        editor
            .check()
            .expect_err("no address")
            .contains("upload address")
    );
    editor.endpoint = "http://upload.example.com/files/".to_string();
    let said = editor.check().expect_err("plain http elsewhere");
    assert!(
        said.contains("upload.example.com") && said.contains("https://"),
        "{said}"
    );
    editor.endpoint = "upload.example.com".to_string();
    assert!(editor.check().is_err());
    editor.endpoint = "https://upload.example.com/files/".to_string();
    assert_eq!(editor.check(), Ok(()), "tus may have no token");

    let mut video = Editor::new_profile();
    video.choose(ServiceChoice::ApiVideo);
    video.name = "My videos".to_string();
    let said = video.check().expect_err("needs a key");
    assert!(
        said.contains("API key") && said.contains("api.video dashboard"),
        "{said}"
    );
    video.secret = "key".to_string();
    assert_eq!(video.check(), Ok(()));
    video.name = "  ".to_string();
    assert!(video.check().is_err());
}

/// What `manage::save` returns when no keyring was available: the technical warning the
/// command line prints, and the typed outcome the window speaks from.
fn saved_without_keyring() -> hoist_core::profile::manage::Saved {
    let reason = "no system keyring is available (Secret Service: zbus error: I/O error: \
                  connecting to unix:path=/run/user/0/bus: No such file or directory)";
    let file = std::path::PathBuf::from("/root/.local/share/hoist/secrets.json");
    hoist_core::profile::manage::Saved {
        kept_in: Some(format!(
            "the secrets file {} (readable only by you)",
            file.display()
        )),
        warning: Some(format!(
            "{reason}. The secret was stored in {} instead: plain text protected by file \
             permissions (mode 0600). To choose this knowingly and silence this warning, set \
             HOIST_SECRET_STORE=file.",
            file.display()
        )),
        no_keyring: Some(hoist_core::secrets::NoKeyring {
            reason: reason.to_string(),
            file,
        }),
        leftover: None,
    }
}

#[test]
fn a_save_without_keyring_is_one_amber_line_with_learn_more_and_no_internal_words() {
    use egui_kittest::kittest::Queryable;
    let status = saved_words(&saved_without_keyring(), false);
    assert_eq!(status.tone, Tone::Warning);
    assert!(status.ok());
    let mut window = ProfilesWindow::new(None);
    window.open = true;
    window.loaded_once = true;
    window.status = Some(status);
    let mut harness = egui_kittest::Harness::new_ui_state(
        |ui, window: &mut ProfilesWindow| window.show(ui.ctx(), ui.ctx().content_rect()),
        window,
    );
    harness.run();
    let saved: Vec<_> = harness.query_all_by_label_contains("Saved.").collect();
    assert_eq!(saved.len(), 1, "one line: {saved:?}");
    harness.get_by_label(NO_KEYRING_LINE);
    let internal = [
        "zbus",
        "unix:path",
        "HOIST_SECRET_STORE",
        "0600",
        "secrets.json",
        "/run/user",
        "Secret Service",
    ];
    let check = |harness: &egui_kittest::Harness<'_, ProfilesWindow>| {
        for word in internal {
            assert!(
                harness.query_by_label_contains(word).is_none(),
                "the window shows {word}"
            );
        }
    };
    check(&harness);
    assert!(harness.query_by_label(NO_KEYRING_EXPLAINED).is_none());
    harness.get_by_label("Learn more").click();
    harness.run();
    harness.get_by_label(NO_KEYRING_EXPLAINED);
    harness.get_by_label("Show less");
    check(&harness);
}

#[test]
fn a_plain_save_is_green_and_short_and_failures_are_red_in_plain_words() {
    let saved = hoist_core::profile::manage::Saved {
        kept_in: Some("the system keyring (service \"hoist\")".to_string()),
        ..Default::default()
    };
    let status = saved_words(&saved, false);
    assert_eq!(
        (status.tone, status.text.as_str()),
        (Tone::Success, "Saved")
    );
    let refused = save_failed_words(&ProfileError::Secret(
        hoist_core::secrets::SecretError::Keyring {
            detail: "locked; set HOIST_SECRET_STORE=file".to_string(),
        },
    ));
    assert_eq!(refused.tone, Tone::Error);
    assert!(!refused.text.contains("HOIST_SECRET_STORE"), "{refused:?}");
    assert!(refused.text.contains("Unlock"), "{refused:?}");
}

#[test]
fn connection_results_name_the_host_and_the_fix() {
    use hoist_core::protocol::probe::{ProbeKind, ProbeReport};
    let report = |kind, host: &str| ProbeReport {
        kind,
        host: Some(host.to_string()),
        detail: "technical".to_string(),
    };
    let tus = Profile::new(ProfileKind::Tus);
    let said = probe_words(&report(ProbeKind::Unreachable, "upload.example.com"), &tus);
    assert_eq!(
        said.text,
        "Couldn't reach upload.example.com — check the address and your internet connection."
    );
    assert_eq!(said.tone, Tone::Error);
    let api_video = Profile::new(ProfileKind::ApiVideo);
    let said = probe_words(&report(ProbeKind::Refused, "ws.api.video"), &api_video);
    assert_eq!(
        said.text,
        "api.video refused the API key — copy it again from your api.video dashboard."
    );
    let twelve = Profile::new(ProfileKind::Multipart);
    let said = probe_words(&report(ProbeKind::Works, "api.twelvelabs.io"), &twelve);
    assert_eq!(said.tone, Tone::Success);
    assert!(said.text.contains("api.twelvelabs.io"), "{said:?}");
    let bucket = Profile {
        bucket: Some("my-videos".to_string()),
        ..Profile::new(ProfileKind::CloudStorage)
    };
    let said = probe_words(
        &report(ProbeKind::NotFound, "storage.googleapis.com"),
        &bucket,
    );
    assert!(said.text.contains("no bucket called my-videos"), "{said:?}");
    for kind in [
        ProbeKind::TimedOut,
        ProbeKind::Certificate,
        ProbeKind::BadAddress,
        ProbeKind::WrongServer,
        ProbeKind::ServerError,
    ] {
        let said = probe_words(&report(kind, "upload.example.com"), &tus);
        assert!(said.text.contains("upload.example.com"), "{said:?}");
        assert!(!said.text.contains("technical"), "{said:?}");
    }
}
