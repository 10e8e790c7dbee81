//! `[sources.<id>]`: files, sheet, submitter, period column, the declared columns with their
//! aliases, and the rules (compiled in `rule.rs`; references resolved once every source is known).

use toml::de::DeValue;
use toml::Spanned;

use super::rule::compile_rule;
use super::sections::{entry_value, section, section_with};
use crate::diagnostics::{did_you_mean, Diagnostics};
use crate::spec::*;
use crate::{Column, Placeholders, Rule, RuleKind, SheetSelector, Source};
use finding::Severity;

/// Every `[sources.<id>]`, in file order, references between them resolved.
pub(super) fn compile_sources(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    placeholders: &Placeholders,
) -> Vec<Source> {
    let mut sources = Vec::new();
    let mut pending = Vec::new();
    match value.map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Table(all))) => {
            for (id, value) in all.iter() {
                let id: &str = id.get_ref();
                if let Some(source) = compile_source(d, id, value, &mut pending, placeholders) {
                    sources.push(source);
                }
            }
            resolve_references(d, &mut sources, pending);
        }
        Some((v, _)) => d.span(
            &v.span(),
            "`sources` 应写成一组表，每个台账一个 [sources.<代号>]",
        ),
        None => d.at(
            0,
            "文件中没有声明任何台账（[sources.<代号>]）：什么也不会读入",
        ),
    }
    sources
}

fn compile_source(
    d: &mut Diagnostics,
    id: &str,
    value: &Spanned<DeValue<'_>>,
    pending: &mut Vec<PendingReference>,
    placeholders: &Placeholders,
) -> Option<Source> {
    let what = format!("[sources.{id}]");
    let spec: SourceSpec = section_with(d, value, &what, &["columns", "rules"])?;
    let mut columns = compile_columns(d, id, value);
    let mut rules = compile_rules(d, id, value, &columns, pending, placeholders);
    let names: Vec<&str> = columns.iter().map(|c: &Column| c.name.as_str()).collect();
    let find_column = |d: &mut Diagnostics, name: &Spanned<String>, key: &str| {
        let found = names.iter().position(|n| n == name.get_ref());
        if found.is_none() {
            let hint = did_you_mean(name.get_ref(), names.iter().copied());
            d.span(
                &name.span(),
                format!(
                    "{what}：`{key}` 写的列 `{}` 没有在 [sources.{id}.columns] 中声明{hint}",
                    name.get_ref()
                ),
            );
        }
        found
    };
    let period_column = spec
        .period_column
        .as_ref()
        .and_then(|c| find_column(d, c, "period_column"));
    if let (Some(i), Some(c)) = (period_column, &spec.period_column) {
        if columns[i].kind != ColumnType::Date {
            d.span(
                &c.span(),
                format!("{what}：period_column `{}` 应是日期列", c.get_ref()),
            );
        }
    }
    let periodic = match spec.submission.as_ref().map(|s| (s, s.get_ref().as_str())) {
        None => period_column.is_some(),
        Some((_, "periodic")) => true,
        Some((_, "cumulative")) if period_column.is_none() => false,
        Some((s, "cumulative")) => {
            d.span(
                &s.span(),
                format!("{what}：有 `period_column` 的台账只保留本期的行，所以它的报送方式是 `periodic`（每期只报本期），不是 `cumulative`"),
            );
            true
        }
        Some((s, other)) => {
            d.span(
                &s.span(),
                format!("{what}：submission `{other}` 既不是 `cumulative`（每期的文件含至今的全部记录）也不是 `periodic`（每期的文件只含本期）"),
            );
            false
        }
    };
    let mut key_columns = None;
    if let Some(key) = &spec.key {
        let mut indices = Vec::new();
        for name in key.get_ref() {
            let named = Spanned::new(key.span(), name.clone());
            if let Some(i) = find_column(d, &named, "key") {
                indices.push(i);
            }
        }
        if key.get_ref().is_empty() {
            d.span(
                &key.span(),
                format!(
                    "{what}：`key` 没有写列；请写出能确定一条记录的列，例如 key = [\"案件编号\"]"
                ),
            );
        } else if indices.len() == key.get_ref().len() {
            key_columns = Some(indices);
        }
    }
    let submitter_column = match (spec.submitter.from, &spec.submitter.column) {
        (SubmitterFrom::Column, Some(c)) => find_column(d, c, "submitter.column"),
        (SubmitterFrom::Column, None) => {
            d.span(
                &value.span(),
                format!("{what}：submitter 的 from = \"column\" 需要写 `column = \"<列名>\"`"),
            );
            None
        }
        _ => None,
    };
    if let Some(indices) = key_columns {
        // A record without its key cannot be told from another: each key cell is required.
        for &i in &indices {
            columns[i].required = true;
        }
        let names: Vec<&str> = indices.iter().map(|&i| columns[i].name.as_str()).collect();
        rules.push(Rule {
            name: format!("业务键（{}）", names.join("、")),
            column: indices.first().copied(),
            kind: RuleKind::Key(indices),
            severity: Severity::Error,
            message: None,
        });
    }
    let files = compile_globs(d, &what, value, &spec.files.to_vec(), placeholders);
    let sheet = sheet_selector(spec.sheet);
    let use_total_row = match &spec.use_total_row {
        Some(flag) if *flag.get_ref() && spec.kind != SourceKind::Summary => {
            d.span(&flag.span(), format!("{what}：`use_total_row` 只用于汇总表（kind = \"summary\"）：台账的数字来自它的每一行"));
            false
        }
        Some(flag) => *flag.get_ref(),
        None => false,
    };
    Some(Source {
        id: id.to_string(),
        title: spec.title.unwrap_or_else(|| id.to_string()),
        kind: spec.kind,
        files,
        sheet,
        submitter: spec.submitter.from,
        submitter_label: spec.submitter.label.unwrap_or_else(|| "填报单位".into()),
        submitter_column,
        period_column,
        periodic,
        columns,
        rules,
        use_total_row,
        check_totals: spec.check_totals.unwrap_or(true),
    })
}

/// `[sources.<id>.columns]`: each column compiled, then the computed ones (`working_days`)
/// resolved against the date columns, once every column is known.
fn compile_columns(d: &mut Diagnostics, id: &str, value: &Spanned<DeValue<'_>>) -> Vec<Column> {
    let what = format!("[sources.{id}]");
    let mut columns = Vec::new();
    // Computed columns, resolved once every column is known: (column, from, to, where).
    let mut computed: Vec<(usize, WorkingDaysSpec, std::ops::Range<usize>)> = Vec::new();
    // Columns made for files that lack them, checked once every column is known.
    let mut derived: Vec<(usize, Spanned<String>)> = Vec::new();
    match entry_value(value, "columns").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Table(all))) => {
            for (name, col) in all.iter() {
                let name: &str = name.get_ref();
                let what = format!("[sources.{id}.columns]“{name}”");
                if let Some(spec) = section::<ColumnSpec>(d, col, &what) {
                    let working_days = spec.working_days.clone();
                    let spec_derive = spec.derive.clone();
                    if let Some(column) = compile_column(d, &what, name, col, spec) {
                        if let Some(derive) = &spec_derive {
                            derived.push((columns.len(), derive.clone()));
                        }
                        if let Some(w) = working_days {
                            if column.kind != ColumnType::Int {
                                d.span(
                                    &w.span(),
                                    format!("{what}：`working_days` 列是天数：type = \"int\""),
                                );
                            }
                            computed.push((columns.len(), w.get_ref().clone(), w.span()));
                        }
                        columns.push(column);
                    }
                }
            }
        }
        Some((v, _)) => d.span(&v.span(), format!("{what}：`columns` 应是一个表")),
        None => d.span(
            &value.span(),
            format!("{what} 没有声明 [sources.{id}.columns]：什么也不会读入"),
        ),
    }
    for (ci, derive) in derived {
        if let Err(problem) = crate::evaluate::dry_run_derive(&columns, ci, derive.get_ref()) {
            d.span(
                &derive.span(),
                format!(
                    "[sources.{id}.columns]“{}”：derive = \"{}\"：{problem}",
                    columns[ci].name,
                    derive.get_ref()
                ),
            );
        }
    }
    for (ci, spec, span) in computed {
        let date = |name: &str, d: &mut Diagnostics| {
            let found = columns
                .iter()
                .position(|c| c.name == name && c.kind == ColumnType::Date);
            if found.is_none() {
                let dates = columns
                    .iter()
                    .filter(|c| c.kind == ColumnType::Date)
                    .map(|c| c.name.as_str());
                let hint = did_you_mean(name, dates);
                d.span(&span, format!("[sources.{id}.columns]“{}”：working_days 计算本台账两个日期列之间的工作日；“{name}”不是日期列{hint}", columns[ci].name));
            }
            found
        };
        let (from, to) = (date(&spec.from, d), date(&spec.to, d));
        if let (Some(from), Some(to)) = (from, to) {
            columns[ci].working_days = Some((from, to));
        }
    }
    columns
}

/// `[[sources.<id>.rules]]`: each rule compiled against the columns; a `reference` to
/// another source is left in `pending`, checked once every source is known.
fn compile_rules(
    d: &mut Diagnostics,
    id: &str,
    value: &Spanned<DeValue<'_>>,
    columns: &[Column],
    pending: &mut Vec<PendingReference>,
    placeholders: &Placeholders,
) -> Vec<Rule> {
    let what = format!("[sources.{id}]");
    let mut rules = Vec::new();
    match entry_value(value, "rules").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, rule) in list.iter().enumerate() {
                let what = format!("[[sources.{id}.rules]] 第{}条", i + 1);
                let Some(spec) = section::<RuleSpec>(d, rule, &what) else {
                    continue;
                };
                if let Some((compiled, reference)) =
                    compile_rule(d, &what, id, rule, spec, columns, placeholders)
                {
                    if let Some(r) = reference {
                        pending.push(PendingReference {
                            source: id.to_string(),
                            rule: rules.len(),
                            target: r.source,
                            column: r.column,
                        });
                    }
                    rules.push(compiled);
                }
            }
        }
        Some((v, _)) => d.span(
            &v.span(),
            format!("{what}：`rules` 应写成 [[sources.{id}.rules]]（每条规则一个）"),
        ),
        None => {}
    }
    rules
}

/// `files`: each glob with its placeholders filled — a ledger may be kept under the
/// period's own folder (`../monthly/{year}-12/*/*工资支付月报*.*`) — and checked as a glob.
fn compile_globs(
    d: &mut Diagnostics,
    what: &str,
    value: &Spanned<DeValue<'_>>,
    patterns: &[String],
    placeholders: &Placeholders,
) -> Vec<String> {
    let mut files = Vec::new();
    for pattern in patterns {
        match placeholders.fill_strict(pattern) {
            Ok(filled) => files.push(filled.text),
            Err((_, message)) => {
                let at = entry_value(value, "files").map_or(value.span(), |v| v.span());
                d.span(&at, format!("{what}：文件匹配 `{pattern}`：{message}"));
            }
        }
    }
    if files.is_empty() && patterns.is_empty() {
        d.span(&value.span(), format!("{what}：`files` 没有写文件匹配"));
    }
    for pattern in &files {
        if let Err(e) = glob::Pattern::new(pattern) {
            d.span(
                &value.span(),
                format!("{what}：文件匹配 `{pattern}` 写得不对（{e}）"),
            );
        }
    }
    files
}

/// `sheet`: by position (the first when not given) or by the names to try in order.
fn sheet_selector(spec: Option<SheetSpec>) -> SheetSelector {
    match spec {
        None => SheetSelector::Index(0),
        Some(SheetSpec::Index(i)) => SheetSelector::Index(i),
        Some(SheetSpec::Name(n)) => SheetSelector::Names(vec![n]),
        Some(SheetSpec::Names(n)) => SheetSelector::Names(n),
    }
}

fn compile_column(
    d: &mut Diagnostics,
    what: &str,
    name: &str,
    value: &Spanned<DeValue<'_>>,
    spec: ColumnSpec,
) -> Option<Column> {
    let kind = *spec.kind.get_ref();
    if kind == ColumnType::Enum && spec.values.is_empty() {
        d.span(
            &spec.kind.span(),
            format!("{what}：enum（选项）列需要 `values`（规范值 = [别名…]）"),
        );
    }
    if kind == ColumnType::Bool {
        // A yes/no column's own words: values = { 是 = ["已审查合格"], 否 = ["待整改"] }.
        if let Some(other) = spec
            .values
            .keys()
            .find(|k| !["是", "否"].contains(&k.as_str()))
        {
            d.span(
                &value.span(),
                format!("{what}：是/否列的 `values` 只能是 是 和 否，各写上表示它的词（\"是\" = [\"已审查合格\"]，\"否\" = [\"待整改\"]），不能是 `{other}`"),
            );
        }
    } else if kind != ColumnType::Enum && !spec.values.is_empty() {
        d.span(
            &value.span(),
            format!("{what}：`values` 只用于 type = \"enum\"（以及 type = \"bool\"：\"是\" = [...]，\"否\" = [...]）"),
        );
    }
    let money_in_wan = match &spec.unit {
        Some(unit) if kind != ColumnType::Money => {
            d.span(
                &unit.span(),
                format!("{what}：`unit` 只用于 type = \"money\"（金额列）"),
            );
            false
        }
        Some(unit) if unit.get_ref() == "万元" => true,
        Some(unit) if unit.get_ref() == "元" => false,
        Some(unit) => {
            d.span(
                &unit.span(),
                format!(
                    "{what}：unit = \"{}\"：金额列的单位是 \"元\"（不写即是）或 \"万元\"",
                    unit.get_ref()
                ),
            );
            false
        }
        None => false,
    };
    let mut aliases = vec![name.to_string()];
    aliases.extend(spec.aliases.into_iter().filter(|a| a != name));
    let values = spec
        .values
        .into_iter()
        .map(|(canonical, mut aliases)| {
            aliases.insert(0, canonical.clone());
            (canonical, aliases)
        })
        .collect();
    Some(Column {
        name: name.to_string(),
        aliases,
        kind,
        required: spec.required,
        money_in_wan,
        working_days: None,
        values,
        derive: spec.derive.map(|d| d.get_ref().clone()),
    })
}

/// A `reference` rule waiting for every source to be compiled.
struct PendingReference {
    source: String,
    rule: usize,
    target: Spanned<String>,
    column: Spanned<String>,
}

fn resolve_references(d: &mut Diagnostics, sources: &mut [Source], pending: Vec<PendingReference>) {
    for p in pending {
        let target = sources.iter().position(|s| &s.id == p.target.get_ref());
        let Some(target) = target else {
            let hint = did_you_mean(p.target.get_ref(), sources.iter().map(|s| s.id.as_str()));
            d.span(
                &p.target.span(),
                format!(
                    "[sources.{}]：引用的台账 `{}` 没有声明{hint}",
                    p.source,
                    p.target.get_ref()
                ),
            );
            continue;
        };
        let column = sources[target]
            .columns
            .iter()
            .position(|c| &c.name == p.column.get_ref());
        let Some(column) = column else {
            let hint = did_you_mean(
                p.column.get_ref(),
                sources[target].columns.iter().map(|c| c.name.as_str()),
            );
            d.span(
                &p.column.span(),
                format!(
                    "[sources.{}]：引用的列 `{}` 在台账 `{}` 中没有声明{hint}",
                    p.source,
                    p.column.get_ref(),
                    p.target.get_ref()
                ),
            );
            continue;
        };
        if let Some(source) = sources.iter_mut().find(|s| s.id == p.source) {
            if let Some(rule) = source.rules.get_mut(p.rule) {
                rule.kind = RuleKind::Reference {
                    source: target,
                    column,
                };
            }
        }
    }
}
