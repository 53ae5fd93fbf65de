//! Reports: human, JSON and SARIF 2.1.0. Reports never know which check made a finding, and
//! every format redacts secrets unless the user asked for `--show-secrets`.

mod catalog;
mod human;
mod json;
pub mod progress;
mod sarif;
pub mod terminal;

use std::io::{IsTerminal, Write};

use crate::outcome::Outcome;

pub use crate::cli::Format;

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

/// What a hook prints on stderr: the outcome when there is something to say, then, when the
/// hook refuses, what was refused and how to record an exception.
pub fn write_hook(
    hook: crate::cli::HookName,
    outcome: &Outcome,
    code: u8,
    color: bool,
) -> std::io::Result<()> {
    let stderr = std::io::stderr();
    let mut out = stderr.lock();
    let quiet =
        outcome.findings.is_empty() && outcome.warnings.is_empty() && outcome.errors.is_empty();
    if !quiet {
        let style = Style {
            show_secrets: false,
            color,
            quiet: false,
        };
        write(&mut out, Format::Human, outcome, style)?;
    }
    if code != crate::exit::OK {
        let what = hook.guards();
        // The server reads neither the pushed .outbound.toml nor OUTBOUND_SKIP.
        let how = if hook == crate::cli::HookName::PreReceive {
            "(`outbound:allow <rule>` on the line, or an exception in the server's policy); \
             where the server allows it, `git push -o outbound.bypass=\"why\"` lets the push through and is logged."
        } else {
            "(`outbound:allow <rule>` on the line, or a [[secrets.allow]] entry in .outbound.toml); \
             OUTBOUND_SKIP=<check> OUTBOUND_REASON=\"why\" skips a check and is logged."
        };
        writeln!(
            out,
            "git-outbound: {}: {what} refused. Fix the findings above, or record an exception with a reason {how}",
            hook.name()
        )?;
    }
    Ok(())
}

/// A line for the user on stderr (behind `remote:` on a server).
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal::escape_lines(text));
}

/// Writes `text` to stdout as it is (the output of `policy`, `rules`, `request`…).
pub fn print(text: &str) -> Result<(), crate::error::Error> {
    let stdout = std::io::stdout();
    // On a terminal, control characters from paths or content are shown as escapes.
    let text = match stdout.is_terminal() {
        true => std::borrow::Cow::Owned(terminal::escape_lines(text)),
        false => std::borrow::Cow::Borrowed(text),
    };
    stdout
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| crate::error::Error::io("<stdout>", e))
}

/// Writes one line to stdout.
pub fn line(text: &str) -> Result<(), crate::error::Error> {
    print(&format!("{text}\n"))
}

/// Writes the report where the arguments say; with errors, to stderr only (stdout stays
/// empty on exit 2).
pub fn write_outcome(o: &Outcome, out: &crate::cli::OutputArgs) -> Result<(), crate::error::Error> {
    let stdout = std::io::stdout();
    let style = |terminal: bool| Style {
        show_secrets: out.show_secrets,
        color: terminal && !out.no_color && std::env::var_os("NO_COLOR").is_none(),
        quiet: out.quiet,
    };
    let io = |e| crate::error::Error::io("<output>", e);
    if !o.errors.is_empty() {
        let stderr = std::io::stderr();
        return write(
            &mut stderr.lock(),
            Format::Human,
            o,
            style(stderr.is_terminal()),
        )
        .map_err(io);
    }
    match &out.output {
        Some(path) => {
            let mut f =
                std::fs::File::create(path).map_err(|e| crate::error::Error::io(path, e))?;
            write(&mut f, out.format, o, style(false))
                .map_err(|e| crate::error::Error::io(path, e))?;
            f.flush().map_err(|e| crate::error::Error::io(path, e))
        }
        None => write(
            &mut stdout.lock(),
            out.format,
            o,
            style(stdout.is_terminal()),
        )
        .map_err(io),
    }
}
