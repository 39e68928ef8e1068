//! Reused read buffers for file streams.
//!
//! A block of [`STREAM_BLOCK_BYTES`](super::STREAM_BLOCK_BYTES) is above glibc's mmap threshold,
//! so a fresh `Vec` per block was mapped, zeroed by the kernel and unmapped again: perf put page
//! faults and `clear_page` at about a fifth of a streamed upload's CPU. Blocks now come from one
//! pool for the process and go back to it when the HTTP client drops them (through
//! [`Bytes::from_owner`]), so memory stays bounded by what is in flight plus the pool's cap.

use std::sync::Mutex;

use bytes::Bytes;

/// Most buffers the process's pool keeps while none is in use (enough for a few streams'
/// read-ahead); a buffer returned beyond this is freed.
const MAX_POOLED_BLOCKS: usize = 16;

/// The process's pool, which file streams use.
pub(super) static BLOCKS: BlockPool = BlockPool::new(MAX_POOLED_BLOCKS);

/// Buffers waiting to be reused, at most `max_kept`.
pub(super) struct BlockPool {
    free: Mutex<Vec<Vec<u8>>>,
    max_kept: usize,
}

impl BlockPool {
    const fn new(max_kept: usize) -> BlockPool {
        BlockPool {
            free: Mutex::new(Vec::new()),
            max_kept,
        }
    }

    /// An empty buffer with room for at least `capacity_bytes`: a pooled one when one is big
    /// enough.
    pub(super) fn take(&self, capacity_bytes: usize) -> Vec<u8> {
        let pooled = self.free.lock().ok().and_then(|mut free| {
            let at = free.iter().position(|b| b.capacity() >= capacity_bytes)?;
            Some(free.swap_remove(at))
        });
        match pooled {
            Some(mut block) => {
                block.clear();
                block
            }
            None => Vec::with_capacity(capacity_bytes),
        }
    }

    /// `block` as [`Bytes`] that give the buffer back to this pool when the last clone is
    /// dropped.
    pub(super) fn freeze(&'static self, block: Vec<u8>) -> Bytes {
        Bytes::from_owner(Pooled { block, pool: self })
    }

    fn give_back(&self, block: Vec<u8>) {
        if let Ok(mut free) = self.free.lock()
            && free.len() < self.max_kept
        {
            free.push(block);
        }
    }
}

/// A buffer on loan from a pool.
struct Pooled {
    block: Vec<u8>,
    pool: &'static BlockPool,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.block
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.block));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(max_kept: usize) -> &'static BlockPool {
        Box::leak(Box::new(BlockPool::new(max_kept)))
    }

    #[test]
    fn a_dropped_block_is_lent_again_without_a_new_allocation() {
        let pool = pool(4);
        let capacity = 256 * 1024;
        let mut block = pool.take(capacity);
        block.extend_from_slice(b"first");
        let address = block.as_ptr();
        let bytes = pool.freeze(block);
        assert_eq!(&bytes[..], b"first");
        let clone = bytes.clone();
        drop(bytes);
        // Still lent while a clone lives.
        assert_eq!(&clone[..], b"first");
        drop(clone);
        let again = pool.take(capacity);
        assert_eq!(again.as_ptr(), address, "the buffer was not reused");
        assert!(again.is_empty());
        // A bigger request than any pooled buffer gets a new one.
        assert!(pool.take(2 * capacity).capacity() >= 2 * capacity);
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_buffers() {
        let pool = pool(3);
        let blocks: Vec<Bytes> = (0..8).map(|_| pool.freeze(pool.take(1024))).collect();
        drop(blocks);
        let kept = pool.free.lock().map(|free| free.len()).unwrap_or(0);
        assert_eq!(kept, 3);
    }
}
