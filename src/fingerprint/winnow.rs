//! Winnowing (Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms for document
//! fingerprinting", SIGMOD 2003): hash every run of `k` tokens, and in every window of `w`
//! consecutive hashes keep the smallest. Two texts that share a run of at least `w + k - 1`
//! tokens share a kept hash, and about 2/(w+1) of the hashes are kept. The hashes kept are
//! then keyed (HMAC-SHA256 with the org's key), so that an index of them tells nothing to
//! whoever lacks the key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::tokens::Token;

/// One kept k-gram: its (unkeyed) hash and the lines it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gram {
    pub hash: u64,
    pub first_line: u32,
    pub last_line: u32,
}

const BASE: u64 = 0x9E37_79B9_7F4A_7C15 | 1;

/// The finaliser of splitmix64: spreads a rolling hash over all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How identifiers enter a k-gram's hash.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Identifiers {
    /// Every identifier is the same token.
    Kind,
    /// An identifier is the distance back to the same name within the k-gram, or "new"
    /// (Baker's parameterised strings): consistent renaming changes nothing, while
    /// `a = b + a` and `a = b + c` differ.
    Order,
}

/// The winnowed k-grams of `tokens`, in order. A text shorter than one window keeps its
/// smallest k-gram; one shorter than `k` tokens keeps nothing.
pub fn winnow(tokens: &[Token], k: usize, w: usize, ids: Identifiers, out: &mut Vec<Gram>) {
    out.clear();
    if k == 0 || w == 0 || tokens.len() < k {
        return;
    }
    let hashes = kgram_hashes(tokens, k, ids);
    let grams = hashes.len();
    let gram = |i: usize| Gram {
        hash: hashes[i],
        first_line: tokens[i].line,
        last_line: tokens[i + k - 1].line,
    };
    // A deque of candidate positions whose hashes increase; the front is the window's
    // minimum (the rightmost one among equals, as the paper recommends).
    let mut deque = std::collections::VecDeque::with_capacity(w);
    let mut last = usize::MAX;
    for i in 0..grams {
        while deque
            .back()
            .is_some_and(|&j: &usize| hashes[j] >= hashes[i])
        {
            deque.pop_back();
        }
        deque.push_back(i);
        if deque.front().is_some_and(|&j| j + w <= i) {
            deque.pop_front();
        }
        if i + 1 >= w || i + 1 == grams {
            let m = deque.front().copied().unwrap_or(i);
            if m != last && (i + 1 >= w || grams < w) {
                if !repetitive(&tokens[m..m + k]) {
                    out.push(gram(m));
                }
                last = m;
            }
        }
    }
}

/// Longest period, in tokens, that makes a k-gram repetitive.
const MAX_PERIOD: usize = 12;

/// Whether a k-gram repeats itself with a short period, by kind, at most one token off
/// (rows of a table, a run of `x->a = f(y->a);` lines, the same call again and again) and
/// its numbers do not make it a table of its own. Such text has the same shape in code that
/// shares nothing else, so it is no evidence of a copy.
fn repetitive(gram: &[Token]) -> bool {
    let period = (1..=MAX_PERIOD.min(gram.len() / 2)).find(|&p| {
        let off = (0..gram.len() - p)
            .filter(|&j| gram[j].kind() != gram[j + p].kind())
            .take(2)
            .count();
        off <= 1
    });
    period.is_some_and(|p| !numbers_vary(gram, p))
}

/// Whether the numbers of a k-gram that repeats with period `p` differ from row to row in
/// a way no count explains: each number is neither the one a period before plus a fixed
/// step, nor that one times a fixed factor. `0x3c, 0x66, 0x7e` are a table's own; `1, 2,
/// 3`, `BIT(0)`, `BIT(1)`, `8, 16, 32`, or the same value again are not.
fn numbers_vary(gram: &[Token], p: usize) -> bool {
    // Per position in the period: the step and the factor, while every row has the same.
    let mut rule = [None::<(Option<u32>, Option<u32>)>; MAX_PERIOD];
    for j in p..gram.len() {
        let (a, b) = (gram[j - p].number, gram[j].number);
        if a == 0 || b == 0 {
            continue;
        }
        // Small integers are stored plus one (see `Token::number`).
        let (x, y) = (a.wrapping_sub(1), b.wrapping_sub(1));
        let step = Some(y.wrapping_sub(x));
        let factor = (x != 0 && y % x == 0).then(|| y / x);
        match &mut rule[j % p] {
            slot @ None => *slot = Some((step, factor)),
            Some((s, f)) => {
                if *s != step {
                    *s = None;
                }
                if *f != factor {
                    *f = None;
                }
                if s.is_none() && f.is_none() {
                    return true;
                }
            }
        }
    }
    false
}

/// The mixed rolling hash of every k-gram. With `Identifiers::Order` an identifier at `j`
/// counts as `j - prev` when the same name occurred at `prev` inside the k-gram: a rolling
/// hash still works, since each occurrence changes its value once, when the k-gram's start
/// passes the occurrence before it.
fn kgram_hashes(tokens: &[Token], k: usize, ids: Identifiers) -> Vec<u64> {
    let n = tokens.len();
    let mut pow = vec![1u64; k];
    for e in 1..k {
        pow[e] = pow[e - 1].wrapping_mul(BASE);
    }
    const NONE: u32 = u32::MAX;
    let (mut prev, mut next) = (Vec::new(), Vec::new());
    if ids == Identifiers::Order {
        prev = vec![NONE; n];
        next = vec![NONE; n];
        let mut last: std::collections::HashMap<u64, u32, foldhash::fast::FixedState> =
            std::collections::HashMap::with_hasher(foldhash::fast::FixedState::with_seed(7));
        for (j, t) in tokens.iter().enumerate() {
            if t.name != 0 {
                if let Some(p) = last.insert(t.name, j as u32) {
                    prev[j] = p;
                    next[p as usize] = j as u32;
                }
            }
        }
    }
    // The value of token `j` in a k-gram that starts at `start`.
    let value = |j: usize, start: usize| match prev.get(j) {
        Some(&p) if p != NONE && p as usize >= start => {
            tokens[j].value.wrapping_add((j - p as usize) as u64)
        }
        _ => tokens[j].value,
    };
    let mut h = 0u64;
    for j in 0..k {
        h = h.wrapping_mul(BASE).wrapping_add(value(j, 0));
    }
    let mut hashes = Vec::with_capacity(n - k + 1);
    hashes.push(mix(h));
    for i in 0..n - k {
        h = h.wrapping_sub(value(i, i).wrapping_mul(pow[k - 1]));
        // The next occurrence of the name at `i` loses its back-reference.
        if let Some(&j) = next.get(i) {
            let j = j as usize;
            if j != NONE as usize && j < i + k {
                h = h.wrapping_sub(((j - i) as u64).wrapping_mul(pow[i + k - 1 - j]));
            }
        }
        h = h.wrapping_mul(BASE).wrapping_add(value(i + k, i + 1));
        hashes.push(mix(h));
    }
    hashes
}

/// Keys k-gram hashes with the org's key: the first 8 bytes of HMAC-SHA256(key, hash).
pub struct Keyer {
    mac: Hmac<Sha256>,
}

impl Keyer {
    pub fn new(key: &[u8]) -> Keyer {
        Keyer {
            mac: Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length"),
        }
    }

    pub fn key(&self, hash: u64) -> u64 {
        let mut mac = self.mac.clone();
        mac.update(&hash.to_le_bytes());
        let out = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        u64::from_be_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(values: &[u64]) -> Vec<Token> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Token {
                value: *v,
                line: i as u32 + 1,
                name: 0,
                number: 0,
            })
            .collect()
    }

    #[test]
    fn a_shared_run_of_w_plus_k_minus_one_tokens_shares_a_fingerprint() {
        let (k, w) = (5, 8);
        let shared: Vec<u64> = (100..100 + (w + k - 1) as u64).collect();
        let a: Vec<u64> = (0..40).chain(shared.clone()).chain(500..520).collect();
        let b: Vec<u64> = (900..917).chain(shared).chain(700..730).collect();
        let (mut fa, mut fb) = (Vec::new(), Vec::new());
        winnow(&toks(&a), k, w, Identifiers::Kind, &mut fa);
        winnow(&toks(&b), k, w, Identifiers::Kind, &mut fb);
        let set: std::collections::HashSet<u64> = fa.iter().map(|g| g.hash).collect();
        assert!(fb.iter().any(|g| set.contains(&g.hash)));
    }

    #[test]
    fn about_two_in_w_plus_one_grams_are_kept() {
        let values: Vec<u64> = (0..10_000u64).map(|i| i * 7919 % 10_007).collect();
        let mut out = Vec::new();
        winnow(&toks(&values), 10, 30, Identifiers::Kind, &mut out);
        let density = out.len() as f64 / 10_000.0;
        assert!((0.04..0.09).contains(&density), "{density}");
        assert!(out.windows(2).all(|p| p[0].first_line < p[1].first_line));
    }

    #[test]
    fn short_texts_keep_their_minimum_and_tiny_ones_nothing() {
        let mut out = Vec::new();
        winnow(
            &toks(&[1, 2, 3, 4, 5, 6]),
            3,
            10,
            Identifiers::Order,
            &mut out,
        );
        assert_eq!(out.len(), 1);
        winnow(&toks(&[1, 2]), 3, 10, Identifiers::Order, &mut out);
        assert!(out.is_empty());
    }

    /// Every k-gram hashed from scratch, the way the rolling hash must agree with.
    fn direct(tokens: &[Token], k: usize) -> Vec<u64> {
        (0..=tokens.len() - k)
            .map(|i| {
                let mut h = 0u64;
                for j in i..i + k {
                    let back = (i..j)
                        .rev()
                        .find(|p| tokens[*p].name != 0 && tokens[*p].name == tokens[j].name);
                    let v = tokens[j]
                        .value
                        .wrapping_add(back.map_or(0, |p| (j - p) as u64));
                    h = h.wrapping_mul(BASE).wrapping_add(v);
                }
                mix(h)
            })
            .collect()
    }

    fn named(names: &[u64]) -> Vec<Token> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| Token {
                value: if *n == 0 { 40 + i as u64 % 3 } else { 7 },
                line: i as u32 + 1,
                name: *n,
                number: 0,
            })
            .collect()
    }

    #[test]
    fn rolling_order_hashes_equal_hashes_made_from_scratch() {
        let names: Vec<u64> = (0..300u64)
            .map(|i| [0, 1, 2, 3, 1, 0, 5, 2, 2, 9][(i * 7 % 10) as usize] + i / 40 * 10)
            .collect();
        let tokens = named(&names);
        for k in [1, 2, 5, 13] {
            assert_eq!(
                kgram_hashes(&tokens, k, Identifiers::Order),
                direct(&tokens, k),
                "k = {k}"
            );
        }
    }

    #[test]
    fn consistent_renaming_keeps_order_hashes_and_another_pattern_does_not() {
        let a = named(&[0, 11, 0, 12, 0, 11, 0, 13, 0, 12]);
        let renamed = named(&[0, 21, 0, 22, 0, 21, 0, 23, 0, 22]);
        let other = named(&[0, 11, 0, 12, 0, 13, 0, 13, 0, 12]);
        let h = |t: &[Token]| kgram_hashes(t, 6, Identifiers::Order);
        assert_eq!(h(&a), h(&renamed));
        assert_ne!(h(&a), h(&other));
        let kind = |t: &[Token]| kgram_hashes(t, 6, Identifiers::Kind);
        assert_eq!(kind(&a), kind(&other));
    }

    #[test]
    fn repetitive_grams_are_not_kept() {
        let table: Vec<u64> = (0..40).map(|i| [7, 44][i % 2]).collect();
        assert!(repetitive(&toks(&table[..25])));
        let mut out = Vec::new();
        winnow(&toks(&table), 10, 5, Identifiers::Kind, &mut out);
        assert!(out.is_empty());
        let varied: Vec<u64> = (0..25u64).map(|i| i * 7919 % 101).collect();
        assert!(!repetitive(&toks(&varied)));
    }

    fn numbers(values: &[u64]) -> Vec<Token> {
        // Rows of `NAME = value ,`: identifier, '=', the number, ','.
        values
            .iter()
            .flat_map(|v| {
                let n = |value, number| Token {
                    value,
                    line: 1,
                    name: 0,
                    number,
                };
                [n(7, 0), n(8, 0), n(1000 + v, *v as u32 + 1), n(9, 0)]
            })
            .collect()
    }

    #[test]
    fn tables_are_kept_only_when_their_numbers_are_their_own() {
        let count: Vec<u64> = (20..27).collect();
        assert!(repetitive(&numbers(&count)[..25]));
        let powers: Vec<u64> = (0..7).map(|e| 8 << e).collect();
        assert!(repetitive(&numbers(&powers)[..25]));
        assert!(repetitive(&numbers(&[5; 7])[..25]));
        let glyph = [0x3c, 0x66, 0x7e, 0x66, 0x00, 0x18, 0xc6];
        assert!(!repetitive(&numbers(&glyph)[..25]));
    }

    #[test]
    fn keyed_hashes_depend_on_the_key() {
        let (a, b) = (Keyer::new(b"one"), Keyer::new(b"two"));
        assert_eq!(a.key(42), Keyer::new(b"one").key(42));
        assert_ne!(a.key(42), b.key(42));
    }
}
