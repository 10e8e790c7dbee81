//! Query: the tables an analyst's SQL sees over a pipeline's validated history, and running
//! the SQL over them.
//!
//! - each source under its id: the declared columns by their canonical names, money in 元
//!   as an exact decimal (two places), and `period`, `submitter`, `submitter_name`,
//!   `source_file`, `source_sheet`, `source_row`;
//! - `results`: every figure the report printed, one row per cell — its sheet, row label,
//!   column label, figure, window (本期, 本年累计, 同比 …) and value as the cell holds it
//!   before rounding (rates as fractions: 0.95 is 95 %), money also exactly in 元;
//! - `measures`: every measure and indicator of the period itself per submitter, subtotal
//!   (`subtotal` its kind), 合计, and category row of a distribution table (`breakdown` its
//!   sheet, `category` its value), `submitter` null for all but submitters, under the
//!   pipeline's names;
//! - `files`: each file a period read and its row account.
//!
//! Tables come from the store's partitions, scanned lazily so a query reads only the
//! columns it names, or — without a store, or for a period it lacks — from one period's
//! spreadsheets read and validated as `validate` does. SQL mistakes are put in words by
//! `mistakes` before or after polars sees the query; `output` writes what comes back.

pub mod mistakes;
pub mod output;
mod rewrite;

use figure::yuan;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use compute::Results;
use ingest::Ingested;
use pipeline::{ColumnType, Period, Plan, Source, ValueKind};
use store::{
    printed_frame, result_column_name, results_frame, store_column_name, store_frame, ManifestFile,
    RunInfo, Store, StoreError, DATA_FILE_NAME, MEASURES_TABLE, RESULTS_TABLE,
};

/// The name of the printed figures' table in SQL.
pub const RESULTS: &str = "results";
/// The name of the per-level measures' table in SQL.
pub const MEASURES: &str = "measures";
/// The name of the files table in SQL.
pub const FILES: &str = "files";
/// Columns every source table has besides its declared ones.
pub const PROVENANCE: [&str; 6] = [
    "period",
    "submitter",
    "submitter_name",
    "source_file",
    "source_sheet",
    "source_row",
];

/// One table a query may name.
/// A query's answer, and what was read differently from how it was written (said on
/// stderr: an enum alias mapped to its value, a word no row can hold).
pub struct Answer {
    pub frame: DataFrame,
    pub notes: Vec<String>,
}

pub struct Table {
    pub name: String,
    /// What it holds, in words (the source's title, 指标结果, 文件).
    pub title: String,
    pub frame: LazyFrame,
    /// Column names and their meaning, in table order.
    pub columns: Vec<TableColumn>,
    /// Rows per period, in period order.
    pub rows: Vec<(String, usize)>,
}

#[derive(Debug, Clone)]
pub struct TableColumn {
    pub name: String,
    /// Its type in words: 文本, 整数, 金额（元）, 日期…
    pub kind: &'static str,
    /// The label the pipeline gives it (a measure's 受理数), when not its name.
    pub label: Option<String>,
    /// An enum column's values, each with its declared aliases.
    pub values: Vec<(String, Vec<String>)>,
}

impl TableColumn {
    fn plain(name: &str, kind: &'static str) -> TableColumn {
        TableColumn {
            name: name.into(),
            kind,
            label: None,
            values: Vec::new(),
        }
    }
}

/// Where the tables were read from, said with every answer.
#[derive(Debug, Clone)]
pub enum Origin {
    Store {
        root: PathBuf,
        periods: Vec<Period>,
        /// Periods stored more than once: each vintage, and which one the tables read.
        vintages: Vec<String>,
    },
    /// `rejected`: rows of those files with error findings, in no table.
    Spreadsheets {
        period: Period,
        why: String,
        rejected: usize,
    },
}

impl Origin {
    pub fn words(&self) -> String {
        match self {
            Origin::Store {
                root,
                periods,
                vintages,
            } => {
                let list: Vec<String> = periods.iter().map(Period::to_string).collect();
                let mut words = format!("存储 {} · 报告期 {}", root.display(), list.join("、"));
                for line in vintages {
                    words.push_str(&format!("\n  {line}"));
                }
                words
            }
            Origin::Spreadsheets {
                period,
                why,
                rejected,
            } => {
                let left_out = match rejected {
                    0 => String::new(),
                    n => format!("；其中有错误的 {n} 行未计入（laborstat validate 列出它们）"),
                };
                format!(
                    "{why}：按 run 的方式读了{}的表格文件（不存入、不写文件）{left_out}",
                    period.label()
                )
            }
        }
    }
}

/// The tables of one pipeline over some periods.
pub struct Catalog {
    pub tables: Vec<Table>,
    pub origin: Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("存储中的分区 {} 无法读取；请删除该文件夹，再运行一次该报告期", path.display())]
    Partition { path: PathBuf },
    #[error("数据表“{table}”无法排列成查询用的表")]
    Layout {
        table: String,
        #[source]
        error: PolarsError,
    },
}

/// Which stored periods a query covers.
#[derive(Debug, Clone)]
pub enum Periods {
    /// These periods (one, or a range); those not stored are said, not invented.
    Some(Vec<Period>),
    All,
}

/// The periods of `wanted` the store holds for any table of the pipeline, in order.
pub fn stored_periods(
    plan: &Plan,
    store: &Store,
    wanted: &Periods,
) -> Result<Vec<Period>, StoreError> {
    let mut all: Vec<Period> = Vec::new();
    for table in plan
        .sources
        .iter()
        .map(|s| s.id.as_str())
        .chain([RESULTS_TABLE, MEASURES_TABLE])
    {
        for p in store.stored_periods(table)? {
            if !all.contains(&p) {
                all.push(p);
            }
        }
    }
    all.sort_by_key(|p| (p.bounds().0, p.bounds().1));
    Ok(match wanted {
        Periods::All => all,
        Periods::Some(list) => all
            .into_iter()
            .filter(|p| list.iter().any(|w| w.to_string() == p.to_string()))
            .collect(),
    })
}

impl Catalog {
    /// The tables over `periods` of the store (which must hold each of them for some table).
    pub fn from_store(
        plan: &Plan,
        store: &Store,
        periods: &[Period],
        roster_names: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Catalog, CatalogError> {
        let mut tables = Vec::new();
        for source in &plan.sources {
            let frame = scan_table(store, &source.id, periods, &|period, stored| {
                source_view(source, period, stored)
            })?;
            let mut rows = Vec::new();
            for period in periods {
                if let Some(manifest) = store.manifest(&source.id, period)? {
                    rows.push((period.to_string(), manifest.rows));
                }
            }
            tables.push(Table {
                name: source.id.clone(),
                title: source.title.clone(),
                frame: frame.unwrap_or_else(|| empty_source(source)),
                columns: source_columns(source),
                rows,
            });
        }
        let frame = scan_table(store, RESULTS_TABLE, periods, &printed_view)?;
        tables.push(Table {
            name: RESULTS.into(),
            title: PRINTED_TITLE.into(),
            frame: frame.unwrap_or_else(empty_printed),
            columns: printed_columns(),
            rows: stored_heights(store, RESULTS_TABLE, periods)?,
        });
        let frame = scan_table(store, MEASURES_TABLE, periods, &|period, stored| {
            results_view(plan, period, stored)
        })?;
        tables.push(Table {
            name: MEASURES.into(),
            title: MEASURES_TITLE.into(),
            frame: frame.unwrap_or_else(|| empty_results(plan)),
            columns: results_columns(plan),
            rows: stored_heights(store, MEASURES_TABLE, periods)?,
        });
        let mut files = Vec::new();
        for period in periods {
            for source in &plan.sources {
                if let Some(manifest) = store.manifest(&source.id, period)? {
                    for f in manifest.files {
                        files.push((period.to_string(), source.id.clone(), f));
                    }
                }
            }
        }
        tables.push(files_table(files, periods, roster_names)?);
        Ok(Catalog {
            tables,
            origin: Origin::Store {
                root: store.root().to_path_buf(),
                periods: periods.to_vec(),
                vintages: vintage_lines(store, periods)?,
            },
        })
    }

    /// The tables of one period read from its spreadsheets just now.
    pub fn from_run(
        plan: &Plan,
        data: &Ingested,
        results: &Results,
        run: &RunInfo,
        why: String,
    ) -> Result<Catalog, CatalogError> {
        let period = plan.period.to_string();
        let layout = |table: &str| {
            let table = table.to_string();
            move |error| CatalogError::Layout { table, error }
        };
        let mut tables = Vec::new();
        for (si, source) in plan.sources.iter().enumerate() {
            let frame = store_frame(source, &data.tables[si], data).map_err(layout(&source.id))?;
            let stored = column_names(&frame);
            tables.push(Table {
                name: source.id.clone(),
                title: source.title.clone(),
                rows: vec![(period.clone(), frame.height())],
                frame: frame
                    .lazy()
                    .select(source_view(source, lit(period.clone()), &stored)),
                columns: source_columns(source),
            });
        }
        let printed = report::printed::printed_figures(plan, results, data);
        let frame = printed_frame(&printed).map_err(layout(RESULTS))?;
        let stored = column_names(&frame);
        tables.push(Table {
            name: RESULTS.into(),
            title: PRINTED_TITLE.into(),
            rows: vec![(period.clone(), frame.height())],
            frame: frame
                .lazy()
                .select(printed_view(lit(period.clone()), &stored)),
            columns: printed_columns(),
        });
        let frame = results_frame(plan, results).map_err(layout(MEASURES))?;
        let stored = column_names(&frame);
        tables.push(Table {
            name: MEASURES.into(),
            title: MEASURES_TITLE.into(),
            rows: vec![(period.clone(), frame.height())],
            frame: frame
                .lazy()
                .select(results_view(plan, lit(period.clone()), &stored)),
            columns: results_columns(plan),
        });
        let mut files = Vec::new();
        for source in &plan.sources {
            for f in ManifestFile::of_source(source, data, run) {
                files.push((period.clone(), source.id.clone(), f));
            }
        }
        let names = |code: &str| data.roster.get(code).map(|s| s.name.clone());
        tables.push(files_table(files, &[plan.period], &names)?);
        Ok(Catalog {
            tables,
            origin: Origin::Spreadsheets {
                period: plan.period,
                why,
                rejected: data.files.iter().map(|f| f.counts.rejected).sum(),
            },
        })
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Runs `sql` over the tables; a mistake comes back in words (`mistakes`), worked out
    /// only when polars refuses the query, so a check here never blocks SQL polars runs.
    pub fn run(&self, sql: &str) -> Result<Answer, mistakes::QueryError> {
        mistakes::check_statement(sql)?;
        let rewritten = rewrite::rewrite(self, sql);
        let notes = rewritten.notes;
        let sql = rewritten.sql.as_str();
        // The streaming engine reads the partitions batch by batch: a group-by over 12M
        // stored rows runs in a fraction of the time and memory of collecting in memory
        // (bench.py --query). In 0.55 it still fails on some plans that the in-memory
        // engine runs (it panics on a top-k over a decimal and refuses count(*) over a
        // union of periods): a query it fails runs again in memory, whose answer is final.
        let outcome = match quietly(|| self.collect(sql, Engine::Streaming)) {
            Ok(Ok(frame)) => Ok(Ok(frame)),
            _ => quietly(|| self.collect(sql, Engine::InMemory)),
        };
        match outcome {
            Ok(Ok(frame)) => Ok(Answer { frame, notes }),
            Ok(Err(error)) => Err(mistakes::explain_failure(self, sql, &error)),
            Err(()) => Err(mistakes::unsupported(sql, mistakes::table_list(self))),
        }
    }

    fn collect(&self, sql: &str, engine: Engine) -> PolarsResult<DataFrame> {
        let mut context = polars::sql::SQLContext::new();
        for table in &self.tables {
            context.register(&table.name, table.frame.clone());
        }
        let result = context.execute(sql)?.collect_with_engine(engine)?;
        Ok(match result {
            polars_core::query_result::QueryResult::Single(frame) => frame,
            polars_core::query_result::QueryResult::Multiple(frames) => {
                frames.into_iter().next().unwrap_or_default()
            }
        })
    }
}

/// Runs `work`, a panic in it caught and kept off the terminal (polars' internals are not
/// the analyst's business; the caller says what failed).
fn quietly<T>(work: impl FnOnce() -> T) -> Result<T, ()> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    std::panic::set_hook(hook);
    outcome.map_err(|_| ())
}

/// How many `period=*/data.parquet` files the folder scan of a table would read.
fn globbed_partitions(folder: &Path) -> usize {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("period="))
                .filter(|e| e.path().join(DATA_FILE_NAME).is_file())
                .count()
        })
        .unwrap_or(usize::MAX)
}

fn column_names(frame: &DataFrame) -> Vec<String> {
    frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect()
}

fn scan(path: &Path) -> Result<LazyFrame, CatalogError> {
    let path_text = path.to_string_lossy().into_owned();
    LazyFrame::scan_parquet(PlRefPath::new(&path_text), ScanArgsParquet::default()).map_err(|_| {
        CatalogError::Partition {
            path: path.to_path_buf(),
        }
    })
}

/// The column names a stored partition has (read from its footer, not its rows).
fn stored_names(path: &Path, scan: &LazyFrame) -> Result<Vec<String>, CatalogError> {
    let schema = scan
        .clone()
        .collect_schema()
        .map_err(|_| CatalogError::Partition {
            path: path.to_path_buf(),
        })?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// The rows each stored partition of `table` holds, per period of `periods` it has.
fn stored_heights(
    store: &Store,
    table: &str,
    periods: &[Period],
) -> Result<Vec<(String, usize)>, CatalogError> {
    let mut rows = Vec::new();
    for period in periods {
        let path = store.data_path(table, period);
        if path.is_file() {
            rows.push((period.to_string(), stored_height(&path)?));
        }
    }
    Ok(rows)
}

fn stored_height(path: &Path) -> Result<usize, CatalogError> {
    let unreadable = || CatalogError::Partition {
        path: path.to_path_buf(),
    };
    let file = std::fs::File::open(path).map_err(|_| unreadable())?;
    ParquetReader::new(file)
        .num_rows()
        .map_err(|_| unreadable())
}

fn analyst_dtype(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Money => DataType::Decimal(38, 2),
        other => pipeline::evaluate::dtype(other),
    }
}

/// A source partition as the analyst sees it: declared columns under their names (a column
/// declared since the period was stored is empty), then provenance.
fn source_view(source: &Source, period: Expr, stored: &[String]) -> Vec<Expr> {
    let has = |name: &str| stored.iter().any(|s| s == name);
    let mut exprs = vec![period.alias("period")];
    for c in &source.columns {
        let name = store_column_name(&c.name, c.kind);
        let expr = match (has(&name), c.kind) {
            (true, ColumnType::Money) => yuan(col(name.as_str())),
            (true, kind) => col(name.as_str()).cast(pipeline::evaluate::dtype(kind)),
            (false, kind) => lit(NULL).cast(analyst_dtype(kind)),
        };
        exprs.push(expr.alias(c.name.as_str()));
    }
    for (name, dtype) in provenance_types() {
        exprs.push(kept(name, dtype, stored));
    }
    exprs
}

/// The provenance columns of a source table after its declared ones, with their types.
fn provenance_types() -> [(&'static str, DataType); 5] {
    [
        ("submitter", DataType::String),
        ("submitter_name", DataType::String),
        ("source_file", DataType::String),
        ("source_sheet", DataType::String),
        ("source_row", DataType::UInt32),
    ]
}

/// A stored column as `dtype`, or an empty one when the partition lacks it.
fn kept(name: &str, dtype: DataType, stored: &[String]) -> Expr {
    let expr = if stored.iter().any(|s| s == name) {
        col(name).cast(dtype)
    } else {
        lit(NULL).cast(dtype)
    };
    expr.alias(name)
}

fn source_columns(source: &Source) -> Vec<TableColumn> {
    let mut columns = vec![TableColumn::plain("period", "文本（报告期）")];
    for c in &source.columns {
        columns.push(TableColumn {
            name: c.name.clone(),
            kind: column_kind_words(c.kind),
            label: None,
            values: c
                .values
                .iter()
                .map(|(value, aliases)| {
                    let others = aliases.iter().filter(|a| *a != value).cloned();
                    (value.clone(), others.collect())
                })
                .collect(),
        });
    }
    for (name, kind) in [
        ("submitter", "文本（报送单位代码）"),
        ("submitter_name", "文本（报送单位）"),
        ("source_file", "文本（文件）"),
        ("source_sheet", "文本（工作表）"),
        ("source_row", "整数（行号）"),
    ] {
        columns.push(TableColumn::plain(name, kind));
    }
    columns
}

fn column_kind_words(kind: ColumnType) -> &'static str {
    match kind {
        ColumnType::Text => "文本",
        ColumnType::Int => "整数",
        ColumnType::Number => "数值",
        ColumnType::Money => "金额（元）",
        ColumnType::Date => "日期",
        ColumnType::Bool => "是/否",
        ColumnType::Enum => "文本（取值之一）",
    }
}

/// Every measure and indicator once, in plan order: (name, label, kind), as stored.
fn result_figures(plan: &Plan) -> Vec<(String, String, Option<ValueKind>, bool)> {
    let mut figures = Vec::new();
    for m in &plan.measures {
        figures.push((m.name.clone(), m.label.clone(), Some(m.kind), false));
    }
    for i in &plan.indicators {
        if plan.measure(&i.name).is_none() {
            let rate = i.display.is_ratio() || i.display == pipeline::Display::PercentagePoints;
            figures.push((i.name.clone(), i.label.clone(), i.kind, rate));
        }
    }
    figures
}

fn results_view(plan: &Plan, period: Expr, stored: &[String]) -> Vec<Expr> {
    let has = |name: &str| stored.iter().any(|s| s == name);
    let mut exprs = vec![period.alias("period")];
    for (name, dtype) in [
        ("submitter", DataType::String),
        ("submitter_name", DataType::String),
        ("submitted", DataType::Boolean),
        ("subtotal", DataType::String),
        ("breakdown", DataType::String),
        ("category", DataType::String),
    ] {
        exprs.push(kept(name, dtype, stored));
    }
    for (name, _, kind, _) in result_figures(plan) {
        let stored_name = result_column_name(&name, kind);
        let money = kind == Some(ValueKind::Money);
        let expr = match (has(&stored_name), money) {
            // Fen totals are whole numbers held exactly in f64 (compute::numbers).
            (true, true) => yuan(col(stored_name.as_str()).round(0, RoundMode::HalfAwayFromZero)),
            (true, false) => col(stored_name.as_str()).cast(DataType::Float64),
            (false, true) => lit(NULL).cast(DataType::Decimal(38, 2)),
            (false, false) => lit(NULL).cast(DataType::Float64),
        };
        exprs.push(expr.alias(name.as_str()));
    }
    exprs
}

const PRINTED_TITLE: &str = "报表所印的每个数字（工作表 × 行 × 列）";
const MEASURES_TITLE: &str = "本期各单位及合计的度量与指标";

/// The printed figures as the analyst sees them: as stored, money also exactly in 元.
fn printed_view(period: Expr, stored: &[String]) -> Vec<Expr> {
    let mut exprs = vec![period.alias("period")];
    for name in pipeline::evaluate::RESULTS_TEXT_COLUMNS {
        exprs.push(kept(name, DataType::String, stored));
    }
    exprs.push(kept("value", DataType::Float64, stored));
    let fen = format!("value{}", store::FEN_SUFFIX);
    exprs.push(
        match stored.contains(&fen) {
            true => yuan(col(fen.as_str())),
            false => lit(NULL).cast(DataType::Decimal(38, 2)),
        }
        .alias("value_元"),
    );
    exprs
}

fn printed_columns() -> Vec<TableColumn> {
    [
        ("period", "文本（报告期）"),
        ("sheet", "文本（报表的工作表）"),
        (
            "row",
            "文本（行：合计、其中：街道、单位名称、类别；未报送的单位带“（未报送）”）",
        ),
        ("submitter", "文本（报送单位代码；合计、小计、类别为空）"),
        ("column", "文本（列的表头，多层以“ / ”相连）"),
        ("figure", "文本（指标或度量在流水线中的名字）"),
        (
            "window",
            "文本（本期、本年累计、上年同期累计、同比、环比…）",
        ),
        (
            "unit",
            "文本（value 的单位：计数、元、万元、比率、百分点、数值）",
        ),
        (
            "value",
            "数值（单元格所存的数，未舍入；比率 0.95 即 95%；“—”或空白为空）",
        ),
        ("value_元", "金额（元，精确到分；仅金额）"),
    ]
    .into_iter()
    .map(|(name, kind)| TableColumn::plain(name, kind))
    .collect()
}

fn empty_printed() -> LazyFrame {
    DataFrame::empty()
        .lazy()
        .select(printed_view(lit(NULL).cast(DataType::String), &[]))
        .slice(0, 0)
}

fn results_columns(plan: &Plan) -> Vec<TableColumn> {
    let mut columns: Vec<TableColumn> = [
        ("period", "文本（报告期）"),
        ("submitter", "文本（报送单位代码；合计、小计为空）"),
        ("submitter_name", "文本（报送单位；合计；其中：街道…）"),
        ("submitted", "是/否（本期有报送）"),
        ("subtotal", "文本（小计行的单位类型：街道、镇…；其余为空）"),
        (
            "breakdown",
            "文本（分类表的名称，如“用人单位类型”；其余为空）",
        ),
        (
            "category",
            "文本（分类表一行的类别，如“企业”“其他”；其余为空）",
        ),
    ]
    .into_iter()
    .map(|(name, kind)| TableColumn::plain(name, kind))
    .collect();
    for (name, label, kind, rate) in result_figures(plan) {
        let wan = plan
            .indicator(&name)
            .is_some_and(|i| i.display == pipeline::Display::TenThousandYuan);
        let kind = match (kind, rate) {
            (_, true) => "比率（0.95 即 95%）",
            (Some(ValueKind::Money), _) if wan => "金额（元；报表以万元显示）",
            (Some(ValueKind::Money), _) => "金额（元）",
            (Some(ValueKind::Count), _) => "数值（计数）",
            _ => "数值",
        };
        columns.push(TableColumn {
            label: (label != name).then_some(label),
            name,
            kind,
            values: Vec::new(),
        });
    }
    columns
}

fn empty_source(source: &Source) -> LazyFrame {
    let empty = DataFrame::empty().lazy();
    let mut exprs = vec![lit(NULL).cast(DataType::String).alias("period")];
    for c in &source.columns {
        exprs.push(lit(NULL).cast(analyst_dtype(c.kind)).alias(c.name.as_str()));
    }
    for (name, dtype) in provenance_types() {
        exprs.push(lit(NULL).cast(dtype).alias(name));
    }
    empty.select(exprs).slice(0, 0)
}

fn empty_results(plan: &Plan) -> LazyFrame {
    DataFrame::empty()
        .lazy()
        .select(results_view(plan, lit(NULL).cast(DataType::String), &[]))
        .slice(0, 0)
}

/// A table's stored partitions of `periods` as one lazy frame laid out by `view` (given the
/// period as an expression and the partition's column names); `None` when none is stored.
///
/// Partitions that share their columns (the usual case) are one scan of the table's folder,
/// `period` read from the folder names (Hive) and the periods picked by a filter polars
/// applies to the folder names: one scan node, not a union — polars 0.55 cannot count rows
/// (`count(*)`) over a union of scans (it casts to a 128-bit integer it was not built with).
/// When a stored partition has other columns (written by another pipeline version), the
/// periods asked for are a union of scans, one per partition.
fn scan_table(
    store: &Store,
    table: &str,
    periods: &[Period],
    view: &dyn Fn(Expr, &[String]) -> Vec<Expr>,
) -> Result<Option<LazyFrame>, CatalogError> {
    // Every stored partition's columns: the folder scan takes its schema from the first
    // file it finds, which may be a period the query does not cover.
    let stored = store.stored_periods(table)?;
    let mut all: Vec<(Period, PathBuf, Vec<String>)> = Vec::new();
    for period in &stored {
        let path = store.data_path(table, period);
        let names = stored_names(&path, &scan(&path)?)?;
        all.push((*period, path, names));
    }
    let partitions: Vec<&(Period, PathBuf, Vec<String>)> = all
        .iter()
        .filter(|(p, _, _)| periods.iter().any(|w| w.to_string() == p.to_string()))
        .collect();
    let Some((_, first_path, first_names)) = partitions.first().copied() else {
        return Ok(None);
    };
    // A period read as an earlier vintage is not in the table's folder: scanned on its own.
    if store.reads_current() && all.iter().all(|(_, _, names)| names == first_names) {
        let pattern = store
            .root()
            .join(table)
            .join("period=*")
            .join(DATA_FILE_NAME);
        let hive_schema: Schema = [(PlSmallStr::from("period"), DataType::String)]
            .into_iter()
            .collect();
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(true),
                hive_start_idx: 0,
                schema: Some(std::sync::Arc::new(hive_schema)),
                try_parse_dates: false,
            },
            ..Default::default()
        };
        let text = pattern.to_string_lossy().into_owned();
        let scan = LazyFrame::scan_parquet(PlRefPath::new(&text), args).map_err(|_| {
            CatalogError::Partition {
                path: first_path.clone(),
            }
        })?;
        let wanted: Vec<String> = partitions.iter().map(|(p, _, _)| p.to_string()).collect();
        // Picked by name unless the glob matches exactly the periods asked for: a folder
        // `period=…` that is not a period laborstat wrote is matched by the glob too. (The
        // filter is evaluated row by row: +0.1 s over 12M rows, so only when needed.)
        let globbed = globbed_partitions(&store.root().join(table));
        let frame = if globbed == wanted.len() && stored.len() == wanted.len() {
            scan
        } else {
            let wanted = Series::new("periods".into(), wanted);
            scan.filter(col("period").is_in(lit(wanted).implode(false), false))
        };
        return Ok(Some(frame.select(view(col("period"), first_names))));
    }
    let mut parts = Vec::new();
    for (period, path, names) in partitions {
        parts.push(scan(path)?.select(view(lit(period.to_string()), names)));
    }
    concat(parts, UnionArgs::default())
        .map(Some)
        .map_err(|error| CatalogError::Layout {
            table: table.to_string(),
            error,
        })
}

/// Per period stored more than once: its vintages (`--vintage N` reads one), and which one
/// the tables hold.
fn vintage_lines(store: &Store, periods: &[Period]) -> Result<Vec<String>, StoreError> {
    let mut lines = Vec::new();
    for period in periods {
        let vintages = store.vintages(period)?;
        if vintages.len() < 2 {
            continue;
        }
        let read = store
            .reading_vintage(period)
            .unwrap_or_else(|| vintages.last().map_or(1, |v| v.number));
        let list: Vec<String> = vintages
            .iter()
            .map(|v| {
                let mark = if v.number == read {
                    "（本次所读）"
                } else {
                    ""
                };
                format!("第{}版 {}存入{mark}", v.number, v.written_at)
            })
            .collect();
        lines.push(format!("{period} 重报过，各版：{}", list.join("；")));
    }
    Ok(lines)
}

/// A stored file's manifest entry, with its period and source.
type FileEntry = (String, String, ManifestFile);

fn files_table(
    files: Vec<FileEntry>,
    periods: &[Period],
    roster_names: &dyn Fn(&str) -> Option<String>,
) -> Result<Table, CatalogError> {
    let text = |f: &dyn Fn(&FileEntry) -> Option<String>| -> StringChunked {
        files.iter().map(f).collect()
    };
    let count = |f: &dyn Fn(&ManifestFile) -> usize| -> UInt64Chunked {
        files.iter().map(|(_, _, m)| Some(f(m) as u64)).collect()
    };
    let used: BooleanChunked = files.iter().map(|(_, _, m)| Some(m.used)).collect();
    let columns: Vec<Column> = vec![
        text(&|(p, _, _)| Some(p.clone()))
            .with_name("period".into())
            .into_column(),
        text(&|(_, s, _)| Some(s.clone()))
            .with_name("source".into())
            .into_column(),
        text(&|(_, _, m)| Some(m.path.clone()))
            .with_name("file".into())
            .into_column(),
        text(&|(_, _, m)| m.sheet.clone())
            .with_name("sheet".into())
            .into_column(),
        text(&|(_, _, m)| m.submitter.clone())
            .with_name("submitter".into())
            .into_column(),
        text(&|(_, _, m)| m.submitter.as_deref().and_then(roster_names))
            .with_name("submitter_name".into())
            .into_column(),
        used.with_name("used".into()).into_column(),
        count(&|m| m.rows_read)
            .with_name("rows_read".into())
            .into_column(),
        count(&|m| m.rows_used)
            .with_name("rows_used".into())
            .into_column(),
        count(&|m| m.rows_rejected)
            .with_name("rows_rejected".into())
            .into_column(),
        count(&|m| m.rows_skipped)
            .with_name("rows_skipped".into())
            .into_column(),
        // The rest of the rows read: titles and header rows, so that the four add up.
        count(&|m| {
            m.rows_read
                .saturating_sub(m.rows_used + m.rows_rejected + m.rows_skipped)
        })
        .with_name("rows_title_header".into())
        .into_column(),
        text(&|(_, _, m)| Some(m.sha256.clone()))
            .with_name("sha256".into())
            .into_column(),
    ];
    let height = files.len();
    let frame = DataFrame::new(height, columns).map_err(|error| CatalogError::Layout {
        table: FILES.into(),
        error,
    })?;
    let rows = periods
        .iter()
        .map(|p| {
            let p = p.to_string();
            let n = files.iter().filter(|(fp, _, _)| *fp == p).count();
            (p, n)
        })
        .collect();
    let columns = [
        ("period", "文本（报告期）"),
        ("source", "文本（台账）"),
        ("file", "文本（文件，数据目录下的路径）"),
        ("sheet", "文本（工作表）"),
        ("submitter", "文本（报送单位代码）"),
        ("submitter_name", "文本（报送单位）"),
        ("used", "是/否（采用）"),
        ("rows_read", "整数（读入行数）"),
        ("rows_used", "整数（采用行数）"),
        ("rows_rejected", "整数（剔除行数）"),
        (
            "rows_skipped",
            "整数（跳过行数：合计、空行、表尾、报告期外…）",
        ),
        (
            "rows_title_header",
            "整数（标题与表头行数；读入 = 采用 + 剔除 + 跳过 + 标题表头）",
        ),
        ("sha256", "文本（文件的 SHA-256）"),
    ]
    .into_iter()
    .map(|(name, kind)| TableColumn::plain(name, kind))
    .collect();
    Ok(Table {
        name: FILES.into(),
        title: "文件及行数".into(),
        frame: frame.lazy(),
        columns,
        rows,
    })
}
