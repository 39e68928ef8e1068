//! Which of the toolbar's less used actions fit beside its main ones: the rest go into its menu,
//! so the toolbar stays one line at the window's usual width and nothing is cut off or out of
//! reach when the window is narrower.

/// What screen readers call the toolbar's menu (drawn as three lines), which holds the actions
/// that do not fit.
pub const TOOLBAR_MENU: &str = "Menu";
/// What hovering the toolbar's menu says.
pub const TOOLBAR_MENU_HINT: &str = "More actions";

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
}
