//! Rules that need a whole table (every file of a source, or another source): `unique`
//! within a submitter or across all of them, `check` (a SQL condition per row, evaluated by
//! polars), and `reference` (the value must exist in another source). Rows breaking an
//! error rule are removed from the table and counted as rejected in their file's account.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;
use polars::sql::sql_expr;

use super::cell::fill_template;
use crate::finding::{a1, Finding, Severity};
use crate::ingest::{FileReport, Ingested, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use crate::pipeline::spec::UniqueScope;
use crate::pipeline::{Column, ColumnType, Plan, Rule, RuleKind, Source};

#[derive(Debug, thiserror::Error)]
#[error("validating source `{source_id}` with rule `{rule}`: {error}")]
pub struct ValidateError {
    source_id: String,
    rule: String,
    error: PolarsError,
}

/// Where each row of a table came from.
struct Provenance {
    files: Vec<u32>,
    rows: Vec<u32>,
    submitters: Vec<Option<String>>,
}

impl Provenance {
    fn of(frame: &DataFrame) -> PolarsResult<Provenance> {
        Ok(Provenance {
            files: frame
                .column(FILE_COLUMN)?
                .u32()?
                .iter()
                .map(|v| v.unwrap_or(0))
                .collect(),
            rows: frame
                .column(ROW_COLUMN)?
                .u32()?
                .iter()
                .map(|v| v.unwrap_or(0))
                .collect(),
            submitters: frame
                .column(SUBMITTER_COLUMN)?
                .str()?
                .iter()
                .map(|v| v.map(String::from))
                .collect(),
        })
    }

    /// `投诉举报案件台账.xlsx 第12行` for messages naming another occurrence.
    fn place(&self, files: &[FileReport], i: usize) -> String {
        let file = &files[self.files[i] as usize];
        format!("{} 第{}行", file.label.display(), self.rows[i])
    }
}

/// Applies the table rules of every source; removes rows breaking error rules.
pub fn validate_tables(plan: &Plan, data: &mut Ingested) -> Result<(), ValidateError> {
    for (si, source) in plan.sources.iter().enumerate() {
        let rules: Vec<&Rule> = source
            .rules
            .iter()
            .filter(|r| !r.kind.is_cell_rule())
            .collect();
        if rules.is_empty() || data.tables[si].height() == 0 {
            continue;
        }
        let frame = &data.tables[si];
        let fail = |rule: &Rule| {
            let (id, name) = (source.id.clone(), rule.name.clone());
            move |error| ValidateError {
                source_id: id,
                rule: name,
                error,
            }
        };
        let provenance = Provenance::of(frame).map_err(fail(rules[0]))?;
        let mut exclude = vec![false; frame.height()];
        let mut found = Vec::new();
        for rule in &rules {
            let broken = match &rule.kind {
                RuleKind::Unique(scope) => {
                    unique(source, rule, *scope, frame, &provenance, &data.files)
                }
                RuleKind::Check { sql, columns } => check(source, rule, sql, columns, frame),
                RuleKind::Reference {
                    source: other,
                    column,
                } => reference(
                    source,
                    rule,
                    &plan.sources[*other],
                    *column,
                    frame,
                    &data.tables[*other],
                ),
                _ => Ok(Vec::new()),
            }
            .map_err(fail(rule))?;
            for (i, column, value, message) in broken {
                if rule.severity == Severity::Error {
                    exclude[i] = true;
                }
                let file = &data.files[provenance.files[i] as usize];
                let cell = column
                    .and_then(|c| file.columns.get(c).copied().flatten())
                    .map(|col| a1(provenance.rows[i] - 1, col));
                found.push(Finding {
                    severity: rule.severity,
                    submitter: provenance.submitters[i].clone(),
                    file: file.label.clone(),
                    sheet: file.sheet.clone(),
                    row: Some(provenance.rows[i]),
                    cell,
                    column: column.map(|c| source.columns[c].name.clone()),
                    value: Some(value),
                    rule: rule.name.clone(),
                    message,
                });
            }
        }
        data.findings.extend(found);
        if exclude.iter().any(|&e| e) {
            for (i, _) in exclude.iter().enumerate().filter(|(_, &e)| e) {
                let file = &mut data.files[provenance.files[i] as usize];
                file.counts.used -= 1;
                file.counts.rejected += 1;
                file.used = file.counts.used > 0;
            }
            let keep: BooleanChunked = exclude.iter().map(|&e| Some(!e)).collect();
            data.tables[si] = data.tables[si].filter(&keep).map_err(fail(rules[0]))?;
        }
    }
    Ok(())
}

/// A broken row: row index, column index (for the cell), value shown, message.
type Broken = (usize, Option<usize>, String, String);

/// Values of a column as text, as a user would write them (money in 元, dates ISO).
fn texts(frame: &DataFrame, column: &Column) -> PolarsResult<Vec<Option<String>>> {
    let series = frame.column(&column.name)?;
    Ok(match column.kind {
        ColumnType::Money => series
            .i64()?
            .iter()
            .map(|v| v.map(|fen| format!("{:.2}", fen as f64 / 100.0)))
            .collect(),
        _ => series
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.map(String::from))
            .collect(),
    })
}

fn unique(
    source: &Source,
    rule: &Rule,
    scope: UniqueScope,
    frame: &DataFrame,
    provenance: &Provenance,
    files: &[FileReport],
) -> PolarsResult<Vec<Broken>> {
    let ci = rule.column.expect("unique rules name a column");
    let column = &source.columns[ci];
    let values = texts(frame, column)?;
    let mut seen: HashMap<(Option<&str>, &str), Vec<usize>> = HashMap::new();
    for (i, value) in values.iter().enumerate() {
        let Some(value) = value.as_deref() else {
            continue;
        };
        let submitter = match scope {
            UniqueScope::Submitter => provenance.submitters[i].as_deref(),
            UniqueScope::All => None,
        };
        seen.entry((submitter, value)).or_default().push(i);
    }
    let mut broken = Vec::new();
    for ((_, value), rows) in seen.into_iter().filter(|(_, rows)| rows.len() > 1) {
        for &i in &rows {
            let others: Vec<String> = rows
                .iter()
                .filter(|&&j| j != i)
                .take(3)
                .map(|&j| {
                    let who = provenance.submitters[j].as_deref().unwrap_or("");
                    format!("{who} {}", provenance.place(files, j))
                })
                .collect();
            let default = format!(
                "“{}”的值“{value}”重复，也出现在：{}",
                column.name,
                others.join("；")
            );
            broken.push((
                i,
                Some(ci),
                value.to_string(),
                fill_template(
                    rule.message.as_deref(),
                    &default,
                    &column.name,
                    value,
                    "",
                    "",
                ),
            ));
        }
    }
    broken.sort_by_key(|b| b.0);
    Ok(broken)
}

fn check(
    source: &Source,
    rule: &Rule,
    sql: &str,
    columns: &[usize],
    frame: &DataFrame,
) -> PolarsResult<Vec<Broken>> {
    let outcome = frame
        .clone()
        .lazy()
        .select([sql_expr(sql)?.alias("__ok")])
        .collect()?;
    let ok = outcome.column("__ok")?.bool()?.clone();
    let shown: Vec<Vec<Option<String>>> = columns
        .iter()
        .map(|&c| texts(frame, &source.columns[c]))
        .collect::<PolarsResult<_>>()?;
    let mut broken = Vec::new();
    // A null outcome (a value missing) is not a violation: `required` covers missing values.
    for (i, _) in ok.iter().enumerate().filter(|(_, v)| *v == Some(false)) {
        let values: Vec<String> = columns
            .iter()
            .zip(&shown)
            .map(|(&c, v)| {
                format!(
                    "{}={}",
                    source.columns[c].name,
                    v[i].as_deref().unwrap_or("")
                )
            })
            .collect();
        let value = values.join("，");
        let default = format!("不满足校验条件“{sql}”（{value}）");
        let name = columns
            .first()
            .map(|&c| source.columns[c].name.as_str())
            .unwrap_or("");
        broken.push((
            i,
            columns.first().copied(),
            value.clone(),
            fill_template(rule.message.as_deref(), &default, name, &value, "", ""),
        ));
    }
    Ok(broken)
}

fn reference(
    source: &Source,
    rule: &Rule,
    other: &Source,
    other_column: usize,
    frame: &DataFrame,
    other_frame: &DataFrame,
) -> PolarsResult<Vec<Broken>> {
    let ci = rule.column.expect("reference rules name a column");
    let column = &source.columns[ci];
    let known: HashSet<String> = texts(other_frame, &other.columns[other_column])?
        .into_iter()
        .flatten()
        .collect();
    let mut broken = Vec::new();
    for (i, value) in texts(frame, column)?.into_iter().enumerate() {
        let Some(value) = value else { continue };
        if !known.contains(&value) {
            let default = format!(
                "“{}”的值“{value}”在{}的“{}”中不存在",
                column.name, other.title, other.columns[other_column].name
            );
            broken.push((
                i,
                Some(ci),
                value.clone(),
                fill_template(
                    rule.message.as_deref(),
                    &default,
                    &column.name,
                    &value,
                    "",
                    "",
                ),
            ));
        }
    }
    Ok(broken)
}
