//! Chart sheets (`[[report.charts]]`): the figures drawn, as a small table a reader can
//! check, and a rust_xlsxwriter chart over that table — one series per year.

use rust_xlsxwriter::{Chart, ChartType, Worksheet, XlsxError};

use super::format::Formats;
use crate::figure::cell_number;
use crate::pipeline::period::PeriodKind;
use crate::pipeline::spec::ChartKind;
use crate::pipeline::{ChartLayout, Plan};

/// Writes one chart sheet; `series` holds each series' value per period of the year.
pub fn write_chart_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    chart: &ChartLayout,
    series: &[Vec<Option<f64>>],
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(&chart.name)?;
    let last_col = chart.series.len() as u16;
    sheet.merge_range(
        0,
        0,
        0,
        last_col.max(1),
        &plan.expand(&chart.title),
        &f.title,
    )?;
    sheet.set_row_height(0, 30)?;
    let top = 2;
    sheet.write_string_with_format(top, 0, period_heading(&plan.period.kind), &f.header)?;
    for (k, years_back) in chart.series.iter().enumerate() {
        let year = format!("{}年", plan.period.year - years_back);
        sheet.write_string_with_format(top, 1 + k as u16, &year, &f.header)?;
    }
    let points = series.first().map_or(0, Vec::len) as u32;
    for i in 0..points {
        let row = top + 1 + i;
        sheet.write_string_with_format(row, 0, point_label(&plan.period.kind, i + 1), &f.label)?;
        for (k, values) in series.iter().enumerate() {
            let col = 1 + k as u16;
            match values.get(i as usize).copied().flatten() {
                Some(v) => {
                    let shown = cell_number(v, chart.display);
                    sheet.write_number_with_format(
                        row,
                        col,
                        shown,
                        &f.value(chart.display, false),
                    )?;
                }
                // No figure (a period to come, or not in the store): a blank cell, which a
                // chart draws as a gap — text such as "—" would be drawn as 0.
                None => {
                    sheet.write_blank(row, col, &f.dash)?;
                }
            }
        }
    }
    let mut drawn = Chart::new(match chart.kind {
        ChartKind::Line => ChartType::Line,
        ChartKind::Column => ChartType::Column,
    });
    drawn.title().set_name(&plan.expand(&chart.title));
    for k in 0..chart.series.len() as u16 {
        drawn
            .add_series()
            .set_name((chart.name.as_str(), top, 1 + k))
            .set_categories((chart.name.as_str(), top + 1, 0, top + points, 0))
            .set_values((chart.name.as_str(), top + 1, 1 + k, top + points, 1 + k));
    }
    drawn.set_width(720).set_height(400);
    sheet.set_column_width(0, 10)?;
    for k in 0..chart.series.len() as u16 {
        sheet.set_column_width(1 + k, 14)?;
    }
    sheet.insert_chart(top, last_col + 2, &drawn)?;
    let note = "空白：该期尚无数据（未到该期，或存储中没有该期）。";
    sheet.write_string_with_format(top + points + 2, 0, note, &f.note)?;
    // The table and the chart on one landscape page.
    super::format::print_setup(sheet, (0, top))?;
    sheet.set_print_fit_to_pages(1, 1);
    Ok(())
}

fn period_heading(kind: &PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Month(_) => "月份",
        PeriodKind::Quarter(_) => "季度",
        PeriodKind::Half(_) => "半年",
        PeriodKind::Year => "年度",
    }
}

fn point_label(kind: &PeriodKind, i: u32) -> String {
    match kind {
        PeriodKind::Month(_) => format!("{i}月"),
        PeriodKind::Quarter(_) => format!("第{i}季度"),
        PeriodKind::Half(_) => ["上半年", "下半年"][(i as usize - 1).min(1)].to_string(),
        PeriodKind::Year => "全年".into(),
    }
}
