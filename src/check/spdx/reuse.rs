//! The project's REUSE licensing information outside the files themselves: `REUSE.toml`
//! annotations (REUSE Specification 3.2/3.3) and `<file>.license` sidecars. The caller reads
//! the texts (from the working tree, the index or a commit's tree); this module only parses and
//! answers "what does REUSE say about this path".
//!
//! REUSE.toml rules: `path` is relative to the toml's directory and must stay inside it; `*`
//! does not cross `/`, `**` does, `\*` is a literal star; of several tables in one toml that
//! match a file only the last applies; `precedence` is `closest` (default: the file's own
//! information wins, the table is the fallback), `aggregate` (both apply) or `override` (the
//! table wins, and the override table closest to the project root is authoritative).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::HashMap;

/// How a REUSE.toml annotation combines with the file's own information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precedence {
    Closest,
    Aggregate,
    Override,
}

/// The REUSE.toml entry that applies to a path.
#[derive(Debug, PartialEq, Eq)]
pub struct Annotated<'a> {
    /// Path of the REUSE.toml that says it, e.g. `data/REUSE.toml`.
    pub toml: String,
    pub precedence: Precedence,
    /// `SPDX-License-Identifier` values, each an expression.
    pub licenses: &'a [String],
}

#[derive(Debug)]
struct Annotation {
    patterns: Vec<String>,
    globs: GlobSet,
    precedence: Precedence,
    licenses: Vec<String>,
}

#[derive(Debug)]
struct ReuseToml {
    /// Directory relative to the repository root, `""` for the root.
    dir: String,
    annotations: Vec<Annotation>,
}

/// Licensing information that lives beside the files: REUSE.toml files and sidecars.
#[derive(Debug, Default)]
pub struct Project {
    tomls: Vec<ReuseToml>,
    sidecars: HashMap<String, Vec<u8>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
struct RawToml {
    version: i64,
    #[serde(default)]
    annotations: Vec<RawAnnotation>,
}

#[derive(Deserialize)]
struct RawAnnotation {
    path: OneOrMany,
    precedence: Option<String>,
    #[serde(rename = "SPDX-License-Identifier")]
    license: Option<OneOrMany>,
}

impl Project {
    /// `reuse_files`: `(directory, text)` of every REUSE.toml (directory `""` for the root);
    /// `sidecars`: `(path, content)` of every `*.license` file. The error names the REUSE.toml.
    pub fn new(
        reuse_files: Vec<(String, String)>,
        sidecars: Vec<(String, Vec<u8>)>,
    ) -> Result<Project, String> {
        let mut tomls = Vec::new();
        for (dir, text) in reuse_files {
            let dir = dir.trim_matches('/').to_string();
            let file = if dir.is_empty() {
                "REUSE.toml".to_string()
            } else {
                format!("{dir}/REUSE.toml")
            };
            let annotations = parse(&text).map_err(|e| format!("{file}: {e}"))?;
            tomls.push(ReuseToml { dir, annotations });
        }
        Ok(Project {
            tomls,
            sidecars: sidecars.into_iter().collect(),
        })
    }

    /// The content of `<path>.license`, if there is one.
    pub fn sidecar(&self, path: &str) -> Option<&[u8]> {
        self.sidecars
            .get(&super::fix::sidecar_path(path))
            .map(Vec::as_slice)
    }

    /// The license the root REUSE.toml declares for the whole project (`path = "**"`).
    pub fn project_license(&self) -> Option<String> {
        let root = self.tomls.iter().find(|t| t.dir.is_empty())?;
        let whole = |a: &&Annotation| a.patterns.iter().any(|p| p == "**" || p == "**/*");
        let ann = root
            .annotations
            .iter()
            .rev()
            .filter(whole)
            .find(|a| !a.licenses.is_empty())?;
        Some(ann.licenses.join(" AND "))
    }

    /// The REUSE.toml annotation that applies to `path`, if any.
    pub fn annotation(&self, path: &str) -> Option<Annotated<'_>> {
        let mut matches: Vec<(&ReuseToml, &Annotation)> = Vec::new();
        for toml in &self.tomls {
            let rel = if toml.dir.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(toml.dir.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            };
            let last =
                rel.and_then(|r| toml.annotations.iter().rev().find(|a| a.globs.is_match(r)));
            if let Some(a) = last {
                matches.push((toml, a));
            }
        }
        let depth = |t: &ReuseToml| {
            if t.dir.is_empty() {
                0
            } else {
                t.dir.split('/').count()
            }
        };
        let overriding = matches
            .iter()
            .filter(|(_, a)| a.precedence == Precedence::Override)
            .min_by_key(|(t, _)| depth(t));
        let (toml, ann) = overriding.or_else(|| matches.iter().max_by_key(|(t, _)| depth(t)))?;
        let file = if toml.dir.is_empty() {
            "REUSE.toml".to_string()
        } else {
            format!("{}/REUSE.toml", toml.dir)
        };
        Some(Annotated {
            toml: file,
            precedence: ann.precedence,
            licenses: &ann.licenses,
        })
    }
}

fn parse(text: &str) -> Result<Vec<Annotation>, String> {
    let raw: RawToml = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    if raw.version != 1 {
        return Err(format!(
            "unsupported version {} (REUSE.toml version 1 is supported)",
            raw.version
        ));
    }
    raw.annotations
        .into_iter()
        .enumerate()
        .map(|(i, a)| annotation(a).map_err(|e| format!("annotation {}: {e}", i + 1)))
        .collect()
}

fn annotation(raw: RawAnnotation) -> Result<Annotation, String> {
    let precedence = match raw.precedence.as_deref() {
        None | Some("closest") => Precedence::Closest,
        Some("aggregate") => Precedence::Aggregate,
        Some("override") => Precedence::Override,
        Some(other) => {
            return Err(format!(
                "precedence '{other}' is not closest, aggregate or override"
            ));
        }
    };
    let patterns = raw.path.into_vec();
    let mut set = GlobSetBuilder::new();
    for p in &patterns {
        if p.starts_with('/') || p.split('/').any(|c| c == "..") {
            return Err(format!(
                "path '{p}' must stay inside the REUSE.toml's directory"
            ));
        }
        let glob = GlobBuilder::new(&to_globset(p))
            .literal_separator(true)
            .backslash_escape(true)
            .build();
        set.add(glob.map_err(|e| format!("path '{p}': {e}"))?);
    }
    let globs = set.build().map_err(|e| e.to_string())?;
    let licenses = raw.license.map(OneOrMany::into_vec).unwrap_or_default();
    Ok(Annotation {
        patterns,
        globs,
        precedence,
        licenses,
    })
}

/// REUSE globs know only `*`, `**` and `\*`; every other globset metacharacter is literal.
fn to_globset(pattern: &str) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                out.push_str("[*]");
            }
            '\\' => out.push_str("\\\\"),
            '?' | '[' | ']' | '{' | '}' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = r#"
version = 1

[[annotations]]
path = "**"
SPDX-License-Identifier = "Apache-2.0"

[[annotations]]
path = ["data/**", "assets/*.png"]
precedence = "aggregate"
SPDX-FileCopyrightText = "2024 Acme Corp"
SPDX-License-Identifier = "MIT"

[[annotations]]
path = "vendor/**"
precedence = "override"
SPDX-License-Identifier = "BSD-3-Clause"

[[annotations]]
path = "weird/a\\*b?.txt"
SPDX-License-Identifier = "ISC"
"#;

    const SUB: &str = r#"
version = 1
[[annotations]]
path = "**"
precedence = "override"
SPDX-License-Identifier = "MIT-0"
[[annotations]]
path = "lib/*"
SPDX-License-Identifier = "Zlib"
"#;

    fn project() -> Project {
        let tomls = vec![
            ("".into(), ROOT.into()),
            ("vendor".into(), SUB.into()),
            ("lib".into(), SUB.into()),
        ];
        Project::new(
            tomls,
            vec![(
                "logo.png.license".into(),
                b"SPDX-License-Identifier: MIT".to_vec(),
            )],
        )
        .expect("valid")
    }

    #[test]
    fn annotations_resolve_by_precedence() {
        let p = project();
        type Expected = Option<(&'static str, Precedence, &'static str)>;
        let cases: &[(&str, Expected)] = &[
            (
                "src/main.rs",
                Some(("REUSE.toml", Precedence::Closest, "Apache-2.0")),
            ),
            (
                "data/x.json",
                Some(("REUSE.toml", Precedence::Aggregate, "MIT")),
            ),
            (
                "assets/logo.png",
                Some(("REUSE.toml", Precedence::Aggregate, "MIT")),
            ),
            (
                "assets/deep/logo.png",
                Some(("REUSE.toml", Precedence::Closest, "Apache-2.0")),
            ),
            // The override closest to the root wins over the deeper override.
            (
                "vendor/lib/x.c",
                Some(("REUSE.toml", Precedence::Override, "BSD-3-Clause")),
            ),
            // Without an override at the root, the closest REUSE.toml decides.
            (
                "lib/a.c",
                Some(("lib/REUSE.toml", Precedence::Override, "MIT-0")),
            ),
            (
                "weird/a*b?.txt",
                Some(("REUSE.toml", Precedence::Closest, "ISC")),
            ),
            (
                "weird/aXb?.txt",
                Some(("REUSE.toml", Precedence::Closest, "Apache-2.0")),
            ),
        ];
        for (path, want) in cases {
            let got = p
                .annotation(path)
                .map(|a| (a.toml, a.precedence, a.licenses.join(" ")));
            let want = want.map(|(t, pr, l)| (t.to_string(), pr, l.to_string()));
            assert_eq!(got, want, "{path}");
        }
    }

    #[test]
    fn project_license_comes_from_the_root_toml() {
        assert_eq!(project().project_license().as_deref(), Some("Apache-2.0"));
        assert_eq!(Project::default().project_license(), None);
    }

    #[test]
    fn sidecars_are_found_by_name() {
        assert!(project().sidecar("logo.png").is_some());
        assert!(project().sidecar("logo.jpg").is_none());
    }

    #[test]
    fn bad_reuse_toml_is_an_error_naming_the_file() {
        let cases: &[(&str, &str)] = &[
            ("version = 2", "unsupported version 2"),
            ("annotations = 1", "REUSE.toml"),
            (
                "version = 1\n[[annotations]]\npath = \"../x\"",
                "must stay inside",
            ),
            (
                "version = 1\n[[annotations]]\npath = \"x\"\nprecedence = \"first\"",
                "precedence 'first'",
            ),
        ];
        for (text, want) in cases {
            let err =
                Project::new(vec![("sub".into(), text.to_string())], vec![]).expect_err("invalid");
            assert!(
                err.starts_with("sub/REUSE.toml: ") && err.contains(want),
                "{err}"
            );
        }
    }
}
