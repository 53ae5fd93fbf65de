//! Reports: human, JSON and SARIF 2.1.0. Reports never know which check made a finding, and
//! every format redacts secrets unless the user asked for `--show-secrets`.

mod human;
mod json;
pub mod progress;
mod sarif;

use std::io::Write;

use crate::outcome::Outcome;

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
