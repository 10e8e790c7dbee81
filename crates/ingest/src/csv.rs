//! Text tables as townships and systems export them: comma- or tab-separated; UTF-8, UTF-8
//! with a BOM, UTF-16 (Excel's "Unicode 文本") or GBK/GB18030 from a Chinese-locale Excel
//! or WPS. Decoded whole, split into records (RFC 4180 quoting), and handed on as a calamine
//! `Range` of text cells so one code path reads every format.

use std::path::Path;

use calamine::{Data, Range};

/// Which encoding a CSV file was read as; reported by `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16,
    Gb18030,
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Utf16 => "UTF-16",
            Encoding::Gb18030 => "GBK/GB18030",
        }
    }
}

/// Decodes bytes: a BOM or valid UTF-8 is UTF-8, anything else is read as GB18030 (a
/// superset of GBK), which is what Chinese-locale spreadsheet programs write.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    for (bom, encoding) in [
        (&[0xFF, 0xFE][..], encoding_rs::UTF_16LE),
        (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err("文件以UTF-16标记开头，但内容不是UTF-16编码".to_string());
            }
            return Ok((text.into_owned(), Encoding::Utf16));
        }
    }
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

/// The field separator: a tab when the first lines hold more tabs than commas (Excel's
/// "文本文件(制表符分隔)" and many systems' exports), else a comma.
pub fn delimiter(text: &str) -> char {
    let head: String = text.lines().take(20).collect();
    if head.matches('\t').count() > head.matches(',').count() {
        '\t'
    } else {
        ','
    }
}

/// Splits CSV text into records: quoted fields may hold the separator, quotes ("") and
/// newlines.
pub fn split_records(text: &str, separator: char) -> Vec<Vec<String>> {
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
            c if c == separator => record.push(std::mem::take(&mut field)),
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
    Ok(split_records(&text, delimiter(&text)))
}

/// A CSV file as a range of text cells (row 1 at index 0), and the encoding it was read as.
pub fn read_csv(bytes: &[u8]) -> Result<(Range<Data>, Encoding), String> {
    let (text, encoding) = decode(bytes)?;
    let records = split_records(&text, delimiter(&text));
    let height = records.len() as u32;
    let width = records.iter().map(Vec::len).max().unwrap_or(0) as u32;
    if height == 0 || width == 0 {
        return Ok((Range::empty(), encoding));
    }
    let mut range = Range::new((0, 0), (height - 1, width - 1));
    for (r, record) in records.into_iter().enumerate() {
        for (c, value) in record.into_iter().enumerate() {
            // ="0123" is how systems keep a code's leading zeros in a CSV: the text inside.
            let value = match value.strip_prefix("=\"").and_then(|v| v.strip_suffix('"')) {
                Some(inner) => inner.to_string(),
                None => value,
            };
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
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(decode(&utf16).unwrap(), (text.to_string(), Encoding::Utf16));
    }

    #[test]
    fn excel_safe_text_keeps_its_inside() {
        let (range, _) = read_csv("编号,代码\n1,=\"0510\"\n".as_bytes()).unwrap();
        assert_eq!(range.get_value((1, 1)), Some(&Data::String("0510".into())));
    }

    #[test]
    fn tab_separated_text_is_split_on_tabs() {
        let text = "案件编号\t金额\nA-1\t1,200.50\n";
        assert_eq!(delimiter(text), '\t');
        assert_eq!(split_records(text, '\t')[1], vec!["A-1", "1,200.50"]);
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let records = split_records("a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\n", ',');
        assert_eq!(
            records,
            vec![
                vec!["a".to_string(), "b,1".into(), "say \"hi\"".into()],
                vec!["two\nlines".to_string(), "x".into()],
            ]
        );
    }
}
