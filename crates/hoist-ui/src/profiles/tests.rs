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
