//! Hoist: a resumable upload manager for big media files.
//!
//! The crate is split into rooms that do not know about each other's insides:
//!
//! - [`upload`]: the plain data every other module talks in (ids, phases, destinations, results).
//! - [`file`]: reading the local file: its identity (to notice changes) and a bounded-memory stream.
//! - [`protocol`]: one file per wire protocol, all behind [`protocol::Protocol`].
//! - [`auth`]: signing in with OAuth 2.0 (Google) and keeping the refresh tokens.
//! - [`engine`]: sessions, scheduling, retries and progress on a background tokio runtime.
//! - [`store`]: the on-disk journal (SQLite) and Hoist's directories.
//! - [`profile`]: saved destinations (`profiles.toml`, through confy), without their secrets.
//! - [`secrets`]: where secrets live: the system keyring, or an explicit 0600 file.
//! - [`server`]: the reference server (`hoist serve`) with fault injection, for tests and the demo.
//! - [`cli`]: the command line.
//! - [`ui`]: the desktop window (the only module that uses egui).
//!
//! Only [`ui`] imports the GUI toolkit; it talks to the engine through commands and events.

pub mod auth;
pub mod cli;
pub mod engine;
pub mod file;
pub mod profile;
pub mod protocol;
pub mod secrets;
pub mod server;
pub mod store;
pub mod ui;
pub mod units;
pub mod upload;
