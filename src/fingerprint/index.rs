//! The index file: keyed fingerprint hashes only, never code, in a form that loads with one
//! read and answers a lookup with one bucket search. The layout (all integers little-endian):
//!
//! ```text
//! magic        8 bytes   "OFPIDX1\n"
//! header_len   u32       length of the header
//! header       JSON      name, sources, exclude globs, k, window, identifiers, key check, counts
//! bucket_bits  u8        B (4..=24), then 3 zero bytes
//! offsets      u32 × (2^B + 1)   start of each bucket in `rest`; the last is the count
//! rest         u16 × count       the 16 bits after the bucket, sorted within each bucket
//! ```
//!
//! A fingerprint is the top B + 16 bits of its keyed hash: the top B choose the bucket, the
//! next 16 are stored. B grows with the count so that about 8 to 16 entries share a bucket,
//! which keeps a chance match near one in 4,000 to 8,000 lookups whatever the size; the check asks for
//! several matches on neighbouring lines before it reports anything.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

const MAGIC: &[u8; 8] = b"OFPIDX1\n";

/// What an index says about itself (`fingerprint info`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// Format version (1).
    pub format: u32,
    /// `--name`, what findings call the index.
    pub name: String,
    /// The sources it was built from: folder names, `repo@commit`.
    pub sources: Vec<String>,
    /// `--exclude` globs: paths left out at build time.
    pub exclude: Vec<String>,
    /// Tokens per k-gram.
    pub k: u32,
    /// k-grams per winnowing window.
    pub window: u32,
    /// How identifiers enter the hashes.
    pub identifiers: super::Identifiers,
    /// Files seen in more than this many files were dropped as boilerplate.
    pub common_files: u32,
    /// 24 bits of a keyed hash of a fixed value: tells a wrong key from a right one.
    pub key_check: String,
    /// Whether the policy gave a key (else a built-in one was used, and the index is an
    /// oracle for anyone with the tool).
    pub keyed: bool,
    /// Files and bytes read.
    pub files: u64,
    pub bytes: u64,
    /// Fingerprints kept, and those dropped as boilerplate.
    pub fingerprints: u64,
    pub dropped_common: u64,
    /// The version of git-outbound that built it.
    pub built_by: String,
}

/// A loaded index.
pub struct Index {
    pub path: PathBuf,
    pub header: Header,
    bits: u32,
    data: Vec<u8>,
    offsets_at: usize,
    rest_at: usize,
}

/// The bucket bits for `count` fingerprints.
fn bucket_bits(count: usize) -> u32 {
    let log = usize::BITS - count.max(1).leading_zeros();
    log.saturating_sub(4).clamp(4, 24)
}

impl Index {
    /// Writes `keyed` (keyed hashes, any order, duplicates allowed) as an index at `path`.
    pub fn write(path: &Path, header: &Header, keyed: &[u64]) -> Result<u64, Error> {
        let bits = bucket_bits(keyed.len());
        let mut values: Vec<u64> = keyed.iter().map(|h| h >> (48 - bits)).collect();
        values.sort_unstable();
        values.dedup();
        let mut header = header.clone();
        header.fingerprints = values.len() as u64;
        let json = serde_json::to_vec(&header)
            .map_err(|e| Error::Internal(format!("writing an index header: {e}")))?;
        let buckets = 1usize << bits;
        let mut out = Vec::with_capacity(16 + json.len() + 4 * (buckets + 1) + 2 * values.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&[bits as u8, 0, 0, 0]);
        let mut at = 0usize;
        for b in 0..=buckets {
            while at < values.len() && ((values[at] >> 16) as usize) < b {
                at += 1;
            }
            out.extend_from_slice(&(at as u32).to_le_bytes());
        }
        for v in &values {
            out.extend_from_slice(&((v & 0xffff) as u16).to_le_bytes());
        }
        std::fs::write(path, &out).map_err(|e| Error::io(path, e))?;
        Ok(out.len() as u64)
    }

    /// Reads the index at `path`.
    pub fn read(path: &Path) -> Result<Index, Error> {
        let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let bad = |what: &str| {
            Error::Usage(format!(
                "'{}' is not a fingerprint index: {what}",
                path.display()
            ))
        };
        if data.len() < 12 || &data[..8] != MAGIC {
            return Err(bad(
                "no 'OFPIDX1' header (build one with `git outbound fingerprint build`)",
            ));
        }
        let len = u32::from_le_bytes([data[8], data[9], data[10], data[11]]) as usize;
        let json = data
            .get(12..12 + len)
            .ok_or_else(|| bad("truncated header"))?;
        let header: Header =
            serde_json::from_slice(json).map_err(|e| bad(&format!("bad header: {e}")))?;
        let offsets_at = 12 + len + 4;
        let bits = u32::from(*data.get(12 + len).ok_or_else(|| bad("truncated"))?);
        if !(4..=24).contains(&bits) {
            return Err(bad("bad bucket size"));
        }
        let rest_at = offsets_at + 4 * ((1usize << bits) + 1);
        let index = Index {
            path: path.to_path_buf(),
            header,
            bits,
            data,
            offsets_at,
            rest_at,
        };
        let count = index.offset(1 << bits);
        if index.data.len() != rest_at + 2 * count {
            return Err(bad("its size does not match its count"));
        }
        Ok(index)
    }

    fn offset(&self, bucket: usize) -> usize {
        let at = self.offsets_at + 4 * bucket;
        let b = &self.data[at..at + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }

    /// Whether the index holds the keyed hash `keyed`.
    pub fn contains(&self, keyed: u64) -> bool {
        let v = keyed >> (48 - self.bits);
        let bucket = (v >> 16) as usize;
        let want = (v & 0xffff) as u16;
        let (from, to) = (self.offset(bucket), self.offset(bucket + 1));
        let rest = &self.data[self.rest_at + 2 * from..self.rest_at + 2 * to];
        // A bucket holds about a dozen entries: a scan beats a binary search.
        rest.chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .take_while(|x| *x <= want)
            .any(|x| x == want)
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// How the findings name this index: its name and its sources.
    pub fn describe(&self) -> String {
        match self.header.sources.as_slice() {
            [] => format!("'{}'", self.header.name),
            s => format!("'{}' ({})", self.header.name, s.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            format: 1,
            name: "t".into(),
            sources: vec!["a".into()],
            exclude: Vec::new(),
            k: 15,
            window: 30,
            identifiers: crate::fingerprint::Identifiers::Order,
            common_files: 10,
            key_check: "000000".into(),
            keyed: true,
            files: 1,
            bytes: 1,
            fingerprints: 0,
            dropped_common: 0,
            built_by: "test".into(),
        }
    }

    #[test]
    fn written_hashes_are_found_and_others_mostly_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ofp");
        let keyed: Vec<u64> = (0..5000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        Index::write(&path, &header(), &keyed).unwrap();
        let index = Index::read(&path).unwrap();
        assert_eq!(index.header.fingerprints, 5000);
        assert!(keyed.iter().all(|h| index.contains(*h)));
        let others = (5000..105_000u64)
            .filter(|i| index.contains(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            .count();
        assert!(others < 100, "{others} chance matches in 100,000");
    }

    #[test]
    fn a_file_that_is_no_index_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ofp");
        std::fs::write(&path, "hello").unwrap();
        let err = Index::read(&path).err().unwrap().to_string();
        assert!(
            err.contains("x.ofp") && err.contains("not a fingerprint index"),
            "{err}"
        );
    }
}
