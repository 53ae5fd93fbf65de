//! Reports: human, JSON and SARIF 2.1.0. Reports never know which check made a finding, and
//! every format redacts secrets unless the user asked for `--show-secrets`.

mod catalog;
mod human;
mod json;
pub mod progress;
mod sarif;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use crate::error::Error;
use crate::scan::Outcome;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub show_secrets: bool,
    pub color: bool,
    pub quiet: bool,
}

/// Writes the outcome in `format` to `out`.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    outcome: &Outcome,
    style: Style,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(out, outcome, style),
        Format::Json => json::write(out, outcome, style),
        Format::Sarif => sarif::write(out, outcome, style),
    }
}

/// Reads a baseline: one fingerprint a line, then an optional `# comment`.
pub fn read_baseline(path: &Path) -> Result<HashSet<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|fp| !fp.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Writes the fingerprints of `outcome`'s findings: never a secret in clear.
pub fn write_baseline(path: &Path, outcome: &Outcome) -> Result<(), Error> {
    let mut text = String::from(
        "# git-outbound baseline: fingerprints of accepted findings (rule, value, path; one-way hashes)\n",
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
