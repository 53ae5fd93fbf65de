//! `--format sarif`: SARIF 2.1.0, one run, the rules that fired listed under the tool driver,
//! partial fingerprints so that code-scanning dashboards track a finding across edits.
//!
//! Shaped for GitHub code scanning (the SARIF SDK's `Gh` rule set) as well as the SARIF rules
//! themselves: every rule carries a short and a full description and help in text and
//! Markdown (what it finds, why it matters, the fix line of the human report), and every result
//! a physical location, the commit message (`COMMIT_MSG`, as Gerrit names it) for findings
//! about a commit rather than a file.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};

use super::{Style, catalog};
use crate::finding::{Check, Finding, Severity};
use crate::outcome::Outcome;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The artifact of findings that have no file: a commit's message or the commit as a whole.
const COMMIT_MSG: &str = "COMMIT_MSG";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Block => "error",
        Severity::Warn => "warning",
        Severity::Off => "none",
    }
}

/// One result. `rule_help` is the fix its rule's descriptor shows; a finding whose own fix
/// differs (it names a path, a license, an author) says it in its message.
fn result(f: &Finding, rule_index: usize, rule_help: &str, style: Style) -> Value {
    let mut text = f.message.clone();
    if let Some(v) = f.shown_value(style.show_secrets) {
        if !text.contains(&v) {
            text.push_str(&format!(" ({v})"));
        }
    }
    if let Some(c) = &f.commit {
        text.push_str(&format!(" in commit {c}"));
    }
    if !f.help.is_empty() && f.help != rule_help {
        text.push_str(&format!("; fix: {}", f.help));
    }
    let mut r = json!({
        "ruleId": f.code(),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "partialFingerprints": { "outbound/v1": f.fingerprint() },
    });
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
    let artifact = uri(f.path.as_deref().unwrap_or(COMMIT_MSG));
    r["locations"] = json!([{ "physicalLocation": { "artifactLocation": { "uri": artifact, "uriBaseId": "%SRCROOT%" }, "region": region } }]);
    r
}

/// The rule's title: the check's own words for it; for a secret rule, the first finding's
/// message up to its first colon (its rule pack description); else the rule id in words.
fn title(f: &Finding) -> String {
    if let Some(what) = catalog::what(f.check, &f.rule) {
        return what.to_string();
    }
    let head = if f.check == Check::Secret {
        let head = f.message.split(':').next().unwrap_or(&f.message);
        head.trim_end_matches(" (checksum valid)")
            .trim()
            .to_string()
    } else {
        f.rule.replace('-', " ")
    };
    let mut chars = head.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => f.code(),
    }
}

/// The rule's descriptor, from the first finding of it: what it finds, why it matters and
/// how to fix it, in text and Markdown.
fn descriptor(f: &Finding) -> Value {
    let what = title(f);
    let why = catalog::why(f.check);
    let (mut text, mut markdown) = (format!("{what}. {why}"), format!("**{what}.** {why}"));
    if !f.help.is_empty() {
        text.push_str(&format!(" Fix: {}", f.help));
        markdown.push_str(&format!("\n\n**Fix:** {}", f.help));
    }
    json!({
        "id": f.code(),
        "name": pascal_case(&f.rule),
        "shortDescription": { "text": what },
        "fullDescription": { "text": format!("{what}. {why}") },
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": { "level": level(f.severity) },
        "properties": { "tags": [f.check.name(), "security"] },
    })
}

/// `github-pat` → `GithubPat`: SARIF wants a rule's friendly name to be one Pascal-case word.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
                .collect::<String>()
        })
        .collect()
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
    let descriptors: Vec<Value> = ordered.iter().map(|(_, (_, f))| descriptor(f)).collect();
    let results: Vec<Value> = o
        .findings
        .iter()
        .map(|f| {
            let (index, first) = rules[&f.code()];
            result(f, index, &first.help, style)
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sarif(findings: Vec<Finding>) -> Value {
        let o = Outcome {
            findings,
            ..Outcome::default()
        };
        let style = Style {
            show_secrets: false,
            color: false,
            quiet: false,
        };
        let mut out = Vec::new();
        write(&mut out, &o, style).expect("write to memory");
        serde_json::from_slice(&out).expect("JSON")
    }

    fn signoff(commit: &str, help: &str) -> Finding {
        let mut f = Finding::new(
            Check::Dco,
            "missing-signoff",
            Severity::Block,
            "no sign-off",
        );
        f.commit = Some(commit.to_string());
        f.help = help.to_string();
        f
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(pascal_case("github-pat"), "GithubPat");
        assert_eq!(pascal_case("aws-s3_key.v2"), "AwsS3KeyV2");
    }

    #[test]
    fn rule_help_says_what_why_and_the_fix_of_its_first_finding() {
        let v = sarif(vec![
            signoff("a1", "sign it"),
            signoff("b2", "sign it as Bob"),
        ]);
        let rule = &v["runs"][0]["tool"]["driver"]["rules"][0];
        assert_eq!(
            rule["shortDescription"]["text"],
            "Commit without a Signed-off-by trailer"
        );
        let full = rule["fullDescription"]["text"].as_str().expect("text");
        assert!(full.contains("Developer Certificate of Origin"), "{full}");
        let help = rule["help"]["text"].as_str().expect("text");
        assert!(
            help.starts_with(full) && help.ends_with(" Fix: sign it"),
            "{help}"
        );
        let markdown = rule["help"]["markdown"].as_str().expect("markdown");
        assert!(markdown.ends_with("\n\n**Fix:** sign it"), "{markdown}");
        let results = &v["runs"][0]["results"];
        assert_eq!(results[0]["message"]["text"], "no sign-off in commit a1");
        assert_eq!(
            results[1]["message"]["text"],
            "no sign-off in commit b2; fix: sign it as Bob"
        );
    }

    #[test]
    fn rules_the_catalog_does_not_know_are_titled_by_their_id() {
        let f = Finding::new(
            Check::Dco,
            "new-rule",
            Severity::Warn,
            "commit abc: details",
        );
        assert_eq!(title(&f), "New rule");
        let f = Finding::new(
            Check::Secret,
            "x",
            Severity::Block,
            "Example token (checksum valid)",
        );
        assert_eq!(title(&f), "Example token");
    }

    #[test]
    fn findings_without_a_file_are_located_in_the_commit_message() {
        let v = sarif(vec![signoff("a1", "sign it")]);
        let location = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "COMMIT_MSG");
        assert_eq!(location["region"]["startLine"], 1);
    }
}
