//! Streaming a request body into a partial file, with running digests and body faults.
//!
//! The body is never held whole in memory: frames are gathered into batches of a few MiB and
//! handed over bounded channels to a writer thread (large vectored writes) and, when the resource
//! reports digests, a hashing thread (MD5 and CRC32C), so receiving, writing and hashing overlap.
//! The hashing thread keeps a checkpoint of its state every [`CHECKPOINT_BYTES`], so when the
//! server keeps fewer bytes than it received (broken connection, `short-commit`) the digests of the
//! kept prefix are rebuilt by re-reading at most one checkpoint interval from the file.

use std::fs::File;
use std::io::{self, IoSlice, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::StreamExt as _;
use md5::{Digest as _, Md5};
use tokio::sync::mpsc;

use super::App;
use super::faults::DropPoint;

/// Bytes gathered before one hand-over to the writer.
const BATCH_BYTES: usize = 4 << 20;
/// Batches in flight per channel.
const BATCHES_IN_FLIGHT: usize = 4;
/// Distance between two saved digest states.
pub(crate) const CHECKPOINT_BYTES: u64 = 1 << 20;
/// Read size when digests are rebuilt from a file.
const REHASH_BUFFER_BYTES: usize = 1 << 20;

/// MD5 and CRC32C of the first `len` bytes of an upload.
#[derive(Clone, Debug)]
pub(crate) struct Digests {
    len: u64,
    md5: Md5,
    crc32c: u32,
}

impl Default for Digests {
    fn default() -> Self {
        Digests {
            len: 0,
            md5: Md5::new(),
            crc32c: 0,
        }
    }
}

impl Digests {
    /// How many bytes went in.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Adds bytes.
    pub fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.crc32c = crc32c::crc32c_append(self.crc32c, data);
        self.len += data.len() as u64;
    }

    /// Base64 of the raw MD5 digest, as Cloud Storage reports `md5Hash`.
    pub fn md5_base64(&self) -> String {
        BASE64.encode(self.md5.clone().finalize())
    }

    /// Lowercase hex of the MD5 digest, as S3 puts it in an `ETag`.
    pub fn md5_hex(&self) -> String {
        self.md5
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Base64 of the big-endian CRC32C, as Cloud Storage reports `crc32c`.
    pub fn crc32c_base64(&self) -> String {
        BASE64.encode(self.crc32c.to_be_bytes())
    }

    /// Continues these digests with the bytes of `path` up to offset `to` (blocking).
    pub fn extend_from_file(mut self, path: &Path, to: u64) -> io::Result<Digests> {
        if to <= self.len {
            return Ok(self);
        }
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(self.len))?;
        let mut buffer = vec![0u8; REHASH_BUFFER_BYTES];
        while self.len < to {
            let want = usize::try_from(to - self.len)
                .unwrap_or(usize::MAX)
                .min(buffer.len());
            let read = file.read(&mut buffer[..want])?;
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the partial file is shorter than the stored offset",
                ));
            }
            self.update(&buffer[..read]);
        }
        Ok(self)
    }
}

/// The digest states saved while receiving one body.
#[derive(Debug)]
pub(crate) struct DigestTrail {
    /// States at the start and at every checkpoint, in order.
    checkpoints: Vec<Digests>,
    /// The state after the last byte.
    last: Digests,
}

impl DigestTrail {
    /// The digests of the first `len` bytes, re-reading `path` past the nearest checkpoint.
    pub async fn at(self, path: PathBuf, len: u64) -> io::Result<Digests> {
        if self.last.len == len {
            return Ok(self.last);
        }
        let start = self
            .checkpoints
            .into_iter()
            .rev()
            .find(|d| d.len <= len)
            .unwrap_or_default();
        run_blocking(move || start.extend_from_file(&path, len)).await
    }
}

/// Runs blocking file work off the async threads.
pub(crate) async fn run_blocking<T, F>(work: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// What to do with one request body.
#[derive(Debug)]
pub(crate) struct SinkPlan {
    /// The partial file; its length is `start`.
    pub partial: PathBuf,
    /// The stored offset the body continues.
    pub start: u64,
    /// Leading body bytes already stored (an overlap), read and discarded.
    pub skip: u64,
    /// At most this many bytes are stored after the skipped ones; the rest is read and discarded.
    pub limit: Option<u64>,
    /// The body length announced by the client, when known (for `drop-rate`).
    pub body_len: Option<u64>,
    /// Digests of the first `start` bytes, when the resource reports digests.
    pub digests: Option<Digests>,
}

/// How reading a body ended.
#[derive(Debug)]
pub(crate) enum BodyEnd {
    /// The whole body was read.
    Complete,
    /// A drop fault fired: the connection must be closed without an answer.
    Dropped,
    /// The client's connection broke (or it sent a malformed body).
    Broken,
    /// The partial file could not be written.
    WriteFailed(io::Error),
}

/// The result of [`receive`].
#[derive(Debug)]
pub(crate) struct SinkOutcome {
    /// How the body ended.
    pub end: BodyEnd,
    /// Length of the partial file now: `start` plus the bytes stored.
    pub stored_end: u64,
    /// Digest states, when the plan had digests.
    pub trail: Option<DigestTrail>,
}

/// Reads `body` into the partial file as `plan` says, injecting body faults from `app`.
pub(crate) async fn receive(app: &Arc<App>, body: Body, plan: SinkPlan) -> SinkOutcome {
    let SinkPlan {
        partial,
        start,
        skip,
        limit,
        body_len,
        digests,
    } = plan;
    let (write_tx, write_rx) = mpsc::channel::<Vec<Bytes>>(BATCHES_IN_FLIGHT);
    let writer = tokio::task::spawn_blocking(move || write_batches(&partial, start, write_rx));
    let (hash_tx, hasher) = match digests {
        Some(digests) => {
            let (tx, rx) = mpsc::channel::<Vec<Bytes>>(BATCHES_IN_FLIGHT);
            (
                Some(tx),
                Some(tokio::task::spawn_blocking(move || {
                    hash_batches(digests, rx)
                })),
            )
        }
        None => (None, None),
    };

    let mut stream = body.into_data_stream();
    let mut reading = Reading {
        read: 0,
        stored: 0,
        skip,
        limit,
        body_len,
        generation: app.faults.generation(),
        drop_point: app.faults.drop_point(body_len, 0),
        throttled: false,
    };
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batch_len = 0usize;
    let mut end = BodyEnd::Complete;
    let mut writer_gone = false;

    while let Some(frame) = stream.next().await {
        let Ok(data) = frame else {
            end = BodyEnd::Broken;
            break;
        };
        let (data, hit) = reading.frame(app, data).await;
        if !data.is_empty() {
            batch_len += data.len();
            batch.push(data);
            if batch_len >= BATCH_BYTES {
                batch_len = 0;
                if !send(&write_tx, hash_tx.as_ref(), std::mem::take(&mut batch)).await {
                    writer_gone = true;
                    break;
                }
            }
        }
        if let Some(point) = hit {
            if point.hang {
                // Neither read nor answer: the client sees a connection that stalls.
                tokio::time::sleep(super::faults::HANG_DURATION).await;
            }
            end = BodyEnd::Dropped;
            break;
        }
    }
    let (read, stored) = (reading.read, reading.stored);
    drop(stream);
    app.stats.add_body_size(read);
    if !batch.is_empty() && !writer_gone {
        send(&write_tx, hash_tx.as_ref(), batch).await;
    }
    drop(write_tx);
    drop(hash_tx);

    let written = match writer.await.map_err(io::Error::other) {
        Ok(Ok(written)) => written,
        Ok(Err(e)) | Err(e) => {
            end = BodyEnd::WriteFailed(e);
            0
        }
    };
    let trail = match hasher {
        Some(hasher) => hasher.await.ok(),
        None => None,
    };
    if !matches!(end, BodyEnd::WriteFailed(_)) && written != stored {
        end = BodyEnd::WriteFailed(io::Error::other("the writer stopped early"));
    }
    SinkOutcome {
        end,
        stored_end: start + written,
        trail,
    }
}

/// Where the reading of one body stands: what was read and stored, what is still to skip, and
/// the connection drop the fault configuration has planned in it.
struct Reading {
    read: u64,
    stored: u64,
    skip: u64,
    limit: Option<u64>,
    body_len: Option<u64>,
    generation: u64,
    drop_point: Option<DropPoint>,
    throttled: bool,
}

impl Reading {
    /// Counts, throttles and trims one frame: the bytes of it to store, and the drop it reached.
    async fn frame(&mut self, app: &Arc<App>, mut data: Bytes) -> (Bytes, Option<DropPoint>) {
        let now = app.faults.generation();
        if now != self.generation {
            self.generation = now;
            self.drop_point = app.faults.drop_point(self.body_len, self.read);
        }
        let mut hit = None;
        if let Some(point) = self.drop_point
            && self.read + data.len() as u64 >= point.after_body_bytes
        {
            data.truncate(
                usize::try_from(point.after_body_bytes - self.read).unwrap_or(usize::MAX),
            );
            app.faults.count(point.kind);
            hit = Some(point);
        }
        let len = data.len() as u64;
        self.read += len;
        app.stats.add_body_bytes(len);
        if app.faults.throttle(len).await && !self.throttled {
            self.throttled = true;
            app.faults.count(super::faults::kind::THROTTLE);
        }
        if self.skip > 0 {
            let n = self.skip.min(len);
            let _ = data.split_to(usize::try_from(n).unwrap_or(usize::MAX));
            self.skip -= n;
        }
        if let Some(limit) = self.limit {
            let room = limit.saturating_sub(self.stored);
            if (data.len() as u64) > room {
                data.truncate(usize::try_from(room).unwrap_or(usize::MAX));
            }
        }
        self.stored += data.len() as u64;
        (data, hit)
    }
}

/// Hands a batch to the writer and the hasher; false when the writer stopped.
async fn send(
    write_tx: &mpsc::Sender<Vec<Bytes>>,
    hash_tx: Option<&mpsc::Sender<Vec<Bytes>>>,
    batch: Vec<Bytes>,
) -> bool {
    if let Some(hash_tx) = hash_tx {
        // The hasher only stops with the writer, which the writer's answer reports.
        let _ = hash_tx.send(batch.clone()).await;
    }
    write_tx.send(batch).await.is_ok()
}

/// Writer thread: appends batches at `start`; returns the bytes written.
fn write_batches(path: &Path, start: u64, mut rx: mpsc::Receiver<Vec<Bytes>>) -> io::Result<u64> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    if file.metadata()?.len() != start {
        file.set_len(start)?;
    }
    file.seek(SeekFrom::Start(start))?;
    let mut written = 0u64;
    while let Some(batch) = rx.blocking_recv() {
        written += write_all_vectored(&mut file, &batch)?;
    }
    Ok(written)
}

/// Writes every buffer, in as few system calls as the OS allows.
fn write_all_vectored(file: &mut File, buffers: &[Bytes]) -> io::Result<u64> {
    let total: usize = buffers.iter().map(Bytes::len).sum();
    let mut slices: Vec<IoSlice<'_>> = buffers.iter().map(|b| IoSlice::new(b)).collect();
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        match file.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total as u64)
}

/// Hashing thread: digests every batch, saving a state at each checkpoint boundary.
fn hash_batches(mut digests: Digests, mut rx: mpsc::Receiver<Vec<Bytes>>) -> DigestTrail {
    let mut checkpoints = vec![digests.clone()];
    while let Some(batch) = rx.blocking_recv() {
        for buffer in batch {
            let mut data: &[u8] = &buffer;
            while !data.is_empty() {
                let to_boundary = CHECKPOINT_BYTES - digests.len % CHECKPOINT_BYTES;
                let n = usize::try_from(to_boundary)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                digests.update(&data[..n]);
                data = &data[n..];
                if digests.len.is_multiple_of(CHECKPOINT_BYTES) {
                    checkpoints.push(digests.clone());
                }
            }
        }
    }
    DigestTrail {
        checkpoints,
        last: digests,
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
    fn digests_of_known_data() {
        let mut d = Digests::default();
        d.update(b"hello ");
        d.update(b"world");
        // md5("hello world") = 5eb63bbbe01eeed093cb22bb8f5acdc3
        assert_eq!(d.md5_base64(), "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(
            d.crc32c_base64(),
            BASE64.encode(crc32c::crc32c(b"hello world").to_be_bytes())
        );
        assert_eq!(d.len(), 11);
    }

    #[tokio::test]
    async fn trail_rebuilds_any_prefix() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data");
        let data: Vec<u8> = (0..(3 * CHECKPOINT_BYTES + 12345))
            .map(|i| (i % 251) as u8)
            .collect();
        std::fs::write(&path, &data).expect("write");
        for len in [
            0,
            10,
            CHECKPOINT_BYTES,
            CHECKPOINT_BYTES + 7,
            3 * CHECKPOINT_BYTES + 12345,
        ] {
            let (tx, rx) = mpsc::channel(4);
            let hasher = tokio::task::spawn_blocking(move || hash_batches(Digests::default(), rx));
            for chunk in data.chunks(700_000) {
                tx.send(vec![Bytes::copy_from_slice(chunk)])
                    .await
                    .expect("send");
            }
            drop(tx);
            let trail = hasher.await.expect("hasher");
            let got = trail.at(path.clone(), len).await.expect("digests");
            let mut want = Digests::default();
            want.update(&data[..len as usize]);
            assert_eq!(got.md5_base64(), want.md5_base64(), "len {len}");
            assert_eq!(got.crc32c_base64(), want.crc32c_base64(), "len {len}");
        }
    }
}
