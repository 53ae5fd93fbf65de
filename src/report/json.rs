//! `--format json`: one object, shaped as the design's contract states, plus `allowed`,
//! `skipped`, `errors` and `warnings`.

use std::io::Write;

use serde_json::{Value, json};

use super::Style;
use crate::finding::Finding;
use crate::outcome::Outcome;

/// One finding as JSON.
pub fn finding(f: &Finding, style: Style) -> Value {
    let mut v = json!({
        "check": f.check.name(),
        "rule": f.rule,
        "severity": f.severity.name(),
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "commit": f.commit,
        "message": f.message,
        "excerpt": f.excerpt(style.show_secrets),
        "fingerprint": f.fingerprint(),
    });
    if let Some(end) = f.end_line {
        v["end_line"] = json!(end);
    }
    if !f.decoded.is_empty() {
        v["decoded"] = json!(f.decoded);
    }
    if f.validated {
        v["validated"] = json!(true);
    }
    if style.show_secrets {
        v["secret"] = json!(f.value);
    }
    v
}

pub fn write(out: &mut dyn Write, o: &Outcome, style: Style) -> std::io::Result<()> {
    let findings: Vec<Value> = o.findings.iter().map(|f| finding(f, style)).collect();
    let allowed: Vec<Value> = o
        .allowed
        .iter()
        .map(|a| {
            let mut v = finding(&a.finding, style);
            v["reason"] = json!(a.reason);
            v
        })
        .collect();
    let doc = json!({
        "version": 1,
        "findings": findings,
        "allowed": allowed,
        "skipped": o.skipped.iter().map(|s| json!({"path": s.path, "reason": s.reason})).collect::<Vec<_>>(),
        "errors": o.errors,
        "warnings": o.warnings,
        "summary": {
            "blocking": o.blocking(),
            "warnings": o.findings.len() - o.blocking(),
            "files": o.files,
            "commits": o.commits,
            "bytes": o.bytes,
        },
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
