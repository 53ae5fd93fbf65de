//! The index file: keyed fingerprint hashes only, never code, in a form that loads with one
//! read and answers a lookup with one bucket search. The layout (all integers little-endian):
//!
//! ```text
//! magic        8 bytes   "OFPIDX2\n"
//! header_len   u32       length of the header
//! header       JSON      name, sources, exclude globs, k, window, identifiers, key check, counts
//! bucket_bits  u8        B (4..=24), then 3 zero bytes
//! offsets      u32 × (2^B + 1)   start of each bucket in `rest`; the last is the count
//! rest         u16 × count       the 16 bits after the bucket, sorted within each bucket
//! next         u8 × count        for each entry, the low byte of the keyed hash of the
//!                                fingerprint that follows it in its file (0 after the last)
//! ```
//!
//! A fingerprint is the top B + 16 bits of its keyed hash: the top B choose the bucket, the
//! next 16 are stored. B grows with the count so that about 8 to 16 entries share a bucket,
//! which keeps a chance match near one in 4,000 to 8,000 lookups whatever the size. A
//! fingerprint that occurs in several places has one entry per distinct successor. The
//! successor byte is what lets the check tell a copy, whose fingerprints follow one another
//! as they do in the internal file, from code that merely shares shapes with many files.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

const MAGIC: &[u8; 8] = b"OFPIDX2\n";
/// The magic of the first format, which had no successor bytes.
const MAGIC_1: &[u8; 8] = b"OFPIDX1\n";

/// The byte of a keyed hash that the index stores as a successor.
pub fn tag(keyed: u64) -> u8 {
    keyed as u8
}

/// What an index says about itself (`fingerprint info`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Header {
    /// Format version (2).
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
    next_at: usize,
}

/// The bucket bits for `count` fingerprints.
fn bucket_bits(count: usize) -> u32 {
    let log = usize::BITS - count.max(1).leading_zeros();
    log.saturating_sub(4).clamp(4, 24)
}

impl Index {
    /// Writes `entries` (keyed hashes, each with the tag of its successor; any order,
    /// duplicates allowed) as an index at `path`.
    pub fn write(path: &Path, header: &Header, entries: &[(u64, u8)]) -> Result<u64, Error> {
        let bits = bucket_bits(entries.len());
        let mut values: Vec<(u64, u8)> = entries
            .iter()
            .map(|(h, next)| (h >> (48 - bits), *next))
            .collect();
        values.sort_unstable();
        values.dedup();
        let mut header = header.clone();
        header.fingerprints = values.chunk_by(|a, b| a.0 == b.0).count() as u64;
        let json = serde_json::to_vec(&header)
            .map_err(|e| Error::Internal(format!("writing an index header: {e}")))?;
        let buckets = 1usize << bits;
        let mut out = Vec::with_capacity(16 + json.len() + 4 * (buckets + 1) + 3 * values.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(json.len() as u32).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&[bits as u8, 0, 0, 0]);
        let mut at = 0usize;
        for b in 0..=buckets {
            while at < values.len() && ((values[at].0 >> 16) as usize) < b {
                at += 1;
            }
            out.extend_from_slice(&(at as u32).to_le_bytes());
        }
        for (v, _) in &values {
            out.extend_from_slice(&((v & 0xffff) as u16).to_le_bytes());
        }
        out.extend(values.iter().map(|(_, next)| *next));
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
        if data.len() >= 8 && &data[..8] == MAGIC_1 {
            return Err(bad(
                "it is in the first index format, which this version no longer reads; \
                 rebuild it with `git outbound fingerprint build`",
            ));
        }
        if data.len() < 12 || &data[..8] != MAGIC {
            return Err(bad(
                "no 'OFPIDX2' header (build one with `git outbound fingerprint build`)",
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
        let mut index = Index {
            path: path.to_path_buf(),
            header,
            bits,
            data,
            offsets_at,
            rest_at,
            next_at: 0,
        };
        if index.data.len() < rest_at {
            return Err(bad("truncated"));
        }
        let count = index.offset(1 << bits);
        index.next_at = rest_at + 2 * count;
        if index.data.len() != rest_at + 3 * count {
            return Err(bad("its size does not match its count"));
        }
        // Lookups slice buckets by these offsets: they must not decrease.
        let mut last = 0;
        for b in 0..=1usize << bits {
            let at = index.offset(b);
            if at < last {
                return Err(bad("its bucket offsets decrease"));
            }
            last = at;
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
        self.successors(keyed).is_some()
    }

    /// The successor tags stored with the keyed hash `keyed` (see `tag`), or `None` when the
    /// index lacks it.
    pub fn successors(&self, keyed: u64) -> Option<&[u8]> {
        let v = keyed >> (48 - self.bits);
        let bucket = (v >> 16) as usize;
        let want = (v & 0xffff) as u16;
        let (from, to) = (self.offset(bucket), self.offset(bucket + 1));
        let rest = &self.data[self.rest_at + 2 * from..self.rest_at + 2 * to];
        // A bucket holds about a dozen entries: a scan beats a binary search.
        let stored = |i: usize| u16::from_le_bytes([rest[2 * i], rest[2 * i + 1]]);
        let first = (0..to - from).find(|&i| stored(i) >= want)?;
        if stored(first) != want {
            return None;
        }
        let end = (first..to - from)
            .find(|&i| stored(i) != want)
            .unwrap_or(to - from);
        let at = self.next_at + from;
        Some(&self.data[at + first..at + end])
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
            format: 2,
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
        let entries: Vec<(u64, u8)> = keyed.iter().map(|h| (*h, tag(h >> 3))).collect();
        Index::write(&path, &header(), &entries).unwrap();
        let index = Index::read(&path).unwrap();
        assert_eq!(index.header.fingerprints, 5000);
        assert!(keyed.iter().all(|h| index.contains(*h)));
        assert!(keyed.iter().all(|h| {
            index
                .successors(*h)
                .is_some_and(|s| s.contains(&tag(h >> 3)))
        }));
        let others = (5000..105_000u64)
            .filter(|i| index.contains(i.wrapping_mul(0x9E37_79B9_7F4A_7C15)))
            .count();
        assert!(others < 100, "{others} chance matches in 100,000");
    }

    #[test]
    fn a_fingerprint_seen_in_two_places_keeps_both_successors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ofp");
        let h = 0xdead_beef_0000_0000u64;
        let entries = [(h, 7), (h, 9), (h, 7), (h ^ 1 << 60, 1)];
        Index::write(&path, &header(), &entries).unwrap();
        let index = Index::read(&path).unwrap();
        assert_eq!(index.header.fingerprints, 2);
        assert_eq!(index.successors(h), Some(&[7u8, 9][..]));
        assert_eq!(index.successors(h ^ 1 << 59), None);
    }

    #[test]
    fn an_index_with_offsets_out_of_order_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.ofp");
        let entries: Vec<(u64, u8)> = (0..64u64).map(|i| (i << 58, 0)).collect();
        Index::write(&path, &header(), &entries).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let json_len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
        // The second bucket's offset, made larger than the third's.
        let at = 12 + json_len + 4 + 4;
        bytes[at..at + 4].copy_from_slice(&60u32.to_le_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let err = Index::read(&path).err().unwrap().to_string();
        assert!(err.contains("offsets decrease"), "{err}");
    }

    #[test]
    fn an_index_of_the_first_format_asks_for_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.ofp");
        std::fs::write(&path, b"OFPIDX1\n\0\0\0\0").unwrap();
        let err = Index::read(&path).err().unwrap().to_string();
        assert!(err.contains("rebuild it"), "{err}");
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
