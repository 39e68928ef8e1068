//! What the command line shows while uploads run: progress bars on a terminal, plain lines
//! otherwise, or one JSON object per event with `--json`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use hoist_core::engine::{EngineWarning, Event, UploadNotice, UploadSnapshot};
use hoist_core::units::{format_bytes, rate_and_time_left, sentence};
use hoist_core::upload::{Failure, FailureKind, Phase, UploadId};

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
            // Sizes, speed and time left come from hoist-core's formatter (as in the window),
            // not indicatif's, so the time left keeps one shape ("1 min 26 s", never "86s").
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(format!(
                "{:>5} {}",
                format!("#{}", upload.id),
                fit(&upload.file_name, NAME_WIDTH)
            ));
            bar.set_message(progress_words(
                upload.confirmed_bytes,
                upload.total_bytes,
                0.0,
            ));
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
                    bar.set_message(progress_words(
                        p.confirmed_bytes,
                        p.total_bytes,
                        p.rate_bytes_per_sec,
                    ));
                }
            }
            Event::PhaseChanged { id, phase, failure } => {
                let text = match failure {
                    Some(failure) => format!("{}: {}", phase.label(), failure_words(failure)),
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
                    sentence(&reason.detail).trim_end_matches('.'),
                    wait.as_secs_f64()
                ),
            ),
            Event::Notice { id, notice } => self.line(*id, &notice_words(*notice)),
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
            Event::AddFailed { path, failure, .. } => {
                self.print(&format!(
                    "cannot upload {}: {}",
                    path.display(),
                    add_failure_words(failure)
                ));
            }
            Event::Warning { kind, .. } => self.print(&format!("warning: {}", warning_words(kind))),
            Event::MeteredHold { waiting: true } => self.print(
                "Waiting: this connection is metered (--pause-on-metered); uploads go on when it is not.",
            ),
            Event::MeteredHold { waiting: false } => {
                self.print("The connection is no longer metered: uploads go on.")
            }
            // The at-risk verdict comes with its notice; the outlook itself is for views and --json.
            Event::Added { .. }
            | Event::Expiry { .. }
            | Event::Restored { .. }
            | Event::Removed { .. }
            | Event::QueueOrder { .. }
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

/// Width of the file name beside a progress bar.
const NAME_WIDTH: usize = 30;

/// `name` cut or padded to `width` characters ("…" marks a cut).
fn fit(name: &str, width: usize) -> String {
    let count = name.chars().count();
    if count <= width {
        format!("{name}{}", " ".repeat(width - count))
    } else {
        let mut cut: String = name.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// "1.20 GiB of 4.00 GiB · 12.0 MiB/s · 3 min 20 s left", in the window's words.
fn progress_words(confirmed_bytes: u64, total_bytes: Option<u64>, bytes_per_sec: f64) -> String {
    let Some(total) = total_bytes else {
        return format_bytes(confirmed_bytes);
    };
    let mut text = format!(
        "{} of {}",
        format_bytes(confirmed_bytes),
        format_bytes(total)
    );
    let moving = rate_and_time_left(bytes_per_sec, total.saturating_sub(confirmed_bytes));
    if !moving.is_empty() {
        text.push_str(" · ");
        text.push_str(&moving);
    }
    text
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
    if let Some(failure) = &upload.error {
        line.push_str(&format!("\n      {}", failure_words(failure)));
    }
    if upload.phase == Phase::Paused || interrupted {
        let now = hoist_core::protocol::expiry_dates::unix_now_secs();
        if let Some(words) =
            hoist_ui::paused_words(upload.expires_unix_secs, upload.confirmed_bytes, now)
        {
            line.push_str(&format!("\n      {words}."));
        }
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

/// Why an upload failed, in the command line's words: what the error said (the command line
/// shows the detail, for people who run commands), then what to do about this kind of failure.
pub fn failure_words(failure: &Failure) -> String {
    let detail = sentence(&failure.detail);
    match failure_hint(failure.kind) {
        Some(hint) => format!("{}. {hint}", detail.trim_end_matches('.')),
        None => detail,
    }
}

/// Why a file could not be added, in the command line's words: no upload exists for it, so
/// what to do ends in running the command again, never in `hoist resume` or `hoist restart`.
pub fn add_failure_words(failure: &Failure) -> String {
    let detail = sentence(&failure.detail);
    let hint = match failure.kind {
        FailureKind::FileMissing => {
            Some("Check the path (or put the file back), then run the command again.".to_string())
        }
        FailureKind::FileUnreadable => {
            Some("Check that you may read the file, then run the command again.".to_string())
        }
        FailureKind::DiskFull => Some("Free some space, then run the command again.".to_string()),
        // An upload's advice, ending in running the command again; none where it is to
        // restart an upload (there is none).
        kind => failure_hint(kind)
            .filter(|hint| !hint.contains("hoist restart"))
            .map(|hint| {
                hint.replace("then retry (hoist resume).", "then run the command again.")
                    .replace("then retry.", "then run the command again.")
            }),
    };
    match hint {
        Some(hint) => format!("{}. {hint}", detail.trim_end_matches('.')),
        None => detail,
    }
}

/// What to do about a kind of failure, when there is something to do.
fn failure_hint(kind: FailureKind) -> Option<&'static str> {
    Some(match kind {
        FailureKind::TokenRefused => {
            "Sign in again or provide a new token, then retry (hoist resume)."
        }
        FailureKind::SignInNeeded => {
            "Sign in (hoist signin) or give the profile its secret, then retry."
        }
        FailureKind::AccessDenied => "Check what the account may do, then retry.",
        FailureKind::NotFound => "Check the destination's settings, then retry.",
        FailureKind::SessionExpired | FailureKind::StateDamaged | FailureKind::ChecksumMismatch => {
            "Restart the upload to send the file again (hoist restart)."
        }
        FailureKind::Network => "Check the connection, then retry (hoist resume).",
        FailureKind::FileMissing => "Put the file back, then retry (hoist resume).",
        FailureKind::FileChanged => "To send it as it is now: hoist restart.",
        FailureKind::DiskFull => "Free some space, then retry (hoist resume).",
        FailureKind::StoreLocked => "Wait for the other Hoist to finish, or stop it.",
        FailureKind::ServerRejected
        | FailureKind::Certificate
        | FailureKind::UnsafeAddress
        | FailureKind::ProtocolViolation
        | FailureKind::ProcessingFailed
        | FailureKind::InvalidDestination
        | FailureKind::OverLimit
        | FailureKind::FileUnreadable
        | FailureKind::JournalUnusable
        | FailureKind::Internal
        | FailureKind::Other => return None,
    })
}

/// A warning about Hoist itself, in the command line's words (the detail is in the log).
pub fn warning_words(warning: &EngineWarning) -> String {
    match warning {
        EngineWarning::JournalSetAside { moved_to } => format!(
            "the list of uploads was damaged; a fresh one was started and the damaged copy kept at {}",
            moved_to.display()
        ),
        EngineWarning::JournalUnreadable => {
            "the list of uploads could not be read; see the log (hoist support-bundle)".to_string()
        }
        EngineWarning::CannotKeepAwake => "Hoist can't keep this computer awake here (no logind on the system D-Bus), so uploads pause if it sleeps and continue when it wakes (--no-keep-awake: don't try)".to_string(),
        EngineWarning::CannotSeeMetered => "Hoist can't tell here whether the connection is metered (no NetworkManager on the system D-Bus), so --pause-on-metered has no effect and uploads go on as usual".to_string(),
        EngineWarning::QueueOrderNotSaved => {
            "the new order of the queue could not be saved, so it keeps its old order (is the disk full?)"
                .to_string()
        }
    }
}

/// What happened to an upload that is not a failure, in the command line's words.
fn notice_words(notice: UploadNotice) -> String {
    match notice {
        UploadNotice::SessionLost => {
            "The server lost the upload session; starting again from the beginning.".to_string()
        }
        UploadNotice::ServerKeptLess => {
            "The server kept less than it had confirmed; continuing from what it has.".to_string()
        }
        // The window's line, so both say it the same way (a need a little shorter than the time
        // left is at risk too, and the words say why).
        UploadNotice::SessionMayExpire { needed, lifetime } => format!(
            "{}. If that time runs out first, the upload starts again from the beginning: a faster connection, or uploading fewer files at once, would help.",
            hoist_ui::at_risk_words(lifetime.as_secs(), needed.as_secs())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_was_not_added_is_added_by_running_the_command_again() {
        for kind in FailureKind::ALL {
            let words = add_failure_words(&Failure::new(kind, "why"));
            assert!(
                !words.contains("hoist resume") && !words.contains("hoist restart"),
                "{kind:?}: {words}"
            );
            assert!(!words.contains("retry"), "{kind:?}: {words}");
        }
        assert_eq!(
            add_failure_words(&Failure::new(
                FailureKind::FileMissing,
                "the file is missing: /v/clip.mp4"
            )),
            "The file is missing: /v/clip.mp4. Check the path (or put the file back), then run \
             the command again."
        );
        assert_eq!(
            add_failure_words(&Failure::new(FailureKind::Network, "connection refused")),
            "Connection refused. Check the connection, then run the command again."
        );
    }

    #[test]
    fn a_session_that_may_expire_is_told_without_contradicting_itself() {
        let day = 86_400;
        let margin = notice_words(UploadNotice::SessionMayExpire {
            needed: std::time::Duration::from_secs(6 * day + 11 * 3600),
            lifetime: std::time::Duration::from_secs(6 * day + 23 * 3600),
        });
        assert_eq!(
            margin,
            "May not finish in time: at this speed it needs about 6 days 11 hours, and the server \
             keeps the unfinished upload for 6 days 23 hours more, which leaves little to spare. \
             If that time runs out first, the upload starts again from the beginning: a faster \
             connection, or uploading fewer files at once, would help."
        );
        let short = notice_words(UploadNotice::SessionMayExpire {
            needed: std::time::Duration::from_secs(3 * 3600),
            lifetime: std::time::Duration::from_secs(2 * 3600),
        });
        assert!(
            short.starts_with(
                "May not finish in time: at this speed it needs about 3 hours, but the server \
                 keeps the unfinished upload for only 2 hours more."
            ),
            "{short}"
        );
    }

    #[test]
    fn progress_words_match_the_window() {
        assert_eq!(
            progress_words(1024 * 1024, Some(4 * 1024 * 1024), 1024.0 * 1024.0),
            "1.00 MiB of 4.00 MiB · 1.00 MiB/s · 3 s left"
        );
        assert_eq!(
            progress_words(4 * 1024 * 1024, Some(4 * 1024 * 1024), 1024.0 * 1024.0),
            "4.00 MiB of 4.00 MiB · 1.00 MiB/s · finishing"
        );
        assert_eq!(progress_words(10, None, 5.0), "10 B");
        // 86 s and 120 s have one shape.
        assert!(progress_words(0, Some(86 * 1024), 1024.0).ends_with("1 min 26 s left"));
        assert!(progress_words(0, Some(120 * 1024), 1024.0).ends_with("2 min 00 s left"));
    }

    #[test]
    fn warnings_name_what_happened_and_where_the_copy_is() {
        let set_aside = EngineWarning::JournalSetAside {
            moved_to: std::path::PathBuf::from("/data/journal.sqlite3.corrupt-17"),
        };
        assert_eq!(
            warning_words(&set_aside),
            "the list of uploads was damaged; a fresh one was started and the damaged copy kept at /data/journal.sqlite3.corrupt-17"
        );
        assert_eq!(
            warning_words(&EngineWarning::JournalUnreadable),
            "the list of uploads could not be read; see the log (hoist support-bundle)"
        );
    }

    #[test]
    fn names_are_cut_or_padded_to_one_width() {
        assert_eq!(fit("日本語.mp4", 10), "日本語.mp4   ");
        assert_eq!(fit("a-very-long-name.mp4", 8), "a-very-…");
    }
}
