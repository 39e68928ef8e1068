//! `hoist queue move ID --top|--up|--down|--bottom`: the queue's order from the command line.
//!
//! The move is written to the journal in one transaction; there is no other channel to a running
//! Hoist. One that is running (the window, a `hoist upload`) sees the journal change through file
//! notifications and follows the move at once: its next upload to start is the new top one and
//! its window shows the new order (see `hoist_core::engine`'s scheduler, `journal_changes.rs`).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use hoist_core::store::{Journal, QueueMove, StoreError};
use hoist_core::upload::UploadId;

/// `hoist queue ...`.
#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Move an upload in the queue. Waiting uploads start from the top; a running upload is
    /// never stopped by a move. `hoist list` shows the order.
    Move {
        /// The upload (see `hoist list`).
        id: UploadId,
        /// Where it goes.
        #[command(flatten)]
        place: Place,
    },
}

/// Where `hoist queue move` puts the upload: exactly one of these.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Place {
    /// To the top of the queue (it starts next).
    #[arg(long)]
    top: bool,
    /// One place up.
    #[arg(long)]
    up: bool,
    /// One place down.
    #[arg(long)]
    down: bool,
    /// To the bottom of the queue.
    #[arg(long)]
    bottom: bool,
}

impl Place {
    fn to_move(&self) -> QueueMove {
        if self.top {
            QueueMove::Top
        } else if self.up {
            QueueMove::Up
        } else if self.down {
            QueueMove::Down
        } else {
            QueueMove::Bottom
        }
    }
}

/// Runs a `hoist queue` command.
pub(crate) fn run(command: QueueCommand) -> anyhow::Result<ExitCode> {
    let QueueCommand::Move { id, place } = command;
    let dirs = super::run::dirs()?;
    let journal = Journal::open(&dirs.journal_path())?.journal;
    let order = match journal.move_in_queue(id, place.to_move()) {
        Ok(order) => order,
        Err(StoreError::NotFound(_)) => {
            anyhow::bail!("there is no upload {id} (see hoist list)")
        }
        Err(e) => return Err(e).context("could not move the upload"),
    };
    let name = journal
        .get(id)
        .map(|r| r.file.file_name())
        .unwrap_or_else(|_| id.to_string());
    let place = order.iter().position(|o| *o == id).map_or(0, |i| i + 1);
    println!(
        "{id} {name} is now number {place} of {} in the queue.",
        order.len()
    );
    Ok(ExitCode::SUCCESS)
}
