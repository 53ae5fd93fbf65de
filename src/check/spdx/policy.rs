//! License policy: the `allow` and `deny` lists of `[spdx]` and per-path license classes
//! (code, documentation, data, each with its own allowed licenses), validated once and then
//! applied to every parsed expression.
//!
//! Semantics, after cargo-deny: `OR` is acceptable when one branch is, `AND` when all operands
//! are; `X WITH e` is its own allow entry; `deny` always wins and also catches `X WITH e` when
//! `X` is denied; an empty `allow` allows any valid license.

use super::expr;
use globset::{GlobSet, GlobSetBuilder};
use spdx::{Expression, LicenseReq};

/// Licenses allowed for a set of paths, e.g. `CC-BY-4.0` for `docs/**`.
#[derive(Debug, Clone, Default)]
pub struct LicenseClass {
    /// Shown in messages: `code`, `documentation`, `data`…
    pub name: String,
    /// Globs relative to the repository root; `*` stops at `/`, a glob without `/` matches at
    /// any depth.
    pub paths: Vec<String>,
    /// Replaces the global `allow` for these paths; empty keeps the global list.
    pub allow: Vec<String>,
}

/// The validated `[spdx]` policy. Build it with [`SpdxOptions::new`]; `Default` is the
/// no-policy state (any valid license, binaries not required to carry one).
#[derive(Debug, Clone, Default)]
pub struct SpdxOptions {
    /// Canonical ids, e.g. `Apache-2.0`, `Apache-2.0 WITH LLVM-exception`.
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub classes: Vec<LicenseClass>,
    /// Binaries need a `.license` sidecar or a REUSE.toml entry.
    pub require_binary: bool,
    /// `spdx.deprecated = "block"`: a deprecated id blocks; by default it warns.
    pub deprecated_blocks: bool,
    class_globs: Vec<GlobSet>,
}

/// Why an expression is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `denied-license` or `license-not-allowed`.
    pub rule: &'static str,
    pub message: String,
    pub help: String,
}

impl SpdxOptions {
    /// Validates the ids (canonical case, not deprecated, one license per entry) and the class
    /// globs. The error names the bad entry and the key it is under.
    pub fn new(
        allow: Vec<String>,
        deny: Vec<String>,
        classes: Vec<LicenseClass>,
        require_binary: bool,
    ) -> Result<SpdxOptions, String> {
        let allow = canonical_list(&allow, "spdx.allow")?;
        let deny = canonical_list(&deny, "spdx.deny")?;
        let mut class_globs = Vec::new();
        let mut checked = Vec::new();
        for class in classes {
            let key = format!("class '{}' allow", class.name);
            let allow = canonical_list(&class.allow, &key)?;
            class_globs.push(
                glob_set(&class.paths).map_err(|e| format!("class '{}' paths: {e}", class.name))?,
            );
            checked.push(LicenseClass { allow, ..class });
        }
        Ok(SpdxOptions {
            allow,
            deny,
            classes: checked,
            require_binary,
            deprecated_blocks: false,
            class_globs,
        })
    }

    /// Whether `expr` is acceptable for `path`.
    pub fn evaluate(&self, path: &str, expr: &Expression) -> Result<(), Rejection> {
        let class = self
            .class_globs
            .iter()
            .position(|g| g.is_match(path))
            .and_then(|i| self.classes.get(i));
        let allow = match class {
            Some(c) if !c.allow.is_empty() => &c.allow,
            _ => &self.allow,
        };
        let denied = |r: &LicenseReq| {
            contains(&self.deny, &r.to_string()) || contains(&self.deny, &r.license.to_string())
        };
        let accept =
            |r: &LicenseReq| !denied(r) && (allow.is_empty() || contains(allow, &r.to_string()));
        let Err(failures) = expr.evaluate_with_failures(accept) else {
            return Ok(());
        };
        let names: Vec<String> = failures.iter().map(|f| f.req.to_string()).collect();
        if let Some(bad) = failures.iter().find(|f| denied(&f.req)) {
            return Err(Rejection {
                rule: "denied-license",
                message: format!("license '{}' is denied by policy (spdx.deny)", bad.req),
                help: "a file under a denied license may not leave; relicense it (if you may) or leave it out of the contribution".into(),
            });
        }
        let scope = class.map_or(String::new(), |c| format!(" for {} files", c.name));
        Err(Rejection {
            rule: "license-not-allowed",
            message: format!("license '{}' is not allowed{scope}", names.join("', '")),
            help: format!("allowed{scope}: {}", allow.join(", ")),
        })
    }
}

fn contains(list: &[String], id: &str) -> bool {
    list.iter().any(|l| l.eq_ignore_ascii_case(id))
}

/// Each entry parsed alone: one license, optionally `+` or `WITH` an exception.
fn canonical_list(entries: &[String], key: &str) -> Result<Vec<String>, String> {
    entries
        .iter()
        .map(|e| canonical_entry(e).map_err(|m| format!("{key}: {m}")))
        .collect()
}

fn canonical_entry(entry: &str) -> Result<String, String> {
    let parsed =
        expr::parse(entry).map_err(|e| format!("'{entry}': {} ({})", e.message, e.help))?;
    if let Some(d) = parsed.deprecated.first() {
        let new = d.replacement.as_deref().unwrap_or("the current id");
        return Err(format!(
            "'{entry}': '{}' is a deprecated SPDX license id (write `{new}`)",
            d.written
        ));
    }
    let mut reqs = parsed.expr.requirements();
    match (reqs.next(), reqs.next()) {
        (Some(r), None) => Ok(r.req.to_string()),
        _ => Err(format!(
            "'{entry}': list single licenses, not expressions with AND or OR"
        )),
    }
}

fn glob_set(patterns: &[String]) -> Result<GlobSet, String> {
    let mut set = GlobSetBuilder::new();
    for p in patterns {
        let full = if p.contains('/') {
            p.trim_start_matches('/').to_string()
        } else {
            format!("**/{p}")
        };
        let glob = crate::glob::path_glob(&full).map_err(|e| format!("'{p}': {e}"))?;
        set.add(glob);
    }
    set.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn options() -> SpdxOptions {
        let classes = vec![
            LicenseClass {
                name: "documentation".into(),
                paths: strings(&["docs/**", "*.md"]),
                allow: strings(&["CC-BY-4.0"]),
            },
            LicenseClass {
                name: "data".into(),
                paths: strings(&["data/**"]),
                allow: strings(&["CDLA-Permissive-1.0"]),
            },
        ];
        let allow = strings(&[
            "Apache-2.0",
            "MIT",
            "BSD-3-Clause",
            "Apache-2.0 WITH LLVM-exception",
            "LicenseRef-Acme-Proprietary",
        ]);
        SpdxOptions::new(
            allow,
            strings(&["GPL-3.0-only", "AGPL-3.0-only", "GPL-2.0-only"]),
            classes,
            false,
        )
        .expect("valid policy")
    }

    /// licenses.md matrix rows for an Apache-2.0 upstream with a no-GPL policy:
    /// (path, expression, expected rule or "" for acceptable).
    const MATRIX: &[(&str, &str, &str)] = &[
        ("src/a.rs", "MIT", ""),
        ("src/a.rs", "Apache-2.0", ""),
        ("src/a.rs", "BSD-3-Clause", ""),
        ("src/a.rs", "ISC", "license-not-allowed"),
        ("src/a.rs", "GPL-3.0-only", "denied-license"),
        ("src/a.rs", "AGPL-3.0-only", "denied-license"),
        (
            "src/a.rs",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "denied-license",
        ),
        ("src/a.rs", "MIT OR GPL-3.0-only", ""),
        ("src/a.rs", "MIT AND GPL-3.0-only", "denied-license"),
        ("src/a.rs", "MIT AND ISC", "license-not-allowed"),
        ("src/a.rs", "Apache-2.0 WITH LLVM-exception", ""),
        ("src/a.rs", "MIT WITH LLVM-exception", "license-not-allowed"),
        ("src/a.rs", "LicenseRef-Acme-Proprietary", ""),
        ("src/a.rs", "LicenseRef-Other", "license-not-allowed"),
        ("src/a.rs", "CC-BY-NC-4.0", "license-not-allowed"),
        ("docs/guide.md", "CC-BY-4.0", ""),
        ("README.md", "CC-BY-4.0", ""),
        ("docs/guide.md", "Apache-2.0", "license-not-allowed"),
        ("data/x.csv", "CDLA-Permissive-1.0", ""),
        ("data/x.csv", "GPL-3.0-only", "denied-license"),
    ];

    #[test]
    fn policy_matrix() {
        let opts = options();
        for (path, text, want) in MATRIX {
            let parsed = expr::parse(text).expect("valid expression");
            let got = opts
                .evaluate(path, &parsed.expr)
                .err()
                .map_or("", |r| r.rule);
            assert_eq!(got, *want, "{path}: {text}");
        }
    }

    #[test]
    fn empty_allow_allows_any_valid_license_but_deny_wins() {
        let opts =
            SpdxOptions::new(vec![], strings(&["GPL-3.0-only"]), vec![], false).expect("valid");
        let ok = expr::parse("ISC").expect("valid");
        assert!(opts.evaluate("a.rs", &ok.expr).is_ok());
        let bad = expr::parse("GPL-3.0-only").expect("valid");
        assert_eq!(
            opts.evaluate("a.rs", &bad.expr).map_err(|r| r.rule),
            Err("denied-license")
        );
    }

    #[test]
    fn not_allowed_names_the_allowed_list() {
        let parsed = expr::parse("CC-BY-4.0").expect("valid");
        let r = options()
            .evaluate("src/a.rs", &parsed.expr)
            .expect_err("not allowed");
        assert!(r.help.contains("Apache-2.0, MIT"), "{}", r.help);
        let r = options()
            .evaluate("docs/a.md", &expr::parse("MIT").expect("valid").expr)
            .expect_err("docs");
        assert!(r.message.contains("documentation"), "{}", r.message);
    }

    #[test]
    fn bad_entries_are_named() {
        let cases: &[(&[&str], &str)] = &[
            (&["GPL-2.0"], "'GPL-2.0'"),
            (&["Foo-1.0"], "unknown license id 'Foo-1.0'"),
            (&["MIT OR ISC"], "single licenses"),
            (&["NOASSERTION"], "document value"),
        ];
        for (allow, want) in cases {
            let err = SpdxOptions::new(strings(allow), vec![], vec![], false).expect_err("invalid");
            assert!(err.contains(want) && err.starts_with("spdx.allow"), "{err}");
        }
        let class = LicenseClass {
            name: "docs".into(),
            paths: strings(&["docs/[**"]),
            allow: vec![],
        };
        let err = SpdxOptions::new(vec![], vec![], vec![class], false).expect_err("bad glob");
        assert!(err.contains("class 'docs' paths"), "{err}");
    }

    #[test]
    fn ids_in_policy_are_case_normalised() {
        let opts = SpdxOptions::new(strings(&["mit"]), vec![], vec![], false).expect("valid");
        assert_eq!(opts.allow, ["MIT"]);
    }
}
