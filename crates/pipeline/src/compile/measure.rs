//! `[measures.<name>]` (SQL aggregates over one source, with an optional filter, its
//! placeholders filled) and `[indicators.<name>]` (arithmetic over measures and indicators,
//! compiled in dependency order): names resolved, SQL parsed and tried in polars, units
//! inferred so that a count is never displayed as 万元.

use toml::de::DeValue;
use toml::Spanned;

use super::sections::{raw_string, section, table_of};
use crate::diagnostics::{did_you_mean, Diagnostics};
use crate::evaluate;
use crate::spec::*;
use crate::sql::{self, Arith, SqlType, ValueKind};
use crate::{Column, FilledText, Indicator, Measure, Placeholders, Source};

pub(super) fn compile_measures(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    sources: &[Source],
    declared_sources: &[String],
    placeholders: &Placeholders,
) -> Vec<Measure> {
    let mut measures = Vec::new();
    let mut carried: Vec<(String, Spanned<String>)> = Vec::new();
    if let Some(all) = table_of(d, value, "measures") {
        for (name, value) in all.iter() {
            let name: &str = name.get_ref();
            let Some(spec) = section::<MeasureSpec>(d, value, &format!("[measures.{name}]")) else {
                continue;
            };
            if let Some(carry) = &spec.carry_over {
                carried.push((name.to_string(), carry.clone()));
            }
            let compiled = compile_measure(d, name, spec, sources, declared_sources, placeholders);
            if let Some(measure) = compiled {
                measures.push(measure);
            }
        }
    }
    // `carry_over` names a measure of the same source (a stock at the end to a stock at the start).
    for (name, carry) in carried {
        let Some(i) = measures.iter().position(|m| m.name == name) else {
            continue;
        };
        let target = carry.get_ref();
        match measures.iter().find(|m| &m.name == target) {
            Some(t) if t.source == measures[i].source => {
                measures[i].carry_over = Some(target.clone());
            }
            Some(_) => d.span(
                &carry.span(),
                format!("[measures.{name}]：carry_over `{target}` 统计的是另一个台账；结转的存量应来自同一个台账"),
            ),
            None => {
                let hint = did_you_mean(target, measures.iter().map(|m| m.name.as_str()));
                d.span(
                    &carry.span(),
                    format!("[measures.{name}]：carry_over 写的 `{target}` 不是基础指标{hint}"),
                );
            }
        }
    }
    measures
}

pub(super) fn compile_indicators(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    measures: &[Measure],
    declared: &Declared,
    placeholders: &Placeholders,
) -> Vec<Indicator> {
    let mut pending: Vec<(String, IndicatorSpec)> = Vec::new();
    if let Some(all) = table_of(d, value, "indicators") {
        for (name, value) in all.iter() {
            let name: &str = name.get_ref();
            let what = format!("[indicators.{name}]");
            let Some(spec) = section::<IndicatorSpec>(d, value, &what) else {
                // The section has a mistake (reported); its expr is still checked.
                if let Some(expr) = raw_string(value, "expr") {
                    check_indicator_expr(d, &what, &expr, measures, &[], declared, placeholders);
                }
                continue;
            };
            pending.push((name.to_string(), spec));
        }
    }
    // An indicator may use indicators: each is compiled once those it uses are, so that
    // `Plan::indicators` is in an order every level can be computed in.
    let mut indicators: Vec<Indicator> = Vec::new();
    let mut failed: Vec<String> = Vec::new();
    loop {
        let ready = pending.iter().position(|(_, spec)| {
            indicators_used(spec, declared, placeholders)
                .iter()
                .all(|u| indicators.iter().any(|i| &i.name == u) || failed.contains(u))
        });
        let Some(ready) = ready else { break };
        let (name, spec) = pending.remove(ready);
        let uses_failed = indicators_used(&spec, declared, placeholders)
            .iter()
            .any(|u| failed.contains(u));
        match compile_indicator(
            d,
            &name,
            spec,
            measures,
            &indicators,
            declared,
            placeholders,
        ) {
            // One that uses a broken indicator is not reported again.
            Some(indicator) if !uses_failed => indicators.push(indicator),
            _ => failed.push(name),
        }
    }
    // What is left uses itself, directly or through others.
    let mut reported: Vec<&str> = Vec::new();
    for (name, spec) in &pending {
        if reported.contains(&name.as_str()) {
            continue;
        }
        let cycle = dependency_cycle(name, &pending, declared, placeholders);
        reported.extend(cycle.iter().map(|(n, _)| n.as_str()));
        let path: Vec<&str> = cycle
            .iter()
            .map(|(n, _)| n.as_str())
            .chain([name.as_str()])
            .collect();
        d.span(
            &spec.expr.span(),
            format!(
                "[indicators.{name}] 绕回了自己（{}）：计算指标可以用其他计算指标，但不能循环引用",
                path.join(" → ")
            ),
        );
    }
    indicators
}

/// The declared indicators an indicator's `expr` names (empty when it does not parse).
fn indicators_used(
    spec: &IndicatorSpec,
    declared: &Declared,
    placeholders: &Placeholders,
) -> Vec<String> {
    let Ok(expr) = sql::parse_expr(&placeholders.fill(spec.expr.get_ref())) else {
        return Vec::new();
    };
    let Ok(arith) = Arith::from_sql(&expr) else {
        return Vec::new();
    };
    arith
        .measures()
        .into_iter()
        .filter(|n| declared.indicators.iter().any(|i| i == n))
        .map(String::from)
        .collect()
}

/// The path from `start` back to itself through the indicators waiting on each other.
fn dependency_cycle<'a>(
    start: &str,
    pending: &'a [(String, IndicatorSpec)],
    declared: &Declared,
    placeholders: &Placeholders,
) -> Vec<&'a (String, IndicatorSpec)> {
    let mut path: Vec<&(String, IndicatorSpec)> = Vec::new();
    let mut current = start.to_string();
    while let Some(entry) = pending.iter().find(|(n, _)| *n == current) {
        if path.iter().any(|(n, _)| *n == current) {
            break;
        }
        path.push(entry);
        let next = indicators_used(&entry.1, declared, placeholders)
            .into_iter()
            .find(|u| pending.iter().any(|(n, _)| n == u));
        match next {
            Some(next) if next == start => break,
            Some(next) => current = next,
            None => break,
        }
    }
    path
}

/// Checks one SQL string of a measure: syntax, declared columns, and that polars accepts it.
pub(super) fn check_sql(
    d: &mut Diagnostics,
    what: &str,
    key: &str,
    sql: &WrittenSql,
    source: Option<(&str, &[Column])>,
) -> Option<sqlparser::ast::Expr> {
    let at = |offset: usize| sql.position(offset);
    let text = sql.filled.text.as_str();
    let expr = match sql::parse_expr(text) {
        Ok(expr) => expr,
        Err(problem) => {
            d.at(
                at(problem.offset),
                format!("{what}：`{key}` 的 SQL 写得不对：{}", problem.message),
            );
            return None;
        }
    };
    if let Some((source_id, columns)) = source {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        for column in sql::column_refs(text) {
            if !names.contains(&column.name.as_str()) {
                let hint = did_you_mean(&column.name, names.iter().copied());
                d.at(
                    at(column.offset),
                    format!(
                        "{what}：`{key}` 用到的列 `{}` 没有在台账 `{source_id}` 中声明{hint}",
                        column.name
                    ),
                );
            }
        }
    }
    if polars::sql::sql_expr(text).is_err() {
        d.at(
            at(0),
            format!("{what}：`{key}` 用了 laborstat 不能运行的函数或写法；指标可用 count、sum、avg、min、max、case when 和比较"),
        );
        return None;
    }
    Some(expr)
}

/// SQL as written in the pipeline file and as run (placeholders filled in).
pub(super) struct WrittenSql<'a> {
    written: &'a Spanned<String>,
    pub filled: FilledText,
}

impl WrittenSql<'_> {
    /// The byte position in the pipeline file of character `offset` of the filled SQL:
    /// mapped back through its placeholders to the text as written (+1: after the quote).
    fn position(&self, offset: usize) -> usize {
        let written = self.filled.written_offset(offset);
        self.written.span().start + 1 + char_to_byte(self.written.get_ref(), written)
    }
}

/// The SQL of `key` with its placeholders filled in; an unknown placeholder is reported
/// where it is written.
pub(super) fn fill_sql<'a>(
    d: &mut Diagnostics,
    what: &str,
    key: &str,
    sql_text: &'a Spanned<String>,
    placeholders: &Placeholders,
) -> Option<WrittenSql<'a>> {
    match placeholders.fill_strict(sql_text.get_ref()) {
        Ok(filled) => Some(WrittenSql {
            written: sql_text,
            filled,
        }),
        Err((offset, message)) => {
            let at = sql_text.span().start + 1 + char_to_byte(sql_text.get_ref(), offset);
            d.at(at, format!("{what}：`{key}`：{message}"));
            None
        }
    }
}

pub(super) fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(i, _)| i)
        .unwrap_or(text.len())
}

fn compile_measure(
    d: &mut Diagnostics,
    name: &str,
    spec: MeasureSpec,
    sources: &[Source],
    declared_sources: &[String],
    placeholders: &Placeholders,
) -> Option<Measure> {
    let what = format!("[measures.{name}]");
    let source_index = sources.iter().position(|s| &s.id == spec.source.get_ref());
    // A source that is declared but failed to compile is reported where it is declared.
    if source_index.is_none() && declared_sources.contains(spec.source.get_ref()) {
        return None;
    }
    if source_index.is_none() {
        let hint = did_you_mean(spec.source.get_ref(), sources.iter().map(|s| s.id.as_str()));
        d.span(
            &spec.source.span(),
            format!(
                "{what}：台账 `{}` 没有声明（应有 [sources.{}]）{hint}",
                spec.source.get_ref(),
                spec.source.get_ref()
            ),
        );
    }
    let source = source_index.map(|i| &sources[i]);
    let columns = source.map(|s| (s.id.as_str(), s.columns.as_slice()));
    let sql_filled = fill_sql(d, &what, "sql", &spec.sql, placeholders)?;
    let filter_filled = match &spec.filter {
        Some(filter) => Some(fill_sql(d, &what, "filter", filter, placeholders)?),
        None => None,
    };
    let expr = check_sql(d, &what, "sql", &sql_filled, columns);
    let filter_expr = filter_filled
        .as_ref()
        .map(|filter| check_sql(d, &what, "filter", filter, columns));
    let (source, expr) = (source?, expr?);
    let filter_expr = match filter_expr {
        Some(None) => return None,
        Some(Some(e)) => Some(e),
        None => None,
    };
    let column_type = |column: &str| source.column(column).map(|c| c.kind);
    // Types first, with positions; then the dry run catches what the types cannot tell.
    let typed = check_types(d, &what, "sql", &sql_filled, &expr, &column_type, |t| {
        matches!(t, SqlType::Text | SqlType::Date | SqlType::Bool).then(|| {
            format!(
                "得出的是{}，不是数：指标是计数或求和（count(*)、sum(<列>)）",
                t.words()
            )
        })
    });
    let filter_typed = match (&filter_filled, &filter_expr) {
        (Some(filter), Some(e)) => check_types(d, &what, "filter", filter, e, &column_type, |t| {
            matches!(t, SqlType::Text | SqlType::Date | SqlType::Number).then(|| {
                format!(
                    "得出的是{}，但 filter 应是条件（例如 受理日期 >= date '2024-01-01'）",
                    t.words()
                )
            })
        }),
        _ => true,
    };
    let filter = filter_filled.as_ref().map(|f| f.filled.text.clone());
    // Said in words where it can be, else as written: a note never vanishes.
    let mut description =
        crate::words::describe_measure(&expr, filter_expr.as_ref(), &source.title, &column_type)
            .unwrap_or_else(|| {
                crate::words::measure_as_written(
                    &sql_filled.filled.text,
                    filter.as_deref(),
                    &source.title,
                )
            });
    // `date = "结案日期"`, or a list whose first is the date and the rest its fallbacks.
    let (date, fallbacks): (Option<Spanned<String>>, Vec<Spanned<String>>) = match &spec.date {
        None => (None, Vec::new()),
        Some(d) => {
            let names = d.get_ref().to_vec();
            let spanned = |n: &String| Spanned::new(d.span(), n.clone());
            (
                names.first().map(spanned),
                names.iter().skip(1).map(spanned).collect(),
            )
        }
    };
    let mut date_fallbacks = Vec::new();
    for fallback in &fallbacks {
        dated_filter(d, &what, fallback, source, placeholders)?;
        if let Some(i) = source
            .columns
            .iter()
            .position(|c| &c.name == fallback.get_ref())
        {
            date_fallbacks.push(i);
        }
    }
    let filter = match &date {
        None => filter,
        Some(date) => {
            let dated = dated_filter(d, &what, date, source, placeholders)?;
            description.push_str(&format!("（按“{}”在报告期内计", date.get_ref()));
            for fallback in &fallbacks {
                description.push_str(&format!("；没有该列的文件按“{}”", fallback.get_ref()));
            }
            description.push('）');
            Some(match filter {
                Some(f) => format!("({f}) and {dated}"),
                None => dated,
            })
        }
    };
    let measure = Measure {
        name: name.to_string(),
        label: spec.label.unwrap_or_else(|| name.to_string()),
        source: source_index?,
        sql: sql_filled.filled.text.clone(),
        filter,
        date: date
            .as_ref()
            .and_then(|d| source.columns.iter().position(|c| &c.name == d.get_ref())),
        date_fallbacks,
        kind: sql::measure_kind(&expr, &column_type),
        description,
        carry_over: None,
    };
    // An undeclared column is reported at its position already; the measure stays, so that
    // the indicators over it are still checked.
    let declared_only = std::iter::once(&measure.sql)
        .chain(&measure.filter)
        .flat_map(|text| sql::column_refs(text))
        .all(|r| source.column(&r.name).is_some());
    if typed && filter_typed && declared_only {
        if let Err(message) = evaluate::dry_run_measure(source, &measure) {
            d.span(&spec.sql.span(), format!("{what}：{message}"));
            return None;
        }
    }
    (typed && filter_typed).then_some(measure)
}

/// `date = "结案日期"`: the condition that the measure's own event lies in the period. Only
/// for a source without `period_column`: one that has one keeps only the rows its period
/// column puts in the period, and a case accepted last year and closed this year would be
/// missing from the count without a word.
fn dated_filter(
    d: &mut Diagnostics,
    what: &str,
    date: &Spanned<String>,
    source: &Source,
    placeholders: &Placeholders,
) -> Option<String> {
    let Some(column) = source.column(date.get_ref()) else {
        let hint = did_you_mean(
            date.get_ref(),
            source.columns.iter().map(|c| c.name.as_str()),
        );
        d.span(
            &date.span(),
            format!(
                "{what}：`date` 写的列 `{}` 没有在台账 `{}` 中声明{hint}",
                date.get_ref(),
                source.id
            ),
        );
        return None;
    };
    if column.kind != crate::ColumnType::Date {
        d.span(
            &date.span(),
            format!("{what}：`date` 列 `{}` 不是日期列", column.name),
        );
        return None;
    }
    if let Some(pc) = source.period_column {
        d.span(
            &date.span(),
            format!(
                "{what}：`date = \"{}\"` 需要保留全部行的台账，但台账 `{}` 只保留 `{}` 在本期的行；请去掉它的 `period_column`，改为每个指标写自己的日期（该事件的指标写 date = \"{}\"）",
                column.name, source.id, source.columns[pc].name, source.columns[pc].name
            ),
        );
        return None;
    }
    Some(placeholders.fill(&format!(
        "\"{}\" between date '{{period_start}}' and date '{{period_end}}'",
        column.name
    )))
}

/// Reports the type mistakes of one SQL string at their positions, and `wrong_result` of
/// the expression's own type. True when there is none.
pub(super) fn check_types(
    d: &mut Diagnostics,
    what: &str,
    key: &str,
    sql: &WrittenSql,
    expr: &sqlparser::ast::Expr,
    column_type: &dyn Fn(&str) -> Option<crate::ColumnType>,
    wrong_result: impl Fn(SqlType) -> Option<String>,
) -> bool {
    let at = |offset: usize| sql.position(offset);
    let (result, problems) = sql::type_problems(&sql.filled.text, expr, column_type);
    let mut ok = problems.is_empty();
    for problem in problems {
        d.at(
            at(problem.offset),
            format!("{what}：`{key}`：{}", problem.message),
        );
    }
    if ok {
        if let Some(message) = wrong_result(result) {
            d.at(at(0), format!("{what}：`{key}` {message}"));
            ok = false;
        }
    }
    ok
}

/// The names declared in [measures] and [indicators], compiled or not.
pub(super) struct Declared<'a> {
    pub measures: &'a [String],
    pub indicators: &'a [String],
    /// `[roster.constants]`: figures per submitter from the roster, usable like measures.
    pub constants: &'a [crate::RosterConstant],
}

/// An indicator's `expr`: arithmetic over declared measures and the indicators compiled
/// before it. Checked on its own, so that a mistake elsewhere in the indicator (a wrong
/// `display`) does not hide one here.
pub(super) fn check_indicator_expr(
    d: &mut Diagnostics,
    what: &str,
    expr_text: &Spanned<String>,
    measures: &[Measure],
    indicators: &[Indicator],
    declared: &Declared,
    placeholders: &Placeholders,
) -> Option<Arith> {
    let written =
        |offset: usize| expr_text.span().start + 1 + char_to_byte(expr_text.get_ref(), offset);
    // Settings (`{closure_denominator}`) are filled in first; positions found in the filled
    // text are reported where the expression was written.
    let filled = match placeholders.fill_strict(expr_text.get_ref()) {
        Ok(filled) => filled,
        Err((offset, message)) => {
            d.at(written(offset), format!("{what}：`expr`：{message}"));
            return None;
        }
    };
    let at = |offset: usize| written(filled.written_offset(offset));
    let expr = match sql::parse_expr(&filled.text) {
        Ok(expr) => expr,
        Err(problem) => {
            d.at(
                at(problem.offset),
                format!("{what}：`expr` 写得不对：{}", problem.message),
            );
            return None;
        }
    };
    let arith = match Arith::from_sql(&expr) {
        Ok(arith) => arith,
        Err(message) => {
            d.span(&expr_text.span(), format!("{what}：{message}"));
            return None;
        }
    };
    // Names from the parsed expression (a measure called `share` or `total` is a SQL
    // keyword to the tokenizer); positions from the tokens where they can be found.
    let positions = sql::column_refs(&filled.text);
    let mut ok = true;
    for reference in arith.measures() {
        if measures.iter().any(|m| m.name == reference)
            || indicators.iter().any(|i| i.name == reference)
            || declared.constants.iter().any(|c| c.name == reference)
        {
            continue;
        }
        ok = false;
        let offset = positions
            .iter()
            .find(|p| p.name == reference)
            .map_or(0, |p| p.offset);
        if declared.measures.iter().any(|m| m == reference) {
            continue; // declared but broken: already reported where it is declared
        }
        if declared.indicators.iter().any(|i| i == reference) {
            continue; // an indicator not compiled: its own mistake is reported where it is
        }
        let names = declared.measures.iter().chain(declared.indicators);
        let constants = declared.constants.iter().map(|c| c.name.as_str());
        let hint = did_you_mean(reference, names.map(String::as_str).chain(constants));
        d.at(
            at(offset),
            format!("{what}：`{reference}` 不是在 [measures]、[indicators] 或 [roster.constants] 中声明的指标或常量{hint}"),
        );
    }
    ok.then_some(arith)
}

fn compile_indicator(
    d: &mut Diagnostics,
    name: &str,
    spec: IndicatorSpec,
    measures: &[Measure],
    indicators: &[Indicator],
    declared: &Declared,
    placeholders: &Placeholders,
) -> Option<Indicator> {
    let what = format!("[indicators.{name}]");
    let arith = check_indicator_expr(
        d,
        &what,
        &spec.expr,
        measures,
        indicators,
        declared,
        placeholders,
    )?;
    // A roster constant is a count (a target, a number of employers).
    let kind_of = |m: &str| match measures.iter().find(|x| x.name == m) {
        Some(measure) => Some(measure.kind),
        None if declared.constants.iter().any(|c| c.name == m) => Some(ValueKind::Count),
        None => indicators.iter().find(|x| x.name == m).and_then(|x| x.kind),
    };
    let kind = arith.kind(&kind_of);
    let display = match &spec.display {
        Some(display) => {
            let money_display =
                matches!(display.get_ref(), Display::TenThousandYuan | Display::Yuan);
            if money_display && kind != Some(ValueKind::Money) {
                d.span(
                    &display.span(),
                    format!(
                        "{what}：display `{}` 用于金额，但 `{}` 不是金额列的合计",
                        display_name(*display.get_ref()),
                        spec.expr.get_ref()
                    ),
                );
            }
            if !money_display
                && kind == Some(ValueKind::Money)
                && *display.get_ref() == Display::Count
            {
                d.span(
                    &display.span(),
                    format!(
                        "{what}：`{}` 是金额；display 应写 \"万元\" 或 \"元\"，不能写 \"count\"",
                        spec.expr.get_ref()
                    ),
                );
            }
            *display.get_ref()
        }
        None => default_display(kind),
    };
    let formula = arith.render(&|m| label_of(m, measures, indicators, declared));
    Some(Indicator {
        name: name.to_string(),
        label: spec.label,
        expr: arith,
        kind,
        display,
        formula,
    })
}

/// A measure's, indicator's or roster constant's label (its name when it has none), for
/// formulas and relations in words.
pub(super) fn label_of(
    name: &str,
    measures: &[Measure],
    indicators: &[Indicator],
    declared: &Declared,
) -> String {
    let measure = measures.iter().find(|x| x.name == name).map(|x| &x.label);
    let indicator = indicators.iter().find(|x| x.name == name).map(|x| &x.label);
    let constant = declared
        .constants
        .iter()
        .find(|x| x.name == name)
        .map(|x| &x.label);
    measure
        .or(indicator)
        .or(constant)
        .cloned()
        .unwrap_or_else(|| name.to_string())
}

pub(super) fn default_display(kind: Option<ValueKind>) -> Display {
    match kind {
        Some(ValueKind::Count) | None => Display::Count,
        Some(ValueKind::Money) => Display::TenThousandYuan,
        Some(ValueKind::Number) => Display::Number,
    }
}

pub fn display_name(display: Display) -> &'static str {
    match display {
        Display::Count => "count",
        Display::TenThousandYuan => "万元",
        Display::Yuan => "元",
        Display::Percent => "percent",
        Display::PercentTwoDecimals => "percent2",
        Display::PercentagePoints => "百分点",
        Display::Number => "number",
        Display::Rank => "名次",
    }
}
