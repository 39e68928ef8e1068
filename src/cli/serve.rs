//! `hoist serve`: runs the reference server until Ctrl-C or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context as _, bail};

use hoist_refserver::{FaultConfig, ServerConfig, TlsFiles};

/// Arguments of `hoist serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Folder for uploads and sessions [default: ./hoist-server].
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Faults to inject (`--fault SPEC`, repeatable); the syntax is in
    /// [`hoist_refserver::VALID_FAULT_SPECS`].
    #[arg(
        long = "fault",
        value_name = "SPEC",
        help = "A fault to inject (repeatable), e.g. drop-rate=0.1 or throttle=5MiB; an unknown spec lists every valid one"
    )]
    pub faults: Vec<String>,
    /// Name of an environment variable holding the bearer token every upload must carry.
    #[arg(long, value_name = "VAR")]
    pub token_env: Option<String>,
    /// Allow listening on an address other clients can reach (the server is for tests).
    #[arg(long)]
    pub allow_remote: bool,
    /// Speak HTTPS with this certificate chain (PEM, leaf first); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// Starts the server, prints where it listens, and serves until Ctrl-C or SIGTERM.
///
/// The first line of standard output is exactly `Hoist reference server listening on <base URL>`.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    if !args.addr.ip().is_loopback() && !args.allow_remote {
        bail!(
            "refusing to listen on {}: the reference server is for this machine only \
             (use a 127.0.0.1 address, or add --allow-remote)",
            args.addr
        );
    }
    let faults = FaultConfig::from_specs(&args.faults)?;
    let required_token = match &args.token_env {
        None => None,
        Some(var) => {
            let token = std::env::var(var)
                .with_context(|| format!("the token variable {var} is not set"))?;
            if token.trim().is_empty() {
                bail!("the token variable {var} is empty");
            }
            Some(token.trim().to_string())
        }
    };
    let dir = match args.dir {
        Some(dir) => dir,
        None => std::env::current_dir()
            .context("could not read the current folder")?
            .join("hoist-server"),
    };
    let tls = match (args.tls_cert, args.tls_key) {
        (Some(cert_chain_path), Some(key_path)) => Some(TlsFiles {
            cert_chain_path,
            key_path,
        }),
        _ => None,
    };
    let fault_line = (!faults.is_empty()).then(|| faults.to_string());
    let running = hoist_refserver::start(ServerConfig {
        addr: args.addr,
        dir: dir.clone(),
        faults,
        required_token,
        tls,
    })
    .await?;

    {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "Hoist reference server listening on {}",
            running.base_url()
        )?;
        writeln!(out, "storing uploads in {}", dir.display())?;
        if let Some(faults) = fault_line {
            writeln!(out, "injecting faults: {faults}")?;
        }
        out.flush()?;
    }

    wait_for_stop().await?;
    running.shutdown().await;
    Ok(())
}

/// Waits for Ctrl-C, or SIGTERM on Unix.
async fn wait_for_stop() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate()).context("could not watch SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("could not watch Ctrl-C")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("could not watch Ctrl-C")?;
    Ok(())
}
