//! The project's REUSE licensing information outside the files themselves: `REUSE.toml`
//! annotations (REUSE Specification 3.2/3.3), `<file>.license` sidecars and the license texts
//! in `LICENSES/`. The caller reads them (from the working tree, the index or a commit's tree)
//! from the project root, whatever part of the project is scanned; this module only parses and
//! answers "what does REUSE say about this path".
//!
//! REUSE.toml rules: `path` is relative to the toml's directory and must stay inside it; `*`
//! does not cross `/`, `**` does, `\*` is a literal star; of several tables in one toml that
//! match a file only the last applies; `precedence` is `closest` (default: the file's own
//! information wins, the table is the fallback), `aggregate` (both apply) or `override` (the
//! table wins, and the override table closest to the project root is authoritative).

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};

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
    /// Path of the REUSE.toml that says it, e.g. `data/REUSE.toml`, relative to the scanned
    /// root like the paths of findings (`../REUSE.toml` when the scan is of `data/`).
    pub toml: String,
    /// 1-based line of the annotation's `SPDX-License-Identifier` (else of its `path`).
    pub line: usize,
    pub precedence: Precedence,
    /// `SPDX-License-Identifier` values, each an expression.
    pub licenses: &'a [String],
}

#[derive(Debug)]
struct Annotation {
    line: usize,
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

/// Licensing information that lives beside the files: REUSE.toml files, sidecars and license
/// texts. Paths inside are relative to the project root; the paths asked about are relative to
/// the scanned root, which is `base` inside the project.
#[derive(Debug, Default)]
pub struct Project {
    tomls: Vec<ReuseToml>,
    sidecars: HashMap<String, Vec<u8>>,
    /// The scanned root relative to the project root, `""` when they are the same.
    base: String,
    /// Names of the files in the root `LICENSES/` directory; `None` when not read.
    license_texts: Option<BTreeSet<String>>,
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
    path: toml::Spanned<OneOrMany>,
    precedence: Option<String>,
    #[serde(rename = "SPDX-License-Identifier")]
    license: Option<toml::Spanned<OneOrMany>>,
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
            ..Project::default()
        })
    }

    /// The same project seen from `base`, the scanned directory relative to the project root.
    pub fn with_base(mut self, base: &str) -> Project {
        self.base = base.trim_matches('/').to_string();
        self
    }

    /// Records the file names found in the root `LICENSES/` directory (`MIT.txt`, …).
    pub fn with_license_texts(mut self, names: impl IntoIterator<Item = String>) -> Project {
        self.license_texts = Some(names.into_iter().collect());
        self
    }

    /// Whether `LICENSES/` holds the text of `id` (`LICENSES/<id>.<ext>` or `LICENSES/<id>`);
    /// `None` when the directory was not read.
    pub fn has_license_text(&self, id: &str) -> Option<bool> {
        let names = self.license_texts.as_ref()?;
        Some(
            names
                .iter()
                .any(|n| n == id || n.rsplit_once('.').is_some_and(|(stem, _)| stem == id)),
        )
    }

    /// `path` (relative to the scanned root) relative to the project root.
    fn in_project<'s>(&self, path: &'s str) -> std::borrow::Cow<'s, str> {
        if self.base.is_empty() {
            path.into()
        } else {
            format!("{}/{path}", self.base).into()
        }
    }

    /// A path relative to the project root, made relative to the scanned root.
    fn seen_from_base(&self, path: &str) -> String {
        if self.base.is_empty() {
            return path.to_string();
        }
        let mut base: Vec<&str> = self.base.split('/').collect();
        let mut rest: Vec<&str> = path.split('/').collect();
        while !base.is_empty() && rest.len() > 1 && base[0] == rest[0] {
            base.remove(0);
            rest.remove(0);
        }
        let mut out: Vec<&str> = base.iter().map(|_| "..").collect();
        out.extend(rest);
        out.join("/")
    }

    /// The content of `<path>.license`, if there is one.
    pub fn sidecar(&self, path: &str) -> Option<&[u8]> {
        let full = self.in_project(path);
        self.sidecars.get(&sidecar_path(&full)).map(Vec::as_slice)
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
        let full = self.in_project(path);
        let path: &str = &full;
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
            toml: self.seen_from_base(&file),
            line: ann.line,
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
        .map(|(i, a)| annotation(a, text).map_err(|e| format!("annotation {}: {e}", i + 1)))
        .collect()
}

fn annotation(raw: RawAnnotation, text: &str) -> Result<Annotation, String> {
    let at = raw.license.as_ref().map_or(raw.path.span(), |l| l.span());
    let line = text[..at.start.min(text.len())].matches('\n').count() + 1;
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
    let patterns = raw.path.into_inner().into_vec();
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
    let licenses = raw
        .license
        .map(|l| l.into_inner().into_vec())
        .unwrap_or_default();
    Ok(Annotation {
        line,
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

/// Where REUSE looks for the licensing information of a file that cannot carry it.
pub fn sidecar_path(path: &str) -> String {
    format!("{path}.license")
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
    fn annotations_know_their_line() {
        let p = project();
        let line = |path: &str| p.annotation(path).map(|a| a.line);
        assert_eq!(line("src/main.rs"), Some(6));
        assert_eq!(line("data/x.json"), Some(12));
    }

    #[test]
    fn a_narrower_scan_keeps_the_project_context() {
        let p = project().with_base("data");
        let a = p.annotation("x.json").expect("covered from the root");
        assert_eq!(
            (a.toml.as_str(), a.licenses),
            ("../REUSE.toml", &["MIT".to_string()][..])
        );
        let p = project().with_base("lib");
        assert_eq!(
            p.annotation("a.c").map(|a| a.toml),
            Some("REUSE.toml".to_string())
        );
        let p = project().with_base("assets");
        assert!(p.sidecar("../logo.png").is_none());
        let p = Project::new(vec![], vec![("assets/logo.png.license".into(), vec![])])
            .expect("valid")
            .with_base("assets");
        assert!(p.sidecar("logo.png").is_some());
    }

    #[test]
    fn license_texts_are_found_by_id() {
        let p = Project::default();
        assert_eq!(p.has_license_text("LicenseRef-Acme"), None);
        let p = p.with_license_texts(["LicenseRef-Acme.txt".into(), "MIT.txt".into()]);
        assert_eq!(p.has_license_text("LicenseRef-Acme"), Some(true));
        assert_eq!(p.has_license_text("LicenseRef-Other"), Some(false));
        assert_eq!(p.has_license_text("LicenseRef-Acme.txt"), Some(true));
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
