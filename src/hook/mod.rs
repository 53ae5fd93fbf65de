//! `git outbound hook <name>`: what git runs through the shims. Each hook finds what is
//! outbound (the staged change, the message, the commits the remote lacks, the commits a push
//! adds), runs the engine, and refuses with a message that says what, where, why and how to
//! fix. Hooks fail closed: a broken policy or an unreadable repository refuses the commit or
//! push with the error, rather than letting it through.

mod audit;
mod client;
pub mod push;
mod receive;

use std::io::Write;

use crate::check::CheckSet;
use crate::error::Error;
use crate::exit;
use crate::finding::Check;
use crate::outcome::Outcome;
use crate::report::{self, Format, Style};

pub use audit::Skip;

/// Runs hook `name` with git's arguments; returns the exit code.
pub fn run(name: &str, args: &[String]) -> Result<u8, Error> {
    let result = match name {
        "pre-commit" => client::pre_commit(),
        "commit-msg" => match args.first() {
            Some(file) => client::commit_msg(file),
            None => Err(Error::Usage("commit-msg needs the message file".into())),
        },
        "pre-push" => push::pre_push(
            args.first().map(String::as_str).unwrap_or(""),
            args.get(1).map(String::as_str).unwrap_or(""),
        ),
        "pre-receive" => receive::pre_receive(args),
        other => Err(Error::Usage(format!(
            "unknown hook '{other}' (known: pre-commit, commit-msg, pre-push, pre-receive)"
        ))),
    };
    result.map_err(|e| fail_closed(name, e))
}

/// A hook that cannot do its job refuses, and says so.
fn fail_closed(hook: &str, e: Error) -> Error {
    let what = guarded(hook);
    Error::Usage(format!(
        "{e}\ngit-outbound: the {hook} hook could not check this {what}, so the {what} is refused; fix the error above and try again"
    ))
}

/// What a hook guards: a push or a commit.
fn guarded(hook: &str) -> &'static str {
    if hook == "pre-push" || hook == "pre-receive" {
        "push"
    } else {
        "commit"
    }
}

/// The checks a hook runs, less those skipped with `OUTBOUND_SKIP`.
fn checks(base: &[Check], skip: &Skip) -> CheckSet {
    skip.checks
        .iter()
        .fold(CheckSet::of(base), |s, c| s.without(*c))
}

/// Prints the outcome on stderr (git shows hook output to the user; behind `remote:` on the
/// server side) and returns the exit code.
fn finish(hook: &str, outcome: &Outcome, color: bool) -> Result<u8, Error> {
    let stderr = std::io::stderr();
    let mut out = stderr.lock();
    let quiet =
        outcome.findings.is_empty() && outcome.warnings.is_empty() && outcome.errors.is_empty();
    if !quiet {
        report::write(
            &mut out,
            Format::Human,
            outcome,
            Style {
                show_secrets: false,
                color,
                quiet: false,
            },
        )
        .map_err(|e| Error::io("<stderr>", e))?;
    }
    let code = crate::outcome::exit_code(outcome);
    if code != exit::OK {
        let what = guarded(hook);
        // The server reads neither the pushed .outbound.toml nor OUTBOUND_SKIP.
        let how = if hook == "pre-receive" {
            "(`outbound:allow <rule>` on the line, or an exception in the server's policy); \
             where the server allows it, `git push -o outbound.bypass=\"why\"` lets the push through and is logged."
        } else {
            "(`outbound:allow <rule>` on the line, or a [[secrets.allow]] entry in .outbound.toml); \
             OUTBOUND_SKIP=<check> OUTBOUND_REASON=\"why\" skips a check and is logged."
        };
        let _ = writeln!(
            out,
            "git-outbound: {hook}: {what} refused. Fix the findings above, or record an exception with a reason {how}"
        );
    }
    Ok(code)
}

/// Splits hook stdin into lines of whitespace-separated fields, shaped as `shape` says
/// (`"<old> <new> <ref>"`); the fields at `ids` must be hex object ids. A malformed line is an
/// error naming the hook and the line (the hook then refuses: fail closed).
fn stdin_lines<'t>(
    text: &'t str,
    hook: &str,
    shape: &str,
    ids: &[usize],
) -> Result<Vec<Vec<&'t str>>, Error> {
    let width = shape.matches('<').count();
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != width
            || !ids
                .iter()
                .all(|&k| f[k].bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(Error::Usage(format!(
                "{hook}: line {} of stdin is not '{shape}': {line:?}",
                i + 1
            )));
        }
        out.push(f);
    }
    Ok(out)
}
