//! The window's logic: which destinations it offers, draining the engine's events, queueing
//! files and carrying out what the user asked for.

use super::*;
use crate::desktop::PickWhat;

/// How long the status bar says "Link copied" after "Copy link".
const LINK_COPIED_SHOWN: Duration = Duration::from_secs(3);

impl HoistApp {
    /// Shows `message` in the banner at the top, as information (e.g. what happened since the
    /// last run).
    pub fn with_message(mut self, message: String) -> HoistApp {
        self.model.say(crate::message::Message::info(message));
        self
    }

    /// Keeps files that arrive with no destination in `store` (one path a line), starting with
    /// `waiting`, the ones an earlier run kept there ([`crate::load_pending`]).
    pub fn with_pending(mut self, store: PathBuf, waiting: Vec<PathBuf>) -> HoistApp {
        self.pending = super::super::pending::PendingFiles::new(store, waiting);
        self
    }

    /// Files handed over by later launches of Hoist (`hoist FILE` while this window is open):
    /// each batch is queued once and brings the window forward.
    pub fn with_inbox(mut self, inbox: std::sync::mpsc::Receiver<Vec<PathBuf>>) -> HoistApp {
        self.inbox = Some(inbox);
        self
    }

    /// The files waiting for a destination ("Choose where to send" rows).
    pub fn waiting_files(&self) -> &[PathBuf] {
        self.pending.paths()
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

    /// One desktop notification per paused upload entering its session's last day, and a repaint
    /// booked for when the next one does (nothing runs in between).
    pub(super) fn warn_of_expiry(&mut self, ctx: &egui::Context) {
        let now = hoist_core::protocol::expiry_dates::unix_now_secs();
        let check = self.expiry_warnings.check(self.model.rows(), now);
        for notice in check.notices {
            if self.settings.notifications && self.sent_notices {
                notify::show(notice);
            }
        }
        if let Some(after) = check.recheck_after {
            ctx.request_repaint_after(after);
        }
    }

    /// Drains engine events (time-boxed), finishes background jobs.
    pub(super) fn drain(&mut self, ctx: &egui::Context) {
        let started = Instant::now();
        let handed: Vec<Vec<PathBuf>> = self
            .inbox
            .as_ref()
            .map(|inbox| inbox.try_iter().collect())
            .unwrap_or_default();
        for paths in handed {
            // Another launch of Hoist handed these over: come forward (out of the tray) and
            // queue them.
            self.background.restore(ctx);
            self.deferred.extend(paths);
        }
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
        ready.extend(self.desktop.update());
        if !ready.is_empty() {
            self.queue_files(ready, ctx);
        }
        self.thumbnails.update(ctx);
        if self.speed_recheck_at.is_some_and(|at| Instant::now() >= at) {
            // A speed schedule's limit may have changed.
            self.apply(UiAction::ApplyLimits, ctx);
        }
        if self.model.has_countdown(Instant::now()) {
            // A visible "Reconnecting in N s" counts down once a second, and only while shown.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Sends `Add` for each file not already queued; with no destination yet, the files wait
    /// as "Choose where to send" rows and the saved profiles open to connect an account.
    pub(super) fn queue_files(&mut self, files: Vec<PathBuf>, ctx: &egui::Context) {
        let Some((_, destination, chunk_size)) = self.chosen_destination() else {
            self.pending.add(ctx, files);
            self.open_profiles();
            return;
        };
        let options = UploadOptions {
            chunk_size_bytes: chunk_size.unwrap_or_else(|| self.settings.chunk_size_bytes()),
            // A profile's own piece size is kept as set.
            chunk_size_auto: chunk_size.is_none() && self.settings.chunk_size_auto,
            size_unknown: false,
        };
        let mut seen = std::collections::HashSet::new();
        let (mut on_its_way, mut stopped, mut sent) = (Vec::new(), Vec::new(), Vec::new());
        for path in files {
            if !seen.insert(path.clone()) {
                continue;
            }
            match self.model.already_listed(&path, &destination) {
                Some(crate::model::Listed::OnItsWay) => {
                    on_its_way.push(path);
                    continue;
                }
                Some(crate::model::Listed::Stopped) => {
                    stopped.push(path);
                    continue;
                }
                Some(crate::model::Listed::Sent) => {
                    sent.push(path);
                    continue;
                }
                None => {}
            }
            self.next_tag += 1;
            let command = Command::Add {
                tag: self.next_tag,
                path,
                destination: destination.clone(),
                options,
            };
            if let Err(e) = self.backend.send(command) {
                self.model.say(crate::message::Message::problem(e));
            }
        }
        // Said, not silently skipped: the person may think the drop did not work.
        let words = [
            crate::words::already_listed_words(&on_its_way, crate::model::Listed::OnItsWay),
            crate::words::already_listed_words(&stopped, crate::model::Listed::Stopped),
            crate::words::already_listed_words(&sent, crate::model::Listed::Sent),
        ];
        for words in words.into_iter().flatten() {
            self.model.say(crate::message::Message::info(words));
        }
    }

    pub(super) fn apply(&mut self, action: UiAction, ctx: &egui::Context) {
        match action {
            UiAction::Engine(command) => {
                if let Err(e) = self.backend.send(command) {
                    self.model.say(crate::message::Message::problem(e));
                }
            }
            UiAction::AddPaths(paths) => {
                self.scans
                    .push(background(ctx, move || folder_scan::expand(paths)));
            }
            UiAction::PickFiles => self.desktop.pick(ctx, PickWhat::Files),
            UiAction::PickFolder => self.desktop.pick(ctx, PickWhat::Folder),
            UiAction::OpenUrl(url) => self.desktop.open_url(ctx, url),
            UiAction::CopyLink(url) => {
                ctx.copy_text(url);
                self.link_copied_until = Some(Instant::now() + LINK_COPIED_SHOWN);
            }
            UiAction::ShowFile(path) => self.desktop.show_file(ctx, path),
            UiAction::ChooseDestination(label) => self.settings.destination = Some(label),
            UiAction::ApplyLimits => {
                let speed = crate::speed_schedule::speed_now(&self.settings);
                self.speed_note = speed.note;
                self.speed_recheck_at = speed.recheck_after.map(|after| {
                    ctx.request_repaint_after(after);
                    Instant::now() + after
                });
                let limits = (
                    self.settings.parallel_uploads.max(1),
                    speed.limit_bytes_per_sec,
                );
                if limits != self.applied_limits {
                    self.applied_limits = limits;
                    let command = Command::SetLimits {
                        max_parallel_uploads: limits.0,
                        bandwidth_limit_bytes_per_sec: limits.1,
                    };
                    if let Err(e) = self.backend.send(command) {
                        self.model.say(crate::message::Message::problem(e));
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
            UiAction::SendPending => {
                if self.chosen_destination().is_some() {
                    let files = self.pending.take_all(ctx);
                    self.queue_files(files, ctx);
                }
            }
            UiAction::DropPending(path) => self.pending.remove(ctx, &path),
            UiAction::OpenProfiles => self.open_profiles(),
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
                // The demo keeps its own journal: its history goes with the demo's uploads.
                self.history.clear_all(ctx);
                self.model.messages.clear();
            }
        }
    }
}

impl HoistApp {
    /// Opens the saved profiles on the service picker ("Connect an account"), read afresh.
    fn open_profiles(&mut self) {
        if !self.profiles.open {
            self.profiles.open_new();
        }
    }
}
