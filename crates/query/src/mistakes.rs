//! A query's mistakes in words: a syntax error with its line, column and a caret; a table or
//! column that does not exist, with "did you mean" and what does exist; otherwise what
//! kind of thing went wrong. polars' own text never reaches the user: it speaks of its
//! internals (plans, dtypes), not of the analyst's tables.

pub use pipeline::diagnostics::closest_identifier as did_you_mean;
use std::collections::HashSet;
use std::ops::ControlFlow;

use polars::prelude::PolarsError;
use sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Query, Select, SelectItem, Statement, TableFactor,
    Visit, Visitor,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::Catalog;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("SQL 第 {line} 行第 {column} 列写得不对：{problem}\n{excerpt}")]
    Syntax {
        line: usize,
        column: usize,
        problem: String,
        excerpt: String,
    },
    #[error(
        "{what}；query 只读存储、不改动任何数据，所以只接受一条 SELECT（WITH … SELECT 也可以）"
    )]
    NotASelect { what: String },
    #[error("没有表“{name}”{hint}\n{tables}")]
    UnknownTable {
        name: String,
        hint: String,
        tables: String,
    },
    #[error("{scope}中没有列“{name}”{hint}（第 {line} 行第 {column} 列）\n{columns}")]
    UnknownColumn {
        name: String,
        scope: String,
        hint: String,
        line: usize,
        column: usize,
        columns: String,
    },
    #[error("列“{column}”既不在聚合函数（如 sum、count）里，也不在 GROUP BY 中：这样的查询会给每一行都配上总数，标准 SQL 不允许。按它分组请加 GROUP BY {column}；只要总数请从 SELECT 中去掉它")]
    Ungrouped { column: String },
    #[error("WHERE 中不能用聚合函数（sum、count 等）：WHERE 在分组前逐行筛选。筛选分组后的结果请用 HAVING，例如 GROUP BY 单位 HAVING sum(追发工资) > 10000")]
    AggregateInWhere,
    #[error("窗口函数 {function} 的参数或 OVER (…) 中用了聚合函数（如 OVER (ORDER BY sum(…))），查询引擎算不了。先在 WITH 中聚合，再在外层排名，例如：WITH t AS (SELECT submitter_name, sum(追发工资) AS 追发 FROM cases GROUP BY submitter_name) SELECT submitter_name, 追发, row_number() OVER (ORDER BY 追发 DESC) AS 名次 FROM t ORDER BY 名次")]
    WindowOverAggregate { function: String },
    #[error("查询无法运行：{why}\n{tables}")]
    Failed { why: String, tables: String },
    #[error("查询用了查询引擎不支持的 SQL（支持 SELECT 及 WHERE、GROUP BY、HAVING、ORDER BY、LIMIT、JOIN、WITH、UNION 和常用函数）\n{tables}")]
    Unsupported { tables: String },
    #[error("查询用了查询引擎不支持的函数 {function}：{instead}\n{tables}")]
    UnsupportedFunction {
        function: String,
        instead: &'static str,
        tables: String,
    },
}

/// The tables, one line each, for the end of a message.
pub fn table_list(catalog: &Catalog) -> String {
    let mut lines = vec!["可查询的表（laborstat tables 流水线文件 列出各表的列）：".to_string()];
    for t in &catalog.tables {
        lines.push(format!("  {} — {}", t.name, t.title));
    }
    lines.join("\n")
}

/// Why `sql` failed on `catalog`, in words: checked here against the tables' names first;
/// failing that, the kind of polars' error, never its text.
pub fn explain_failure(catalog: &Catalog, sql: &str, error: &PolarsError) -> QueryError {
    // For whoever maintains laborstat: polars' own words, on request only.
    if std::env::var_os("LABORSTAT_DEBUG").is_some() {
        eprintln!("polars: {error}");
    }
    if let Err(mistake) = check_names(catalog, sql) {
        return mistake;
    }
    let tables = table_list(catalog);
    let mut error = error;
    while let PolarsError::Context { error: inner, .. }
    | PolarsError::ExprContext { error: inner, .. } = error
    {
        error = inner.as_ref();
    }
    let why = match error {
        PolarsError::ColumnNotFound(_) => {
            "查询中有列不在它所读的表里（把一个表的列写在了另一个表名下，或别名在定义之前就用了）".to_string()
        }
        PolarsError::SQLSyntax(_) | PolarsError::SQLInterface(_) => {
            return unsupported(sql, tables);
        }
        // polars 0.55 counts rows over a union of scans with a 128-bit integer it was not
        // built with (query::scan_table says when a table is a union).
        PolarsError::InvalidOperation(text) if text.contains("UInt128") => {
            "各报告期存入时的列不同（由不同版本的流水线文件写入），无法 count(*)；请改为对一个总有值的列计数，如 count(period)".to_string()
        }
        PolarsError::InvalidOperation(_)
        | PolarsError::SchemaMismatch(_)
        | PolarsError::ComputeError(_) => "把一种类型的值当作另一种用了（文字和数字比较、日期和文字比较——日期请写成 date '2024-01-31'——或金额除以文字）；各列的类型见 laborstat tables".to_string(),
        PolarsError::Duplicate(_) => {
            "结果中有两列同名；请用 AS 给其中一列另起名字".to_string()
        }
        PolarsError::OutOfBounds(_) | PolarsError::ShapeMismatch(_) => {
            "子查询返回的行多于该位置能容纳的，或 LIMIT/OFFSET 超出范围".to_string()
        }
        _ => "查询引擎在读数据时停止了".to_string(),
    };
    QueryError::Failed { why, tables }
}

/// Checks that `sql` is one query (SELECT, WITH … SELECT), before it runs: polars would
/// also run `DELETE FROM t` — as a SELECT of nothing.
pub fn check_statement(sql: &str) -> Result<(), QueryError> {
    let statement = one_query(sql)?;
    let mut selects = SelectChecks::default();
    let _ = statement.visit(&mut selects);
    match selects.problem {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// Functions that fold many rows into one (without OVER): what makes a SELECT an
/// aggregate, in which every other column must be grouped.
const AGGREGATES: [&str; 16] = [
    "count",
    "sum",
    "avg",
    "mean",
    "min",
    "max",
    "median",
    "stddev",
    "stddev_samp",
    "variance",
    "var_samp",
    "first",
    "last",
    "string_agg",
    "array_agg",
    "count_distinct",
];

fn is_aggregate(expr: &Expr) -> bool {
    matches!(expr, Expr::Function(f) if f.over.is_none()
    && f.name.0.last().is_some_and(|p| {
        let name = p.to_string().to_lowercase();
        AGGREGATES.contains(&name.as_str())
    }))
}

/// What polars runs but standard SQL forbids, and which gives a wrong answer that looks
/// right: a column beside an aggregate with no GROUP BY (`SELECT 单位, count(*) FROM cases`
/// gives every row with the total), an aggregate in WHERE. Each SELECT of the statement
/// (subqueries, WITH and UNION parts too) is checked.
#[derive(Default)]
struct SelectChecks {
    problem: Option<QueryError>,
}

impl Visitor for SelectChecks {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let mut bodies = vec![query.body.as_ref()];
        while let Some(body) = bodies.pop() {
            match body {
                sqlparser::ast::SetExpr::Select(select) => {
                    if let Some(problem) = select_problem(select) {
                        self.problem.get_or_insert(problem);
                        return ControlFlow::Break(());
                    }
                }
                sqlparser::ast::SetExpr::SetOperation { left, right, .. } => {
                    bodies.extend([left.as_ref(), right.as_ref()])
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }
}

fn select_problem(select: &Select) -> Option<QueryError> {
    let grouped = !matches!(&select.group_by,
        sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    let mut uses = AggregateUse::default();
    let mut wildcard = false;
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                let _ = e.visit(&mut uses);
            }
            _ => wildcard = true,
        }
    }
    if uses.aggregates > 0 && !grouped {
        let column = uses
            .bare
            .first()
            .cloned()
            .or(wildcard.then(|| "*".to_string()));
        if let Some(column) = column {
            return Some(QueryError::Ungrouped { column });
        }
    }
    for item in &select.projection {
        if let SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } = item {
            let mut windows = WindowsOverAggregates::default();
            let _ = e.visit(&mut windows);
            if let Some(function) = windows.found {
                return Some(QueryError::WindowOverAggregate { function });
            }
        }
    }
    let mut in_where = AggregateUse::default();
    if let Some(condition) = &select.selection {
        let _ = condition.visit(&mut in_where);
    }
    (in_where.aggregates > 0).then_some(QueryError::AggregateInWhere)
}

/// A window function (`… OVER (…)`) with an aggregate in its arguments or its window:
/// polars cannot run it, and its error names a type mismatch instead.
#[derive(Default)]
struct WindowsOverAggregates {
    found: Option<String>,
}

impl Visitor for WindowsOverAggregates {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            if f.over.is_some() {
                let mut inside = AggregateUse::default();
                let _ = f.args.visit(&mut inside);
                if let Some(sqlparser::ast::WindowType::WindowSpec(spec)) = &f.over {
                    let _ = spec.visit(&mut inside);
                }
                if inside.aggregates > 0 {
                    self.found = Some(f.name.to_string());
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// Aggregate calls in an expression, and the columns it names outside them (and outside
/// any subquery, which is checked on its own).
#[derive(Default)]
struct AggregateUse {
    aggregates: usize,
    inside: usize,
    subqueries: usize,
    bare: Vec<String>,
}

impl Visitor for AggregateUse {
    type Break = ();

    fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.subqueries += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
        self.subqueries -= 1;
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.subqueries > 0 {
            return ControlFlow::Continue(());
        }
        if is_aggregate(expr) {
            self.aggregates += 1;
            self.inside += 1;
        } else if self.inside == 0 {
            match expr {
                Expr::Identifier(ident) => self.bare.push(ident.value.clone()),
                Expr::CompoundIdentifier(parts) => {
                    self.bare.extend(parts.last().map(|p| p.value.clone()))
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.subqueries == 0 && is_aggregate(expr) {
            self.inside -= 1;
        }
        ControlFlow::Continue(())
    }
}

fn one_query(sql: &str) -> Result<Statement, QueryError> {
    let statements =
        Parser::parse_sql(&GenericDialect, sql).map_err(|e| syntax_error(sql, &e.to_string()))?;
    let statement = match statements.as_slice() {
        [one] => one,
        [] => {
            return Err(QueryError::NotASelect {
                what: "SQL 是空的".into(),
            })
        }
        _ => {
            return Err(QueryError::NotASelect {
                what: format!("SQL 中有 {} 条语句", statements.len()),
            })
        }
    };
    if !matches!(statement, Statement::Query(_)) {
        return Err(QueryError::NotASelect {
            what: "这条 SQL 不是查询".into(),
        });
    }
    Ok(statement.clone())
}

/// Functions analysts reach for that the query engine lacks, with the form that works.
const LACKING: [(&str, &str); 8] = [
    (
        "rank",
        "名次请用 row_number() OVER (ORDER BY …)（并列不同名次），或按该列排序后看位置",
    ),
    (
        "dense_rank",
        "名次请用 row_number() OVER (ORDER BY …)（并列不同名次），或按该列排序后看位置",
    ),
    (
        "percent_rank",
        "请用 row_number() OVER (ORDER BY …) 除以 count(*) OVER ()",
    ),
    (
        "ntile",
        "请用 row_number() OVER (ORDER BY …) 与 count(*) OVER () 算出分组",
    ),
    (
        "date_diff",
        "相隔天数请写 CAST(结案日期 AS INT) - CAST(受理日期 AS INT)（日期转整数是自1970-01-01起的天数），可再求 avg、max",
    ),
    (
        "datediff",
        "相隔天数请写 CAST(结案日期 AS INT) - CAST(受理日期 AS INT)（日期转整数是自1970-01-01起的天数），可再求 avg、max",
    ),
    (
        "months_between",
        "请用 date_part('year', …) * 12 + date_part('month', …) 相减",
    ),
    ("age", "相隔天数请写 CAST(结案日期 AS INT) - CAST(受理日期 AS INT)"),
];

/// The query could not be taken: named by the function the engine lacks, when it uses one.
pub fn unsupported(sql: &str, tables: String) -> QueryError {
    let Ok(statement) = one_query(sql) else {
        return QueryError::Unsupported { tables };
    };
    let mut used = Vec::new();
    let _ = statement.visit(&mut FunctionNames(&mut used));
    for name in used {
        if let Some((function, instead)) = LACKING.iter().find(|(f, _)| *f == name) {
            return QueryError::UnsupportedFunction {
                function: format!("{function}()"),
                instead,
                tables,
            };
        }
    }
    QueryError::Unsupported { tables }
}

/// Every function name a statement calls, lowercase.
struct FunctionNames<'a>(&'a mut Vec<String>);

impl Visitor for FunctionNames<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            self.0.push(f.name.to_string().to_lowercase());
        }
        ControlFlow::Continue(())
    }
}

/// Checks the names a query uses: tables of the catalog (or defined by WITH), columns that
/// exist in the tables it reads (or are defined in it: aliases, WITH names).
pub fn check_names(catalog: &Catalog, sql: &str) -> Result<(), QueryError> {
    let statement = &one_query(sql)?;
    let mut names = Names::default();
    let _ = statement.visit(&mut names);
    let defined_tables: HashSet<&str> = names.ctes.iter().map(String::as_str).collect();
    let mut read = Vec::new();
    for (relation, ident) in &names.relations {
        if defined_tables.contains(relation.as_str()) {
            continue;
        }
        match catalog.table(relation) {
            Some(table) => read.push(table),
            None => {
                let candidates = catalog.tables.iter().map(|t| t.name.as_str());
                return Err(QueryError::UnknownTable {
                    name: relation.clone(),
                    hint: did_you_mean(relation, candidates)
                        .map(|n| format!("；是不是“{n}”？"))
                        .unwrap_or_default(),
                    tables: format!("{}{}", position_note(sql, ident), table_list(catalog)),
                });
            }
        }
    }
    let known_columns: HashSet<&str> = read
        .iter()
        .flat_map(|t| t.columns.iter().map(|c| c.name.as_str()))
        .collect();
    let defined: HashSet<&str> = names
        .aliases
        .iter()
        .chain(&names.ctes)
        .chain(&names.table_aliases)
        .map(String::as_str)
        .collect();
    for ident in &names.columns {
        let name = ident.value.as_str();
        if known_columns.contains(name) || defined.contains(name) {
            continue;
        }
        if read.is_empty() && names.relations.is_empty() {
            continue; // SELECT 1 + 1: nothing to look a column up in
        }
        let scope = match read.as_slice() {
            [] => "它定义的表".to_string(),
            [one] => format!("表“{}”", one.name),
            many => format!(
                "表{}",
                many.iter()
                    .map(|t| format!("“{}”", t.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        // A label written for a name: 结案率 for close_rate.
        let label = read.iter().find_map(|t| {
            t.columns
                .iter()
                .find(|c| c.label.as_deref() == Some(name))
                .map(|c| c.name.clone())
        });
        // A figure asked of `results` as a column: it holds one row per printed cell.
        let figure = read
            .iter()
            .any(|t| t.name == crate::RESULTS)
            .then(|| catalog.table(crate::MEASURES))
            .flatten()
            .and_then(|m| {
                m.columns
                    .iter()
                    .find(|c| c.name == name || c.label.as_deref() == Some(name))
            });
        let hint = match (label, figure) {
            (_, Some(f)) => format!(
                "；results 中报表所印的每个数字各占一行：请写 value … WHERE figure = '{}'（以及 window = '本期'、'本年累计' …），或者用 {} FROM measures 取本期自身的数字",
                f.name, f.name
            ),
            (Some(n), None) => format!("；“{name}”是列 {n} 的名称：请写 {n}"),
            (None, None) => did_you_mean(name, known_columns.iter().copied())
                .map(|n| format!("；是不是“{n}”？"))
                .unwrap_or_default(),
        };
        let (line, column) = (
            ident.span.start.line as usize,
            ident.span.start.column as usize,
        );
        let mut columns = Vec::new();
        for t in &read {
            let list: Vec<String> = t
                .columns
                .iter()
                .map(|c| match &c.label {
                    Some(label) => format!("{}（{label}）", c.name),
                    None => c.name.clone(),
                })
                .collect();
            columns.push(format!("{} 的列：{}", t.name, list.join("、")));
        }
        return Err(QueryError::UnknownColumn {
            name: name.to_string(),
            scope,
            hint,
            line,
            column,
            columns: columns.join("\n"),
        });
    }
    Ok(())
}

/// The names a statement uses and defines.
#[derive(Default)]
struct Names {
    /// Tables read (FROM, JOIN), with where they are written.
    relations: Vec<(String, Ident)>,
    ctes: Vec<String>,
    table_aliases: Vec<String>,
    /// `expr AS alias` in a SELECT list.
    aliases: Vec<String>,
    /// Column references: `x`, or the last part of `t.x`.
    columns: Vec<Ident>,
}

impl Visitor for Names {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.push(cte.alias.name.value.clone());
                self.aliases
                    .extend(cte.alias.columns.iter().map(|c| c.name.value.clone()));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<()> {
        for item in &select.projection {
            match item {
                SelectItem::ExprWithAlias { alias, .. } => self.aliases.push(alias.value.clone()),
                SelectItem::ExprWithAliases { aliases, .. } => {
                    self.aliases.extend(aliases.iter().map(|a| a.value.clone()))
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        if let Some(ObjectNamePart::Identifier(ident)) = relation.0.last() {
            self.relations.push((ident.value.clone(), ident.clone()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        let alias = match factor {
            TableFactor::Table { alias, .. } | TableFactor::Derived { alias, .. } => alias,
            _ => &None,
        };
        if let Some(alias) = alias {
            self.table_aliases.push(alias.name.value.clone());
            self.aliases
                .extend(alias.columns.iter().map(|c| c.name.value.clone()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(ident) => self.columns.push(ident.clone()),
            Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    self.columns.push(last.clone());
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn position_note(sql: &str, ident: &Ident) -> String {
    let (line, column) = (
        ident.span.start.line as usize,
        ident.span.start.column as usize,
    );
    if line == 0 {
        return String::new();
    }
    format!("{}\n", excerpt(sql, line, column))
}

/// sqlparser says "… at Line: L, Column: C"; the rest is its description of what it expected.
fn syntax_error(sql: &str, message: &str) -> QueryError {
    let message = message.trim_start_matches("sql parser error: ");
    let (problem, line, column) = match message.rfind(" at Line: ") {
        Some(at) => {
            let mut numbers = message[at..]
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<usize>().unwrap_or(1));
            let line = numbers.next().unwrap_or(1);
            let column = numbers.next().unwrap_or(1);
            (&message[..at], line, column)
        }
        None => (message, 1, 1),
    };
    let mut problem = pipeline::sql::parser_words(problem);
    if let Some((slip, keyword)) = keyword_slip(sql) {
        problem.push_str(&format!("（“{slip}”是不是 {keyword}？）"));
    }
    QueryError::Syntax {
        line,
        column,
        problem,
        excerpt: excerpt(sql, line, column),
    }
}

/// A word that is a misspelt clause keyword (FORM for FROM): sqlparser takes it for an alias
/// and stumbles a word later, where the message alone does not help. Only asked once the
/// SQL has failed to parse, so a column that looks like a keyword costs a wrong hint at
/// most, never a refused query.
fn keyword_slip(sql: &str) -> Option<(String, &'static str)> {
    const KEYWORDS: [&str; 9] = [
        "SELECT", "FROM", "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "JOIN", "DISTINCT",
    ];
    let tokens = Tokenizer::new(&GenericDialect, sql).tokenize().ok()?;
    tokens.iter().find_map(|token| {
        let Token::Word(word) = token else {
            return None;
        };
        if word.quote_style.is_some() || word.keyword != Keyword::NoKeyword {
            return None;
        }
        let upper = word.value.to_uppercase();
        KEYWORDS
            .iter()
            .find(|k| {
                upper.len() >= 4 && upper != **k && (strsim::damerau_levenshtein(&upper, k) == 1)
            })
            .map(|k| (word.value.clone(), *k))
    })
}

/// The SQL line and a caret under the 1-based column (wide characters take two places).
fn excerpt(sql: &str, line: usize, column: usize) -> String {
    let text = sql.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let before: String = text.chars().take(column.saturating_sub(1)).collect();
    let pad = unicode_width::UnicodeWidthStr::width(before.as_str());
    format!("  {text}\n  {}^", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What polars would run and answer wrongly is refused before it runs; what standard
    /// SQL allows passes.
    #[test]
    fn a_function_the_engine_lacks_is_named_with_the_form_that_works() {
        let said = unsupported(
            "SELECT 单位, rank() OVER (ORDER BY 追发工资 DESC) FROM cases",
            String::new(),
        )
        .to_string();
        assert!(
            said.contains("rank()") && said.contains("row_number()"),
            "{said}"
        );
        let said = unsupported("SELECT date_diff('day', a, b) FROM cases", String::new());
        assert!(said.to_string().contains("CAST(结案日期 AS INT)"), "{said}");
        assert!(matches!(
            unsupported("SELECT weird_thing(a) FROM cases", String::new()),
            QueryError::Unsupported { .. }
        ));
    }

    #[test]
    fn a_column_beside_an_aggregate_needs_group_by_and_where_takes_no_aggregate() {
        let refused = [
            (
                "SELECT submitter_name, count(*) FROM cases",
                "submitter_name",
            ),
            ("SELECT c.单位, sum(c.追发工资) AS s FROM cases c", "单位"),
            ("SELECT *, count(*) FROM cases", "*"),
            (
                "WITH t AS (SELECT 单位, max(受理日期) FROM cases) SELECT * FROM t",
                "单位",
            ),
        ];
        for (sql, column) in refused {
            match check_statement(sql) {
                Err(QueryError::Ungrouped { column: c }) => assert_eq!(c, column, "{sql}"),
                other => panic!("{sql}: {other:?}"),
            }
        }
        assert!(matches!(
            check_statement("SELECT 单位 FROM cases WHERE sum(追发工资) > 0 GROUP BY 单位"),
            Err(QueryError::AggregateInWhere)
        ));
        // A window over an aggregate: refused with the WITH form that works.
        for sql in [
            "SELECT 单位, row_number() OVER (ORDER BY sum(追发工资) DESC) FROM cases GROUP BY 单位",
            "SELECT 单位, sum(sum(追发工资)) OVER () FROM cases GROUP BY 单位",
        ] {
            assert!(
                matches!(
                    check_statement(sql),
                    Err(QueryError::WindowOverAggregate { .. })
                ),
                "{sql}"
            );
        }
        for fine in [
            "SELECT 单位, sum(追发工资) OVER (PARTITION BY 单位) FROM cases",
            "WITH t AS (SELECT 单位, sum(追发工资) AS s FROM cases GROUP BY 单位) SELECT 单位, row_number() OVER (ORDER BY s DESC) FROM t",
            "SELECT submitter_name, count(*) FROM cases GROUP BY submitter_name",
            "SELECT count(*), sum(追发工资) / sum(涉及金额) FROM cases",
            "SELECT 单位, rank() OVER (ORDER BY 追发工资) FROM cases",
            "SELECT 单位, (SELECT count(*) FROM cases) AS n FROM cases",
            "SELECT 单位 FROM cases GROUP BY 单位 HAVING sum(追发工资) > 0",
        ] {
            assert!(check_statement(fine).is_ok(), "{fine}");
        }
    }

    #[test]
    fn a_slip_is_matched_and_a_stranger_is_not() {
        let names = ["受理日期", "结案日期", "案件编号", "cases", "results"];
        assert_eq!(did_you_mean("受理日", names.into_iter()), Some("受理日期"));
        assert_eq!(did_you_mean("case", names.into_iter()), Some("cases"));
        assert_eq!(did_you_mean("Result", names.into_iter()), Some("results"));
        assert_eq!(did_you_mean("工资", names.into_iter()), None);
    }

    #[test]
    fn a_misspelt_keyword_is_named() {
        assert_eq!(
            keyword_slip("SELECT a FORM t"),
            Some(("FORM".to_string(), "FROM"))
        );
        assert_eq!(
            keyword_slip("select a from t grop by a").map(|s| s.1),
            Some("GROUP")
        );
        assert_eq!(keyword_slip("SELECT a FROM t WHERE b > 1 ORDER BY a"), None);
    }

    #[test]
    fn the_caret_stands_under_the_column_past_wide_characters() {
        // `F` of FORM is the 11th character; 受理 takes four places, not two.
        let text = excerpt("SELECT 受理 FORM cases", 1, 11);
        let caret = format!("  {}^", " ".repeat("SELECT ".len() + 4 + 1));
        assert_eq!(text, format!("  SELECT 受理 FORM cases\n{caret}"));
    }
}
