//! The effective policy written out, for `git outbound policy`: as TOML that reads back to the
//! same values, each key followed by the layer it came from as a comment, or as JSON for tools.
//! Both are built from `Policy::effective`, the merged layers; nothing here prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use toml::{Table, Value};

use super::Policy;

/// The policy as a TOML document. Notes that are not values (the layers, warnings, counts)
/// come first as comments, so the whole text stays valid TOML.
pub fn toml(policy: &Policy, notes: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The effective policy. Layers, first to last: {}",
        policy.layers.join(" → ")
    );
    for w in &policy.warnings {
        let _ = writeln!(out, "# warning: {w}");
    }
    for n in notes {
        let _ = writeln!(out, "# {n}");
    }
    write_table(&mut out, &policy.effective, "", &policy.origins);
    out
}

/// The policy for tools: the layers, the merged values, each key's layer and the warnings.
pub fn json(policy: &Policy) -> serde_json::Value {
    serde_json::json!({
        "layers": policy.layers,
        "policy": json_value(&Value::Table(policy.effective.clone())),
        "origins": policy.origins,
        "warnings": policy.warnings,
    })
}

/// Writes the plain keys of `table` (under the header `path`), then its tables, then its
/// arrays of tables: the order TOML needs so that each key stays in its own table.
fn write_table(out: &mut String, table: &Table, path: &str, origins: &BTreeMap<String, String>) {
    for (k, v) in table.iter().filter(|(_, v)| is_plain(v)) {
        let key = join(path, k);
        let _ = write!(out, "{} = {}", bare_or_quoted(k), inline(v));
        match origin(origins, &key) {
            Some(from) => {
                let _ = writeln!(out, "  # from {from}");
            }
            None => out.push('\n'),
        }
    }
    for (k, v) in table {
        let key = join(path, k);
        match v {
            Value::Table(t) => {
                let _ = writeln!(out, "\n[{}]", header(&key));
                write_table(out, t, &key, origins);
            }
            Value::Array(entries) if !is_plain(v) => {
                for entry in entries.iter().filter_map(Value::as_table) {
                    let _ = write!(out, "\n[[{}]]", header(&key));
                    match origin(origins, &key) {
                        Some(from) => {
                            let _ = writeln!(out, "  # from {from}");
                        }
                        None => out.push('\n'),
                    }
                    for (k, v) in entry {
                        let _ = writeln!(out, "{} = {}", bare_or_quoted(k), inline(v));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Whether `v` is written as `key = value` (not a table, not an array of tables).
fn is_plain(v: &Value) -> bool {
    match v {
        Value::Table(_) => false,
        Value::Array(a) => a.is_empty() || !a.iter().all(Value::is_table),
        _ => true,
    }
}

/// The layer that set `key`, or the nearest enclosing key that has one.
fn origin<'a>(origins: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    let mut k = key;
    loop {
        if let Some(from) = origins.get(k) {
            return Some(from);
        }
        k = k.rsplit_once('.')?.0;
    }
}

fn join(path: &str, key: &str) -> String {
    match path {
        "" => key.to_string(),
        _ => format!("{path}.{key}"),
    }
}

/// A dotted header with each part bare or quoted.
fn header(key: &str) -> String {
    key.split('.')
        .map(bare_or_quoted)
        .collect::<Vec<_>>()
        .join(".")
}

fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match bare {
        true => key.to_string(),
        false => quoted(key),
    }
}

/// A value on one line: strings as basic strings, tables inline.
fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => quoted(s),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) if f.is_nan() => "nan".into(),
        Value::Float(f) if f.is_infinite() => match *f > 0.0 {
            true => "inf".into(),
            false => "-inf".into(),
        },
        // `{:?}` keeps the `.0` that makes `1.0` a float when read back.
        Value::Float(f) => format!("{f:?}"),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(t) if t.is_empty() => "{}".into(),
        Value::Table(t) => {
            let items: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", bare_or_quoted(k), inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => s.clone().into(),
        Value::Integer(i) => (*i).into(),
        Value::Float(f) => (*f).into(),
        Value::Boolean(b) => (*b).into(),
        Value::Datetime(d) => d.to_string().into(),
        Value::Array(a) => a.iter().map(json_value).collect(),
        Value::Table(t) => t
            .iter()
            .map(|(k, v)| (k.clone(), json_value(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(org: &str, repo: &str) -> Policy {
        let layer = |name: &str, text: &str| super::super::parse_layer(name, text, None).unwrap();
        let mut repo_layer = layer(".outbound.toml", repo);
        repo_layer.kind = super::super::LayerKind::Repository;
        super::super::build(vec![
            layer("built-in defaults", super::super::DEFAULTS),
            layer("org.toml", org),
            repo_layer,
        ])
        .unwrap()
    }

    const ORG: &str = r#"
[org]
name = "Acme \"Corp\"	tab"
domains = ["acme-corp.com"]
[dco]
require = "external"
[[secrets.allow]]
path = "tests/**"
reason = "fake keys"
[[secrets.rules]]
id = "acme-token"
description = "Acme token"
keywords = ["acme_"]
regex = '''acme_[a-z]{8}\b'''
[approval]
significant_lines = 200
[[approval.standing]]
remote = "github.com/acme/*"
expires = 2030-01-31
reason = "standing"
"#;

    #[test]
    fn toml_output_reads_back_as_the_effective_policy() {
        let p = policy(
            ORG,
            "[spdx]\nrequire = true\n[[secrets.allow]]\npath = \"x\"\nreason = \"r\"\n",
        );
        let text = toml(&p, &["a note".into()]);
        let back: Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, p.effective, "{text}");
        assert!(
            text.contains("require = \"external\"  # from org.toml\n"),
            "{text}"
        );
        assert!(
            text.contains("require = true  # from .outbound.toml\n"),
            "{text}"
        );
        assert!(
            text.contains("severity = \"block\"  # from built-in defaults\n"),
            "{text}"
        );
        assert!(
            text.contains("[[secrets.allow]]  # from org.toml + .outbound.toml\n"),
            "{text}"
        );
        assert!(text.contains("# a note\n"), "{text}");
    }

    #[test]
    fn json_output_holds_values_and_origins() {
        let p = policy(ORG, "");
        let v = json(&p);
        assert_eq!(v["policy"]["dco"]["require"], "external");
        assert_eq!(v["origins"]["dco.require"], "org.toml");
        assert_eq!(
            v["policy"]["approval"]["standing"][0]["expires"],
            "2030-01-31"
        );
        assert_eq!(v["layers"][1], "org.toml");
    }

    #[test]
    fn values_that_need_quoting_are_quoted() {
        let cases: &[(Value, &str)] = &[
            (Value::String("a\"b\\c\nd".into()), r#""a\"b\\c\nd""#),
            (Value::Float(1.0), "1.0"),
            (Value::Float(f64::NEG_INFINITY), "-inf"),
            (Value::Array(vec![]), "[]"),
        ];
        for (v, expected) in cases {
            assert_eq!(inline(v), *expected);
        }
        assert_eq!(bare_or_quoted("a.b"), "\"a.b\"");
        assert_eq!(bare_or_quoted("max_file_size"), "max_file_size");
    }
}
