//! The `spdx` check: every outbound file that REUSE covers must carry a valid
//! `SPDX-License-Identifier` (in a header comment, a `.license` sidecar or a REUSE.toml
//! annotation), and every license in it must pass the policy. Pure: the caller reads the file,
//! its sidecars and the REUSE.toml files and passes their contents in.
//!
//! `comment` knows the comment styles, `header` finds the tags, `expr` parses expressions,
//! `policy` applies `allow`/`deny`/classes, `reuse` reads REUSE.toml and sidecars, `fix` writes
//! headers for `git outbound fix spdx`. The conformance cases of `conformance/spdx.md` are the
//! table in `tests.rs`.

mod comment;
mod expr;
mod fix;
mod header;
mod policy;
mod reuse;

pub use fix::{FixOutcome, fix, resolve_license, sidecar_path, sidecar_text};
pub use policy::{LicenseClass, Rejection, SpdxOptions};
pub use reuse::{Annotated, Precedence, Project};

use crate::finding::{Check, Finding, Severity};
use comment::Kind;
use reuse::Precedence as P;

/// Where a license statement was read.
#[derive(Debug, Clone)]
struct Claim {
    value: String,
    /// The file that holds it: the file itself, its sidecar or a REUSE.toml.
    path: String,
    tag: Option<header::Tag>,
}

/// Whether REUSE covers `path` at all: license texts, `COPYING`/`LICENSE*`, sidecars,
/// REUSE.toml, SPDX documents and VCS files are not covered (REUSE 3.3, `covered_files.py`).
pub fn is_exempt(path: &str) -> bool {
    let mut parts = path.split('/');
    let name = parts.next_back().unwrap_or(path);
    if parts.any(|dir| matches!(dir, ".git" | ".hg" | ".sl" | "LICENSES" | ".reuse")) {
        return true;
    }
    // Case-sensitive, as in reuse-tool: `src/license.rs` is source code.
    let licence_file = ["LICENSE", "LICENCE", "COPYING"].iter().any(|stem| {
        name.strip_prefix(stem)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '-']))
    });
    licence_file
        || name.ends_with(".license")
        || name == "REUSE.toml"
        || matches!(name, ".git" | ".hgtags")
        || name.contains(".spdx")
}

/// Checks one outbound file. `path` is relative to the repository root, `/`-separated.
pub fn check_file(
    path: &str,
    content: &[u8],
    project: &Project,
    opts: &SpdxOptions,
) -> Vec<Finding> {
    if content.is_empty() || is_exempt(path) {
        return Vec::new();
    }
    let kind = comment::kind(path);
    let binary = kind == Kind::Binary || comment::looks_binary(content);
    let mut out = Vec::new();
    let (own, hint) = own_claims(path, content, kind, binary, project, &mut out);
    let claims = combine(own, project.annotation(path));
    if claims.is_empty() {
        out.extend(missing(path, kind, binary, hint, opts));
        return out;
    }
    for claim in &claims {
        out.extend(judge(path, claim, opts));
    }
    let header_tags: Vec<_> = claims.iter().filter(|c| c.path == path).collect();
    if header_tags.len() > 1 {
        let mut f = warn(
            path,
            header_tags[1],
            "multiple-spdx-lines",
            "several SPDX-License-Identifier lines; they combine with AND",
        );
        f.help = "prefer one line: `SPDX-License-Identifier: A AND B`".into();
        out.push(f);
    }
    out
}

/// The license expressions that apply to a file as REUSE reads them: its header or sidecar,
/// combined with a REUSE.toml annotation (for `git outbound request`). Empty when none is found.
pub fn licenses(path: &str, content: &[u8], project: &Project) -> Vec<String> {
    if is_exempt(path) {
        return Vec::new();
    }
    let kind = comment::kind(path);
    let binary = kind == Kind::Binary || comment::looks_binary(content);
    let (own, _) = own_claims(path, content, kind, binary, project, &mut Vec::new());
    combine(own, project.annotation(path))
        .into_iter()
        .map(|c| c.value)
        .collect()
}

/// The file's own claims: the sidecar when there is one (it wins over the content), else the
/// header of a text file. Binaries are never searched.
fn own_claims(
    path: &str,
    content: &[u8],
    kind: Kind,
    binary: bool,
    project: &Project,
    out: &mut Vec<Finding>,
) -> (Vec<Claim>, Option<String>) {
    if let Some(side) = project.sidecar(path) {
        let scan = header::scan(side, None);
        return (claims_from(&fix::sidecar_path(path), scan.tags), None);
    }
    let style = match kind {
        _ if binary => return (Vec::new(), None),
        Kind::Commentable(style) => Some(style),
        Kind::Unknown => None,
        Kind::Uncommentable | Kind::Binary => return (Vec::new(), None),
    };
    let scan = header::scan(content, style);
    for (line, message) in scan.misplaced {
        let mut f = Finding::new(Check::Spdx, "misplaced-preamble", Severity::Warn, message);
        f.path = Some(path.to_string());
        f.line = Some(line);
        f.help = "move it to line 1 and the license header below it".into();
        out.push(f);
    }
    (claims_from(path, scan.tags), scan.hint)
}

fn claims_from(path: &str, tags: Vec<header::Tag>) -> Vec<Claim> {
    tags.into_iter()
        .map(|t| Claim {
            value: t.value.clone(),
            path: path.to_string(),
            tag: Some(t),
        })
        .collect()
}

/// REUSE.toml precedence: `override` replaces, `aggregate` adds, `closest` is the fallback.
fn combine(own: Vec<Claim>, annotated: Option<Annotated<'_>>) -> Vec<Claim> {
    let Some(a) = annotated else { return own };
    let from_toml = a.licenses.iter().map(|l| Claim {
        value: l.clone(),
        path: a.toml.clone(),
        tag: None,
    });
    match a.precedence {
        P::Override => from_toml.collect(),
        P::Aggregate => own.into_iter().chain(from_toml).collect(),
        P::Closest if own.is_empty() => from_toml.collect(),
        P::Closest => own,
    }
}

fn missing(
    path: &str,
    kind: Kind,
    binary: bool,
    hint: Option<String>,
    opts: &SpdxOptions,
) -> Option<Finding> {
    let sidecar = format!(
        "add `{}` holding `SPDX-License-Identifier: <license>` (`git outbound fix spdx {path}` writes it) or cover the path in REUSE.toml",
        fix::sidecar_path(path)
    );
    let (rule, message, help) = match kind {
        _ if binary && !opts.require_binary => return None,
        _ if binary => (
            "missing-binary-license",
            "binary file without license information".to_string(),
            sidecar,
        ),
        Kind::Unknown => return None,
        Kind::Uncommentable | Kind::Binary => (
            "missing-spdx-header",
            "file cannot hold a comment and has no .license file or REUSE.toml entry".into(),
            sidecar,
        ),
        Kind::Commentable(_) => {
            let fix = format!("run `git outbound fix spdx {path}` to insert one");
            let help = hint.map_or(fix.clone(), |h| format!("{h}; or {fix}"));
            let msg = format!(
                "no `{}` in a comment within the first {} lines",
                header::TAG,
                header::WINDOW
            );
            ("missing-spdx-header", msg, help)
        }
    };
    let mut f = Finding::new(Check::Spdx, rule, Severity::Block, message);
    f.path = Some(path.to_string());
    f.help = help;
    Some(f)
}

/// Parses one claim and applies the policy to it.
fn judge(path: &str, claim: &Claim, opts: &SpdxOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    if claim.tag.as_ref().is_some_and(|t| t.tight) {
        let mut f = warn(
            path,
            claim,
            "spdx-tag-spacing",
            "no space after `SPDX-License-Identifier:`",
        );
        f.help = "write one space after the colon".into();
        out.push(f);
    }
    match expr::parse(&claim.value) {
        Err(e) => {
            let mut f = located(claim, e.rule, Severity::Block, e.message);
            f.help = e.help;
            out.push(f);
        }
        Ok(parsed) => {
            for (written, canonical) in &parsed.recased {
                let msg = format!("license id '{written}' is not in canonical case");
                let mut f = warn(path, claim, "non-canonical-spdx-id", &msg);
                f.help = format!("write `{canonical}`");
                out.push(f);
            }
            if let Err(r) = opts.evaluate(path, &parsed.expr) {
                let mut f = located(claim, r.rule, Severity::Block, r.message);
                f.help = r.help;
                out.push(f);
            }
        }
    }
    out
}

fn located(claim: &Claim, rule: &str, severity: Severity, message: String) -> Finding {
    let mut f = Finding::new(Check::Spdx, rule, severity, message);
    f.path = Some(claim.path.clone());
    f.value = Some(claim.value.clone());
    if let Some(t) = &claim.tag {
        f.line = Some(t.line);
        f.column = Some(t.column);
        f.line_text = Some(t.line_text.chars().take(200).collect());
        f.span = Some(t.span).filter(|&(_, e)| e <= f.line_text.as_ref().map_or(0, String::len));
    }
    f
}

fn warn(path: &str, claim: &Claim, rule: &str, message: &str) -> Finding {
    let mut f = located(claim, rule, Severity::Warn, message.to_string());
    if claim.tag.is_none() {
        f.path = Some(path.to_string());
    }
    f
}

#[cfg(test)]
mod tests;
