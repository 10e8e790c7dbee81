//! Explain: where a number of the report came from. For a cell `SHEET!CELL` of a table
//! sheet: the measure or indicator and its formula, the submitter (or 合计) and the window
//! it covers, and the rows that entered each measure (file, sheet, row, the values used,
//! what each row adds) — for a rate, its numerator's and its denominator's rows; for a
//! 同比/环比, both windows'. Any other cell is said for what it is.
//!
//! It finds the cell with the layout `report` writes by (`report::table_geometry`), and
//! computes with the same measures, compiled for the window's days, over the same rows:
//! the run's own period as read now, earlier ones from the store. Each measure's rows are
//! added up again here and compared with the figure.

use std::collections::HashMap;

use polars::prelude::*;
use polars::sql::sql_expr;
use sqlparser::ast::{Expr as SqlExpr, FunctionArg, FunctionArgExpr, FunctionArguments};

use compute::windows::{window_input, SourcePart, WindowRead};
use compute::{levels, LevelRow, Results};
use figure::text;
use history::History;
use ingest::Ingested;
use pipeline::evaluate::{FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use pipeline::window::{Compare, Window};
use pipeline::{
    Arith, ArithOp, ColumnType, Display, HeadlineLayout, Measure, Plan, ReportColumn, SheetLayout,
    ValueKind,
};
use report::{table_geometry, TableCell};

/// A cell named as `SHEET!A1` (the sheet name may be quoted: `'欠薪案件及线索'!D7`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellAddress {
    pub sheet: String,
    /// 0-based.
    pub row: u32,
    pub col: u16,
    /// As written, normalised: `D7`.
    pub cell: String,
}

impl CellAddress {
    pub fn parse(text: &str) -> Result<CellAddress, String> {
        let bad =
            || format!("“{text}”不是报表中的单元格：请写成 工作表!单元格，如 '欠薪案件及线索'!D7");
        let (sheet, cell) = text.rsplit_once('!').ok_or_else(bad)?;
        let sheet = sheet.trim().trim_matches('\'').trim().to_string();
        let cell = cell.trim().replace('$', "").to_uppercase();
        let letters: String = cell
            .chars()
            .take_while(|c| c.is_ascii_uppercase())
            .collect();
        let digits = &cell[letters.len()..];
        if sheet.is_empty() || letters.is_empty() || letters.len() > 3 || digits.is_empty() {
            return Err(bad());
        }
        let row: u32 = digits.parse().map_err(|_| bad())?;
        if row == 0 || row > 1_048_576 {
            return Err(bad());
        }
        let col = letters
            .bytes()
            .fold(0u32, |n, b| n * 26 + (b - b'A' + 1) as u32)
            - 1;
        if col > 16_383 {
            return Err(bad());
        }
        Ok(CellAddress {
            sheet,
            row: row - 1,
            col: col as u16,
            cell,
        })
    }
}

/// What `explain` found.
pub enum Explanation {
    /// The cell holds no computed figure: what it holds, in words.
    NotAFigure {
        address: String,
        what: String,
    },
    Figure(Box<FigureExplanation>),
}

pub struct FigureExplanation {
    pub address: String,
    /// `锦华街道（510199001）` or `合计`.
    pub level: String,
    /// The column's header path: `欠薪案件 / 本年累计 / 受理`.
    pub header: String,
    pub label: String,
    /// The figure as the cell shows it.
    pub shown: String,
    /// The indicator's formula in words, with each term's value.
    pub formula: String,
    /// For 同比/环比: how the change is taken.
    pub comparison: Option<String>,
    pub windows: Vec<WindowExplanation>,
    /// Why the cell is "—" or blank, when it is.
    pub why_empty: Option<String>,
    /// Rows of the ledgers it reads that are in no figure this period (error findings).
    pub excluded: Vec<String>,
}

pub struct WindowExplanation {
    /// `本年累计：2024年1月1日至2024年11月30日，欠薪线索取自2024-11的报送`.
    pub words: String,
    /// The figure over this window, and as shown.
    pub value: Option<f64>,
    pub shown: String,
    pub terms: Vec<Term>,
    /// The store lacks these periods: no figure.
    pub missing: Vec<String>,
}

/// One measure of the formula and the rows behind it.
pub struct Term {
    /// 分子, 分母 or 项.
    pub role: &'static str,
    pub label: String,
    pub name: String,
    pub shown: String,
    /// The measure's SQL and filter, and the ledger it reads.
    pub definition: String,
    /// The rows the measure read (after its filter), and how many of them add to it.
    pub rows_read: usize,
    pub rows: DataFrame,
    /// "the rows add up to 7, the figure" or what differs.
    pub check: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("报表中没有工作表“{sheet}”{hint}；现有的工作表：{sheets}")]
    NoSheet {
        sheet: String,
        hint: String,
        sheets: String,
    },
    #[error(transparent)]
    Window(#[from] compute::windows::WindowError),
    #[error(transparent)]
    Compute(#[from] compute::ComputeError),
    #[error("指标“{measure}”的明细行无法列出")]
    Rows {
        measure: String,
        #[source]
        error: PolarsError,
    },
}

/// Explains `address` of the report `plan` writes from `data` and `results` (the run's own
/// levels, in the order the sheet lists them); every window the cell uses is computed here.
pub fn explain(
    plan: &Plan,
    data: &Ingested,
    results: &Results,
    history: Option<&dyn History>,
    pipeline_sha256: Option<&str>,
    address: &CellAddress,
) -> Result<Explanation, ExplainError> {
    let shown_address = format!("{}!{}", address.sheet, address.cell);
    let not_a_figure = |what: String| {
        Ok(Explanation::NotAFigure {
            address: shown_address.clone(),
            what,
        })
    };
    // A 主要指标 cell of 本年 or 上年 is a 合计 figure: explained as a one-row table of it.
    let headline_table;
    let headline = plan.headline.as_ref().filter(|h| h.name == address.sheet);
    let layout = match headline {
        Some(h) => match headline_cell(plan, data, h, address) {
            HeadlineCell::Figure(table) => {
                headline_table = *table;
                Some(&headline_table)
            }
            HeadlineCell::Other(what) => return not_a_figure(what),
        },
        None => plan.sheets.iter().find(|s| s.name == address.sheet),
    };
    let Some(layout) = layout else {
        if let Some(what) = other_sheet(plan, &address.sheet) {
            return not_a_figure(what);
        }
        return Err(no_such_sheet(plan, &address.sheet));
    };
    let geometry = table_geometry(layout, results);
    let header_of = |j: usize| layout.columns[j].header.join(" / ");
    let cell = match headline {
        // The one figure of the row: 合计, column 0 of the one-row table.
        Some(_) => TableCell::Figure {
            level: results.total(),
            column: 0,
        },
        None => geometry.cell(layout, address.row, address.col),
    };
    let (level, j) = match table_cell_figure(plan, layout, cell) {
        Ok(figure) => figure,
        Err(what) => return not_a_figure(what),
    };
    let column = &layout.columns[j];
    if let Some(what) = category_words(plan, layout, level, column) {
        return not_a_figure(what);
    }
    if column.display == Display::Rank {
        return not_a_figure(format!(
            "名次：{}在本表各单位中按“{}”由高到低的名次（并列的同一名次）；解释同一行“{}”所在的列可看这个数字的来历",
            level_words(level),
            plan.label_of(&column.indicator),
            plan.label_of(&column.indicator)
        ));
    }
    let blank = !level.sent_any(&plan.sources_of(std::iter::once(column.indicator.as_str())));
    let mut windows = vec![column.window];
    if let Some(k) = column.compare {
        windows.push(column.window.shifted(k));
    }
    let mut explained = Vec::new();
    for window in windows {
        explained.push(explain_window(
            plan,
            data,
            history,
            pipeline_sha256,
            column,
            window,
            level,
        )?);
    }
    // The figure from the windows recomputed here, as `compute::windows` takes it.
    let value = match (column.compare, explained.as_slice()) {
        (Some(_), [now, base]) => compute::windows::change(now.value, base.value, column.display),
        (_, [now, ..]) => now.value,
        _ => None,
    };
    let formula = formula_words(plan, column);
    let comparison = column.compare.map(|k| comparison_words(column, k));
    let excluded = excluded_rows(plan, data, level, column);
    let why_empty = if blank {
        Some(format!(
            "{}本期没有报送这个数字所读的台账：单元格留空",
            level.name
        ))
    } else if value.is_none() {
        Some(empty_reason(column, &explained))
    } else {
        None
    };
    Ok(Explanation::Figure(Box::new(FigureExplanation {
        address: shown_address,
        level: level_words(level),
        header: header_of(j),
        label: match (column.window.is_current(), column.compare) {
            (true, None) => plan.label_of(&column.indicator),
            _ => format!(
                "{} {}",
                plan.label_of(&column.indicator),
                column_window_words(column).trim_start_matches("按")
            ),
        },
        shown: if blank {
            String::new()
        } else {
            text(value, column.display)
        },
        formula,
        comparison,
        windows: explained,
        why_empty,
        excluded,
    })))
}

/// The level and figure column of a table cell, or what the cell is in words when it holds
/// no figure (the title, a heading, a row's name, the notes, outside the table).
fn table_cell_figure<'a>(
    plan: &Plan,
    layout: &SheetLayout,
    cell: TableCell<'a>,
) -> Result<(&'a LevelRow, usize), String> {
    match cell {
        TableCell::Title => Err("工作表的标题".into()),
        TableCell::Subtitle => Err("标题下的 填报单位 / 计量单位 / 报告期 一行".into()),
        TableCell::Header(None) => Err("行名称一列的表头".into()),
        TableCell::Header(Some(j)) => {
            let c = &layout.columns[j];
            Err(format!(
                "“{}”列的表头：下面各行的{}，{}",
                layout.columns[j].header.join(" / "),
                plan.label_of(&c.indicator),
                column_window_words(c)
            ))
        }
        TableCell::Label(level) => Err(format!("{} 这一行的名称", level_words(level))),
        TableCell::Notes => Err("表格下方：签字栏和说明，不是数字".into()),
        TableCell::Outside => Err("表格之外：单元格是空的".into()),
        TableCell::Figure { level, column } => Ok((level, column)),
    }
}

/// A category row's figure of a distribution table, in words: computed as 合计 is, over the
/// rows holding that value (and the query that lists them); `None` for any other level.
fn category_words(
    plan: &Plan,
    layout: &SheetLayout,
    level: &LevelRow,
    column: &ReportColumn,
) -> Option<String> {
    let (Some(value), Some(c)) = (&level.category, &layout.categories) else {
        return None;
    };
    {
        let source = &plan.sources[c.source];
        let rows = if *value == c.other {
            format!("中“{}”不是上面所列任何类别（或为空）的行", c.column)
        } else {
            format!("中“{}”为“{value}”的行", c.column)
        };
        Some(format!(
            "类别“{value}”的{}：与合计的算法相同，只算{}{rows}；`laborstat query` 可列出这些行：select * from {} where \"{}\" = '{value}'",
            plan.label_of(&column.indicator),
            source.title,
            source.id,
            c.column
        ))
    }
}

/// The column's formula as the report's 说明 says it (a plain measure in words).
fn formula_words(plan: &Plan, column: &ReportColumn) -> String {
    let indicator = plan.indicator(&column.indicator);
    match indicator {
        Some(i) => match &i.expr {
            // A measure shown as it is: said in words (its days are each window's, below).
            Arith::Measure(m) if *m == i.name => {
                let words = plan.measure(m).map(|m| m.description.clone());
                format!("{} = {}", i.label, words.unwrap_or_default())
            }
            _ => format!("{} = {}", i.label, i.formula),
        },
        None => column.indicator.clone(),
    }
}

/// Per ledger the figure reads, the rows of the level's own files rejected this period
/// (error findings): in no figure, said so that nobody takes the figure for all rows.
fn excluded_rows(
    plan: &Plan,
    data: &Ingested,
    level: &LevelRow,
    column: &ReportColumn,
) -> Vec<String> {
    let mut sources: Vec<usize> = terms_of(plan, &column.indicator)
        .iter()
        .filter_map(|(_, m)| plan.measure(m).map(|m| m.source))
        .collect();
    sources.sort_unstable();
    sources.dedup();
    sources
        .iter()
        .filter_map(|&si| {
            let source = &plan.sources[si];
            let rejected: usize = data
                .files
                .iter()
                .filter(|f| f.source == source.id)
                // A township's own files (a file whose rows name their township in a
                // column counts for every township it holds).
                .filter(|f| {
                    let theirs = |code: &str| match &level.subtotal {
                        Some(kind) => data.roster.get(code).is_some_and(|s| s.kind == *kind),
                        None => level.code.as_deref() == Some(code),
                    };
                    level.is_total() || f.submitter.as_deref().is_none_or(theirs)
                })
                .map(|f| f.counts.rejected)
                .sum();
            (rejected > 0).then(|| {
                format!(
                    "本期读入的{}中有 {rejected} 行有错误，不计入任何数字（`laborstat validate` 列出它们）",
                    source.title
                )
            })
        })
        .collect()
}

/// A sheet the report does not have: the sheets it has, and the nearest name.
fn no_such_sheet(plan: &Plan, sheet: &str) -> ExplainError {
    let names = report_sheets(plan);
    ExplainError::NoSheet {
        sheet: sheet.to_string(),
        hint: pipeline::diagnostics::closest_identifier(sheet, names.iter().map(String::as_str))
            .map(|n| format!("；是不是“{n}”？"))
            .unwrap_or_default(),
        sheets: names.join("、"),
    }
}

/// What a cell of the 主要指标 sheet holds.
enum HeadlineCell {
    /// 本年 or 上年 of a row: that figure of 合计, as a sheet of one column.
    Figure(Box<SheetLayout>),
    Other(String),
}

/// A cell of the 主要指标 sheet, placed by the sheet's own geometry (report::headline).
fn headline_cell(
    plan: &Plan,
    data: &Ingested,
    h: &HeadlineLayout,
    address: &CellAddress,
) -> HeadlineCell {
    use report::headline::{HeadlineColumn as Col, HeadlineGeometry, HeadlinePlace};
    let (row, col) = match HeadlineGeometry::place(h.rows.len(), address.row, address.col) {
        HeadlinePlace::Title => return HeadlineCell::Other("工作表的标题".into()),
        HeadlinePlace::Subtitle => {
            return HeadlineCell::Other("标题下的 填报单位 / 报告期 一行".into())
        }
        HeadlinePlace::Headings => return HeadlineCell::Other("主要指标表的表头".into()),
        HeadlinePlace::Below => {
            return HeadlineCell::Other(
                "表格下方：主要情况的句子和说明，由上面各行的合计数字填成".into(),
            )
        }
        HeadlinePlace::Row(index, col) => (&h.rows[index], col),
    };
    // Last year's published report not sent: the figure stored for last year, as the sheet.
    let last_year = compute::windows::last_year_column(plan, row, data);
    let (column, when) = match col {
        Col::Current => (&row.current, Col::Current.heading()),
        Col::LastYear => (&last_year, Col::LastYear.heading()),
        Col::Change => {
            return HeadlineCell::Other(format!(
                "“{}”的增减量：本年 − 上年（本行的 C 和 D；比率的增减量为“—”，其变化以百分点写在增减率中）；要看数字的来历请解释 C 或 D",
                row.label
            ))
        }
        Col::ChangeRate => {
            return HeadlineCell::Other(format!(
                "“{}”的增减率：(本年 − 上年) ÷ 上年，比率则为 本年 − 上年（百分点）；上年为 0 或没有时为“—”；要看数字的来历请解释 C 或 D",
                row.label
            ))
        }
        Col::LastYearSource => {
            return HeadlineCell::Other(format!(
                "“{}”上年数字的来源：{}",
                row.label,
                report::headline::last_year_source(plan, row, data)
            ))
        }
        Col::Number | Col::Label => {
            return HeadlineCell::Other(format!("“{}”这一行的名称", row.label))
        }
    };
    let mut column = column.clone();
    column.header = vec![row.label.clone(), when.to_string()];
    HeadlineCell::Figure(Box::new(SheetLayout {
        name: h.name.clone(),
        title: h.title.clone(),
        unit: None,
        total: pipeline::TotalPosition::First,
        show_codes: false,
        subtotals: false,
        categories: None,
        form: Vec::new(),
        row_header: String::new(),
        columns: vec![column],
        notes: Vec::new(),
        sort: None,
        total_label: None,
    }))
}

fn report_sheets(plan: &Plan) -> Vec<String> {
    plan.sheets
        .iter()
        .map(|s| s.name.clone())
        .chain(plan.headline.iter().map(|h| h.name.clone()))
        .chain(plan.charts.iter().map(|c| c.name.clone()))
        .chain(plan.lists.iter().map(|l| l.name.clone()))
        .chain(pipeline::ADDED_SHEETS.map(String::from))
        .collect()
}

/// The report's sheets that hold no computed table figures, in words.
fn other_sheet(plan: &Plan, name: &str) -> Option<String> {
    if let Some(chart) = plan.charts.iter().find(|c| c.name == name) {
        if chart.by_township.is_some() {
            return Some(format!(
                "图表工作表：各单位本期的“{}”，与表格工作表所示相同；请在表格工作表中解释同一数字",
                plan.label_of(&chart.indicator)
            ));
        }
        return Some(format!(
            "图表工作表：“{}”全年各期的合计；请在表格工作表中解释同一数字",
            plan.label_of(&chart.indicator)
        ));
    }
    if let Some(list) = plan.lists.iter().find(|l| l.name == name) {
        return Some(format!(
            "清单工作表：其查询选出的行，每行带文件和行号（{}）；`laborstat query` 可对所有已存报告期运行这样的 SQL",
            list.sql.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    match name {
        pipeline::SOURCES_SHEET => Some(format!(
            "{name}：读入的每个文件及其各行的去向；不是计算出的数字"
        )),
        pipeline::DEFINITIONS_SHEET => Some(format!("{name}：指标和度量的定义；不是计算出的数字")),
        _ => None,
    }
}

fn level_words(level: &LevelRow) -> String {
    match (&level.code, &level.subtotal) {
        (Some(code), _) => format!("{}（{code}）", level.name),
        (None, Some(kind)) => format!("{}（名单中类型为“{kind}”的单位之和）", level.name),
        (None, None) => "合计".into(),
    }
}

fn column_window_words(column: &ReportColumn) -> String {
    match column.compare {
        None => format!("按{}", column.window.words()),
        Some(k) => format!("{}{}", column.window.words(), k.words()),
    }
}

fn comparison_words(column: &ReportColumn, compare: Compare) -> String {
    let now = column.window.words();
    let base = column.window.shifted(compare).words();
    if column.display == Display::PercentagePoints {
        format!("{}（百分点）= {now} − {base}", compare.words())
    } else {
        format!("{} = ({now} − {base}) ÷ {base}", compare.words())
    }
}

fn empty_reason(column: &ReportColumn, windows: &[WindowExplanation]) -> String {
    if let Some(w) = windows.iter().find(|w| !w.missing.is_empty()) {
        return format!(
            "“—”：存储中没有这个时段所需的 {}；请先运行这些报告期，把它们存入",
            w.missing.join("、")
        );
    }
    if column.compare.is_some() {
        return "“—”：比较的基数为 0 或没有数字".into();
    }
    "“—”：公式的分母为 0（没有分母的比率不是 0%）".into()
}

fn measure_definition(m: &Measure) -> String {
    match &m.filter {
        Some(filter) => format!("{} where {}", m.sql, filter),
        None => m.sql.clone(),
    }
}

/// Every measure an indicator uses, through the indicators it names, with its role: the
/// measures above a top-level division are 分子, below it 分母.
fn terms_of(plan: &Plan, indicator: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut add = |role: &'static str, names: Vec<&str>| {
        for m in plan.measures_behind(names) {
            if !out.iter().any(|(_, n)| *n == m) {
                out.push((role, m));
            }
        }
    };
    match plan.indicator(indicator).map(|i| &i.expr) {
        Some(Arith::Binary(numerator, ArithOp::Divide, denominator)) => {
            add("分子", numerator.measures());
            add("分母", denominator.measures());
        }
        _ => add("项", vec![indicator]),
    }
    out
}

fn explain_window(
    plan: &Plan,
    data: &Ingested,
    history: Option<&dyn History>,
    pipeline_sha256: Option<&str>,
    column: &ReportColumn,
    window: Window,
    level: &LevelRow,
) -> Result<WindowExplanation, ExplainError> {
    let span = window.resolve(&plan.period);
    let mut read = WindowRead::default();
    let input = window_input(
        plan,
        data,
        history,
        window,
        &span,
        &mut read,
        pipeline_sha256,
    )?;
    let sources: Vec<usize> = terms_of(plan, &column.indicator)
        .iter()
        .filter_map(|(_, m)| plan.measure(m).map(|m| m.source))
        .collect();
    let read_from: Vec<String> = sources
        .iter()
        .fold(Vec::new(), |mut seen: Vec<usize>, s| {
            if !seen.contains(s) {
                seen.push(*s);
            }
            seen
        })
        .into_iter()
        .map(|si| {
            let periods = match plan.sources[si].periodic {
                true => span.periods(),
                false => vec![span.anchor],
            };
            let list: Vec<String> = periods.iter().map(|p| p.to_string()).collect();
            format!("{}取自{}的报送", plan.sources[si].title, list.join("、"))
        })
        .collect();
    let words = format!(
        "{}：{}，{}",
        window.words(),
        span.words(),
        read_from.join("，")
    );
    let Some(input) = input else {
        return Ok(WindowExplanation {
            words,
            value: None,
            shown: figure::NO_VALUE.into(),
            terms: Vec::new(),
            missing: read.missing.into_iter().collect(),
        });
    };
    // The window's figures, recomputed from its rows as `run` computed them.
    let tables = plan
        .sources
        .iter()
        .zip(&input.sources)
        .map(|(source, parts)| compute::windows::joined(source, parts))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = levels(&input.plan, &tables, &data.roster)?;
    let here = rows
        .iter()
        .find(|r| r.key() == level.key())
        .unwrap_or(level);
    let value = here.indicators.get(&column.indicator).copied().flatten();
    let display = match column.compare {
        // The compared figures are shown as the indicator shows them, not as a change.
        Some(_) => plan
            .indicator(&column.indicator)
            .map_or(Display::Number, |i| i.display),
        None => column.display,
    };
    let whose = whose_rows(data, level);
    let mut terms = Vec::new();
    for (role, name) in terms_of(plan, &column.indicator) {
        let Some(measure) = input.plan.measure(&name) else {
            continue;
        };
        let value = here.measures.get(&name).copied().flatten();
        terms.push(term(
            plan,
            data,
            measure,
            role,
            value,
            &input.sources[measure.source],
            whose.as_deref(),
        )?);
    }
    Ok(WindowExplanation {
        words,
        value,
        shown: text(value, display),
        terms,
        missing: Vec::new(),
    })
}

/// The submitters (roster indices) whose rows a level's figures are computed from: `None`
/// for 合计 (every row), the kind's submitters for a subtotal, the one for a submitter.
fn whose_rows(data: &Ingested, level: &LevelRow) -> Option<Vec<u32>> {
    let submitters = &data.roster.submitters;
    match (&level.code, &level.subtotal) {
        (Some(code), _) => Some(
            data.roster
                .index_by_code()
                .get(code.as_str())
                .copied()
                .into_iter()
                .collect(),
        ),
        (None, Some(kind)) => Some(
            (0..submitters.len() as u32)
                .filter(|&i| submitters[i as usize].kind == *kind)
                .collect(),
        ),
        (None, None) => None,
    }
}

/// What each row adds to a measure, when the measure is a sum or a count of rows.
enum Contribution {
    /// `sum(expr)`: the expression, row by row.
    Sum(Expr),
    /// `count(*)` or `count(x)`: 1 per row (with x filled).
    Count(Option<Expr>),
    /// Anything else (`count(distinct x)`, `avg`, `max`…): the rows read, as they are.
    Whole,
}

fn contribution(measure: &Measure) -> Contribution {
    let Ok(SqlExpr::Function(f)) = pipeline::sql::parse_expr(&measure.sql) else {
        return Contribution::Whole;
    };
    let FunctionArguments::List(list) = &f.args else {
        return Contribution::Whole;
    };
    if list.duplicate_treatment.is_some() || list.args.len() != 1 {
        return Contribution::Whole;
    }
    let name = f.name.to_string().to_lowercase();
    match (name.as_str(), &list.args[0]) {
        ("count", FunctionArg::Unnamed(FunctionArgExpr::Wildcard)) => Contribution::Count(None),
        ("count", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => {
            match sql_expr(e.to_string()) {
                Ok(e) => Contribution::Count(Some(e)),
                Err(_) => Contribution::Whole,
            }
        }
        ("sum", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => match sql_expr(e.to_string()) {
            Ok(e) => Contribution::Sum(e),
            Err(_) => Contribution::Whole,
        },
        _ => Contribution::Whole,
    }
}

/// The columns a measure reads (its SQL and its filter), in the source's order.
fn columns_read<'a>(source: &'a pipeline::Source, measure: &Measure) -> Vec<&'a pipeline::Column> {
    let mut mentioned: Vec<String> = pipeline::sql::column_refs(&measure.sql)
        .into_iter()
        .chain(
            measure
                .filter
                .iter()
                .flat_map(|f| pipeline::sql::column_refs(f)),
        )
        .map(|r| r.name)
        .collect();
    mentioned.dedup();
    source
        .columns
        .iter()
        .filter(|c| mentioned.contains(&c.name))
        .collect()
}

/// The rows whose contribution (the `ADDS` column) is not 0 or empty: a row that adds
/// nothing did not enter the figure.
fn rows_that_add(rows: DataFrame) -> PolarsResult<DataFrame> {
    let adds = rows.column(ADDS)?.cast(&DataType::Float64)?;
    let mask: BooleanChunked = adds
        .f64()?
        .iter()
        .map(|v| Some(v.is_some_and(|v| v != 0.0)))
        .collect();
    rows.filter(&mask)
}

/// What the rows add up to: exactly in fen for money, as a number otherwise.
fn sum_of_adds(rows: &DataFrame, kind: ValueKind) -> PolarsResult<(i128, f64)> {
    let adds = rows.column(ADDS)?;
    Ok(match kind {
        ValueKind::Money => {
            let fen = adds.cast(&DataType::Int64)?;
            let sum = fen.i64()?.iter().flatten().map(i128::from).sum::<i128>();
            (sum, 0.0)
        }
        _ => {
            let n = adds.cast(&DataType::Float64)?;
            (0, n.f64()?.iter().flatten().sum::<f64>())
        }
    })
}

/// The column heading of what a row adds.
const ADDS: &str = "计入";

#[allow(clippy::too_many_arguments)]
fn term(
    plan: &Plan,
    data: &Ingested,
    measure: &Measure,
    role: &'static str,
    value: Option<f64>,
    parts: &[SourcePart],
    whose: Option<&[u32]>,
) -> Result<Term, ExplainError> {
    let fail = |error| ExplainError::Rows {
        measure: measure.name.clone(),
        error,
    };
    let source = &plan.sources[measure.source];
    let display = match measure.kind {
        ValueKind::Money => Display::Yuan,
        ValueKind::Count => Display::Count,
        ValueKind::Number => Display::Number,
    };
    let unit = if measure.kind == ValueKind::Money {
        " 元"
    } else {
        ""
    };
    let shown = |v: Option<f64>| format!("{}{unit}", text(v, display));
    let used = columns_read(source, measure);
    let adds = contribution(measure);
    let filter = match &measure.filter {
        Some(f) => Some(sql_expr(f).map_err(fail)?),
        None => None,
    };
    let mut frames = Vec::new();
    let mut rows_read = 0;
    let mut total_fen: i128 = 0;
    let mut total_number: f64 = 0.0;
    for part in parts {
        let mut lazy = part.frame.clone().lazy().with_row_index("_position", None);
        if let Some(whose) = whose {
            let theirs = whose.iter().fold(lit(false), |any, &s| {
                any.or(col(SUBMITTER_COLUMN).eq(lit(s)))
            });
            lazy = lazy.filter(theirs);
        }
        if let Some(filter) = &filter {
            lazy = lazy.filter(filter.clone());
        }
        let adds_expr = match &adds {
            Contribution::Sum(e) => Some(e.clone()),
            Contribution::Count(None) => Some(lit(1i64)),
            Contribution::Count(Some(e)) => Some(
                when(e.clone().is_not_null())
                    .then(lit(1i64))
                    .otherwise(lit(0i64)),
            ),
            Contribution::Whole => None,
        };
        let mut picked: Vec<Expr> = vec![col("_position"), col(SUBMITTER_COLUMN)];
        picked.extend([col(FILE_COLUMN), col(ROW_COLUMN)]);
        picked.extend(used.iter().map(|c| col(c.name.as_str())));
        if let Some(e) = adds_expr {
            picked.push(e.alias(ADDS));
        }
        // The rows the measure reads, collected once: counted, then kept when they add.
        let mut rows = lazy.select(picked).collect().map_err(fail)?;
        rows_read += rows.height();
        if rows.column(ADDS).is_ok() {
            rows = rows_that_add(rows).map_err(fail)?;
            let (fen, number) = sum_of_adds(&rows, measure.kind).map_err(fail)?;
            (total_fen, total_number) = (total_fen + fen, total_number + number);
        }
        frames.push(listing(data, part, &rows, &used, measure.kind).map_err(fail)?);
    }
    let mut rows = match frames.len() {
        0 => DataFrame::empty(),
        _ => frames.remove(0),
    };
    for f in frames {
        rows.vstack_mut_owned(f).map_err(fail)?;
    }
    let added = match measure.kind {
        ValueKind::Money => total_fen as f64,
        _ => total_number,
    };
    let count = |n: usize| figure::group_thousands(&n.to_string());
    let check = match adds {
        Contribution::Whole => format!("这个度量是 {}：列出它读取的每一行", measure.sql),
        _ => {
            let same = value.is_some_and(|v| (v - added).abs() < 0.5e-6 * v.abs().max(1.0));
            if same {
                format!(
                    "读入的 {1} 行中有 {0} 行计入；合计为 {2}，即报表中的数字",
                    count(rows.height()),
                    count(rows_read),
                    shown(Some(added))
                )
            } else {
                format!(
                    "读入的 {1} 行中有 {0} 行计入；合计为 {2}，而报表中的数字是 {3}：请把这个情况报告给维护者",
                    count(rows.height()),
                    count(rows_read),
                    shown(Some(added)),
                    shown(value)
                )
            }
        }
    };
    Ok(Term {
        role,
        label: measure.label.clone(),
        name: measure.name.clone(),
        shown: shown(value),
        definition: format!("{}，取自{}", measure_definition(measure), source.title),
        rows_read,
        rows,
        check,
    })
}

/// The rows of one part as the user reads them: 期, 文件, 工作表, 行, 报送单位, the values
/// used (money in 元) and what each adds.
fn listing(
    data: &Ingested,
    part: &SourcePart,
    rows: &DataFrame,
    used: &[&pipeline::Column],
    kind: ValueKind,
) -> PolarsResult<DataFrame> {
    let height = rows.height();
    let positions: Vec<u32> = rows
        .column("_position")?
        .cast(&DataType::UInt32)?
        .u32()?
        .iter()
        .map(|p| p.unwrap_or(0))
        .collect();
    let (files, sheets): (StringChunked, StringChunked) = match &part.stored_provenance {
        None => {
            let index = rows.column(FILE_COLUMN)?.u32()?;
            let file = |i: Option<u32>| i.and_then(|i| data.files.get(i as usize));
            (
                index
                    .iter()
                    .map(|i| file(i).map(|f| f.label.to_string_lossy().into_owned()))
                    .collect(),
                index
                    .iter()
                    .map(|i| file(i).and_then(|f| f.sheet.clone()))
                    .collect(),
            )
        }
        Some(stored) => {
            let idx = IdxCa::from_vec("".into(), positions.iter().map(|&p| p as IdxSize).collect());
            let taken = stored.take(&idx)?;
            (
                taken.column("source_file")?.str()?.clone(),
                taken.column("source_sheet")?.str()?.clone(),
            )
        }
    };
    let names: HashMap<u32, &str> = data
        .roster
        .submitters
        .iter()
        .enumerate()
        .map(|(i, s)| (i as u32, s.name.as_str()))
        .collect();
    let submitters: StringChunked = rows
        .column(SUBMITTER_COLUMN)?
        .u32()?
        .iter()
        .map(|s| s.and_then(|s| names.get(&s).copied()))
        .collect();
    let period = part.period.to_string();
    let mut columns = vec![
        Column::new("期".into(), vec![period; height]),
        files.with_name("文件".into()).into_column(),
        sheets.with_name("工作表".into()).into_column(),
        rows.column(ROW_COLUMN)?.clone().with_name("行".into()),
        submitters.with_name("报送单位".into()).into_column(),
    ];
    for c in used {
        let column = rows.column(&c.name)?;
        columns.push(match c.kind {
            ColumnType::Money => fen_to_yuan(column)?.with_name(c.name.as_str().into()),
            _ => column.clone(),
        });
    }
    if let Ok(adds) = rows.column(ADDS) {
        columns.push(match kind {
            ValueKind::Money => fen_to_yuan(adds)?.with_name(ADDS.into()),
            _ => adds.clone(),
        });
    }
    DataFrame::new(height, columns)
}

/// Integer fen as an exact decimal of 元, as `query` shows money ([`figure::yuan`]).
fn fen_to_yuan(column: &Column) -> PolarsResult<Column> {
    let name = column.name().clone();
    let shown = column
        .clone()
        .into_frame()
        .lazy()
        .select([figure::yuan(col(name.clone()))])
        .collect()?;
    Ok(shown.column(&name)?.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_excel_writes_them() {
        let a = CellAddress::parse("'欠薪案件及线索'!D7").unwrap();
        assert_eq!((a.sheet.as_str(), a.row, a.col), ("欠薪案件及线索", 6, 3));
        let b = CellAddress::parse("汇总!$AA$10").unwrap();
        assert_eq!((b.row, b.col, b.cell.as_str()), (9, 26, "AA10"));
        assert!(CellAddress::parse("D7").is_err());
        assert!(CellAddress::parse("表!7D").is_err());
        assert!(CellAddress::parse("表!A0").is_err());
    }
}
