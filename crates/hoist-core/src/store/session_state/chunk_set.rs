//! A compact set of 1-based chunk indexes, stored as inclusive ranges (a 38 GB upload in 5 MiB
//! chunks is a handful of ranges in the journal, not 7,800 numbers).

use serde::{Deserialize, Serialize};

/// Chunk indexes as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct ChunkSet {
    ranges: Vec<(u64, u64)>,
}

impl ChunkSet {
    /// True when `index` is in the set.
    pub fn contains(&self, index: u64) -> bool {
        let at = self.ranges.partition_point(|&(_, last)| last < index);
        self.ranges
            .get(at)
            .is_some_and(|&(first, _)| first <= index)
    }

    /// Adds `index`, merging neighbouring ranges.
    pub fn insert(&mut self, index: u64) {
        if self.contains(index) {
            return;
        }
        let at = self.ranges.partition_point(|&(_, last)| last < index);
        let joins_left = at > 0 && self.ranges[at - 1].1 + 1 == index;
        let joins_right = self
            .ranges
            .get(at)
            .is_some_and(|&(first, _)| first == index + 1);
        match (joins_left, joins_right) {
            (true, true) => {
                self.ranges[at - 1].1 = self.ranges[at].1;
                self.ranges.remove(at);
            }
            (true, false) => self.ranges[at - 1].1 = index,
            (false, true) => self.ranges[at].0 = index,
            (false, false) => self.ranges.insert(at, (index, index)),
        }
    }

    /// How many indexes the set holds.
    pub fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|&(first, last)| last - first + 1)
            .sum()
    }

    /// True when it holds every index from 1 to `total`.
    pub fn covers(&self, total: u64) -> bool {
        total == 0 || self.ranges == [(1, total)]
    }

    /// True when every index is from 1 to `total` and the ranges have the set's own shape
    /// (each `first <= last`, sorted, disjoint, not adjacent). A set read from a damaged journal
    /// may not: its arithmetic ([`len`](Self::len)) would overflow.
    pub fn is_within(&self, total: u64) -> bool {
        let mut previous_last: Option<u64> = None;
        self.ranges.iter().all(|&(first, last)| {
            let after_previous = previous_last.is_none_or(|p| p.saturating_add(1) < first);
            previous_last = Some(last);
            after_previous && 1 <= first && first <= last && last <= total
        })
    }

    /// The indexes in ascending order.
    #[cfg(test)]
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.ranges.iter().flat_map(|&(first, last)| first..=last)
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
    fn merges_ranges() {
        let mut set = ChunkSet::default();
        for i in [5, 1, 3, 2, 7, 4, 9, 8] {
            set.insert(i);
        }
        assert_eq!(set.ranges, vec![(1, 5), (7, 9)]);
        assert_eq!(set.len(), 8);
        assert!(set.contains(4) && !set.contains(6) && !set.contains(10));
        set.insert(6);
        assert!(set.covers(9));
        assert!(!set.covers(10));
        assert_eq!(set.iter().collect::<Vec<_>>(), (1..=9).collect::<Vec<_>>());
        set.insert(6);
        assert_eq!(set.len(), 9);
    }

    #[test]
    fn serializes_compactly() {
        let mut set = ChunkSet::default();
        for i in 1..=7800 {
            set.insert(i);
        }
        assert_eq!(serde_json::to_string(&set).expect("json"), "[[1,7800]]");
        assert!(set.is_within(7800) && !set.is_within(7799));
    }
}
