//! Commit text decoded the way git reads it. A commit's message and its author and committer
//! names are bytes in the encoding its `encoding` header names; without the header they are
//! UTF-8 (git's `i18n.commitEncoding`, whose default is UTF-8, is what `git commit` writes into
//! that header). [`decode`] turns them into text, so that `René` in ISO-8859-1 and `René` in
//! UTF-8 are the same name and `Renè` is another.
//!
//! Bytes that do not decode are kept, not replaced: each becomes one character of a private
//! range ([`raw_byte`]), so two undecodable names are equal exactly when their bytes are. The
//! DCO check compares such text byte for byte and never loosely.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

/// The character that stands for the undecodable byte `0x80 + n` is `RAW_BASE + 0x80 + n`
/// (Supplementary Private Use Area-B, U+10FF80 to U+10FFFF).
const RAW_BASE: u32 = 0x10_FF00;

/// Decodes `bytes` with the encoding named by `label` (a commit's `encoding` header, or
/// `i18n.commitEncoding`), UTF-8 when there is none. A label that names no known encoding, or
/// an encoding that is not ASCII-compatible (commits are not written in UTF-16), reads as
/// UTF-8, as git shows such a commit's bytes unconverted. Labels are resolved as the WHATWG
/// Encoding Standard does: `ISO-8859-1` and `latin1` read as windows-1252, which differs
/// only in the C1 control characters.
pub fn decode(bytes: &[u8], label: Option<&str>) -> String {
    let encoding = label
        .and_then(|l| Encoding::for_label(l.trim().as_bytes()))
        .filter(|e| e.is_ascii_compatible())
        .unwrap_or(UTF_8);
    if encoding == UTF_8 {
        return decode_utf8(bytes);
    }
    // Each line on its own, so that one bad line keeps the others readable; `\n` is the same
    // byte in every ASCII-compatible encoding.
    let mut out = String::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        match encoding.decode_without_bom_handling_and_without_replacement(line) {
            Some(text) if !has_raw_bytes(&text) => out.push_str(&text),
            _ => push_raw(&mut out, line),
        }
    }
    out
}

/// UTF-8 with each byte of an invalid sequence kept as a raw byte. A valid character that
/// falls in the raw range is kept as its bytes too, so the range always means raw bytes.
fn decode_utf8(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if !has_raw_bytes(text) {
            return text.to_string();
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match raw_byte(c) {
                None => out.push(c),
                Some(_) => push_raw(&mut out, c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        push_raw(&mut out, chunk.invalid());
    }
    out
}

/// ASCII as itself, every other byte as its raw-byte character.
fn push_raw(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        out.push(match b {
            0..0x80 => char::from(b),
            _ => char::from_u32(RAW_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER),
        });
    }
}

/// The byte that `c` stands for, when it is a raw-byte character.
pub fn raw_byte(c: char) -> Option<u8> {
    u32::from(c)
        .checked_sub(RAW_BASE)
        .filter(|b| (0x80..=0xFF).contains(b))
        .and_then(|b| u8::try_from(b).ok())
}

/// Whether `text` holds bytes that did not decode.
pub fn has_raw_bytes(text: &str) -> bool {
    // Every raw-byte character starts with the byte F4 in UTF-8: most text has none.
    memchr::memchr(0xF4, text.as_bytes()).is_some() && text.chars().any(|c| raw_byte(c).is_some())
}

/// `text` for people: each raw byte written `\xNN`.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !has_raw_bytes(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match raw_byte(c) {
                Some(b) => format!("\\x{b:02X}"),
                None => c.to_string(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decode_with_the_commit_encoding() {
        #[rustfmt::skip]
        let cases: &[(&[u8], Option<&str>, &str)] = &[
            (b"Ren\xc3\xa9", None, "René"),
            (b"Ren\xc3\xa9", Some("UTF-8"), "René"),
            (b"Ren\xc3\xa9", Some("utf8"), "René"),
            (b"Ren\xe9", Some("ISO-8859-1"), "René"),
            (b"Ren\xe8", Some("iso-8859-1"), "Renè"),
            (b"Ren\xe9", Some("latin1"), "René"),
            (b"\x8f\xe9", Some("ISO-8859-1"), "\u{8f}é"),
            (b"\x93\xfa\x96\x7b", Some("Shift_JIS"), "日本"),
            (b"\xc6\xfc\xcb\xdc", Some("EUC-JP"), "日本"),
            (b"Ren\xc3\xa9", Some("no-such-encoding"), "René"),
            (b"Ren\xc3\xa9", Some("UTF-16"), "René"),
        ];
        for (bytes, label, want) in cases {
            assert_eq!(decode(bytes, *label), *want, "{bytes:?} in {label:?}");
        }
    }

    #[test]
    fn undecodable_bytes_are_kept_one_for_one() {
        let e9 = decode(b"Ren\xe9", None);
        let e8 = decode(b"Ren\xe8", None);
        assert_ne!(e9, e8, "different bytes stay different");
        assert_eq!(e9, decode(b"Ren\xe9", None), "the same bytes stay the same");
        assert!(has_raw_bytes(&e9) && !has_raw_bytes(&decode(b"Ren\xc3\xa9", None)));
        assert_eq!(printable(&e9), "Ren\\xE9");
        assert_eq!(printable("René"), "René");
        // A valid character of the raw range is kept as its four bytes, never as one byte.
        let lookalike = decode("Ren\u{10FFE9}".as_bytes(), None);
        assert_ne!(lookalike, e9);
        assert_eq!(printable(&lookalike), "Ren\\xF4\\x8F\\xBF\\xA9");
        // A bad line in a legacy encoding leaves the other lines decoded.
        let sjis = decode(b"\x93\xfa\x96\x7b\nbad \x81\n", Some("Shift_JIS"));
        assert_eq!(printable(&sjis), "日本\nbad \\x81\n");
    }
}
