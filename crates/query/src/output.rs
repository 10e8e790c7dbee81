//! What a query returns, written for a person or a program: an aligned terminal table
//! (CJK characters take two columns), CSV, JSON lines, or a file by its extension (.xlsx,
//! .csv, .parquet), each written to a temporary name and renamed.
//!
//! Money is an exact decimal and always shows two places. Text is never live: a CSV cell
//! starting with = + - @ (a formula to Excel) gets a leading apostrophe, and xlsx cells are
//! written as strings.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use unicode_width::UnicodeWidthStr;

use figure::NO_VALUE;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("无法写入 {}：{}", path.display(), finding::io_words(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("无法写入 {}：{reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("--out {}：按文件扩展名决定写成什么格式；请用 .xlsx、.csv 或 .parquet", path.display())]
    Extension { path: PathBuf },
}

/// A value as text; `None` for an empty (null) cell. `precise`: numbers in full (CSV,
/// JSON) rather than rounded for reading (the terminal).
fn cell_text(value: &AnyValue, precise: bool) -> Option<String> {
    Some(match value {
        AnyValue::Null => return None,
        AnyValue::Boolean(b) => if *b { "是" } else { "否" }.to_string(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Decimal(v, _, scale) => decimal_text(*v, *scale),
        AnyValue::Float64(f) => float_text(*f, precise),
        AnyValue::Float32(f) => float_text(*f as f64, precise),
        AnyValue::Date(days) => chrono::NaiveDate::from_num_days_from_ce_opt(*days + 719_163)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| days.to_string()),
        other => {
            let text = other.to_string();
            text.trim_matches('"').to_string()
        }
    })
}

/// An exact decimal: `12345` at scale 2 is `123.45`.
pub fn decimal_text(value: i128, scale: usize) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = value.unsigned_abs().to_string();
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale);
    format!("{sign}{whole}.{fraction}")
}

fn float_text(f: f64, precise: bool) -> String {
    if !f.is_finite() {
        return String::new();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    if precise {
        return format!("{f}");
    }
    format!("{f:.4}")
}

fn is_numeric(dtype: &DataType) -> bool {
    dtype.is_primitive_numeric() || matches!(dtype, DataType::Decimal(_, _))
}

/// The terminal table: a header, a rule, at most `max_rows` rows, and what was left out
/// (with `for_all`: how to get every row).
pub fn render_table(frame: &DataFrame, max_rows: usize, for_all: &str) -> String {
    let columns = frame.columns();
    let shown = frame.height().min(max_rows);
    let mut cells: Vec<Vec<String>> = vec![Vec::with_capacity(shown); columns.len()];
    for (c, column) in columns.iter().enumerate() {
        let values: Vec<AnyValue> = (0..shown)
            .map(|r| column.get(r).unwrap_or(AnyValue::Null))
            .collect();
        // Every number of a column shows as many places as the one that needs most (at
        // most four), so the digits line up: 69.6 and 71.0, not 69.6 and 71.
        let places = values
            .iter()
            .filter_map(|v| match v {
                AnyValue::Float64(f) if f.is_finite() => {
                    let text = format!("{f:.4}");
                    let kept = text.trim_end_matches('0');
                    Some(kept.len() - kept.find('.').map_or(kept.len(), |dot| dot + 1))
                }
                _ => None,
            })
            .max()
            .unwrap_or(0);
        for value in &values {
            let text = match value {
                AnyValue::Null => NO_VALUE.to_string(),
                AnyValue::Float64(f) if f.is_finite() => format!("{f:.places$}"),
                v => cell_text(v, false).unwrap_or_default(),
            };
            cells[c].push(text);
        }
    }
    let names: Vec<String> = columns.iter().map(|c| c.name().to_string()).collect();
    let widths: Vec<usize> = names
        .iter()
        .zip(&cells)
        .map(|(name, column)| {
            column
                .iter()
                .map(|t| t.width())
                .chain([name.width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let right: Vec<bool> = columns.iter().map(|c| is_numeric(c.dtype())).collect();
    let pad = |text: &str, width: usize, right: bool| {
        let fill = " ".repeat(width.saturating_sub(text.width()));
        if right {
            format!("{fill}{text}")
        } else {
            format!("{text}{fill}")
        }
    };
    let mut out = String::new();
    let line = |parts: Vec<String>| parts.join("  ").trim_end().to_string();
    out.push_str(&line(
        names
            .iter()
            .zip(&widths)
            .zip(&right)
            .map(|((n, w), r)| pad(n, *w, *r))
            .collect(),
    ));
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "─".repeat(*w)).collect()));
    out.push('\n');
    for r in 0..shown {
        out.push_str(&line(
            cells
                .iter()
                .zip(&widths)
                .zip(&right)
                .map(|((column, w), right)| pad(&column[r], *w, *right))
                .collect(),
        ));
        out.push('\n');
    }
    let rows = frame.height();
    if rows > shown {
        out.push_str(&format!(
            "（共 {} 行，显示前 {shown} 行；{for_all}）\n",
            figure::group_thousands(&rows.to_string())
        ));
    } else {
        out.push_str(&format!(
            "（共 {} 行）\n",
            figure::group_thousands(&rows.to_string())
        ));
    }
    out
}

/// A text cell made inert for a spreadsheet: Excel and LibreOffice read a CSV cell that
/// starts with = + - @ (or a tab or carriage return before one) as a formula.
pub fn formula_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn csv_field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// CSV: a header, then one line per row; text formula-safe, numbers in full.
pub fn write_csv(frame: &DataFrame, out: &mut dyn Write) -> std::io::Result<()> {
    let columns = frame.columns();
    let header: Vec<String> = columns
        .iter()
        .map(|c| csv_field(&formula_safe(c.name())).into_owned())
        .collect();
    writeln!(out, "{}", header.join(","))?;
    for r in 0..frame.height() {
        let mut fields = Vec::with_capacity(columns.len());
        for column in columns {
            let value = column.get(r).unwrap_or(AnyValue::Null);
            let text = cell_text(&value, true).unwrap_or_default();
            let text = match value {
                AnyValue::String(_) | AnyValue::StringOwned(_) => formula_safe(&text).into_owned(),
                _ => text,
            };
            fields.push(csv_field(&text).into_owned());
        }
        writeln!(out, "{}", fields.join(","))?;
    }
    Ok(())
}

/// JSON lines: one object per row; money as a number with its two places.
pub fn write_json_lines(frame: &DataFrame, out: &mut dyn Write) -> std::io::Result<()> {
    let columns = frame.columns();
    let keys: Vec<String> = columns
        .iter()
        .map(|c| serde_json::to_string(c.name().as_str()).expect("a string"))
        .collect();
    for r in 0..frame.height() {
        let mut fields = Vec::with_capacity(columns.len());
        for (column, key) in columns.iter().zip(&keys) {
            let value = column.get(r).unwrap_or(AnyValue::Null);
            let json = match &value {
                AnyValue::Null => "null".to_string(),
                AnyValue::Boolean(b) => b.to_string(),
                AnyValue::Decimal(v, _, s) => decimal_text(*v, *s),
                AnyValue::Float64(f) if !f.is_finite() => "null".to_string(),
                v if v.dtype().is_primitive_numeric() => {
                    cell_text(v, true).unwrap_or_else(|| "null".into())
                }
                v => serde_json::to_string(&cell_text(v, true).unwrap_or_default())
                    .expect("a string"),
            };
            fields.push(format!("{key}:{json}"));
        }
        writeln!(out, "{{{}}}", fields.join(","))?;
    }
    Ok(())
}

/// The kinds of file `save` writes, by extension.
const EXTENSIONS: [&str; 3] = ["xlsx", "csv", "parquet"];

fn extension_of(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Refuses a path `save` cannot write, before any work is done for it.
pub fn check_out_path(path: &Path) -> Result<(), OutputError> {
    match EXTENSIONS.contains(&extension_of(path).as_str()) {
        true => Ok(()),
        false => Err(OutputError::Extension {
            path: path.to_path_buf(),
        }),
    }
}

/// Writes the result to `path`, the kind of file by its extension.
pub fn save(frame: &mut DataFrame, path: &Path) -> Result<(), OutputError> {
    match extension_of(path).as_str() {
        "xlsx" => save_xlsx(frame, path),
        "csv" => write_atomically(path, |file| {
            // The byte-order mark makes Excel read the file as UTF-8 (Chinese text intact).
            file.write_all("\u{feff}".as_bytes())?;
            write_csv(frame, file)
        }),
        "parquet" => {
            let mut result = Ok(());
            write_atomically(path, |file| {
                if let Err(e) = ParquetWriter::new(file).finish(frame) {
                    result = Err(e.to_string());
                }
                Ok(())
            })?;
            result.map_err(|reason| OutputError::Write {
                path: path.to_path_buf(),
                reason: reason.lines().next().unwrap_or("").to_string(),
            })
        }
        _ => Err(OutputError::Extension {
            path: path.to_path_buf(),
        }),
    }
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), OutputError> {
    let fail = |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    };
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(fail)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let temporary = folder.join(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    // Buffered: the CSV and Parquet writers write a field at a time.
    let outcome = std::fs::File::create(&temporary).and_then(|file| {
        let mut file = std::io::BufWriter::new(file);
        write(&mut file)?;
        file.flush()?;
        file.get_ref().sync_all()
    });
    if let Err(e) = outcome {
        let _ = std::fs::remove_file(&temporary);
        return Err(fail(e));
    }
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail(e)
    })
}

fn save_xlsx(frame: &DataFrame, path: &Path) -> Result<(), OutputError> {
    save_xlsx_sheets(&[("查询结果".to_string(), frame)], path)
}

/// One sheet per frame, named as given (made a valid, unique sheet name).
pub fn save_xlsx_sheets(frames: &[(String, &DataFrame)], path: &Path) -> Result<(), OutputError> {
    let fail = |e: rust_xlsxwriter::XlsxError| OutputError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for (name, frame) in frames {
        let sheet = workbook.add_worksheet();
        let name = report::format::unique_sheet_name(name, &mut names);
        sheet.set_name(&name).map_err(fail)?;
        write_frame(sheet, frame).map_err(fail)?;
    }
    report::save_atomically(&mut workbook, path).map_err(|e| OutputError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

fn write_frame(
    sheet: &mut rust_xlsxwriter::Worksheet,
    frame: &DataFrame,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, FormatBorder};
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#F2F2F2");
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let mut widths: Vec<f64> = Vec::new();
    for (c, column) in frame.columns().iter().enumerate() {
        let col = c as u16;
        sheet.write_string_with_format(0, col, column.name().as_str(), &header)?;
        let mut width = report::format::text_width(column.name());
        for r in 0..frame.height() {
            let row = r as u32 + 1;
            let value = column.get(r).unwrap_or(AnyValue::Null);
            match &value {
                AnyValue::Null => {}
                AnyValue::Decimal(v, _, s) => {
                    let text = decimal_text(*v, *s);
                    let number: f64 = text.parse().unwrap_or(0.0);
                    sheet.write_number_with_format(row, col, number, &money)?;
                    width = width.max(text.len() as f64 + 3.0);
                }
                AnyValue::Date(days) => {
                    // Excel's serial day: 1970-01-01 is 25569.
                    sheet.write_number_with_format(row, col, *days as f64 + 25569.0, &date)?;
                    width = width.max(11.0);
                }
                v if v.dtype().is_primitive_numeric() => {
                    let text = cell_text(v, true).unwrap_or_default();
                    if let Ok(number) = text.parse::<f64>() {
                        sheet.write_number(row, col, number)?;
                    }
                    width = width.max(text.len() as f64);
                }
                v => {
                    // A string cell, never a formula, whatever the text begins with.
                    let text = cell_text(v, true).unwrap_or_default();
                    width = width.max(report::format::text_width(&text));
                    sheet.write_string(row, col, &text)?;
                }
            }
        }
        widths.push(width);
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (w + 2.0).clamp(6.0, 60.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_keep_their_places() {
        assert_eq!(decimal_text(12345, 2), "123.45");
        assert_eq!(decimal_text(5, 2), "0.05");
        assert_eq!(decimal_text(-5, 2), "-0.05");
        assert_eq!(decimal_text(-120000, 2), "-1200.00");
        assert_eq!(decimal_text(7, 0), "7");
    }

    #[test]
    fn formulas_are_made_inert() {
        assert_eq!(formula_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(formula_safe("+86 123"), "'+86 123");
        assert_eq!(formula_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(formula_safe("锦华街道"), "锦华街道");
    }
}
