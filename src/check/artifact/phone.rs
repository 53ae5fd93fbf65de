//! Phone numbers in datasets, parsed and validated as libphonenumber does (the `phonenumber`
//! crate is its Rust port), extensions included. A number written with a `+` or an `00`
//! international prefix is validated on its own country code; a national number must be valid
//! in one of the policy's `phone_regions`. A bare run of digits (no separator, no `+`) is
//! never a phone by itself: `columns.rs` counts it only in a column that holds phones.

use phonenumber::country::Id;
use regex::Regex;
use std::sync::LazyLock;

/// Regions tried for national numbers when the policy names none: the countries with the
/// most people or the most open-source contributors, on every continent.
pub const DEFAULT_REGIONS: &[&str] = &[
    "US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "PT", "PL", "SE", "NO", "DK", "FI",
    "IE", "CZ", "BR", "MX", "AR", "IN", "JP", "KR", "CN", "AU", "NZ", "ZA", "RU", "TR",
];

/// The regions named by `names` (ISO 3166 alpha-2, upper case); the first unknown name is
/// the error.
pub fn regions(names: &[String]) -> Result<Vec<Id>, String> {
    names
        .iter()
        .map(|n| n.trim().parse::<Id>().map_err(|_| n.clone()))
        .collect()
}

/// The default regions, parsed.
pub fn default_regions() -> Vec<Id> {
    DEFAULT_REGIONS
        .iter()
        .filter_map(|n| n.parse::<Id>().ok())
        .collect()
}

/// A phone-shaped run: an optional `+` or `(`, digits with spaces, dots, dashes, slashes or
/// parentheses between them, and an optional extension.
pub static CANDIDATE: LazyLock<Regex> = LazyLock::new(|| {
    let body = r"(?:\+|\(|\b)[0-9][0-9 ().\-/]{5,24}[0-9]";
    let ext = r"(?:[ ]?(?:x|ext\.?|extension|#)[ ]?[0-9]{1,6}\b)?";
    Regex::new(&format!("{body}{ext}")).expect("the phone pattern is a valid regex")
});
static EXTENSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[ ]?(?:x|ext\.?|extension|#)[ ]?[0-9]{1,6}$").expect("valid regex")
});
static NOT_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    let iso = r"^[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}";
    let dmy = r"^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{2,4}$";
    // Shaped like a US social security number, which `pii.rs` decides.
    let ssn = r"^[0-9]{3}-[0-9]{2}-[0-9]{4}$|^[0-9]{3} [0-9]{2} [0-9]{4}$";
    Regex::new(&format!("{iso}|{dmy}|{ssn}")).expect("valid regex")
});

/// How a candidate is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// With separators, a `+` or parentheses.
    Formatted,
    /// Digits only.
    Bare,
}

/// Every valid phone number in `text`: byte range, digits and how it was written. A run of
/// digit groups is a phone only as a whole; one that is not is tried again from its next
/// group only when that starts with `+` or `(` (a longer id is not a phone in parts).
pub fn find(text: &str, regions: &mut [Id]) -> Vec<(usize, usize, String, Shape)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(m) = CANDIDATE.find_at(text, at) {
        let run = m.as_str();
        // A number that continues a run of digit groups (the tail of an IBAN or of an id
        // written in groups) is not a phone of its own; one with `+` or `(` may be.
        let before = text[..m.start()].trim_end_matches(' ');
        let continues = before.len() < m.start()
            && before.ends_with(|c: char| c.is_ascii_digit())
            && !run.starts_with(['+', '(']);
        let found = match continues {
            true => None,
            false => validate(run, regions).map(|(digits, shape)| (run.len(), digits, shape)),
        };
        match found {
            Some((len, digits, shape)) => {
                out.push((m.start(), m.start() + len, digits, shape));
                at = m.start() + len;
            }
            // Next try from the group after the first space.
            None => at = m.start() + run.find(' ').map_or(run.len(), |i| i + 1),
        }
        if at >= text.len() {
            break;
        }
    }
    out
}

/// The digits of `text` (a match of `CANDIDATE`) when it is a valid phone number in one of
/// `regions`, with how it was written.
pub fn validate(text: &str, regions: &mut [Id]) -> Option<(String, Shape)> {
    let main = EXTENSION.find(text).map_or(text, |m| &text[..m.start()]);
    let main = main.trim();
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    if !(7..=15).contains(&digits.len()) || NOT_PHONE.is_match(main) || !grouped_like_phone(main) {
        return None;
    }
    // 555-0100 to 555-0199 are the North American numbers reserved for fiction.
    let nanp = digits
        .strip_prefix('1')
        .filter(|d| d.len() == 10)
        .unwrap_or(&digits);
    if nanp.len() == 10 && &nanp[3..6] == "555" && &nanp[6..8] == "01" {
        return None;
    }
    let shape = if bare_shaped(main) {
        Shape::Bare
    } else {
        Shape::Formatted
    };
    let international = main
        .strip_prefix('+')
        .map(str::to_string)
        .or_else(|| main.strip_prefix("00").map(str::to_string));
    let valid = match international {
        Some(rest) => with_country_code(&format!("+{rest}")),
        None => {
            let hit = regions
                .iter()
                .position(|r| possible(*r, &digits) && parsed_valid(Some(*r), main));
            // The region that fits goes first: a file's numbers are mostly from one country,
            // and the parser keeps the patterns of only a few regions compiled.
            if let Some(i) = hit {
                regions[..=i].rotate_right(1);
            }
            hit.is_some()
        }
    };
    valid.then_some((digits, shape))
}

/// Whether a national number of `digits` can have one of the region's lengths: a cheap test
/// before the parser, whose compiled patterns are cached for only a few regions at a time.
fn possible(region: Id, digits: &str) -> bool {
    let Some(meta) = phonenumber::metadata::DATABASE.by_id(region.as_ref()) else {
        return true;
    };
    let lengths = lengths(region);
    if lengths.is_empty() {
        return true;
    }
    let fits = |n: usize| u16::try_from(n).is_ok_and(|n| lengths.contains(&n));
    let prefix = meta.national_prefix().filter(|p| digits.starts_with(*p));
    fits(digits.len()) || prefix.is_some_and(|p| fits(digits.len() - p.len()))
}

/// The lengths of national significant numbers in `region`.
fn lengths(region: Id) -> Vec<u16> {
    let Some(meta) = phonenumber::metadata::DATABASE.by_id(region.as_ref()) else {
        return Vec::new();
    };
    let d = meta.descriptors();
    let kinds = [d.general()]
        .into_iter()
        .chain(d.fixed_line())
        .chain(d.mobile());
    let kinds = kinds
        .chain(d.toll_free())
        .chain(d.voip())
        .chain(d.personal_number());
    kinds
        .flat_map(|k| k.possible_length().iter().copied())
        .collect()
}

/// A number written with its country code: valid, or of a length the country uses (the `+`
/// and the grouping already say it is a phone; many published examples are not assigned).
fn with_country_code(text: &str) -> bool {
    // The parser reads some groupings (`+3191-5660131`) wrongly; the digits alone it reads.
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let parsed = phonenumber::parse(None, text)
        .ok()
        .filter(phonenumber::is_valid)
        .or_else(|| phonenumber::parse(None, format!("+{digits}")).ok());
    let Some(number) = parsed else {
        return false;
    };
    if phonenumber::is_valid(&number) {
        return true;
    }
    let national = number.national();
    let len = national.value().to_string().len() + usize::from(national.zeros());
    // An unassigned area code leaves no region: the main region of the country code decides.
    let code = number.code().value();
    let main_region = || {
        let names = phonenumber::metadata::DATABASE.region(&code)?;
        names.first()?.parse::<Id>().ok()
    };
    let lengths = number
        .country()
        .id()
        .or_else(main_region)
        .map(lengths)
        .unwrap_or_default();
    u16::try_from(len).is_ok_and(|n| lengths.contains(&n))
}

fn parsed_valid(region: Option<Id>, text: &str) -> bool {
    phonenumber::parse(region, text).is_ok_and(|n| phonenumber::is_valid(&n))
}

/// Digits, maybe grouped by spaces, without a `+`, parentheses or a leading trunk `0`: as
/// likely a row of numbers (`191 36 50`) as a phone, so a phone only in a column of phones.
pub fn bare_shaped(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    text.bytes().all(|b| b.is_ascii_digit() || b == b' ')
        && (7..=15).contains(&digits)
        && !text.starts_with('0')
}

/// Separators that a phone number uses: not decimals mixed with spaces (`17.99 10.38`), and
/// no one-digit group except a leading country or trunk code or one in parentheses.
fn grouped_like_phone(text: &str) -> bool {
    // Dots group a phone (`523.866.9838`), never once (`9.899999` is a decimal), and
    // never mixed with spaces (`17.99 10.38`).
    let dots = text.matches('.').count();
    if dots == 1 || dots > 0 && (text.contains(' ') || text.contains('-')) {
        return false;
    }
    let groups: Vec<&str> = text
        .split([' ', '.', '-', '/'])
        .filter(|g| !g.is_empty())
        .collect();
    // `+33 5 16 85 62 26`: a one-digit area or trunk code follows the country code.
    let after_code = groups.first().is_some_and(|g| g.starts_with('+'));
    groups.iter().enumerate().all(|(i, g)| {
        let core = g.trim_start_matches('+');
        i == 0
            || (i == 1 && after_code)
            || core.len() >= 2
            || core.starts_with('(')
            || core.ends_with(')')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<Shape> {
        let mut regions = default_regions();
        let found = find(text, &mut regions);
        found.first().map(|(_, _, _, shape)| *shape)
    }

    #[test]
    fn numbers_as_people_write_them_are_valid() {
        let formatted = [
            "489.332.8792x174",
            "(366)419-3451x4506",
            "001-401-346-7300x2458",
            "+1-815-899-4185",
            "080-8347-0174",
            "+49(0)3690443757",
            "02386 43928",
            "+33 (0)6 98 08 70 91",
            "04 67 85 36 43",
            "+48 600 869 814",
            "08-651 45 46",
            "+44 20 7946 0958",
        ];
        for text in formatted {
            assert_eq!(found(text), Some(Shape::Formatted), "{text}");
        }
        assert_eq!(found("8015735175"), Some(Shape::Bare));
        assert_eq!(found("694 739 049"), Some(Shape::Bare));
    }

    #[test]
    fn dates_decimals_and_short_runs_are_not_phones() {
        for text in [
            "2024-01-15",
            "15.01.2024",
            "17.99 10.38 122.8",
            "9.899999",
            "1.2.3.4",
            "12345",
            "415-555-0123",
        ] {
            assert_eq!(found(text), None, "{text}");
        }
    }

    #[test]
    fn unknown_region_names_are_reported() {
        assert_eq!(regions(&["US".into(), "XX".into()]), Err("XX".into()));
        assert_eq!(regions(&["JP".into()]), Ok(vec![Id::JP]));
    }
}
