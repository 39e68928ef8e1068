//! `hoist history [--json] [--search TEXT] [--limit N]`, `hoist history export FILE.csv` and
//! `hoist history clear`: the finished uploads, kept after they leave the queue.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use hoist_core::engine::EngineWarning;
use hoist_core::store::{HistoryEntry, Journal, export_history_csv};
use hoist_core::units::{format_bytes, format_eta, format_local_time};

/// `hoist history ...`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct HistoryArgs {
    /// One JSON object per line.
    #[arg(long)]
    json: bool,
    /// Only entries whose file name, folder, destination or link contains this text (any case).
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// At most this many entries (the newest).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Export or clear instead of listing.
    #[command(subcommand)]
    command: Option<HistoryCommand>,
}

/// `hoist history export|clear`.
#[derive(Debug, Subcommand)]
enum HistoryCommand {
    /// Save the history as a CSV file for a spreadsheet (UTF-8, a header row, times in UTC).
    Export {
        /// Where to save it (e.g. history.csv).
        file: PathBuf,
        /// Only entries containing this text.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
    },
    /// Empty the history. Uploads in the queue and the files sent stay as they are.
    Clear,
}

/// Runs a `hoist history` command.
pub(super) fn run(args: HistoryArgs) -> anyhow::Result<ExitCode> {
    let journal = open_journal()?;
    match args.command {
        Some(HistoryCommand::Export { file, search }) => {
            let entries = matching(&journal, search.as_deref(), None)?;
            export_history_csv(&entries, &file)
                .with_context(|| format!("could not save the history to {}", file.display()))?;
            println!(
                "Saved {} to {}.",
                hoist_core::units::count_words(
                    entries.len(),
                    "finished upload",
                    "finished uploads"
                ),
                file.display()
            );
        }
        Some(HistoryCommand::Clear) => {
            let removed = journal.clear_history()?;
            println!(
                "Removed {} from the history; the queue is unchanged.",
                hoist_core::units::count_words(removed, "entry", "entries")
            );
        }
        None => list(&journal, &args)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn open_journal() -> anyhow::Result<Journal> {
    let dirs = super::run::dirs()?;
    let opened = Journal::open(&dirs.journal_path())?;
    if let Some(corrupt) = &opened.recovered {
        let warning = EngineWarning::JournalSetAside {
            moved_to: corrupt.moved_to.clone(),
        };
        eprintln!("warning: {}", super::output::warning_words(&warning));
    }
    Ok(opened.journal)
}

/// The entries matching `search`, newest first, at most `limit`.
fn matching(
    journal: &Journal,
    search: Option<&str>,
    limit: Option<usize>,
) -> anyhow::Result<Vec<HistoryEntry>> {
    let search = search.unwrap_or("");
    Ok(journal
        .history(None)?
        .into_iter()
        .filter(|entry| entry.matches(search))
        .take(limit.unwrap_or(usize::MAX))
        .collect())
}

fn list(journal: &Journal, args: &HistoryArgs) -> anyhow::Result<()> {
    let entries = matching(journal, args.search.as_deref(), args.limit)?;
    if args.json {
        for entry in &entries {
            println!("{}", serde_json::to_string(entry)?);
        }
        return Ok(());
    }
    if entries.is_empty() {
        match &args.search {
            Some(search) => println!("No finished uploads match \"{search}\"."),
            None => println!(
                "No finished uploads yet. Uploads are listed here once they finish, \
                 and stay after they are cleared from the queue."
            ),
        }
        return Ok(());
    }
    println!(
        "{:<20} {:>10}  {:<12} {:<28} File",
        "Finished", "Size", "Time taken", "Destination"
    );
    for entry in &entries {
        println!("{}", line(entry));
    }
    Ok(())
}

/// One entry: date, size, time taken, destination and name, then its link on a line of its own.
fn line(entry: &HistoryEntry) -> String {
    let mut line = format!(
        "{:<20} {:>10}  {:<12} {:<28} {}",
        format_local_time(entry.finished_unix_secs),
        format_bytes(entry.size_bytes),
        if entry.time_taken_secs == 0 {
            "under 1 s".to_string()
        } else {
            format_eta(std::time::Duration::from_secs(entry.time_taken_secs))
        },
        entry.destination_words(),
        entry.file_name
    );
    if let Some(link) = &entry.link {
        line.push_str(&format!("\n{:<20} {link}", ""));
    }
    line
}
