//! False-positive filters, applied to every candidate secret after its rule's regex matched.
//! Each filter is a principle, not a list of sample lines: placeholders and templates,
//! documented example values, low entropy, wrong checksums, and for generic rules values that
//! are clearly not literals (identifiers, environment lookups, paths, hashes, UUIDs, minified
//! code).

use super::Rule;
use super::checksum;
use regex::bytes::Regex;
use std::sync::LazyLock;

/// The starts of the tokens that a provider rule reports (AWS, GitHub, GitLab, Slack,
/// Stripe, OpenAI…): a generic rule leaves such a value to that rule. Compiled once, rather
/// than inside each generic rule, where it doubled their compile time.
static PROVIDER_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!("^", r#"(?:IQoJb3JpZ2lu|FwoGZXIvYXdz|gh[pousr]_|github_pat_|npm_|gl(?:pat|dt|rt|cbt|ptt|ft|imt|oas|agent|soat|ffct)-|GR1348941|xox[abeoprs]-|xapp-|[sr]k_(?:live|test)_|whsec_|sk-(?:ant|proj|svcacct|admin|or)-|sk-[A-Za-z0-9]{20}T3BlbkFJ|A(?:KIA|SIA|IDA|ROA|KID|TATT|TCTT|TBB)|AIza|GOCSPX-|ya29\.|hf_|api_org_|r8_|gsk_|pplx-|xai-|pypi-|dop_v1_|do[or]_v1_|HRKU-|SG\.|hv[sbr]\.|dp\.(?:pt|st|ct|sa|scim|audit)\.|dapi[0-9a-f]|shp(?:at|ca|pa|ss)_|EAAA|sq0(?:atp|csp)-|eyJ|key-[0-9a-f]|glc_|glsa_|NRAK-|sntry[su]_|lin_(?:api|oauth)_|ntn_|PMAK-|dckr_(?:pat|oat)_|rubygems_|oy2|AKCp|LTAI|access_token\$|FLWSECK|CFPAT-|pul-|pscale_|sbp_|figd_|rnd_|ops_eyJ|dt0c01\.|CCIP(?:AT|RJ)_|sq[upa]_|bkua_|sha256~|hooks\.slack\.com|[pr]k_(?:live|test)_)"#)).expect("provider prefixes compile")
});

/// Returns `Some(validated)` when the value at `start..end` is a credential; `user` is the
/// user name that a password-slot rule captured next to it.
pub fn accept(
    rule: &Rule,
    content: &[u8],
    start: usize,
    end: usize,
    user: Option<&[u8]>,
) -> Option<bool> {
    let secret = &content[start..end];
    if secret.is_empty() {
        return None;
    }
    if let Some(floor) = rule.entropy {
        if entropy(secret) < floor {
            return None;
        }
    }
    let mut validated = false;
    if let Some(kind) = rule.checksum {
        match checksum::validate(kind, secret) {
            Some(true) => validated = true,
            Some(false) => return None,
            None => {}
        }
    }
    if rule.placeholder && !validated && is_placeholder(secret) {
        return None;
    }
    // A value in a password slot that carries a provider's prefix is that provider's
    // token: its own rule reports it, or rejected it (a wrong checksum).
    if rule.password_slot
        && !validated
        && (stand_in_password(secret, user) || PROVIDER_TOKEN.is_match(secret))
    {
        return None;
    }
    // Services such as Heroku issue UUID keys: a UUID under a name that ends in a secret
    // word (API_TOKEN, apiKey, client_secret) is one; under any other name it is an id.
    let uuid_key = is_uuid(secret) && uuid_credential_name(key_before(content, start));
    if rule.generic
        && (PROVIDER_TOKEN.is_match(secret)
            || !uuid_key
                && (!plausible_literal(secret, line_around(content, start)) || is_slug(secret))
            || code_reference(content, start, end)
            || names_a_session_value(content, start)
            || names_a_public_value(content, start))
    {
        return None;
    }
    Some(validated)
}

/// Passwords that documentation, samples and local setups use as stand-ins: a password
/// slot holding one of them (in any case, with or without trailing digits) is not a leak.
const STAND_IN_PASSWORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "guest",
    "root",
    "admin",
    "administrator",
    "tiger",
    "test",
    "tester",
    "testing",
    "user",
    "username",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "mongodb",
    "redis",
    "rabbit",
    "rabbitmq",
    "oracle",
    "sa",
    "default",
    "letmein",
    "qwerty",
    "welcome",
    "demo",
    "foo",
    "bar",
    "baz",
    "foobar",
    "pw",
    "pa",
    "p",
    "anonymous",
    "none",
    "null",
    "empty",
    "hunter",
    "abc",
    "abcd",
    "abcdef",
    "token",
    "apikey",
    "key",
    "dev",
    "local",
    "docker",
    "app",
    "db",
    "database",
    "service",
];

/// Whether the value in a password slot is a stand-in: a placeholder word, the user name
/// again, a run of one character or of counting digits. Short values stay: position is the
/// evidence there, and real passwords are often 7 or 8 characters.
pub(super) fn stand_in_password(secret: &[u8], user: Option<&[u8]>) -> bool {
    let lower = secret.to_ascii_lowercase();
    let word_len = lower
        .iter()
        .rposition(|b| !b.is_ascii_digit() && !b"!_.-".contains(b))
        .map_or(0, |i| i + 1);
    let word = &lower[..word_len];
    if word.is_empty() || STAND_IN_PASSWORDS.iter().any(|w| w.as_bytes() == word) {
        return true;
    }
    if user.is_some_and(|u| !u.is_empty() && u.eq_ignore_ascii_case(secret)) {
        return true;
    }
    let first = secret[0];
    secret.iter().all(|&b| b == first)
}

/// Whether the key before a generic value names a per-session value rather than a
/// credential: anti-forgery tokens (`csrf-token`, `X-XSRF-TOKEN`, `authenticity_token` in a
/// form) change with every page and grant nothing once the session is gone.
fn names_a_session_value(content: &[u8], start: usize) -> bool {
    let from = start.saturating_sub(80);
    let line_start = memchr::memrchr(b'\n', &content[from..start]).map_or(from, |i| from + i + 1);
    let key = &content[line_start..start];
    contains_ci(key, b"csrf") || contains_ci(key, b"xsrf") || contains_ci(key, b"authenticity")
}

/// Whether the key before a generic value says the value is public: Mapbox public tokens,
/// Plaid public tokens, publishable keys and public API keys are made to be handed to
/// browsers and apps, and grant nothing secret. The key is the name that ends just before
/// the value (`publicToken = "…"`, `MAPBOX_PUBLIC_TOKEN=…`), not any word earlier on the
/// line; a key that also says secret, private or password stays a credential.
fn names_a_public_value(content: &[u8], start: usize) -> bool {
    let name = key_before(content, start);
    (contains_ci(name, b"public") || contains_ci(name, b"publishable"))
        && !contains_ci(name, b"secret")
        && !contains_ci(name, b"private")
        && !contains_ci(name, b"pass")
}

/// The name that ends just before the value at `start` on its line, when only quotes,
/// spaces and an assignment stand between them (`publicToken = "`, `API_TOKEN=`); empty
/// otherwise.
fn key_before(content: &[u8], start: usize) -> &[u8] {
    let from = start.saturating_sub(80);
    let line_start = memchr::memrchr(b'\n', &content[from..start]).map_or(from, |i| from + i + 1);
    let before = &content[line_start..start];
    let name_end = before
        .iter()
        .rposition(|b| b.is_ascii_alphanumeric() || b"_.-".contains(b))
        .map_or(0, |i| i + 1);
    if !before[name_end..]
        .iter()
        .all(|b| b" \t\"'`:=,(>[]\\".contains(b))
    {
        return &[];
    }
    let name_start = before[..name_end]
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || b"_.-".contains(b)))
        .map_or(0, |i| i + 1);
    &before[name_start..name_end]
}

/// Whether a key name ends in a secret word (`API_TOKEN`, `apiKey`, `client_secret`,
/// `db_password`) and says nothing of an id.
fn uuid_credential_name(name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    let ends: [&[u8]; 8] = [
        b"token",
        b"secret",
        b"password",
        b"passwd",
        b"apikey",
        b"api_key",
        b"api-key",
        b"api.key",
    ];
    ends.iter().any(|e| lower.ends_with(e)) && !contains_ci(name, b"id")
}

/// Shannon entropy in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Runs that mark a value as a stand-in wherever they stand, written in one case.
const PLACEHOLDER_RUNS: &[&str] = &[
    "xxxx",
    "****",
    "....",
    "0000000000",
    "1234567890",
    "abcdefghij",
    // The example UUID of RFC 4122 and most documentation.
    "123e4567-e89b",
];

/// Words that mark a value as a stand-in (the short ones written as words, see
/// `has_written_word`).
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "placeholder",
    "redacted",
    "example",
    "dummy",
    "sample",
    "insert_",
    "insert-",
    "replace_",
    "replace-",
    "replaceme",
    "notasecret",
    "not-a-secret",
    "not_a_secret",
    "fixme",
    "todo",
    "lorem",
    "fake",
    "foobar",
    "mysecret",
    "mypassword",
    "notreal",
    "not_real",
    "not-real",
];

/// Templates and stand-ins: `${X}`, `{{ .Values.x }}`, `<token>`, `%(x)s`, `xxxx`, `changeme`…
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
    if has(b"${") || has(b"{{") || has(b"}}") || has(b"%(") || has(b"$(") {
        return true;
    }
    if lower.first() == Some(&b'<') && lower.last() == Some(&b'>') {
        return true;
    }
    let has_run = |run: &str| {
        [run.to_ascii_lowercase(), run.to_ascii_uppercase()]
            .iter()
            .any(|r| secret.windows(r.len()).any(|w| w == r.as_bytes()))
    };
    // A word of six letters or more turns up in random text too rarely to matter (below one
    // in a billion for a 1,600-character key), and is taken in any case and anywhere, as in
    // AWS's documented `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`; a shorter one must stand
    // as written.
    let has_word = |w: &str| match w.len() >= 6 {
        true => has(w.as_bytes()),
        false => has_written_word(secret, w.as_bytes()),
    };
    if PLACEHOLDER_RUNS.iter().any(|r| has_run(r))
        || PLACEHOLDER_WORDS.iter().any(|w| has_word(w))
        || has_counting_run(secret)
    {
        return true;
    }
    // A run of one repeated character over most of the value ("aaaaaaaa", "00000000").
    let mut distinct = [false; 256];
    secret.iter().for_each(|&b| distinct[b as usize] = true);
    let kinds = distinct.iter().filter(|&&d| d).count();
    secret.len() >= 8 && kinds <= 3
}

/// A run that counts, as people type stand-ins: eight characters each one more than the
/// one before (`abcdefgh`, `23456789`), or two interleaved counts (`a1b2c3d4e5f6`). Random
/// key material holds eight such characters with a chance far below one in a billion.
fn has_counting_run(secret: &[u8]) -> bool {
    let counting = |stride: usize, need: usize| {
        let mut run = 0;
        for i in stride..secret.len() {
            let (a, b) = (secret[i - stride], secret[i]);
            if a.is_ascii_alphanumeric() && b == a.wrapping_add(1) {
                run += 1;
                if run >= need {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        false
    };
    // Stride 1: seven steps make eight counting characters. Stride 2: steps of both
    // interleaved counts, at least four characters each.
    let interleaved = secret.len() >= 8
        && secret.windows(8).any(|w| {
            (0..6).all(|i| w[i].is_ascii_alphanumeric() && w[i + 2] == w[i].wrapping_add(1))
                && w[0].is_ascii_alphabetic() != w[1].is_ascii_alphabetic()
        });
    counting(1, 7) || interleaved
}

/// Whether `word` (lower case) stands in `secret` as a person writes it: in one case (lower,
/// upper, or a capital then lower), and not inside a longer run of letters of its case.
/// Random key material holds short words by chance: a 1,600-character base64 body holds a
/// given four-letter word in some mix of cases with a chance of one in a thousand ("tODO"),
/// which let placeholder words hide real private keys.
fn has_written_word(secret: &[u8], word: &[u8]) -> bool {
    let n = word.len();
    if n == 0 || secret.len() < n {
        return false;
    }
    (0..=secret.len() - n).any(|at| {
        let w = &secret[at..at + n];
        if !w.eq_ignore_ascii_case(word) {
            return false;
        }
        let letters = || w.iter().filter(|b| b.is_ascii_alphabetic());
        let lower = letters().all(u8::is_ascii_lowercase);
        let upper = letters().all(u8::is_ascii_uppercase);
        let title = w[0].is_ascii_uppercase() && letters().skip(1).all(u8::is_ascii_lowercase);
        if !(lower || upper || title) {
            return false;
        }
        // The neighbours must not continue the word: a letter of the same case before its
        // first letter or after its last one.
        let same_case = |a: u8, b: u8| {
            a.is_ascii_alphabetic()
                && b.is_ascii_alphabetic()
                && a.is_ascii_uppercase() == b.is_ascii_uppercase()
        };
        let before = at.checked_sub(1).map(|i| secret[i]);
        let after = secret.get(at + n).copied();
        !before.is_some_and(|b| same_case(b, w[0]))
            && !after.is_some_and(|a| same_case(a, w[n - 1]))
    })
}

/// The line that holds `offset`.
fn line_around(content: &[u8], offset: usize) -> &[u8] {
    // At most WINDOW bytes each way: a minified one-line file must not cost a full scan per
    // candidate.
    const WINDOW: usize = 1200;
    let from = offset.saturating_sub(WINDOW);
    let to = (offset + WINDOW).min(content.len());
    let start = memchr::memrchr(b'\n', &content[from..offset]).map_or(from, |i| from + i + 1);
    let end = memchr::memchr(b'\n', &content[offset..to]).map_or(to, |i| offset + i);
    &content[start..end]
}
/// An unquoted value that is an identifier and ends a code expression (`.set_secret =
/// curve25519_set_secret,`, `war_pass = K_SYS_REV;`) names a function or constant; it is not
/// a literal. Configuration files put unquoted values at the end of their line instead.
fn code_reference(content: &[u8], start: usize, end: usize) -> bool {
    let quoted = start > 0 && matches!(content[start - 1], b'"' | b'\'' | b'`');
    let value = &content[start..end];
    // The value as matched may carry the punctuation that ends the expression.
    let core_len = value
        .iter()
        .rposition(|b| !matches!(b, b',' | b';' | b')'))
        .map_or(0, |i| i + 1);
    let core = &value[..core_len];
    let identifier = !core.is_empty()
        && core
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_[]".contains(b));
    if quoted || !identifier {
        return false;
    }
    let next = value[core_len..].first().or_else(|| {
        content[end..]
            .iter()
            .take(200)
            .find(|b| !matches!(b, b' ' | b'\t'))
    });
    matches!(next, Some(b',' | b';' | b')' | b'{' | b'('))
}

/// A name made of lower-case words (`ibm,read-slot-reset-state2`, `power-controller@23b700000`):
/// words joined by separators, not a random string.
fn is_slug(value: &[u8]) -> bool {
    let allowed = value
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b",._-@".contains(b));
    let words = value
        .split(|b| !b.is_ascii_lowercase())
        .filter(|w| w.len() >= 3)
        .count();
    let separators = value.iter().filter(|b| b",._-@".contains(b)).count();
    allowed && words >= 2 && separators >= 1
}

/// For generic assignment rules: is the value a literal that could be a credential?
fn plausible_literal(secret: &[u8], line: &[u8]) -> bool {
    // Minified code and data URIs: one long line is not a config assignment.
    if line.len() > 1000 || contains(line, b"data:") && contains(line, b";base64,") {
        return false;
    }
    let s = secret;
    // An environment variable name, a name in code, a function call.
    if code_name(s) || s.contains(&b'(') {
        return false;
    }
    // Paths and URLs without credentials.
    let path_chars = s
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(b));
    if (s.starts_with(b"/") || s.starts_with(b"./") || s.starts_with(b"~/")) && path_chars
        || contains(s, b"://")
        || relative_path(s)
        || file_name(s)
    {
        return false;
    }
    // Hashes that are not secrets: git ids, lockfile integrity values, UUIDs.
    let hex = s.iter().all(u8::is_ascii_hexdigit);
    if hex
        && s.len() == 40
        && (contains_ci(line, b"commit") || contains_ci(line, b"sha") || contains_ci(line, b"rev"))
    {
        return false;
    }
    if s.starts_with(b"sha512-")
        || s.starts_with(b"sha384-")
        || s.starts_with(b"sha256-")
        || s.starts_with(b"sha1-")
    {
        return false;
    }
    !is_uuid(s)
}

/// A path written without its leading slash (`account/password/reset`, `v2/auth/token1`):
/// words between slashes (letters, then digits at their end), where key material mixes
/// cases and puts digits anywhere.
fn relative_path(s: &[u8]) -> bool {
    let word = |w: &[u8]| {
        let letters = w.iter().take_while(|b| b.is_ascii_lowercase()).count();
        w[letters..].iter().all(u8::is_ascii_digit)
    };
    let segments: Vec<&[u8]> = s.split(|&b| b == b'/').collect();
    segments.len() >= 2
        && segments
            .iter()
            .all(|seg| seg.split(|b| b"._-".contains(b)).all(word))
        && segments
            .iter()
            .filter(|seg| seg.iter().filter(|b| b.is_ascii_lowercase()).count() >= 3)
            .count()
            >= 2
}

/// Extensions of files that a value names (`main.96da3f0c.js`, `app.min.css`): a built
/// asset's name carries a content hash, not a credential.
const FILE_EXTENSIONS: &[&str] = &[
    "js", "mjs", "cjs", "css", "map", "json", "html", "htm", "png", "jpg", "jpeg", "gif", "svg",
    "ico", "webp", "woff", "woff2", "ttf", "txt", "md", "yml", "yaml", "xml", "toml", "py", "rb",
    "go", "rs", "ts", "tsx", "jsx", "java", "wasm", "zip", "gz", "tgz", "pdf", "csv", "lock", "sh",
    "php",
];

/// A file name: a name, then a dot and a known extension at the end.
fn file_name(s: &[u8]) -> bool {
    let Some(dot) = memchr::memrchr(b'.', s) else {
        return false;
    };
    let (name, ext) = (&s[..dot], &s[dot + 1..]);
    !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/".contains(b))
        && FILE_EXTENSIONS.iter().any(|e| e.as_bytes() == ext)
}

/// A name in code rather than a literal: a constant (`DB_PASSWORD`, `PROTOCOL_VERSION_1`), a
/// path (`cargo_credential::PROTOCOL_VERSION_1`, `a::B_C`, and its tail `:B_C` when the rule
/// took the first colon for a separator), a member access (`config.secret`, `self.token_v2`,
/// `opts->auth_key`) or an identifier made of words (`OSSL_STORE_INFO_get1_PKEY`).
pub fn code_name(value: &[u8]) -> bool {
    let core_len = value
        .iter()
        .rposition(|b| !matches!(b, b',' | b';' | b')' | b']'))
        .map_or(0, |i| i + 1);
    let v = &value[..core_len];
    let path = v.starts_with(b":") || memchr::memmem::find(v, b"::").is_some();
    let parts: Vec<&[u8]> = v
        .split(|&b| b == b':' || b == b'.' || b == b'>')
        .map(|p| p.strip_suffix(b"-").unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect();
    let ident = |p: &[u8]| {
        (p[0].is_ascii_alphabetic() || p[0] == b'_')
            && p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    if parts.is_empty() || !parts.iter().all(|p| ident(p)) {
        return false;
    }
    let constant = |p: &[u8]| {
        p.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
    };
    match parts.len() {
        1 => constant(parts[0]) || word_identifier(parts[0]),
        // A member access names short fields; long random runs between dots are key material
        // (`k3.secret.<64 characters>`, JWTs).
        _ => path || parts.iter().all(|p| p.len() <= 30),
    }
}

/// Three or more words joined by `_`, each upper case, lower case or camel case, with
/// digits only at its end (`OSSL_STORE_INFO_get1_PKEY`, `PEM_read_bio_PrivateKey_v2`): how
/// people name things, where random key material mixes cases at random inside its runs.
fn word_identifier(p: &[u8]) -> bool {
    let words: Vec<&[u8]> = p.split(|&b| b == b'_').filter(|w| !w.is_empty()).collect();
    words.len() >= 3
        && words.iter().all(|w| {
            let letters = w.iter().take_while(|b| b.is_ascii_alphabetic()).count();
            let (l, d) = w.split_at(letters);
            letters > 0
                && (written_word(l) || l.iter().all(u8::is_ascii_uppercase))
                && d.iter().all(u8::is_ascii_digit)
        })
}

/// Letters that read as written words: lower case, or capitalised words run together
/// (`read`, `Private`, `PrivateKey`, `getValue`); an upper-case letter never follows another.
fn written_word(l: &[u8]) -> bool {
    !l.is_empty()
        && l.windows(2)
            .all(|w| !(w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase()))
        && l.last().is_some_and(u8::is_ascii_lowercase)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// `8-4-4-4-12` hex digits.
pub fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "${API_TOKEN}",
            "{{ .Values.token }}",
            "<your-token>",
            "xxxxxxxxxxxx",
            "changeme",
            "your-api-key",
            "%(token)s",
            "aaaaaaaaaaaa",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for s in ["Zq3kT9vLm2Xw8Rb4Nc6Yd1Hf5Jg7Ps", "hR8#kq2!Lw9z"] {
            assert!(!is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn placeholder_words_count_as_written_not_by_chance() {
        for p in [
            "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIAXXXXXXXXXXXXXXXX",
            "YOUR_API_KEY",
            "my-dummy-token-value",
            "myDummyTokenValue",
            "TODO: set me",
            "changeme123",
            "Example-Token-1234",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        // Random base64 that holds the letters of a word in a mix of cases, or inside a run
        // of letters of the same case: key material, not a stand-in.
        for s in [
            "ihDSx69D+utRpXTjXXuJwiGETuT4x8ib/tODO7a0YZInAg",
            "Zk9q/xXxX3Lm+ab7Rt2Wq",
            "Qw7/pqdummyzk+Lr8Tb3",
            "n8tKnD9lxYofLoReMQ5ii3xv2r",
        ] {
            assert!(!is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn counting_runs_are_stand_ins() {
        for p in [
            "a1b2c3d4e5f6a7b8",
            "key-abcdefgh-9",
            "x23456789y",
            "A1B2C3D4",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for s in [
            "Zq3kT9vLm2Xw8Rb4",
            "a1b2Zq3kT9vL",
            "abcdefgXq",
            "1ebd85ec4000523174f3",
        ] {
            assert!(!has_counting_run(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn password_slots_drop_stand_ins_but_keep_short_real_passwords() {
        for (p, user) in [
            ("password", None),
            ("Password123", None),
            ("postgres", Some("postgres")),
            ("svc", Some("SVC")),
            ("aaaaaaa", None),
            ("guest", None),
        ] {
            assert!(
                stand_in_password(p.as_bytes(), user.map(str::as_bytes)),
                "{p}"
            );
        }
        for p in ["Pseg2020", "I3gJs1Qd", "Kq7@mWz!24", "tiger7Lm"] {
            assert!(!stand_in_password(p.as_bytes(), Some(b"app")), "{p}");
        }
    }

    #[test]
    fn relative_paths_and_file_names_are_not_literals() {
        let line = b"password = x";
        for v in [
            "account/password/reset2",
            "v2/auth/token1",
            "main.96da3f0c81b2e4d7.js",
            "static/app.3f9c2d1b.css",
        ] {
            assert!(!plausible_literal(v.as_bytes(), line), "{v}");
        }
        for v in [
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq3kT9",
            "zq3k/t9vlm2xw8rb4nc6q",
        ] {
            assert!(plausible_literal(v.as_bytes(), line), "{v}");
        }
    }

    #[test]
    fn anti_forgery_tokens_are_session_values() {
        let text = b"<meta name=\"csrf-token\" content=\"Zq3kT9vLm2Xw8Rb4\">\nX-XSRF-TOKEN: Zq3k\napi_token: Zq3k";
        let at = |needle: &[u8], from: usize| {
            from + text[from..]
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        assert!(names_a_session_value(text, at(b"Zq3k", 0)));
        let second = at(b"Zq3k", at(b"XSRF", 0));
        assert!(names_a_session_value(text, second));
        let third = at(b"Zq3k", at(b"api_token", 0));
        assert!(!names_a_session_value(text, third));
    }

    #[test]
    fn keys_named_public_hold_public_values() {
        let text = b"publicToken = \"Zq3kT9vLm2Xw8Rb4\"\nMAPBOX_PUBLIC_TOKEN=Zq3k\n{\"public\": true, \"api_token\": \"Zq3k\"}\npublic_secret_key: Zq3k";
        let at = |needle: &[u8], from: usize| {
            from + text[from..]
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        assert!(names_a_public_value(text, at(b"Zq3k", 0)));
        assert!(names_a_public_value(text, at(b"Zq3k", at(b"MAPBOX", 0))));
        // "public" earlier on the line is not the value's key.
        assert!(!names_a_public_value(
            text,
            at(b"Zq3k", at(b"api_token", 0))
        ));
        assert!(!names_a_public_value(
            text,
            at(b"Zq3k", at(b"public_secret", 0))
        ));
    }

    #[test]
    fn uuid_keys_need_a_secret_name() {
        for name in ["API_TOKEN", "apiKey", "client_secret", "heroku.api-key"] {
            assert!(uuid_credential_name(name.as_bytes()), "{name}");
        }
        for name in [
            "clientId",
            "request_token_id",
            "kms_key_id",
            "token_audience",
            "",
        ] {
            assert!(!uuid_credential_name(name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn entropy_of_uniform_and_random_values() {
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!(entropy(b"Zq3kT9vLm2Xw8Rb4Nc6Yd1Hf5Jg7Ps") > 4.0);
    }

    #[test]
    fn word_slugs_are_names() {
        assert!(is_slug(b"ibm,read-slot-reset-state2"));
        assert!(is_slug(b"power-controller@23b700000"));
        assert!(!is_slug(b"hr8kq2lw9zpq"));
        assert!(!is_slug(b"J530GbtSPh4lpGzYw3BOh0dh"));
    }

    #[test]
    fn identifiers_that_end_a_code_expression_are_references() {
        let text = b".set_secret\t\t= curve25519_set_secret,\nPASSWORD=hR8kq2Lw9zPq\n";
        let at = |needle: &[u8]| {
            text.windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        let s = at(b"curve25519_set_secret");
        assert!(code_reference(text, s, s + 21));
        let p = at(b"hR8kq2Lw9zPq");
        assert!(!code_reference(text, p, p + 12));
        let quoted = b"password = \"hunter2abcd\";";
        assert!(!code_reference(quoted, 12, 23));
    }

    #[test]
    fn generic_values_that_are_not_literals_are_dropped() {
        let line = b"password = x";
        for v in [
            "DB_PASSWORD",
            "config.secret",
            "os.getenv(\"X\")",
            "/etc/secret",
            "123e4567-e89b-12d3-a456-426614174000",
            "sha512-abc",
        ] {
            assert!(!plausible_literal(v.as_bytes(), line), "{v}");
        }
        assert!(plausible_literal(b"hR8kq2Lw9zPq", line));
    }

    #[test]
    fn paths_constants_and_member_accesses_are_names_not_values() {
        for v in [
            "cargo_credential::PROTOCOL_VERSION_1",
            ":PROTOCOL_VERSION_1,",
            "a::B_C",
            "foo.bar",
            "self.token_v2;",
            "opts->auth_key",
            "SOME_CONSTANT",
            "KEY_SIZE_256",
            "OSSL_STORE_INFO_get1_PKEY",
            "PEM_read_bio_PrivateKey_v2",
            "Secrets::DbPassword2",
        ] {
            assert!(code_name(v.as_bytes()), "{v}");
        }
        for v in [
            "hR8kq2Lw9zPq4Tx",
            "Zq3_kT9_vLm2Xw8",
            "k3.secret.fNYVuMvBgOlljt9TDohnaYLblghqaHoQquVZwgR6X12cBFHZLFsaU3q7X3k1Zn36",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "s3cr3t-Pa55w0rd",
        ] {
            assert!(!code_name(v.as_bytes()), "{v}");
        }
    }
}
