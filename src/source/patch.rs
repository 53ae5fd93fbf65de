//! Patches by mail: what `git format-patch` writes and `git send-email` sends (one patch, or an
//! mbox of several). Each patch yields its author (the `From:` header, or an in-body `From:`
//! line when the sender is not the author), its commit message (the subject without its
//! `[PATCH n/m]` prefix, and the body up to the `---` line), and per file the lines it adds,
//! placed at their line numbers in the new file (every other line left blank), so that findings
//! name the line they will have.

use super::Identity;

/// One file a patch changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchFile {
    /// The path in the new tree.
    pub path: String,
    /// The patch creates the file: it adds the whole file, so its header is checked too.
    pub new: bool,
    /// The added lines at their new line numbers; other lines are empty.
    pub added: Vec<u8>,
}

/// One patch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    pub author: Identity,
    pub message: String,
    pub files: Vec<PatchFile>,
    /// The addresses of `To:` and `Cc:` headers.
    pub recipients: Vec<String>,
}

/// Parses every patch in `text` (an mbox: patches start at `From ` lines; a lone patch may
/// start with its headers).
pub fn parse(text: &str) -> Vec<Patch> {
    let mut patches = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("From ") && !current.is_empty() && in_headers_or_after_diff(&current) {
            patches.push(one(&current));
            current.clear();
        }
        current.push(line);
    }
    if !current.is_empty() {
        patches.push(one(&current));
    }
    patches.retain(|p| !p.message.is_empty() || !p.files.is_empty());
    patches
}

/// Whether a `From ` line now starts a new message: the current one has a diff or a
/// signature already (a body line starting "From " is escaped as ">From " in an mbox anyway).
fn in_headers_or_after_diff(lines: &[&str]) -> bool {
    lines
        .iter()
        .any(|l| l.starts_with("diff --git ") || *l == "-- \n")
}

/// The addresses in a header value (`Name <a@b>, c@d`).
pub fn addresses(value: &str) -> Vec<String> {
    value
        .split(',')
        .filter_map(|part| {
            let part = part.trim();
            let addr = match (part.rfind('<'), part.rfind('>')) {
                (Some(s), Some(e)) if s < e => &part[s + 1..e],
                _ => part,
            };
            addr.contains('@').then(|| addr.trim().to_lowercase())
        })
        .collect()
}

/// `Name <email>` (quotes removed).
fn identity(value: &str) -> Identity {
    let value = value.trim();
    match (value.rfind('<'), value.rfind('>')) {
        (Some(s), Some(e)) if s < e => Identity {
            name: value[..s].trim().trim_matches('"').to_string(),
            email: value[s + 1..e].trim().to_string(),
        },
        _ => Identity {
            name: String::new(),
            email: value.to_string(),
        },
    }
}

fn one(lines: &[&str]) -> Patch {
    let mut patch = Patch::default();
    let mut i = usize::from(lines.first().is_some_and(|l| l.starts_with("From ")));
    // Headers, with folded continuation lines.
    let mut headers: Vec<(String, String)> = Vec::new();
    while i < lines.len() {
        let line = lines[i].trim_end_matches(['\n', '\r']);
        i += 1;
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let mut subject = String::new();
    for (k, v) in &headers {
        match k.as_str() {
            "from" => patch.author = identity(v),
            "subject" => subject = strip_prefix(v),
            "to" | "cc" => patch.recipients.extend(addresses(v)),
            _ => {}
        }
    }
    // The body: an in-body From: names the author; the message ends at `---` or the diff.
    let mut body: Vec<&str> = Vec::new();
    let mut first = true;
    while i < lines.len() {
        let line = lines[i];
        if line == "---\n" || line.starts_with("diff --git ") || line == "-- \n" {
            break;
        }
        i += 1;
        if first {
            if let Some(v) = line.strip_prefix("From: ") {
                patch.author = identity(v);
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
        }
        first = false;
        body.push(line);
    }
    let body = body.concat();
    patch.message = match body.trim().is_empty() {
        true => format!("{subject}\n"),
        false => format!("{subject}\n\n{}\n", body.trim_end()),
    };
    patch.files = files(&lines[i..]);
    patch
}

/// The subject without `[PATCH ...]` / `[RFC ...]` prefixes.
fn strip_prefix(subject: &str) -> String {
    let mut s = subject.trim();
    while s.starts_with('[') {
        match s.find(']') {
            Some(e) => s = s[e + 1..].trim_start(),
            None => break,
        }
    }
    s.to_string()
}

/// The files of a diff, with their added lines.
fn files(lines: &[&str]) -> Vec<PatchFile> {
    let mut out: Vec<PatchFile> = Vec::new();
    let mut added: Vec<(usize, &str)> = Vec::new();
    let (mut new_line, mut old_left, mut new_left) = (0usize, 0usize, 0usize);
    let flush = |out: &mut Vec<PatchFile>, added: &mut Vec<(usize, &str)>| {
        if let Some(f) = out.last_mut() {
            let mut text = String::new();
            let mut at = 1;
            for (n, l) in added.drain(..) {
                while at < n {
                    text.push('\n');
                    at += 1;
                }
                text.push_str(l);
                text.push('\n');
                at += 1;
            }
            f.added = text.into_bytes();
        }
    };
    for line in lines {
        let l = line.trim_end_matches('\n');
        if old_left > 0 || new_left > 0 {
            match l.as_bytes().first() {
                Some(b'+') => {
                    added.push((new_line, &l[1..]));
                    new_line += 1;
                    new_left = new_left.saturating_sub(1);
                }
                Some(b'-') => old_left = old_left.saturating_sub(1),
                Some(b'\\') => {}
                _ => {
                    new_line += 1;
                    old_left = old_left.saturating_sub(1);
                    new_left = new_left.saturating_sub(1);
                }
            }
            continue;
        }
        if let Some(rest) = l.strip_prefix("diff --git ") {
            flush(&mut out, &mut added);
            let path = rest.rsplit_once(" b/").map_or(rest, |(_, b)| b).to_string();
            out.push(PatchFile {
                path,
                new: false,
                added: Vec::new(),
            });
        } else if l.starts_with("new file mode") {
            if let Some(f) = out.last_mut() {
                f.new = true;
            }
        } else if let Some(p) = l.strip_prefix("+++ b/") {
            if let Some(f) = out.last_mut() {
                f.path = p.to_string();
            }
        } else if let Some(h) = l.strip_prefix("@@ -") {
            // @@ -a[,b] +c[,d] @@
            let mut parts = h.split_whitespace();
            let count = |s: Option<&str>| -> (usize, usize) {
                let s = s.unwrap_or("");
                let mut it = s.split(',');
                let start = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
                let n = it.next().and_then(|v| v.parse().ok()).unwrap_or(1);
                (start, n)
            };
            let (_, old_n) = count(parts.next());
            let (new_start, new_n) = count(parts.next().map(|s| s.trim_start_matches('+')));
            (new_line, old_left, new_left) = (new_start.max(1), old_n, new_n);
        }
    }
    flush(&mut out, &mut added);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATCH: &str = "From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001
From: Jane Doe <jane@example.com>
Date: Thu, 1 Jan 2026 00:00:00 +0000
Subject: [PATCH 1/2] Add settings
 for the demo
To: list@lists.example.org, Bob <bob@example.org>

Body line.

Signed-off-by: Jane Doe <jane@example.com>
---
 a.py | 2 ++
 1 file changed

diff --git a/a.py b/a.py
index 1111111..2222222 100644
--- a/a.py
+++ b/a.py
@@ -1,3 +1,4 @@
 one
-two
+TWO
+three
 four
diff --git a/new.py b/new.py
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new.py
@@ -0,0 +1,2 @@
+# SPDX-License-Identifier: MIT
+x = 1
-- 
2.47.3

";

    #[test]
    fn a_format_patch_yields_author_message_recipients_and_added_lines() {
        let p = &parse(PATCH)[0];
        assert_eq!(p.author.email, "jane@example.com");
        assert_eq!(p.author.name, "Jane Doe");
        assert_eq!(
            p.message,
            "Add settings for the demo\n\nBody line.\n\nSigned-off-by: Jane Doe <jane@example.com>\n"
        );
        assert_eq!(p.recipients, ["list@lists.example.org", "bob@example.org"]);
        assert_eq!(p.files.len(), 2);
        assert_eq!(p.files[0].path, "a.py");
        assert!(!p.files[0].new);
        assert_eq!(String::from_utf8_lossy(&p.files[0].added), "\nTWO\nthree\n");
        assert!(p.files[1].new);
        assert_eq!(
            String::from_utf8_lossy(&p.files[1].added),
            "# SPDX-License-Identifier: MIT\nx = 1\n"
        );
    }

    #[test]
    fn an_mbox_of_two_patches_yields_both_and_an_in_body_from_names_the_author() {
        let second = PATCH
            .replace("[PATCH 1/2] Add settings", "[PATCH 2/2] More")
            .replace(
                "Body line.",
                "From: Ann Other <ann@example.net>\n\nBody line.",
            );
        let both = parse(&format!("{PATCH}{second}"));
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].author.email, "ann@example.net");
        assert!(both[1].message.starts_with("More for the demo\n"));
    }
}
