//! What the report printed, one [`PrintedFigure`] per figure cell: the store keeps them as
//! the `results` table, so that an analyst's answer and a restatement are about the figures
//! people read (本年累计 and 同比 columns included), not about the run's own period alone.
//! `report::printed` fills them by the same rules the sheets are written by.

use polars::prelude::*;

use history::FEN_SUFFIX;
use pipeline::window::{Compare, Window};
use pipeline::Display;

/// One figure cell of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintedFigure {
    /// The sheet it is on.
    pub sheet: String,
    /// The row's label as printed: 合计, 其中：街道, a township's name, a category.
    pub row: String,
    /// The row's roster code (townships only).
    pub submitter: Option<String>,
    /// The column's header as printed, levels joined by " / ".
    pub column: String,
    /// The indicator (or measure) the column shows, by its pipeline name.
    pub figure: String,
    /// Which days and which comparison: 本期, 本年累计, 上年同期累计, 同比, 本年累计同比…
    pub window: String,
    pub display: Display,
    /// The number the cell holds before rounding, in [`unit`] (a rate as a fraction:
    /// 0.741 is printed 74.1 %); `None` for "—" and for a blank (未报送) cell.
    pub value: Option<f64>,
    /// The exact figure behind a money cell, in fen.
    pub fen: Option<i64>,
}

/// The unit a printed value is in, in words.
pub fn unit(display: Display) -> &'static str {
    match display {
        Display::TenThousandYuan => "万元",
        Display::Yuan => "元",
        Display::Percent | Display::PercentTwoDecimals => "比率",
        Display::PercentagePoints => "百分点",
        Display::Count => "计数",
        Display::Number => "数值",
        Display::Rank => "名次",
    }
}

/// A report column's window and comparison in words: 本期, 本年累计, 同比, 本年累计同比.
pub fn window_words(window: &Window, compare: Option<Compare>) -> String {
    match compare {
        None => window.words(),
        Some(k) if window.is_current() => k.words().to_string(),
        Some(k) => format!("{}{}", window.words(), k.words()),
    }
}

/// A figure as the cell holds it, from the results' unit (fen for money): what
/// `report` writes before the number format rounds it.
pub fn printed_value(value: f64, display: Display) -> f64 {
    match display {
        Display::TenThousandYuan => value / 1_000_000.0,
        Display::Yuan => value / 100.0,
        Display::PercentagePoints => value * 100.0,
        _ => value,
    }
}

/// The exact fen of a money figure (fen totals are whole numbers held exactly in f64).
pub fn money_fen(value: f64, display: Display) -> Option<i64> {
    matches!(display, Display::TenThousandYuan | Display::Yuan).then(|| value.round() as i64)
}

/// The printed figures as the `_results` table: `sheet`, `row`, `submitter`, `column`,
/// `figure`, `window`, `unit`, `value` (as the cell holds it before rounding, in `unit`;
/// a rate as a fraction), `value_分` (a money figure exactly, in fen).
pub fn printed_frame(printed: &[PrintedFigure]) -> PolarsResult<DataFrame> {
    let text = |name: &str, f: &dyn Fn(&PrintedFigure) -> Option<&str>| -> Column {
        printed
            .iter()
            .map(f)
            .collect::<StringChunked>()
            .with_name(name.into())
            .into_column()
    };
    let columns = vec![
        text("sheet", &|p| Some(&p.sheet)),
        text("row", &|p| Some(&p.row)),
        text("submitter", &|p| p.submitter.as_deref()),
        text("column", &|p| Some(&p.column)),
        text("figure", &|p| Some(&p.figure)),
        text("window", &|p| Some(&p.window)),
        text("unit", &|p| Some(unit(p.display))),
        printed
            .iter()
            .map(|p| p.value)
            .collect::<Float64Chunked>()
            .with_name("value".into())
            .into_column(),
        printed
            .iter()
            .map(|p| p.fen)
            .collect::<Int64Chunked>()
            .with_name(format!("value{FEN_SUFFIX}").as_str().into())
            .into_column(),
    ];
    DataFrame::new(printed.len(), columns)
}
