//! The decoders and the candidate finder, on small inputs.

// One region, the whole input, is what most calls search.
#![allow(clippy::single_range_in_vec_init)]

use super::blocks::{self, Masks, words, words::alphabet_bits};
use super::*;

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in s.as_bytes().chunks(3) {
        let n = c.iter().fold(0u32, |a, &b| a << 8 | u32::from(b)) << (8 * (3 - c.len()));
        for k in 0..=c.len() {
            out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
        out.extend(std::iter::repeat_n('=', 3 - c.len()));
    }
    out
}

fn all(content: &[u8]) -> Vec<Decoded> {
    decode(content, &[0..content.len()], 3)
}

fn texts(content: &[u8]) -> Vec<String> {
    all(content)
        .into_iter()
        .map(|d| String::from_utf8(d.text).unwrap())
        .collect()
}

#[test]
fn base64_value_in_yaml_is_decoded_and_points_at_the_encoded_span() {
    let enc = b64("password: hunter2-but-longer");
    let doc = format!("data:\n  password: {enc}\n");
    let found = all(doc.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!(&doc[found[0].span.clone()], enc);
    assert_eq!(found[0].text, b"password: hunter2-but-longer");
    assert_eq!(found[0].chain, vec![Encoding::Base64]);
}

#[test]
fn unpadded_and_url_safe_base64_are_decoded() {
    let enc = b64("token=abc?>?>?>def??")
        .replace('+', "-")
        .replace('/', "_");
    let enc = enc.trim_end_matches('=');
    assert_eq!(texts(enc.as_bytes()), vec!["token=abc?>?>?>def??"]);
}

#[test]
fn base64_wrapped_over_indented_lines_is_one_span() {
    let text = "x".repeat(30) + " the second half of the text follows here";
    let enc = b64(&text);
    let (a, b) = enc.split_at(48);
    let doc = format!("key: |\n  {a}\n  {b}\nnext: 1\n");
    assert_eq!(texts(doc.as_bytes()), vec![text]);
}

#[test]
fn identifiers_and_paths_are_not_decoded() {
    let doc = b"CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS /usr/local/include/linux/kernel_stat.h";
    assert!(all(doc).is_empty());
}

#[test]
fn hex_text_is_decoded() {
    let doc = b"secret = 6170695f6b65793d7365637265742d76616c7565";
    assert_eq!(texts(doc), vec!["api_key=secret-value"]);
}

#[test]
fn percent_encoding_is_decoded() {
    let doc = b"url: https://user:p%40ss%3Aword@example.com/x";
    assert_eq!(texts(doc), vec!["https://user:p@ss:word@example.com/x"]);
}

#[test]
fn json_string_escapes_give_the_lines_of_a_key() {
    let doc = br#"{"key": "-----BEGIN KEY-----\nabc\n-----END KEY-----\n", "n": 1}"#;
    assert_eq!(
        texts(doc),
        vec!["-----BEGIN KEY-----\nabc\n-----END KEY-----\n"]
    );
}

#[test]
fn unicode_escapes_and_surrogate_pairs_are_decoded() {
    let doc = br#"x = "\u0067hp_\ud83d\ude00 ok""#;
    assert_eq!(texts(doc), vec!["ghp_\u{1f600} ok"]);
}

#[test]
fn html_entities_are_decoded() {
    let doc = b"<input value=&quot;ghp&#95;abc&#x5f;def&quot;>";
    assert_eq!(texts(doc), vec!["value=\"ghp_abc_def\""]);
}

#[test]
fn nested_encodings_are_undone_up_to_the_depth() {
    let inner = b64("aws_secret=wJalrXUtnFEMI/K7MDENG/bPxRfiCY");
    let outer = b64(&inner);
    let found = all(outer.as_bytes());
    assert!(
        found
            .iter()
            .any(|d| d.chain == vec![Encoding::Base64, Encoding::Base64]
                && d.text.starts_with(b"aws_secret="))
    );
    assert!(
        decode(outer.as_bytes(), &[0..outer.len()], 1)
            .iter()
            .all(|d| d.chain.len() == 1)
    );
    assert!(decode(outer.as_bytes(), &[0..outer.len()], 0).is_empty());
}

#[test]
fn only_spans_touching_the_regions_are_decoded() {
    let enc = b64("password: hunter2-but-longer");
    let doc = format!("a: {enc}\nb: {enc}\n");
    let second = doc.rfind(&enc).unwrap();
    let found = decode(doc.as_bytes(), &[second + 3..doc.len()], 3);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].span.start, second);
}

#[test]
fn any_bytes_decode_without_panicking_and_within_the_budget() {
    let mut seed = 7u64;
    for len in [0usize, 1, 2, 5, 17, 100, 4000] {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                b"A=%\\&#;x0u\n \"'"[(seed >> 33) as usize % 14]
            })
            .collect();
        let out = decode(&bytes, &[0..bytes.len()], 5);
        let total: usize = out.iter().map(|d| d.text.len()).sum();
        assert!(total <= (bytes.len() * OUTPUT_FACTOR).max(OUTPUT_FLOOR));
    }
}

#[test]
fn format_strings_and_one_line_messages_are_not_decoded() {
    assert!(all(b"printf(\"%02x:%02x %2d%%\\n\", a, b, c);").is_empty());
    assert!(all(b"pr_info(\"device %s ready\\n\", name);").is_empty());
}

/// A small deterministic generator (xorshift64*), so that the random tests below fail the
/// same way every time they fail.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What the fuzz target asserts, on one input: spans inside it, UTF-8 text, a chain no
/// longer than the depth, output within its budget. Gives how many texts were decoded.
fn assert_sound(input: &[u8], depth: usize) -> usize {
    let mut decoded = 0;
    let from = input.len() / 3;
    for regions in [vec![0..input.len()], vec![from..input.len()], vec![]] {
        let found = decode(input, &regions, depth);
        let mut total = 0;
        for d in &found {
            assert!(
                d.span.start <= d.span.end && d.span.end <= input.len(),
                "{input:?}"
            );
            assert!(std::str::from_utf8(&d.text).is_ok(), "{input:?}");
            assert!(!d.chain.is_empty() && d.chain.len() <= depth, "{input:?}");
            total += d.text.len();
        }
        assert!(total <= (input.len() * 2).max(1 << 16), "{input:?}");
        decoded += found.len();
    }
    decoded
}

#[test]
fn random_and_truncated_inputs_decode_soundly_without_panic() {
    // Bytes the candidate pass and the decoders treat specially, and some that they do not.
    const ALPHABET: &[u8] = b"AZaz09+/-_=%\\&;#xu\"'\n\r \t:<>nQ\x00\xff\xc3\xa9";
    let mut rng = Rng::new(0x5eed_0015);
    let seeds: Vec<Vec<u8>> = vec![
        format!("auth: {}\n", b64(&b64("user:hunter2-password"))).into_bytes(),
        b"key = \"-----BEGIN KEY-----\\nMIIB\\u0041\\x42\\/x\\n-----END KEY-----\\n\"".to_vec(),
        b"url=https%3A%2F%2Fuser%3Apw%40host%2Fpath &amp;&#x41;&#65;&lt;".to_vec(),
        b"68696464656e20746578742068657265".to_vec(),
    ];
    let mut decoded = 0;
    for round in 0..3_000 {
        let input: Vec<u8> = match round % 3 {
            // Random bytes from the special alphabet.
            0 => (0..rng.below(300))
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect(),
            // A real encoding, cut short at a random point.
            1 => {
                let s = &seeds[rng.below(seeds.len())];
                s[..rng.below(s.len() + 1)].to_vec()
            }
            // A real encoding with random bytes changed.
            _ => {
                let mut s = seeds[rng.below(seeds.len())].clone();
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(s.len());
                    s[at] = rng.next() as u8;
                }
                s
            }
        };
        decoded += assert_sound(&input, 1 + round % 4);
    }
    // The inputs reach the decoders, not only the candidate pass.
    assert!(decoded > 500, "{decoded}");
}

/// The candidate pass as it was first written, reading every byte: the pass that skips must
/// find exactly the same spans.
fn candidates_byte_by_byte(s: &[u8], range: Range<usize>) -> Vec<(Range<usize>, Encoding)> {
    let mut out = Vec::new();
    let end = range.end.min(s.len());
    let mut i = range.start.min(end);
    // A span that overlaps the region from before it is found from its start.
    while i > 0 && CLASS[s[i - 1] as usize] & B64 != 0 {
        i -= 1;
    }
    while i < end {
        match CLASS[s[i] as usize] & !(HEX_DIGIT | UPPER | LOWER) {
            B64 => {
                let (stop, chars, hex, cases) = base64_run(s, i);
                if hex && chars >= MIN_HEX && chars % 2 == 0 {
                    out.push((i..stop, Encoding::Hex));
                } else if chars >= MIN_BASE64 && cases == UPPER | LOWER {
                    out.push((i..stop, Encoding::Base64));
                }
                i = stop.max(i + 1);
            }
            PERCENT if is_percent_escape(s, i) => {
                let span = word_around(s, i);
                i = span.end.max(i + 1);
                out.push((span, Encoding::Percent));
            }
            BACKSLASH if is_escape(s, i) => {
                let span = string_around(s, i);
                i = span.end.max(i + 2);
                if hides_text(&s[span.clone()]) {
                    out.push((span, Encoding::Escapes));
                }
            }
            AMP if entity_at(s, i).is_some() => {
                let span = word_around(s, i);
                i = span.end.max(i + 1);
                out.push((span, Encoding::HtmlEntities));
            }
            _ => i += 1,
        }
    }
    out
}

#[test]
fn the_skipping_pass_finds_what_reading_every_byte_finds() {
    const ALPHABET: &[u8] = b"AZaz09fF+/-_=%\\&;#xu\"'\n\r \t:.,(){}";
    let mut rng = Rng::new(0xc0de_0015);
    for round in 0..30_000 {
        let len = rng.below(300);
        // Long runs of the alphabet are what the pass looks for: make them common, and make
        // some in one letter case (names), which the pass drops early.
        let alphabet: &[u8] = match round % 4 {
            0 => ALPHABET,
            1 => &ALPHABET[..8],
            2 => b"az09_\n",
            _ => b"AZF09-\r\n",
        };
        let s: Vec<u8> = (0..len)
            .map(|_| match rng.below(10) {
                0 => ALPHABET[rng.below(ALPHABET.len())],
                _ => alphabet[rng.below(alphabet.len())],
            })
            .collect();
        let a = rng.below(len + 1);
        let b = a + rng.below(len + 1 - a);
        for range in [0..len, a..b] {
            assert_eq!(
                candidates(&s, range.clone()),
                candidates_byte_by_byte(&s, range.clone()),
                "{:?} {range:?}",
                String::from_utf8_lossy(&s)
            );
        }
    }
}

#[test]
fn a_wrapped_run_whose_first_line_is_in_one_case_is_still_read_whole() {
    // The first line alone would be dropped as a name; the lines after it make it base64.
    let body = format!(
        "data: |\n  {}\n  {}\n  {}\n",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqr",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk",
        "ZWZnaGlqa2xtbm9wcXJzdHV2d3h5eg=="
    );
    let s = body.as_bytes();
    let found = candidates(s, 0..s.len());
    assert_eq!(found, candidates_byte_by_byte(s, 0..s.len()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, Encoding::Base64);
    assert_eq!(found[0].0.start, body.find("abcd").unwrap());
}

#[test]
fn a_long_line_of_escaped_strings_is_read_in_time_that_follows_its_length() {
    // 20,000 strings on one line, as minified code has: each escape reads a bounded window
    // for its opening quote, not the whole line before it.
    let line = "x(\"a\\x41b\\n\"),".repeat(20_000);
    let found = all(line.as_bytes());
    assert_eq!(found.len(), 20_000);
    assert!(found.iter().all(|d| d.text == b"aAb\n"));
}

#[test]
fn eight_bytes_at_once_classify_as_the_table_does() {
    let mut rng = Rng::new(0x5a4b_0015);
    let check = |word: u64| {
        let bits = alphabet_bits(word);
        for (k, b) in word.to_le_bytes().into_iter().enumerate() {
            assert_eq!(
                (bits >> k) & 1,
                u64::from(CLASS[b as usize] & B64),
                "{b:#04x}"
            );
        }
    };
    // Every byte value in every position, then random words.
    for b in 0..=255u8 {
        for k in 0..8 {
            check(u64::from(b) << (8 * k) | 0x4141_4141_4141_4141 & !(0xff << (8 * k)));
        }
    }
    for _ in 0..100_000 {
        check(rng.next());
    }
}

/// The masks of a block as the table gives them, one byte at a time.
fn masks_by_table(block: &[u8; 64]) -> (Masks, u64) {
    let (mut m, mut hex) = (Masks::default(), 0);
    for (k, &b) in block.iter().enumerate() {
        let class = CLASS[b as usize];
        let bit = |yes: bool| u64::from(yes) << k;
        m.alphabet |= bit(class & B64 != 0);
        m.special |= bit(matches!(b, b'%' | b'\\' | b'&'));
        m.letter |= bit(b.is_ascii_alphabetic());
        m.bit5 |= bit(b & 0x20 != 0);
        hex |= bit(b.is_ascii_hexdigit());
    }
    (m, hex)
}

#[test]
fn blocks_classify_as_the_table_does_in_both_ways() {
    let check = |block: [u8; 64]| {
        let (masks, hex) = masks_by_table(&block);
        // The way this processor takes, and the 64-bit words of the others.
        assert_eq!(blocks::classify(&block), masks, "{block:?}");
        assert_eq!(words::classify(&block), masks, "{block:?}");
        assert_eq!(blocks::hex_digits(&block), hex, "{block:?}");
        assert_eq!(words::hex_digits(&block), hex, "{block:?}");
    };
    // Every byte value in every position, among letters and among blanks.
    for fill in [b'A', b' '] {
        for b in 0..=255u8 {
            for k in 0..64 {
                let mut block = [fill; 64];
                block[k] = b;
                check(block);
            }
        }
    }
    let mut rng = Rng::new(0xb10c_0015);
    for _ in 0..20_000 {
        let mut block = [0u8; 64];
        block.fill_with(|| rng.next() as u8);
        check(block);
    }
}

#[test]
fn the_block_pass_finds_what_reading_every_byte_finds_across_blocks() {
    // Runs of every length around the block size, at every offset, mixed with the bytes that
    // end, extend or judge a run: the pass must cut and join them exactly as a byte reader.
    const PIECES: &[&[u8]] = &[
        b"abcdefghij",
        b"ABCDEFGH",
        b"0123456789",
        b"deadbeef",
        b"a_b",
        b"-",
        b"/",
        b"+",
        b"=",
        b"==",
        b"\\n",
        b"\\x41",
        b"%3A",
        b"%d",
        b"&amp;",
        b"&&",
        b" ",
        b"\n",
        b"\r\n",
        b"  ",
        b"\"",
        b"'",
        b"\xc3\xa9",
        b"\0",
        b".",
        b":",
        b"\\",
        b"\\u0041",
    ];
    let mut rng = Rng::new(0x0b10_c015);
    for round in 0..4_000 {
        let mut s = Vec::new();
        let len = 64 + rng.below(400);
        while s.len() < len {
            if rng.below(3) == 0 {
                // A long run of one kind: base64-like, one case, hex, or a rule line.
                let n = rng.below(150);
                let kind: &[u8] = match rng.below(4) {
                    0 => b"QWxhZGRpbjpvcGVuIHNlc2FtZQ+/",
                    1 => b"abcdefghijklmnopqrstuvwxyz_",
                    2 => b"0123456789abcdef",
                    _ => b"-",
                };
                s.extend((0..n).map(|_| kind[rng.below(kind.len())]));
            } else {
                s.extend_from_slice(PIECES[rng.below(PIECES.len())]);
            }
        }
        let a = rng.below(s.len() + 1);
        let b = a + rng.below(s.len() + 1 - a);
        for range in [0..s.len(), a..b, (round % 64).min(s.len())..s.len()] {
            assert_eq!(
                candidates(&s, range.clone()),
                candidates_byte_by_byte(&s, range.clone()),
                "{:?} {range:?}",
                String::from_utf8_lossy(&s)
            );
        }
    }
}
