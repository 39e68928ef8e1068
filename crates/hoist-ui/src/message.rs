//! The lines of the window's message area at the top: what each says and what kind it is, so
//! only real problems look like problems (typed where the line is made, never guessed from
//! its words).

use egui::{Color32, Visuals};

/// What kind of line a message is, which decides how it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Worth knowing, nothing wrong: the usual text colour.
    Info,
    /// Something may go wrong or already changed for the worse: amber.
    Warning,
    /// Something did not work: red.
    Problem,
}

/// One line of the message area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// How it looks.
    pub kind: MessageKind,
    /// The words.
    pub text: String,
}

impl Message {
    /// A line of `kind` saying `text`.
    pub fn new(kind: MessageKind, text: impl Into<String>) -> Message {
        Message {
            kind,
            text: text.into(),
        }
    }

    /// A line that is worth knowing, with nothing wrong.
    pub fn info(text: impl Into<String>) -> Message {
        Message::new(MessageKind::Info, text)
    }

    /// A line about something that did not work.
    pub fn problem(text: impl Into<String>) -> Message {
        Message::new(MessageKind::Problem, text)
    }
}

/// The colour of a line of `kind` on `visuals`: warnings and problems in the theme's warning
/// and error colours, everything else in the usual text colour.
pub fn message_color(visuals: &Visuals, kind: MessageKind) -> Color32 {
    match kind {
        MessageKind::Info => visuals.text_color(),
        MessageKind::Warning => visuals.warn_fg_color,
        MessageKind::Problem => visuals.error_fg_color,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_warnings_and_problems_are_coloured() {
        for visuals in [Visuals::dark(), Visuals::light()] {
            let info = message_color(&visuals, MessageKind::Info);
            assert_eq!(info, visuals.text_color());
            assert_ne!(info, visuals.warn_fg_color);
            assert_ne!(info, visuals.error_fg_color);
            assert_eq!(
                message_color(&visuals, MessageKind::Warning),
                visuals.warn_fg_color
            );
            assert_eq!(
                message_color(&visuals, MessageKind::Problem),
                visuals.error_fg_color
            );
        }
        assert_eq!(Message::info("a").kind, MessageKind::Info);
        assert_eq!(Message::problem("b").kind, MessageKind::Problem);
    }
}
