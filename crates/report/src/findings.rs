//! The findings outputs, named after the report they go with (`annual-2024.xlsx` →
//! `annual-2024-问题清单.xlsx`, `feedback/annual-2024/`: two districts' reports of one period
//! in one folder keep theirs apart): the 问题清单 (counts per submitter and rule,
//! every finding with its cell, the row account of every file, and who sent what) and one
//! feedback workbook per township with findings — its own rows as it sent them, each bad
//! cell filled red (error) or yellow (warning) with a note saying what is wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Range};
use rust_xlsxwriter::{Color, Format, FormatBorder, Note, Workbook, Worksheet, XlsxError};

use super::format::{excel_text, note_text, print_setup, ColumnWidths, Formats, FONT};
use super::{save_atomically, ReportError};
use finding::{in_reading_order, Finding, Severity};
use ingest::header::SkipReason;
use ingest::{Completeness, Ingested};
use pipeline::Plan;

/// The report's file name without its extension: what the findings outputs are named by.
fn report_stem(plan: &Plan) -> String {
    plan.output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("{}-{}", plan.name, plan.period))
}

/// Where the findings workbook goes: beside the report, named after it.
pub fn findings_path(plan: &Plan) -> PathBuf {
    output_dir(plan).join(format!("{}-问题清单.xlsx", report_stem(plan)))
}

/// Where the full list of findings goes, every cell of a systemic finding on its own line:
/// a CSV beside the 问题清单, which has no row limit.
pub fn findings_csv_path(plan: &Plan) -> PathBuf {
    output_dir(plan).join(format!("{}-问题明细.csv", report_stem(plan)))
}

/// The column a township answers a finding in (a 合理性审核 question above all): left empty
/// for it to fill, kept with the report.
pub const EXPLANATION_HEADING: &str = "情况说明（报送单位填写）";

/// Excel's last row (0-based) and longest cell text: what does not fit goes to the CSV.
const LAST_ROW: u32 = 1_048_575;
const MAX_CELL_CHARS: usize = 32_767;

/// Text for a cell, cut to Excel's limit with a pointer to the CSV when longer.
fn cell_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text.into();
    }
    let cut: String = text.chars().take(MAX_CELL_CHARS - 40).collect();
    format!("{cut}……（超出单元格长度上限，全文见问题明细 CSV）").into()
}

/// Writes every finding, systemic ones cell by cell, as CSV (UTF-8 with a BOM, so that
/// Excel opens the Chinese correctly); formula-like text is quoted as text.
pub fn write_findings_csv(data: &Ingested, path: &Path) -> Result<(), ReportError> {
    use std::io::Write;
    let name_of = |code: &Option<String>| {
        code.as_deref()
            .and_then(|c| data.roster.get(c))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    };
    let field = |text: &str| {
        // A leading = + - @ would be a live formula when the CSV is opened in Excel; a
        // plain signed number ("-100") is left as it is.
        let number = text.parse::<f64>().is_ok();
        let text = if text.starts_with(['=', '+', '-', '@']) && !number {
            format!("'{text}")
        } else {
            text.to_string()
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    };
    let write = || -> std::io::Result<()> {
        let tmp = path.with_extension("csv.tmp");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        out.write_all("\u{feff}".as_bytes())?;
        writeln!(
            out,
            "报送单位代码,报送单位,文件,工作表,单元格,列,填写的值,规则,严重程度,说明"
        )?;
        for f in in_reading_order(&data.findings) {
            // What every line of this finding shares, written once per line without
            // building a finding per cell (a systemic one may stand for a million).
            let shared_head = [
                field(f.submitter.as_deref().unwrap_or("")),
                field(&name_of(&f.submitter)),
                field(&f.file.display().to_string()),
                field(f.sheet.as_deref().unwrap_or("")),
            ]
            .join(",");
            let column = field(f.column.as_deref().unwrap_or(""));
            let rule_severity = format!("{},{}", field(&f.rule), f.severity.label());
            let mut line = |cell: &str, value: &str, message: &str| {
                writeln!(
                    out,
                    "{shared_head},{},{column},{},{rule_severity},{}",
                    field(cell),
                    field(value),
                    field(message)
                )
            };
            if f.cells.is_empty() {
                let cell = f
                    .cell
                    .clone()
                    .or_else(|| f.row.map(|r| format!("第{r}行")))
                    .unwrap_or_default();
                line(&cell, f.value.as_deref().unwrap_or(""), &f.message)?;
            }
            for c in f.cells.iter() {
                line(&c.cell, c.value.unwrap_or(""), c.message)?;
            }
        }
        out.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Where a township's feedback workbook goes.
pub fn feedback_path(plan: &Plan, code: &str, name: &str) -> PathBuf {
    feedback_dir(plan).join(format!("{code}-{name}.xlsx"))
}

/// The folder of the feedback workbooks: one per township, named without the period, so two
/// periods' runs sharing it would overwrite each other's.
/// `feedback/<report name>` beside the report: each report's feedback workbooks apart, so a
/// range run (or next month's, or another district's) never overwrites these.
pub fn feedback_dir(plan: &Plan) -> PathBuf {
    output_dir(plan).join("feedback").join(report_stem(plan))
}

fn output_dir(plan: &Plan) -> PathBuf {
    plan.output
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Writes the header row of a list sheet; the widths start from the headings.
fn header_row(
    sheet: &mut Worksheet,
    headings: &[&str],
    f: &Formats,
) -> Result<ColumnWidths, XlsxError> {
    let mut widths = ColumnWidths::default();
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &f.header)?;
        widths.fit_heading(c as u16, h);
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(widths)
}

/// Column widths fitted and the print setup of a list sheet with its header in row 1.
fn finish_list(sheet: &mut Worksheet, widths: &ColumnWidths) -> Result<(), XlsxError> {
    widths.apply(sheet)?;
    print_setup(sheet, (0, 0))
}

/// Writes the 问题清单 workbook: 汇总 (counts per submitter and rule), 问题清单 (every
/// finding), 数据核对 (the row account of every file) and 报送情况 (who sent what).
pub fn write_findings_workbook(
    plan: &Plan,
    data: &Ingested,
    completeness: &Completeness,
    path: &Path,
) -> Result<(), ReportError> {
    let f = Formats::default();
    let mut book = Workbook::new();
    write_counts_sheet(book.add_worksheet(), data, &f)?;
    write_findings_sheet(book.add_worksheet(), data, &f)?;
    write_row_accounts_sheet(book.add_worksheet(), plan, data, &f)?;
    write_submissions_sheet(book.add_worksheet(), plan, completeness, &f)?;
    save_atomically(&mut book, path)
}

/// The roster name of a submitter code (empty when unknown).
fn name_of(data: &Ingested, code: &Option<String>) -> String {
    code.as_deref()
        .and_then(|c| data.roster.get(c))
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// 汇总: errors and warnings per submitter and rule.
fn write_counts_sheet(
    sheet: &mut Worksheet,
    data: &Ingested,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("汇总")?;
    let mut widths = header_row(
        sheet,
        &["报送单位代码", "报送单位", "规则", "错误", "警告"],
        f,
    )?;
    let mut counts: BTreeMap<(Option<String>, String), (usize, usize)> = BTreeMap::new();
    for finding in &data.findings {
        let entry = counts
            .entry((finding.submitter.clone(), finding.rule.clone()))
            .or_default();
        match finding.severity {
            Severity::Error => entry.0 += 1,
            Severity::Warning => entry.1 += 1,
        }
    }
    let count = f.value(pipeline::Display::Count, false);
    for (i, ((code, rule), (errors, warnings))) in counts.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string_with_format(
            row,
            0,
            code.as_deref().unwrap_or("（未识别）"),
            &f.label,
        )?;
        sheet.write_string_with_format(row, 1, name_of(data, code), &f.label)?;
        sheet.write_string_with_format(row, 2, rule, &f.label)?;
        sheet.write_number_with_format(row, 3, *errors as f64, &count)?;
        sheet.write_number_with_format(row, 4, *warnings as f64, &count)?;
        widths.fit(0, code.as_deref().unwrap_or("（未识别）"));
        widths.fit(1, &name_of(data, code));
        widths.fit(2, rule);
    }
    finish_list(sheet, &widths)?;
    Ok(())
}

/// 问题清单: every finding in reading order, up to Excel's last row (the CSV has them all).
fn write_findings_sheet(
    sheet: &mut Worksheet,
    data: &Ingested,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("问题清单")?;
    let mut widths = header_row(
        sheet,
        &[
            "报送单位代码",
            "报送单位",
            "文件",
            "工作表",
            "单元格",
            "列",
            "填写的值",
            "规则",
            "严重程度",
            "说明",
            EXPLANATION_HEADING,
        ],
        f,
    )?;
    let listed = in_reading_order(&data.findings);
    for (i, finding) in listed.iter().enumerate() {
        let row = i as u32 + 1;
        if row == LAST_ROW {
            // Excel has no more rows: say so on the last one; the CSV has them all.
            let rest = format!(
                "其余 {} 条问题超出 Excel 的行数上限，见问题明细 CSV",
                listed.len() - i
            );
            sheet.write_string_with_format(row, 9, excel_text(&rest).as_ref(), &f.label)?;
            break;
        }
        let cell = finding
            .cell
            .clone()
            .or_else(|| finding.row.map(|r| format!("第{r}行")))
            .unwrap_or_default();
        let texts = [
            finding.submitter.clone().unwrap_or_default(),
            name_of(data, &finding.submitter),
            finding.file.display().to_string(),
            finding.sheet.clone().unwrap_or_default(),
            cell,
            finding.column.clone().unwrap_or_default(),
            finding.value.clone().unwrap_or_default(),
            finding.rule.clone(),
            finding.severity.label().to_string(),
            finding.message.clone(),
        ];
        for (c, t) in texts.iter().enumerate() {
            let t = cell_text(t);
            sheet.write_string_with_format(
                row,
                c as u16,
                excel_text(t.as_ref()).as_ref(),
                &f.label,
            )?;
            widths.fit(c as u16, &t);
        }
    }
    finish_list(sheet, &widths)?;
    sheet.autofilter(0, 0, (data.findings.len() as u32).min(LAST_ROW), 9)?;
    Ok(())
}

/// 数据核对: each file's rows read = used + rejected + skipped by reason, its unmatched
/// headers, absent optional columns, format and why it was chosen.
fn write_row_accounts_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    data: &Ingested,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("数据核对")?;
    let count = f.value(pipeline::Display::Count, false);
    let reasons = SkipReason::ALL;
    let mut headings = vec![
        "台账".to_string(),
        "文件".into(),
        "报送单位".into(),
        "读入行数".into(),
        "采用".into(),
        "剔除".into(),
        "标题行".into(),
        "表头行".into(),
    ];
    headings.extend(reasons.iter().map(|r| format!("跳过：{}", r.label())));
    headings.push("读入 = 采用 + 剔除 + 跳过".into());
    headings.push("未对应任何列的表头".into());
    headings.push("没有的可选列".into());
    headings.push("文件格式".into());
    headings.push("说明".into());
    headings.push("合并单元格补齐的格数".into());
    let headings: Vec<&str> = headings.iter().map(String::as_str).collect();
    let mut widths = header_row(sheet, &headings, f)?;
    for (i, file) in data.files.iter().enumerate() {
        let row = i as u32 + 1;
        let c = &file.counts;
        let labels = [
            plan.source_title(&file.source).to_string(),
            file.label.display().to_string(),
            name_of(data, &file.submitter),
        ];
        for (k, t) in labels.iter().enumerate() {
            sheet.write_string_with_format(row, k as u16, excel_text(t).as_ref(), &f.label)?;
            widths.fit(k as u16, t);
        }
        let mut numbers = vec![c.read, c.used, c.rejected, c.title, c.header];
        numbers.extend(reasons.iter().map(|r| *c.skipped.get(r).unwrap_or(&0)));
        for (k, n) in numbers.iter().enumerate() {
            sheet.write_number_with_format(row, 3 + k as u16, *n as f64, &count)?;
        }
        let balance = if c.balances() {
            "✓ 平衡"
        } else {
            "✗ 不平衡"
        };
        let after = 3 + numbers.len() as u16;
        sheet.write_string_with_format(row, after, balance, &f.dash)?;
        let unmapped: Vec<String> = file
            .unmapped_headers
            .iter()
            .map(|(letters, label)| format!("{letters}列“{label}”"))
            .collect();
        let texts = [
            unmapped.join("；"),
            absent_and_derived(file),
            file.format.unwrap_or("").to_string(),
            file.choice.clone().unwrap_or_default(),
        ];
        for (k, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(
                row,
                after + 1 + k as u16,
                excel_text(t).as_ref(),
                &f.label,
            )?;
            widths.fit(after + 1 + k as u16, t);
        }
        let filled = after + 1 + texts.len() as u16;
        sheet.write_number_with_format(row, filled, c.merge_filled as f64, &count)?;
    }
    finish_list(sheet, &widths)?;
    Ok(())
}

/// 报送情况: every (ledger, township) with its status and lateness, and the files nobody
/// in the roster could be found for.
fn write_submissions_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    completeness: &Completeness,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("报送情况")?;
    let mut widths = header_row(
        sheet,
        &[
            "台账",
            "报送单位代码",
            "报送单位",
            "状态",
            "文件",
            "说明",
            "是否按时",
        ],
        f,
    )?;
    let mut row = 1;
    for entry in &completeness.entries {
        let texts = [
            entry.source.clone(),
            entry.code.clone(),
            entry.name.clone(),
            entry.status.label().to_string(),
            entry.files.join("；"),
            entry.note.clone(),
            match (&entry.late, plan.due_days, entry.status) {
                (Some(late), _, _) => late.clone(),
                (None, Some(_), ingest::SubmissionStatus::Missing) => String::new(),
                (None, Some(days), _) => format!("按时（期末后{days}天内）"),
                (None, None, _) => String::new(),
            },
        ];
        for (c, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, excel_text(t).as_ref(), &f.label)?;
            widths.fit(c as u16, t);
        }
        row += 1;
    }
    for (source, label) in &completeness.unmatched {
        let texts = [
            source.clone(),
            String::new(),
            String::new(),
            "无法识别报送单位".to_string(),
            label.clone(),
            "文件路径或表头中没有名单内的单位代码或名称，未计入".to_string(),
            String::new(),
        ];
        for (c, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, excel_text(t).as_ref(), &f.label)?;
            widths.fit(c as u16, t);
        }
        row += 1;
    }
    finish_list(sheet, &widths)?;
    Ok(())
}

/// What the findings outputs were written to.
pub struct FindingsOutputs {
    pub list: PathBuf,
    /// Every finding, systemic ones cell by cell.
    pub csv: PathBuf,
    pub feedback: Vec<PathBuf>,
}

/// Writes the 问题清单 workbook and a feedback workbook for every township with findings.
/// Feedback workbooks left by an earlier run for townships that are now clean are removed.
pub fn write_findings_outputs(
    plan: &Plan,
    data: &Ingested,
    completeness: &Completeness,
) -> Result<FindingsOutputs, ReportError> {
    let list = findings_path(plan);
    write_findings_workbook(plan, data, completeness, &list)?;
    let csv = findings_csv_path(plan);
    write_findings_csv(data, &csv)?;
    let mut by_submitter: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in in_reading_order(&data.findings) {
        if let Some(code) = finding.submitter.as_deref() {
            by_submitter.entry(code).or_default().push(finding);
        }
    }
    for s in &data.roster.submitters {
        let stale = feedback_path(plan, &s.code, &s.name);
        if !by_submitter.contains_key(s.code.as_str()) && stale.exists() {
            let _ = std::fs::remove_file(stale);
        }
    }
    // One workbook per township, written in parallel: each reads its own files again and
    // writes its own workbook, sharing nothing.
    use rayon::prelude::*;
    let jobs: Vec<(&str, Vec<&Finding>)> = by_submitter.into_iter().collect();
    let feedback = jobs
        .into_par_iter()
        .map(|(code, findings)| write_township_feedback(plan, data, code, &findings))
        .collect::<Result<Vec<PathBuf>, ReportError>>()?;
    Ok(FindingsOutputs {
        list,
        csv,
        feedback,
    })
}

/// One township's feedback workbook: its files' sheets as sent, with its findings.
fn write_township_feedback(
    plan: &Plan,
    data: &Ingested,
    code: &str,
    findings: &[&Finding],
) -> Result<PathBuf, ReportError> {
    let name = data
        .roster
        .get(code)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let mut sheets = Vec::new();
    for file in data
        .files
        .iter()
        .filter(|f| f.submitter.as_deref() == Some(code))
    {
        let mine: Vec<&Finding> = findings
            .iter()
            .copied()
            // One workbook may hold two sources' sheets (台账 and 汇总表).
            .filter(|f| f.file == file.label && (f.sheet.is_none() || f.sheet == file.sheet))
            .collect();
        // A sheet is copied to mark its cells; a systemic finding alone marks none (it is
        // explained once in 问题说明 with its column and rows), so it costs no copy of a
        // sheet the township already has.
        if mine.iter().all(|f| f.is_systemic() || f.cell.is_none()) {
            continue;
        }
        if let Some((loaded, column_widths)) = ingest::sheet_as_sent(plan, file) {
            let header_rows = file
                .header_row
                .map(|r| (r - 1, r - 1 + file.header_height.max(1) as u32 - 1));
            sheets.push(SentSheet {
                label: file.label.display().to_string(),
                sheet_name: loaded.sheet_name,
                range: loaded.range,
                findings: mine,
                column_widths,
                header_rows,
            });
        }
    }
    let path = feedback_path(plan, code, &name);
    write_feedback(&path, &format!("{code} {name}"), findings, &sheets)?;
    Ok(path)
}

/// One file of a township as it was sent, with the findings that point into it.
pub struct SentSheet<'a> {
    pub label: String,
    pub sheet_name: String,
    pub range: Range<Data>,
    pub findings: Vec<&'a Finding>,
    /// The township's own column widths, (first, last, width), when its format keeps them.
    pub column_widths: ingest::workbook::ColumnWidthRuns,
    /// 0-based first and last header row, repeated on every printed page.
    pub header_rows: Option<(u32, u32)>,
}

/// Writes one township's feedback workbook: a 问题说明 sheet listing every finding, then each
/// of its files' sheets as sent, bad cells filled and annotated.
pub fn write_feedback(
    path: &Path,
    township: &str,
    findings: &[&Finding],
    sheets: &[SentSheet],
) -> Result<(), ReportError> {
    let f = Formats::default();
    let mut book = Workbook::new();
    write_feedback_list(book.add_worksheet(), township, findings, &f)?;

    let plain = Format::new().set_font_name(FONT);
    let error = plain
        .clone()
        .set_background_color(Color::RGB(0xFF9999))
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::Red);
    let warning = plain
        .clone()
        .set_background_color(Color::RGB(0xFFEB84))
        .set_border(FormatBorder::Thin);
    let mut used_names: Vec<String> = Vec::new();
    for sent in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(crate::format::unique_sheet_name(
            &sent.sheet_name,
            &mut used_names,
        ))?;
        let (row0, col0) = sent.range.start().unwrap_or((0, 0));
        let by_cell = findings_by_cell(sent);
        for (r, row) in sent.range.rows().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let (r, c) = (row0 + r as u32, (col0 as usize + c) as u16);
                let format = match by_cell.get(&(r, c)) {
                    Some((Severity::Error, _)) => &error,
                    Some((Severity::Warning, _)) => &warning,
                    None => &plain,
                };
                write_value(sheet, r, c, value, format)?;
            }
        }
        for ((r, c), (severity, messages)) in &by_cell {
            if sent
                .range
                .get(((r - row0) as usize, (*c as u32 - col0) as usize))
                .is_none()
            {
                let format = if *severity == Severity::Error {
                    &error
                } else {
                    &warning
                };
                sheet.write_blank(*r, *c, format)?;
            }
            let note = Note::new(note_text(&messages.join("\n")))
                .set_author("laborstat")
                .set_width(360)
                .set_height(120);
            sheet.insert_note(*r, *c, &note)?;
        }
        set_sent_widths(sheet, sent)?;
        print_setup(sheet, sent.header_rows.unwrap_or((row0, row0)))?;
    }
    save_atomically(&mut book, path)
}

/// 问题说明: the township's findings, one per row, with the file, cell and value.
fn write_feedback_list(
    sheet: &mut Worksheet,
    township: &str,
    findings: &[&Finding],
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name("问题说明")?;
    sheet.merge_range(
        0,
        0,
        0,
        6,
        &format!("{township}：报送数据问题清单（请核实修改后重新报送）"),
        &f.title,
    )?;
    let mut widths = ColumnWidths::default();
    for (c, h) in [
        "文件",
        "单元格",
        "列",
        "填写的值",
        "严重程度",
        "说明",
        EXPLANATION_HEADING,
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(1, c as u16, *h, &f.header)?;
        widths.fit_heading(c as u16, h);
    }
    for (i, finding) in findings.iter().enumerate() {
        let row = i as u32 + 2;
        let cell = finding
            .cell
            .clone()
            .or_else(|| finding.row.map(|r| format!("第{r}行")))
            .unwrap_or_else(
                || match finding.rule.starts_with(validate::plausibility::RULE) {
                    true => "汇总数字".into(), // a figure its rows give, not a place in the file
                    false => "整个文件".into(),
                },
            );
        let texts = [
            finding.file.display().to_string(),
            cell,
            finding.column.clone().unwrap_or_default(),
            finding.value.clone().unwrap_or_default(),
            finding.severity.label().to_string(),
            finding.message.clone(),
        ];
        for (c, t) in texts.iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, excel_text(t).as_ref(), &f.label)?;
            widths.fit(c as u16, t);
        }
    }
    widths.apply(sheet)?;
    print_setup(sheet, (1, 1))?;
    Ok(())
}

/// Findings by cell of a sheet as sent: the worst severity colours it, every message goes
/// in its note; a systemic finding is shown once, on its column's header cell.
fn findings_by_cell(sent: &SentSheet) -> BTreeMap<(u32, u16), (Severity, Vec<String>)> {
    // Findings by cell: the worst severity colours it; all messages go in the note.
    let mut by_cell: BTreeMap<(u32, u16), (Severity, Vec<String>)> = BTreeMap::new();
    for finding in &sent.findings {
        // A systemic finding is shown once, on its column's header cell.
        let at = match (finding.is_systemic(), sent.header_rows) {
            (true, Some((_, header_last))) => finding
                .cell
                .as_deref()
                .and_then(|c| c.split(':').next())
                .and_then(parse_a1)
                .map(|(_, c)| (header_last, c)),
            _ => finding.cell.as_deref().and_then(parse_a1),
        };
        if let Some((r, c)) = at {
            let entry = by_cell
                .entry((r, c))
                .or_insert((finding.severity, Vec::new()));
            entry.0 = entry.0.min(finding.severity);
            entry.1.push(format!(
                "【{}】{}",
                finding.severity.label(),
                finding.message
            ));
        }
    }
    by_cell
}

/// The township's own column widths where its file keeps them, else widths that fit the text.
fn set_sent_widths(sheet: &mut Worksheet, sent: &SentSheet) -> Result<(), XlsxError> {
    let (_, col0) = sent.range.start().unwrap_or((0, 0));
    // The township's own widths where its file keeps them, else widths that fit the text.
    if sent.column_widths.is_empty() {
        let mut widths = ColumnWidths::default();
        for (r, row) in sent.range.rows().enumerate() {
            // Titles merged across the sheet would widen their first column.
            if row.iter().filter(|c| **c != Data::Empty).count() < 2 && r < 3 {
                continue;
            }
            for (c, value) in row.iter().enumerate() {
                let text = ingest::cell::display_text(value);
                widths.fit((col0 as usize + c) as u16, &text);
            }
        }
        widths.apply(sheet)?;
    } else {
        // A stored width counts the cell padding; in pixels (7 per character of the
        // default font) it comes back exactly as the township saved it.
        for &(first, last, width) in &sent.column_widths {
            let pixels = (width * 7.0).round() as u32;
            sheet.set_column_range_width_pixels(first, last, pixels)?;
        }
    }
    Ok(())
}

/// Writes a cell as it was sent: numbers as numbers, the rest as text.
fn write_value(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    value: &Data,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Data::Empty => {
            if format != &Format::new().set_font_name(FONT) {
                sheet.write_blank(r, c, format)?;
            }
        }
        Data::Float(x) => {
            sheet.write_number_with_format(r, c, *x, format)?;
        }
        Data::Int(x) => {
            sheet.write_number_with_format(r, c, *x as f64, format)?;
        }
        other => {
            sheet.write_string_with_format(
                r,
                c,
                excel_text(&ingest::cell::display_text(other)).as_ref(),
                format,
            )?;
        }
    }
    Ok(())
}

/// "AB12" → (11, 27), 0-based, the column as rust_xlsxwriter counts them.
fn parse_a1(cell: &str) -> Option<(u32, u16)> {
    let (row, col) = finding::parse_a1(cell)?;
    Some((row, u16::try_from(col).ok()?))
}

/// The 数据核对 cell of a file's absent columns: those read as empty, then those made by the
/// pipeline's `derive` (said, so that nobody takes a derived 办理状态 for one written).
fn absent_and_derived(file: &ingest::FileReport) -> String {
    let mut parts = Vec::new();
    if !file.absent_columns.is_empty() {
        parts.push(file.absent_columns.join("、"));
    }
    if !file.derived_columns.is_empty() {
        parts.push(format!("按流水线推导：{}", file.derived_columns.join("、")));
    }
    for (date, fallback) in &file.substituted_dates {
        parts.push(format!("“{date}”以“{fallback}”代替"));
    }
    parts.join("；")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_parses_back() {
        assert_eq!(parse_a1("A1"), Some((0, 0)));
        assert_eq!(parse_a1("AB12"), Some((11, 27)));
        assert_eq!(parse_a1("第3行"), None);
    }
}
