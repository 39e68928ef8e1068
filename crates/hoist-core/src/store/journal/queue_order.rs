//! The queue's order: each upload's place, kept in the journal so it survives a relaunch.
//!
//! A row's `queue_position` is NULL until the queue is first reordered: such rows come after
//! every placed one, by id, so the rows of older journals keep their order (by id) and new
//! uploads go to the bottom without the insert knowing about places. A move rewrites the places
//! that change, `1..=n` in the new order, in one transaction.

use std::collections::HashMap;

use super::*;

/// The journal's schema step that adds the place in the queue.
pub(super) const QUEUE_POSITION_MIGRATION: &str =
    "ALTER TABLE uploads ADD COLUMN queue_position INTEGER;";

/// The `ORDER BY` of the queue: placed rows by place, then the others by id.
macro_rules! queue_order_sql {
    () => {
        "ORDER BY queue_position IS NULL, queue_position, id"
    };
}

/// Where to move one upload in the queue. Finished and failed uploads keep their places and are
/// moved past like any other; only the waiting ones' order decides what starts next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueMove {
    /// First in the queue.
    Top,
    /// One place up (before the upload above it).
    Up,
    /// One place down (after the upload below it).
    Down,
    /// Last in the queue.
    Bottom,
    /// To this index (0 = top) of the queue as it is after taking the upload out; past the end
    /// means the bottom. For dragging a row to a place.
    To(usize),
}

impl QueueMove {
    /// Moves `id` in `order`; returns whether anything changed (false when `id` is not there or
    /// already in that place).
    pub fn apply(self, order: &mut Vec<UploadId>, id: UploadId) -> bool {
        let Some(from) = order.iter().position(|o| *o == id) else {
            return false;
        };
        let last = order.len() - 1;
        let to = match self {
            QueueMove::Top => 0,
            QueueMove::Up => from.saturating_sub(1),
            QueueMove::Down => (from + 1).min(last),
            QueueMove::Bottom => last,
            QueueMove::To(index) => index.min(last),
        };
        if to == from {
            return false;
        }
        order.remove(from);
        order.insert(to, id);
        true
    }
}

impl Journal {
    /// Every upload's id, in queue order (the order of [`Journal::list`]), damaged rows included.
    pub fn queue_order(&self) -> Result<Vec<UploadId>, StoreError> {
        let conn = self.conn();
        conn.prepare_cached(concat!("SELECT id FROM uploads ", queue_order_sql!()))
            .and_then(|mut statement| {
                statement
                    .query_map([], |row| row.get(0).map(UploadId))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.db_error(e))
    }

    /// Moves upload `id` in the queue, in one transaction (another process's move waits), and
    /// returns the new order. [`StoreError::NotFound`] when there is no such upload.
    pub fn move_in_queue(&self, id: UploadId, to: QueueMove) -> Result<Vec<UploadId>, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.db_error(e))?;
        let mut order = read_places(&tx)
            .map_err(|e| self.db_error(e))?
            .into_iter()
            .map(|(id, _)| id)
            .collect::<Vec<_>>();
        if !order.contains(&id) {
            return Err(StoreError::NotFound(id));
        }
        to.apply(&mut order, id);
        write_places(&tx, &order).map_err(|e| self.db_error(e))?;
        tx.commit().map_err(|e| self.db_error(e))?;
        drop(conn);
        self.after_write();
        Ok(order)
    }

    /// Puts the uploads of `order` first in the queue, in that order, in one transaction (ids
    /// that are not in the journal are skipped; uploads not in `order` come after them).
    pub fn set_queue_order(&self, order: &[UploadId]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.db_error(e))?;
        write_places(&tx, order).map_err(|e| self.db_error(e))?;
        tx.commit().map_err(|e| self.db_error(e))?;
        drop(conn);
        self.after_write();
        Ok(())
    }

    /// A number that changes whenever another connection (another Hoist process, `hoist queue
    /// move`) has written to the journal since this one last asked: SQLite's `data_version`.
    /// This journal's own writes leave it alone, so checking it costs no read of the rows.
    pub fn outside_writes(&self) -> Result<i64, StoreError> {
        let conn = self.conn();
        conn.pragma_query_value(None, "data_version", |row| row.get(0))
            .map_err(|e| self.db_error(e))
    }
}

/// Every row's id and place, in queue order.
fn read_places(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<Vec<(UploadId, Option<i64>)>> {
    let mut statement = tx.prepare_cached(concat!(
        "SELECT id, queue_position FROM uploads ",
        queue_order_sql!()
    ))?;
    statement
        .query_map([], |row| Ok((UploadId(row.get(0)?), row.get(1)?)))?
        .collect()
}

/// Gives the uploads of `order` the places `1..=n`, writing only the places that change.
fn write_places(tx: &rusqlite::Transaction<'_>, order: &[UploadId]) -> rusqlite::Result<()> {
    let places: HashMap<UploadId, Option<i64>> = read_places(tx)?.into_iter().collect();
    let mut update = tx.prepare_cached("UPDATE uploads SET queue_position = ?2 WHERE id = ?1")?;
    let mut place: i64 = 0;
    for id in order {
        let Some(old) = places.get(id) else {
            continue;
        };
        place += 1;
        if *old != Some(place) {
            update.execute(rusqlite::params![id.0, place])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[i64]) -> Vec<UploadId> {
        raw.iter().copied().map(UploadId).collect()
    }

    #[test]
    fn moves_put_the_upload_where_asked() {
        let cases: &[(QueueMove, i64, &[i64], bool)] = &[
            (QueueMove::Top, 3, &[3, 1, 2, 4], true),
            (QueueMove::Top, 1, &[1, 2, 3, 4], false),
            (QueueMove::Up, 3, &[1, 3, 2, 4], true),
            (QueueMove::Up, 1, &[1, 2, 3, 4], false),
            (QueueMove::Down, 2, &[1, 3, 2, 4], true),
            (QueueMove::Down, 4, &[1, 2, 3, 4], false),
            (QueueMove::Bottom, 1, &[2, 3, 4, 1], true),
            (QueueMove::To(2), 1, &[2, 3, 1, 4], true),
            (QueueMove::To(0), 4, &[4, 1, 2, 3], true),
            (QueueMove::To(99), 2, &[1, 3, 4, 2], true),
            (QueueMove::Top, 9, &[1, 2, 3, 4], false),
        ];
        for (to, id, expected, changed) in cases {
            let mut order = ids(&[1, 2, 3, 4]);
            assert_eq!(to.apply(&mut order, UploadId(*id)), *changed, "{to:?} {id}");
            assert_eq!(order, ids(expected), "{to:?} {id}");
        }
    }

    fn new_upload(name: &str) -> NewUpload {
        NewUpload {
            file: FileIdentity {
                path: PathBuf::from(format!("/videos/{name}")),
                size_bytes: 10,
                modified_unix_nanos: 1,
                sample_sha256: "ab".repeat(32),
            },
            destination: Destination {
                service: crate::upload::Service::Tus {
                    endpoint: "https://tus.example/files/".to_string(),
                },
                auth: crate::upload::AuthSource::None,
            },
            total_bytes: Some(10),
            chunk_size_bytes: None,
            chunk_size_auto: false,
        }
    }

    fn names(journal: &Journal) -> Vec<String> {
        let records = journal.list().expect("list");
        let order: Vec<UploadId> = records.iter().map(|r| r.id).collect();
        assert_eq!(order, journal.queue_order().expect("order"));
        records.iter().map(|r| r.file.file_name()).collect()
    }

    #[test]
    fn the_order_is_kept_across_reopening_and_new_uploads_go_last() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let journal = Journal::open(&path).expect("open").journal;
        let a = journal.insert(&new_upload("a")).expect("a").id;
        journal.insert(&new_upload("b")).expect("b");
        let c = journal.insert(&new_upload("c")).expect("c").id;
        // Never moved: by id.
        assert_eq!(names(&journal), ["a", "b", "c"]);
        journal.move_in_queue(c, QueueMove::Top).expect("move");
        journal.move_in_queue(a, QueueMove::Down).expect("move");
        assert_eq!(names(&journal), ["c", "b", "a"]);
        journal.insert(&new_upload("d")).expect("d");
        assert_eq!(names(&journal), ["c", "b", "a", "d"]);
        drop(journal);
        let journal = Journal::open(&path).expect("reopen").journal;
        assert_eq!(names(&journal), ["c", "b", "a", "d"]);
        journal.remove(c).expect("remove");
        assert_eq!(names(&journal), ["b", "a", "d"]);
        assert!(matches!(
            journal.move_in_queue(c, QueueMove::Top),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn another_connections_move_is_seen_in_outside_writes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("journal.sqlite3");
        let engine = Journal::open(&path).expect("open").journal;
        let a = engine.insert(&new_upload("a")).expect("a").id;
        let b = engine.insert(&new_upload("b")).expect("b").id;
        let stamp = engine.outside_writes().expect("stamp");
        engine.set_queue_order(&[b, a]).expect("own write");
        assert_eq!(engine.outside_writes().expect("stamp"), stamp, "own writes");
        let cli = Journal::open(&path).expect("open").journal;
        assert_eq!(cli.queue_order().expect("order"), [b, a]);
        cli.move_in_queue(a, QueueMove::Top).expect("move");
        assert_ne!(engine.outside_writes().expect("stamp"), stamp);
        assert_eq!(engine.queue_order().expect("order"), [a, b]);
    }
}
