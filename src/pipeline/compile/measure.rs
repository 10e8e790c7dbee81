//! `[measures.<name>]` (SQL aggregates over one source, with an optional filter) and
//! `[indicators.<name>]` (arithmetic over measures): names resolved, SQL parsed and tried
//! in polars, units inferred so that a count is never displayed as 万元.

use toml::de::DeValue;
use toml::Spanned;

use super::sections::{section, table_of};
use crate::pipeline::diagnostics::{did_you_mean, Diagnostics};
use crate::pipeline::spec::*;
use crate::pipeline::sql::{self, Arith, ValueKind};
use crate::pipeline::{Column, Indicator, Measure, Source};

pub(super) fn compile_measures(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    sources: &[Source],
) -> Vec<Measure> {
    let mut measures = Vec::new();
    if let Some(all) = table_of(d, value, "measures") {
        for (name, value) in all.iter() {
            let name: &str = name.get_ref();
            let Some(spec) = section::<MeasureSpec>(d, value, &format!("measure `{name}`")) else {
                continue;
            };
            if let Some(measure) = compile_measure(d, name, spec, sources) {
                measures.push(measure);
            }
        }
    }
    measures
}

pub(super) fn compile_indicators(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    measures: &[Measure],
    declared_measures: &[String],
) -> Vec<Indicator> {
    let mut indicators = Vec::new();
    if let Some(all) = table_of(d, value, "indicators") {
        for (name, value) in all.iter() {
            let name: &str = name.get_ref();
            let Some(spec) = section::<IndicatorSpec>(d, value, &format!("indicator `{name}`"))
            else {
                continue;
            };
            if let Some(indicator) = compile_indicator(d, name, spec, measures, declared_measures) {
                indicators.push(indicator);
            }
        }
    }
    indicators
}

/// Checks one SQL string of a measure: syntax, declared columns, and that polars accepts it.
pub(super) fn check_sql(
    d: &mut Diagnostics,
    what: &str,
    key: &str,
    sql_text: &Spanned<String>,
    source: Option<(&str, &[Column])>,
) -> Option<sqlparser::ast::Expr> {
    // +1: the offset inside the string, after the opening quote.
    let at = |offset: usize| sql_text.span().start + 1 + char_to_byte(sql_text.get_ref(), offset);
    let text = sql_text.get_ref();
    let expr = match sql::parse_expr(text) {
        Ok(expr) => expr,
        Err(problem) => {
            d.at(
                at(problem.offset),
                format!("{what}: `{key}` is not valid SQL: {}", problem.message),
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
                        "{what}: `{key}` uses column `{}`, which source `{source_id}` does not declare{hint}",
                        column.name
                    ),
                );
            }
        }
    }
    if let Err(e) = polars::sql::sql_expr(text) {
        d.at(
            at(0),
            format!("{what}: `{key}` is not SQL that polars can run: {e}"),
        );
        return None;
    }
    Some(expr)
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
) -> Option<Measure> {
    let what = format!("measure `{name}`");
    let source_index = sources.iter().position(|s| &s.id == spec.source.get_ref());
    if source_index.is_none() {
        let hint = did_you_mean(spec.source.get_ref(), sources.iter().map(|s| s.id.as_str()));
        d.span(
            &spec.source.span(),
            format!(
                "{what}: source `{}` is not declared as [sources.{}]{hint}",
                spec.source.get_ref(),
                spec.source.get_ref()
            ),
        );
    }
    let source = source_index.map(|i| &sources[i]);
    let columns = source.map(|s| (s.id.as_str(), s.columns.as_slice()));
    let expr = check_sql(d, &what, "sql", &spec.sql, columns);
    if let Some(filter) = &spec.filter {
        check_sql(d, &what, "filter", filter, columns);
    }
    let (source, expr) = (source?, expr?);
    let column_type = |column: &str| source.column(column).map(|c| c.kind);
    Some(Measure {
        name: name.to_string(),
        label: spec.label.unwrap_or_else(|| name.to_string()),
        source: source_index?,
        sql: spec.sql.into_inner(),
        filter: spec.filter.map(Spanned::into_inner),
        kind: sql::measure_kind(&expr, &column_type),
    })
}

fn compile_indicator(
    d: &mut Diagnostics,
    name: &str,
    spec: IndicatorSpec,
    measures: &[Measure],
    declared_measures: &[String],
) -> Option<Indicator> {
    let what = format!("indicator `{name}`");
    let at = |offset: usize| spec.expr.span().start + 1 + char_to_byte(spec.expr.get_ref(), offset);
    let expr = match sql::parse_expr(spec.expr.get_ref()) {
        Ok(expr) => expr,
        Err(problem) => {
            d.at(
                at(problem.offset),
                format!("{what}: `expr` is not valid: {}", problem.message),
            );
            return None;
        }
    };
    let arith = match Arith::from_sql(&expr) {
        Ok(arith) => arith,
        Err(message) => {
            d.span(&spec.expr.span(), format!("{what}: {message}"));
            return None;
        }
    };
    let measure_names: Vec<&str> = declared_measures.iter().map(String::as_str).collect();
    let mut ok = true;
    for reference in sql::column_refs(spec.expr.get_ref()) {
        if !measures.iter().any(|m| m.name == reference.name) {
            ok = false;
        }
        if !measure_names.contains(&reference.name.as_str()) {
            let hint = did_you_mean(&reference.name, measure_names.iter().copied());
            d.at(
                at(reference.offset),
                format!(
                    "{what}: `{}` is not a measure declared in [measures]{hint}",
                    reference.name
                ),
            );
        }
    }
    if !ok {
        return None;
    }
    let kind_of = |m: &str| measures.iter().find(|x| x.name == m).map(|x| x.kind);
    let kind = arith.kind(&kind_of);
    let display = match &spec.display {
        Some(display) => {
            let money_display =
                matches!(display.get_ref(), Display::TenThousandYuan | Display::Yuan);
            if money_display && kind != Some(ValueKind::Money) {
                d.span(
                    &display.span(),
                    format!("{what}: display `{}` needs an amount of money, but `{}` is not a sum of money columns", display_name(*display.get_ref()), spec.expr.get_ref()),
                );
            }
            if !money_display
                && kind == Some(ValueKind::Money)
                && *display.get_ref() == Display::Count
            {
                d.span(
                    &display.span(),
                    format!("{what}: `{}` is an amount of money; display it as \"万元\" or \"元\", not \"count\"", spec.expr.get_ref()),
                );
            }
            *display.get_ref()
        }
        None => default_display(kind),
    };
    let label_of = |m: &str| {
        measures
            .iter()
            .find(|x| x.name == m)
            .map(|x| x.label.clone())
            .unwrap_or_else(|| m.to_string())
    };
    let formula = arith.render(&label_of);
    Some(Indicator {
        name: name.to_string(),
        label: spec.label,
        expr: arith,
        display,
        formula,
    })
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
        Display::PercentagePoints => "百分点",
        Display::Number => "number",
    }
}
