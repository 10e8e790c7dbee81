//! How a computed value is shown, in one place: money converted from fen and rounded once,
//! rates as percent, "—" for no value. The report writes these numbers into cells, the
//! terminal summary and the findings print them as text; both must agree to the digit.

use pipeline::Display;

/// The dash shown when a rate has a zero denominator (never 0% and never #DIV/0!).
pub const NO_VALUE: &str = "—";

/// The number a cell holds for a value, converted for its display. Money arrives in fen and
/// is kept whole: 万元 to six decimals (a fen), 元 to two; the cell's number format rounds
/// what is shown (0.00 万元), so a workbook read back — a city adding up its districts'
/// reports — gets every fen, while the cell shows the figure rounded once.
pub fn cell_number(value: f64, display: Display) -> f64 {
    match display {
        Display::TenThousandYuan => value.round() / 1_000_000.0,
        Display::Yuan => value.round() / 100.0,
        // A difference of two ratios, shown in points: 0.337 → 33.7.
        Display::PercentagePoints => value * 100.0,
        Display::Count
        | Display::Percent
        | Display::PercentTwoDecimals
        | Display::Number
        | Display::Rank => value,
    }
}

/// The number as the cell shows it: money rounded once, half away from zero, to 0.01 万元
/// (100 元) or to the fen — what a sentence or the terminal prints beside the workbook.
pub fn shown_number(value: f64, display: Display) -> f64 {
    match display {
        Display::TenThousandYuan => round_fen_to(value, 10_000) / 100.0,
        Display::Yuan => round_fen_to(value, 1) / 100.0,
        _ => cell_number(value, display),
    }
}

/// Fen rounded to a multiple of `step` fen, returned as a count of `step`s.
fn round_fen_to(fen: f64, step: i128) -> f64 {
    let fen = fen.round() as i128;
    let half = step / 2;
    let steps = if fen >= 0 {
        (fen + half) / step
    } else {
        (fen - half) / step
    };
    steps as f64
}

/// The value as text, as the cell would show it (for the terminal summary).
pub fn text(value: Option<f64>, display: Display) -> String {
    let Some(value) = value else {
        return NO_VALUE.to_string();
    };
    let n = shown_number(value, display);
    match display {
        Display::Count | Display::Rank => group_thousands(&format!("{:.0}", n)),
        Display::Percent => format!("{:.1}%", n * 100.0),
        Display::PercentTwoDecimals => format!("{:.2}%", n * 100.0),
        Display::PercentagePoints => format!("{n:.1}"),
        _ => group_thousands(&format!("{n:.2}")),
    }
}

/// The value as text without thousands separators, as a sentence prints it: 7346, 97.0%,
/// 2861.00 (万元).
pub fn plain_text(value: Option<f64>, display: Display) -> String {
    text(value, display).replace(',', "")
}

/// `1234567.5` → `1,234,567.5`.
pub fn group_thousands(number: &str) -> String {
    let (sign, digits) = number
        .strip_prefix('-')
        .map(|d| ("-", d))
        .unwrap_or(("", number));
    let (whole, fraction) = digits
        .split_once('.')
        .map(|(w, f)| (w, Some(f)))
        .unwrap_or((digits, None));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match fraction {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Fen (integer) as 元: an exact decimal with two places — how `query` and `explain` show
/// money to an analyst (never a float: the sum of a column of 元 must be exact).
pub fn yuan(fen: polars::prelude::Expr) -> polars::prelude::Expr {
    use polars::prelude::*;
    fen.cast(DataType::Int64).cast(DataType::Decimal(38, 0)) * lit(Scalar::new_decimal(1, 38, 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wan_yuan_is_rounded_once_from_exact_fen() {
        // 28,612,149.50 元 = 2861214950 fen → shown 2861.21 万元, held to the fen.
        assert_eq!(
            shown_number(2_861_214_950.0, Display::TenThousandYuan),
            2861.21
        );
        assert_eq!(
            cell_number(2_861_214_950.0, Display::TenThousandYuan),
            2861.21495
        );
        // Read back (万元 × 10⁶) it is the fen again, for any fen a district can hold.
        for fen in [1.0, 4_999.0, 123_456_789.0, 987_654_321_012.0] {
            let held = cell_number(fen, Display::TenThousandYuan);
            assert_eq!((held * 1_000_000.0).round(), fen);
        }
        // 49.99 元 is shown 0.00 万元, 50.00 元 0.01 万元.
        assert_eq!(shown_number(4_999.0, Display::TenThousandYuan), 0.0);
        assert_eq!(shown_number(5_000.0, Display::TenThousandYuan), 0.01);
        assert_eq!(shown_number(-5_000.0, Display::TenThousandYuan), -0.01);
        assert_eq!(cell_number(123_456.0, Display::Yuan), 1234.56);
    }

    #[test]
    fn zero_denominator_shows_a_dash() {
        assert_eq!(text(None, Display::Percent), "—");
        assert_eq!(text(Some(0.9756), Display::Percent), "97.6%");
        assert_eq!(text(Some(0.902_356), Display::PercentTwoDecimals), "90.24%");
        assert_eq!(text(Some(1234567.0), Display::Count), "1,234,567");
        assert_eq!(text(Some(0.337), Display::PercentagePoints), "33.7");
    }
}
