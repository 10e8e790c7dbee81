//! List sheets (`[[report.lists]]`): the rows a query selected, one per line, with the
//! columns it named. Text is written as text (never a live formula); a column named like a
//! declared money column is shown in 元; dates as dates, yes/no as 是/否.

use chrono::Datelike;
use polars::prelude::*;
use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::format::{excel_text, ColumnWidths, Formats, FONT};
use compute::lists::ListRows;
use pipeline::{ColumnType, Display, ListLayout, Plan};

/// Excel's last row; rows past it are said in a note, never an aborted run.
const EXCEL_ROWS: usize = 1_048_576;

pub fn write_list_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    list: &ListLayout,
    rows: &ListRows,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(&list.name)?;
    let frame = &rows.frame;
    let columns = frame.columns();
    let last_col = columns.len().saturating_sub(1) as u16;
    sheet.merge_range(
        0,
        0,
        0,
        last_col.max(1),
        &plan.expand(&list.title),
        &f.title,
    )?;
    sheet.set_row_height(0, 30)?;
    let top = 2u32;
    let mut widths = ColumnWidths::default();
    // A display the list names for a column; else money by a declared money column's name.
    let display: Vec<Option<Display>> = columns
        .iter()
        .map(|c| {
            let named = list.display.iter().find(|(n, _)| n == c.name().as_str());
            match named {
                Some((_, d)) => Some(*d),
                None => is_money(plan, c.name().as_str()).then_some(Display::Yuan),
            }
        })
        .collect();
    for (j, c) in columns.iter().enumerate() {
        let heading = match display[j] {
            Some(Display::Yuan) => format!("{}（元）", c.name()),
            Some(Display::TenThousandYuan) => format!("{}（万元）", c.name()),
            _ => c.name().to_string(),
        };
        sheet.write_string_with_format(top, j as u16, &heading, &f.header)?;
        widths.fit_heading(j as u16, &heading);
    }
    let cell = Format::new()
        .set_font_name(FONT)
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let date = cell.clone().set_num_format("yyyy-mm-dd");
    let shown: Vec<Format> = display
        .iter()
        .map(|d| match d {
            Some(d) => cell
                .clone()
                .set_num_format(crate::format::number_format(*d)),
            None => cell.clone(),
        })
        .collect();
    let fits = frame.height().min(EXCEL_ROWS - top as usize - 4);
    for i in 0..fits {
        let row = top + 1 + i as u32;
        for (j, c) in columns.iter().enumerate() {
            let col = j as u16;
            match c.get(i).unwrap_or(AnyValue::Null) {
                AnyValue::Null => {
                    sheet.write_blank(row, col, &cell)?;
                }
                AnyValue::String(s) => {
                    sheet.write_string_with_format(row, col, excel_text(s).as_ref(), &cell)?;
                    widths.fit(col, s);
                }
                AnyValue::StringOwned(s) => {
                    sheet.write_string_with_format(
                        row,
                        col,
                        excel_text(s.as_str()).as_ref(),
                        &cell,
                    )?;
                    widths.fit(col, s.as_str());
                }
                AnyValue::Boolean(b) => {
                    sheet.write_string_with_format(row, col, if b { "是" } else { "否" }, &cell)?;
                }
                AnyValue::Date(days) => {
                    let day = chrono::NaiveDate::from_num_days_from_ce_opt(days + 719_163);
                    match day {
                        Some(day) => {
                            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(
                                day.year_ce().1 as u16,
                                day.month0() as u8 + 1,
                                day.day0() as u8 + 1,
                            )?;
                            sheet.write_datetime_with_format(row, col, d, &date)?;
                        }
                        None => {
                            sheet.write_blank(row, col, &cell)?;
                        }
                    }
                    widths.fit(col, "2024-11-30");
                }
                value => match value.extract::<f64>() {
                    // Money in fen → 元 or 万元 (rounded once, to the fen's place shown);
                    // a rate as a fraction under a percent format.
                    Some(n) if display[j].is_some() => {
                        let d = display[j].unwrap_or(Display::Number);
                        let number = figure::cell_number(n, d);
                        sheet.write_number_with_format(row, col, number, &shown[j])?;
                        widths.fit(col, &figure::text(Some(n), d));
                    }
                    Some(n) => {
                        sheet.write_number_with_format(row, col, n, &cell)?;
                        widths.fit(col, &n.to_string());
                    }
                    None => {
                        let text = value.to_string();
                        sheet.write_string_with_format(
                            row,
                            col,
                            excel_text(&text).as_ref(),
                            &cell,
                        )?;
                        widths.fit(col, &text);
                    }
                },
            }
        }
    }
    let mut notes = rows.notes.clone();
    notes.extend(list.notes.iter().map(|n| plan.expand(n)));
    notes.push(format!("共{}行。", frame.height()));
    // A display named for a column the query does not give: said, not dropped silently.
    for (name, _) in &list.display {
        if !columns.iter().any(|c| c.name().as_str() == name) {
            notes.push(format!(
                "流水线为列“{name}”指定了显示格式，但查询结果中没有这一列。"
            ));
        }
    }
    if fits < frame.height() {
        notes.push(format!(
            "超出Excel行数上限，仅列出前{fits}行；全部结果可用 laborstat 的查询导出为CSV。"
        ));
    }
    for (row, note) in (top + 2 + fits as u32..).zip(notes) {
        sheet.write_string_with_format(row, 0, &note, &f.note)?;
    }
    widths.apply(sheet)?;
    sheet.set_freeze_panes(top + 1, 0)?;
    super::format::print_setup(sheet, (0, top))?;
    Ok(())
}

/// A result column named like a declared money column holds fen.
fn is_money(plan: &Plan, name: &str) -> bool {
    plan.sources
        .iter()
        .flat_map(|s| &s.columns)
        .any(|c| c.kind == ColumnType::Money && c.name == name)
}
