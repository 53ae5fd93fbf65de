//! `git outbound fix spdx --update-deprecated`: rewrites deprecated ids (`GPL-2.0`,
//! `GPL-2.0+`, `LGPL-2.1`) in a file's header or in a `.license` sidecar to the id the SPDX
//! License List gives as their replacement, which names the same license. Nothing else in the
//! file changes.

use super::comment::{self, Kind};
use super::{expr, header};

/// Rewrites the deprecated ids of every tag in the header of `path` (or of a `.license`
/// sidecar) to their replacement; `None` when there is nothing to rewrite or an id has no
/// single replacement.
pub fn update_deprecated(path: &str, content: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(content).ok()?;
    if comment::looks_binary(content) {
        return None;
    }
    let style = match comment::kind(path) {
        Kind::Commentable(style) if !path.ends_with(".license") => Some(style),
        _ => None,
    };
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let mut lines: Vec<String> = body.split_inclusive('\n').map(String::from).collect();
    let mut changed = false;
    for tag in header::scan(content, style).tags {
        let Ok(parsed) = expr::parse(&tag.value) else {
            continue;
        };
        let mut value = tag.value.clone();
        for d in parsed.deprecated.iter().rev() {
            let new = d.replacement.as_deref()?;
            value.replace_range(d.offset..d.offset + d.written.len(), new);
        }
        if value == tag.value {
            continue;
        }
        let line = lines.get_mut(tag.line - 1)?;
        let at = tag.span.1 + line[tag.span.1..].find(&tag.value)?;
        line.replace_range(at..at + tag.value.len(), &value);
        changed = true;
    }
    changed.then(|| format!("{bom}{}", lines.concat()).into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecated_ids_are_rewritten_in_place() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            (
                "drv.c",
                "// SPDX-License-Identifier: GPL-2.0\r\nint x;\r\n",
                Some("// SPDX-License-Identifier: GPL-2.0-only\r\nint x;\r\n"),
            ),
            (
                "x.h",
                "/* SPDX-License-Identifier: GPL-2.0+ OR BSD-2-Clause */\n",
                Some("/* SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause */\n"),
            ),
            (
                "run.sh",
                "#!/bin/sh\n# SPDX-License-Identifier: LGPL-2.1 WITH Linux-syscall-note\n",
                Some(
                    "#!/bin/sh\n# SPDX-License-Identifier: LGPL-2.1-only WITH Linux-syscall-note\n",
                ),
            ),
            (
                "logo.png.license",
                "SPDX-License-Identifier: GPL-3.0+\n",
                Some("SPDX-License-Identifier: GPL-3.0-or-later\n"),
            ),
            ("a.rs", "// SPDX-License-Identifier: MIT\n", None),
            ("a.rs", "// SPDX-License-Identifier: Net-SNMP\n", None),
            ("a.rs", "// SPDX-License-Identifier: MIT OR\n", None),
        ];
        for (path, before, after) in cases {
            let got = update_deprecated(path, before.as_bytes());
            assert_eq!(
                got.as_deref(),
                after.map(str::as_bytes),
                "{path}: {before:?}"
            );
        }
    }
}
