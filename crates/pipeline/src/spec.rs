//! The pipeline file as written: serde structs, one per TOML table, with `Spanned` on every
//! value that a later check may need to point at. Nothing here is resolved or cross-checked;
//! that is `compile.rs`'s job. Every field is documented key by key in `docs/pipeline.md`.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// `[pipeline]`: what the run is called, which period it covers, where it reads and writes.
#[derive(Debug, Deserialize)]
pub struct PipelineSection {
    pub name: String,
    pub title: String,
    /// `2024`, `2024H1`, `2024Q3`, `2024-11`; `--period` overrides it.
    pub period: Spanned<String>,
    /// Output workbook path template, relative to the pipeline file: `{name}`, `{period}`, `{year}`.
    pub output: String,
    /// Folder the source globs are relative to, itself relative to the pipeline file; `--data` overrides it.
    #[serde(default)]
    pub data: Option<String>,
    /// 填报单位 printed under the report title.
    #[serde(default)]
    pub reporter: Option<String>,
    /// The day a reporting month ends on (1–28), for forms whose month runs from the 21st
    /// to the 20th; calendar months when absent.
    #[serde(default)]
    pub month_ends_on: Option<Spanned<u32>>,
    /// Submissions are due this many days after the period's last day (迟报 after it).
    #[serde(default)]
    pub due_days: Option<Spanned<u32>>,
    /// The store folder, relative to the pipeline file; default `store` beside the output.
    #[serde(default)]
    pub store: Option<String>,
}

/// `[limits]`: bounds on one input file, so that a hostile or broken file is refused by
/// its size, before it is parsed, not after minutes and gigabytes. All optional.
#[derive(Debug, Deserialize, Default)]
pub struct LimitsSection {
    /// Size of a file on disk, in MB.
    #[serde(default)]
    pub file_mb: Option<Spanned<u64>>,
    /// Size of any one part of an xlsx/xlsm/xlsb/ods once unpacked, in MB.
    #[serde(default)]
    pub unpacked_mb: Option<Spanned<u64>>,
    /// Unpacked ÷ packed size of a part larger than 50 MB unpacked.
    #[serde(default)]
    pub compression_ratio: Option<Spanned<u64>>,
    /// Cells of one sheet: its used area (rows × columns), and the cells read while streaming.
    #[serde(default)]
    pub sheet_cells: Option<Spanned<u64>>,
}

/// `[roster]`: the submitters expected to send files, from a CSV file or inline.
#[derive(Debug, Deserialize, Default)]
pub struct RosterSection {
    /// CSV with a header `code,name,kind[,aliases]`, relative to the pipeline file.
    #[serde(default)]
    pub file: Option<Spanned<String>>,
    #[serde(default)]
    pub entries: Vec<RosterEntrySpec>,
    /// `[roster.constants.<name>]`: a figure per submitter kept in the roster (a township's
    /// 书面审查 target, its employer count as a base), usable in indicators by name and
    /// summed for 合计 and subtotals like a measure.
    #[serde(default)]
    pub constants: BTreeMap<String, RosterConstantSpec>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RosterConstantSpec {
    /// The roster column holding it (a header of the roster file; a key of an inline
    /// entry's `values`).
    pub column: String,
    pub label: String,
}

#[derive(Debug, Deserialize, Clone)]
pub struct RosterEntrySpec {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
    /// Other spellings of the name seen in file names or 填报单位 cells.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The first and last period the entry exists in (`2024-07`, `2024`); open when absent.
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Codes of the entries it succeeds (merged into it, renamed to it): their files are its.
    #[serde(default)]
    pub succeeds: Vec<String>,
    /// Other columns of the roster (书面审查目标数 = 1000), as written, for constants.
    #[serde(default)]
    pub values: BTreeMap<String, toml::Value>,
}

/// `[sources.<id>]`: one ledger, as the townships send it.
#[derive(Debug, Deserialize)]
pub struct SourceSpec {
    #[serde(default)]
    pub title: Option<String>,
    /// `ledger` (detail rows, the default) or `summary` (a township's own totals).
    #[serde(default)]
    pub kind: SourceKind,
    /// Glob or list of globs relative to the data folder.
    pub files: OneOrMany,
    /// Sheet name, list of accepted names, or a 0-based index. Default: the first sheet.
    #[serde(default)]
    pub sheet: Option<SheetSpec>,
    #[serde(default)]
    pub submitter: SubmitterSpec,
    /// Rows whose date in this column falls outside the report period are skipped (and counted).
    #[serde(default)]
    pub period_column: Option<Spanned<String>>,
    /// `cumulative` (each submission holds every record so far; the default without
    /// `period_column`) or `periodic` (each period's files hold that period alone: a month-end
    /// snapshot, or rows kept by `period_column`).
    #[serde(default)]
    pub submission: Option<Spanned<String>>,
    /// The business key: the columns that together name one record (案件编号; 项目编号 and
    /// 月份). Each key column is required, and a key twice in one submitter's rows is an
    /// error at both rows.
    #[serde(default)]
    pub key: Option<Spanned<Vec<String>>>,
    /// Declared columns; each is deserialized on its own so errors are collected per column.
    #[serde(default)]
    pub columns: Option<serde::de::IgnoredAny>,
    /// `[[sources.<id>.rules]]`, each deserialized on its own.
    #[serde(default)]
    pub rules: Option<serde::de::IgnoredAny>,
    /// A summary source whose figure per submitter is its sheet's 合计 row (a city reading
    /// its districts' reports): the rows above and below it are its detail, skipped and
    /// counted as such.
    #[serde(default)]
    pub use_total_row: Option<Spanned<bool>>,
    /// Whether a sheet's own 合计 row is checked against the sum of its rows (default true);
    /// `false` for tables whose rows are rounded on their own (万元 to two decimals).
    #[serde(default)]
    pub check_totals: Option<bool>,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// Detail rows (台账): a missing sheet is a finding, 合计 rows are skipped and checked.
    #[default]
    Ledger,
    /// A township's own summary table (汇总表), checked against the ledger by `[[reconcile]]`:
    /// optional (a file without the sheet is no finding), and a row labelled 合计 is data
    /// when it is the sheet's only row.
    Summary,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one.clone()],
            OneOrMany::Many(many) => many.clone(),
        }
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum SheetSpec {
    Index(usize),
    Name(String),
    Names(Vec<String>),
}

/// How the submitter of a file (or of a row) is found.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SubmitterSpec {
    #[serde(default)]
    pub from: SubmitterFrom,
    /// `from = "cell"`: the label before the name, default `填报单位`.
    #[serde(default)]
    pub label: Option<String>,
    /// `from = "column"`: the canonical column holding the submitter's name or code.
    #[serde(default)]
    pub column: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SubmitterFrom {
    /// A roster code or name in the file's path (folder or file name).
    #[default]
    Path,
    /// A title cell such as `填报单位：桂溪街道`.
    Cell,
    /// A column of the sheet, row by row.
    Column,
}

/// `[sources.<id>.columns.<canonical name>]`.
#[derive(Debug, Deserialize, Clone)]
pub struct ColumnSpec {
    /// Header spellings seen in the wild; the canonical name always matches too.
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(rename = "type")]
    pub kind: Spanned<ColumnType>,
    #[serde(default)]
    pub required: bool,
    /// `type = "money"`: the unit its plain numbers are in, `元` (default) or `万元` (a
    /// published table); a cell that writes its own unit (“3.6万元”) is read as written.
    #[serde(default)]
    pub unit: Option<Spanned<String>>,
    /// `type = "int"`, computed, not read: the working days after `from` up to `to` (two date
    /// columns of the source) on the pipeline's `[calendar]`.
    #[serde(default)]
    pub working_days: Option<Spanned<WorkingDaysSpec>>,
    /// `type = "enum"`: canonical value → its aliases (`已结案 = ["结案", "办结"]`).
    #[serde(default)]
    pub values: BTreeMap<String, Vec<String>>,
    /// How the column is made when a file lacks it: a SQL expression over the source's
    /// other columns (`case when 结案日期 is not null then '已结案' else '办理中' end`).
    #[serde(default)]
    pub derive: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Int,
    Number,
    /// Amounts in 元, held exactly as integer fen.
    Money,
    Date,
    Bool,
    Enum,
}

/// `[measures.<name>]`: one aggregate SQL expression over one source's rows.
#[derive(Debug, Deserialize)]
pub struct MeasureSpec {
    pub source: Spanned<String>,
    pub sql: Spanned<String>,
    /// A SQL condition: only rows for which it holds are aggregated.
    #[serde(default)]
    pub filter: Option<Spanned<String>>,
    /// The date column of the event the measure counts (结案 by 结案日期): only rows whose
    /// date lies in the period are aggregated. For a source without `period_column`. A list
    /// names fallbacks for a file that lacks the first (`["结论日期", "受理日期"]`).
    #[serde(default)]
    pub date: Option<Spanned<OneOrMany>>,
    #[serde(default)]
    pub label: Option<String>,
    /// A stock at the period's start that must equal another measure — a stock at the end —
    /// as published for the period before (上期末未结 = last period's stored 期末未结).
    #[serde(default)]
    pub carry_over: Option<Spanned<String>>,
}

/// `[indicators.<name>]`: arithmetic over measures and other indicators, computed at every
/// level.
#[derive(Debug, Deserialize)]
pub struct IndicatorSpec {
    pub expr: Spanned<String>,
    pub label: String,
    #[serde(default)]
    pub display: Option<Spanned<Display>>,
}

/// `[settings.<name>]`: a choice the bureau makes (a threshold, a denominator), used as
/// `{name}` in SQL and indicator expressions and printed in the 说明.
#[derive(Debug, Deserialize)]
pub struct SettingSpec {
    /// A number, text or true/false (checked in compile, so a list is told in words).
    pub value: Spanned<toml::Value>,
    /// What it is, in words: `群体性案件人数下限`.
    pub label: String,
    /// The choices there are, or why this one, for the 说明.
    #[serde(default)]
    pub note: Option<String>,
}

/// How a number is shown in the report (and what it is converted to).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// An integer count: `#,##0`.
    #[serde(rename = "count")]
    Count,
    /// Money converted from fen to 万元, 2 decimals.
    #[serde(rename = "万元")]
    TenThousandYuan,
    /// Money in 元, 2 decimals.
    #[serde(rename = "元")]
    Yuan,
    /// A ratio shown as `0.0%`.
    #[serde(rename = "percent")]
    Percent,
    /// A ratio shown as `0.00%` (签订率 90.24%), where the source publishes two decimals.
    #[serde(rename = "percent2")]
    PercentTwoDecimals,
    /// A difference of two rates, in percentage points: `0.0`.
    #[serde(rename = "百分点")]
    PercentagePoints,
    /// Any other number: `#,##0.00`.
    #[serde(rename = "number")]
    Number,
    /// The township's place among the sheet's townships by the column's figure, highest
    /// first; ties share a place (1, 2, 2, 4).
    #[serde(rename = "名次", alias = "rank")]
    Rank,
}

impl Display {
    /// A ratio shown as a percentage (its change over a window is in 百分点).
    pub fn is_ratio(self) -> bool {
        matches!(self, Display::Percent | Display::PercentTwoDecimals)
    }
}

/// `[report]`.
#[derive(Debug, Deserialize, Default)]
pub struct ReportSection {
    #[serde(default)]
    pub sheets: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub charts: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub lists: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    pub headline: Option<serde::de::IgnoredAny>,
}

/// `[report.headline]`: the 主要指标 sheet, first in the workbook — one row per headline
/// figure (本年, 上年, 增减量, 增减率) and the sentences staff paste into their summary.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadlineSpec {
    pub name: String,
    pub title: String,
    pub rows: Vec<HeadlineRowSpec>,
    /// Sentences with `{measure or indicator}` filled with this year's 合计, as the report
    /// shows it (`全年受理投诉举报案件{accepted}件，结案率{closure_rate}`).
    #[serde(default)]
    pub sentences: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadlineRowSpec {
    /// The row's label: `受理投诉举报案件（件）`.
    pub label: String,
    /// The indicator or measure.
    pub value: Spanned<String>,
    /// Where last year's figure comes from: another indicator or measure (one over last
    /// year's published report); default the same figure for last year (上年同期) from the
    /// store.
    #[serde(default)]
    pub last_year: Option<Spanned<String>>,
}

/// `[[report.charts]]`: a chart on a sheet of its own — one figure's 合计 by period of the
/// year, one line (or set of columns) per year; or, with `by = "township"`, this period's
/// figure of each township (a bar each, sorted).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub name: String,
    pub title: String,
    /// `line` (default) or `column`.
    #[serde(default)]
    pub kind: ChartKind,
    /// The indicator (or measure) drawn.
    pub value: Spanned<String>,
    /// `本年` (this year), `上年` (last year); default both.
    #[serde(default)]
    pub series: Option<Spanned<Vec<String>>>,
    /// `township`: one bar per township for this period, instead of 合计 by period.
    #[serde(default)]
    pub by: Option<Spanned<String>>,
    /// With `by = "township"`: `descending` (default) or `ascending` by the figure, or
    /// `roster` (the roster's order).
    #[serde(default)]
    pub sort: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    #[default]
    Line,
    Column,
    /// Horizontal bars (township names read along the side).
    Bar,
}

/// The order of a by-township chart's bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartSort {
    Descending,
    Ascending,
    Roster,
}

/// `[[report.lists]]`: a list sheet — the rows a SQL query selects over this period's
/// tables (named by source id) and the period before (`<id>_上期`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSpec {
    pub name: String,
    pub title: String,
    pub sql: Spanned<String>,
    #[serde(default)]
    pub notes: Vec<String>,
    /// How a column of the result is shown, by its name: `{ 结案率 = "percent", 追发 =
    /// "万元" }` (money the query computes is in fen, as the ledgers' columns).
    #[serde(default)]
    pub display: BTreeMap<String, Display>,
}

/// `[[queries]]`: an analyst's question kept with the pipeline, asked of the store by
/// `laborstat serve`'s page of saved queries (the SQL `laborstat query` takes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedQuerySpec {
    pub name: String,
    pub sql: Spanned<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `[[report.sheets]]`: one table of the report workbook.
#[derive(Debug, Deserialize)]
pub struct SheetLayoutSpec {
    pub name: String,
    pub title: String,
    /// 计量单位 line, e.g. `件、人、万元`.
    #[serde(default)]
    pub unit: Option<String>,
    /// Where the 合计 row goes: `first` (yearbook style, default) or `last`.
    #[serde(default)]
    pub total: TotalPosition,
    /// Show the submitter's code in a column before its name.
    #[serde(default)]
    pub show_codes: bool,
    /// `"kind"`: subtotal rows by the roster's kind (其中：街道 / 镇 / 乡 / 园区) under 合计.
    #[serde(default)]
    pub subtotals: Option<Spanned<String>>,
    /// Rows by category instead of by township: `{ by = "单位类型", values = [...], other =
    /// "其他" }` — one row per value of a column of the sheet's ledger, the rest as `other`.
    #[serde(default)]
    pub rows: Option<Spanned<CategoryRowsSpec>>,
    /// The form's 表号 / 制定机关 / 批准文号 block, printed top right.
    #[serde(default)]
    pub form: Option<FormSpec>,
    /// Heading of the row-label column(s).
    #[serde(default)]
    pub row_header: Option<String>,
    /// Townships in the order of a figure of the sheet, highest first: `sort =
    /// "closure_rate"`; `"closure_rate asc"` for lowest first (排名通报).
    #[serde(default)]
    pub sort: Option<Spanned<String>>,
    /// The 合计 row's label (`全区`), when the table calls it otherwise.
    #[serde(default)]
    pub total_label: Option<String>,
    pub columns: Vec<ReportColumnSpec>,
    /// Extra lines under the table, after the generated formula notes.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// `form = { number, authority, approval }` of a report sheet (domain.md §6).
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    /// 表号: `劳监统1表`.
    #[serde(default)]
    pub number: Option<String>,
    /// 制定机关.
    #[serde(default)]
    pub authority: Option<String>,
    /// 批准文号.
    #[serde(default)]
    pub approval: Option<String>,
}

/// `rows = { by, values, other }` of a report sheet: a distribution table.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct CategoryRowsSpec {
    /// The column of the sheet's ledger (an enum or text column).
    pub by: String,
    /// The categories, in the order shown; default the enum's canonical values.
    #[serde(default)]
    pub values: Vec<String>,
    /// The row of every other value (and of an empty cell); default `其他`.
    #[serde(default)]
    pub other: Option<String>,
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TotalPosition {
    #[default]
    First,
    Last,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportColumnSpec {
    /// Header path, top level first: `["案件办理", "结案率"]`. Equal neighbours merge.
    pub header: Vec<String>,
    /// The indicator (or measure) shown in the column.
    pub value: Spanned<String>,
    /// Overrides the indicator's display.
    #[serde(default)]
    pub display: Option<Display>,
    /// 本期 (default), 上期, 本年累计, 上年同期, 上年同期累计, 近N个月.
    #[serde(default)]
    pub window: Option<Spanned<String>>,
    /// 同比 or 环比: the change against the same window a year or a period back.
    #[serde(default)]
    pub compare: Option<Spanned<String>>,
    /// Townships' cells below this number (a rate as a fraction: 0.95) are highlighted
    /// (an Excel conditional format, so the sheet keeps it when edited).
    #[serde(default)]
    pub below: Option<f64>,
}

/// `working_days = { from = "受理日期", to = "结案日期" }` of a computed column.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct WorkingDaysSpec {
    pub from: String,
    pub to: String,
}

/// `[calendar]`: the days that are not the usual Monday-to-Friday (法定节假日, 调休上班).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSection {
    /// CSV `date,type` (type 休 for a holiday, 班 for a working Saturday or Sunday), relative
    /// to the pipeline file.
    pub file: Spanned<String>,
}

/// `[[sources.<id>.rules]]`: one validation rule. Exactly one of the rule kinds
/// (`range`, `allowed`, `pattern`, `length`, `unique`, `identifier`, `check`, `reference`).
#[derive(Debug, Deserialize)]
pub struct RuleSpec {
    /// Short name shown in findings; default: the kind.
    #[serde(default)]
    pub name: Option<String>,
    /// The column checked (all kinds but `check`).
    #[serde(default)]
    pub column: Option<Spanned<String>>,
    #[serde(default)]
    pub range: Option<Spanned<RangeSpec>>,
    #[serde(default)]
    pub allowed: Option<Vec<String>>,
    #[serde(default)]
    pub pattern: Option<Spanned<String>>,
    #[serde(default)]
    pub length: Option<LengthSpec>,
    #[serde(default)]
    pub unique: Option<UniqueScope>,
    #[serde(default)]
    pub identifier: Option<IdentifierKind>,
    /// A SQL condition every row must satisfy (`结案日期 >= 受理日期`).
    #[serde(default)]
    pub check: Option<Spanned<String>>,
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
    /// `error` (row excluded, the default) or `warning` (row kept).
    #[serde(default)]
    pub severity: Option<finding::Severity>,
    /// Chinese message; `{value}`, `{column}`, `{min}`, `{max}` are filled in.
    #[serde(default)]
    pub message: Option<String>,
}

/// Bounds, inclusive: numbers (money in 元) or dates (`"2024-01-01"` or a TOML date).
#[derive(Debug, Deserialize, Clone)]
pub struct RangeSpec {
    #[serde(default)]
    pub min: Option<toml::Value>,
    #[serde(default)]
    pub max: Option<toml::Value>,
}

/// Length in characters, inclusive.
#[derive(Debug, Deserialize, Clone, Copy)]
pub struct LengthSpec {
    #[serde(default)]
    pub min: Option<usize>,
    #[serde(default)]
    pub max: Option<usize>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum UniqueScope {
    /// No value twice within one submitter's rows.
    Submitter,
    /// No value twice anywhere: the same 案件编号 from two townships is found.
    All,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// 统一社会信用代码 (GB 32100); a failed check digit takes the rule's severity
    /// (default warning), a wrong length or character is always an error.
    CreditCode,
    /// 居民身份证号 (GB 11643), birth date included; shown masked.
    IdCard,
    /// A submitter code that must be in the roster.
    RosterCode,
}

/// The value must exist in a column of another source (the employer in the registry).
#[derive(Debug, Deserialize, Clone)]
pub struct ReferenceSpec {
    pub source: Spanned<String>,
    pub column: Spanned<String>,
}

/// `[[plausibility]]`: one review a statistics office runs before publishing (合理性审核).
/// Exactly one of `against` (历史比较), `outlier` (定额分析) and `relation` (关联审核).
#[derive(Debug, Deserialize)]
pub struct PlausibilitySpec {
    pub name: String,
    /// The indicator or measure compared (with `against` or `outlier`).
    #[serde(default)]
    pub figure: Option<Spanned<String>>,
    /// The window the figure is compared with: 上期 or 上年同期.
    #[serde(default)]
    pub against: Option<Spanned<String>>,
    /// The largest move allowed against `against`, in percent of the earlier figure.
    #[serde(default)]
    pub max_change_percent: Option<Spanned<Threshold>>,
    /// The largest move allowed for a rate, in 百分点.
    #[serde(default)]
    pub max_change_points: Option<Spanned<Threshold>>,
    /// An earlier figure below this is not compared (2 cases → 5 is no signal); default 0.
    #[serde(default)]
    pub min_base: Option<Spanned<Threshold>>,
    /// A township this many robust standard deviations (MAD) from the others' median.
    #[serde(default)]
    pub outlier: Option<Spanned<Threshold>>,
    /// `closed <= cases_carried + accepted`: holds for each township and the total.
    #[serde(default)]
    pub relation: Option<Spanned<String>>,
}

/// A threshold: a number, or a setting's placeholder (`"{change_limit}"`) so that `--set`
/// changes it and the 说明 prints it.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Threshold {
    Number(f64),
    Setting(String),
}

/// `[[reconcile]]`: a submitter's own summary must equal what its ledger gives.
#[derive(Debug, Deserialize)]
pub struct ReconcileSpec {
    /// Short name shown in findings; default `汇总表核对`.
    #[serde(default)]
    pub name: Option<String>,
    /// The source holding the summary rows.
    pub summary: Spanned<String>,
    /// Summary column → the measure it must equal, per submitter.
    pub pairs: BTreeMap<String, Spanned<String>>,
    /// `error` (default) or `warning`. No row is excluded either way: the finding says which
    /// figure disagrees, not which row is wrong.
    #[serde(default)]
    pub severity: Option<finding::Severity>,
}
