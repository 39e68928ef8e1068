//! One Hoist per user session. The first window to start holds `instance.lock` and listens on a
//! Unix socket beside it (mode 0600, in `$XDG_RUNTIME_DIR/hoist`, or in Hoist's data folder under
//! `HOIST_HOME`); a later `hoist` or `hoist FILE...` hands its files over that socket and exits,
//! and the first window comes forward and queues them.
//!
//! The hand-off: the files' absolute paths, each followed by a NUL byte, then end of input; the
//! window answers `ok` once they are in its inbox.

use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hoist_core::store::HoistDirs;

/// How long a later launch waits for the first window to answer.
const ANSWER_WAIT: Duration = Duration::from_secs(30);
/// How long a later launch tries to reach a first window that is starting or dying.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
/// The most a hand-off may carry.
const MAX_HAND_OFF_BYTES: u64 = 4 << 20;

/// What a launch turned out to be.
pub(crate) enum Instance {
    /// The only window: it serves later launches.
    First(FirstInstance),
    /// Another window was running and took the files.
    HandedOff,
}

/// The running window's claim: the lock and the listening socket.
pub(crate) struct FirstInstance {
    _lock: std::fs::File,
    listener: UnixListener,
}

/// Where the lock and the socket live.
fn instance_dir(dirs: &HoistDirs) -> PathBuf {
    let home_set = std::env::var_os("HOIST_HOME").is_some_and(|h| !h.is_empty());
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty() && !home_set) {
        Some(runtime) => PathBuf::from(runtime).join("hoist"),
        None => dirs.data_dir.clone(),
    }
}

/// Becomes the running window, or hands `files` to the one already running. A window that is
/// starting or dying when asked is waited for (a few seconds), then asked again.
pub(crate) fn claim_or_hand_off(dirs: &HoistDirs, files: &[PathBuf]) -> anyhow::Result<Instance> {
    let dir = instance_dir(dirs);
    private_dir(&dir)?;
    let lock_path = dir.join("instance.lock");
    let socket = dir.join("instance.sock");
    let started = Instant::now();
    loop {
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .with_context(|| format!("could not open {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {
                // A socket file left by a window that was killed: nobody listens on it.
                let _ = std::fs::remove_file(&socket);
                let listener = UnixListener::bind(&socket)
                    .with_context(|| format!("could not listen on {}", socket.display()))?;
                set_private(&socket)?;
                return Ok(Instance::First(FirstInstance {
                    _lock: lock,
                    listener,
                }));
            }
            Err(std::fs::TryLockError::WouldBlock) => match hand_off(&socket, files) {
                Ok(()) => return Ok(Instance::HandedOff),
                Err(error) if started.elapsed() < CONNECT_WAIT => {
                    tracing::debug!(%error, "the running Hoist did not answer yet");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(error) => {
                    return Err(error.context(
                        "Hoist is already open but does not answer; close it and try again",
                    ));
                }
            },
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("could not lock {}", lock_path.display()));
            }
        }
    }
}

/// Sends `files` to the running window and waits for its `ok`.
fn hand_off(socket: &Path, files: &[PathBuf]) -> anyhow::Result<()> {
    let mut stream = UnixStream::connect(socket).context("could not reach the running Hoist")?;
    let mut message = Vec::new();
    for file in files {
        let file = std::path::absolute(file).unwrap_or_else(|_| file.clone());
        message.extend_from_slice(file.as_os_str().as_bytes());
        message.push(0);
    }
    stream.write_all(&message)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    stream.set_read_timeout(Some(ANSWER_WAIT))?;
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .context("the running Hoist did not confirm it took the files")?;
    anyhow::ensure!(
        answer.trim() == "ok",
        "the running Hoist did not take the files ({})",
        answer.trim()
    );
    Ok(())
}

impl FirstInstance {
    /// Serves later launches until the process ends: each hand-off goes to `inbox` (once), then
    /// `wake` asks the window to draw.
    #[allow(
        clippy::disallowed_methods,
        reason = "the single-instance listener's own thread, blocked in accept"
    )]
    pub(crate) fn serve(
        self,
        inbox: Sender<Vec<PathBuf>>,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> anyhow::Result<()> {
        std::thread::Builder::new()
            .name("hoist-instance".to_string())
            .spawn(move || {
                let _lock = self._lock;
                for stream in self.listener.incoming() {
                    match stream {
                        Ok(stream) => {
                            if let Err(error) = take(stream, &inbox, wake.as_ref()) {
                                tracing::warn!(%error, "a hand-off from another launch failed");
                            }
                        }
                        Err(error) => tracing::warn!(%error, "could not accept a hand-off"),
                    }
                }
            })
            .context("could not start the single-instance listener")?;
        Ok(())
    }
}

/// Reads one hand-off, passes its files on, and answers `ok`.
fn take(
    stream: UnixStream,
    inbox: &Sender<Vec<PathBuf>>,
    wake: &(dyn Fn() + Send + Sync),
) -> anyhow::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut bytes = Vec::new();
    (&stream).take(MAX_HAND_OFF_BYTES).read_to_end(&mut bytes)?;
    let files: Vec<PathBuf> = bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| PathBuf::from(std::ffi::OsStr::from_bytes(p)))
        .collect();
    tracing::info!(files = files.len(), "files handed over by another launch");
    inbox
        .send(files)
        .map_err(|_| anyhow::anyhow!("the window has closed"))?;
    wake();
    (&stream).write_all(b"ok\n")?;
    Ok(())
}

fn private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("could not create {}", dir.display()))
}

fn set_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("could not protect {}", path.display()))
}
