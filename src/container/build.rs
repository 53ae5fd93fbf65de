//! Test helpers that build containers in memory, so that tests need no binary fixtures.

use std::io::Write;

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

pub fn xz(data: &[u8]) -> Vec<u8> {
    let options = lzma_rust2::XzOptions::with_preset(1);
    let mut e = lzma_rust2::XzWriter::new(Vec::new(), options).expect("in memory");
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

pub fn lzma_alone(data: &[u8]) -> Vec<u8> {
    let options = lzma_rust2::LzmaOptions::with_preset(1);
    let mut e =
        lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &options, None).expect("in memory");
    e.write_all(data).expect("in memory");
    e.finish().expect("in memory")
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

pub fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut header, name, *data).expect("in memory");
    }
    b.into_inner().expect("in memory")
}

/// A zip archive whose members are compressed with `method`.
pub fn zip_with(members: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in members {
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(*name, options).expect("a supported method");
        w.write_all(data).expect("in memory");
    }
    w.finish().expect("in memory").into_inner()
}

pub fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(members, zip::CompressionMethod::Stored)
}

/// Corrupts the CRC-32 of every member of a zip made by `zip` (local and central headers).
pub fn break_crcs(mut data: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 4 <= data.len() {
        match &data[i..i + 4] {
            b"PK\x03\x04" if i + 18 <= data.len() => data[i + 14] ^= 0xff,
            b"PK\x01\x02" if i + 20 <= data.len() => data[i + 16] ^= 0xff,
            _ => {}
        }
        i += 1;
    }
    data
}

/// A one-member zip written by hand: `packed` is stored as is under compression `method`.
pub fn zip_raw(name: &str, method: u16, packed: &[u8], unpacked: &[u8]) -> Vec<u8> {
    let crc = crc32fast::hash(unpacked);
    let fields = |out: &mut Vec<u8>| {
        out.extend(63u16.to_le_bytes());
        out.extend(2u16.to_le_bytes());
        out.extend(method.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend(crc.to_le_bytes());
        out.extend((packed.len() as u32).to_le_bytes());
        out.extend((unpacked.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
    };
    let mut out = b"PK\x03\x04".to_vec();
    fields(&mut out);
    out.extend(name.as_bytes());
    out.extend(packed);
    let central = out.len();
    out.extend(b"PK\x01\x02");
    out.extend(63u16.to_le_bytes());
    fields(&mut out);
    out.extend([0u8; 14]);
    out.extend(name.as_bytes());
    let central_len = out.len() - central;
    out.extend(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
    out.extend((central_len as u32).to_le_bytes());
    out.extend((central as u32).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A zip member compressed with LZMA as zip stores it (method 14: a version, the properties
/// length, the five property bytes, then raw LZMA with an end marker).
pub fn zip_lzma(name: &str, data: &[u8]) -> Vec<u8> {
    let options = lzma_rust2::LzmaOptions::with_preset(1);
    let mut e =
        lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &options, true).expect("in memory");
    e.write_all(data).expect("in memory");
    let raw = e.finish().expect("in memory");
    let mut packed = vec![9, 20, 5, 0, options.get_props()];
    packed.extend(options.dict_size.to_le_bytes());
    packed.extend(raw);
    zip_raw(name, 14, &packed, data)
}
