//! Column-level personal data: what has no checksum (personal names, street addresses, dates
//! of birth) is recognised by a column whose values are mostly of that kind. The values decide
//! (name and street-word lists, house-number shapes, dates in a birth range); the column's
//! name (`name`, `address`, `dob`…) only lowers the share of values needed. Bare digit runs
//! are counted as phone numbers here too, in a column that holds phones.
//!
//! The word lists are data files under `patterns/pii/`, each naming its source and licence.

use super::phone::{self, Shape};
use super::pii::{Kind, Tally};
use phonenumber::country::Id;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Columns beyond this many are not followed (a JSON Lines file with free-form keys).
const MAX_COLUMNS: usize = 512;
/// Values of a column that decide whether it holds phones (the bare ones wait for it).
const PHONE_SAMPLE: usize = 50;
const SAMPLES: usize = 3;

static NAMES: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| words(include_str!("../../../patterns/pii/person-names.txt")).collect());
static STREET_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    words(include_str!("../../../patterns/pii/street-words.txt"))
        .filter(|w| !w.starts_with('-'))
        .collect()
});
static STREET_ENDINGS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    words(include_str!("../../../patterns/pii/street-words.txt"))
        .filter_map(|w| w.strip_prefix('-'))
        .collect()
});

fn words(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Column names that suggest each kind (lower case, matched as parts of the name).
const NAME_HINTS: &[&str] = &[
    "name", "nom", "nombre", "nome", "naam", "imie", "imię", "namn", "author", "customer",
    "person", "patient", "氏名", "名前",
];
const STREET_HINTS: &[&str] = &[
    "address",
    "addr",
    "street",
    "adresse",
    "strasse",
    "straße",
    "calle",
    "direcc",
    "indirizzo",
    "adres",
    "straat",
    "endereco",
    "endereço",
    "ulica",
    "adress",
    "gata",
    "住所",
];
const BIRTH_HINTS: &[&str] = &[
    "dob",
    "birth",
    "born",
    "bday",
    "geburt",
    "naissance",
    "nacimiento",
    "nascita",
    "geboorte",
    "nascimento",
    "urodzenia",
    "födelse",
    "fodelse",
    "生年月日",
    "誕生",
];
const PHONE_HINTS: &[&str] = &[
    "phone",
    "tel",
    "mobile",
    "cell",
    "fax",
    "telefon",
    "téléphone",
    "telefono",
    "teléfono",
    "telefoon",
    "telefone",
    "電話",
];

fn hinted(column: &str, hints: &[&str]) -> bool {
    let lower = column.to_lowercase();
    hints.iter().any(|h| lower.contains(h))
}

/// What is known of one column.
#[derive(Debug, Default)]
struct Column {
    name: String,
    values: usize,
    names: usize,
    name_hits: usize,
    streets: usize,
    street_hits: usize,
    births: usize,
    years: Option<(i32, i32)>,
    last_day: Option<i32>,
    ascending: usize,
    descending: usize,
    phones_sampled: usize,
    phones: usize,
    bare: Vec<String>,
    bare_count: usize,
    first: [Option<usize>; 4],
    samples: [Vec<String>; 4],
}

/// Kinds this module decides, in the order of `Column::first` and `Column::samples`.
const KINDS: [Kind; 4] = [
    Kind::PersonName,
    Kind::StreetAddress,
    Kind::DateOfBirth,
    Kind::Phone,
];

/// The columns of one table.
#[derive(Debug, Default)]
pub struct Columns {
    index: HashMap<String, usize>,
    cols: Vec<Column>,
    regions: Vec<Id>,
}

impl Columns {
    pub fn new(regions: Vec<Id>) -> Columns {
        Columns {
            regions,
            ..Columns::default()
        }
    }

    /// The index of the column called `name`, added if new; `None` past `MAX_COLUMNS`.
    pub fn key(&mut self, name: &str) -> Option<usize> {
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        if self.cols.len() >= MAX_COLUMNS {
            return None;
        }
        self.cols.push(Column {
            name: name.to_string(),
            ..Column::default()
        });
        self.index.insert(name.to_string(), self.cols.len() - 1);
        Some(self.cols.len() - 1)
    }

    /// One value of column `col`, on 1-based `line` (or row).
    pub fn value(&mut self, col: usize, text: &str, line: usize) {
        let text = text.trim();
        let regions = &mut self.regions;
        let Some(c) = self.cols.get_mut(col) else {
            return;
        };
        if text.is_empty() || text.len() > 200 {
            return;
        }
        c.values += 1;
        // A value may be both (`John Hill`): the column decides.
        if street_shaped(text) {
            c.streets += 1;
            c.street_hits += usize::from(street_hit(text));
            c.seen(1, line, redact_street(text));
        }
        if name_shaped(text) {
            c.names += 1;
            c.name_hits += usize::from(name_hit(text));
            c.seen(0, line, redact_name(text));
        } else if let Some((y, m, d)) = date(text) {
            if (1900..=2030).contains(&y) {
                c.births += 1;
                let (lo, hi) = c.years.unwrap_or((y, y));
                c.years = Some((lo.min(y), hi.max(y)));
                let day = y * 372 + m * 31 + d;
                match c.last_day {
                    Some(last) if day > last => c.ascending += 1,
                    Some(last) if day < last => c.descending += 1,
                    _ => {}
                }
                c.last_day = Some(day);
                c.seen(2, line, format!("{}**-**-**", &text[..2.min(text.len())]));
            }
        }
        if phone::bare_shaped(text) {
            c.bare_count += 1;
            if c.bare.len() < PHONE_SAMPLE || c.phone_column() {
                c.bare.push(text.to_string());
            }
            if c.phone_column() {
                c.validate_bare(regions);
            }
            c.seen(3, line, mask_digits(text));
        } else if c.phones_sampled < PHONE_SAMPLE {
            c.phones_sampled += 1;
            let valid = phone::find(text, regions);
            c.phones += usize::from(valid.iter().any(|v| v.3 == Shape::Formatted));
        }
    }

    /// The kinds found by column, merged across columns.
    pub fn finish(mut self) -> Vec<Tally> {
        let mut out: Vec<Tally> = Vec::new();
        for c in &mut self.cols {
            let mut found = [0usize; 4];
            let part = |n: usize, share: f64| n > 0 && n as f64 >= share * c.values as f64;
            let enough = c.values >= 3;
            let street_share = if hinted(&c.name, STREET_HINTS) {
                0.3
            } else {
                0.5
            };
            let name_share = if hinted(&c.name, NAME_HINTS) {
                0.3
            } else {
                0.5
            };
            if enough && part(c.streets, 0.8) && part(c.street_hits, street_share) {
                found[1] = c.streets;
            } else if enough && part(c.names, 0.8) && part(c.name_hits, name_share) {
                found[0] = c.names;
            } else if enough && c.birth_column() {
                found[2] = c.births;
            }
            if c.phone_column() {
                c.validate_bare(&mut self.regions);
                found[3] = c.bare_count;
            }
            for (k, count) in found.into_iter().enumerate() {
                if count == 0 {
                    continue;
                }
                let first = (c.first[k].unwrap_or(1), 1);
                let samples = std::mem::take(&mut c.samples[k]);
                merge(&mut out, KINDS[k], count, first, samples);
            }
        }
        out
    }
}

impl Column {
    fn seen(&mut self, k: usize, line: usize, sample: String) {
        self.first[k].get_or_insert(line);
        if self.samples[k].len() < SAMPLES && !self.samples[k].contains(&sample) {
            self.samples[k].push(sample);
        }
    }

    /// Whether the column holds phones: by its name, or by most of its first values.
    fn phone_column(&self) -> bool {
        let sampled = self.phones_sampled + self.bare.len().min(PHONE_SAMPLE);
        hinted(&self.name, PHONE_HINTS)
            || (self.phones_sampled >= 3 && self.phones * 2 >= sampled && self.phones > 0)
    }

    /// Validates the bare runs kept so far; the count keeps only the valid ones.
    fn validate_bare(&mut self, regions: &mut [Id]) {
        let invalid = self
            .bare
            .drain(..)
            .filter(|b| phone::validate(b, regions).is_none())
            .count();
        self.bare_count -= invalid;
    }

    /// Dates in a birth range: named so, or spread over decades in no order (a time series
    /// runs one way).
    fn birth_column(&self) -> bool {
        if self.births == 0 || (self.births as f64) < 0.8 * self.values as f64 {
            return false;
        }
        if hinted(&self.name, BIRTH_HINTS) {
            return true;
        }
        let (lo, hi) = self.years.unwrap_or((0, 0));
        let steps = (self.ascending + self.descending).max(1) as f64;
        let up = self.ascending as f64 / steps;
        hi - lo >= 40 && self.births >= 20 && (0.25..=0.75).contains(&up)
    }
}

fn merge(out: &mut Vec<Tally>, kind: Kind, count: usize, first: (usize, usize), s: Vec<String>) {
    match out.iter_mut().find(|t| t.kind == kind) {
        Some(t) => {
            t.count += count;
            t.first = t.first.min(first);
            for sample in s {
                if t.samples.len() < SAMPLES && !t.samples.contains(&sample) {
                    t.samples.push(sample);
                }
            }
        }
        None => out.push(Tally {
            kind,
            count,
            first,
            samples: s,
        }),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{ac00}'..='\u{d7af}')
}

/// One to five words of letters, at least one capitalised (or in a script without case).
fn name_shaped(text: &str) -> bool {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    (1..=5).contains(&tokens.len())
        && text.len() <= 80
        && text
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\'' | '’' | '　'))
        && tokens.iter().any(|t| {
            t.chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || is_cjk(c))
        })
}

fn name_hit(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == '-')
        .map(|t| {
            t.trim_matches(|c: char| c == '.' || c == '\'')
                .to_lowercase()
        })
        .any(|t| NAMES.contains(t.as_str()))
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '-' | '/'))
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// A street word (`Street`, `rue`, `Via`), a street ending (`…straße`, `…gatan`) or a
/// Japanese block number (`3丁目`).
fn street_hit(text: &str) -> bool {
    tokens(text).any(|t| {
        STREET_WORDS.contains(t.as_str())
            || STREET_WORDS.contains(t.trim_end_matches('.'))
            || STREET_ENDINGS
                .iter()
                .any(|e| t.len() > e.len() + 2 && t.ends_with(e))
    }) || text.contains("丁目")
}

/// A street word, or a house number next to words, in a value of modest length.
fn street_shaped(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let house = digits > 0 && digits <= 8 && letters >= 3;
    text.len() <= 120 && letters > 0 && (house || street_hit(text)) && !text.contains('@')
}

/// `(year, month, day)` of a date written as people and programs write them.
pub fn date(text: &str) -> Option<(i32, i32, i32)> {
    let text = text.split(['T', ' ']).next().unwrap_or(text);
    let text = text.trim_end_matches('日');
    let parts: Vec<&str> = text.split(['-', '/', '.', '年', '月']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| {
        (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i32>().ok())
            .flatten()
    };
    let (a, b, c, a_len) = (num(a)?, num(b)?, num(c)?, a.len());
    let (y, m, d) = if a_len == 4 {
        (a, b, c)
    } else if c >= 1000 {
        // Day first or month first: either reading must make a date.
        if b <= 12 { (c, b, a) } else { (c, a, b) }
    } else {
        return None;
    };
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

fn redact_name(text: &str) -> String {
    text.split_whitespace()
        .map(|t| {
            let first: String = t.chars().take(1).collect();
            format!("{first}***")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Keeps the street words, hides the rest.
fn redact_street(text: &str) -> String {
    text.split_whitespace()
        .map(|t| {
            let lower = t.to_lowercase();
            let lower = lower.trim_end_matches(',');
            if STREET_WORDS.contains(lower) || STREET_WORDS.contains(lower.trim_end_matches('.')) {
                t.to_string()
            } else {
                "***".to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn mask_digits(text: &str) -> String {
    let tail: String = text.chars().skip(text.len().saturating_sub(2)).collect();
    format!("{}{tail}", "*".repeat(text.len().saturating_sub(2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(column: &str, values: &[&str]) -> Vec<(Kind, usize)> {
        let mut cols = Columns::new(phone::default_regions());
        let key = cols.key(column).expect("room for a column");
        for (i, v) in values.iter().enumerate() {
            cols.value(key, v, i + 2);
        }
        cols.finish().iter().map(|t| (t.kind, t.count)).collect()
    }

    #[test]
    fn columns_of_names_streets_and_birth_dates_are_recognised() {
        let names = [
            "Daniel Turner",
            "Bettina Heintze",
            "石井 稔",
            "pan Stanisław Prokurat",
        ];
        assert_eq!(found("contact", &names), [(Kind::PersonName, 4)]);
        let streets = [
            "347 Tiffany Ridges",
            "Marianna-Hornich-Straße 595",
            "45, rue Roland Tanguy",
            "Trädgårdsgatan 1",
        ];
        assert_eq!(found("where", &streets), [(Kind::StreetAddress, 4)]);
        let dates = ["1978-10-29", "29.10.1978", "12/31/1950", "2010-04-07"];
        assert_eq!(found("birth_date", &dates), [(Kind::DateOfBirth, 4)]);
    }

    #[test]
    fn bare_digit_runs_are_phones_only_in_a_phone_column() {
        let values = [
            "8015735175",
            "523.866.9838x644",
            "(366)419-3451",
            "+1-815-899-4185",
        ];
        assert_eq!(found("contact", &values), [(Kind::Phone, 1)]);
        assert_eq!(found("phone", &["8015735175"]), [(Kind::Phone, 1)]);
        assert_eq!(found("id", &["8015735175", "8015735176", "8015735177"]), []);
    }

    #[test]
    fn ordinary_columns_are_not_personal() {
        let species = ["setosa", "versicolor", "virginica", "setosa"];
        assert_eq!(found("target", &species), []);
        let days = ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"];
        assert_eq!(found("day", &days), []);
        let numbers = ["5.1", "3.5", "1.4", "0.2", "14.36"];
        assert_eq!(found("x", &numbers), []);
    }

    #[test]
    fn dates_are_read_in_common_notations() {
        assert_eq!(date("1978-10-29"), Some((1978, 10, 29)));
        assert_eq!(date("1978-10-29T00:00:00"), Some((1978, 10, 29)));
        assert_eq!(date("29.10.1978"), Some((1978, 10, 29)));
        assert_eq!(date("10/29/1978"), Some((1978, 10, 29)));
        assert_eq!(date("1978年10月29日"), Some((1978, 10, 29)));
        assert_eq!(date("1.2.3"), None);
        assert_eq!(date("10.38"), None);
    }
}
