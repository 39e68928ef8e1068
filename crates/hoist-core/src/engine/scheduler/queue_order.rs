//! The queue's order in the engine: waiting uploads start top first; moves are saved in the
//! journal, then shown to every view with [`Event::QueueOrder`].
//!
//! The journal is where the order lives: `hoist queue move` writes it there, also while a window
//! runs. The engine notices another process's writes through the journal's
//! [`Journal::outside_writes`] stamp (no read of the rows unless it changed): when the journal's
//! files change on disk (`journal_changes.rs`), before it chooses the next upload to start, and
//! every [`ORDER_CHECK_INTERVAL`] while uploads run (the safety net where files cannot be
//! watched).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::Scheduler;
use crate::engine::{EngineWarning, Event};
use crate::store::{Journal, QueueMove};
use crate::upload::{UploadAction, UploadId};

/// How often a running engine looks for a move another process saved.
pub(crate) const ORDER_CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Each upload's rank: lower starts first. Ranks have gaps after removals; new uploads get a
/// rank above every other (the bottom), as in the journal.
#[derive(Debug, Default)]
pub(crate) struct QueueOrder {
    rank: HashMap<UploadId, u64>,
    next_rank: u64,
    /// The journal's [`Journal::outside_writes`] when the order was last read from it.
    seen_outside_writes: Option<i64>,
}

impl QueueOrder {
    /// Takes `order` as the whole order; ids already known but not in it follow, as they were.
    fn adopt(&mut self, order: &[UploadId]) {
        let given: HashSet<UploadId> = order.iter().copied().collect();
        let mut rest: Vec<(u64, UploadId)> = self
            .rank
            .iter()
            .map(|(id, rank)| (*rank, *id))
            .filter(|(_, id)| !given.contains(id))
            .collect();
        rest.sort_unstable();
        self.rank.clear();
        self.next_rank = 0;
        for id in order.iter().chain(rest.iter().map(|(_, id)| id)) {
            self.push(*id);
        }
    }

    /// Puts a new upload at the bottom.
    pub(crate) fn push(&mut self, id: UploadId) {
        self.rank.insert(id, self.next_rank);
        self.next_rank += 1;
    }

    /// Forgets a removed upload.
    pub(crate) fn remove(&mut self, id: UploadId) {
        self.rank.remove(&id);
    }

    /// The rank of `id` (unknown ids last).
    pub(crate) fn rank(&self, id: UploadId) -> u64 {
        self.rank.get(&id).copied().unwrap_or(u64::MAX)
    }

    /// Every known upload, top first.
    pub(crate) fn ids(&self) -> Vec<UploadId> {
        let mut ids: Vec<(u64, UploadId)> = self.rank.iter().map(|(id, r)| (*r, *id)).collect();
        ids.sort_unstable();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// Remembers the journal's outside-writes stamp; true when it changed since last time.
    fn outside_writes_changed(&mut self, journal: &Journal) -> bool {
        match journal.outside_writes() {
            Ok(stamp) => self.seen_outside_writes.replace(stamp) != Some(stamp),
            Err(e) => {
                tracing::warn!("could not check the journal for a new queue order: {e}");
                false
            }
        }
    }
}

impl Scheduler {
    /// Takes the journal's order at start (the records of `Journal::list`, in that order).
    pub(super) fn restore_order(&mut self, order: &[UploadId]) {
        self.order.adopt(order);
        self.order.outside_writes_changed(&self.journal);
    }

    /// Puts a waiting upload into the queue of those waiting, at its place in the order.
    pub(super) fn enqueue(&mut self, id: UploadId) {
        if self.queue.contains(&id) {
            return;
        }
        let rank = self.order.rank(id);
        let at = self.queue.partition_point(|q| self.order.rank(*q) <= rank);
        self.queue.insert(at, id);
    }

    /// [`crate::engine::Command::Move`].
    pub(super) async fn move_upload(&mut self, id: UploadId, to: QueueMove) {
        self.follow_journal_order().await;
        let mut order = self.order.ids();
        if to.apply(&mut order, id) {
            self.save_order(order).await;
        }
    }

    /// [`crate::engine::Command::UploadNext`].
    pub(super) async fn upload_next(&mut self, id: UploadId) {
        self.follow_journal_order().await;
        let Some(entry) = self.entries.get(&id) else {
            return;
        };
        if self.running.contains_key(&id) {
            return;
        }
        if !self.queue.contains(&id) {
            if !entry.phase.allows(UploadAction::Resume) {
                return;
            }
            self.resume(id).await;
        }
        let mut order = self.order.ids();
        let waiting: HashSet<UploadId> = self.queue.iter().copied().collect();
        let Some(first) = order.iter().position(|o| *o != id && waiting.contains(o)) else {
            return;
        };
        let Some(from) = order.iter().position(|o| *o == id) else {
            return;
        };
        let to = if from < first { first - 1 } else { first };
        if QueueMove::To(to).apply(&mut order, id) {
            self.save_order(order).await;
        }
    }

    /// Takes a move another process saved in the journal, if there is one.
    pub(super) async fn follow_journal_order(&mut self) {
        if !self.order.outside_writes_changed(&self.journal) {
            return;
        }
        let order = match self.journal.queue_order() {
            Ok(order) => order,
            Err(e) => {
                tracing::warn!("could not read the queue order: {e}");
                return;
            }
        };
        let known: Vec<UploadId> = order
            .into_iter()
            .filter(|id| self.entries.contains_key(id))
            .collect();
        let mine = self.order.ids();
        if known.len() == mine.len() && known == mine {
            return;
        }
        tracing::info!("the queue order changed in the journal; following it");
        self.show_order(&known).await;
    }

    /// Saves `order` in the journal, then takes and shows it.
    async fn save_order(&mut self, order: Vec<UploadId>) {
        if let Err(e) = self.journal.set_queue_order(&order) {
            tracing::error!("could not save the queue order: {e}");
            let kind = EngineWarning::QueueOrderNotSaved;
            let detail = e.to_string();
            self.sink.emit(Event::Warning { kind, detail }).await;
            return;
        }
        self.show_order(&order).await;
    }

    /// Takes `order`, puts the waiting uploads in it, and tells every view.
    async fn show_order(&mut self, order: &[UploadId]) {
        self.order.adopt(order);
        let order = &self.order;
        self.queue
            .make_contiguous()
            .sort_by_key(|id| order.rank(*id));
        let ids = self.order.ids();
        self.sink.emit(Event::QueueOrder { ids }).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[i64]) -> Vec<UploadId> {
        raw.iter().copied().map(UploadId).collect()
    }

    #[test]
    fn new_uploads_go_last_and_an_adopted_order_keeps_the_ones_it_does_not_name_after_it() {
        let mut order = QueueOrder::default();
        for id in ids(&[1, 2, 3, 4]) {
            order.push(id);
        }
        order.adopt(&ids(&[3, 1]));
        assert_eq!(order.ids(), ids(&[3, 1, 2, 4]));
        order.push(UploadId(5));
        order.remove(UploadId(1));
        assert_eq!(order.ids(), ids(&[3, 2, 4, 5]));
        assert!(order.rank(UploadId(3)) < order.rank(UploadId(5)));
        assert_eq!(
            order.rank(UploadId(1)),
            u64::MAX,
            "a removed upload ranks last"
        );
    }
}
