//! The support bundle: what a user attaches to a bug report. Versions, settings, profiles, the
//! journal and recent logs in one zip, with every secret, token, API key, session URI and
//! presigned URL replaced by a marker. `hoist support-bundle FILE.zip` and the window's Help
//! menu both write it through [`write_support_bundle`].

mod bundle;
mod redact;

pub use bundle::{BundleReport, SupportError, write_support_bundle};
pub use redact::{MARKER, Redactor};
