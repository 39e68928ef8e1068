//! Which of the toolbar's less used actions fit beside its main ones: the rest go into its menu,
//! so the toolbar stays one line at the window's usual width and nothing is cut off or out of
//! reach when the window is narrower.

/// What screen readers call the toolbar's menu (drawn as three lines), which holds the actions
/// that do not fit.
pub const TOOLBAR_MENU: &str = "Menu";
/// What hovering the toolbar's menu says.
pub const TOOLBAR_MENU_HINT: &str = "More actions";

/// How to reach Profiles from a hint that sends people there: its button, or the toolbar's menu
/// when the window is too narrow for the button ("press Profiles, then Add").
pub fn profiles_steps(profiles_in_menu: bool) -> &'static str {
    if profiles_in_menu {
        "open the menu at the end of the toolbar (the three lines), choose Profiles, then Add"
    } else {
        "press Profiles, then Add"
    }
}

/// Remembers whether Profiles is in the toolbar's menu in this frame (the toolbar is laid out
/// after the buttons whose hints need it, so they read the last frame's).
pub fn remember_profiles_in_menu(ctx: &egui::Context, in_menu: bool) {
    ctx.data_mut(|data| data.insert_temp(profiles_in_menu_id(), in_menu));
}

/// Whether Profiles was in the toolbar's menu when the toolbar was last laid out.
pub fn profiles_in_menu(ctx: &egui::Context) -> bool {
    ctx.data(|data| data.get_temp(profiles_in_menu_id()))
        .unwrap_or(false)
}

fn profiles_in_menu_id() -> egui::Id {
    egui::Id::unique("hoist-profiles-in-toolbar-menu")
}

/// The toolbar's less used actions, most important first: the last ones go into the menu first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolbarExtra {
    /// "Clear finished".
    ClearFinished,
    /// "Profiles".
    Profiles,
    /// "Settings".
    Settings,
    /// "Watch folders".
    WatchFolders,
    /// "History".
    History,
    /// "Simulate a flaky network" (the demo only).
    Flaky,
    /// "Reset demo" (the demo only).
    ResetDemo,
}

/// How many of the extras (whose widths are `widths`, in order) show as buttons in `room_px`,
/// each after `spacing_px`; when some do not, the menu (`menu_px` wide) takes room too.
pub fn extras_shown(widths: &[f32], room_px: f32, menu_px: f32, spacing_px: f32) -> usize {
    let total: f32 = widths.iter().map(|w| w + spacing_px).sum();
    if total <= room_px {
        return widths.len();
    }
    let mut used = menu_px + spacing_px;
    let mut shown = 0;
    for width in widths {
        used += width + spacing_px;
        if used > room_px {
            break;
        }
        shown += 1;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_fold_into_the_menu_from_the_last() {
        let widths = [100.0, 60.0, 60.0, 100.0];
        assert_eq!(extras_shown(&widths, 360.0, 30.0, 10.0), 4, "all fit");
        assert_eq!(
            extras_shown(&widths, 355.0, 30.0, 10.0),
            3,
            "the last goes, and the menu needs room"
        );
        assert_eq!(extras_shown(&widths, 250.0, 30.0, 10.0), 2);
        assert_eq!(extras_shown(&widths, 30.0, 30.0, 10.0), 0, "only the menu");
        assert_eq!(extras_shown(&[], 0.0, 30.0, 10.0), 0);
    }

    #[test]
    fn hints_point_to_where_profiles_is() {
        assert_eq!(profiles_steps(false), "press Profiles, then Add");
        assert!(profiles_steps(true).starts_with("open the menu at the end of the toolbar"));
        let ctx = egui::Context::default();
        assert!(!profiles_in_menu(&ctx), "on the toolbar until laid out");
        remember_profiles_in_menu(&ctx, true);
        assert!(profiles_in_menu(&ctx));
    }
}
