//! The profile editor's form: its text buffers ([`Editor`]) and how it is drawn.

use super::*;

/// Every kind, in the order the kind menu shows them.
pub(super) const KINDS: [ProfileKind; 7] = [
    ProfileKind::GoogleResumable,
    ProfileKind::YouTube,
    ProfileKind::Drive,
    ProfileKind::CloudStorage,
    ProfileKind::ApiVideo,
    ProfileKind::Multipart,
    ProfileKind::Tus,
];

pub(super) const PRIVACIES: [Privacy; 3] = [Privacy::Private, Privacy::Unlisted, Privacy::Public];

/// The form's contents: text buffers for the optional fields.
pub(super) struct Editor {
    /// The name the profile had when editing; `None` when adding.
    pub(super) editing: Option<String>,
    pub(super) name: String,
    pub(super) profile: Profile,
    pub(super) endpoint: String,
    pub(super) title: String,
    pub(super) tags: String,
    pub(super) bucket: String,
    pub(super) folder_id: String,
    pub(super) chunk_size_kib: u64,
    pub(super) parallel_chunks: usize,
    pub(super) secret: String,
    /// Google kinds: sign in (OAuth client below) instead of a pasted token.
    pub(super) sign_in: bool,
    pub(super) client_id: String,
}

impl Editor {
    pub(super) fn new_profile() -> Editor {
        Editor::from_profile(None, Profile::new(ProfileKind::default()))
    }

    pub(super) fn from_profile(editing: Option<String>, profile: Profile) -> Editor {
        Editor {
            name: editing.clone().unwrap_or_default(),
            editing,
            endpoint: profile.endpoint.clone().unwrap_or_default(),
            title: profile.title.clone().unwrap_or_default(),
            tags: profile.tags.join(", "),
            bucket: profile.bucket.clone().unwrap_or_default(),
            folder_id: profile.folder_id.clone().unwrap_or_default(),
            chunk_size_kib: profile.chunk_size_bytes.unwrap_or(0) / 1024,
            parallel_chunks: profile.parallel_chunks.unwrap_or(DEFAULT_PARALLEL_CHUNKS),
            secret: String::new(),
            sign_in: profile.google_sign_in.is_some(),
            client_id: profile
                .google_sign_in
                .as_ref()
                .map(|s| s.client_id.clone())
                .unwrap_or_default(),
            profile,
        }
    }

    /// The profile the form describes (its secret reference is filled in by `manage::save`).
    pub(super) fn profile(&self) -> Profile {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let kind = self.profile.kind;
        Profile {
            endpoint: text(&self.endpoint),
            title: text(&self.title),
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            bucket: text(&self.bucket),
            folder_id: text(&self.folder_id),
            chunk_size_bytes: (self.chunk_size_kib > 0).then_some(self.chunk_size_kib * 1024),
            parallel_chunks: (kind == ProfileKind::Multipart).then_some(self.parallel_chunks),
            // The endpoints and account of an existing sign-in are kept.
            google_sign_in: (self.sign_in && kind.is_google()).then(|| GoogleSignIn {
                client_id: self.client_id.trim().to_string(),
                ..self.profile.google_sign_in.clone().unwrap_or_default()
            }),
            ..self.profile.clone()
        }
    }

    /// An empty secret field keeps the stored secret when editing, and means "no secret" when
    /// adding; a new one typed when editing replaces the main secret only (secret headers set
    /// with `hoist profile add` stay).
    pub(super) fn secret_update(&self) -> SecretUpdate {
        let typed = self.secret.trim();
        match (typed.is_empty(), self.editing.is_some()) {
            (true, true) => SecretUpdate::Keep,
            (false, true) => SecretUpdate::ReplaceMain(Secret::new(typed)),
            (_, false) => SecretUpdate::Replace {
                main: (!typed.is_empty()).then(|| Secret::new(typed)),
                headers: Vec::new(),
            },
        }
    }
}

/// The editor form: name, kind, endpoint, the options that matter for the kind, the secret.
pub(super) fn form(ui: &mut Ui, editor: &mut Editor) {
    ui.label(RichText::new(match &editor.editing {
        Some(name) => format!("Edit \"{name}\""),
        None => "New profile".to_string(),
    }));
    egui::Grid::new("profile form")
        .num_columns(2)
        .show(ui, |ui| {
            let label = ui.label("Name");
            ui.add_enabled(
                editor.editing.is_none(),
                egui::TextEdit::singleline(&mut editor.name).hint_text("letters, digits, - _ ."),
            )
            .labelled_by(label.id);
            ui.end_row();

            let label = ui.label("Kind");
            egui::ComboBox::from_id_salt("profile kind")
                .selected_text(editor.profile.kind.as_str())
                .show_ui(ui, |ui| {
                    for kind in KINDS {
                        ui.selectable_value(&mut editor.profile.kind, kind, kind.as_str());
                    }
                })
                .response
                .labelled_by(label.id);
            ui.end_row();

            let kind = editor.profile.kind;
            let label = ui.label("Endpoint");
            let hint = Profile::new(kind)
                .effective_endpoint()
                .unwrap_or_else(|| match kind {
                    ProfileKind::Tus => "required: the creation URL".to_string(),
                    _ => "required: the initiate URL".to_string(),
                });
            ui.add(egui::TextEdit::singleline(&mut editor.endpoint).hint_text(hint))
                .labelled_by(label.id);
            ui.end_row();

            if matches!(kind, ProfileKind::YouTube | ProfileKind::ApiVideo) {
                let label = ui.label("Title");
                ui.add(
                    egui::TextEdit::singleline(&mut editor.title)
                        .hint_text("the file name without extension"),
                )
                .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Description");
                ui.add(egui::TextEdit::multiline(&mut editor.profile.description).desired_rows(2))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Tags");
                ui.add(egui::TextEdit::singleline(&mut editor.tags).hint_text("comma, separated"))
                    .labelled_by(label.id);
                ui.end_row();
            }
            if kind == ProfileKind::YouTube {
                let label = ui.label("Privacy");
                egui::ComboBox::from_id_salt("profile privacy")
                    .selected_text(privacy_words(editor.profile.privacy))
                    .show_ui(ui, |ui| {
                        for privacy in PRIVACIES {
                            ui.selectable_value(
                                &mut editor.profile.privacy,
                                privacy,
                                privacy_words(privacy),
                            );
                        }
                    })
                    .response
                    .labelled_by(label.id);
                ui.end_row();
            }
            if kind == ProfileKind::ApiVideo {
                ui.label("");
                ui.checkbox(&mut editor.profile.public, "Anyone with the link may watch");
                ui.end_row();
                ui.label("");
                ui.checkbox(
                    &mut editor.profile.upload_token,
                    "The secret is a delegated upload token",
                );
                ui.end_row();
            }
            if kind == ProfileKind::CloudStorage {
                let label = ui.label("Bucket");
                ui.add(egui::TextEdit::singleline(&mut editor.bucket).hint_text("required"))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Object name prefix");
                ui.add(
                    egui::TextEdit::singleline(&mut editor.profile.object_prefix).hint_text("none"),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
            if kind == ProfileKind::Drive {
                let label = ui.label("Folder id");
                ui.add(egui::TextEdit::singleline(&mut editor.folder_id).hint_text("My Drive"))
                    .labelled_by(label.id);
                ui.end_row();
            }
            if kind == ProfileKind::Multipart {
                let label = ui.label("Parallel chunks");
                ui.add(egui::DragValue::new(&mut editor.parallel_chunks).range(1..=16))
                    .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label("Chunk size (KiB, 0 = one stream)");
            ui.add(
                egui::DragValue::new(&mut editor.chunk_size_kib)
                    .range(0..=4 * 1024 * 1024)
                    .speed(256),
            )
            .labelled_by(label.id);
            ui.end_row();

            if kind.is_google() {
                ui.label("");
                ui.checkbox(&mut editor.sign_in, SIGN_IN_CHECKBOX);
                ui.end_row();
            }
            let signs_in = editor.sign_in && kind.is_google();
            if signs_in {
                let label = ui.label("OAuth client ID");
                ui.add(
                    egui::TextEdit::singleline(&mut editor.client_id)
                        .hint_text("from your Google Cloud project (see the README)"),
                )
                .labelled_by(label.id);
                ui.end_row();
            }
            let label = ui.label(if signs_in {
                CLIENT_SECRET_LABEL
            } else {
                SECRET_LABEL
            });
            let hint = if editor.editing.is_some() {
                "leave empty to keep the stored one".to_string()
            } else if signs_in {
                "the OAuth client's secret".to_string()
            } else {
                format!("the {}", kind.secret_meaning())
            };
            ui.add(
                egui::TextEdit::singleline(&mut editor.secret)
                    .password(true)
                    .hint_text(hint),
            )
            .labelled_by(label.id);
            ui.end_row();
        });
}

pub(super) fn privacy_words(privacy: Privacy) -> &'static str {
    match privacy {
        Privacy::Private => "Private",
        Privacy::Unlisted => "Unlisted",
        Privacy::Public => "Public",
    }
}
