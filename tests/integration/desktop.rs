//! A private X display (Xvfb) for tests that open the real window, and the demo's folders and
//! server as a test sees them from outside the `hoist --demo` process.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::support::Home;

static NEXT_DISPLAY: AtomicU32 = AtomicU32::new(0);

/// An Xvfb server on a display number of its own, stopped on drop.
pub struct XDisplay {
    child: Child,
    name: String,
}

impl XDisplay {
    /// Starts Xvfb (installed by `.ci/run`) and waits until it accepts clients.
    pub fn start() -> XDisplay {
        let base = 400 + (std::process::id() % 200) * 8;
        for _ in 0..20 {
            let number = base + NEXT_DISPLAY.fetch_add(1, Ordering::Relaxed);
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{number}"));
            // A lock whose process is gone (an X server killed without its clean-up) does not
            // hold the number: Xvfb replaces a stale lock and socket itself.
            if display_in_use(number) {
                continue;
            }
            // A stale socket would look ready before this server listens.
            let _ = std::fs::remove_file(&socket);
            let mut child = Command::new("Xvfb")
                .arg(format!(":{number}"))
                .args(["-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb runs (install it with `bash .ci/run` or apt-get install xvfb)");
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(10) {
                if socket.exists() {
                    return XDisplay {
                        child,
                        name: format!(":{number}"),
                    };
                }
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("no X display could be started");
    }

    /// The display's name (`:N`), for X clients of the tests.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `hoist ARGS` in this display with `home`, its output kept in `log`.
    pub fn hoist(&self, home: &Home, args: &[&str], log: &Path) -> Command {
        let mut cmd = home.hoist();
        let log_file = std::fs::File::create(log).expect("log file");
        cmd.env("DISPLAY", &self.name)
            .env_remove("WAYLAND_DISPLAY")
            .env("LIBGL_ALWAYS_SOFTWARE", "1")
            .args(args)
            .stdout(log_file.try_clone().expect("log"))
            .stderr(log_file);
        cmd
    }
}

impl Drop for XDisplay {
    /// SIGTERM first, so Xvfb removes its lock and socket (SIGKILL would leave them behind for
    /// later runs to step around); SIGKILL if it has not gone within two seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(2) {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether X display `number` belongs to a running X server: its lock file names a live process.
fn display_in_use(number: u32) -> bool {
    let Ok(lock) = std::fs::read_to_string(format!("/tmp/.X{number}-lock")) else {
        return false;
    };
    match lock.trim().parse::<u32>() {
        Ok(pid) => Path::new(&format!("/proc/{pid}")).exists(),
        Err(_) => true, // unreadable: leave it to whoever wrote it
    }
}

/// The persistent demo of a test home: `HOIST_HOME/data/demo`.
pub struct DemoDirs {
    pub root: PathBuf,
}

impl DemoDirs {
    pub fn of(home: &Home) -> DemoDirs {
        DemoDirs {
            root: home.dir.path().join("data").join("demo"),
        }
    }

    /// What the demo server stored under `name`.
    pub fn stored(&self, name: &str) -> PathBuf {
        self.root.join("server").join(name)
    }

    /// `hoist list --json` over the demo's own journal, parsed.
    pub fn list(&self) -> Vec<serde_json::Value> {
        crate::support::list_in(&self.root.join("home"))
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `GET /_hoist/stats` of a reference server on 127.0.0.1:`port`, parsed.
pub fn server_stats(port: u16) -> serde_json::Value {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"GET /_hoist/stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .expect("a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("stats json ({e}): {response}"))
}
