//! The "Profiles" window: saved destinations listed, added, edited, deleted (after asking) and
//! tested. Every file, keyring and network step runs off the UI thread (poll-promise); drawing
//! only reads what the last background job returned.

use std::collections::BTreeMap;

use egui::{RichText, Ui};
use poll_promise::Promise;

use super::app::background;
use super::sign_in::{BrowserOpener, ConsentPage, PendingSignIn, system_browser};
use hoist_core::profile::manage::{self, SecretUpdate};
use hoist_core::profile::{GoogleSignIn, Profile, ProfileError, ProfileKind, ProfileStore};
use hoist_core::secrets::Secret;
use hoist_core::store::HoistDirs;
use hoist_core::upload::{DEFAULT_PARALLEL_CHUNKS, Destination, Privacy};

/// Every kind, in the order the kind menu shows them.
const KINDS: [ProfileKind; 7] = [
    ProfileKind::GoogleResumable,
    ProfileKind::YouTube,
    ProfileKind::Drive,
    ProfileKind::CloudStorage,
    ProfileKind::ApiVideo,
    ProfileKind::Multipart,
    ProfileKind::Tus,
];

const PRIVACIES: [Privacy; 3] = [Privacy::Private, Privacy::Unlisted, Privacy::Public];

/// The label of the secret field (also what tests look for).
pub const SECRET_LABEL: &str = "API key or access token";

/// The secret field's label when the profile signs in to Google.
pub const CLIENT_SECRET_LABEL: &str = "OAuth client secret";

/// The checkbox that makes a Google profile sign in instead of using a pasted token.
pub const SIGN_IN_CHECKBOX: &str = "Sign in with Google instead of pasting an access token";

/// A saved profile offered as a destination.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    /// The profile's name (its label in the destination menu).
    pub name: String,
    /// Where uploads with it go.
    pub destination: Destination,
    /// Its chunk size; one stream per file when `None`.
    pub chunk_size_bytes: Option<u64>,
}

/// What a finished save, delete or test says.
struct Outcome {
    ok: bool,
    message: String,
    /// The list changed on disk: read it again.
    reload: bool,
    /// Close the editor (the save worked).
    close_editor: bool,
}

/// The form's contents: text buffers for the optional fields.
struct Editor {
    /// The name the profile had when editing; `None` when adding.
    editing: Option<String>,
    name: String,
    profile: Profile,
    endpoint: String,
    title: String,
    tags: String,
    bucket: String,
    folder_id: String,
    chunk_size_kib: u64,
    parallel_chunks: usize,
    secret: String,
    /// Google kinds: sign in (OAuth client below) instead of a pasted token.
    sign_in: bool,
    client_id: String,
}

impl Editor {
    fn new_profile() -> Editor {
        Editor::from_profile(None, Profile::new(ProfileKind::default()))
    }

    fn from_profile(editing: Option<String>, profile: Profile) -> Editor {
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
    fn profile(&self) -> Profile {
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
    fn secret_update(&self) -> SecretUpdate {
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

/// The Profiles window and the saved profiles as last read.
pub struct ProfilesWindow {
    /// Shown or not.
    pub open: bool,
    dirs: Option<HoistDirs>,
    profiles: BTreeMap<String, Profile>,
    load_error: Option<String>,
    loading: Option<Promise<Result<BTreeMap<String, Profile>, ProfileError>>>,
    loaded_once: bool,
    editor: Option<Editor>,
    confirm_delete: Option<String>,
    job: Option<Promise<Outcome>>,
    /// The last outcome: success or not, and what happened in words.
    status: Option<(bool, String)>,
    /// How Google's sign-in page is opened.
    opener: BrowserOpener,
    /// The sign-in page while a sign-in waits for the browser.
    pending: PendingSignIn,
}

impl ProfilesWindow {
    /// A window over the profiles in `dirs`; without dirs it offers nothing.
    pub fn new(dirs: Option<HoistDirs>) -> ProfilesWindow {
        ProfilesWindow {
            open: false,
            dirs,
            profiles: BTreeMap::new(),
            load_error: None,
            loading: None,
            loaded_once: false,
            editor: None,
            confirm_delete: None,
            job: None,
            status: None,
            opener: system_browser(),
            pending: PendingSignIn::default(),
        }
    }

    /// Opens Google's sign-in page with `opener` (tests play the browser).
    pub fn set_browser_opener(&mut self, opener: BrowserOpener) {
        self.opener = opener;
    }

    /// Hoist's folders, once known.
    pub fn set_dirs(&mut self, dirs: HoistDirs) {
        self.dirs = Some(dirs);
        self.loaded_once = false;
    }

    /// Reads the profiles file again (soon, off the UI thread), e.g. when the window opens,
    /// in case `hoist profile` changed it meanwhile.
    pub fn refresh(&mut self) {
        self.loaded_once = false;
    }

    /// True once the profiles file has been read (or there is none to read), so a remembered
    /// profile destination can be found.
    pub fn ready(&self) -> bool {
        self.dirs.is_none() || (self.loaded_once && self.loading.is_none())
    }

    /// The saved profiles usable as destinations (broken or incomplete ones are left out).
    pub fn choices(&self) -> Vec<ProfileChoice> {
        self.profiles
            .iter()
            .filter_map(|(name, profile)| {
                Some(ProfileChoice {
                    name: name.clone(),
                    destination: profile.destination(name).ok()?,
                    chunk_size_bytes: profile.chunk_size_bytes,
                })
            })
            .collect()
    }

    /// Starts the first read, collects finished background jobs (call it from `logic`).
    pub fn update(&mut self, ctx: &egui::Context) {
        if !self.loaded_once && self.loading.is_none() {
            self.reload(ctx);
        }
        if let Some(loading) = self.loading.take() {
            match loading.try_take() {
                Ok(Ok(profiles)) => {
                    self.profiles = profiles;
                    self.load_error = None;
                }
                Ok(Err(error)) => {
                    self.profiles.clear();
                    self.load_error =
                        Some(format!("The saved profiles could not be read: {error}"));
                }
                Err(loading) => self.loading = Some(loading),
            }
        }
        if let Some(job) = self.job.take() {
            match job.try_take() {
                Ok(outcome) => {
                    if outcome.close_editor {
                        self.editor = None;
                    }
                    if outcome.reload {
                        self.reload(ctx);
                    }
                    self.status = Some((outcome.ok, outcome.message));
                }
                Err(job) => self.job = Some(job),
            }
        }
    }

    fn reload(&mut self, ctx: &egui::Context) {
        let Some(dirs) = self.dirs.clone() else {
            return;
        };
        self.loaded_once = true;
        self.loading = Some(background(ctx, move || {
            ProfileStore::new(&dirs).load().map(|file| file.profiles)
        }));
    }

    fn run(
        &mut self,
        ctx: &egui::Context,
        job: impl FnOnce(HoistDirs) -> Outcome + Send + 'static,
    ) {
        let Some(dirs) = self.dirs.clone() else {
            self.status = Some((false, "Hoist's folders are not known.".to_string()));
            return;
        };
        self.status = None;
        self.job = Some(background(ctx, move || job(dirs)));
    }

    /// Draws the window when it is open.
    pub fn show(&mut self, ctx: &egui::Context) {
        let mut open = self.open;
        egui::Window::new("Saved profiles")
            .open(&mut open)
            .default_width(460.0)
            .show(ctx, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| self.contents(ui));
            });
        self.open = open;
    }

    fn contents(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let busy = self.job.is_some();
        if let Some(error) = &self.load_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        if self.loading.is_some() && !self.loaded_once {
            ui.label("Reading the saved profiles...");
        }
        if self.profiles.is_empty() && self.load_error.is_none() && self.loading.is_none() {
            ui.label("No saved profiles yet.");
        }
        let mut edit = None;
        let mut test = None;
        let mut sign_in = None;
        let mut sign_out = None;
        egui::Grid::new("profiles list")
            .num_columns(4)
            .striped(true)
            .show(ui, |ui| {
                for (name, profile) in &self.profiles {
                    ui.label(RichText::new(name).strong());
                    ui.label(profile.kind.as_str());
                    ui.horizontal(|ui| {
                        if ui.add_enabled(!busy, egui::Button::new("Edit")).clicked() {
                            edit = Some((name.clone(), profile.clone()));
                        }
                        if ui.add_enabled(!busy, egui::Button::new("Delete")).clicked() {
                            self.confirm_delete = Some(name.clone());
                        }
                        if ui
                            .add_enabled(!busy, egui::Button::new("Test connection"))
                            .clicked()
                        {
                            test = Some(name.clone());
                        }
                        if profile.google_sign_in.is_some() {
                            if ui
                                .add_enabled(!busy, egui::Button::new("Sign in with Google"))
                                .clicked()
                            {
                                sign_in = Some(name.clone());
                            }
                            if ui
                                .add_enabled(!busy, egui::Button::new("Sign out"))
                                .clicked()
                            {
                                sign_out = Some(name.clone());
                            }
                        }
                    });
                    ui.end_row();
                }
            });
        if let Some((name, profile)) = edit {
            self.confirm_delete = None;
            self.editor = Some(Editor::from_profile(Some(name), profile));
        }
        if let Some(name) = test {
            self.status = Some((true, format!("Testing \"{name}\"...")));
            self.run(&ctx, move |dirs| tested(&dirs, &name));
        }
        if let Some(name) = sign_in {
            let opener = self.opener.clone();
            let pending = self.pending.clone();
            let waker = ctx.clone();
            self.run(&ctx, move |dirs| {
                signed_in(&dirs, &name, &opener, &pending, &waker)
            });
            self.status = Some((
                true,
                "Finish signing in to Google in your browser; Hoist waits up to 5 minutes."
                    .to_string(),
            ));
        }
        if let Some(name) = sign_out {
            self.run(&ctx, move |dirs| signed_out(&dirs, &name));
        }
        if let Some(name) = self.confirm_delete.clone() {
            ui.separator();
            ui.label(format!(
                "Delete the profile \"{name}\" and its stored secret? This cannot be undone."
            ));
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(!busy, egui::Button::new("Yes, delete it"))
                    .clicked()
                {
                    self.confirm_delete = None;
                    if self.editor.as_ref().and_then(|e| e.editing.as_ref()) == Some(&name) {
                        self.editor = None;
                    }
                    self.run(&ctx, move |dirs| deleted(&dirs, &name));
                }
                if ui.button("Keep it").clicked() {
                    self.confirm_delete = None;
                }
            });
        }
        ui.separator();
        if self.editor.is_none()
            && ui
                .add_enabled(!busy && self.dirs.is_some(), egui::Button::new("Add"))
                .clicked()
        {
            self.confirm_delete = None;
            self.editor = Some(Editor::new_profile());
        }
        if busy {
            // No spinner: it would repaint every frame; the job wakes the window when done.
            ui.label("Working...");
            if let Some(page) = self.pending.get() {
                ui.label(if page.opened {
                    "If no browser appeared, open Google's sign-in page yourself:"
                } else {
                    "No browser could be started; open Google's sign-in page yourself:"
                });
                ui.hyperlink_to("Google sign-in page", page.url);
                if ui.button("Cancel sign-in").clicked() {
                    self.pending.cancel();
                }
            }
        }
        if let Some((ok, message)) = &self.status {
            let color = if *ok {
                ui.visuals().text_color()
            } else {
                ui.visuals().error_fg_color
            };
            ui.colored_label(color, message);
        }
        let mut save = false;
        let mut cancel = false;
        if let Some(editor) = &mut self.editor {
            ui.separator();
            form(ui, editor);
            ui.horizontal(|ui| {
                save = ui.add_enabled(!busy, egui::Button::new("Save")).clicked();
                cancel = ui.button("Cancel").clicked();
            });
        }
        if cancel {
            self.editor = None;
        } else if save && let Some(editor) = &mut self.editor {
            let name = editor.name.trim().to_string();
            let profile = editor.profile();
            let secret = editor.secret_update();
            let replace = editor.editing.is_some();
            editor.secret.clear();
            self.run(&ctx, move |dirs| {
                saved(&dirs, &name, profile, secret, replace)
            });
        }
    }
}

/// The editor form: name, kind, endpoint, the options that matter for the kind, the secret.
fn form(ui: &mut Ui, editor: &mut Editor) {
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

fn privacy_words(privacy: Privacy) -> &'static str {
    match privacy {
        Privacy::Private => "Private",
        Privacy::Unlisted => "Unlisted",
        Privacy::Public => "Public",
    }
}

fn saved(
    dirs: &HoistDirs,
    name: &str,
    profile: Profile,
    secret: SecretUpdate,
    replace: bool,
) -> Outcome {
    let signs_in = profile.google_sign_in.is_some();
    match manage::save(dirs, name, profile, secret, replace) {
        Ok(saved) => {
            let mut message = format!("Saved the profile \"{name}\".");
            match (&saved.kept_in, signs_in) {
                (Some(place), false) => {
                    message.push_str(&format!(" Its secret is kept in {place}."));
                }
                (Some(place), true) => {
                    message.push_str(&format!(" Its OAuth client secret is kept in {place}."));
                }
                (None, false) => message.push_str(" It has no secret."),
                (None, true) => {}
            }
            if signs_in {
                message.push_str(" Press \"Sign in with Google\" in its row to sign in.");
            }
            if let Some(warning) = &saved.warning {
                message.push_str(&format!("\nWarning: {warning}"));
            }
            if let Some(leftover) = &saved.leftover {
                message.push_str(&format!(
                    "\nAn old secret it no longer uses could not be deleted: {leftover}"
                ));
            }
            Outcome {
                ok: saved.warning.is_none() && saved.leftover.is_none(),
                message,
                reload: true,
                close_editor: true,
            }
        }
        Err(error) => Outcome {
            ok: false,
            message: format!("The profile was not saved: {error}"),
            reload: false,
            close_editor: false,
        },
    }
}

fn deleted(dirs: &HoistDirs, name: &str) -> Outcome {
    match manage::remove(dirs, name) {
        Ok(removed) => {
            let mut message = format!("Deleted the profile \"{name}\".");
            if let Some(location) = removed.secret_deleted_from {
                message.push_str(&format!(
                    " Its secret was deleted from {}.",
                    manage::place(dirs, location)
                ));
            }
            if let Some((location, error)) = &removed.secret_error {
                message.push_str(&format!(
                    " Its secret could not be deleted from {}: {error}",
                    manage::place(dirs, *location)
                ));
            }
            if removed.sign_in_forgotten {
                message.push_str(" Its Google sign-in was forgotten on this computer.");
            }
            Outcome {
                ok: removed.secret_error.is_none(),
                message,
                reload: true,
                close_editor: false,
            }
        }
        Err(error) => Outcome {
            ok: false,
            message: format!("The profile was not deleted: {error}"),
            reload: true,
            close_editor: false,
        },
    }
}

/// Runs the Google sign-in of the profile `name` (blocking, off the UI thread).
fn signed_in(
    dirs: &HoistDirs,
    name: &str,
    opener: &BrowserOpener,
    pending: &PendingSignIn,
    waker: &egui::Context,
) -> Outcome {
    let cancel = pending.cancel_switch();
    let result = manage::sign_in(
        dirs,
        name,
        |url| {
            let opened = opener(url);
            pending.set(ConsentPage {
                url: url.to_string(),
                opened,
            });
            waker.request_repaint();
        },
        hoist_core::auth::DEFAULT_SIGN_IN_TIMEOUT,
        Some(cancel),
    );
    pending.clear();
    let (ok, message) = match result {
        Ok(account) => (
            true,
            format!("Signed in to Google for \"{name}\" (saved as '{account}')."),
        ),
        Err(ProfileError::SignIn(hoist_core::auth::AuthError::Cancelled)) => {
            (true, format!("Signing in for \"{name}\" was cancelled."))
        }
        Err(error) => {
            tracing::warn!("sign-in for profile {name} failed: {error:?}");
            (false, format!("Signing in for \"{name}\" failed: {error}"))
        }
    };
    Outcome {
        ok,
        message,
        reload: false,
        close_editor: false,
    }
}

/// Revokes and forgets the profile's Google sign-in (blocking, off the UI thread).
fn signed_out(dirs: &HoistDirs, name: &str) -> Outcome {
    let (ok, message) = match manage::sign_out(dirs, name) {
        Ok(true) => (true, format!("Signed out of Google for \"{name}\".")),
        Ok(false) => (true, format!("\"{name}\" was not signed in to Google.")),
        Err(error) => (false, format!("Signing out for \"{name}\" failed: {error}")),
    };
    Outcome {
        ok,
        message,
        reload: false,
        close_editor: false,
    }
}

fn tested(dirs: &HoistDirs, name: &str) -> Outcome {
    let (ok, message) = match manage::test_connection(dirs, name) {
        Ok(report) if report.ok => (true, format!("OK: {}", report.message)),
        Ok(report) => (false, format!("Failed: {}", report.message)),
        Err(error) => (false, format!("Failed: {error}")),
    };
    Outcome {
        ok,
        message,
        reload: false,
        close_editor: false,
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
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
}
