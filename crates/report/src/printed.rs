//! Every figure the report prints, cell by cell, by the rules its sheets are written by:
//! a table sheet's rows in their order (`Results::sheet_rows`), each column's figure as
//! `Results::sheet_value` gives it (blank for a township that sent none of the sheet's
//! ledgers), and the 主要指标 sheet's 本年, 上年, 增减量 and 增减率.

use compute::printed::{money_fen, printed_value, window_words, PrintedFigure};
use compute::Results;
use ingest::Ingested;
use pipeline::{Display, Plan};

use crate::headline::{headline_figures, HeadlineColumn};

/// The report's figures in sheet order (主要指标 first, then the table sheets).
pub fn printed_figures(plan: &Plan, results: &Results, data: &Ingested) -> Vec<PrintedFigure> {
    let mut printed = Vec::new();
    if let Some(layout) = &plan.headline {
        for row in &layout.rows {
            let figures = headline_figures(plan, row, results, data);
            let display = row.current.display;
            // A rate's change is in points (its 增减率 column), and has no 增减量.
            let rate_display = match display.is_ratio() {
                true => Display::PercentagePoints,
                false => Display::Percent,
            };
            let cells = [
                (HeadlineColumn::Current, "本年", figures.current, display),
                (HeadlineColumn::LastYear, "上年", figures.last_year, display),
                (HeadlineColumn::Change, "增减量", figures.change, display),
                (
                    HeadlineColumn::ChangeRate,
                    "增减率",
                    figures.change_rate,
                    rate_display,
                ),
            ];
            for (column, window, value, display) in cells {
                printed.push(PrintedFigure {
                    sheet: layout.name.clone(),
                    row: row.label.clone(),
                    submitter: None,
                    column: column.heading().to_string(),
                    figure: row.current.indicator.clone(),
                    window: window.to_string(),
                    display,
                    value: value.map(|v| printed_value(v, display)),
                    fen: value.and_then(|v| money_fen(v, display)),
                });
            }
        }
    }
    for layout in &plan.sheets {
        let sheet_sources = plan.sources_of(layout.columns.iter().map(|c| c.indicator.as_str()));
        for level in results.sheet_rows(layout) {
            let sent = level.sent_any(&sheet_sources);
            let row = level.label_on(layout, sent);
            for column in &layout.columns {
                let value = results
                    .sheet_value(plan, layout, column, level)
                    .filter(|_| sent);
                printed.push(PrintedFigure {
                    sheet: layout.name.clone(),
                    row: row.clone(),
                    submitter: level.code.clone(),
                    column: column.header.join(" / "),
                    figure: column.indicator.clone(),
                    window: window_words(&column.window, column.compare),
                    display: column.display,
                    value: value.map(|v| printed_value(v, column.display)),
                    fen: value.and_then(|v| money_fen(v, column.display)),
                });
            }
        }
    }
    printed
}
