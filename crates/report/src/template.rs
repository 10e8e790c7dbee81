//! The ledger a township fills in, made from what the pipeline knows of a source: a title
//! block (单位 from the roster, 报告期), the declared columns in order under their names (money
//! with its unit), each column's number or date format, Excel data validation (a drop-down of
//! an enum's values and of 是/否; dates, whole numbers and amounts within the rules' ranges;
//! a credit code's 18 characters), an input message saying each column's rule, the header
//! frozen and locked (rows below stay editable), and long value lists on a hidden sheet.
//! What the template says is what `ingest` reads: a filled template reads back exactly.

use std::path::Path;

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, ExcelDateTime, Format, FormatBorder, Formula,
    ProtectionOptions, Workbook, XlsxError,
};

use pipeline::spec::IdentifierKind;
use pipeline::{Bound, Column, ColumnType, Plan, RuleKind, SheetSelector, Source, SubmitterFrom};

use crate::format::{Formats, FONT};
use crate::{save_atomically, ReportError};

/// Rows given formats and validation below the header (a township adds more by inserting).
const FILL_ROWS: u32 = 2_000;
/// Excel refuses a drop-down list written inline past 255 characters: such lists go to a
/// hidden sheet and are referenced.
const INLINE_LIST_CHARS: usize = 255;
const LISTS_SHEET: &str = "取值";

/// Who the template is for: the roster entry's code and name, when one is given.
pub struct TemplateFor<'a> {
    pub code: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// Writes the fill-in ledger of `source` to `path` (atomically).
pub fn write_template(
    plan: &Plan,
    source: &Source,
    submitter: &TemplateFor,
    path: &Path,
) -> Result<(), ReportError> {
    let mut workbook = Workbook::new();
    let f = Formats::default();
    let columns: Vec<&Column> = source
        .columns
        .iter()
        .filter(|c| c.working_days.is_none())
        .collect();
    let sheet_name = match &source.sheet {
        SheetSelector::Names(names) => names.first().cloned(),
        SheetSelector::Index(_) => None,
    }
    .unwrap_or_else(|| source.title.clone());
    let mut lists: Vec<(usize, Vec<String>)> = Vec::new();
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(crate::format::unique_sheet_name(
            &sheet_name,
            &mut Vec::new(),
        ))?;
        let last = columns.len().max(1) as u16 - 1;
        sheet.merge_range(0, 0, 0, last.max(1), &source.title, &f.title)?;
        sheet.set_row_height(0, 30)?;
        let who = format!("{}：{}", label_of(source), submitter.name.unwrap_or(""));
        // Open: a template made for no one in particular is completed by the township.
        let who_format = f.subtitle_left.clone().set_unlocked();
        sheet.write_string_with_format(1, 0, &who, &who_format)?;
        let period = format!("报告期：{}", plan.period.label());
        sheet.write_string_with_format(1, last.max(1), &period, &f.subtitle_right)?;
        let header_row = 2u32;
        let locked_header = f.header.clone().set_text_wrap();
        for (j, column) in columns.iter().enumerate() {
            let j = j as u16;
            sheet.write_string_with_format(header_row, j, heading(column), &locked_header)?;
            sheet.set_column_width(
                j,
                crate::format::text_width(&heading(column)).clamp(10.0, 30.0) + 2.0,
            )?;
            let cell = cell_format(column.kind);
            sheet.set_column_range_format(j, j, &cell)?;
            let validation = validation(source, column, &mut lists, columns.len())?;
            sheet.add_data_validation(header_row + 1, j, header_row + FILL_ROWS, j, &validation)?;
        }
        sheet.set_freeze_panes(header_row + 1, 0)?;
        // The title and header locked, the rows below open: a township cannot rename a
        // column by accident, and can still insert, delete, sort and format rows.
        let options = ProtectionOptions {
            insert_rows: true,
            delete_rows: true,
            format_cells: true,
            format_columns: true,
            format_rows: true,
            sort: true,
            use_autofilter: true,
            ..ProtectionOptions::default()
        };
        // The cells below the header take their column's format, which is unlocked.
        sheet.protect_with_options(&options);
    }
    if !lists.is_empty() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(LISTS_SHEET)?;
        for (col, values) in &lists {
            for (row, value) in values.iter().enumerate() {
                sheet.write_string(row as u32, *col as u16, value)?;
            }
        }
        sheet.set_hidden(true);
    }
    save_atomically(&mut workbook, path)
}

/// The line above the header that says who fills it: the label a `from = "cell"` source reads
/// (填报单位 by default).
fn label_of(source: &Source) -> &str {
    match source.submitter {
        SubmitterFrom::Cell if !source.submitter_label.is_empty() => {
            source.submitter_label.trim_end_matches(['：', ':'])
        }
        _ => "填报单位",
    }
}

/// A column's heading: its name, money with its unit (追发工资（元）), read back by name.
fn heading(column: &Column) -> String {
    match (column.kind, column.money_in_wan) {
        (ColumnType::Money, true) => format!("{}（万元）", column.name),
        (ColumnType::Money, false) => format!("{}（元）", column.name),
        _ => column.name.clone(),
    }
}

fn cell_format(kind: ColumnType) -> Format {
    let base = Format::new()
        .set_font_name(FONT)
        .set_border(FormatBorder::Thin)
        .set_unlocked();
    match kind {
        ColumnType::Date => base.set_num_format("yyyy-mm-dd"),
        ColumnType::Money => base.set_num_format("#,##0.00"),
        ColumnType::Int => base.set_num_format("0"),
        ColumnType::Text | ColumnType::Enum => base.set_num_format("@"),
        _ => base,
    }
}

/// The column's data validation and its input message (its rule in words).
fn validation(
    source: &Source,
    column: &Column,
    lists: &mut Vec<(usize, Vec<String>)>,
    width: usize,
) -> Result<DataValidation, XlsxError> {
    let ci = source
        .columns
        .iter()
        .position(|c| c.name == column.name)
        .unwrap_or(0);
    let rules: Vec<&RuleKind> = source
        .rules
        .iter()
        .filter(|r| r.column == Some(ci))
        .map(|r| &r.kind)
        .collect();
    let range = rules.iter().find_map(|r| match r {
        RuleKind::Range { min, max } => Some((*min, *max)),
        _ => None,
    });
    let mut words: Vec<String> = Vec::new();
    if column.required {
        words.push("必填".into());
    }
    let number = |b: Option<Bound>| match b {
        Some(Bound::Number(n)) => Some(n),
        _ => None,
    };
    let (low, high) = range.map_or((None, None), |(a, b)| (number(a), number(b)));
    let validation = match column.kind {
        ColumnType::Enum | ColumnType::Bool => {
            let values: Vec<String> = match column.kind {
                ColumnType::Bool => vec!["是".into(), "否".into()],
                _ => column.values.iter().map(|(v, _)| v.clone()).collect(),
            };
            words.push(format!("从下拉列表中选：{}", values.join("、")));
            let joined: usize = values.iter().map(|v| v.chars().count() + 1).sum();
            if joined <= INLINE_LIST_CHARS {
                DataValidation::new().allow_list_strings(&values)?
            } else {
                // A long list: on the hidden sheet, one column per list.
                let col = lists.len();
                let letters = finding::column_letters(col as u32);
                let formula = format!("={LISTS_SHEET}!${letters}$1:${letters}${}", values.len());
                lists.push((col, values));
                let _ = width;
                DataValidation::new().allow_list_formula(Formula::new(formula))
            }
        }
        ColumnType::Date => {
            words.push("日期，如 2024-12-05".into());
            let first = ExcelDateTime::from_ymd(1990, 1, 1)?;
            let last = ExcelDateTime::from_ymd(2099, 12, 31)?;
            DataValidation::new().allow_date(DataValidationRule::Between(first, last))
        }
        ColumnType::Int => {
            let low = low.unwrap_or(0.0).max(i32::MIN as f64) as i32;
            let high = high.unwrap_or(i32::MAX as f64).min(i32::MAX as f64) as i32;
            words.push(match high {
                i32::MAX => format!("整数，不小于{low}"),
                _ => format!("整数，{low}至{high}"),
            });
            DataValidation::new().allow_whole_number(DataValidationRule::Between(low, high))
        }
        ColumnType::Money | ColumnType::Number => {
            let unit = match (column.kind, column.money_in_wan) {
                (ColumnType::Money, true) => "金额（万元），最多两位小数",
                (ColumnType::Money, false) => "金额（元），最多两位小数",
                _ => "数值",
            };
            words.push(unit.to_string());
            let low = low.unwrap_or(0.0);
            match high {
                Some(high) => {
                    words.push(format!("{low}至{high}"));
                    DataValidation::new()
                        .allow_decimal_number(DataValidationRule::Between(low, high))
                }
                None => {
                    words.push(format!("不小于{low}"));
                    DataValidation::new()
                        .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(low))
                }
            }
        }
        ColumnType::Text => {
            let credit = rules
                .iter()
                .any(|r| matches!(r, RuleKind::Identifier(IdentifierKind::CreditCode)));
            let id_card = rules
                .iter()
                .any(|r| matches!(r, RuleKind::Identifier(IdentifierKind::IdCard)));
            let length = rules.iter().find_map(|r| match r {
                RuleKind::Length { min, max } => Some((*min, *max)),
                _ => None,
            });
            match (credit || id_card, length) {
                (true, _) => {
                    words.push(match credit {
                        true => "统一社会信用代码，18位".into(),
                        false => "居民身份证号码，18位".into(),
                    });
                    DataValidation::new().allow_text_length(DataValidationRule::EqualTo(18))
                }
                (false, Some((min, max))) => {
                    let (min, max) = (min.unwrap_or(0) as u32, max.unwrap_or(32_767) as u32);
                    words.push(format!("文字，{min}至{max}个字"));
                    DataValidation::new().allow_text_length(DataValidationRule::Between(min, max))
                }
                (false, None) => {
                    words.push("文字".into());
                    DataValidation::new().allow_any_value()
                }
            }
        }
    };
    let mut message = words.join("；");
    // Excel's input message holds 255 characters.
    if message.chars().count() > 250 {
        message = message.chars().take(248).collect::<String>() + "…";
    }
    let title: String = column.name.chars().take(30).collect();
    validation
        .set_input_title(title)?
        .set_input_message(message)?
        .set_error_title("与本列的要求不符")?
        .set_error_message(
            format!("“{}”：{}", column.name, words.join("；"))
                .chars()
                .take(250)
                .collect::<String>(),
        )
}
