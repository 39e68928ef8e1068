//! The window's looks: the Light / Dark / Follow system choice, text colours that keep at least
//! 4.5:1 contrast (WCAG AA) in both themes, and a colour plus a symbol for each state of an upload,
//! so states differ by more than colour.

use egui::{Color32, Theme, ThemePreference, Visuals};
use hoist_core::upload::Phase;
use serde::{Deserialize, Serialize};

use super::state_icon::StateIcon;

/// Light, dark, or as the desktop says (remembered in the settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Dark text on a light background.
    Light,
    /// Light text on a dark background.
    Dark,
    /// What the desktop prefers (dark when it does not say).
    #[default]
    FollowSystem,
}

impl ThemeChoice {
    /// Every choice, in the order Settings offers them.
    pub const ALL: [ThemeChoice; 3] = [
        ThemeChoice::Light,
        ThemeChoice::Dark,
        ThemeChoice::FollowSystem,
    ];

    /// The words Settings shows.
    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::Light => "Light",
            ThemeChoice::Dark => "Dark",
            ThemeChoice::FollowSystem => "Follow system",
        }
    }

    fn preference(self) -> ThemePreference {
        match self {
            ThemeChoice::Light => ThemePreference::Light,
            ThemeChoice::Dark => ThemePreference::Dark,
            ThemeChoice::FollowSystem => ThemePreference::System,
        }
    }
}

/// Puts Hoist's colours into both of `ctx`'s themes and picks `choice` (no I/O; cheap).
pub fn apply(ctx: &egui::Context, choice: ThemeChoice) {
    for theme in [Theme::Dark, Theme::Light] {
        ctx.set_visuals_of(theme, visuals(theme));
    }
    ctx.set_theme(choice.preference());
}

/// egui's visuals for `theme` with Hoist's text colours: body text, weak text (hints, "to …",
/// speeds) and the error and warning colours all reach 4.5:1 on the panel and window fills.
pub fn visuals(theme: Theme) -> Visuals {
    let mut visuals = match theme {
        Theme::Dark => Visuals::dark(),
        Theme::Light => Visuals::light(),
    };
    match theme {
        Theme::Dark => {
            visuals.widgets.noninteractive.fg_stroke.color = Color32::from_gray(205);
            visuals.weak_text_color = Some(Color32::from_gray(160));
            visuals.error_fg_color = Color32::from_rgb(0xFF, 0x7B, 0x72);
            visuals.warn_fg_color = Color32::from_rgb(0xF0, 0xB4, 0x4C);
            visuals.hyperlink_color = Color32::from_rgb(0x6C, 0xB6, 0xFF);
        }
        Theme::Light => {
            visuals.widgets.noninteractive.fg_stroke.color = Color32::from_gray(40);
            visuals.weak_text_color = Some(Color32::from_gray(95));
            visuals.error_fg_color = Color32::from_rgb(0xB4, 0x23, 0x18);
            visuals.warn_fg_color = Color32::from_rgb(0x8A, 0x4B, 0x00);
            visuals.hyperlink_color = Color32::from_rgb(0x09, 0x5A, 0xC8);
        }
    }
    visuals
}

/// How a state looks: its icon and colour, told apart by the icon's shape when colours are not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateLook {
    /// The painted icon.
    pub icon: StateIcon,
    /// Text and icon colour.
    pub color: Color32,
    /// Progress-bar colour: the text's, but a lighter grey for Paused in the light theme (the
    /// text's dark grey would weigh like a finished bar; this one still has 3:1 on the track).
    pub bar: Color32,
}

/// The look of `phase` in the theme `visuals` belongs to.
pub fn state_look(phase: Phase, visuals: &Visuals) -> StateLook {
    let dark = visuals.dark_mode;
    let pick =
        |dark_color: Color32, light_color: Color32| if dark { dark_color } else { light_color };
    let (icon, color) = match phase {
        Phase::Uploading => (
            StateIcon::Uploading,
            pick(
                Color32::from_rgb(0x6C, 0xB6, 0xFF),
                Color32::from_rgb(0x09, 0x5A, 0xC8),
            ),
        ),
        Phase::Completed => (
            StateIcon::Done,
            pick(
                Color32::from_rgb(0x4E, 0xC9, 0x6E),
                Color32::from_rgb(0x1A, 0x7F, 0x37),
            ),
        ),
        // Paused is a state people chose, not a warning: neutral grey (as GNOME apps and
        // Transmission show it), a shade apart from Waiting's weak grey; amber stays for warnings.
        Phase::Paused => (
            StateIcon::Paused,
            pick(Color32::from_gray(190), Color32::from_gray(75)),
        ),
        Phase::Failed | Phase::FileChanged => (StateIcon::Failed, visuals.error_fg_color),
        Phase::Processing => (
            StateIcon::Processing,
            pick(
                Color32::from_rgb(0xC2, 0x9F, 0xFF),
                Color32::from_rgb(0x6F, 0x42, 0xC1),
            ),
        ),
        Phase::Queued => (StateIcon::Waiting, visuals.weak_text_color()),
        Phase::Cancelled => (StateIcon::Cancelled, visuals.weak_text_color()),
    };
    let bar = if phase == Phase::Paused && !dark {
        Color32::from_gray(130)
    } else {
        color
    };
    StateLook { icon, color, bar }
}

/// WCAG 2 contrast ratio of two opaque colours (1 to 21).
pub fn contrast_ratio(a: Color32, b: Color32) -> f32 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

fn relative_luminance(color: Color32) -> f32 {
    let channel = |c: u8| {
        let c = f32::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(color.r()) + 0.7152 * channel(color.g()) + 0.0722 * channel(color.b())
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratio_matches_wcag_examples() {
        assert!((contrast_ratio(Color32::BLACK, Color32::WHITE) - 21.0).abs() < 0.01);
        assert!((contrast_ratio(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 0.01);
        // The hint colour: #5F5F5F on #1B1B1B is about 2.7:1.
        let hint = contrast_ratio(Color32::from_gray(0x5F), Color32::from_gray(0x1B));
        assert!((2.6..2.9).contains(&hint), "{hint}");
    }

    #[test]
    fn paused_is_neutral_and_warnings_stay_amber() {
        for theme in [Theme::Dark, Theme::Light] {
            let visuals = visuals(theme);
            let paused = state_look(Phase::Paused, &visuals).color;
            assert_eq!(paused.r(), paused.g(), "{theme:?}: grey");
            assert_eq!(paused.g(), paused.b(), "{theme:?}: grey");
            assert_ne!(paused, visuals.warn_fg_color, "{theme:?}");
            assert_ne!(
                paused,
                state_look(Phase::Queued, &visuals).color,
                "{theme:?}"
            );
            assert!(
                contrast_ratio(paused, visuals.panel_fill) >= 4.5,
                "{theme:?}"
            );
            assert!(
                contrast_ratio(paused, visuals.window_fill) >= 4.5,
                "{theme:?}"
            );
        }
    }
}
