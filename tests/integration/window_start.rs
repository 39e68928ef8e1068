//! When the window cannot open on this computer, `hoist` says why in one line, with the way out,
//! instead of a backtrace: no desktop session, or a system library winit loads at run time
//! missing (`src/window_libs.rs`).

use crate::support::Home;

#[test]
fn with_no_display_the_window_says_so_in_one_line() {
    let home = Home::new();
    let out = home
        .hoist()
        .arg("--demo")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("hoist runs");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "exit status: {:?}", out.status);
    assert_eq!(said.trim().lines().count(), 1, "one line: {said}");
    assert!(said.contains("desktop session"), "{said}");
    assert!(said.contains("xvfb-run hoist --demo"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}
