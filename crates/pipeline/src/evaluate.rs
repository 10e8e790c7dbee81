//! How a source's table is shaped and how measures are run over it, in one place: compute
//! runs the queries on the ingested tables; compile runs the same queries on a two-row
//! frame of the declared schema, so that `check` refuses what `run` would, before any file
//! is read.

use polars::prelude::*;
use polars::sql::sql_expr;

use super::{ColumnType, Measure, Source};

/// Provenance columns added to every source table. `_submitter` is the submitter's index in
/// the roster (UInt32; `Roster::submitters[i].code` is its code): four bytes a row instead of
/// a code string, which at province scale (10M rows) is over 100 MB.
pub const SUBMITTER_COLUMN: &str = "_submitter";
pub const FILE_COLUMN: &str = "_file";
pub const ROW_COLUMN: &str = "_row";

/// The Arrow type a declared column is held in (money as Int64 fen).
pub fn dtype(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Text | ColumnType::Enum => DataType::String,
        ColumnType::Int | ColumnType::Money => DataType::Int64,
        ColumnType::Number => DataType::Float64,
        ColumnType::Date => DataType::Date,
        ColumnType::Bool => DataType::Boolean,
    }
}

/// A frame of the source's schema with `rows` empty rows, all of one submitter: the table
/// of a source no file was read for (0 rows), or the sample a dry run plans against.
pub fn schema_frame(source: &Source, rows: usize) -> PolarsResult<DataFrame> {
    frame_of_columns(&source.columns, rows)
}

fn frame_of_columns(declared: &[super::Column], rows: usize) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Column> = declared
        .iter()
        .map(|c| Column::full_null(c.name.as_str().into(), rows, &dtype(c.kind)))
        .collect();
    columns.push(Column::new(SUBMITTER_COLUMN.into(), vec![0u32; rows]));
    columns.push(Column::new(FILE_COLUMN.into(), vec![0u32; rows]));
    columns.push(Column::new(ROW_COLUMN.into(), vec![0u32; rows]));
    DataFrame::new(rows, columns)
}

/// Measures sharing a source and a filter, their SQL parsed once, to run over any rows of
/// the source: all of them (合计, computed from the rows, never by adding up submitters),
/// one submitter's, or grouped by submitter.
pub struct MeasureQuery {
    filter: Option<Expr>,
    exprs: Vec<Expr>,
}

impl MeasureQuery {
    pub fn new(filter: Option<&str>, measures: &[&Measure]) -> PolarsResult<MeasureQuery> {
        Ok(MeasureQuery {
            filter: filter.map(sql_expr).transpose()?,
            exprs: measures
                .iter()
                .map(|m| sql_expr(&m.sql).map(|e| e.alias(m.name.as_str())))
                .collect::<PolarsResult<Vec<_>>>()?,
        })
    }

    fn filtered(&self, frame: LazyFrame) -> LazyFrame {
        match &self.filter {
            Some(filter) => frame.filter(filter.clone()),
            None => frame,
        }
    }

    /// One row: the measures over every row of `frame`.
    pub fn over(&self, frame: LazyFrame) -> LazyFrame {
        self.filtered(frame).select(self.exprs.clone())
    }

    /// One row per submitter with rows (`_submitter` and the measures).
    pub fn by_submitter(&self, frame: LazyFrame) -> LazyFrame {
        self.filtered(frame)
            .group_by([col(SUBMITTER_COLUMN)])
            .agg(self.exprs.clone())
    }
}

/// Why a measure cannot run, found by running it on two empty rows of the declared schema:
/// in words, never polars' own text.
pub fn dry_run_measure(source: &Source, measure: &Measure) -> Result<(), String> {
    let cannot = |what: &str| {
        format!(
            "{what}无法按台账 `{}` 声明的列类型计算；请检查列的类型和所用的函数",
            source.id
        )
    };
    let frame = schema_frame(source, 2).map_err(|_| cannot("这个指标"))?;
    let query =
        MeasureQuery::new(measure.filter.as_deref(), &[measure]).map_err(|_| cannot("这个指标"))?;
    let overall = query
        .over(frame.clone().lazy())
        .collect()
        .map_err(|_| cannot("`sql`"))?;
    let by = query
        .by_submitter(frame.lazy())
        .collect()
        .map_err(|_| cannot("`sql`"))?;
    let dtype = by
        .column(&measure.name)
        .map(|c| c.dtype().clone())
        .map_err(|_| cannot("`sql`"))?;
    if overall.height() != 1 || matches!(dtype, DataType::List(_)) {
        return Err(format!(
            "`{}` 不是汇总：它每一行得出一个值。指标要把行汇总起来：count(*)、sum(<列>)、count(distinct <列>)…",
            measure.sql
        ));
    }
    if !dtype.is_primitive_numeric() && dtype != DataType::Boolean {
        return Err(format!(
            "`{}` 得出的是{}，不是数：指标是计数或求和",
            measure.sql,
            type_words(&dtype)
        ));
    }
    Ok(())
}

/// Why a row check cannot run: it must give yes/no for every row.
pub fn dry_run_check(source_id: &str, columns: &[super::Column], sql: &str) -> Result<(), String> {
    let cannot = format!("`check` 无法按台账 `{source_id}` 声明的列类型计算");
    let frame = frame_of_columns(columns, 2).map_err(|_| cannot.clone())?;
    let expr = sql_expr(sql).map_err(|_| cannot.clone())?;
    let out = frame
        .lazy()
        .select([expr.alias("check")])
        .collect()
        .map_err(|_| cannot.clone())?;
    let dtype = out
        .column("check")
        .map_err(|_| cannot.clone())?
        .dtype()
        .clone();
    if dtype != DataType::Boolean || out.height() != 2 {
        return Err(format!(
            "`check` 应是每一行都满足的条件（例如 结案日期 >= 受理日期），但 `{sql}` 得出的是{}",
            type_words(&dtype)
        ));
    }
    Ok(())
}

/// Why a `derive` expression cannot make column `ci`: it must run over the source's other
/// columns (not itself: the file lacks it) and give a value of the column's type.
pub fn dry_run_derive(columns: &[super::Column], ci: usize, sql: &str) -> Result<(), String> {
    let others: Vec<super::Column> = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != ci)
        .map(|(_, c)| c.clone())
        .collect();
    let expr =
        sql_expr(sql).map_err(|e| format!("不是 SQL 表达式（{}）", first_line(&e.to_string())))?;
    let frame = frame_of_columns(&others, 2).map_err(|e| e.to_string())?;
    let want = dtype(columns[ci].kind);
    frame
        .lazy()
        .select([expr.strict_cast(want.clone()).alias("derived")])
        .collect()
        .map(|_| ())
        .map_err(|_| {
            format!(
                "它应由本台账的其他列（按列名）算出，并得出{}",
                type_words(&want)
            )
        })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn type_words(dtype: &DataType) -> &'static str {
    match dtype {
        DataType::String => "文字",
        DataType::Date | DataType::Datetime(..) => "日期",
        DataType::Boolean => "是/否",
        DataType::List(_) => "一组值",
        d if d.is_primitive_numeric() => "数",
        _ => "另一类的值",
    }
}

/// The name a list sheet's SQL gives the previous period's rows of a source: `projects_上期`.
pub fn previous_table_name(source_id: &str) -> String {
    format!("{source_id}_上期")
}

/// A source's rows as a list sheet's SQL sees them: the declared columns, `submitter_name`
/// (from the roster) and `source_row`, without the engine's internal indices.
pub fn list_table(frame: &DataFrame, names: &[String]) -> PolarsResult<DataFrame> {
    let submitters = frame.column(SUBMITTER_COLUMN)?.u32()?;
    let named: StringChunked = submitters
        .iter()
        .map(|i| i.and_then(|i| names.get(i as usize)).map(String::as_str))
        .collect();
    let mut out = frame.drop_many([SUBMITTER_COLUMN, FILE_COLUMN]);
    out.rename(ROW_COLUMN, "source_row".into())?;
    out.with_column(named.with_name("submitter_name".into()).into_column())?;
    Ok(out)
}

/// Runs a list sheet's SQL over `tables` (this period's under each source id, the period
/// before under `<id>_上期`).
pub fn run_list(sql: &str, tables: Vec<(String, DataFrame)>) -> PolarsResult<DataFrame> {
    let mut context = polars::sql::SQLContext::new();
    for (name, frame) in tables {
        context.register(&name, frame.lazy());
    }
    context.execute(sql)?.collect()
}

/// The table of the report's printed figures a list sheet may read: one row per figure
/// cell, the columns `compute::printed::printed_frame` gives (`rows` empty rows of them).
pub const RESULTS_TABLE: &str = "results";
/// The roster a list sheet may read: `code`, `name`, `kind` and each roster constant.
pub const ROSTER_TABLE: &str = "roster";

/// The text columns of the printed figures (`results`), in order; then `value` and the
/// exact money `value_分` (the list sheets' and `query`'s view of them).
pub const RESULTS_TEXT_COLUMNS: [&str; 7] = [
    "sheet",
    "row",
    "submitter",
    "column",
    "figure",
    "window",
    "unit",
];

/// An empty `results` table, for `check`'s dry run.
pub fn results_schema_frame() -> PolarsResult<DataFrame> {
    let text = |name: &str| Column::new_empty(name.into(), &DataType::String);
    let mut columns: Vec<Column> = RESULTS_TEXT_COLUMNS.iter().map(|n| text(n)).collect();
    columns.push(Column::new_empty("value".into(), &DataType::Float64));
    columns.push(Column::new_empty(
        format!("value{}", crate::FEN_SUFFIX).as_str().into(),
        &DataType::Int64,
    ));
    DataFrame::new(0, columns)
}

/// One roster entry as a list reads it: code, name, kind and the value of each constant.
pub struct RosterRow<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub constants: Vec<Option<f64>>,
}

/// The `roster` table: `code`, `name`, `kind`, then each roster constant by its name.
pub fn roster_frame(
    rows: &[RosterRow],
    constants: &[crate::RosterConstant],
) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&RosterRow) -> String| -> Column {
        rows.iter()
            .map(|r| Some(f(r)))
            .collect::<StringChunked>()
            .with_name(name.into())
            .into_column()
    };
    let mut columns = vec![
        text("code", &|r| r.code.to_string()),
        text("name", &|r| r.name.to_string()),
        text("kind", &|r| r.kind.to_string()),
    ];
    for (i, constant) in constants.iter().enumerate() {
        columns.push(
            rows.iter()
                .map(|r| r.constants.get(i).copied().flatten())
                .collect::<Float64Chunked>()
                .with_name(constant.name.as_str().into())
                .into_column(),
        );
    }
    DataFrame::new(rows.len(), columns)
}

/// Why a list sheet's SQL cannot run, found on two empty rows of every source's schema (and
/// empty `results` and `roster` tables): in words, with the tables it may name.
/// What a list sheet's SQL may read, as far as the pipeline file knows it: the sources'
/// declared columns and the roster constants (`results` has fixed columns).
pub struct ListTables<'a> {
    pub sources: &'a [Source],
    pub constants: &'a [crate::RosterConstant],
}

pub fn dry_run_list(tables: &ListTables, sql: &str) -> Result<(), String> {
    let ListTables { sources, constants } = *tables;
    let mut tables = vec![
        (
            RESULTS_TABLE.to_string(),
            results_schema_frame().map_err(|_| "results 表无法生成".to_string())?,
        ),
        (
            ROSTER_TABLE.to_string(),
            roster_frame(&[], constants).map_err(|_| "roster 表无法生成".to_string())?,
        ),
    ];
    for source in sources {
        let frame = schema_frame(source, 2)
            .and_then(|f| list_table(&f, &[String::new()]))
            .map_err(|_| "台账的列无法排成表".to_string())?;
        tables.push((previous_table_name(&source.id), frame.clone()));
        tables.push((source.id.clone(), frame));
    }
    let names: Vec<String> = tables.iter().map(|(n, _)| n.clone()).collect();
    run_list(sql, tables).map(|_| ()).map_err(|error| {
        let tables = format!(
            "可用的表：{}（每个台账有它声明的列、`submitter_name` 和 `source_row`；`results`：sheet、row、submitter、column、figure、window、unit、value、value_分；`roster`：code、name、kind 和名单常量）",
            names.join("、")
        );
        // The cause by the kind of error, the name it is about quoted from polars' text
        // (never the text itself: it speaks of polars' internals).
        let mut error = &error;
        while let PolarsError::Context { error: inner, .. } = error {
            error = inner.as_ref();
        }
        let quoted = |text: &str| {
            let text = text.replace('\'', "\"");
            text.split('"').nth(1).map(str::to_string)
        };
        match error {
            PolarsError::ColumnNotFound(text) => match quoted(text) {
                Some(name) => format!("所读的表中没有列 `{name}`；{tables}"),
                None => format!("写到的某一列不在所读的表中；{tables}"),
            },
            PolarsError::Duplicate(text) => format!(
                "结果中有两列同名{}；请用 AS 给其中一列另起名字",
                quoted(text).map(|n| format!("（`{n}`）")).unwrap_or_default()
            ),
            PolarsError::SQLInterface(text) | PolarsError::SQLSyntax(text)
                if text.to_lowercase().contains("function") =>
            {
                format!(
                    "用了引擎没有的函数{}",
                    quoted(text).map(|n| format!("：`{n}`")).unwrap_or_default()
                )
            }
            PolarsError::SQLInterface(text)
                if text.contains("not found") || text.contains("relation") =>
            {
                match quoted(text) {
                    Some(name) => format!("没有表 `{name}`；{tables}"),
                    None => format!("写到的表不存在；{tables}"),
                }
            }
            PolarsError::SQLSyntax(_) | PolarsError::SQLInterface(_) => {
                format!("引擎不接受这段 SQL；{tables}")
            }
            PolarsError::SchemaMismatch(_) | PolarsError::InvalidOperation(_) | PolarsError::ComputeError(_) => {
                format!("把一类值当作另一类用了（文字与数比较、日期与文字比较：日期请写成 date '2024-01-31'）；{tables}")
            }
            _ => format!("这个查询无法在声明的列上运行；{tables}"),
        }
    })
}
