//! Fingerprints of internal code, so that the `ip-overlap` check can tell when a change that
//! leaves copies it. Text is cut into normalised tokens (`tokens`), runs of tokens are hashed
//! and winnowed (`winnow`), the hashes kept are keyed with the org's key and stored, without
//! any code, in a compact index file (`index`) that `build` makes from folders and
//! repositories. The same `grams` function serves the build and the check, so both see the
//! same fingerprints.

pub mod build;
pub mod index;
pub mod public;
pub mod tokens;
pub mod winnow;

pub use index::{Header, Index};
pub use winnow::{Gram, Identifiers, Keyer};

/// Tokens per k-gram.
pub const K: usize = 25;
/// k-grams per window: a shared run of `WINDOW + K - 1` tokens (about 6 lines of C) is
/// always found.
pub const WINDOW: usize = 20;
/// A fingerprint found in more files than this at build time is boilerplate and dropped.
pub const COMMON_FILES: u32 = 2;

/// The key used when the policy gives none. Such an index works, but anyone with the tool
/// can test a guess of code against it; `fingerprint info` says so.
pub const BUILT_IN_KEY: &[u8] =
    b"git-outbound ip-overlap built-in key (set secrets.fingerprint_key)";

/// The value whose keyed hash tells a right key from a wrong one.
const KEY_CHECK_VALUE: u64 = 0x6f75_7462_6f75_6e64;

/// 24 bits of the keyed hash of a fixed value, in hex: says which key built an index and
/// reveals nothing about the key.
pub fn key_check(keyer: &Keyer) -> String {
    format!("{:06x}", keyer.key(KEY_CHECK_VALUE) >> 40)
}

/// Reusable buffers for `grams`.
#[derive(Default)]
pub struct Scratch {
    tokens: Vec<tokens::Token>,
}

/// The winnowed k-grams of a file's text (unkeyed hashes and line spans).
pub fn grams(path: &str, text: &[u8], p: Params, scratch: &mut Scratch, out: &mut Vec<Gram>) {
    tokens::tokens(text, tokens::lang_of(path), &mut scratch.tokens);
    winnow::winnow(&scratch.tokens, p.k, p.window, p.identifiers, out);
}

/// How an index was fingerprinted; the check fingerprints changes the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    pub k: usize,
    pub window: usize,
    pub identifiers: Identifiers,
}

impl Index {
    /// The parameters this index was built with.
    pub fn params(&self) -> Params {
        Params {
            k: self.header.k as usize,
            window: self.header.window as usize,
            identifiers: self.header.identifiers,
        }
    }
}

/// The indexes a run checks against, with the key their hashes were made with.
pub struct Indexes {
    pub list: Vec<Index>,
    pub keyer: Keyer,
}

impl Indexes {
    /// Reads every index in `paths`; each must have been built with `key` (the policy's
    /// `secrets.fingerprint_key`, else the built-in key).
    pub fn load(paths: &[std::path::PathBuf], key: Option<&[u8]>) -> Result<Indexes, crate::Error> {
        let keyer = Keyer::new(key.unwrap_or(BUILT_IN_KEY));
        let check = key_check(&keyer);
        let mut list = Vec::with_capacity(paths.len());
        for p in paths {
            let index = Index::read(p)?;
            if index.header.key_check != check {
                return Err(crate::Error::Config {
                    file: p.display().to_string(),
                    line: None,
                    key: "ip_overlap.indexes".into(),
                    message: "this index was built with another key than the policy's \
                              secrets.fingerprint_key; rebuild it with `git outbound fingerprint build` \
                              under this policy"
                        .into(),
                });
            }
            list.push(index);
        }
        Ok(Indexes { list, keyer })
    }
}
