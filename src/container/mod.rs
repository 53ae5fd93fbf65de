//! Containers that hold other files: zip (every compression method Python's `zipfile` reads,
//! CRC mismatches tolerated as PyTorch's reader does), tar (POSIX, GNU and v7), gzip, zlib,
//! bzip2, xz, legacy `.lzma` and zstd streams. 7z is recognised but not opened.
//!
//! The API is small and streaming: `sniff` names the container from its first bytes, `open`
//! hands each member to a `Visitor` one at a time, within a shared byte `Budget` and a
//! compression-ratio limit, so that a bomb costs at most the budget. Nesting is the caller's:
//! a member that is itself a container is opened by calling `open` again with `depth + 1`,
//! and member paths are written `outer!inner` (`join`). Nothing here does I/O beyond the
//! bytes it is handed, and no input makes it panic.

use std::io::{Cursor, Read};

/// Containers nested deeper than this are not opened.
pub const MAX_DEPTH: usize = 5;
/// Archives with more members than this are not opened.
pub const MAX_MEMBERS: usize = 10_000;
/// A member that unpacks to more than this many times its packed size (and over
/// `RATIO_FLOOR` bytes) is treated as a bomb.
pub const MAX_RATIO: u64 = 1_000;
const RATIO_FLOOR: u64 = 1 << 20;

/// The kinds of container recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    Gzip,
    Zlib,
    Bzip2,
    Xz,
    Lzma,
    Zstd,
    SevenZip,
}

impl Kind {
    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Zip => "zip archive",
            Kind::Tar => "tar archive",
            Kind::Gzip => "gzip stream",
            Kind::Zlib => "zlib stream",
            Kind::Bzip2 => "bzip2 stream",
            Kind::Xz => "xz stream",
            Kind::Lzma => "lzma stream",
            Kind::Zstd => "zstd stream",
            Kind::SevenZip => "7z archive",
        }
    }

    /// Whether the container compresses a single stream (its one member is named after it).
    pub fn is_stream(self) -> bool {
        !matches!(self, Kind::Zip | Kind::Tar | Kind::SevenZip)
    }
}

/// The container that `head` starts, from magic numbers alone. A zlib stream has only a
/// two-byte header, so it is recognised only when `name` suggests a pickle or joblib file
/// compressed by joblib (`compress=`), or ends in `.z`/`.zlib`.
pub fn sniff(name: &str, head: &[u8]) -> Option<Kind> {
    let kind = match head {
        [b'P', b'K', 3, 4, ..] | [b'P', b'K', 5, 6, ..] | [b'P', b'K', 7, 8, ..] => Kind::Zip,
        [0x1f, 0x8b, 8, ..] => Kind::Gzip,
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => Kind::Bzip2,
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => Kind::Xz,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Kind::Zstd,
        [b'7', b'z', 0xbc, 0xaf, 0x27, 0x1c, ..] => Kind::SevenZip,
        _ if is_tar(head) => Kind::Tar,
        [0x5d, 0, 0, ..] if lzma_named(name) => Kind::Lzma,
        [0x78, flg, ..] if zlib_named(name) && (0x7800u16 | u16::from(*flg)) % 31 == 0 => {
            Kind::Zlib
        }
        _ => return None,
    };
    Some(kind)
}

fn lower_ext(name: &str) -> String {
    let file = name.rsplit(['/', '!']).next().unwrap_or(name);
    file.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

const PICKLE_LIKE: &[&str] = &[
    "pkl", "pickle", "joblib", "z", "zlib", "sav", "model", "dat",
];

fn zlib_named(name: &str) -> bool {
    PICKLE_LIKE.contains(&lower_ext(name).as_str())
}

fn lzma_named(name: &str) -> bool {
    let ext = lower_ext(name);
    ext == "lzma" || PICKLE_LIKE.contains(&ext.as_str())
}

/// A tar header: the `ustar` magic, or a v7 header whose checksum adds up.
fn is_tar(head: &[u8]) -> bool {
    let Some(block) = head.get(..512) else {
        return false;
    };
    if &block[257..262] == b"ustar" {
        return true;
    }
    let field = &block[148..156];
    let text: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_ascii_digit())
        .collect();
    let Ok(stored) = u32::from_str_radix(&text, 8) else {
        return false;
    };
    let sum: u32 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    block[0] != 0 && sum == stored
}

/// `outer!inner`: the path of a member.
pub fn join(outer: &str, inner: &str) -> String {
    format!("{outer}!{inner}")
}

/// The name of the single member of a compressed stream called `name`: the name without
/// its compression extension (`model.pkl.gz` gives `model.pkl`, `x.tgz` gives `x.tar`).
pub fn stream_member_name(name: &str) -> String {
    let file = name.rsplit(['/', '!']).next().unwrap_or(name);
    match file.rsplit_once('.') {
        Some((stem, ext)) => match ext.to_ascii_lowercase().as_str() {
            "tgz" | "tbz2" | "txz" | "tzst" => format!("{stem}.tar"),
            "gz" | "bz2" | "xz" | "lzma" | "zst" | "zstd" | "z" | "zlib" => stem.to_string(),
            _ => file.to_string(),
        },
        None => file.to_string(),
    }
}

/// Decompressed bytes that may still be produced while opening one top-level file, shared by
/// every container nested in it.
#[derive(Debug)]
pub struct Budget {
    remaining: std::cell::Cell<u64>,
}

impl Budget {
    pub fn new(bytes: u64) -> Budget {
        Budget {
            remaining: std::cell::Cell::new(bytes),
        }
    }

    /// Bytes that may still be produced.
    pub fn remaining(&self) -> u64 {
        self.remaining.get()
    }

    fn spend(&self, bytes: u64) {
        self.remaining
            .set(self.remaining.get().saturating_sub(bytes));
    }
}

/// Receives the members of a container, one at a time.
pub trait Visitor {
    /// The member names of an archive with a central directory (zip), before any member.
    fn listing(&mut self, _names: &[String]) {}
    /// Whether to read the member `name`; `false` skips it unread.
    fn wants(&mut self, _name: &str) -> bool {
        true
    }
    /// A member's full content.
    fn member(&mut self, name: &str, data: &[u8]);
    /// A member that could not be read, and why.
    fn unreadable(&mut self, name: &str, why: String);
}

/// Opens the container `data` of `kind` called `name` and hands its members to `visitor`.
/// An error means the container itself could not be opened.
pub fn open(
    kind: Kind,
    name: &str,
    data: &[u8],
    budget: &Budget,
    visitor: &mut dyn Visitor,
) -> Result<(), String> {
    match kind {
        Kind::Zip => open_zip(data, budget, visitor),
        Kind::Tar => open_tar(data, budget, visitor),
        Kind::SevenZip => Err("7z archives are not opened".into()),
        _ => {
            let inner = stream_member_name(name);
            let bytes = decompress(kind, data, budget)?;
            visitor.member(&inner, &bytes);
            Ok(())
        }
    }
}

/// Decompresses a single stream within the budget and the ratio limit.
fn decompress(kind: Kind, data: &[u8], budget: &Budget) -> Result<Vec<u8>, String> {
    let reader = stream_reader(kind, data)?;
    read_bounded(reader, data.len() as u64, budget)
}

/// A reader that decompresses the single stream `input` of `kind` as it is read, for a caller
/// that consumes it in chunks (a compressed CSV file) and bounds what it reads itself.
pub fn stream_reader<'a>(kind: Kind, input: impl Read + 'a) -> Result<Box<dyn Read + 'a>, String> {
    let reader: Box<dyn Read + 'a> = match kind {
        Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
        Kind::Zlib => Box::new(flate2::read::ZlibDecoder::new(input)),
        Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(input)),
        Kind::Xz => Box::new(lzma_rust2::XzReader::new(input, true)),
        Kind::Lzma => Box::new(
            lzma_rust2::LzmaReader::new_mem_limit(input, 1 << 20, None)
                .map_err(|e| format!("the lzma header cannot be read ({e})"))?,
        ),
        Kind::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(input)
                .map_err(|e| format!("the zstd header cannot be read ({e})"))?,
        ),
        Kind::Zip | Kind::Tar | Kind::SevenZip => return Err("not a stream".into()),
    };
    Ok(reader)
}

/// Reads `reader` to its end within the budget and the ratio limit; `packed` is the size of
/// the compressed input.
fn read_bounded(reader: impl Read, packed: u64, budget: &Budget) -> Result<Vec<u8>, String> {
    let limit = budget.remaining().min(
        packed
            .saturating_mul(MAX_RATIO)
            .max(RATIO_FLOOR)
            .saturating_add(1),
    );
    let mut out = Vec::new();
    let read = reader.take(limit.saturating_add(1)).read_to_end(&mut out);
    let len = out.len() as u64;
    if len > budget.remaining() {
        return Err(format!(
            "it unpacks to more than the {} bytes left to scan",
            budget.remaining()
        ));
    }
    if len >= limit {
        return Err(format!(
            "it unpacks to over {MAX_RATIO} times its packed size, like a decompression bomb"
        ));
    }
    read.map_err(|e| format!("it cannot be unpacked ({e})"))?;
    budget.spend(len);
    Ok(out)
}

fn open_zip(data: &[u8], budget: &Budget, visitor: &mut dyn Visitor) -> Result<(), String> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(data)).map_err(|e| format!("it cannot be read ({e})"))?;
    if archive.len() > MAX_MEMBERS {
        return Err(format!(
            "it has {} members, more than {MAX_MEMBERS}",
            archive.len()
        ));
    }
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    visitor.listing(&names);
    for index in 0..archive.len() {
        let mut file = match archive.by_index(index) {
            Ok(file) => file,
            Err(e) => {
                let name = names.get(index).cloned().unwrap_or_default();
                visitor.unreadable(&name, format!("the member cannot be read ({e})"));
                continue;
            }
        };
        let name = file.name().to_string();
        if file.is_dir() || !visitor.wants(&name) {
            continue;
        }
        let packed = file.compressed_size();
        let mut out = Vec::new();
        let limit = budget.remaining().min(
            packed
                .saturating_mul(MAX_RATIO)
                .max(RATIO_FLOOR)
                .saturating_add(1),
        );
        let read = (&mut file)
            .take(limit.saturating_add(1))
            .read_to_end(&mut out);
        let len = out.len() as u64;
        let result = if len > budget.remaining() {
            Err(format!(
                "it unpacks to more than the {} bytes left to scan",
                budget.remaining()
            ))
        } else if len >= limit {
            Err(format!(
                "it unpacks to over {MAX_RATIO} times its packed size, like a decompression bomb"
            ))
        } else {
            match read {
                Ok(_) => Ok(()),
                // PyTorch's reader does not check CRCs, so the bytes count as read.
                Err(e) if e.to_string().contains("checksum") => Ok(()),
                Err(e) => Err(format!("it cannot be unpacked ({e})")),
            }
        };
        drop(file);
        match result {
            Ok(()) => {
                budget.spend(len);
                visitor.member(&name, &out);
            }
            Err(why) => visitor.unreadable(&name, why),
        }
    }
    Ok(())
}

fn open_tar(data: &[u8], budget: &Budget, visitor: &mut dyn Visitor) -> Result<(), String> {
    let mut archive = tar::Archive::new(Cursor::new(data));
    let entries = archive
        .entries()
        .map_err(|e| format!("it cannot be read ({e})"))?;
    for (count, entry) in entries.enumerate() {
        if count >= MAX_MEMBERS {
            return Err(format!("it has more than {MAX_MEMBERS} members"));
        }
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => return Err(format!("member {count} cannot be read ({e})")),
        };
        let name = match entry.path() {
            Ok(path) => path.to_string_lossy().into_owned(),
            Err(_) => String::from_utf8_lossy(&entry.path_bytes()).into_owned(),
        };
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_contiguous()) || !visitor.wants(&name) {
            continue;
        }
        let size = entry.size();
        if size > budget.remaining() {
            visitor.unreadable(
                &name,
                format!(
                    "it holds {size} bytes, more than the {} left to scan",
                    budget.remaining()
                ),
            );
            continue;
        }
        let mut out = Vec::new();
        match entry.read_to_end(&mut out) {
            Ok(_) => {
                budget.spend(out.len() as u64);
                visitor.member(&name, &out);
            }
            Err(e) => visitor.unreadable(&name, format!("it cannot be read ({e})")),
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod build;
#[cfg(test)]
mod tests;
