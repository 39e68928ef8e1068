use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Sends the technical log to `<log dir>/hoist.log` (level from `HOIST_LOG`, default `info`).
/// Nothing secret is ever logged: no tokens, no session URIs. Failing to open the log is not fatal.
pub fn init(log_dir: &Path) {
    let filter = EnvFilter::try_from_env("HOIST_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,hyper=warn,reqwest=warn,h2=warn"));
    let _ = std::fs::create_dir_all(log_dir);
    let path = log_dir.join("hoist.log");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let Ok(file) = options.open(&path) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}
