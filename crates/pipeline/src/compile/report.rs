//! `[[report.sheets]]`: each sheet's columns name an indicator or a measure (a measure shown
//! as it is becomes an indicator of itself), with headers and display units.

use toml::de::DeValue;
use toml::Spanned;

use super::check_template;
use super::measure::default_display;
use super::sections::{entry_value, section, section_with};
use crate::diagnostics::{did_you_mean, Diagnostics};
use crate::spec::*;
use crate::sql::Arith;
use crate::window::{Compare, Window};
use crate::{
    ChartLayout, Display, HeadlineLayout, HeadlineRow, Indicator, ListLayout, Measure,
    Placeholders, ReportColumn, SheetLayout,
};

pub(super) fn compile_report(
    d: &mut Diagnostics,
    report: Option<&Spanned<DeValue<'_>>>,
    sources: &[crate::Source],
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    declared: &[&str],
    placeholders: &Placeholders,
) -> Vec<SheetLayout> {
    let mut sheets = Vec::new();
    let Some(report) = report else {
        d.at(0, "文件中没有 [[report.sheets]]：不会写出任何报表");
        return sheets;
    };
    section_with::<ReportSection>(
        d,
        report,
        "[report]",
        &["sheets", "charts", "lists", "headline"],
    );
    match entry_value(report, "sheets").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            // The report always adds these two sheets after the tables.
            let mut names: Vec<String> = crate::ADDED_SHEETS.map(String::from).to_vec();
            for (i, value) in list.iter().enumerate() {
                let what = format!("[[report.sheets]] 第{}张", i + 1);
                if let Some(spec) = section::<SheetLayoutSpec>(d, value, &what) {
                    let at = entry_value(value, "name").map_or(value.span(), |v| v.span());
                    if let Some(problem) = sheet_name_problem(&spec.name, &names) {
                        d.span(&at, format!("{what}：工作表名 `{}` {problem}", spec.name));
                    }
                    names.push(spec.name.clone());
                    check_template(d, placeholders, &what, "title", &spec.title, value);
                    for note in &spec.notes {
                        check_template(d, placeholders, &what, "notes", note, value);
                    }
                    sheets.push(compile_sheet(
                        d, value, spec, sources, measures, indicators, declared,
                    ));
                }
            }
        }
        Some((v, _)) => d.span(
            &v.span(),
            "`report.sheets` 应写成 [[report.sheets]]（每张表一个）",
        ),
        None => d.span(&report.span(), "[report] 中没有 [[report.sheets]]"),
    }
    sheets
}

fn compile_sheet(
    d: &mut Diagnostics,
    value: &Spanned<DeValue<'_>>,
    spec: SheetLayoutSpec,
    sources: &[crate::Source],
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    declared: &[&str],
) -> SheetLayout {
    let what = format!("[[report.sheets]]“{}”", spec.name);
    let mut columns = Vec::new();
    if spec.columns.is_empty() {
        d.span(&value.span(), format!("{what} 没有列"));
    }
    for column in spec.columns {
        let name = column.value.get_ref();
        if column.header.is_empty() {
            d.span(
                &column.value.span(),
                format!("{what}：列 `{name}` 的 `header` 是空的"),
            );
        }
        let display = match shown_value(indicators, measures, name) {
            Some(display) => display,
            // Declared but broken: already reported where it is declared.
            None if declared.contains(&name.as_str()) => continue,
            None => {
                unknown_value(d, &column.value, &what, indicators, measures);
                continue;
            }
        };
        let window = match &column.window {
            Some(text) => match Window::parse(text.get_ref()) {
                Ok(window) => window,
                Err(message) => {
                    d.span(
                        &text.span(),
                        format!("{what}：列 `{name}`：window {message}"),
                    );
                    continue;
                }
            },
            None => Window::CURRENT,
        };
        let compare = match &column.compare {
            Some(text) => match Compare::parse(text.get_ref()) {
                Ok(compare) => Some(compare),
                Err(message) => {
                    d.span(
                        &text.span(),
                        format!("{what}：列 `{name}`：compare {message}"),
                    );
                    continue;
                }
            },
            None => None,
        };
        // A change is a percentage, or for a rate a difference in percentage points.
        let display = match (compare, column.display) {
            (_, Some(display)) => display,
            (Some(_), None) if display.is_ratio() => Display::PercentagePoints,
            (Some(_), None) => Display::Percent,
            (None, None) => display,
        };
        columns.push(ReportColumn {
            header: column.header,
            indicator: name.clone(),
            display,
            window,
            compare,
            below: column.below,
        });
    }
    let categories = spec.rows.as_ref().and_then(|rows| {
        compile_categories(d, &what, rows, &columns, sources, measures, indicators)
    });
    let subtotals = match &spec.subtotals {
        Some(by) if by.get_ref() == "kind" => true,
        Some(by) => {
            d.span(
                &by.span(),
                format!("{what}：subtotals = \"{}\"：小计按名单的类型（其中：街道 / 镇 / 乡 / 园区），写作 subtotals = \"kind\"", by.get_ref()),
            );
            false
        }
        None => false,
    };
    SheetLayout {
        name: spec.name,
        title: spec.title,
        unit: spec.unit,
        total: spec.total,
        show_codes: spec.show_codes && categories.is_none(),
        subtotals: subtotals && categories.is_none(),
        categories,
        form: spec
            .form
            .iter()
            .flat_map(|f| {
                [
                    ("表号", &f.number),
                    ("制定机关", &f.authority),
                    ("批准文号", &f.approval),
                ]
                .into_iter()
                .filter_map(|(label, text)| text.as_ref().map(|t| format!("{label}：{t}")))
            })
            .collect(),
        row_header: spec.row_header.unwrap_or_else(|| "单位".into()),
        sort: sort_by(d, &what, spec.sort.as_ref(), &columns),
        total_label: spec.total_label,
        columns,
        notes: spec.notes,
    }
}

/// `sort = "closure_rate"` or `"closure_rate asc"`: a figure one of the sheet's columns shows.
fn sort_by(
    d: &mut Diagnostics,
    what: &str,
    sort: Option<&Spanned<String>>,
    columns: &[ReportColumn],
) -> Option<crate::SortBy> {
    let sort = sort?;
    let mut words = sort.get_ref().split_whitespace();
    let indicator = words.next().unwrap_or("").to_string();
    let ascending = match words.next() {
        None | Some("desc") => false,
        Some("asc") => true,
        Some(other) => {
            d.span(
                &sort.span(),
                format!(
                    "{what}：sort = \"{}\"：`{other}` 既不是 asc（升序）也不是 desc（降序）",
                    sort.get_ref()
                ),
            );
            return None;
        }
    };
    if !columns.iter().any(|c| c.indicator == indicator) {
        let shown: Vec<&str> = columns.iter().map(|c| c.indicator.as_str()).collect();
        d.span(
            &sort.span(),
            format!(
                "{what}：sort = \"{}\"：只能按本表列出的数字排序；本表的列是 {}",
                sort.get_ref(),
                shown.join("、")
            ),
        );
        return None;
    }
    Some(crate::SortBy {
        indicator,
        ascending,
    })
}

/// `rows = { by, values, other }`: the sheet's figures must all come from one ledger that has
/// the column; each window of its columns is computed per category as this period is.
fn compile_categories(
    d: &mut Diagnostics,
    what: &str,
    rows: &Spanned<CategoryRowsSpec>,
    columns: &[ReportColumn],
    sources: &[crate::Source],
    measures: &[Measure],
    indicators: &[Indicator],
) -> Option<crate::Categories> {
    let spec = rows.get_ref();
    let mut used: Vec<usize> = Vec::new();
    let behind = crate::names_behind(indicators, columns.iter().map(|c| c.indicator.as_str()));
    for m in behind
        .iter()
        .filter_map(|name| measures.iter().find(|m| &m.name == name))
    {
        if !used.contains(&m.source) {
            used.push(m.source);
        }
    }
    let [source] = used[..] else {
        let names: Vec<&str> = used.iter().map(|&s| sources[s].id.as_str()).collect();
        d.span(
            &rows.span(),
            format!(
                "{what}：按“{}”分行要求本表每个数字都来自同一个台账；这些数字来自 {}",
                spec.by,
                if names.is_empty() {
                    "（无）".to_string()
                } else {
                    names.join("、")
                }
            ),
        );
        return None;
    };
    let Some(column) = sources[source].column(&spec.by) else {
        let known = sources[source].columns.iter().map(|c| c.name.as_str());
        let hint = did_you_mean(&spec.by, known);
        d.span(
            &rows.span(),
            format!(
                "{what}：按“{}”分行：台账 `{}` 没有这一列{hint}",
                spec.by, sources[source].id
            ),
        );
        return None;
    };
    let other = spec.other.clone().unwrap_or_else(|| "其他".into());
    let values = if spec.values.is_empty() {
        // The enum's values; one named as the other row goes last, where that row is.
        let mut values: Vec<String> = column
            .values
            .iter()
            .map(|(canonical, _)| canonical.clone())
            .collect();
        values.sort_by_key(|v| *v == other);
        values
    } else {
        spec.values.clone()
    };
    if values.is_empty() {
        d.span(
            &rows.span(),
            format!(
                "{what}：按“{}”分行：请在 `values` 中列出各类（该列不是选项列）",
                spec.by
            ),
        );
        return None;
    }
    Some(crate::Categories {
        source,
        column: column.name.clone(),
        values,
        other,
    })
}

/// The display of the indicator or measure a column or chart shows; a measure shown as it is
/// becomes an indicator of itself. `None`: neither.
pub(super) fn shown_value(
    indicators: &mut Vec<Indicator>,
    measures: &[Measure],
    name: &str,
) -> Option<Display> {
    if let Some(indicator) = indicators.iter().find(|i| i.name == name) {
        return Some(indicator.display);
    }
    let measure = measures.iter().find(|m| m.name == name)?;
    let display = default_display(Some(measure.kind));
    indicators.push(Indicator {
        name: measure.name.clone(),
        label: measure.label.clone(),
        expr: Arith::Measure(measure.name.clone()),
        kind: Some(measure.kind),
        display,
        formula: measure.label.clone(),
    });
    Some(display)
}

fn unknown_value(
    d: &mut Diagnostics,
    value: &Spanned<String>,
    what: &str,
    indicators: &[Indicator],
    measures: &[Measure],
) {
    let name = value.get_ref();
    let known = indicators
        .iter()
        .map(|i| i.name.as_str())
        .chain(measures.iter().map(|m| m.name.as_str()));
    let hint = did_you_mean(name, known);
    d.span(
        &value.span(),
        format!("{what}：`value = \"{name}\"` 不是已声明的指标{hint}"),
    );
}

/// What Excel refuses in a sheet name: more than 31 characters, any of `[ ] : * ? / \`, a
/// leading or trailing apostrophe, nothing, the reserved `History`, or a name already used
/// (case-insensitively) by another sheet of the report.
fn sheet_name_problem(name: &str, taken: &[String]) -> Option<String> {
    let length = name.chars().count();
    if name.trim().is_empty() {
        return Some("是空的".into());
    }
    if length > 31 {
        return Some(format!("有 {length} 个字，Excel 最多允许 31 个"));
    }
    if let Some(c) = name.chars().find(|c| "[]:*?/\\".contains(*c)) {
        return Some(format!("含有 `{c}`，Excel 的工作表名不允许"));
    }
    if name.starts_with('\'') || name.ends_with('\'') {
        return Some("以单引号开头或结尾，Excel 不允许".into());
    }
    if name.eq_ignore_ascii_case("history") {
        return Some("是 Excel 保留的名字".into());
    }
    if crate::ADDED_SHEETS.contains(&name) {
        return Some("是 laborstat 在每份报表中都会加的工作表名；请换一个".into());
    }
    if let Some(other) = taken
        .iter()
        .find(|t| t.to_lowercase() == name.to_lowercase())
    {
        return Some(format!("已被另一张工作表（`{other}`）用了"));
    }
    None
}

/// `[[report.charts]]` and `[[report.lists]]`: sheets after the tables. Their names must not
/// clash with the tables' (`taken`) or each other's.
pub(super) fn compile_charts_and_lists(
    d: &mut Diagnostics,
    report: Option<&Spanned<DeValue<'_>>>,
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    list_tables: &crate::evaluate::ListTables,
    taken: &[String],
    placeholders: &Placeholders,
) -> (Vec<ChartLayout>, Vec<ListLayout>) {
    let (mut charts, mut lists) = (Vec::new(), Vec::new());
    let Some(report) = report else {
        return (charts, lists);
    };
    let mut names: Vec<String> = crate::ADDED_SHEETS.map(String::from).to_vec();
    names.extend(taken.iter().cloned());
    let mut check_name =
        |d: &mut Diagnostics, value: &Spanned<DeValue<'_>>, what: &str, name: &str| {
            let at = entry_value(value, "name").map_or(value.span(), |v| v.span());
            if let Some(problem) = sheet_name_problem(name, &names) {
                d.span(&at, format!("{what}：工作表名 `{name}` {problem}"));
            }
            names.push(name.to_string());
        };
    if let Some(DeValue::Array(list)) = entry_value(report, "charts").map(|v| v.get_ref()) {
        for (i, value) in list.iter().enumerate() {
            let what = format!("[[report.charts]] 第{}个", i + 1);
            let Some(spec) = section::<ChartSpec>(d, value, &what) else {
                continue;
            };
            check_name(d, value, &what, &spec.name);
            check_template(d, placeholders, &what, "title", &spec.title, value);
            let name = spec.value.get_ref();
            let Some(display) = shown_value(indicators, measures, name) else {
                unknown_value(d, &spec.value, &what, indicators, measures);
                continue;
            };
            let by_township = match (&spec.by, &spec.sort) {
                (None, None) => None,
                (None, Some(sort)) => {
                    d.span(
                        &sort.span(),
                        format!(
                            "{what}：`sort` 是按街道乡镇排列图表的柱子；请加上 by = \"township\""
                        ),
                    );
                    None
                }
                (Some(by), sort) => {
                    if by.get_ref() != "township" {
                        d.span(&by.span(), format!("{what}：by = \"{}\"：图表按报告期画（不写 `by`）或按街道乡镇画（by = \"township\"）", by.get_ref()));
                    }
                    match sort.as_ref().map(|s| (s, s.get_ref().as_str())) {
                        None | Some((_, "descending")) => Some(ChartSort::Descending),
                        Some((_, "ascending")) => Some(ChartSort::Ascending),
                        Some((_, "roster")) => Some(ChartSort::Roster),
                        Some((s, other)) => {
                            d.span(&s.span(), format!("{what}：sort = \"{other}\" 不是 descending（降序）、ascending（升序）或 roster（名单顺序）"));
                            None
                        }
                    }
                }
            };
            if by_township.is_some() && spec.series.is_some() {
                d.span(&value.span(), format!("{what}：按街道乡镇的图表只画本期；`series`（本年、上年）用于按报告期的图表"));
            }
            let mut series = Vec::new();
            match &spec.series {
                None if by_township.is_some() => {}
                None => series.extend([0, 1]),
                Some(list) => {
                    for s in list.get_ref() {
                        match s.as_str() {
                            "本年" | "this_year" => series.push(0),
                            "上年" | "last_year" => series.push(1),
                            other => d.span(
                                &list.span(),
                                format!("{what}：series `{other}` 既不是 本年（this_year）也不是 上年（last_year）"),
                            ),
                        }
                    }
                }
            }
            charts.push(ChartLayout {
                name: spec.name,
                title: spec.title,
                kind: spec.kind,
                indicator: name.clone(),
                display,
                series,
                by_township,
            });
        }
    }
    if let Some(DeValue::Array(list)) = entry_value(report, "lists").map(|v| v.get_ref()) {
        for (i, value) in list.iter().enumerate() {
            let what = format!("[[report.lists]] 第{}张", i + 1);
            let Some(spec) = section::<ListSpec>(d, value, &what) else {
                continue;
            };
            check_name(d, value, &what, &spec.name);
            check_template(d, placeholders, &what, "title", &spec.title, value);
            let sql = match placeholders.fill_strict(spec.sql.get_ref()) {
                Ok(filled) => filled.text,
                Err((_, message)) => {
                    d.span(&spec.sql.span(), format!("{what}：sql：{message}"));
                    continue;
                }
            };
            if let Err(message) = crate::evaluate::dry_run_list(list_tables, &sql) {
                d.span(&spec.sql.span(), format!("{what}：sql：{message}"));
                continue;
            }
            lists.push(ListLayout {
                name: spec.name,
                title: spec.title,
                sql,
                notes: spec.notes,
                display: spec.display.into_iter().collect(),
            });
        }
    }
    (charts, lists)
}

/// `[report.headline]`: the 主要指标 sheet. Each row's figure and its last-year figure are
/// indicators or measures; a sentence's `{word}` must be one too, or a placeholder.
pub(super) fn compile_headline(
    d: &mut Diagnostics,
    report: Option<&Spanned<DeValue<'_>>>,
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    declared: &[&str],
    taken: &[String],
    placeholders: &Placeholders,
) -> Option<HeadlineLayout> {
    let value = entry_value(report?, "headline")?;
    let what = "[report.headline]";
    let spec = section::<HeadlineSpec>(d, value, what)?;
    let at = entry_value(value, "name").map_or(value.span(), |v| v.span());
    if let Some(problem) = sheet_name_problem(&spec.name, taken) {
        d.span(&at, format!("{what}：工作表名 `{}` {problem}", spec.name));
    }
    check_template(d, placeholders, what, "title", &spec.title, value);
    for note in &spec.notes {
        check_template(d, placeholders, what, "notes", note, value);
    }
    if spec.rows.is_empty() {
        d.span(&value.span(), format!("{what} 没有行"));
    }
    let mut rows = Vec::new();
    for row in spec.rows {
        let mut resolve = |name: &Spanned<String>, d: &mut Diagnostics| match shown_value(
            indicators,
            measures,
            name.get_ref(),
        ) {
            Some(display) => Some(display),
            None if declared.contains(&name.get_ref().as_str()) => None,
            None => {
                unknown_value(
                    d,
                    name,
                    &format!("{what} 行“{}”", row.label),
                    indicators,
                    measures,
                );
                None
            }
        };
        let Some(display) = resolve(&row.value, d) else {
            continue;
        };
        let column = |indicator: &str, window: Window, display: Display| ReportColumn {
            header: vec![row.label.clone()],
            indicator: indicator.to_string(),
            display,
            window,
            compare: None,
            below: None,
        };
        let last_year = match &row.last_year {
            Some(other) => match resolve(other, d) {
                Some(other_display) => {
                    if other_display.is_ratio() != display.is_ratio() {
                        d.span(&other.span(), format!("{what} 行“{}”：`last_year = \"{}\"` {}，但 `{}` {}；上年的数字应与本年是同一类数", row.label, other.get_ref(), if other_display.is_ratio() { "是比率" } else { "不是比率" }, row.value.get_ref(), if display.is_ratio() { "是比率" } else { "不是比率" }));
                        continue;
                    }
                    column(other.get_ref(), Window::CURRENT, display)
                }
                None => continue,
            },
            None => column(
                row.value.get_ref(),
                Window::parse("上年同期").expect("a window"),
                display,
            ),
        };
        rows.push(HeadlineRow {
            current: column(row.value.get_ref(), Window::CURRENT, display),
            last_year,
            label: row.label,
        });
    }
    for sentence in &spec.sentences {
        for word in sentence_words(sentence) {
            let known = indicators.iter().any(|i| i.name == word)
                || measures.iter().any(|m| m.name == word)
                || placeholders.fill_strict(&format!("{{{word}}}")).is_ok();
            if known {
                // A measure named only in a sentence is shown as the report would show it.
                shown_value(indicators, measures, &word);
                continue;
            }
            let names = indicators
                .iter()
                .map(|i| i.name.as_str())
                .chain(measures.iter().map(|m| m.name.as_str()));
            let hint = did_you_mean(&word, names);
            let at = entry_value(value, "sentences").map_or(value.span(), |v| v.span());
            d.span(
                &at,
                format!("{what}：句子“{sentence}”：`{{{word}}}` 既不是指标也不是占位符{hint}"),
            );
        }
    }
    Some(HeadlineLayout {
        name: spec.name,
        title: spec.title,
        rows,
        sentences: spec.sentences,
        notes: spec.notes,
    })
}

/// The `{word}`s of a sentence template (lowercase letters, digits and `_`).
pub fn sentence_words(sentence: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = sentence;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let word = &after[..close];
        if !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            words.push(word.to_string());
        }
        rest = &after[close + 1..];
    }
    words
}
