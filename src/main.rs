//! The `hoist` program: the command line, the window (eframe around `hoist-ui`), `hoist serve`
//! and the demo wiring. The engine lives in `hoist-core`, the reference server in
//! `hoist-refserver`; `ARCHITECTURE.md` is the map.

mod cli;
mod demo;
#[cfg(unix)]
mod instance;
mod session;
#[cfg(unix)]
mod signals;
mod window;
#[cfg(target_os = "linux")]
mod window_libs;

fn main() -> std::process::ExitCode {
    cli::main()
}
