//! Objects read straight from a repository's pack files, for the walks that read a long
//! history's objects one version after another (ranges, pushes, `--history`).
//!
//! In a pack, most versions of a tree or file are deltas against another version, in chains
//! up to 50 long. libgit2 keeps only the base of a chain in its cache, so each version costs
//! the whole chain again: inflating and applying every delta down to it. Here each version
//! built on the way is kept in a small per-worker cache, so the next version of the same file
//! or folder costs one delta. Packs are read with `pread` (no memory maps, so the pages read
//! do not stay in the process's resident memory) and their indexes are looked up on disk
//! through a sample of every `SAMPLE`-th id; that sample and the objects' offsets (4 bytes
//! an object) are held in memory, read for each range of the index's fan-out table (ids of
//! one first byte) when it is first needed, so a short run reads little of a large index.
//!
//! What no pack here holds (loose objects, alternates, a base in another pack) is read through
//! libgit2: the answer is the same, only slower.

use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use git2::{ObjectType, Oid, Repository};

use crate::error::Error;

/// One id in this many is held in memory; a lookup reads the ids between two of them.
const SAMPLE: usize = 32;

/// Bytes of built objects a worker keeps (two generations of half this each): the trees of
/// the last few hundred commits, and the delta chains of the files read last.
const CACHE_BYTES: usize = 12 << 20;

/// Objects larger than this are not kept: a version of a large file rarely serves again
/// before it would be evicted, and it would evict many small ones.
const CACHE_MAX_OBJECT: usize = 512 << 10;

/// A delta chain longer than this is taken for a corrupt pack (git writes at most 4095).
const MAX_CHAIN: usize = 10_000;

/// The pack files of a repository, shared by the workers of a run.
pub struct Packs {
    packs: Vec<Pack>,
}

/// One pack and its index (version 2).
struct Pack {
    idx: File,
    pack: File,
    pack_len: u64,
    count: usize,
    /// How many ids sort below each first byte and at it: the ids of first byte `b` are
    /// those from `fanout[b - 1]` to `fanout[b]`.
    fanout: [u32; 256],
    /// For each first byte, what is held of its ids, read when first needed (`None`: the
    /// index could not be read there).
    buckets: Vec<OnceLock<Option<Bucket>>>,
}

/// What is held in memory of the ids of one first byte: the first 8 bytes (big-endian) of
/// every `SAMPLE`-th id, and each id's entry of the offset table (4 bytes an object), so that
/// a lookup reads the index once, for the ids between two samples.
struct Bucket {
    sample: Vec<u64>,
    offsets: Vec<u32>,
}

impl Packs {
    /// No packs: every object is read through libgit2.
    pub fn none() -> Arc<Packs> {
        Arc::new(Packs { packs: Vec::new() })
    }

    /// The packs of `repo`'s object directory, and of the quarantine of pre-receive when the
    /// hook runs inside one. A pack whose index cannot be read is left to libgit2.
    pub fn open(repo: &Repository) -> Arc<Packs> {
        Packs::open_dirs(&crate::git::object_dirs(repo))
    }

    /// The packs under `<dir>/pack` of each object directory `dirs`, in that order.
    pub fn open_dirs(dirs: &[PathBuf]) -> Arc<Packs> {
        let mut packs = Vec::new();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
                continue;
            };
            let mut idx: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .collect();
            idx.sort();
            packs.extend(idx.iter().filter_map(|p| Pack::open(p).ok()));
        }
        Arc::new(Packs { packs })
    }
}

impl Pack {
    fn open(idx_path: &Path) -> std::io::Result<Pack> {
        let bad = || std::io::Error::other("not a version 2 pack index");
        let idx = File::open(idx_path)?;
        let pack = File::open(idx_path.with_extension("pack"))?;
        let pack_len = pack.metadata()?.len();
        let mut head = [0u8; 8 + 1024];
        idx.read_exact_at(&mut head, 0)?;
        if head[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return Err(bad());
        }
        let count = u32::from_be_bytes(head[8 + 1020..8 + 1024].try_into().map_err(|_| bad())?);
        let count = count as usize;
        let mut pack_head = [0u8; 12];
        pack.read_exact_at(&mut pack_head, 0)?;
        let objects = u32::from_be_bytes(pack_head[8..12].try_into().map_err(|_| bad())?);
        if &pack_head[..4] != b"PACK" || objects as usize != count {
            return Err(bad());
        }
        let mut fanout = [0u32; 256];
        for (b, f) in fanout.iter_mut().enumerate() {
            let at = 8 + 4 * b;
            *f = u32::from_be_bytes(head[at..at + 4].try_into().map_err(|_| bad())?);
        }
        if fanout.windows(2).any(|w| w[0] > w[1]) {
            return Err(bad());
        }
        Ok(Pack {
            idx,
            pack,
            pack_len,
            count,
            fanout,
            buckets: (0..256).map(|_| OnceLock::new()).collect(),
        })
    }

    /// The ids of first byte `b`: where they start and end in the index.
    fn bucket(&self, b: u8) -> (usize, usize) {
        let lo = match b {
            0 => 0,
            _ => self.fanout[usize::from(b) - 1] as usize,
        };
        (lo, self.fanout[usize::from(b)] as usize)
    }

    /// What is held of the ids of first byte `b`, read on first use.
    fn held(&self, b: u8) -> Option<&Bucket> {
        let read = || -> std::io::Result<Bucket> {
            let (lo, hi) = self.bucket(b);
            let mut names = vec![0u8; (hi - lo) * 20];
            self.idx.read_exact_at(&mut names, names_at(lo))?;
            let sample = names.chunks_exact(20).step_by(SAMPLE).map(prefix).collect();
            let mut words = vec![0u8; (hi - lo) * 4];
            self.idx
                .read_exact_at(&mut words, self.offsets_at() + 4 * lo as u64)?;
            let offsets = words
                .chunks_exact(4)
                .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
                .collect();
            Ok(Bucket { sample, offsets })
        };
        self.buckets[usize::from(b)]
            .get_or_init(|| read().ok())
            .as_ref()
    }

    /// Where the index's table of 4-byte offsets starts (after the ids and their CRCs).
    fn offsets_at(&self) -> u64 {
        names_at(self.count) + 4 * self.count as u64
    }

    /// Where object `id` starts in the pack, if the pack holds it.
    fn find(&self, id: &[u8]) -> std::io::Result<Option<u64>> {
        let key = prefix(id);
        let (lo, hi) = self.bucket(id[0]);
        if lo >= hi || hi > self.count {
            return Ok(None);
        }
        let Some(held) = self.held(id[0]) else {
            return Err(std::io::Error::other("an unreadable pack index"));
        };
        let sample = &held.sample;
        // Ids before sample `k` sort below `key`; those from the first sample above `key` on
        // sort above it.
        let k = sample.partition_point(|&p| p < key);
        let start = lo + k.saturating_sub(1) * SAMPLE;
        let above = k + sample[k..].partition_point(|&p| p <= key);
        let end = (lo + above * SAMPLE).min(hi);
        if start >= end {
            return Ok(None);
        }
        let mut names = [0u8; 20 * 2 * SAMPLE];
        let mut spill = Vec::new();
        let names: &mut [u8] = match (end - start) * 20 {
            len if len <= names.len() => &mut names[..len],
            len => {
                spill.resize(len, 0);
                &mut spill
            }
        };
        self.idx.read_exact_at(names, names_at(start))?;
        let (mut lo, mut hi) = (0, end - start);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match names[mid * 20..mid * 20 + 20].cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    lo = mid;
                    break;
                }
            }
        }
        if names.get(lo * 20..lo * 20 + 20) != Some(id) {
            return Ok(None);
        }
        let n = start + lo;
        let (b_lo, _) = self.bucket(id[0]);
        let small = *held
            .offsets
            .get(n - b_lo)
            .ok_or_else(|| std::io::Error::other("a damaged pack index"))?;
        if small & 0x8000_0000 == 0 {
            return Ok(Some(u64::from(small)));
        }
        let mut large = [0u8; 8];
        let large_at =
            self.offsets_at() + 4 * self.count as u64 + 8 * u64::from(small & 0x7fff_ffff);
        self.idx.read_exact_at(&mut large, large_at)?;
        Ok(Some(u64::from_be_bytes(large)))
    }
}

/// Where the `n`-th id lies in a version 2 index.
fn names_at(n: usize) -> u64 {
    8 + 1024 + 20 * n as u64
}

fn prefix(id: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&id[..8]);
    u64::from_be_bytes(b)
}

/// An object's bytes, shared by the cache and the reader that asked (built in a `Vec` and
/// kept in it: no second copy into an `Arc<[u8]>`).
pub type Data = Arc<Vec<u8>>;

/// An object's kind and bytes.
pub type Object = (ObjectType, Data);

/// One worker's reader: the shared packs and the versions it built last.
pub struct Objects {
    packs: Arc<Packs>,
    cache: Cache,
    /// The inflaters, made on the first entry read (a hook's reader with no packs reads none).
    inflate: Option<flate2::Decompress>,
    /// Inflates a whole stream at once (see [`inflate_whole`]).
    whole: Option<libdeflater::Decompressor>,
    /// The first bytes of the entry read last: its header and, for most entries, all of it.
    head: Vec<u8>,
    /// The rest of an entry longer than `HEAD_READ`, read in growing chunks.
    rest: Vec<u8>,
}

/// Bytes read at once at the start of an entry: the header and the whole zlib stream of
/// nearly every tree (66 bytes on disk on average in the long-history bench, most of them
/// deltas), commit and small file; a larger entry takes a second read. Every byte read is a
/// byte copied: 4 KB here made a history scan copy gigabytes for trees of tens of bytes.
const HEAD_READ: usize = 1024;

/// What an entry of a pack holds.
enum Entry {
    Whole(ObjectType, Vec<u8>),
    /// A delta against the object at this offset of the same pack.
    Delta(u64, Vec<u8>),
}

/// Why the packs could not give an object: not there (libgit2 reads it), or unreadable.
enum Miss {
    Absent,
    Broken(String),
}

impl Objects {
    pub fn new(packs: Arc<Packs>) -> Objects {
        Objects {
            packs,
            cache: Cache::default(),
            inflate: None,
            whole: None,
            head: vec![0; HEAD_READ],
            rest: Vec::new(),
        }
    }

    /// Object `id` when one of the packs holds it.
    pub fn find(&mut self, id: Oid) -> Result<Option<Object>, Error> {
        match self.in_packs(id) {
            Ok(found) => Ok(Some(found)),
            Err(Miss::Broken(why)) => Err(Error::Internal(format!("reading object {id}: {why}"))),
            Err(Miss::Absent) => Ok(None),
        }
    }

    /// Object `id`: from the packs when one holds it, else through libgit2's `odb`.
    pub fn read(&mut self, odb: &git2::Odb, id: Oid) -> Result<Object, Error> {
        if let Some(found) = self.find(id)? {
            return Ok(found);
        }
        let object = odb
            .read(id)
            .map_err(|e| Error::git(format!("reading object {id}"), e))?;
        Ok((object.kind(), Arc::new(object.data().to_vec())))
    }

    fn in_packs(&mut self, id: Oid) -> Result<Object, Miss> {
        let packs = self.packs.clone();
        for (n, pack) in packs.packs.iter().enumerate() {
            let found = pack
                .find(id.as_bytes())
                .map_err(|e| Miss::Broken(e.to_string()))?;
            if let Some(offset) = found {
                return self.build(n, pack, offset);
            }
        }
        Err(Miss::Absent)
    }

    /// The object at `offset` of pack `n`: down its delta chain to a version this worker
    /// built before (or a whole object), then back up, keeping each version built.
    fn build(&mut self, n: usize, pack: &Pack, offset: u64) -> Result<Object, Miss> {
        let mut deltas: Vec<(u64, Vec<u8>)> = Vec::new();
        let mut at = offset;
        let (kind, mut data) = loop {
            if let Some(hit) = self.cache.get(n, at) {
                break hit;
            }
            if deltas.len() > MAX_CHAIN {
                return Err(Miss::Broken("a delta chain that does not end".into()));
            }
            match self.entry(pack, at)? {
                Entry::Whole(kind, bytes) => {
                    let bytes = Arc::new(bytes);
                    self.cache.put(n, at, kind, &bytes);
                    break (kind, bytes);
                }
                Entry::Delta(base, delta) => {
                    deltas.push((at, delta));
                    at = base;
                }
            }
        };
        while let Some((at, delta)) = deltas.pop() {
            data = Arc::new(apply(&data, &delta).ok_or_else(|| {
                Miss::Broken(format!("a corrupt delta at offset {at} of a pack"))
            })?);
            self.cache.put(n, at, kind, &data);
        }
        Ok((kind, data))
    }

    /// Reads and inflates the entry at `offset`.
    fn entry(&mut self, pack: &Pack, offset: u64) -> Result<Entry, Miss> {
        let broken = |why: &str| Miss::Broken(format!("{why} at offset {offset} of a pack"));
        // The header is at most 10 bytes of type and size, and 20 of base id or 10 of base
        // offset; the zlib stream is at most a little longer than what it holds.
        // Most entries fit in the first read, header and all.
        let got = read_some(&pack.pack, &mut self.head, offset, pack.pack_len)
            .map_err(|e| Miss::Broken(e.to_string()))?;
        let head = &self.head[..got];
        let mut i = 0;
        let byte = |i: &mut usize| -> Result<u8, Miss> {
            let b = *head.get(*i).ok_or_else(|| broken("a truncated header"))?;
            *i += 1;
            Ok(b)
        };
        let mut b = byte(&mut i)?;
        let kind = (b >> 4) & 7;
        let mut size = u64::from(b & 15);
        let mut shift = 4;
        while b & 0x80 != 0 {
            b = byte(&mut i)?;
            if shift > 57 {
                return Err(broken("an object size out of range"));
            }
            size |= u64::from(b & 0x7f) << shift;
            shift += 7;
        }
        let base = match kind {
            6 => {
                b = byte(&mut i)?;
                let mut back = u64::from(b & 0x7f);
                while b & 0x80 != 0 {
                    b = byte(&mut i)?;
                    back = back
                        .checked_add(1)
                        .and_then(|v| v.checked_mul(128))
                        .ok_or_else(|| broken("a delta base out of range"))?
                        | u64::from(b & 0x7f);
                }
                Some(
                    offset
                        .checked_sub(back)
                        .ok_or_else(|| broken("a delta base out of range"))?,
                )
            }
            7 => {
                let id = head
                    .get(i..i + 20)
                    .ok_or_else(|| broken("a truncated header"))?;
                i += 20;
                // A base outside this pack: libgit2 reads the object.
                Some(
                    pack.find(id)
                        .map_err(|e| Miss::Broken(e.to_string()))?
                        .ok_or(Miss::Absent)?,
                )
            }
            _ => None,
        };
        let kind = match kind {
            1 => ObjectType::Commit,
            2 => ObjectType::Tree,
            3 => ObjectType::Blob,
            4 => ObjectType::Tag,
            6 | 7 => ObjectType::Any,
            _ => return Err(broken("an unknown object type")),
        };
        let size = usize::try_from(size).map_err(|_| broken("an object too large"))?;
        let (at, read) = (offset + i as u64, &head[i.min(head.len())..]);
        let whole = self
            .whole
            .get_or_insert_with(libdeflater::Decompressor::new);
        let bytes = match inflate_whole(whole, &mut self.rest, pack, at, size, read) {
            Some(bytes) => bytes,
            None => {
                let z = self
                    .inflate
                    .get_or_insert_with(|| flate2::Decompress::new(true));
                inflate_at(z, &mut self.rest, pack, at, size, read).map_err(|why| broken(&why))?
            }
        };
        // A large object's bytes read are not kept for the next one.
        if self.rest.capacity() > 1 << 20 {
            self.rest = Vec::new();
        }
        Ok(match base {
            Some(base) => Entry::Delta(base, bytes),
            None => Entry::Whole(kind, bytes),
        })
    }
}

/// Objects up to this size are inflated at once (the output buffer is allocated whole, so a
/// damaged header can ask for no more than this); larger ones are streamed.
const WHOLE_MAX: usize = 16 << 20;

/// Inflates the zlib stream at `at` of `pack`, which holds `size` bytes, in one call: `read`
/// holds the bytes from `at` on that were already read, `owned` is where more is read. A
/// whole-buffer inflate (libdeflate) takes about two thirds of the time of a streamed one;
/// it needs all of the stream at hand, whose length the pack does not say, so it is tried on
/// what was read when that is likely enough (text deflates to a third or less), then on as
/// much as zlib can write for `size` bytes. `None`: the stream did not inflate to `size` bytes
/// this way, and the streamed inflate gives the answer (a stream written by another encoder,
/// or a damaged one, which it reports).
fn inflate_whole(
    d: &mut libdeflater::Decompressor,
    owned: &mut Vec<u8>,
    pack: &Pack,
    at: u64,
    size: usize,
    read: &[u8],
) -> Option<Vec<u8>> {
    if size > WHOLE_MAX {
        return None;
    }
    // zlib's bound on what it writes for `size` bytes (`compressBound`).
    let bound = size + (size >> 12) + (size >> 14) + (size >> 25) + 13;
    let guess = (size / 2 + 512).min(bound);
    let left = usize::try_from(pack.pack_len.saturating_sub(at)).unwrap_or(usize::MAX);
    let mut out = vec![0u8; size];
    let mut tried = 0;
    for want in [guess, bound] {
        let want = want.min(left);
        if want <= tried {
            continue;
        }
        tried = want;
        let input: &[u8] = if read.len() >= want {
            read
        } else {
            owned.resize(want, 0);
            pack.pack.read_exact_at(&mut owned[..want], at).ok()?;
            &owned[..want]
        };
        match d.zlib_decompress(input, &mut out) {
            Ok(n) if n == size => return Some(out),
            Ok(_) | Err(libdeflater::DecompressionError::InsufficientSpace) => return None,
            Err(libdeflater::DecompressionError::BadData) => {}
        }
    }
    None
}

/// Inflates the zlib stream at `at` of `pack`, which holds `size` bytes; `read` holds the
/// bytes from `at` on that were already read, `owned` is where the rest is read. Its checksum
/// is not checked, as git-outbound checks no object's id either (see `git::open`): a damaged
/// stream still fails to inflate, or inflates to another length than its header says.
fn inflate_at(
    z: &mut flate2::Decompress,
    owned: &mut Vec<u8>,
    pack: &Pack,
    at: u64,
    size: usize,
    read: &[u8],
) -> Result<Vec<u8>, String> {
    let corrupt = || "a corrupt object".to_string();
    z.reset(false);
    // One byte more than the header says, to tell a longer object from a whole one.
    // The header's size reserves no more than a megabyte up front: a damaged header cannot
    // make one huge allocation, and the buffer grows as the stream inflates.
    let mut out: Vec<u8> = Vec::with_capacity(size.saturating_add(1).min(1 << 20));
    // Text deflates to a third or less: most objects take one read, the rest two or three.
    let mut chunk = (size / 2 + 256).min(1 << 20);
    let mut input = Vec::new();
    // The zlib header: deflate, no preset dictionary.
    let mut pos = at + 2;
    let mut first = read;
    if first.len() < 2 {
        input.resize(chunk.max(2), 0);
        let got =
            read_some(&pack.pack, &mut input, at, pack.pack_len).map_err(|e| e.to_string())?;
        input.truncate(got);
        first = &input;
    }
    let (cmf, flg) = match first {
        [cmf, flg, ..] => (*cmf, *flg),
        _ => return Err("a truncated object".into()),
    };
    if cmf & 0x0f != 8 || flg & 0x20 != 0 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return Err(corrupt());
    }
    let mut given: Option<&[u8]> = Some(&first[2..]).filter(|r| !r.is_empty());
    loop {
        let data: &[u8] = match given.take() {
            Some(d) => d,
            None => {
                owned.resize(chunk, 0);
                let got = read_some(&pack.pack, &mut owned[..], pos, pack.pack_len)
                    .map_err(|e| e.to_string())?;
                chunk = (chunk * 2).min(4 << 20);
                &owned[..got]
            }
        };
        if data.is_empty() {
            return Err("a truncated object".into());
        }
        // `decompress_vec` fills only the room the buffer has: grow it, doubling, up to one
        // byte past the header's size.
        if out.len() == out.capacity() {
            let left = size.saturating_add(1).saturating_sub(out.len()).max(1);
            out.reserve(left.min(out.capacity().max(1 << 20)));
        }
        let (before_in, before_out) = (z.total_in(), z.total_out());
        let status = z
            .decompress_vec(data, &mut out, flate2::FlushDecompress::None)
            .map_err(|_| corrupt())?;
        if status == flate2::Status::StreamEnd {
            break;
        }
        if out.len() > size {
            return Err("an object longer than its header says".into());
        }
        let used = z.total_in() - before_in;
        if used == 0 && z.total_out() == before_out {
            return Err(corrupt());
        }
        pos += used;
    }
    if out.len() != size {
        return Err("an object whose length is not what its header says".into());
    }
    Ok(out)
}

/// Reads up to `buf.len()` bytes at `at`, fewer at the end of the file.
fn read_some(file: &File, buf: &mut [u8], at: u64, len: u64) -> std::io::Result<usize> {
    let want = usize::try_from(len.saturating_sub(at)).map_or(buf.len(), |n| n.min(buf.len()));
    file.read_exact_at(&mut buf[..want], at)?;
    Ok(want)
}

/// Applies a git delta to `base`: the result, or `None` when the delta does not fit it.
fn apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut i = 0;
    let varint = |i: &mut usize| -> Option<usize> {
        let (mut v, mut shift) = (0usize, 0);
        loop {
            let b = *delta.get(*i)?;
            *i += 1;
            v |= usize::from(b & 0x7f).checked_shl(shift)?;
            shift += 7;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
    };
    let source = varint(&mut i)?;
    let target = varint(&mut i)?;
    if source != base.len() {
        return None;
    }
    // The header's size is only a hint for the allocation: a damaged one must not reserve
    // more than the delta can produce (a copy of at most 64 KiB per 8 bytes of delta).
    let mut out = Vec::with_capacity(target.min(delta.len().saturating_mul(1 << 13)));
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let (mut off, mut len) = (0usize, 0usize);
            for k in 0..4 {
                if op & (1 << k) != 0 {
                    off |= usize::from(*delta.get(i)?) << (8 * k);
                    i += 1;
                }
            }
            for k in 0..3 {
                if op & (0x10 << k) != 0 {
                    len |= usize::from(*delta.get(i)?) << (8 * k);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(i..i + len)?);
            i += len;
        } else {
            return None;
        }
    }
    (out.len() == target).then_some(out)
}

/// Built objects by (pack, offset), in two generations: a lookup moves a hit into the young
/// one; when the young one is full it becomes the old one, and the old one is dropped.
#[derive(Default)]
struct Cache {
    young: HashMap<(usize, u64), Object, foldhash::fast::RandomState>,
    old: HashMap<(usize, u64), Object, foldhash::fast::RandomState>,
    young_bytes: usize,
}

impl Cache {
    fn get(&mut self, pack: usize, offset: u64) -> Option<Object> {
        if let Some(hit) = self.young.get(&(pack, offset)) {
            return Some(hit.clone());
        }
        let hit = self.old.remove(&(pack, offset))?;
        self.put(pack, offset, hit.0, &hit.1);
        Some(hit)
    }

    fn put(&mut self, pack: usize, offset: u64, kind: ObjectType, bytes: &Data) {
        if bytes.len() > CACHE_MAX_OBJECT {
            return;
        }
        if self.young_bytes + bytes.len() > CACHE_BYTES / 2 {
            // The old generation goes; its table, emptied, serves as the young one (a new
            // table would grow again, rehashing, each generation).
            std::mem::swap(&mut self.old, &mut self.young);
            self.young.clear();
            self.young_bytes = 0;
        }
        self.young_bytes += bytes.len();
        self.young.insert((pack, offset), (kind, bytes.clone()));
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use std::process::{Command, Stdio};

    /// Runs git in `dir` with no user configuration: its output, trimmed.
    pub(crate) fn git(dir: &Path, args: &[&str], input: Option<&[u8]>) -> String {
        let mut child = Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("git runs");
        if let Some(bytes) = input {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(bytes)
                .expect("stdin written");
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().expect("git ends");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    #[test]
    fn every_object_of_a_deltified_pack_reads_as_libgit2_reads_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main", "."], None);
        // 300 versions of a few files in nested folders, then a repack with long chains and
        // a loose object on top: every kind of object, deltas of both kinds, and a miss.
        let mut stream = String::new();
        let mut text: Vec<String> = (0..200)
            .map(|i| format!("line {i} of the file\n"))
            .collect();
        for c in 0..300 {
            text[(c * 7) % 200] = format!("changed {c}\n");
            let body: String = text.concat();
            let msg = format!("change {c}");
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter A <a@example.com> {} +0000\ndata {}\n{msg}\n\
                 M 100644 inline src/a/f{}.txt\ndata {}\n{body}\n",
                1_700_000_000 + c,
                msg.len(),
                c % 3,
                body.len()
            ));
        }
        // Two versions of a file of 3 MB: more than the buffer reserved up front.
        for v in 0..2 {
            let big: String = (0..120_000)
                .map(|i| format!("{:08x} {v}\n", i * 2_654_435_761u64 % 4_294_967_291))
                .collect::<String>()
                + &format!("{v}\n").repeat(600_000);
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter A <a@example.com> {} +0000\ndata 3\nbig\n\
                 M 100644 inline big.txt\ndata {}\n{big}\n",
                1_800_000_000 + v,
                big.len()
            ));
        }
        // Random letters deflate to three quarters of their size, more than the first read
        // of a whole inflate; a file above `WHOLE_MAX` is streamed.
        let mut seed = 7u64;
        let random: String = (0..200_000)
            .map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                char::from(b'A' + (seed >> 59) as u8 % 26)
            })
            .collect();
        let large = "x\n".repeat(WHOLE_MAX / 2 + 1);
        for (n, body) in [random, large].iter().enumerate() {
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter A <a@example.com> {} +0000\ndata 3\nodd\n\
                 M 100644 inline odd{n}.txt\ndata {}\n{body}\n",
                1_900_000_000 + n,
                body.len()
            ));
        }
        git(d, &["fast-import", "--quiet"], Some(stream.as_bytes()));
        // Bases named by offset, then by id.
        for by_offset in ["true", "false"] {
            let config = format!("repack.useDeltaBaseOffset={by_offset}");
            let repack = [
                "-c",
                &config,
                "repack",
                "-a",
                "-d",
                "-f",
                "-q",
                "--depth=50",
            ];
            git(d, &repack, None);
            same_as_libgit2(d);
        }
    }

    fn same_as_libgit2(d: &Path) {
        std::fs::write(d.join("loose.txt"), "a loose blob\n").expect("write");
        let loose = git(d, &["hash-object", "-w", "loose.txt"], None);
        let all = git(d, &["rev-list", "--objects", "--all"], None);
        let repo = Repository::open(d).expect("open");
        let packs = Packs::open(&repo);
        assert_eq!(packs.packs.len(), 1);
        let mut objects = Objects::new(packs);
        let odb = repo.odb().expect("odb");
        let mut ids: Vec<Oid> = all
            .lines()
            .map(|l| Oid::from_str(&l[..40]).expect("id"))
            .collect();
        ids.push(Oid::from_str(&loose).expect("id"));
        // Twice, the second time from the cache.
        for _ in 0..2 {
            for id in &ids {
                let (kind, data) = objects.read(&odb, *id).expect("read");
                let want = odb.read(*id).expect("libgit2 reads it");
                assert_eq!(kind, want.kind(), "{id}");
                assert_eq!(&data[..], want.data(), "{id}");
            }
        }
        let absent = Oid::from_str(&"ab".repeat(20)).expect("id");
        assert!(objects.read(&odb, absent).is_err());
    }

    #[test]
    fn deltas_that_do_not_fit_their_base_are_refused() {
        // Source size 3, target 5: copy 3 bytes from 0, insert "de".
        let delta = [3, 5, 0x90, 3, 2, b'd', b'e'];
        assert_eq!(apply(b"abc", &delta).as_deref(), Some(&b"abcde"[..]));
        assert_eq!(apply(b"abcd", &delta), None);
        assert_eq!(apply(b"abc", &[3, 5, 0x90, 9]), None);
        assert_eq!(apply(b"abc", &[3, 5, 0]), None);
    }
}
