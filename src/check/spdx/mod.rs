//! The `spdx` check: every outbound file that REUSE covers must carry a valid
//! `SPDX-License-Identifier` (in a header comment, a `.license` sidecar or a REUSE.toml
//! annotation), and every license in it must pass the policy. Pure: the caller reads the file,
//! its sidecars and the REUSE.toml files and passes their contents in.
//!
//! `comment` knows the comment styles, `header` finds the tags, `expr` parses expressions,
//! `policy` applies `allow`/`deny`/classes, `crate::reuse` reads REUSE.toml, sidecars and license
//! texts, `fix` writes headers for `git outbound fix spdx` and `deprecated` rewrites deprecated
//! ids for its `--update-deprecated`. The conformance cases of `conformance/spdx.md` are the
//! table in `tests.rs`.

mod comment;
mod deprecated;
mod expr;
mod fix;
mod header;
mod policy;

pub use crate::reuse::{Annotated, Precedence, Project};
pub use deprecated::update_deprecated;
pub use fix::{FixOutcome, Known, fix, known_license, resolve_license, sidecar_path, sidecar_text};
pub use policy::{LicenseClass, Rejection, SpdxOptions};

use crate::finding::{Check, Finding, Severity};
use crate::reuse::Precedence as P;
use comment::Kind;

/// Where a license statement was read.
#[derive(Debug, Clone)]
struct Claim {
    value: String,
    /// The file that holds it: the file itself, its sidecar or a REUSE.toml.
    path: String,
    tag: Option<header::Tag>,
    /// The line of a REUSE.toml annotation.
    toml_line: Option<usize>,
}

/// Ends the message of a finding about a REUSE.toml annotation, before the file it was met
/// for; [`merge_annotation_findings`] turns the findings of every file into one.
const COVERS: &str = "; the annotation covers ";

/// How much of a file the check needs: its head, where the license header is. A caller that
/// does not read a large file whole passes this much of it.
pub const HEAD_BYTES: usize = 64 * 1024;

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

/// Checks one outbound file. `path` is relative to the scanned root, `/`-separated.
pub fn check_file(
    path: &str,
    content: &[u8],
    project: &Project,
    opts: &SpdxOptions,
) -> Vec<Finding> {
    if content.is_empty() || is_exempt(path) {
        return Vec::new();
    }
    let (kind, binary) = kind_of(path, content);
    let mut out = Vec::new();
    let (own, hint) = own_claims(path, content, kind, binary, project, &mut out);
    let claims = combine(own, project.annotation(path));
    if claims.is_empty() {
        out.extend(missing(path, kind, binary, hint, opts));
        return out;
    }
    for claim in &claims {
        out.extend(judge(path, claim, project, opts));
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

/// The file's kind by name, and whether it is binary. Binary is decided by content, as the
/// text checks decide it: a `.doc` that is plain text is read like a file of no known style.
/// Model and data serialisations stay binary whatever their bytes.
fn kind_of(path: &str, content: &[u8]) -> (Kind, bool) {
    let binary = comment::looks_binary(content);
    match comment::kind(path) {
        Kind::Binary if comment::is_serialised(path) => (Kind::Binary, true),
        Kind::Binary if !binary => (Kind::Unknown, false),
        kind => (kind, binary),
    }
}

/// Findings about one REUSE.toml annotation come from every file it covers, alike but for the
/// file: they become one finding (the first in `found`) that names the files.
pub fn merge_annotation_findings(found: Vec<(usize, Finding)>) -> Vec<(usize, Finding)> {
    type Key = (String, Option<usize>, String, Option<String>, String);
    let mut groups: Vec<(usize, Finding, Vec<String>)> = Vec::new();
    let mut index: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for (order, f) in found {
        let split = (f.check == Check::Spdx)
            .then(|| f.message.rsplit_once(COVERS))
            .flatten()
            .map(|(m, file)| (m.to_string(), file.to_string()));
        let Some((message, file)) = split else {
            out.push((order, f));
            continue;
        };
        let key = (
            f.path.clone().unwrap_or_default(),
            f.line,
            f.rule.clone(),
            f.value.clone(),
            message.clone(),
        );
        match index.get(&key) {
            Some(&i) => groups[i].2.push(file),
            None => {
                index.insert(key, groups.len());
                let mut first = f;
                first.message = message;
                groups.push((order, first, vec![file]));
            }
        }
    }
    for (order, mut f, mut files) in groups {
        files.sort();
        files.dedup();
        f.message = format!("{}{}", f.message, covered_list(&files));
        out.push((order, f));
    }
    out
}

fn covered_list(files: &[String]) -> String {
    const SHOWN: usize = 5;
    let names: Vec<String> = files.iter().take(SHOWN).map(|f| format!("'{f}'")).collect();
    match files.len() {
        1 => format!("{COVERS}{}", names[0]),
        n if n <= SHOWN => format!("{COVERS}{n} files: {}", names.join(", ")),
        n => format!(
            "{COVERS}{n} files: {} and {} more",
            names.join(", "),
            n - SHOWN
        ),
    }
}

/// The license expressions that apply to a file as REUSE reads them: its header or sidecar,
/// combined with a REUSE.toml annotation (for `git outbound request`). Empty when none is found.
pub fn licenses(path: &str, content: &[u8], project: &Project) -> Vec<String> {
    if is_exempt(path) {
        return Vec::new();
    }
    let (kind, binary) = kind_of(path, content);
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
            toml_line: None,
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
        toml_line: Some(a.line),
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
    let side = fix::sidecar_path(path);
    let sidecar = format!(
        "add `{side}` holding `SPDX-License-Identifier: <license>` (`git outbound fix spdx --sidecar {path}` writes it) or cover the path in a REUSE.toml annotation"
    );
    let (rule, message, help) = match kind {
        _ if binary && !opts.require_binary => return None,
        _ if binary => (
            "missing-binary-license",
            "binary file without license information".to_string(),
            sidecar,
        ),
        Kind::Unknown => (
            "missing-spdx-header",
            format!(
                "no license information: no `{}` line in the first {} lines, no `{side}`, no REUSE.toml annotation",
                header::TAG,
                header::WINDOW
            ),
            format!(
                "the file has no comment syntax git-outbound knows: {sidecar}; a plain text file may instead carry the line `{} <license>` near its top",
                header::TAG
            ),
        ),
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

/// Parses one claim and applies the policy to it. Findings about a REUSE.toml annotation name
/// the file they were met for after [`COVERS`].
fn judge(path: &str, claim: &Claim, project: &Project, opts: &SpdxOptions) -> Vec<Finding> {
    let mut out = judge_claim(path, claim, project, opts);
    if claim.toml_line.is_some() {
        for f in &mut out {
            f.message = format!("{}{COVERS}{path}", f.message);
        }
    }
    out
}

fn judge_claim(path: &str, claim: &Claim, project: &Project, opts: &SpdxOptions) -> Vec<Finding> {
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
    if claim.tag.as_ref().is_some_and(|t| t.loose) {
        let mut f = warn(
            path,
            claim,
            "spdx-tag-not-in-comment",
            "the `SPDX-License-Identifier` line is not a comment of this file type",
        );
        f.help = "write it in the file's comment syntax, e.g. `.. SPDX-License-Identifier: …` in reStructuredText".into();
        out.push(f);
    }
    let parsed = match expr::parse(&claim.value) {
        Ok(parsed) => parsed,
        Err(e) => {
            let mut f = located(claim, e.rule, Severity::Block, e.message);
            f.help = e.help;
            out.push(f);
            return out;
        }
    };
    for (written, canonical) in &parsed.recased {
        let msg = format!("license id '{written}' is not in canonical case");
        let mut f = warn(path, claim, "non-canonical-spdx-id", &msg);
        f.help = format!("write `{canonical}`");
        out.push(f);
    }
    for d in &parsed.deprecated {
        let severity = match opts.deprecated_blocks {
            true => Severity::Block,
            false => Severity::Warn,
        };
        let msg = match &d.replacement {
            Some(new) => format!(
                "'{}' is a deprecated SPDX license id; its replacement is '{new}'",
                d.written
            ),
            None => format!("'{}' is a deprecated SPDX license id", d.written),
        };
        let mut f = located(claim, expr::DEPRECATED, severity, msg);
        f.help = d.help();
        if claim.tag.is_none() {
            f.path = Some(claim.path.clone());
        }
        out.push(f);
    }
    for id in missing_texts(&parsed.expr, project) {
        let msg = format!("no license text for '{id}' in LICENSES/");
        let mut f = located(claim, "missing-license-text", Severity::Block, msg);
        f.help = format!(
            "add the text of the license as `LICENSES/{id}.txt`: REUSE requires the text of every `LicenseRef-` license the project uses"
        );
        out.push(f);
    }
    if let Err(r) = opts.evaluate(path, &parsed.expr) {
        let mut f = located(claim, r.rule, Severity::Block, r.message);
        f.help = r.help;
        out.push(f);
    }
    out
}

/// The `LicenseRef-` ids of `expr` whose text the project's `LICENSES/` lacks (none when the
/// directory was not read). `DocumentRef-…:LicenseRef-…` points at another document's text.
fn missing_texts(expr: &spdx::Expression, project: &Project) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for req in expr.requirements() {
        let spdx::LicenseItem::Other(r) = &req.req.license else {
            continue;
        };
        let id = format!("LicenseRef-{}", r.lic_ref);
        if r.doc_ref.is_none() && project.has_license_text(&id) == Some(false) && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

fn located(claim: &Claim, rule: &str, severity: Severity, message: String) -> Finding {
    let mut f = Finding::new(Check::Spdx, rule, severity, message);
    f.path = Some(claim.path.clone());
    f.value = Some(claim.value.clone());
    f.line = claim.toml_line;
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
