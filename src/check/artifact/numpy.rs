//! NumPy `.npy` files: the magic `\x93NUMPY`, a version, a header length and a Python dict
//! literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`. Arrays of plain
//! dtypes are raw bytes and safe; arrays with an object dtype (`'O'`, also inside a structured
//! dtype) are stored as a pickle right after the header, which the caller then walks.
//! Reference: numpy `lib/format.py` (the NPY format, versions 1.0–3.0).

const MAGIC: &[u8] = b"\x93NUMPY";

/// What an `.npy` file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Npy<'a> {
    /// Plain numbers or fixed-size records: no pickle.
    Plain,
    /// An object array: the bytes after the header are a pickle.
    Object { pickle: &'a [u8] },
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
    let (len, start) = match data.get(6) {
        Some(1) => (le(data.get(8..10)), 10),
        Some(2 | 3) => (le(data.get(8..12)), 12),
        Some(v) => return Err(format!("unknown NPY version {v}")),
        None => return Err("truncated NPY header".into()),
    };
    let len = len.ok_or("truncated NPY header")?;
    let end = len.saturating_add(start);
    let header = data
        .get(start..end)
        .ok_or("NPY header runs past the end of the file")?;
    let header = std::str::from_utf8(header).map_err(|_| "NPY header is not text".to_string())?;
    let descr = descr(header).ok_or("NPY header has no 'descr'")?;
    if holds_objects(descr) {
        Ok(Npy::Object {
            pickle: &data[end..],
        })
    } else {
        Ok(Npy::Plain)
    }
}

fn le(bytes: Option<&[u8]>) -> Option<usize> {
    usize::try_from(super::walker::le_u64(bytes?)).ok()
}

/// The text of the `descr` value: a quoted string or a bracketed list of fields.
fn descr(header: &str) -> Option<&str> {
    let key = header
        .find("'descr'")
        .or_else(|| header.find("\"descr\""))?;
    let rest = header[key + 7..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    if rest.starts_with('[') {
        let mut depth = 0usize;
        for (i, c) in rest.char_indices() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 {
                return Some(&rest[..=i]);
            }
        }
        None
    } else {
        let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let inner = &rest[1..];
        inner.find(quote).map(|end| &inner[..end])
    }
}

/// Whether any type code in the descr is the object type `O` (with any byte-order mark).
fn holds_objects(descr: &str) -> bool {
    descr.split(['\'', '"']).any(|token| {
        matches!(
            token.trim_start_matches(['|', '<', '>', '=']),
            "O" | "O8" | "O4"
        )
    })
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
    fn object_dtypes_carry_a_pickle_and_plain_dtypes_do_not() {
        let cases = [
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                false,
            ),
            (
                "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': [('a', '<i4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }",
                true,
            ),
            (
                "{'descr': [('Obj', '<i4')], 'fortran_order': False, 'shape': (1,), }",
                false,
            ),
            (
                "{'descr': '<U3', 'fortran_order': False, 'shape': (), }",
                false,
            ),
        ];
        for (header, object) in cases {
            let data = npy(header, b"\x80\x03N.");
            let parsed = parse(&data);
            assert_eq!(
                matches!(
                    parsed,
                    Ok(Npy::Object {
                        pickle: b"\x80\x03N.",
                        ..
                    })
                ),
                object,
                "{header}"
            );
            assert!(parsed.is_ok(), "{header}");
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
    }
}
