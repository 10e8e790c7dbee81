//! Report: the official-style workbook. One sheet per `[[report.sheets]]` (centred title,
//! 填报单位 / 计量单位 / 报告期 line, multi-level merged header, 合计 then submitters, number
//! formats, footer and 说明 notes with each indicator's formula, A4 landscape), then 数据来源
//! (every file and what happened to its rows) and 指标说明 (every definition used).
//! The only stage that writes xlsx; the file is written to a temporary name and renamed.

mod charts;
pub mod findings;
pub mod format;
pub mod headline;
mod lists;
pub mod printed;
pub mod template;

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use compute::{FileMoney, LevelRow, Results};
use figure::{cell_number, NO_VALUE};
use format::{heading_lines, print_setup, text_width, ColumnWidths, Formats};
use ingest::header::SkipReason;
use ingest::Ingested;
use pipeline::{Arith, Display, Plan, Setting, SheetLayout};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("无法创建输出文件夹 {}：{}", path.display(), finding::io_words(source))]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("写出工作簿时出错：{0}")]
    Xlsx(#[from] XlsxError),
    #[error("写好的报表无法移到 {}：{}（若该文件正在 Excel/WPS 中打开，请先关闭）", path.display(), finding::io_words(source))]
    Rename {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("无法写入 {}：{}", path.display(), finding::io_words(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Rows above the header: title, then the 填报单位 line.
const HEADER_TOP: u32 = 2;

/// Writes the report workbook atomically to `path`.
pub fn write_report(
    plan: &Plan,
    results: &Results,
    data: &Ingested,
    path: &Path,
) -> Result<(), ReportError> {
    let mut workbook = Workbook::new();
    let formats = Formats::default();
    if let Some(layout) = &plan.headline {
        let sheet = workbook.add_worksheet();
        headline::write_headline_sheet(sheet, plan, layout, results, data, &formats)?;
    }
    for layout in &plan.sheets {
        let sheet = workbook.add_worksheet();
        write_table(sheet, plan, layout, results, &formats)?;
    }
    for (i, chart) in plan.charts.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        if chart.by_township.is_some() {
            charts::write_township_chart_sheet(sheet, plan, chart, results, &formats)?;
        } else {
            let series = results.windows.series.get(i).map_or(&[][..], Vec::as_slice);
            charts::write_chart_sheet(sheet, plan, chart, series, &formats)?;
        }
    }
    for (list, rows) in plan.lists.iter().zip(&results.lists) {
        lists::write_list_sheet(workbook.add_worksheet(), plan, list, rows, &formats)?;
    }
    write_sources_sheet(
        workbook.add_worksheet(),
        plan,
        data,
        &results.file_money,
        &formats,
    )?;
    write_definitions_sheet(workbook.add_worksheet(), plan, &formats)?;
    save_atomically(&mut workbook, path)
}

/// Saves next to the target under a temporary name, then renames: a reader never sees a
/// half-written report, and a failed run leaves the previous one in place.
pub fn save_atomically(workbook: &mut Workbook, path: &Path) -> Result<(), ReportError> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(|source| ReportError::Folder {
        path: folder.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    if let Err(e) = workbook.save(&temporary) {
        let _ = std::fs::remove_file(&temporary);
        return Err(e.into());
    }
    std::fs::rename(&temporary, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary);
        ReportError::Rename {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Where things are on a table sheet: `write_table` lays the sheet out by it and `explain`
/// finds what a cell holds by it, so the two cannot disagree.
pub struct TableGeometry<'a> {
    /// 代码 and the name, or the name alone.
    pub label_columns: u16,
    /// Header rows.
    pub depth: u32,
    /// The 0-based row of the first figures; `rows[i]` is on row `first_row + i`.
    pub first_row: u32,
    pub rows: Vec<&'a LevelRow>,
}

/// What one cell of a table sheet holds.
pub enum TableCell<'a> {
    Title,
    /// The 填报单位 / 计量单位 / 报告期 line.
    Subtitle,
    /// A header cell: over figure column `Some(j)`, or over the row labels.
    Header(Option<usize>),
    /// A row's code or name.
    Label(&'a LevelRow),
    /// The figure of `layout.columns[column]` for a row.
    Figure {
        level: &'a LevelRow,
        column: usize,
    },
    /// Below the figures: the signature line and the 说明.
    Notes,
    /// Right of the table.
    Outside,
}

pub fn table_geometry<'a>(layout: &SheetLayout, results: &'a Results) -> TableGeometry<'a> {
    let depth = layout
        .columns
        .iter()
        .map(|c| c.header.len())
        .max()
        .unwrap_or(1)
        .max(1) as u32;
    TableGeometry {
        label_columns: if layout.show_codes { 2 } else { 1 },
        depth,
        first_row: HEADER_TOP + depth,
        rows: results.sheet_rows(layout),
    }
}

impl<'a> TableGeometry<'a> {
    /// The cell at 0-based (row, col).
    pub fn cell(&self, layout: &SheetLayout, row: u32, col: u16) -> TableCell<'a> {
        let width = self.label_columns + layout.columns.len() as u16;
        if col >= width {
            return TableCell::Outside;
        }
        let figure_column = col.checked_sub(self.label_columns).map(usize::from);
        match row {
            0 => TableCell::Title,
            1 => TableCell::Subtitle,
            r if r < self.first_row => TableCell::Header(figure_column),
            r => match self.rows.get((r - self.first_row) as usize) {
                None => TableCell::Notes,
                Some(level) => match figure_column {
                    None => TableCell::Label(level),
                    Some(column) => TableCell::Figure { level, column },
                },
            },
        }
    }
}

fn write_table(
    sheet: &mut Worksheet,
    plan: &Plan,
    layout: &SheetLayout,
    results: &Results,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(&layout.name)?;
    let geometry = table_geometry(layout, results);
    let (label_columns, depth) = (geometry.label_columns, geometry.depth);
    let last_col = label_columns + layout.columns.len() as u16 - 1;
    let header_bottom = geometry.first_row - 1;

    write_title_lines(sheet, plan, layout, label_columns, last_col, f)?;

    // Row label heading(s), merged down the header.
    let mut label_headings = vec![layout.row_header.clone()];
    if layout.show_codes {
        label_headings.insert(0, "代码".into());
    }
    for (i, heading) in label_headings.iter().enumerate() {
        write_span_down(
            sheet,
            HEADER_TOP,
            header_bottom,
            i as u16,
            heading,
            &f.header,
        )?;
    }
    write_header_levels(sheet, layout, label_columns, depth, f)?;

    let name_width = write_level_rows(sheet, plan, layout, results, &geometry, f)?;

    // Footer and notes, a row below the last level.
    let mut row = geometry.first_row + geometry.rows.len() as u32 + 1;
    let footer = "单位负责人：          统计负责人：          填表人：          联系电话：          报出日期：";
    write_span(sheet, row, 0, last_col, footer, &f.note)?;
    row += 2;
    sheet.write_string_with_format(row, 0, "说明：", &f.note)?;
    row += 1;
    for (i, line) in table_notes(plan, layout, results).iter().enumerate() {
        write_span(
            sheet,
            row,
            0,
            last_col,
            &format!("{}. {line}", i + 1),
            &f.note,
        )?;
        row += 1;
    }

    // Widths, panes, printing.
    if layout.show_codes {
        sheet.set_column_width(0, 11)?;
    }
    sheet.set_column_width(label_columns - 1, (name_width + 2.0).clamp(8.0, 40.0))?;
    for (j, column) in layout.columns.iter().enumerate() {
        let leaf = column.header.last().map(String::as_str).unwrap_or("");
        // A heading set on two lines is as wide as its longer line; any other wraps in two.
        let lines = heading_lines(leaf);
        let width = match lines.split_once('\n') {
            Some((first, unit)) => text_width(first).max(text_width(unit)) + 1.5,
            None => text_width(leaf) / depth.min(2) as f64 + 2.0,
        }
        .clamp(9.0, 18.0);
        sheet.set_column_width(label_columns + j as u16, width)?;
    }
    // Townships' cells below a column's `below` highlighted, as a conditional format: the
    // sheet keeps it when a figure is corrected by hand.
    let townships: Vec<u32> = (geometry.first_row..)
        .zip(&geometry.rows)
        .filter(|(_, level)| level.code.is_some())
        .map(|(row, _)| row)
        .collect();
    if let (Some(&first), Some(&last)) = (townships.first(), townships.last()) {
        for (j, column) in layout.columns.iter().enumerate() {
            let Some(below) = column.below else {
                continue;
            };
            let col = label_columns + j as u16;
            // `below` is in the number the cell holds (a rate as a fraction, 万元 in 万元);
            // a blank (未报送) or "—" cell is no number and stays plain.
            let top_left = format!("{}{}", finding::column_letters(col as u32), first + 1);
            let highlight = rust_xlsxwriter::ConditionalFormatFormula::new()
                .set_rule(format!("=AND(ISNUMBER({top_left}),{top_left}<{below})").as_str())
                .set_format(
                    rust_xlsxwriter::Format::new()
                        .set_background_color("#FFC7CE")
                        .set_font_color("#9C0006"),
                );
            sheet.add_conditional_format(first, col, last, col, &highlight)?;
        }
    }
    sheet.set_freeze_panes(header_bottom + 1, label_columns)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_repeat_rows(0, header_bottom)?;
    Ok(())
}

/// The title (with a form's 表号 block top right, when it has one and room) and the
/// 填报单位 / 计量单位 / 报告期 line under it.
fn write_title_lines(
    sheet: &mut Worksheet,
    plan: &Plan,
    layout: &SheetLayout,
    label_columns: u16,
    last_col: u16,
    f: &Formats,
) -> Result<(), XlsxError> {
    // Title and the line under it; a form's 表号 block in the top right corner, beside it.
    // Over three narrow figure columns a line such as 制定机关：某某区人力资源和社会保障局
    // wraps once: room for two lines each.
    let block = !layout.form.is_empty() && last_col >= 6;
    let title_end = if block { last_col - 3 } else { last_col };
    sheet.merge_range(0, 0, 0, title_end, &plan.expand(&layout.title), &f.title)?;
    sheet.set_row_height(0, 30)?;
    if block {
        let lines = layout.form.join("\n");
        sheet.merge_range(0, title_end + 1, 0, last_col, &lines, &f.form_block)?;
        sheet.set_row_height(0, (24.0 * layout.form.len() as f64).max(30.0))?;
    }
    let reporter = format!("填报单位：{}", plan.reporter.clone().unwrap_or_default());
    let right = match &layout.unit {
        Some(unit) => format!("计量单位：{unit}    报告期：{}", plan.period.label()),
        None => format!("报告期：{}", plan.period.label()),
    };
    let middle = (last_col / 2).max(label_columns - 1);
    write_span(sheet, 1, 0, middle, &reporter, &f.subtitle_left)?;
    write_span(
        sheet,
        1,
        middle + 1,
        last_col.max(middle + 1),
        &right,
        &f.subtitle_right,
    )?;
    Ok(())
}

/// One row per level (合计, subtotals, townships or categories) in the geometry's order: a
/// township that sent none of the sheet's ledgers is 未报送 with blank figures, a figure over
/// tables nobody sent is "—". Returns the width the names need.
fn write_level_rows(
    sheet: &mut Worksheet,
    plan: &Plan,
    layout: &SheetLayout,
    results: &Results,
    geometry: &TableGeometry,
    f: &Formats,
) -> Result<f64, XlsxError> {
    let label_columns = geometry.label_columns;
    let mut name_width = text_width(&layout.row_header);
    // A township is 未报送 on a sheet when it sent none of the sheet's ledgers.
    let sheet_sources = plan.sources_of(layout.columns.iter().map(|c| c.indicator.as_str()));
    for (row, &level) in (geometry.first_row..).zip(&geometry.rows) {
        // 合计 and its subtotals are summary rows, set off the same way (a category is not).
        let total = level.code.is_none() && level.category.is_none();
        let sent = level.sent_any(&sheet_sources);
        let name = level.label_on(layout, sent);
        name_width = name_width.max(text_width(&name));
        let label_format = if total { &f.total_label } else { &f.label };
        if layout.show_codes {
            sheet.write_string_with_format(
                row,
                0,
                level.code.as_deref().unwrap_or(""),
                label_format,
            )?;
        }
        sheet.write_string_with_format(row, label_columns - 1, &name, label_format)?;
        for (j, column) in layout.columns.iter().enumerate() {
            let col = label_columns + j as u16;
            // A figure over tables nobody sent (no published report of last year) is "—".
            let value = results.sheet_value(plan, layout, column, level);
            match value {
                Some(v) if sent => {
                    sheet.write_number_with_format(
                        row,
                        col,
                        cell_number(v, column.display),
                        &f.value(column.display, total),
                    )?;
                }
                Some(_) => {
                    sheet.write_blank(row, col, &f.dash)?;
                }
                None => {
                    sheet.write_string_with_format(row, col, NO_VALUE, &f.dash)?;
                }
            }
        }
    }
    Ok(name_width)
}

/// The 说明 under a table, in order (numbered when written): each indicator's formula (a
/// plain measure in words), the settings and roster constants its figures use, how
/// categories and subtotals are made, the sheet's own notes, what history lacked or
/// restated, a reporting month's days, and the zero-denominator rule.
fn table_notes(plan: &Plan, layout: &SheetLayout, results: &Results) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut explained: Vec<&str> = Vec::new();
    for column in &layout.columns {
        if explained.contains(&column.indicator.as_str()) {
            continue; // the same figure over another window
        }
        explained.push(&column.indicator);
        if let Some(indicator) = plan.indicator(&column.indicator) {
            // A plain measure is said in words ("受理数：…台账中的行数"), never "受理数 = 受理数".
            let line = match &indicator.expr {
                Arith::Measure(m) => match plan.measure(m) {
                    Some(measure) => format!("{}：{}", indicator.label, measure.description),
                    None => continue,
                },
                _ => format!("{} = {}", indicator.label, indicator.formula),
            };
            lines.push(line);
        }
    }
    let used = plan.settings_used_by(layout.columns.iter().map(|c| c.indicator.as_str()));
    for setting in used {
        let note = setting
            .note
            .as_deref()
            .map(|n| format!("（{n}）"))
            .unwrap_or_default();
        // A setting that chooses a measure (or indicator) is said by its name in words.
        let in_words = |value: &str| match (plan.measure(value), plan.indicator(value)) {
            (Some(m), _) => m.label.clone(),
            (None, Some(i)) => i.label.clone(),
            (None, None) => Setting::value_in_words(value).to_string(),
        };
        let value = in_words(&setting.value);
        let chosen = setting
            .file_value
            .as_deref()
            .map(|file| {
                format!(
                    "（本次运行以命令行 --set 指定；流水线文件中为{}）",
                    in_words(file)
                )
            })
            .unwrap_or_default();
        lines.push(format!("设置：{}为{value}{chosen}{note}。", setting.label));
    }
    for constant in plan.constants_used_by(layout.columns.iter().map(|c| c.indicator.as_str())) {
        lines.push(format!(
            "{}：取自单位名单的“{}”列，合计及小计为各单位之和。",
            constant.label, constant.column
        ));
    }
    if let Some(c) = &layout.categories {
        lines.push(format!(
            "按{}的“{}”分列：各行为该列为此值的台账行，“{}”为其余各值及未填的行，各行之和为合计。",
            plan.sources[c.source].title, c.column, c.other
        ));
    }
    if layout.subtotals {
        lines.push("“其中”各行为单位名单中该类型（街道、镇、乡、园区等）单位的小计，按其台账行重新计算（比率不是各单位比率的平均）；各小计之和为合计（名单未填类型的单位只计入合计）。".to_string());
    }
    lines.extend(layout.notes.iter().map(|note| plan.expand(note)));
    // The plausibility reviews of this sheet's ledgers: what each checks and what it found.
    let shown = plan.sources_of(layout.columns.iter().map(|c| c.indicator.as_str()));
    for check in &plan.plausibility {
        let reviewed = plan.sources_of(check.figures.iter().map(String::as_str));
        if reviewed.iter().any(|s| shown.contains(s)) {
            lines.push(format!(
                "{}。",
                validate::plausibility::review_words(plan, check, results)
            ));
        }
    }
    let history = results.windows.notes_for(
        plan,
        &layout.windows(),
        &plan.sources_of(layout.columns.iter().map(|c| c.indicator.as_str())),
    );
    for line in history.iter().chain(&results.windows.restated) {
        lines.push(format!("{line}。"));
    }
    if let Some(day) = plan.period.month_ends_on {
        // Not a calendar period: the dates it covers are said, so no figure is misread.
        let (start, end) = plan.period.bounds();
        lines.push(format!(
            "统计月度按每月{day}日截止计算：{}为{}至{}。",
            plan.period.label(),
            start.format("%Y年%-m月%-d日"),
            end.format("%Y年%-m月%-d日")
        ));
    }
    lines.push(
        "比率的分母为0时显示“—”；合计行的比率由合计的分子、分母重新计算，不是各单位比率的平均。"
            .to_string(),
    );
    lines
}

/// The multi-level header: equal neighbouring labels merge across; a label with nothing
/// below it merges down to the last header row.
fn write_header_levels(
    sheet: &mut Worksheet,
    layout: &SheetLayout,
    first_col: u16,
    depth: u32,
    f: &Formats,
) -> Result<(), XlsxError> {
    let columns = &layout.columns;
    for level in 0..depth as usize {
        let mut j = 0;
        while j < columns.len() {
            let path = &columns[j].header;
            if path.len() <= level {
                j += 1;
                continue;
            }
            let prefix = &path[..=level];
            let mut end = j;
            while end + 1 < columns.len()
                && columns[end + 1].header.len() > level
                && columns[end + 1].header[..=level] == *prefix
            {
                end += 1;
            }
            let is_leaf = end == j && path.len() == level + 1;
            let bottom = if is_leaf {
                HEADER_TOP + depth - 1
            } else {
                HEADER_TOP + level as u32
            };
            let (c0, c1) = (first_col + j as u16, first_col + end as u16);
            let top = HEADER_TOP + level as u32;
            let text = match is_leaf {
                true => heading_lines(&path[level]),
                false => path[level].clone(),
            };
            if c0 == c1 && top == bottom {
                sheet.write_string_with_format(top, c0, &text, &f.header)?;
            } else {
                sheet.merge_range(top, c0, bottom, c1, &text, &f.header)?;
            }
            j = end + 1;
        }
    }
    for level in 0..depth {
        sheet.set_row_height(HEADER_TOP + level, 32)?;
    }
    Ok(())
}

fn write_span(
    sheet: &mut Worksheet,
    row: u32,
    first: u16,
    last: u16,
    text: &str,
    format: &rust_xlsxwriter::Format,
) -> Result<(), XlsxError> {
    if last > first {
        sheet.merge_range(row, first, row, last, text, format)?;
    } else {
        sheet.write_string_with_format(row, first, text, format)?;
    }
    Ok(())
}

fn write_span_down(
    sheet: &mut Worksheet,
    top: u32,
    bottom: u32,
    col: u16,
    text: &str,
    format: &rust_xlsxwriter::Format,
) -> Result<(), XlsxError> {
    if bottom > top {
        sheet.merge_range(top, col, bottom, col, text, format)?;
    } else {
        sheet.write_string_with_format(top, col, text, format)?;
    }
    Ok(())
}

/// 数据来源: every file read, who it was attributed to and why, and the fate of its rows.
fn write_sources_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    data: &Ingested,
    file_money: &FileMoney,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(pipeline::SOURCES_SHEET)?;
    let mut headings: Vec<String> = [
        "台账",
        "文件",
        "工作表",
        "报送单位代码",
        "报送单位",
        "识别依据",
        "表头行",
        "读入行数",
        "标题行",
        "表头行数",
        "采用",
        "剔除",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let reasons = SkipReason::ALL;
    headings.extend(reasons.iter().map(|r| format!("跳过：{}", r.label())));
    // Used rows that are in no figure of the period (a cumulative ledger's older cases).
    let dated = data.files.iter().any(|f| f.undated_rows.is_some());
    if dated {
        headings.push("采用行中日期不在报告期".into());
    }
    headings.extend(
        file_money
            .columns
            .iter()
            .map(|c| format!("采用行{c}（元）")),
    );
    headings.push("说明".into());
    // Townships' 以上数据无误 for the very files read (through the page), when any.
    let confirmed = data.files.iter().any(|f| f.confirmed.is_some());
    if confirmed {
        headings.push("报送单位确认（以上数据无误）".into());
    }
    let mut widths = ColumnWidths::default();
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &f.header)?;
        widths.fit_heading(c as u16, h);
    }
    let count = f.value(Display::Count, false);
    let yuan = f.value(Display::Yuan, false);
    for (i, file) in data.files.iter().enumerate() {
        let row = i as u32 + 1;
        let name = file
            .submitter
            .as_deref()
            .and_then(|c| data.roster.get(c))
            .map(|s| s.name.as_str())
            .unwrap_or("");
        let texts = [
            plan.source_title(&file.source),
            &file.label.display().to_string(),
            file.sheet.as_deref().unwrap_or(""),
            file.submitter.as_deref().unwrap_or(""),
            name,
            file.submitter_evidence.as_deref().unwrap_or(""),
        ];
        for (c, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, *t, &f.label)?;
            widths.fit(c as u16, t);
        }
        let header = file.header_row.map(|r| r as f64);
        let counts = &file.counts;
        let mut numbers = vec![
            header,
            Some(counts.read as f64),
            Some(counts.title as f64),
            Some(counts.header as f64),
            Some(counts.used as f64),
            Some(counts.rejected as f64),
        ];
        numbers.extend(
            reasons
                .iter()
                .map(|r| Some(*counts.skipped.get(r).unwrap_or(&0) as f64)),
        );
        if dated {
            numbers.push(file.undated_rows.map(|n| n as f64));
        }
        for (k, n) in numbers.into_iter().enumerate() {
            let col = (texts.len() + k) as u16;
            match n {
                Some(n) => sheet.write_number_with_format(row, col, n, &count)?,
                None => sheet.write_string_with_format(row, col, NO_VALUE, &f.dash)?,
            };
        }
        let first_money =
            (headings.len() - 1 - usize::from(confirmed) - file_money.columns.len()) as u16;
        for (k, fen) in file_money.fen[i].iter().enumerate() {
            let col = first_money + k as u16;
            match fen {
                Some(fen) => sheet.write_number_with_format(
                    row,
                    col,
                    cell_number(*fen as f64, Display::Yuan),
                    &yuan,
                )?,
                None => sheet.write_string_with_format(row, col, NO_VALUE, &f.dash)?,
            };
            widths.fit(col, "99,999,999.99");
        }
        let note = file.choice.as_deref().unwrap_or("");
        let note_column = (headings.len() - 1 - usize::from(confirmed)) as u16;
        sheet.write_string_with_format(row, note_column, note, &f.label)?;
        widths.fit(note_column, note);
        if confirmed {
            let who = file.confirmed.as_deref().unwrap_or("");
            sheet.write_string_with_format(row, note_column + 1, who, &f.label)?;
            widths.fit(note_column + 1, who);
        }
    }
    widths.apply(sheet)?;
    print_setup(sheet, (0, 0))?;
    sheet.set_freeze_panes(1, 2)?;
    Ok(())
}

/// 指标说明: each indicator and measure as defined in the pipeline, so a figure can be traced.
fn write_definitions_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(pipeline::DEFINITIONS_SHEET)?;
    let mut row = 0;
    let mut widths = ColumnWidths::default();
    for (c, h) in ["指标", "名称", "计算公式", "显示"].iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, &f.header)?;
        widths.fit_heading(c as u16, h);
    }
    for indicator in &plan.indicators {
        row += 1;
        let display = pipeline::compile::display_name(indicator.display);
        let formula = match &indicator.expr {
            Arith::Measure(m) => plan
                .measure(m)
                .map(|m| m.description.clone())
                .unwrap_or_else(|| indicator.formula.clone()),
            _ => indicator.formula.clone(),
        };
        for (c, t) in [indicator.name.as_str(), &indicator.label, &formula, display]
            .iter()
            .enumerate()
        {
            sheet.write_string_with_format(row, c as u16, *t, &f.label)?;
            widths.fit(c as u16, t);
        }
    }
    row += 2;
    for (c, h) in ["度量", "名称", "台账", "SQL", "筛选条件"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(row, c as u16, *h, &f.header)?;
        widths.fit_heading(c as u16, h);
    }
    for m in &plan.measures {
        row += 1;
        let source = &plan.sources[m.source];
        for (c, t) in [
            m.name.as_str(),
            &m.label,
            &source.title,
            &m.sql,
            m.filter.as_deref().unwrap_or(""),
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string_with_format(row, c as u16, *t, &f.label)?;
            widths.fit(c as u16, t);
        }
    }
    if !plan.settings.is_empty() {
        row += 2;
        for (c, h) in ["设置", "名称", "取值", "说明"].iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, *h, &f.header)?;
            widths.fit_heading(c as u16, h);
        }
        for s in &plan.settings {
            row += 1;
            let note = match &s.file_value {
                Some(file) => format!(
                    "本次运行以命令行 --set 指定，流水线文件中为 {file}。{}",
                    s.note.as_deref().unwrap_or("")
                ),
                None => s.note.clone().unwrap_or_default(),
            };
            for (c, t) in [s.name.as_str(), &s.label, &s.value, note.as_str()]
                .iter()
                .enumerate()
            {
                sheet.write_string_with_format(row, c as u16, *t, &f.label)?;
                widths.fit(c as u16, t);
            }
        }
    }
    row += 2;
    sheet.write_string_with_format(
        row,
        0,
        format!(
            "流水线文件：{}{}　报告期：{}",
            plan.file.display(),
            plan.included
                .iter()
                .map(|p| format!("（含 {}）", p.display()))
                .collect::<String>(),
            plan.period.label()
        ),
        &f.note,
    )?;
    widths.apply(sheet)?;
    print_setup(sheet, (0, 0))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_sheet_s_geometry_places_title_headers_levels_and_notes() {
        let csv = "案件编号,受理日期,办理状态\nA1,2024-01-05,已结案\n";
        let d = fixture::district(
            [Some(csv), Some(csv), Some(csv)],
            r#"[[report.sheets]]
name = "案件"
title = "{year}年案件"
show_codes = true
subtotals = "kind"
columns = [
  { header = ["案件", "受理"], value = "accepted" },
  { header = ["案件", "结案率"], value = "closure_rate" },
]
"#,
        );
        let results = compute::compute(&d.plan, &d.data).unwrap();
        let layout = &d.plan.sheets[0];
        let g = table_geometry(layout, &results);
        assert_eq!((g.label_columns, g.depth), (2, 2));
        assert!(matches!(g.cell(layout, 0, 0), TableCell::Title));
        assert!(matches!(g.cell(layout, 1, 2), TableCell::Subtitle));
        assert!(matches!(
            g.cell(layout, g.first_row - 1, 3),
            TableCell::Header(Some(1))
        ));
        assert!(matches!(
            g.cell(layout, g.first_row - 1, 0),
            TableCell::Header(None)
        ));
        // 合计 first, then 其中：街道 and 其中：镇, then the three townships.
        let rows = g.rows.len() as u32;
        assert_eq!(rows, 1 + 2 + 3);
        match g.cell(layout, g.first_row, 1) {
            TableCell::Label(level) => assert!(level.is_total()),
            _ => panic!("the first level row is 合计"),
        }
        match g.cell(layout, g.first_row + 1, 2) {
            TableCell::Figure { level, column } => {
                assert_eq!(level.subtotal.as_deref(), Some("街道"));
                assert_eq!(column, 0);
            }
            _ => panic!("a figure of the 街道 subtotal"),
        }
        assert!(matches!(
            g.cell(layout, g.first_row + rows, 0),
            TableCell::Notes
        ));
        assert!(matches!(g.cell(layout, g.first_row, 4), TableCell::Outside));
    }
}
