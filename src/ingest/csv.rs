//! CSV files as townships export them: UTF-8, UTF-8 with a BOM, or GBK/GB18030 from a
//! Chinese-locale Excel or WPS. Decoded whole, split into records (RFC 4180 quoting), and
//! handed on as a calamine `Range` of text cells so one code path reads every format.

use std::path::Path;

use calamine::{Data, Range};

/// Which encoding a CSV file was read as; reported by `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Gb18030,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Gb18030 => "GBK/GB18030",
        }
    }
}

/// Decodes bytes: a BOM or valid UTF-8 is UTF-8, anything else is read as GB18030 (a
/// superset of GBK), which is what Chinese-locale spreadsheet programs write.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec())
            .map(|t| (t, Encoding::Utf8Bom))
            .map_err(|_| "文件以UTF-8标记开头，但内容不是UTF-8编码".to_string());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), Encoding::Utf8));
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err("文件既不是UTF-8也不是GBK编码的文本，可能不是CSV文件".to_string());
    }
    Ok((text.into_owned(), Encoding::Gb18030))
}

/// Splits CSV text into records: quoted fields may hold commas, quotes ("") and newlines.
pub fn split_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Reads a small text table (the roster) into records.
pub fn read_text_records(path: &Path) -> Result<Vec<Vec<String>>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let (text, _) = decode(&bytes)?;
    Ok(split_records(&text))
}

/// A CSV file as a range of text cells (row 1 at index 0), and the encoding it was read as.
pub fn read_csv(bytes: &[u8]) -> Result<(Range<Data>, Encoding), String> {
    let (text, encoding) = decode(bytes)?;
    let records = split_records(&text);
    let height = records.len() as u32;
    let width = records.iter().map(Vec::len).max().unwrap_or(0) as u32;
    if height == 0 || width == 0 {
        return Ok((Range::empty(), encoding));
    }
    let mut range = Range::new((0, 0), (height - 1, width - 1));
    for (r, record) in records.into_iter().enumerate() {
        for (c, value) in record.into_iter().enumerate() {
            if !value.is_empty() {
                range.set_value((r as u32, c as u32), Data::String(value));
            }
        }
    }
    Ok((range, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_utf8_bom_and_gbk() {
        let text = "案件编号,金额\n";
        assert_eq!(decode(text.as_bytes()).unwrap().1, Encoding::Utf8);
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(text.as_bytes());
        assert_eq!(decode(&bom).unwrap(), (text.to_string(), Encoding::Utf8Bom));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(decode(&gbk).unwrap(), (text.to_string(), Encoding::Gb18030));
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let records = split_records("a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\n");
        assert_eq!(
            records,
            vec![
                vec!["a".to_string(), "b,1".into(), "say \"hi\"".into()],
                vec!["two\nlines".to_string(), "x".into()],
            ]
        );
    }
}
