//! Each container kind is recognised and opened; broken and oversized ones are refused.

use super::build;
use super::*;

#[derive(Default)]
struct Collect {
    members: Vec<(String, Vec<u8>)>,
    unreadable: Vec<(String, String)>,
}

impl Visitor for Collect {
    fn member(&mut self, name: &str, data: &[u8]) {
        self.members.push((name.to_string(), data.to_vec()));
    }
    fn unreadable(&mut self, name: &str, why: String) {
        self.unreadable.push((name.to_string(), why));
    }
}

fn open_all(name: &str, data: &[u8], budget: u64) -> Result<Collect, String> {
    let kind = sniff(name, data).ok_or("not a container")?;
    let mut c = Collect::default();
    let budget = Budget::new(budget);
    open(kind, name, data, &budget, &mut c)?;
    Ok(c)
}

#[test]
fn every_kind_is_recognised_and_opened() {
    let payload: &[u8] = b"\x80\x04hello pickle.";
    let tar = build::tar(&[("model/data.pkl", payload)]);
    let cases: Vec<(&str, Vec<u8>, Kind, &str)> = vec![
        ("m.pkl.gz", build::gzip(payload), Kind::Gzip, "m.pkl"),
        ("m.joblib", build::zlib(payload), Kind::Zlib, "m.joblib"),
        ("m.pkl.bz2", build::bzip2(payload), Kind::Bzip2, "m.pkl"),
        ("m.pkl.xz", build::xz(payload), Kind::Xz, "m.pkl"),
        ("m.pkl", build::lzma_alone(payload), Kind::Lzma, "m.pkl"),
        ("m.pkl.zst", build::zstd(payload), Kind::Zstd, "m.pkl"),
        ("m.tar", tar.clone(), Kind::Tar, "model/data.pkl"),
        (
            "m.zip",
            build::zip(&[("a.pkl", payload)]),
            Kind::Zip,
            "a.pkl",
        ),
        (
            "m.zip",
            build::zip_with(&[("a.pkl", payload)], zip::CompressionMethod::Bzip2),
            Kind::Zip,
            "a.pkl",
        ),
        (
            "m.zip",
            build::zip_lzma("a.pkl", payload),
            Kind::Zip,
            "a.pkl",
        ),
        (
            "m.zip",
            build::break_crcs(build::zip(&[("a.pkl", payload)])),
            Kind::Zip,
            "a.pkl",
        ),
    ];
    for (name, data, kind, member) in cases {
        assert_eq!(sniff(name, &data), Some(kind), "{name} {kind:?}");
        let c = open_all(name, &data, 1 << 20).unwrap_or_default();
        assert_eq!(c.unreadable, [], "{name} {kind:?}");
        assert_eq!(
            c.members,
            [(member.to_string(), payload.to_vec())],
            "{name} {kind:?}"
        );
    }
    let tgz = build::gzip(&tar);
    let c = open_all("model.tar.gz", &tgz, 1 << 20).unwrap_or_default();
    assert_eq!(c.members[0].0, "model.tar");
    assert_eq!(sniff("model.tar", &c.members[0].1), Some(Kind::Tar));
}

#[test]
fn zlib_and_lzma_need_a_pickle_like_name() {
    assert_eq!(sniff("notes.txt", &build::zlib(b"x")), None);
    assert_eq!(sniff("notes.txt", &build::lzma_alone(b"x")), None);
    assert_eq!(sniff("README", b"x^ some text"), None);
}

#[test]
fn bombs_and_budgets_are_refused() {
    let big = vec![0u8; 4 << 20];
    let err = open_all("a.bz2", &build::bzip2(&big), 1 << 30).err();
    assert!(err.is_some_and(|e| e.contains("bomb")));
    let err = open_all("a.gz", &build::gzip(b"0123456789"), 5).err();
    assert!(err.is_some_and(|e| e.contains("left to scan")));
    let zip = build::zip(&[("a", &[1u8; 100][..]), ("b", &[2u8; 100][..])]);
    let c = open_all("a.zip", &zip, 150).unwrap_or_default();
    assert_eq!(c.members.len(), 1);
    assert_eq!(c.unreadable.len(), 1);
}

#[test]
fn broken_and_unsupported_containers_are_errors() {
    assert!(open_all("a.7z", b"7z\xbc\xaf\x27\x1c\0\x04", 100).is_err());
    assert!(open_all("a.gz", b"\x1f\x8b\x08garbage", 100).is_err());
    assert!(open_all("a.zip", b"PK\x03\x04garbage", 100).is_err());
}

#[test]
fn member_names_drop_the_compression_extension() {
    assert_eq!(stream_member_name("a/model.pkl.gz"), "model.pkl");
    assert_eq!(stream_member_name("x.tgz"), "x.tar");
    assert_eq!(stream_member_name("m.joblib"), "m.joblib");
    assert_eq!(join("a.tar.gz", "a.tar"), "a.tar.gz!a.tar");
}

#[test]
fn a_stream_is_decompressed_as_it_is_read() {
    let text: Vec<u8> = b"id,email\n".repeat(10_000);
    let cases = [
        (Kind::Gzip, build::gzip(&text)),
        (Kind::Bzip2, build::bzip2(&text)),
        (Kind::Xz, build::xz(&text)),
        (Kind::Zstd, build::zstd(&text)),
    ];
    for (kind, packed) in cases {
        let mut reader = stream_reader(kind, &packed[..]).expect("a stream");
        let mut chunk = [0u8; 4096];
        let mut out = Vec::new();
        loop {
            let n = reader.read(&mut chunk).expect("readable");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(out, text, "{kind:?}");
    }
    assert!(stream_reader(Kind::Zip, &b""[..]).is_err());
}
