//! Which parts of a queue row fit its width.

/// What a row of a given width shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowLayout {
    /// "to My videos" after the file name.
    pub show_destination: bool,
    /// "1.20 GiB of 4.00 GiB".
    pub show_size: bool,
    /// Speed and time left.
    pub show_speed: bool,
    /// Only the main action as a button, the others in a "⋯" menu.
    pub fold_actions: bool,
}

impl RowLayout {
    /// Below this width a row folds its actions into a menu.
    pub const FOLD_BELOW_PX: f32 = 760.0;
    /// Below this width a row drops its destination, size and speed.
    pub const SECONDARY_BELOW_PX: f32 = 600.0;

    /// The layout for a row `width_px` wide.
    pub fn for_width(width_px: f32) -> RowLayout {
        let roomy = width_px >= Self::SECONDARY_BELOW_PX;
        RowLayout {
            show_destination: roomy,
            show_size: roomy,
            show_speed: roomy,
            fold_actions: width_px < Self::FOLD_BELOW_PX,
        }
    }

    /// The progress bar's width in a line with `room_px` left: about a third, 60 to 220 px.
    pub fn bar_width(self, room_px: f32) -> f32 {
        (room_px * 0.3).clamp(60.0, 220.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_rows_fold_and_drop_secondary_columns() {
        let narrow = RowLayout::for_width(460.0);
        assert!(narrow.fold_actions && !narrow.show_size && !narrow.show_destination);
        let middle = RowLayout::for_width(700.0);
        assert!(middle.fold_actions && middle.show_size && middle.show_speed);
        let wide = RowLayout::for_width(1200.0);
        assert!(!wide.fold_actions && wide.show_size && wide.show_destination);
        assert_eq!(wide.bar_width(2000.0), 220.0);
        assert_eq!(narrow.bar_width(100.0), 60.0);
    }
}
