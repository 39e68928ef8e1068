use super::*;

#[test]
fn the_form_keeps_or_replaces_the_secret_and_fills_options() {
    let mut editor = Editor::new_profile();
    editor.profile.kind = ProfileKind::Multipart;
    editor.chunk_size_kib = 512;
    editor.parallel_chunks = 3;
    editor.tags = " a, ,b ".to_string();
    let profile = editor.profile();
    assert_eq!(profile.chunk_size_bytes, Some(512 * 1024));
    assert_eq!(profile.parallel_chunks, Some(3));
    assert_eq!(profile.tags, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(profile.endpoint, None);
    assert!(matches!(
        editor.secret_update(),
        SecretUpdate::Replace { main: None, .. }
    ));
    let mut editing = Editor::from_profile(Some("p".to_string()), profile);
    assert!(matches!(editing.secret_update(), SecretUpdate::Keep));
    editing.secret = " tok ".to_string();
    assert!(matches!(
        editing.secret_update(),
        SecretUpdate::ReplaceMain(s) if s.expose() == "tok"
    ));
}
