//! Carry-over against what was published: a stock at the period's start (上期末未结, a
//! measure with `carry_over = "open_at_end"`) must equal the stock at the end of the period
//! before as stored then. When recomputing it from this period's files gives another figure
//! — a case closed or reopened after the fact, a record back-dated or withdrawn — that is a
//! warning per township naming the records that moved, by business key.

use std::collections::BTreeSet;

use polars::prelude::*;
use polars::sql::sql_expr;

use compute::Results;
use finding::{Finding, Severity};
use history::{result_column_name, History, HistoryError};
use ingest::{Ingested, SUBMITTER_COLUMN};
use pipeline::{Measure, Overrides, Plan, Source};

/// How many moved records a finding names; the count is always whole.
const NAMED: usize = 10;
const RULE: &str = "上期结转核对";

#[derive(Debug, thiserror::Error)]
pub enum CarryOverError {
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error("流水线文件无法按上一报告期编译：{0}")]
    Load(#[from] pipeline::LoadError),
    #[error("结转指标“{measure}”的核对在所读数据上出错；请报告给维护人员")]
    Query {
        measure: String,
        #[source]
        error: PolarsError,
    },
}

pub fn check_carry_over(
    plan: &Plan,
    data: &Ingested,
    results: &Results,
    history: &dyn History,
) -> Result<Vec<Finding>, CarryOverError> {
    let carried: Vec<&Measure> = plan
        .measures
        .iter()
        .filter(|m| m.carry_over.is_some())
        .collect();
    let previous = plan.period.previous();
    let mut findings = Vec::new();
    if carried.is_empty() {
        return Ok(findings);
    }
    // Nothing stored for the period before: nothing was published to check against.
    let Some(stored) = history.results(&previous)? else {
        return Ok(findings);
    };
    let before_plan = plan.recompile(&Overrides {
        period: Some(previous.to_string()),
        ..plan.overrides.clone()
    })?;
    for measure in carried {
        let end_name = measure.carry_over.as_deref().expect("filtered");
        let fail = |error| CarryOverError::Query {
            measure: measure.name.clone(),
            error,
        };
        let Some(end) = before_plan.measure(end_name) else {
            continue;
        };
        let column = result_column_name(end_name, Some(end.kind));
        let (Ok(codes), Ok(values)) = (stored.column("submitter"), stored.column(&column)) else {
            // Stored by a version of the pipeline without that measure: nothing to compare
            // with, and said, so that no one takes the silence for agreement.
            findings.push(Finding::file(
                Severity::Warning,
                history.results_location(&previous),
                RULE,
                format!(
                    "{previous}已存入的结果中没有“{}”（由另一版本的流水线文件写入），本期的“{}”无法与上期核对",
                    end.label, measure.label
                ),
            ));
            continue;
        };
        let values = values.cast(&DataType::Float64).map_err(fail)?;
        let (codes, values) = (codes.str().map_err(fail)?, values.f64().map_err(fail)?);
        let source = &plan.sources[measure.source];
        let mut before_rows: Option<DataFrame> = None;
        // What was published, per submitter of this period: a code since succeeded counts for
        // its successor (two merged townships' stocks add up). 合计 (no code) is not compared.
        let index_of = data.roster.index_by_code();
        let mut published_by: std::collections::BTreeMap<usize, f64> = Default::default();
        for (code, published) in codes.iter().zip(values.iter()) {
            let (Some(code), Some(published)) = (code, published) else {
                continue;
            };
            match index_of.get(code) {
                Some(&i) => *published_by.entry(i as usize).or_default() += published,
                // An entry of the period before that no submitter of this one succeeds: its
                // stock has nobody to carry over to (the roster says it ended).
                None => continue,
            }
        }
        // At a year's first period, a ledger that restarts each year holds no record dated
        // before it: its stock at the start cannot be counted from it, and no record "moved".
        let year_start = (previous.year != plan.period.year).then(|| plan.period.bounds().0);
        let start_day = year_start.map(ingest::cell::date_to_days);
        let mut restarted: Vec<&str> = Vec::new();
        for (index, published) in published_by {
            let code = data.roster.submitters[index].code.as_str();
            let Some(now) = results
                .submitter(code)
                .and_then(|r| r.measures.get(&measure.name).copied().flatten())
            else {
                continue;
            };
            if (now - published).abs() < 1e-9 * published.abs().max(1.0) {
                continue;
            }
            if let Some(start) = start_day {
                let table = &data.tables[measure.source];
                if !holds_records_before(source, table, index, start).map_err(fail)? {
                    restarted.push(&data.roster.submitters[index].name);
                    continue;
                }
            }
            if before_rows.is_none() {
                before_rows = history
                    .rows(source, &previous, &data.roster)?
                    .map(|stored| stored.frame);
            }
            let keys_now =
                counted_keys(source, &data.tables[measure.source], measure, index).map_err(fail)?;
            let keys_then = match &before_rows {
                Some(rows) => counted_keys(source, rows, end, index).map_err(fail)?,
                None => BTreeSet::new(),
            };
            let message = moved_words(
                (measure, now),
                (end, published, &previous),
                source,
                (&keys_then, &keys_now),
            );
            let file = data
                .files
                .iter()
                .find(|f| f.source == source.id && f.used && f.submitter.as_deref() == Some(code))
                .map(|f| f.label.clone())
                .unwrap_or_else(|| {
                    let name = &data.roster.submitters[index].name;
                    std::path::PathBuf::from(format!("{}（{name}）", source.title))
                });
            findings.push(
                Finding::file(Severity::Warning, file, RULE, message).from_submitter(Some(code)),
            );
        }
        if !restarted.is_empty() {
            findings.push(Finding::file(
                Severity::Warning,
                std::path::PathBuf::from(&source.title),
                RULE,
                format!(
                    "{}个单位本期的{}中没有{}之前的记录（台账按年重新开始），“{}”无法由本期报送算出，未与{}存入的“{}”核对：{}。如果台账本应包含往年未结的记录，请核实是否漏报",
                    restarted.len(),
                    source.title,
                    year_start.map(|d| d.format("%Y年%-m月%-d日").to_string()).unwrap_or_default(),
                    measure.label,
                    previous,
                    end.label,
                    restarted.join("、")
                ),
            ));
        }
    }
    Ok(findings)
}

/// Whether a submitter's rows hold a record with any date before `start` (a ledger that
/// restarts each year holds none at the year's first period). True when the ledger has no
/// date column: nothing tells, and the check is made as for any period.
fn holds_records_before(
    source: &Source,
    table: &DataFrame,
    submitter: usize,
    start: i32,
) -> PolarsResult<bool> {
    let dates: Vec<&str> = source
        .columns
        .iter()
        .filter(|c| c.kind == pipeline::ColumnType::Date)
        .map(|c| c.name.as_str())
        .collect();
    if dates.is_empty() {
        return Ok(true);
    }
    let submitters = table.column(SUBMITTER_COLUMN)?.u32()?;
    for name in dates {
        let days = table.column(name)?.cast(&DataType::Int32)?;
        let earlier = days
            .i32()?
            .iter()
            .zip(submitters.iter())
            .any(|(day, who)| who == Some(submitter as u32) && day.is_some_and(|d| d < start));
        if earlier {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The carry-over finding's words: this period's figure and the one stored for the period
/// before, then the records counted in one and not the other, by their business keys.
fn moved_words(
    (measure, now): (&Measure, f64),
    (end, published, previous): (&Measure, f64, &pipeline::Period),
    source: &Source,
    (keys_then, keys_now): (&BTreeSet<String>, &BTreeSet<String>),
) -> String {
    let left: Vec<&String> = keys_then.difference(keys_now).collect();
    let came: Vec<&String> = keys_now.difference(keys_then).collect();
    let mut message = format!(
        "“{}”按本期报送计算为{}，而{}已存入的“{}”为{}",
        measure.label,
        shown(now),
        previous,
        end.label,
        shown(published)
    );
    let key_words = key_words(source);
    if !left.is_empty() {
        message.push_str(&format!(
            "；上期计入、本期未计入的记录{}条（{key_words}）：{}",
            left.len(),
            named(&left)
        ));
    }
    if !came.is_empty() {
        message.push_str(&format!(
            "；本期计入、上期未计入的记录{}条（{key_words}）：{}",
            came.len(),
            named(&came)
        ));
    }
    message.push_str(
        "。多半是上期之后补记了更早的结案日期、案件被重新打开或记录被改动，请核实并视需要重报上期",
    );
    message
}

/// The business keys of one submitter's rows a measure counts (its filter, placeholders
/// filled for its own period).
fn counted_keys(
    source: &Source,
    table: &DataFrame,
    measure: &Measure,
    submitter: usize,
) -> PolarsResult<BTreeSet<String>> {
    let key: Vec<&str> = source
        .business_key()
        .into_iter()
        .map(|k| source.columns[k].name.as_str())
        .collect();
    let mut rows = table
        .clone()
        .lazy()
        .filter(col(SUBMITTER_COLUMN).eq(lit(submitter as u32)));
    if let Some(filter) = &measure.filter {
        rows = rows.filter(sql_expr(filter)?);
    }
    let columns: Vec<Expr> = match key.is_empty() {
        true => vec![col(ingest::ROW_COLUMN)],
        false => key.iter().map(|k| col(*k)).collect(),
    };
    let frame = rows.select(columns).collect()?;
    let mut keys = BTreeSet::new();
    for i in 0..frame.height() {
        let cells: Vec<String> = frame
            .columns()
            .iter()
            .map(|c| match c.get(i) {
                Ok(AnyValue::String(s)) => s.to_string(),
                Ok(AnyValue::Null) | Err(_) => String::new(),
                Ok(value) => value.to_string(),
            })
            .collect();
        keys.insert(cells.join("，"));
    }
    Ok(keys)
}

fn key_words(source: &Source) -> String {
    let key: Vec<&str> = source
        .business_key()
        .into_iter()
        .map(|k| source.columns[k].name.as_str())
        .collect();
    match key.is_empty() {
        true => "行号".into(),
        false => key.join("、"),
    }
}

fn named(keys: &[&String]) -> String {
    let shown: Vec<&str> = keys.iter().take(NAMED).map(|k| k.as_str()).collect();
    match keys.len() > NAMED {
        true => format!("{}…", shown.join("、")),
        false => shown.join("、"),
    }
}

fn shown(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}
