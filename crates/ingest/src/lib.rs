//! Ingest: finds each source's files under the data folder, reads them in parallel (rayon),
//! works out who sent each one, and returns one typed polars frame per source with the
//! provenance of every row, a per-file account of every row, and findings for whatever
//! could not be read. The only stage that opens input files.
//!
//! `workbook`/`csv` open files, `header` finds the table in a form-shaped sheet, `cell`
//! parses values, `extract` builds typed columns, `roster` matches submitters.

pub mod cell;
mod compound;
pub mod csv;
pub mod extract;
pub mod formulas;
pub mod header;
pub mod markup;
mod merged;
pub mod model;
#[cfg(test)]
mod proptests;
pub mod resubmission;
pub mod roster;
pub mod workbook;

use std::path::{Path, PathBuf};

use calamine::{Data, Range};
use polars::prelude::*;
use rayon::prelude::*;

use cell::CellReader;
pub use extract::{RowCounts, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use extract::{SheetContext, SheetExtractor};
use finding::{Finding, Severity};
use header::{find_header, fitting_label, Header, RowClassifier, RowEvidence};
pub use model::*;
use pipeline::evaluate::schema_frame;
use pipeline::{Plan, SheetSelector, Source, SourceKind, SubmitterFrom};
pub use roster::{MatchedBy, Roster};
use workbook::{InputBook, LoadedSheet};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("数据文件夹 {} 不存在（在流水线文件 [pipeline] 的 data 中指定，或用 --data 文件夹）", .0.display())]
    NoDataDir(PathBuf),
    #[error("{0}")]
    Roster(String),
    // polars' own text stays out of the message.
    #[error("台账“{source_id}”的数据表无法生成；请把这一情况连同所读文件报告给维护人员")]
    Polars {
        source_id: String,
        error: PolarsError,
    },
}

/// Every file matched by a source's globs, sorted, without Office lock files (`~$…`).
pub fn discover(plan: &Plan) -> Result<Vec<InputFile>, IngestError> {
    if !plan.data_dir.is_dir() {
        return Err(IngestError::NoDataDir(plan.data_dir.clone()));
    }
    let mut files = Vec::new();
    for (index, source) in plan.sources.iter().enumerate() {
        let mut paths: Vec<PathBuf> = Vec::new();
        for pattern in &source.files {
            let full = plan.data_dir.join(pattern);
            let Ok(found) = glob::glob(&full.to_string_lossy()) else {
                continue; // rejected by `check` already
            };
            paths.extend(found.flatten().filter(|p| p.is_file()));
        }
        paths.sort();
        paths.dedup();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with("~$") || name.starts_with(".~lock") {
                continue;
            }
            let label = path
                .strip_prefix(&plan.data_dir)
                .unwrap_or(&path)
                .to_path_buf();
            files.push(InputFile {
                source: index,
                path,
                label,
            });
        }
    }
    Ok(files)
}

/// Reads every source's files. `on_file` is called as each file finishes (for a progress bar).
/// `files` comes from [`discover`] (the caller sizes its progress bar with it).
pub fn ingest(
    plan: &Plan,
    files: Vec<InputFile>,
    on_file: &(dyn Fn(&Path) + Sync),
) -> Result<Ingested, IngestError> {
    let mut roster = Roster::load(&plan.roster, &plan.period).map_err(IngestError::Roster)?;
    roster
        .read_constants(&plan.constants)
        .map_err(IngestError::Roster)?;
    // A workbook that two sources read (the ledger and its 汇总表) is opened once and each
    // source's sheet read from it.
    let mut by_path: std::collections::BTreeMap<&Path, Vec<usize>> = Default::default();
    for (index, file) in files.iter().enumerate() {
        by_path.entry(file.path.as_path()).or_default().push(index);
    }
    let groups: Vec<Vec<usize>> = by_path.into_values().collect();
    let read: Vec<(usize, FileOutcome)> = groups
        .par_iter()
        .flat_map_iter(|members| {
            let read_group = || {
                let mut book = InputBook::open(&files[members[0]].path, &plan.limits);
                members
                    .iter()
                    .map(|&index| {
                        let file = &files[index];
                        (
                            index,
                            read_file(plan, &roster, index as u32, file, book.as_mut()),
                        )
                    })
                    .collect::<Vec<(usize, FileOutcome)>>()
            };
            let outcomes = isolated(read_group, || {
                members
                    .iter()
                    .map(|&index| (index, reader_crashed(plan, &files[index])))
                    .collect()
            });
            for &index in members {
                on_file(&files[index].path);
            }
            outcomes
        })
        .collect();
    let mut slots: Vec<Option<FileOutcome>> = (0..files.len()).map(|_| None).collect();
    for (index, outcome) in read {
        slots[index] = Some(outcome);
    }
    let mut outcomes: Vec<FileOutcome> = slots.into_iter().flatten().collect();
    let mut findings = Vec::new();
    choose_among_duplicates(plan, &files, &mut outcomes, &mut findings);
    let mut tables: Vec<Option<DataFrame>> = vec![None; plan.sources.len()];
    let mut reports = Vec::with_capacity(outcomes.len());
    let mut unreadable = std::collections::HashSet::new();
    for (read_as, (file, outcome)) in files.iter().zip(outcomes).enumerate() {
        // A file that turned out not to belong to its source leaves no line; the frames of
        // the files after it take their new index in `Ingested::files`.
        if outcome.absent {
            continue;
        }
        let polars_error = |error| IngestError::Polars {
            source_id: plan.sources[file.source].id.clone(),
            error,
        };
        if let Some(mut frame) = outcome.frame {
            let index = reports.len() as u32;
            if index as usize != read_as {
                let height = frame.height();
                frame
                    .with_column(Column::new(FILE_COLUMN.into(), vec![index; height]))
                    .map_err(polars_error)?;
            }
            match &mut tables[file.source] {
                Some(table) => {
                    table.vstack_mut_owned(frame).map_err(polars_error)?;
                }
                slot => *slot = Some(frame),
            }
        }
        reports.push(outcome.report);
        // A file two sources read (a ledger and the 汇总表 in the same workbook) that cannot
        // be opened is one problem, reported once.
        for finding in outcome.findings {
            let whole_file = finding.sheet.is_none() && finding.row.is_none();
            let key = (
                finding.file.clone(),
                finding.rule.clone(),
                finding.message.clone(),
            );
            if !whole_file || unreadable.insert(key) {
                findings.push(finding);
            }
        }
    }
    tell_other_ledgers(plan, &files, &mut findings);

    let tables = tables
        .into_iter()
        .zip(&plan.sources)
        .map(|(table, source)| match table {
            Some(t) => Ok(t),
            None => schema_frame(source, 0).map_err(|error| IngestError::Polars {
                source_id: source.id.clone(),
                error,
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut tables = tables;
    for (si, source) in plan.sources.iter().enumerate() {
        let fail = |error| IngestError::Polars {
            source_id: source.id.clone(),
            error,
        };
        let outside = fill_working_days(plan, si, &mut tables[si]).map_err(fail)?;
        findings.extend(fill_derived(plan, si, &mut tables[si], &reports).map_err(fail)?);
        if let (true, Some(calendar)) = (outside > 0, &plan.calendar) {
            findings.push(Finding::file(
                Severity::Warning,
                calendar.file.clone(),
                "工作日历",
                format!(
                    "{}有{outside}行的日期超出工作日历所列年份，其间的工作日只按周一至周五计（未计法定节假日与调休）；请在工作日历中补充这些年份",
                    source.title
                ),
            ));
        }
    }
    Ok(Ingested {
        roster,
        tables,
        files: reports,
        findings,
    })
}

/// Fills each `derive` column of a source in the rows of the files that lack it, from the
/// expression over their other columns (rows of files that have the column keep what they
/// hold). An enum derived to a value it does not allow is a warning naming the values.
fn fill_derived(
    plan: &Plan,
    si: usize,
    table: &mut DataFrame,
    reports: &[FileReport],
) -> PolarsResult<Vec<Finding>> {
    let source = &plan.sources[si];
    let mut findings = Vec::new();
    for column in &source.columns {
        let Some(sql) = &column.derive else {
            continue;
        };
        let lacking: Vec<bool> = reports
            .iter()
            .map(|r| r.source == source.id && r.derived_columns.contains(&column.name))
            .collect();
        if !lacking.contains(&true) || table.height() == 0 {
            continue;
        }
        let mask = rows_of_files(table, &lacking)?;
        let expr = polars::sql::sql_expr(sql)?.strict_cast(pipeline::evaluate::dtype(column.kind));
        let derived = table
            .clone()
            .lazy()
            .select([expr.alias(column.name.as_str())])
            .collect()?;
        let derived = derived
            .column(&column.name)?
            .as_materialized_series()
            .clone();

        if column.kind == pipeline::ColumnType::Enum {
            let allowed: Vec<&str> = column.values.iter().map(|(v, _)| v.as_str()).collect();
            let mut strangers: Vec<String> = Vec::new();
            for (value, made) in derived.str()?.iter().zip(mask.iter()) {
                if let (Some(v), Some(true)) = (value, made) {
                    if !allowed.contains(&v) && !strangers.iter().any(|s| s == v) {
                        strangers.push(v.to_string());
                    }
                }
            }
            if !strangers.is_empty() {
                findings.push(Finding::file(
                    Severity::Warning,
                    PathBuf::from(&source.title),
                    "推导",
                    format!(
                        "按 derive 推导出的“{}”有不允许的取值：{}（允许：{}）；请核对流水线中该列的 derive",
                        column.name,
                        strangers.join("、"),
                        allowed.join("、")
                    ),
                ));
            }
        }
        replace_in_rows(table, &column.name, &mask, &derived)?;
    }
    // A date a file lacks, taken from the fallback its measures name (said per file).
    let mut pairs: Vec<&(String, String)> = reports
        .iter()
        .filter(|r| r.source == source.id)
        .flat_map(|r| &r.substituted_dates)
        .collect();
    pairs.sort();
    pairs.dedup();
    for (date, fallback) in pairs {
        if table.height() == 0 {
            break;
        }
        let lacking: Vec<bool> = reports
            .iter()
            .map(|r| {
                r.source == source.id
                    && r.substituted_dates
                        .iter()
                        .any(|(d, f)| d == date && f == fallback)
            })
            .collect();
        let mask = rows_of_files(table, &lacking)?;
        let stand_in = table
            .column(fallback)?
            .as_materialized_series()
            .clone()
            .with_name(date.as_str().into());
        replace_in_rows(table, date, &mask, &stand_in)?;
    }
    Ok(findings)
}

/// The rows of the files marked in `files` (by index into the file reports).
fn rows_of_files(table: &DataFrame, files: &[bool]) -> PolarsResult<BooleanChunked> {
    Ok(table
        .column(FILE_COLUMN)?
        .u32()?
        .iter()
        .map(|f| Some(f.is_some_and(|f| files.get(f as usize) == Some(&true))))
        .collect())
}

/// Column `name` takes `with`'s values in the rows `mask` marks, kept in the table's pieces.
fn replace_in_rows(
    table: &mut DataFrame,
    name: &str,
    mask: &BooleanChunked,
    with: &Series,
) -> PolarsResult<()> {
    let original = table.column(name)?.as_materialized_series().clone();
    let merged = original.zip_with(&!mask.clone(), with)?;
    let pieces = chunk_lengths_of(table, FILE_COLUMN)?;
    table.with_column(in_pieces(merged, &pieces)?.into_column())?;
    Ok(())
}

/// The lengths of a table's pieces (one per file), read from one of its columns.
fn chunk_lengths_of(table: &DataFrame, column: &str) -> PolarsResult<Vec<usize>> {
    Ok(table
        .column(column)?
        .as_materialized_series()
        .chunk_lengths()
        .collect())
}

/// `series` cut into pieces of the given lengths: a column of other pieces than the rest of
/// the table would break the frame's alignment.
fn in_pieces(series: Series, pieces: &[usize]) -> PolarsResult<Series> {
    let mut out: Option<Series> = None;
    let mut offset = 0i64;
    for &length in pieces {
        let piece = series.slice(offset, length).rechunk();
        offset += length as i64;
        match &mut out {
            None => out = Some(piece),
            Some(all) => {
                all.append(&piece)?;
            }
        }
    }
    Ok(out.unwrap_or_else(|| series.clear()))
}

/// Fills a source's computed `working_days` columns from their two dates on the pipeline's
/// calendar (a row without either date: empty). Returns how many rows had a day in the span
/// counted outside the calendar's years.
fn fill_working_days(plan: &Plan, source: usize, table: &mut DataFrame) -> PolarsResult<usize> {
    let columns = &plan.sources[source].columns;
    let (Some(calendar), true) = (
        &plan.calendar,
        columns.iter().any(|c| c.working_days.is_some()),
    ) else {
        return Ok(0);
    };
    let mut outside = 0;
    for column in columns {
        let Some((from, to)) = column.working_days else {
            continue;
        };
        let days = |ci: usize| -> PolarsResult<Vec<Option<i32>>> {
            let dates = table.column(&columns[ci].name)?.cast(&DataType::Int32)?;
            Ok(dates.i32()?.iter().collect())
        };
        let (starts, ends) = (days(from)?, days(to)?);
        let spans = starts
            .iter()
            .zip(&ends)
            .filter_map(|(s, e)| Some(((*s)?, (*e)?)));
        let (first, last) = spans.fold((i32::MAX, i32::MIN), |(lo, hi), (s, e)| {
            (lo.min(s.min(e)), hi.max(s.max(e)))
        });
        let running = calendar.running_count(first, last);
        let counted: Vec<Option<i64>> = starts
            .iter()
            .zip(&ends)
            .map(|(start, end)| {
                let (start, end) = ((*start)?, (*end)?);
                if calendar
                    .covers
                    .is_some_and(|(first, last)| start < first || end > last)
                {
                    outside += 1;
                }
                Some(running.between(start, end) as i64)
            })
            .collect();
        // In the pieces the table is in (one per file): a column of other pieces would
        // break the frame's alignment.
        let pieces = table
            .column(&columns[from].name)?
            .as_materialized_series()
            .chunk_lengths()
            .collect::<Vec<_>>();
        let mut rest = counted.as_slice();
        let mut series: Option<Series> = None;
        for length in pieces {
            let (piece, after) = rest.split_at(length);
            rest = after;
            let piece =
                Int64Chunked::from_iter_options(column.name.as_str().into(), piece.iter().copied())
                    .into_series();
            match &mut series {
                None => series = Some(piece),
                Some(all) => {
                    all.append(&piece)?;
                }
            }
        }
        let series = series.unwrap_or_else(|| {
            Int64Chunked::from_iter_options(column.name.as_str().into(), std::iter::empty())
                .into_series()
        });
        table.with_column(series.into_column())?;
    }
    Ok(outside)
}

/// Two or more files of one ledger from one submitter for one period: the most recently
/// modified one is used; among equal times (files unpacked from a zip, a fresh clone) a
/// correction marker in the name (更正, 修改, 修订, 最新, 第N版), then the later date in the
/// name, then the name sorting last. The others are kept out of every figure, their rows
/// counted as 重复报送未采用, and the user is told which file was used and why. Files whose
/// names carry different periods (台账2024-10, 台账2024-11) are not re-submissions of each
/// other: both are used, with a warning.
fn choose_among_duplicates(
    plan: &Plan,
    files: &[InputFile],
    outcomes: &mut [FileOutcome],
    findings: &mut Vec<Finding>,
) {
    let mut groups: std::collections::BTreeMap<(usize, String), Vec<usize>> =
        std::collections::BTreeMap::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        if let (true, Some(code)) = (outcome.report.used, &outcome.report.submitter) {
            groups
                .entry((files[i].source, code.clone()))
                .or_default()
                .push(i);
        }
    }
    for ((_, code), members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let names: Vec<resubmission::NameEvidence> = members
            .iter()
            .map(|&i| resubmission::NameEvidence::of(&files[i].label))
            .collect();
        let periods: std::collections::BTreeSet<_> = names.iter().map(|n| n.period).collect();
        let by_period: Vec<Vec<usize>> = if periods.len() > 1 && !periods.contains(&None) {
            let mut list = Vec::new();
            for period in &periods {
                list.push(
                    members
                        .iter()
                        .zip(&names)
                        .filter(|(_, n)| &n.period == period)
                        .map(|(&i, _)| i)
                        .collect(),
                );
            }
            let shown: Vec<String> = periods
                .iter()
                .flatten()
                .map(|(y, m)| format!("{y}-{m:02}"))
                .collect();
            let finding = Finding::file(
                Severity::Warning,
                files[members[0]].label.clone(),
                "多期文件",
                format!(
                    "同一单位报送了{}个期别的“{}”文件（{}），均已计入；如果这是逐期累计的台账，请只保留最新一期",
                    periods.len(),
                    plan.source_title(&outcomes[members[0]].report.source),
                    shown.join("、")
                ),
            )
            .from_submitter(Some(code.as_str()));
            findings.push(finding);
            list
        } else {
            vec![members.clone()]
        };
        for group in by_period.into_iter().filter(|g| g.len() > 1) {
            let candidates: Vec<resubmission::Candidate> = group
                .iter()
                .map(|&i| resubmission::Candidate {
                    modified: std::fs::metadata(&files[i].path)
                        .and_then(|m| m.modified())
                        .ok(),
                    name: resubmission::NameEvidence::of(&files[i].label),
                    label: files[i].label.clone(),
                })
                .collect();
            let (keeper_at, why) = resubmission::choose(&candidates);
            let keeper = group[keeper_at];
            let others: Vec<String> = group
                .iter()
                .filter(|&&i| i != keeper)
                .map(|&i| files[i].label.display().to_string())
                .collect();
            outcomes[keeper].report.choice =
                Some(format!("采用（{why}）；未采用：{}", others.join("、")));
            for &i in group.iter().filter(|&&i| i != keeper) {
                let report = &mut outcomes[i].report;
                let used = std::mem::take(&mut report.counts.used);
                *report
                    .counts
                    .skipped
                    .entry(header::SkipReason::SupersededFile)
                    .or_default() += used;
                report.used = false;
                report.choice = Some(format!(
                    "未采用：采用了 {}（{why}）",
                    files[keeper].label.display()
                ));
                outcomes[i].frame = None;
                findings.push(
                    Finding::file(
                        Severity::Warning,
                        files[i].label.clone(),
                        "重复报送",
                        format!(
                            "同一单位报送了{}个“{}”文件：采用 {}（{why}），本文件的{used}行未计入",
                            group.len(),
                            plan.source_title(&report.source),
                            files[keeper].label.display()
                        ),
                    )
                    .from_submitter(Some(code.as_str())),
                );
            }
        }
    }
}

/// Who sent what, per ledger, against the roster.
pub fn completeness(plan: &Plan, data: &Ingested) -> Completeness {
    let mut out = Completeness::default();
    let deadline = plan
        .due_days
        .map(|days| cell::date_to_days(plan.period.bounds().1) + days as i32);
    for (si, source) in plan.sources.iter().enumerate() {
        // Summaries are optional: who sent one shows in 数据来源, nobody is missing one.
        if source.kind == SourceKind::Summary {
            continue;
        }
        let from_rows: std::collections::HashSet<String> = match source.submitter {
            SubmitterFrom::Column => data.tables[si]
                .column(SUBMITTER_COLUMN)
                .ok()
                .and_then(|c| {
                    c.u32().ok().map(|s| {
                        data.roster
                            .codes_of(s)
                            .flatten()
                            .map(String::from)
                            .collect()
                    })
                })
                .unwrap_or_default(),
            _ => Default::default(),
        };
        for s in &data.roster.submitters {
            let mine: Vec<&FileReport> = data
                .files
                .iter()
                .filter(|f| {
                    f.source == source.id && f.submitter.as_deref() == Some(s.code.as_str())
                })
                .collect();
            let files: Vec<String> = mine.iter().map(|f| f.label.display().to_string()).collect();
            let (status, note) = if source.submitter == SubmitterFrom::Column {
                match from_rows.contains(&s.code) {
                    true => (SubmissionStatus::Sent, String::new()),
                    false => (
                        SubmissionStatus::Missing,
                        "没有任何一行属于该单位".to_string(),
                    ),
                }
            } else if mine.is_empty() {
                (SubmissionStatus::Missing, String::new())
            } else if let Some(used) = mine.iter().find(|f| f.used).filter(|_| mine.len() > 1) {
                (
                    SubmissionStatus::Duplicate,
                    format!(
                        "采用 {}{}",
                        used.label.display(),
                        used.choice
                            .as_deref()
                            .and_then(|c| c.strip_prefix("采用"))
                            .and_then(|c| c.split('；').next())
                            .unwrap_or("")
                    ),
                )
            } else if let Some(Some(dates)) = mine
                .iter()
                .filter(|f| f.used)
                .map(|f| f.dated_outside)
                .reduce(|a, b| a.and(b))
            {
                // Rows kept (no period column), but none dated in the period.
                (SubmissionStatus::OutsidePeriod, outside_words(dates))
            } else if mine.iter().any(|f| f.used) {
                (SubmissionStatus::Sent, String::new())
            } else if let Some(dates) = mine
                .iter()
                .filter(|f| f.counts.used + f.counts.rejected == 0)
                .find_map(|f| f.outside_period)
            {
                (SubmissionStatus::OutsidePeriod, outside_words(Some(dates)))
            } else if mine
                .iter()
                .any(|f| f.header_row.is_some() && f.counts.used + f.counts.rejected == 0)
            {
                (SubmissionStatus::Empty, "表头下没有数据行".to_string())
            } else {
                (
                    SubmissionStatus::Unusable,
                    "文件无法使用，见问题清单".to_string(),
                )
            };
            // The day a file says it was sent, else its modification time (read only here,
            // with a deadline to measure against).
            let sent = mine.iter().find(|f| f.used).or(mine.first());
            let late = deadline.and_then(|due| {
                let sent = sent?;
                let day = match &sent.submitted_on {
                    Some(declared) => declared.clone(),
                    None => modified_day(&plan.data_dir.join(&sent.label))?,
                };
                lateness(&day, due)
            });
            out.entries.push(CompletenessEntry {
                source: source.title.clone(),
                code: s.code.clone(),
                name: s.name.clone(),
                status,
                files,
                note,
                late,
            });
        }
        if source.submitter != SubmitterFrom::Column {
            for f in data
                .files
                .iter()
                .filter(|f| f.source == source.id && f.submitter.is_none())
            {
                out.unmatched
                    .push((source.title.clone(), f.label.display().to_string()));
            }
        }
    }
    out
}

/// A file its ledger could not use because none of its sheets has that ledger's sheet name
/// or header: when one of its sheets has every required column of another ledger, the
/// file's first such finding says so — a township that sent the wrong file (or named it as
/// another ledger) reads the likely cause, not only "add the header to aliases".
fn tell_other_ledgers(plan: &Plan, files: &[InputFile], findings: &mut [Finding]) {
    let mut told = std::collections::HashSet::new();
    for finding in findings.iter_mut() {
        let cannot_use = finding.severity == Severity::Error
            && (finding.rule == "header" || finding.rule == "sheet")
            && finding.row.is_none();
        if !cannot_use || told.contains(&finding.file) {
            continue;
        }
        told.insert(finding.file.clone());
        let Some(file) = files.iter().find(|f| f.label == finding.file) else {
            continue;
        };
        if let Some(hint) = ledger_it_looks_like(plan, file) {
            finding.message.push_str(&hint);
        }
    }
}

/// The other ledger whose required columns all stand in a header of one of the file's
/// sheets (the most columns recognised wins), in words; `None` when there is none.
fn ledger_it_looks_like(plan: &Plan, file: &InputFile) -> Option<String> {
    let others: Vec<usize> = (0..plan.sources.len())
        .filter(|&i| i != file.source)
        .collect();
    let best = sources_answered(plan, &file.path, &others)
        .into_iter()
        .next()?;
    Some(format!(
        "。这个文件看起来是“{}”：工作表“{}”的表头认出了该台账的 {} 列，其必填列都在；是不是报送错了文件，或把文件名起成了另一个台账？",
        plan.sources[best.source].title, best.sheet, best.matched
    ))
}

/// A source a file answers: a sheet whose header holds every required column of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// Index into `Plan::sources`.
    pub source: usize,
    pub sheet: String,
    /// The source's columns recognised in that header.
    pub matched: usize,
}

/// The sources among `candidates` (indexes into `Plan::sources`) whose every required
/// column stands in the header of one of the file's sheets, the most columns recognised
/// first; none for a file that cannot be opened. A source without required columns is
/// never answered (any header would do).
pub fn sources_answered(plan: &Plan, path: &Path, candidates: &[usize]) -> Vec<Answered> {
    let Ok(mut book) = InputBook::open(path, &plan.limits) else {
        return Vec::new();
    };
    let mut answered: Vec<Answered> = Vec::new();
    for sheet in book.sheet_names() {
        let Ok(mut stream) = book.stream(&SheetSelector::Names(vec![sheet.clone()]), false) else {
            continue;
        };
        let Ok(head) = stream.rows.head(header::HEAD_ROWS) else {
            continue;
        };
        for &index in candidates {
            let source = &plan.sources[index];
            let Some(found) = header::find_header(&head, &source.columns, &[]) else {
                continue;
            };
            let matched = found.mapping.iter().flatten().count();
            let required_all = source
                .columns
                .iter()
                .zip(&found.mapping)
                .all(|(c, m)| !c.required || m.is_some());
            let has_required = source.columns.iter().any(|c| c.required);
            if !(required_all && has_required && matched >= 2) {
                continue;
            }
            match answered.iter_mut().find(|a| a.source == index) {
                Some(a) if a.matched >= matched => {}
                Some(a) => {
                    a.matched = matched;
                    a.sheet = sheet.clone();
                }
                None => answered.push(Answered {
                    source: index,
                    sheet: sheet.clone(),
                    matched,
                }),
            }
        }
    }
    answered.sort_by(|a, b| b.matched.cmp(&a.matched).then(a.source.cmp(&b.source)));
    answered
}

/// A file's sheet as it was sent, read again for a feedback workbook, with the column
/// widths the township gave it (when the format keeps them).
pub fn sheet_as_sent(
    plan: &Plan,
    file: &FileReport,
) -> Option<(LoadedSheet, workbook::ColumnWidthRuns)> {
    let path = plan.data_dir.join(&file.label);
    let mut book = InputBook::open(&path, &plan.limits).ok()?;
    let sheet = book.read_sheet(file.sheet.as_deref()?, false).ok()?;
    let widths = match book.format {
        workbook::FileFormat::Zip => workbook::column_widths(&path, &sheet.sheet_name),
        _ => Vec::new(),
    };
    Some((sheet, widths))
}

/// A file without sheet names (text, an HTML table) is a summary source's file only when
/// its name carries one of the source's sheet names (`汇总表.csv`), not when it is the
/// ledger matched by the same glob.
fn sheetless_file_is_summary(source: &Source, file: &InputFile) -> bool {
    let name = file.label.to_string_lossy();
    match &source.sheet {
        pipeline::SheetSelector::Names(names) => names.iter().any(|n| name.contains(n.as_str())),
        pipeline::SheetSelector::Index(_) => true,
    }
}

struct FileOutcome {
    report: FileReport,
    frame: Option<DataFrame>,
    findings: Vec<Finding>,
    /// A summary source's file without the summary sheet: not a submission of that source.
    absent: bool,
}

/// `read`, unless a reader library panics inside it (a file whose structure it did not
/// expect): then `crashed`, so that one township's file never ends the district's run.
/// The panic is the library's, not ours to rethrow; what it said stays out of the finding.
pub fn isolated<T>(read: impl FnOnce() -> T, crashed: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| crashed())
}

/// What a file whose reader library crashed is told.
pub const READER_CRASHED: &str = "文件无法读取：文件内部结构异常，读取时出错，本文件未计入统计；请用 Excel 或 WPS 打开后另存为 .xlsx 再报送";

/// The outcome of a file whose reader crashed: nothing of it used, one finding that says so
/// in words a clerk can act on.
fn reader_crashed(plan: &Plan, file: &InputFile) -> FileOutcome {
    let source = &plan.sources[file.source];
    let finding = Finding::file(
        Severity::Error,
        file.label.clone(),
        "file",
        READER_CRASHED.to_string(),
    );
    FileOutcome {
        report: empty_report(source, file),
        frame: None,
        findings: vec![finding],
        absent: false,
    }
}

/// A file's report before anything of it is known.
fn empty_report(source: &Source, file: &InputFile) -> FileReport {
    FileReport::blank(&source.id, file.label.clone())
}

/// Why a file counts for nothing in the period: its dates, earliest and latest.
pub fn outside_words(dates: Option<(i32, i32)>) -> String {
    match dates {
        Some((first, last)) => format!(
            "表中数据的日期都不在报告期内（最早{}，最晚{}）",
            cell::days_to_text(first),
            cell::days_to_text(last)
        ),
        None => "表中数据都没有日期，没有一行计入报告期".to_string(),
    }
}

/// 迟报 when a file was sent after the deadline (days since 1970), in words.
fn lateness(sent: &SubmittedOn, deadline: i32) -> Option<String> {
    if sent.day <= deadline {
        return None;
    }
    let caveat = match sent.from_file_time {
        true => "（按文件修改时间判断：文件复制或解压后时间会变，请以实际报送记录核对）",
        false => "",
    };
    Some(format!(
        "迟报{}天：{}为{}，截止日为{}{caveat}",
        sent.day - deadline,
        sent.evidence,
        cell::days_to_text(sent.day),
        cell::days_to_text(deadline)
    ))
}

/// The local day a file was last modified, as the day it was sent when nothing better says.
fn modified_day(path: &Path) -> Option<SubmittedOn> {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok()?;
    let day = chrono::DateTime::<chrono::Local>::from(modified).date_naive();
    Some(SubmittedOn {
        day: cell::date_to_days(day),
        evidence: "文件修改时间".to_string(),
        from_file_time: true,
    })
}

/// A labelled cell above the header as written (`填报日期：十二月初`) and its absolute
/// (row, column), 0-based.
struct LabelCell {
    text: String,
    at: (u32, u32),
}

/// A 填报日期 (报送日期, 填表日期, 报出日期) cell above the header: the day the township
/// says it sent the file. `Err` with the text and the cell when it is there but not a date.
fn declared_day(head: &Range<Data>, header: &Header) -> Option<Result<SubmittedOn, LabelCell>> {
    for label in ["报送日期", "填报日期", "填表日期", "报出日期"] {
        let Some(LabelCell { text, at }) = label_cell(head, header, label) else {
            continue;
        };
        return Some(match cell::parse_date_text(&text) {
            Some(day) => Ok(SubmittedOn {
                day: cell::date_to_days(day),
                evidence: format!("表内“{label}”"),
                from_file_time: false,
            }),
            None => Err(LabelCell {
                text: format!("{label}：{text}"),
                at,
            }),
        });
    }
    None
}

/// The submitter's code when the source takes it from the file's path and the path names one.
fn submitter_by_path(source: &Source, roster: &Roster, file: &InputFile) -> Option<String> {
    if source.submitter != SubmitterFrom::Path {
        return None;
    }
    roster
        .match_text(&file.label.to_string_lossy())
        .map(|(i, _)| roster.submitters[i].code.clone())
}

/// Reads one source's sheet from a file opened once for every source that reads it.
fn read_file(
    plan: &Plan,
    roster: &Roster,
    index: u32,
    file: &InputFile,
    book: Result<&mut InputBook, &mut workbook::OpenProblem>,
) -> FileOutcome {
    let source = &plan.sources[file.source];
    let mut report = empty_report(source, file);
    let mut findings = Vec::new();
    let fail = |report: FileReport, findings: Vec<Finding>| FileOutcome {
        report,
        frame: None,
        findings,
        absent: false,
    };

    let problem = match book {
        Err(problem) => problem.clone(),
        Ok(book) => {
            if source.kind == SourceKind::Summary
                && !book.format.has_named_sheets()
                && !sheetless_file_is_summary(source, file)
            {
                return FileOutcome {
                    absent: true,
                    ..fail(report, findings)
                };
            }
            // A sheet whose rows are out of order in the file cannot be streamed: it is
            // read whole instead, with the same result.
            let mut read = |whole: bool| {
                let stream = book.stream(&source.sheet, whole)?;
                read_rows(plan, roster, index, file, stream)
            };
            match read(false) {
                Err(p) if p.rows_out_of_order => match read(true) {
                    Ok(outcome) => return outcome,
                    Err(p) => p,
                },
                Ok(outcome) => return outcome,
                Err(p) => p,
            }
        }
    };
    if problem.no_such_sheet && source.kind == SourceKind::Summary {
        return FileOutcome {
            absent: true,
            ..fail(report, findings)
        };
    }
    report.submitter = submitter_by_path(source, roster, file);
    findings.push(
        Finding::file(
            Severity::Error,
            file.label.clone(),
            problem.rule,
            problem.message,
        )
        .in_sheet(problem.sheet)
        .from_submitter(report.submitter.as_deref()),
    );
    fail(report, findings)
}

/// Reads one source's rows from a sheet as they stream: the first rows to find the
/// header, then every row through the classifier into the extractor. `Err` when the
/// sheet cannot be read to its end (the file is then unusable as a whole).
fn read_rows(
    plan: &Plan,
    roster: &Roster,
    index: u32,
    file: &InputFile,
    mut stream: workbook::SheetStream,
) -> Result<FileOutcome, workbook::OpenProblem> {
    let source = &plan.sources[file.source];
    let mut report = empty_report(source, file);
    let mut findings = Vec::new();
    let fail = |report: FileReport, findings: Vec<Finding>| {
        Ok(FileOutcome {
            report,
            frame: None,
            findings,
            absent: false,
        })
    };
    let sheet_name = stream.sheet_name.clone();
    (report.format, report.sheet) = (Some(stream.format.label()), Some(sheet_name.clone()));
    report.encoding = stream.encoding.map(|e| e.label());
    if let Some(encoding) = stream.encoding.filter(|e| e.is_unusual()) {
        findings.push(
            Finding::file(Severity::Warning, file.label.clone(), "编码", format!(
                "文件既不是 UTF-8 也不是 GBK 编码，按其内容判断为“{}”读取；如果表中的文字成了乱码，请用 Excel/WPS 打开后另存为 .xlsx 重新报送",
                encoding.label()
            )),
        );
    }
    let date_system = stream.date_system;
    let sheet_finding = |rule: &str, message: String| {
        Finding::file(Severity::Error, file.label.clone(), rule, message)
            .in_sheet(Some(sheet_name.as_str()))
    };
    if let Some(how) = stream.chosen.take() {
        findings.push(sheet_finding("sheet", how).with_severity(Severity::Warning));
    }

    report.submitter = submitter_by_path(source, roster, file);
    // The rows that may hold titles and the header; the rest stream past once the
    // header is known.
    let head = stream.rows.head(header::HEAD_ROWS)?;
    if head.is_empty() {
        findings.push(
            sheet_finding("empty", "工作表是空的，没有任何数据".into())
                .from_submitter(report.submitter.as_deref()),
        );
        return fail(report, findings);
    }
    let origin = head.start().unwrap_or((0, 0));

    let header = locate_header(&mut stream, &head, source);
    let Some(header) = header else {
        let wanted: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
        let message = format!(
            "在前12行中找不到表头：没有一个单元格与已声明的列名相符（{}）",
            wanted.join("、")
        );
        findings.push(sheet_finding("header", message));
        // Every row is rejected with the file: counted to the sheet's last row.
        let mut last = origin.0 + head.height() as u32 - 1;
        stream.rows.feed(None, &mut |r, _| last = r)?;
        report.counts.read = last as usize + 1;
        report.counts.rejected = report.counts.read;
        return fail(report, findings);
    };
    // A money column whose header says its unit (追发工资（万元）) is read in that unit.
    let (columns, unit_notes) = columns_in_header_units(source, &header);
    for (column, sc, message) in unit_notes {
        // The unit is written in the header's lowest row (the leaf of a two-row header).
        let unit_row = origin.0 + (header.row + header.height.max(1) - 1) as u32;
        let finding = sheet_finding("单位", message)
            .at_cell(unit_row, origin.1 + sc as u32)
            .in_column(Some(column))
            .with_severity(Severity::Warning);
        findings.push(finding);
    }
    let readers = CellReader::for_columns(&columns);
    let evidence = RowEvidence {
        readers: &readers,
        header: &header,
        date_system,
    };
    let Some(submitter) = check_header(
        plan,
        roster,
        file,
        (&head, &evidence, origin),
        &mut report,
        &mut findings,
        &sheet_finding,
    ) else {
        report.counts = reject_all(&head, &mut stream.rows, &evidence)?;
        return fail(report, findings);
    };
    let ctx = SheetContext {
        date_system,
        source,
        roster,
        period: &plan.period,
        file_index: index,
        file_label: &file.label,
        sheet_name: &sheet_name,
        submitter,
        origin,
    };
    let Ok(extracted) = extract_rows(&ctx, &evidence, &head, &mut stream)? else {
        findings.push(sheet_finding(
            "file",
            "内部错误，无法建立数据表；请把这个文件发给 laborstat 的维护者".to_string(),
        ));
        return fail(report, findings);
    };
    report.counts = extracted.counts;
    report.used = report.counts.used > 0;
    report.outside_period = extracted.outside_period;
    findings.extend(extracted.findings);
    if report.counts.used == 0 && report.counts.rejected == 0 {
        let (rule, message) =
            nothing_counted(plan, source, &report.counts, extracted.outside_period);
        findings.push(
            sheet_finding(rule, message)
                .with_severity(Severity::Warning)
                .from_submitter(report.submitter.as_deref()),
        );
    }
    Ok(FileOutcome {
        report,
        frame: Some(extracted.frame),
        findings,
        absent: false,
    })
}

/// What the header found says of the file before any row is read: where the table is, the
/// day it says it was sent, who sent it (by path or 填报单位 cell), the required columns it
/// lacks, the headers matching nothing, the optional columns absent, a second header row
/// that reads as a record. `None` when the file cannot be used (its findings said why); else the
/// submitter's roster index (`None` inside: row by row from a column).
fn check_header(
    plan: &Plan,
    roster: &Roster,
    file: &InputFile,
    (head, evidence, origin): (&Range<Data>, &RowEvidence, (u32, u32)),
    report: &mut FileReport,
    findings: &mut Vec<Finding>,
    sheet_finding: &dyn Fn(&str, String) -> Finding,
) -> Option<Option<usize>> {
    let source = &plan.sources[file.source];
    let header = evidence.header;
    report.header_row = Some(origin.0 + header.row as u32 + 1);
    report.header_height = header.height;
    report.columns = header
        .mapping
        .iter()
        .map(|m| m.map(|c| origin.1 + c as u32))
        .collect();

    // When it was sent, if the sheet says so; a date that cannot be read is said, not
    // taken for the file's time in silence.
    match declared_day(head, header) {
        Some(Ok(day)) => report.submitted_on = Some(day),
        Some(Err(LabelCell { text, at })) => findings.push(
            sheet_finding(
                "报送日期",
                format!(
                    "“{text}”不是日期，是否按时报送按文件修改时间判断；请填写如2024-12-05的日期"
                ),
            )
            .at_cell(at.0, at.1)
            .with_value(Some(text))
            .with_severity(Severity::Warning),
        ),
        None => {}
    }

    // Submitter of the whole file, unless it comes row by row from a column.
    let submitter = match file_submitter(source, roster, file, head, header) {
        Ok(None) => None,
        Ok(Some((index, code, evidence))) => {
            report.submitter = Some(code);
            report.submitter_evidence = Some(evidence);
            Some(index)
        }
        Err(message) => {
            findings.push(sheet_finding("submitter", message));
            return None;
        }
    };

    let missing = missing_required_columns(source, header, origin, head, evidence.date_system);
    if !missing.is_empty() {
        for (column, message) in missing {
            findings.push(
                sheet_finding("header", message)
                    .from_submitter(report.submitter.as_deref())
                    .in_column(Some(column)),
            );
        }
        return None;
    }

    report.unmapped_headers = unmapped_headers(header, origin.1);
    report.absent_columns = absent_columns(plan, file.source, header);
    report.derived_columns = derived_columns(plan, file.source, header);
    for (date, fallback, measures) in date_substitutes(plan, file.source, header) {
        findings.push(
            sheet_finding(
                "日期列代替",
                format!(
                    "本文件没有“{date}”列，{}按“{fallback}”计入报告期（流水线中这些度量的 date 指定了“{fallback}”代替）；如文件中另有“{date}”，请把它的表头加入 aliases",
                    measures.join("、")
                ),
            )
            .from_submitter(report.submitter.as_deref())
            .in_column(Some(&date))
            .with_severity(Severity::Warning),
        );
        report.substituted_dates.push((date, fallback));
    }
    for (rule, column, hint) in column_problems(
        plan,
        file.source,
        header,
        origin,
        (head, evidence.date_system),
    ) {
        findings.push(
            sheet_finding(rule, hint)
                .from_submitter(report.submitter.as_deref())
                .in_column(Some(column))
                .with_severity(Severity::Warning),
        );
    }
    let second = second_header_row_is_a_record(head, header, evidence, origin);
    if let Some(sheet_row) = second {
        findings.push(
            sheet_finding("跳过的行", format!("第{sheet_row}行被当作表头的第二行，未计入统计，但它各必填列都有有效值，像是一条记录；请核对表头是否只有一行"))
                .from_submitter(report.submitter.as_deref())
                .at_row(sheet_row)
                .with_severity(Severity::Warning),
        );
    }

    Some(submitter)
}

/// The source's columns as this sheet writes them: a money column whose header names its
/// unit — 万元 or 元, in brackets or not (追发工资（万元）, 追发工资万元) — is read in that unit,
/// whatever the pipeline declares; each such change is said (column, sheet column, words).
/// A unit laborstat cannot apply exactly (千元) leaves the column as declared, and says so.
fn columns_in_header_units<'s>(
    source: &'s Source,
    header: &Header,
) -> (Vec<pipeline::Column>, Vec<(&'s str, usize, String)>) {
    let mut columns = source.columns.clone();
    let mut notes = Vec::new();
    for (ci, column) in columns.iter_mut().enumerate() {
        let Some(sc) = header.mapping[ci] else {
            continue;
        };
        if column.kind != pipeline::ColumnType::Money {
            continue;
        }
        let label = header.labels.get(sc).map(String::as_str).unwrap_or("");
        let declared = if column.money_in_wan { "万元" } else { "元" };
        let written = if label.contains("万元") {
            "万元"
        } else if label.contains("千元") {
            notes.push((
                source.columns[ci].name.as_str(),
                sc,
                format!("表头“{label}”注明单位为千元，本列仍按{declared}读取；请改用{declared}填写，或在表头注明元或万元"),
            ));
            continue;
        } else if label.contains('元') {
            "元"
        } else {
            continue;
        };
        if written != declared {
            column.money_in_wan = written == "万元";
            notes.push((
                source.columns[ci].name.as_str(),
                sc,
                format!("表头“{label}”注明单位为{written}，本列按{written}读取并换算为元（流水线文件中此列为{declared}）"),
            ));
        }
    }
    (columns, notes)
}

/// The sheet row (1-based) of a lower row of a stacked header when it reads as a record:
/// every required column holds a valid value there, so it may be data taken for a header.
fn second_header_row_is_a_record(
    head: &Range<Data>,
    header: &Header,
    evidence: &RowEvidence,
    origin: (u32, u32),
) -> Option<u32> {
    (header.row + 1..header.row + header.height)
        .find(|&below| evidence.is_record(header::row_at(head, below), None))
        .map(|below| origin.0 + below as u32 + 1)
}

/// Every row after the header through the classifier (title, 合计, footer, blank…) into the
/// extractor (typed columns, cell rules): the sheet's rows as a frame and their account.
/// The inner `Err`: the frame could not be built (an internal error, said as such).
fn extract_rows(
    ctx: &SheetContext,
    evidence: &RowEvidence,
    head: &Range<Data>,
    stream: &mut workbook::SheetStream,
) -> Result<PolarsResult<extract::Extracted>, workbook::OpenProblem> {
    let header = evidence.header;
    let lookup = stream.merge_lookup();
    let rows = &mut stream.rows;
    let expected_rows = rows.expected_rows().saturating_sub(header.first_data_row());
    let mut extractor = SheetExtractor::new(ctx, evidence, expected_rows);
    let mut classifier = RowClassifier::new(evidence);
    let columns: Vec<&pipeline::Column> = evidence.readers.iter().map(|r| r.column).collect();
    let first_data_row = ctx.origin.0 + header.first_data_row() as u32;
    let fill_from = |merges: &[calamine::Dimensions]| {
        merged::MergedFill::new(
            merges,
            &columns,
            &header.mapping,
            ctx.origin.1,
            first_data_row,
        )
    };
    // Merges known with the cells (xls, ods, markup) apply from the first row. A streamed
    // xlsx sheet has them after its cells: they are looked for (one scan of the sheet's
    // XML) only once a row lacks a required value while carrying a record's identity — how
    // a row under a merged 单位 reads — and the top cells of merges begun above are read
    // back from the file.
    let mut fill = lookup.known().map(&fill_from);
    for_each_row_after_header(head, header, rows, &mut |r, cells| {
        if fill.is_none() && evidence.lacks_a_required_value(cells) {
            let mut found = fill_from(&lookup.regions());
            let tops = found.tops_above(r);
            if !tops.is_empty() {
                found.open_earlier(r, &lookup.values_at(&tops));
            }
            fill = Some(found);
        }
        let cells = match &mut fill {
            Some(f) if !f.is_empty() => f.row(r, cells),
            _ => cells,
        };
        classifier.push(r, cells, &mut extractor)
    })?;
    classifier.finish(&mut extractor);
    let extracted = extractor.finish(&classifier.data_sums(), classifier.total_sums());
    Ok(extracted.map(|mut e| {
        if let Some(fill) = fill {
            e.counts.merge_filled = fill.filled;
            e.findings.extend(fill.additive.iter().map(|(column, m)| {
                ctx.finding(
                    Severity::Warning,
                    "合并单元格",
                    format!(
                        "“{column}”的 {}:{} 合并为一格，数额只计入第{}行一次，未分摊到其余{}行；如果每行各有数额，请取消合并、逐行填写后重新报送",
                        finding::a1(m.start.0, m.start.1),
                        finding::a1(m.end.0, m.end.1),
                        m.start.0 + 1,
                        m.end.0 - m.start.0
                    ),
                )
                .at_cell(m.start.0, m.start.1)
                .in_column(Some(column.as_str()))
            }));
        }
        e
    }))
}

/// The header of a sheet's head. Merged cells: a streamed xlsx sheet has them after its
/// cells, so they are looked for only when some declared column is not matched without
/// them, and only through a second header row (merged names spanning both rows, group
/// names over sub-labels): not when no header row matched at all, nor when the row under
/// it holds data values.
fn locate_header(
    stream: &mut workbook::SheetStream,
    head: &Range<Data>,
    source: &Source,
) -> Option<Header> {
    let known_merges = if stream.merges_known() {
        stream.merged_regions()
    } else {
        Vec::new()
    };
    let mut header = find_header(head, &source.columns, &known_merges);
    let merges_could_help = |h: &Option<Header>| {
        h.as_ref().is_some_and(|h| {
            h.mapping.iter().any(Option::is_none)
                && !header::holds_data_values(header::row_at(head, h.row + 1))
        })
    };
    if !stream.merges_known() && merges_could_help(&header) {
        let merges = stream.merged_regions();
        let matched =
            |h: &Option<Header>| h.as_ref().map_or(0, |h| h.mapping.iter().flatten().count());
        let again = find_header(head, &source.columns, &merges);
        if matched(&again) > matched(&header)
            || (matched(&again) == matched(&header) && again.is_some()) && !merges.is_empty()
        {
            header = again;
        }
    }
    header
}

/// Who sent the whole file — by its path, or by the 填报单位 cell above the header — as
/// (roster index, code, the evidence in words); `Ok(None)` when the submitter comes row by
/// row from a column; `Err` with the finding's message when nobody in the roster matches.
fn file_submitter(
    source: &Source,
    roster: &Roster,
    file: &InputFile,
    head: &Range<Data>,
    header: &Header,
) -> Result<Option<(usize, String, String)>, String> {
    let from = source.submitter;
    if matches!(from, SubmitterFrom::Column) {
        return Ok(None);
    }
    let (text, place) = match from {
        SubmitterFrom::Cell => match label_cell(head, header, &source.submitter_label) {
            Some(cell) => (cell.text, "单元格"),
            None => (String::new(), "单元格"),
        },
        _ => (file.label.to_string_lossy().into_owned(), "路径"),
    };
    let Some((i, how)) = roster.match_text(&text) else {
        return Err(match (from, roster.outside_period(&text)) {
            (SubmitterFrom::Cell, _) if text.is_empty() => format!(
                "表头上方没有“{}：…”单元格，无法确定报送单位",
                source.submitter_label
            ),
            (_, Some(why)) => format!("{place}中的{why}"),
            (SubmitterFrom::Cell, None) => {
                format!("“{}：{text}”不在报送单位名单中", source.submitter_label)
            }
            (_, None) => "文件路径中没有报送单位名单里的代码或名称，无法确定报送单位".to_string(),
        });
    };
    let s = &roster.submitters[i];
    let what = match how {
        MatchedBy::Code => format!("代码 {}", s.code),
        MatchedBy::Name => format!("名称 {}", s.name),
        MatchedBy::ShortName => format!("简称 {}", s.name),
        MatchedBy::Predecessor(k) => {
            let (code, name) = &s.predecessors[k];
            format!("原单位 {name}（{code}，已由{}承继）", s.name)
        }
    };
    Ok(Some((i, s.code.clone(), format!("{place}中的{what}"))))
}

/// Each required column the header lacks, with the message that says what headers would
/// do and the closest one found — among the headers no declared column took: one that
/// another column reads (案件编号 for a missing 办理状态 with alias 案件状态) would break
/// every row if added as an alias.
fn missing_required_columns<'a>(
    source: &'a Source,
    header: &Header,
    origin: (u32, u32),
    head: &Range<Data>,
    date_system: cell::DateSystem,
) -> Vec<(&'a str, String)> {
    let found: Vec<&str> = header
        .labels
        .iter()
        .map(String::as_str)
        .filter(|l| !l.is_empty())
        .collect();
    source
        .columns
        .iter()
        .zip(&header.mapping)
        // A column the pipeline can derive is made, not missed.
        .filter(|(c, m)| c.required && m.is_none() && c.derive.is_none())
        .map(|(column, _)| {
            let hint = fitting_label(column, header, head, date_system)
                .map(|l| {
                    format!(
                        "；最接近的表头是“{l}”，如果它就是“{}”，请把它加入 aliases",
                        column.name
                    )
                })
                .unwrap_or_default();
            let message = format!(
                "缺少必填列“{}”（可接受的表头：{}）。第{}行的表头为：{}{hint}",
                column.name,
                column.aliases.join("、"),
                origin.0 as usize + header.row + 1,
                found.join("、")
            );
            (column.name.as_str(), message)
        })
        .collect()
}

/// Why a sheet whose header was found gave no row (neither used nor rejected): every row
/// dated outside the period, or none under the header. (rule, message).
fn nothing_counted(
    plan: &Plan,
    source: &Source,
    counts: &RowCounts,
    outside_period: Option<(i32, i32)>,
) -> (&'static str, String) {
    match (outside_period, source.period_column) {
        (Some((first, last)), Some(pc)) => ("报告期", format!(
            "全部{}行数据的“{}”都不在报告期（{}）内（最早{}，最晚{}），本文件没有数据计入统计；请核对是否报错了期别或日期",
            counts.skipped.get(&header::SkipReason::OutsidePeriod).copied().unwrap_or(0),
            source.columns[pc].name,
            plan.period.label(),
            cell::days_to_text(first),
            cell::days_to_text(last)
        )),
        (Some(_), None) => ("报告期", "表头下没有数据行（空表）".into()),
        (None, _) => ("empty", "表头下没有数据行（空表）".into()),
    }
}

/// Gives `sink` every row after the header: those of the head first, then the rest of
/// the sheet as it streams.
fn for_each_row_after_header(
    head: &Range<Data>,
    header: &Header,
    rows: &mut workbook::SheetRows,
    sink: &mut impl FnMut(u32, &[Data]),
) -> Result<(), workbook::OpenProblem> {
    let row0 = head.start().map_or(0, |s| s.0);
    for (offset, cells) in head.rows().enumerate().skip(header.first_data_row()) {
        sink(row0 + offset as u32, cells);
    }
    rows.feed(None, sink)
}

/// The row account of a file none of whose data rows can be used: every data row
/// rejected, skipped rows still skipped.
fn reject_all(
    head: &Range<Data>,
    rows: &mut workbook::SheetRows,
    evidence: &RowEvidence,
) -> Result<RowCounts, workbook::OpenProblem> {
    let header = evidence.header;
    let row0 = head.start().map_or(0, |s| s.0) as usize;
    let mut counts = RowCounts {
        title: row0 + header.row,
        header: header.height,
        ..RowCounts::default()
    };
    let mut last = row0 + header.first_data_row();
    let mut classifier = RowClassifier::new(evidence);
    let mut sink = |r: u32, _: &[Data], verdict: Option<header::SkipReason>| {
        last = last.max(r as usize + 1);
        match verdict {
            Some(reason) => *counts.skipped.entry(reason).or_default() += 1,
            None => counts.rejected += 1,
        }
    };
    for_each_row_after_header(head, header, rows, &mut |r, cells| {
        classifier.push(r, cells, &mut sink)
    })?;
    classifier.finish(&mut sink);
    counts.read = last;
    Ok(counts)
}

/// The text after `label` (填报单位：XX街道) in the rows above the header, up to the next
/// space or the next label on the same line (计量单位：…, 报告期：…), and its cell.
fn label_cell(range: &Range<Data>, header: &Header, label: &str) -> Option<LabelCell> {
    const NEXT_LABELS: [&str; 5] = ["计量单位", "金额单位", "报告期", "填报日期", "填表日期"];
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (r, row) in range.rows().take(header.row).enumerate() {
        for (c, value) in row.iter().enumerate() {
            let text = cell::to_half_width(&cell::display_text(value));
            let Some(at) = text.find(label) else {
                continue;
            };
            let rest = text[at + label.len()..].trim_start_matches([':', '：', ' ']);
            let mut name = rest.split_whitespace().next().unwrap_or("");
            for next in NEXT_LABELS {
                if let Some(cut) = name.find(next) {
                    name = &name[..cut];
                }
            }
            if !name.is_empty() {
                return Some(LabelCell {
                    text: name.to_string(),
                    at: (row0 + r as u32, col0 + c as u32),
                });
            }
        }
    }
    None
}

/// Header cells no declared column took, with their column letters.
fn unmapped_headers(header: &Header, col0: u32) -> Vec<(String, String)> {
    header
        .labels
        .iter()
        .enumerate()
        .filter(|(c, label)| !label.is_empty() && !header.mapping.contains(&Some(*c)))
        .map(|(c, label)| (column_letters(col0 + c as u32), label.clone()))
        .collect()
}

pub use finding::column_letters;

/// Optional declared columns the sheet does not have.
fn absent_columns(plan: &Plan, source: usize, header: &Header) -> Vec<String> {
    plan.sources[source]
        .columns
        .iter()
        .zip(&header.mapping)
        .filter(|(c, m)| {
            !c.required && m.is_none() && c.working_days.is_none() && c.derive.is_none()
        })
        .map(|(c, _)| c.name.clone())
        .collect()
}

/// The date columns the sheet lacks that measures name fallbacks for (`date = ["结论日期",
/// "受理日期"]`): (the date, the first fallback the sheet has, the measures' labels).
fn date_substitutes(
    plan: &Plan,
    source: usize,
    header: &Header,
) -> Vec<(String, String, Vec<String>)> {
    let columns = &plan.sources[source].columns;
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for m in plan.measures.iter().filter(|m| m.source == source) {
        let Some(date) = m.date.filter(|&d| header.mapping[d].is_none()) else {
            continue;
        };
        let Some(&fallback) = m
            .date_fallbacks
            .iter()
            .find(|&&f| header.mapping[f].is_some())
        else {
            continue;
        };
        let (date, fallback) = (&columns[date].name, &columns[fallback].name);
        match out.iter_mut().find(|(d, f, _)| d == date && f == fallback) {
            Some((_, _, labels)) => labels.push(format!("“{}”", m.label)),
            None => out.push((
                date.clone(),
                fallback.clone(),
                vec![format!("“{}”", m.label)],
            )),
        }
    }
    out
}

/// Declared columns the sheet does not have that the pipeline derives (`derive`).
fn derived_columns(plan: &Plan, source: usize, header: &Header) -> Vec<String> {
    plan.sources[source]
        .columns
        .iter()
        .zip(&header.mapping)
        .filter(|(c, m)| m.is_none() && c.derive.is_some())
        .map(|(c, _)| c.name.clone())
        .collect()
}

/// Columns that would change figures silently, as (rule, column, message): a second header
/// naming a column already taken (重复列: only the first is read), and an absent optional
/// column that an unmapped header resembles (most likely spelled another way) or that a
/// measure or rule uses (缺少列). Other absent columns are listed in 数据核对 only — a
/// township that does not keep 是否农民工 is not at fault.
fn column_problems(
    plan: &Plan,
    source: usize,
    header: &Header,
    origin: (u32, u32),
    head: (&Range<Data>, cell::DateSystem),
) -> Vec<(&'static str, String, String)> {
    let columns = &plan.sources[source].columns;
    let mut out = Vec::new();
    // Most sheets have every declared column and no stray header: nothing to weigh.
    let unmatched_header = header
        .labels
        .iter()
        .enumerate()
        .any(|(c, l)| !l.is_empty() && !header.mapping.contains(&Some(c)));
    let absent = header
        .mapping
        .iter()
        .zip(columns)
        .any(|(m, c)| m.is_none() && c.working_days.is_none());
    if !unmatched_header && !absent {
        return out;
    }
    let uses = &plan.uses[source];
    let unmapped = header.unmapped_labels();
    // A second header naming a column already taken: only the first is read.
    for (c, label) in unmapped.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        for (ci, column) in columns.iter().enumerate() {
            let Some(taken) = header.mapping[ci] else {
                continue;
            };
            if header::names_column(label, column) {
                out.push((
                    "重复列",
                    column.name.clone(),
                    format!(
                        "{}列“{label}”和{}列“{}”都是“{}”，统计只采用了{}列，{}列的数据未计入；如果两列都要计入，请合并为一列后重新报送",
                        column_letters(origin.1 + c as u32),
                        column_letters(origin.1 + taken as u32),
                        header.labels[taken],
                        column.name,
                        column_letters(origin.1 + taken as u32),
                        column_letters(origin.1 + c as u32),
                    ),
                ));
            }
        }
    }
    for (ci, column) in columns.iter().enumerate() {
        if column.required
            || header.mapping[ci].is_some()
            || column.working_days.is_some()
            || column.derive.is_some()
        {
            continue;
        }
        let close = fitting_label(column, header, head.0, head.1);
        let used = &uses[ci];
        // What the absence does: figures come out short, checks cannot be made.
        let (figures, checks): (Vec<&String>, Vec<&String>) =
            used.iter().partition(|u| u.starts_with("指标"));
        let mut consequence = format!("本文件的“{}”按空值处理", column.name);
        if !figures.is_empty() {
            let figures: Vec<&str> = figures.iter().map(|s| s.as_str()).collect();
            consequence.push_str(&format!("，{}会因此偏小或不全", figures.join("、")));
        }
        if !checks.is_empty() {
            let checks: Vec<&str> = checks.iter().map(|s| s.as_str()).collect();
            consequence.push_str(&format!("，{}在本文件无法进行", checks.join("、")));
        }
        let message = match close {
            Some(label) => {
                let at = unmapped.iter().position(|l| *l == label).unwrap_or(0);
                format!(
                    "找不到“{}”列；{}列表头“{label}”没有对应任何列，如果它就是“{}”，请在流水线文件该列加入 aliases = [\"{label}\"]。{consequence}",
                    column.name,
                    column_letters(origin.1 + at as u32),
                    column.name,
                )
            }
            None if !used.is_empty() => format!(
                "找不到“{}”列（可接受的表头：{}）。{consequence}",
                column.name,
                column.aliases.join("、"),
            ),
            None => continue,
        };
        out.push(("缺少列", column.name.clone(), message));
    }
    out
}

#[cfg(test)]
mod isolation_tests {
    #[test]
    fn a_reader_that_panics_gives_the_crashed_outcome_and_the_run_goes_on() {
        let got = super::isolated(|| -> u32 { panic!("no entry found for key") }, || 7);
        assert_eq!(got, 7);
        assert_eq!(super::isolated(|| 3, || 7), 3);
    }
}
