use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use md5::Digest as _;
use serde::{Deserialize, Serialize};

use super::FileError;

/// A CRC32C over the file's prefix `[0, upto_bytes)`, extended as bytes are read for sending.
///
/// Bytes re-sent after a rewind are not hashed twice: only bytes at `upto_bytes` extend it. It is
/// plain data, so it can be saved in the journal and survive a relaunch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RunningCrc32c {
    /// The CRC32C of the bytes `[0, upto_bytes)`.
    pub value: u32,
    /// How many leading bytes of the file are covered.
    pub upto_bytes: u64,
}

impl RunningCrc32c {
    /// Feeds `data`, which sits at `position` in the file. Only the part that extends the covered
    /// prefix is hashed; anything else is ignored.
    pub fn feed(&mut self, position: u64, data: &[u8]) {
        let end = position + data.len() as u64;
        if position > self.upto_bytes || end <= self.upto_bytes {
            return;
        }
        let skip = (self.upto_bytes - position) as usize;
        self.value = crc32c::crc32c_append(self.value, &data[skip..]);
        self.upto_bytes = end;
    }

    /// The CRC as Google sends it: base64 of the big-endian 4 bytes.
    pub fn to_base64(self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.value.to_be_bytes())
    }
}

/// Digests of a whole file, as Google encodes them (base64 of the raw digest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDigests {
    /// base64 CRC32C (big-endian).
    pub crc32c_base64: String,
    /// base64 MD5.
    pub md5_base64: String,
}

/// Reads the whole file once, in blocks (bounded memory), and returns its CRC32C and MD5. Blocking:
/// call from a blocking thread.
pub fn file_digests(path: &Path) -> Result<FileDigests, FileError> {
    file_digests_reporting(path, &mut |_| {})
}

/// [`file_digests`], calling `read` with the bytes read so far after every block: a multi-GiB
/// file takes seconds to read, and whoever waits can see that it goes on (an upload's stall
/// timer must not take a long local read for a silent server).
pub fn file_digests_reporting(
    path: &Path,
    read: &mut dyn FnMut(u64),
) -> Result<FileDigests, FileError> {
    let mut file = std::fs::File::open(path).map_err(|e| FileError::from_io(e, path))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut crc = 0u32;
    let mut md5 = md5::Md5::new();
    let mut total_bytes = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| FileError::from_io(e, path))?;
        if n == 0 {
            break;
        }
        crc = crc32c::crc32c_append(crc, &buf[..n]);
        md5.update(&buf[..n]);
        total_bytes += n as u64;
        read(total_bytes);
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(FileDigests {
        crc32c_base64: b64.encode(crc.to_be_bytes()),
        md5_base64: b64.encode(md5.finalize()),
    })
}

#[cfg(test)]
#[allow(
    clippy::disallowed_methods,
    reason = "tests start their own runtimes and threads"
)]
mod tests {
    use super::*;

    #[test]
    fn running_crc_ignores_overlap_and_gaps() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let mut crc = RunningCrc32c::default();
        crc.feed(0, &data[..300]);
        crc.feed(100, &data[100..500]); // overlap: only 300..500 counts
        crc.feed(700, &data[700..]); // gap: ignored
        crc.feed(500, &data[500..]);
        assert_eq!(crc.upto_bytes, 1000);
        assert_eq!(crc.value, crc32c::crc32c(&data));
    }

    #[test]
    fn digests_match_known_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"hello world").expect("write");
        let d = file_digests(&path).expect("digests");
        assert_eq!(d.md5_base64, "XrY7u+Ae7tCTyyK7j1rNww==");
        assert_eq!(d.crc32c_base64, "yZRlqg==");
    }

    #[test]
    fn a_long_read_reports_as_it_goes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..(5 << 20) + 7).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).expect("write");
        let mut reports = Vec::new();
        let d = file_digests_reporting(&path, &mut |bytes| reports.push(bytes)).expect("digests");
        assert_eq!(d, file_digests(&path).expect("digests"));
        assert!(reports.len() >= 6, "{reports:?}");
        assert!(reports.windows(2).all(|w| w[0] < w[1]), "{reports:?}");
        assert_eq!(reports.last(), Some(&(data.len() as u64)));
    }
}
