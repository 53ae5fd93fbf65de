//! git LFS: a file tracked with LFS is committed as a small pointer (`version`, `oid sha256:`,
//! `size`), and its content leaves through git-lfs to the remote's LFS store. This module
//! recognises pointers and finds the object they name in a local store (`.git/lfs/objects`,
//! `lfs.storage`, or a server's store named by `[lfs] store`), so that the engine checks the
//! content that leaves rather than the pointer.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::finding::Severity;

/// The largest pointer git-lfs writes or reads (its spec: pointers are under 1024 bytes).
pub const MAX_POINTER: usize = 1024;

/// A parsed LFS pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    /// The sha256 of the content, 64 lower-case hex digits.
    pub oid: String,
    /// The content's size in bytes.
    pub size: u64,
}

/// The LFS stores of a run and what to do when an object is in none of them.
#[derive(Debug, Clone)]
pub struct Lfs {
    /// Folders that hold objects, tried in order.
    pub stores: Vec<PathBuf>,
    /// Severity of an object that is not available (or whose local copy does not match).
    pub missing: Severity,
}

impl Default for Lfs {
    fn default() -> Lfs {
        Lfs {
            stores: Vec::new(),
            missing: Severity::Warn,
        }
    }
}

/// Parses `content` as an LFS pointer (spec v1): `version https://git-lfs.github.com/spec/v1`
/// first, then keys in order, among them `oid sha256:<64 hex>` and `size <n>`.
pub fn parse(content: &[u8]) -> Option<Pointer> {
    if content.len() > MAX_POINTER || !content.starts_with(b"version ") {
        return None;
    }
    let text = std::str::from_utf8(content).ok()?;
    let mut lines = text.lines();
    let version = lines.next()?.strip_prefix("version ")?;
    if !matches!(
        version,
        "https://git-lfs.github.com/spec/v1" | "https://hawser.github.com/spec/v1"
    ) {
        return None;
    }
    let (mut oid, mut size) = (None, None);
    for line in lines.filter(|l| !l.is_empty()) {
        let (key, value) = line.split_once(' ')?;
        match key {
            "oid" => {
                let hex = value.strip_prefix("sha256:")?;
                let ok = hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                oid = ok.then(|| hex.to_string());
                oid.as_ref()?;
            }
            "size" => size = Some(value.parse::<u64>().ok()?),
            _ => {}
        }
    }
    Some(Pointer {
        oid: oid?,
        size: size?,
    })
}

/// The stores of a repository: `lfs.storage` (relative to the git dir) when set, else
/// `<common git dir>/lfs`; then `extra` (a server's store from the policy).
pub fn stores(repo: Option<&git2::Repository>, extra: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(r) = repo {
        let configured = r.config().ok().and_then(|c| c.get_path("lfs.storage").ok());
        out.push(match configured {
            Some(p) if p.is_relative() => r.commondir().join(p),
            Some(p) => p,
            None => r.commondir().join("lfs"),
        });
    }
    out.extend(extra.map(Path::to_path_buf));
    out
}

impl Lfs {
    /// The file that holds the object `p` names, if a store has it. Layouts: git-lfs's own
    /// (`objects/aa/bb/<oid>`), a store folder given directly (`aa/bb/<oid>`), and the layout
    /// of Git servers (Gitea, GitLab: `aa/bb/<oid without its first four digits>`).
    pub fn find(&self, p: &Pointer) -> Option<PathBuf> {
        let (a, b) = (&p.oid[..2], &p.oid[2..4]);
        self.stores.iter().find_map(|s| {
            [
                s.join("objects").join(a).join(b).join(&p.oid),
                s.join(a).join(b).join(&p.oid),
                s.join(a).join(b).join(&p.oid[4..]),
            ]
            .into_iter()
            .find(|c| c.is_file())
        })
    }
}

/// Whether `content` is the object `p` names: its size and its sha256.
pub fn matches(p: &Pointer, content: &[u8]) -> bool {
    content.len() as u64 == p.size && hex(&Sha256::digest(content)) == p.oid
}

/// Whether the file at `path` is the object `p` names, read in pieces (memory stays flat
/// however large the object).
pub fn file_matches(p: &Pointer, path: &Path) -> std::io::Result<bool> {
    let mut f = std::fs::File::open(path)?;
    if f.metadata()?.len() != p.size {
        return Ok(false);
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()) == p.oid)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    fn pointer(oid: &str, size: &str) -> String {
        format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n")
    }

    #[test]
    fn a_pointer_is_recognised_by_its_spec_form() {
        assert_eq!(
            parse(pointer(OID, "12345").as_bytes()),
            Some(Pointer {
                oid: OID.into(),
                size: 12345
            })
        );
        let ext = format!(
            "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:{OID}\noid sha256:{OID}\nsize 3\n"
        );
        assert!(parse(ext.as_bytes()).is_some());
    }

    #[test]
    fn text_that_only_looks_like_a_pointer_is_not_one() {
        assert!(parse(pointer(&OID[1..], "1").as_bytes()).is_none());
        assert!(parse(pointer(OID, "x").as_bytes()).is_none());
        assert!(parse(pointer(&OID.to_uppercase(), "1").as_bytes()).is_none());
        assert!(parse(b"version 1.0\noid sha256:00\n").is_none());
        let long = format!("{}{}", pointer(OID, "1"), "x ".repeat(600));
        assert!(parse(long.as_bytes()).is_none());
    }

    #[test]
    fn content_matches_its_pointer_only_by_size_and_hash() {
        let content = b"hello\n";
        let oid = hex(&Sha256::digest(content));
        let p = Pointer { oid, size: 6 };
        assert!(matches(&p, content));
        assert!(!matches(&p, b"hellO\n"));
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("o");
        std::fs::write(&f, content).unwrap();
        assert!(file_matches(&p, &f).unwrap());
    }

    #[test]
    fn objects_are_found_in_git_lfs_and_server_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let p = Pointer {
            oid: OID.into(),
            size: 1,
        };
        let lfs = Lfs {
            stores: vec![dir.path().to_path_buf()],
            missing: Severity::Block,
        };
        assert_eq!(lfs.find(&p), None);
        let server = dir.path().join("4d/7a").join(&OID[4..]);
        std::fs::create_dir_all(server.parent().unwrap()).unwrap();
        std::fs::write(&server, "x").unwrap();
        assert_eq!(lfs.find(&p), Some(server));
        let own = dir.path().join("objects/4d/7a").join(OID);
        std::fs::create_dir_all(own.parent().unwrap()).unwrap();
        std::fs::write(&own, "x").unwrap();
        assert_eq!(lfs.find(&p), Some(own));
    }
}
