//! `git outbound fix spdx`: inserts a license header in the file's comment style, after the
//! lines that must stay first (shebang, XML or PHP prolog, encoding line, Dockerfile parser
//! directives). It never changes what license a file is under: a file whose license is known
//! by any route REUSE reads (a tag anywhere in its text, in any comment style, a sidecar, a
//! REUSE.toml annotation) is left alone, and the caller says why. Binaries and files that
//! cannot hold a comment are never touched; the caller writes a sidecar made by
//! [`sidecar_text`] instead.

use super::comment::{self, Kind, Style};
use super::{Project, SpdxOptions, expr, header};
pub use crate::reuse::sidecar_path;

/// How a file's license is already known, so that `fix` leaves it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Known {
    /// A `SPDX-License-Identifier` (in any case and comment style) on this line of the file.
    Text { line: usize },
    /// Its `.license` sidecar.
    Sidecar(String),
    /// A REUSE.toml annotation: the toml and its licenses.
    Annotation { toml: String, licenses: String },
}

impl std::fmt::Display for Known {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Known::Text { line } => write!(f, "SPDX-License-Identifier on line {line}"),
            Known::Sidecar(path) => write!(f, "{path}"),
            Known::Annotation { toml, licenses } => {
                write!(f, "{toml} annotation ({licenses})")
            }
        }
    }
}

/// What `fix` did or why it did nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum FixOutcome {
    /// The header already carries an `SPDX-License-Identifier` that the check reads.
    Unchanged,
    /// The file's license is known by another route; adding one would change or add to it.
    Licensed(Known),
    /// The new content.
    Updated(Vec<u8>),
    /// A binary: write [`sidecar_text`] to [`sidecar_path`] if asked.
    Binary,
    /// Text that cannot hold a comment (JSON, CSV, notebooks): same remedy as a binary.
    Uncommentable,
    /// No known comment style: the user has to add the header by hand or use a sidecar.
    UnknownStyle,
}

/// Adds `SPDX-FileCopyrightText` (when given) and `SPDX-License-Identifier: <license>` to the
/// header of `path`, unless its license is already known ([`known_license`]). `license` is what
/// the caller resolved from `spdx.default_license`, the REUSE.toml project license or the first
/// entry of `spdx.allow`.
pub fn fix(
    path: &str,
    content: &[u8],
    project: &Project,
    license: &str,
    copyright: Option<&str>,
) -> FixOutcome {
    let kind = comment::kind(path);
    if let Kind::Commentable(style) = kind {
        if !comment::looks_binary(content) && !header::scan(content, Some(style)).tags.is_empty() {
            return FixOutcome::Unchanged;
        }
    }
    if let Some(known) = known_license(path, content, project) {
        return FixOutcome::Licensed(known);
    }
    // Not UTF-8 (e.g. Latin-1): rewriting it could corrupt it, so it is handled like a binary.
    let style = match kind {
        _ if comment::looks_binary(content)
            || comment::is_serialised(path)
            || std::str::from_utf8(content).is_err() =>
        {
            return FixOutcome::Binary;
        }
        Kind::Binary | Kind::Unknown => return FixOutcome::UnknownStyle,
        Kind::Uncommentable => return FixOutcome::Uncommentable,
        Kind::Commentable(style) => style,
    };
    FixOutcome::Updated(insert(
        path,
        content,
        style,
        &header_lines(license, copyright),
    ))
}

/// The license `path` already has by any route REUSE reads: a sidecar, a REUSE.toml
/// annotation (whatever its precedence: a header above a `closest` annotation would replace
/// it, beside an `aggregate` one it would add a license), or a tag anywhere in a text file.
/// The text search is wider than the check's header window on purpose: a tag in a comment
/// style the check does not know, or below line 15, is still the author's statement.
pub fn known_license(path: &str, content: &[u8], project: &Project) -> Option<Known> {
    if project.sidecar(path).is_some() {
        return Some(Known::Sidecar(sidecar_path(path)));
    }
    if let Some(a) = project.annotation(path) {
        return Some(Known::Annotation {
            toml: a.toml,
            licenses: a.licenses.join(" AND "),
        });
    }
    // A text pickle that holds a tag is not licensed for the check (S22), but REUSE reads the
    // tag, and a sidecar would override it: the fix leaves such a file alone too.
    if comment::looks_binary(content) {
        return None;
    }
    let tag = header::TAG.to_ascii_lowercase();
    let text = String::from_utf8_lossy(content);
    text.lines()
        .position(|l| l.to_ascii_lowercase().contains(&tag))
        .map(|i| Known::Text { line: i + 1 })
}

fn header_lines(license: &str, copyright: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(c) = copyright {
        lines.push(format!("SPDX-FileCopyrightText: {c}"));
    }
    lines.push(format!("{} {license}", header::TAG));
    lines
}

fn insert(path: &str, content: &[u8], style: &Style, header: &[String]) -> Vec<u8> {
    let (bom, body) = match content.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (&content[..3], rest),
        None => (&content[..0], content),
    };
    let eol = if body.windows(2).any(|w| w == b"\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let text = String::from_utf8_lossy(body);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let owned: Vec<String> = header::lines(body, header::HEAD_LINES);
    let mut keep = header::preamble_len(&owned).min(lines.len());
    if is_dockerfile(path) {
        keep += owned[keep..]
            .iter()
            .take_while(|l| is_docker_directive(l))
            .count();
        keep = keep.min(lines.len());
    }
    let php_template =
        path.ends_with(".php") && !owned.iter().take(keep).any(|l| l.starts_with("<?php"));
    let mut out = Vec::with_capacity(content.len() + 128);
    out.extend_from_slice(bom);
    for line in &lines[..keep] {
        out.extend_from_slice(line.as_bytes());
    }
    if keep > 0 && !lines[keep - 1].ends_with('\n') {
        out.extend_from_slice(eol.as_bytes());
    }
    for h in header {
        let line = if php_template {
            format!("<?php /* {h} */ ?>")
        } else {
            style.comment(h)
        };
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(eol.as_bytes());
    }
    let rest = &lines[keep..];
    if rest.first().is_some_and(|l| !l.trim().is_empty()) {
        out.extend_from_slice(eol.as_bytes());
    }
    for line in rest {
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn is_dockerfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("Dockerfile")
        || name.starts_with("Containerfile")
        || name.ends_with(".dockerfile")
}

/// Docker parser directives (`# syntax=…`, `# escape=…`) only count above every other comment.
fn is_docker_directive(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('#') else {
        return false;
    };
    let key = rest
        .split('=')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    rest.contains('=') && matches!(key.as_str(), "syntax" | "escape" | "check")
}

/// The license `fix spdx` inserts: `spdx.default_license`, else the project license of the
/// root REUSE.toml, else the first entry of `spdx.allow`. The error names the key to set.
pub fn resolve_license(
    default_license: Option<&str>,
    project: &Project,
    opts: &SpdxOptions,
) -> Result<String, String> {
    if let Some(license) = default_license {
        return match expr::parse(license) {
            Ok(p) if p.deprecated.is_empty() => Ok(license.trim().to_string()),
            Ok(p) => Err(format!(
                "spdx.default_license: '{}' is a deprecated SPDX license id ({})",
                p.deprecated[0].written,
                p.deprecated[0].help()
            )),
            Err(e) => Err(format!("spdx.default_license: {} ({})", e.message, e.help)),
        };
    }
    project
        .project_license()
        .or_else(|| opts.allow.first().cloned())
        .ok_or_else(|| {
            "no license to insert: set `spdx.default_license` in the policy, declare the project \
         license in REUSE.toml or list licenses in `spdx.allow`"
                .to_string()
        })
}

/// The text of a `.license` sidecar file.
pub fn sidecar_text(license: &str, copyright: Option<&str>) -> String {
    let mut text = String::new();
    for line in header_lines(license, copyright) {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const CP: Option<&str> = Some("2024 Acme Corp <legal@acme.example>");

    /// (path, before, after) with license MIT and no copyright.
    const CASES: &[(&str, &str, &str)] = &[
        (
            "main.rs",
            "fn main() {}\n",
            "// SPDX-License-Identifier: MIT\n\nfn main() {}\n",
        ),
        (
            "x.c",
            "int x;\n",
            "/* SPDX-License-Identifier: MIT */\n\nint x;\n",
        ),
        (
            "run.sh",
            "#!/bin/sh\necho hi\n",
            "#!/bin/sh\n# SPDX-License-Identifier: MIT\n\necho hi\n",
        ),
        (
            "mod.py",
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\nimport os\n",
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: MIT\n\nimport os\n",
        ),
        (
            "layout.xml",
            "<?xml version=\"1.0\"?>\n<a/>\n",
            "<?xml version=\"1.0\"?>\n<!-- SPDX-License-Identifier: MIT -->\n\n<a/>\n",
        ),
        (
            "index.php",
            "<?php\necho 1;\n",
            "<?php\n// SPDX-License-Identifier: MIT\n\necho 1;\n",
        ),
        (
            "page.php",
            "<p>hi</p>\n",
            "<?php /* SPDX-License-Identifier: MIT */ ?>\n\n<p>hi</p>\n",
        ),
        (
            "README.md",
            "# Title\n",
            "<!-- SPDX-License-Identifier: MIT -->\n\n# Title\n",
        ),
        (
            "Dockerfile",
            "# syntax=docker/dockerfile:1\nFROM alpine\n",
            "# syntax=docker/dockerfile:1\n# SPDX-License-Identifier: MIT\n\nFROM alpine\n",
        ),
        (
            "x.rs",
            "\u{feff}fn f() {}\r\n",
            "\u{feff}// SPDX-License-Identifier: MIT\r\n\r\nfn f() {}\r\n",
        ),
        (
            "run.sh",
            "#!/bin/sh",
            "#!/bin/sh\n# SPDX-License-Identifier: MIT\n",
        ),
        (
            "a.lua",
            "\nreturn 1\n",
            "-- SPDX-License-Identifier: MIT\n\nreturn 1\n",
        ),
        (
            "build.bat",
            "@echo off\n",
            "REM SPDX-License-Identifier: MIT\n\n@echo off\n",
        ),
    ];

    fn fix(path: &str, content: &[u8], license: &str, copyright: Option<&str>) -> FixOutcome {
        super::fix(path, content, &Project::default(), license, copyright)
    }

    #[test]
    fn headers_go_after_preambles_in_the_file_style() {
        for (path, before, after) in CASES {
            let got = fix(path, before.as_bytes(), "MIT", None);
            let want = FixOutcome::Updated(after.as_bytes().to_vec());
            assert_eq!(got, want, "{path}: {:?}", after);
        }
    }

    #[test]
    fn fixing_twice_changes_nothing() {
        for (path, before, _) in CASES {
            let FixOutcome::Updated(once) = fix(path, before.as_bytes(), "MIT", CP) else {
                panic!("{path}: not updated");
            };
            assert_eq!(fix(path, &once, "MIT", CP), FixOutcome::Unchanged, "{path}");
        }
    }

    #[test]
    fn copyright_comes_before_the_license() {
        let got = fix("a.py", b"x = 1\n", "Apache-2.0", CP);
        let want = "# SPDX-FileCopyrightText: 2024 Acme Corp <legal@acme.example>\n# SPDX-License-Identifier: Apache-2.0\n\nx = 1\n";
        assert_eq!(got, FixOutcome::Updated(want.as_bytes().to_vec()));
    }

    #[test]
    fn binaries_and_data_are_never_touched() {
        assert_eq!(
            fix("logo.png", b"\x89PNG\r\n", "MIT", None),
            FixOutcome::Binary
        );
        assert_eq!(fix("x.rs", b"fn\0", "MIT", None), FixOutcome::Binary);
        assert_eq!(
            fix("x.rs", b"// caf\xe9\n", "MIT", None),
            FixOutcome::Binary
        );
        assert_eq!(
            fix("package.json", b"{}", "MIT", None),
            FixOutcome::Uncommentable
        );
        let text_pickle = b"(dp0\nVSPDX-License-Identifier: MIT\np1\ns.";
        assert_eq!(
            fix("model.pkl", text_pickle, "MIT", None),
            FixOutcome::Licensed(Known::Text { line: 2 })
        );
        assert_eq!(
            fix("model.pkl", b"(dp0\ns.", "MIT", None),
            FixOutcome::Binary
        );
        assert_eq!(
            fix("notes.txt", b"hi", "MIT", None),
            FixOutcome::UnknownStyle
        );
        // A text `.doc`: no comment style known, never a header.
        assert_eq!(
            fix("notes.doc", b"hi", "MIT", None),
            FixOutcome::UnknownStyle
        );
    }

    #[test]
    fn the_inserted_license_is_resolved_in_order() {
        let toml = "version = 1\n[[annotations]]\npath = \"**\"\nSPDX-License-Identifier = \"Apache-2.0\"\n";
        let project = Project::new(vec![(String::new(), toml.into())], vec![]).expect("valid");
        let opts = SpdxOptions::new(vec!["MIT".into()], vec![], vec![], false).expect("valid");
        let none = Project::default();
        let empty = SpdxOptions::default();
        assert_eq!(
            resolve_license(Some("ISC"), &project, &opts),
            Ok("ISC".into())
        );
        assert_eq!(
            resolve_license(None, &project, &opts),
            Ok("Apache-2.0".into())
        );
        assert_eq!(resolve_license(None, &none, &opts), Ok("MIT".into()));
        let err = resolve_license(None, &none, &empty).expect_err("nothing to insert");
        assert!(err.contains("spdx.default_license"), "{err}");
        let err = resolve_license(Some("GPL-2.0"), &none, &empty).expect_err("deprecated");
        assert!(
            err.starts_with("spdx.default_license: ") && err.contains("GPL-2.0-only"),
            "{err}"
        );
    }

    #[test]
    fn a_license_known_by_any_route_is_never_replaced() {
        let toml = "version = 1\n[[annotations]]\npath = \"data/**\"\nSPDX-License-Identifier = \"CC0-1.0\"\n";
        let project = Project::new(
            vec![(String::new(), toml.into())],
            vec![(
                "src/b.rs.license".into(),
                b"SPDX-License-Identifier: ISC".to_vec(),
            )],
        )
        .expect("valid");
        let fix = |path: &str, content: &[u8]| super::fix(path, content, &project, "MIT", None);
        let far = format!(
            "{}// spdx-license-identifier: GPL-2.0-only\n",
            "//\n".repeat(40)
        );
        let cases: &[(&str, &[u8], Known)] = &[
            (
                "data/gen.rs",
                b"fn main() {}\n",
                Known::Annotation {
                    toml: "REUSE.toml".into(),
                    licenses: "CC0-1.0".into(),
                },
            ),
            (
                "data/logo.png",
                b"\x89PNG\r\n\x1a\n\0",
                Known::Annotation {
                    toml: "REUSE.toml".into(),
                    licenses: "CC0-1.0".into(),
                },
            ),
            (
                "src/b.rs",
                b"fn b() {}\n",
                Known::Sidecar("src/b.rs.license".into()),
            ),
            // A header in a comment style the check does not know (`@` in a `.S` of ARM).
            (
                "src/a.inc",
                b"@ SPDX-License-Identifier: GPL-2.0-only\n",
                Known::Text { line: 1 },
            ),
            // Far below the window, and in the wrong case: still the author's statement.
            ("src/c.rs", far.as_bytes(), Known::Text { line: 41 }),
        ];
        for (path, content, want) in cases {
            assert_eq!(
                fix(path, content),
                FixOutcome::Licensed(want.clone()),
                "{path}"
            );
        }
    }

    #[test]
    fn sidecars_hold_the_same_tags() {
        assert_eq!(sidecar_path("logo.png"), "logo.png.license");
        let want = "SPDX-FileCopyrightText: 2024 Acme Corp <legal@acme.example>\nSPDX-License-Identifier: MIT\n";
        assert_eq!(sidecar_text("MIT", CP), want);
    }
}
