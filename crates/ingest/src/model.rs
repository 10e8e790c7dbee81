//! The types ingest hands every later stage: the files found, each file's account
//! ([`FileReport`]), the ingested tables ([`Ingested`]) and how to find a submitter's rows
//! in them ([`submitter_runs`]), and who sent what ([`Completeness`]). Kept apart from the
//! reading code so that a stage that only uses them reads a short file.

use std::path::PathBuf;

use finding::Finding;
use polars::prelude::*;

use crate::extract::{RowCounts, SUBMITTER_COLUMN};
use crate::roster::Roster;

/// A file found for a source.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Index into `Plan::sources`.
    pub source: usize,
    pub path: PathBuf,
    /// The path relative to the data folder, as shown to users.
    pub label: PathBuf,
}

/// What happened to one file: shown in the summary and the report's 数据来源 sheet.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: String,
    pub label: PathBuf,
    pub sheet: Option<String>,
    /// Roster code of the submitter.
    pub submitter: Option<String>,
    /// How the submitter was found, in words: `路径中的代码 510107001`.
    pub submitter_evidence: Option<String>,
    /// 1-based row of the (first) header row, and how many header rows.
    pub header_row: Option<u32>,
    pub header_height: usize,
    pub encoding: Option<&'static str>,
    pub counts: RowCounts,
    /// 0-based sheet column of each declared column (for cell references), when found.
    pub columns: Vec<Option<u32>>,
    /// False when the file contributed no rows (unreadable, no header, unknown submitter…).
    pub used: bool,
    /// Header cells that matched no declared column: (A1 column letters, label as written).
    pub unmapped_headers: Vec<(String, String)>,
    /// Optional declared columns the sheet does not have.
    pub absent_columns: Vec<String>,
    /// Declared columns the sheet does not have that were made by their `derive`.
    pub derived_columns: Vec<String>,
    /// Date columns the sheet does not have, filled from the fallback its measures name:
    /// (the date, the column it was taken from).
    pub substituted_dates: Vec<(String, String)>,
    /// What the file is (by content), in words.
    pub format: Option<&'static str>,
    /// Why this file was chosen among several of one submitter, or why it was not.
    pub choice: Option<String>,
    /// Earliest and latest date of the rows outside the period (days since 1970).
    pub outside_period: Option<(i32, i32)>,
    /// When the file says it was sent: a 填报日期 cell above the header (completeness falls
    /// back on the file's modification time).
    pub submitted_on: Option<SubmittedOn>,
    /// For a source without a period column: rows were used, but none has a measure's date
    /// in the period — earliest and latest such date (days since 1970), `None` inside when
    /// the rows have none (`validate::period`).
    pub dated_outside: Option<Option<(i32, i32)>>,
    /// For a source without a period column whose measures are dated: the used rows with no
    /// measure's date in the period (in no dated figure of it, as a cumulative ledger's older
    /// cases; a stock such as 期末未结 may still count them).
    pub undated_rows: Option<usize>,
    /// The township's "以上数据无误" for exactly this file (who, when), in words; set by a
    /// run that keeps the period in the store, from the store's confirmations.
    pub confirmed: Option<String>,
}

impl FileReport {
    /// A file's report before anything of it is known.
    pub fn blank(source: &str, label: PathBuf) -> FileReport {
        FileReport {
            source: source.to_string(),
            label,
            sheet: None,
            submitter: None,
            submitter_evidence: None,
            header_row: None,
            header_height: 0,
            encoding: None,
            counts: RowCounts::default(),
            columns: Vec::new(),
            used: false,
            unmapped_headers: Vec::new(),
            absent_columns: Vec::new(),
            derived_columns: Vec::new(),
            substituted_dates: Vec::new(),
            format: None,
            choice: None,
            outside_period: None,
            submitted_on: None,
            dated_outside: None,
            undated_rows: None,
            confirmed: None,
        }
    }

    /// A file as a stored run recorded it (its manifest): what it was, whose, and its row
    /// account; what only reading it tells (header, columns, encoding) is unknown.
    pub fn as_stored(
        source: &str,
        label: PathBuf,
        sheet: Option<String>,
        submitter: Option<String>,
        counts: RowCounts,
        used: bool,
    ) -> FileReport {
        FileReport {
            sheet,
            submitter,
            counts,
            used,
            ..FileReport::blank(source, label)
        }
    }
}

/// The day a file was sent (days since 1970) and what says so, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmittedOn {
    pub day: i32,
    /// `表内“填报日期”` or `文件修改时间`.
    pub evidence: String,
    /// The file's own time, which copying or unpacking can change.
    pub from_file_time: bool,
}

pub struct Ingested {
    pub roster: Roster,
    /// One frame per source, in `Plan::sources` order. Its rows come file by file, in the
    /// order of `files`, each file's rows one piece (chunk) of the frame: never joined into
    /// one, since at province scale that copy is the run's peak memory.
    pub tables: Vec<DataFrame>,
    pub files: Vec<FileReport>,
    pub findings: Vec<Finding>,
}

/// Rows of a table as runs of consecutive row indices.
pub type RowRuns = Vec<std::ops::Range<usize>>;

/// Each submitter's rows of a table as runs of row indices, by roster index. Rows come file
/// by file, so when the submitter is per file, a submitter's rows are one run per file —
/// found in one pass over `_submitter`, without hashing or copying any row.
pub fn submitter_runs(table: &DataFrame) -> PolarsResult<Vec<(Option<u32>, RowRuns)>> {
    let submitters = table.column(SUBMITTER_COLUMN)?.u32()?;
    let mut by_submitter: std::collections::BTreeMap<Option<u32>, RowRuns> = Default::default();
    let mut run: Option<(Option<u32>, usize)> = None;
    for (i, submitter) in submitters.iter().enumerate() {
        match run {
            Some((current, _)) if current == submitter => {}
            Some((current, start)) => {
                by_submitter.entry(current).or_default().push(start..i);
                run = Some((submitter, i));
            }
            None => run = Some((submitter, i)),
        }
    }
    if let Some((current, start)) = run {
        by_submitter
            .entry(current)
            .or_default()
            .push(start..submitters.len());
    }
    Ok(by_submitter.into_iter().collect())
}

/// The rows of `runs` as one frame, without copying them (slices share the table's memory).
pub fn rows_of(table: &DataFrame, runs: &[std::ops::Range<usize>]) -> PolarsResult<DataFrame> {
    let mut parts = runs.iter().map(|r| table.slice(r.start as i64, r.len()));
    let mut frame = parts.next().unwrap_or_else(|| table.clear());
    for part in parts {
        frame.vstack_mut_owned(part)?;
    }
    Ok(frame)
}

/// Whether a submitter sent a ledger, for the completeness account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionStatus {
    Sent,
    Missing,
    /// Header but no data rows.
    Empty,
    /// Data rows, but every one dated outside the report period.
    OutsidePeriod,
    /// More than one file; one was used.
    Duplicate,
    /// Sent, but nothing in it could be used (see the findings).
    Unusable,
}

impl SubmissionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SubmissionStatus::Sent => "已报送",
            SubmissionStatus::Missing => "未报送",
            SubmissionStatus::Empty => "空表",
            SubmissionStatus::OutsidePeriod => "无报告期数据",
            SubmissionStatus::Duplicate => "重复报送",
            SubmissionStatus::Unusable => "无法使用",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CompletenessEntry {
    pub source: String,
    pub code: String,
    pub name: String,
    pub status: SubmissionStatus,
    pub files: Vec<String>,
    pub note: String,
    /// With a deadline (`[pipeline] due_days`): why the file used counts as late (迟报),
    /// with the day it was sent and what says so; `None` when on time or without one.
    pub late: Option<String>,
}

/// Every (ledger, roster submitter) pair with its status, and files matching no submitter.
#[derive(Debug, Clone, Default)]
pub struct Completeness {
    pub entries: Vec<CompletenessEntry>,
    /// (ledger, file) of files no roster entry could be found for.
    pub unmatched: Vec<(String, String)>,
}

impl Completeness {
    pub fn count(&self, status: SubmissionStatus) -> usize {
        self.entries.iter().filter(|e| e.status == status).count()
    }
}
