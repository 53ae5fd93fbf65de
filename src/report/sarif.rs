//! `--format sarif`: SARIF 2.1.0, one run, the rules that fired listed under the tool driver,
//! partial fingerprints so that code-scanning dashboards track a finding across edits.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use super::Style;
use crate::finding::{Finding, Severity};
use crate::outcome::Outcome;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Block => "error",
        Severity::Warn => "warning",
        Severity::Off => "none",
    }
}

fn result(f: &Finding, rule_index: usize, style: Style) -> Value {
    let mut text = f.message.clone();
    if let Some(v) = f.shown_value(style.show_secrets) {
        if !text.contains(&v) {
            text.push_str(&format!(" ({v})"));
        }
    }
    if let Some(c) = &f.commit {
        text.push_str(&format!(" in commit {c}"));
    }
    let mut r = json!({
        "ruleId": f.code(),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "partialFingerprints": { "outbound/v1": f.fingerprint() },
    });
    if let Some(path) = &f.path {
        let mut region = json!({ "startLine": f.line.unwrap_or(1) });
        if let Some(c) = f.column {
            region["startColumn"] = json!(c);
        }
        if let Some(e) = f.end_line {
            region["endLine"] = json!(e);
        }
        if f.line_text.is_some() {
            region["snippet"] = json!({ "text": f.excerpt(style.show_secrets) });
        }
        r["locations"] = json!([{ "physicalLocation": { "artifactLocation": { "uri": uri(path), "uriBaseId": "%SRCROOT%" }, "region": region } }]);
    }
    r
}

/// Percent-encodes what a URI reference may not hold (spaces, non-ASCII, `%`, `#`, `?`).
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn write(out: &mut dyn Write, o: &Outcome, style: Style) -> std::io::Result<()> {
    let mut rules: BTreeMap<String, (usize, &Finding)> = BTreeMap::new();
    for f in &o.findings {
        let n = rules.len();
        rules.entry(f.code()).or_insert((n, f));
    }
    let mut ordered: Vec<(&String, &(usize, &Finding))> = rules.iter().collect();
    ordered.sort_by_key(|(_, (i, _))| *i);
    let descriptors: Vec<Value> = ordered
        .iter()
        .map(|(code, (_, f))| {
            json!({
                "id": code,
                "name": f.rule,
                "shortDescription": { "text": f.message.split(':').next().unwrap_or(&f.message) },
                "help": { "text": f.help },
                "defaultConfiguration": { "level": level(f.severity) },
                "properties": { "tags": [f.check.name(), "security"] },
            })
        })
        .collect();
    let results: Vec<Value> = o
        .findings
        .iter()
        .map(|f| result(f, rules[&f.code()].0, style))
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "git-outbound",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/git-outbound",
                "rules": descriptors,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "uri": "file:///" } },
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
