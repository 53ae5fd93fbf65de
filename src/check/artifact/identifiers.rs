//! Validators for the personal identifiers that `pii.rs` finds with its patterns: payment
//! cards (network prefix and length, Luhn), IBANs (country length, ISO 13616 mod-97), US social
//! security numbers (the ranges the SSA never issues) and e-mail domains that are placeholders rather than people. Each takes the matched text and
//! answers whether it is a real-looking identifier.

/// The card network for a number of `digits`, if its prefix and length fit one.
pub fn card_network(digits: &str) -> Option<&'static str> {
    let len = digits.len();
    let prefix = |n: usize| {
        digits
            .get(..n)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (p1, p2, p3, p4, p6) = (prefix(1), prefix(2), prefix(3), prefix(4), prefix(6));
    let network = match () {
        _ if p1 == 4 && matches!(len, 13 | 16 | 19) => "Visa",
        _ if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16 => "Mastercard",
        _ if matches!(p2, 34 | 37) && len == 15 => "American Express",
        _ if (2200..=2204).contains(&p4) && (16..=19).contains(&len) => "Mir",
        _ if (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65) && (16..=19).contains(&len) => {
            "Discover"
        }
        _ if ((622126..=622925).contains(&p6) || p2 == 62) && (16..=19).contains(&len) => {
            "UnionPay"
        }
        // 3500-3527 is not assigned, but test generators (Faker) use all of 35xx.
        _ if (3500..=3589).contains(&p4) && (16..=19).contains(&len) => "JCB",
        // JCB's older 15-digit numbers.
        _ if matches!(p4, 1800 | 2131) && len == 15 => "JCB",
        _ if ((300..=305).contains(&p3) || p4 == 3095 || matches!(p2, 36 | 38 | 39))
            && len >= 14 =>
        {
            "Diners Club"
        }
        _ if (matches!(p2, 60 | 81 | 82) || p3 == 508) && len == 16 => "RuPay",
        _ if p4 == 9792 && len == 16 => "Troy",
        _ if (p2 == 50 || (56..=69).contains(&p2) || p4 == 604) && (12..=19).contains(&len) => {
            "Maestro"
        }
        _ => return None,
    };
    Some(network)
}

/// The Luhn checksum over a string of ASCII digits.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if d > 9 {
            return false;
        }
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

/// IBAN lengths per country (SWIFT IBAN registry).
#[rustfmt::skip]
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
    ("BG", 22), ("BH", 22), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28),
    ("CZ", 24), ("DE", 22), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24),
    ("FI", 18), ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18),
    ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23),
    ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32),
    ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21), ("LY", 25), ("MC", 27), ("MD", 24),
    ("ME", 22), ("MK", 19), ("MR", 27), ("MT", 31), ("MU", 30), ("NL", 18), ("NO", 15),
    ("PK", 24), ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22),
    ("SA", 24), ("SC", 31), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("ST", 25),
    ("SV", 28), ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24),
    ("XK", 20),
];

/// The valid IBAN at the start of `compact` (no separators), if any: the country's length is
/// taken from the front and its check digits must give 1 modulo 97.
pub fn iban(compact: &str) -> Option<&str> {
    let country = compact.get(..2)?;
    let (_, len) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country)?;
    let candidate = compact.get(..*len)?;
    let rearranged = candidate[4..].chars().chain(candidate[..4].chars());
    let mut remainder = 0u32;
    for c in rearranged {
        let value = c.to_digit(36)?;
        remainder = if value > 9 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    (remainder == 1).then_some(candidate)
}

/// Whether area, group and serial form an SSN that could have been issued.
pub fn ssn(area: &str, group: &str, serial: &str) -> bool {
    let digits = format!("{area}{group}{serial}");
    let all_same = digits
        .bytes()
        .all(|b| Some(&b) == digits.as_bytes().first());
    let area_ok = area != "000" && area != "666" && !area.starts_with('9');
    let famous = ["123456789", "078051120", "219099999"].contains(&digits.as_str());
    area_ok && group != "00" && serial != "0000" && !all_same && !famous
}

/// Whether an e-mail address belongs to a placeholder or a no-reply robot, not a person.
pub fn placeholder_email(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    let Some((local, domain)) = lower.rsplit_once('@') else {
        return true;
    };
    let robot = [
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
    ];
    let reserved = ["example", "test", "invalid", "localhost"];
    let labels: Vec<&str> = domain.split('.').collect();
    robot
        .iter()
        .any(|r| local.contains(r) || domain.contains(r))
        || labels.first().is_some_and(|l| *l == "example")
        || labels.last().is_some_and(|l| reserved.contains(l))
        || domain.starts_with("example.")
        || labels.len() >= 2 && labels[labels.len() - 2] == "example"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_need_a_network_and_a_luhn_checksum() {
        let cases = [
            ("4111111111111111", Some("Visa")),
            ("5500000000000004", Some("Mastercard")),
            ("2223000048400011", Some("Mastercard")),
            ("378282246310005", Some("American Express")),
            ("6011000990139424", Some("Discover")),
            ("3530111333300000", Some("JCB")),
            ("180090934066211", Some("JCB")),
            ("30083012986584", Some("Diners Club")),
            ("4697491145917", Some("Visa")),
            ("4949872244379015152", Some("Visa")),
            ("501815784332", Some("Maestro")),
            ("1234567812345670", None),
        ];
        for (digits, network) in cases {
            assert_eq!(card_network(digits), network, "{digits}");
            assert!(luhn(digits), "{digits}");
        }
        assert!(!luhn("4111111111111112"));
    }

    #[test]
    fn ibans_need_country_length_and_mod_97() {
        let valid = [
            "DE89370400440532013000",
            "GB82WEST12345698765432",
            "NL91ABNA0417164300",
        ];
        for compact in valid.into_iter().chain(["FR1420041010050500013M02606"]) {
            assert_eq!(iban(compact), Some(compact), "{compact}");
        }
        assert_eq!(
            iban("DE89370400440532013000XY"),
            Some("DE89370400440532013000")
        );
        for bad in [
            "DE88370400440532013000",
            "DE8937040044",
            "ZZ89370400440532013000",
        ] {
            assert_eq!(iban(bad), None, "{bad}");
        }
    }

    #[test]
    fn ssns_in_never_issued_ranges_are_rejected() {
        let cases = [
            (("536", "90", "4399"), true),
            (("078", "05", "1120"), false),
            (("666", "12", "3456"), false),
            (("123", "45", "6789"), false),
            (("111", "11", "1111"), false),
            (("536", "00", "4399"), false),
            (("536", "90", "0000"), false),
            (("900", "12", "3456"), false),
        ];
        for ((a, g, s), expected) in cases {
            assert_eq!(ssn(a, g, s), expected, "{a}-{g}-{s}");
        }
    }

    #[test]
    fn placeholder_emails_and_fictional_numbers_are_recognised() {
        assert!(placeholder_email("jane@example.com"));
        assert!(placeholder_email("bot@users.noreply.github.com"));
        assert!(placeholder_email("a@b.test"));
        assert!(!placeholder_email("jane.doe@gmail.com"));
    }
}
