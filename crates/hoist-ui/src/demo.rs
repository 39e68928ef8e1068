//! What the window needs of the demo server (`hoist --demo`). The binary owns the server and
//! hands the window this view of it, so the window never links the reference server.

use hoist_core::upload::Destination;

/// The demo server, as the window sees it.
pub trait DemoControl {
    /// The destination that uploads to the demo server.
    fn destination(&self) -> Destination;
    /// Turns the simulated flaky network on or off.
    fn set_flaky(&self, flaky: bool);
    /// Empties the demo server's storage, without waiting ("Reset demo"; the window removes the
    /// demo uploads from its queue itself).
    fn reset(&self);
}
