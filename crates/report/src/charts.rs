//! Chart sheets (`[[report.charts]]`): the figures drawn, as a small table a reader can
//! check, and a rust_xlsxwriter chart over that table — one series per year, or (by
//! township) one bar per township of this period, sorted, each labelled with its figure.

use rust_xlsxwriter::{Chart, ChartDataLabel, ChartType, Worksheet, XlsxError};

use super::format::{number_format, Formats};
use compute::Results;
use figure::cell_number;
use pipeline::period::PeriodKind;
use pipeline::spec::{ChartKind, ChartSort};
use pipeline::{ChartLayout, Plan};

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
    let mut drawn = Chart::new(chart_type(chart.kind));
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

fn chart_type(kind: ChartKind) -> ChartType {
    match kind {
        ChartKind::Line => ChartType::Line,
        ChartKind::Column => ChartType::Column,
        ChartKind::Bar => ChartType::Bar,
    }
}

/// A chart of this period's figure per township (`by = "township"`): the townships that
/// have a figure (a township that sent nothing, or a rate over nothing, is listed under the
/// table, not drawn as 0), sorted, each bar labelled with its figure as the report shows it.
pub fn write_township_chart_sheet(
    sheet: &mut Worksheet,
    plan: &Plan,
    chart: &ChartLayout,
    results: &Results,
    f: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(&chart.name)?;
    // Over the table and the chart beside it: a title merged over two columns is cut.
    sheet.merge_range(0, 0, 0, 12, &plan.expand(&chart.title), &f.title)?;
    sheet.set_row_height(0, 30)?;
    let mut drawn_rows: Vec<(&str, f64)> = Vec::new();
    let mut left_out: Vec<&str> = Vec::new();
    let sources = plan.sources_of(std::iter::once(chart.indicator.as_str()));
    for level in results.rows.iter().filter(|r| r.code.is_some()) {
        match level.indicators.get(&chart.indicator).copied().flatten() {
            Some(v) if level.sent_any(&sources) => drawn_rows.push((&level.name, v)),
            _ => left_out.push(&level.name),
        }
    }
    match chart.by_township {
        Some(ChartSort::Descending) => drawn_rows.sort_by(|a, b| b.1.total_cmp(&a.1)),
        Some(ChartSort::Ascending) => drawn_rows.sort_by(|a, b| a.1.total_cmp(&b.1)),
        _ => {}
    }
    let top = 2;
    sheet.write_string_with_format(top, 0, "街道（乡镇）", &f.header)?;
    sheet.write_string_with_format(top, 1, plan.label_of(&chart.indicator), &f.header)?;
    let value_format = f.value(chart.display, false);
    for (i, (name, value)) in drawn_rows.iter().enumerate() {
        let row = top + 1 + i as u32;
        sheet.write_string_with_format(row, 0, *name, &f.label)?;
        sheet.write_number_with_format(
            row,
            1,
            cell_number(*value, chart.display),
            &value_format,
        )?;
    }
    let points = drawn_rows.len() as u32;
    let mut drawn = Chart::new(chart_type(chart.kind));
    drawn.title().set_name(&plan.expand(&chart.title));
    drawn.legend().set_hidden();
    let series = drawn
        .add_series()
        .set_name((chart.name.as_str(), top, 1))
        .set_categories((chart.name.as_str(), top + 1, 0, top + points.max(1), 0))
        .set_values((chart.name.as_str(), top + 1, 1, top + points.max(1), 1));
    series.set_data_label(
        ChartDataLabel::new()
            .show_value()
            .set_num_format(number_format(chart.display)),
    );
    // rust_xlsxwriter names a bar chart's axes as drawn: categories on Y, values on X.
    if chart.kind == ChartKind::Bar {
        // Bars are drawn bottom-up: reversed, the first township of the table is on top.
        drawn.y_axis().set_reverse();
        // From 0: an axis starting at the smallest figure makes 70% look a third of 78%.
        drawn
            .x_axis()
            .set_num_format(number_format(chart.display))
            .set_min(0);
    } else {
        drawn
            .y_axis()
            .set_num_format(number_format(chart.display))
            .set_min(0);
    }
    drawn
        .set_width(720)
        .set_height((points * 28 + 120).max(400));
    let heading = plan.label_of(&chart.indicator);
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, (super::format::text_width(&heading) + 2.0).max(12.0))?;
    sheet.insert_chart(top, 3, &drawn)?;
    let mut note_row = top + points + 2;
    if !left_out.is_empty() {
        let note = format!("未绘出（未报送或无数值）：{}。", left_out.join("、"));
        sheet.write_string_with_format(note_row, 0, &note, &f.note)?;
        note_row += 1;
    }
    let order = match chart.by_township {
        Some(ChartSort::Descending) => "按数值从高到低排列。",
        Some(ChartSort::Ascending) => "按数值从低到高排列。",
        _ => "按单位名单顺序排列。",
    };
    sheet.write_string_with_format(note_row, 0, order, &f.note)?;
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
