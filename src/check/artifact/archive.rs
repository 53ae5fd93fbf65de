//! Zip containers: PyTorch checkpoints (`archive/data.pkl`, `archive/version`,
//! `archive/data/0`...), TorchScript archives, NumPy `.npz` files and plain `.zip` files. Every
//! member goes back through `scan.rs`, so pickles, arrays and nested archives inside are
//! checked too, within limits on depth, member count and decompressed size (zip bombs).

use super::scan::Scan;
use crate::finding::Severity;
use std::io::{Cursor, Read};

/// Archives nested deeper than this are not opened.
pub const MAX_DEPTH: usize = 3;
/// Archives with more members than this are not opened.
pub const MAX_MEMBERS: usize = 10_000;

/// Scans every member of the zip archive in `data`, found at `place`, `depth` archives deep.
pub(crate) fn scan_zip(scan: &mut Scan<'_>, place: &str, data: &[u8], depth: usize) {
    if depth > MAX_DEPTH {
        scan.unscanned(
            place,
            format!("archives nested more than {MAX_DEPTH} deep are not opened"),
        );
        return;
    }
    let mut archive = match zip::ZipArchive::new(Cursor::new(data)) {
        Ok(archive) => archive,
        Err(e) => {
            let message = format!(
                "`{place}` starts like a zip archive but cannot be read ({e}), so it cannot be checked"
            );
            let help = "Regenerate the archive; a loader that reads it differently could run what is inside.";
            scan.report("malformed-archive", Severity::Block, message, help);
            return;
        }
    };
    if archive.len() > MAX_MEMBERS {
        scan.unscanned(
            place,
            format!("{} members, more than {MAX_MEMBERS}", archive.len()),
        );
        return;
    }
    scan.model |= is_checkpoint(archive.file_names());
    for index in 0..archive.len() {
        let (name, bytes) = match read_member(&mut archive, index, scan.budget) {
            Ok(Some(member)) => member,
            Ok(None) => continue,
            Err(why) => {
                scan.unscanned(&format!("{place}:#{index}"), why);
                continue;
            }
        };
        scan.budget = scan.budget.saturating_sub(bytes.len() as u64);
        let member_place = format!("{place}:{name}");
        scan.content(&member_place, &name, &bytes, bytes.len() as u64, depth + 1);
    }
}

/// Reads one member within `budget` bytes: `None` for folders and PyTorch storages, which
/// hold raw tensor bytes that no loader unpickles.
fn read_member(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    index: usize,
    budget: u64,
) -> Result<Option<(String, Vec<u8>)>, String> {
    let file = archive
        .by_index(index)
        .map_err(|e| format!("the member cannot be read ({e})"))?;
    let name = file.name().to_string();
    if file.is_dir() || is_storage(&name) {
        return Ok(None);
    }
    if file.size() > budget {
        return Err(format!(
            "`{name}` unpacks to {} bytes, over the scan limit",
            file.size()
        ));
    }
    let mut bytes = Vec::new();
    file.take(budget.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("`{name}` cannot be unpacked ({e})"))?;
    if bytes.len() as u64 > budget {
        return Err(format!("`{name}` unpacks to more than the scan limit"));
    }
    Ok(Some((name, bytes)))
}

/// `<root>/data/<number>`: a tensor storage in a PyTorch checkpoint.
fn is_storage(name: &str) -> bool {
    let mut parts = name.rsplit('/');
    let (Some(last), Some(parent)) = (parts.next(), parts.next()) else {
        return false;
    };
    parent == "data" && !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the member names are those of a PyTorch or TorchScript checkpoint or an `.npz`.
fn is_checkpoint<'n>(mut names: impl Iterator<Item = &'n str>) -> bool {
    names.any(|n| n.ends_with("data.pkl") || n.ends_with("constants.pkl") || n.ends_with(".npy"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storages_are_recognised_by_their_path() {
        let cases = [
            ("archive/data/0", true),
            ("model/data/17", true),
            ("archive/data.pkl", false),
            ("archive/data/0.pkl", false),
            ("data/", false),
            ("0", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_storage(name), expected, "{name}");
        }
    }

    #[test]
    fn checkpoints_are_recognised_by_their_members() {
        assert!(is_checkpoint(
            ["archive/version", "archive/data.pkl"].into_iter()
        ));
        assert!(is_checkpoint(["a.npy"].into_iter()));
        assert!(!is_checkpoint(["README.md"].into_iter()));
    }
}
