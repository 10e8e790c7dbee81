//! The pipeline file: what to read, how its columns are named in the wild, what to compute
//! and how the report looks. `spec` holds the TOML as written, `compile` turns it into a
//! [`Plan`] with every name resolved and every SQL string checked, collecting all errors at
//! once with their line and column (`diagnostics`). The rest of the engine only sees a Plan.

pub mod compile;
pub mod diagnostics;
pub mod evaluate;
pub mod period;
pub mod spec;
pub mod sql;
pub mod words;

use std::path::{Path, PathBuf};

pub use compile::compile;
pub use diagnostics::Diagnostic;
pub use period::Period;
pub use spec::{ColumnType, Display, SourceKind, SubmitterFrom, TotalPosition};
pub use sql::{Arith, ValueKind};

/// Command-line settings that replace the file's own.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub period: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Folder for the report and findings outputs, keeping the file's own report name.
    pub output_dir: Option<PathBuf>,
}

/// A compiled pipeline: names resolved, SQL checked, paths absolute or relative to the cwd.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The pipeline file itself.
    pub file: PathBuf,
    pub name: String,
    pub title: String,
    pub period: Period,
    pub data_dir: PathBuf,
    pub output: PathBuf,
    pub reporter: Option<String>,
    pub roster: RosterSource,
    pub sources: Vec<Source>,
    pub measures: Vec<Measure>,
    pub indicators: Vec<Indicator>,
    pub sheets: Vec<SheetLayout>,
    pub reconciliations: Vec<Reconciliation>,
    pub limits: Limits,
    /// Per source, per declared column, what uses it ([`Plan::column_uses`]), worked out
    /// once when compiled rather than for every file read.
    pub uses: Vec<Vec<Vec<String>>>,
}

/// Bounds on one input file (`[limits]`); a file over one is refused with a finding that
/// says what was too large. Checked before parsing (file size, each zip part's declared
/// unpacked size and ratio) and while streaming (cells).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub file_bytes: u64,
    pub unpacked_bytes: u64,
    /// Applies to parts over [`Limits::RATIO_FROM_BYTES`] unpacked.
    pub compression_ratio: u64,
    pub sheet_cells: u64,
}

impl Limits {
    /// Parts smaller than this are not held to the ratio: small XML compresses very well.
    pub const RATIO_FROM_BYTES: u64 = 50 * MB;
}

const MB: u64 = 1 << 20;

impl Default for Limits {
    /// Generous for township files (a 1M-row ledger is about 40 MB of xlsx and 500 MB of
    /// sheet XML); far below what takes a 24 GB machine down.
    fn default() -> Self {
        Limits {
            file_bytes: 500 * MB,
            unpacked_bytes: 2048 * MB,
            compression_ratio: 500,
            sheet_cells: 50_000_000,
        }
    }
}

/// `[[reconcile]]`, compiled: per submitter, each summary column's total equals a measure.
#[derive(Debug, Clone)]
pub struct Reconciliation {
    pub name: String,
    /// Index into `Plan::sources`.
    pub summary: usize,
    /// (index into the summary source's columns, index into `Plan::measures`).
    pub pairs: Vec<(usize, usize)>,
    pub severity: crate::finding::Severity,
}

impl Plan {
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// A source's title for people (数据来源, 数据核对), its id if unknown.
    pub fn source_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.source(id).map_or(id, |s| s.title.as_str())
    }

    pub fn measure(&self, name: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.name == name)
    }

    pub fn indicator(&self, name: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.name == name)
    }

    /// For each declared column of a source, what uses it (measure labels, rule names,
    /// `period_column`…): an absent column that something uses changes figures, one that
    /// nothing uses does not. Read it from [`Plan::uses`]; this fills it.
    pub fn column_uses(&self, source: usize) -> Vec<Vec<String>> {
        let s = &self.sources[source];
        let mut uses = vec![Vec::new(); s.columns.len()];
        let index = |name: &str| s.columns.iter().position(|c| c.name == name);
        for m in self.measures.iter().filter(|m| m.source == source) {
            let sql = std::iter::once(&m.sql).chain(&m.filter);
            for column in sql.flat_map(|text| sql::column_refs(text)) {
                if let Some(i) = index(&column.name) {
                    uses[i].push(format!("指标“{}”", m.label));
                }
            }
        }
        for rule in &s.rules {
            let named = match &rule.kind {
                RuleKind::Check { columns, .. } => columns.clone(),
                _ => rule.column.into_iter().collect(),
            };
            for i in named {
                uses[i].push(format!("校验规则“{}”", rule.name));
            }
        }
        if let Some(i) = s.period_column {
            uses[i].push("报告期筛选".into());
        }
        if let Some(i) = s.submitter_column {
            uses[i].push("报送单位识别".into());
        }
        for r in self.reconciliations.iter().filter(|r| r.summary == source) {
            for (c, _) in &r.pairs {
                uses[*c].push(format!("“{}”", r.name));
            }
        }
        for u in &mut uses {
            u.dedup();
        }
        uses
    }

    /// `{name}`, `{period}`, `{year}`, `{period_label}` filled in.
    pub fn expand(&self, template: &str) -> String {
        expand_template(template, &self.name, &self.period)
    }
}

pub(crate) fn expand_template(template: &str, name: &str, period: &Period) -> String {
    template
        .replace("{name}", name)
        .replace("{period_label}", &period.label())
        .replace("{period}", &period.to_string())
        .replace("{year}", &period.year.to_string())
}

/// Where the roster comes from; read by `ingest::roster`.
#[derive(Debug, Clone)]
pub enum RosterSource {
    File(PathBuf),
    Inline(Vec<spec::RosterEntrySpec>),
}

/// How a source's sheet is picked in a workbook.
#[derive(Debug, Clone)]
pub enum SheetSelector {
    /// 0-based position.
    Index(usize),
    /// Accepted names, compared after normalising spaces and full-width characters.
    Names(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub kind: SourceKind,
    pub files: Vec<String>,
    pub sheet: SheetSelector,
    pub submitter: SubmitterFrom,
    /// For `from = "cell"`: the label in front of the name.
    pub submitter_label: String,
    /// For `from = "column"`: index into `columns`.
    pub submitter_column: Option<usize>,
    /// Index into `columns` of the date that must fall in the period.
    pub period_column: Option<usize>,
    pub columns: Vec<Column>,
    pub rules: Vec<Rule>,
}

impl Source {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    /// Canonical name: the name used in SQL and in the Arrow table.
    pub name: String,
    /// Header spellings, the canonical name first.
    pub aliases: Vec<String>,
    pub kind: ColumnType,
    pub required: bool,
    /// For enums: canonical value and its aliases (the canonical spelling included).
    pub values: Vec<(String, Vec<String>)>,
}

/// A validation rule of a source, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shown in findings: the `name` key, or the kind (`range`, `unique`…).
    pub name: String,
    /// Index into `Source::columns`; `None` for `check` rules.
    pub column: Option<usize>,
    pub kind: RuleKind,
    pub severity: crate::finding::Severity,
    /// Message template with `{value}`, `{column}`, `{min}`, `{max}`.
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    Range {
        min: Option<Bound>,
        max: Option<Bound>,
    },
    Allowed(Vec<String>),
    Pattern(regex::Regex),
    Length {
        min: Option<usize>,
        max: Option<usize>,
    },
    Unique(spec::UniqueScope),
    Identifier(spec::IdentifierKind),
    /// A SQL boolean every row must satisfy; the columns it names (for the cell reference).
    Check {
        sql: String,
        columns: Vec<usize>,
    },
    /// Indices of the other source and its column.
    Reference {
        source: usize,
        column: usize,
    },
}

impl RuleKind {
    /// Rules that look at one cell at a time run while the sheet is read; the others need
    /// the whole table (all files) and run after ingest.
    pub fn is_cell_rule(&self) -> bool {
        matches!(
            self,
            RuleKind::Range { .. }
                | RuleKind::Allowed(_)
                | RuleKind::Pattern(_)
                | RuleKind::Length { .. }
                | RuleKind::Identifier(_)
        )
    }
}

/// A range bound: a number (money bounds in 元) or a date (days since 1970-01-01).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    Number(f64),
    Date(i32),
}

#[derive(Debug, Clone)]
pub struct Measure {
    pub name: String,
    pub label: String,
    /// Index into `Plan::sources`.
    pub source: usize,
    pub sql: String,
    pub filter: Option<String>,
    pub kind: ValueKind,
    /// What it counts or adds up, in words, for the 说明 (`None` when beyond words).
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub name: String,
    pub label: String,
    pub expr: Arith,
    pub display: Display,
    /// The formula in words, printed in the report's notes.
    pub formula: String,
}

#[derive(Debug, Clone)]
pub struct SheetLayout {
    pub name: String,
    pub title: String,
    pub unit: Option<String>,
    pub total: TotalPosition,
    pub show_codes: bool,
    pub row_header: String,
    pub columns: Vec<ReportColumn>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ReportColumn {
    pub header: Vec<String>,
    /// An indicator name (measures are exposed as indicators of themselves, see compile).
    pub indicator: String,
    pub display: Display,
}

/// Why a pipeline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read pipeline file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} has {} error(s)", file.display(), diagnostics.len())]
    Invalid {
        file: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
}

/// Reads and compiles a pipeline file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Plan, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    compile(path, &text, overrides).map_err(|diagnostics| LoadError::Invalid {
        file: path.to_path_buf(),
        diagnostics,
    })
}
