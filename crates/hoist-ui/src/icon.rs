//! The window icon and the application id that ties the window to its desktop entry.

/// The application id: the name of the desktop entry (`dist/<APP_ID>.desktop`) and the AppStream
/// component id. Wayland compositors find the window's icon and name through it, X11 desktops
/// through `WM_CLASS` (which winit sets to the same string).
pub const APP_ID: &str = "io.github.hoist.Hoist";

/// The 256 px PNG rendered from `assets/icons/hoist.svg` by `scripts/render-icons.sh`.
const ICON_PNG: &[u8] = include_bytes!("../../../assets/icons/hoist-256.png");

/// The decoded window icon, or `None` (with a log line) if it does not decode: a window without an
/// icon still works.
pub fn window_icon() -> Option<egui::IconData> {
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => Some(icon),
        Err(e) => {
            tracing::warn!("the embedded window icon does not decode: {e}");
            None
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn embedded_icon_decodes_to_256_square_rgba() {
        let icon = window_icon().expect("the embedded PNG decodes");
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
        // Not blank: the corners are transparent, the centre is opaque.
        assert_eq!(icon.rgba[3], 0, "top-left pixel is transparent");
        let centre = (128 * 256 + 128) * 4;
        assert_eq!(icon.rgba[centre + 3], 255, "centre pixel is opaque");
    }
}
