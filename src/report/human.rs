//! Human output: `path:line:col`, the check and rule, the message, the redacted excerpt and
//! how to fix it. Colour only when writing to a terminal (and not `--no-color`).

use std::io::Write;

use super::Style;
use super::terminal::{escape, escape_lines};
use crate::finding::{Finding, Severity};
use crate::outcome::Outcome;

struct Paint(bool);

impl Paint {
    fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// `path:line:col` or `commit <id>` for message findings.
pub fn location(f: &Finding) -> String {
    let mut loc = match (&f.path, f.line, f.column) {
        (Some(p), Some(l), Some(c)) => format!("{p}:{l}:{c}"),
        (Some(p), Some(l), None) => format!("{p}:{l}"),
        (Some(p), None, _) => p.clone(),
        (None, Some(l), _) => format!("commit message line {l}"),
        (None, None, _) => {
            return match &f.commit {
                Some(c) => format!("commit {}", &c[..c.len().min(12)]),
                None => "the commit being made".to_string(),
            };
        }
    };
    if let Some(c) = &f.commit {
        loc.push_str(&format!(" (commit {})", &c[..c.len().min(12)]));
    }
    loc
}

/// ` (decoded from base64)`, or nothing for a value that stands in the file as written.
fn decoded(f: &Finding) -> String {
    match f.decoded.is_empty() {
        true => String::new(),
        false => format!(" (decoded from {})", f.decoded.join(", then ")),
    }
}

pub fn write(out: &mut dyn Write, o: &Outcome, style: Style) -> std::io::Result<()> {
    let p = Paint(style.color);
    for f in &o.findings {
        let tag = match f.severity {
            Severity::Block => p.red("error"),
            _ => p.yellow("warning"),
        };
        writeln!(
            out,
            "{}: {tag}[{}]: {}{}",
            p.bold(&escape(&location(f))),
            escape(&f.code()),
            escape(&f.message),
            decoded(f)
        )?;
        let excerpt = f.excerpt(style.show_secrets);
        if !excerpt.is_empty() {
            writeln!(out, "    {}", p.dim(&escape(excerpt.trim())))?;
        }
        if !f.help.is_empty() && !style.quiet {
            writeln!(out, "    = fix: {}", escape(&f.help))?;
        }
    }
    if !style.quiet {
        for a in &o.allowed {
            writeln!(
                out,
                "{}: allowed[{}]: {}",
                escape(&location(&a.finding)),
                escape(&a.finding.code()),
                escape(&a.reason)
            )?;
        }
        for s in &o.skipped {
            writeln!(
                out,
                "{}: not scanned: {}",
                escape(&s.path),
                escape(&s.reason)
            )?;
        }
        for w in &o.warnings {
            writeln!(out, "{}: {}", p.yellow("warning"), escape_lines(w))?;
        }
    }
    for e in &o.errors {
        writeln!(out, "{}: {}", p.red("error"), escape_lines(e))?;
    }
    let blocking = o.blocking();
    if !style.quiet || blocking > 0 {
        writeln!(
            out,
            "{} blocking, {} warning(s); {} file(s), {} commit(s), {} bytes checked",
            blocking,
            o.findings.len() - blocking,
            o.files,
            o.commits,
            o.bytes
        )?;
    }
    Ok(())
}
