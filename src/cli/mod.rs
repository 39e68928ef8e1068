//! The command line: `hoist upload`, `resume`, `list`, `restart`, `cancel`, `remove`, `profile`,
//! `serve`, `signin`, `signout`, `support-bundle`, `watch`, `queue`, `history`.
//!
//! Secrets never come through arguments: tokens are read from an environment variable named on the
//! command line (`--token-env VAR`), or from a saved profile's store (`--profile NAME`).

mod args;
mod history;
mod jobs;
mod logging;
mod output;
mod profile;
mod queue;
mod remote;
mod run;
mod serve;
mod signin;
mod support_bundle;
mod watch;

use std::process::ExitCode;

use clap::Parser;

use args::Cli;

/// Runs the command line and returns the process exit code (0 only when everything asked for
/// completed).
pub(crate) fn main() -> ExitCode {
    let cli = Cli::parse();
    match run::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("hoist: {error:#}");
            ExitCode::from(2)
        }
    }
}
