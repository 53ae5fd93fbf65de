//! Baselines: the fingerprints of findings a team accepted, so that later scans report only
//! new ones. A baseline file holds one-way hashes, never a secret in clear.

use std::collections::HashSet;
use std::path::Path;

use crate::error::Error;
use crate::outcome::Outcome;

/// Reads a baseline: one fingerprint a line, then an optional `# comment`.
pub fn read(path: &Path) -> Result<HashSet<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|fp| !fp.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Writes the fingerprints of `outcome`'s findings: never a secret in clear.
pub fn write(path: &Path, outcome: &Outcome) -> Result<(), Error> {
    let mut text = String::from(
        "# git-outbound baseline: fingerprints of accepted findings (keyed or value-free hashes, see SECURITY.md)\n",
    );
    let mut lines: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}  # {} {}",
                f.fingerprint(),
                f.code(),
                f.path.as_deref().unwrap_or("(commit message)")
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    for l in lines {
        text.push_str(&l);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
