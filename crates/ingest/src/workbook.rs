//! Opening one input file and picking the sheet. The format is found by content, never by
//! the extension: systems export "Excel" that is SpreadsheetML 2003 XML or an HTML table
//! named `.xls`, townships rename xlsx to xls and back, and a CSV or tab-separated text may
//! arrive as `.xls`. xlsx, xlsm, xlsb, xls and ods go through calamine; markup through
//! `markup.rs`; text through `csv.rs`. The only place that opens input files. Every failure
//! is a sentence for the user in Chinese saying what the file is and what to do; a
//! library's error text never reaches them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{open_workbook, Data, Dimensions, Ods, Range, Reader, Sheets, Xls, Xlsb, Xlsx};

use super::cell::{normalize_key, DateSystem};
use super::csv::{decode, read_csv_within, Encoding};
use super::markup::{
    is_html, is_spreadsheetml, open_tags, read_html, read_spreadsheetml, MarkupSheet,
};
use pipeline::{Limits, SheetSelector};

/// What a file is, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// A zip: xlsx, xlsm, xlsb or ods.
    Zip,
    /// An OLE compound file: xls (or an encrypted xlsx).
    Compound,
    /// SpreadsheetML 2003 XML.
    SpreadsheetMl,
    /// An HTML page with tables.
    Html,
    /// Comma- or tab-separated text.
    Text,
}

impl FileFormat {
    /// Words for `inspect` and 数据来源.
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Zip => "Excel/ODS 工作簿",
            FileFormat::Compound => "Excel 97-2003 工作簿",
            FileFormat::SpreadsheetMl => "Excel 2003 XML 表格",
            FileFormat::Html => "网页(HTML)表格",
            FileFormat::Text => "文本表格(CSV/制表符分隔)",
        }
    }

    /// Text and HTML carry no sheet names a source could select by.
    pub fn has_named_sheets(self) -> bool {
        matches!(
            self,
            FileFormat::Zip | FileFormat::Compound | FileFormat::SpreadsheetMl
        )
    }
}

/// One sheet read into memory.
pub struct LoadedSheet {
    pub sheet_name: String,
    pub range: Range<Data>,
    /// Merged regions (absolute positions): given with the cells by markup (text has
    /// none); read for calamine workbooks only when asked (`read_sheet(.., true)`).
    pub merges: Option<Vec<Dimensions>>,
    /// Only for text.
    pub encoding: Option<Encoding>,
    pub date_system: DateSystem,
    pub format: FileFormat,
    /// How the sheet was chosen when that was a decision the user should hear about
    /// (of several tables in a web page, the largest).
    pub chosen: Option<String>,
}

/// Why a file could not be read; `rule` names the kind for findings.
#[derive(Debug, Clone)]
pub struct OpenProblem {
    pub rule: &'static str,
    pub message: String,
    pub sheet: Option<String>,
    /// The file opened but has no sheet the source accepts (optional for summary sources).
    pub no_such_sheet: bool,
    /// An xlsx sheet's rows are not in order in the file: it cannot be streamed and is read
    /// whole instead (not a problem of the file; never shown).
    pub rows_out_of_order: bool,
}

fn problem(rule: &'static str, message: impl Into<String>) -> OpenProblem {
    OpenProblem {
        rule,
        message: message.into(),
        sheet: None,
        no_such_sheet: false,
        rows_out_of_order: false,
    }
}

impl OpenProblem {
    fn in_sheet(mut self, sheet_name: &str) -> Self {
        self.sheet = Some(sheet_name.to_string());
        self
    }
}

const PASSWORD_PROTECTED: &str = "工作簿设置了密码保护，无法读取；请去掉密码后重新报送";

const SAVE_AS_XLSX: &str = "请用 Excel 或 WPS 打开后另存为 .xlsx 重新报送";

/// An input file, opened by what its content is.
pub struct InputBook {
    pub format: FileFormat,
    book: Book,
    limits: Limits,
    path: std::path::PathBuf,
}

enum Book {
    Calamine(Box<Sheets<BufReader<File>>>),
    /// Sheets parsed whole on opening (markup, text).
    Parsed(Vec<LoadedSheet>),
}

impl InputBook {
    /// Opens a file of any supported format, refusing it first when it is larger than the
    /// limits allow (on disk, or any zip part once unpacked).
    pub fn open(path: &Path, limits: &Limits) -> Result<InputBook, OpenProblem> {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > limits.file_bytes {
            return Err(problem(
                "too_large",
                format!(
                    "文件大小为 {}，超过 {} 的上限（流水线文件 [limits] file_mb）；台账通常远小于此，请检查是否报错了文件",
                    bytes_text(size),
                    bytes_text(limits.file_bytes)
                ),
            ));
        }
        let mut head = Vec::with_capacity(8192);
        File::open(path)
            .and_then(|f| f.take(8192).read_to_end(&mut head))
            .map_err(|e| problem("file", format!("无法读取文件：{}", finding::io_words(&e))))?;
        if head.is_empty() {
            return Err(problem("file", "文件为空（0字节），请重新报送"));
        }
        let format = sniff(path, &head)?;
        let book = match format {
            FileFormat::Zip => {
                check_zip_parts(path, limits)?;
                check_ods(path, limits)?;
                Book::Calamine(Box::new(open_zip(path, &head)?))
            }
            FileFormat::Compound => {
                check_compound(path, limits)?;
                Book::Calamine(Box::new(open_compound(path)?))
            }
            FileFormat::SpreadsheetMl | FileFormat::Html => {
                let text = read_text(path)?.0;
                let stem = file_stem(path);
                let sheets = if format == FileFormat::Html {
                    read_html(&text, &stem, dense_cell_budget(limits))
                } else {
                    read_spreadsheetml(&text, dense_cell_budget(limits))
                }
                .map_err(|m| problem("file", m))?;
                Book::Parsed(sheets.into_iter().map(|s| parsed(s, format)).collect())
            }
            FileFormat::Text => {
                let bytes = std::fs::read(path).map_err(|e| {
                    problem("file", format!("无法读取文件：{}", finding::io_words(&e)))
                })?;
                let (range, encoding) = read_csv_within(&bytes, dense_cell_budget(limits))
                    .map_err(|m| problem("file", m))?;
                Book::Parsed(vec![LoadedSheet {
                    sheet_name: file_stem(path),
                    range,
                    merges: Some(Vec::new()),
                    encoding: Some(encoding),
                    date_system: DateSystem::Excel1900,
                    format,
                    chosen: None,
                }])
            }
        };
        Ok(InputBook {
            format,
            book,
            limits: *limits,
            path: path.to_path_buf(),
        })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        match &self.book {
            Book::Calamine(b) => b.sheet_names(),
            Book::Parsed(sheets) => sheets.iter().map(|s| s.sheet_name.clone()).collect(),
        }
    }

    /// The sheets that hold no cells — chart sheets, Excel 4.0 macro sheets, dialog sheets —
    /// with what each is, in words: never read as a table, never reported as damaged.
    pub fn sheets_without_cells(&self) -> Vec<(String, &'static str)> {
        let Book::Calamine(b) = &self.book else {
            return Vec::new();
        };
        b.sheets_metadata()
            .iter()
            .filter_map(|s| {
                let what = match s.typ {
                    calamine::SheetType::WorkSheet => return None,
                    calamine::SheetType::ChartSheet => "图表工作表",
                    calamine::SheetType::MacroSheet => "Excel 4.0 宏表",
                    calamine::SheetType::DialogSheet => "对话框工作表",
                    calamine::SheetType::Vba => "VBA 模块",
                };
                Some((s.name.clone(), what))
            })
            .collect()
    }

    /// The sheet the selector names. A file without sheet names (text, HTML) gives its one
    /// table, or among several the largest; then the choice is returned, to be told.
    fn pick(&self, selector: &SheetSelector) -> Result<(String, Option<String>), OpenProblem> {
        // A chart or macro sheet is never the ledger: the first sheet is the first worksheet.
        let no_cells: Vec<String> = self
            .sheets_without_cells()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let names: Vec<String> = self
            .sheet_names()
            .into_iter()
            .filter(|n| !no_cells.contains(n))
            .collect();
        // Text and web pages have no sheet names of their own (a table's name is the file's
        // or the page's title): their largest table is the data, and the choice is told
        // when there were several.
        let by_size = !self.format.has_named_sheets() && names.len() > 1;
        // (name, rows: for a table chosen by size, what was hidden: for a named sheet)
        let picked = match &self.book {
            Book::Parsed(sheets) if !self.format.has_named_sheets() => sheets
                .iter()
                .max_by_key(|s| s.range.get_size().0 * s.range.get_size().1)
                .map(|s| (s.sheet_name.clone(), s.range.height(), None)),
            _ => pick_visible_sheet(&names, &self.hidden_sheets(), selector)
                .map(|(name, hidden_told)| (name, 0, hidden_told)),
        };
        let Some((sheet_name, height, hidden_told)) = picked else {
            let wanted = match selector {
                SheetSelector::Index(i) => format!("第{}个工作表", i + 1),
                SheetSelector::Names(n) => format!("工作表“{}”", n.join("”或“")),
            };
            return Err(OpenProblem {
                no_such_sheet: true,
                ..problem(
                    "sheet",
                    format!("找不到{wanted}；文件中的工作表为：{}", names.join("、")),
                )
            });
        };
        let chosen = by_size
            .then(|| {
                format!(
                    "文件是网页，其中有{}个表格，读取了最大的“{sheet_name}”（{height}行），其余表格未读取",
                    names.len()
                )
            })
            .or(hidden_told);
        Ok((sheet_name, chosen))
    }

    /// The names of the hidden sheets (hidden or very hidden in Excel's sense).
    fn hidden_sheets(&self) -> Vec<String> {
        match &self.book {
            Book::Calamine(b) => b
                .sheets_metadata()
                .iter()
                .filter(|s| s.visible != calamine::SheetVisible::Visible)
                .map(|s| s.name.clone())
                .collect(),
            Book::Parsed(_) => Vec::new(),
        }
    }

    /// The rows of the sheet the selector names, in order. An xlsx sheet streams from the
    /// file as it is parsed, never held whole; other formats are read whole by their
    /// readers and given row by row. With `whole`, an xlsx sheet is read whole too (its
    /// rows were out of order in the file, which streaming cannot take).
    pub fn stream(
        &mut self,
        selector: &SheetSelector,
        whole: bool,
    ) -> Result<SheetStream<'_>, OpenProblem> {
        let (sheet_name, chosen) = self.pick(selector)?;
        let path = self.path.clone();
        let max_cells = self.limits.sheet_cells;
        let streams =
            !whole && matches!(&self.book, Book::Calamine(w) if matches!(**w, Sheets::Xlsx(_)));
        if streams {
            let format = self.format;
            let (Book::Calamine(workbook), false) = (&mut self.book, whole) else {
                return Err(unreadable_sheet());
            };
            let Sheets::Xlsx(xlsx) = &mut **workbook else {
                return Err(unreadable_sheet());
            };
            let date_system = if xlsx.has_1904_epoch() {
                DateSystem::Excel1904
            } else {
                DateSystem::Excel1900
            };
            let formulas = formula_check(&path, &sheet_name);
            let cells = xlsx_rows::XlsxRowReader::open(xlsx, &sheet_name, max_cells, formulas)
                .map_err(|_| unreadable_sheet().in_sheet(&sheet_name))?;
            return Ok(SheetStream {
                rows: SheetRows::streamed(cells, max_cells, &sheet_name),
                merges: None,
                path,
                encoding: None,
                date_system,
                format,
                chosen,
                sheet_name,
            });
        }
        // An xlsx read whole (rows out of order) finds its merges like a streamed one, by
        // scanning its XML when asked; calamine would parse the sheet again for them.
        let is_xlsx = matches!(&self.book, Book::Calamine(w) if matches!(**w, Sheets::Xlsx(_)));
        let with_merges = matches!(&self.book, Book::Calamine(_)) && !is_xlsx;
        let sheet = self.read_sheet(&sheet_name, with_merges)?;
        Ok(SheetStream {
            rows: SheetRows::whole(sheet.range),
            merges: (!is_xlsx).then(|| sheet.merges.unwrap_or_default()),
            path,
            encoding: sheet.encoding,
            date_system: sheet.date_system,
            format: sheet.format,
            chosen,
            sheet_name,
        })
    }

    /// Reads one sheet by name, with its merged regions if `with_merges`.
    pub fn read_sheet(
        &mut self,
        sheet_name: &str,
        with_merges: bool,
    ) -> Result<LoadedSheet, OpenProblem> {
        let in_sheet = |mut p: OpenProblem| {
            p.sheet = Some(sheet_name.to_string());
            p
        };
        let format = self.format;
        let limits = self.limits;
        let max_cells = limits.sheet_cells;
        let workbook = match &mut self.book {
            Book::Parsed(sheets) => {
                let at = sheets
                    .iter()
                    .position(|s| s.sheet_name == sheet_name)
                    .ok_or_else(|| in_sheet(problem("sheet", "找不到该工作表")))?;
                let sheet = &sheets[at];
                return Ok(LoadedSheet {
                    sheet_name: sheet.sheet_name.clone(),
                    range: sheet.range.clone(),
                    merges: sheet.merges.clone(),
                    encoding: sheet.encoding,
                    date_system: sheet.date_system,
                    format,
                    chosen: None,
                });
            }
            Book::Calamine(workbook) => workbook,
        };
        let unreadable = || {
            in_sheet(problem(
                "file",
                format!("工作表无法读取，文件可能已损坏；{SAVE_AS_XLSX}"),
            ))
        };
        let range = match &mut **workbook {
            Sheets::Xlsx(xlsx) => {
                let recalculated = xlsx_recalculated_on_load(&self.path);
                read_xlsx_guarded(xlsx, sheet_name, &limits, recalculated).map_err(in_sheet)?
            }
            Sheets::Xlsb(xlsb) => read_xlsb_guarded(xlsb, sheet_name, &limits).map_err(in_sheet)?,
            other => other
                .worksheet_range(sheet_name)
                .map_err(|_| unreadable())?,
        };
        let cells = range.height() as u64 * range.width() as u64;
        if cells > max_cells {
            let end = range.end().unwrap_or((0, 0));
            return Err(in_sheet(problem(
                "sheet",
                format!(
                    "工作表的范围过大（{} 行 × {} 列，最远单元格 {}），超过 {} 个单元格的上限；请删除表格以外的多余单元格后重新报送",
                    range.height(),
                    range.width(),
                    finding::a1(end.0, end.1),
                    max_cells
                ),
            )));
        }
        let date_system = match &**workbook {
            Sheets::Xlsx(x) if x.has_1904_epoch() => DateSystem::Excel1904,
            Sheets::Xls(x) if x.has_1904_epoch() => DateSystem::Excel1904,
            _ => DateSystem::Excel1900,
        };
        let merges = with_merges.then(|| calamine_merges(workbook, sheet_name));
        Ok(LoadedSheet {
            sheet_name: sheet_name.to_string(),
            range,
            merges,
            encoding: None,
            date_system,
            format,
            chosen: None,
        })
    }
}

fn calamine_merges(workbook: &mut Sheets<BufReader<File>>, sheet_name: &str) -> Vec<Dimensions> {
    match workbook {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(sheet_name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(sheet_name).unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn parsed(sheet: MarkupSheet, format: FileFormat) -> LoadedSheet {
    LoadedSheet {
        sheet_name: sheet.name,
        range: sheet.range,
        merges: Some(sheet.merges),
        encoding: None,
        date_system: DateSystem::Excel1900,
        format,
        chosen: None,
    }
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What the file is, from its first bytes (and, for text, its extension).
fn sniff(path: &Path, head: &[u8]) -> Result<FileFormat, OpenProblem> {
    if head.starts_with(b"PK\x03\x04") {
        return Ok(FileFormat::Zip);
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Ok(FileFormat::Compound);
    }
    if head.starts_with(b"%PDF") {
        return Err(problem(
            "file",
            "文件是 PDF 文档，不是电子表格；请报送 Excel 表格（.xlsx）原件",
        ));
    }
    if head.starts_with(b"PK") || head.starts_with(b"Rar!") || head.starts_with(&[0x1F, 0x8B]) {
        return Err(problem(
            "file",
            "文件是压缩包，不是电子表格；请解压后报送其中的 Excel 表格",
        ));
    }
    if let Some(program) = other_program(head) {
        return Err(problem(
            "file",
            format!("文件是{program}的文件，不是 Excel 工作簿，laborstat 不读取这种格式；{SAVE_AS_XLSX}"),
        ));
    }
    if let Some(version) = early_biff(head) {
        return Err(problem(
            "file",
            format!("文件是 Excel {version} 的旧格式（1987–1992 年的 .xls，不是 Excel 97-2003），laborstat 不读取这种格式；{SAVE_AS_XLSX}"),
        ));
    }
    if let Some(what) = old_exchange_format(head) {
        return Err(problem(
            "file",
            format!("文件是{what}，laborstat 不读取这种格式（按 CSV 读会把格式代码当成数据）；{SAVE_AS_XLSX}"),
        ));
    }
    let text = decode_head(head);
    // Markup begins with a tag; a CSV that merely mentions "<table" in a cell is text.
    let starts_with_tag = |t: &str| {
        t.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
            .starts_with('<')
    };
    if let Some(text) = text.as_deref().filter(|t| starts_with_tag(t)) {
        if text.contains("opendocument.spreadsheet") && text.contains("office:document") {
            return Err(problem(
                "file",
                "文件是 OpenDocument 平面 XML 表格（.fods），laborstat 不读取这种格式；请用 WPS 或 LibreOffice 打开后另存为 .xlsx 或 .ods 重新报送",
            ));
        }
        if is_spreadsheetml(text) {
            return Ok(FileFormat::SpreadsheetMl);
        }
        if is_html(text) {
            return Ok(FileFormat::Html);
        }
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let named_as_text = matches!(extension.as_str(), "csv" | "tsv" | "txt");
    if named_as_text {
        // Even undecodable bytes: read_csv says what is wrong with the encoding.
        return Ok(FileFormat::Text);
    }
    match text {
        Some(text) if extension == "prn" || is_space_aligned(&text) => Err(problem(
            "file",
            format!("文件是以空格对齐各列的文本（PRN/固定宽度格式），列的边界无法可靠确定，laborstat 不按它读取；{SAVE_AS_XLSX}"),
        )),
        Some(text) if text.contains([',', '\t', ';']) => Ok(FileFormat::Text),
        Some(_) => Err(problem(
            "file",
            format!("不是有效的电子表格：文件内容是一段没有分列的纯文本，不是表格；{SAVE_AS_XLSX}"),
        )),
        None => Err(problem(
            "file",
            format!("不是有效的电子表格：文件内容既不是 Excel/WPS/ODS 工作簿，也不是网页或文本表格，可能是改了扩展名的其他文件；{SAVE_AS_XLSX}"),
        )),
    }
}

/// Spreadsheets and tables of other programs, by their first record: Lotus 1-2-3 and Quattro
/// Pro for DOS (a BOF record `00 00 02 00` or `00 00 1A 00`), Microsoft Works (`FF 00 02
/// 00`), dBase/FoxPro (a version byte, a valid last-update date, a header of 32-byte field
/// descriptors).
fn other_program(head: &[u8]) -> Option<&'static str> {
    match head {
        [0x00, 0x00, 0x02, 0x00, 0x04..=0x06, 0x04, ..] => Some(" Lotus 1-2-3 "),
        [0x00, 0x00, 0x02, 0x00, _, 0x10 | 0x51, ..] => Some(" Quattro Pro "),
        [0x00, 0x00, 0x1A, 0x00, _, 0x10, ..] => Some(" Lotus 1-2-3 "),
        [0xFF, 0x00, 0x02, 0x00, 0x04, 0x04, ..] => Some(" Microsoft Works "),
        [version, _, month, day, _, _, _, _, h0, h1, ..]
            if matches!(version, 0x02..=0x05 | 0x30..=0x32 | 0x43 | 0x63 | 0x83 | 0x8B | 0x8C | 0xCB | 0xF5 | 0xFB)
                && (1..=12).contains(month)
                && (1..=31).contains(day) =>
        {
            let header = u16::from_le_bytes([*h0, *h1]) as usize;
            let fields_then = |at: usize| header.checked_sub(at).is_some_and(|h| h % 32 == 0);
            (header >= 65 && (fields_then(1) || fields_then(264))).then_some(" dBase/FoxPro 数据表")
        }
        _ => None,
    }
}

/// An Excel 2.x, 3.0 or 4.0 worksheet (BIFF2–4): not a compound file but bare records,
/// beginning with a BOF record (0x0009, 0x0209, 0x0409) of 4 to 6 bytes. calamine reads
/// BIFF5 and later only.
fn early_biff(head: &[u8]) -> Option<&'static str> {
    let [id_low, id_high, len_low, len_high, ..] = *head else {
        return None;
    };
    let length = u16::from_le_bytes([len_low, len_high]);
    let version = match (id_low, id_high) {
        (0x09, 0x00) => "2.x",
        (0x09, 0x02) => "3.0",
        (0x09, 0x04) => "4.0",
        _ => return None,
    };
    (4..=6).contains(&length).then_some(version)
}

/// The old spreadsheet exchange formats Excel still saves (and systems still export, often
/// named .xls or .csv), by their first record: SYLK begins `ID;P`, DIF begins `TABLE` then
/// `0,1`. Read as CSV they give columns of format codes ("P;P#", "BOT") instead of data.
fn old_exchange_format(head: &[u8]) -> Option<&'static str> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    // Lines end in CR LF, LF or (Mac Excel) CR alone.
    let mut lines = head
        .split(|&b| b == b'\n' || b == b'\r')
        .filter(|l| !l.is_empty());
    let (first, second) = (lines.next()?, lines.next().unwrap_or(b""));
    // A semicolon CSV may begin "ID;Price": SYLK's next record is a record type of its own.
    let sylk_record = [&b"P;"[..], b"F;", b"B;", b"C;", b"O;"]
        .iter()
        .any(|r| second.starts_with(r))
        || second == b"E";
    if first.starts_with(b"ID;P") && sylk_record {
        return Some("SYLK 格式（符号链接，.slk）");
    }
    if first == b"TABLE" && second == b"0,1" {
        return Some("DIF 格式（数据交换格式，.dif）");
    }
    None
}

/// Text whose lines split into columns at runs of spaces (Excel's "带格式文本(空格分隔)",
/// .prn, and report printouts saved as text): most of its first lines hold two or more
/// runs of at least two spaces between words.
fn is_space_aligned(text: &str) -> bool {
    let lines: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    // A separated line (tabs, or commas between padded fields) is CSV, however it is padded.
    let aligned = lines
        .iter()
        .filter(|l| !l.contains('\t') && l.matches(',').count() <= 1)
        .filter(|l| {
            l.trim()
                .split("  ")
                .filter(|part| !part.trim().is_empty())
                .count()
                >= 3
        })
        .count();
    lines.len() >= 2 && aligned * 2 > lines.len()
}

/// The first bytes as text, when they are text.
fn decode_head(head: &[u8]) -> Option<String> {
    // (`decode` refuses zero bytes outside UTF-16 and UTF-32.) The head may end inside a character: decode what is whole.
    for cut in 0..4.min(head.len()) {
        if let Ok((text, _)) = decode(&head[..head.len() - cut]) {
            return Some(text);
        }
    }
    None
}

/// A whole text file (markup) decoded: BOM or UTF-8, else the charset the page declares,
/// else what the detector finds (`csv::decode`).
fn read_text(path: &Path) -> Result<(String, Encoding), OpenProblem> {
    let bytes = std::fs::read(path)
        .map_err(|e| problem("file", format!("无法读取文件：{}", finding::io_words(&e))))?;
    let has_bom = [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"]
        .iter()
        .any(|bom| bytes.starts_with(bom));
    if !has_bom && std::str::from_utf8(&bytes).is_err() {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
        let declared = head
            .split("charset=")
            .nth(1)
            .or_else(|| head.split("encoding=").nth(1))
            .map(|rest| {
                rest.trim_start_matches(['"', '\''])
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
        if let Some(encoding) = declared {
            let (text, _, _) = encoding.decode(&bytes);
            let told = if encoding == encoding_rs::GBK || encoding == encoding_rs::GB18030 {
                Encoding::Gb18030
            } else {
                Encoding::Other(encoding)
            };
            return Ok((text.into_owned(), told));
        }
    }
    decode(&bytes).map_err(|m| problem("file", m))
}

/// Each part of a zip, by the sizes its directory declares, before anything is unpacked:
/// a part too large once unpacked, or one that unpacks to far more than it packs (a zip
/// bomb), refuses the file. The stream is bounded again while the sheet is read.
fn check_zip_parts(path: &Path, limits: &Limits) -> Result<(), OpenProblem> {
    let Ok(file) = File::open(path) else {
        return Ok(()); // reported when calamine opens it
    };
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else {
        return Ok(()); // a damaged zip: open_zip says so
    };
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index_raw(i) else {
            continue;
        };
        let (unpacked, packed) = (part.size(), part.compressed_size().max(1));
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let too_large = unpacked > limits.unpacked_bytes;
        let bomb =
            unpacked > Limits::RATIO_FROM_BYTES && unpacked / packed > limits.compression_ratio;
        if too_large || bomb {
            let which = if too_large {
                format!(
                    "超过 {} 的上限（流水线文件 [limits] unpacked_mb）",
                    bytes_text(limits.unpacked_bytes)
                )
            } else {
                format!(
                    "压缩比 {}:1，超过 {}:1 的上限（流水线文件 [limits] compression_ratio）",
                    unpacked / packed,
                    limits.compression_ratio
                )
            };
            return Err(problem(
                "too_large",
                format!(
                    "文件中的“{name}”解压后为 {}（压缩时 {}），{which}；这不是正常的台账，疑似压缩炸弹或含有海量空白单元格，未读取。请用 Excel 打开检查后另存为 .xlsx 重新报送",
                    bytes_text(unpacked),
                    bytes_text(packed)
                ),
            ));
        }
    }
    Ok(())
}

/// 5.2 GB, 312 MB, 12 KB.
fn bytes_text(bytes: u64) -> String {
    let units = [("GB", 1u64 << 30), ("MB", 1 << 20), ("KB", 1 << 10)];
    for (unit, size) in units {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} 字节")
}

/// A zip: xlsx/xlsm first, then ods and xlsb, whatever the extension says.
fn open_zip(path: &Path, head: &[u8]) -> Result<Sheets<BufReader<File>>, OpenProblem> {
    if let Ok(x) = open_workbook::<Xlsx<_>, _>(path) {
        return Ok(Sheets::Xlsx(x));
    }
    if let Some(x) = open_without_sheets_of_other_kinds(path) {
        return Ok(Sheets::Xlsx(x));
    }
    if let Ok(x) = open_workbook::<Ods<_>, _>(path) {
        return Ok(Sheets::Ods(x));
    }
    if let Ok(x) = open_workbook::<Xlsb<_>, _>(path) {
        return Ok(Sheets::Xlsb(x));
    }
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    let names = zip_entry_names(path);
    let has_entry = |ends: &str| names.iter().any(|n| n.ends_with(ends));
    let message = if has_entry("Index/Document.iwa") || has_entry("Index.zip") {
        "文件是苹果 Numbers 表格，不是 Excel 工作簿；请在 Numbers 中“导出为 Excel”后重新报送"
            .to_string()
    } else if zip_entry_contains(path, "META-INF/manifest.xml", "encryption-data") {
        PASSWORD_PROTECTED.to_string()
    } else if names.iter().any(|n| n.starts_with("xl/macrosheets/")) {
        format!("工作簿中有 Excel 4.0 宏表，这种 .xlsb 文件 laborstat 无法读取；{SAVE_AS_XLSX}")
    } else if contains(b"word/") {
        "文件是 Word 文档，不是电子表格；请报送 Excel 表格".to_string()
    } else if contains(b"ppt/") {
        "文件是 PowerPoint 演示文稿，不是电子表格；请报送 Excel 表格".to_string()
    } else {
        format!("文件已损坏：它是 Excel/WPS 工作簿的压缩格式，但内容不完整或已损坏，无法读取；{SAVE_AS_XLSX}")
    };
    Err(problem("file", message))
}

/// An xlsx with an Excel 4.0 macro sheet or a dialog sheet, which calamine refuses whole:
/// opened from a copy whose workbook lists its worksheets only (the other parts copied as
/// they are, unpacked not). Such sheets hold no table; the worksheets are read as usual.
fn open_without_sheets_of_other_kinds(path: &Path) -> Option<Xlsx<BufReader<File>>> {
    let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
    let other_kind =
        |target: &str| target.contains("macrosheets/") || target.contains("dialogsheets/");
    let mut rels = String::new();
    zip.by_name("xl/_rels/workbook.xml.rels")
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut rels)
        .ok()?;
    let skipped: Vec<String> = open_tags(&rels)
        .into_iter()
        .filter(|(tag, _)| tag == "relationship")
        .filter_map(|(_, attrs)| {
            let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
            other_kind(&attr("target")?).then(|| attr("id"))?
        })
        .collect();
    if skipped.is_empty() {
        return None;
    }
    let mut workbook = String::new();
    zip.by_name("xl/workbook.xml")
        .ok()?
        .take(8 << 20)
        .read_to_string(&mut workbook)
        .ok()?;
    // Drop each <sheet …/> element whose relationship id is one of the skipped.
    let mut kept = String::with_capacity(workbook.len());
    let mut rest = workbook.as_str();
    while let Some(at) = rest.find("<sheet ") {
        let end = at + rest[at..].find("/>")? + 2;
        let element = &rest[at..end];
        kept.push_str(&rest[..at]);
        if !skipped
            .iter()
            .any(|id| element.contains(&format!("\"{id}\"")))
        {
            kept.push_str(element);
        }
        rest = &rest[end..];
    }
    kept.push_str(rest);
    let copy = std::env::temp_dir().join(format!(
        "laborstat-{}-{}.xlsx",
        std::process::id(),
        COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let written = (|| -> Option<()> {
        let mut out = zip::ZipWriter::new(File::create(&copy).ok()?);
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).ok()?;
            if entry.name().ok()? == "xl/workbook.xml" {
                drop(entry);
                let stored = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored);
                out.start_file("xl/workbook.xml", stored).ok()?;
                std::io::Write::write_all(&mut out, kept.as_bytes()).ok()?;
            } else {
                out.raw_copy_file(entry).ok()?;
            }
        }
        out.finish().ok()?;
        Some(())
    })();
    // Opened, the copy's name is not needed: the open file stays readable once unlinked.
    let opened = written.and_then(|()| open_workbook::<Xlsx<_>, _>(&copy).ok());
    let _ = std::fs::remove_file(&copy);
    opened
}

/// Numbers the copies [`open_without_sheets_of_other_kinds`] writes, within the process.
static COPIES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The names of a zip's entries (at most 10,000), empty when it cannot be read as a zip.
fn zip_entry_names(path: &Path) -> Vec<String> {
    let Ok(zip) = File::open(path).map(zip::ZipArchive::new) else {
        return Vec::new();
    };
    zip.map(|z| {
        z.file_names()
            .take(10_000)
            .filter_map(|n| n.ok().map(|n| n.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// Whether a zip's entry holds `needle` (in its first megabyte).
fn zip_entry_contains(path: &Path, entry: &str, needle: &str) -> bool {
    zip_part_text(path, entry).is_some_and(|text| text.contains(needle))
}

/// The first megabyte of a zip's part as text (a workbook's or manifest's XML); `None`
/// when the file, the zip or the part cannot be read.
fn zip_part_text(path: &Path, entry: &str) -> Option<String> {
    let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
    let mut text = String::new();
    zip.by_name(entry)
        .ok()?
        .take(1 << 20)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The memory one file's sheets may take when a reader holds them whole (xls: every sheet
/// at once, as a dense grid of cells).
pub const WHOLE_SHEETS_BYTES: u64 = 256 << 20;

/// Cells of a dense grid that fit in [`WHOLE_SHEETS_BYTES`] (and the pipeline's bound).
fn dense_cell_budget(limits: &Limits) -> u64 {
    (WHOLE_SHEETS_BYTES / std::mem::size_of::<Data>() as u64).min(limits.sheet_cells)
}

/// An ODS's sheets are measured (its content streamed) before calamine expands them: the
/// same bound as an xls's.
fn check_ods(path: &Path, limits: &Limits) -> Result<(), OpenProblem> {
    let measured = (|| {
        let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
        let content = zip.by_name("content.xml").ok()?;
        super::compound::measure_ods(BufReader::new(content))
    })();
    match measured {
        Some(extent) => within_whole_read_budget(&extent, limits, "ODS"),
        None => Ok(()),
    }
}

/// A compound file's container is checked, and the cells its sheets span measured, before
/// calamine reads it (`compound.rs`): a damaged chain would make it allocate without
/// bound, and a stray cell far from the table a grid of millions of empty cells.
fn check_compound(path: &Path, limits: &Limits) -> Result<(), OpenProblem> {
    let bytes = std::fs::read(path)
        .map_err(|e| problem("file", format!("无法读取文件：{}", finding::io_words(&e))))?;
    let extent = super::compound::measure(&bytes).map_err(|why| {
        problem(
            "file",
            format!("文件无法读取：{why}，不是完好的 Excel 97-2003 工作簿；{SAVE_AS_XLSX}"),
        )
    })?;
    let Some(extent) = extent else {
        return Ok(());
    };
    if extent.encrypted {
        return Err(problem("file", PASSWORD_PROTECTED));
    }
    within_whole_read_budget(&extent, limits, "Excel 97-2003")
}

/// Refuses a workbook whose sheets, held whole as calamine holds them, would not fit in
/// [`WHOLE_SHEETS_BYTES`], naming the sheet and its far cell.
fn within_whole_read_budget(
    extent: &super::compound::WorkbookExtent,
    limits: &Limits,
    format: &str,
) -> Result<(), OpenProblem> {
    // calamine keeps, beside each sheet's grid of values, a grid of formula texts as large
    // (when the sheet has a formula), and hands out a copy of the values: a cell costs all
    // three.
    let per_cell = (2 * std::mem::size_of::<Data>() + std::mem::size_of::<String>()) as u64;
    let budget = (WHOLE_SHEETS_BYTES / per_cell).min(limits.sheet_cells);
    if extent.dense_cells() <= budget {
        return Ok(());
    }
    let (sheet, area) = extent.widest().unwrap_or(("", (0, 0, 0, 0)));
    let megabytes = (extent.dense_cells() * per_cell) >> 20;
    let (span, stray) = far_cell_words(area);
    Err(OpenProblem {
        sheet: Some(sheet.to_string()),
        ..problem(
            "too_large",
            format!(
                "工作表“{sheet}”的单元格分布在 {span}，按 {format} 格式读取要占用约 {megabytes} MB 内存，超过上限；{stray}，请删除后另存为 .xlsx 重新报送"
            ),
        )
    })
}

/// An OLE compound file: an xls, or a password-protected xlsx (which Office stores so).
fn open_compound(path: &Path) -> Result<Sheets<BufReader<File>>, OpenProblem> {
    let encrypted = PASSWORD_PROTECTED;
    match open_workbook::<Xls<_>, _>(path) {
        Ok(x) => Ok(Sheets::Xls(x)),
        Err(e) => {
            let detail = e.to_string().to_lowercase();
            if detail.contains("password")
                || detail.contains("encrypt")
                || has_encrypted_package(path)
                || has_file_pass(path)
            {
                Err(problem("file", encrypted))
            } else {
                Err(problem(
                    "file",
                    format!("文件已损坏：它是 Excel 97-2003（.xls）格式，但内容已损坏，无法读取；{SAVE_AS_XLSX}"),
                ))
            }
        }
    }
}

/// An encrypted xlsx is a compound file holding an `EncryptedPackage` stream.
fn has_encrypted_package(path: &Path) -> bool {
    let mut bytes = Vec::new();
    let read = File::open(path).and_then(|f| f.take(1 << 20).read_to_end(&mut bytes));
    let needle: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    read.is_ok() && bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// An xls protected by a password — XOR obfuscation or RC4, which calamine reports as
/// other errors — has a FILEPASS record (0x002F) right after the workbook's BOF record
/// (BIFF8 `09 08 10 00 00 06 05 00`, BIFF5 `09 08 08 00 00 05 05 00`).
fn has_file_pass(path: &Path) -> bool {
    let mut bytes = Vec::new();
    if File::open(path)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut bytes))
        .is_err()
    {
        return false;
    }
    let bofs: [&[u8]; 2] = [
        &[0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00],
        &[0x09, 0x08, 0x08, 0x00, 0x00, 0x05, 0x05, 0x00],
    ];
    // Records after BOF: id and length, 2 bytes each. FILEPASS may follow WRITEPROT and
    // the like; it comes within the first few records when it is there.
    let file_pass_after = |mut at: usize| {
        for _ in 0..8 {
            let Some(&[id0, id1, len0, len1]) = bytes.get(at..at + 4) else {
                return false;
            };
            if [id0, id1] == [0x2F, 0x00] {
                return true;
            }
            at += 4 + u16::from_le_bytes([len0, len1]) as usize;
        }
        false
    };
    bofs.iter().any(|bof| {
        bytes
            .windows(bof.len())
            .enumerate()
            .any(|(at, w)| w == *bof && file_pass_after(at))
    })
}

fn unreadable_sheet() -> OpenProblem {
    problem(
        "file",
        format!("工作表无法读取，文件可能已损坏；{SAVE_AS_XLSX}"),
    )
}

/// The bounds of a sheet read cell by cell: every cell the stream yields counts, empty or
/// not, so that a sheet of endless empty cells is refused after `max_cells`, in bounded
/// time, whatever its zip part claimed; and the used area (non-empty cells) must fit in
/// `max_cells` too, as a dense range of it would have to ([`check_area`]). A streamed sheet
/// is counted the same way by `xlsx_rows`.
struct CellGuard {
    max_cells: u64,
    streamed: u64,
    /// (top, left, bottom, right) of the non-empty cells so far.
    used: Option<(u32, u32, u32, u32)>,
}

impl CellGuard {
    fn new(max_cells: u64) -> Self {
        CellGuard {
            max_cells,
            streamed: 0,
            used: None,
        }
    }

    fn count(&mut self) -> Result<(), OpenProblem> {
        self.streamed += 1;
        if self.streamed > self.max_cells {
            return Err(too_many_cells(self.max_cells));
        }
        Ok(())
    }

    fn filled(&mut self, (r, c): (u32, u32)) {
        self.used = Some(match self.used {
            None => (r, c, r, c),
            Some((t, l, b, rt)) => (t.min(r), l.min(c), b.max(r), rt.max(c)),
        });
    }
}

fn too_many_cells(max_cells: u64) -> OpenProblem {
    problem(
        "too_large",
        format!(
            "工作表的单元格超过 {max_cells} 个（流水线文件 [limits] sheet_cells）仍未读完，已停止读取；多半是表格以外有大量空白或多余的单元格，请删除后重新报送"
        ),
    )
}

/// Once a sheet is read: refuses a used area (top, left, bottom, right) larger than the bound.
fn check_area(used: Option<(u32, u32, u32, u32)>, max_cells: u64) -> Result<(), OpenProblem> {
    let Some((top, left, bottom, right)) = used else {
        return Ok(());
    };
    let area = (bottom - top + 1) as u64 * (right - left + 1) as u64;
    if area <= max_cells {
        return Ok(());
    }
    let (span, stray) = far_cell_words((top, left, bottom, right));
    Err(problem(
        "sheet",
        format!(
            "工作表的使用范围过大（{span}），超过 {max_cells} 个单元格的上限；{stray}，请删除后重新报送"
        ),
    ))
}

/// A sheet's span in words — "A1 到 IV65536（65536 行 × 256 列）" — and the likely cause,
/// naming its far cell: what a refusal for size tells the clerk to look for.
fn far_cell_words((top, left, bottom, right): (u32, u32, u32, u32)) -> (String, String) {
    (
        format!(
            "{} 到 {}（{} 行 × {} 列）",
            finding::a1(top, left),
            finding::a1(bottom, right),
            bottom - top + 1,
            right - left + 1
        ),
        format!(
            "多半是表格以外的某个单元格（如 {}）误填了内容",
            finding::a1(bottom, right)
        ),
    )
}

/// Reads an xlsx sheet whole, cell by cell (see [`dense_range`]).
fn read_xlsx_guarded(
    xlsx: &mut Xlsx<BufReader<File>>,
    sheet_name: &str,
    limits: &Limits,
    recalculated_on_load: bool,
) -> Result<Range<Data>, OpenProblem> {
    let mut reader = xlsx
        .worksheet_cells_reader(sheet_name)
        .map_err(|_| unreadable_sheet())?;
    let next = super::formulas::checked_reader(recalculated_on_load);
    dense_range(limits, || {
        next(&mut reader)
            .map(|c| c.map(|c| (c.get_position(), Data::from(c.get_value().clone()))))
            .map_err(|_| unreadable_sheet())
    })
}

/// Reads an xlsb sheet whole, cell by cell (see [`dense_range`]), rather than through
/// calamine's range, which would allocate the span of the cells before anyone saw it.
fn read_xlsb_guarded(
    xlsb: &mut Xlsb<BufReader<File>>,
    sheet_name: &str,
    limits: &Limits,
) -> Result<Range<Data>, OpenProblem> {
    let mut reader = xlsb
        .worksheet_cells_reader(sheet_name)
        .map_err(|_| unreadable_sheet())?;
    dense_range(limits, || {
        reader
            .next_cell()
            .map(|c| c.map(|c| (c.get_position(), Data::from(c.get_value().clone()))))
            .map_err(|_| unreadable_sheet())
    })
}

/// The cells `next` gives, as a range — refused before the range is allocated when the
/// area they span would not fit in memory ([`dense_cell_budget`]: a stray value in IV65536
/// or XFD1048576 makes a grid of millions or billions of cells), and after `sheet_cells`
/// cells read, empty ones included (a sheet of endless blank cells).
fn dense_range(
    limits: &Limits,
    mut next: impl FnMut() -> Result<Option<((u32, u32), Data)>, OpenProblem>,
) -> Result<Range<Data>, OpenProblem> {
    let mut cells = Vec::new();
    let mut guard = CellGuard::new(limits.sheet_cells);
    while let Some((pos, value)) = next()? {
        guard.count()?;
        if value == Data::Empty {
            continue;
        }
        guard.filled(pos);
        cells.push(calamine::Cell::new(pos, value));
    }
    check_area(guard.used, dense_cell_budget(limits))?;
    if cells.is_empty() {
        return Ok(Range::empty());
    }
    Ok(Range::from_sparse(cells))
}

/// One sheet, ready to give its rows.
pub struct SheetStream<'b> {
    pub sheet_name: String,
    pub rows: SheetRows<'b>,
    /// Known merged regions (absolute positions); `None` for a streamed xlsx sheet, where
    /// they are read only when asked for ([`SheetStream::merged_regions`]).
    merges: Option<Vec<Dimensions>>,
    path: std::path::PathBuf,
    pub encoding: Option<Encoding>,
    pub date_system: DateSystem,
    pub format: FileFormat,
    /// How the sheet was chosen, when the user should hear about it.
    pub chosen: Option<String>,
}

impl SheetStream<'_> {
    /// Whether the merged regions are at hand without reading the file again.
    pub fn merges_known(&self) -> bool {
        self.merges.is_some()
    }

    /// What finds the sheet's merged regions and the values of given cells while the rows
    /// are being read (and the stream is borrowed).
    pub fn merge_lookup(&self) -> MergeLookup {
        MergeLookup {
            known: self.merges.clone(),
            path: self.path.clone(),
            sheet_name: self.sheet_name.clone(),
        }
    }

    /// The sheet's merged regions. For a streamed xlsx sheet they come after the cells in
    /// the file: the sheet's XML is scanned for them (unzipped, not parsed), not read again.
    pub fn merged_regions(&self) -> Vec<Dimensions> {
        match &self.merges {
            Some(known) => known.clone(),
            None => xlsx_merged_regions(&self.path, &self.sheet_name).unwrap_or_default(),
        }
    }
}

/// The merged regions of a sheet being read, and the values of cells already streamed past.
pub struct MergeLookup {
    known: Option<Vec<Dimensions>>,
    path: std::path::PathBuf,
    sheet_name: String,
}

impl MergeLookup {
    /// The merged regions when they came with the cells.
    pub fn known(&self) -> Option<&[Dimensions]> {
        self.known.as_deref()
    }

    /// The merged regions, scanned for in an xlsx sheet's XML when not known.
    pub fn regions(&self) -> Vec<Dimensions> {
        match &self.known {
            Some(known) => known.clone(),
            None => xlsx_merged_regions(&self.path, &self.sheet_name).unwrap_or_default(),
        }
    }

    /// The values of the cells at `positions` of an xlsx sheet, read again from the file
    /// down to the lowest of them (the cells streamed past are not kept).
    pub fn values_at(&self, positions: &[(u32, u32)]) -> HashMap<(u32, u32), Data> {
        let mut values = HashMap::new();
        let Some(last) = positions.iter().map(|p| p.0).max() else {
            return values;
        };
        let Ok(mut xlsx) = open_workbook::<Xlsx<_>, _>(&self.path) else {
            return values;
        };
        let Ok(mut reader) = xlsx.worksheet_cells_reader(&self.sheet_name) else {
            return values;
        };
        while let Ok(Some(cell)) = reader.next_cell() {
            let pos = cell.get_position();
            if pos.0 > last {
                break;
            }
            if positions.contains(&pos) {
                values.insert(pos, Data::from(cell.get_value().clone()));
            }
        }
        values
    }
}

/// The rows of one sheet, in order, each as its cells from column `col0` on. Rows between
/// two rows with cells are given as empty rows; nothing before the first row with a cell.
pub struct SheetRows<'b> {
    from: RowsFrom<'b>,
    /// The absolute column of each row's first cell.
    pub col0: u32,
    /// The absolute index of the next row to give, once the first is known.
    next: Option<u32>,
}

enum RowsFrom<'b> {
    Whole {
        range: Range<Data>,
        /// Rows of the range already given.
        given: usize,
    },
    Xlsx(Box<XlsxRows<'b>>),
}

impl<'b> SheetRows<'b> {
    fn whole(range: Range<Data>) -> Self {
        let (row0, col0) = range.start().unwrap_or((0, 0));
        SheetRows {
            next: (!range.is_empty()).then_some(row0),
            from: RowsFrom::Whole { range, given: 0 },
            col0,
        }
    }

    fn streamed(cells: xlsx_rows::XlsxRowReader<'b>, max_cells: u64, sheet_name: &str) -> Self {
        SheetRows {
            from: RowsFrom::Xlsx(Box::new(XlsxRows {
                cells,
                max_cells,
                sheet_name: sheet_name.to_string(),
                batch: vec![(0, Vec::new()); ROW_BATCH],
                ready: None,
                first: None,
            })),
            col0: 0,
            next: None,
        }
    }

    /// Gives `sink` every row from the next one up to (not including) absolute row
    /// `until`, or to the end of the sheet.
    pub fn feed(
        &mut self,
        until: Option<u32>,
        sink: &mut impl FnMut(u32, &[Data]),
    ) -> Result<(), OpenProblem> {
        let before = |r: u32| until.is_none_or(|u| r < u);
        match &mut self.from {
            RowsFrom::Whole { range, given } => {
                let row0 = range.start().map_or(0, |s| s.0);
                for row in range.rows().skip(*given) {
                    let r = row0 + *given as u32;
                    if !before(r) {
                        break;
                    }
                    sink(r, row);
                    *given += 1;
                    self.next = Some(r + 1);
                }
                Ok(())
            }
            RowsFrom::Xlsx(rows) => loop {
                // Rows are parsed a batch at a time and then handed on: the parser's state
                // stays in cache while it runs (measured faster than row by row).
                let mut gathered = 0;
                while gathered < rows.batch.len() {
                    match rows.ready_row()? {
                        Some(r) if before(r) => {
                            let slot = &mut rows.batch[gathered];
                            rows.cells.swap_row(&mut slot.1);
                            slot.0 = r;
                            rows.ready = None;
                            gathered += 1;
                        }
                        _ => break,
                    }
                }
                for (r, cells) in &rows.batch[..gathered] {
                    let next = *self.next.get_or_insert(*r);
                    for gap in next..*r {
                        sink(gap, &[]);
                    }
                    sink(*r, cells);
                    self.next = Some(r + 1);
                }
                if gathered < rows.batch.len() {
                    // The end of the sheet, or the next row is at `until`: the rows
                    // between lie before it.
                    if let (Some(r), Some(next)) = (rows.ready, self.next) {
                        for gap in next..r.min(until.unwrap_or(u32::MAX)) {
                            sink(gap, &[]);
                            self.next = Some(gap + 1);
                        }
                    }
                    return Ok(());
                }
            },
        }
    }

    /// About how many rows the sheet has, to size the column builders: the height of a
    /// sheet read whole, or the dimension an xlsx sheet declares — capped at 100,000 rows,
    /// since a declared dimension may be absurd (A1:XFD1048576) and reserving for it would
    /// cost memory for nothing; past the cap the builders grow as they go.
    pub fn expected_rows(&self) -> usize {
        match &self.from {
            RowsFrom::Whole { range, .. } => range.height(),
            RowsFrom::Xlsx(rows) => {
                let declared = rows.cells.dimensions();
                (declared.end.0.saturating_sub(declared.start.0) as usize + 1).min(100_000)
            }
        }
    }

    /// The first `rows` rows from the first row with a cell, as a range starting there and
    /// at `col0`: where titles and the header are looked for. Empty for an empty sheet.
    pub fn head(&mut self, rows: u32) -> Result<Range<Data>, OpenProblem> {
        let first = match &mut self.from {
            RowsFrom::Whole { range, .. } => range.start().map(|s| s.0),
            RowsFrom::Xlsx(x) => x.ready_row()?,
        };
        let Some(first) = first else {
            return Ok(Range::empty());
        };
        let mut gathered: Vec<Vec<Data>> = Vec::new();
        self.feed(Some(first + rows), &mut |_, row| {
            gathered.push(row.to_vec())
        })?;
        let width = gathered.iter().map(Vec::len).max().unwrap_or(0).max(1) as u32;
        let last = first + gathered.len().max(1) as u32 - 1;
        let mut range = Range::new((first, self.col0), (last, self.col0 + width - 1));
        for (r, row) in gathered.into_iter().enumerate() {
            for (c, value) in row.into_iter().enumerate() {
                if value != Data::Empty {
                    range.set_value((first + r as u32, self.col0 + c as u32), value);
                }
            }
        }
        Ok(range)
    }
}

/// How many rows an xlsx stream parses before handing them on.
const ROW_BATCH: usize = 64;

/// An xlsx sheet's rows as they are parsed (`xlsx_rows`), told in the user's words when
/// they cannot be read.
struct XlsxRows<'b> {
    cells: xlsx_rows::XlsxRowReader<'b>,
    max_cells: u64,
    sheet_name: String,
    /// Whole rows parsed and not yet handed on, with their indices; their cells' text
    /// buffers go back to the reader to be reused.
    batch: Vec<(u32, Vec<Data>)>,
    /// The reader holds this whole row, not yet given.
    ready: Option<u32>,
    /// The index of the first row with a cell, once read.
    first: Option<u32>,
}

impl XlsxRows<'_> {
    /// The next whole row, held by the reader, or `None` at the end of the sheet.
    fn ready_row(&mut self) -> Result<Option<u32>, OpenProblem> {
        if self.ready.is_some() {
            return Ok(self.ready);
        }
        let in_sheet = |p: OpenProblem| p.in_sheet(&self.sheet_name);
        match self.cells.next_row() {
            Ok(Some(r)) => {
                self.first.get_or_insert(r);
                self.ready = Some(r);
                Ok(self.ready)
            }
            Ok(None) => {
                check_area(self.cells.used_area(), self.max_cells).map_err(in_sheet)?;
                Ok(None)
            }
            Err(xlsx_rows::RowError::Unreadable) => Err(in_sheet(unreadable_sheet())),
            Err(xlsx_rows::RowError::TooManyCells) => Err(in_sheet(too_many_cells(self.max_cells))),
            Err(xlsx_rows::RowError::OutOfOrder) => Err(OpenProblem {
                rows_out_of_order: true,
                ..in_sheet(problem("file", "行的顺序不是从上到下"))
            }),
        }
    }
}

/// The merged regions of an xlsx sheet, read by scanning its XML for `<mergeCells>` (they
/// come after the cells) without parsing the cells again. `None` when the part cannot be
/// found or read.
fn xlsx_merged_regions(path: &Path, sheet_name: &str) -> Option<Vec<Dimensions>> {
    let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
    let target = xlsx_sheet_part(&mut zip, sheet_name)?;
    let mut entry = zip.by_name(&target).ok()?;
    const NEEDLE: &[u8] = b"<mergeCells";
    let mut tail: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut found = false;
    loop {
        let n = entry.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        if found {
            tail.extend_from_slice(&chunk[..n]);
            continue;
        }
        // Keep the end of the last chunk: the needle may straddle two chunks.
        let keep = tail.len().min(NEEDLE.len());
        tail.drain(..tail.len() - keep);
        tail.extend_from_slice(&chunk[..n]);
        if let Some(at) = tail.windows(NEEDLE.len()).position(|w| w == NEEDLE) {
            tail.drain(..at);
            found = true;
        }
    }
    if !found {
        return Some(Vec::new());
    }
    let text = String::from_utf8_lossy(&tail);
    let end = text.find("</mergeCells>").map_or(text.len(), |e| e);
    Some(
        open_tags(&text[..end])
            .into_iter()
            .filter(|(tag, _)| tag == "mergecell")
            .filter_map(|(_, attrs)| {
                let reference = attrs.iter().find(|(a, _)| a == "ref")?.1.clone();
                let (start, end) = match reference.split_once(':') {
                    Some((a, b)) => (a, b),
                    None => (reference.as_str(), reference.as_str()),
                };
                Some(Dimensions::new(
                    finding::parse_a1(start)?,
                    finding::parse_a1(end)?,
                ))
            })
            .collect(),
    )
}

/// Whether a streamed xlsx sheet's formulas are to be checked for their cached values: when
/// the sheet's first 256 KB of XML (about the first thousand rows) hold a formula — a
/// computed column is computed from the first row. Checking costs about a tenth of the
/// parse, and most ledgers (and every file of the benchmark, written by a library that sets
/// `fullCalcOnLoad` whether or not there are formulas) have none. The case this misses: a
/// sheet whose first formula comes after its first thousand rows, from a writer that
/// calculates nothing (Excel and WPS store the values they show).
fn formula_check<'a>(path: &Path, sheet_name: &str) -> Option<xlsx_rows::NextCell<'a>> {
    let head_has_formula = || -> Option<bool> {
        let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
        let part = xlsx_sheet_part(&mut zip, sheet_name)?;
        let mut head = Vec::new();
        zip.by_name(&part)
            .ok()?
            .take(256 * 1024)
            .read_to_end(&mut head)
            .ok()?;
        Some(head.windows(3).any(|w| w == b"<f>" || w == b"<f "))
    };
    // Whether the workbook asks to be recalculated matters only for a sheet with formulas.
    head_has_formula()
        .unwrap_or(true)
        .then(|| super::formulas::checked_reader(xlsx_recalculated_on_load(path)))
}

/// Whether an xlsx workbook asks to be recalculated when opened (`<calcPr
/// fullCalcOnLoad="1">`): its writer did not calculate, so its formulas' cached values are
/// placeholders (`formulas::next_checked_cell`).
fn xlsx_recalculated_on_load(path: &Path) -> bool {
    zip_part_text(path, "xl/workbook.xml").is_some_and(|text| {
        open_tags(&text).into_iter().any(|(tag, attrs)| {
            tag == "calcpr"
                && attrs
                    .iter()
                    .any(|(a, v)| a == "fullcalconload" && matches!(v.as_str(), "1" | "true"))
        })
    })
}

/// The path inside the zip of the sheet named `sheet_name`, from the workbook and its
/// relationships.
fn xlsx_sheet_part(zip: &mut zip::ZipArchive<File>, sheet_name: &str) -> Option<String> {
    let mut part = |name: &str| -> Option<String> {
        let entry = zip.by_name(name).ok()?;
        let mut text = String::new();
        entry.take(1 << 20).read_to_string(&mut text).ok()?;
        Some(text)
    };
    let workbook = part("xl/workbook.xml")?;
    let id = open_tags(&workbook).into_iter().find_map(|(tag, attrs)| {
        let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
        (tag == "sheet" && attr("name").as_deref() == Some(sheet_name)).then(|| attr("id"))?
    })?;
    let rels = part("xl/_rels/workbook.xml.rels")?;
    let target = open_tags(&rels).into_iter().find_map(|(tag, attrs)| {
        let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
        (tag == "relationship" && attr("id").as_deref() == Some(id.as_str()))
            .then(|| attr("target"))?
    })?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

/// Column widths as (first column, last column, width as stored), 0-based.
pub type ColumnWidthRuns = Vec<(u16, u16, f64)>;

/// The column widths a township gave its sheet (xlsx only: calamine does not expose them),
/// as (first column, last column, width), 0-based, so that a feedback copy keeps them.
/// Empty when unknown.
pub fn column_widths(path: &Path, sheet_name: &str) -> ColumnWidthRuns {
    xlsx_column_widths(path, sheet_name).unwrap_or_default()
}

fn xlsx_column_widths(path: &Path, sheet_name: &str) -> Option<ColumnWidthRuns> {
    let mut zip = zip::ZipArchive::new(File::open(path).ok()?).ok()?;
    let target = xlsx_sheet_part(&mut zip, sheet_name)?;
    let mut head = String::new();
    zip.by_name(&target)
        .ok()?
        .take(256 * 1024)
        .read_to_string(&mut head)
        .ok()?;
    // <cols> comes before <sheetData>: the head of the part is enough.
    let head = head.split("<sheetData").next().unwrap_or("");
    let widths = open_tags(head)
        .into_iter()
        .filter(|(tag, _)| tag == "col")
        .filter_map(|(_, attrs)| {
            let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
            let min: u16 = attr("min")?.parse().ok()?;
            let max: u16 = attr("max")?.parse().ok()?;
            let width: f64 = attr("width")?.parse().ok()?;
            (min >= 1 && max >= min && max <= 16_384)
                .then(|| (min - 1, max - 1, width.clamp(0.0, 255.0)))
        })
        .collect();
    Some(widths)
}

/// Picks a sheet: by position, or the first accepted name present (compared without
/// spaces and full-width differences).
/// The sheet the selector names, a visible one before a hidden one: a hidden sheet (a stale
/// copy kept in the file, named like the ledger) is read only when no visible sheet answers
/// the selector, and then said. The second value is what to tell, naming both sheets.
pub fn pick_visible_sheet(
    names: &[String],
    hidden: &[String],
    selector: &SheetSelector,
) -> Option<(String, Option<String>)> {
    let is_hidden = |n: &String| hidden.contains(n);
    let first = pick_sheet(names, selector)?;
    if !is_hidden(&first) {
        return Some((first, None));
    }
    let visible: Vec<&String> = names.iter().filter(|n| !is_hidden(n)).collect();
    let other = match selector {
        SheetSelector::Index(_) => visible.first().copied(),
        SheetSelector::Names(wanted) => wanted.iter().find_map(|w| {
            let w = normalize_key(w);
            visible.iter().find(|n| normalize_key(n) == w).copied()
        }),
    };
    Some(match other {
        Some(v) => (
            v.clone(),
            Some(format!("工作表“{first}”是隐藏的，读取了可见的工作表“{v}”；如隐藏的才是要报送的表，请取消隐藏并删除其他表后重新报送")),
        ),
        None => {
            let shown: Vec<&str> = visible.iter().map(|n| n.as_str()).collect();
            (
                first.clone(),
                Some(format!("读取的工作表“{first}”是隐藏的（可见的工作表：{}）；请核对它是否就是要报送的表", shown.join("、"))),
            )
        }
    })
}

pub fn pick_sheet(names: &[String], selector: &SheetSelector) -> Option<String> {
    match selector {
        SheetSelector::Index(i) => names.get(*i).cloned(),
        SheetSelector::Names(wanted) => wanted.iter().find_map(|w| {
            let w = normalize_key(w);
            names.iter().find(|n| normalize_key(n) == w).cloned()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sylk_and_dif_are_told_as_what_they_are_and_a_csv_is_not_taken_for_them() {
        assert!(
            old_exchange_format(b"ID;PWXL;N;E\r\nC;Y1;X1;K\"a\"\r\nE\r\n")
                .unwrap()
                .starts_with("SYLK")
        );
        assert!(
            old_exchange_format(b"TABLE\r\n0,1\r\n\"EXCEL\"\r\nVECTORS\r\n")
                .unwrap()
                .starts_with("DIF")
        );
        assert_eq!(
            old_exchange_format("案件编号,受理日期\nID;1,2024-01-01\n".as_bytes()),
            None
        );
        assert_eq!(old_exchange_format(b"ID,name\n1,a\n"), None);
        assert_eq!(old_exchange_format(b"ID;Price;Name\n1;2.5;a\n"), None);
        assert_eq!(old_exchange_format(b"ID;Price\nE01;2.5\n"), None);
    }

    /// Each kind of file that is not a workbook calamine reads gets the words for what it
    /// is, not "已损坏" or "改了扩展名": SYLK with Mac line ends, Excel 2.x–4.0, flat ODS,
    /// space-aligned PRN, Apple Numbers, a password-protected ODS, an XOR-obfuscated xls.
    #[test]
    fn files_of_other_kinds_are_told_as_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let refusal = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            match InputBook::open(&path, &Limits::default()) {
                Ok(_) => panic!("{name} was opened"),
                Err(p) => p.message,
            }
        };
        let said = refusal("mac.slk", b"ID;PWXL;N;E\rP;PGeneral\rC;Y1;X1;K1\rE\r");
        assert!(said.contains("SYLK"), "{said}");
        let said = refusal("old.xls", &[0x09, 0x04, 0x06, 0x00, 0, 0, 0x10, 0, 0, 0]);
        assert!(said.contains("Excel 4.0 的旧格式"), "{said}");
        let said = refusal("old2.xls", &[0x09, 0x00, 0x04, 0x00, 0x07, 0, 0x10, 0]);
        assert!(said.contains("Excel 2.x"), "{said}");
        let said = refusal("sheet.wk1", &[0, 0, 2, 0, 6, 4, 6, 0, 0, 0]);
        assert!(said.contains("Lotus 1-2-3"), "{said}");
        let mut dbf = vec![0x03, 0x75, 0x03, 0x05, 0x03, 0, 0, 0, 0x61, 0x00];
        dbf.resize(97, 0x20);
        let said = refusal("table.dbf", &dbf);
        assert!(said.contains("dBase"), "{said}");
        let fods = r#"<?xml version="1.0"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body/></office:document>"#;
        let said = refusal("flat.fods", fods.as_bytes());
        assert!(said.contains(".fods"), "{said}");
        let prn =
            "Name      City      Amount\rAlice     Paris        100\rBob       Rome         200\r";
        let said = refusal("print.txt2", prn.as_bytes());
        assert!(said.contains("PRN"), "{said}");
        let zipped = |entries: &[(&str, &str)]| {
            let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            for (name, text) in entries {
                out.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                std::io::Write::write_all(&mut out, text.as_bytes()).unwrap();
            }
            out.finish().unwrap().into_inner()
        };
        let numbers = zipped(&[
            ("Index/Document.iwa", "x"),
            ("Metadata/Properties.plist", ""),
        ]);
        let said = refusal("sheet.numbers", &numbers);
        assert!(said.contains("Numbers"), "{said}");
        let manifest = r#"<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>"#;
        let ods = zipped(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", "\u{1}\u{2}garbled"),
            ("META-INF/manifest.xml", manifest),
        ]);
        let said = refusal("locked.ods", &ods);
        assert!(said.contains("密码"), "{said}");
        // A BIFF8 workbook stream: BOF, WRITEPROT, FILEPASS (XOR). (The container around it
        // is not a whole compound file, which is refused as damaged before.)
        let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        xls.resize(512, 0);
        xls.extend([0x09, 0x08, 0x10, 0x00, 0x00, 0x06, 0x05, 0x00]);
        xls.extend([0; 12]);
        xls.extend([
            0x86, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x06, 0x00, 0, 0, 0, 0, 0, 0,
        ]);
        let said = refusal("xor.xls", &xls);
        assert!(said.contains("内部结构异常"), "{said}");
        assert!(has_file_pass(&dir.path().join("xor.xls")));
    }

    #[test]
    fn a_hidden_sheet_is_read_only_when_no_visible_one_answers_and_then_told() {
        let names: Vec<String> = ["投诉举报案件台账", "台账", "说明"]
            .map(String::from)
            .to_vec();
        let hidden = vec!["投诉举报案件台账".to_string()];
        let wanted = SheetSelector::Names(vec!["投诉举报案件台账".into(), "台账".into()]);
        let (name, told) = pick_visible_sheet(&names, &hidden, &wanted).unwrap();
        assert_eq!(name, "台账");
        assert!(told.unwrap().contains("“投诉举报案件台账”是隐藏的"));
        // Only the hidden one answers: read, and said with the visible sheets.
        let only = SheetSelector::Names(vec!["投诉举报案件台账".into()]);
        let (name, told) = pick_visible_sheet(&names, &hidden, &only).unwrap();
        assert_eq!(name, "投诉举报案件台账");
        assert!(told.unwrap().contains("可见的工作表：台账、说明"));
        // The first sheet hidden: the first visible one instead, told.
        let (name, told) = pick_visible_sheet(&names, &hidden, &SheetSelector::Index(0)).unwrap();
        assert_eq!((name.as_str(), told.is_some()), ("台账", true));
        // Nothing hidden: as before, nothing to tell.
        assert_eq!(
            pick_visible_sheet(&names, &[], &wanted),
            Some((names[0].clone(), None))
        );
    }
}
