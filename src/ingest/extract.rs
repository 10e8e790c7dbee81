//! One loaded sheet → a typed polars frame of its data rows, the count of every row by what
//! happened to it, and findings for what could not be read. Columns are built from typed
//! vectors, not row by row into the frame; every kept row carries its provenance
//! (`_submitter`, `_file`, `_row`).

use std::collections::BTreeMap;

use calamine::Data;
use polars::prelude::*;

use super::cell::{
    date_to_days, display_text, is_blank, normalize_key, parse_cell, DateSystem, Parsed,
};
use super::header::{classify_rows, Header, RowEvidence, SkipReason};
use super::roster::Roster;
use crate::finding::{a1, is_systemic_share, systemic, CellDetail, Finding, Severity};
use crate::pipeline::{ColumnType, Period, Rule, Source, SourceKind};
use crate::rules::cell::{check_cell, shown_value, CellValue};

pub use crate::pipeline::evaluate::{FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};

/// What happened to every row of a sheet: read = title + header + used + rejected + Σ skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub read: usize,
    pub title: usize,
    pub header: usize,
    pub used: usize,
    pub rejected: usize,
    pub skipped: BTreeMap<SkipReason, usize>,
}

impl RowCounts {
    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    /// True when every row is accounted for.
    pub fn balances(&self) -> bool {
        self.read == self.title + self.header + self.used + self.rejected + self.skipped_total()
    }

    pub fn add(&mut self, other: &RowCounts) {
        self.read += other.read;
        self.title += other.title;
        self.header += other.header;
        self.used += other.used;
        self.rejected += other.rejected;
        for (reason, n) in &other.skipped {
            *self.skipped.entry(*reason).or_default() += n;
        }
    }
}

/// Typed values of one column, filled row by row, turned into a polars column at the end.
enum ColumnValues {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
}

impl ColumnValues {
    fn new(kind: ColumnType, capacity: usize) -> Self {
        match kind {
            ColumnType::Text | ColumnType::Enum => ColumnValues::Text(Vec::with_capacity(capacity)),
            ColumnType::Int | ColumnType::Money => ColumnValues::Int(Vec::with_capacity(capacity)),
            ColumnType::Number => ColumnValues::Float(Vec::with_capacity(capacity)),
            ColumnType::Date => ColumnValues::Date(Vec::with_capacity(capacity)),
            ColumnType::Bool => ColumnValues::Bool(Vec::with_capacity(capacity)),
        }
    }

    fn push(&mut self, value: Parsed) {
        match (self, value) {
            (ColumnValues::Text(v), Parsed::Text(x)) => v.push(Some(x)),
            (ColumnValues::Int(v), Parsed::Int(x)) => v.push(Some(x)),
            (ColumnValues::Float(v), Parsed::Float(x)) => v.push(Some(x)),
            (ColumnValues::Date(v), Parsed::Date(x)) => v.push(Some(x)),
            (ColumnValues::Bool(v), Parsed::Bool(x)) => v.push(Some(x)),
            (ColumnValues::Text(v), _) => v.push(None),
            (ColumnValues::Int(v), _) => v.push(None),
            (ColumnValues::Float(v), _) => v.push(None),
            (ColumnValues::Date(v), _) => v.push(None),
            (ColumnValues::Bool(v), _) => v.push(None),
        }
    }

    fn into_column(self, name: &str) -> PolarsResult<Column> {
        let name: PlSmallStr = name.into();
        Ok(match self {
            ColumnValues::Text(v) => Column::new(name, v),
            ColumnValues::Int(v) => Column::new(name, v),
            ColumnValues::Float(v) => Column::new(name, v),
            ColumnValues::Date(v) => Column::new(name, v).cast(&DataType::Date)?,
            ColumnValues::Bool(v) => Column::new(name, v),
        })
    }
}

/// Where the rows of a sheet come from, for provenance and messages.
pub struct SheetContext<'a> {
    /// The workbook's date system, for serials in date columns.
    pub date_system: DateSystem,
    pub source: &'a Source,
    pub roster: &'a Roster,
    pub period: &'a Period,
    /// Index of the file in the run's file list (the `_file` column).
    pub file_index: u32,
    pub file_label: &'a std::path::Path,
    pub sheet_name: &'a str,
    /// Roster index of the file's submitter; `None` for `from = "column"`.
    pub submitter: Option<usize>,
    /// 0-based absolute row and column of the range's top-left cell.
    pub origin: (u32, u32),
}

impl SheetContext<'_> {
    /// A finding in this sheet, from this file's submitter.
    pub fn finding(&self, severity: Severity, rule: &str, message: String) -> Finding {
        Finding::file(severity, self.file_label.to_path_buf(), rule, message)
            .in_sheet(Some(self.sheet_name))
            .from_submitter(
                self.submitter
                    .map(|i| self.roster.submitters[i].code.as_str()),
            )
    }
}

pub struct Extracted {
    pub frame: DataFrame,
    pub counts: RowCounts,
    pub findings: Vec<Finding>,
    /// Earliest and latest date (days since 1970) of the rows outside the period.
    pub outside_period: Option<(i32, i32)>,
}

/// Reads the data rows below `header` into a typed frame.
pub fn extract<'a>(
    ctx: &'a SheetContext,
    range: &calamine::Range<Data>,
    header: &Header,
) -> PolarsResult<Extracted> {
    let source = ctx.source;
    let evidence = RowEvidence {
        columns: &source.columns,
        header,
        date_system: ctx.date_system,
    };
    let mut classes = classify_rows(range, header, &evidence);
    if source.kind == SourceKind::Summary && !classes.contains(&None) {
        // A one-line summary is often labelled 合计: then that row is the data itself. With
        // other rows beside it (by month, by kind), it is their total, checked as usual.
        for class in &mut classes {
            if *class == Some(SkipReason::Total) {
                *class = None;
            }
        }
    }
    let mut counts = RowCounts {
        read: range.height() + ctx.origin.0 as usize,
        title: header.row + ctx.origin.0 as usize,
        header: header.height,
        ..RowCounts::default()
    };
    let capacity = classes.iter().filter(|c| c.is_none()).count();
    let mut values: Vec<ColumnValues> = source
        .columns
        .iter()
        .map(|c| ColumnValues::new(c.kind, capacity))
        .collect();
    let mut submitters: Vec<String> = Vec::with_capacity(capacity);
    let mut rows: Vec<u32> = Vec::with_capacity(capacity);
    let mut findings = Vec::new();
    let mut problems: Vec<CellProblem> = Vec::new();
    // Filled cells per declared column over the data rows: the base a systemic finding
    // (one rule failing in most of a column) is measured against.
    let mut filled = vec![0usize; source.columns.len()];
    let mut parsed_row: Vec<Parsed> = Vec::with_capacity(source.columns.len());
    // Sums of count and money columns over every detail row, to reconcile a 合计 row.
    let mut detail_sums: Vec<i128> = vec![0; source.columns.len()];
    let (start, end) = ctx.period.bounds();
    let (start, end) = (date_to_days(start), date_to_days(end));
    let first = header.first_data_row();
    let cell_rules: Vec<Vec<&Rule>> = (0..source.columns.len())
        .map(|ci| {
            source
                .rules
                .iter()
                .filter(|r| r.column == Some(ci) && r.kind.is_cell_rule())
                .collect()
        })
        .collect();
    let is_code = |code: &str| ctx.roster.get(code).is_some();

    // The first date read from a serial in a 1904 workbook: told once, at its cell.
    let mut date_system_told = ctx.date_system == DateSystem::Excel1900;
    // Earliest and latest date of the rows outside the period, to say what the file holds.
    let mut outside: Option<(i32, i32)> = None;

    for ((offset, class), row) in classes.iter().enumerate().zip(range.rows().skip(first)) {
        if let Some(reason) = class {
            *counts.skipped.entry(*reason).or_default() += 1;
            let weighed = matches!(
                reason,
                SkipReason::Total | SkipReason::Footer | SkipReason::RepeatedHeader
            );
            if weighed && evidence.is_record(row, None) {
                let sheet_row = ctx.origin.0 + (first + offset) as u32;
                findings.push(
                    ctx.finding(
                        Severity::Warning,
                        "跳过的行",
                        format!(
                            "第{}行按“{}”跳过，未计入统计，但它各必填列都有有效值，像是一条记录；如果它是记录，请改写开头的文字后重新报送",
                            sheet_row + 1,
                            reason.label()
                        ),
                    )
                    .at_row(sheet_row + 1),
                );
            }
            continue;
        }
        let r = first + offset;
        let sheet_row = ctx.origin.0 + r as u32;
        let row_finding = |column: usize,
                           col_index: Option<usize>,
                           value: Option<String>,
                           rule: &'a str,
                           message: String| CellProblem {
            column,
            rule,
            severity: Severity::Error,
            row: sheet_row,
            col: col_index.map(|c| ctx.origin.1 + c as u32),
            value,
            message,
        };
        parsed_row.clear();
        let mut rejected = false;
        for (ci, column) in source.columns.iter().enumerate() {
            let Some(sc) = header.mapping[ci] else {
                parsed_row.push(Parsed::Null);
                continue;
            };
            let cell = range.get((r, sc)).unwrap_or(&Data::Empty);
            let parsed = parse_cell(column.kind, &column.values, cell, ctx.date_system);
            // parse_cell gives Null exactly for a blank cell: no second look at the cell.
            if !matches!(parsed, Ok(Parsed::Null)) {
                filled[ci] += 1;
            }
            match parsed {
                Ok(Parsed::Null) if column.required => {
                    rejected = true;
                    problems.push(row_finding(
                        ci,
                        Some(sc),
                        None,
                        "required",
                        format!("“{}”为必填项，不能为空", column.name),
                    ));
                    parsed_row.push(Parsed::Null);
                }
                Ok(value) => {
                    if let Parsed::Int(v) = value {
                        detail_sums[ci] += v as i128;
                    }
                    if !date_system_told
                        && matches!(value, Parsed::Date(_))
                        && matches!(cell, Data::DateTime(_) | Data::Float(_) | Data::Int(_))
                    {
                        date_system_told = true;
                        findings.push(
                            ctx.finding(
                                Severity::Warning,
                                "1904日期系统",
                                format!(
                                    "本工作簿使用1904日期系统（Mac版Excel创建），日期已按该系统换算，如本格读作{}；如日期与原表不符，请在Excel中取消“使用1904日期系统”后重新报送",
                                    display_text(cell)
                                ),
                            )
                            .at_row_cell(sheet_row, Some(ctx.origin.1 + sc as u32))
                            .in_column(Some(column.name.as_str())),
                        );
                    }
                    if !cell_rules[ci].is_empty() && value != Parsed::Null {
                        let written = display_text(cell);
                        let view = cell_view(column.kind, &value);
                        for rule in &cell_rules[ci] {
                            if let Some(broken) =
                                check_cell(rule, column, view, written.trim(), &is_code)
                            {
                                rejected |= broken.severity == Severity::Error;
                                problems.push(CellProblem {
                                    severity: broken.severity,
                                    ..row_finding(
                                        ci,
                                        Some(sc),
                                        Some(shown_value(&cell_rules[ci], written.trim())),
                                        &rule.name,
                                        broken.message,
                                    )
                                });
                            }
                        }
                    }
                    parsed_row.push(value)
                }
                Err(reason) => {
                    rejected = true;
                    problems.push(row_finding(
                        ci,
                        Some(sc),
                        Some(display_text(cell)),
                        "type",
                        format!("“{}”列：{reason}", column.name),
                    ));
                    parsed_row.push(Parsed::Null);
                }
            }
        }
        let submitter = match (ctx.submitter, source.submitter_column) {
            (Some(i), _) => Some(i),
            (None, Some(ci)) => match &parsed_row[ci] {
                Parsed::Text(name) => {
                    let found = ctx.roster.match_text(name).map(|(i, _)| i);
                    if found.is_none() && !rejected {
                        problems.push(row_finding(
                            ci,
                            header.mapping[ci],
                            Some(name.clone()),
                            "submitter",
                            format!("“{name}”不在报送单位名单中"),
                        ));
                    }
                    found
                }
                _ => None,
            },
            (None, None) => None,
        };
        if submitter.is_none() {
            rejected = true;
        }
        if rejected {
            counts.rejected += 1;
            continue;
        }
        if let Some(pc) = source.period_column {
            if let Parsed::Date(day) = parsed_row[pc] {
                if day < start || day > end {
                    *counts.skipped.entry(SkipReason::OutsidePeriod).or_default() += 1;
                    outside = Some(outside.map_or((day, day), |(a, b)| (a.min(day), b.max(day))));
                    continue;
                }
            }
        }
        for (value, parsed) in values.iter_mut().zip(parsed_row.drain(..)) {
            value.push(parsed);
        }
        submitters.push(
            ctx.roster.submitters[submitter.expect("checked above")]
                .code
                .clone(),
        );
        rows.push(sheet_row + 1);
        counts.used += 1;
    }

    reconcile_totals(ctx, range, header, &classes, &detail_sums, &mut findings);
    findings.extend(cell_findings(ctx, problems, &filled));
    let height = rows.len();
    let mut columns = Vec::with_capacity(source.columns.len() + 3);
    for (column, value) in source.columns.iter().zip(values) {
        columns.push(value.into_column(&column.name)?);
    }
    columns.push(Column::new(SUBMITTER_COLUMN.into(), submitters));
    columns.push(Column::new(
        FILE_COLUMN.into(),
        vec![ctx.file_index; height],
    ));
    columns.push(Column::new(ROW_COLUMN.into(), rows));
    Ok(Extracted {
        frame: DataFrame::new(height, columns)?,
        counts,
        findings,
        outside_period: outside,
    })
}

/// A problem at one cell, held compactly until the sheet is read: most become findings of
/// their own, but one rule failing in most of a column becomes one systemic finding — and
/// then the file, sheet and column names are not copied for each of a million cells.
struct CellProblem<'a> {
    /// Index into the source's columns.
    column: usize,
    rule: &'a str,
    severity: Severity,
    /// 0-based absolute sheet row and column.
    row: u32,
    col: Option<u32>,
    value: Option<String>,
    message: String,
}

/// The sheet's cell problems as findings: one systemic finding per rule failing in most of
/// a column (`finding::is_systemic_share` of its `filled` cells), one finding each otherwise.
fn cell_findings(ctx: &SheetContext, problems: Vec<CellProblem>, filled: &[usize]) -> Vec<Finding> {
    use std::collections::HashMap;
    let mut sizes: HashMap<(usize, &str, Severity), usize> = HashMap::new();
    for p in &problems {
        *sizes.entry((p.column, p.rule, p.severity)).or_default() += 1;
    }
    let mut out = Vec::new();
    let mut groups: HashMap<(usize, &str, Severity), Vec<CellDetail>> = HashMap::new();
    for p in problems {
        let key = (p.column, p.rule, p.severity);
        let column = ctx.source.columns[p.column].name.as_str();
        match p.col {
            Some(col) if is_systemic_share(sizes[&key], filled[p.column]) => {
                groups.entry(key).or_default().push(CellDetail {
                    row: p.row + 1,
                    cell: a1(p.row, col).into_boxed_str(),
                    value: p.value.map(String::into_boxed_str),
                    message: p.message.into_boxed_str(),
                });
            }
            _ => out.push(
                ctx.finding(p.severity, p.rule, p.message)
                    .at_row_cell(p.row, p.col)
                    .in_column(Some(column))
                    .with_value(p.value),
            ),
        }
    }
    for ((ci, rule, severity), cells) in groups {
        let head = ctx
            .finding(severity, rule, String::new())
            .in_column(Some(ctx.source.columns[ci].name.as_str()));
        out.push(systemic(head, cells, filled[ci]));
    }
    out
}

/// The view of a parsed value that rules check; money as 元 so bounds read naturally.
fn cell_view(kind: ColumnType, value: &Parsed) -> CellValue<'_> {
    match (kind, value) {
        (_, Parsed::Text(t)) => CellValue::Text(t),
        (ColumnType::Money, Parsed::Int(fen)) => CellValue::Number(*fen as f64 / 100.0),
        (_, Parsed::Int(i)) => CellValue::Number(*i as f64),
        (_, Parsed::Float(f)) => CellValue::Number(*f),
        (_, Parsed::Date(d)) => CellValue::Date(*d),
        _ => CellValue::Other,
    }
}

/// A sheet's own 合计/总计 row must equal the sum of its detail rows, exactly for counts and
/// to the fen for money. 小计 rows (parts of the whole) are not checked.
fn reconcile_totals(
    ctx: &SheetContext,
    range: &calamine::Range<Data>,
    header: &Header,
    classes: &[Option<SkipReason>],
    detail_sums: &[i128],
    findings: &mut Vec<Finding>,
) {
    let source = ctx.source;
    for (offset, class) in classes.iter().enumerate() {
        if *class != Some(SkipReason::Total) {
            continue;
        }
        let r = header.first_data_row() + offset;
        let label: String = (0..range.width().min(3))
            .filter_map(|c| range.get((r, c)))
            .map(|c| normalize_key(&display_text(c)))
            .collect();
        if label.contains("小计") {
            continue;
        }
        for (ci, column) in source.columns.iter().enumerate() {
            if !matches!(column.kind, ColumnType::Int | ColumnType::Money) {
                continue;
            }
            let Some(sc) = header.mapping[ci] else {
                continue;
            };
            let Some(cell) = range.get((r, sc)).filter(|c| !is_blank(c)) else {
                continue;
            };
            let Ok(Parsed::Int(stated)) =
                parse_cell(column.kind, &column.values, cell, ctx.date_system)
            else {
                continue;
            };
            let sum = detail_sums[ci];
            if stated as i128 == sum {
                continue;
            }
            let show = |v: i128| match column.kind {
                ColumnType::Money => format!("{:.2}元", v as f64 / 100.0),
                _ => v.to_string(),
            };
            let sheet_row = ctx.origin.0 + r as u32;
            findings.push(
                ctx.finding(
                    Severity::Error,
                    "合计核对",
                    format!(
                        "合计行“{}”为{}，但明细行加总为{}，相差{}（统计采用明细行）",
                        column.name,
                        show(stated as i128),
                        show(sum),
                        show(stated as i128 - sum)
                    ),
                )
                .at_cell(sheet_row, ctx.origin.1 + sc as u32)
                .in_column(Some(column.name.as_str()))
                .with_value(Some(display_text(cell))),
            );
        }
    }
}
