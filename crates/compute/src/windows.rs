//! The figures of report columns over other windows than the run's own period: 本年累计,
//! 上期, 上年同期 (as reported then), 近N个月, and 同比/环比 against them.
//!
//! A window reads the submission of the period it names and counts the days it covers:
//! - a source without `period_column` (a cumulative ledger: each submission holds every
//!   record so far) is read from the anchor period's partition, and each measure's own date
//!   (`date = …`) decides which rows count — so 本年累计 comes from this month's files alone;
//! - a source with `period_column` (one file set per period) is read from the partition of
//!   every period the window covers.
//!
//! The run's own period comes from memory, earlier ones from the store. Measures are the
//! pipeline's own, compiled again with `{period_start}`/`{period_end}` the window's days, so
//! a stock (期末未结) is taken at the window's end; rates come from the window's numerator
//! and denominator totals, never from adding up periods' rates. A window that needs a
//! period the store lacks is shown "—" and the 说明 says which periods to run.

use std::collections::{BTreeSet, HashMap};

use polars::prelude::*;

use super::{levels, ComputeError, LevelRow};
use history::{History, HistoryError};
use ingest::Ingested;
use pipeline::window::{Compare, Span, Window};
use pipeline::{Display, Overrides, Period, Plan, ReportColumn};

/// (indicator, window, comparison) → value per submitter code (`None` key: 合计).
type ColumnKey = (String, Window, Option<Compare>);

#[derive(Debug, Clone, Default)]
pub struct WindowFigures {
    values: HashMap<ColumnKey, HashMap<Option<String>, Option<f64>>>,
    /// Per window read: its days, and what it could not read or found restated.
    read: Vec<(Window, Span, WindowRead)>,
    /// For the 说明 of every sheet: this period replaced a stored one (restated).
    pub restated: Vec<String>,
    /// Per chart (`Plan::charts`), per series, the 合计 of each period of the year.
    pub series: Vec<Vec<Vec<Option<f64>>>>,
}

/// The run's period's place in its year (1-based) and how many periods of its kind a
/// year has: November of a monthly run is (11, 12).
pub fn position_in_year(period: &Period) -> (i32, i32) {
    use pipeline::period::PeriodKind;
    match period.kind {
        PeriodKind::Month(m) => (m as i32, 12),
        PeriodKind::Quarter(q) => (q as i32, 4),
        PeriodKind::Half(h) => (h as i32, 2),
        PeriodKind::Year => (1, 1),
    }
}

/// What reading one window's periods found, for the 说明.
#[derive(Debug, Clone, Default)]
pub struct WindowRead {
    pub missing: BTreeSet<String>,
    pub other_version: BTreeSet<String>,
    pub restated: BTreeSet<String>,
    /// `2023-11“实名制”`: declared columns a stored period lacks (read as empty).
    pub absent: BTreeSet<String>,
    pub unknown_codes: usize,
}

impl WindowFigures {
    /// The 说明 lines for a sheet whose columns use `windows` over `sources` (indices into
    /// `Plan::sources`): the days each window covers and where it was read from, the
    /// periods the store lacks, periods restated or stored by another pipeline version.
    pub fn notes_for(&self, plan: &Plan, windows: &[Window], sources: &[usize]) -> Vec<String> {
        let mut lines = Vec::new();
        let (mut missing, mut other, mut restated, mut absent) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        let mut unknown = 0;
        for (window, span, read) in &self.read {
            if !windows.contains(window) {
                continue;
            }
            lines.push(format!(
                "“{}”为{}，{}",
                window.words(),
                span.words(),
                read_from(plan, span, sources)
            ));
            missing.extend(read.missing.iter().cloned());
            other.extend(read.other_version.iter().cloned());
            restated.extend(read.restated.iter().cloned());
            absent.extend(read.absent.iter().cloned());
            unknown = unknown.max(read.unknown_codes);
        }
        let list = |set: BTreeSet<String>| set.into_iter().collect::<Vec<_>>().join("、");
        if !missing.is_empty() {
            lines.push(format!(
                "存储中没有 {} 的数据，用到这些期的栏目显示“—”；先按期运行（laborstat run … --period 起..止）以存入",
                list(missing)
            ));
        }
        if !other.is_empty() {
            lines.push(format!(
                "{} 的数据由另一版本的流水线文件写入，口径可能不同",
                list(other)
            ));
        }
        if !absent.is_empty() {
            lines.push(format!(
                "存储的数据中没有这些列（流水线文件此后才声明），按空值计：{}",
                list(absent)
            ));
        }
        if !restated.is_empty() {
            lines.push(format!("所用各期中曾重报的期：{}", list(restated)));
        }
        if unknown > 0 {
            lines.push(format!(
                "存储中有 {unknown} 行的单位代码不在本期名单（也无承继），只计入合计"
            ));
        }
        lines
    }

    /// The figure of a non-current report column for a submitter (`None`: 合计).
    pub fn value(&self, column: &ReportColumn, code: Option<&str>) -> Option<f64> {
        let key = (column.indicator.clone(), column.window, column.compare);
        self.values
            .get(&key)?
            .get(&code.map(str::to_string))
            .copied()
            .flatten()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WindowError {
    #[error("流水线文件无法按时间窗口“{window}”编译：{source}")]
    Load {
        window: String,
        source: pipeline::LoadError,
    },
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Compute(#[from] ComputeError),
    #[error("台账“{source_id}”各期存储数据合并时出错")]
    Join {
        source_id: String,
        #[source]
        error: PolarsError,
    },
}

/// One window's levels, or why it has none.
enum Outcome {
    Rows(Vec<LevelRow>),
    Missing,
}

/// Whether any file of the published report a headline row's 上年 reads (`last_year`) was
/// read this run: without one, its sums of nothing are no figure.
pub fn published_last_year_read(plan: &Plan, row: &pipeline::HeadlineRow, data: &Ingested) -> bool {
    plan.sources_of(std::iter::once(row.last_year.indicator.as_str()))
        .into_iter()
        .all(|source| {
            let id = &plan.sources[source].id;
            data.files.iter().any(|f| &f.source == id && f.used)
        })
}

/// The column a headline row's 上年 is read from this run: last year's published report
/// when a file of it was read, else the same figure stored for last year.
pub fn last_year_column(plan: &Plan, row: &pipeline::HeadlineRow, data: &Ingested) -> ReportColumn {
    match row.last_year_published() && !published_last_year_read(plan, row, data) {
        true => row.stored_last_year(),
        false => row.last_year.clone(),
    }
}

/// The figures of every non-current column of the report. `current` is the run's own result.
pub fn window_figures(
    plan: &Plan,
    data: &Ingested,
    current: &[LevelRow],
    history: Option<&dyn History>,
    // The pipeline file's SHA-256, to tell periods stored by another version of it.
    pipeline_sha256: Option<&str>,
) -> Result<WindowFigures, WindowError> {
    // The headline sheet's last-year figures are windows like any report column's; a row
    // over last year's published report that was not sent falls back on the store.
    let headline: Vec<ReportColumn> = plan
        .headline
        .iter()
        .flat_map(|h| &h.rows)
        .map(|r| last_year_column(plan, r, data))
        .collect();
    // The earlier figures the plausibility reviews compare with are windows too.
    let columns: Vec<&ReportColumn> = plan
        .sheets
        .iter()
        .flat_map(|s| &s.columns)
        .chain(&headline)
        .chain(plan.plausibility_bases())
        .filter(|c| !c.is_current())
        .collect();
    let mut figures = WindowFigures::default();
    if columns.is_empty() && plan.charts.is_empty() {
        return Ok(figures);
    }
    let (index, per_year) = position_in_year(&plan.period);
    let point = |years_back, i| chart_point(index, years_back, i);
    let windows = windows_needed(plan, &columns, index, per_year);
    let mut outcomes: HashMap<Window, Outcome> = HashMap::new();
    let own = Window::CURRENT.resolve(&plan.period);
    for window in windows {
        if outcomes.contains_key(&window) {
            continue;
        }
        let span = window.resolve(&plan.period);
        let outcome = if (span.anchor, span.start, span.end) == (own.anchor, own.start, own.end) {
            let mut rows = current.to_vec();
            for sheet in plan.sheets.iter().filter(|s| windowed_categories(s)) {
                rows.extend(super::category_levels(
                    plan,
                    sheet,
                    &data.tables,
                    &data.roster,
                )?);
            }
            Outcome::Rows(rows)
        } else {
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
            let outcome = window_levels(plan, data, input)?;
            figures.read.push((window, span, read));
            outcome
        };
        outcomes.insert(window, outcome);
    }
    for chart in &plan.charts {
        let series = chart
            .series
            .iter()
            .map(|&years_back| {
                (1..=per_year)
                    .map(|i| match outcomes.get(&point(years_back, i)) {
                        Some(Outcome::Rows(rows)) => rows
                            .iter()
                            .find(|r| r.is_total())
                            .and_then(|r| r.indicators.get(&chart.indicator).copied().flatten()),
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        figures.series.push(series);
    }
    for c in columns {
        let values = column_values(c, &outcomes);
        figures
            .values
            .insert((c.indicator.clone(), c.window, c.compare), values);
    }
    Ok(figures)
}

/// One figure of a non-current column at every level (by [`LevelRow::key`]): its window's,
/// or the change from the window it is compared with (同比, 环比).
fn column_values(
    c: &ReportColumn,
    outcomes: &HashMap<Window, Outcome>,
) -> HashMap<Option<String>, Option<f64>> {
    let value_of = |window: &Window| -> Option<HashMap<Option<String>, Option<f64>>> {
        match outcomes.get(window)? {
            Outcome::Missing => None,
            Outcome::Rows(rows) => Some(
                rows.iter()
                    .map(|r| (r.key(), r.indicators.get(&c.indicator).copied().flatten()))
                    .collect(),
            ),
        }
    };
    let values = value_of(&c.window).unwrap_or_default();
    match c.compare {
        None => values,
        Some(compare) => {
            let base = value_of(&c.window.shifted(compare)).unwrap_or_default();
            values
                .iter()
                .map(|(code, v)| {
                    let b = base.get(code).copied().flatten();
                    (code.clone(), change(*v, b, c.display))
                })
                .collect()
        }
    }
}

/// The window of chart point `i` (1-based period of the year), this year or years back.
fn chart_point(index: i32, years_back: i32, i: i32) -> Window {
    Window {
        range: pipeline::window::WindowRange::Period,
        years_back,
        periods_back: index - i,
    }
}

/// Every window the charts' points and the non-current columns (and the windows they are
/// compared with) read, each once, charts first.
fn windows_needed(
    plan: &Plan,
    columns: &[&ReportColumn],
    index: i32,
    per_year: i32,
) -> Vec<Window> {
    let mut windows: Vec<Window> = Vec::new();
    for chart in &plan.charts {
        for &years_back in &chart.series {
            for i in 1..=per_year {
                // This year's periods after the run's own have no figures yet.
                if years_back > 0 || i <= index {
                    windows.push(chart_point(index, years_back, i));
                }
            }
        }
    }
    for c in columns {
        let mut needed = vec![c.window];
        needed.extend(c.compare.map(|k| c.window.shifted(k)));
        for w in needed {
            if !windows.contains(&w) {
                windows.push(w);
            }
        }
    }
    windows
}

/// 同比/环比: for a rate (shown in 百分点) the difference; otherwise the change as a share of
/// the base. "—" (None) on a missing or zero base.
pub fn change(value: Option<f64>, base: Option<f64>, display: Display) -> Option<f64> {
    let (value, base) = (value?, base?);
    if display == Display::PercentagePoints {
        return Some(value - base);
    }
    if base == 0.0 {
        return None;
    }
    Some((value - base) / base)
}

/// Where a window's rows come from, in words, for the sources a sheet uses.
fn read_from(plan: &Plan, span: &Span, sources: &[usize]) -> String {
    let periods = span.periods();
    let mut parts = Vec::new();
    for &si in sources {
        let source = &plan.sources[si];
        let part = if source.periodic && periods.len() > 1 {
            format!(
                "{}取自{}至{}各期的报送",
                source.title,
                periods[0],
                periods[periods.len() - 1]
            )
        } else {
            format!("{}取自{}的报送", source.title, span.anchor)
        };
        parts.push(part);
    }
    parts.join("，")
}

/// What a window reads: the pipeline compiled for its days, and each source's rows period
/// by period (the run's own period from memory, the others from the store).
pub struct WindowInput {
    pub plan: Plan,
    /// Per source (plan order), its parts in period order.
    pub sources: Vec<Vec<SourcePart>>,
}

/// One period's rows of a source in the engine's schema.
pub struct SourcePart {
    pub period: Period,
    pub frame: DataFrame,
    /// `source_file` and `source_sheet` of each row of a stored part (the run's own rows
    /// carry the file's index in `_file` instead).
    pub stored_provenance: Option<DataFrame>,
}

/// One window's levels: its rows, then the pipeline's measures compiled for its days.
fn window_levels(
    plan: &Plan,
    data: &Ingested,
    input: Option<WindowInput>,
) -> Result<Outcome, WindowError> {
    let Some(input) = input else {
        return Ok(Outcome::Missing);
    };
    let tables = plan
        .sources
        .iter()
        .zip(&input.sources)
        .map(|(source, parts)| joined(source, parts))
        .collect::<Result<Vec<_>, _>>()?;
    let mut rows = levels(&input.plan, &tables, &data.roster)?;
    // Each distribution table's rows over the window's days too (本月/累计/同比 per 行业).
    for sheet in input.plan.sheets.iter().filter(|s| windowed_categories(s)) {
        rows.extend(super::category_levels(
            &input.plan,
            sheet,
            &tables,
            &data.roster,
        )?);
    }
    Ok(Outcome::Rows(rows))
}

/// A distribution table with a column over another window: its category rows are
/// computed for each window read.
fn windowed_categories(sheet: &pipeline::SheetLayout) -> bool {
    sheet.categories.is_some() && sheet.columns.iter().any(|c| !c.is_current())
}

/// A source's parts as one table (an empty one of its schema when it has none).
pub fn joined(source: &pipeline::Source, parts: &[SourcePart]) -> Result<DataFrame, WindowError> {
    let fail = |error| WindowError::Join {
        source_id: source.id.clone(),
        error,
    };
    let Some((first, rest)) = parts.split_first() else {
        return pipeline::evaluate::schema_frame(source, 0).map_err(fail);
    };
    let mut table = first.frame.clone();
    for part in rest {
        table.vstack_mut(&part.frame).map_err(fail)?;
    }
    Ok(table)
}

/// The rows a window reads, `None` when the store lacks a period it needs (said in `notes`,
/// with the periods stored by another pipeline version or restated).
#[allow(clippy::too_many_arguments)]
pub fn window_input(
    plan: &Plan,
    data: &Ingested,
    history: Option<&dyn History>,
    window: Window,
    span: &Span,
    notes: &mut WindowRead,
    pipeline_sha256: Option<&str>,
) -> Result<Option<WindowInput>, WindowError> {
    let overrides = Overrides {
        period: Some(span.anchor.to_string()),
        window_days: Some((span.start, span.end)),
        ..plan.overrides.clone()
    };
    let window_plan = plan
        .recompile(&overrides)
        .map_err(|source| WindowError::Load {
            window: window.words(),
            source,
        })?;
    let mut sources = Vec::with_capacity(plan.sources.len());
    let mut missing = false;
    for (si, source) in plan.sources.iter().enumerate() {
        let periods: Vec<Period> = match source.periodic {
            false => vec![span.anchor],
            true => span.periods(),
        };
        let mut parts = Vec::new();
        for period in periods {
            if period == plan.period {
                parts.push(SourcePart {
                    period,
                    frame: data.tables[si].clone(),
                    stored_provenance: None,
                });
                continue;
            }
            let stored = match history {
                Some(history) => history.rows(source, &period, &data.roster)?,
                None => None,
            };
            let Some(stored) = stored else {
                notes.missing.insert(period.to_string());
                missing = true;
                continue;
            };
            if let Some(vintage) = history.and_then(|h| h.vintage(&source.id, &period).transpose())
            {
                let vintage = vintage?;
                if pipeline_sha256 != Some(vintage.pipeline_sha256.as_str()) {
                    notes.other_version.insert(period.to_string());
                }
                if vintage.restated {
                    notes.restated.insert(period.to_string());
                }
            }
            notes.unknown_codes += stored.unknown_codes;
            for column in stored.absent_columns {
                notes.absent.insert(format!("{period}“{column}”"));
            }
            parts.push(SourcePart {
                period,
                frame: stored.frame,
                stored_provenance: Some(stored.provenance),
            });
        }
        sources.push(parts);
    }
    if missing {
        return Ok(None);
    }
    Ok(Some(WindowInput {
        plan: window_plan,
        sources,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_shares_and_rates_differ_in_points() {
        assert_eq!(
            change(Some(120.0), Some(100.0), Display::Percent),
            Some(0.2)
        );
        assert_eq!(change(Some(5.0), Some(0.0), Display::Percent), None);
        assert_eq!(change(Some(5.0), None, Display::Percent), None);
        let points = change(Some(0.75), Some(0.70), Display::PercentagePoints).unwrap();
        assert!((points - 0.05).abs() < 1e-12);
        // A rate's base of zero is a rate like any other: the points are defined.
        assert_eq!(
            change(Some(0.5), Some(0.0), Display::PercentagePoints),
            Some(0.5)
        );
    }
}
