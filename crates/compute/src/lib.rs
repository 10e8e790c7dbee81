//! Compute: measures (SQL aggregates, run by polars on the lazy source tables) per submitter
//! and, for 合计, over all rows at once — never by adding up submitters' rates — then
//! indicators from the measures at each level. A zero denominator leaves the indicator
//! empty; the report shows "—".

pub mod lists;
pub mod printed;
pub mod results;
pub mod windows;

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use rayon::prelude::*;

use ingest::roster::Roster;
use ingest::{rows_of, submitter_runs, Ingested, FILE_COLUMN, SUBMITTER_COLUMN};
use pipeline::evaluate::MeasureQuery;
use pipeline::{ColumnType, Plan, SourceKind, SubmitterFrom, ValueKind};
pub use results::{subtotal_name, FileMoney, LevelRow, Results};

/// The roster kinds subtotals are computed for (in the order they first appear in the
/// roster), when a sheet asks for them; empty otherwise.
pub fn subtotal_kinds(plan: &Plan, roster: &Roster) -> Vec<String> {
    if !plan.sheets.iter().any(|s| s.subtotals) {
        return Vec::new();
    }
    let mut kinds: Vec<String> = Vec::new();
    for s in &roster.submitters {
        if !s.kind.is_empty() && !kinds.contains(&s.kind) {
            kinds.push(s.kind.clone());
        }
    }
    kinds
}

#[derive(Debug, thiserror::Error)]
// polars' own text stays out of the message (`error` is kept for a debugger): `check`
// dry-runs every measure, so this is reached only by what the data itself does.
#[error("台账“{source_id}”的数据在计算指标 {measures} 时出错；请先用 laborstat check 检查流水线文件，若检查通过，请把这一情况连同所读文件报告给维护人员")]
pub struct ComputeError {
    measures: String,
    source_id: String,
    error: PolarsError,
}

pub fn compute(plan: &Plan, data: &Ingested) -> Result<Results, ComputeError> {
    let values = measure_values(plan, &data.tables, &data.roster, Scope::Levels)?;
    // Who sent what: a file's submitter, or — for a district-wide ledger whose rows name
    // their township in a column — a township with rows in it.
    let mut sent: HashMap<&str, Vec<usize>> = HashMap::new();
    for f in &data.files {
        let source = plan.sources.iter().position(|s| s.id == f.source);
        if let (Some(code), Some(source)) = (f.submitter.as_deref(), source) {
            sent.entry(code).or_default().push(source);
        }
    }
    for (si, source) in plan.sources.iter().enumerate() {
        // A summary table with a row per township (last year's published report) is no
        // township's submission of this period.
        if source.submitter != SubmitterFrom::Column || source.kind != SourceKind::Ledger {
            continue;
        }
        let fail = |error| ComputeError {
            measures: "报送单位".into(),
            source_id: source.id.clone(),
            error,
        };
        let runs = submitter_runs(&data.tables[si]).map_err(fail)?;
        let codes = runs
            .iter()
            .filter_map(|(s, _)| data.roster.submitters.get((*s)? as usize));
        for s in codes {
            sent.entry(s.code.as_str()).or_default().push(si);
        }
    }
    let rows = level_rows(plan, &data.roster, values, |code| {
        let mut sources = sent.get(code).cloned().unwrap_or_default();
        sources.sort_unstable();
        sources.dedup();
        sources
    });
    let categories = category_rows(plan, data)?;
    let mut sources_read: Vec<usize> = data
        .files
        .iter()
        // A sheet read as the table, rows or none (an empty ledger is a zero, not unknown);
        // a file refused whole or whose every row was rejected (a required column missing)
        // gave nothing to count: its figures are unknown ("—"), as a ledger nobody sent.
        .filter(|f| {
            f.header_row.is_some()
                && f.counts.read > 0
                && (f.counts.used > 0 || f.counts.rejected == 0)
        })
        .filter_map(|f| plan.sources.iter().position(|s| s.id == f.source))
        .collect();
    sources_read.sort_unstable();
    sources_read.dedup();
    Ok(Results {
        rows,
        windows: Default::default(),
        lists: Vec::new(),
        categories,
        file_money: file_money(plan, data)?,
        sources_read,
    })
}

/// The rows of every distribution table, by sheet name ([`category_levels`]).
fn category_rows(
    plan: &Plan,
    data: &Ingested,
) -> Result<HashMap<String, Vec<LevelRow>>, ComputeError> {
    let mut out = HashMap::new();
    for sheet in plan.sheets.iter().filter(|s| s.categories.is_some()) {
        let rows = category_levels(plan, sheet, &data.tables, &data.roster)?;
        out.insert(sheet.name.clone(), rows);
    }
    Ok(out)
}

/// The rows of one distribution table over `tables` (this period's, or a window's): for
/// each category, the measures over the rows of the sheet's ledger whose column holds it
/// (the other ledgers empty), as 合计 is computed; the other row takes every row no listed
/// category holds (an empty cell too), so the rows add up to 合计. Empty for a sheet
/// without categories.
pub fn category_levels(
    plan: &Plan,
    sheet: &pipeline::SheetLayout,
    tables: &[DataFrame],
    roster: &Roster,
) -> Result<Vec<LevelRow>, ComputeError> {
    let Some(categories) = &sheet.categories else {
        return Ok(Vec::new());
    };
    let source = &plan.sources[categories.source];
    let fail = |error| ComputeError {
        measures: format!("“{}”分类", categories.column),
        source_id: source.id.clone(),
        error,
    };
    let table = &tables[categories.source];
    let column = table
        .column(&categories.column)
        .map_err(fail)?
        .str()
        .map_err(fail)?
        .clone();
    let listed: Vec<&str> = categories
        .values
        .iter()
        .map(String::as_str)
        .filter(|v| *v != categories.other)
        .collect();
    let mut labels: Vec<&str> = categories.values.iter().map(String::as_str).collect();
    if !labels.contains(&categories.other.as_str()) {
        labels.push(&categories.other);
    }
    let mut rows = Vec::new();
    for label in labels {
        let mask: BooleanChunked = column
            .iter()
            .map(|v| {
                Some(match v {
                    _ if label == categories.other => v.is_none_or(|v| !listed.contains(&v)),
                    Some(v) => v == label,
                    None => false,
                })
            })
            .collect();
        // Only the sheet's ledger is read (the other tables are never touched).
        let mut only: Vec<DataFrame> = vec![DataFrame::empty(); plan.sources.len()];
        only[categories.source] = table.filter(&mask).map_err(fail)?;
        let scope = Scope::TotalOf(categories.source);
        let values = measure_values(plan, &only, roster, scope)?;
        let mut measures = complete(plan, values.total);
        // A roster constant (a township's target) has no share in a category.
        for c in &plan.constants {
            measures.insert(c.name.clone(), None);
        }
        let every_source = (0..plan.sources.len()).collect();
        let mut row = level_row(plan, None, None, label.to_string(), every_source, measures);
        row.category = Some(label.to_string());
        row.breakdown = Some(sheet.name.clone());
        rows.push(row);
    }
    Ok(rows)
}

/// Every level — 合计 first, then each roster submitter — over `tables` alone: the figures
/// of a window over stored periods, where nobody's submission is judged (all `submitted`).
pub fn levels(
    plan: &Plan,
    tables: &[DataFrame],
    roster: &Roster,
) -> Result<Vec<LevelRow>, ComputeError> {
    let values = measure_values(plan, tables, roster, Scope::Levels)?;
    Ok(level_rows(plan, roster, values, |_| {
        (0..plan.sources.len()).collect()
    }))
}

/// The rows of every level from the measures' values: 合计, the subtotals, each submitter;
/// roster constants added in (a submitter's own, summed for 合计 and subtotals) and the
/// indicators computed at each level.
fn level_rows(
    plan: &Plan,
    roster: &Roster,
    mut values: LevelValues,
    sent: impl Fn(&str) -> Vec<usize>,
) -> Vec<LevelRow> {
    let every_source: Vec<usize> = (0..plan.sources.len()).collect();
    let constants = |members: &mut dyn Iterator<Item = &ingest::roster::Submitter>| {
        let mut sums: MeasureValues = plan
            .constants
            .iter()
            .map(|c| (c.name.clone(), Some(0.0)))
            .collect();
        for s in members {
            for c in &plan.constants {
                if let (Some(Some(sum)), Some(v)) =
                    (sums.get_mut(&c.name), s.constants.get(&c.name))
                {
                    *sum += v;
                }
            }
        }
        sums
    };
    let with = |mut measures: MeasureValues, extra: MeasureValues| {
        measures.extend(extra);
        measures
    };
    let total = with(
        complete(plan, values.total),
        constants(&mut roster.submitters.iter()),
    );
    let mut rows = vec![level_row(
        plan,
        None,
        None,
        "合计".into(),
        every_source.clone(),
        total,
    )];
    for (kind, measures) in values.subtotals {
        let members = constants(&mut roster.submitters.iter().filter(|s| s.kind == kind));
        let measures = with(complete(plan, measures), members);
        let name = subtotal_name(&kind);
        rows.push(level_row(
            plan,
            None,
            Some(kind),
            name,
            every_source.clone(),
            measures,
        ));
    }
    for s in &roster.submitters {
        let own = with(
            complete(
                plan,
                values.per_submitter.remove(&s.code).unwrap_or_default(),
            ),
            constants(&mut std::iter::once(s)),
        );
        rows.push(level_row(
            plan,
            Some(s.code.clone()),
            None,
            s.name.clone(),
            sent(&s.code),
            own,
        ));
    }
    rows
}

/// Every measure given a value: nothing to count or add up is zero; an average of nothing
/// is unknown.
fn complete(plan: &Plan, mut measures: MeasureValues) -> MeasureValues {
    for m in &plan.measures {
        let value = measures.get(&m.name).copied().flatten();
        let empty = match m.kind {
            ValueKind::Count | ValueKind::Money => Some(0.0),
            ValueKind::Number => None,
        };
        measures.insert(m.name.clone(), value.or(empty));
    }
    measures
}

/// Measure values per submitter code and for 合计, over `tables` (one per source, in plan
/// order, `_submitter` indexing `roster`).
type MeasureValues = HashMap<String, Option<f64>>;

/// The measures' values at each level, before indicators.
struct LevelValues {
    per_submitter: HashMap<String, MeasureValues>,
    /// Per roster kind, in [`subtotal_kinds`]'s order.
    subtotals: Vec<(String, MeasureValues)>,
    total: MeasureValues,
}

/// What [`measure_values`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Every level: 合计, the subtotals, each submitter.
    Levels,
    /// 合计 of one source's measures alone (a category row of a distribution table).
    TotalOf(usize),
}

fn measure_values(
    plan: &Plan,
    tables: &[DataFrame],
    roster: &Roster,
    scope: Scope,
) -> Result<LevelValues, ComputeError> {
    let kinds = match scope {
        Scope::Levels => subtotal_kinds(plan, roster),
        Scope::TotalOf(_) => Vec::new(),
    };
    // Each kind's submitters, as `_submitter` indices.
    let kind_members: Vec<Vec<u32>> = kinds
        .iter()
        .map(|kind| {
            (0..roster.submitters.len() as u32)
                .filter(|&i| roster.submitters[i as usize].kind == *kind)
                .collect()
        })
        .collect();
    let mut subtotals: Vec<MeasureValues> = vec![HashMap::new(); kinds.len()];
    // Measures that share a source and a filter are computed in one pass.
    let mut groups: BTreeMap<(usize, Option<&str>), Vec<usize>> = BTreeMap::new();
    for (i, m) in plan.measures.iter().enumerate() {
        groups
            .entry((m.source, m.filter.as_deref()))
            .or_default()
            .push(i);
    }
    let mut per_submitter: HashMap<String, HashMap<String, Option<f64>>> = HashMap::new();
    let mut total: HashMap<String, Option<f64>> = HashMap::new();
    for ((source, filter), members) in groups {
        if matches!(scope, Scope::TotalOf(only) if only != source) {
            continue;
        }
        let fail = |error: PolarsError| ComputeError {
            measures: members
                .iter()
                .map(|&i| plan.measures[i].name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            source_id: plan.sources[source].id.clone(),
            error,
        };
        let chosen: Vec<&pipeline::Measure> = members.iter().map(|&i| &plan.measures[i]).collect();
        let query = MeasureQuery::new(filter, &chosen).map_err(fail)?;
        let table = &tables[source];
        let overall = query.over(table.clone().lazy()).collect().map_err(fail)?;
        // A subtotal is computed over its submitters' rows, as 合计 over all rows: a
        // distinct count or an average is not the sum of the townships' figures.
        let mut per_kind: Vec<DataFrame> = Vec::with_capacity(kinds.len());
        if !kinds.is_empty() {
            let submitters = table
                .column(SUBMITTER_COLUMN)
                .map_err(fail)?
                .u32()
                .map_err(fail)?;
            for ids in &kind_members {
                let mask: BooleanChunked = submitters
                    .iter()
                    .map(|s| Some(s.is_some_and(|s| ids.contains(&s))))
                    .collect();
                let rows = table.filter(&mask).map_err(fail)?;
                per_kind.push(query.over(rows.lazy()).collect().map_err(fail)?);
            }
        }
        let by_submitter = if scope != Scope::Levels {
            DataFrame::empty()
        } else if plan.sources[source].submitter == SubmitterFrom::Column {
            // A submitter column: rows of many submitters are mixed within a file.
            query
                .by_submitter(table.clone().lazy())
                .collect()
                .map_err(fail)?
        } else {
            by_submitter_pieces(&query, table).map_err(fail)?
        };
        let codes = match by_submitter.height() {
            0 => UInt32Chunked::default(),
            _ => by_submitter
                .column(SUBMITTER_COLUMN)
                .map_err(fail)?
                .u32()
                .map_err(fail)?
                .clone(),
        };
        for &i in &members {
            let name = plan.measures[i].name.as_str();
            let values = match by_submitter.height() {
                0 => Vec::new(),
                _ => numbers(&by_submitter, name).map_err(fail)?,
            };
            for (code, value) in roster.codes_of(&codes).zip(values) {
                if let Some(code) = code {
                    per_submitter
                        .entry(code.to_string())
                        .or_default()
                        .insert(name.to_string(), value);
                }
            }
            let first = |frame: &DataFrame| -> Result<Option<f64>, ComputeError> {
                Ok(numbers(frame, name)
                    .map_err(fail)?
                    .into_iter()
                    .next()
                    .flatten())
            };
            total.insert(name.to_string(), first(&overall)?);
            for (k, frame) in per_kind.iter().enumerate() {
                subtotals[k].insert(name.to_string(), first(frame)?);
            }
        }
    }

    Ok(LevelValues {
        per_submitter,
        subtotals: kinds.into_iter().zip(subtotals).collect(),
        total,
    })
}

/// The measures of each submitter when every file has one submitter: each submitter's rows
/// are a few pieces of the table, queried where they lie (one row per submitter, with
/// `_submitter`). Grouping would make polars join every piece of each column it reads into
/// one copy first (+400 MB at 10M rows, measured).
fn by_submitter_pieces(query: &MeasureQuery, table: &DataFrame) -> PolarsResult<DataFrame> {
    // One task per thread, each taking its share of submitters in turn: polars runs a query
    // on its own pool, and a rayon thread waiting for it takes another task meanwhile, so
    // one task per submitter would nest a wait per submitter on the stack (2,000
    // submitters overflowed it).
    let runs = submitter_runs(table)?;
    let share = runs.len().div_ceil(rayon::current_num_threads()).max(1);
    let parts = runs
        .par_chunks(share)
        .map(|share| {
            share
                .iter()
                .map(|(submitter, runs)| {
                    let rows = rows_of(table, runs)?;
                    let mut one = query.over(rows.lazy()).collect()?;
                    one.with_column(Column::new(SUBMITTER_COLUMN.into(), [*submitter]))?;
                    Ok(one)
                })
                .collect::<PolarsResult<Vec<DataFrame>>>()
        })
        .collect::<PolarsResult<Vec<Vec<DataFrame>>>>()?;
    let mut parts = parts.into_iter().flatten();
    let mut all = parts.next().unwrap_or_default();
    for part in parts {
        all.vstack_mut_owned(part)?;
    }
    Ok(all)
}

fn file_money(plan: &Plan, data: &Ingested) -> Result<FileMoney, ComputeError> {
    let mut columns: Vec<String> = Vec::new();
    for source in &plan.sources {
        for c in source
            .columns
            .iter()
            .filter(|c| c.kind == ColumnType::Money)
        {
            if !columns.contains(&c.name) {
                columns.push(c.name.clone());
            }
        }
    }
    let mut fen = vec![vec![None; columns.len()]; data.files.len()];
    for (si, source) in plan.sources.iter().enumerate() {
        let money: Vec<&str> = source
            .columns
            .iter()
            .filter(|c| c.kind == ColumnType::Money)
            .map(|c| c.name.as_str())
            .collect();
        if money.is_empty() {
            continue;
        }
        let slots: Vec<usize> = money
            .iter()
            .map(|m| {
                columns
                    .iter()
                    .position(|c| c == m)
                    .expect("collected above")
            })
            .collect();
        for (file, report) in data.files.iter().enumerate() {
            if report.source == source.id {
                for &k in &slots {
                    fen[file][k] = Some(0);
                }
            }
        }
        let fail = |error| ComputeError {
            measures: "各文件采用行金额".into(),
            source_id: source.id.clone(),
            error,
        };
        // One pass over the rows where they lie, summed exactly (i128): a polars group-by
        // would first join the table's pieces into one copy of each column it reads.
        let table = &data.tables[si];
        let files = table
            .column(FILE_COLUMN)
            .map_err(fail)?
            .u32()
            .map_err(fail)?;
        for (&name, &k) in money.iter().zip(&slots) {
            let values = table.column(name).map_err(fail)?.i64().map_err(fail)?;
            let mut sums = vec![0i128; data.files.len()];
            for (file, value) in files.iter().zip(values.iter()) {
                if let (Some(file), Some(value)) = (file, value) {
                    sums[file as usize] += value as i128;
                }
            }
            for (file, report) in data.files.iter().enumerate() {
                if report.source == source.id {
                    // Past i64 (only cells near `cell::parse_money_fen`'s bound add up to
                    // that) the sum is capped, never wrapped round to a wrong figure.
                    fen[file][k] = Some(i64::try_from(sums[file]).unwrap_or(i64::MAX));
                }
            }
        }
    }
    Ok(FileMoney { columns, fen })
}

fn level_row(
    plan: &Plan,
    code: Option<String>,
    subtotal: Option<String>,
    name: String,
    sent: Vec<usize>,
    measures: HashMap<String, Option<f64>>,
) -> LevelRow {
    // In plan order: an indicator may use the indicators before it.
    let mut indicators: HashMap<String, Option<f64>> = HashMap::new();
    for ind in &plan.indicators {
        let value = ind.expr.eval(&|m| match measures.get(m) {
            Some(value) => *value,
            None => indicators.get(m).copied().flatten(),
        });
        indicators.insert(ind.name.clone(), value.filter(|v| v.is_finite()));
    }
    LevelRow {
        code,
        subtotal,
        category: None,
        breakdown: None,
        name,
        submitted: !sent.is_empty(),
        sent,
        measures,
        indicators,
    }
}

/// A measure column as f64. Integer fen totals are exact in f64 up to 2^53 fen (about 90
/// trillion 元), far beyond any district's figures.
fn numbers(frame: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 锦华 4 cases (1 closed), 沙河 1 case (closed), 柳城 sent nothing.
    fn district() -> fixture::District {
        let jinhua = "案件编号,受理日期,办理状态,追发工资\nA1,2024-01-05,已结案,100.10\nA2,2024-02-05,办理中,\nA3,2024-03-05,办理中,\nA4,2024-04-05,办理中,\n";
        let shahe = "案件编号,受理日期,办理状态,追发工资\nB1,2024-05-05,已结案,0.20\n";
        fixture::district(
            [Some(jinhua), Some(shahe), None],
            r#"[[report.sheets]]
name = "案件"
title = "{year}年案件"
subtotals = "kind"
columns = [
  { header = ["受理"], value = "accepted" },
  { header = ["结案率"], value = "closure_rate" },
  { header = ["追发工资"], value = "recovered", display = "元" },
]
"#,
        )
    }

    fn figure(row: &LevelRow, name: &str) -> Option<f64> {
        row.measures
            .get(name)
            .or_else(|| row.indicators.get(name))
            .copied()
            .flatten()
    }

    #[test]
    fn a_rate_at_every_level_is_recomputed_from_its_own_totals_never_averaged() {
        let d = district();
        let results = compute(&d.plan, &d.data).unwrap();
        let total = results.total();
        // 2 closed of 5: 40 %. The mean of the townships' rates (25 % and 100 %) is 62.5 %.
        assert_eq!(figure(total, "accepted"), Some(5.0));
        assert_eq!(figure(total, "closure_rate"), Some(0.4));
        let streets = results
            .rows
            .iter()
            .find(|r| r.subtotal.as_deref() == Some("街道"))
            .expect("a 街道 subtotal");
        assert_eq!(figure(streets, "closure_rate"), Some(0.4));
        let jinhua = results.submitter("510199001").unwrap();
        assert_eq!(figure(jinhua, "closure_rate"), Some(0.25));
    }

    #[test]
    fn money_is_summed_exactly_in_fen_and_a_township_that_sent_nothing_is_marked() {
        let d = district();
        let results = compute(&d.plan, &d.data).unwrap();
        // 100.10 元 + 0.20 元 = 10,030 fen exactly (as floats of 元 the sum is 100.30000000000001).
        assert_eq!(figure(results.total(), "recovered"), Some(10_030.0));
        let liucheng = results.submitter("510199101").unwrap();
        assert!(!liucheng.submitted);
        assert!(!liucheng.sent_any(&[0]));
        // A rate over nothing is no figure ("—"), not 0 %.
        assert_eq!(figure(liucheng, "closure_rate"), None);
    }
}
