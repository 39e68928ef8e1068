//! What a save, delete, sign-in, sign-out or connection test did, in words (run off the UI
//! thread).

use super::*;

/// What a finished save, delete or test says.
pub(super) struct Outcome {
    pub(super) status: Status,
    /// The list changed on disk: read it again.
    pub(super) reload: bool,
    /// Close the editor (the save worked).
    pub(super) close_editor: bool,
}

pub(super) fn saved(
    dirs: &HoistDirs,
    name: &str,
    profile: Profile,
    secret: SecretUpdate,
    replace: bool,
) -> Outcome {
    let signs_in = profile.google_sign_in.is_some();
    match manage::save(dirs, name, profile, secret, replace) {
        Ok(saved) => Outcome {
            status: saved_words(&saved, signs_in),
            reload: true,
            close_editor: true,
        },
        Err(error) => Outcome {
            status: save_failed_words(&error),
            reload: false,
            close_editor: false,
        },
    }
}

pub(super) fn deleted(dirs: &HoistDirs, name: &str, label: &str) -> Outcome {
    match manage::remove(dirs, name) {
        Ok(removed) => {
            if let Some(location) = removed.secret_deleted_from {
                tracing::info!(
                    "profile {name} deleted with its secret from {}",
                    manage::place(dirs, location)
                );
            }
            let status = match &removed.secret_error {
                Some((location, error)) => {
                    tracing::warn!(
                        "profile {name} deleted, but its secret could not be deleted from {}: {error}",
                        manage::place(dirs, *location)
                    );
                    Status::new(
                        Tone::Warning,
                        format!(
                            "Deleted \"{label}\", but its key could not be removed (details are in the log)."
                        ),
                    )
                }
                None if removed.sign_in_forgotten => Status::new(
                    Tone::Success,
                    format!("Deleted \"{label}\" and forgot its Google sign-in."),
                ),
                None => Status::new(Tone::Success, format!("Deleted \"{label}\".")),
            };
            Outcome {
                status,
                reload: true,
                close_editor: false,
            }
        }
        Err(error) => {
            tracing::warn!("profile {name} was not deleted: {error}");
            Outcome {
                status: Status::new(
                    Tone::Error,
                    format!("\"{label}\" was not deleted. Details are in the log."),
                ),
                reload: true,
                close_editor: false,
            }
        }
    }
}

/// Runs the Google sign-in of the profile `name` (blocking, off the UI thread).
pub(super) fn signed_in(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
    label: &str,
    opener: &BrowserOpener,
    pending: &PendingSignIn,
    waker: &egui::Context,
) -> Outcome {
    let cancel = pending.cancel_switch();
    let result = manage::sign_in(
        jobs,
        dirs,
        name,
        |url| {
            let opened = opener(url);
            pending.set(ConsentPage {
                url: url.to_string(),
                opened,
            });
            waker.request_repaint();
        },
        hoist_core::auth::DEFAULT_SIGN_IN_TIMEOUT,
        Some(cancel),
    );
    pending.clear();
    let status = match result {
        Ok(account) => {
            tracing::info!("profile {name} signed in to Google as account {account}");
            Status::new(
                Tone::Success,
                format!("Signed in to Google for \"{label}\"."),
            )
        }
        Err(ProfileError::SignIn(hoist_core::auth::AuthError::Cancelled)) => Status::new(
            Tone::Info,
            format!("Signing in for \"{label}\" was cancelled."),
        ),
        Err(error) => {
            tracing::warn!("sign-in for profile {name} failed: {error:?}");
            Status::new(
                Tone::Error,
                format!(
                    "Signing in to Google for \"{label}\" didn't finish — try again. Details are in the log."
                ),
            )
        }
    };
    Outcome {
        status,
        reload: false,
        close_editor: false,
    }
}

/// Revokes and forgets the profile's Google sign-in (blocking, off the UI thread).
pub(super) fn signed_out(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
    label: &str,
) -> Outcome {
    let status = match manage::sign_out(jobs, dirs, name) {
        Ok(true) => Status::new(
            Tone::Success,
            format!("Signed out of Google for \"{label}\"."),
        ),
        Ok(false) => Status::new(
            Tone::Info,
            format!("\"{label}\" was not signed in to Google."),
        ),
        Err(error) => {
            tracing::warn!("sign-out for profile {name} failed: {error}");
            Status::new(
                Tone::Error,
                format!("Signing out for \"{label}\" didn't work. Details are in the log."),
            )
        }
    };
    Outcome {
        status,
        reload: false,
        close_editor: false,
    }
}

pub(super) fn tested(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
    profile: &Profile,
) -> Outcome {
    let status = match manage::test_connection(jobs, dirs, name) {
        Ok(report) => probe_words(&report, profile),
        Err(error) => {
            tracing::warn!("the connection test of profile {name} could not run: {error}");
            Status::new(
                Tone::Error,
                "The test couldn't start: this account's settings are incomplete. Press Edit to check them.",
            )
        }
    };
    Outcome {
        status,
        reload: false,
        close_editor: false,
    }
}
