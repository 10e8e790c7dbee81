//! Opening one input file and picking the sheet: xlsx, xlsm, xlsb, xls, ods through
//! calamine, csv through `csv.rs`. The only place that opens input files. Every failure is a
//! sentence for the user (Chinese, as it ends up in findings), never a panic.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Dimensions, Range, Reader, Sheets};

use super::cell::normalize_key;
use super::csv::{read_csv, Encoding};
use crate::pipeline::SheetSelector;

/// Sheets larger than this many cells are refused: a stray cell at XFD1048576 would
/// otherwise make the reader allocate gigabytes.
pub const MAX_SHEET_CELLS: u64 = 50_000_000;

/// One sheet read into memory.
pub struct LoadedSheet {
    pub sheet_name: String,
    pub range: Range<Data>,
    /// Merged regions (absolute positions), when asked for; empty for csv and ods.
    pub merges: Vec<Dimensions>,
    /// Only for csv.
    pub encoding: Option<Encoding>,
}

/// Why a file could not be read; `rule` names the kind for findings.
#[derive(Debug, Clone)]
pub struct OpenProblem {
    pub rule: &'static str,
    pub message: String,
    pub sheet: Option<String>,
    /// The file opened but has no sheet the source accepts (optional for summary sources).
    pub no_such_sheet: bool,
}

fn problem(rule: &'static str, message: impl Into<String>) -> OpenProblem {
    OpenProblem {
        rule,
        message: message.into(),
        sheet: None,
        no_such_sheet: false,
    }
}

pub fn is_csv(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Opens a workbook (not csv), with a message a statistician understands on failure.
pub fn open(path: &Path) -> Result<Sheets<std::io::BufReader<std::fs::File>>, OpenProblem> {
    if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(problem("file", "文件为空（0字节），请重新报送"));
    }
    open_workbook_auto(path).map_err(|e| {
        let detail = e.to_string();
        let lower = detail.to_lowercase();
        if lower.contains("password") || lower.contains("encrypt") {
            problem(
                "file",
                "工作簿设置了密码保护，无法读取；请去掉密码后重新报送",
            )
        } else if lower.contains("extension") || lower.contains("unsupported") {
            problem(
                "file",
                format!("不支持的文件类型（{detail}）；请报送 xlsx、xls、ods 或 csv 文件"),
            )
        } else {
            problem("file", format!("文件已损坏或不是有效的电子表格：{detail}"))
        }
    })
}

/// Reads the sheet the selector names.
pub fn load_sheet(path: &Path, selector: &SheetSelector) -> Result<LoadedSheet, OpenProblem> {
    if is_csv(path) {
        let bytes =
            std::fs::read(path).map_err(|e| problem("file", format!("无法读取文件：{e}")))?;
        if bytes.is_empty() {
            return Err(problem("file", "文件为空（0字节），请重新报送"));
        }
        let (range, encoding) = read_csv(&bytes).map_err(|m| problem("file", m))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(LoadedSheet {
            sheet_name: name,
            range,
            merges: Vec::new(),
            encoding: Some(encoding),
        });
    }
    let mut workbook = open(path)?;
    let names = workbook.sheet_names();
    let sheet_name = pick_sheet(&names, selector).ok_or_else(|| {
        let wanted = match selector {
            SheetSelector::Index(i) => format!("第{}个工作表", i + 1),
            SheetSelector::Names(n) => format!("工作表“{}”", n.join("”或“")),
        };
        OpenProblem {
            no_such_sheet: true,
            ..problem(
                "sheet",
                format!("找不到{wanted}；文件中的工作表为：{}", names.join("、")),
            )
        }
    })?;
    read_named_sheet(&mut workbook, &sheet_name, false)
}

/// The merged regions of a sheet. calamine finds them by parsing the whole sheet again
/// (they come after the cells in the file), so ingest asks only when a header cannot be
/// matched without them.
pub fn merged_regions(path: &Path, sheet_name: &str) -> Vec<Dimensions> {
    match open(path) {
        Ok(Sheets::Xlsx(mut x)) => x.merge_cells_by_sheet_name(sheet_name).unwrap_or_default(),
        Ok(Sheets::Xls(x)) => x.merge_cells_by_sheet_name(sheet_name).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Reads one sheet by name, with its merged regions if `with_merges`.
pub fn read_named_sheet(
    workbook: &mut Sheets<std::io::BufReader<std::fs::File>>,
    sheet_name: &str,
    with_merges: bool,
) -> Result<LoadedSheet, OpenProblem> {
    let in_sheet = |mut p: OpenProblem| {
        p.sheet = Some(sheet_name.to_string());
        p
    };
    let range = match &mut *workbook {
        Sheets::Xlsx(xlsx) => read_xlsx_guarded(xlsx, sheet_name).map_err(in_sheet)?,
        other => other
            .worksheet_range(sheet_name)
            .map_err(|e| in_sheet(problem("file", format!("无法读取工作表：{e}"))))?,
    };
    let cells = range.height() as u64 * range.width() as u64;
    if cells > MAX_SHEET_CELLS {
        let end = range.end().unwrap_or((0, 0));
        return Err(in_sheet(problem(
            "sheet",
            format!(
                "工作表的范围过大（{} 行 × {} 列，最远单元格 {}），超过 {} 个单元格的上限；请删除表格以外的多余单元格后重新报送",
                range.height(),
                range.width(),
                crate::finding::a1(end.0, end.1),
                MAX_SHEET_CELLS
            ),
        )));
    }
    let merges = match workbook {
        Sheets::Xlsx(x) if with_merges => {
            x.merge_cells_by_sheet_name(sheet_name).unwrap_or_default()
        }
        Sheets::Xls(x) if with_merges => {
            x.merge_cells_by_sheet_name(sheet_name).unwrap_or_default()
        }
        _ => Vec::new(),
    };
    Ok(LoadedSheet {
        sheet_name: sheet_name.to_string(),
        range,
        merges,
        encoding: None,
    })
}

/// Reads an xlsx sheet cell by cell, refusing it before allocating when the used area is
/// absurd: a stray value in XFD1048576 would make a dense range of 17 billion cells.
fn read_xlsx_guarded(
    xlsx: &mut calamine::Xlsx<std::io::BufReader<std::fs::File>>,
    sheet_name: &str,
) -> Result<Range<Data>, OpenProblem> {
    let unreadable = |e: calamine::XlsxError| problem("file", format!("无法读取工作表：{e}"));
    let mut reader = xlsx
        .worksheet_cells_reader(sheet_name)
        .map_err(unreadable)?;
    let declared = reader.dimensions();
    let mut cells = Vec::with_capacity((declared.len() as usize).min(1 << 20));
    let (mut top, mut left, mut bottom, mut right) = (u32::MAX, u32::MAX, 0u32, 0u32);
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let value = Data::from(cell.get_value().clone());
        if value == Data::Empty {
            continue;
        }
        let (r, c) = cell.get_position();
        (top, left, bottom, right) = (top.min(r), left.min(c), bottom.max(r), right.max(c));
        cells.push(calamine::Cell::new((r, c), value));
    }
    if cells.is_empty() {
        return Ok(Range::empty());
    }
    let area = (bottom - top + 1) as u64 * (right - left + 1) as u64;
    if area > MAX_SHEET_CELLS {
        return Err(problem(
            "sheet",
            format!(
                "工作表的使用范围过大（{} 到 {}，{} 行 × {} 列），超过 {} 个单元格的上限；多半是表格以外的某个单元格（如 {}）误填了内容，请删除后重新报送",
                crate::finding::a1(top, left),
                crate::finding::a1(bottom, right),
                bottom - top + 1,
                right - left + 1,
                MAX_SHEET_CELLS,
                crate::finding::a1(bottom, right),
            ),
        ));
    }
    Ok(Range::from_sparse(cells))
}

/// Picks a sheet: by position, or the first accepted name present (compared without
/// spaces and full-width differences).
pub fn pick_sheet(names: &[String], selector: &SheetSelector) -> Option<String> {
    match selector {
        SheetSelector::Index(i) => names.get(*i).cloned(),
        SheetSelector::Names(wanted) => wanted.iter().find_map(|w| {
            let w = normalize_key(w);
            names.iter().find(|n| normalize_key(n) == w).cloned()
        }),
    }
}
