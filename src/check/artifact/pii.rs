//! Personal data in datasets: e-mail addresses, phone numbers, payment cards, IBANs and US
//! social security numbers, found with linear-time patterns and confirmed with the validators
//! in `identifiers.rs`. The scanner is fed chunks of any size and splits them into lines itself,
//! so a large CSV or JSONL file is streamed, never loaded whole. It keeps counts per kind, the
//! first position and a few redacted samples; `mod.rs` turns them into findings.

use super::identifiers;
use regex::Regex;
use std::sync::LazyLock;

/// A line longer than this is scanned in pieces (a one-line JSON file, say).
const MAX_LINE: usize = 1 << 20;
/// Kept from a cut piece so that a value spanning the cut is still seen whole.
const OVERLAP: usize = 64;
const SAMPLES: usize = 3;

/// The kinds of personal data recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Email,
    Iban,
    Card,
    Phone,
    Ssn,
}

impl Kind {
    /// How a count of this kind reads in a message.
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Email => "e-mail address(es)",
            Kind::Iban => "IBAN(s)",
            Kind::Card => "payment card number(s)",
            Kind::Phone => "phone number(s)",
            Kind::Ssn => "US social security number(s)",
        }
    }

    /// A stable id, used as the finding's value so that its fingerprint survives edits.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Email => "email-address",
            Kind::Iban => "iban",
            Kind::Card => "payment-card",
            Kind::Phone => "phone-number",
            Kind::Ssn => "us-ssn",
        }
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    let re = r"(?i)\b[a-z0-9._%+-]+@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b";
    Regex::new(re).expect("the e-mail pattern is a valid regex")
});
static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]){11,30}\b").expect("the IBAN pattern is valid")
});
static CARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[0-9](?:[ -]?[0-9]){11,18}\b").expect("the card pattern is valid")
});
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    let intl = r"\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}\b";
    let nanp = r"(?:\([2-9][0-9]{2}\) ?|\b[2-9][0-9]{2}[-.])[2-9][0-9]{2}[-.][0-9]{4}\b";
    Regex::new(&format!("{intl}|{nanp}")).expect("the phone pattern is valid")
});
static SSN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b([0-9]{3})([- ])([0-9]{2})([- ])([0-9]{4})\b").expect("the SSN pattern is valid")
});

/// What was found of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub kind: Kind,
    pub count: usize,
    /// 1-based line and column of the first hit.
    pub first: (usize, usize),
    /// A few redacted examples.
    pub samples: Vec<String>,
}

/// A streaming scanner over text.
#[derive(Debug, Default)]
pub struct Scanner {
    carry: Vec<u8>,
    line: usize,
    tallies: Vec<Tally>,
}

impl Scanner {
    /// A scanner at the start of a file.
    pub fn new() -> Scanner {
        Scanner::default()
    }

    /// Feeds the next chunk of the file.
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.carry.extend_from_slice(&rest[..nl]);
            self.flush_line();
            rest = &rest[nl + 1..];
        }
        self.carry.extend_from_slice(rest);
        while self.carry.len() > MAX_LINE {
            // Cut at a space or comma so that no value is split, keeping a short overlap.
            let cut = self.carry.len() - OVERLAP;
            let at = self.carry[..cut]
                .iter()
                .rposition(|b| matches!(b, b' ' | b',' | b'\t'));
            let at = at.map_or(cut, |i| i + 1);
            let piece: Vec<u8> = self.carry.drain(..at).collect();
            self.scan(&String::from_utf8_lossy(&piece));
        }
    }

    /// Ends the input and returns what was found, ordered by kind.
    pub fn finish(mut self) -> Vec<Tally> {
        if !self.carry.is_empty() {
            self.flush_line();
        }
        self.tallies.sort_by_key(|t| t.kind);
        self.tallies
    }

    fn flush_line(&mut self) {
        let line = std::mem::take(&mut self.carry);
        self.scan(&String::from_utf8_lossy(&line));
        self.line += 1;
    }

    fn scan(&mut self, text: &str) {
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for (kind, start, end, sample) in hits(text) {
            if taken.iter().any(|&(s, e)| start < e && s < end) {
                continue;
            }
            taken.push((start, end));
            let column = text[..start].chars().count() + 1;
            self.add(kind, (self.line + 1, column), sample);
        }
    }

    fn add(&mut self, kind: Kind, at: (usize, usize), sample: String) {
        let pos = self.tallies.iter().position(|t| t.kind == kind);
        let pos = pos.unwrap_or_else(|| {
            self.tallies.push(Tally {
                kind,
                count: 0,
                first: at,
                samples: Vec::new(),
            });
            self.tallies.len() - 1
        });
        let tally = &mut self.tallies[pos];
        tally.count += 1;
        if tally.samples.len() < SAMPLES && !tally.samples.contains(&sample) {
            tally.samples.push(sample);
        }
    }
}

/// Every validated hit in `text`, in the order the kinds are tried: kind, byte range and a
/// redacted sample. Earlier kinds win where matches overlap.
fn hits(text: &str) -> Vec<(Kind, usize, usize, String)> {
    let mut out = Vec::new();
    for m in EMAIL
        .find_iter(text)
        .filter(|m| !identifiers::placeholder_email(m.as_str()))
    {
        let (local, domain) = m.as_str().rsplit_once('@').unwrap_or(("", m.as_str()));
        let tld = domain.rsplit('.').next().unwrap_or("");
        out.push((
            Kind::Email,
            m.start(),
            m.end(),
            format!("{}***@***.{tld}", prefix(local, 1)),
        ));
    }
    let mut at = 0;
    while let Some(m) = IBAN.find_at(text, at) {
        let compact: String = m
            .as_str()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        at = m.end();
        if let Some(iban) = identifiers::iban(&compact) {
            // The pattern may run on into the next word; the IBAN ends after its own length.
            let mut seen = 0;
            let len = m.as_str().find(|c: char| {
                seen += usize::from(c.is_ascii_alphanumeric());
                seen > iban.len()
            });
            at = m.start() + len.unwrap_or(m.as_str().len());
            out.push((Kind::Iban, m.start(), at, mask(iban, 2, 2)));
        }
    }
    for m in CARD.find_iter(text) {
        if let Some(digits) = card_digits(m.as_str()) {
            out.push((Kind::Card, m.start(), m.end(), mask(&digits, 0, 4)));
        }
    }
    for m in PHONE.find_iter(text) {
        let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        let ok = if m.as_str().starts_with('+') {
            (8..=15).contains(&digits.len())
        } else {
            identifiers::nanp(&digits)
        };
        if ok {
            out.push((Kind::Phone, m.start(), m.end(), mask(&digits, 2, 2)));
        }
    }
    for c in SSN.captures_iter(text) {
        let (all, area, group, serial) = (&c[0], &c[1], &c[3], &c[5]);
        if c[2] == c[4] && identifiers::ssn(area, group, serial) {
            let start = c.get(0).map_or(0, |m| m.start());
            out.push((
                Kind::Ssn,
                start,
                start + all.len(),
                format!("***-**-**{}", &serial[2..]),
            ));
        }
    }
    out
}

/// The digits of a card candidate whose grouping looks like a card (one kind of separator,
/// groups of three or more digits), when its network and Luhn checksum hold.
fn card_digits(text: &str) -> Option<String> {
    let separators: Vec<char> = text.chars().filter(|c| !c.is_ascii_digit()).collect();
    if separators.windows(2).any(|w| w[0] != w[1]) {
        return None;
    }
    if text.split([' ', '-']).any(|group| group.len() < 3) {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (identifiers::card_network(&digits).is_some() && identifiers::luhn(&digits)).then_some(digits)
}

fn prefix(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

/// Keeps `start` leading and `end` trailing characters and hides the rest.
fn mask(text: &str, start: usize, end: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= start + end {
        return "*".repeat(chars.len());
    }
    let hidden = "*".repeat(chars.len() - start - end);
    let tail: String = chars[chars.len() - end..].iter().collect();
    format!("{}{hidden}{tail}", prefix(text, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        let mut scanner = Scanner::new();
        scanner.feed(text.as_bytes());
        scanner
            .finish()
            .iter()
            .flat_map(|t| std::iter::repeat_n(t.kind, t.count))
            .collect()
    }

    #[test]
    fn conformance_cases_are_found_or_rejected() {
        use Kind::*;
        let cases: [(&str, &[Kind]); 21] = [
            ("I01 4111 1111 1111 1111", &[Card]),
            ("I02 4111-1111-1111-1112", &[]),
            (
                "I03 5500 0000 0000 0004, 3782 822463 10005, 6011000990139424",
                &[Card, Card, Card],
            ),
            ("I04 2223000048400011", &[Card]),
            ("I05 1234567812345670", &[]),
            (
                "I06 DE89 3704 0044 0532 0130 00; GB82 WEST 1234 5698 7654 32",
                &[Iban, Iban],
            ),
            (
                "I06 NL91ABNA0417164300 FR14 2004 1010 0505 0001 3M02 606",
                &[Iban, Iban],
            ),
            ("I07 DE88 3704 0044 0532 0130 00", &[]),
            ("I08 536-90-4399, 536 90 4399", &[Ssn, Ssn]),
            ("I09 078-05-1120 666-12-3456 123-45-6789 111-11-1111", &[]),
            ("I09 536-00-4399 536-90-0000 536.90-4399 536-90 4399", &[]),
            ("I10 900-12-3456", &[]),
            ("I13 jane@example.com", &[]),
            (
                "mail jane.doe@gmail.com or j.smith@acme-corp.co.uk",
                &[Email, Email],
            ),
            ("robot: build@users.noreply.github.com", &[]),
            ("call +44 20 7946 0958 or (415) 555-2671", &[Phone, Phone]),
            ("fictional 415-555-0123", &[]),
            ("version 1.2.3, date 2024-01-15, id 12345", &[]),
            ("timestamps 1699999999999 1700000000000", &[]),
            ("ids 4111 11 1111 1111 1111", &[]),
            ("ip 10.0.0.1", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(kinds(text), expected, "{text}");
        }
    }

    #[test]
    fn samples_are_redacted_and_positions_are_one_based() {
        let mut scanner = Scanner::new();
        scanner.feed(b"name,card\nJane,4111 1111 1111 1111\nJoe,4111111111111111\n");
        let tallies = scanner.finish();
        assert_eq!(tallies.len(), 1);
        assert_eq!(tallies[0].count, 2);
        assert_eq!(tallies[0].first, (2, 6));
        assert_eq!(tallies[0].samples, ["************1111"]);
    }

    #[test]
    fn values_split_across_chunks_and_long_lines_are_found() {
        let mut scanner = Scanner::new();
        for chunk in b"a,jane.doe@gma".chunks(3).chain([&b"il.com\n"[..]]) {
            scanner.feed(chunk);
        }
        let mut long = "x, ".repeat(MAX_LINE / 3 + 10).into_bytes();
        long.extend(b"DE89 3704 0044 0532 0130 00");
        scanner.feed(&long);
        let found: Vec<Kind> = scanner.finish().iter().map(|t| t.kind).collect();
        assert_eq!(found, [Kind::Email, Kind::Iban]);
    }
}
