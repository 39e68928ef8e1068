//! The window's logic: which destinations it offers, draining the engine's events, queueing
//! files and carrying out what the user asked for.

use super::*;

impl HoistApp {
    /// Shows `message` in the banner at the top (e.g. what happened since the last run).
    pub fn with_message(mut self, message: String) -> HoistApp {
        self.model.messages.push(message);
        self
    }

    /// Each destination with its chunk size: a profile's own, `None` (the settings') otherwise.
    pub(super) fn choices(&self) -> Vec<(String, Destination, Option<Option<u64>>)> {
        let profiles = self.profiles.choices();
        let mut all = Vec::new();
        if let Some(demo) = &self.demo {
            all.push((DEMO_DESTINATION.to_string(), demo.destination(), None));
        }
        for (label, destination) in self.model.destinations() {
            let known = all.iter().any(|(_, d, _)| *d == destination)
                || profiles.iter().any(|p| p.destination == destination);
            if !known {
                all.push((label, destination, None));
            }
        }
        for profile in profiles {
            all.push((
                profile.name,
                profile.destination,
                Some(profile.chunk_size_bytes),
            ));
        }
        all
    }

    pub(super) fn chosen_destination(&self) -> Option<(String, Destination, Option<Option<u64>>)> {
        let all = self.choices();
        let wanted = self.settings.destination.as_deref();
        all.iter()
            .find(|(label, _, _)| Some(label.as_str()) == wanted)
            .or(all.first())
            .cloned()
    }

    /// Drains engine events (time-boxed), finishes background jobs.
    pub(super) fn drain(&mut self, ctx: &egui::Context) {
        let started = Instant::now();
        while let Some(event) = self.backend.try_recv() {
            if let Some(notice) = self.model.apply(event, Instant::now())
                && self.settings.notifications
                && self.sent_notices
            {
                notify::show(notice);
            }
            if started.elapsed() > DRAIN_BUDGET {
                ctx.request_repaint();
                break;
            }
        }
        self.profiles.update(ctx);
        if self.model.restored && self.profiles.ready() && !self.deferred.is_empty() {
            let paths = std::mem::take(&mut self.deferred);
            self.scans
                .push(background(ctx, move || folder_scan::expand(paths)));
        }
        let mut ready = Vec::new();
        self.scans.retain_mut(|scan| match scan.ready_mut() {
            Some(files) => {
                ready.append(files);
                false
            }
            None => true,
        });
        self.picks.retain_mut(|pick| match pick.ready_mut() {
            Some(picked) => {
                if let Some(paths) = picked.take() {
                    ready.extend(paths);
                }
                false
            }
            None => true,
        });
        if !ready.is_empty() {
            self.queue_files(ready);
        }
        self.thumbnails.update(ctx);
        if self.model.has_countdown(Instant::now()) {
            // A visible "Reconnecting in N s" counts down once a second, and only while shown.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Sends `Add` for each file not already queued.
    pub(super) fn queue_files(&mut self, files: Vec<PathBuf>) {
        let Some((_, destination, chunk_size)) = self.chosen_destination() else {
            self.model.messages.push(
                "There is no destination yet: add a profile under Profiles, upload once with `hoist upload` from a terminal, or start Hoist with --demo."
                    .to_string(),
            );
            return;
        };
        let options = UploadOptions {
            chunk_size_bytes: chunk_size.unwrap_or_else(|| self.settings.chunk_size_bytes()),
            size_unknown: false,
        };
        let mut seen = std::collections::HashSet::new();
        for path in files {
            if self.model.contains_path(&path) || !seen.insert(path.clone()) {
                continue;
            }
            self.next_tag += 1;
            let command = Command::Add {
                tag: self.next_tag,
                path,
                destination: destination.clone(),
                options,
            };
            if let Err(e) = self.backend.send(command) {
                self.model.messages.push(e);
            }
        }
    }

    pub(super) fn apply(&mut self, action: UiAction, ctx: &egui::Context) {
        match action {
            UiAction::Engine(command) => {
                if let Err(e) = self.backend.send(command) {
                    self.model.messages.push(e);
                }
            }
            UiAction::AddPaths(paths) => {
                self.scans
                    .push(background(ctx, move || folder_scan::expand(paths)));
            }
            UiAction::PickFiles => {
                self.picks.push(background(ctx, || {
                    rfd::FileDialog::new().set_title("Add files").pick_files()
                }));
            }
            UiAction::PickFolder => {
                self.picks.push(background(ctx, || {
                    rfd::FileDialog::new()
                        .set_title("Add folder")
                        .pick_folder()
                        .map(|folder| folder_scan::expand(vec![folder]))
                }));
            }
            UiAction::OpenUrl(url) => ctx.open_url(egui::OpenUrl::new_tab(url)),
            UiAction::ShowFile(path) => reveal(path),
            UiAction::ChooseDestination(label) => self.settings.destination = Some(label),
            UiAction::ApplyLimits => {
                let limits = (
                    self.settings.parallel_uploads.max(1),
                    self.settings.bandwidth_limit_bytes_per_sec(),
                );
                if limits != self.applied_limits {
                    self.applied_limits = limits;
                    let command = Command::SetLimits {
                        max_parallel_uploads: limits.0,
                        bandwidth_limit_bytes_per_sec: limits.1,
                    };
                    if let Err(e) = self.backend.send(command) {
                        self.model.messages.push(e);
                    }
                }
            }
            UiAction::SetFlaky(flaky) => {
                self.flaky = flaky;
                if let Some(demo) = &self.demo {
                    demo.set_flaky(flaky);
                }
            }
            UiAction::DismissMessages => self.model.messages.clear(),
            UiAction::ClearFinished => {
                for id in self.model.finished_ids() {
                    self.apply(UiAction::Engine(Command::Remove(id)), ctx);
                }
            }
            UiAction::ResetDemo => {
                let Some(demo) = &self.demo else {
                    return;
                };
                let target = demo.destination();
                demo.set_flaky(false);
                demo.reset();
                self.flaky = false;
                let ids: Vec<_> = self
                    .model
                    .rows()
                    .iter()
                    .filter(|r| r.upload.target == target)
                    .map(|r| r.upload.id)
                    .collect();
                for id in ids {
                    self.apply(UiAction::Engine(Command::Remove(id)), ctx);
                }
                self.model.messages.clear();
            }
        }
    }
}

/// Opens the file manager at the file, off the UI thread.
#[allow(
    clippy::disallowed_methods,
    reason = "short-lived threads for file dialogs, folder scans and opening files, off the UI thread"
)]
fn reveal(path: PathBuf) {
    let spawned = std::thread::Builder::new()
        .name("hoist-reveal".to_string())
        .spawn(move || {
            let result = if cfg!(target_os = "macos") {
                std::process::Command::new("open")
                    .arg("-R")
                    .arg(&path)
                    .status()
            } else if cfg!(target_os = "windows") {
                std::process::Command::new("explorer")
                    .arg(format!("/select,{}", path.display()))
                    .status()
            } else {
                let folder = path.parent().map(PathBuf::from).unwrap_or(path);
                std::process::Command::new("xdg-open").arg(folder).status()
            };
            if let Err(e) = result {
                tracing::warn!("could not open the file manager: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("could not start the file manager thread: {e}");
    }
}
