//! `hoist support-bundle FILE.zip`: the zip to attach to a bug report, secrets taken out.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use hoist_core::store::HoistDirs;
use hoist_core::support::{MARKER, write_support_bundle};
use hoist_core::units::format_bytes;

/// Writes the bundle and says where it is and what was taken out.
pub(super) fn run(dirs: &HoistDirs, file: &Path) -> anyhow::Result<ExitCode> {
    let report = write_support_bundle(dirs, file)
        .with_context(|| format!("could not save the support bundle to {}", file.display()))?;
    println!(
        "Saved a support bundle to {} ({}, {} files: {}).",
        report.path.display(),
        format_bytes(report.size_bytes),
        report.entries.len(),
        report.entries.join(", ")
    );
    println!(
        "Secrets, tokens, API keys and upload links in it are replaced by {MARKER}; \
         you can look inside before you send it."
    );
    Ok(ExitCode::SUCCESS)
}
