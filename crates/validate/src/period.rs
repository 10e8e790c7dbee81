//! A source without a period column keeps every row (a cumulative ledger), and each measure
//! counts its rows by its own date (`date = "结案日期"`), over the period and over the windows
//! the report reads from the same files (本年累计, 近N个月). A file none of whose rows has any
//! of those dates in the period — last year's ledger sent by mistake — would add nothing to
//! any figure while looking sent: it is told, with its dates, and marked for completeness.
//! When the source also has undated measures (stocks at the period's end), its rows are in
//! those still: the warning says so, and the file is not marked 无报告期数据.

use std::collections::BTreeSet;

use polars::prelude::*;

use super::ValidateError;
use finding::{Finding, Severity};
use ingest::{cell::date_to_days, outside_words, Ingested, FILE_COLUMN};
use pipeline::Plan;

pub fn files_outside_period(plan: &Plan, data: &mut Ingested) -> Result<(), ValidateError> {
    let (period_start, end) = plan.period.bounds();
    // This period's files are counted in the windows anchored at it too (本年累计, 近N个月
    // read this submission's rows by their dates): a row dated there is in a figure.
    let start = plan
        .sheets
        .iter()
        .flat_map(|sheet| sheet.windows())
        .filter(|w| w.years_back == 0 && w.periods_back == 0)
        .map(|w| w.resolve(&plan.period).start)
        .fold(period_start, |a, b| a.min(b));
    let days_counted = match start < period_start {
        false => plan.period.label(),
        true => format!(
            "{}（含本表所用的{}起的累计期间）",
            plan.period.label(),
            start.format("%Y年%-m月%-d日")
        ),
    };
    let (start, end) = (date_to_days(start), date_to_days(end));
    for (si, source) in plan.sources.iter().enumerate() {
        let dates: BTreeSet<usize> = plan
            .measures
            .iter()
            .filter(|m| m.source == si)
            .filter_map(|m| m.date)
            .collect();
        if source.period_column.is_some() || dates.is_empty() {
            continue;
        }
        // Measures of the source without a date of their own (a stock such as 期末未结 or a
        // deposit balance) take rows whatever their dates: such rows are in a figure still.
        let stocks: Vec<&str> = plan
            .measures
            .iter()
            .filter(|m| m.source == si && m.date.is_none())
            .map(|m| m.label.as_str())
            .collect();
        let fail = |error| ValidateError {
            source_id: source.id.clone(),
            rule: "报告期".into(),
            error,
        };
        let table = &data.tables[si];
        let files = table
            .column(FILE_COLUMN)
            .and_then(|c| c.u32().cloned())
            .map_err(fail)?;
        // Per row: any measure's date in the period; per file, the earliest and latest date.
        let mut row_in = vec![false; table.height()];
        let mut seen: Vec<Option<(i32, i32)>> = vec![None; data.files.len()];
        for &c in &dates {
            let column = table
                .column(&source.columns[c].name)
                .and_then(|c| c.cast(&DataType::Int32))
                .map_err(fail)?;
            let days = column.i32().map_err(fail)?;
            for ((file, day), inside) in files.iter().zip(days.iter()).zip(row_in.iter_mut()) {
                let (Some(file), Some(day)) = (file, day) else {
                    continue;
                };
                let file = file as usize;
                *inside |= (start..=end).contains(&day);
                seen[file] = Some(seen[file].map_or((day, day), |(a, b)| (a.min(day), b.max(day))));
            }
        }
        let mut undated = vec![0usize; data.files.len()];
        let mut in_period = vec![false; data.files.len()];
        for (file, &inside) in files.iter().zip(&row_in) {
            let Some(file) = file else { continue };
            match inside {
                true => in_period[file as usize] = true,
                false => undated[file as usize] += 1,
            }
        }
        let names: Vec<&str> = dates
            .iter()
            .map(|&c| source.columns[c].name.as_str())
            .collect();
        for (i, report) in data.files.iter_mut().enumerate() {
            if report.source != source.id {
                continue;
            }
            report.undated_rows = Some(undated[i]);
            if !report.used || in_period[i] {
                continue;
            }
            let counted = match stocks.is_empty() {
                true => {
                    report.dated_outside = Some(seen[i]);
                    "本表不计入任何本期数字".to_string()
                }
                // Not 无报告期数据: the rows are in the stocks. A quiet period, or the wrong
                // period's ledger — the stocks would then be wrong too, so it is still told.
                false => format!(
                    "本表不计入本期按日期计的数字，只计入“{}”",
                    stocks.join("”“")
                ),
            };
            data.findings.push(
                Finding::file(
                    Severity::Warning,
                    report.label.clone(),
                    "报告期",
                    format!(
                        "{}：没有一行的“{}”在{}内，{counted}；是否报错了期间的台账？",
                        outside_words(seen[i]),
                        names.join("”或“"),
                        days_counted
                    ),
                )
                .in_sheet(report.sheet.as_deref())
                .from_submitter(report.submitter.as_deref()),
            );
        }
    }
    Ok(())
}
