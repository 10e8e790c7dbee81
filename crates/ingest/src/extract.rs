//! One loaded sheet → a typed polars frame of its data rows, the count of every row by what
//! happened to it, and findings for what could not be read. Columns are built from typed
//! vectors as rows stream by, not row by row into the frame; every kept row carries its provenance
//! (`_submitter`, `_file`, `_row`).

use std::collections::BTreeMap;

use calamine::Data;
use polars::prelude::*;

use super::cell::{date_to_days, display_text, is_blank, normalize_key, DateSystem, Parsed};
use super::header::{RowEvidence, RowSink, SkipReason, TotalSums};
use super::roster::Roster;
use finding::{is_systemic_share, systemic, CellDetailsBuilder, Finding, Severity};
use pipeline::{ColumnType, Period, Rule, Source, SourceKind};
use rules::cell::{check_cell, shown_value, CellValue};

pub use pipeline::evaluate::{FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};

/// What happened to every row of a sheet: read = title + header + used + rejected + Σ skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowCounts {
    pub read: usize,
    pub title: usize,
    pub header: usize,
    pub used: usize,
    pub rejected: usize,
    pub skipped: BTreeMap<SkipReason, usize>,
    /// Cells of used, rejected or skipped rows given the value of a vertical merge above
    /// them (`merged.rs`); not a row count.
    pub merge_filled: usize,
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
        self.merge_filled += other.merge_filled;
        for (reason, n) in &other.skipped {
            *self.skipped.entry(*reason).or_default() += n;
        }
    }
}

/// Typed values of one column, filled row by row straight into the column's final form:
/// text goes into an Arrow string builder from the cell's own text, not via a `String`.
enum ColumnBuilder {
    Text(StringChunkedBuilder),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
}

impl ColumnBuilder {
    fn new(name: &str, kind: ColumnType, capacity: usize) -> Self {
        match kind {
            ColumnType::Text | ColumnType::Enum => {
                ColumnBuilder::Text(StringChunkedBuilder::new(name.into(), capacity))
            }
            ColumnType::Int | ColumnType::Money => ColumnBuilder::Int(Vec::with_capacity(capacity)),
            ColumnType::Number => ColumnBuilder::Float(Vec::with_capacity(capacity)),
            ColumnType::Date => ColumnBuilder::Date(Vec::with_capacity(capacity)),
            ColumnType::Bool => ColumnBuilder::Bool(Vec::with_capacity(capacity)),
        }
    }

    fn push(&mut self, value: &Parsed) {
        match (self, value) {
            (ColumnBuilder::Text(b), Parsed::Text(x)) => b.append_value(x.as_ref()),
            (ColumnBuilder::Int(v), Parsed::Int(x)) => v.push(Some(*x)),
            (ColumnBuilder::Float(v), Parsed::Float(x)) => v.push(Some(*x)),
            (ColumnBuilder::Date(v), Parsed::Date(x)) => v.push(Some(*x)),
            (ColumnBuilder::Bool(v), Parsed::Bool(x)) => v.push(Some(*x)),
            (ColumnBuilder::Text(b), _) => b.append_null(),
            (ColumnBuilder::Int(v), _) => v.push(None),
            (ColumnBuilder::Float(v), _) => v.push(None),
            (ColumnBuilder::Date(v), _) => v.push(None),
            (ColumnBuilder::Bool(v), _) => v.push(None),
        }
    }

    fn into_column(self, name: &str) -> PolarsResult<Column> {
        let name: PlSmallStr = name.into();
        Ok(match self {
            ColumnBuilder::Text(b) => b.finish().into_column(),
            ColumnBuilder::Int(v) => Column::new(name, v),
            ColumnBuilder::Float(v) => Column::new(name, v),
            ColumnBuilder::Date(v) => Column::new(name, v).cast(&DataType::Date)?,
            ColumnBuilder::Bool(v) => Column::new(name, v),
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
    /// 0-based absolute row and column of the top-left cell the rows are read from.
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

/// A 合计/总计 row's stated counts and money, checked against the detail rows' sums once
/// the sheet has been read.
struct StatedTotal {
    /// 0-based absolute sheet row.
    row: u32,
    /// (declared column, sheet column, stated value, the cell as written).
    values: Vec<(usize, usize, i64, String)>,
}

/// The first cell of a kind in a column: (sheet row, sheet column, as written).
type FirstCell = (u32, u32, String);

/// Turns the classified rows of one sheet, as they stream by, into a typed frame, the
/// count of every row by what happened to it, and findings for what could not be read.
/// Nothing of a row is kept but its typed values: the sheet is never held whole.
pub struct SheetExtractor<'a> {
    ctx: &'a SheetContext<'a>,
    evidence: &'a RowEvidence<'a>,
    builders: Vec<ColumnBuilder>,
    /// Roster index of each used row's submitter, when it comes row by row from a column.
    row_submitters: Vec<u32>,
    rows: Vec<u32>,
    counts: RowCounts,
    findings: Vec<Finding>,
    problems: Vec<CellProblem<'a>>,
    /// Filled cells per declared column over the data rows: the base a systemic finding
    /// (one rule failing in most of a column) is measured against.
    filled: Vec<usize>,
    /// Per declared column read in 元: how many cells held more than fen, and the first
    /// (sheet row, sheet column, as written) — a column whose unit is really 万元.
    finer_than_fen: Vec<(usize, Option<FirstCell>)>,
    cell_rules: Vec<Vec<&'a Rule>>,
    period_days: (i32, i32),
    /// The first date read from a serial in a 1904 workbook is told once, at its cell.
    date_system_told: bool,
    /// Earliest and latest date of the rows outside the period, to say what the file holds.
    outside: Option<(i32, i32)>,
    totals: Vec<StatedTotal>,
    /// A summary source's 合计 rows, held until the sheet ends: with no other data row, a
    /// one-line summary labelled 合计 is the data itself.
    held_totals: Vec<(u32, Vec<Data>)>,
    /// A `use_total_row` source's other rows, held until the sheet ends: skipped as the
    /// total's detail when it has a 合计 row, read when it has none.
    held_details: Vec<(u32, Vec<Data>)>,
    data_rows: usize,
    last_row: Option<u32>,
    /// Where another table in the sheet puts each declared column (its rows come
    /// rearranged into the first header's places): findings name the real cells.
    table_columns: Option<std::sync::Arc<[Option<usize>]>>,
    /// The sheet row where the current other table's header began, until its first data
    /// row has said which of the first header's columns it lacks.
    table_unchecked: Option<u32>,
}

impl<'a> SheetExtractor<'a> {
    /// `expected_rows` sizes the columns (the sheet's rows as far as known beforehand):
    /// grown by doubling, they would hold up to twice the room they need until the end.
    pub fn new(
        ctx: &'a SheetContext<'a>,
        evidence: &'a RowEvidence<'a>,
        expected_rows: usize,
    ) -> Self {
        let source = ctx.source;
        let header = evidence.header;
        let (start, end) = ctx.period.bounds();
        SheetExtractor {
            ctx,
            evidence,
            builders: source
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(&c.name, c.kind, expected_rows))
                .collect(),
            row_submitters: Vec::new(),
            rows: Vec::with_capacity(expected_rows),
            counts: RowCounts {
                title: header.row + ctx.origin.0 as usize,
                header: header.height,
                ..RowCounts::default()
            },
            findings: Vec::new(),
            problems: Vec::new(),
            filled: vec![0; source.columns.len()],
            finer_than_fen: vec![(0, None); source.columns.len()],
            cell_rules: (0..source.columns.len())
                .map(|ci| {
                    source
                        .rules
                        .iter()
                        .filter(|r| r.column == Some(ci) && r.kind.is_cell_rule())
                        .collect()
                })
                .collect(),
            period_days: (date_to_days(start), date_to_days(end)),
            date_system_told: ctx.date_system == DateSystem::Excel1900,
            outside: None,
            totals: Vec::new(),
            held_totals: Vec::new(),
            held_details: Vec::new(),
            data_rows: 0,
            last_row: None,
            table_columns: None,
            table_unchecked: None,
        }
    }

    /// The sheet has ended. `data_sums` are the classifier's sums of all data rows and
    /// `totals` the sums each 合计 row may state, which it must equal.
    pub fn finish(mut self, data_sums: &[i128], totals: &[TotalSums]) -> PolarsResult<Extracted> {
        let held = std::mem::take(&mut self.held_totals);
        let details = std::mem::take(&mut self.held_details);
        if self.ctx.source.use_total_row {
            self.take_total_row(held, details);
        } else {
            let as_data = self.data_rows == 0;
            for (row, cells) in held {
                if as_data {
                    self.data_row(row, &cells);
                } else {
                    self.skipped_row(row, &cells, SkipReason::Total);
                }
            }
        }
        if self.ctx.source.check_totals {
            self.reconcile_totals(data_sums, totals);
        }
        let ctx = self.ctx;
        let source = ctx.source;
        self.counts.read = self
            .last_row
            .map_or(0, |r| r as usize + 1)
            .max(self.counts.title + self.counts.header);
        let mut findings = self.findings;
        findings.extend(cell_findings(ctx, self.problems, &self.filled));
        for (ci, (count, first)) in self.finer_than_fen.into_iter().enumerate() {
            let Some((row, col, written)) = first else {
                continue;
            };
            let name = &source.columns[ci].name;
            findings.push(
                ctx.finding(
                    Severity::Warning,
                    "单位",
                    format!(
                        "“{name}”列有{count}个金额的小数超过两位（如 {} 的 {written}），已按“元”四舍五入到分；如果这一列的单位是万元，请在表头写明“（万元）”后重新报送",
                        finding::a1(row, col)
                    ),
                )
                .at_cell(row, col)
                .in_column(Some(name.as_str()))
                .with_value(Some(written)),
            );
        }
        let height = self.rows.len();
        let mut columns = Vec::with_capacity(source.columns.len() + 3);
        for (column, builder) in source.columns.iter().zip(self.builders) {
            columns.push(builder.into_column(&column.name)?);
        }
        columns.push(match ctx.submitter {
            // One submitter for the whole file: held once, not once per row.
            Some(i) => Column::new_scalar(
                SUBMITTER_COLUMN.into(),
                Scalar::new(DataType::UInt32, (i as u32).into()),
                height,
            ),
            None => Column::new(SUBMITTER_COLUMN.into(), self.row_submitters),
        });
        columns.push(Column::new_scalar(
            FILE_COLUMN.into(),
            Scalar::new(DataType::UInt32, ctx.file_index.into()),
            height,
        ));
        let mut rows = self.rows;
        rows.shrink_to_fit();
        columns.push(Column::new(ROW_COLUMN.into(), rows));
        Ok(Extracted {
            frame: DataFrame::new(height, columns)?,
            counts: self.counts,
            findings,
            outside_period: self.outside,
        })
    }

    fn skipped_row(&mut self, row: u32, cells: &[Data], reason: SkipReason) {
        *self.counts.skipped.entry(reason).or_default() += 1;
        let weighed = matches!(
            reason,
            SkipReason::Total | SkipReason::Footer | SkipReason::RepeatedHeader
        );
        // A 合计 row whose only identity is its label is no record, whatever it holds.
        let unnamed_total = reason == SkipReason::Total && self.evidence.is_unnamed_total(cells);
        if weighed && !unnamed_total && self.evidence.is_record(cells, None) {
            self.findings.push(
                self.ctx
                    .finding(
                        Severity::Warning,
                        "跳过的行",
                        format!(
                            "第{}行按“{}”跳过，未计入统计，但它各必填列都有有效值，像是一条记录；如果它是记录，请改写开头的文字后重新报送",
                            row + 1,
                            reason.label()
                        ),
                    )
                    .at_row(row + 1),
            );
        }
        if reason == SkipReason::Total {
            self.note_total(row, cells);
        }
    }

    /// Keeps a 合计/总计 row's figures for the check against the detail rows. 小计 rows
    /// (parts of the whole) are not checked.
    fn note_total(&mut self, row: u32, cells: &[Data]) {
        let label: String = cells
            .iter()
            .filter(|c| !is_blank(c))
            .take(3)
            .map(|c| normalize_key(&display_text(c)))
            .collect();
        if label.contains("小计") {
            return;
        }
        let mut values = Vec::new();
        for (ci, reader) in self.evidence.readers.iter().enumerate() {
            if !matches!(reader.column.kind, ColumnType::Int | ColumnType::Money) {
                continue;
            }
            let Some(sc) = self.evidence.header.mapping[ci] else {
                continue;
            };
            let Some(cell) = cells.get(sc).filter(|c| !is_blank(c)) else {
                continue;
            };
            if let Ok(Parsed::Int(stated)) = reader.parse(cell, self.ctx.date_system) {
                values.push((ci, self.real_column(ci, sc), stated, display_text(cell)));
            }
        }
        self.totals.push(StatedTotal { row, values });
    }

    /// A `use_total_row` source: the sheet's first 合计 row is its submitter's figures, every
    /// other row its detail (skipped and counted as such); a sheet without one is read row
    /// by row, and told.
    fn take_total_row(&mut self, totals: Vec<(u32, Vec<Data>)>, details: Vec<(u32, Vec<Data>)>) {
        let mut totals = totals.into_iter();
        let Some((row, cells)) = totals.next() else {
            if !details.is_empty() {
                let first = details[0].0 + 1;
                self.findings.push(
                    self.ctx
                        .finding(
                            Severity::Warning,
                            "合计行",
                            format!(
                                "本表应读取合计行，但没有找到以“合计”开头的行：已改为把第{first}行起的{}行相加；如果其中有小计或“其中”行，数字会偏大，请核实",
                                details.len()
                            ),
                        )
                        .at_row(first),
                );
            }
            for (row, cells) in details {
                self.data_row(row, &cells);
            }
            return;
        };
        self.data_row(row, &cells);
        for (row, cells) in totals {
            self.skipped_row(row, &cells, SkipReason::Total);
        }
        for (row, _) in details {
            *self
                .counts
                .skipped
                .entry(SkipReason::InTotalRow)
                .or_default() += 1;
            self.last_row = Some(self.last_row.map_or(row, |r| r.max(row)));
        }
    }

    /// A sheet's own 合计/总计 row must equal the sum of its detail rows, exactly for counts
    /// and to the fen for money: those of its own block (since the previous total or table
    /// header), all rows above it, or — for a 合计 placed above the rows — all of them.
    fn reconcile_totals(&mut self, all: &[i128], sums: &[TotalSums]) {
        let ctx = self.ctx;
        for total in &self.totals {
            let kept = sums.iter().find(|s| s.row == total.row);
            let mut bases: Vec<&[i128]> = vec![all];
            if let Some(kept) = kept {
                bases.extend([&kept.block[..], &kept.above[..]]);
            }
            let agrees = |basis: &[i128]| {
                total
                    .values
                    .iter()
                    .all(|(ci, _, stated, _)| *stated as i128 == basis[*ci])
            };
            if bases.iter().any(|b| agrees(b)) {
                continue;
            }
            // Said against its own block, unless it stands above every row it sums.
            let rows_above = kept.is_some_and(|k| k.above.iter().any(|&v| v != 0));
            let basis = match kept {
                Some(kept) if rows_above => &kept.block[..],
                _ => all,
            };
            for (ci, sc, stated, written) in &total.values {
                let column = &ctx.source.columns[*ci];
                let (stated, sum) = (*stated as i128, basis[*ci]);
                if stated == sum {
                    continue;
                }
                let show = |v: i128| match column.kind {
                    ColumnType::Money => format!("{:.2}元", v as f64 / 100.0),
                    _ => v.to_string(),
                };
                self.findings.push(
                    ctx.finding(
                        Severity::Error,
                        "合计核对",
                        format!(
                            "合计行“{}”为{}，但明细行加总为{}，相差{}（统计采用明细行）",
                            column.name,
                            show(stated),
                            show(sum),
                            show(stated - sum)
                        ),
                    )
                    .at_cell(total.row, ctx.origin.1 + *sc as u32)
                    .in_column(Some(column.name.as_str()))
                    .with_value(Some(written.clone())),
                );
            }
        }
    }

    /// The sheet column (relative) a declared column's cell of the current row came from.
    fn real_column(&self, ci: usize, sc: usize) -> usize {
        match &self.table_columns {
            Some(columns) => columns[ci].unwrap_or(sc),
            None => sc,
        }
    }

    /// A serial date read in the 1904 date system (a workbook made by Excel for Mac): said
    /// once per sheet, at the first such cell, so that a shifted date is never silent.
    fn tell_date_system_once(&mut self, sheet_row: u32, sc: usize, column: &str, cell: &Data) {
        let serial = matches!(cell, Data::DateTime(_) | Data::Float(_) | Data::Int(_));
        if self.date_system_told || !serial {
            return;
        }
        self.date_system_told = true;
        let ctx = self.ctx;
        self.findings.push(
            ctx.finding(
                Severity::Warning,
                "1904日期系统",
                format!(
                    "本工作簿使用1904日期系统（Mac版Excel创建），日期已按该系统换算，如本格读作{}；如日期与原表不符，请在Excel中取消“使用1904日期系统”后重新报送",
                    display_text(cell)
                ),
            )
            .at_row_cell(sheet_row, Some(ctx.origin.1 + sc as u32))
            .in_column(Some(column)),
        );
    }

    /// A row of a source with a period column dated outside the period: counted as skipped
    /// for that reason, its date kept for the file's "最早…最晚" message.
    fn skipped_outside_period(&mut self, parsed_row: &[Parsed]) -> bool {
        let Some(pc) = self.ctx.source.period_column else {
            return false;
        };
        let Parsed::Date(day) = parsed_row[pc] else {
            return false;
        };
        let (start, end) = self.period_days;
        if day >= start && day <= end {
            return false;
        }
        *self
            .counts
            .skipped
            .entry(SkipReason::OutsidePeriod)
            .or_default() += 1;
        self.outside = Some(
            self.outside
                .map_or((day, day), |(a, b)| (a.min(day), b.max(day))),
        );
        true
    }

    /// Another table's header placed no cell for some column the first header had: its
    /// rows are read with that column blank, which is said once, at its header.
    fn tell_columns_the_table_lacks(&mut self) {
        let (Some(header_row), Some(columns)) = (self.table_unchecked.take(), &self.table_columns)
        else {
            return;
        };
        let source = self.ctx.source;
        let lacking: Vec<&str> = self
            .evidence
            .header
            .mapping
            .iter()
            .zip(columns.iter())
            .enumerate()
            .filter(|(_, (first, now))| first.is_some() && now.is_none())
            .map(|(ci, _)| source.columns[ci].name.as_str())
            .collect();
        if lacking.is_empty() {
            return;
        }
        self.findings.push(
            self.ctx
                .finding(
                    Severity::Warning,
                    "另一表格",
                    format!(
                        "第{}行起的另一表格没有“{}”列（第一个表头有），这些行的该列按空白读取；如果它在另一表格里换了写法，请改成与第一个表头相同的写法后重新报送",
                        header_row + 1,
                        lacking.join("”“")
                    ),
                )
                .at_row(header_row + 1),
        );
    }

    /// One data row: parsed, checked cell by cell, then used or rejected.
    fn data_row(&mut self, sheet_row: u32, cells: &[Data]) {
        self.data_rows += 1;
        if self.table_unchecked.is_some() {
            self.tell_columns_the_table_lacks();
        }
        let ctx = self.ctx;
        let source = ctx.source;
        let header = self.evidence.header;
        let is_code = |code: &str| ctx.roster.get(code).is_some();
        let table = self.table_columns.clone();
        let table = table.as_deref();
        let at = |column: usize,
                  col_index: Option<usize>,
                  value: Option<String>,
                  rule: &'a str,
                  message: String| CellProblem {
            column,
            rule,
            severity: Severity::Error,
            row: sheet_row,
            col: col_index
                .map(|c| table.and_then(|t| t[column]).unwrap_or(c))
                .map(|c| ctx.origin.1 + c as u32),
            value,
            message,
        };
        let mut parsed_row: Vec<Parsed> = Vec::with_capacity(source.columns.len());
        let mut rejected = false;
        for (ci, reader) in self.evidence.readers.iter().enumerate() {
            let column = reader.column;
            let Some(sc) = header.mapping[ci] else {
                parsed_row.push(Parsed::Null);
                continue;
            };
            let cell = cells.get(sc).unwrap_or(&Data::Empty);
            let parsed = reader.parse(cell, ctx.date_system);
            // parse gives Null exactly for a blank cell: no second look at the cell.
            if !matches!(parsed, Ok(Parsed::Null)) {
                self.filled[ci] += 1;
            }
            match parsed {
                Ok(Parsed::Null) if column.required => {
                    rejected = true;
                    self.problems.push(at(
                        ci,
                        Some(sc),
                        None,
                        "required",
                        format!("“{}”为必填项，不能为空", column.name),
                    ));
                    parsed_row.push(Parsed::Null);
                }
                Ok(value) => {
                    if column.kind == ColumnType::Money
                        && !column.money_in_wan
                        && super::cell::finer_than_fen(cell)
                    {
                        let (count, first) = &mut self.finer_than_fen[ci];
                        *count += 1;
                        let col = ctx.origin.1 + table.and_then(|t| t[ci]).unwrap_or(sc) as u32;
                        first.get_or_insert_with(|| (sheet_row, col, display_text(cell)));
                    }
                    if !self.date_system_told && matches!(value, Parsed::Date(_)) {
                        self.tell_date_system_once(sheet_row, sc, &column.name, cell);
                    }
                    let rules = &self.cell_rules[ci];
                    if !rules.is_empty() && value != Parsed::Null {
                        let written = display_text(cell);
                        let (view, written) = (cell_view(column.kind, &value), written.trim());
                        for rule in rules {
                            let Some(broken) = check_cell(rule, column, view, written, &is_code)
                            else {
                                continue;
                            };
                            rejected |= broken.severity == Severity::Error;
                            let shown = Some(shown_value(rules, written));
                            let problem = at(ci, Some(sc), shown, &rule.name, broken.message);
                            let severity = broken.severity;
                            self.problems.push(CellProblem {
                                severity,
                                ..problem
                            });
                        }
                    }
                    parsed_row.push(value)
                }
                Err(reason) => {
                    rejected = true;
                    let rule = if *cell == super::formulas::UNCOMPUTED {
                        "公式未计算"
                    } else {
                        "type"
                    };
                    let shown = (rule == "type").then(|| display_text(cell));
                    self.problems.push(at(
                        ci,
                        Some(sc),
                        shown,
                        rule,
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
                        let message = match ctx.roster.outside_period(name) {
                            Some(why) => format!("“{name}”：{why}"),
                            None => format!("“{name}”不在报送单位名单中"),
                        };
                        let value = Some(name.to_string());
                        let col = header.mapping[ci];
                        self.problems.push(at(ci, col, value, "submitter", message));
                    }
                    found
                }
                _ => None,
            },
            (None, None) => None,
        };
        let Some(submitter) = submitter.filter(|_| !rejected) else {
            self.counts.rejected += 1;
            return;
        };
        if self.skipped_outside_period(&parsed_row) {
            return;
        }
        for (builder, parsed) in self.builders.iter_mut().zip(&parsed_row) {
            builder.push(parsed);
        }
        if ctx.submitter.is_none() {
            self.row_submitters.push(submitter as u32);
        }
        self.rows.push(sheet_row + 1);
        self.counts.used += 1;
    }
}

impl RowSink for SheetExtractor<'_> {
    fn table_columns(&mut self, columns: Option<&[Option<usize>]>) {
        self.table_columns = columns.map(std::sync::Arc::from);
        // Said once the header (which may take two rows) is complete: at the first data row.
        if self.table_unchecked.is_none() {
            self.table_unchecked = self.last_row;
        }
    }

    fn row(&mut self, row: u32, cells: &[Data], verdict: Option<SkipReason>) {
        self.last_row = Some(self.last_row.map_or(row, |r| r.max(row)));
        match verdict {
            None if self.ctx.source.use_total_row => self.held_details.push((row, cells.to_vec())),
            None => self.data_row(row, cells),
            Some(SkipReason::Total) if self.ctx.source.kind == SourceKind::Summary => {
                self.held_totals.push((row, cells.to_vec()))
            }
            Some(reason) => self.skipped_row(row, cells, reason),
        }
    }
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
    // Words a yes/no column does not know: one finding per column naming them all, with the
    // line that teaches the pipeline what they mean (a cell-by-cell list would bury it).
    let (unknown_words, problems): (Vec<CellProblem>, Vec<CellProblem>) =
        problems.into_iter().partition(|p| {
            p.rule == "type"
                && ctx.source.columns[p.column].kind == ColumnType::Bool
                && p.col.is_some()
        });
    let mut out = unknown_yes_no_words(ctx, unknown_words, filled);
    let mut sizes: HashMap<(usize, &str, Severity), usize> = HashMap::new();
    for p in &problems {
        *sizes.entry((p.column, p.rule, p.severity)).or_default() += 1;
    }
    let mut groups: HashMap<(usize, &str, Severity), CellDetailsBuilder> = HashMap::new();
    for p in problems {
        let key = (p.column, p.rule, p.severity);
        let column = ctx.source.columns[p.column].name.as_str();
        match p.col {
            Some(col) if is_systemic_share(sizes[&key], filled[p.column]) => {
                groups
                    .entry(key)
                    .or_insert_with(|| CellDetailsBuilder::with_capacity(sizes[&key]))
                    .push(
                        p.row + 1,
                        col,
                        p.value.map(String::into_boxed_str),
                        p.message,
                    );
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

/// Cells of yes/no columns holding a word that is neither a yes nor a no the pipeline
/// knows: per column, one finding naming each word and how often it is written, and the
/// `values` line to add. The rows stay rejected (their meaning is unknown); every cell is
/// kept for the 问题明细.
fn unknown_yes_no_words(
    ctx: &SheetContext,
    problems: Vec<CellProblem>,
    filled: &[usize],
) -> Vec<Finding> {
    let mut by_column: std::collections::BTreeMap<usize, Vec<CellProblem>> = Default::default();
    for p in problems {
        by_column.entry(p.column).or_default().push(p);
    }
    let mut out = Vec::new();
    for (ci, cells) in by_column {
        let column = &ctx.source.columns[ci];
        let mut words: Vec<(String, usize)> = Vec::new();
        for p in &cells {
            let word = p.value.clone().unwrap_or_default();
            match words.iter_mut().find(|(w, _)| *w == word) {
                Some((_, n)) => *n += 1,
                None => words.push((word, 1)),
            }
        }
        words.sort_by_key(|w| std::cmp::Reverse(w.1));
        let listed: Vec<String> = words
            .iter()
            .take(10)
            .map(|(w, n)| format!("“{w}”{n}格"))
            .collect();
        let more = match words.len() {
            n if n > 10 => format!("等{n}种"),
            _ => String::new(),
        };
        let quoted: Vec<String> = words
            .iter()
            .take(10)
            .map(|(w, _)| format!("\"{w}\""))
            .collect();
        let message = format!(
            "“{}”列有{}个单元格写的不是“是/否”：{}{more}，这些行未计入任何数字。如果这些词表示是或否，请在流水线中给该列加上 values，把表示“是”的词放进 是、表示“否”的放进 否，例如：\"{}\" = {{ type = \"bool\", values = {{ \"是\" = [{}], \"否\" = [] }} }}",
            column.name,
            cells.len(),
            listed.join("、"),
            column.name,
            quoted.join(", ")
        );
        let mut details = CellDetailsBuilder::with_capacity(cells.len());
        for p in cells {
            if let Some(col) = p.col {
                details.push(
                    p.row + 1,
                    col,
                    p.value.map(String::into_boxed_str),
                    p.message,
                );
            }
        }
        let head = ctx
            .finding(Severity::Error, "是/否取值", String::new())
            .in_column(Some(column.name.as_str()));
        let mut finding = systemic(head, details, filled[ci]);
        finding.message = message;
        out.push(finding);
    }
    out
}

/// The view of a parsed value that rules check; money as 元 so bounds read naturally.
fn cell_view<'v>(kind: ColumnType, value: &'v Parsed<'_>) -> CellValue<'v> {
    match (kind, value) {
        (_, Parsed::Text(t)) => CellValue::Text(t),
        (ColumnType::Money, Parsed::Int(fen)) => CellValue::Number(*fen as f64 / 100.0),
        (_, Parsed::Int(i)) => CellValue::Number(*i as f64),
        (_, Parsed::Float(f)) => CellValue::Number(*f),
        (_, Parsed::Date(d)) => CellValue::Date(*d),
        _ => CellValue::Other,
    }
}
