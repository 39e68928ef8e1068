//! `hoist list --remote`: the unfinished upload sessions a multipart service keeps.

use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::args::Kind;
use hoist_core::protocol::http_client;
use hoist_core::protocol::multipart::{MULTIPART_BASE_URL, RemoteSession, list_incomplete};
use hoist_core::units::format_bytes;

/// Lists the service's unfinished sessions, in plain words or one JSON object per line. Prints
/// no secret: the API key is read from the variable named by `token_env` and only sent.
pub(crate) fn list_remote(
    json: bool,
    kind: Option<Kind>,
    endpoint: Option<String>,
    token_env: Option<String>,
) -> anyhow::Result<ExitCode> {
    match kind {
        None | Some(Kind::Multipart) => {}
        Some(other) => bail!(
            "only multipart services keep a list of unfinished uploads; --kind {} has none",
            clap::ValueEnum::to_possible_value(&other)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        ),
    }
    let base_url = endpoint.unwrap_or_else(|| MULTIPART_BASE_URL.to_string());
    let key = match &token_env {
        Some(var) => Some(
            std::env::var(var)
                .ok()
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .with_context(|| {
                    format!(
                        "the environment variable {var} that should hold the API key is not set"
                    )
                })?,
        ),
        None => None,
    };
    let runtime = super::jobs::job_runtime()?;
    let sessions = runtime.block_on(async {
        let http = http_client()?;
        list_incomplete(&http, &base_url, key.as_deref()).await
    });
    let sessions =
        sessions.map_err(|e| anyhow::anyhow!("could not list the unfinished uploads: {e}"))?;
    if json {
        for session in &sessions {
            println!("{}", serde_json::to_string(session)?);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if sessions.is_empty() {
        println!("The service has no unfinished upload sessions.");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "The service has {} unfinished upload session{}:",
        sessions.len(),
        if sessions.len() == 1 { "" } else { "s" }
    );
    for session in &sessions {
        println!("{}", describe(session));
    }
    Ok(ExitCode::SUCCESS)
}

/// One session in plain words.
fn describe(session: &RemoteSession) -> String {
    let mut line = format!(
        "  {}: {}, {} in {} chunk{} of {}",
        session.upload_id,
        session.status,
        format_bytes(session.total_size),
        session.total_chunks,
        if session.total_chunks == 1 { "" } else { "s" },
        format_bytes(session.chunk_size),
    );
    if let Some(created) = &session.created_at {
        line.push_str(&format!(", started {created}"));
    }
    if let Some(expires) = &session.expires_at {
        line.push_str(&format!(", expires {expires}"));
    }
    line
}
