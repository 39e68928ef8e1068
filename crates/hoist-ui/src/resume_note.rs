//! The one line the window shows at start when uploads were left unfinished, so a relaunch is
//! never a silent difference.

/// Shown when the demo server had to move to another address.
pub const DEMO_MOVED: &str = "Another program was using the demo's usual address, so the demo moved to a new one. Your demo uploads continue there.";

/// The line for `count` unfinished uploads that nobody was driving at start: `crashed` when the
/// last window did not close normally, `resuming` when they continue now (the "continue
/// unfinished uploads" setting). `None` when there are none.
pub fn interrupted_words(count: usize, crashed: bool, resuming: bool) -> Option<String> {
    let (uploads, were, are) = match count {
        0 => return None,
        1 => ("1 upload".to_string(), "was", "is"),
        n => (format!("{n} uploads"), "were", "are"),
    };
    Some(match (crashed, resuming) {
        (true, true) => format!("{uploads} {were} interrupted and {are} continuing."),
        (true, false) => {
            format!(
                "{uploads} {were} interrupted. They wait, paused: press Resume all to continue."
            )
        }
        (false, true) => format!(
            "{uploads} {are} continuing where {} left off.",
            if count == 1 { "it" } else { "they" }
        ),
        (false, false) => {
            format!("{uploads} {are} unfinished and wait, paused: press Resume all to continue.")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_in_plain_words() {
        assert_eq!(interrupted_words(0, true, true), None);
        assert_eq!(
            interrupted_words(3, true, true).as_deref(),
            Some("3 uploads were interrupted and are continuing.")
        );
        assert_eq!(
            interrupted_words(1, true, true).as_deref(),
            Some("1 upload was interrupted and is continuing.")
        );
        assert_eq!(
            interrupted_words(2, false, true).as_deref(),
            Some("2 uploads are continuing where they left off.")
        );
        assert!(interrupted_words(2, true, false).is_some_and(|t| t.contains("Resume all")));
    }
}
