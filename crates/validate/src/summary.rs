//! `[[reconcile]]`: a township's own summary table (汇总表) against what its ledger gives.
//! Per submitter, each paired summary column — summed over that submitter's summary rows,
//! usually one — must equal the measure computed from the ledger's accepted rows: exactly
//! for counts, to the fen for money. A difference is a finding at the summary cell naming
//! both figures. No row is excluded: a difference says which figure disagrees, not which
//! ledger row is wrong.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::ValidateError;
use compute::Results;
use figure::text;
use finding::Finding;
use ingest::{Ingested, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use pipeline::{ColumnType, Display, Plan, Reconciliation};

/// One submitter's summary: where its first row is, how many rows, each paired total.
struct SummaryTotals {
    first: usize,
    rows: usize,
    /// Per pair: the sum over the submitter's rows, `None` when every cell was empty.
    totals: Vec<Option<f64>>,
}

/// Compares every declared summary with the ledger's measures; call after `compute`.
pub fn reconcile_summaries(
    plan: &Plan,
    data: &Ingested,
    results: &Results,
) -> Result<Vec<Finding>, ValidateError> {
    let mut findings = Vec::new();
    for reconciliation in &plan.reconciliations {
        let fail = |error| ValidateError {
            source_id: plan.sources[reconciliation.summary].id.clone(),
            rule: reconciliation.name.clone(),
            error,
        };
        findings.extend(reconcile(plan, data, results, reconciliation).map_err(fail)?);
    }
    Ok(findings)
}

fn reconcile(
    plan: &Plan,
    data: &Ingested,
    results: &Results,
    reconciliation: &Reconciliation,
) -> PolarsResult<Vec<Finding>> {
    let source = &plan.sources[reconciliation.summary];
    let table = &data.tables[reconciliation.summary];
    let submitters = data.roster.codes_of(table.column(SUBMITTER_COLUMN)?.u32()?);
    let columns: Vec<Float64Chunked> = reconciliation
        .pairs
        .iter()
        .map(|&(c, _)| {
            let cast = table
                .column(&source.columns[c].name)?
                .cast(&DataType::Float64)?;
            Ok(cast.f64()?.clone())
        })
        .collect::<PolarsResult<_>>()?;
    let mut by_submitter: BTreeMap<&str, SummaryTotals> = BTreeMap::new();
    for (i, code) in submitters.enumerate() {
        let Some(code) = code else { continue };
        let entry = by_submitter.entry(code).or_insert_with(|| SummaryTotals {
            first: i,
            rows: 0,
            totals: vec![None; columns.len()],
        });
        entry.rows += 1;
        for (total, column) in entry.totals.iter_mut().zip(&columns) {
            if let Some(v) = column.get(i) {
                *total = Some(total.unwrap_or(0.0) + v);
            }
        }
    }

    let files = table.column(FILE_COLUMN)?.u32()?;
    let rows = table.column(ROW_COLUMN)?.u32()?;
    let mut findings = Vec::new();
    for (code, summary) in by_submitter {
        let Some(ledger) = results.submitter(code) else {
            continue;
        };
        let file = &data.files[files.get(summary.first).unwrap_or(0) as usize];
        let row = rows.get(summary.first).unwrap_or(0);
        for (k, &(c, m)) in reconciliation.pairs.iter().enumerate() {
            let column = &source.columns[c];
            let measure = &plan.measures[m];
            let (Some(reported), Some(computed)) = (
                summary.totals[k],
                ledger.measures.get(&measure.name).copied().flatten(),
            ) else {
                continue;
            };
            if agree(column.kind, reported, computed) {
                continue;
            }
            let display = match column.kind {
                ColumnType::Money => Display::Yuan,
                ColumnType::Int => Display::Count,
                _ => Display::Number,
            };
            let (shown, expected, difference) = (
                text(Some(reported), display),
                text(Some(computed), display),
                text(Some(reported - computed), display),
            );
            let rows_note = if summary.rows > 1 {
                format!("（{}行合计）", summary.rows)
            } else {
                String::new()
            };
            let message = format!(
                "{}“{}”填报为{shown}{rows_note}，按{}计算的“{}”为{expected}，相差{difference}",
                source.title, column.name, plan.sources[measure.source].title, measure.label
            );
            findings.push(
                Finding::file(
                    reconciliation.severity,
                    file.label.clone(),
                    &reconciliation.name,
                    message,
                )
                .from_submitter(Some(code))
                .in_sheet(file.sheet.as_deref())
                .at_row_cell(row - 1, file.columns.get(c).copied().flatten())
                .in_column(Some(column.name.as_str()))
                .with_value(Some(shown)),
            );
        }
    }
    Ok(findings)
}

/// Counts and money (fen) are whole numbers held exactly: equal means equal. Other numbers
/// may carry binary fractions, so they agree to a relative 1e-9.
fn agree(kind: ColumnType, reported: f64, computed: f64) -> bool {
    match kind {
        ColumnType::Int | ColumnType::Money => reported == computed,
        _ => (reported - computed).abs() <= 1e-9 * computed.abs().max(1.0),
    }
}
