//! The xlsx side of showing a value: the number format of each display, fonts, borders and
//! column widths. The value itself (fen → 万元, rounded once) comes from [`figure`].

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Worksheet, XlsxError};

use pipeline::Display;

/// Font of every cell: the one Chinese official forms are printed in.
pub const FONT: &str = "宋体";

/// Excel number format of a display.
pub fn number_format(display: Display) -> &'static str {
    match display {
        Display::Count | Display::Rank => "#,##0",
        Display::TenThousandYuan => "#,##0.00",
        Display::Yuan => "#,##0.00",
        Display::Percent => "0.0%",
        Display::PercentTwoDecimals => "0.00%",
        Display::PercentagePoints => "0.0",
        Display::Number => "#,##0.00",
    }
}

/// Width of text in Excel column units: CJK characters take two.
pub fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if (c as u32) < 0x2E80 { 1.1 } else { 2.1 })
        .sum()
}

/// A column heading as it is written: a unit in brackets at the end of a longer heading
/// goes on a line of its own (“涉及劳动者人数” / “（人）”), as printed forms set it, instead
/// of wrapping wherever the column's width ends and leaving “）” alone on the last line.
pub fn heading_lines(heading: &str) -> String {
    // Short headings (“立案（件）” is about ten units) fit one line as they are.
    let long = text_width(heading) > 10.0;
    match heading.rfind('（') {
        Some(at) if long && heading.ends_with('）') && text_width(&heading[..at]) >= 4.0 => {
            format!("{}\n{}", &heading[..at], &heading[at..])
        }
        _ => heading.to_string(),
    }
}

/// The cell formats of a report sheet, built once.
pub struct Formats {
    pub title: Format,
    pub subtitle_left: Format,
    pub subtitle_right: Format,
    pub header: Format,
    pub label: Format,
    pub total_label: Format,
    pub dash: Format,
    pub note: Format,
    /// The 表号 / 制定机关 block: small, right-aligned, one line each.
    pub form_block: Format,
}

impl Default for Formats {
    fn default() -> Self {
        let base = Format::new().set_font_name(FONT).set_font_size(11);
        let boxed = base
            .clone()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        Formats {
            title: base
                .clone()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle_left: base.clone().set_align(FormatAlign::Left),
            subtitle_right: base.clone().set_align(FormatAlign::Right),
            header: boxed
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center),
            label: boxed.clone().set_align(FormatAlign::Left).set_text_wrap(),
            total_label: boxed.clone().set_bold().set_align(FormatAlign::Center),
            dash: boxed.set_align(FormatAlign::Center),
            form_block: base
                .clone()
                .set_font_size(9)
                .set_text_wrap()
                .set_align(FormatAlign::Right)
                .set_align(FormatAlign::VerticalCenter),
            note: base.set_align(FormatAlign::Left),
        }
    }
}

impl Formats {
    /// The format of a value cell; 合计 values are bold.
    pub fn value(&self, display: Display, total: bool) -> Format {
        let f = Format::new()
            .set_font_name(FONT)
            .set_font_size(11)
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Right)
            .set_num_format(number_format(display));
        if total {
            f.set_bold()
        } else {
            f
        }
    }
}

/// Column widths that fit the text written in them: each column as wide as its widest
/// line (CJK characters count double), within `[MIN, MAX]`; longer text wraps.
#[derive(Debug, Default)]
pub struct ColumnWidths(Vec<f64>);

impl ColumnWidths {
    const MIN: f64 = 6.0;
    const MAX: f64 = 70.0;

    pub fn fit(&mut self, col: u16, text: &str) {
        let col = col as usize;
        if self.0.len() <= col {
            self.0.resize(col + 1, Self::MIN);
        }
        let width = text.lines().map(text_width).fold(0.0, f64::max) + 1.5;
        self.0[col] = self.0[col].max(width.min(Self::MAX));
    }

    /// A heading wraps (the header format wraps text): it widens its column only up to
    /// about seven Chinese characters (“集体争议（件）” on one line, not its last bracket
    /// alone on the next), so that narrow number columns stay narrow.
    pub fn fit_heading(&mut self, col: u16, heading: &str) {
        let col_index = col as usize;
        if self.0.len() <= col_index {
            self.0.resize(col_index + 1, Self::MIN);
        }
        let width = (text_width(heading) + 1.5).min(16.5);
        self.0[col_index] = self.0[col_index].max(width);
    }

    pub fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (col, width) in self.0.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
        }
        Ok(())
    }
}

/// The print setup of every sheet: A4 landscape, one page wide (as many pages tall as it
/// takes), the header rows `first..=last` repeated on every page.
pub fn print_setup(sheet: &mut Worksheet, header_rows: (u32, u32)) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_rows.0, header_rows.1)?;
    Ok(())
}

/// A sheet name Excel takes, unlike every name in `used` (Excel compares them ignoring
/// case), and recorded there: the characters Excel refuses ([]:*?/\\) become `_`, the
/// apostrophes it refuses at the ends go, at most 31 characters with a `(2)` suffix.
pub fn unique_sheet_name(wanted: &str, used: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let base: String = clean.trim_matches('\'').chars().take(27).collect();
    let base = if base.trim().is_empty() {
        "数据".to_string()
    } else {
        base
    };
    let taken = |name: &str| used.iter().any(|u| u.to_lowercase() == name.to_lowercase());
    let mut candidate = base.clone();
    let mut n = 2;
    while taken(&candidate) {
        candidate = format!("{base}({n})");
        n += 1;
    }
    used.push(candidate.clone());
    candidate
}

/// Text as a cell can hold it: Excel refuses a cell of more than 32,767 characters (a
/// finding that lists the headers of a sheet 16,384 columns wide, a township's own cell
/// of pasted text), and refusing would lose the whole workbook. Longer text is cut there,
/// and says so.
pub fn excel_text(text: &str) -> std::borrow::Cow<'_, str> {
    text_within(text, 32_767)
}

/// Text as a cell's note can hold it (the cell limit less the room Excel keeps for the
/// author's name).
pub fn note_text(text: &str) -> std::borrow::Cow<'_, str> {
    text_within(text, 32_767 - 54 - 16)
}

/// `text` cut to `limit` UTF-16 units (how Excel counts), saying it was cut.
fn text_within(text: &str, limit: usize) -> std::borrow::Cow<'_, str> {
    const CUT: &str = "…（以下过长，已截断）";
    // UTF-8 bytes ≥ UTF-16 units: short text needs no count.
    if text.len() <= limit || text.encode_utf16().count() <= limit {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = limit - CUT.encode_utf16().count();
    let mut units = 0;
    let kept: String = text
        .chars()
        .take_while(|c| {
            units += c.len_utf16();
            units <= room
        })
        .collect();
    std::borrow::Cow::Owned(kept + CUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_unique_and_short() {
        let mut used = Vec::new();
        assert_eq!(unique_sheet_name("台账", &mut used), "台账");
        assert_eq!(unique_sheet_name("台账", &mut used), "台账(2)");
        assert!(
            unique_sheet_name(&"很".repeat(40), &mut used)
                .chars()
                .count()
                <= 31
        );
    }
}
