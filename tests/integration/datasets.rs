//! Personal data in datasets as they ship: Faker-made records in eleven locales, one kind per
//! file, as CSV, JSON Lines and Parquet (written here with the parquet crate's writer), and
//! the compressed, Arrow and unread formats.

use crate::common::{TestRepo, text};
use crate::lfs::tool_present;
use std::collections::BTreeMap;
use std::sync::Arc;

const ROWS: usize = 100;
/// Kinds of `bench/datasets.py`, with the noun of their finding and the share of rows that
/// must be found.
const KINDS: [(&str, &str, f64); 7] = [
    ("email", "e-mail address", 0.95),
    ("phone", "phone number", 0.95),
    ("card", "payment card number", 0.95),
    ("iban", "IBAN", 0.95),
    ("name", "personal name", 0.90),
    ("street", "street address", 0.90),
    ("dob", "date(s) of birth", 0.90),
];

/// `YYYY-MM-DD` to days since 1970-01-01.
fn days(iso: &str) -> i32 {
    let p: Vec<i64> = iso.split('-').filter_map(|x| x.parse().ok()).collect();
    let (y, m, d) = (p[0] - i64::from(p[1] <= 2), p[1], p[2]);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).expect("a date in range")
}

/// Writes `values` (column `column`) as Parquet, Snappy-compressed; dates as DATE.
fn write_parquet(path: &std::path::Path, column: &str, values: &[String], date: bool) {
    use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
    let kind = match date {
        true => "int32 v (DATE)",
        false => "binary v (STRING)",
    };
    let message = format!("message m {{ required int64 id; required {kind}; }}");
    let schema = parquet::schema::parser::parse_message_type(
        &message.replace(" v ", &format!(" {column} ")),
    )
    .expect("a schema");
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(40))
        .build();
    let file = std::fs::File::create(path).expect("create parquet");
    let mut writer =
        parquet::file::writer::SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
            .expect("a writer");
    for (n, chunk) in values.chunks(40).enumerate() {
        let mut group = writer.next_row_group().expect("a row group");
        let ids: Vec<i64> = (0..chunk.len() as i64)
            .map(|i| i + 1 + 40 * n as i64)
            .collect();
        let mut col = group.next_column().expect("id").expect("id");
        col.typed::<Int64Type>()
            .write_batch(&ids, None, None)
            .expect("ids");
        col.close().expect("close");
        let mut col = group.next_column().expect("value").expect("value");
        if date {
            let d: Vec<i32> = chunk.iter().map(|v| days(v)).collect();
            col.typed::<Int32Type>()
                .write_batch(&d, None, None)
                .expect("dates");
        } else {
            let b: Vec<ByteArray> = chunk.iter().map(|v| ByteArray::from(v.as_str())).collect();
            col.typed::<ByteArrayType>()
                .write_batch(&b, None, None)
                .expect("values");
        }
        col.close().expect("close");
        group.close().expect("close");
    }
    writer.close().expect("close parquet");
}

/// The values and column name of a generated CSV file (one id column, one value column).
fn csv_values(path: &std::path::Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("read csv");
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    let column = header.split(',').nth(1).expect("two columns").to_string();
    let values = lines
        .map(|l| {
            let v = l.split_once(',').map_or("", |(_, v)| v);
            v.trim_matches('"').replace("\"\"", "\"")
        })
        .collect();
    (column, values)
}

#[test]
fn faker_records_are_found_in_csv_jsonl_and_parquet_across_locales() {
    if !tool_present("python3", &["-c", "import faker"]) {
        return;
    }
    let t = TestRepo::new();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/datasets.py");
    let out = std::process::Command::new("python3")
        .args([script, "gen", "data", "--rows", &ROWS.to_string()])
        .current_dir(t.path())
        .output()
        .expect("run the generator");
    assert!(out.status.success(), "{}", text(&out));
    let manifest = std::fs::read_to_string(t.path().join("data/manifest.tsv")).expect("manifest");
    for line in manifest.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let dir = t.path().join("data").join(f[0]);
        let (column, values) = csv_values(&dir.join(format!("{}.csv", f[1])));
        write_parquet(
            &dir.join(format!("{}.parquet", f[1])),
            &column,
            &values,
            f[1] == "dob",
        );
    }
    let (_, v) = t.json(&["scan", "data"]);
    let mut found: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for finding in v["findings"].as_array().expect("findings") {
        let path = finding["path"].as_str().unwrap_or_default();
        let message = finding["message"].as_str().unwrap_or_default();
        let parts: Vec<&str> = path.rsplit('/').take(2).collect();
        let (file, locale) = (parts[0], parts[1]);
        let (kind, format) = file.rsplit_once('.').expect("an extension");
        let noun = KINDS.iter().find(|k| k.0 == kind).map_or("", |k| k.1);
        if finding["rule"] == "personal-data" && message.contains(noun) {
            let count = message
                .split(" holds ")
                .nth(1)
                .and_then(|r| r.split(' ').next());
            let count: usize = count.and_then(|c| c.parse().ok()).unwrap_or(0);
            *found
                .entry((kind.into(), format.into(), locale.into()))
                .or_default() += count;
        }
    }
    let locales: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.split('\t').next())
        .collect();
    let mut locales = locales;
    locales.dedup();
    let mut short = Vec::new();
    println!("kind    format   min  {}", locales.join(" "));
    for (kind, _, goal) in KINDS {
        for format in ["csv", "jsonl", "parquet"] {
            let counts: Vec<usize> = locales
                .iter()
                .map(|l| {
                    *found
                        .get(&(kind.into(), format.into(), (*l).into()))
                        .unwrap_or(&0)
                })
                .collect();
            let min = counts.iter().copied().min().unwrap_or(0);
            let row: Vec<String> = counts.iter().map(|c| format!("{c:5}")).collect();
            println!("{kind:7} {format:8} {min:3}  {}", row.join(" "));
            for (l, c) in locales.iter().zip(&counts) {
                if (*c as f64) < goal * ROWS as f64 {
                    short.push(format!("{kind} {format} {l}: {c} of {ROWS}"));
                }
            }
        }
    }
    assert!(short.is_empty(), "below the goal: {short:#?}");
}

fn users_csv() -> String {
    let mut csv = String::from("id,full_name,contact\n");
    let people = [
        ("Daniel Turner", "jane.doe"),
        ("Bettina Heintze", "b.heintze"),
        ("Marcel Miodek", "mm"),
    ];
    for (i, (name, user)) in people.iter().enumerate() {
        csv.push_str(&format!("{},{name},{user}@gmail.com\n", i + 1));
    }
    csv
}

#[test]
fn compressed_text_and_arrow_files_are_read_and_other_datasets_reported_unread() {
    use std::io::Write;
    let t = TestRepo::new();
    let csv = users_csv();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv.as_bytes()).expect("gzip");
    t.write("data/users.csv.gz", gz.finish().expect("gzip"));
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(csv.as_bytes()).expect("bzip2");
    t.write("data/users.tsv.bz2", bz.finish().expect("bzip2").as_slice());
    let names =
        arrow_array::StringArray::from(vec!["Daniel Turner", "Bettina Heintze", "Marcel Miodek"]);
    let schema = arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "customer",
        arrow_schema::DataType::Utf8,
        false,
    )]);
    let batch = arrow_array::RecordBatch::try_new(Arc::new(schema.clone()), vec![Arc::new(names)])
        .expect("a batch");
    let mut writer =
        arrow_ipc::writer::FileWriter::try_new(Vec::new(), &schema).expect("an IPC writer");
    writer.write(&batch).expect("write batch");
    writer.finish().expect("finish");
    t.write("data/users.feather", writer.into_inner().expect("bytes"));
    t.write("data/users.avro", b"Obj\x01rest of an avro file");
    let (code, v) = t.json(&["scan", "data"]);
    assert_eq!(code, 1);
    let mut got: Vec<String> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let m = f["message"].as_str().unwrap_or_default();
            let what = m.split(" holds ").nth(1).unwrap_or(m);
            let what = what.split(" (").next().unwrap_or(what);
            format!(
                "{} {}: {what}",
                f["path"].as_str().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default()
            )
        })
        .collect();
    got.sort();
    let unread = "users.avro unread-dataset: `users.avro` is a dataset that was not checked for personal data: Avro files are not read";
    assert_eq!(
        got,
        [
            unread,
            "users.csv.gz personal-data: 3 e-mail address(es)",
            "users.csv.gz personal-data: 3 personal name(s)",
            "users.feather personal-data: 3 personal name(s)",
            "users.tsv.bz2 personal-data: 3 e-mail address(es)",
        ]
    );
}
