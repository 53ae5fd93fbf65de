//! Commit messages the way git reads them: [`clean`] does what `git commit` does to a message
//! file (cleanup mode `strip`), [`trailers`] finds the trailer block the way
//! `git interpret-trailers --parse --no-divider` and `%(trailers)` do for commit objects.
//! The DCO check builds on both; see `conformance/dco.md` §1.2 for the grammar.
//!
//! Both functions are total: any input, however odd, gives a result and never a panic.

/// git's default `core.commentString`.
pub const DEFAULT_COMMENT: &str = "#";

/// What follows `<comment> ` on the scissors line that `git commit -v` writes (`wt-status.c`).
const CUT_LINE: &str = "------------------------ >8 ------------------------\n";

/// Trailers that git itself writes; one of them lets a mostly-prose paragraph count as the
/// trailer block (`trailer.c`, `git_generated_prefixes`).
const GIT_GENERATED_PREFIXES: [&str; 2] = ["Signed-off-by: ", "(cherry picked from commit "];

/// One trailer of a message, as `git interpret-trailers --parse` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailer {
    /// The token before the separator, trimmed, in its original case.
    pub key: String,
    /// The value, trimmed, continuation lines unfolded with single spaces.
    pub value: String,
    /// 1-based line in the message of the trailer's first line.
    pub line: usize,
}

/// git's `isspace`: space, tab, line feed and carriage return only (`sane_ctype`).
fn is_git_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// The message as git will record it (`get_cleanup_mode` in builtin/commit.c), given
/// `commit.cleanup` and whether an editor was opened. Without an editor the default cleanup
/// only trims whitespace and a line starting with `#` stays in the commit, so it is scanned.
/// After an editor, comment lines and everything below the scissors line go, unless
/// `commit.cleanup` keeps them. (A `--cleanup` flag on the command line is invisible to hooks.)
pub fn as_committed(raw: &str, cleanup: &str, editor: bool, comment: &str) -> String {
    match (cleanup, editor) {
        ("verbatim" | "whitespace", _) | ("scissors" | "default" | "", false) => clean(raw, ""),
        ("scissors", true) => clean(cut_at_scissors(raw, comment), ""),
        _ => clean(raw, comment),
    }
}

/// `raw` up to the scissors line that git writes above the template (`wt_status_locate_end`).
fn cut_at_scissors<'a>(raw: &'a str, comment: &str) -> &'a str {
    let line = format!("{comment} ------------------------ >8 ------------------------\n");
    if raw.starts_with(&line) {
        return "";
    }
    raw.find(&format!("\n{line}")).map_or(raw, |i| &raw[..=i])
}

/// Cleans a message file the way `git commit` does with cleanup mode `strip`: cuts from the
/// scissors line down, drops comment lines, strips trailing whitespace, collapses runs of
/// blank lines, drops leading and trailing blank lines and ends with one newline. An empty
/// result stays empty. As in git, the scissors line must end in a bare `\n`: a scissors line
/// saved with CRLF is not recognised by git either, so the text below it is committed and
/// must be checked.
pub fn clean(raw: &str, comment_prefix: &str) -> String {
    let text = &raw[..scissors_cut(raw, comment_prefix)];
    let mut out = String::with_capacity(text.len());
    let mut empties = 0usize;
    for line in text.split('\n') {
        if is_comment(line, comment_prefix) {
            continue;
        }
        let kept = line.trim_end_matches(is_git_space);
        if kept.is_empty() {
            empties += 1;
            continue;
        }
        if empties > 0 && !out.is_empty() {
            out.push('\n');
        }
        empties = 0;
        out.push_str(kept);
        out.push('\n');
    }
    out
}

/// Byte offset of the scissors line, or the length of `text` when there is none
/// (`wt_status_locate_end`).
fn scissors_cut(text: &str, comment_prefix: &str) -> usize {
    // Most messages have no scissors line: one search for its fixed part answers that.
    if comment_prefix.is_empty()
        || memchr::memmem::find(text.as_bytes(), CUT_LINE.as_bytes()).is_none()
    {
        return text.len();
    }
    let pattern = format!("\n{comment_prefix} {CUT_LINE}");
    if text.starts_with(&pattern[1..]) {
        return 0;
    }
    text.find(&pattern).map_or(text.len(), |p| p + 1)
}

/// Byte offset where git stops reading `message` for trailers: before the scissors line and
/// before any trailing run of comment lines, empty lines and an old-style `Conflicts:` block
/// (`ignored_log_message_bytes`).
pub fn body_end(message: &str, comment_prefix: &str) -> usize {
    let cutoff = scissors_cut(message, comment_prefix);
    let mut run_start: Option<usize> = None;
    let mut in_conflicts = false;
    let mut bol = 0;
    while bol < cutoff {
        let rest = &message[bol..cutoff];
        let next = rest.find('\n').map_or(cutoff, |i| bol + i + 1);
        let ignorable = is_comment(rest, comment_prefix) || rest.starts_with('\n');
        if ignorable {
            run_start.get_or_insert(bol);
        } else if message[bol..].starts_with("Conflicts:\n") {
            in_conflicts = true;
            run_start.get_or_insert(bol);
        } else if !(in_conflicts && rest.starts_with('\t')) {
            run_start = None;
            in_conflicts = false;
        }
        bol = next;
    }
    run_start.unwrap_or(cutoff)
}

/// The trailers of a commit message, parsed as git parses commit objects (no `---` divider,
/// comment prefix `#`). See [`trailers_with_comment`].
pub fn trailers(message: &str) -> Vec<Trailer> {
    trailers_with_comment(message, DEFAULT_COMMENT)
}

/// The trailers of a commit message with a given `core.commentString`: only the last
/// paragraph, never the title paragraph, and only if it is all trailers or holds a
/// git-generated trailer and at least 25% trailer lines.
pub fn trailers_with_comment(message: &str, comment_prefix: &str) -> Vec<Trailer> {
    let body = &message[..body_end(message, comment_prefix)];
    let lines: Vec<&str> = split_lines(body);
    match block_start(&lines, comment_prefix) {
        Some(start) => parse_block(&lines, start, comment_prefix),
        None => Vec::new(),
    }
}

/// Lines without their `\n`; a final `\n` does not start another line.
fn split_lines(text: &str) -> Vec<&str> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        // Empty, or a lone `\n`: a single empty line can hold neither title nor trailer.
        return Vec::new();
    }
    text.split('\n').collect()
}

fn is_blank(line: &str) -> bool {
    line.chars().all(is_git_space)
}

fn is_comment(line: &str, comment_prefix: &str) -> bool {
    !comment_prefix.is_empty() && line.starts_with(comment_prefix)
}

/// Position of the `:` that ends a trailer token: ASCII alphanumerics and `-`, then optional
/// spaces or tabs (`find_separator`). `None` unless the token is at least one character.
fn find_separator(line: &str) -> Option<usize> {
    let mut seen_space = false;
    for (i, b) in line.bytes().enumerate() {
        if b == b':' {
            return (i >= 1).then_some(i);
        }
        if !seen_space && (b.is_ascii_alphanumeric() || b == b'-') {
            continue;
        }
        if i != 0 && (b == b' ' || b == b'\t') {
            seen_space = true;
            continue;
        }
        break;
    }
    None
}

/// Index of the first line of the trailer block, if the last paragraph is one
/// (`find_trailer_block_start`).
fn block_start(lines: &[&str], comment_prefix: &str) -> Option<usize> {
    // git reads a commit's trailers from its subject on, after the blank lines before it
    // (`skip_blank_lines` in pretty.c); a line of spaces or a lone `\r` is blank too, so such
    // a first line does not end an empty title.
    let subject = lines
        .iter()
        .position(|l| !is_blank(l))
        .unwrap_or(lines.len());
    let end_of_title = lines[subject..]
        .iter()
        .position(|l| !is_comment(l, comment_prefix) && is_blank(l))
        .map_or(lines.len(), |i| subject + i);
    let (mut only_spaces, mut recognized) = (true, false);
    let (mut trailer_lines, mut non_trailer, mut continuations) = (0usize, 0usize, 0usize);
    for idx in (end_of_title..lines.len()).rev() {
        let line = lines[idx];
        if is_comment(line, comment_prefix) {
            non_trailer += std::mem::take(&mut continuations);
            continue;
        }
        if is_blank(line) {
            if only_spaces {
                continue;
            }
            non_trailer += continuations;
            let enough = recognized && trailer_lines * 3 >= non_trailer;
            let all = trailer_lines > 0 && non_trailer == 0;
            return (enough || all).then_some(idx + 1);
        }
        only_spaces = false;
        if GIT_GENERATED_PREFIXES.iter().any(|p| line.starts_with(p)) {
            trailer_lines += 1;
            continuations = 0;
            recognized = true;
        } else if find_separator(line).is_some() {
            trailer_lines += 1;
            continuations = 0;
        } else if line.starts_with(is_git_space) {
            continuations += 1;
        } else {
            non_trailer += 1 + std::mem::take(&mut continuations);
        }
    }
    None
}

/// Splits the block into items (a line plus its continuation lines) and keeps the trailers
/// (`trailer_info_get`, `parse_trailer`, `unfold_value`).
fn parse_block(lines: &[&str], start: usize, comment_prefix: &str) -> Vec<Trailer> {
    let mut items: Vec<(usize, String, Option<usize>)> = Vec::new();
    for (idx, line) in lines.iter().enumerate().skip(start) {
        let continues = line.is_empty() || line.starts_with(is_git_space);
        if let Some((_, text, Some(_))) = items.last_mut().filter(|_| continues) {
            text.push('\n');
            text.push_str(line);
            continue;
        }
        let sep = find_separator(line);
        items.push((idx + 1, (*line).to_string(), sep));
    }
    items
        .into_iter()
        .filter(|(_, text, _)| !is_comment(text, comment_prefix))
        .filter_map(|(line, text, sep)| {
            let sep = sep?;
            Some(Trailer {
                key: text[..sep].trim_matches(is_git_space).to_string(),
                value: unfold(text[sep + 1..].trim_matches(is_git_space)),
                line,
            })
        })
        .collect()
}

/// Joins continuation lines with single spaces. Unlike git, a `\r` that ends a folded line
/// (CRLF input) is dropped instead of kept inside the value.
fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\n' {
            out.push(c);
            continue;
        }
        while out.ends_with('\r') {
            out.pop();
        }
        while chars.next_if(|&n| is_git_space(n)).is_some() {}
        out.push(' ');
    }
    out.trim_matches(is_git_space).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(message: &str) -> Vec<(String, String, usize)> {
        trailers(message)
            .into_iter()
            .map(|t| (t.key, t.value, t.line))
            .collect()
    }

    fn kv(list: &[(&str, &str, usize)]) -> Vec<(String, String, usize)> {
        list.iter()
            .map(|(k, v, l)| (k.to_string(), v.to_string(), *l))
            .collect()
    }

    /// Expected `(key, value, line)` triples.
    type Want<'a> = &'a [(&'a str, &'a str, usize)];

    const JANE: &str = "Jane Doe <jane@example.com>";

    #[test]
    fn trailers_follow_git_block_rules() {
        #[rustfmt::skip]
        let cases: &[(&str, &str, Want)] = &[
            ("canonical", "Fix bug\n\nSigned-off-by: Jane Doe <jane@example.com>\n", &[("Signed-off-by", JANE, 3)]),
            ("prose only", "Fix bug\n\nNo sign-off here.\n", &[]),
            ("key case kept", "Fix\n\nsigned-off-by: Jane Doe <jane@example.com>\n", &[("signed-off-by", JANE, 3)]),
            ("title only", "Signed-off-by: Jane Doe <jane@example.com>\n", &[]),
            ("in title paragraph", "Fix bug\nSigned-off-by: Jane Doe <jane@example.com>\n", &[]),
            ("prose after", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\n\nMore.\n", &[]),
            ("inner spaces kept", "Fix\n\nSigned-off-by:   Jane Doe  <jane@example.com>  \n", &[("Signed-off-by", "Jane Doe  <jane@example.com>", 3)]),
            ("space before colon", "Fix\n\nSigned-off-by : Jane Doe <jane@example.com>\n", &[("Signed-off-by", JANE, 3)]),
            ("indented alone", "Fix\n\n  Signed-off-by: Jane Doe <jane@example.com>\n", &[]),
            ("no divider", "Fix bug\n\nBody text\n---\nSigned-off-by: Jane Doe <jane@example.com>\n", &[("Signed-off-by", JANE, 5)]),
            ("25% met", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\nthis line is not a trailer\n", &[("Signed-off-by", JANE, 3)]),
            ("25% missed", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\na\nb\nc\nd\n", &[]),
            ("25% boundary", "Fix\n\nSigned-off-by: J <j@x.org>\na\nb\nc\n", &[("Signed-off-by", "J <j@x.org>", 3)]),
            ("continuations of prose count", "Fix\n\nSigned-off-by: J <j@x.org>\n  cont\na\nb\n  cont2\n", &[("Signed-off-by", "J <j@x.org> cont", 3)]),
            ("git prefix is case-sensitive", "Fix\n\nsigned-off-by: J <j@x.org>\na\n", &[]),
            ("leading indented line is prose", "Fix\n\n  indented\nA: b\n", &[]),
            ("prose without git prefix", "Fix\n\nReviewed-by: Bob <b@x.org>\nsome prose\n", &[]),
            ("folded", "Fix\n\nSigned-off-by: Jane Doe\n <jane@example.com>\n", &[("Signed-off-by", JANE, 3)]),
            ("folded text", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\n    continuation text\n", &[("Signed-off-by", "Jane Doe <jane@example.com> continuation text", 3)]),
            ("comments ignored", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\n# Please enter\n#\n", &[("Signed-off-by", JANE, 3)]),
            ("scissors", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\n# ------------------------ >8 ------------------------\nSigned-off-by: Evil <evil@example.com>\n", &[("Signed-off-by", JANE, 3)]),
            ("crlf", "Fix bug\r\n\r\nSigned-off-by: Jane Doe <jane@example.com>\r\n", &[("Signed-off-by", JANE, 3)]),
            ("crlf folded", "Fix\r\n\r\nSigned-off-by: Jane Doe\r\n <jane@example.com>\r\n", &[("Signed-off-by", JANE, 3)]),
            ("whitespace line is blank", "Fix\n   \nSigned-off-by: Jane Doe <jane@example.com>\n", &[("Signed-off-by", JANE, 3)]),
            ("cr line is blank", "Fix\n\r\nA: b\n", &[("A", "b", 3)]),
            ("no trailing newline", "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>", &[("Signed-off-by", JANE, 3)]),
            ("loose token", "Fix\n\nNote: prose with colon\nSigned-off-by: Jane Doe <jane@example.com>\n", &[("Note", "prose with colon", 3), ("Signed-off-by", JANE, 4)]),
            ("url is a trailer", "Fix\n\nhttp://example.com/foo\n", &[("http", "//example.com/foo", 3)]),
            ("mixed block", "Fix\n\nReviewed-by: Bob <b@x.org>\nFixes: #123\nSigned-off-by: Jane Doe <jane@example.com>\n", &[("Reviewed-by", "Bob <b@x.org>", 3), ("Fixes", "#123", 4), ("Signed-off-by", JANE, 5)]),
            ("two words token", "Fix\n\nSigned off: x\n", &[]),
            ("cherry pick counts", "Fix\n\n(cherry picked from commit abc)\nprose\nA: b\n", &[("A", "b", 5)]),
            ("trailing blank lines", "Fix\n\nA: b\n\n\n", &[("A", "b", 3)]),
            ("blank lines before the subject", "\n \n\t\nFix\n\nA: b\n", &[("A", "b", 6)]),
            ("space line before a lone sign-off", " \nSigned-off-by: Jane Doe <jane@example.com>\n", &[]),
            ("cr line before a lone sign-off", "\r\nSigned-off-by: Jane Doe <jane@example.com>\n", &[]),
        ];
        for (name, message, want) in cases {
            assert_eq!(parsed(message), kv(want), "case {name}: {message:?}");
        }
    }

    #[test]
    fn trailers_honour_a_custom_comment_prefix() {
        let msg = "Fix\n\nA: b\n; note\n";
        assert_eq!(trailers_with_comment(msg, ";").len(), 1);
        assert!(trailers_with_comment(msg, "#").is_empty());
    }

    #[test]
    fn clean_strips_like_git_commit() {
        #[rustfmt::skip]
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("\n\n  \n", ""),
            ("Fix bug", "Fix bug\n"),
            ("\n\nFix bug  \t\n\n\n\nBody\n\n", "Fix bug\n\nBody\n"),
            ("Fix\n# comment\n\n# more\nBody\n", "Fix\n\nBody\n"),
            (" # not a comment\n", " # not a comment\n"),
            ("Fix\r\n\r\nBody\r\n", "Fix\n\nBody\n"),
            ("Fix\n# ------------------------ >8 ------------------------\ndiff --git a b\n", "Fix\n"),
            ("# ------------------------ >8 ------------------------\nall gone\n", ""),
            ("Fix\n# ------------------------ >8 ------------------------\r\ndiff\n", "Fix\ndiff\n"),
            ("Fix\n\n# only comments after\n", "Fix\n"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw, "#"), *want, "raw {raw:?}");
        }
    }

    #[test]
    fn clean_uses_the_given_comment_prefix() {
        assert_eq!(clean("Fix\n; c\n# kept\n", ";"), "Fix\n# kept\n");
        assert_eq!(clean("Fix\n# kept\n", ""), "Fix\n# kept\n");
    }

    #[test]
    fn body_end_drops_trailing_comments_and_conflicts() {
        let msg = "Fix\n\nA: b\n\nConflicts:\n\tsrc/a.rs\n# c\n";
        assert_eq!(&msg[..body_end(msg, "#")], "Fix\n\nA: b\n");
    }

    #[test]
    fn odd_inputs_never_panic() {
        let long = "x".repeat(100_000);
        let long_trailer = format!("T\n\nA: {long}\n {long}\n");
        let odd = [
            "",
            " ",
            "\n",
            "\r",
            "\r\r\r",
            "\n\r\n\r",
            "\t\n \n",
            ":",
            "\n\n:",
            "a:\n\n:b",
            "#",
            "# ------------------------ >8 ------------------------\n",
            "\u{feff}é: ü\n\nü: é",
            "T\n\n日本: 語\n 続き",
            "T\n\n-: x\n\t",
            "T\n\n\0: \0",
            &long,
            &long_trailer,
        ];
        for input in odd {
            for prefix in ["#", "", "ü", ";;"] {
                let cleaned = clean(input, prefix);
                assert!(cleaned.is_empty() || cleaned.ends_with('\n'));
                let _ = trailers_with_comment(input, prefix);
                assert!(body_end(input, prefix) <= input.len());
            }
        }
        assert_eq!(
            trailers("T\n\n日本: 語\n").len(),
            0,
            "non-ASCII tokens are not trailers"
        );
        assert_eq!(trailers(&long_trailer)[0].value.len(), 2 * long.len() + 1);
    }
}
