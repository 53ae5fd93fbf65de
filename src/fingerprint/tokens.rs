//! Normalised tokens: what survives when people copy code. Whitespace, line breaks and
//! comments go; identifiers become one kind, string literals another; numbers keep their
//! value (`0x10`, `16` and `16UL` alike), since a copy keeps its constants and they are what
//! tells one table or register map from another; keywords and punctuation stay as they are.
//! So a copy that was re-indented, reformatted, re-commented or had its names changed gives
//! the same tokens. Each token keeps the line it starts on, so a match can be reported as a
//! line range. Files of no known language fall back to plain text: words and numbers, case
//! folded, punctuation dropped.

/// How a file's text is split into tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// C, C++, Java, JavaScript/TypeScript, Go, Rust, C#, Kotlin, Swift, Scala, PHP: `//` and
    /// `/* */` comments.
    CLike,
    /// Python, shell, Ruby, Perl, make, CMake, YAML, TOML: `#` comments.
    Hash,
    /// Anything else: plain words.
    Text,
}

/// The way `path` is tokenised, from its extension (or name).
pub fn lang_of(path: &str) -> Lang {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "c" | "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "m" | "mm" | "java" | "js"
        | "jsx" | "mjs" | "cjs" | "ts" | "tsx" | "go" | "rs" | "cs" | "kt" | "kts" | "swift"
        | "scala" | "php" | "dts" | "dtsi" | "proto" | "groovy" | "dart" | "s" => Lang::CLike,
        "py" | "pyi" | "sh" | "bash" | "zsh" | "rb" | "pl" | "pm" | "mk" | "cmake" | "yml"
        | "yaml" | "toml" | "r" | "ps1" => Lang::Hash,
        _ if matches!(
            name,
            "Makefile" | "Kbuild" | "Kconfig" | "Dockerfile" | "CMakeLists.txt"
        ) =>
        {
            Lang::Hash
        }
        _ => Lang::Text,
    }
}

/// One normalised token: a value that stands for its kind (or itself), and its 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub value: u64,
    pub line: u32,
    /// A hash of an identifier's name (0 for any other token): lets winnowing tell
    /// `a = b + a` from `a = b + c` without knowing the names themselves.
    pub name: u64,
    /// A number's value plus one when it fits in 31 bits, else 32 bits of its value or of
    /// the hash of its text with the top bit set; 0 for other tokens. Small, so that a token
    /// stays 24 bytes.
    pub number: u32,
}

impl Token {
    /// The token's kind: its value, or for a number, one value for every number.
    pub fn kind(&self) -> u64 {
        match self.number {
            0 => self.value,
            _ => NUMBER,
        }
    }
}

const IDENT: u64 = 0x4944_454e_5400_0001;
const NUMBER: u64 = 0x4e55_4d00_0000_0002;
const STRING: u64 = 0x5354_5200_0000_0003;
const PUNCT: u64 = 0x5055_4e43_0000_0000;

/// Appends the tokens of `text` to `out` (cleared first).
pub fn tokens(text: &[u8], lang: Lang, out: &mut Vec<Token>) {
    out.clear();
    let n = text.len();
    let (mut i, mut line) = (0usize, 1u32);
    let at = |j: usize| text.get(j).copied().unwrap_or(0);
    while i < n {
        let b = text[i];
        match b {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => i += 1,
            b'/' if lang == Lang::CLike && at(i + 1) == b'/' => i = line_end(text, i),
            b'/' if lang == Lang::CLike && at(i + 1) == b'*' => {
                let end = memchr::memmem::find(&text[i + 2..], b"*/").map_or(n, |e| i + 4 + e);
                line += count_lines(&text[i..end]);
                i = end;
            }
            b'#' if lang == Lang::Hash => i = line_end(text, i),
            // Includes are the common imports of every file: boilerplate, not code.
            b'#' if lang == Lang::CLike && is_include(&text[i + 1..]) => i = line_end(text, i),
            b'"' | b'\'' | b'`' if lang != Lang::Text => match string_end(text, i, lang) {
                Some(end) => {
                    out.push(Token {
                        value: STRING,
                        line,
                        name: 0,
                        number: 0,
                    });
                    line += count_lines(&text[i..end]);
                    i = end;
                }
                None => {
                    out.push(Token {
                        value: PUNCT | u64::from(b),
                        line,
                        name: 0,
                        number: 0,
                    });
                    i += 1;
                }
            },
            b'0'..=b'9' => {
                let end = word_end(text, i, true);
                let number = number_value(&text[i..end]);
                out.push(Token {
                    value: NUMBER ^ number.rotate_left(17),
                    line,
                    name: 0,
                    number: match u32::try_from(number) {
                        Ok(n) if n < 1 << 31 => n,
                        _ => (number ^ number >> 32) as u32 | 1 << 31,
                    },
                });
                i = end;
            }
            _ if is_word_start(b) => {
                let end = word_end(text, i, false);
                let word = &text[i..end];
                let (value, name) = match lang {
                    Lang::Text => (word_hash(word, true), 0),
                    _ if is_keyword(word, lang) => (word_hash(word, false), 0),
                    _ => (IDENT, word_hash(word, false) | 1),
                };
                out.push(Token {
                    value,
                    line,
                    name,
                    number: 0,
                });
                i = end;
            }
            _ if lang == Lang::Text => i += 1,
            _ => {
                out.push(Token {
                    value: PUNCT | u64::from(b),
                    line,
                    name: 0,
                    number: 0,
                });
                i += 1;
            }
        }
    }
}

/// The value of a numeric literal, never 0: an integer (decimal or hex, `u`/`l` suffixes
/// dropped) is itself plus one, so that `0x10`, `16` and `16UL` are alike; any other
/// literal (`1.5e3`, `0b101`) is a hash of its text.
fn number_value(lit: &[u8]) -> u64 {
    let mut end = lit.len();
    while end > 1 && matches!(lit[end - 1] | 0x20, b'u' | b'l') {
        end -= 1;
    }
    let digits = std::str::from_utf8(&lit[..end]).unwrap_or("");
    let parsed = match digits.get(..2) {
        Some("0x" | "0X") => u64::from_str_radix(&digits[2..], 16).ok(),
        _ => digits.parse::<u64>().ok(),
    };
    match parsed {
        Some(v) if v < u64::MAX => v + 1,
        _ => word_hash(lit, true) | 1 << 63,
    }
}

fn is_include(rest: &[u8]) -> bool {
    let start = rest
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(rest.len());
    rest[start..].starts_with(b"include") || rest[start..].starts_with(b"import")
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

fn line_end(text: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &text[from..]).map_or(text.len(), |e| from + e)
}

fn count_lines(text: &[u8]) -> u32 {
    memchr::memchr_iter(b'\n', text).count() as u32
}

/// The end of a word (or, with `number`, of a numeric literal such as `0x1fUL` or `1.5e3`).
fn word_end(text: &[u8], from: usize, number: bool) -> usize {
    let mut j = from;
    while j < text.len() {
        let c = text[j];
        let part = c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80;
        if !(part || number && c == b'.') {
            break;
        }
        j += 1;
    }
    j
}

/// Where the string literal opening at `from` ends (one past its closing quote), or `None`
/// when the quote opens nothing (a Rust lifetime, an apostrophe in shell text). A Python
/// triple quote and a backtick string may span lines; others end at the line.
fn string_end(text: &[u8], from: usize, lang: Lang) -> Option<usize> {
    let q = text[from];
    if lang == Lang::Hash && text[from..].starts_with(&[q, q, q]) && q != b'`' {
        let close = [q, q, q];
        let end =
            memchr::memmem::find(&text[from + 3..], &close).map_or(text.len(), |e| from + 6 + e);
        return Some(end);
    }
    if q == b'\'' && lang == Lang::CLike {
        // A character literal is short: 'a', '\n', '\x1f', '\u{1F600}'. Anything else (a
        // lifetime) is punctuation.
        let close = text[from + 1..]
            .iter()
            .take(12)
            .enumerate()
            .find(|(k, c)| **c == b'\'' && (*k == 1 || text[from + 1] == b'\\'))
            .map(|(k, _)| from + 2 + k);
        return close;
    }
    let multiline = q == b'`';
    let mut j = from + 1;
    while j < text.len() {
        match text[j] {
            b'\\' => j += 2,
            b'\n' if !multiline => return Some(j),
            c if c == q => return Some(j + 1),
            _ => j += 1,
        }
    }
    Some(text.len())
}

/// A 64-bit value for a word (FNV-1a, then mixed), case folded when `fold`.
fn word_hash(word: &[u8], fold: bool) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in word {
        let b = if fold { b.to_ascii_lowercase() } else { b };
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Keywords kept as themselves, since they carry the shape of the code. Only words that
/// no language of the family uses as a plain name are listed: a renamed identifier must
/// never turn into a keyword (`type`, `map`, `new` are names in C).
fn is_keyword(word: &[u8], lang: Lang) -> bool {
    if word.len() > 9 {
        return false;
    }
    match lang {
        Lang::Hash => matches!(
            word,
            b"def"
                | b"class"
                | b"return"
                | b"if"
                | b"elif"
                | b"else"
                | b"for"
                | b"while"
                | b"in"
                | b"not"
                | b"and"
                | b"or"
                | b"is"
                | b"None"
                | b"True"
                | b"False"
                | b"lambda"
                | b"with"
                | b"try"
                | b"except"
                | b"finally"
                | b"raise"
                | b"pass"
                | b"yield"
                | b"import"
                | b"from"
                | b"assert"
                | b"then"
                | b"fi"
                | b"do"
                | b"done"
                | b"esac"
                | b"case"
                | b"break"
                | b"continue"
                | b"function"
        ),
        _ => matches!(
            word,
            b"if"
                | b"else"
                | b"for"
                | b"while"
                | b"do"
                | b"switch"
                | b"case"
                | b"default"
                | b"break"
                | b"continue"
                | b"return"
                | b"goto"
                | b"struct"
                | b"union"
                | b"enum"
                | b"typedef"
                | b"static"
                | b"const"
                | b"extern"
                | b"inline"
                | b"volatile"
                | b"unsigned"
                | b"signed"
                | b"int"
                | b"char"
                | b"long"
                | b"short"
                | b"void"
                | b"float"
                | b"double"
                | b"bool"
                | b"sizeof"
                | b"class"
                | b"namespace"
                | b"template"
                | b"public"
                | b"private"
                | b"protected"
                | b"virtual"
                | b"try"
                | b"catch"
                | b"throw"
                | b"operator"
                | b"fn"
                | b"let"
                | b"mut"
                | b"impl"
                | b"trait"
                | b"pub"
                | b"func"
                | b"function"
                | b"var"
                | b"async"
                | b"await"
                | b"true"
                | b"false"
                | b"null"
                | b"NULL"
                | b"Self"
                | b"self"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str, lang: Lang) -> Vec<u64> {
        let mut out = Vec::new();
        tokens(text.as_bytes(), lang, &mut out);
        out.iter().map(|t| t.value).collect()
    }

    #[test]
    fn renaming_reindenting_and_comments_change_nothing() {
        let a = "int total(int *xs, int n) {\n  int s = 0; // sum\n  for (int i = 0; i < n; i++) s += xs[i];\n  return s;\n}\n";
        let b = "int\nsum_all( int* values,int count )\n{\n\t/* add them up */\n\tint acc = 0;\n\n\tfor (int k = 0; k < count; k++)\n\t\tacc += values[k];\n\treturn acc;\n}";
        assert_eq!(values(a, Lang::CLike), values(b, Lang::CLike));
    }

    #[test]
    fn strings_collapse_and_keep_their_line() {
        let mut out = Vec::new();
        tokens(b"x = \"a\\\"b\"\ny = 'c'\n", Lang::Hash, &mut out);
        assert_eq!(out.len(), 6);
        assert_eq!((out[2].value, out[2].line), (STRING, 1));
        assert_eq!((out[5].value, out[5].line), (STRING, 2));
        let doc = "def f():\n    \"\"\"Doc\n    more\n    \"\"\"\n    return 1\n";
        tokens(doc.as_bytes(), Lang::Hash, &mut out);
        assert_eq!(out.last().map(|t| t.line), Some(5));
    }

    #[test]
    fn includes_are_left_out() {
        assert_eq!(
            values(
                "#include <linux/a.h>\n# include \"b.h\"\nint x;",
                Lang::CLike
            ),
            values("int y;", Lang::CLike)
        );
    }

    #[test]
    fn names_that_are_keywords_elsewhere_stay_names() {
        let a = values("if (e->kind == 1) x = new_node(map);", Lang::CLike);
        let b = values("if (e->type == 1) x = new(map_of);", Lang::CLike);
        assert_eq!(a, b);
    }

    #[test]
    fn numbers_keep_their_value_whatever_the_notation() {
        let v = |t: &str| values(t, Lang::CLike);
        assert_eq!(v("x = 0x10;"), v("x = 16UL;"));
        assert_ne!(v("x = 16;"), v("x = 17;"));
        let mut out = Vec::new();
        tokens(b"f(2.5, 0x1F)", Lang::CLike, &mut out);
        assert_eq!(out[2].kind(), NUMBER);
        assert_eq!(out[4].number, 32);
        assert_eq!(out[0].kind(), out[0].value);
    }

    #[test]
    fn rust_lifetimes_are_not_strings() {
        let v = values("fn f<'a>(x: &'a str) -> char { 'x' }", Lang::CLike);
        assert_eq!(v.iter().filter(|v| **v == STRING).count(), 1);
    }

    #[test]
    fn plain_text_keeps_words_case_folded() {
        assert_eq!(
            values("Hello, World 42", Lang::Text),
            values("hello world\n0x2a", Lang::Text)
        );
        assert_ne!(
            values("hello world", Lang::Text),
            values("hello there", Lang::Text)
        );
    }

    #[test]
    fn languages_come_from_the_extension() {
        assert_eq!(lang_of("src/a/b.rs"), Lang::CLike);
        assert_eq!(lang_of("tools/x.PY"), Lang::Hash);
        assert_eq!(lang_of("drivers/Makefile"), Lang::Hash);
        assert_eq!(lang_of("README"), Lang::Text);
    }
}
