//! The "Profiles" window: saved destinations listed, added, edited, deleted (after asking) and
//! tested. Every file, keyring and network step runs off the UI thread (poll-promise); drawing
//! only reads what the last background job returned.

use std::collections::BTreeMap;

use egui::{RichText, Ui};
use poll_promise::Promise;

use super::background::background;
use super::sign_in::{BrowserOpener, ConsentPage, PendingSignIn, system_browser};
use hoist_core::profile::manage::{self, SecretUpdate};
use hoist_core::profile::{
    GoogleSignIn, Profile, ProfileError, ProfileKind, ProfileStore, slug_for,
};
use hoist_core::secrets::Secret;
use hoist_core::store::HoistDirs;
use hoist_core::upload::{DEFAULT_PARALLEL_CHUNKS, Destination, Privacy};

use draw::{form, picker};
use form::*;
use messages::*;
pub(crate) use messages::{Tone, tone_color};
use outcome::*;
pub use service::ServiceChoice;

/// The height the window's title bar and frame take, with the gap to the toolbar and the edge.
const PROFILES_FRAME_PX: f32 = 72.0;
/// The label of the secret field of services using an access token (also what tests look for).
pub const SECRET_LABEL: &str = "Access token";

/// The label of the secret field of services using an API key.
pub const API_KEY_LABEL: &str = "API key";

/// The label of the secret field of api.video with a delegated upload token.
pub const UPLOAD_TOKEN_LABEL: &str = "Upload token";

/// The label of the upload address of a server of one's own.
pub const ADDRESS_LABEL: &str = "Upload address";

/// The secret field's label when the profile signs in to Google.
pub const CLIENT_SECRET_LABEL: &str = "OAuth client secret";

/// The checkbox that makes a Google profile sign in instead of using a pasted token.
pub const SIGN_IN_CHECKBOX: &str = "Sign in with Google instead of pasting an access token";

/// A saved profile offered as a destination.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    /// The profile's display name (its label in the destination menu).
    pub name: String,
    /// Where uploads with it go.
    pub destination: Destination,
    /// Its chunk size; one stream per file when `None`.
    pub chunk_size_bytes: Option<u64>,
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
    /// The last outcome, in words.
    status: Option<Status>,
    /// "Learn more" under the last outcome is open.
    learn_more: bool,
    /// How Google's sign-in page is opened.
    opener: BrowserOpener,
    /// The sign-in page while a sign-in waits for the browser.
    pending: PendingSignIn,
    /// The engine's runtime, for connection tests and sign-ins.
    jobs: Option<tokio::runtime::Handle>,
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
            learn_more: false,
            opener: system_browser(),
            pending: PendingSignIn::default(),
            jobs: None,
        }
    }

    /// Runs connection tests and sign-ins on `jobs`, the engine's runtime.
    pub fn set_jobs(&mut self, jobs: tokio::runtime::Handle) {
        self.jobs = Some(jobs);
    }

    /// Opens the window on a new profile's service picker: the entry point for "Connect an
    /// account" (the saved profiles are read again meanwhile).
    pub fn open_new(&mut self) {
        self.open = true;
        self.refresh();
        self.confirm_delete = None;
        self.editor = Some(Editor::new_profile());
    }

    /// The last message shown, with whether it reports success (tests, and callers such as a
    /// first-run assistant that wait for a save).
    pub fn last_message(&self) -> Option<(bool, &str)> {
        self.status.as_ref().map(|s| (s.ok(), s.text.as_str()))
    }

    /// Opens Google's sign-in page with `opener` (tests play the browser).
    pub fn set_browser_opener(&mut self, opener: BrowserOpener) {
        self.opener = opener;
    }

    /// Hoist's folders, once known.
    pub fn dirs(&self) -> Option<&HoistDirs> {
        self.dirs.as_ref()
    }

    /// Reads and saves profiles in `dirs`.
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
                    name: profile.label(name),
                    destination: profile.destination(name).ok()?,
                    chunk_size_bytes: profile.chunk_size_bytes,
                })
            })
            .collect()
    }

    /// The saved profiles as (key, name shown), for the Watch folders window.
    pub fn names(&self) -> Vec<(String, String)> {
        self.profiles
            .iter()
            .map(|(key, profile)| (key.clone(), profile.label(key)))
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
                    tracing::warn!("the saved profiles could not be read: {error}");
                    self.profiles.clear();
                    self.load_error = Some(match error {
                        ProfileError::Broken { line, .. } => format!(
                            "The saved profiles could not be read: the list is damaged at line {line}. Hoist left it untouched; details are in the log."
                        ),
                        _ => "The saved profiles could not be read. Details are in the log."
                            .to_string(),
                    });
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
                    self.learn_more = false;
                    self.status = Some(outcome.status);
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
            self.status = Some(Status::new(
                Tone::Error,
                "Hoist's folders are not known, so nothing can be saved.",
            ));
            return;
        };
        self.status = None;
        self.job = Some(background(ctx, move || job(dirs)));
    }

    /// [`Self::run`] for a job that needs the network, on the engine's runtime.
    fn run_online(
        &mut self,
        ctx: &egui::Context,
        job: impl FnOnce(&tokio::runtime::Handle, HoistDirs) -> Outcome + Send + 'static,
    ) {
        let Some(jobs) = self.jobs.clone() else {
            self.status = Some(Status::new(
                Tone::Error,
                "Hoist's upload engine isn't running, so it can't go online. Restart Hoist and try again.",
            ));
            return;
        };
        self.run(ctx, move |dirs| job(&jobs, dirs));
    }

    /// Draws the window when it is open, inside `area` (below the toolbar, so "Add files..."
    /// stays in reach).
    pub fn show(&mut self, ctx: &egui::Context, area: egui::Rect) {
        let mut open = self.open;
        crate::window_area::place(
            egui::Window::new("Saved profiles"),
            area,
            crate::window_area::Cascade::Profiles,
        )
        .open(&mut open)
        // As tall as its contents (up to the window), so Save is never scrolled away.
        .resizable([true, false])
        .default_width(460.0)
        .show(ctx, |ui| {
            // As tall as the room below the toolbar before it scrolls (it stopped at about
            // 420 points, hiding the last service of the list in a 640-point window).
            let room = (area.height() - PROFILES_FRAME_PX).max(120.0);
            egui::ScrollArea::vertical()
                .max_height(room)
                .min_scrolled_height(room)
                .show(ui, |ui| self.contents(ui));
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
            ui.label("Reading the saved profiles…");
        }
        if self.profiles.is_empty() && self.load_error.is_none() && self.loading.is_none() {
            ui.label("No saved profiles yet.");
            ui.label(
                RichText::new(
                    "A profile is an account your files go to (YouTube, Google Drive, api.video, \
                     your own server…): add one for each.",
                )
                .weak(),
            );
        }
        self.list(ui, &ctx, busy);
        self.confirm(ui, &ctx, busy);
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
            ui.label("Working…");
            self.waiting_sign_in(ui);
        }
        if self.editor.is_none() {
            self.status_line(ui);
        }
        self.editor_part(ui, &ctx, busy);
    }

    fn list(&mut self, ui: &mut Ui, ctx: &egui::Context, busy: bool) {
        let mut edit = None;
        let mut test = None;
        let mut sign_in = None;
        let mut sign_out = None;
        egui::Grid::new("profiles list")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for (name, profile) in &self.profiles {
                    let service = ServiceChoice::from_kind(profile.kind);
                    ui.horizontal(|ui| {
                        service.draw_badge(ui, 20.0);
                        ui.label(RichText::new(profile.label(name)).strong());
                    });
                    ui.label(service.name());
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
                            test = Some((name.clone(), profile.clone()));
                        }
                        if profile.google_sign_in.is_some() {
                            if ui
                                .add_enabled(!busy, egui::Button::new("Sign in with Google"))
                                .clicked()
                            {
                                sign_in = Some((name.clone(), profile.label(name)));
                            }
                            if ui
                                .add_enabled(!busy, egui::Button::new("Sign out"))
                                .clicked()
                            {
                                sign_out = Some((name.clone(), profile.label(name)));
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
        if let Some((name, profile)) = test {
            let label = profile.label(&name);
            self.run_online(ctx, move |jobs, dirs| tested(jobs, &dirs, &name, &profile));
            self.status = Some(Status::new(Tone::Info, format!("Testing “{label}”…")));
        }
        if let Some((name, label)) = sign_in {
            let opener = self.opener.clone();
            let pending = self.pending.clone();
            let waker = ctx.clone();
            self.run_online(ctx, move |jobs, dirs| {
                signed_in(jobs, &dirs, &name, &label, &opener, &pending, &waker)
            });
            self.status = Some(Status::new(
                Tone::Info,
                "Finish signing in to Google in your browser; Hoist waits up to 5 minutes.",
            ));
        }
        if let Some((name, label)) = sign_out {
            self.run_online(ctx, move |jobs, dirs| {
                signed_out(jobs, &dirs, &name, &label)
            });
        }
    }

    fn confirm(&mut self, ui: &mut Ui, ctx: &egui::Context, busy: bool) {
        let Some(name) = self.confirm_delete.clone() else {
            return;
        };
        let profile = self.profiles.get(&name);
        let label = profile
            .map(|p| p.label(&name))
            .unwrap_or_else(|| name.clone());
        ui.separator();
        ui.label(if profile.is_some_and(|p| p.secret.is_none()) {
            format!("Delete \"{label}\"? This cannot be undone.")
        } else {
            format!("Delete \"{label}\" and its saved key? This cannot be undone.")
        });
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!busy, egui::Button::new("Yes, delete it"))
                .clicked()
            {
                self.confirm_delete = None;
                if self.editor.as_ref().and_then(|e| e.editing.as_ref()) == Some(&name) {
                    self.editor = None;
                }
                self.run(ctx, move |dirs| deleted(&dirs, &name, &label));
            }
            if ui.button("Keep it").clicked() {
                self.confirm_delete = None;
            }
        });
    }

    fn waiting_sign_in(&mut self, ui: &mut Ui) {
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

    /// The last outcome: one line in its colour, and "Learn more" when it has more to say.
    fn status_line(&mut self, ui: &mut Ui) {
        let Some(status) = &self.status else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(tone_color(ui, status.tone), &status.text);
            if status.learn_more.is_some() {
                let words = if self.learn_more {
                    "Show less"
                } else {
                    "Learn more"
                };
                if ui.link(words).clicked() {
                    self.learn_more = !self.learn_more;
                }
            }
        });
        if let (true, Some(more)) = (self.learn_more, status.learn_more) {
            ui.label(more);
        }
    }

    fn editor_part(&mut self, ui: &mut Ui, ctx: &egui::Context, busy: bool) {
        let mut save = false;
        let mut cancel = false;
        if let Some(editor) = &mut self.editor {
            ui.separator();
            if editor.service.is_none() {
                cancel = picker(ui, editor);
            } else {
                form(ui, editor);
                ui.horizontal(|ui| {
                    save = ui.add_enabled(!busy, egui::Button::new("Save")).clicked();
                    cancel = ui.button("Cancel").clicked();
                });
            }
        }
        if self.editor.is_some() {
            // Beside Save, where the eyes are.
            self.status_line(ui);
        }
        if cancel {
            self.editor = None;
        } else if save {
            self.save(ctx);
        }
    }

    /// Checks the form and saves it off the UI thread; on any failure every field stays as
    /// typed (the key field too) and the reason is shown.
    fn save(&mut self, ctx: &egui::Context) {
        let Some(editor) = &self.editor else {
            return;
        };
        if let Err(problem) = editor.check() {
            self.status = Some(Status::new(Tone::Error, problem));
            return;
        }
        let label = editor.name.trim().to_string();
        let taken_label = self.profiles.iter().any(|(key, profile)| {
            Some(key) != editor.editing.as_ref() && profile.label(key).eq_ignore_ascii_case(&label)
        });
        if taken_label {
            self.status = Some(Status::new(
                Tone::Error,
                format!("You already have an account called \"{label}\". Choose another name."),
            ));
            return;
        }
        let key = editor
            .editing
            .clone()
            .unwrap_or_else(|| slug_for(&label, |key| self.profiles.contains_key(key)));
        let profile = editor.profile(&key);
        let secret = editor.secret_update();
        let replace = editor.editing.is_some();
        self.run(ctx, move |dirs| {
            saved(&dirs, &key, profile, secret, replace)
        });
    }
}

mod draw;
mod form;
mod messages;
mod outcome;
mod service;
#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests;
