//! `git outbound request`: what an approver needs to see for a push (destination, commits,
//! authors, lines, files, licenses and the triggers that fired), as Markdown for a ticket or an
//! email and as JSON for tools. Pure functions of the push; the caller prints.

use super::Push;
use super::triggers::{Trigger, short, total_lines};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The request as Markdown. `licenses` are the SPDX ids the caller found in the outbound files.
pub fn request_markdown(push: &Push, fired: &[Trigger], licenses: &[String]) -> String {
    let mut md = format!("# Approval request: {}\n\n", push.destination);
    md.push_str(&format!("- destination: `{}`\n", push.destination));
    let base = push.base.as_deref().unwrap_or("none (new ref)");
    md.push_str(&format!(
        "- commits: {} (base `{base}`, tip `{}`)\n",
        push.commits.len(),
        push.tip
    ));
    md.push_str(&format!(
        "- lines: {} (added plus deleted)\n",
        total_lines(push)
    ));
    md.push_str(&format!("- authors: {}\n", join_or_none(authors(push))));
    md.push_str(&format!(
        "- licenses: {}\n",
        join_or_none(licenses.iter().cloned())
    ));
    md.push_str("\n## Why approval is needed\n\n");
    if fired.is_empty() {
        md.push_str("No trigger fired; this push needs no approval.\n");
    }
    for trigger in fired {
        md.push_str(&format!(
            "- **{}**: {}\n",
            trigger.name(),
            trigger.describe(push.destination)
        ));
    }
    md.push_str(
        "\n## Commits\n\n| commit | author | added | deleted |\n| --- | --- | ---: | ---: |\n",
    );
    for c in &push.commits {
        let author = cell(&format!("{} <{}>", c.author_name, c.author_email));
        md.push_str(&format!(
            "| `{}` | {author} | {} | {} |\n",
            short(&c.id),
            c.added,
            c.deleted
        ));
    }
    md.push_str("\n## Files\n\n");
    for path in files(push) {
        md.push_str(&format!("- `{}`\n", path.replace('`', "'")));
    }
    md.push_str("\nAn approver records the approval with `git outbound approve`; it covers exactly these commits.\n");
    md
}

/// The request as a JSON document (pretty-printed, ending in a newline).
pub fn request_json(push: &Push, fired: &[Trigger], licenses: &[String]) -> String {
    let commits: Vec<Value> = push
        .commits
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "author": { "name": c.author_name, "email": c.author_email },
                "added": c.added,
                "deleted": c.deleted,
                "paths": c.paths,
            })
        })
        .collect();
    let triggers: Vec<Value> = fired
        .iter()
        .map(|t| {
            let mut v = serde_json::to_value(t).unwrap_or_else(|_| json!({ "trigger": t.name() }));
            v["message"] = json!(t.describe(push.destination));
            v
        })
        .collect();
    let doc = json!({
        "version": 1,
        "destination": push.destination,
        "base": push.base,
        "tip": push.tip,
        "lines": total_lines(push),
        "authors": authors(push).collect::<Vec<_>>(),
        "files": files(push),
        "licenses": licenses,
        "triggers": triggers,
        "commits": commits,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string());
    text.push('\n');
    text
}

/// Distinct `Name <email>` of the outbound commits, in first-seen order.
fn authors<'a>(push: &'a Push) -> impl Iterator<Item = String> + 'a {
    let mut seen = BTreeSet::new();
    push.commits
        .iter()
        .map(|c| format!("{} <{}>", c.author_name, c.author_email))
        .filter(move |a| seen.insert(a.clone()))
}

fn files(push: &Push) -> Vec<String> {
    let set: BTreeSet<&String> = push.commits.iter().flat_map(|c| &c.paths).collect();
    set.into_iter().cloned().collect()
}

fn join_or_none(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none found".to_string()
    } else {
        items.join(", ")
    }
}

/// Keeps a value inside one Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::PushedCommit;

    fn push() -> Push<'static> {
        let commit =
            |id: char, name: &str, email: &str, added, deleted, paths: &[&str]| PushedCommit {
                id: id.to_string().repeat(40),
                author_name: name.into(),
                author_email: email.into(),
                added,
                deleted,
                paths: paths.iter().map(|p| p.to_string()).collect(),
            };
        Push {
            destination: "github.com/upstream/project",
            remote_has_refs: true,
            base: Some("0".repeat(40)),
            tip: "b".repeat(40),
            commits: vec![
                commit(
                    'a',
                    "Jane Doe",
                    "jane@acme-corp.com",
                    300,
                    12,
                    &["src/lib.rs", "README.md"],
                ),
                commit(
                    'b',
                    "Jane Doe",
                    "jane@acme-corp.com",
                    100,
                    0,
                    &["src/lib.rs"],
                ),
            ],
            today: "2025-06-01".into(),
            now: "20250601120000".into(),
            notes: None,
        }
    }

    fn fired() -> Vec<Trigger> {
        vec![Trigger::SignificantLines {
            lines: 412,
            limit: 100,
        }]
    }

    #[test]
    fn markdown_lists_what_an_approver_needs() {
        let md = request_markdown(&push(), &fired(), &["Apache-2.0".to_string()]);
        let expected = [
            "# Approval request: github.com/upstream/project\n",
            "- lines: 412 (added plus deleted)\n",
            "- authors: Jane Doe <jane@acme-corp.com>\n",
            "- licenses: Apache-2.0\n",
            "- **significant-lines**: 412 lines to github.com/upstream/project, limit 100\n",
            "| `aaaaaaa` | Jane Doe <jane@acme-corp.com> | 300 | 12 |\n",
            "- `README.md`\n- `src/lib.rs`\n",
        ];
        for line in expected {
            assert!(md.contains(line), "missing {line:?} in\n{md}");
        }
    }

    #[test]
    fn json_carries_the_same_facts() {
        let text = request_json(&push(), &fired(), &[]);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["destination"], "github.com/upstream/project");
        assert_eq!(v["lines"], 412);
        assert_eq!(v["files"], json!(["README.md", "src/lib.rs"]));
        assert_eq!(v["authors"], json!(["Jane Doe <jane@acme-corp.com>"]));
        assert_eq!(v["triggers"][0]["trigger"], "significant-lines");
        assert_eq!(v["triggers"][0]["limit"], 100);
        assert_eq!(
            v["triggers"][0]["message"],
            "412 lines to github.com/upstream/project, limit 100"
        );
        assert_eq!(v["commits"][1]["id"], "b".repeat(40));
        assert_eq!(v["licenses"], json!([]));
    }
}
