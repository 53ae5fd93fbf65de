//! The candidate pass's view of the bytes: blocks of 64 bytes classified at once into bit masks
//! (bit `k` for byte `k`), from which the places where the pass has work are found by bit
//! operations rather than byte by byte. On x86-64 the bytes are classified sixteen at a time
//! with SSE2 (part of every x86-64 processor), through `safe_arch`'s safe wrappers; elsewhere
//! eight at a time in 64-bit words.

use super::{MIN_RUN, MIN_WRAPPED_LINE, may_start};

/// Where the pass may have work in a block, and what tells whether a run of the alphabet there
/// may hide something: one bit per byte.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Masks {
    /// The base64 alphabet: `A-Z a-z 0-9 + / - _`.
    pub alphabet: u64,
    /// `%`, `\` and `&`, where an escape or an entity may start.
    pub special: u64,
    /// `A-Z a-z`.
    pub letter: u64,
    /// The bytes with bit 5 set: of the letters, the lower case ones; of the rest of the
    /// alphabet, all but `_`.
    pub bit5: u64,
}

impl Masks {
    fn upper(&self) -> u64 {
        self.letter & !self.bit5
    }

    fn lower(&self) -> u64 {
        self.letter & self.bit5
    }

    fn underscore(&self) -> u64 {
        self.alphabet & !self.letter & !self.bit5
    }
}

/// Something the candidate pass must look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Event {
    /// The start of a run of the alphabet at least `MIN_RUN` long that may hide something.
    Run(usize),
    /// A `%`, `\` or `&` that may start a span.
    Special(usize),
}

/// The blocks of `s` from `base` on (`base`, `base + 64`, ...), each classified when the pass
/// reaches it. The pass reads a block with the one after it; the two last read are kept for
/// the next search, which most often starts in the same block.
pub(super) struct Blocks<'a> {
    s: &'a [u8],
    base: usize,
    kept: Option<(usize, [Masks; 2])>,
}

impl<'a> Blocks<'a> {
    pub(super) fn new(s: &'a [u8], base: usize) -> Blocks<'a> {
        Blocks {
            s,
            base,
            kept: None,
        }
    }

    /// The masks of the block at `start`.
    #[inline]
    fn masks(&self, start: usize) -> Masks {
        match self.s.get(start..start + 64) {
            Some(b) => classify(b.try_into().expect("64 bytes")),
            None => classify(&self.padded(start)),
        }
    }

    /// The hex digits of the block at `start`, read only for runs that may be all hex.
    fn hex(&self, start: usize) -> u64 {
        match self.s.get(start..start + 64) {
            Some(b) => hex_digits(b.try_into().expect("64 bytes")),
            None => hex_digits(&self.padded(start)),
        }
    }

    /// The 64 bytes at `start`, those past the end of `s` read as zeros (in no class).
    #[cold]
    fn padded(&self, start: usize) -> [u8; 64] {
        let mut b = [0u8; 64];
        let rest = self.s.get(start..).unwrap_or_default();
        b[..rest.len()].copy_from_slice(rest);
        b
    }

    /// The first place at or after `i` and before `end` where the pass has work: a `%`, `\` or
    /// `&` that may start a span, or the start of a run of the alphabet at least `MIN_RUN`
    /// long that may hide something (a run counted from `i`: bytes before `i` are not part of
    /// it; it may go on past `end`).
    ///
    /// The runs of a block are found by bit operations, without a branch for each: `r & r >>
    /// 1`, then `>> 2`, `>> 4`, `>> 8` leaves bit `k` set where bytes `k..k + 16` are all in the
    /// alphabet, and adding to a run the bit where it starts carries to the bit past its end,
    /// or stops early at a bit taken out of it (one not of a case, not a hex digit). The run
    /// that ends a block is read on into the next. Code and prose are mostly short words, so
    /// a pass that stops at every word pays for mispredicted branches; this one costs about
    /// the same on every block.
    pub(super) fn next(&mut self, i: usize, end: usize) -> Option<Event> {
        const _: () = assert!(MIN_RUN == 16, "the shifts below find runs of 16");
        let mut start = i - (i - self.base) % 64;
        let [mut m, mut next] = match self.kept {
            Some((at, pair)) if at == start => pair,
            Some((at, [_, next])) if at + 64 == start => [next, self.masks(start + 64)],
            _ => [self.masks(start), self.masks(start + 64)],
        };
        // The bytes of the block passed over: those before `i` in the first block; in the
        // blocks after it, those that continue a run begun (and judged) before the block.
        let (mut skip, mut skip_special) = (i - start, i - start);
        let found = loop {
            if start >= end {
                break None;
            }
            let alphabet = m.alphabet & above(skip);
            let mut r = alphabet & alphabet >> 1;
            r &= r >> 2;
            r &= r >> 4;
            r &= r >> 8;
            let firsts = alphabet & !(alphabet << 1);
            let runs = Runs {
                alphabet,
                firsts,
                ends: alphabet.wrapping_add(firsts) & !alphabet & r << MIN_RUN,
                long: (r & r >> 16 & r >> 24) << 40,
            };
            let mixed = runs.holding(m.upper()) & runs.holding(m.lower());
            // Only a run without `_` may be all hex; one forty long may go on over a line.
            let doubtful = runs.ends & !mixed & (!runs.holding(m.underscore()) | runs.long);
            // The run that ends the block and goes on into the next, if sixteen long in all.
            let tail = alphabet.leading_ones() as usize;
            let more = if tail > 0 {
                next.alphabet.trailing_ones() as usize
            } else {
                0
            };
            let tail_doubtful = tail + more >= MIN_RUN && {
                let in_tail = [above(64 - tail), !above(more)];
                let tail_holds =
                    |f: fn(&Masks) -> u64| (f(&m) & in_tail[0]) | (f(&next) & in_tail[1]) != 0;
                (tail_holds(Masks::upper) && tail_holds(Masks::lower))
                    || !tail_holds(Masks::underscore)
                    || tail + more >= MIN_WRAPPED_LINE
            };
            // Most blocks hold nothing to look at, which is told with one branch.
            if (mixed | doubtful | m.special & above(skip_special)) != 0 || tail_doubtful {
                let look = Look {
                    skip_special,
                    mixed,
                    doubtful,
                    tail: tail_doubtful.then_some((tail, more)),
                };
                if let Some(event) = self.first(start, [m, next], &runs, look) {
                    break match event {
                        Event::Run(at) | Event::Special(at) if at >= end => None,
                        e => Some(e),
                    };
                }
            }
            skip = if m.alphabet >> 63 == 1 {
                next.alphabet.trailing_ones() as usize
            } else {
                0
            };
            skip_special = 0;
            start += 64;
            m = next;
            next = self.masks(start + 64);
        };
        self.kept = Some((start, [m, next]));
        found
    }

    /// The first event in the block at `start` (`pair` being it and the one after it), if
    /// any, from what `next` found there.
    fn first(&self, start: usize, pair: [Masks; 2], runs: &Runs, look: Look) -> Option<Event> {
        let [m, next] = pair;
        // Most `%`, `\` and `&` start nothing (`%d`, `&&`, `\` ending a line): those are
        // passed over here, by the bytes after them.
        let mut special = m.special & above(look.skip_special);
        while special != 0 && !may_start(self.s, start + special.trailing_zeros() as usize) {
            special &= special - 1;
        }
        let first_special = special.trailing_zeros() as usize;
        let mut hiding = look.mixed;
        if look.doubtful != 0 {
            hiding |= look.doubtful & !runs.holding(!self.hex(start));
            let long = look.doubtful & runs.long & !hiding;
            if long != 0 {
                hiding |= self.line_breaks(start, long);
            }
        }
        if hiding != 0 {
            let stop = hiding.trailing_zeros();
            let before = !runs.alphabet & !(u64::MAX << stop);
            let p = (64 - before.leading_zeros()) as usize;
            return if p < first_special {
                Some(Event::Run(start + p))
            } else {
                Some(Event::Special(start + first_special))
            };
        }
        if let Some((tail, more)) = look.tail {
            let p = 64 - tail;
            // A run that goes on past the next block is judged by `base64_run`.
            if p < first_special && (more == 64 || self.tail_may_hide(start, [m, next], p, more)) {
                return Some(Event::Run(start + p));
            }
        }
        (first_special < 64).then_some(Event::Special(start + first_special))
    }

    /// The bits of `at` (the ends of runs in the block at `start`) where the byte is a line
    /// break.
    fn line_breaks(&self, start: usize, mut at: u64) -> u64 {
        let mut breaks = 0;
        while at != 0 {
            let k = at.trailing_zeros() as usize;
            if matches!(self.s.get(start + k), Some(b'\r' | b'\n')) {
                breaks |= 1 << k;
            }
            at &= at - 1;
        }
        breaks
    }

    /// Whether the run of the alphabet from bit `p` of the block at `start` to bit `more` of
    /// the next can be a candidate: it mixes letter cases (base64 of text), is all hex digits,
    /// or is long enough to go on over a line break (`base64_run` then reads the lines that
    /// follow). A run for which this is false is one that `candidates` would read and drop.
    fn tail_may_hide(&self, start: usize, pair: [Masks; 2], p: usize, more: usize) -> bool {
        let bits = [above(p), !above(more)];
        let any = |f: fn(&Masks) -> u64| (0..2).any(|k| f(&pair[k]) & bits[k] != 0);
        (any(Masks::upper) && any(Masks::lower))
            || (!any(Masks::underscore)
                && (0..2).all(|k| self.hex(start + 64 * k) & bits[k] == bits[k]))
            || (64 - p + more >= MIN_WRAPPED_LINE
                && matches!(self.s.get(start + 64 + more), Some(b'\r' | b'\n')))
    }
}

/// The runs of the alphabet in a block, as bits.
struct Runs {
    /// The alphabet, less the bytes passed over.
    alphabet: u64,
    /// The first byte of each run.
    firsts: u64,
    /// The bit past the end of each run of `MIN_RUN` or more inside the block.
    ends: u64,
    /// The bit past the end of each run of forty or more.
    long: u64,
}

impl Runs {
    /// Of `ends`, those of the runs that hold a byte of `x`: adding to a run the bit where it
    /// starts carries to the bit past its end, unless it stops early at a bit taken out.
    fn holding(&self, x: u64) -> u64 {
        self.ends & !(self.alphabet & !x).wrapping_add(self.firsts)
    }
}

/// What `next` saw in a block that must be looked at.
#[derive(Debug, Clone, Copy)]
struct Look {
    skip_special: usize,
    /// The ends of runs of sixteen or more that mix letter cases: they may hide something.
    mixed: u64,
    /// The ends of those that may be all hex or go on over a line break.
    doubtful: u64,
    /// The run that ends the block, `tail` bytes there and `more` in the next, when it is
    /// sixteen long or more and may hide something.
    tail: Option<(usize, usize)>,
}

/// The bits from `n` up (none when `n` is 64 or more).
fn above(n: usize) -> u64 {
    u64::MAX.checked_shl(n as u32).unwrap_or(0)
}

/// The masks of a block, sixteen bytes at a time.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
pub(super) fn classify(block: &[u8; 64]) -> Masks {
    use safe_arch::*;
    let mut masks = Masks::default();
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let x = load_unaligned_m128i(chunk.try_into().expect("16 bytes"));
        let letter = within(bitor_m128i(x, splat(0x20)), b'a', 26);
        // `+ , - . /` and the digits, less `,` and `.`; and `_`.
        let sign_or_digit = within(x, b'+', 15);
        let comma_or_dot = bitor_m128i(equal(x, b','), equal(x, b'.'));
        let alphabet = bitor_m128i(
            bitor_m128i(letter, equal(x, b'_')),
            bitandnot_m128i(comma_or_dot, sign_or_digit),
        );
        let special = bitor_m128i(bitor_m128i(equal(x, b'%'), equal(x, b'\\')), equal(x, b'&'));
        masks.alphabet |= bits(alphabet) << (16 * k);
        masks.special |= bits(special) << (16 * k);
        masks.letter |= bits(letter) << (16 * k);
        // Bit 5 moved to bit 7, which `bits` reads.
        masks.bit5 |= bits(shl_imm_u16_m128i::<2>(x)) << (16 * k);
    }
    masks
}

/// The hex digits of a block, sixteen bytes at a time.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
pub(super) fn hex_digits(block: &[u8; 64]) -> u64 {
    use safe_arch::*;
    let mut hex = 0;
    for (k, chunk) in block.chunks_exact(16).enumerate() {
        let x = load_unaligned_m128i(chunk.try_into().expect("16 bytes"));
        let digits = bitor_m128i(
            within(x, b'0', 10),
            within(bitor_m128i(x, splat(0x20)), b'a', 6),
        );
        hex |= bits(digits) << (16 * k);
    }
    hex
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn splat(b: u8) -> safe_arch::m128i {
    safe_arch::set_splat_i8_m128i(b as i8)
}

/// All ones in the lanes of `x` in `lo..lo + n`: the range is moved to start at -128, where a
/// signed comparison tells it.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn within(x: safe_arch::m128i, lo: u8, n: u8) -> safe_arch::m128i {
    use safe_arch::*;
    let moved = add_i8_m128i(x, splat(0x80u8.wrapping_sub(lo)));
    cmp_lt_mask_i8_m128i(moved, splat(0x80u8.wrapping_add(n)))
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn equal(x: safe_arch::m128i, b: u8) -> safe_arch::m128i {
    safe_arch::cmp_eq_mask_i8_m128i(x, splat(b))
}

/// One bit per lane, set where the lane is all ones.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
fn bits(x: safe_arch::m128i) -> u64 {
    u64::from(safe_arch::move_mask_i8_m128i(x) as u16)
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(super) fn classify(block: &[u8; 64]) -> Masks {
    words::classify(block)
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
pub(super) fn hex_digits(block: &[u8; 64]) -> u64 {
    words::hex_digits(block)
}

/// The same masks eight bytes at a time in 64-bit words, with no branch: the way on other
/// processors, and the reference the tests hold the SSE2 way to.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2"),
    allow(dead_code, reason = "the tests compare it with the SSE2 way")
)]
pub(super) mod words {
    use super::Masks;

    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;

    // Each byte is taken as seven bits (a byte with the high bit set is in no class), so that
    // adding to a byte never carries into the next: `y + (0x80 - lo)` sets a byte's high bit
    // when `y >= lo`, `y + (0x7f - hi)` when `y > hi`.
    fn at_least(y: u64, lo: u8) -> u64 {
        (y + (0x80 - u64::from(lo)) * ONES) & HIGH
    }

    fn at_most(y: u64, hi: u8) -> u64 {
        !(y + (0x7f - u64::from(hi)) * ONES) & HIGH
    }

    fn equal(y: u64, b: u8) -> u64 {
        let z = y ^ (u64::from(b) * ONES);
        !((z + 0x7f * ONES) | z) & HIGH
    }

    /// The high bit of byte k moved to bit k.
    fn pack(m: u64) -> u64 {
        ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
    }

    fn words(block: &[u8; 64]) -> impl Iterator<Item = (usize, u64)> + '_ {
        block
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("eight bytes")))
            .enumerate()
    }

    /// One bit per byte of `x` (read little-endian), set where the byte is in the base64
    /// alphabet (`A-Z a-z 0-9 + / - _`).
    pub(in crate::decode) fn alphabet_bits(x: u64) -> u64 {
        let y = x & !HIGH;
        // Letters of either case, folded to lower case.
        let folded = y | (0x20 * ONES);
        let letter = at_least(folded, b'a') & at_most(folded, b'z');
        // `+ , - . /` and the digits, less `,` and `.` (the even bytes from `+` to `/`).
        let odd = (y << 7) & HIGH;
        let digit_or_sign = at_least(y, b'+') & at_most(y, b'9');
        let comma_or_dot = at_least(y, b'+') & at_most(y, b'/') & !odd;
        let m = (letter | equal(y, b'_') | (digit_or_sign & !comma_or_dot)) & !x & HIGH;
        pack(m)
    }

    pub(in crate::decode) fn classify(block: &[u8; 64]) -> Masks {
        let mut masks = Masks::default();
        for (k, x) in words(block) {
            let y = x & !HIGH;
            let high = !x & HIGH;
            let special = (equal(y, b'%') | equal(y, b'\\') | equal(y, b'&')) & high;
            let folded = y | (0x20 * ONES);
            let letter = at_least(folded, b'a') & at_most(folded, b'z') & high;
            masks.alphabet |= alphabet_bits(x) << (8 * k);
            masks.special |= pack(special) << (8 * k);
            masks.letter |= pack(letter) << (8 * k);
            masks.bit5 |= pack(x << 2 & HIGH) << (8 * k);
        }
        masks
    }

    pub(in crate::decode) fn hex_digits(block: &[u8; 64]) -> u64 {
        let mut hex = 0;
        for (k, x) in words(block) {
            let y = x & !HIGH;
            let folded = y | (0x20 * ONES);
            let digits = ((at_least(y, b'0') & at_most(y, b'9'))
                | (at_least(folded, b'a') & at_most(folded, b'f')))
                & !x
                & HIGH;
            hex |= pack(digits) << (8 * k);
        }
        hex
    }
}
