//! What a save, delete, sign-in, sign-out or connection test did, in words (run off the UI
//! thread).

use super::*;

/// What a finished save, delete or test says.
pub(super) struct Outcome {
    pub(super) ok: bool,
    pub(super) message: String,
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
        Ok(saved) => {
            let mut message = format!("Saved the profile \"{name}\".");
            match (&saved.kept_in, signs_in) {
                (Some(place), false) => {
                    message.push_str(&format!(" Its secret is kept in {place}."));
                }
                (Some(place), true) => {
                    message.push_str(&format!(" Its OAuth client secret is kept in {place}."));
                }
                (None, false) => message.push_str(" It has no secret."),
                (None, true) => {}
            }
            if signs_in {
                message.push_str(" Press \"Sign in with Google\" in its row to sign in.");
            }
            if let Some(warning) = &saved.warning {
                message.push_str(&format!("\nWarning: {warning}"));
            }
            if let Some(leftover) = &saved.leftover {
                message.push_str(&format!(
                    "\nAn old secret it no longer uses could not be deleted: {leftover}"
                ));
            }
            Outcome {
                ok: saved.warning.is_none() && saved.leftover.is_none(),
                message,
                reload: true,
                close_editor: true,
            }
        }
        Err(error) => Outcome {
            ok: false,
            message: format!("The profile was not saved: {error}"),
            reload: false,
            close_editor: false,
        },
    }
}

pub(super) fn deleted(dirs: &HoistDirs, name: &str) -> Outcome {
    match manage::remove(dirs, name) {
        Ok(removed) => {
            let mut message = format!("Deleted the profile \"{name}\".");
            if let Some(location) = removed.secret_deleted_from {
                message.push_str(&format!(
                    " Its secret was deleted from {}.",
                    manage::place(dirs, location)
                ));
            }
            if let Some((location, error)) = &removed.secret_error {
                message.push_str(&format!(
                    " Its secret could not be deleted from {}: {error}",
                    manage::place(dirs, *location)
                ));
            }
            if removed.sign_in_forgotten {
                message.push_str(" Its Google sign-in was forgotten on this computer.");
            }
            Outcome {
                ok: removed.secret_error.is_none(),
                message,
                reload: true,
                close_editor: false,
            }
        }
        Err(error) => Outcome {
            ok: false,
            message: format!("The profile was not deleted: {error}"),
            reload: true,
            close_editor: false,
        },
    }
}

/// Runs the Google sign-in of the profile `name` (blocking, off the UI thread).
pub(super) fn signed_in(
    jobs: &tokio::runtime::Handle,
    dirs: &HoistDirs,
    name: &str,
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
    let (ok, message) = match result {
        Ok(account) => (
            true,
            format!("Signed in to Google for \"{name}\" (saved as '{account}')."),
        ),
        Err(ProfileError::SignIn(hoist_core::auth::AuthError::Cancelled)) => {
            (true, format!("Signing in for \"{name}\" was cancelled."))
        }
        Err(error) => {
            tracing::warn!("sign-in for profile {name} failed: {error:?}");
            (false, format!("Signing in for \"{name}\" failed: {error}"))
        }
    };
    Outcome {
        ok,
        message,
        reload: false,
        close_editor: false,
    }
}

/// Revokes and forgets the profile's Google sign-in (blocking, off the UI thread).
pub(super) fn signed_out(jobs: &tokio::runtime::Handle, dirs: &HoistDirs, name: &str) -> Outcome {
    let (ok, message) = match manage::sign_out(jobs, dirs, name) {
        Ok(true) => (true, format!("Signed out of Google for \"{name}\".")),
        Ok(false) => (true, format!("\"{name}\" was not signed in to Google.")),
        Err(error) => (false, format!("Signing out for \"{name}\" failed: {error}")),
    };
    Outcome {
        ok,
        message,
        reload: false,
        close_editor: false,
    }
}

pub(super) fn tested(jobs: &tokio::runtime::Handle, dirs: &HoistDirs, name: &str) -> Outcome {
    let (ok, message) = match manage::test_connection(jobs, dirs, name) {
        Ok(report) if report.ok => (true, format!("OK: {}", report.message)),
        Ok(report) => (false, format!("Failed: {}", report.message)),
        Err(error) => (false, format!("Failed: {error}")),
    };
    Outcome {
        ok,
        message,
        reload: false,
        close_editor: false,
    }
}
