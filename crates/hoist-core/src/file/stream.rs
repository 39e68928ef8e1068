use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::Stream;

use super::block_pool::BLOCKS;
use super::{ByteCounter, FileError, RunningCrc32c, Throttle};

/// The largest block read from disk and handed to the network at once. Measured on loopback
/// (2026-11-21, a streamed Google upload to `hoist serve`): 256 KiB beat 64 KiB, 1 MiB and 4 MiB; larger blocks cost more in
/// fresh page mappings than they save in hand-offs. Blocks are reused (`block_pool`).
pub const STREAM_BLOCK_BYTES: u64 = 256 * 1024;
/// Blocks read ahead of the network. Memory per stream is about `(READ_AHEAD_BLOCKS + 2)` blocks.
const READ_AHEAD_BLOCKS: usize = 4;

/// What a file stream reports to, besides the bytes themselves.
#[derive(Clone, Debug, Default)]
pub struct StreamOptions {
    /// Counts bytes as they go out.
    pub counter: ByteCounter,
    /// The shared bandwidth limit, if any.
    pub throttle: Option<Arc<Throttle>>,
    /// A running checksum to extend with the bytes read, if the protocol verifies one.
    pub crc32c: Option<Arc<Mutex<RunningCrc32c>>>,
    /// Where a local read problem is left for the protocol to find (the HTTP client only sees
    /// a broken body and would otherwise take it for a network error).
    pub failure: Arc<Mutex<Option<FileError>>>,
}

impl StreamOptions {
    /// Takes the local read failure left by a stream, if any.
    pub fn take_failure(&self) -> Option<FileError> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }
}

/// Streams the bytes `[start, start + len)` of the file at `path` from a blocking reader thread, in
/// blocks of at most [`STREAM_BLOCK_BYTES`], with bounded read-ahead. Memory does not depend on the
/// file size. Must be called inside a tokio runtime.
pub fn stream_range(
    path: PathBuf,
    start: u64,
    len: u64,
    options: StreamOptions,
) -> impl Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<(u64, Bytes)>>(READ_AHEAD_BLOCKS);
    let block_bytes = match options.throttle.as_ref().map(|t| t.limit()) {
        Some(limit) if limit > 0 => (limit / 10).clamp(16 * 1024, STREAM_BLOCK_BYTES),
        _ => STREAM_BLOCK_BYTES,
    };
    let reader_options = options.clone();
    tokio::task::spawn_blocking(move || {
        read_blocks(&path, start, len, block_bytes, &tx, &reader_options);
    });
    futures_util::stream::unfold((rx, options), |(mut rx, options)| async move {
        match rx.recv().await? {
            Ok((position, bytes)) => {
                if let Some(throttle) = &options.throttle {
                    let wait = throttle.reserve(bytes.len() as u64);
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                }
                options.counter.add(position, bytes.len() as u64);
                Some((Ok(bytes), (rx, options)))
            }
            Err(e) => Some((Err(e), (rx, options))),
        }
    })
}

fn read_blocks(
    path: &std::path::Path,
    start: u64,
    len: u64,
    block_bytes: u64,
    tx: &tokio::sync::mpsc::Sender<std::io::Result<(u64, Bytes)>>,
    options: &StreamOptions,
) {
    let fail = |error: FileError| {
        let message = error.to_string();
        if let Ok(mut slot) = options.failure.lock() {
            *slot = Some(error);
        }
        let _ = tx.blocking_send(Err(std::io::Error::other(message)));
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return fail(FileError::from_io(e, path)),
    };
    if let Err(e) = file.seek(SeekFrom::Start(start)) {
        return fail(FileError::from_io(e, path));
    }
    let mut position = start;
    let end = start + len;
    while position < end {
        let want = block_bytes.min(end - position);
        let mut block = BLOCKS.take(want as usize);
        match file.by_ref().take(want).read_to_end(&mut block) {
            Ok(0) => {
                return fail(FileError::Changed {
                    what: "it got shorter while being uploaded",
                    path: path.to_path_buf(),
                });
            }
            Ok(_) => {}
            Err(e) => return fail(FileError::from_io(e, path)),
        }
        if let Some(crc) = &options.crc32c
            && let Ok(mut crc) = crc.lock()
        {
            crc.feed(position, &block);
        }
        let read = block.len() as u64;
        if tx
            .blocking_send(Ok((position, BLOCKS.freeze(block))))
            .is_err()
        {
            return; // the request was dropped (pause, error): stop reading
        }
        position += read;
    }
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[tokio::test]
    async fn streams_exact_range_and_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &data).expect("write");
        let options = StreamOptions::default();
        let crc = Arc::new(Mutex::new(RunningCrc32c::default()));
        let options = StreamOptions {
            crc32c: Some(crc.clone()),
            ..options
        };
        let mut out = Vec::new();
        let mut stream = Box::pin(stream_range(path.clone(), 0, 2_500_000, options.clone()));
        while let Some(block) = stream.next().await {
            out.extend_from_slice(&block.expect("block"));
        }
        assert_eq!(out, &data[..2_500_000]);
        assert_eq!(options.counter.transmitted_bytes(), 2_500_000);
        assert_eq!(options.counter.sent_position_bytes(), 2_500_000);
        let crc = *crc.lock().expect("lock");
        assert_eq!(crc.upto_bytes, 2_500_000);
        assert_eq!(crc.value, crc32c::crc32c(&data[..2_500_000]));
    }

    #[tokio::test]
    async fn short_file_reports_change() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, vec![7u8; 1000]).expect("write");
        let options = StreamOptions::default();
        let mut stream = Box::pin(stream_range(path, 500, 1000, options.clone()));
        let mut saw_error = false;
        while let Some(block) = stream.next().await {
            if block.is_err() {
                saw_error = true;
            }
        }
        assert!(saw_error);
        assert!(matches!(
            options.take_failure(),
            Some(FileError::Changed { .. })
        ));
    }
}
