//! The "Profiles" window: saved destinations listed, added, edited, deleted (after asking) and
//! tested. Every file, keyring and network step runs off the UI thread (poll-promise); drawing
//! only reads what the last background job returned.

use std::collections::BTreeMap;

use egui::{RichText, Ui};
use poll_promise::Promise;

use super::background::background;
use super::sign_in::{BrowserOpener, ConsentPage, PendingSignIn, system_browser};
use hoist_core::profile::manage::{self, SecretUpdate};
use hoist_core::profile::{GoogleSignIn, Profile, ProfileError, ProfileKind, ProfileStore};
use hoist_core::secrets::Secret;
use hoist_core::store::HoistDirs;
use hoist_core::upload::{DEFAULT_PARALLEL_CHUNKS, Destination, Privacy};

use form::*;
use outcome::*;

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
            opener: system_browser(),
            pending: PendingSignIn::default(),
            jobs: None,
        }
    }

    /// Runs connection tests and sign-ins on `jobs`, the engine's runtime.
    pub fn set_jobs(&mut self, jobs: tokio::runtime::Handle) {
        self.jobs = Some(jobs);
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

    /// [`Self::run`] for a job that needs the network, on the engine's runtime.
    fn run_online(
        &mut self,
        ctx: &egui::Context,
        job: impl FnOnce(&tokio::runtime::Handle, HoistDirs) -> Outcome + Send + 'static,
    ) {
        let Some(jobs) = self.jobs.clone() else {
            self.status = Some((
                false,
                "The upload engine is not running, so Hoist cannot go online.".to_string(),
            ));
            return;
        };
        self.run(ctx, move |dirs| job(&jobs, dirs));
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
            self.run_online(&ctx, move |jobs, dirs| tested(jobs, &dirs, &name));
        }
        if let Some(name) = sign_in {
            let opener = self.opener.clone();
            let pending = self.pending.clone();
            let waker = ctx.clone();
            self.run_online(&ctx, move |jobs, dirs| {
                signed_in(jobs, &dirs, &name, &opener, &pending, &waker)
            });
            self.status = Some((
                true,
                "Finish signing in to Google in your browser; Hoist waits up to 5 minutes."
                    .to_string(),
            ));
        }
        if let Some(name) = sign_out {
            self.run_online(&ctx, move |jobs, dirs| signed_out(jobs, &dirs, &name));
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

mod form;
mod outcome;
#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests;
