//! The 主要指标 sheet (`[report.headline]`), first in the workbook: one row per headline
//! figure of 合计 — 本年, 上年, 增减量 and 增减率 (a change in % for counts and amounts, in
//! 百分点 for rates, "—" on a zero or missing base) and where last year's figure came from —
//! then the headline sentences, filled with this year's figures as the report shows them.

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::format::{print_setup, ColumnWidths, Formats, FONT};
use super::write_span;
use compute::Results;
use figure::{cell_number, plain_text, NO_VALUE};
use ingest::Ingested;
use pipeline::{Display, HeadlineLayout, HeadlineRow, Plan};

/// Where everything is on the 主要指标 sheet: the writer below places cells by it and
/// `explain` reads a cell address back through it, so the two cannot drift apart.
pub struct HeadlineGeometry;

/// A cell of the 主要指标 sheet, by what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadlinePlace {
    Title,
    /// 填报单位 / 报告期 under the title.
    Subtitle,
    Headings,
    /// A figure row (index into `HeadlineLayout::rows`) and its column.
    Row(usize, HeadlineColumn),
    /// Below the table: the sentences and the 说明.
    Below,
}

/// The columns of a figure row, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadlineColumn {
    Number,
    Label,
    Current,
    LastYear,
    Change,
    ChangeRate,
    LastYearSource,
}

impl HeadlineColumn {
    pub const ALL: [HeadlineColumn; 7] = [
        HeadlineColumn::Number,
        HeadlineColumn::Label,
        HeadlineColumn::Current,
        HeadlineColumn::LastYear,
        HeadlineColumn::Change,
        HeadlineColumn::ChangeRate,
        HeadlineColumn::LastYearSource,
    ];

    pub fn index(self) -> u16 {
        self as u16
    }

    pub fn heading(self) -> &'static str {
        match self {
            HeadlineColumn::Number => "序号",
            HeadlineColumn::Label => "指标",
            HeadlineColumn::Current => "本年",
            HeadlineColumn::LastYear => "上年",
            HeadlineColumn::Change => "增减量",
            HeadlineColumn::ChangeRate => "增减率",
            HeadlineColumn::LastYearSource => "上年数据来源",
        }
    }
}

impl HeadlineGeometry {
    pub const TITLE_ROW: u32 = 0;
    pub const SUBTITLE_ROW: u32 = 1;
    pub const HEADING_ROW: u32 = 2;
    pub const FIRST_FIGURE_ROW: u32 = 3;

    /// What the cell at 0-based (`row`, `col`) holds on a sheet of `rows` figure rows.
    pub fn place(rows: usize, row: u32, col: u16) -> HeadlinePlace {
        match row {
            Self::TITLE_ROW => HeadlinePlace::Title,
            Self::SUBTITLE_ROW => HeadlinePlace::Subtitle,
            Self::HEADING_ROW => HeadlinePlace::Headings,
            r => {
                let index = (r - Self::FIRST_FIGURE_ROW) as usize;
                let column = HeadlineColumn::ALL.get(col as usize).copied();
                match column {
                    Some(column) if index < rows => HeadlinePlace::Row(index, column),
                    // Right of the table on a figure row: the row's label is the nearest thing.
                    None if index < rows => HeadlinePlace::Row(index, HeadlineColumn::Label),
                    _ => HeadlinePlace::Below,
                }
            }
        }
    }
}

/// A row's four figures: this year, last year, the change and the rate of change (for a
/// rate, the change is in points and there is no rate of change).
pub struct HeadlineFigures {
    pub current: Option<f64>,
    pub last_year: Option<f64>,
    pub change: Option<f64>,
    pub change_rate: Option<f64>,
}

/// `data` tells whether last year's published report was read at all: without a file of
/// its source, its sums of nothing are no figure ("—"), not 0.
pub fn headline_figures(
    plan: &Plan,
    row: &HeadlineRow,
    results: &Results,
    data: &Ingested,
) -> HeadlineFigures {
    let total = results.total();
    // As the table sheets show it: "—" over ledgers nobody sent or every file refused.
    let current = results.shown_value(plan, &row.current, total);
    // Last year's published report when it was sent, else the same figure stored for last
    // year (`last_year_source` says which).
    let last_year =
        results.column_value(&compute::windows::last_year_column(plan, row, data), total);
    let (change, change_rate) = match (current, last_year) {
        (Some(now), Some(before)) if row.current.display.is_ratio() => (None, Some(now - before)),
        (Some(now), Some(before)) => (
            Some(now - before),
            (before != 0.0).then(|| (now - before) / before),
        ),
        _ => (None, None),
    };
    HeadlineFigures {
        current,
        last_year,
        change,
        change_rate,
    }
}

/// Where a row's last-year figure comes from, in words.
pub fn last_year_source(plan: &Plan, row: &HeadlineRow, data: &Ingested) -> String {
    let stored = format!("{}年存储的数据", plan.period.year - 1);
    if row.last_year_published() && !compute::windows::published_last_year_read(plan, row, data) {
        return format!("上年年报未报送，取{stored}");
    }
    if row.last_year_published() {
        let sources: Vec<&str> = plan
            .sources_of(std::iter::once(row.last_year.indicator.as_str()))
            .into_iter()
            .map(|s| plan.sources[s].title.as_str())
            .collect();
        format!(
            "{}（{}）",
            sources.join("、"),
            plan.label_of(&row.last_year.indicator)
        )
    } else {
        stored
    }
}

/// A headline sentence with each `{figure}` replaced by this year's 合计 as shown in the
/// report (without thousands separators, as the seeds print them) and placeholders filled.
pub fn fill_sentence(plan: &Plan, results: &Results, template: &str) -> String {
    let total = results.total();
    let mut text = template.to_string();
    for word in pipeline::compile::sentence_words(template) {
        let Some(indicator) = plan.indicator(&word) else {
            continue; // a placeholder, filled below
        };
        // "—" as on the sheets when no file of its ledgers was read, not 0.
        let sources = plan.sources_of(std::iter::once(word.as_str()));
        let value = match results.nobody_sent(&sources) {
            true => None,
            false => total.indicators.get(&word).copied().flatten(),
        };
        text = text.replace(
            &format!("{{{word}}}"),
            &plain_text(value, indicator.display),
        );
    }
    plan.expand(&text)
}

pub fn write_headline_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    layout: &HeadlineLayout,
    results: &Results,
    data: &Ingested,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(&layout.name)?;
    let last_col = HeadlineColumn::LastYearSource.index();
    let (current_col, source_col) = (
        HeadlineColumn::Current.index(),
        HeadlineColumn::LastYearSource.index(),
    );
    let rate_col = HeadlineColumn::ChangeRate.index();
    let title_row = HeadlineGeometry::TITLE_ROW;
    sheet.merge_range(
        title_row,
        0,
        title_row,
        last_col,
        &plan.expand(&layout.title),
        &f.title,
    )?;
    sheet.set_row_height(title_row, 30)?;
    let reporter = format!("填报单位：{}", plan.reporter.clone().unwrap_or_default());
    let subtitle_row = HeadlineGeometry::SUBTITLE_ROW;
    write_span(sheet, subtitle_row, 0, 3, &reporter, &f.subtitle_left)?;
    let period = format!("报告期：{}", plan.period.label());
    write_span(sheet, subtitle_row, 4, last_col, &period, &f.subtitle_right)?;
    let mut widths = ColumnWidths::default();
    for column in HeadlineColumn::ALL {
        let heading = column.heading();
        sheet.write_string_with_format(
            HeadlineGeometry::HEADING_ROW,
            column.index(),
            heading,
            &f.header,
        )?;
        widths.fit_heading(column.index(), heading);
    }
    let signed = |format: &str| {
        Format::new()
            .set_font_name(FONT)
            .set_font_size(11)
            .set_border(rust_xlsxwriter::FormatBorder::Thin)
            .set_align(rust_xlsxwriter::FormatAlign::Right)
            .set_num_format(format)
    };
    let points = signed("+0.0\"个百分点\";-0.0\"个百分点\";0.0\"个百分点\"");
    let percent = signed("+0.0%;-0.0%;0.0%");
    let mut row = HeadlineGeometry::FIRST_FIGURE_ROW;
    for (i, line) in layout.rows.iter().enumerate() {
        let figures = headline_figures(plan, line, results, data);
        let display = line.current.display;
        let label_col = HeadlineColumn::Label.index();
        sheet.write_number_with_format(
            row,
            HeadlineColumn::Number.index(),
            (i + 1) as f64,
            &f.dash,
        )?;
        sheet.write_string_with_format(row, label_col, &line.label, &f.label)?;
        widths.fit(label_col, &line.label);
        let amount = f.value(display, false);
        let change_format = match display {
            Display::Count => signed("+#,##0;-#,##0;0"),
            Display::TenThousandYuan | Display::Yuan | Display::Number => {
                signed("+#,##0.00;-#,##0.00;0.00")
            }
            _ => amount.clone(),
        };
        let cells = [
            (figures.current, display, &amount),
            (figures.last_year, display, &amount),
            (figures.change, display, &change_format),
        ];
        // 本年, 上年, 增减量: adjacent columns from 本年 on.
        for (c, (value, display, format)) in cells.into_iter().enumerate() {
            let col = current_col + c as u16;
            match value {
                Some(v) => {
                    sheet.write_number_with_format(row, col, cell_number(v, display), format)?
                }
                None => sheet.write_string_with_format(row, col, NO_VALUE, &f.dash)?,
            };
        }
        match (figures.change_rate, display.is_ratio()) {
            // A rate's change is in points: 46% → 80% is +33.7 百分点 (0.337 × 100).
            (Some(v), true) => sheet.write_number_with_format(row, rate_col, v * 100.0, &points)?,
            (Some(v), false) => sheet.write_number_with_format(row, rate_col, v, &percent)?,
            (None, _) => sheet.write_string_with_format(row, rate_col, NO_VALUE, &f.dash)?,
        };
        let source = last_year_source(plan, line, data);
        sheet.write_string_with_format(row, source_col, &source, &f.label)?;
        widths.fit(source_col, &source);
        row += 1;
    }
    // Room for the figures as formatted (calamine-free guess: the widest a district has).
    for c in current_col..rate_col {
        widths.fit(c, "+000,000.00");
    }
    widths.fit(rate_col, "-00.0个百分点");
    write_below_table(sheet, plan, layout, results, row + 1, f)?;
    widths.apply(sheet)?;
    print_setup(sheet, (0, 2))?;
    Ok(())
}

/// Under the figures, from `row`: the headline sentences ready to quote, then the 说明.
fn write_below_table(
    sheet: &mut Worksheet,
    plan: &Plan,
    layout: &HeadlineLayout,
    results: &Results,
    mut row: u32,
    f: &Formats,
) -> Result<(), XlsxError> {
    let last_col = HeadlineColumn::LastYearSource.index();
    if !layout.sentences.is_empty() {
        sheet.write_string_with_format(row, 0, "主要情况（可直接引用）：", &f.note)?;
        row += 1;
        for sentence in &layout.sentences {
            let text = fill_sentence(plan, results, sentence);
            write_span(sheet, row, 0, last_col, &text, &f.note)?;
            row += 1;
        }
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "说明：", &f.note)?;
    row += 1;
    let mut notes = vec![
        "增减量 = 本年 − 上年；增减率 = 增减量 ÷ 上年，上年为0或缺失时为“—”；比率的增减以百分点计（本年比率 − 上年比率）。".to_string(),
        "本年数为各表合计行的数字，按台账行重新计算；上年数的来源见“上年数据来源”列，取自存储的上年数据时存储中没有该年、取自上年年报时未收到该表的，显示“—”。".to_string(),
    ];
    notes.extend(layout.notes.iter().map(|n| plan.expand(n)));
    for (i, note) in notes.iter().enumerate() {
        write_span(
            sheet,
            row,
            0,
            last_col,
            &format!("{}. {note}", i + 1),
            &f.note,
        )?;
        row += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_of_the_headline_sheet_is_placed_by_its_geometry() {
        let place = |row, col| HeadlineGeometry::place(2, row, col);
        assert_eq!(place(0, 3), HeadlinePlace::Title);
        assert_eq!(place(1, 0), HeadlinePlace::Subtitle);
        assert_eq!(place(2, 6), HeadlinePlace::Headings);
        assert_eq!(place(3, 2), HeadlinePlace::Row(0, HeadlineColumn::Current));
        assert_eq!(place(4, 3), HeadlinePlace::Row(1, HeadlineColumn::LastYear));
        assert_eq!(
            place(4, 6),
            HeadlinePlace::Row(1, HeadlineColumn::LastYearSource)
        );
        assert_eq!(place(4, 9), HeadlinePlace::Row(1, HeadlineColumn::Label));
        assert_eq!(place(5, 2), HeadlinePlace::Below);
        // The headings the writer puts on the heading row, in column order.
        let headings: Vec<&str> = HeadlineColumn::ALL.iter().map(|c| c.heading()).collect();
        assert_eq!(
            headings,
            [
                "序号",
                "指标",
                "本年",
                "上年",
                "增减量",
                "增减率",
                "上年数据来源"
            ]
        );
        for (i, c) in HeadlineColumn::ALL.iter().enumerate() {
            assert_eq!(c.index() as usize, i);
        }
    }
}
