//! The OpenSSH allowed-signers file (`ssh-keygen(1)`, section ALLOWED SIGNERS): who may sign
//! approvals. A line is `principals [options] keytype base64 [comment]`; principals and
//! `namespaces=` are comma-separated patterns (`*`, `?`, `!` negation, as OpenSSH `match.c`);
//! `valid-after=`/`valid-before=` bound the key's lifetime. `cert-authority` entries are
//! reported as unsupported and skipped, like lines that do not parse.

use ssh_key::public::KeyData;

/// A parsed allowed-signers file.
#[derive(Debug, Default)]
pub struct AllowedSigners {
    entries: Vec<Entry>,
    /// Lines that were skipped, with their 1-based number and the reason.
    pub problems: Vec<(usize, String)>,
}

#[derive(Debug)]
struct Entry {
    line: usize,
    principals: String,
    namespaces: Option<String>,
    /// Normalised `YYYYMMDDHHMMSS`.
    valid_after: Option<String>,
    valid_before: Option<String>,
    key: KeyData,
}

/// Reads the file's text; never fails, bad lines land in `problems`.
pub fn parse(text: &str) -> AllowedSigners {
    let mut out = AllowedSigners::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(i + 1, line) {
            Ok(entry) => out.entries.push(entry),
            Err(problem) => out.problems.push((i + 1, problem)),
        }
    }
    out
}

impl AllowedSigners {
    /// Whether `key` may sign for `principal` in `namespace` at `now` (`YYYYMMDDHHMMSS`, UTC):
    /// to the second, as `ssh-keygen -Y verify` compares. Ok holds the line of the entry that
    /// allows it; Err the reason of the closest refusal.
    pub fn authorize(
        &self,
        key: &KeyData,
        principal: &str,
        namespace: &str,
        now: &str,
    ) -> Result<usize, String> {
        let mut refusal =
            "the signing key is not in the allowed signers file (foreign key)".to_string();
        for entry in self.entries.iter().filter(|e| &e.key == key) {
            let line = entry.line;
            if !match_list(principal, &entry.principals) {
                refusal = format!(
                    "allowed signers line {line} does not allow this key for '{principal}'"
                );
            } else if !entry
                .namespaces
                .as_deref()
                .is_none_or(|ns| match_list(namespace, ns))
            {
                refusal = format!(
                    "allowed signers line {line} does not allow this key for namespace '{namespace}'"
                );
            } else if entry.valid_after.as_ref().is_some_and(|t| now < t.as_str()) {
                refusal =
                    format!("the approver's key is not valid yet (allowed signers line {line})");
            } else if entry
                .valid_before
                .as_ref()
                .is_some_and(|t| now > t.as_str())
            {
                refusal = format!("the approver's key has expired (allowed signers line {line})");
            } else {
                return Ok(line);
            }
        }
        Err(refusal)
    }
}

fn parse_line(number: usize, line: &str) -> Result<Entry, String> {
    let (principals, rest) = next_token(line)?;
    let (first, after_first) = next_token(rest)?;
    let (options, key_text) = if is_key_type(&first) {
        (String::new(), rest)
    } else {
        (first, after_first)
    };
    let mut entry = Entry {
        line: number,
        principals: principals.replace('"', ""),
        namespaces: None,
        valid_after: None,
        valid_before: None,
        key: parse_key(key_text)?,
    };
    for option in split_options(&options)? {
        apply_option(&mut entry, &option)?;
    }
    Ok(entry)
}

/// The next whitespace-separated token, honouring double quotes (which are kept).
fn next_token(text: &str) -> Result<(String, &str), String> {
    let text = text.trim_start();
    let mut token = String::new();
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            c if c.is_whitespace() && !quoted => return Ok((token, &text[i..])),
            c => {
                quoted ^= c == '"';
                token.push(c);
            }
        }
    }
    if quoted {
        return Err("unterminated quote".to_string());
    }
    Ok((token, ""))
}

fn is_key_type(token: &str) -> bool {
    token.starts_with("ssh-") || token.starts_with("ecdsa-sha2-") || token.starts_with("sk-")
}

fn parse_key(text: &str) -> Result<KeyData, String> {
    let mut parts = text.split_whitespace();
    let (Some(kind), Some(body)) = (parts.next(), parts.next()) else {
        return Err("missing public key".to_string());
    };
    let key = ssh_key::PublicKey::from_openssh(&format!("{kind} {body}"))
        .map_err(|e| format!("invalid public key: {e}"))?;
    Ok(key.key_data().clone())
}

/// Splits `a,b="x,y",c` at commas outside quotes; values keep their quotes.
fn split_options(options: &str) -> Result<Vec<String>, String> {
    let (mut out, mut current, mut quoted) = (Vec::new(), String::new(), false);
    for c in options.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    if quoted {
        return Err("unterminated quote in options".to_string());
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

fn apply_option(entry: &mut Entry, option: &str) -> Result<(), String> {
    let (name, value) = option.split_once('=').unwrap_or((option, ""));
    let value = || {
        value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .map(str::to_string)
            .ok_or(format!("option '{name}' needs a quoted value"))
    };
    match name.to_ascii_lowercase().as_str() {
        "cert-authority" => {
            return Err("cert-authority entries are not supported; list the approver keys".into());
        }
        "namespaces" => entry.namespaces = Some(value()?),
        "valid-after" => entry.valid_after = Some(parse_time(&value()?)?),
        "valid-before" => entry.valid_before = Some(parse_time(&value()?)?),
        _ => return Err(format!("unknown option '{name}'")),
    }
    Ok(())
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally ending in `Z`, normalised to
/// fourteen digits. Times are taken as UTC (the server's clock; `ssh-keygen` reads a time
/// without `Z` in the local zone, which is UTC on most servers).
fn parse_time(value: &str) -> Result<String, String> {
    let digits = value.strip_suffix(['Z', 'z']).unwrap_or(value);
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid time '{value}'"));
    }
    match digits.len() {
        8 => Ok(format!("{digits}000000")),
        12 => Ok(format!("{digits}00")),
        14 => Ok(digits.to_string()),
        _ => Err(format!("invalid time '{value}'")),
    }
}

/// OpenSSH `match_pattern_list`: true when some pattern matches and no negated one does.
fn match_list(text: &str, patterns: &str) -> bool {
    let mut positive = false;
    for pattern in patterns.split(',') {
        match pattern.strip_prefix('!') {
            Some(negated) if wildcard(text.as_bytes(), negated.as_bytes()) => return false,
            Some(_) => {}
            None => positive |= wildcard(text.as_bytes(), pattern.as_bytes()),
        }
    }
    positive
}

/// `*` matches any run, `?` any one byte; iterative with one backtrack point.
fn wildcard(text: &[u8], pattern: &[u8]) -> bool {
    let (mut t, mut p, mut star, mut mark) = (0, 0, None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            (t, p) = (t + 1, p + 1);
        } else if p < pattern.len() && pattern[p] == b'*' {
            (star, mark, p) = (Some(p), t, p + 1);
        } else if let Some(s) = star {
            (p, mark) = (s + 1, mark + 1);
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::testutil;

    #[test]
    fn patterns_follow_openssh_match_rules() {
        let cases = [
            ("ospo@acme.com", "ospo@acme.com", true),
            ("ospo@acme.com", "*@acme.com", true),
            ("ospo@acme.com", "*@other.com,ospo@*", true),
            ("ospo@acme.com", "*@acme.com,!ospo@*", false),
            ("ospo@acme.com", "osp?@acme.com", true),
            ("ospo@acme.com", "osp?@acme", false),
            ("git-outbound-approval", "git-outbound-*", true),
            ("", "*", true),
            ("a", "", false),
        ];
        for (text, patterns, expected) in cases {
            assert_eq!(match_list(text, patterns), expected, "{text} vs {patterns}");
        }
    }

    #[test]
    fn entries_allow_by_principal_namespace_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let key = testutil::keygen(dir.path(), "ed25519", "k");
        let public = testutil::public_line(&key);
        let data = ssh_key::PublicKey::from_openssh(&public)
            .unwrap()
            .key_data()
            .clone();
        let text = format!(
            "# approvers\n\nospo@acme.com namespaces=\"ns\",valid-after=\"20240101\",Valid-Before=\"20251231Z\" {public} laptop\n"
        );
        let signers = parse(&text);
        assert!(signers.problems.is_empty(), "{:?}", signers.problems);
        let cases = [
            ("ospo@acme.com", "ns", "20250601000000", Ok(3)),
            (
                "eve@acme.com",
                "ns",
                "20250601000000",
                Err("for 'eve@acme.com'"),
            ),
            (
                "ospo@acme.com",
                "git",
                "20250601000000",
                Err("namespace 'git'"),
            ),
            (
                "ospo@acme.com",
                "ns",
                "20231231235959",
                Err("not valid yet"),
            ),
            ("ospo@acme.com", "ns", "20251231000001", Err("has expired")),
            ("ospo@acme.com", "ns", "20251231000000", Ok(3)),
        ];
        for (who, ns, day, expected) in cases {
            match (signers.authorize(&data, who, ns, day), expected) {
                (Ok(line), Ok(want)) => assert_eq!(line, want),
                (Err(e), Err(want)) => assert!(e.contains(want), "{e}"),
                (got, want) => panic!("{who} {ns} {day}: got {got:?}, want {want:?}"),
            }
        }
        let other = testutil::keygen(dir.path(), "ed25519", "other");
        let other = ssh_key::PublicKey::from_openssh(&testutil::public_line(&other)).unwrap();
        let err = signers
            .authorize(other.key_data(), "ospo@acme.com", "ns", "20250601000000")
            .unwrap_err();
        assert!(err.contains("foreign key"), "{err}");
    }

    #[test]
    fn bad_and_unsupported_lines_are_reported_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let public = testutil::public_line(&testutil::keygen(dir.path(), "ed25519", "k"));
        let text = [
            format!("ca@acme.com cert-authority {public}"),
            format!("a@acme.com namespaces=ns {public}"),
            format!("a@acme.com colour=\"red\" {public}"),
            format!("a@acme.com valid-before=\"2025\" {public}"),
            "a@acme.com ssh-ed25519 notbase64".to_string(),
            "lonely".to_string(),
            format!("\"unterminated {public}"),
            format!("\"a@acme.com,b@acme.com\" {public}"),
        ]
        .join("\n");
        let signers = parse(&text);
        let lines: Vec<usize> = signers.problems.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 6, 7]);
        assert!(signers.problems[0].1.contains("cert-authority"));
        assert_eq!(signers.entries.len(), 1);
        assert_eq!(signers.entries[0].principals, "a@acme.com,b@acme.com");
    }
}
