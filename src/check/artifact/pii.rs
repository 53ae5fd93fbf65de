//! Personal data in datasets: e-mail addresses, phone numbers, payment cards, IBANs and US
//! social security numbers, found with linear-time patterns and confirmed with the validators
//! in `identifiers.rs` and `phone.rs`; personal names, street addresses and dates of birth by
//! column (`columns.rs`). The scanner is fed chunks of any size and splits them into lines
//! itself, so a large CSV or JSONL file is streamed, never loaded whole; the table readers
//! (`table.rs`) hand it rows instead. It keeps counts per kind, the first position and a few
//! redacted samples; `mod.rs` turns them into findings.

use super::columns::Columns;
use super::{identifiers, phone};
use phonenumber::country::Id;
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
    PersonName,
    StreetAddress,
    DateOfBirth,
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
            Kind::PersonName => "personal name(s)",
            Kind::StreetAddress => "street address(es)",
            Kind::DateOfBirth => "date(s) of birth",
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
            Kind::PersonName => "person-name",
            Kind::StreetAddress => "street-address",
            Kind::DateOfBirth => "date-of-birth",
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

/// How the lines of a file split into columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Free text: no columns.
    Lines,
    /// A header line, then values separated by this byte (CSV, TSV), `"`-quoted.
    Delimited(u8),
    /// One JSON object per line; its keys (nested ones joined with `.`) are the columns.
    JsonLines,
}

/// A streaming scanner over text or rows.
#[derive(Debug)]
pub struct Scanner {
    carry: Vec<u8>,
    line: usize,
    tallies: Vec<Tally>,
    layout: Layout,
    header: Option<Vec<Option<usize>>>,
    columns: Columns,
    regions: Vec<Id>,
}

impl Scanner {
    /// A scanner at the start of a file; national phone numbers are tried in `regions`.
    pub fn new(layout: Layout, regions: &[Id]) -> Scanner {
        Scanner {
            carry: Vec::new(),
            line: 0,
            tallies: Vec::new(),
            layout,
            header: None,
            columns: Columns::new(regions.to_vec()),
            regions: regions.to_vec(),
        }
    }

    /// The index of the table column called `name`, for `row`.
    pub fn column(&mut self, name: &str) -> Option<usize> {
        self.columns.key(name)
    }

    /// One row of a table: its text values by column index.
    pub fn row(&mut self, cells: &[(usize, String)]) {
        let line: Vec<&str> = cells.iter().map(|(_, v)| v.as_str()).collect();
        self.scan(&line.join("\t"));
        for (col, value) in cells {
            self.columns.value(*col, value, self.line + 1);
        }
        self.line += 1;
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
        for t in self.columns.finish() {
            match self.tallies.iter_mut().find(|o| o.kind == t.kind) {
                Some(o) => {
                    o.count += t.count;
                    o.first = o.first.min(t.first);
                }
                None => self.tallies.push(t),
            }
        }
        self.tallies.sort_by_key(|t| t.kind);
        self.tallies
    }

    fn flush_line(&mut self) {
        let line = std::mem::take(&mut self.carry);
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        self.scan(text);
        self.line += 1;
        match self.layout {
            Layout::Lines => {}
            Layout::Delimited(sep) => self.delimited(text, sep),
            Layout::JsonLines => self.json_line(text),
        }
    }

    fn delimited(&mut self, text: &str, sep: u8) {
        let cells = split_delimited(text, sep);
        match &self.header {
            None => {
                let keys = cells.iter().map(|c| self.columns.key(c)).collect();
                self.header = Some(keys);
            }
            Some(keys) => {
                let keys = keys.clone();
                for (i, cell) in cells.iter().enumerate() {
                    let key = match keys.get(i) {
                        Some(k) => *k,
                        None => self.columns.key(&format!("column {}", i + 1)),
                    };
                    if let Some(key) = key {
                        self.columns.value(key, cell, self.line);
                    }
                }
            }
        }
    }

    fn json_line(&mut self, text: &str) {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        let mut leaves = Vec::new();
        json_leaves("", &value, &mut leaves, 0);
        for (key, leaf) in leaves {
            if let Some(col) = self.columns.key(&key) {
                self.columns.value(col, &leaf, self.line);
            }
        }
    }

    fn scan(&mut self, text: &str) {
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for (kind, start, end, sample) in hits(text, &mut self.regions) {
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

/// The values of one delimited line, unquoted (`"a ""b"""` gives `a "b"`).
fn split_delimited(text: &str, sep: u8) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if !quoted && c == char::from(sep) => out.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    out.push(cell);
    out
}

/// The scalar leaves of a JSON value with their dotted keys; array items share their key.
fn json_leaves(
    key: &str,
    value: &serde_json::Value,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    use serde_json::Value;
    if depth > 8 || out.len() > 4096 {
        return;
    }
    match value {
        Value::String(s) => out.push((key.to_string(), s.clone())),
        Value::Number(n) => out.push((key.to_string(), n.to_string())),
        Value::Array(items) => {
            for item in items {
                json_leaves(key, item, out, depth + 1);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                let key = if key.is_empty() {
                    k.clone()
                } else {
                    format!("{key}.{k}")
                };
                json_leaves(&key, v, out, depth + 1);
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

/// Every validated hit in `text`, in the order the kinds are tried: kind, byte range and a
/// redacted sample. Earlier kinds win where matches overlap.
fn hits(text: &str, regions: &mut [Id]) -> Vec<(Kind, usize, usize, String)> {
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
    // Digits already taken by a card, an IBAN or an SSN are not tried as phones.
    let mut free = text.to_string();
    for (_, start, end, _) in &out {
        let blank = " ".repeat(end - start);
        if free.is_char_boundary(*start) && free.is_char_boundary(*end) {
            free.replace_range(*start..*end, &blank);
        }
    }
    for (start, end, digits, shape) in phone::find(&free, regions) {
        if shape == phone::Shape::Formatted {
            out.push((Kind::Phone, start, end, mask(&digits, 2, 2)));
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

    fn scanner() -> Scanner {
        Scanner::new(Layout::Lines, &phone::default_regions())
    }

    fn kinds(text: &str) -> Vec<Kind> {
        let mut scanner = scanner();
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
    fn rows_of_numbers_are_not_phones() {
        assert_eq!(
            kinds("Weight Waist Pulse\n191 36 50\n12 101 101\n9.899999,0.57\n"),
            []
        );
    }

    #[test]
    fn samples_are_redacted_and_positions_are_one_based() {
        let mut scanner = scanner();
        scanner.feed(b"name,card\nJane,4111 1111 1111 1111\nJoe,4111111111111111\n");
        let tallies = scanner.finish();
        assert_eq!(tallies.len(), 1);
        assert_eq!(tallies[0].count, 2);
        assert_eq!(tallies[0].first, (2, 6));
        assert_eq!(tallies[0].samples, ["************1111"]);
    }

    #[test]
    fn values_split_across_chunks_and_long_lines_are_found() {
        let mut scanner = scanner();
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
