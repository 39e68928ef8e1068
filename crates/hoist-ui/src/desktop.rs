//! The desktop's helpers the window asks for: the file chooser, the browser and the file
//! manager. Each runs off the UI thread; when one cannot run, the window says so in one line
//! and offers the way around ([`DesktopProblem`]). The technical reason goes to the log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use poll_promise::Promise;

use crate::background::background;
use crate::folder_scan;
use crate::sign_in::BrowserOpener;

/// What the file chooser is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickWhat {
    /// One or more files.
    Files,
    /// One folder (its videos are added).
    Folder,
}

/// What the file chooser gave back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    /// These files or this folder.
    Chosen(Vec<PathBuf>),
    /// The person closed the chooser.
    Cancelled,
    /// No chooser could be opened (no desktop portal, no zenity, ...).
    Failed,
}

/// Opens a file chooser (blocking; called off the UI thread). Tests pass their own.
pub type FilePicker = Arc<dyn Fn(PickWhat) -> Picked + Send + Sync>;

/// Shows a file in the file manager (blocking; called off the UI thread); false when none
/// could be opened. Tests pass their own.
pub type FileManager = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// The system's file manager (`xdg-open` on the file's folder, Finder, Explorer).
pub fn system_file_manager() -> FileManager {
    Arc::new(reveal)
}

/// A chooser that closes this fast was never shown: nobody cancels a dialog in under this.
const NEVER_SHOWN: Duration = Duration::from_millis(700);

/// The system's file chooser (rfd: the desktop portal, or zenity). rfd answers "nothing
/// chosen" both when the person cancels and when no chooser could be opened (it only logs
/// why), so an answer that comes back faster than a person could cancel counts as a failure.
pub fn system_file_picker() -> FilePicker {
    Arc::new(|what| {
        let started = Instant::now();
        let chosen = match what {
            PickWhat::Files => rfd::FileDialog::new().set_title("Add files").pick_files(),
            PickWhat::Folder => rfd::FileDialog::new()
                .set_title("Add folder")
                .pick_folder()
                .map(|folder| vec![folder]),
        };
        match chosen {
            Some(paths) => Picked::Chosen(paths),
            None if started.elapsed() < NEVER_SHOWN => {
                tracing::warn!(
                    "the file chooser closed after {} ms without being shown (no desktop portal or zenity?)",
                    started.elapsed().as_millis()
                );
                Picked::Failed
            }
            None => Picked::Cancelled,
        }
    })
}

/// Something the desktop could not do, with what the window offers instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesktopProblem {
    /// No file chooser opened: files can be dragged onto the window instead.
    NoFileChooser,
    /// No browser opened this link: it can be copied.
    NoBrowser {
        /// The link.
        url: String,
    },
    /// No file manager opened: the folder's location can be copied.
    NoFileManager {
        /// The folder the file is in.
        folder: PathBuf,
    },
}

impl DesktopProblem {
    /// The line the window shows.
    pub fn words(&self) -> String {
        match self {
            DesktopProblem::NoFileChooser => {
                "Couldn't open a file chooser; drag files here instead.".to_string()
            }
            DesktopProblem::NoBrowser { .. } => {
                "Couldn't open a browser. Copy the link and paste it into yours.".to_string()
            }
            DesktopProblem::NoFileManager { folder } => format!(
                "Couldn't open the file manager. The file is in {}",
                folder.display()
            ),
        }
    }

    /// The way around: a button's words and the text it copies, when there is one.
    pub fn copy(&self) -> Option<(&'static str, String)> {
        match self {
            DesktopProblem::NoFileChooser => None,
            DesktopProblem::NoBrowser { url } => Some(("Copy link", url.clone())),
            DesktopProblem::NoFileManager { folder } => {
                Some(("Copy location", folder.display().to_string()))
            }
        }
    }
}

/// The file chooser, browser and file manager jobs under way, and the last problem.
pub struct Desktop {
    picker: FilePicker,
    opener: BrowserOpener,
    file_manager: FileManager,
    picks: Vec<Promise<Result<Vec<PathBuf>, DesktopProblem>>>,
    opens: Vec<Promise<Option<DesktopProblem>>>,
    /// The last thing that could not run, shown until dismissed or replaced.
    pub problem: Option<DesktopProblem>,
}

impl Default for Desktop {
    fn default() -> Desktop {
        Desktop {
            picker: system_file_picker(),
            opener: crate::sign_in::system_browser(),
            file_manager: system_file_manager(),
            picks: Vec::new(),
            opens: Vec::new(),
            problem: None,
        }
    }
}

impl Desktop {
    /// Uses `picker` as the file chooser (tests).
    pub fn set_picker(&mut self, picker: FilePicker) {
        self.picker = picker;
    }

    /// The file chooser in use (the Watch folders window picks folders with it too).
    pub fn picker(&self) -> FilePicker {
        self.picker.clone()
    }

    /// Uses `opener` as the browser (tests).
    pub fn set_opener(&mut self, opener: BrowserOpener) {
        self.opener = opener;
    }

    /// Uses `file_manager` to show files (tests).
    pub fn set_file_manager(&mut self, file_manager: FileManager) {
        self.file_manager = file_manager;
    }

    /// Opens the chooser for `what`; the files come back from [`Desktop::update`].
    pub fn pick(&mut self, ctx: &egui::Context, what: PickWhat) {
        let picker = self.picker.clone();
        self.picks.push(background(ctx, move || match picker(what) {
            Picked::Chosen(paths) if what == PickWhat::Folder => Ok(folder_scan::expand(paths)),
            Picked::Chosen(paths) => Ok(paths),
            Picked::Cancelled => Ok(Vec::new()),
            Picked::Failed => Err(DesktopProblem::NoFileChooser),
        }));
    }

    /// Opens `url` in the browser.
    pub fn open_url(&mut self, ctx: &egui::Context, url: String) {
        let opener = self.opener.clone();
        self.opens.push(background(ctx, move || {
            let opened = url::Url::parse(&url).is_ok_and(|parsed| opener(&parsed));
            if opened {
                None
            } else {
                tracing::warn!("no browser could be started for a link");
                Some(DesktopProblem::NoBrowser { url })
            }
        }));
    }

    /// Shows the folder holding `path` in the file manager.
    pub fn show_file(&mut self, ctx: &egui::Context, path: PathBuf) {
        let file_manager = self.file_manager.clone();
        self.opens.push(background(ctx, move || {
            if file_manager(&path) {
                None
            } else {
                Some(DesktopProblem::NoFileManager {
                    folder: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                })
            }
        }));
    }

    /// Collects finished jobs: the files picked (problems are kept to be shown).
    pub fn update(&mut self) -> Vec<PathBuf> {
        let mut ready = Vec::new();
        let mut problems = Vec::new();
        self.picks.retain_mut(|pick| match pick.ready_mut() {
            Some(Ok(paths)) => {
                ready.append(paths);
                false
            }
            Some(Err(problem)) => {
                problems.push(problem.clone());
                false
            }
            None => true,
        });
        self.opens.retain_mut(|open| match open.ready_mut() {
            Some(problem) => {
                problems.extend(problem.take());
                false
            }
            None => true,
        });
        if let Some(last) = problems.pop() {
            self.problem = Some(last);
        }
        ready
    }

    /// Draws the last problem: one amber line, the way around and "Dismiss".
    pub fn show_problem(&mut self, ui: &mut egui::Ui) {
        let Some(problem) = &self.problem else {
            return;
        };
        let mut dismiss = false;
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(ui.visuals().warn_fg_color, problem.words());
            if let Some((words, text)) = problem.copy()
                && ui.button(words).clicked()
            {
                ui.ctx().copy_text(text);
            }
            dismiss = ui.button("Dismiss").clicked();
        });
        if dismiss {
            self.problem = None;
        }
    }
}

/// Opens the file manager at the file's folder (blocking: called off the UI thread).
fn reveal(path: &Path) -> bool {
    let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let result = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
            .arg("-R")
            .arg(path)
            .status()
    } else if cfg!(target_os = "windows") {
        std::process::Command::new("explorer")
            .arg(format!("/select,{}", path.display()))
            .status()
    } else {
        std::process::Command::new("xdg-open").arg(&folder).status()
    };
    match result {
        // explorer answers 1 even when it opened the folder.
        Ok(status) if status.success() || cfg!(target_os = "windows") => true,
        Ok(status) => {
            tracing::warn!("the file manager could not be opened: it exited with {status}");
            false
        }
        Err(error) => {
            tracing::warn!("the file manager could not be opened: {error}");
            false
        }
    }
}
