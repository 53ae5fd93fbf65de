//! Encoded text inside a file: spans written in base64 (standard or URL-safe, padded or not,
//! wrapped over lines), hex, percent-encoding, JSON/JavaScript/Python string escapes or HTML
//! entities. `decode` finds candidates in one pass over the bytes (by character set and length,
//! no regular expression), decodes those whose result is text, and decodes the results again
//! up to a depth, so that the text checks see what an encoding hides. Nothing here does I/O,
//! and no input makes it panic or spend more than a few times its own size.

mod blocks;

use std::collections::HashSet;
use std::ops::Range;

use blocks::{Blocks, Event};

/// An encoding undone by `decode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Base64,
    Hex,
    Percent,
    Escapes,
    HtmlEntities,
}

impl Encoding {
    /// The name used in output (`"decoded": ["base64"]`, `(decoded from base64)`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Hex => "hex",
            Encoding::Percent => "percent-encoding",
            Encoding::Escapes => "string escapes",
            Encoding::HtmlEntities => "html entities",
        }
    }
}

/// Text found under an encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The encoded span in the input: for text decoded twice, the outer span.
    pub span: Range<usize>,
    /// The decoded text (valid UTF-8).
    pub text: Vec<u8>,
    /// The encodings undone, outermost first.
    pub chain: Vec<Encoding>,
}

/// Shortest base64 run tried (12 decoded bytes).
const MIN_BASE64: usize = 16;
/// Shortest hex run tried (8 decoded bytes).
const MIN_HEX: usize = 16;
/// A base64 line this long (a multiple of 4) may continue on the next line, as PEM bodies and
/// YAML block scalars wrap it.
const MIN_WRAPPED_LINE: usize = 40;
/// Decoded bytes produced at most, as a multiple of the input's size (plus a floor).
const OUTPUT_FACTOR: usize = 2;
const OUTPUT_FLOOR: usize = 1 << 16;

/// Every text found under an encoding in `regions` of `content`, decoded up to `depth` times
/// (0 decodes nothing). Spans that start outside `regions` but overlap them count.
pub fn decode(content: &[u8], regions: &[Range<usize>], depth: usize) -> Vec<Decoded> {
    let mut out: Vec<Decoded> = Vec::new();
    if depth == 0 {
        return out;
    }
    let mut budget = content
        .len()
        .saturating_mul(OUTPUT_FACTOR)
        .max(OUTPUT_FLOOR);
    // Spans already decoded: one that reaches into the next region is found there again.
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for region in regions {
        for (span, enc) in candidates(content, region.clone()) {
            if seen.contains(&(span.start, span.end)) && enc != Encoding::Escapes {
                continue;
            }
            let Some(text) = undo(enc, &content[span.clone()]) else {
                continue;
            };
            if text.len() > budget {
                return out;
            }
            budget -= text.len();
            seen.insert((span.start, span.end));
            out.push(Decoded {
                span,
                text,
                chain: vec![enc],
            });
        }
    }
    // Each decoded text is searched for further encodings, up to `depth` layers.
    let mut next = 0;
    while next < out.len() {
        let d = &out[next];
        next += 1;
        if d.chain.len() >= depth {
            continue;
        }
        let (outer, chain, text) = (d.span.clone(), d.chain.clone(), d.text.clone());
        for (span, enc) in candidates(&text, 0..text.len()) {
            let Some(inner) = undo(enc, &text[span]) else {
                continue;
            };
            if inner.len() > budget {
                return out;
            }
            budget -= inner.len();
            let mut chain = chain.clone();
            chain.push(enc);
            out.push(Decoded {
                span: outer.clone(),
                text: inner,
                chain,
            });
        }
    }
    out
}

/// Character classes of the one pass.
const OTHER: u8 = 0;
/// The only class with bit 0 set, so that `& B64` tests it.
const B64: u8 = 1;
const PERCENT: u8 = 2;
const BACKSLASH: u8 = 4;
const AMP: u8 = 6;
const PAD: u8 = 16;
/// Added to `B64` for the hex digits.
const HEX_DIGIT: u8 = 8;
/// Added to `B64` for the letters of each case: base64 of text mixes them, names rarely do.
const UPPER: u8 = 32;
const LOWER: u8 = 64;

const fn classes() -> [u8; 256] {
    let mut t = [OTHER; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_hexdigit() {
            t[b] = B64 | HEX_DIGIT;
        } else if c.is_ascii_uppercase() {
            t[b] = B64 | UPPER;
        } else if c.is_ascii_lowercase() {
            t[b] = B64 | LOWER;
        } else if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_' {
            t[b] = B64;
        }
        b += 1;
    }
    t[b'%' as usize] = PERCENT;
    t[b'\\' as usize] = BACKSLASH;
    t[b'&' as usize] = AMP;
    t[b'=' as usize] = PAD;
    // Hex letters count for their case too.
    let mut h = b'a';
    while h <= b'f' {
        t[h as usize] |= LOWER;
        t[(h - 32) as usize] |= UPPER;
        h += 1;
    }
    t
}

const CLASS_TABLE: [u8; 256] = classes();
static CLASS: [u8; 256] = CLASS_TABLE;

/// Candidate spans in `range` of `s`, in one pass: runs of the base64 alphabet (hex when every
/// character is a hex digit), and the strings around `%XX`, `\` escapes and `&...;` entities.
/// A span found is consumed whole: the pass goes on after its end.
///
/// Most text holds no candidate, so the pass skips rather than reads: the bytes are classified
/// 64 at a time into bit masks (`blocks`), and only the `%`, `\` and `&` and the runs of the
/// alphabet long enough to try that may hide something are looked at one by one.
fn candidates(s: &[u8], range: Range<usize>) -> Vec<(Range<usize>, Encoding)> {
    let mut out = Vec::new();
    let end = range.end.min(s.len());
    let mut i = range.start.min(end);
    // A span that overlaps the region from before it is found from its start.
    while i > 0 && CLASS[s[i - 1] as usize] & B64 != 0 {
        i -= 1;
    }
    let mut blocks = Blocks::new(s, i);
    while let Some(event) = blocks.next(i, end) {
        let at = match event {
            Event::Run(at) => {
                let (stop, chars, hex, cases) = base64_run(s, at);
                if hex && chars >= MIN_HEX && chars % 2 == 0 {
                    out.push((at..stop, Encoding::Hex));
                } else if chars >= MIN_BASE64 && cases == UPPER | LOWER {
                    out.push((at..stop, Encoding::Base64));
                }
                i = stop.max(at + 1);
                continue;
            }
            Event::Special(at) => at,
        };
        i = at + 1;
        match s[at] {
            b'%' if is_percent_escape(s, at) => {
                let span = word_around(s, at);
                i = span.end.max(at + 1);
                out.push((span, Encoding::Percent));
            }
            b'\\' if is_escape(s, at) => {
                let span = string_around(s, at);
                i = span.end.max(at + 2);
                if hides_text(&s[span.clone()]) {
                    out.push((span, Encoding::Escapes));
                }
            }
            b'&' if entity_at(s, at).is_some() => {
                let span = word_around(s, at);
                i = span.end.max(at + 1);
                out.push((span, Encoding::HtmlEntities));
            }
            _ => {}
        }
    }
    out
}

/// Bytes before an escape read for the quote that opens its string.
const QUOTE_WINDOW: usize = 1024;

/// Alphabet runs shorter than this are never tried: the shorter of `MIN_BASE64` and `MIN_HEX`.
const MIN_RUN: usize = if MIN_BASE64 < MIN_HEX {
    MIN_BASE64
} else {
    MIN_HEX
};

/// The base64 run starting at `start`: where it stops, how many alphabet characters it holds,
/// whether they are all hex digits, and the letter cases it holds (`UPPER`, `LOWER`: base64
/// of twelve bytes or more of text holds both, while names in one case and paths do not). A
/// run continues over a line break (and the next line's indentation) when its line is long
/// and a multiple of four characters.
fn base64_run(s: &[u8], start: usize) -> (usize, usize, bool, u8) {
    let (mut i, mut chars, mut hex, mut line, mut cases) = (start, 0, true, 0, 0);
    loop {
        let (from, mut all) = (i, HEX_DIGIT);
        while let Some(&b) = s.get(i) {
            let class = CLASS[b as usize];
            if class & B64 == 0 {
                break;
            }
            all &= class;
            cases |= class & (UPPER | LOWER);
            i += 1;
        }
        hex &= all != 0;
        (chars, line) = (chars + i - from, line + i - from);
        let mut pad = 0;
        while i < s.len() && s[i] == b'=' && pad < 2 {
            (i, pad) = (i + 1, pad + 1);
        }
        if pad > 0 || line < MIN_WRAPPED_LINE || line % 4 != 0 {
            return (i, chars, hex && pad == 0, cases);
        }
        // A wrapped line: newline, indentation, and more of the alphabet.
        let mut j = i;
        if s.get(j) == Some(&b'\r') {
            j += 1;
        }
        if s.get(j) != Some(&b'\n') {
            return (i, chars, hex, cases);
        }
        j += 1;
        while j < s.len() && matches!(s[j], b' ' | b'\t') {
            j += 1;
        }
        let more = s[j..]
            .iter()
            .take_while(|&&b| CLASS[b as usize] & B64 != 0)
            .count();
        // The next line must continue the body, not start a `key:` or a PEM footer.
        if more < 4 || s.get(j + more).is_some_and(|&b| b == b':') {
            return (i, chars, hex, cases);
        }
        (i, line) = (j, 0);
    }
}

/// Whether the `%`, `\` or `&` at `i` starts a span: a percent escape, a string escape or an
/// entity. Most do not (`%d`, `&&`, `\` ending a line), which the byte after them tells through
/// a table, without a branch for each kind.
#[inline]
fn may_start(s: &[u8], i: usize) -> bool {
    let lead = FOLLOWS[s[i] as usize] >> 4;
    let follows = s.get(i + 1).map_or(0, |&b| FOLLOWS[b as usize]);
    lead & follows != 0
        && match s[i] {
            b'%' => is_percent_escape(s, i),
            b'\\' => true,
            _ => entity_at(s, i).is_some(),
        }
}

/// For each byte, in bits 0 to 2, the specials it may follow in a span (`%` a hex digit, `\` a
/// character of `is_escape`, `&` the first of a name of `entity_at`); in bits 4 to 6, for the
/// specials themselves, the bit of bits 0 to 2 that is theirs.
static FOLLOWS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_hexdigit() {
            t[b] |= 1;
        }
        b += 1;
    }
    let escapes = b"nrt\"'\\/ux0bf";
    let mut k = 0;
    while k < escapes.len() {
        t[escapes[k] as usize] |= 2;
        k += 1;
    }
    let names = b"algqn#";
    let mut k = 0;
    while k < names.len() {
        t[names[k] as usize] |= 4;
        k += 1;
    }
    t[b'%' as usize] |= 1 << 4;
    t[b'\\' as usize] |= 2 << 4;
    t[b'&' as usize] |= 4 << 4;
    t
};

/// `%XX` encoding a character that URL-encoding exists to hide (a separator, a blank, a quote,
/// or a byte of a multi-byte character): `%02x` and `%2d` are format strings, not encodings.
fn is_percent_escape(s: &[u8], i: usize) -> bool {
    let Some([a, b]) = s.get(i + 1..i + 3) else {
        return false;
    };
    let digit = |c: u8| (c as char).to_digit(16);
    match (digit(*a), digit(*b)) {
        (Some(h), Some(l)) => {
            let c = (h << 4 | l) as u8;
            c >= 0x80 || b" \"#%&'+,/:;<=>?@[]{}|\\".contains(&c)
        }
        _ => false,
    }
}

fn is_escape(s: &[u8], i: usize) -> bool {
    matches!(
        s.get(i + 1),
        Some(b'n' | b'r' | b't' | b'"' | b'\'' | b'\\' | b'/' | b'u' | b'x' | b'0' | b'b' | b'f')
    )
}

/// Whether the escapes of a string can hide what the text checks look for: a character
/// written as a code (`\u0067`, `\x41`, `\/`), or a key's lines joined into one (two or more
/// `\n` around a PEM or PuTTY armour line). Other text with line breaks hides nothing: what
/// it holds is matched in place.
fn hides_text(s: &[u8]) -> bool {
    let mut newlines = 0;
    for at in memchr::memchr_iter(b'\\', s) {
        match s.get(at + 1) {
            Some(b'u' | b'x' | b'/') => return true,
            Some(b'n' | b'r') => newlines += 1,
            _ => {}
        }
    }
    newlines >= 2
        && (memchr::memmem::find(s, b"-----").is_some()
            || memchr::memmem::find(s, b"PuTTY-User-Key-File").is_some())
}

/// The run of non-blank characters around `i`, short of quotes and angle brackets.
fn word_around(s: &[u8], i: usize) -> Range<usize> {
    let stop = |b: u8| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'`');
    let mut a = i;
    while a > 0 && !stop(s[a - 1]) {
        a -= 1;
    }
    let mut e = i;
    while e < s.len() && !stop(s[e]) {
        e += 1;
    }
    a..e
}

/// The quoted string around the escape at `i` (its contents), or the run of non-blank
/// characters around it when no quote opens it on its line.
fn string_around(s: &[u8], i: usize) -> Range<usize> {
    // On a very long line (minified code) only the last `QUOTE_WINDOW` bytes are read for the
    // opening quote, so that a line of many strings costs time in its length, not its square.
    let window = i.saturating_sub(QUOTE_WINDOW);
    let line_start = memchr::memrchr(b'\n', &s[window..i]).map_or(window, |p| window + p + 1);
    // The quote that opens the string: the last unescaped quote before `i` on the line
    // that leaves an odd number of quotes of its kind before `i`.
    let mut counts = [0usize; 2];
    let mut open = None;
    for p in line_start..i {
        let kind = match s[p] {
            b'"' => 0,
            b'\'' => 1,
            _ => continue,
        };
        if counts[kind] % 2 == 0 && (p == 0 || s[p - 1] != b'\\') {
            open = Some(p);
        }
        counts[kind] += 1;
    }
    // The last such quote must still be open at `i`: an odd count of its kind before `i`.
    let open = open.filter(|&p| counts[usize::from(s[p] == b'\'')] % 2 == 1);
    let Some(open) = open else {
        let w = word_around(s, i);
        return w.start.min(i)..w.end.max((i + 2).min(s.len()));
    };
    // The string ends at its closing quote, or with its line.
    let quote = s[open];
    let mut e = i;
    while e < s.len() {
        match s[e] {
            b'\n' => break,
            b'\\' if s.get(e + 1) == Some(&b'\n') => {
                e += 1;
                break;
            }
            b'\\' => e += 2,
            b if b == quote => break,
            _ => e += 1,
        }
    }
    open + 1..e.min(s.len())
}

/// The character of the HTML entity at `i` and the entity's length.
fn entity_at(s: &[u8], i: usize) -> Option<(char, usize)> {
    let rest = s.get(i + 1..(i + 12).min(s.len()))?;
    let semi = memchr::memchr(b';', rest)?;
    let name = &rest[..semi];
    let c = match name {
        b"amp" => '&',
        b"lt" => '<',
        b"gt" => '>',
        b"quot" => '"',
        b"apos" => '\'',
        b"nbsp" => ' ',
        [b'#', b'x' | b'X', hex @ ..] if !hex.is_empty() => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)?
        }
        [b'#', dec @ ..] if !dec.is_empty() => {
            char::from_u32(std::str::from_utf8(dec).ok()?.parse().ok()?)?
        }
        _ => return None,
    };
    Some((c, semi + 2))
}

/// `bytes` decoded from `enc`, when that gives text different from the input.
fn undo(enc: Encoding, bytes: &[u8]) -> Option<Vec<u8>> {
    let out = match enc {
        Encoding::Base64 => base64(bytes)?,
        Encoding::Hex => hex(bytes)?,
        Encoding::Percent => percent(bytes),
        Encoding::Escapes => escapes(bytes),
        Encoding::HtmlEntities => entities(bytes),
    };
    (out != bytes && is_text(&out)).then_some(out)
}

/// Mostly text: valid UTF-8 of at least four bytes, with few control characters.
fn is_text(b: &[u8]) -> bool {
    if b.len() < 4 || std::str::from_utf8(b).is_err() {
        return false;
    }
    let control = b
        .iter()
        .filter(|&&c| (c < 0x20 && !matches!(c, b'\n' | b'\r' | b'\t')) || c == 0x7f)
        .count();
    control * 20 <= b.len()
}

fn base64_value(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    })
}

/// Standard or URL-safe base64, padded or not, blanks ignored. Gives up at the first group
/// that decodes to a control byte: most runs of the alphabet are names, not base64.
fn base64(bytes: &[u8]) -> Option<Vec<u8>> {
    // The first group is tried before anything is allocated.
    if !first_group_is_text(bytes) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 3);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in bytes {
        if c.is_ascii_whitespace() || c == b'=' {
            continue;
        }
        acc = (acc << 6) | u32::from(base64_value(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            let byte = (acc >> bits) as u8;
            if (byte < 0x20 && !matches!(byte, b'\n' | b'\r' | b'\t')) || byte == 0x7f {
                return None;
            }
            out.push(byte);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether the first eight base64 characters decode to six bytes of printable ASCII or
/// blanks, as credentials, keys' armour and configuration start: a name or a path in the
/// alphabet does so about once in four hundred runs, so most are dropped before allocating.
fn first_group_is_text(bytes: &[u8]) -> bool {
    let mut acc = 0u64;
    let mut n = 0;
    for &c in bytes.iter().filter(|c| !c.is_ascii_whitespace()).take(8) {
        let Some(v) = base64_value(c) else {
            break;
        };
        acc = acc << 6 | u64::from(v);
        n += 1;
    }
    // Whole bytes only: a short or padded run is judged on what it has.
    let whole = n * 6 / 8;
    (0..whole).all(|k| {
        let b = (acc >> (n * 6 - 8 * (k + 1))) as u8;
        (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\r' | b'\t')
    })
}

fn hex(bytes: &[u8]) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    bytes
        .chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

fn percent(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && is_percent_escape(bytes, i) {
            let h = hex(&bytes[i + 1..i + 3]).unwrap_or_default();
            out.extend(h);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// The contents of a JSON string with its escapes undone.
pub fn unescape(bytes: &[u8]) -> Vec<u8> {
    escapes(bytes)
}

/// JSON, JavaScript and Python string escapes; an unknown escape is kept as written.
fn escapes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex_at = |at: usize, n: usize| -> Option<u32> {
        let h = std::str::from_utf8(bytes.get(at..at + n)?).ok()?;
        u32::from_str_radix(h, 16).ok()
    };
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 == bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let simple = match bytes[i + 1] {
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'0' => Some(0),
            c @ (b'"' | b'\'' | b'\\' | b'/') => Some(c),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
            continue;
        }
        let (code, len) = match bytes[i + 1] {
            b'u' => match hex_at(i + 2, 4) {
                // A surrogate pair, as JSON writes characters outside the first plane.
                Some(hi @ 0xd800..=0xdbff) if bytes.get(i + 6..i + 8) == Some(b"\\u") => {
                    match hex_at(i + 8, 4) {
                        Some(lo @ 0xdc00..=0xdfff) => {
                            (Some(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)), 12)
                        }
                        _ => (None, 2),
                    }
                }
                Some(c) => (Some(c), 6),
                None => (None, 2),
            },
            b'x' => (hex_at(i + 2, 2), 4),
            _ => (None, 2),
        };
        match code.and_then(char::from_u32) {
            Some(c) => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len;
            }
            None => {
                out.extend_from_slice(&bytes[i..i + 2]);
                i += 2;
            }
        }
    }
    out
}

fn entities(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], entity_at(bytes, i)) {
            (b'&', Some((c, len))) => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                i += len;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
