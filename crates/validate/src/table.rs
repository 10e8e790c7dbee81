//! Rules that need a whole table (every file of a source, or another source): `unique`
//! within a submitter or across all of them, `check` (a SQL condition per row, evaluated by
//! polars), and `reference` (the value must exist in another source). Rows breaking an
//! error rule are removed from the table and counted as rejected in their file's account.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

/// A map with polars' fast hasher (foldhash): keys here are the user's own values, and a
/// million of them hashed with SipHash cost more than the rule itself (measured).
type FastMap<K, V> = HashMap<K, V, polars::prelude::PlRandomState>;

use polars::prelude::*;
use polars::sql::sql_expr;
use rayon::prelude::*;

use super::ValidateError;
use finding::{collapse_systemic, Finding, Severity};
use ingest::{
    submitter_runs, FileReport, Ingested, Roster, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN,
};
use pipeline::spec::UniqueScope;
use pipeline::{Column, ColumnType, Plan, Rule, RuleKind, Source};
use rules::cell::fill_template;

/// Where each row of a table came from: the table's own provenance columns, looked up row
/// by row only for the rows a rule names. Never copied into per-row vectors: at province
/// scale (10M rows) those cost more memory than the rules need (measured).
struct Provenance<'a> {
    files: U32Lookup<'a>,
    rows: U32Lookup<'a>,
    submitters: U32Lookup<'a>,
    roster: &'a Roster,
}

/// Row `i` of a UInt32 column held in many pieces (one per file), found by binary search
/// over the pieces' starts: a rule failing on every row of a 10M-row table must not scan
/// the pieces for each row.
struct U32Lookup<'a> {
    starts: Vec<usize>,
    pieces: Vec<&'a <UInt32Type as PolarsDataType>::Array>,
}

impl<'a> U32Lookup<'a> {
    fn of(column: &'a UInt32Chunked) -> Self {
        let pieces: Vec<_> = column.downcast_iter().collect();
        let mut start = 0;
        let starts = pieces
            .iter()
            .map(|p| {
                let at = start;
                start += p.len();
                at
            })
            .collect();
        U32Lookup { starts, pieces }
    }

    fn get(&self, i: usize) -> Option<u32> {
        let piece = self.starts.partition_point(|&s| s <= i).checked_sub(1)?;
        self.pieces[piece].get(i - self.starts[piece])
    }
}

impl<'a> Provenance<'a> {
    fn of(frame: &'a DataFrame, roster: &'a Roster) -> PolarsResult<Provenance<'a>> {
        Ok(Provenance {
            files: U32Lookup::of(frame.column(FILE_COLUMN)?.u32()?),
            rows: U32Lookup::of(frame.column(ROW_COLUMN)?.u32()?),
            submitters: U32Lookup::of(frame.column(SUBMITTER_COLUMN)?.u32()?),
            roster,
        })
    }

    fn file(&self, i: usize) -> usize {
        self.files.get(i).unwrap_or(0) as usize
    }

    fn row(&self, i: usize) -> u32 {
        self.rows.get(i).unwrap_or(0)
    }

    fn submitter(&self, i: usize) -> Option<&'a str> {
        let index = self.submitters.get(i)?;
        Some(self.roster.submitters.get(index as usize)?.code.as_str())
    }

    /// `投诉举报案件台账.xlsx 第12行` for messages naming another occurrence.
    fn place(&self, files: &[FileReport], i: usize) -> String {
        let file = &files[self.file(i)];
        format!("{} 第{}行", file.label.display(), self.row(i))
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
        let provenance = Provenance::of(frame, &data.roster).map_err(fail(rules[0]))?;
        let mut exclude = vec![false; frame.height()];
        let mut found = Vec::new();
        for rule in &rules {
            let broken = match &rule.kind {
                RuleKind::Unique(scope) => {
                    let column = [rule.column.expect("unique rules name a column")];
                    repeated(
                        source,
                        rule,
                        &column,
                        *scope,
                        frame,
                        &provenance,
                        &data.files,
                    )
                }
                RuleKind::Key(columns) => repeated(
                    source,
                    rule,
                    columns,
                    UniqueScope::Submitter,
                    frame,
                    &provenance,
                    &data.files,
                ),
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
            // A check over columns a file lacks cannot be made on its rows (its findings say
            // so, 无法进行): it is not made there, rather than failing every row on blanks.
            let lacks = |i: usize| match &rule.kind {
                RuleKind::Check { columns, .. } => {
                    let file = &data.files[provenance.file(i)];
                    columns.iter().any(|&c| {
                        source.columns[c].working_days.is_none()
                            && file.columns.get(c).copied().flatten().is_none()
                    })
                }
                _ => false,
            };
            for (i, column, value, message) in broken.into_iter().filter(|b| !lacks(b.0)) {
                if rule.severity == Severity::Error {
                    exclude[i] = true;
                }
                let file = &data.files[provenance.file(i)];
                let sheet_column = column.and_then(|c| file.columns.get(c).copied().flatten());
                found.push(
                    Finding::file(rule.severity, file.label.clone(), &rule.name, message)
                        .from_submitter(provenance.submitter(i))
                        .in_sheet(file.sheet.as_deref())
                        .at_row_cell(provenance.row(i).saturating_sub(1), sheet_column)
                        .in_column(column.map(|c| source.columns[c].name.as_str()))
                        .with_value(Some(value)),
                );
            }
        }
        // Rows checked per file: the base a systemic finding is measured against.
        let checked: std::collections::HashMap<&std::path::Path, usize> = data
            .files
            .iter()
            .map(|f| (f.label.as_path(), f.counts.used))
            .collect();
        let found = collapse_systemic(found, &|f| checked.get(f.file.as_path()).copied());
        data.findings.extend(found);
        if exclude.iter().any(|&e| e) {
            for (i, _) in exclude.iter().enumerate().filter(|(_, &e)| e) {
                let file = &mut data.files[provenance.file(i)];
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

/// The rule's own message, or the default, with `{value}` and `{column}` filled in.
fn message_of(rule: &Rule, default: &str, column: &str, value: &str) -> String {
    fill_template(rule.message.as_deref(), default, column, value, "", "")
}

/// A column as text keys for comparing values (unique, reference). Money stays in fen and
/// dates in ISO form, which compare the same as what the user wrote; use [`shown`] for display.
fn keys(frame: &DataFrame, column: &Column) -> PolarsResult<polars::prelude::Column> {
    frame.column(&column.name)?.cast(&DataType::String)
}

/// The values that identify each row: the column's own text keys, or for several columns
/// their keys joined (empty when any part is).
fn composite_keys(
    frame: &DataFrame,
    source: &Source,
    columns: &[usize],
) -> PolarsResult<StringChunked> {
    let casts = columns
        .iter()
        .map(|&c| keys(frame, &source.columns[c]))
        .collect::<PolarsResult<Vec<_>>>()?;
    if let [one] = casts.as_slice() {
        return Ok(one.str()?.clone());
    }
    let parts = casts
        .iter()
        .map(|c| Ok(c.str()?.iter().collect::<Vec<_>>()))
        .collect::<PolarsResult<Vec<Vec<Option<&str>>>>>()?;
    Ok(StringChunked::from_iter_options(
        PlSmallStr::from_static("key"),
        (0..frame.height()).map(|i| {
            let mut key = String::new();
            for part in &parts {
                key.push_str(part[i]?);
                // A separator no cell holds: 1-23 and 12-3 stay apart.
                key.push('\u{1f}');
            }
            Some(key)
        }),
    ))
}

/// The values of `rows` in a column as a user would write them (money in 元, dates ISO).
/// Only rows that broke a rule are formatted: formatting a whole column would copy it.
fn shown(frame: &DataFrame, column: &Column, rows: &[usize]) -> PolarsResult<Vec<String>> {
    let index = IdxCa::from_vec(
        PlSmallStr::EMPTY,
        rows.iter().map(|&i| i as IdxSize).collect(),
    );
    let series = frame.column(&column.name)?.take(&index)?;
    Ok(match column.kind {
        ColumnType::Money => series
            .i64()?
            .iter()
            .map(|v| v.map(|fen| format!("{:.2}", fen as f64 / 100.0)))
            .map(Option::unwrap_or_default)
            .collect(),
        _ => series
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect(),
    })
}

/// `unique` and the business key: the rows of a group (all rows, or each submitter's) whose
/// values in `columns`, all of them together, repeat. Every row of a repeat is broken,
/// naming up to three others.
fn repeated(
    source: &Source,
    rule: &Rule,
    columns: &[usize],
    scope: UniqueScope,
    frame: &DataFrame,
    provenance: &Provenance,
    files: &[FileReport],
) -> PolarsResult<Vec<Broken>> {
    let keys = composite_keys(frame, source, columns)?;
    let keys = &keys;
    // The rows each scope compares among: all of them, or each submitter's.
    let groups: Vec<Vec<std::ops::Range<usize>>> = match scope {
        UniqueScope::All => vec![vec![0..keys.len()]],
        UniqueScope::Submitter => submitter_runs(frame)?
            .into_iter()
            .map(|(_, runs)| runs)
            .collect(),
    };
    // Each group on its own thread, reading its runs of the column in place. First
    // occurrence of each value; a list is made only when a value repeats, so a clean column
    // of a million values allocates one map per group, not a million lists.
    let repeats: Vec<Vec<usize>> = groups
        .par_iter()
        .flat_map_iter(|runs| {
            let size = runs.iter().map(|r| r.len()).sum();
            let slices: Vec<(usize, StringChunked)> = runs
                .iter()
                .map(|r| (r.start, keys.slice(r.start as i64, r.len())))
                .collect();
            let mut first: FastMap<&str, usize> =
                FastMap::with_capacity_and_hasher(size, Default::default());
            let mut repeats: FastMap<usize, Vec<usize>> = FastMap::default();
            let rows = slices.iter().flat_map(|(start, slice)| {
                slice.iter().enumerate().map(move |(k, v)| (start + k, v))
            });
            for (i, key) in rows {
                let Some(key) = key else { continue };
                match first.entry(key) {
                    Entry::Occupied(seen) => repeats
                        .entry(*seen.get())
                        .or_insert_with(|| vec![*seen.get()])
                        .push(i),
                    Entry::Vacant(slot) => {
                        slot.insert(i);
                    }
                }
            }
            repeats.into_values()
        })
        .collect();
    let mut broken = Vec::new();
    let first = &source.columns[columns[0]];
    let is_key = matches!(rule.kind, RuleKind::Key(_));
    for rows in repeats {
        let values: Vec<Vec<String>> = columns
            .iter()
            .map(|&c| shown(frame, &source.columns[c], &rows))
            .collect::<PolarsResult<_>>()?;
        for (k, &i) in rows.iter().enumerate() {
            let value = match columns {
                [_] => values[0][k].clone(),
                _ => columns
                    .iter()
                    .zip(&values)
                    .map(|(&c, v)| format!("{}={}", source.columns[c].name, v[k]))
                    .collect::<Vec<_>>()
                    .join("，"),
            };
            let others: Vec<String> = rows
                .iter()
                .filter(|&&j| j != i)
                .take(3)
                .map(|&j| {
                    let who = provenance.submitter(j).unwrap_or("");
                    format!("{who} {}", provenance.place(files, j))
                })
                .collect();
            let default = match is_key {
                true => format!(
                    "{}“{value}”重复，也出现在：{}；一条记录只应报一次，请删去重复的行或改正编号",
                    rule.name,
                    others.join("；")
                ),
                false => format!(
                    "“{}”的值“{value}”重复，也出现在：{}",
                    first.name,
                    others.join("；")
                ),
            };
            let message = message_of(rule, &default, &first.name, &value);
            broken.push((i, Some(columns[0]), value, message));
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
    // A null outcome (a value missing) is not a violation: `required` covers missing values.
    let failed: Vec<usize> = outcome
        .column("__ok")?
        .bool()?
        .iter()
        .enumerate()
        .filter(|(_, ok)| *ok == Some(false))
        .map(|(i, _)| i)
        .collect();
    if failed.is_empty() {
        return Ok(Vec::new());
    }
    let values: Vec<Vec<String>> = columns
        .iter()
        .map(|&c| shown(frame, &source.columns[c], &failed))
        .collect::<PolarsResult<_>>()?;
    let name = columns
        .first()
        .map(|&c| source.columns[c].name.as_str())
        .unwrap_or("");
    let broken = failed
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let value = columns
                .iter()
                .zip(&values)
                .map(|(&c, v)| format!("{}={}", source.columns[c].name, v[k]))
                .collect::<Vec<_>>()
                .join("，");
            let default = format!("不满足校验条件“{sql}”（{value}）");
            let message = message_of(rule, &default, name, &value);
            (i, columns.first().copied(), value, message)
        })
        .collect();
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
    let other_keys = keys(other_frame, &other.columns[other_column])?;
    let known: HashSet<&str> = other_keys.str()?.iter().flatten().collect();
    let own_keys = keys(frame, column)?;
    let missing: Vec<usize> = own_keys
        .str()?
        .iter()
        .enumerate()
        .filter(|(_, key)| key.is_some_and(|k| !known.contains(k)))
        .map(|(i, _)| i)
        .collect();
    let values = shown(frame, column, &missing)?;
    let broken = missing
        .into_iter()
        .zip(values)
        .map(|(i, value)| {
            let default = format!(
                "“{}”的值“{value}”在{}的“{}”中不存在",
                column.name, other.title, other.columns[other_column].name
            );
            let message = message_of(rule, &default, &column.name, &value);
            (i, Some(ci), value, message)
        })
        .collect();
    Ok(broken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_key_sent_by_two_townships_is_an_error_at_both_rows_and_both_rows_leave() {
        let csv = |id: &str| {
            format!("案件编号,受理日期,办理状态\n{id},2024-01-05,已结案\nX9,2024-02-05,办理中\n")
        };
        let (jinhua, shahe) = (csv("A1"), csv("A2"));
        let mut d = fixture::district(
            [Some(&jinhua), Some(&shahe), None],
            r#"[[sources.cases.rules]]
name = "案件编号唯一"
column = "案件编号"
unique = "all"
"#,
        );
        let before = d.data.tables[0].height();
        validate_tables(&d.plan, &mut d.data).unwrap();
        let duplicates: Vec<&Finding> = d
            .data
            .findings
            .iter()
            .filter(|f| f.rule == "案件编号唯一")
            .collect();
        // X9 twice: one finding per occurrence, each at its own file and A1 cell (row 3).
        assert_eq!(duplicates.len(), 2, "{duplicates:#?}");
        for f in &duplicates {
            assert_eq!(f.severity, Severity::Error);
            assert_eq!(f.cell.as_deref(), Some("A3"));
            assert_eq!(f.value.as_deref(), Some("X9"));
        }
        let files: std::collections::BTreeSet<_> =
            duplicates.iter().map(|f| &f.submitter).collect();
        assert_eq!(files.len(), 2, "one finding in each township's file");
        // Error rows are out of every figure; the other rows stay.
        assert_eq!(d.data.tables[0].height(), before - 2);
    }
}
