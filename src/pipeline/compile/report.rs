//! `[[report.sheets]]`: each sheet's columns name an indicator or a measure (a measure shown
//! as it is becomes an indicator of itself), with headers and display units.

use toml::de::DeValue;
use toml::Spanned;

use super::measure::default_display;
use super::sections::{entry_value, section, section_with};
use crate::pipeline::diagnostics::{did_you_mean, Diagnostics};
use crate::pipeline::spec::*;
use crate::pipeline::sql::Arith;
use crate::pipeline::{Indicator, Measure, ReportColumn, SheetLayout};

pub(super) fn compile_report(
    d: &mut Diagnostics,
    report: Option<&Spanned<DeValue<'_>>>,
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    declared: &[&str],
) -> Vec<SheetLayout> {
    let mut sheets = Vec::new();
    let Some(report) = report else {
        d.at(
            0,
            "the file has no [[report.sheets]]: nothing would be written",
        );
        return sheets;
    };
    section_with::<ReportSection>(d, report, "[report]", &["sheets"]);
    match entry_value(report, "sheets").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, value) in list.iter().enumerate() {
                let what = format!("report sheet {}", i + 1);
                if let Some(spec) = section::<SheetLayoutSpec>(d, value, &what) {
                    sheets.push(compile_sheet(
                        d, value, spec, measures, indicators, declared,
                    ));
                }
            }
        }
        Some((v, _)) => d.span(
            &v.span(),
            "`report.sheets` must be written [[report.sheets]]",
        ),
        None => d.span(&report.span(), "[report] has no [[report.sheets]]"),
    }
    sheets
}

fn compile_sheet(
    d: &mut Diagnostics,
    value: &Spanned<DeValue<'_>>,
    spec: SheetLayoutSpec,
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    declared: &[&str],
) -> SheetLayout {
    let what = format!("report sheet `{}`", spec.name);
    let mut columns = Vec::new();
    if spec.columns.is_empty() {
        d.span(&value.span(), format!("{what} has no columns"));
    }
    for column in spec.columns {
        let name = column.value.get_ref();
        if column.header.is_empty() {
            d.span(
                &column.value.span(),
                format!("{what}: column `{name}` has an empty `header`"),
            );
        }
        let display = if let Some(indicator) = indicators.iter().find(|i| &i.name == name) {
            indicator.display
        } else if let Some(measure) = measures.iter().find(|m| &m.name == name) {
            // A measure shown as it is: an indicator of itself.
            let display = default_display(Some(measure.kind));
            indicators.push(Indicator {
                name: measure.name.clone(),
                label: measure.label.clone(),
                expr: Arith::Measure(measure.name.clone()),
                display,
                formula: measure.label.clone(),
            });
            display
        } else if declared.contains(&name.as_str()) {
            continue; // declared but broken: already reported where it is declared
        } else {
            let known = indicators
                .iter()
                .map(|i| i.name.as_str())
                .chain(measures.iter().map(|m| m.name.as_str()));
            let hint = did_you_mean(name, known);
            d.span(
                &column.value.span(),
                format!("{what}: `value = \"{name}\"` is neither an indicator nor a measure{hint}"),
            );
            continue;
        };
        columns.push(ReportColumn {
            header: column.header,
            indicator: name.clone(),
            display: column.display.unwrap_or(display),
        });
    }
    SheetLayout {
        name: spec.name,
        title: spec.title,
        unit: spec.unit,
        total: spec.total,
        show_codes: spec.show_codes,
        row_header: spec.row_header.unwrap_or_else(|| "单位".into()),
        columns,
        notes: spec.notes,
    }
}
