//! The bytes two versions of a text or a tree have in common at their start and at their end,
//! compared a block at a time.

/// Block sizes for finding where two buffers start to differ: large blocks compare at
/// memory speed, the smaller ones narrow down.
const BLOCKS: [usize; 3] = [4096, 64, 1];

/// How many bytes `a` and `b` have in common at their start.
pub fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    for w in BLOCKS {
        while i + w <= n && a[i..i + w] == b[i..i + w] {
            i += w;
        }
    }
    i
}

/// How many bytes `a` and `b` have in common at their end.
pub fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    for w in BLOCKS {
        while i + w <= n && a[n - i - w..n - i] == b[n - i - w..n - i] {
            i += w;
        }
    }
    i
}
