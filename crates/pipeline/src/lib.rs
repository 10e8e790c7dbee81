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
pub mod texts;
pub mod window;
pub mod words;

use std::path::{Path, PathBuf};

pub use compile::compile;
pub use diagnostics::Diagnostic;
pub use period::Period;
pub use spec::{ColumnType, Display, SourceKind, SubmitterFrom, TotalPosition};
pub use sql::{Arith, ArithOp, ValueKind};
pub use texts::FileTexts;

/// The suffix of a money column in the store and the `results` table: the unit is in the
/// name, for a DuckDB user.
pub const FEN_SUFFIX: &str = "_分";

/// The sheet every report adds after its tables: each file read and its row account.
pub const SOURCES_SHEET: &str = "数据来源";
/// The sheet every report adds last: the definitions of its indicators and measures.
pub const DEFINITIONS_SHEET: &str = "指标说明";
/// The sheets every report adds, in order; no declared sheet may take their names.
pub const ADDED_SHEETS: [&str; 2] = [SOURCES_SHEET, DEFINITIONS_SHEET];

/// Command-line settings that replace the file's own.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub period: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub output: Option<PathBuf>,
    /// Folder for the report and findings outputs, keeping the file's own report name.
    pub output_dir: Option<PathBuf>,
    /// `--store DIR`: the store folder instead of the file's `store`.
    pub store: Option<PathBuf>,
    /// `--no-store`: nothing read from or written to a store.
    pub no_store: bool,
    /// The days `{period_start}`/`{period_end}` stand for, instead of the period's own: a
    /// plan compiled for a window (本年累计 runs from the year's first day).
    pub window_days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// `--set name=value`: settings chosen for this run instead of the file's values, as
    /// written on the command line (checked against the file's setting when compiled).
    pub settings: Vec<(String, String)>,
}

/// A compiled pipeline: names resolved, SQL checked, paths absolute or relative to the cwd.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The pipeline file itself.
    pub file: PathBuf,
    /// The files its `include = [...]` names, in order (compiled as if appended to it).
    pub included: Vec<PathBuf>,
    /// The text of every file it was compiled from, as read then ([`Plan::recompile`]).
    pub compiled_from: FileTexts,
    pub name: String,
    pub title: String,
    pub period: Period,
    pub data_dir: PathBuf,
    pub output: PathBuf,
    pub reporter: Option<String>,
    /// The store folder (periods kept between runs); `None` with `--no-store`.
    pub store: Option<PathBuf>,
    /// The command-line settings it was compiled with: a window's plan is compiled again
    /// with other days (`Overrides::window_days`).
    pub overrides: Overrides,
    /// Submissions are due this many days after the period's last day; `None`: no deadline.
    pub due_days: Option<u32>,
    pub roster: RosterSource,
    /// `[roster.constants]`, in name order.
    pub constants: Vec<RosterConstant>,
    pub sources: Vec<Source>,
    pub measures: Vec<Measure>,
    pub indicators: Vec<Indicator>,
    pub sheets: Vec<SheetLayout>,
    pub charts: Vec<ChartLayout>,
    pub lists: Vec<ListLayout>,
    /// `[report.headline]`: the 主要指标 sheet, written first.
    pub headline: Option<HeadlineLayout>,
    pub reconciliations: Vec<Reconciliation>,
    /// `[[plausibility]]`: the reviews run after compute (合理性审核), in the file's order.
    pub plausibility: Vec<PlausibilityCheck>,
    /// `[[queries]]`: saved questions for the store (placeholders filled), in order.
    pub queries: Vec<SavedQuery>,
    pub limits: Limits,
    /// `[settings]`, in the file's order.
    pub settings: Vec<Setting>,
    /// `[calendar]`: holidays and working weekend days, for `working_days` columns.
    pub calendar: Option<Calendar>,
    /// Per source, per declared column, what uses it ([`Plan::column_uses`]), worked out
    /// once when compiled rather than for every file read.
    pub uses: Vec<Vec<Vec<String>>>,
}

/// The working calendar (`[calendar]`): Monday to Friday, less 法定节假日, plus the
/// Saturdays and Sundays worked instead (调休), as days since 1970-01-01.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub file: PathBuf,
    pub holidays: std::collections::HashSet<i32>,
    pub workdays: std::collections::HashSet<i32>,
    /// The first and last day the file lists: a date outside its years is counted by
    /// weekdays alone, and said so.
    pub covers: Option<(i32, i32)>,
}

impl Calendar {
    pub fn is_working_day(&self, day: i32) -> bool {
        if self.holidays.contains(&day) {
            return false;
        }
        if self.workdays.contains(&day) {
            return true;
        }
        // 1970-01-01 was a Thursday: day 0 → weekday index 3 (Monday 0).
        (day + 3).rem_euclid(7) < 5
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not later).
    pub fn working_days_between(&self, from: i32, to: i32) -> i32 {
        ((from + 1)..=to)
            .filter(|&d| self.is_working_day(d))
            .count() as i32
    }

    /// A running count of working days over `first..=last`, so that a column of a million
    /// spans is counted by two lookups each, not day by day: `between(from, to)` is
    /// [`Calendar::working_days_between`] for days within the range.
    pub fn running_count(&self, first: i32, last: i32) -> RunningCount {
        // An empty range (first after last: no span to count) holds nothing.
        let days = (i64::from(last) - i64::from(first) + 1).max(0) as usize;
        let mut counts = Vec::with_capacity(days);
        let mut so_far = 0;
        for day in first..=last {
            so_far += self.is_working_day(day) as i32;
            counts.push(so_far);
        }
        RunningCount { first, counts }
    }
}

/// Working days counted up to each day of a range ([`Calendar::running_count`]).
pub struct RunningCount {
    first: i32,
    counts: Vec<i32>,
}

impl RunningCount {
    pub fn between(&self, from: i32, to: i32) -> i32 {
        if to <= from {
            return 0;
        }
        let at = |day: i32| self.counts[(day - self.first) as usize];
        at(to) - at(from)
    }
}

/// A roster constant (`[roster.constants.<name>]`): a figure per submitter from a roster
/// column, used in indicators like a measure; 合计 and subtotals are its sums.
#[derive(Debug, Clone)]
pub struct RosterConstant {
    pub name: String,
    /// The roster column it is read from.
    pub column: String,
    pub label: String,
}

/// A setting (`[settings.<name>]`): a choice used as `{name}` in SQL and indicators.
#[derive(Debug, Clone)]
pub struct Setting {
    pub name: String,
    pub label: String,
    /// As it is filled in: `10`, `accepted`, `true`.
    pub value: String,
    pub note: Option<String>,
    /// The measures and indicators whose SQL or expression names it, for the 说明.
    pub used_by: Vec<String>,
    /// The file's value when `--set` chose another for this run (the 说明 says both).
    pub file_value: Option<String>,
}

impl Setting {
    /// The value in words for the 说明: true/false as 是/否.
    pub fn value_in_words(value: &str) -> &str {
        match value {
            "true" => "是",
            "false" => "否",
            other => other,
        }
    }
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
            compression_ratio: 250,
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
    pub severity: finding::Severity,
}

/// `[[queries]]`, compiled: a name, the SQL with its placeholders filled, a note.
#[derive(Debug, Clone)]
pub struct SavedQuery {
    pub name: String,
    pub sql: String,
    pub note: Option<String>,
}

/// `[[plausibility]]`, compiled: a review statistics offices run before publishing. A figure
/// that fails it is a warning to its township (a question, never an exclusion), naming both
/// values and the threshold.
#[derive(Debug, Clone)]
pub struct PlausibilityCheck {
    pub name: String,
    pub test: PlausibilityTest,
    /// The indicators and measures it reads, for the 说明 of the sheets that show them.
    pub figures: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum PlausibilityTest {
    /// 历史比较: the figure of the period against an earlier one: the same figure over a
    /// window (上期, 上年同期, from the store) or another figure (last year's published one).
    Change {
        base: ChangeBase,
        /// How the figure is shown (the values in the message are shown so).
        display: Display,
        limit: ChangeLimit,
        /// An earlier figure smaller than this (in the figure's own unit: cases, 万元, a
        /// fraction for rates) is not compared.
        min_base: f64,
    },
    /// 定额分析: a township's figure against the others': |x − median| / (1.4826 · MAD).
    Outlier { indicator: String, threshold: f64 },
    /// 关联审核: `left op right`, at every township and the total.
    Relation {
        left: sql::Arith,
        op: Comparison,
        right: sql::Arith,
        /// The relation in words: 结案数 ≤ 上期未结案件数 + 受理数.
        words: String,
    },
}

/// What a figure is compared with in a `[[plausibility]]` change review.
#[derive(Debug, Clone)]
pub enum ChangeBase {
    /// The same figure over an earlier window: `indicator`, `display` and `window` say which.
    Window(ReportColumn),
    /// Another indicator or measure of the same run (`recovered_wan_last_year`, read from
    /// last year's published report): `figure` is the one reviewed.
    Figure { figure: String, base: String },
}

impl ChangeBase {
    /// The figure reviewed.
    pub fn figure(&self) -> &str {
        match self {
            ChangeBase::Window(column) => &column.indicator,
            ChangeBase::Figure { figure, .. } => figure,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChangeLimit {
    /// Percent of the earlier figure.
    Percent(f64),
    /// 百分点, for rates.
    Points(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    AtMost,
    Below,
    AtLeast,
    Above,
    Equal,
}

impl PlausibilityCheck {
    /// What a change review compares with, in words: 上年同期, or the other figure's label.
    pub fn against_words(&self, plan: &Plan) -> String {
        match &self.test {
            PlausibilityTest::Change {
                base: ChangeBase::Window(column),
                ..
            } => column.window.words(),
            PlausibilityTest::Change {
                base: ChangeBase::Figure { base, .. },
                ..
            } => plan.label_of(base),
            _ => String::new(),
        }
    }

    /// What the review questions, in words, for the 说明.
    pub fn describe(&self, plan: &Plan) -> String {
        let label = |name: &str| plan.label_of(name);
        match &self.test {
            PlausibilityTest::Change {
                base,
                display,
                limit,
                min_base,
            } => {
                let against = self.against_words(plan);
                let limit = match limit {
                    ChangeLimit::Percent(p) => format!("{p}%"),
                    ChangeLimit::Points(p) => format!("{p}个百分点"),
                };
                // `min_base` is held as the figure is (fen for money), said as it is shown.
                let smallest = match display {
                    Display::TenThousandYuan => format!("{}万元", min_base / 1_000_000.0),
                    Display::Yuan => format!("{}元", min_base / 100.0),
                    Display::Percent | Display::PercentTwoDecimals => {
                        format!("{}%", min_base * 100.0)
                    }
                    _ => min_base.to_string(),
                };
                let floor = match *min_base > 0.0 {
                    true => format!("（{against}小于{smallest}的不比较）"),
                    false => String::new(),
                };
                format!(
                    "{}与{against}相比变动超过{limit}的提请核实{floor}",
                    label(base.figure()),
                )
            }
            PlausibilityTest::Outlier {
                indicator,
                threshold,
            } => format!(
                "{}偏离各单位中位数超过{threshold}个稳健标准差（中位数绝对偏差×1.4826）的提请核实",
                label(indicator)
            ),
            PlausibilityTest::Relation { words, .. } => {
                format!("各单位及合计应满足“{words}”")
            }
        }
    }
}

impl Comparison {
    pub fn holds(self, left: f64, right: f64) -> bool {
        // Money arrives as whole fen and counts as whole numbers: a small tolerance only
        // absorbs the float sums of a rate or an average.
        let tolerance = 1e-9 * left.abs().max(right.abs()).max(1.0);
        match self {
            Comparison::AtMost => left <= right + tolerance,
            Comparison::Below => left < right - tolerance,
            Comparison::AtLeast => left + tolerance >= right,
            Comparison::Above => left > right + tolerance,
            Comparison::Equal => (left - right).abs() <= tolerance,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtMost => "≤",
            Comparison::Below => "<",
            Comparison::AtLeast => "≥",
            Comparison::Above => ">",
            Comparison::Equal => "=",
        }
    }
}

impl Plan {
    /// The earlier-window figures the `[[plausibility]]` comparisons need, computed with the
    /// report's windows.
    pub fn plausibility_bases(&self) -> impl Iterator<Item = &ReportColumn> {
        self.plausibility.iter().filter_map(|c| match &c.test {
            PlausibilityTest::Change {
                base: ChangeBase::Window(column),
                ..
            } => Some(column),
            _ => None,
        })
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    /// A source's title for people (数据来源, 数据核对), its id if unknown.
    /// The settings that the given indicators or measures use, directly or through the
    /// indicators and measures they are computed from, in the file's order.
    pub fn settings_used_by<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<&Setting> {
        let seen = self.names_behind(names);
        self.settings
            .iter()
            .filter(|s| s.used_by.iter().any(|u| seen.contains(u)))
            .collect()
    }

    /// The roster constants the given indicators use, directly or through other indicators.
    pub fn constants_used_by<'a>(
        &self,
        names: impl Iterator<Item = &'a str>,
    ) -> Vec<&RosterConstant> {
        let seen = self.names_behind(names);
        self.constants
            .iter()
            .filter(|c| seen.contains(&c.name))
            .collect()
    }

    /// The names given and every name their indicators are computed from ([`names_behind`]).
    fn names_behind<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        names_behind(&self.indicators, names)
    }

    pub fn source_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.source(id).map_or(id, |s| s.title.as_str())
    }

    pub fn measure(&self, name: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.name == name)
    }

    /// What a figure is called for people: its indicator's, measure's or constant's label,
    /// else its name.
    pub fn label_of(&self, name: &str) -> String {
        self.indicator(name)
            .map(|i| i.label.clone())
            .or_else(|| self.measure(name).map(|m| m.label.clone()))
            .or_else(|| self.constant(name).map(|c| c.label.clone()))
            .unwrap_or_else(|| name.to_string())
    }

    pub fn constant(&self, name: &str) -> Option<&RosterConstant> {
        self.constants.iter().find(|c| c.name == name)
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
                RuleKind::Check { columns, .. } | RuleKind::Key(columns) => columns.clone(),
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

    /// The sources the measures behind these indicators (or measures) read, in plan order.
    pub fn sources_of<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<usize> {
        let mut sources: Vec<usize> = self
            .measures_behind(names)
            .iter()
            .filter_map(|m| self.measure(m))
            .map(|m| m.source)
            .collect();
        sources.sort_unstable();
        sources.dedup();
        sources
    }

    /// The measures the given names are or are computed from, each once, in the order met.
    pub fn measures_behind<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut behind = self.names_behind(names);
        behind.retain(|name| self.measure(name).is_some());
        behind
    }

    /// The template (a title, a note) with its placeholders ([`Placeholders`]) and
    /// settings filled in, as `check` accepted it.
    pub fn expand(&self, template: &str) -> String {
        Placeholders::new(&self.name, &self.period)
            .with_settings(&self.settings)
            .fill(template)
    }
}

/// The names given and every name their indicators are computed from, at any depth, each
/// once, depth first in the order the formulas name them (the given names first): the one
/// walk from a figure to the measures, indicators, constants and settings behind it, used
/// by the 说明, the categories' check, `explain` and the constants a sheet needs. An
/// indicator's own `expr` may name a setting or a constant, so indicators are kept too.
pub fn names_behind<'a>(
    indicators: &[Indicator],
    names: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    fn walk(indicators: &[Indicator], name: &str, seen: &mut Vec<String>) {
        if seen.iter().any(|s| s == name) {
            return;
        }
        seen.push(name.to_string());
        if let Some(indicator) = indicators.iter().find(|i| i.name == name) {
            for inner in indicator.expr.measures() {
                walk(indicators, inner, seen);
            }
        }
    }
    let mut seen = Vec::new();
    for name in names {
        walk(indicators, name, &mut seen);
    }
    seen
}

pub(crate) fn expand_template(template: &str, name: &str, period: &Period) -> String {
    Placeholders::new(name, period).fill(template)
}

/// The placeholders a pipeline's texts may hold — paths, titles, notes and SQL — and their
/// values for one run: `{name}`, `{period}` (2024, 2024H1, 2024Q3, 2024-11), `{period_label}`
/// (2024年1-6月), `{year}`, `{month}` (the period's last month, 1–12), `{mm}` (the same, two
/// digits: 01–12, for file names), `{quarter}` (1–4) and `{half}` (1–2) of that month,
/// `{prev_year}`, `{period_start}` and `{period_end}` (its first and last day, 2024-01-01, for
/// SQL: `受理日期 <= date '{period_end}'`).
pub struct Placeholders {
    values: Vec<(String, String)>,
}

impl Placeholders {
    pub fn new(name: &str, period: &Period) -> Placeholders {
        Placeholders::with_days(name, period, period.bounds())
    }

    /// As [`Placeholders::new`], with `{period_start}`/`{period_end}` the days of a window.
    pub fn with_days(
        name: &str,
        period: &Period,
        (start, end): (chrono::NaiveDate, chrono::NaiveDate),
    ) -> Placeholders {
        Placeholders {
            // In the order of `BUILT_IN`.
            values: Placeholders::BUILT_IN
                .iter()
                .map(|name| name.to_string())
                .zip([
                    name.to_string(),
                    period.to_string(),
                    period.label(),
                    period.year.to_string(),
                    period.months().1.to_string(),
                    format!("{:02}", period.months().1),
                    period.months().1.div_ceil(3).to_string(),
                    period.months().1.div_ceil(6).to_string(),
                    (period.year - 1).to_string(),
                    start.format("%Y-%m-%d").to_string(),
                    end.format("%Y-%m-%d").to_string(),
                ])
                .collect(),
        }
    }

    /// The names filled in by the engine (a setting may not take one), in the order
    /// `with_days` gives their values.
    pub const BUILT_IN: [&'static str; 11] = [
        "name",
        "period",
        "period_label",
        "year",
        "month",
        "mm",
        "quarter",
        "half",
        "prev_year",
        "period_start",
        "period_end",
    ];

    /// These placeholders and the settings, each `{name}` its value.
    pub fn with_settings(mut self, settings: &[Setting]) -> Placeholders {
        self.values
            .extend(settings.iter().map(|s| (s.name.clone(), s.value.clone())));
        self
    }

    /// A path, title or note with every known placeholder filled in.
    pub fn fill(&self, template: &str) -> String {
        self.values
            .iter()
            .fold(template.to_string(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }

    /// SQL (or a title, path, note) with its placeholders filled in, remembering where each
    /// piece came from so that a mistake found in the filled text is reported where it was
    /// written. An unknown `{word}` is an error: (character offset, message).
    pub fn fill_strict(&self, sql: &str) -> Result<FilledText, (usize, String)> {
        let mut text = String::with_capacity(sql.len());
        let mut pieces = Vec::new();
        let (mut filled_chars, mut rest, mut written_chars) = (0, sql, 0);
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let word_len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(after.len());
            let (word, closes) = (&after[..word_len], after[word_len..].starts_with('}'));
            let head = &rest[..open];
            let head_chars = head.chars().count();
            text.push_str(head);
            filled_chars += head_chars;
            written_chars += head_chars;
            if !word.is_empty() && after[word_len..].starts_with(':') {
                // `{month:02}`: a format the way Python or Rust writes one; laborstat's
                // placeholders take none, and left as text it would be printed as written.
                let written_len = after.find('}').map_or(after.len(), |close| close + 1);
                let written = format!("{{{}", &after[..written_len]);
                let instead = if word == "month" {
                    "（两位数的月份请用 `{mm}`：01–12）"
                } else {
                    ""
                };
                return Err((
                    written_chars,
                    format!("`{written}` 不是占位符：占位符不带格式{instead}"),
                ));
            }
            if word.is_empty() || !closes {
                text.push('{');
                (filled_chars, written_chars, rest) = (filled_chars + 1, written_chars + 1, after);
                continue;
            }
            let Some((_, value)) = self.values.iter().find(|(name, _)| name == word) else {
                let names: Vec<String> = self
                    .values
                    .iter()
                    .map(|(n, _)| format!("{{{n}}}"))
                    .collect();
                let written = format!("{{{word}}}");
                let hint = diagnostics::did_you_mean(&written, names.iter().map(String::as_str));
                return Err((
                    written_chars,
                    format!(
                        "`{written}` 不是占位符{hint}（可用的占位符：{}）",
                        names.join("、")
                    ),
                ));
            };
            let value_chars = value.chars().count();
            pieces.push(Piece {
                filled: filled_chars,
                written: written_chars,
                filled_len: value_chars,
                written_len: word_len + 2,
            });
            text.push_str(value);
            filled_chars += value_chars;
            written_chars += word_len + 2;
            rest = &after[word_len + 1..];
        }
        text.push_str(rest);
        Ok(FilledText { text, pieces })
    }
}

/// Text as run, after [`Placeholders::fill_strict`], and the map back to the text as written.
#[derive(Debug)]
pub struct FilledText {
    pub text: String,
    pieces: Vec<Piece>,
}

/// One placeholder: where its value lies in the filled text and where it was written
/// (character offsets and lengths).
#[derive(Debug)]
struct Piece {
    filled: usize,
    written: usize,
    filled_len: usize,
    written_len: usize,
}

impl FilledText {
    /// The character offset in the written text of character `offset` of the filled text;
    /// inside a placeholder's value, the placeholder's own start.
    pub fn written_offset(&self, offset: usize) -> usize {
        let mut shift: isize = 0;
        for piece in &self.pieces {
            if offset < piece.filled {
                break;
            }
            if offset < piece.filled + piece.filled_len {
                return piece.written;
            }
            shift += piece.written_len as isize - piece.filled_len as isize;
        }
        (offset as isize + shift).max(0) as usize
    }
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
    /// Each period's files hold that period alone (a window over several periods reads each
    /// one's partition); false: each submission holds every record so far (a window reads
    /// the one partition it is anchored on and dates rows by the measures' date columns).
    pub periodic: bool,
    pub columns: Vec<Column>,
    pub rules: Vec<Rule>,
    /// A summary source whose figure per submitter is its sheet's 合计 row; its other rows
    /// are skipped as the total's detail.
    pub use_total_row: bool,
    /// A sheet's own 合计 row is checked against the sum of its rows.
    pub check_totals: bool,
}

impl Source {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The columns that name one record (indices into `columns`): `key = [...]`, else the
    /// column of a `unique` rule; empty when the source declares neither.
    pub fn business_key(&self) -> Vec<usize> {
        let key = self.rules.iter().find_map(|r| match &r.kind {
            RuleKind::Key(columns) => Some(columns.clone()),
            _ => None,
        });
        key.or_else(|| {
            self.rules.iter().find_map(|r| match (&r.kind, r.column) {
                (RuleKind::Unique(_), Some(c)) => Some(vec![c]),
                _ => None,
            })
        })
        .unwrap_or_default()
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
    /// A money column whose plain numbers are 万元 (`unit = "万元"`): read × 10,000 元.
    pub money_in_wan: bool,
    /// A computed column (`working_days`): (from, to) indices into the source's columns. It is
    /// never looked for in a sheet; ingest fills it from the two dates and the calendar.
    pub working_days: Option<(usize, usize)>,
    /// For enums: canonical value and its aliases (the canonical spelling included).
    pub values: Vec<(String, Vec<String>)>,
    /// `derive`: the SQL expression that makes the column for a file that lacks it (over
    /// the source's other columns); such a file is not refused for lacking it.
    pub derive: Option<String>,
}

/// A validation rule of a source, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Shown in findings: the `name` key, or the kind (`range`, `unique`…).
    pub name: String,
    /// Index into `Source::columns`; `None` for `check` rules.
    pub column: Option<usize>,
    pub kind: RuleKind,
    pub severity: finding::Severity,
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
    /// The source's business key (`key = [...]`), unique within each submitter's rows:
    /// indices into `Source::columns`.
    Key(Vec<usize>),
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
    /// The rows it aggregates (its `date` condition included, placeholders filled).
    pub filter: Option<String>,
    /// Index into the source's columns of the date its event is counted by (`date = …`).
    pub date: Option<usize>,
    /// Date columns (indices) that stand in for `date` in a file that lacks it, in order
    /// (`date = ["结论日期", "受理日期"]`): ingest fills `date` from the first one the file
    /// has, with a warning for that file.
    pub date_fallbacks: Vec<usize>,
    pub kind: ValueKind,
    /// What it counts or adds up, for the 说明 and 指标说明: in words, or as written when
    /// beyond them.
    pub description: String,
    /// The measure whose value, stored for the period before, this one must equal
    /// (`carry_over`): checked against the store on every run.
    pub carry_over: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Indicator {
    pub name: String,
    pub label: String,
    /// Over measures and indicators before it in `Plan::indicators` (compiled in that order).
    pub expr: Arith,
    /// What kind of number it gives (count, money, other), `None` for a pure number.
    pub kind: Option<ValueKind>,
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
    /// Subtotal rows by roster kind (其中：街道…) under 合计.
    pub subtotals: bool,
    /// Rows by category of a ledger column instead of by township.
    pub categories: Option<Categories>,
    /// The 表号 / 制定机关 / 批准文号 lines printed top right (empty: none).
    pub form: Vec<String>,
    pub row_header: String,
    pub columns: Vec<ReportColumn>,
    pub notes: Vec<String>,
    /// Townships ordered by this figure (a column's indicator): highest first unless
    /// `ascending`.
    pub sort: Option<SortBy>,
    /// The 合计 row's label when not 合计.
    pub total_label: Option<String>,
}

/// `sort = "closure_rate"` of a sheet.
#[derive(Debug, Clone)]
pub struct SortBy {
    pub indicator: String,
    pub ascending: bool,
}

/// A distribution table's rows (`rows = { by, values, other }`): the rows of `source` whose
/// `column` holds each value, then every other row (`other`), then 合计.
#[derive(Debug, Clone)]
pub struct Categories {
    pub source: usize,
    pub column: String,
    pub values: Vec<String>,
    pub other: String,
}

/// A chart sheet: an indicator's 合计 for each period of the year (months for a monthly
/// run), one series per year.
#[derive(Debug, Clone)]
pub struct ChartLayout {
    pub name: String,
    pub title: String,
    pub kind: spec::ChartKind,
    pub indicator: String,
    pub display: Display,
    /// Years back of each series: 0 本年, 1 上年 (empty for a by-township chart).
    pub series: Vec<i32>,
    /// `by = "township"`: this period's figure per township, in this order.
    pub by_township: Option<spec::ChartSort>,
}

/// The 主要指标 sheet: each row a figure of 合计 this year and last year.
#[derive(Debug, Clone)]
pub struct HeadlineLayout {
    pub name: String,
    pub title: String,
    pub rows: Vec<HeadlineRow>,
    /// Templates: `{name}` a measure or indicator (this year's 合计) or a placeholder.
    pub sentences: Vec<String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct HeadlineRow {
    pub label: String,
    /// This year's figure.
    pub current: ReportColumn,
    /// Last year's: the same figure over 上年同期 (from the store), or another figure of this
    /// run (`last_year = "…"`, over last year's published report).
    pub last_year: ReportColumn,
}

impl HeadlineRow {
    /// True when last year's figure is another figure of this run, not a stored period.
    pub fn last_year_published(&self) -> bool {
        self.last_year.is_current()
    }

    /// The same figure over the window a year back, from the store: last year's figure when
    /// no other is named, and the fallback when last year's published report was not sent.
    pub fn stored_last_year(&self) -> ReportColumn {
        ReportColumn {
            below: None,
            window: self.current.window.shifted(window::Compare::YearOnYear),
            compare: None,
            ..self.current.clone()
        }
    }
}

/// A list sheet: the rows a SQL query selects (placeholders filled).
#[derive(Debug, Clone)]
pub struct ListLayout {
    pub name: String,
    pub title: String,
    pub sql: String,
    pub notes: Vec<String>,
    /// A display per result column (by name), for columns the query computes.
    pub display: Vec<(String, Display)>,
}

impl SheetLayout {
    /// The windows the sheet's columns read other than the run's own period, the bases of
    /// their comparisons included.
    pub fn windows(&self) -> Vec<window::Window> {
        let mut windows = Vec::new();
        for c in &self.columns {
            let base = c.compare.map(|k| c.window.shifted(k));
            for w in std::iter::once(c.window).chain(base) {
                if !w.is_current() && !windows.contains(&w) {
                    windows.push(w);
                }
            }
        }
        windows
    }
}

#[derive(Debug, Clone)]
pub struct ReportColumn {
    pub header: Vec<String>,
    /// An indicator name (measures are exposed as indicators of themselves, see compile).
    pub indicator: String,
    pub display: Display,
    /// Which period's submission and which days the figure covers (本期 by default).
    pub window: window::Window,
    /// 同比/环比: the change against the window a year or a period back.
    pub compare: Option<window::Compare>,
    /// Townships' cells below this are highlighted.
    pub below: Option<f64>,
}

impl ReportColumn {
    /// True for a figure of the run's own period, computed by the run itself.
    pub fn is_current(&self) -> bool {
        self.window.is_current() && self.compare.is_none()
    }
}

/// Why a pipeline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("流水线文件 {} 无法读取：{}", path.display(), finding::io_words(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("流水线文件 {} 有 {} 处错误", file.display(), diagnostics.len())]
    Invalid {
        file: PathBuf,
        diagnostics: Vec<Diagnostic>,
    },
}

/// Reads and compiles a pipeline file.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Plan, LoadError> {
    load_through(path, overrides, FileTexts::from_disk())
}

fn load_through(
    path: &Path,
    overrides: &Overrides,
    mut files: FileTexts,
) -> Result<Plan, LoadError> {
    let text = files.read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    compile(path, &text, overrides, files).map_err(|diagnostics| LoadError::Invalid {
        file: path.to_path_buf(),
        diagnostics,
    })
}

impl Plan {
    /// The same pipeline compiled again with other overrides (a window's days, the period
    /// before) from the text it was first compiled from: the files on disk are not read
    /// again, so a file edited during a run does not change it.
    pub fn recompile(&self, overrides: &Overrides) -> Result<Plan, LoadError> {
        load_through(
            &self.file,
            overrides,
            FileTexts::replay(&self.compiled_from),
        )
    }

    /// The pipeline's text as compiled: the file, then each included file, in order.
    pub fn texts(&self) -> impl Iterator<Item = (&Path, &str)> {
        std::iter::once(&self.file)
            .chain(&self.included)
            .map(|p| (p.as_path(), self.compiled_from.text_of(p).unwrap_or("")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders() -> Placeholders {
        Placeholders::new("monthly", &Period::parse("2024-11").unwrap())
    }

    /// Character offset of `needle` in `text`.
    fn at(needle: &str, text: &str) -> usize {
        text[..text.find(needle).unwrap()].chars().count()
    }

    #[test]
    fn sql_placeholders_are_filled_and_positions_map_back() {
        let sql = "受理日期 between date '{period_start}' and date '{period_end}' and x = {year}";
        let filled = placeholders().fill_strict(sql).unwrap();
        let text = &filled.text;
        assert_eq!(
            text,
            "受理日期 between date '2024-11-01' and date '2024-11-30' and x = 2024"
        );
        // Before, inside and after a filled placeholder.
        assert_eq!(filled.written_offset(0), 0);
        assert_eq!(
            filled.written_offset(at("2024-11-01", text) + 3),
            at("{period_start}", sql)
        );
        assert_eq!(filled.written_offset(at(" and x", text)), at(" and x", sql));
        assert_eq!(
            filled.written_offset(text.chars().count() - 1),
            at("{year}", sql)
        );
    }

    #[test]
    fn an_unknown_placeholder_is_an_error_at_its_place_and_other_braces_are_text() {
        let (offset, message) = placeholders().fill_strict("a = '{yaer}'").unwrap_err();
        assert_eq!(offset, 5);
        assert!(message.contains("是不是 `{year}`？"), "{message}");
        let filled = placeholders()
            .fill_strict("a = '{' or b = '{A}' or c = '{month}'")
            .unwrap();
        assert_eq!(filled.text, "a = '{' or b = '{A}' or c = '11'");
    }

    #[test]
    fn working_days_skip_holidays_and_count_the_weekend_days_worked_instead() {
        let day = |text: &str| {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            (chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap() - epoch).num_days() as i32
        };
        let mut calendar = Calendar::default();
        for d in [
            "2024-10-01",
            "2024-10-02",
            "2024-10-03",
            "2024-10-04",
            "2024-10-07",
        ] {
            calendar.holidays.insert(day(d));
        }
        calendar.workdays.insert(day("2024-10-12")); // a Saturday worked instead
                                                     // After Monday 30 September up to Monday 14 October: 8–11, Saturday 12, 14.
        assert_eq!(
            calendar.working_days_between(day("2024-09-30"), day("2024-10-14")),
            6
        );
        // A plain week: Monday to Friday, nothing on the calendar.
        assert_eq!(
            calendar.working_days_between(day("2024-11-01"), day("2024-11-08")),
            5
        );
        assert_eq!(
            calendar.working_days_between(day("2024-11-08"), day("2024-11-01")),
            0
        );
        // The running count gives the same by two lookups.
        let running = calendar.running_count(day("2024-09-01"), day("2024-12-31"));
        for (from, to) in [
            ("2024-09-30", "2024-10-14"),
            ("2024-11-01", "2024-11-08"),
            ("2024-11-08", "2024-11-01"),
        ] {
            assert_eq!(
                running.between(day(from), day(to)),
                calendar.working_days_between(day(from), day(to)),
                "{from}..{to}"
            );
        }
    }

    #[test]
    fn templates_fill_every_placeholder() {
        let h1 = Placeholders::new("annual", &Period::parse("2024H1").unwrap());
        assert_eq!(
            h1.fill(
                "{name}-{period}: {period_label}, {year}年{month}月, {period_start}..{period_end}"
            ),
            "annual-2024H1: 2024年1-6月, 2024年6月, 2024-01-01..2024-06-30"
        );
        let november = Placeholders::new("m", &Period::parse("2024-11").unwrap());
        assert_eq!(
            november.fill("{year}{mm}-Q{quarter}-H{half}-{prev_year}"),
            "202411-Q4-H2-2023"
        );
        let march = Placeholders::new("m", &Period::parse("2025-03").unwrap());
        assert_eq!(
            march.fill("{mm}/{quarter}/{half}/{prev_year}"),
            "03/1/1/2024"
        );
    }

    #[test]
    fn a_placeholder_with_a_format_is_an_error_that_names_the_two_digit_month() {
        let (offset, message) = placeholders()
            .fill_strict("工资{year}-{month:02}.xlsx")
            .unwrap_err();
        assert_eq!(offset, 9);
        assert!(message.contains("`{month:02}`"), "{message}");
        assert!(message.contains("`{mm}`"), "{message}");
    }
}
