//! `[[reconcile]]`: pairs of a summary source's column and the measure it must equal.

use toml::de::DeValue;
use toml::Spanned;

use super::rule::type_name;
use super::sections::section;
use crate::diagnostics::{did_you_mean, Diagnostics};
use crate::spec::*;
use crate::sql::ValueKind;
use crate::{Measure, Reconciliation, Source};
use finding::Severity;

pub(super) fn compile_reconciles(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    sources: &[Source],
    measures: &[Measure],
    declared_measures: &[String],
) -> Vec<Reconciliation> {
    let mut reconciliations = Vec::new();
    match value.map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, value) in list.iter().enumerate() {
                let what = format!("[[reconcile]] 第{}条", i + 1);
                let Some(spec) = section::<ReconcileSpec>(d, value, &what) else {
                    continue;
                };
                if let Some(r) =
                    compile_reconcile(d, &what, spec, sources, measures, declared_measures)
                {
                    reconciliations.push(r);
                }
            }
        }
        Some((v, _)) => d.span(
            &v.span(),
            "`reconcile` 应写成 [[reconcile]]（每项核对一个）",
        ),
        None => {}
    }
    reconciliations
}

/// `[[reconcile]]`: the summary source exists, each paired column is a declared numeric
/// column of it, each measure exists and is of the same kind (money with money, counts
/// with whole numbers), so that the comparison is exact.
fn compile_reconcile(
    d: &mut Diagnostics,
    what: &str,
    spec: ReconcileSpec,
    sources: &[Source],
    measures: &[Measure],
    declared_measures: &[String],
) -> Option<Reconciliation> {
    let summary_id = spec.summary.get_ref();
    let Some(summary) = sources.iter().position(|s| &s.id == summary_id) else {
        let hint = did_you_mean(summary_id, sources.iter().map(|s| s.id.as_str()));
        d.span(
            &spec.summary.span(),
            format!("{what}：summary `{summary_id}` 不是已声明的台账{hint}"),
        );
        return None;
    };
    let source = &sources[summary];
    if spec.pairs.is_empty() {
        d.span(
            &spec.summary.span(),
            format!("{what}：`pairs` 是空的：请写出汇总表的列和它应等于的指标"),
        );
    }
    let mut pairs = Vec::new();
    for (column_name, measure_name) in &spec.pairs {
        let column = source.columns.iter().position(|c| &c.name == column_name);
        let measure = measures
            .iter()
            .position(|m| &m.name == measure_name.get_ref());
        if column.is_none() {
            let hint = did_you_mean(column_name, source.columns.iter().map(|c| c.name.as_str()));
            d.span(
                &measure_name.span(),
                format!("{what}：`{column_name}` 不是台账 `{summary_id}` 的列{hint}"),
            );
        }
        if measure.is_none() && !declared_measures.contains(measure_name.get_ref()) {
            let hint = did_you_mean(
                measure_name.get_ref(),
                declared_measures.iter().map(String::as_str),
            );
            d.span(
                &measure_name.span(),
                format!(
                    "{what}：`{}` 不是已声明的基础指标（[measures.*]）{hint}",
                    measure_name.get_ref()
                ),
            );
        }
        let (Some(c), Some(m)) = (column, measure) else {
            continue;
        };
        let fits = matches!(
            (source.columns[c].kind, measures[m].kind),
            (ColumnType::Money, ValueKind::Money)
                | (
                    ColumnType::Int | ColumnType::Number,
                    ValueKind::Count | ValueKind::Number
                )
        );
        if !fits {
            d.span(
                &measure_name.span(),
                format!(
                    "{what}：列 `{column_name}`（{}）不能与指标 `{}` 比较：金额列对金额指标，数字列对计数指标",
                    type_name(Some(source.columns[c].kind)),
                    measure_name.get_ref()
                ),
            );
            continue;
        }
        pairs.push((c, m));
    }
    Some(Reconciliation {
        name: spec.name.unwrap_or_else(|| "汇总表核对".into()),
        summary,
        pairs,
        severity: spec.severity.unwrap_or(Severity::Error),
    })
}
