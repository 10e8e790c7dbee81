//! Text tables as townships and systems export them: comma- or tab-separated; UTF-8, UTF-8
//! with a BOM, UTF-16 (Excel's "Unicode 文本") or GBK/GB18030 from a Chinese-locale Excel
//! or WPS. Decoded whole, split into records (RFC 4180 quoting), and handed on as a calamine
//! `Range` of text cells so one code path reads every format.

use std::path::Path;

use calamine::{Data, Range};

/// Which encoding a text file was read as; told in 数据来源 and by `inspect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    /// With a BOM or, without one, recognised by its zero bytes.
    Utf16 {
        bom: bool,
    },
    Utf32 {
        bom: bool,
    },
    Gb18030,
    /// Another legacy encoding the detector chose (Windows-1252, Big5, Shift_JIS…).
    Other(&'static encoding_rs::Encoding),
}

impl Encoding {
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 (BOM)",
            Encoding::Utf16 { bom: true } => "UTF-16",
            Encoding::Utf16 { bom: false } => "UTF-16（无BOM，按内容识别）",
            Encoding::Utf32 { bom: true } => "UTF-32",
            Encoding::Utf32 { bom: false } => "UTF-32（无BOM，按内容识别）",
            Encoding::Gb18030 => "GBK/GB18030",
            Encoding::Other(e) if e == encoding_rs::WINDOWS_1252 => "西欧字符 Windows-1252",
            Encoding::Other(e) if e == encoding_rs::BIG5 => "繁体中文 Big5",
            Encoding::Other(e) => e.name(),
        }
    }

    /// An encoding a Chinese-locale program does not write: the guess is told as a warning,
    /// since a wrong guess turns names into other characters.
    pub fn is_unusual(self) -> bool {
        matches!(self, Encoding::Other(_))
    }
}

/// Decodes text bytes by what they are: a BOM (UTF-8, UTF-16, UTF-32), UTF-16/32 without
/// one (recognised by the zero bytes of their ASCII characters: separators, digits, line
/// ends), valid UTF-8, else the legacy encoding the detector finds likeliest (GB18030 for
/// what Chinese-locale Excel and WPS write; Windows-1252 for a Western system's export).
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), String> {
    // UTF-32 first: its little-endian BOM begins with UTF-16's.
    for (bom, big_endian) in [
        (&[0xFF, 0xFE, 0, 0][..], false),
        (&[0, 0, 0xFE, 0xFF][..], true),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return utf32(rest, big_endian)
                .map(|t| (t, Encoding::Utf32 { bom: true }))
                .ok_or_else(|| "文件以UTF-32标记开头，但内容不是UTF-32编码".to_string());
        }
    }
    for (bom, encoding) in [
        (&[0xFF, 0xFE][..], encoding_rs::UTF_16LE),
        (&[0xFE, 0xFF][..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            if had_errors {
                return Err("文件以UTF-16标记开头，但内容不是UTF-16编码".to_string());
            }
            return Ok((text.into_owned(), Encoding::Utf16 { bom: true }));
        }
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8(rest.to_vec())
            .map(|t| (t, Encoding::Utf8Bom))
            .map_err(|_| "文件以UTF-8标记开头，但内容不是UTF-8编码".to_string());
    }
    if let Some(decoded) = wide_without_bom(bytes) {
        return Ok(decoded);
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), Encoding::Utf8));
    }
    if bytes.contains(&0) {
        return Err("文件既不是UTF-8也不是GBK编码的文本（其中有空字节），可能是改了扩展名的其他文件，不是CSV文件".to_string());
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    // The files come from Chinese bureaus: the detector is told so (as Firefox is by a .cn
    // address), and a guess of another East Asian legacy encoding — which short Chinese
    // text resembles byte for byte — yields to GB18030 when that reads the bytes cleanly.
    // A Western encoding is kept: Latin text with accents is not Chinese, even where its
    // bytes happen to pair into GBK characters ("premi鑢e").
    let guessed = detector.guess(Some(b"cn"), false);
    let east_asian = [
        encoding_rs::GBK,
        encoding_rs::GB18030,
        encoding_rs::BIG5,
        encoding_rs::EUC_KR,
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::ISO_2022_JP,
    ];
    let reads_as_gb18030 = || !encoding_rs::GB18030.decode(bytes).2;
    let encoding =
        if east_asian.contains(&guessed) && (guessed == encoding_rs::GBK || reads_as_gb18030()) {
            encoding_rs::GB18030
        } else {
            guessed
        };
    let (text, _, had_errors) = encoding.decode(bytes);
    if had_errors {
        return Err("文件既不是UTF-8也不是GBK编码的文本，可能不是CSV文件".to_string());
    }
    let told = if encoding == encoding_rs::GB18030 {
        Encoding::Gb18030
    } else {
        Encoding::Other(encoding)
    };
    Ok((text.into_owned(), told))
}

/// UTF-32 code units to text; `None` when one is not a character.
fn utf32(bytes: &[u8], big_endian: bool) -> Option<String> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    bytes
        .chunks_exact(4)
        .map(|b| {
            let unit = [b[0], b[1], b[2], b[3]];
            let code = if big_endian {
                u32::from_be_bytes(unit)
            } else {
                u32::from_le_bytes(unit)
            };
            char::from_u32(code)
        })
        .collect()
}

/// UTF-16 or UTF-32 text without a BOM, by where its zero bytes fall: a table's separators,
/// digits and line ends are ASCII, whose wide forms are half or three quarters zeros, all
/// at the same places of each code unit. Narrow text has no zero bytes at all.
fn wide_without_bom(bytes: &[u8]) -> Option<(String, Encoding)> {
    let head = &bytes[..bytes.len().min(4096)];
    let zeros = head.iter().filter(|&&b| b == 0).count();
    if zeros * 8 < head.len() {
        return None;
    }
    let zeros_at = |width: usize, at: usize| {
        head.iter()
            .skip(at)
            .step_by(width)
            .filter(|&&b| b == 0)
            .count()
    };
    // UTF-32: the two high bytes of every unit are zero for any character below U+10000.
    for (big_endian, high) in [(false, [2, 3]), (true, [0, 1])] {
        let units = head.len() / 4;
        if units > 0
            && high.iter().all(|&at| zeros_at(4, at) == units)
            && bytes.len().is_multiple_of(4)
        {
            if let Some(text) = utf32(bytes, big_endian) {
                return Some((text, Encoding::Utf32 { bom: false }));
            }
        }
    }
    // UTF-16: zeros in one half of the units' bytes only.
    let (even, odd) = (zeros_at(2, 0), zeros_at(2, 1));
    let encoding = match (even, odd) {
        (0, n) if n > 0 => encoding_rs::UTF_16LE,
        (n, 0) if n > 0 => encoding_rs::UTF_16BE,
        _ => return None,
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    (!had_errors).then(|| (text.into_owned(), Encoding::Utf16 { bom: false }))
}

/// The field separator: what Excel's `sep=` first line names; else of comma, tab and
/// semicolon the one the first lines hold most of (Excel's "文本文件(制表符分隔)" and many
/// systems write tabs; a Western-locale Excel writes semicolons), a comma on a tie.
pub fn delimiter(text: &str) -> char {
    if let Some(separator) = declared_separator(text) {
        return separator;
    }
    let head: String = text.lines().take(20).collect();
    let count = |c: char| head.matches(c).count();
    let mut best = ',';
    for candidate in ['\t', ';'] {
        if count(candidate) > count(best) {
            best = candidate;
        }
    }
    best
}

/// The separator a `sep=;` first line names (Excel writes and hides that line).
fn declared_separator(text: &str) -> Option<char> {
    let first = text.lines().next()?.trim_start_matches('\u{feff}');
    let rest = first
        .strip_prefix("sep=")
        .or_else(|| first.strip_prefix("SEP="))?;
    let mut chars = rest.trim_end_matches('\r').chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c),
        _ => None,
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
    read_csv_within(bytes, u64::MAX)
}

/// [`read_csv`], refusing text whose fields (separators and line ends counted before any
/// is split) exceed `max_cells`: a file of nothing but commas is millions of cells.
pub fn read_csv_within(bytes: &[u8], max_cells: u64) -> Result<(Range<Data>, Encoding), String> {
    let (text, encoding) = decode(bytes)?;
    let separator = delimiter(&text);
    let fields = text
        .bytes()
        .filter(|&b| b == b'\n' || b as u32 == separator as u32)
        .count() as u64;
    if fields > max_cells {
        return Err(format!(
            "文件有 {fields} 个以上的单元格（分隔符与换行计），超过 {max_cells} 个的上限；多半不是台账，或表格以外有大量空白列，请检查后重新报送"
        ));
    }
    // Excel hides a `sep=` line: the rows the clerk sees begin below it.
    let text = match declared_separator(&text) {
        Some(_) => text.split_once('\n').map_or("", |(_, rest)| rest),
        None => text.as_str(),
    };
    let records = split_records(text, separator);
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
        assert_eq!(
            decode(&utf16).unwrap(),
            (text.to_string(), Encoding::Utf16 { bom: true })
        );
    }

    /// UTF-16 and UTF-32, with a BOM and without, both byte orders; Windows-1252 (a
    /// Western system's export) told apart from GBK by the detector.
    #[test]
    fn wide_and_western_text_is_decoded_as_what_it_is() {
        let text = "案件编号,金额,备注\nA-1,1200.50,première\n";
        let utf16le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let utf32be: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        let with = |bom: &[u8], body: &[u8]| [bom, body].concat();
        let cases = [
            (utf16le.clone(), Encoding::Utf16 { bom: false }),
            (utf16be.clone(), Encoding::Utf16 { bom: false }),
            (utf32le.clone(), Encoding::Utf32 { bom: false }),
            (utf32be.clone(), Encoding::Utf32 { bom: false }),
            (
                with(&[0xFF, 0xFE, 0, 0], &utf32le),
                Encoding::Utf32 { bom: true },
            ),
            (
                with(&[0, 0, 0xFE, 0xFF], &utf32be),
                Encoding::Utf32 { bom: true },
            ),
            (with(&[0xFE, 0xFF], &utf16be), Encoding::Utf16 { bom: true }),
        ];
        for (bytes, encoding) in cases {
            assert_eq!(decode(&bytes).unwrap(), (text.to_string(), encoding));
        }
        let western = "Name;City;Note\nRené;Zürich;première année\nJosé;Besançon;élève\n";
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode(western);
        let (decoded, encoding) = decode(&cp1252).unwrap();
        assert_eq!(decoded, western);
        assert_eq!(encoding, Encoding::Other(encoding_rs::WINDOWS_1252));
        assert!(encoding.is_unusual());
        let chinese = "案件编号,用人单位,办理状态\nA-1,成都市锦江区某某建筑劳务有限公司,已结案\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(chinese);
        assert_eq!(
            decode(&gbk).unwrap(),
            (chinese.to_string(), Encoding::Gb18030)
        );
    }

    #[test]
    fn an_excel_sep_line_names_the_separator_and_is_not_a_row() {
        let (range, _) = read_csv("sep=;\r\n案件编号;金额\r\nA-1;1,5\r\n".as_bytes()).unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("案件编号".into()))
        );
        assert_eq!(range.get_value((1, 1)), Some(&Data::String("1,5".into())));
        assert_eq!(delimiter("a;b;c\n1;2;3\n"), ';');
        assert_eq!(delimiter("a,b;c\n"), ',');
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
