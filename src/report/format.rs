//! The xlsx side of showing a value: the number format of each display, fonts, borders and
//! column widths. The value itself (fen → 万元, rounded once) comes from [`crate::figure`].

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};

use crate::pipeline::Display;

/// Font of every cell: the one Chinese official forms are printed in.
pub const FONT: &str = "宋体";

/// Excel number format of a display.
pub fn number_format(display: Display) -> &'static str {
    match display {
        Display::Count => "#,##0",
        Display::TenThousandYuan => "#,##0.00",
        Display::Yuan => "#,##0.00",
        Display::Percent => "0.0%",
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
            label: boxed.clone().set_align(FormatAlign::Left),
            total_label: boxed.clone().set_bold().set_align(FormatAlign::Center),
            dash: boxed.set_align(FormatAlign::Center),
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
