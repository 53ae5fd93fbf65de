//! `.safetensors` files: an 8-byte little-endian header length N, N bytes of UTF-8 JSON that
//! begins with `{` (padded with spaces), then the raw tensor bytes. Nothing in them is executed,
//! so a file passes once its header is sane: valid JSON, every tensor with a known dtype, a
//! shape and `data_offsets` that lie inside the data and match the shape, and `__metadata__`
//! mapping strings to strings. Reference: the safetensors README (format section).

use serde_json::{Map, Value};

/// The format's own limit on the header size.
pub const MAX_HEADER: u64 = 100 * 1024 * 1024;

/// Bits per element of the dtypes the format defines.
fn dtype_bits(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "F4" => 4,
        "F6_E2M3" | "F6_E3M2" => 6,
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" | "C64" => 64,
        _ => return None,
    })
}

/// The header length N from the first eight bytes, if it is within the format's limits for a
/// file of `total_len` bytes.
pub fn header_len(head: &[u8], total_len: u64) -> Result<u64, String> {
    let bytes: [u8; 8] = head
        .get(..8)
        .and_then(|b| b.try_into().ok())
        .ok_or("file shorter than 8 bytes")?;
    let len = u64::from_le_bytes(bytes);
    if len > MAX_HEADER {
        return Err(format!("header length {len} exceeds the 100 MB limit"));
    }
    if len.saturating_add(8) > total_len {
        return Err(format!("header length {len} runs past the end of the file"));
    }
    Ok(len)
}

/// Cheap test: the first bytes could start a safetensors file of `total_len` bytes.
pub fn looks_like(head: &[u8], total_len: u64) -> bool {
    header_len(head, total_len).is_ok() && head.get(8) == Some(&b'{')
}

/// Validates the header. `data` holds at least the first `8 + N` bytes of a file of
/// `total_len` bytes. Returns the number of tensors.
pub fn validate(data: &[u8], total_len: u64) -> Result<usize, String> {
    let len = header_len(data, total_len)?;
    let header = usize::try_from(len)
        .ok()
        .and_then(|n| data.get(8..8 + n))
        .ok_or("truncated header")?;
    if header.first() != Some(&b'{') {
        return Err("header does not start with '{'".into());
    }
    let json: Value =
        serde_json::from_slice(header).map_err(|e| format!("header is not JSON: {e}"))?;
    let Value::Object(entries) = json else {
        return Err("header is not a JSON object".into());
    };
    let data_len = total_len - 8 - len;
    let mut tensors = 0;
    for (name, entry) in &entries {
        if name == "__metadata__" {
            check_metadata(entry)?;
        } else {
            check_tensor(entry, data_len).map_err(|e| format!("tensor '{name}': {e}"))?;
            tensors += 1;
        }
    }
    Ok(tensors)
}

fn check_metadata(entry: &Value) -> Result<(), String> {
    match entry {
        Value::Object(map) if map.values().all(Value::is_string) => Ok(()),
        _ => Err("__metadata__ must map strings to strings".into()),
    }
}

fn check_tensor(entry: &Value, data_len: u64) -> Result<(), String> {
    let entry: &Map<String, Value> = entry.as_object().ok_or("not an object")?;
    let dtype = entry
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or("no dtype")?;
    let bits = dtype_bits(dtype).ok_or_else(|| format!("unknown dtype {dtype}"))?;
    let shape = numbers(entry.get("shape")).ok_or("shape is not a list of sizes")?;
    let offsets =
        numbers(entry.get("data_offsets")).ok_or("data_offsets is not a list of offsets")?;
    let [begin, end] = offsets[..] else {
        return Err("data_offsets must hold two offsets".into());
    };
    if begin > end || end > data_len {
        return Err(format!(
            "data_offsets [{begin}, {end}] lie outside the {data_len} data bytes"
        ));
    }
    let elements = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d))
        .ok_or("shape overflows")?;
    let expected = elements
        .checked_mul(bits)
        .map(|b| b.div_ceil(8))
        .ok_or("shape overflows")?;
    if end - begin != expected {
        return Err(format!(
            "holds {} bytes but its shape and dtype need {expected}",
            end - begin
        ));
    }
    Ok(())
}

fn numbers(value: Option<&Value>) -> Option<Vec<u64>> {
    value?.as_array()?.iter().map(Value::as_u64).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str, data_len: usize) -> Vec<u8> {
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend(header.as_bytes());
        out.extend(vec![0u8; data_len]);
        out
    }

    #[test]
    fn valid_headers_pass() {
        let header = r#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}  "#;
        let data = file(header, 16);
        assert_eq!(validate(&data, data.len() as u64), Ok(1));
        assert!(looks_like(&data, data.len() as u64));
    }

    #[test]
    fn broken_headers_are_rejected_with_the_reason() {
        let tensor = |body: &str| format!(r#"{{"w":{body}}}"#);
        let cases = [
            (
                tensor(r#"{"dtype":"F32","shape":[2],"data_offsets":[0,16]}"#),
                "need 8",
            ),
            (
                tensor(r#"{"dtype":"F32","shape":[4],"data_offsets":[0,32]}"#),
                "outside",
            ),
            (
                tensor(r#"{"dtype":"X9","shape":[4],"data_offsets":[0,16]}"#),
                "unknown dtype X9",
            ),
            (
                tensor(r#"{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}"#),
                "shape",
            ),
            (r#"{"__metadata__":{"n":1}}"#.to_string(), "__metadata__"),
            ("{not json".to_string(), "not JSON"),
            ("[1]".to_string(), "start with '{'"),
        ];
        for (header, reason) in cases {
            let data = file(&header, 16);
            let error = validate(&data, data.len() as u64).err().unwrap_or_default();
            assert!(error.contains(reason), "{header}: {error}");
        }
    }

    #[test]
    fn header_length_must_fit_the_file() {
        assert!(header_len(&u64::MAX.to_le_bytes(), 100).is_err());
        assert!(header_len(&50u64.to_le_bytes(), 20).is_err());
        assert!(header_len(b"short", 20).is_err());
        assert_eq!(header_len(&4u64.to_le_bytes(), 20), Ok(4));
    }
}
