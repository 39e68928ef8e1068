//! Hoist's engine: everything that uploads, resumes and remembers, with no window and no server.
//!
//! The modules, from the bottom up (a module only imports those above it in this list):
//!
//! - [`units`]: sizes and durations for people.
//! - [`upload`]: the plain data every other module talks in (ids, phases, destinations, results).
//! - [`file`]: reading the local file: its identity (to notice changes) and a bounded-memory stream.
//! - [`store`]: the on-disk journal (SQLite) and Hoist's directories.
//! - [`secrets`]: where secrets live: the system keyring, or an explicit 0600 file.
//! - [`protocol`]: one file per wire protocol, all behind [`protocol::Protocol`].
//! - [`auth`]: signing in with OAuth 2.0 (Google) and keeping the refresh tokens.
//! - [`profile`]: saved destinations (`profiles.toml`, through confy), without their secrets.
//! - [`engine`]: sessions, scheduling, retries and progress on a background tokio runtime.
//! - [`system`]: the computer around Hoist over the system D-Bus: keeping it awake while uploads
//!   send (logind), noticing it woke up (logind, or the clocks), metered connections
//!   (NetworkManager).
//! - [`watch`]: watch folders: new files in a folder are queued by themselves, once each.
//! - [`support`]: the support bundle: settings, journal and logs in one zip, secrets taken out.
//! - `fuzz` (tests and the `fuzzing` feature only): every parser behind one entry point for the
//!   fuzz targets in `fuzz/`.
//!
//! The window (`hoist-ui`) and the command line (the `hoist` binary) talk to the engine through
//! [`engine::Command`]s and [`engine::Event`]s. `ARCHITECTURE.md` at the top of the workspace is the
//! map.

pub mod auth;
pub mod engine;
pub mod file;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzz;
pub mod profile;
pub mod protocol;
pub mod secrets;
pub mod store;
pub mod support;
pub mod system;
#[cfg(test)]
pub(crate) mod test_support;
pub mod units;
pub mod upload;
pub mod watch;
