//! The profile window's messages in plain words: what a save or a connection test found, as
//! people can act on it. Technical detail (paths, keyring errors, HTTP answers) goes to the log.

use egui::{Color32, Ui};
use hoist_core::profile::{AddressProblem, Profile, ProfileError};
use hoist_core::protocol::probe::{ProbeKind, ProbeReport};
use hoist_core::secrets::SecretError;

use super::service::ServiceChoice;

/// How a message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// It worked: green.
    Success,
    /// It worked, but something deserves a look: amber.
    Warning,
    /// It did not work: red.
    Error,
    /// Something is under way: the usual text colour.
    Info,
}

/// A message in the window: one line, and optionally an explanation behind "Learn more".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// How it looks.
    pub tone: Tone,
    /// The line.
    pub text: String,
    /// A longer explanation, shown on "Learn more".
    pub learn_more: Option<&'static str>,
}

impl Status {
    /// A message of `tone`.
    pub fn new(tone: Tone, text: impl Into<String>) -> Status {
        Status {
            tone,
            text: text.into(),
            learn_more: None,
        }
    }

    /// Whether it reports success (green or amber).
    pub fn ok(&self) -> bool {
        matches!(self.tone, Tone::Success | Tone::Warning)
    }
}

/// The colour of `tone` on the current theme (each at least 4.5:1 on the panel colour).
pub fn tone_color(ui: &Ui, tone: Tone) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match (tone, dark) {
        (Tone::Success, true) => Color32::from_rgb(0x6C, 0xD0, 0x86),
        (Tone::Success, false) => Color32::from_rgb(0x1B, 0x6E, 0x34),
        (Tone::Warning, true) => Color32::from_rgb(0xF2, 0xB8, 0x4B),
        (Tone::Warning, false) => Color32::from_rgb(0x8A, 0x5A, 0x00),
        (Tone::Error, _) => ui.visuals().error_fg_color,
        (Tone::Info, _) => ui.visuals().text_color(),
    }
}

/// What "Learn more" says when no keyring was available.
pub const NO_KEYRING_EXPLAINED: &str = "Hoist keeps API keys and tokens in your computer's \
    password keyring (such as GNOME Keyring or KWallet) when it has one. None is running on this \
    computer, so Hoist kept the key in a file in its own folder that only your user account can \
    open. Anyone who can sign in as you could read it. To use a keyring instead, install or \
    unlock one and save the account again.";

/// The one line shown when a key went to Hoist's private file for lack of a keyring.
pub const NO_KEYRING_LINE: &str = "Saved. No password keyring is available, so the key is kept in a private file on this computer.";

/// What a save that worked says.
pub fn saved_words(saved: &hoist_core::profile::manage::Saved, signs_in: bool) -> Status {
    if let Some(no_keyring) = &saved.no_keyring {
        tracing::warn!(
            "no keyring ({}); the secret went to {}",
            no_keyring.reason,
            no_keyring.file.display()
        );
        return Status {
            tone: Tone::Warning,
            text: NO_KEYRING_LINE.to_string(),
            learn_more: Some(NO_KEYRING_EXPLAINED),
        };
    }
    if let Some(leftover) = &saved.leftover {
        tracing::warn!("an old secret of a saved profile could not be deleted: {leftover}");
        return Status::new(
            Tone::Warning,
            "Saved, but the old key could not be removed (details are in the log).",
        );
    }
    if let Some(place) = &saved.kept_in {
        tracing::info!("profile saved; its secret is kept in {place}");
    }
    Status::new(
        Tone::Success,
        if signs_in {
            "Saved. Press \"Sign in with Google\" in its row to sign in."
        } else {
            "Saved"
        },
    )
}

/// What a save that failed says (the detail goes to the log).
pub fn save_failed_words(error: &ProfileError) -> Status {
    tracing::warn!("the profile was not saved: {error}");
    let text = match error {
        ProfileError::Exists { .. } => {
            "Not saved: you already have an account with this name. Choose another name."
                .to_string()
        }
        ProfileError::BadAddress { problem, .. } => {
            format!("Not saved. {}.", address_words(problem))
        }
        ProfileError::Broken { line, .. } => format!(
            "Not saved: Hoist's list of accounts is damaged at line {line}. Details are in the log."
        ),
        ProfileError::Secret(SecretError::Keyring { .. }) => {
            "Not saved: the password keyring refused the key. Unlock it in your passwords app and try again."
                .to_string()
        }
        ProfileError::Secret(_) => {
            "Not saved: the key could not be stored on this computer. Details are in the log."
                .to_string()
        }
        ProfileError::Incomplete { .. } => {
            "Not saved: something this service needs is missing. Details are in the log."
                .to_string()
        }
        _ => "Not saved. Details are in the log.".to_string(),
    };
    Status::new(Tone::Error, text)
}

/// What is wrong with an address, and what to do (a sentence without its full stop).
pub fn address_words(problem: &AddressProblem) -> String {
    match problem {
        AddressProblem::NotAUrl { .. } => {
            "The upload address should look like https://upload.example.com/files/".to_string()
        }
        AddressProblem::PlainHttp { host } => format!(
            "The address of {host} must start with https:// (plain http:// only works for this computer)"
        ),
        AddressProblem::UnsupportedScheme { .. } => {
            "The upload address must start with https://".to_string()
        }
    }
}

/// What a connection test of `profile` found, naming the host and the likely fix.
pub fn probe_words(report: &ProbeReport, profile: &Profile) -> Status {
    tracing::info!("connection test: {:?}: {}", report.kind, report.detail);
    let service = ServiceChoice::from_kind(profile.kind);
    let name = service.name();
    let host = report.host.clone().unwrap_or_else(|| name.to_string());
    let key = secret_words(profile);
    let (tone, text) = match report.kind {
        ProbeKind::Works => (
            Tone::Success,
            format!("Connected: {host} accepted the {key}."),
        ),
        ProbeKind::Answers => (
            Tone::Success,
            format!("{host} answers. The {key} is checked when the first upload starts."),
        ),
        ProbeKind::Unreachable => (
            Tone::Error,
            format!("Couldn't reach {host} — check the address and your internet connection."),
        ),
        ProbeKind::TimedOut => (
            Tone::Error,
            format!("{host} didn't answer in time — check your internet connection and try again."),
        ),
        ProbeKind::Certificate => (
            Tone::Error,
            format!(
                "{host}'s security certificate isn't trusted — check the address; on a work network, ask your IT team."
            ),
        ),
        ProbeKind::Refused => (
            Tone::Error,
            match service {
                ServiceChoice::Tus | ServiceChoice::GoogleStyle => {
                    format!("{host} refused the {key} — {}.", service.refused_fix())
                }
                _ => format!("{name} refused the {key} — {}.", service.refused_fix()),
            },
        ),
        ProbeKind::NoPermission => (
            Tone::Error,
            format!(
                "{name} accepted the {key} but won't let it upload — sign in again and allow uploading."
            ),
        ),
        ProbeKind::NotFound => (
            Tone::Error,
            match (&profile.bucket, service) {
                (Some(bucket), ServiceChoice::CloudStorage) => format!(
                    "{name} has no bucket called {bucket} — check its name in the Google Cloud console."
                ),
                _ => {
                    format!("Nothing answers at this address on {host} — check the upload address.")
                }
            },
        ),
        ProbeKind::MissingSecret if profile.google_sign_in.is_some() => (
            Tone::Error,
            "Not signed in to Google yet — press \"Sign in with Google\" in its row.".to_string(),
        ),
        ProbeKind::MissingSecret => (
            Tone::Error,
            format!("No {key} is saved for this account — press Edit and paste it."),
        ),
        ProbeKind::BadAddress => (
            Tone::Error,
            format!(
                "The address for {host} can't be used — start it with https:// (plain http:// only works for this computer)."
            ),
        ),
        ProbeKind::WrongServer => (
            Tone::Error,
            format!("{host} answered, but it isn't a {name} server — check the address."),
        ),
        ProbeKind::ServerError => (
            Tone::Error,
            format!("{host} had a problem answering — try again later."),
        ),
    };
    Status::new(tone, text)
}

/// What the profile's secret is called, in the service's own terms.
pub fn secret_words(profile: &Profile) -> &'static str {
    if profile.google_sign_in.is_some() {
        return "Google sign-in";
    }
    match ServiceChoice::from_kind(profile.kind) {
        ServiceChoice::ApiVideo if profile.upload_token => "upload token",
        ServiceChoice::ApiVideo | ServiceChoice::TwelveLabs => "API key",
        _ => "access token",
    }
}
