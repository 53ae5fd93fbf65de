//! NumPy `.npy` files: the magic `\x93NUMPY`, a version, a header length and a Python dict
//! literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`. NumPy reads
//! that literal with `ast.literal_eval`, so it is parsed here as a Python literal too (escapes,
//! implicit concatenation, any quoting), and the dtype is judged from the parsed value: an
//! object dtype however it is spelled (`'|O'`, `'object'`, `'|\x4f'`, a field of a structured
//! dtype) means the bytes after the header are a pickle, which the caller then walks.
//! Reference: numpy `lib/format.py` (the NPY format, versions 1.0–3.0).

const MAGIC: &[u8] = b"\x93NUMPY";

/// What an `.npy` file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Npy<'a> {
    /// Plain numbers or fixed-size records: no pickle.
    Plain,
    /// An object array: the bytes after the header are a pickle.
    Object { pickle: &'a [u8] },
    /// A dtype this parser does not know: NumPy may read the rest as a pickle.
    Unknown { pickle: &'a [u8] },
}

/// Whether `head` starts with the NPY magic.
pub fn has_npy_magic(head: &[u8]) -> bool {
    head.starts_with(MAGIC)
}

/// Parses the header of an `.npy` file.
pub fn parse(data: &[u8]) -> Result<Npy<'_>, String> {
    if !has_npy_magic(data) {
        return Err("missing the \\x93NUMPY magic".into());
    }
    let (len, start, utf8) = match data.get(6) {
        Some(1) => (le(data.get(8..10)), 10, false),
        Some(2) => (le(data.get(8..12)), 12, false),
        Some(3) => (le(data.get(8..12)), 12, true),
        Some(v) => return Err(format!("unknown NPY version {v}")),
        None => return Err("truncated NPY header".into()),
    };
    let len = len.ok_or("truncated NPY header")?;
    let end = len.saturating_add(start);
    let header = data
        .get(start..end)
        .ok_or("NPY header runs past the end of the file")?;
    let header: String = if utf8 {
        std::str::from_utf8(header)
            .map_err(|_| "NPY header is not UTF-8".to_string())?
            .to_string()
    } else {
        header.iter().map(|&b| char::from(b)).collect()
    };
    let value = Parser::new(&header)
        .literal()
        .map_err(|e| format!("NPY header is not a Python literal: {e}"))?;
    let Lit::Dict(entries) = value else {
        return Err("NPY header is not a dict".into());
    };
    let descr = entries
        .iter()
        .rev()
        .find(|(k, _)| matches!(k, Lit::Str(s) if s == "descr"))
        .map(|(_, v)| v)
        .ok_or("NPY header has no 'descr'")?;
    let pickle = &data[end..];
    Ok(match kind(descr, 0) {
        Kind::Plain => Npy::Plain,
        Kind::Object => Npy::Object { pickle },
        Kind::Unknown => Npy::Unknown { pickle },
    })
}

fn le(bytes: Option<&[u8]>) -> Option<usize> {
    usize::try_from(super::walker::le_u64(bytes?)).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Plain,
    Unknown,
    Object,
}

/// Judges a `descr` value: a type string, or a list of `(name, descr[, shape])` fields.
fn kind(descr: &Lit, depth: usize) -> Kind {
    if depth > 32 {
        return Kind::Unknown;
    }
    match descr {
        Lit::Str(s) => type_string(s),
        Lit::List(fields) | Lit::Tuple(fields) => fields
            .iter()
            .map(|field| match field {
                Lit::Tuple(parts) | Lit::List(parts) if parts.len() >= 2 => {
                    kind(&parts[1], depth + 1)
                }
                _ => Kind::Unknown,
            })
            .max()
            .unwrap_or(Kind::Plain),
        _ => Kind::Unknown,
    }
}

/// A NumPy type string: plain when it is one of the fixed-size numeric, text or record types,
/// object when it names `O`/`object`, unknown otherwise (comma lists, sub-arrays, aliases).
fn type_string(s: &str) -> Kind {
    let t = s.trim_start_matches(['<', '>', '|', '=']);
    if t == "object" || t == "object_" || t.starts_with('O') {
        return Kind::Object;
    }
    let kind = t.chars().next();
    let rest = t.get(1..).unwrap_or("");
    let digits = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    let plain = match kind {
        Some('b' | 'i' | 'u' | 'f' | 'c' | 'S' | 'U' | 'V' | 'a') => digits,
        Some('M' | 'm') => {
            rest == "8" || (rest.starts_with("8[") && rest.ends_with(']') && !rest.contains('O'))
        }
        Some('?') => rest.is_empty(),
        _ => false,
    };
    if plain {
        Kind::Plain
    } else if t.contains('O') || t.contains("object") {
        Kind::Object
    } else {
        Kind::Unknown
    }
}

/// A Python literal, as far as NPY headers need.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Num,
    Const,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

/// A recursive-descent parser for the literals `ast.literal_eval` accepts in NPY headers.
struct Parser {
    chars: Vec<char>,
    i: usize,
    depth: usize,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser {
            chars: text.chars().collect(),
            i: 0,
            depth: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\\' && self.chars.get(self.i + 1) == Some(&'\n') {
                self.i += 2;
            } else if c.is_whitespace() {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The whole input as one literal.
    fn literal(mut self) -> Result<Lit, String> {
        let value = self.value()?;
        self.skip_ws();
        match self.peek() {
            None => Ok(value),
            Some(c) => Err(format!("unexpected {c:?} after the literal")),
        }
    }

    fn value(&mut self) -> Result<Lit, String> {
        self.depth += 1;
        if self.depth > 64 {
            return Err("nested too deep".into());
        }
        self.skip_ws();
        let value = match self.peek().ok_or("unexpected end")? {
            '{' => self.dict()?,
            '(' => {
                let (items, trailing) = self.items(')')?;
                if items.len() == 1 && !trailing {
                    items.into_iter().next().ok_or("empty")?
                } else {
                    Lit::Tuple(items)
                }
            }
            '[' => Lit::List(self.items(']')?.0),
            '\'' | '"' => self.strings()?,
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number()?,
            c if c.is_alphabetic() || c == '_' => {
                let word = self.word();
                match word.as_str() {
                    "True" | "False" | "None" => Lit::Const,
                    w if is_string_prefix(w) && matches!(self.peek(), Some('\'' | '"')) => {
                        self.i -= w.chars().count();
                        self.strings()?
                    }
                    w => return Err(format!("name {w:?} is not a literal")),
                }
            }
            c => return Err(format!("unexpected {c:?}")),
        };
        self.depth -= 1;
        Ok(value)
    }

    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(c) = self.peek().filter(|c| c.is_alphanumeric() || *c == '_') {
            w.push(c);
            self.i += 1;
        }
        w
    }

    fn number(&mut self) -> Result<Lit, String> {
        let start = self.i;
        while let Some(c) = self.peek() {
            let sign_after_exp = (c == '-' || c == '+')
                && self.i > start
                && matches!(self.chars[self.i - 1], 'e' | 'E');
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || sign_after_exp {
                self.i += 1;
            } else if (c == '-' || c == '+') && self.i == start {
                self.i += 1;
                self.skip_ws();
            } else {
                break;
            }
        }
        if self.i == start {
            return Err("expected a number".into());
        }
        Ok(Lit::Num)
    }

    /// `open` was seen: items separated by commas up to `close`; also says whether a comma
    /// followed the last item.
    fn items(&mut self, close: char) -> Result<(Vec<Lit>, bool), String> {
        self.i += 1;
        let mut items = Vec::new();
        let mut trailing = false;
        loop {
            self.skip_ws();
            if self.peek() == Some(close) {
                self.i += 1;
                return Ok((items, trailing));
            }
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => {
                    self.i += 1;
                    trailing = true;
                }
                Some(c) if c == close => {
                    trailing = false;
                }
                _ => return Err(format!("expected ',' or {close:?}")),
            }
        }
    }

    fn dict(&mut self) -> Result<Lit, String> {
        self.i += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some('}') {
                self.i += 1;
                return Ok(Lit::Dict(entries));
            }
            let key = self.value()?;
            self.skip_ws();
            if self.peek() != Some(':') {
                return Err("expected ':'".into());
            }
            self.i += 1;
            let value = self.value()?;
            entries.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(',') => self.i += 1,
                Some('}') => {}
                _ => return Err("expected ',' or '}'".into()),
            }
        }
    }

    /// One or more adjacent string literals, concatenated as Python does.
    fn strings(&mut self) -> Result<Lit, String> {
        let mut out = String::new();
        loop {
            self.skip_ws();
            let start = self.i;
            let prefix = self.word();
            if !is_string_prefix(&prefix) || !matches!(self.peek(), Some('\'' | '"')) {
                self.i = start;
                break;
            }
            let raw = prefix.to_ascii_lowercase().contains('r');
            out.push_str(&self.string(raw)?);
        }
        Ok(Lit::Str(out))
    }

    fn string(&mut self, raw: bool) -> Result<String, String> {
        let quote = self.peek().ok_or("unexpected end")?;
        let triple = self.chars.get(self.i..self.i + 3) == Some(&[quote; 3][..]);
        self.i += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            if c == quote {
                if !triple {
                    self.i += 1;
                    return Ok(out);
                }
                if self.chars.get(self.i..self.i + 3) == Some(&[quote; 3][..]) {
                    self.i += 3;
                    return Ok(out);
                }
            }
            if c == '\n' && !triple {
                return Err("newline in a string".into());
            }
            self.i += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.peek().ok_or("unterminated escape")?;
            self.i += 1;
            if raw {
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                self.i += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(v).ok_or("bad octal escape")?);
                }
                'x' | 'u' | 'U' => {
                    let n = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex: String = self
                        .chars
                        .get(self.i..self.i + n)
                        .ok_or("short escape")?
                        .iter()
                        .collect();
                    let v = u32::from_str_radix(&hex, 16).map_err(|_| "bad hex escape")?;
                    self.i += n;
                    out.push(char::from_u32(v).ok_or("bad escape")?);
                }
                // A named character (`\N{...}`) is not resolved: the name is kept as a marker
                // that no plain type string contains.
                'N' => out.push_str("\u{fffd}O"),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }
}

fn is_string_prefix(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "" | "r" | "u" | "b" | "br" | "rb"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, body: &[u8]) -> Vec<u8> {
        let mut data = b"\x93NUMPY\x01\x00".to_vec();
        data.extend((header.len() as u16).to_le_bytes());
        data.extend(header.as_bytes());
        data.extend(body);
        data
    }

    #[test]
    fn object_dtypes_carry_a_pickle_however_they_are_spelled() {
        let cases = [
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                "plain",
            ),
            (
                "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                "object",
            ),
            (
                "{'descr': '|\\x4f', 'fortran_order': False, 'shape': (1,), }",
                "object",
            ),
            (
                "{'descr': '|\\117', 'fortran_order': False, 'shape': (1,), }",
                "object",
            ),
            (
                "{'descr': 'object', 'fortran_order': False, 'shape': (1,), }",
                "object",
            ),
            (
                "{'d' 'escr': '<f4', 'fortran_order': False, 'shape': (1,)}",
                "plain",
            ),
            (
                "{'\\x64escr': '|O', 'fortran_order': False, 'shape': (1,)}",
                "object",
            ),
            (
                "{'descr': '<f4', 'descr': '|O', 'fortran_order': False, 'shape': (1,)}",
                "object",
            ),
            (
                "{\"descr\": u'|O', \"fortran_order\": False, \"shape\": (1,)}",
                "object",
            ),
            (
                "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }",
                "object",
            ),
            (
                "{'descr': [('Obj', '<i4')], 'fortran_order': False, 'shape': (1,), }",
                "plain",
            ),
            (
                "{'descr': '<U3', 'fortran_order': False, 'shape': (), }",
                "plain",
            ),
            (
                "{'descr': 'i4,O', 'fortran_order': False, 'shape': (), }",
                "object",
            ),
            (
                "{'descr': '(2,)i4', 'fortran_order': False, 'shape': (), }",
                "unknown",
            ),
            (
                "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }",
                "plain",
            ),
        ];
        for (header, expected) in cases {
            let data = npy(header, b"\x80\x03N.");
            let got = match parse(&data) {
                Ok(Npy::Plain) => "plain",
                Ok(Npy::Object {
                    pickle: b"\x80\x03N.",
                }) => "object",
                Ok(Npy::Unknown { .. }) => "unknown",
                other => panic!("{header}: {other:?}"),
            };
            assert_eq!(got, expected, "{header}");
        }
    }

    #[test]
    fn broken_headers_are_errors() {
        let mut truncated = npy("{'descr': '<f4'}", b"");
        truncated.truncate(14);
        let cases: [&[u8]; 4] = [
            b"\x93NUMPY",
            b"\x93NUMPY\x09\x00\x00\x00",
            &truncated,
            b"not npy",
        ];
        for data in cases {
            assert!(parse(data).is_err(), "{data:?}");
        }
        assert!(parse(&npy("{'shape': (1,)}", b"")).is_err());
        assert!(parse(&npy("{'descr': __import__('os')}", b"")).is_err());
    }
}
