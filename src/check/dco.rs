//! The `dco` check: is a commit signed off under the Developer Certificate of Origin? It reads
//! the trailers the way git does ([`crate::message::trailers`]) and accepts a
//! `Signed-off-by:` whose name and email pair is the author's or the committer's (the
//! `trailer-strict` profile of `conformance/dco.md` §1.9). Forms that git accepts but the DCO
//! app or checkpatch reject pass with a warning, so the contributor learns before upstream does.

use crate::encoding::has_raw_bytes;
use crate::finding::{Check, Finding, Severity};
use crate::message::{self, Trailer};
use crate::source::Identity;

/// Policy knobs of the check.
#[derive(Debug, Clone, Default)]
pub struct DcoOptions {
    /// Check merge commits too (skipped by default, as the DCO app does).
    pub check_merges: bool,
    /// Author emails of bots whose commits need no sign-off; `*` matches any run of
    /// characters, e.g. `*[bot]@users.noreply.github.com`. Compared case-insensitively.
    pub bots: Vec<String>,
    /// Kernel style: only the author's sign-off counts, not the committer's.
    pub require_author: bool,
}

/// What the check needs to know about one commit.
#[derive(Debug, Clone)]
pub struct CommitInfo<'a> {
    /// Full commit id.
    pub id: &'a str,
    pub message: &'a str,
    pub author: &'a Identity,
    pub committer: &'a Identity,
    /// Number of parents; more than one is a merge.
    pub parents: usize,
}

const KEY: &str = "Signed-off-by";
const FIX_LAST: &str = "`git commit --amend -s --no-edit` for the last commit";
const FIX_MANY: &str = "`git rebase --signoff <base>` for several";
const REWORD: &str = "edit the message with `git commit --amend` (last commit) or `git rebase -i <base>` \
     and `reword` (older commits)";
const REWORD_NEW: &str =
    "fix the message and commit again (`git commit -s` adds a correct sign-off)";

/// Checks one commit and returns its findings: `Block` when it is not signed off, `Warn`
/// when it passes in a form that other DCO checkers reject, nothing when all is well.
pub fn check(commit: &CommitInfo, opts: &DcoOptions) -> Vec<Finding> {
    if commit.parents > 1 && !opts.check_merges {
        return Vec::new();
    }
    let is_bot = || {
        let author_email = commit.author.email.to_lowercase();
        opts.bots
            .iter()
            .any(|p| glob_match(&p.to_lowercase(), &author_email))
    };
    if !opts.bots.is_empty() && is_bot() {
        return Vec::new();
    }
    let ctx = Ctx { commit, opts };
    if let Some(finding) = ctx.invalid_author_email() {
        return vec![finding];
    }
    let signoffs = collect_signoffs(commit.message);
    let author = signoffs.iter().find(|s| s.matches(commit.author).is_some());
    let committer = signoffs
        .iter()
        .find(|s| s.matches(commit.committer).is_some());
    let accepted = if opts.require_author {
        author
    } else {
        author.or(committer)
    };
    match accepted {
        Some(_) => ctx.warnings(&signoffs, committer.filter(|_| author.is_none())),
        None => {
            // Only a failing commit needs the sign-off lines outside the trailers.
            let outside = signoffs_outside(commit.message, &signoffs);
            ctx.failures(&signoffs, &outside, committer.is_some())
        }
    }
}

/// One `Signed-off-by` trailer with what the check learned about it.
struct SignOff {
    line: usize,
    raw: String,
    value: String,
    parsed: Result<(String, String), &'static str>,
    style: Vec<&'static str>,
}

impl SignOff {
    fn new(t: Trailer, raw: &str, folded: bool) -> SignOff {
        let parsed = parse_value(&t.value, raw);
        let mut style = Vec::new();
        if t.key != KEY {
            style.push("the key should be spelled `Signed-off-by`");
        }
        let after_colon = raw.split_once(':').map_or("", |(_, v)| v);
        if !after_colon.starts_with(' ') || after_colon[1..].starts_with(char::is_whitespace) {
            style.push("use exactly one space after the colon");
        }
        if let Ok((name, email)) = &parsed {
            if !t
                .value
                .starts_with(&format!("{} <{email}>", collapse_spaces(name)))
            {
                style.push("use single spaces in the name and before `<`");
            }
            if !t.value.ends_with('>') {
                style.push("nothing should follow the `>`");
            }
        }
        if folded {
            style.push("keep the sign-off on one line");
        }
        SignOff {
            line: t.line,
            raw: raw.to_string(),
            value: t.value,
            parsed,
            style,
        }
    }

    /// `Some(true)` for an exact match, `Some(false)` when only case or spacing differs.
    fn matches(&self, id: &Identity) -> Option<bool> {
        let (name, email) = self.parsed.as_ref().ok()?;
        let same = same_text(email, id.email.trim(), str::to_lowercase)
            && same_text(name, &id.name, collapse);
        same.then(|| *name == id.name && *email == id.email)
    }
}

/// Whether a sign-off's name or email is the identity's: the same after `loosen` (case,
/// spacing), or, when either holds bytes that did not decode in the commit's encoding, the
/// same bytes exactly.
fn same_text(signed: &str, identity: &str, loosen: fn(&str) -> String) -> bool {
    if signed == identity {
        return true; // the common case, without building loosened copies
    }
    if has_raw_bytes(signed) || has_raw_bytes(identity) {
        return signed == identity;
    }
    loosen(signed) == loosen(identity)
}

fn collapse_spaces(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name as the identity rule compares it: case-insensitive, whitespace collapsed.
fn collapse(name: &str) -> String {
    collapse_spaces(name).to_lowercase()
}

/// Splits a sign-off value into name and email, or says why it is malformed.
fn parse_value(value: &str, raw: &str) -> Result<(String, String), &'static str> {
    let key = raw.split_once(':').map_or(raw, |(k, _)| k);
    if key.ends_with([' ', '\t']) {
        return Err("space before the colon: other DCO checkers do not see a sign-off");
    }
    let Some((name, rest)) = value.split_once('<') else {
        return Err("no email address in `<...>`");
    };
    let name = name.trim();
    if name.is_empty() {
        return Err("no name before the email address");
    }
    let Some((email, after)) = rest.split_once('>') else {
        return Err("the email address has no closing `>`");
    };
    if name.contains('>') || after.contains(['<', '>']) {
        return Err("more than one email address");
    }
    if email.is_empty() || email.contains(char::is_whitespace) || !email.contains('@') {
        return Err("malformed email address between `<` and `>`");
    }
    let after = after.trim();
    let comment = (after.starts_with('(') && after.ends_with(')')) || after.starts_with('#');
    if !after.is_empty() && !comment {
        return Err("unexpected text after the email address");
    }
    Ok((name.to_string(), email.to_string()))
}

/// The sign-off trailers of a message.
fn collect_signoffs(message: &str) -> Vec<SignOff> {
    let raw_at = |line: usize| {
        let raw = message.split('\n').nth(line.wrapping_sub(1)).unwrap_or("");
        raw.strip_suffix('\r').unwrap_or(raw)
    };
    message::trailers(message)
        .into_iter()
        .filter(|t| t.key.eq_ignore_ascii_case(KEY))
        .map(|t| {
            let next = raw_at(t.line + 1);
            let folded = next.starts_with([' ', '\t']) && !next.trim().is_empty();
            let line = raw_at(t.line);
            SignOff::new(t, line, folded)
        })
        .collect()
}

/// The lines that look like sign-offs but are not in the trailer block (title paragraph,
/// prose after them, indented).
fn signoffs_outside(message: &str, signoffs: &[SignOff]) -> Vec<(usize, String)> {
    let body = &message[..message::body_end(message, message::DEFAULT_COMMENT)];
    body.split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(n, l)| looks_like_signoff(l) && !signoffs.iter().any(|s| s.line == *n))
        .map(|(n, l)| (n, l.to_string()))
        .collect()
}

fn looks_like_signoff(line: &str) -> bool {
    let t = line.trim_start();
    t.get(..KEY.len())
        .is_some_and(|k| k.eq_ignore_ascii_case(KEY))
        && t[KEY.len()..].trim_start().starts_with(':')
}

/// The commit under check and the options, shared by the finding builders.
struct Ctx<'c, 'a> {
    commit: &'c CommitInfo<'a>,
    opts: &'c DcoOptions,
}

impl Ctx<'_, '_> {
    /// The short id, or "being made" at commit-msg where the commit has no id yet.
    fn short(&self) -> &str {
        if self.commit.id.is_empty() {
            return "being made";
        }
        self.commit.id.get(..7).unwrap_or(self.commit.id)
    }

    fn finding(&self, rule: &str, severity: Severity, message: String, help: String) -> Finding {
        let mut f = Finding::new(Check::Dco, rule, severity, message);
        f.commit = (!self.commit.id.is_empty()).then(|| self.commit.id.to_string());
        f.help = help;
        f
    }

    fn at(&self, mut f: Finding, line: usize, text: &str) -> Finding {
        f.line = Some(line);
        f.line_text = Some(text.to_string());
        f
    }

    /// Who may sign, as the DCO app words it: `"Jane Doe <jane@example.com>"`.
    fn expected(&self) -> String {
        let (a, c) = (self.commit.author, self.commit.committer);
        if self.opts.require_author || a == c {
            format!("\"{a}\"")
        } else {
            format!("\"{a}\" (author) or \"{c}\" (committer)")
        }
    }

    /// How to sign off. At commit-msg (no id yet) the commit does not exist, so `--amend`
    /// would change the previous commit: the remedy is to commit again with the sign-off.
    fn sign_help(&self) -> String {
        let a = self.commit.author;
        let being_made = self.commit.id.is_empty();
        if self.opts.require_author && a != self.commit.committer {
            let amend = if being_made { "" } else { "--amend --no-edit " };
            return format!(
                "add the author's sign-off: `git commit {amend}--trailer \
                 \"Signed-off-by: {a}\"` (`-s` and `--signoff` sign as the committer)"
            );
        }
        if being_made {
            return format!(
                "commit again with `git commit -s` (`--signoff`); once committed, {FIX_LAST}, \
                 or {FIX_MANY}"
            );
        }
        format!("sign off with {FIX_LAST}, or {FIX_MANY}")
    }

    /// How to change the message: at commit-msg, by committing again.
    fn reword(&self) -> &'static str {
        if self.commit.id.is_empty() {
            REWORD_NEW
        } else {
            REWORD
        }
    }

    /// The DCO app validates the author email (or the committer's, when the author has none)
    /// before anything else; `name@host.(none)` and similar never reach upstream.
    fn invalid_author_email(&self) -> Option<Finding> {
        let (a, c) = (self.commit.author, self.commit.committer);
        let email = if a.email.is_empty() {
            &c.email
        } else {
            &a.email
        };
        if valid_email(email) {
            return None;
        }
        let message = format!(
            "commit {}: the author email \"{email}\" is not a valid email address, so no \
             sign-off can certify it",
            self.short()
        );
        let help = "set a real address with `git config user.email you@example.com`, then \
             `git commit --amend --reset-author --no-edit -s` (for several commits: `git rebase \
             --exec 'git commit --amend --reset-author --no-edit -s' <base>`)";
        Some(self.finding(
            "invalid-author-email",
            Severity::Block,
            message,
            help.into(),
        ))
    }

    /// The commit passes: warn about sign-offs that other DCO checkers would reject.
    fn warnings(&self, signoffs: &[SignOff], by_committer: Option<&SignOff>) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for s in signoffs {
            let key: String = s.raw.chars().filter(|c| !c.is_whitespace()).collect();
            let key = key.to_lowercase();
            if seen.contains(&key) {
                let message = format!("commit {}: duplicate sign-off", self.short());
                let help = format!("remove the repeated line: {}", self.reword());
                out.push(self.at(
                    self.finding("duplicate-signoff", Severity::Warn, message, help),
                    s.line,
                    &s.raw,
                ));
                continue;
            }
            seen.push(key);
            out.extend(self.style_warning(s));
        }
        let (a, c) = (self.commit.author, self.commit.committer);
        if let Some(s) = by_committer {
            let message = format!(
                "commit {}: signed off by the committer \"{c}\", not by the author \"{a}\"",
                self.short()
            );
            let help = format!(
                "a DCO sign-off by the committer passes here and at the DCO app, but checkpatch \
                 wants the author's: `git commit --amend --no-edit --trailer \"Signed-off-by: {a}\"`"
            );
            let f = self.finding("signoff-by-committer", Severity::Warn, message, help);
            out.push(self.at(f, s.line, &s.raw));
        }
        out
    }

    fn style_warning(&self, s: &SignOff) -> Option<Finding> {
        let (a, c) = (self.commit.author, self.commit.committer);
        let (rule, reasons) = match &s.parsed {
            Err(reason) => ("malformed-signoff", vec![*reason]),
            Ok(_) => {
                let mut reasons = s.style.clone();
                let exact = s.matches(a).or_else(|| s.matches(c));
                if exact == Some(false) {
                    reasons.push("name or email differ in case or spacing from the git identity");
                }
                ("signoff-style", reasons)
            }
        };
        if reasons.is_empty() {
            return None;
        }
        let message = format!(
            "commit {}: sign-off on line {} is accepted but non-standard ({}); the DCO app or \
             checkpatch may reject it: found \"{}\"",
            self.short(),
            s.line,
            reasons.join("; "),
            s.raw
        );
        let want = match (&s.parsed, s.matches(a), s.matches(c)) {
            (_, Some(_), _) => a.to_string(),
            (_, None, Some(_)) => c.to_string(),
            (Ok((name, email)), None, None) => format!("{} <{email}>", collapse_spaces(name)),
            (Err(_), None, None) => "Full Name <email@example.com>".to_string(),
        };
        let help = format!("write it as `Signed-off-by: {want}`: {}", self.reword());
        Some(self.at(
            self.finding(rule, Severity::Warn, message, help),
            s.line,
            &s.raw,
        ))
    }

    /// The commit fails: say what was found and what was expected.
    fn failures(
        &self,
        signoffs: &[SignOff],
        outside: &[(usize, String)],
        committer_signed: bool,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for s in signoffs {
            if let Err(reason) = s.parsed {
                let message = format!(
                    "commit {}: malformed sign-off on line {}: {reason}; expected {}, found \"{}\"",
                    self.short(),
                    s.line,
                    self.expected(),
                    s.raw
                );
                let help = format!(
                    "write the line as `Signed-off-by: {}`: {}",
                    self.commit.author,
                    self.reword()
                );
                out.push(self.at(
                    self.finding("malformed-signoff", Severity::Block, message, help),
                    s.line,
                    &s.raw,
                ));
            }
        }
        let formed: Vec<&SignOff> = signoffs.iter().filter(|s| s.parsed.is_ok()).collect();
        if let Some(first) = formed.first() {
            out.push(self.at(
                self.mismatch(&formed, committer_signed),
                first.line,
                &first.raw,
            ));
        }
        for (line, text) in outside {
            let message = format!(
                "commit {}: the sign-off on line {line} is not in the trailer block, so git does not \
                 read it as a trailer (trailers are the last paragraph, after a blank line, not \
                 indented and not in the title)",
                self.short()
            );
            let help = format!(
                "move it to the end of the message after a blank line: {}",
                self.reword()
            );
            out.push(self.at(
                self.finding("signoff-not-in-trailers", Severity::Block, message, help),
                *line,
                text,
            ));
        }
        if out.is_empty() {
            let message = format!(
                "commit {}: the sign-off is missing; expected {}",
                self.short(),
                self.expected()
            );
            out.push(self.finding(
                "missing-signoff",
                Severity::Block,
                message,
                self.sign_help(),
            ));
        }
        out
    }

    /// One finding for well-formed sign-offs of which none is the author's (or committer's).
    fn mismatch(&self, formed: &[&SignOff], committer_signed: bool) -> Finding {
        let found: Vec<String> = formed.iter().map(|s| format!("\"{}\"", s.value)).collect();
        let mut message = if let [one] = formed {
            format!(
                "commit {}: expected {}, but got {}",
                self.short(),
                self.expected(),
                found[0]
            ) + &self.mismatch_reason(one)
        } else {
            format!(
                "commit {}: can not find {} in [{}]",
                self.short(),
                self.expected(),
                found.join(", ")
            )
        };
        if committer_signed {
            message.push_str("; only the author's sign-off counts here, not the committer's");
        }
        self.finding(
            "signoff-mismatch",
            Severity::Block,
            message,
            self.sign_help(),
        )
    }

    fn mismatch_reason(&self, s: &SignOff) -> String {
        let (a, c) = (self.commit.author, self.commit.committer);
        let Ok((name, email)) = &s.parsed else {
            return String::new();
        };
        let name_of = |id: &Identity| collapse(name) == collapse(&id.name);
        let email_of = |id: &Identity| email.to_lowercase() == id.email.to_lowercase();
        let reason = if (name_of(a) && email_of(c)) || (name_of(c) && email_of(a)) {
            "name and email come from different identities"
        } else if name_of(a) && strip_plus(email) == strip_plus(&a.email) {
            "plus-addresses are not folded; sign with the address git records"
        } else if name_of(a) {
            "the email is not the author's; sign with the address git records"
        } else if email_of(a) {
            "the name is not the author's"
        } else {
            return String::new();
        };
        format!(" ({reason})")
    }
}

/// `local+tag@domain` → `local@domain`, lower-cased (RFC 5233 sub-addressing).
fn strip_plus(email: &str) -> String {
    let email = email.to_lowercase();
    match email.split_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => email,
    }
}

/// A usable address in the spirit of the DCO app's `email-validator`: a dot-atom local part
/// and a domain of at least two labels (letters, digits, inner hyphens) with a non-numeric TLD.
/// Unlike `email-validator`, `[` and `]` are allowed in the local part: GitHub's bot addresses
/// (`123+name[bot]@users.noreply.github.com`) are real authors.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let atom = |c: char| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-[]".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(atom));
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.chars().any(|c| !c.is_ascii_digit()));
    local_ok && labels.len() >= 2 && labels.iter().all(label_ok) && tld_ok
}

/// Glob with `*` as the only wildcard; everything else, `[` included, is literal.
fn glob_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let tail: Vec<&str> = parts.collect();
    let Some((last, middle)) = tail.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Severity::{Block, Warn};

    /// Expected `(rule, severity)` pairs, in order.
    type Rules<'a> = &'a [(&'a str, Severity)];

    /// A case of names in an encoding: its name, the author's and the signed name as bytes,
    /// the commit's encoding and the rules expected.
    type EncodedCase<'a> = (&'a str, &'a [u8], &'a [u8], Option<&'a str>, Rules<'a>);

    const ID: &str = "0123456789abcdef0123456789abcdef01234567";
    const SOB: &str = "Signed-off-by: Jane Doe <jane@example.com>";

    fn id(name: &str, email: &str) -> Identity {
        Identity {
            name: name.into(),
            email: email.into(),
        }
    }

    /// Runs one case with author Jane Doe, committer Bex Warner, one parent.
    fn run(message: &str, opts: &DcoOptions) -> Vec<Finding> {
        let (a, c) = (
            id("Jane Doe", "jane@example.com"),
            id("Bex Warner", "bex@example.org"),
        );
        run_as(message, &a, &c, 1, opts)
    }

    fn run_as(
        msg: &str,
        a: &Identity,
        c: &Identity,
        parents: usize,
        opts: &DcoOptions,
    ) -> Vec<Finding> {
        let commit = CommitInfo {
            id: ID,
            message: msg,
            author: a,
            committer: c,
            parents,
        };
        check(&commit, opts)
    }

    fn rules(findings: &[Finding]) -> Vec<(String, Severity)> {
        findings
            .iter()
            .map(|f| (f.rule.clone(), f.severity))
            .collect()
    }

    fn want(list: &[(&str, Severity)]) -> Vec<(String, Severity)> {
        list.iter().map(|(r, s)| (r.to_string(), *s)).collect()
    }

    /// The cases of `conformance/dco.md` §1.8 that use the default author and committer.
    #[test]
    fn conformance_cases_with_default_identities() {
        let strict = DcoOptions {
            require_author: true,
            ..DcoOptions::default()
        };
        let d = DcoOptions::default();
        #[rustfmt::skip]
        let cases: &[(&str, String, &DcoOptions, Rules)] = &[
            ("D01", format!("Fix bug\n\n{SOB}\n"), &d, &[]),
            ("D02", "Fix bug\n\nNo sign-off here.\n".into(), &d, &[("missing-signoff", Block)]),
            ("D03", "Fix\n\nsigned-off-by: Jane Doe <jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D04", "Fix\n\nSIGNED-OFF-BY: Jane Doe <jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D05", "Fix\n\nSigned-off-by: jane doe <JANE@EXAMPLE.COM>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D06", "Fix\n\nSigned-off-by: Bex Warner <bex@example.org>\n".into(), &d, &[("signoff-by-committer", Warn)]),
            ("D06 strict", "Fix\n\nSigned-off-by: Bex Warner <bex@example.org>\n".into(), &strict, &[("signoff-mismatch", Block)]),
            ("D07", "Fix\n\nSigned-off-by: Jane Doe <bex@example.org>\n".into(), &d, &[("signoff-mismatch", Block)]),
            ("D08", format!("Fix\n\nSigned-off-by: Bob Roe <bob@example.com>\n{SOB}\n"), &d, &[]),
            ("D09", "Fix\n\nSigned-off-by: A B <a@x.org>\nSigned-off-by: C D <c@y.org>\n".into(), &d, &[("signoff-mismatch", Block)]),
            ("D10", format!("Fix\n\n{SOB}\n\nMore explanation after the sign-off.\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D11", format!("{SOB}\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D11 space line first", format!(" \n{SOB}\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D11 cr line first", format!("\r\n{SOB}\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D11 blank lines first", format!("\t\n  \r\n{SOB}\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D49", format!("Fix bug\n{SOB}\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D12", "Fix\n\nSigned-off-by:   Jane Doe  <jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D13", "Fix\n\nSigned-off-by: Jane Doe < jane@example.com >\n".into(), &d, &[("malformed-signoff", Block)]),
            ("D14", "Fix\n\nSigned-off-by: Jane Doe<jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D15", "Fix\n\nSigned-off-by : Jane Doe <jane@example.com>\n".into(), &d, &[("malformed-signoff", Block)]),
            ("D16", format!("Fix\n\n  {SOB}\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D17", "Fix\n\nSigned-off-by: Jane Doe\n".into(), &d, &[("malformed-signoff", Block)]),
            ("D18", "Fix\n\nSigned-off-by: <jane@example.com>\n".into(), &d, &[("malformed-signoff", Block)]),
            ("D19", "Fix\n\nSigned-off-by: Jane Doe <jane+oss@example.com>\n".into(), &d, &[("signoff-mismatch", Block)]),
            ("D23", "Fix\n\nCo-authored-by: Bob Roe <bob@example.com>\n".into(), &d, &[("missing-signoff", Block)]),
            ("D24", format!("Fix\n\nCo-authored-by: Bob Roe <bob@example.com>\n{SOB}\n"), &d, &[]),
            ("D25", format!("Fix bug\n\nBody text\n---\n{SOB}\n"), &d, &[]),
            ("D26", format!("Fix\n\n{SOB}\nthis line is not a trailer\n"), &d, &[]),
            ("D27", format!("Fix\n\n{SOB}\none\ntwo\nthree\nfour\n"), &d, &[("signoff-not-in-trailers", Block)]),
            ("D28", "Fix\n\nSigned-off-by: Jane Doe\n <jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D29", format!("Fix\n\n{SOB}\n# Please enter the commit message\n#\n"), &d, &[]),
            ("D30", format!("Fix\n\n{SOB}\n# ------------------------ >8 ------------------------\nSigned-off-by: Evil <evil@example.com>\n"), &d, &[]),
            ("D31", format!("Fix bug\r\n\r\n{SOB}\r\n"), &d, &[]),
            ("D34", "Fix\n\nSigned-off-by: Jane Doe <jane@gmail.com>\n".into(), &d, &[("signoff-mismatch", Block)]),
            ("D36", String::new(), &d, &[("missing-signoff", Block)]),
            ("D40", format!("Fix\n\n{SOB}\n{SOB}\n"), &d, &[("duplicate-signoff", Warn)]),
            ("D41", format!("Fix\n\n{SOB} (maintainer)\n"), &d, &[("signoff-style", Warn)]),
            ("D43", format!("Fix\n\n{SOB}\nChange-Id: I0123456789abcdef0123456789abcdef01234567\n"), &d, &[]),
            ("D44", format!("Fix\n\nReviewed-by: Bob Roe <bob@example.com>\nFixes: #123\n{SOB}\n"), &d, &[]),
            ("D45", "Fix\n\nSigned-off-by:Jane Doe <jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D46", format!("Fix\n\n{SOB}"), &d, &[]),
            ("D47", "Fix\n\nSigned-Off-By: Jane Doe <jane@example.com>\n".into(), &d, &[("signoff-style", Warn)]),
            ("D48", format!("Fix\n\n{SOB}\n    continuation text\n"), &d, &[("malformed-signoff", Block)]),
            ("D51", "Fix\n\nSigned-off-by: A <a@x.org> <b@y.org>\n".into(), &d, &[("malformed-signoff", Block)]),
            ("D52", format!("Fix\n\nNote: prose with colon\n{SOB}\n"), &d, &[]),
        ];
        for (case, message, opts, expected) in cases {
            assert_eq!(
                rules(&run(message, opts)),
                want(expected),
                "{case}: {message:?}"
            );
        }
    }

    #[test]
    fn conformance_cases_with_other_identities() {
        let d = DcoOptions::default();
        let jane = id("Jane Doe", "jane@example.com");
        let ter = id("Commit Ter", "ct@example.org");
        let merge = DcoOptions {
            check_merges: true,
            ..DcoOptions::default()
        };
        let bot = id(
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com",
        );
        let bots = DcoOptions {
            bots: vec!["*[BOT]@users.noreply.github.com".into()],
            ..d.clone()
        };
        let comma = id("Doe, Jane", "jane@example.com");
        let bexo = id("Bex", "hiimbex@bexo");
        let strict = DcoOptions {
            require_author: true,
            ..DcoOptions::default()
        };
        let ct_sob = "Fix\n\nSigned-off-by: Commit Ter <ct@example.org>\n";
        #[rustfmt::skip]
        let cases: &[(&str, &str, &Identity, &Identity, usize, &DcoOptions, Rules)] = &[
            ("D20", "Merge branch 'x'\n", &jane, &ter, 2, &d, &[]),
            ("D20 checked", "Merge branch 'x'\n", &jane, &ter, 2, &merge, &[("missing-signoff", Block)]),
            ("D21", "Bump x\n", &bot, &bot, 1, &bots, &[]),
            ("D21 no list", "Bump x\n", &bot, &bot, 1, &d, &[("missing-signoff", Block)]),
            ("D33", "Fix\n\nSigned-off-by: Doe, Jane <jane@example.com>\n", &comma, &comma, 1, &d, &[]),
            ("D35", "Fix\n\nSigned-off-by: Bex <hiimbex@bexo>\n", &bexo, &bexo, 1, &d, &[("invalid-author-email", Block)]),
            ("D50", ct_sob, &jane, &ter, 1, &d, &[("signoff-by-committer", Warn)]),
            ("D50 strict", ct_sob, &jane, &ter, 1, &strict, &[("signoff-mismatch", Block)]),
            ("self-signed", ct_sob, &ter, &ter, 1, &strict, &[]),
        ];
        for (case, message, a, c, parents, opts, expected) in cases {
            let got = run_as(message, a, c, *parents, opts);
            assert_eq!(rules(&got), want(expected), "{case}");
        }
    }

    /// Names are read in the commit's own encoding and compared as text; bytes that do not
    /// decode match only the same bytes.
    #[test]
    fn names_compare_as_decoded_text_and_undecodable_names_by_bytes() {
        use crate::encoding::decode;
        let d = DcoOptions::default();
        let ter = id("Commit Ter", "ct@example.org");
        #[rustfmt::skip]
        let cases: &[EncodedCase] = &[
            ("latin1 same name", b"Ren\xe9", b"Ren\xe9", Some("ISO-8859-1"), &[]),
            ("latin1 other letter", b"Ren\xe9", b"Ren\xe8", Some("ISO-8859-1"), &[("signoff-mismatch", Block)]),
            ("latin1 case", b"Ren\xe9", b"REN\xc9", Some("ISO-8859-1"), &[("signoff-style", Warn)]),
            ("undecodable same bytes", b"Ren\xe9", b"Ren\xe9", None, &[]),
            ("undecodable other bytes", b"Ren\xe9", b"Ren\xe8", None, &[("signoff-mismatch", Block)]),
            ("undecodable no loose match", b"Ren\xe9", b"REN\xe9", None, &[("signoff-mismatch", Block)]),
            ("undecodable never the text", b"Ren\xe9", "René".as_bytes(), None, &[("signoff-mismatch", Block)]),
        ];
        for (case, author, signed, label, expected) in cases {
            let mut message = b"Fix\n\nSigned-off-by: ".to_vec();
            message.extend_from_slice(signed);
            message.extend_from_slice(b" <rene@example.com>\n");
            let message = decode(&message, *label);
            let author = Identity {
                name: decode(author, *label),
                email: "rene@example.com".into(),
            };
            let got = run_as(&message, &author, &ter, 1, &d);
            assert_eq!(rules(&got), want(expected), "{case}");
        }
        let author = id(&decode(b"Ren\xe9", None), "rene@example.com");
        let f = run_as("Fix\n", &author, &author, 1, &d);
        assert!(
            f[0].message.contains("\"Ren\\xE9 <rene@example.com>\""),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn findings_name_commit_line_and_remedy() {
        let f = run(
            "Fix\n\nSigned-off-by: Jane Doe <jane@gmail.com>\n",
            &DcoOptions::default(),
        );
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].check, f[0].path.as_deref()), (Check::Dco, None));
        assert_eq!((f[0].commit.as_deref(), f[0].line), (Some(ID), Some(3)));
        assert_eq!(
            f[0].message,
            "commit 0123456: expected \"Jane Doe <jane@example.com>\" (author) or \"Bex Warner \
             <bex@example.org>\" (committer), but got \"Jane Doe <jane@gmail.com>\" (the email is \
             not the author's; sign with the address git records)"
        );
        assert!(
            f[0].help.contains("git commit --amend -s")
                && f[0].help.contains("git rebase --signoff <base>")
        );
        let missing = run("Fix\n", &DcoOptions::default());
        assert_eq!(missing[0].line, None);
        assert!(missing[0].message.contains("the sign-off is missing"));
    }

    #[test]
    fn mismatch_explains_mixed_identities_and_plus_addresses() {
        let d = DcoOptions::default();
        let mixed = run("Fix\n\nSigned-off-by: Jane Doe <bex@example.org>\n", &d);
        assert!(
            mixed[0]
                .message
                .ends_with("(name and email come from different identities)")
        );
        let plus = run(
            "Fix\n\nSigned-off-by: Jane Doe <jane+oss@example.com>\n",
            &d,
        );
        assert!(plus[0].message.contains("plus-addresses are not folded"));
        let several = run(
            "Fix\n\nSigned-off-by: A B <a@x.org>\nSigned-off-by: C D <c@y.org>\n",
            &d,
        );
        assert!(
            several[0]
                .message
                .contains("in [\"A B <a@x.org>\", \"C D <c@y.org>\"]")
        );
    }

    #[test]
    fn committer_signoff_warning_points_at_its_line() {
        let f = run(
            "Fix\n\nSigned-off-by: Bex Warner <bex@example.org>\n",
            &DcoOptions::default(),
        );
        assert_eq!((f[0].severity, f[0].line), (Severity::Warn, Some(3)));
        assert!(
            f[0].message
                .contains("not by the author \"Jane Doe <jane@example.com>\"")
        );
    }

    #[test]
    fn at_commit_msg_the_remedy_is_to_commit_again_not_to_amend() {
        let (a, c) = (
            id("Jane Doe", "jane@example.com"),
            id("Jane Doe", "jane@example.com"),
        );
        let being_made = CommitInfo {
            id: "",
            message: "Fix\n",
            author: &a,
            committer: &c,
            parents: 1,
        };
        let f = check(&being_made, &DcoOptions::default());
        assert!(f[0].help.starts_with("commit again with `git commit -s`"));
        let misplaced = CommitInfo {
            message: "Fix\n\nSigned-off-by: Jane Doe <jane@example.com>\n\nmore\n",
            ..being_made
        };
        let f = check(&misplaced, &DcoOptions::default());
        assert!(f[0].help.contains("commit again"), "{}", f[0].help);
        assert!(!f[0].help.contains("--amend"), "{}", f[0].help);
    }

    #[test]
    fn author_only_policy_suggests_the_author_trailer() {
        let strict = DcoOptions {
            require_author: true,
            ..DcoOptions::default()
        };
        let f = run("Fix\n", &strict);
        assert!(
            f[0].help
                .contains("--trailer \"Signed-off-by: Jane Doe <jane@example.com>\"")
        );
    }

    #[test]
    fn emails_are_validated_like_the_dco_app() {
        for ok in [
            "jane@example.com",
            "a.b+c@sub.example.co",
            "x@xn--bcher-kva.example",
        ] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "hiimbex@bexo",
            "jane@laptop.(none)",
            "@example.com",
            "a..b@x.org",
            "a@-x.org",
            "a@x.123",
            "a b@x.org",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn bot_globs_match_star_only() {
        assert!(glob_match(
            "*[bot]@users.noreply.github.com",
            "1+renovate[bot]@users.noreply.github.com"
        ));
        assert!(glob_match("ci-*@example.com", "ci-42@example.com"));
        assert!(glob_match("a*b*c", "abbc") && !glob_match("ab*bc", "abc"));
        assert!(!glob_match(
            "*[bot]@users.noreply.github.com",
            "b@users.noreply.github.com"
        ));
        assert!(!glob_match("exact@x.org", "exact@x.org.evil"));
    }

    #[test]
    fn odd_messages_never_panic() {
        let long = format!(
            "T\n\nSigned-off-by: {}<{}@x.org>\n",
            "é".repeat(50_000),
            "a".repeat(50_000)
        );
        for m in [
            "",
            "\r",
            "\n\n",
            "Signed-off-by:",
            "T\n\nSigned-off-by: <>",
            "T\n\nSigned-off-by: a <@>",
            "T\n\nsigned-off-by:\u{3000}名 <a@b.c>\n",
            &long,
        ] {
            let _ = run(
                m,
                &DcoOptions {
                    require_author: true,
                    ..DcoOptions::default()
                },
            );
            assert!(
                !run(m, &DcoOptions::default()).is_empty(),
                "{m:?} is not a valid sign-off"
            );
        }
    }
}
