//! SPDX license expressions: parse one `SPDX-License-Identifier` value the way the SPDX
//! specification (annex "SPDX license expressions") says, on top of the `spdx` crate.
//!
//! The crate's strict mode is close to the spec but differs in three places that matter for a
//! gate, which this module corrects before handing the text to the crate: license and exception
//! ids are case-insensitive in the spec (the crate matches them case-sensitively), `NOASSERTION`
//! and `NONE` are SPDX document values rather than file licenses (the crate accepts them), and
//! `LicenseRef-` needs at least one character after the prefix (the crate accepts an empty one).
//! Deprecated ids parse (the policy decides whether they warn or block) and are reported with
//! the one replacement the SPDX License List gives, which `fix spdx --update-deprecated` writes.

use spdx::{Expression, ParseMode, identifiers};

/// A valid expression: the parsed form and the ids whose case had to be corrected.
#[derive(Debug)]
pub struct Parsed {
    /// The expression, parsed from the case-corrected text.
    pub expr: Expression,
    /// `(as written, canonical)` for every id written in non-canonical case.
    pub recased: Vec<(String, String)>,
    /// Every deprecated id, in the order written.
    pub deprecated: Vec<Deprecated>,
}

/// A deprecated id and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecated {
    /// As written, e.g. `GPL-2.0+`.
    pub written: String,
    /// Byte offset inside the expression text.
    pub offset: usize,
    /// The current id (or `id WITH exception`) that means the same, when the list names one.
    pub replacement: Option<String>,
}

impl Deprecated {
    /// The help of a deprecated-id finding: what to write instead, and the command that does it.
    pub fn help(&self) -> String {
        let fix = "`git outbound fix spdx --update-deprecated` rewrites it";
        match &self.replacement {
            Some(new) if new.ends_with("-only") => {
                let later = format!("{}-or-later", new.trim_end_matches("-only"));
                format!(
                    "write `{new}`, which is what `{}` means (`{later}` if 'or later' was meant); {fix}",
                    self.written
                )
            }
            Some(new) => format!("write `{new}`; {fix}"),
            None => "use the current id listed at https://spdx.org/licenses/".into(),
        }
    }
}

/// Why an expression was rejected, with the byte offset of the offending term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// `invalid-spdx-expression`, `unknown-spdx-license` or `deprecated-spdx-license`.
    pub rule: &'static str,
    pub message: String,
    pub help: String,
    /// Byte offset inside the expression text.
    pub offset: usize,
}

const INVALID: &str = "invalid-spdx-expression";
const UNKNOWN: &str = "unknown-spdx-license";
/// The rule of a finding about a deprecated id.
pub const DEPRECATED: &str = "deprecated-spdx-license";
const PREFIXES: [&str; 3] = ["DocumentRef-", "LicenseRef-", "AdditionRef-"];

fn error(rule: &'static str, offset: usize, message: String, help: impl Into<String>) -> ExprError {
    ExprError {
        rule,
        message,
        help: help.into(),
        offset,
    }
}

/// Parses and validates one expression (the text after `SPDX-License-Identifier:`).
/// Deprecated ids are accepted and listed; the expression handed to the policy has them
/// replaced, so `deny = ["GPL-2.0-only"]` also catches `GPL-2.0`.
pub fn parse(text: &str) -> Result<Parsed, ExprError> {
    let mut fixed = String::with_capacity(text.len());
    let mut copied = 0;
    let mut recased = Vec::new();
    let mut deprecated = Vec::new();
    for (offset, word) in words(text)? {
        let Some(checked) = check_word(word, offset)? else {
            continue;
        };
        fixed.push_str(&text[copied..offset]);
        copied = offset + word.len();
        if checked.deprecated {
            let replacement = replacement_id(&checked.canonical);
            fixed.push_str(replacement.as_deref().unwrap_or(&checked.canonical));
            deprecated.push(Deprecated {
                written: word.to_string(),
                offset,
                replacement,
            });
        } else {
            fixed.push_str(&checked.canonical);
            recased.push((word.to_string(), checked.canonical));
        }
    }
    fixed.push_str(&text[copied..]);
    let mode = ParseMode {
        allow_deprecated: true,
        ..ParseMode::STRICT
    };
    match Expression::parse_mode(&fixed, mode) {
        Ok(expr) => Ok(Parsed {
            expr,
            recased,
            deprecated,
        }),
        Err(e) => Err(grammar_error(text, &e)),
    }
}

/// What [`check_word`] found out about a word that must be rewritten.
struct Checked {
    /// The id in canonical case, with its `+` when it had one.
    canonical: String,
    deprecated: bool,
}

/// Splits the expression into id-like words with their offsets; rejects stray characters.
fn words(text: &str) -> Result<Vec<(usize, &str)>, ExprError> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '+');
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if is_word(c) {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            out.push((s, &text[s..i]));
        }
        if !(c.is_whitespace() || c == '(' || c == ')') {
            let help = if c == '/' {
                format!(
                    "write `{}`: `/` is Cargo syntax, SPDX uses `OR`",
                    text.replace('/', " OR ")
                )
            } else {
                "an expression holds only license ids, `AND`, `OR`, `WITH` and parentheses".into()
            };
            return Err(error(
                INVALID,
                i,
                format!("invalid character '{c}' in license expression"),
                help,
            ));
        }
    }
    Ok(out)
}

/// Checks one word; returns what to write instead when it is in the wrong case or deprecated.
fn check_word(word: &str, offset: usize) -> Result<Option<Checked>, ExprError> {
    if matches!(word, "AND" | "and" | "OR" | "or" | "WITH" | "with") {
        return Ok(None);
    }
    let upper = word.to_ascii_uppercase();
    if matches!(upper.as_str(), "AND" | "OR" | "WITH") {
        let help = format!("write `{upper}` or `{}`", upper.to_lowercase());
        let msg = format!("operator '{word}' must be all upper or all lower case");
        return Err(error(INVALID, offset, msg, help));
    }
    if upper == "NOASSERTION" || upper == "NONE" {
        let msg = format!("'{word}' is an SPDX document value, not a license");
        let help = "name the license of this file, or `LicenseRef-<name>` for a custom one";
        return Err(error(INVALID, offset, msg, help));
    }
    if has_prefix_ci(word) {
        return check_refs(word, offset).map(|()| None);
    }
    let (base, plus) = match word.strip_suffix('+') {
        Some(b) => (b, true),
        None => (word, false),
    };
    if base.is_empty() {
        // A lone `+`: the grammar check reports where it is misplaced.
        return Ok(None);
    }
    check_id(base, plus, offset)
}

fn has_prefix_ci(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    PREFIXES
        .iter()
        .any(|p| lower.starts_with(&p.to_ascii_lowercase()))
}

/// `DocumentRef-x:LicenseRef-y`, `LicenseRef-y`, `AdditionRef-y`: exact prefixes, non-empty names.
fn check_refs(word: &str, offset: usize) -> Result<(), ExprError> {
    for part in word.split(':') {
        let Some(prefix) = PREFIXES.iter().find(|p| {
            part.to_ascii_lowercase()
                .starts_with(&p.to_ascii_lowercase())
        }) else {
            let msg = format!("'{part}' is not a `LicenseRef-` or `DocumentRef-` reference");
            return Err(error(
                INVALID,
                offset,
                msg,
                "write `DocumentRef-<doc>:LicenseRef-<name>`",
            ));
        };
        if !part.starts_with(prefix) {
            let msg = format!("'{part}': the `{prefix}` prefix is case-sensitive");
            let help = format!("write `{prefix}{}`", &part[prefix.len()..]);
            return Err(error(INVALID, offset, msg, help));
        }
        let name = &part[prefix.len()..];
        if name.is_empty() || name.contains('+') {
            let msg =
                format!("'{part}' needs a name of letters, digits, '-' and '.' after `{prefix}`");
            return Err(error(
                INVALID,
                offset,
                msg,
                format!("write e.g. `{prefix}Acme-Proprietary`"),
            ));
        }
    }
    Ok(())
}

/// A license or exception id: known, `+` only where the spec allows it.
fn check_id(base: &str, plus: bool, offset: usize) -> Result<Option<Checked>, ExprError> {
    let (name, deprecated, gnu) = if let Some(id) = lookup_license(base) {
        (id.name, id.is_deprecated(), id.is_gnu())
    } else if let Some(id) = lookup_exception(base) {
        (id.name, id.is_deprecated(), false)
    } else {
        let msg = format!("unknown license id '{base}'");
        let help = format!(
            "use an id from the SPDX License List (https://spdx.org/licenses/), or `LicenseRef-{base}` for a custom license"
        );
        return Err(error(UNKNOWN, offset, msg, help));
    };
    let canonical = if plus {
        format!("{name}+")
    } else {
        name.to_string()
    };
    if gnu && plus && !deprecated {
        let stem = name.trim_end_matches("-only").trim_end_matches("-or-later");
        let msg = format!("'{canonical}': GNU licenses take no `+`");
        return Err(error(
            INVALID,
            offset,
            msg,
            format!("write `{stem}-or-later`"),
        ));
    }
    Ok((deprecated || name != base).then_some(Checked {
        canonical,
        deprecated,
    }))
}

fn lookup_license(name: &str) -> Option<spdx::LicenseId> {
    if let Some(id) = spdx::license_id(name) {
        return Some(id);
    }
    let found = identifiers::LICENSES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(name))?;
    spdx::license_id(found.name)
}

fn lookup_exception(name: &str) -> Option<spdx::ExceptionId> {
    if let Some(id) = spdx::exception_id(name) {
        return Some(id);
    }
    let found = identifiers::EXCEPTIONS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name))?;
    spdx::exception_id(found.name)
}

/// The one id (or `id WITH exception`) the SPDX License List puts in place of a deprecated id
/// (`written` in canonical case, with its `+`). The GNU ids without a suffix meant "only":
/// the list names `GPL-2.0` "GNU General Public License v2.0 only".
pub fn replacement_id(written: &str) -> Option<String> {
    const GNU: [&str; 11] = [
        "AGPL-1.0", "AGPL-3.0", "GFDL-1.1", "GFDL-1.2", "GFDL-1.3", "GPL-1.0", "GPL-2.0",
        "GPL-3.0", "LGPL-2.0", "LGPL-2.1", "LGPL-3.0",
    ];
    let (name, plus) = match written.strip_suffix('+') {
        Some(n) => (n, true),
        None => (written, false),
    };
    if GNU.contains(&name) {
        let suffix = if plus { "-or-later" } else { "-only" };
        return Some(format!("{name}{suffix}"));
    }
    let table: &[(&str, &str)] = &[
        (
            "GPL-2.0-with-classpath-exception",
            "GPL-2.0-only WITH Classpath-exception-2.0",
        ),
        (
            "GPL-2.0-with-GCC-exception",
            "GPL-2.0-or-later WITH GCC-exception-2.0",
        ),
        (
            "GPL-2.0-with-bison-exception",
            "GPL-2.0-or-later WITH Bison-exception-2.2",
        ),
        (
            "GPL-2.0-with-autoconf-exception",
            "GPL-2.0-only WITH Autoconf-exception-2.0",
        ),
        (
            "GPL-2.0-with-font-exception",
            "GPL-2.0-only WITH Font-exception-2.0",
        ),
        (
            "GPL-3.0-with-GCC-exception",
            "GPL-3.0-only WITH GCC-exception-3.1",
        ),
        (
            "GPL-3.0-with-autoconf-exception",
            "GPL-3.0-only WITH Autoconf-exception-3.0",
        ),
        ("BSD-2-Clause-FreeBSD", "BSD-2-Clause"),
        ("BSD-2-Clause-NetBSD", "BSD-2-Clause"),
        ("StandardML-NJ", "SMLNJ"),
        ("Nunit", "zlib-acknowledgement"),
        ("eCos-2.0", "GPL-2.0-or-later WITH eCos-exception-2.0"),
        ("wxWindows", "GPL-2.0-or-later WITH WxWindows-exception-3.1"),
        ("Nokia-Qt-exception-1.1", "Qt-LGPL-exception-1.1"),
        ("bzip2-1.0.5", "bzip2-1.0.6"),
    ];
    let found = table.iter().find(|(old, _)| *old == name)?;
    (!plus).then(|| found.1.to_string())
}

/// Maps a grammar error of the `spdx` crate to our wording.
fn grammar_error(text: &str, e: &spdx::ParseError) -> ExprError {
    use spdx::error::Reason;
    let unclosed = text.matches('(').count() > text.matches(')').count();
    let help = match e.reason {
        _ if unclosed => "close every `(`; the expression must be on a single line",
        Reason::UnclosedParens => "close every `(`; the expression must be on a single line",
        Reason::UnopenedParens => "remove the `)` or open it with `(`",
        Reason::Empty => "write a license expression, e.g. `SPDX-License-Identifier: MIT`",
        Reason::SeparatedPlus => "write `+` right after the id, with no space (e.g. `MPL-1.1+`)",
        Reason::Unexpected(_) => {
            "an operator needs a license on each side, e.g. `MIT OR Apache-2.0`"
        }
        _ => "see https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/",
    };
    let message = format!("invalid license expression '{}': {}", text.trim(), e.reason);
    error(INVALID, e.span.start.min(text.len()), message, help)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (expression, Ok(case-corrected text) or Err(rule), help fragment)
    const CASES: &[(&str, Result<&str, &str>, &str)] = &[
        ("MIT", Ok("MIT"), ""),
        ("mit", Ok("MIT"), ""),
        ("apache-2.0 OR mIt", Ok("Apache-2.0 OR MIT"), ""),
        ("MIT or Apache-2.0", Ok("MIT or Apache-2.0"), ""),
        ("MIT Or Apache-2.0", Err(INVALID), "write `OR`"),
        ("MIT/Apache-2.0", Err(INVALID), "MIT OR Apache-2.0"),
        ("(MIT OR Apache-2.0", Err(INVALID), "single line"),
        ("MIT +", Err(INVALID), "no space"),
        ("MIT OR", Err(INVALID), "on each side"),
        ("MIT AND", Err(INVALID), "on each side"),
        ("", Err(INVALID), "write a license expression"),
        ("Foo-1.0", Err(UNKNOWN), "LicenseRef-Foo-1.0"),
        // Deprecated ids parse; the policy gets the replacement.
        ("GPL-2.0", Ok("GPL-2.0-only"), ""),
        ("GPL-2.0+", Ok("GPL-2.0-or-later"), ""),
        ("gpl-3.0", Ok("GPL-3.0-only"), ""),
        (
            "GPL-2.0-with-classpath-exception OR MIT",
            Ok("GPL-2.0-only WITH Classpath-exception-2.0 OR MIT"),
            "",
        ),
        ("LGPL-2.1 AND (MIT)", Ok("LGPL-2.1-only AND (MIT)"), ""),
        ("GPL-2.0-only+", Err(INVALID), "GPL-2.0-or-later"),
        ("NOASSERTION", Err(INVALID), "LicenseRef-"),
        ("NONE", Err(INVALID), "LicenseRef-"),
        ("LicenseRef-", Err(INVALID), "LicenseRef-Acme"),
        (
            "licenseref-Acme-Proprietary",
            Err(INVALID),
            "write `LicenseRef-Acme-Proprietary`",
        ),
        (
            "LicenseRef-Acme-Proprietary",
            Ok("LicenseRef-Acme-Proprietary"),
            "",
        ),
        (
            "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2",
            Ok("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"),
            "",
        ),
        (
            "Apache-2.0 WITH LLVM-exception",
            Ok("Apache-2.0 WITH LLVM-exception"),
            "",
        ),
        (
            "GPL-2.0-only with classpath-exception-2.0",
            Ok("GPL-2.0-only with Classpath-exception-2.0"),
            "",
        ),
        ("MIT WITH LLVM-exception", Ok("MIT WITH LLVM-exception"), ""),
        (
            "LGPL-2.1-only OR BSD-3-Clause AND MIT",
            Ok("LGPL-2.1-only OR BSD-3-Clause AND MIT"),
            "",
        ),
        ("MIT\"", Err(INVALID), "only license ids"),
    ];

    #[test]
    fn expressions_follow_the_spec() {
        for (text, want, help) in CASES {
            match (parse(text), want) {
                (Ok(p), Ok(canonical)) => assert_eq!(&p.expr.to_string(), canonical, "{text}"),
                (Err(e), Err(rule)) => {
                    assert_eq!(e.rule, *rule, "{text}: {e:?}");
                    assert!(
                        e.help.contains(help),
                        "{text}: help {:?} lacks {help:?}",
                        e.help
                    );
                }
                (got, _) => panic!("{text}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn recased_ids_are_reported() {
        let p = parse("mit AND apache-2.0").expect("valid");
        assert_eq!(
            p.recased,
            vec![
                ("mit".into(), "MIT".into()),
                ("apache-2.0".into(), "Apache-2.0".into())
            ]
        );
    }

    #[test]
    fn error_offset_points_at_the_bad_id() {
        let e = parse("MIT OR Foo-3.0").expect_err("unknown");
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn deprecated_ids_are_listed_with_their_replacement() {
        let p = parse("GPL-2.0+ OR mit OR LGPL-2.1").expect("valid");
        let got: Vec<_> = p
            .deprecated
            .iter()
            .map(|d| (d.written.as_str(), d.offset, d.replacement.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("GPL-2.0+", 0, Some("GPL-2.0-or-later")),
                ("LGPL-2.1", 19, Some("LGPL-2.1-only"))
            ]
        );
        assert_eq!(p.recased, [("mit".to_string(), "MIT".to_string())]);
        assert!(p.deprecated[1].help().contains("`LGPL-2.1-or-later` if"));
        // Deprecated, but the list names no single replacement.
        let p = parse("Net-SNMP").expect("valid");
        assert_eq!(p.deprecated[0].replacement, None);
        assert_eq!(p.expr.to_string(), "Net-SNMP");
    }
}
