use std::sync::Arc;

use tokio::sync::mpsc;

use super::Event;

/// A callback the engine invokes after queueing events, so a window can repaint only then.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Where engine events go: a bounded channel plus the waker.
#[derive(Clone)]
pub(crate) struct EventSink {
    tx: mpsc::Sender<Event>,
    waker: Waker,
}

impl EventSink {
    pub(crate) fn new(tx: mpsc::Sender<Event>, waker: Waker) -> EventSink {
        EventSink { tx, waker }
    }

    /// Sends an event that must not be lost (waits for room).
    pub(crate) async fn emit(&self, event: Event) {
        if self.tx.send(event).await.is_ok() {
            (self.waker)();
        }
    }

    /// Sends an event that may be dropped when the receiver is behind (progress: a newer one follows).
    pub(crate) fn emit_lossy(&self, event: Event) {
        if self.tx.try_send(event).is_ok() {
            (self.waker)();
        }
    }
}
