//! Columnar datasets read for personal data: Parquet (the record reader of the `parquet`
//! crate, one row group at a time) and Arrow IPC files and streams (Feather v2), one record
//! batch at a time. Only text, binary and date columns are read; numeric ones are projected
//! away before they are decoded. Each row goes to the `pii::Scanner`, its values by column.

use super::pii::Scanner;
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::basic::{ConvertedType, LogicalType, Type as Physical};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use std::io::Cursor;
use std::sync::Arc;

/// The columnar formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    /// Arrow IPC: the file format (`ARROW1`, Feather v2) or the stream format.
    Ipc,
}

/// Feeds every row of `data` to `scanner`; an error says why the file could not be read.
pub fn scan(format: Format, data: &[u8], scanner: &mut Scanner) -> Result<(), String> {
    match format {
        Format::Parquet => parquet_rows(data, scanner).map_err(|e| e.to_string()),
        Format::Ipc if data.starts_with(b"ARROW1") => ipc_file(data, scanner),
        Format::Ipc if data.starts_with(b"FEA1") => {
            Err("it is a Feather version 1 file, which is not read".into())
        }
        Format::Ipc => ipc_stream(data, scanner),
    }
}

fn parquet_rows(data: &[u8], scanner: &mut Scanner) -> parquet::errors::Result<()> {
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(data))?;
    let schema = reader.metadata().file_metadata().schema();
    let kept: Vec<_> = schema
        .get_fields()
        .iter()
        .filter(|f| !f.is_primitive() || textual(f))
        .cloned()
        .collect();
    if kept.is_empty() {
        return Ok(());
    }
    let projection = parquet::schema::types::Type::group_type_builder(schema.name())
        .with_fields(kept)
        .build()?;
    for group in 0..reader.num_row_groups() {
        let rows = reader.get_row_group(group)?;
        for row in rows.get_row_iter(Some(projection.clone()))? {
            let mut cells = Vec::new();
            row_cells(scanner, "", &row?, &mut cells);
            scanner.row(&cells);
        }
    }
    Ok(())
}

/// A primitive column of text, bytes or dates.
fn textual(field: &parquet::schema::types::Type) -> bool {
    let info = field.get_basic_info();
    match field.get_physical_type() {
        Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY => true,
        Physical::INT32 => {
            info.converted_type() == ConvertedType::DATE
                || matches!(info.logical_type_ref(), Some(LogicalType::Date))
        }
        _ => false,
    }
}

fn row_cells(scanner: &mut Scanner, prefix: &str, row: &Row, out: &mut Vec<(usize, String)>) {
    for (name, field) in row.get_column_iter() {
        let key = match prefix {
            "" => name.clone(),
            _ => format!("{prefix}.{name}"),
        };
        field_cells(scanner, &key, field, out);
    }
}

fn field_cells(scanner: &mut Scanner, key: &str, field: &Field, out: &mut Vec<(usize, String)>) {
    let text = match field {
        Field::Str(s) => Some(s.clone()),
        Field::Bytes(b) => b.as_utf8().ok().map(str::to_string),
        Field::Date(days) => Some(crate::calendar::iso_date(i64::from(*days))),
        Field::Group(row) => {
            row_cells(scanner, key, row, out);
            None
        }
        Field::ListInternal(list) => {
            for item in list.elements() {
                field_cells(scanner, key, item, out);
            }
            None
        }
        Field::MapInternal(map) => {
            for (_, value) in map.entries() {
                field_cells(scanner, key, value, out);
            }
            None
        }
        _ => None,
    };
    if let (Some(text), Some(col)) = (text, scanner.column(key)) {
        out.push((col, text));
    }
}

fn ipc_file(data: &[u8], scanner: &mut Scanner) -> Result<(), String> {
    let err = |e: arrow_schema::ArrowError| e.to_string();
    let probe = arrow_ipc::reader::FileReader::try_new(Cursor::new(data), None).map_err(err)?;
    let wanted = projection(&probe.schema());
    let reader = arrow_ipc::reader::FileReader::try_new(Cursor::new(data), Some(wanted));
    for batch in reader.map_err(err)? {
        batch_rows(&batch.map_err(err)?, scanner);
    }
    Ok(())
}

fn ipc_stream(data: &[u8], scanner: &mut Scanner) -> Result<(), String> {
    let err = |e: arrow_schema::ArrowError| e.to_string();
    let probe = arrow_ipc::reader::StreamReader::try_new(Cursor::new(data), None).map_err(err)?;
    let wanted = projection(&probe.schema());
    let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(data), Some(wanted));
    for batch in reader.map_err(err)? {
        batch_rows(&batch.map_err(err)?, scanner);
    }
    Ok(())
}

/// The columns worth decoding: text, binary, dates and dictionaries of them.
fn projection(schema: &arrow_schema::Schema) -> Vec<usize> {
    fn wanted(t: &DataType) -> bool {
        match t {
            DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Binary
            | DataType::LargeBinary
            | DataType::Date32
            | DataType::Date64 => true,
            DataType::Dictionary(_, v) => wanted(v),
            _ => false,
        }
    }
    (0..schema.fields().len())
        .filter(|&i| wanted(schema.field(i).data_type()))
        .collect()
}

fn batch_rows(batch: &RecordBatch, scanner: &mut Scanner) {
    let schema = batch.schema();
    let columns: Vec<(usize, Vec<Option<String>>)> = (0..batch.num_columns())
        .filter_map(|i| {
            let col = scanner.column(schema.field(i).name())?;
            Some((col, texts(batch.column(i))))
        })
        .collect();
    for row in 0..batch.num_rows() {
        let cells: Vec<(usize, String)> = columns
            .iter()
            .filter_map(|(col, values)| Some((*col, values.get(row)?.clone()?)))
            .collect();
        scanner.row(&cells);
    }
}

/// The values of one column as text (`None` for nulls and non-text values).
fn texts(array: &Arc<dyn Array>) -> Vec<Option<String>> {
    let n = array.len();
    let each = |f: &dyn Fn(usize) -> String| {
        (0..n)
            .map(|i| (!array.is_null(i)).then(|| f(i)))
            .collect::<Vec<_>>()
    };
    match array.data_type() {
        DataType::Utf8 => each(&|i| array.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => each(&|i| array.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => each(&|i| array.as_string_view().value(i).to_string()),
        DataType::Binary => each(&|i| lossy(array.as_binary::<i32>().value(i))),
        DataType::LargeBinary => each(&|i| lossy(array.as_binary::<i64>().value(i))),
        DataType::Date32 => each(&|i| {
            crate::calendar::iso_date(i64::from(array.as_primitive::<Date32Type>().value(i)))
        }),
        DataType::Date64 => each(&|i| {
            crate::calendar::iso_date(
                array
                    .as_primitive::<Date64Type>()
                    .value(i)
                    .div_euclid(86_400_000),
            )
        }),
        DataType::Dictionary(_, _) => match array.as_any_dictionary_opt() {
            Some(dict) => {
                let values = texts(dict.values());
                dict.normalized_keys()
                    .into_iter()
                    .enumerate()
                    .map(|(i, k)| match array.is_null(i) {
                        true => None,
                        false => values.get(k).cloned().flatten(),
                    })
                    .collect()
            }
            None => vec![None; n],
        },
        _ => vec![None; n],
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
