//! Saved destinations ("profiles"): a name, a kind of service, its endpoint and non-secret
//! options, and a reference to where its secret is kept.
//!
//! Profiles live in `profiles.toml` in Hoist's config folder, read and written through confy.
//! Loading is tolerant (missing fields take their defaults, unknown ones are ignored) but never
//! silent: a file that does not parse is reported with its line and column and left untouched.
//! Secrets are never in this file; see [`crate::secrets`].

mod address;
mod definition;
mod error;
mod kind;
pub mod manage;
mod sign_in;
mod store;

pub use address::{AddressProblem, check_address};
pub use definition::{Profile, slug_for, validate_name};
pub use error::ProfileError;
pub use kind::ProfileKind;
pub use sign_in::GoogleSignIn;
pub use store::{PROFILES_FILE, ProfileFile, ProfileStore};
