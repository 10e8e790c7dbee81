//! Ingest: finds each source's files under the data folder, reads them in parallel (rayon),
//! works out who sent each one, and returns one typed polars frame per source with the
//! provenance of every row, a per-file account of every row, and findings for whatever
//! could not be read. The only stage that opens input files.
//!
//! `workbook`/`csv` open files, `header` finds the table in a form-shaped sheet, `cell`
//! parses values, `extract` builds typed columns, `roster` matches submitters.

pub mod cell;
pub mod csv;
pub mod extract;
pub mod header;
pub mod markup;
pub mod roster;
pub mod workbook;

use std::path::{Path, PathBuf};

use calamine::{Data, Range};
use polars::prelude::*;
use rayon::prelude::*;

use crate::finding::{Finding, Severity};
use crate::pipeline::{Plan, Source, SourceKind, SubmitterFrom};
use extract::{extract, SheetContext};
pub use extract::{RowCounts, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use header::{classify_rows, closest_label, find_header, Header, RowEvidence};
pub use roster::{MatchedBy, Roster};
use workbook::{InputBook, LoadedSheet};

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
}

pub struct Ingested {
    pub roster: Roster,
    /// One frame per source, in `Plan::sources` order.
    pub tables: Vec<DataFrame>,
    pub files: Vec<FileReport>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("data folder {} does not exist (set `data` in [pipeline] or pass --data DIR)", .0.display())]
    NoDataDir(PathBuf),
    #[error("{0}")]
    Roster(String),
    #[error("building the table for source `{source_id}`: {error}")]
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
    let roster = Roster::load(&plan.roster).map_err(IngestError::Roster)?;
    let outcomes: Vec<FileOutcome> = files
        .par_iter()
        .enumerate()
        .map(|(index, file)| {
            let outcome = read_file(plan, &roster, index as u32, file);
            on_file(&file.path);
            outcome
        })
        .collect();

    let mut outcomes = outcomes;
    let mut findings = Vec::new();
    choose_among_duplicates(&files, &mut outcomes, &mut findings);
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

    let tables = tables
        .into_iter()
        .zip(&plan.sources)
        .map(|(table, source)| match table {
            Some(t) => Ok(t),
            None => extract::empty_frame(source).map_err(|error| IngestError::Polars {
                source_id: source.id.clone(),
                error,
            }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Ingested {
        roster,
        tables,
        files: reports,
        findings,
    })
}

/// Two or more files of one ledger from one submitter: the most recently modified one is
/// used (on a tie, the name that sorts last, as in 台账(更正).xlsx); the others are kept out
/// of every figure, their rows counted as 重复报送未采用, and the user is told which and why.
fn choose_among_duplicates(
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
        let modified = |i: usize| {
            std::fs::metadata(&files[i].path)
                .and_then(|m| m.modified())
                .ok()
        };
        let keeper = *members
            .iter()
            .max_by(|&&a, &&b| (modified(a), &files[a].label).cmp(&(modified(b), &files[b].label)))
            .expect("two or more");
        let same_time = members.iter().all(|&i| modified(i) == modified(keeper));
        let why = if same_time {
            "文件名排序靠后，视为更正版"
        } else {
            "修改时间最新"
        };
        for &i in members.iter().filter(|&&i| i != keeper) {
            let report = &mut outcomes[i].report;
            let used = std::mem::take(&mut report.counts.used);
            *report
                .counts
                .skipped
                .entry(header::SkipReason::SupersededFile)
                .or_default() += used;
            report.used = false;
            outcomes[i].frame = None;
            let mut finding = Finding::file(
                Severity::Warning,
                files[i].label.clone(),
                "重复报送",
                format!(
                    "同一单位报送了{}个“{}”文件：采用 {}（{why}），本文件的{used}行未计入",
                    members.len(),
                    report.source,
                    files[keeper].label.display()
                ),
            );
            finding.submitter = Some(code.clone());
            findings.push(finding);
        }
    }
}

/// Whether a submitter sent a ledger, for the completeness account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionStatus {
    Sent,
    Missing,
    /// Header but no data rows.
    Empty,
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

/// Who sent what, per ledger, against the roster.
pub fn completeness(plan: &Plan, data: &Ingested) -> Completeness {
    let mut out = Completeness::default();
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
                    c.str()
                        .ok()
                        .map(|s| s.iter().flatten().map(String::from).collect())
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
                    format!("采用 {}", used.label.display()),
                )
            } else if mine.iter().any(|f| f.used) {
                (SubmissionStatus::Sent, String::new())
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
            out.entries.push(CompletenessEntry {
                source: source.title.clone(),
                code: s.code.clone(),
                name: s.name.clone(),
                status,
                files,
                note,
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

/// A file's sheet as it was sent, read again for a feedback workbook.
pub fn sheet_as_sent(plan: &Plan, file: &FileReport) -> Option<LoadedSheet> {
    let path = plan.data_dir.join(&file.label);
    let mut book = InputBook::open(&path).ok()?;
    book.read_sheet(file.sheet.as_deref()?, false).ok()
}

/// A file without sheet names (text, an HTML table) is a summary source's file only when
/// its name carries one of the source's sheet names (`汇总表.csv`), not when it is the
/// ledger matched by the same glob.
fn sheetless_file_is_summary(source: &Source, file: &InputFile) -> bool {
    let name = file.label.to_string_lossy();
    match &source.sheet {
        crate::pipeline::SheetSelector::Names(names) => {
            names.iter().any(|n| name.contains(n.as_str()))
        }
        crate::pipeline::SheetSelector::Index(_) => true,
    }
}

struct FileOutcome {
    report: FileReport,
    frame: Option<DataFrame>,
    findings: Vec<Finding>,
    /// A summary source's file without the summary sheet: not a submission of that source.
    absent: bool,
}

fn read_file(plan: &Plan, roster: &Roster, index: u32, file: &InputFile) -> FileOutcome {
    let source = &plan.sources[file.source];
    let mut report = FileReport {
        source: source.id.clone(),
        label: file.label.clone(),
        sheet: None,
        submitter: None,
        submitter_evidence: None,
        header_row: None,
        header_height: 0,
        encoding: None,
        counts: RowCounts::default(),
        columns: Vec::new(),
        used: false,
    };
    let mut findings = Vec::new();
    let fail = |report: FileReport, findings: Vec<Finding>| FileOutcome {
        report,
        frame: None,
        findings,
        absent: false,
    };

    let opened = InputBook::open(&file.path).and_then(|mut book| {
        let sheetless = !book.format.has_named_sheets();
        if source.kind == SourceKind::Summary && sheetless && !sheetless_file_is_summary(source, file)
        {
            return Ok((book, None));
        }
        let sheet = book.load(&source.sheet)?;
        Ok((book, Some(sheet)))
    });
    let sheet = match opened {
        Ok((_, None)) => {
            return FileOutcome {
                absent: true,
                ..fail(report, findings)
            };
        }
        Ok((book, Some(sheet))) => (book, sheet),
        Err(problem) if problem.no_such_sheet && source.kind == SourceKind::Summary => {
            return FileOutcome {
                absent: true,
                ..fail(report, findings)
            };
        }
        Err(problem) => {
            let mut finding = Finding::file(
                Severity::Error,
                file.label.clone(),
                problem.rule,
                problem.message,
            );
            finding.sheet = problem.sheet;
            if source.submitter == SubmitterFrom::Path {
                report.submitter = roster
                    .match_text(&file.label.to_string_lossy())
                    .map(|(i, _)| roster.submitters[i].code.clone());
            }
            finding.submitter = report.submitter.clone();
            findings.push(finding);
            return fail(report, findings);
        }
    };
    let (
        mut book,
        LoadedSheet {
            sheet_name,
            range,
            merges,
            encoding,
            date_system,
            format: _,
        },
    ) = sheet;
    report.sheet = Some(sheet_name.clone());
    report.encoding = encoding.map(|e| e.label());
    let origin = range.start().unwrap_or((0, 0));
    let sheet_finding = |rule: &str, message: String| {
        let mut f = Finding::file(Severity::Error, file.label.clone(), rule, message);
        f.sheet = Some(sheet_name.clone());
        f
    };

    if source.submitter == SubmitterFrom::Path {
        report.submitter = roster
            .match_text(&file.label.to_string_lossy())
            .map(|(i, _)| roster.submitters[i].code.clone());
    }
    if range.is_empty() {
        let mut f = sheet_finding("empty", "工作表是空的，没有任何数据".into());
        f.submitter = report.submitter.clone();
        findings.push(f);
        return fail(report, findings);
    }
    report.counts.read = range.height() + origin.0 as usize;

    // Merged cells only help when some declared column is not matched without them.
    let mut header = find_header(&range, &source.columns, merges.as_deref().unwrap_or(&[]));
    let incomplete = |h: &Option<Header>| {
        h.as_ref()
            .is_none_or(|h| h.mapping.iter().any(Option::is_none))
    };
    if incomplete(&header) && merges.is_none() {
        let merges = book.merged_regions(&sheet_name);
        let matched =
            |h: &Option<Header>| h.as_ref().map_or(0, |h| h.mapping.iter().flatten().count());
        let again = find_header(&range, &source.columns, &merges);
        if matched(&again) > matched(&header)
            || (matched(&again) == matched(&header) && again.is_some()) && !merges.is_empty()
        {
            header = again;
        }
    }
    let Some(header) = header else {
        let wanted: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
        findings.push(sheet_finding(
            "header",
            format!(
                "在前12行中找不到表头：没有一个单元格与已声明的列名相符（{}）",
                wanted.join("、")
            ),
        ));
        report.counts.rejected = report.counts.read;
        return fail(report, findings);
    };
    let evidence = RowEvidence {
        columns: &source.columns,
        header: &header,
        date_system,
    };
    report.header_row = Some(origin.0 + header.row as u32 + 1);
    report.header_height = header.height;
    report.columns = header
        .mapping
        .iter()
        .map(|m| m.map(|c| origin.1 + c as u32))
        .collect();

    // Submitter of the whole file, unless it comes row by row from a column.
    let submitter = match source.submitter {
        SubmitterFrom::Column => None,
        from => {
            let (text, place) = match from {
                SubmitterFrom::Cell => match label_cell(&range, &header, &source.submitter_label) {
                    Some(text) => (text, "单元格"),
                    None => (String::new(), "单元格"),
                },
                _ => (file.label.to_string_lossy().into_owned(), "路径"),
            };
            match roster.match_text(&text) {
                Some((i, how)) => {
                    let s = &roster.submitters[i];
                    let what = match how {
                        MatchedBy::Code => format!("代码 {}", s.code),
                        MatchedBy::Name => format!("名称 {}", s.name),
                        MatchedBy::ShortName => format!("简称 {}", s.name),
                    };
                    report.submitter = Some(s.code.clone());
                    report.submitter_evidence = Some(format!("{place}中的{what}"));
                    Some(i)
                }
                None => {
                    let message = match from {
                        SubmitterFrom::Cell if text.is_empty() => format!(
                            "表头上方没有“{}：…”单元格，无法确定报送单位",
                            source.submitter_label
                        ),
                        SubmitterFrom::Cell => {
                            format!("“{}：{text}”不在报送单位名单中", source.submitter_label)
                        }
                        _ => {
                            "文件路径中没有报送单位名单里的代码或名称，无法确定报送单位".to_string()
                        }
                    };
                    findings.push(sheet_finding("submitter", message));
                    reject_all(&range, &evidence, &mut report);
                    return fail(report, findings);
                }
            }
        }
    };

    let missing: Vec<&crate::pipeline::Column> = source
        .columns
        .iter()
        .zip(&header.mapping)
        .filter(|(c, m)| c.required && m.is_none())
        .map(|(c, _)| c)
        .collect();
    if !missing.is_empty() {
        let found: Vec<&str> = header
            .labels
            .iter()
            .map(String::as_str)
            .filter(|l| !l.is_empty())
            .collect();
        for column in missing {
            let hint = closest_label(&column.aliases, &header.labels)
                .map(|l| {
                    format!(
                        "；最接近的表头是“{l}”，如果它就是“{}”，请把它加入 aliases",
                        column.name
                    )
                })
                .unwrap_or_default();
            let mut f = sheet_finding(
                "header",
                format!(
                    "缺少必填列“{}”（可接受的表头：{}）。第{}行的表头为：{}{hint}",
                    column.name,
                    column.aliases.join("、"),
                    origin.0 as usize + header.row + 1,
                    found.join("、")
                ),
            );
            f.submitter = report.submitter.clone();
            f.column = Some(column.name.clone());
            findings.push(f);
        }
        reject_all(&range, &evidence, &mut report);
        return fail(report, findings);
    }

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
    match extract(&ctx, &range, &header) {
        Ok(extracted) => {
            report.counts = extracted.counts;
            report.used = report.counts.used > 0;
            findings.extend(extracted.findings);
            if report.counts.used == 0 && report.counts.rejected == 0 {
                let mut f = sheet_finding("empty", "表头下没有数据行（空表）".into());
                f.severity = Severity::Warning;
                f.submitter = report.submitter.clone();
                findings.push(f);
            }
            FileOutcome {
                report,
                frame: Some(extracted.frame),
                findings,
                absent: false,
            }
        }
        Err(e) => {
            findings.push(sheet_finding(
                "file",
                format!("内部错误，无法建立数据表：{e}"),
            ));
            fail(report, findings)
        }
    }
}

/// Counts every data row of a file that cannot be used as rejected (skipped rows stay skipped).
fn reject_all(range: &Range<Data>, evidence: &RowEvidence, report: &mut FileReport) {
    let header = evidence.header;
    let origin = range.start().unwrap_or((0, 0)).0 as usize;
    report.counts.title = origin + header.row;
    report.counts.header = header.height;
    for class in classify_rows(range, header, evidence) {
        match class {
            Some(reason) => *report.counts.skipped.entry(reason).or_default() += 1,
            None => report.counts.rejected += 1,
        }
    }
}

/// The text after `label` (填报单位：XX街道) in the rows above the header, up to the next
/// space or the next label on the same line (计量单位：…, 报告期：…).
fn label_cell(range: &Range<Data>, header: &Header, label: &str) -> Option<String> {
    const NEXT_LABELS: [&str; 5] = ["计量单位", "金额单位", "报告期", "填报日期", "填表日期"];
    for row in range.rows().take(header.row) {
        for value in row {
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
                return Some(name.to_string());
            }
        }
    }
    None
}
