//! The approval statement: a small line-based text that an approver signs as a whole. It names
//! the destination, the exact outbound commits (base, tip and every id), their line count, an
//! expiry, a reason and the approver. There is exactly one way to write a statement: `parse`
//! accepts only the text that `render` would produce, so a signature covers one meaning only.
//!
//! ```text
//! git-outbound approval v1
//! destination github.com/upstream/project
//! base 5f1c…            (or `base none` when the remote had no such ref)
//! tip 9a2e…
//! commits 2
//! commit 1b3d…
//! commit 9a2e…
//! lines 412
//! expires 2025-12-31
//! reason OSPO-123
//! approver ospo@acme-corp.com
//! ```

/// The first line of every statement; a new format gets a new version.
pub const HEADER: &str = "git-outbound approval v1";

/// What an approver approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Normalised remote, e.g. `github.com/upstream/project`.
    pub destination: String,
    /// The remote's id before the push, `None` when it had none.
    pub base: Option<String>,
    /// The commit being pushed.
    pub tip: String,
    /// Every outbound commit id, sorted (the canonical order).
    pub commits: Vec<String>,
    /// Added plus deleted lines over all the commits.
    pub lines: u64,
    /// Last day the approval counts, `YYYY-MM-DD`.
    pub expires: String,
    /// Why, usually a ticket id.
    pub reason: String,
    /// The approver's identity, matched against the allowed-signers principals.
    pub approver: String,
}

impl Statement {
    /// The canonical text, ending in a newline. Fails on a value that would break the format
    /// (a line break, an empty field, a malformed id or date).
    pub fn render(&self) -> Result<String, String> {
        self.validate()?;
        let mut out = format!("{HEADER}\ndestination {}\n", self.destination);
        out.push_str(&format!(
            "base {}\n",
            self.base.as_deref().unwrap_or("none")
        ));
        out.push_str(&format!(
            "tip {}\ncommits {}\n",
            self.tip,
            self.commits.len()
        ));
        for id in &self.commits {
            out.push_str(&format!("commit {id}\n"));
        }
        out.push_str(&format!("lines {}\nexpires {}\n", self.lines, self.expires));
        out.push_str(&format!(
            "reason {}\napprover {}\n",
            self.reason, self.approver
        ));
        Ok(out)
    }

    /// Reads a statement; anything but the canonical text is refused with the reason.
    pub fn parse(text: &str) -> Result<Statement, String> {
        let mut lines = text.lines();
        if lines.next() != Some(HEADER) {
            return Err(format!("statement does not start with '{HEADER}'"));
        }
        let mut field = |key: &str| -> Result<String, String> {
            let line = lines
                .next()
                .ok_or(format!("statement ends before '{key}'"))?;
            line.strip_prefix(key)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::to_string)
                .ok_or(format!("expected '{key}' in statement, found '{line}'"))
        };
        let destination = field("destination")?;
        let base = Some(field("base")?).filter(|b| b != "none");
        let tip = field("tip")?;
        let count: usize = field("commits")?
            .parse()
            .map_err(|_| "bad 'commits' count")?;
        let mut commits = Vec::new();
        for _ in 0..count.min(1_000_000) {
            commits.push(field("commit")?);
        }
        let lines_count = field("lines")?.parse().map_err(|_| "bad 'lines' count")?;
        let statement = Statement {
            destination,
            base,
            tip,
            commits,
            lines: lines_count,
            expires: field("expires")?,
            reason: field("reason")?,
            approver: field("approver")?,
        };
        if statement.render()? != text {
            return Err("statement is not in canonical form".to_string());
        }
        Ok(statement)
    }

    /// Whether line `line` (1-based) of `text` is the `approver` line of a statement that
    /// parses: the identity an approval names on purpose, so that the approval can travel.
    pub fn names_approver(text: &str, line: usize) -> bool {
        let lines: Vec<&str> = text.lines().collect();
        let Some(at) = line.checked_sub(1).filter(|&i| i < lines.len()) else {
            return false;
        };
        if !lines[at].starts_with("approver ") {
            return false;
        }
        let Some(start) = lines[..at].iter().rposition(|l| *l == HEADER) else {
            return false;
        };
        let block = format!("{}\n", lines[start..=at].join("\n"));
        Statement::parse(&block).is_ok()
    }

    fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("destination", &self.destination),
            ("reason", &self.reason),
            ("approver", &self.approver),
        ] {
            if value.trim().is_empty() || value.contains(['\n', '\r']) || value.trim() != value {
                return Err(format!(
                    "'{key}' must be one non-empty line without outer spaces"
                ));
            }
        }
        let ids = self.base.iter().chain([&self.tip]).chain(&self.commits);
        if let Some(bad) = ids.into_iter().find(|id| !is_object_id(id)) {
            return Err(format!("'{bad}' is not a full commit id"));
        }
        if !self.commits.windows(2).all(|w| w[0] < w[1]) {
            return Err("commit ids must be sorted and unique".to_string());
        }
        if !is_date(&self.expires) {
            return Err(format!(
                "expiry '{}' is not a YYYY-MM-DD date",
                self.expires
            ));
        }
        Ok(())
    }
}

/// A full SHA-1 or SHA-256 object id in lower-case hex.
pub fn is_object_id(id: &str) -> bool {
    matches!(id.len(), 40 | 64) && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A valid `YYYY-MM-DD` calendar date (leap years included); such dates compare as strings.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num =
        |r: std::ops::Range<usize>| s.get(r).filter(|d| d.bytes().all(|c| c.is_ascii_digit()));
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let (y, m, d): (u32, u32, u32) = match (y.parse(), m.parse(), d.parse()) {
        (Ok(y), Ok(m), Ok(d)) => (y, m, d),
        _ => return false,
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(c: char) -> String {
        std::iter::repeat_n(c, 40).collect()
    }

    fn sample() -> Statement {
        Statement {
            destination: "github.com/upstream/project".into(),
            base: Some(id('0')),
            tip: id('b'),
            commits: vec![id('a'), id('b')],
            lines: 412,
            expires: "2025-12-31".into(),
            reason: "OSPO-123".into(),
            approver: "ospo@acme-corp.com".into(),
        }
    }

    #[test]
    fn render_then_parse_round_trips() {
        let text = sample().render().unwrap();
        assert!(
            text.starts_with("git-outbound approval v1\ndestination github.com/upstream/project\n")
        );
        assert!(text.ends_with(
            "lines 412\nexpires 2025-12-31\nreason OSPO-123\napprover ospo@acme-corp.com\n"
        ));
        assert_eq!(Statement::parse(&text).unwrap(), sample());
    }

    #[test]
    fn missing_base_is_written_as_none() {
        let s = Statement {
            base: None,
            ..sample()
        };
        let text = s.render().unwrap();
        assert!(text.contains("\nbase none\n"));
        assert_eq!(Statement::parse(&text).unwrap().base, None);
    }

    #[test]
    fn non_canonical_text_is_refused() {
        let text = sample().render().unwrap();
        let cases = [
            text.replace("lines 412", "lines 0412"),
            text.replace("reason OSPO-123", "reason  OSPO-123"),
            text.replace('\n', "\r\n"),
            format!("{text}extra\n"),
            text.replace("commits 2", "commits 3"),
            text.replace("git-outbound approval v1", "git-outbound approval v2"),
            text.trim_end().to_string(),
            String::new(),
        ];
        for case in cases {
            assert!(Statement::parse(&case).is_err(), "accepted: {case:?}");
        }
    }

    #[test]
    fn values_that_break_the_format_are_refused() {
        let bad = [
            Statement {
                reason: "a\nlines 1".into(),
                ..sample()
            },
            Statement {
                approver: String::new(),
                ..sample()
            },
            Statement {
                tip: "HEAD".into(),
                ..sample()
            },
            Statement {
                commits: vec![id('b'), id('a')],
                ..sample()
            },
            Statement {
                expires: "2025-02-30".into(),
                ..sample()
            },
        ];
        for s in bad {
            assert!(s.render().is_err(), "rendered: {s:?}");
        }
    }

    #[test]
    fn dates_are_checked_against_the_calendar() {
        let cases = [
            ("2024-02-29", true),
            ("2023-02-29", false),
            ("2025-12-31", true),
            ("2025-13-01", false),
            ("2025-1-01", false),
            ("20251231", false),
            ("2025-12-00", false),
            ("２０２５-12-01", false),
        ];
        for (date, ok) in cases {
            assert_eq!(is_date(date), ok, "{date}");
        }
    }
}
