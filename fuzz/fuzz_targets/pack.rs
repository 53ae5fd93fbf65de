//! Fuzzes the pack reader on packs a pusher could write (pre-receive reads the packs of the
//! quarantine): two entries of any bytes, behind a valid pack header and index, read by id.
//! No panic, no hang, no allocation beyond the input's reach; an object that reads must have
//! a known kind. Run with `cd fuzz && cargo fuzz run -s none pack`.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use git_outbound::pack::{Objects, Packs};
use libfuzzer_sys::fuzz_target;

/// One object directory per process, its pack rewritten for each input.
fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("outbound-fuzz-pack-{}", std::process::id()));
        std::fs::create_dir_all(d.join("pack")).expect("a temp dir");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    // The first byte says where the first entry ends and the second starts.
    let Some((&cut, rest)) = data.split_first() else {
        return;
    };
    let cut = usize::from(cut).min(rest.len());
    let ids = [[0x11u8; 20], [0x22u8; 20]];
    let offsets = [12u32, 12 + cut as u32];
    let mut pack = b"PACK\0\0\0\x02\0\0\0\x02".to_vec();
    pack.extend_from_slice(rest);
    pack.extend_from_slice(&[0; 20]);
    let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
    for b in 0..256u32 {
        let n = ids.iter().filter(|id| u32::from(id[0]) <= b).count() as u32;
        idx.extend_from_slice(&n.to_be_bytes());
    }
    for id in &ids {
        idx.extend_from_slice(id);
    }
    idx.extend_from_slice(&[0; 8]); // CRCs
    for o in offsets {
        idx.extend_from_slice(&o.to_be_bytes());
    }
    idx.extend_from_slice(&[0; 40]); // checksums
    let d = dir();
    std::fs::write(d.join("pack/pack-f.pack"), &pack).expect("pack written");
    std::fs::write(d.join("pack/pack-f.idx"), &idx).expect("index written");
    let mut objects = Objects::new(Packs::open_dirs(std::slice::from_ref(d)));
    for id in ids {
        let id = git2::Oid::from_bytes(&id).expect("an id");
        if let Ok(Some((kind, _))) = objects.find(id) {
            assert!(matches!(
                kind,
                git2::ObjectType::Blob
                    | git2::ObjectType::Tree
                    | git2::ObjectType::Commit
                    | git2::ObjectType::Tag
            ));
        }
    }
});
