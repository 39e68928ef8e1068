//! Why an upload failed, in the window's words: made here once from the engine's
//! [`FailureKind`]. The failure's technical detail goes to the log, never into the window.

use hoist_core::units::sentence;
use hoist_core::upload::{Failure, FailureKind};

/// A few words for a row's state ("Failed: no connection"); `None` when only the text an older
/// Hoist saved is known.
pub fn failure_headline(kind: FailureKind) -> Option<&'static str> {
    Some(match kind {
        FailureKind::TokenRefused => "sign-in refused",
        FailureKind::SignInNeeded => "sign-in needed",
        FailureKind::AccessDenied => "not allowed",
        FailureKind::NotFound => "destination not found",
        FailureKind::SessionExpired => "the server forgot the upload",
        FailureKind::ServerRejected => "the server refused it",
        FailureKind::Network => "no connection",
        FailureKind::Certificate => "server not trusted",
        FailureKind::UnsafeAddress => "stopped to stay safe",
        FailureKind::ProtocolViolation => "the server misbehaved",
        FailureKind::ChecksumMismatch => "the copy differs",
        FailureKind::ProcessingFailed => "the service could not process it",
        FailureKind::InvalidDestination => "destination settings are wrong",
        FailureKind::OverLimit => "not accepted by the service",
        FailureKind::StateDamaged => "saved progress unreadable",
        FailureKind::FileMissing => "file not found",
        FailureKind::FileUnreadable => "file cannot be read",
        FailureKind::FileChanged => "file changed",
        FailureKind::DiskFull => "disk full",
        FailureKind::JournalUnusable => "Hoist could not save its list",
        FailureKind::StoreLocked => "busy in another Hoist",
        FailureKind::Internal => "something went wrong in Hoist",
        FailureKind::Other => return None,
    })
}

/// What happened and what to do, in a sentence or two (a row's tooltip, a notification).
pub fn failure_advice(failure: &Failure) -> String {
    let text = match failure.kind {
        FailureKind::TokenRefused => {
            "The server did not accept the sign-in or key. Sign in again or enter a new key in the profile, then retry."
        }
        FailureKind::SignInNeeded => {
            "Hoist has no sign-in for this destination. Sign in, or add the key in the profile, then retry."
        }
        FailureKind::AccessDenied => {
            "The account is not allowed to upload there. Check what the account may do, then retry."
        }
        FailureKind::NotFound => {
            "The server does not know the place this file should go. Check the profile's settings, then retry."
        }
        FailureKind::SessionExpired => {
            "The server forgot this upload. Restart it to send the file again."
        }
        FailureKind::ServerRejected => {
            "The server refused the upload. Try again later; the log has the server's answer."
        }
        FailureKind::Network => {
            "Hoist could not keep a connection to the server. Check your internet connection, then retry."
        }
        FailureKind::Certificate => {
            "The server's identity could not be confirmed, so nothing was sent. If your network uses its own certificates, ask whoever runs it."
        }
        FailureKind::UnsafeAddress => {
            "The server tried to send the file somewhere Hoist does not trust, so Hoist stopped to keep your file and sign-in private."
        }
        FailureKind::ProtocolViolation => {
            "The server answered in a way Hoist could not trust, so the upload stopped. Retry later; the log has the details."
        }
        FailureKind::ChecksumMismatch => {
            "The copy on the server is not the same as your file, so it was not counted as done. Restart the upload."
        }
        FailureKind::ProcessingFailed => {
            "The service received the file but could not process it, for example a video it cannot play."
        }
        FailureKind::InvalidDestination => {
            "A setting of this destination is not valid. Fix the profile, then add the file again."
        }
        FailureKind::OverLimit => {
            "The file is outside what the service accepts, for example in size."
        }
        FailureKind::StateDamaged => {
            "Hoist could not read what it had saved about this upload. Restart the upload."
        }
        FailureKind::FileMissing => {
            "The file is no longer there. Put it back, or plug its disk in, then retry."
        }
        FailureKind::FileUnreadable => {
            "Hoist could not read the file. Check that you may open it, then retry."
        }
        FailureKind::FileChanged => {
            "The file changed since the upload started. Restart the upload to send the new version."
        }
        FailureKind::DiskFull => {
            "The disk where Hoist keeps its list of uploads is full. Free some space, then retry."
        }
        FailureKind::JournalUnusable => {
            "Hoist could not use its list of uploads. Retry; the log has the details."
        }
        FailureKind::StoreLocked => {
            "Another Hoist is already sending this file. Wait for it, or close it, then retry."
        }
        FailureKind::Internal => {
            "Something went wrong inside Hoist. Retry; the log has the details."
        }
        // An older Hoist saved only its own sentence, which was written for people.
        FailureKind::Other => return sentence(&failure.detail),
    };
    text.to_string()
}

/// What happened and what to do when a file could not be added: there is no row to retry or
/// restart, so the advice says to add the file again.
pub fn add_failure_advice(failure: &Failure) -> String {
    const AGAIN: [(&str, &str); 5] = [
        (", then retry.", ", then add it again."),
        ("Retry later;", "Add it again later;"),
        ("Retry;", "Add it again;"),
        ("Restart it to send the file again.", "Add it again."),
        ("Restart the upload", "Add it again"),
    ];
    AGAIN
        .iter()
        .fold(failure_advice(failure), |advice, (row, add)| {
            advice.replace(row, add)
        })
}

/// Why a row is reconnecting and that nothing needs doing yet, for its tooltip.
pub fn retry_words(reason: &Failure) -> String {
    let why = match failure_headline(reason.kind) {
        Some(headline) => format!("Reconnecting: {headline}."),
        None => "Reconnecting.".to_string(),
    };
    let next = match reason.kind {
        FailureKind::Network => {
            "Hoist tries again by itself and keeps what the server already has; if this goes on, \
             check your internet connection."
        }
        _ => "Hoist tries again by itself and keeps what the server already has.",
    };
    format!("{why} {next}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_was_not_added_is_to_be_added_again_not_retried() {
        for kind in FailureKind::ALL {
            let advice = add_failure_advice(&Failure::new(kind, "detail"));
            let lower = advice.to_lowercase();
            assert!(
                !lower.contains("retry") && !lower.contains("restart"),
                "{kind:?}: {advice}"
            );
            // An older Hoist's own sentence is shown as it was saved.
            assert!(
                kind == FailureKind::Other || advice.ends_with('.'),
                "{kind:?}: {advice}"
            );
        }
        assert_eq!(
            add_failure_advice(&Failure::new(FailureKind::FileMissing, "gone")),
            "The file is no longer there. Put it back, or plug its disk in, then add it again."
        );
        assert_eq!(
            add_failure_advice(&Failure::new(FailureKind::FileChanged, "changed")),
            "The file changed since the upload started. Add it again to send the new version."
        );
    }

    #[test]
    fn every_kind_has_plain_words_without_the_technical_detail() {
        for kind in FailureKind::ALL {
            let failure = Failure::new(kind, "the server answered 401: token xyz-123 expired");
            let advice = failure_advice(&failure);
            if kind == FailureKind::Other {
                assert_eq!(advice, "The server answered 401: token xyz-123 expired");
                assert_eq!(failure_headline(kind), None);
                continue;
            }
            assert!(
                !advice.contains("xyz-123") && !advice.contains("401"),
                "{advice}"
            );
            assert!(advice.ends_with('.'), "{kind:?}: {advice}");
            assert!(advice.starts_with(char::is_uppercase), "{kind:?}: {advice}");
            let headline = failure_headline(kind).expect("a headline");
            assert!(!headline.is_empty() && !headline.ends_with('.'), "{kind:?}");
        }
    }

    #[test]
    fn the_token_refused_and_disk_full_kinds_read_differently() {
        let refused = failure_advice(&Failure::new(FailureKind::TokenRefused, ""));
        let full = failure_advice(&Failure::new(FailureKind::DiskFull, ""));
        assert!(refused.contains("Sign in again"), "{refused}");
        assert!(full.contains("Free some space"), "{full}");
        assert_eq!(
            retry_words(&Failure::new(FailureKind::Network, "connection refused")),
            "Reconnecting: no connection. Hoist tries again by itself and keeps what the server \
             already has; if this goes on, check your internet connection."
        );
    }
}
