//! The tables systems export as "Excel" that are really markup: SpreadsheetML 2003 XML
//! (`<?mso-application progid="Excel.Sheet"?>`) and HTML tables, both usually named `.xls`.
//! A lenient tag tokenizer (HTML leaves cells unclosed, XML does not) feeds one grid builder
//! that places cells around merged regions (`colspan`/`rowspan`, `ss:MergeAcross`/
//! `ss:MergeDown`), so both arrive as calamine ranges with their merges, like any workbook.

use std::collections::HashSet;

use calamine::{Cell, Data, Dimensions, Range};

/// One sheet read from markup.
pub struct MarkupSheet {
    pub name: String,
    pub range: Range<Data>,
    pub merges: Vec<Dimensions>,
}

/// A piece of markup: a tag or the text between tags (entities decoded).
#[derive(Debug, PartialEq)]
enum Token {
    Open {
        /// Local name, lowercase: `ss:Row` → `row`.
        name: String,
        /// (local name lowercase, value with entities decoded).
        attrs: Vec<(String, String)>,
        self_closing: bool,
    },
    Close(String),
    Text(String),
}

impl Token {
    fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Token::Open { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

/// Splits markup into tags and text. Comments, `<?…?>`, `<!…>` and the contents of
/// `<script>`/`<style>` are dropped; a `<` that starts no tag is text.
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push_text(&mut tokens, rest);
            break;
        };
        push_text(&mut tokens, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            tokens.push(Token::Text(after[..end].to_string()));
            rest = after.get(end + 3..).unwrap_or("");
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            continue;
        }
        let Some(end) = tag_end(rest) else {
            push_text(&mut tokens, rest);
            break;
        };
        let inner = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = inner.strip_prefix('/') {
            tokens.push(Token::Close(local_name(name.trim())));
            continue;
        }
        if !inner.starts_with(|c: char| c.is_alphabetic()) {
            push_text(&mut tokens, &format!("<{inner}>"));
            continue;
        }
        let self_closing = inner.ends_with('/');
        let inner = inner.trim_end_matches('/');
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = local_name(&inner[..name_end]);
        let attrs = attributes(&inner[name_end..]);
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            rest = match rest.to_ascii_lowercase().find(&close) {
                Some(at) => rest[at..].find('>').map_or("", |e| &rest[at + e + 1..]),
                None => "",
            };
            continue;
        }
        tokens.push(Token::Open {
            name,
            attrs,
            self_closing,
        });
    }
    tokens
}

/// The `>` closing a tag that starts at `text[0]`, skipping `>` inside quoted values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices().skip(1) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => return Some(i),
            (None, '<') => return None,
            _ => {}
        }
    }
    None
}

fn push_text(tokens: &mut Vec<Token>, raw: &str) {
    if raw.is_empty() {
        return;
    }
    let text = decode_entities(raw);
    if let Some(Token::Text(previous)) = tokens.last_mut() {
        previous.push_str(&text);
    } else {
        tokens.push(Token::Text(text));
    }
}

fn local_name(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_ascii_lowercase()
}

/// `a="1" b='x' c=3 d` → pairs, names local and lowercase.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = local_name(&rest[..key_end]);
        rest = rest[key_end..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    rest = body.get(end + 1..).unwrap_or("");
                    decode_entities(&body[..end])
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_whitespace())
                        .unwrap_or(after.len());
                    rest = &after[end..];
                    decode_entities(&after[..end])
                }
            }
        } else {
            String::new()
        };
        if !key.is_empty() {
            out.push((key, value));
        }
        rest = rest.trim_start();
    }
    out
}

/// `&amp;` `&lt;` `&gt;` `&quot;` `&apos;` `&nbsp;` and numeric references; others kept.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let number = name.strip_prefix('#')?;
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Excel's last row and column, 0-based.
const MAX_ROW: u32 = 1_048_575;
const MAX_COL: u32 = 16_383;

/// Places cells row by row, skipping positions covered by a merged cell above or to the
/// left, and records the merges.
#[derive(Default)]
struct GridBuilder {
    cells: Vec<Cell<Data>>,
    merges: Vec<Dimensions>,
    covered: HashSet<(u32, u32)>,
    row: u32,
    next_col: u32,
    /// Whether the current row has started (a row index set explicitly or a `<tr>` seen).
    rows_seen: bool,
    /// A row or column index past Excel's last, as written (row, column, 1-based): the
    /// sheet is refused rather than its cell moved somewhere it was not.
    beyond_excel: Option<(u64, u64)>,
}

impl GridBuilder {
    /// Starts a row: the next one, or the 1-based `index` given.
    fn start_row(&mut self, index: Option<u32>) {
        let row = match index {
            Some(i) => i.saturating_sub(1),
            None if self.rows_seen => self.row.saturating_add(1),
            None => 0,
        };
        if row > MAX_ROW {
            self.beyond_excel.get_or_insert((row as u64 + 1, 1));
        }
        // Clamped so that nothing overflows; `finish` refuses the sheet.
        self.row = row.min(MAX_ROW);
        self.rows_seen = true;
        self.next_col = 0;
    }

    /// Puts a value at the next free column (or the 1-based `index`), spanning `across`
    /// more columns and `down` more rows.
    fn put(&mut self, index: Option<u32>, across: u32, down: u32, value: Data) {
        let wanted = match index {
            Some(i) => i.saturating_sub(1),
            None => self.next_col,
        };
        if wanted > MAX_COL {
            self.beyond_excel
                .get_or_insert((self.row as u64 + 1, wanted as u64 + 1));
        }
        let mut col = wanted.min(MAX_COL);
        if index.is_none() {
            while col < MAX_COL && self.covered.contains(&(self.row, col)) {
                col += 1;
            }
        }
        // Guard absurd spans (a hostile colspan="100000000"): Excel's own limits.
        let across = across.min(MAX_COL - col);
        let down = down.min(MAX_ROW - self.row);
        if across > 0 || down > 0 {
            self.merges.push(Dimensions {
                start: (self.row, col),
                end: (self.row + down, col + across),
            });
            // Cells under a merge are skipped when placing the next ones; a span larger than
            // any real header (a hostile rowspan) only records its merge.
            if (down as u64 + 1) * (across as u64 + 1) <= 4096 {
                for r in self.row..=self.row + down {
                    for c in col..=col + across {
                        if (r, c) != (self.row, col) {
                            self.covered.insert((r, c));
                        }
                    }
                }
            }
        }
        if value != Data::Empty {
            self.cells.push(Cell::new((self.row, col), value));
        }
        // May pass the last column: the next cell there is then beyond Excel.
        self.next_col = col + across + 1;
    }

    /// The sheet, refused before allocating when its used area is absurd (a hostile
    /// `ss:Index` or `rowspan`), like a workbook's.
    fn finish(self, name: String, max_cells: u64) -> Result<MarkupSheet, String> {
        if let Some((row, col)) = self.beyond_excel {
            return Err(format!(
                "工作表“{name}”有单元格在第{row}行第{col}列，超出 Excel 的范围（1,048,576 行、16,384 列），文件已损坏或被改动；请用 Excel 打开检查后另存为 .xlsx 重新报送"
            ));
        }
        let (mut top, mut left, mut bottom, mut right) = (u32::MAX, u32::MAX, 0u32, 0u32);
        for (r, c) in self.cells.iter().map(|c| c.get_position()) {
            (top, left, bottom, right) = (top.min(r), left.min(c), bottom.max(r), right.max(c));
        }
        if !self.cells.is_empty() {
            let area = (bottom - top + 1) as u64 * (right - left + 1) as u64;
            if area > max_cells {
                return Err(format!(
                    "工作表“{name}”的使用范围过大（{} 到 {}），超过 {} 个单元格的上限；请删除表格以外的多余内容后重新报送",
                    finding::a1(top, left),
                    finding::a1(bottom, right),
                    max_cells
                ));
            }
        }
        Ok(MarkupSheet {
            name,
            range: Range::from_sparse(self.cells),
            merges: self.merges,
        })
    }
}

fn number_attr(token: &Token, key: &str) -> Option<u32> {
    token.attr(key).and_then(|v| v.trim().parse().ok())
}

/// Every opening tag of a piece of XML, with its attributes (local names, lowercase): for
/// reading the few parts of an xlsx calamine does not expose.
pub fn open_tags(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    tokenize(text)
        .into_iter()
        .filter_map(|t| match t {
            Token::Open { name, attrs, .. } => Some((name, attrs)),
            _ => None,
        })
        .collect()
}

/// True when the text is SpreadsheetML 2003 (an XML workbook Excel and WPS can save).
pub fn is_spreadsheetml(head: &str) -> bool {
    head.contains("progid=\"Excel.Sheet\"")
        || head.contains("urn:schemas-microsoft-com:office:spreadsheet")
}

/// True when the text is an HTML page (an "Excel" export that is really a web page).
pub fn is_html(head: &str) -> bool {
    let lower = head.to_ascii_lowercase();
    ["<html", "<!doctype html", "<table", "<meta ", "<head"]
        .iter()
        .any(|tag| lower.contains(tag))
}

/// Every `<Worksheet>` of a SpreadsheetML workbook.
pub fn read_spreadsheetml(text: &str, max_cells: u64) -> Result<Vec<MarkupSheet>, String> {
    let mut sheets = Vec::new();
    let mut grid: Option<(String, GridBuilder)> = None;
    // The cell being read: (index, across, down, type) and its text.
    let mut cell: Option<(Option<u32>, u32, u32, String)> = None;
    let mut data_text: Option<String> = None;
    for token in tokenize(text) {
        match &token {
            Token::Open { name, .. } if name == "worksheet" => {
                let sheet_name = token.attr("name").unwrap_or("Sheet").to_string();
                if let Some((name, g)) = grid.take() {
                    sheets.push(g.finish(name, max_cells)?);
                }
                grid = Some((sheet_name, GridBuilder::default()));
            }
            Token::Close(name) if name == "worksheet" => {
                if let Some((name, g)) = grid.take() {
                    sheets.push(g.finish(name, max_cells)?);
                }
            }
            Token::Open {
                name, self_closing, ..
            } if name == "row" => {
                if let Some((_, g)) = grid.as_mut() {
                    g.start_row(number_attr(&token, "index"));
                    if *self_closing {
                        g.next_col = 0;
                    }
                }
            }
            Token::Open {
                name, self_closing, ..
            } if name == "cell" => {
                let spec = (
                    number_attr(&token, "index"),
                    number_attr(&token, "mergeacross").unwrap_or(0),
                    number_attr(&token, "mergedown").unwrap_or(0),
                    String::new(),
                );
                if *self_closing {
                    if let Some((_, g)) = grid.as_mut() {
                        g.put(spec.0, spec.1, spec.2, Data::Empty);
                    }
                } else {
                    cell = Some(spec);
                }
            }
            Token::Open { name, .. } if name == "data" && cell.is_some() => {
                if let Some(c) = cell.as_mut() {
                    c.3 = token.attr("type").unwrap_or("String").to_string();
                }
                data_text = Some(String::new());
            }
            Token::Text(t) => {
                if let Some(d) = data_text.as_mut() {
                    d.push_str(t);
                }
            }
            Token::Close(name) if name == "data" => {}
            Token::Close(name) if name == "cell" => {
                if let (Some((index, across, down, kind)), Some((_, g))) =
                    (cell.take(), grid.as_mut())
                {
                    let value = typed_value(&kind, data_text.take().unwrap_or_default());
                    g.put(index, across, down, value);
                }
                data_text = None;
            }
            _ => {}
        }
    }
    if let Some((name, g)) = grid.take() {
        sheets.push(g.finish(name, max_cells)?);
    }
    if sheets.is_empty() {
        return Err("文件是 Excel 2003 XML 格式，但其中没有工作表".into());
    }
    Ok(sheets)
}

/// A SpreadsheetML `ss:Type` value as calamine would give it.
fn typed_value(kind: &str, text: String) -> Data {
    if text.trim().is_empty() {
        return Data::Empty;
    }
    match kind {
        "Number" => text
            .trim()
            .parse::<f64>()
            .map(Data::Float)
            .unwrap_or(Data::String(text)),
        "Boolean" => Data::Bool(matches!(text.trim(), "1" | "true" | "TRUE")),
        // ISO text; the date parser reads it and drops the time part.
        "DateTime" => Data::DateTimeIso(text.trim().to_string()),
        _ => Data::String(text),
    }
}

/// Every `<table>` of an HTML page, in order; nested tables are read as text of their cell.
pub fn read_html(
    text: &str,
    fallback_name: &str,
    max_cells: u64,
) -> Result<Vec<MarkupSheet>, String> {
    let tokens = tokenize(text);
    let title = tokens
        .iter()
        .position(|t| matches!(t, Token::Open { name, .. } if name == "title"))
        .and_then(|i| match tokens.get(i + 1) {
            Some(Token::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
            _ => None,
        });
    let mut sheets = Vec::new();
    let mut depth = 0usize;
    let mut grid = GridBuilder::default();
    // The open cell: (colspan − 1, rowspan − 1, Excel's raw number `x:num`, text).
    let mut cell: Option<(u32, u32, Option<f64>, String)> = None;
    let mut in_row = false;
    let close_cell = |grid: &mut GridBuilder,
                      cell: &mut Option<(u32, u32, Option<f64>, String)>| {
        if let Some((across, down, number, text)) = cell.take() {
            let text = text.replace('\u{a0}', " ");
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            // Excel's own HTML keeps the unformatted number beside the shown text.
            let value = match number {
                Some(n) if !text.is_empty() => Data::Float(n),
                _ if text.is_empty() => Data::Empty,
                _ => Data::String(text),
            };
            grid.put(None, across, down, value);
        }
    };
    for token in &tokens {
        match token {
            Token::Open { name, .. } if name == "table" => {
                depth += 1;
                if depth == 1 {
                    grid = GridBuilder::default();
                    in_row = false;
                }
            }
            Token::Close(name) if name == "table" && depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    close_cell(&mut grid, &mut cell);
                    let name = match (&title, sheets.len()) {
                        (Some(t), 0) => t.clone(),
                        (_, 0) => fallback_name.to_string(),
                        (_, n) => format!("{fallback_name}({})", n + 1),
                    };
                    sheets.push(std::mem::take(&mut grid).finish(name, max_cells)?);
                }
            }
            _ if depth != 1 => {
                if let (Token::Text(t), Some(c)) = (token, cell.as_mut()) {
                    c.3.push_str(t);
                }
            }
            Token::Open { name, .. } if name == "tr" => {
                close_cell(&mut grid, &mut cell);
                grid.start_row(None);
                in_row = true;
            }
            Token::Close(name) if name == "tr" => {
                close_cell(&mut grid, &mut cell);
            }
            Token::Open { name, .. } if name == "td" || name == "th" => {
                close_cell(&mut grid, &mut cell);
                if !in_row {
                    grid.start_row(None);
                    in_row = true;
                }
                let span = |key| number_attr(token, key).unwrap_or(1).max(1) - 1;
                let number = token.attr("num").and_then(|n| n.trim().parse().ok());
                cell = Some((span("colspan"), span("rowspan"), number, String::new()));
            }
            Token::Close(name) if name == "td" || name == "th" => {
                close_cell(&mut grid, &mut cell);
            }
            Token::Open { name, .. } if name == "br" || name == "p" || name == "div" => {
                if let Some(c) = cell.as_mut() {
                    c.3.push(' ');
                }
            }
            Token::Text(t) => {
                if let Some(c) = cell.as_mut() {
                    c.3.push_str(t);
                }
            }
            _ => {}
        }
    }
    if depth > 0 {
        close_cell(&mut grid, &mut cell);
        sheets.push(grid.finish(fallback_name.to_string(), max_cells)?);
    }
    if sheets.is_empty() {
        return Err("文件是网页（HTML）格式，但其中没有表格".into());
    }
    Ok(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 50_000_000;

    fn text_at(sheet: &MarkupSheet, row: u32, col: u32) -> String {
        match sheet.range.get_value((row, col)) {
            Some(Data::String(s)) => s.clone(),
            Some(Data::Float(f)) => f.to_string(),
            Some(Data::DateTimeIso(s)) => s.clone(),
            Some(other) => format!("{other:?}"),
            None => String::new(),
        }
    }

    #[test]
    fn spreadsheetml_indexes_merges_and_types() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Styles><Style ss:ID="s1"><Font ss:Bold="1"/></Style></Styles>
 <Worksheet ss:Name="台账">
  <Table>
   <Row><Cell ss:MergeAcross="2" ss:StyleID="s1"><Data ss:Type="String">某街道台账</Data></Cell></Row>
   <Row ss:Index="3"><Cell ss:MergeDown="1"><Data ss:Type="String">编号</Data></Cell>
    <Cell ss:MergeAcross="1"><Data ss:Type="String">金额</Data></Cell></Row>
   <Row><Cell ss:Index="2"><Data ss:Type="String">元</Data></Cell><Cell><Data ss:Type="String">万元</Data></Cell></Row>
   <Row><Cell><Data ss:Type="String">A&amp;1</Data></Cell><Cell ss:Index="3"><Data ss:Type="Number">12.5</Data></Cell>
    <Cell><Data ss:Type="DateTime">2024-03-05T00:00:00.000</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>"#;
        assert!(is_spreadsheetml(xml));
        let sheets = read_spreadsheetml(xml, LIMIT).unwrap();
        let s = &sheets[0];
        assert_eq!(s.name, "台账");
        assert_eq!(text_at(s, 0, 0), "某街道台账");
        assert_eq!(text_at(s, 2, 0), "编号");
        assert_eq!(text_at(s, 2, 1), "金额");
        assert_eq!(text_at(s, 3, 1), "元");
        assert_eq!(text_at(s, 3, 2), "万元");
        assert_eq!(text_at(s, 4, 0), "A&1");
        assert_eq!(s.range.get_value((4, 2)), Some(&Data::Float(12.5)));
        assert_eq!(text_at(s, 4, 3), "2024-03-05T00:00:00.000");
        assert!(s.merges.contains(&Dimensions {
            start: (2, 0),
            end: (3, 0)
        }));
        assert!(s.merges.contains(&Dimensions {
            start: (2, 1),
            end: (2, 2)
        }));
    }

    #[test]
    fn hostile_indexes_and_spans_are_bounded() {
        let xml = r#"<?mso-application progid="Excel.Sheet"?><Workbook><Worksheet ss:Name="a"><Table>
<Row ss:Index="4294967295"><Cell ss:Index="4294967295" ss:MergeAcross="4294967295" ss:MergeDown="99999999"><Data ss:Type="String">x</Data></Cell></Row>
<Row><Cell><Data ss:Type="String">y</Data></Cell></Row></Table></Worksheet></Workbook>"#;
        // Past Excel's last row and column: refused, never moved onto the last cell.
        let beyond = read_spreadsheetml(xml, LIMIT).err().unwrap();
        assert!(beyond.contains("超出 Excel 的范围"), "{beyond}");
        // A cell in A1 and one in XFD1048576: refused before the grid is allocated.
        let far = r#"<Workbook><Worksheet ss:Name="a"><Table><Row><Cell><Data ss:Type="String">a</Data></Cell></Row>
<Row ss:Index="1048576"><Cell ss:Index="16384"><Data ss:Type="String">z</Data></Cell></Row></Table></Worksheet></Workbook>"#;
        assert!(read_spreadsheetml(far, LIMIT)
            .err()
            .unwrap()
            .contains("XFD1048576"));
        // A span past the sheet's end is cut at it; the cell after it would be beyond Excel.
        let html = r#"<table><tr><td rowspan="2000000000" colspan="2000000000">x</td></tr><tr><td>y</td></tr></table>"#;
        let sheets = read_html(html, "t", LIMIT).unwrap();
        assert_eq!(sheets[0].merges.len(), 1);
        let html = r#"<table><tr><td colspan="2000000000">x</td><td>y</td></tr></table>"#;
        assert!(read_html(html, "t", LIMIT).is_err());
    }

    #[test]
    fn html_tables_with_spans_and_unclosed_cells() {
        let html = r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>台账</title><style>td { color: red }</style></head><body>
<table border=1>
<tr><td colspan=3>某街道&nbsp;台账</td></tr>
<tr><th rowspan="2">编号<th colspan="2">金额</tr>
<tr><td>元<td>万元
<tr><td>A-1</td><td>1,200.50</td><td>0.12</td></tr>
</table></body></html>"#;
        assert!(is_html(html));
        let sheets = read_html(html, "file", LIMIT).unwrap();
        let s = &sheets[0];
        assert_eq!(s.name, "台账");
        assert_eq!(text_at(s, 0, 0), "某街道 台账");
        assert_eq!(text_at(s, 1, 0), "编号");
        assert_eq!(text_at(s, 1, 1), "金额");
        assert_eq!(text_at(s, 2, 1), "元");
        assert_eq!(text_at(s, 2, 2), "万元");
        assert_eq!(text_at(s, 3, 1), "1,200.50");
        assert!(s.merges.contains(&Dimensions {
            start: (1, 0),
            end: (2, 0)
        }));
    }
}
