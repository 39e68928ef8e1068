//! What the command line shows while uploads run: progress bars on a terminal, plain lines
//! otherwise, or one JSON object per event with `--json`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use hoist_core::engine::{Event, UploadSnapshot};
use hoist_core::units::format_bytes;
use hoist_core::upload::{Phase, UploadId};

/// Prints engine events for people or scripts.
pub struct Output {
    json: bool,
    bars: Option<MultiProgress>,
    by_id: HashMap<UploadId, Row>,
}

struct Row {
    name: String,
    bar: Option<ProgressBar>,
}

impl Output {
    /// Progress bars when stderr is a terminal and `json` is off.
    pub fn new(json: bool) -> Output {
        let bars = (!json && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Output {
            json,
            bars,
            by_id: HashMap::new(),
        }
    }

    /// Starts showing an upload.
    pub fn track(&mut self, upload: &UploadSnapshot) {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(upload.total_bytes.unwrap_or(0)));
            let style = ProgressStyle::with_template(
                "{prefix:>5} {msg:30!} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(format!("#{}", upload.id));
            bar.set_message(upload.file_name.clone());
            bar.set_position(upload.confirmed_bytes);
            bar
        });
        self.by_id.insert(
            upload.id,
            Row {
                name: upload.file_name.clone(),
                bar,
            },
        );
    }

    /// Shows one event.
    pub fn event(&mut self, event: &Event) {
        if self.json {
            if let Ok(line) = serde_json::to_string(event) {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
            return;
        }
        match event {
            Event::Progress(p) => {
                if let Some(bar) = self.bar(p.id) {
                    bar.set_position(p.confirmed_bytes);
                }
            }
            Event::PhaseChanged { id, phase, message } => {
                let text = match message {
                    Some(m) => format!("{}: {m}", phase.label()),
                    None => phase.label().to_string(),
                };
                self.line(*id, &text);
                if phase.is_terminal()
                    && let Some(bar) = self.bar(*id)
                {
                    if *phase == Phase::Completed {
                        bar.finish();
                    } else {
                        bar.abandon();
                    }
                }
            }
            Event::Retrying {
                id,
                attempt,
                wait,
                reason,
            } => self.line(
                *id,
                &format!(
                    "{}. Retrying in {:.1} s (attempt {attempt}).",
                    reason.trim_end_matches('.'),
                    wait.as_secs_f64()
                ),
            ),
            Event::Notice { id, message } => self.line(*id, message),
            Event::Completed { id, result } => {
                let mut text = "uploaded".to_string();
                if let Some(remote) = &result.remote_id {
                    text.push_str(&format!(", id {remote}"));
                }
                if let Some(url) = &result.url {
                    text.push_str(&format!(", {url}"));
                }
                self.line(*id, &text);
            }
            Event::AddFailed { path, message, .. } => {
                self.print(&format!("cannot upload {}: {message}", path.display()));
            }
            Event::Warning { message } => self.print(&format!("warning: {message}")),
            Event::Added { .. }
            | Event::Restored { .. }
            | Event::Removed { .. }
            | Event::Stopped => {}
        }
    }

    fn bar(&self, id: UploadId) -> Option<&ProgressBar> {
        self.by_id.get(&id).and_then(|r| r.bar.as_ref())
    }

    fn line(&self, id: UploadId, text: &str) {
        let name = self
            .by_id
            .get(&id)
            .map(|r| r.name.as_str())
            .unwrap_or("upload");
        self.print(&format!("#{id} {name}: {text}"));
    }

    /// Prints a line for people on stderr (above the bars when they are shown).
    pub fn print(&self, text: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(text);
            }
            None => eprintln!("{text}"),
        }
    }
}

/// One row of `hoist list`; `interrupted` when it is unfinished and no process is driving it.
pub fn list_line(upload: &UploadSnapshot, interrupted: bool) -> String {
    let total = upload
        .total_bytes
        .map(format_bytes)
        .unwrap_or_else(|| "?".to_string());
    let mut line = format!(
        "#{:<4} {:<12} {:>10} / {:<10} {}  ->  {}",
        upload.id,
        if interrupted {
            "interrupted"
        } else {
            upload.phase.as_str()
        },
        format_bytes(upload.confirmed_bytes),
        total,
        upload.path.display(),
        upload.destination
    );
    if let Some(error) = &upload.error {
        line.push_str(&format!("\n      {error}"));
    }
    if interrupted {
        line.push_str(&format!(
            "\n      stopped when Hoist was closed or killed; `hoist resume {}` or opening Hoist continues it",
            upload.id
        ));
    }
    if let Some(result) = &upload.result {
        if let Some(id) = &result.remote_id {
            line.push_str(&format!("\n      remote id: {id}"));
        }
        if let Some(url) = &result.url {
            line.push_str(&format!("\n      {url}"));
        }
    }
    line
}
