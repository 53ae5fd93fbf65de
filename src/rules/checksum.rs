//! Offline checksum validation for token formats that carry one. A token whose checksum is
//! wrong is not a credential (a typo, a doc sample or a look-alike) and is not reported; one
//! whose checksum is right is reported as validated.

/// The validators a rule can name with `checksum = "…"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`): 30 random base62 characters
    /// then the base62 CRC32 of those characters in 6 digits.
    Github,
    /// npm access tokens (`npm_`): the same layout as GitHub's.
    Npm,
    /// HTTP Basic credentials (RFC 7617): base64 of `user:password`. Not a checksum, but the
    /// same kind of offline test: a value that does not decode to that shape, or whose
    /// password is a stand-in, is not a credential.
    BasicAuth,
}

impl Kind {
    pub const NAMES: &'static [&'static str] = &["github", "npm", "basic-auth"];

    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "github" => Some(Kind::Github),
            "npm" => Some(Kind::Npm),
            "basic-auth" => Some(Kind::BasicAuth),
            _ => None,
        }
    }
}

/// `Some(true)` when the checksum is right, `Some(false)` when wrong, `None` when the value
/// does not have the layout the validator knows (then the rule's other filters decide).
pub fn validate(kind: Kind, secret: &[u8]) -> Option<bool> {
    match kind {
        Kind::Github | Kind::Npm => crc32_base62_suffix(secret),
        Kind::BasicAuth => basic_credentials(secret),
    }
}

/// `None` when `secret` decodes to printable `user:password` with a password (or, for
/// services that take a key as the user name, a user) that is not a stand-in;
/// `Some(false)` otherwise.
fn basic_credentials(secret: &[u8]) -> Option<bool> {
    let Some(decoded) = decode_base64(secret) else {
        return Some(false);
    };
    let printable = decoded.iter().all(|b| (0x20..0x7f).contains(b));
    let Some(colon) = decoded
        .iter()
        .position(|&b| b == b':')
        .filter(|_| printable)
    else {
        return Some(false);
    };
    let (user, password) = (&decoded[..colon], &decoded[colon + 1..]);
    let stand_in = if password.is_empty() {
        user.is_empty() || super::filter::stand_in_password(user, None)
    } else {
        super::filter::stand_in_password(password, Some(user))
            || super::filter::is_placeholder(password)
    };
    stand_in.then_some(false)
}

/// Standard base64 (RFC 4648, with or without padding); `None` when `s` is not base64.
pub fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let body = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 of `n`, left-padded with '0' to `width` digits.
pub fn base62(mut n: u64, width: usize) -> String {
    let mut digits = Vec::new();
    while n > 0 {
        digits.push(B62[(n % 62) as usize]);
        n /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

/// `<prefix>_<30 chars><6-digit base62 CRC32 of the 30 chars>`.
fn crc32_base62_suffix(secret: &[u8]) -> Option<bool> {
    let underscore = secret.iter().position(|&b| b == b'_')?;
    let body = &secret[underscore + 1..];
    if body.len() != 36 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let (random, check) = body.split_at(30);
    let expected = base62(u64::from(crc32fast::hash(random)), 6);
    Some(expected.as_bytes() == check)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a token with a valid checksum at test time.
    pub fn github_token(prefix: &str, random: &str) -> String {
        format!(
            "{prefix}_{random}{}",
            base62(u64::from(crc32fast::hash(random.as_bytes())), 6)
        )
    }

    #[test]
    fn github_checksum_accepts_a_valid_token_and_rejects_a_changed_one() {
        let t = github_token("ghp", "Zq3kT9vLm2Xw8Rb4Nc6Yd1Hf5Jg7Ps");
        assert_eq!(validate(Kind::Github, t.as_bytes()), Some(true));
        let mut bad = t.into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(validate(Kind::Github, &bad), Some(false));
    }

    #[test]
    fn other_layouts_are_left_to_other_filters() {
        assert_eq!(validate(Kind::Github, b"github_pat_11AAAAAAA"), None);
        assert_eq!(validate(Kind::Npm, b"npm_short"), None);
    }

    #[test]
    fn basic_credentials_must_decode_to_a_user_and_a_real_password() {
        // "svc-ci:Pseg2020", "user:password", "no colon here", "apikey-Zq3kT9vLm2:".
        assert_eq!(validate(Kind::BasicAuth, b"c3ZjLWNpOlBzZWcyMDIw"), None);
        assert_eq!(
            validate(Kind::BasicAuth, b"dXNlcjpwYXNzd29yZA=="),
            Some(false)
        );
        assert_eq!(
            validate(Kind::BasicAuth, b"bm8gY29sb24gaGVyZQ=="),
            Some(false)
        );
        assert_eq!(validate(Kind::BasicAuth, b"YXBpa2V5LVpxM2tUOXZMbTI6"), None);
        assert_eq!(validate(Kind::BasicAuth, b"not*base64"), Some(false));
    }

    #[test]
    fn base62_pads_to_width() {
        assert_eq!(base62(0, 6), "000000");
        assert_eq!(base62(61, 2), "0z");
    }
}
