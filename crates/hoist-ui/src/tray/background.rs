//! The window in the background: hidden with Hoist's icon in the tray where the desktop has one,
//! minimised where it has none; what the tray's menu asks; the one notification when the
//! uploads that went on in the background have all ended. Runs in `logic`, which eframe keeps
//! calling while the window is hidden.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use egui::ViewportCommand;
use hoist_core::engine::Command;
use hoist_core::units::count_words;
use hoist_core::upload::{Phase, UploadId};
use poll_promise::Promise;

use super::{NoTray, SystemTray, TrayIcon, TraySummary, Wake, WindowRequest};
use crate::model::{Notice, Row};

/// Said in the window when "Keep uploading in the background" can only minimise it.
pub const NO_TRAY_NOTE: &str = "Hoist keeps uploading with its window minimised: this desktop has no tray to put Hoist's icon in.";

/// Where the window is.
enum Place {
    /// On screen as usual.
    Shown,
    /// Waiting for the desktop to take Hoist's icon (the window stays up meanwhile).
    Starting(Promise<Result<Box<dyn TrayIcon>, NoTray>>),
    /// Hidden, with Hoist's icon in the tray.
    InTray(Box<dyn TrayIcon>),
    /// Minimised (no tray). `seen`: the desktop has said it is minimised, so its "not
    /// minimised" later means the user brought it back.
    Minimised { seen: bool },
}

/// What one pass of [`Background::tick`] asks of the window.
#[derive(Default)]
pub(crate) struct Tick {
    /// Commands for the engine (Pause all, Resume all from the tray).
    pub commands: Vec<Command>,
    /// Lines for the window's banner.
    pub messages: Vec<String>,
    /// A desktop notification to show.
    pub notice: Option<Notice>,
    /// Pause the uploads and quit (the tray's Quit, a signal).
    pub quit: bool,
}

/// The window's life in the background.
pub(crate) struct Background {
    system: Option<Box<dyn SystemTray>>,
    /// Whether the desktop has a tray (`None`: not known yet).
    host: Option<bool>,
    probe: Option<Promise<bool>>,
    requests: Sender<WindowRequest>,
    incoming: Receiver<WindowRequest>,
    place: Place,
    /// The uploads running or waiting while in the background: what the icon counts.
    batch: HashSet<UploadId>,
    /// What the icon shows now.
    shown: Option<TraySummary>,
    /// The end of the background uploads was announced.
    announced: bool,
    /// Icons asked for before the window came back: taken out as soon as they are in place.
    discard: Vec<Promise<Result<Box<dyn TrayIcon>, NoTray>>>,
    /// A Wayland client cannot hide its window (winit ignores `Visible(false)` there), so with
    /// the icon in the tray the window is also minimised.
    wayland: bool,
}

impl Default for Background {
    fn default() -> Self {
        let (requests, incoming) = channel();
        Background {
            system: None,
            host: None,
            probe: None,
            requests,
            incoming,
            place: Place::Shown,
            batch: HashSet::new(),
            shown: None,
            announced: false,
            discard: Vec::new(),
            // As winit chooses its backend (README, "Wayland or X11"); read once, at start.
            wayland: std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty()),
        }
    }
}

fn waker(ctx: &egui::Context) -> Wake {
    let ctx = ctx.clone();
    Arc::new(move || ctx.request_repaint())
}

impl Background {
    /// Uses `system` as the desktop's tray.
    pub(crate) fn set_system(&mut self, system: Box<dyn SystemTray>) {
        self.system = Some(system);
        self.host = None;
        self.probe = None;
    }

    /// Where requests from outside the window go (the tray's menu, a signal to quit).
    pub(crate) fn requests(&self) -> Sender<WindowRequest> {
        self.requests.clone()
    }

    /// Whether the desktop has a tray for Hoist's icon (`None`: still asking).
    pub(crate) fn has_tray(&self) -> Option<bool> {
        match self.system {
            Some(_) => self.host,
            None => Some(false),
        }
    }

    /// Goes to the background with the uploads in `rows` going on: into the tray where there is
    /// one, minimised (and a line saying why) where there is none.
    pub(crate) fn go(&mut self, ctx: &egui::Context, rows: &[Row]) -> Option<String> {
        self.batch = rows
            .iter()
            .filter(|r| r.upload.phase.wants_to_run())
            .map(|r| r.upload.id)
            .collect();
        self.announced = false;
        let summary = TraySummary::of(rows, &self.batch);
        match &self.system {
            Some(system) if self.host != Some(false) => {
                let shown = system.show(summary, self.requests.clone(), waker(ctx));
                self.place = Place::Starting(shown);
                None
            }
            _ => {
                self.minimise(ctx);
                Some(NO_TRAY_NOTE.to_string())
            }
        }
    }

    fn minimise(&mut self, ctx: &egui::Context) {
        tracing::info!("no tray: the window is minimised and the uploads go on");
        ctx.send_viewport_cmd(ViewportCommand::Minimized(true));
        self.place = Place::Minimised { seen: false };
    }

    /// Brings the window back (the tray's Open, another launch of Hoist) and takes the icon out.
    pub(crate) fn restore(&mut self, ctx: &egui::Context) {
        ctx.send_viewport_cmd(ViewportCommand::Visible(true));
        ctx.send_viewport_cmd(ViewportCommand::Minimized(false));
        ctx.send_viewport_cmd(ViewportCommand::Focus);
        match std::mem::replace(&mut self.place, Place::Shown) {
            Place::InTray(icon) => icon.remove(),
            Place::Starting(promise) => self.discard.push(promise),
            Place::Shown | Place::Minimised { .. } => {}
        }
        self.shown = None;
    }

    /// One pass: the tray's answers and requests, the icon's words, the end of the uploads.
    pub(crate) fn tick(&mut self, ctx: &egui::Context, rows: &[Row]) -> Tick {
        let mut tick = Tick::default();
        self.ask_for_host(ctx);
        self.settle(ctx, rows, &mut tick);
        for request in self.incoming.try_iter().collect::<Vec<_>>() {
            match request {
                WindowRequest::Open => self.restore(ctx),
                WindowRequest::PauseAll => tick.commands.push(Command::PauseAll),
                WindowRequest::ResumeAll => tick.commands.push(Command::ResumeAll),
                WindowRequest::Quit => tick.quit = true,
            }
        }
        if let Place::Minimised { seen } = &mut self.place {
            match ctx.input(|i| i.viewport().minimized) {
                Some(true) => *seen = true,
                Some(false) if *seen => self.place = Place::Shown,
                _ => {}
            }
        }
        if matches!(self.place, Place::InTray(_) | Place::Minimised { .. }) {
            self.batch.extend(
                rows.iter()
                    .filter(|r| r.upload.phase.wants_to_run())
                    .map(|r| r.upload.id),
            );
            let summary = TraySummary::of(rows, &self.batch);
            if let Place::InTray(icon) = &self.place
                && self.shown.as_ref() != Some(&summary)
            {
                icon.update(summary.clone());
                self.shown = Some(summary);
            }
            tick.notice = self.finished(rows);
        }
        tick
    }

    /// Asks once at start, and again when the window is asked to close, whether there is a tray.
    fn ask_for_host(&mut self, ctx: &egui::Context) {
        let Some(system) = &self.system else {
            return;
        };
        // Asked again on a close while the last answer was no: a tray may have come since.
        let closing = ctx.input(|i| i.viewport().close_requested())
            && matches!(self.place, Place::Shown)
            && self.host == Some(false);
        if self.probe.is_none() && (self.host.is_none() || closing) {
            self.probe = Some(system.has_host(waker(ctx)));
        }
        if let Some(present) = self.probe.as_ref().and_then(|p| p.ready().copied()) {
            self.host = Some(present);
            self.probe = None;
        }
    }

    /// Hides the window once its icon is in the tray, or minimises it when the tray said no.
    fn settle(&mut self, ctx: &egui::Context, rows: &[Row], tick: &mut Tick) {
        self.discard
            .retain_mut(|promise| match promise.ready_mut() {
                Some(answer) => {
                    let answer = std::mem::replace(answer, Err(NoTray::NoHost(String::new())));
                    if let Ok(icon) = answer {
                        icon.remove();
                    }
                    false
                }
                None => true,
            });
        let Place::Starting(promise) = &self.place else {
            return;
        };
        if promise.ready().is_none() {
            return;
        }
        let Place::Starting(promise) = std::mem::replace(&mut self.place, Place::Shown) else {
            return;
        };
        match promise.block_and_take() {
            Ok(icon) => {
                ctx.send_viewport_cmd(ViewportCommand::Visible(false));
                if self.wayland {
                    ctx.send_viewport_cmd(ViewportCommand::Minimized(true));
                }
                let summary = TraySummary::of(rows, &self.batch);
                self.shown = Some(summary);
                self.place = Place::InTray(icon);
            }
            Err(NoTray::NoHost(_)) => {
                self.host = Some(false);
                self.minimise(ctx);
                tick.messages.push(NO_TRAY_NOTE.to_string());
            }
        }
    }

    /// Once every upload of the background batch has ended (none running, waiting or paused),
    /// the desktop notification that says so; once.
    fn finished(&mut self, rows: &[Row]) -> Option<Notice> {
        let in_batch = || rows.iter().filter(|r| self.batch.contains(&r.upload.id));
        if self.announced
            || self.batch.is_empty()
            || in_batch().any(|r| r.upload.phase.wants_to_run() || r.upload.phase == Phase::Paused)
        {
            return None;
        }
        self.announced = true;
        let count = |phases: &[Phase]| {
            in_batch()
                .filter(|r| phases.contains(&r.upload.phase))
                .count()
        };
        let sent = count_words(count(&[Phase::Completed]), "upload", "uploads");
        let failed = count(&[Phase::Failed, Phase::FileChanged]);
        let open = match self.place {
            Place::InTray(_) => "Open Hoist from its icon in the tray",
            _ => "Hoist's window is minimised; open it",
        };
        let body = match failed {
            0 => format!("{sent} sent. {open} to see them."),
            _ => format!("{sent} sent, {failed} did not go. {open} to see what happened."),
        };
        Some(Notice {
            title: "Uploads finished".to_string(),
            body,
        })
    }
}
