//! Spec → [`Plan`]: every section is deserialized on its own (so one bad section does not
//! hide the next), unknown keys are found with `serde_ignored`, names are resolved across
//! sections and every SQL string is parsed. All errors come back together, in file order.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::diagnostics::{did_you_mean, Diagnostics};
use super::spec::*;
use super::sql::{self, Arith, ValueKind};
use super::{
    expand_template, Bound, Column, Diagnostic, Indicator, Measure, Overrides, Period, Plan,
    Reconciliation, ReportColumn, RosterSource, Rule, RuleKind, SheetLayout, SheetSelector, Source,
};
use crate::finding::Severity;

const TOP_LEVEL_KEYS: [&str; 7] = [
    "pipeline",
    "roster",
    "sources",
    "measures",
    "indicators",
    "report",
    "reconcile",
];

/// Compiles the text of a pipeline file. `path` is used for messages and relative paths.
pub fn compile(path: &Path, text: &str, overrides: &Overrides) -> Result<Plan, Vec<Diagnostic>> {
    let mut d = Diagnostics::new(path, text);
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            d.at(at, format!("TOML syntax: {}", e.message().trim()));
            return Err(d.into_sorted());
        }
    };
    let base_dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let table = root.get_ref();
    let get = |key: &str| entry(table, key);

    for (key, _) in table.iter() {
        let name: &str = key.get_ref();
        if !TOP_LEVEL_KEYS.contains(&name) {
            let hint = did_you_mean(name, TOP_LEVEL_KEYS);
            d.span(
                &key.span(),
                format!("unknown table `{name}`: a pipeline file has [pipeline], [roster], [sources.*], [measures.*], [indicators.*], [[report.sheets]] and [[reconcile]]{hint}"),
            );
        }
    }

    // [pipeline]
    let pipeline: Option<PipelineSection> = match get("pipeline") {
        Some(v) => section(&mut d, v, "[pipeline]"),
        None => {
            d.at(
                0,
                "the file has no [pipeline] table (name, title, period, output)",
            );
            None
        }
    };
    let period = pipeline.as_ref().and_then(|p| {
        let (text, span) = match &overrides.period {
            Some(cli) => (cli.clone(), None),
            None => (p.period.get_ref().clone(), Some(p.period.span())),
        };
        match Period::parse(&text) {
            Ok(period) => Some(period),
            Err(message) => {
                match span {
                    Some(span) => d.span(&span, format!("[pipeline] period: {message}")),
                    None => d.at(0, format!("--period: {message}")),
                }
                None
            }
        }
    });

    // [roster]
    let roster = match get("roster") {
        Some(v) => section::<RosterSection>(&mut d, v, "[roster]"),
        None => {
            d.at(0, "the file has no [roster] table: list the expected submitters inline (entries) or in a file");
            None
        }
    };
    let roster = roster.and_then(|r| match (&r.file, r.entries.is_empty()) {
        (Some(file), _) if file.get_ref().starts_with("{data}") => {
            Some(RosterSource::File(PathBuf::from(file.get_ref())))
        }
        (Some(file), _) => Some(RosterSource::File(base_dir.join(file.get_ref()))),
        (None, false) => Some(RosterSource::Inline(r.entries)),
        (None, true) => {
            d.span(
                &get("roster").map(|v| v.span()).unwrap_or(0..0),
                "[roster] needs `file` or `entries`",
            );
            None
        }
    });

    // [sources.*]
    let mut sources = Vec::new();
    let mut source_spans = BTreeMap::new();
    let mut pending = Vec::new();
    match get("sources").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Table(all))) => {
            for (id, value) in all.iter() {
                let id: &str = id.get_ref();
                source_spans.insert(id.to_string(), value.span());
                if let Some(source) = compile_source(&mut d, id, value, &mut pending) {
                    sources.push(source);
                }
            }
            resolve_references(&mut d, &mut sources, std::mem::take(&mut pending));
        }
        Some((v, _)) => d.span(
            &v.span(),
            "`sources` must be a table of [sources.<id>] tables",
        ),
        None => d.at(
            0,
            "the file declares no [sources.<id>] table: nothing would be read",
        ),
    }

    // Names declared, compiled or not: a reference to a declared name that failed to compile
    // is not reported again (one mistake, one message).
    let declared = |key: &str| -> Vec<String> {
        match get(key).map(|v| v.get_ref()) {
            Some(DeValue::Table(t)) => t.iter().map(|(k, _)| k.get_ref().to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let declared_measures = declared("measures");
    let declared_indicators = declared("indicators");

    // [measures.*]
    let mut measures = Vec::new();
    if let Some(all) = table_of(&mut d, get("measures"), "measures") {
        for (name, value) in all.iter() {
            let name: &str = name.get_ref();
            let Some(spec) = section::<MeasureSpec>(&mut d, value, &format!("measure `{name}`"))
            else {
                continue;
            };
            if let Some(measure) = compile_measure(&mut d, name, spec, &sources) {
                measures.push(measure);
            }
        }
    }

    // [indicators.*]
    let mut indicators = Vec::new();
    if let Some(all) = table_of(&mut d, get("indicators"), "indicators") {
        for (name, value) in all.iter() {
            let name: &str = name.get_ref();
            let Some(spec) =
                section::<IndicatorSpec>(&mut d, value, &format!("indicator `{name}`"))
            else {
                continue;
            };
            if let Some(indicator) =
                compile_indicator(&mut d, name, spec, &measures, &declared_measures)
            {
                indicators.push(indicator);
            }
        }
    }

    // [[report.sheets]]
    let mut sheets = Vec::new();
    match get("report") {
        Some(report) => {
            section_with::<ReportSection>(&mut d, report, "[report]", &["sheets"]);
            match entry_value(report, "sheets").map(|v| (v, v.get_ref())) {
                Some((_, DeValue::Array(list))) => {
                    for (i, value) in list.iter().enumerate() {
                        let what = format!("report sheet {}", i + 1);
                        if let Some(spec) = section::<SheetLayoutSpec>(&mut d, value, &what) {
                            let declared = declared_measures.iter().chain(&declared_indicators);
                            let declared: Vec<&str> = declared.map(String::as_str).collect();
                            sheets.push(compile_sheet(
                                &mut d,
                                value,
                                spec,
                                &measures,
                                &mut indicators,
                                &declared,
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
        }
        None => d.at(
            0,
            "the file has no [[report.sheets]]: nothing would be written",
        ),
    }

    // [[reconcile]]
    let mut reconciliations = Vec::new();
    match get("reconcile").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, value) in list.iter().enumerate() {
                let what = format!("reconcile {}", i + 1);
                let Some(spec) = section::<ReconcileSpec>(&mut d, value, &what) else {
                    continue;
                };
                if let Some(r) =
                    compile_reconcile(&mut d, &what, spec, &sources, &measures, &declared_measures)
                {
                    reconciliations.push(r);
                }
            }
        }
        Some((v, _)) => d.span(&v.span(), "`reconcile` must be written [[reconcile]]"),
        None => {}
    }

    if !d.is_empty() {
        return Err(d.into_sorted());
    }
    let (Some(pipeline), Some(period), Some(roster)) = (pipeline, period, roster) else {
        return Err(d.into_sorted());
    };
    let data_dir = overrides.data_dir.clone().unwrap_or_else(|| {
        base_dir.join(expand_template(
            pipeline.data.as_deref().unwrap_or("."),
            &pipeline.name,
            &period,
        ))
    });
    let output = overrides.output.clone().unwrap_or_else(|| {
        let templated = base_dir.join(expand_template(&pipeline.output, &pipeline.name, &period));
        match (&overrides.output_dir, templated.file_name()) {
            (Some(dir), Some(name)) => dir.join(name),
            _ => templated,
        }
    });
    // `{data}` in the roster path: a roster kept with the data it describes.
    let roster = match roster {
        RosterSource::File(path) => {
            let text = path
                .to_string_lossy()
                .replace("{data}", &data_dir.to_string_lossy());
            let path = PathBuf::from(text);
            RosterSource::File(if path.is_absolute() {
                path
            } else {
                clean_path(&path)
            })
        }
        inline => inline,
    };
    let (data_dir, output) = (clean_path(&data_dir), clean_path(&output));
    Ok(Plan {
        file: path.to_path_buf(),
        name: pipeline.name,
        title: pipeline.title,
        period,
        data_dir,
        output,
        reporter: pipeline.reporter,
        roster,
        sources,
        measures,
        indicators,
        sheets,
        reconciliations,
    })
}

/// `[[reconcile]]`: the summary source exists, each paired column is a declared numeric
/// column of it, each measure exists and is of the same kind (money with money, counts
/// with whole numbers), so that the comparison is exact.
fn compile_reconcile(
    d: &mut Diagnostics,
    what: &str,
    spec: ReconcileSpec,
    sources: &[Source],
    measures: &[Measure],
    declared_measures: &[String],
) -> Option<Reconciliation> {
    let summary_id = spec.summary.get_ref();
    let Some(summary) = sources.iter().position(|s| &s.id == summary_id) else {
        let hint = did_you_mean(summary_id, sources.iter().map(|s| s.id.as_str()));
        d.span(
            &spec.summary.span(),
            format!("{what}: summary `{summary_id}` is not a declared source{hint}"),
        );
        return None;
    };
    let source = &sources[summary];
    if spec.pairs.is_empty() {
        d.span(
            &spec.summary.span(),
            format!("{what}: `pairs` is empty: name the summary columns and the measures they must equal"),
        );
    }
    let mut pairs = Vec::new();
    for (column_name, measure_name) in &spec.pairs {
        let column = source.columns.iter().position(|c| &c.name == column_name);
        let measure = measures
            .iter()
            .position(|m| &m.name == measure_name.get_ref());
        if column.is_none() {
            let hint = did_you_mean(column_name, source.columns.iter().map(|c| c.name.as_str()));
            d.span(
                &measure_name.span(),
                format!("{what}: `{column_name}` is not a column of source `{summary_id}`{hint}"),
            );
        }
        if measure.is_none() && !declared_measures.contains(measure_name.get_ref()) {
            let hint = did_you_mean(
                measure_name.get_ref(),
                declared_measures.iter().map(String::as_str),
            );
            d.span(
                &measure_name.span(),
                format!(
                    "{what}: `{}` is not a declared measure{hint}",
                    measure_name.get_ref()
                ),
            );
        }
        let (Some(c), Some(m)) = (column, measure) else {
            continue;
        };
        let fits = matches!(
            (source.columns[c].kind, measures[m].kind),
            (ColumnType::Money, ValueKind::Money)
                | (
                    ColumnType::Int | ColumnType::Number,
                    ValueKind::Count | ValueKind::Number
                )
        );
        if !fits {
            d.span(
                &measure_name.span(),
                format!(
                    "{what}: column `{column_name}` ({}) cannot be compared with measure `{}`: pair money columns with money measures and number columns with counts",
                    type_name(Some(source.columns[c].kind)),
                    measure_name.get_ref()
                ),
            );
            continue;
        }
        pairs.push((c, m));
    }
    Some(Reconciliation {
        name: spec.name.unwrap_or_else(|| "汇总表核对".into()),
        summary,
        pairs,
        severity: spec.severity.unwrap_or(Severity::Error),
    })
}

fn entry<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| {
            let name: &str = k.get_ref();
            name == key
        })
        .map(|(_, v)| v)
}

fn entry_value<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
    key: &str,
) -> Option<&'a Spanned<DeValue<'i>>> {
    match value.get_ref() {
        DeValue::Table(t) => entry(t, key),
        _ => None,
    }
}

fn table_of<'a, 'i>(
    d: &mut Diagnostics,
    value: Option<&'a Spanned<DeValue<'i>>>,
    what: &str,
) -> Option<&'a DeTable<'i>> {
    match value.map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Table(t))) => Some(t),
        Some((v, _)) => {
            d.span(
                &v.span(),
                format!("`{what}` must be a table of [{what}.<name>] tables"),
            );
            None
        }
        None => None,
    }
}

/// Deserializes one section; type errors and unknown keys become diagnostics.
fn section<T: DeserializeOwned>(
    d: &mut Diagnostics,
    value: &Spanned<DeValue<'_>>,
    what: &str,
) -> Option<T> {
    section_with(d, value, what, &[])
}

/// Like `section`, for a table whose `delegated` keys are deserialized on their own later
/// (their contents are not unknown keys).
fn section_with<T: DeserializeOwned>(
    d: &mut Diagnostics,
    value: &Spanned<DeValue<'_>>,
    what: &str,
    delegated: &[&str],
) -> Option<T> {
    let deserializer = ValueDeserializer::from(value.clone());
    let mut unknown: Vec<String> = Vec::new();
    let result: Result<T, _> = serde_ignored::deserialize(deserializer, |path| {
        unknown.push(path.to_string());
    });
    for path in unknown {
        let top = path.split('.').next().unwrap_or("");
        if delegated.contains(&top) {
            continue;
        }
        let (span, key) = locate(value, &path);
        let hint = did_you_mean(&key, known_keys(what).iter().copied());
        d.span(&span, format!("{what}: unknown key `{path}`{hint}"));
    }
    match result {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            let span = e.span().unwrap_or_else(|| value.span());
            d.span(&span, format!("{what}: {}", e.message().trim()));
            None
        }
    }
}

/// Keys a section accepts, for "did you mean" hints.
fn known_keys(what: &str) -> &'static [&'static str] {
    if what.starts_with("[pipeline]") {
        &["name", "title", "period", "output", "data", "reporter"]
    } else if what.starts_with("[roster]") {
        &["file", "entries"]
    } else if what.starts_with("source") && what.contains(" rule ") {
        &[
            "name",
            "column",
            "range",
            "allowed",
            "pattern",
            "length",
            "unique",
            "identifier",
            "check",
            "reference",
            "severity",
            "message",
        ]
    } else if what.starts_with("source") && what.contains("column") {
        &["aliases", "type", "required", "values"]
    } else if what.starts_with("source") {
        &[
            "title",
            "kind",
            "files",
            "sheet",
            "submitter",
            "period_column",
            "columns",
            "rules",
        ]
    } else if what.starts_with("reconcile") {
        &["name", "summary", "pairs", "severity"]
    } else if what.starts_with("measure") {
        &["source", "sql", "filter", "label"]
    } else if what.starts_with("indicator") {
        &["expr", "label", "display"]
    } else if what.starts_with("report sheet") {
        &[
            "name",
            "title",
            "unit",
            "total",
            "show_codes",
            "row_header",
            "columns",
            "notes",
        ]
    } else {
        &[]
    }
}

/// Finds the span of the key a serde_ignored path (`a.b.0.c`) points to.
fn locate(value: &Spanned<DeValue<'_>>, path: &str) -> (Range<usize>, String) {
    let mut current = value;
    let mut span = value.span();
    let mut last = path.to_string();
    for part in path.split('.') {
        last = part.to_string();
        match current.get_ref() {
            DeValue::Table(t) => match t.iter().find(|(k, _)| {
                let name: &str = k.get_ref();
                name == part
            }) {
                Some((k, v)) => {
                    span = k.span();
                    current = v;
                }
                None => break,
            },
            DeValue::Array(items) => match part.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => {
                    span = v.span();
                    current = v;
                }
                None => break,
            },
            _ => break,
        }
    }
    (span, last)
}

fn compile_source(
    d: &mut Diagnostics,
    id: &str,
    value: &Spanned<DeValue<'_>>,
    pending: &mut Vec<PendingReference>,
) -> Option<Source> {
    let what = format!("source `{id}`");
    let spec: SourceSpec = section_with(d, value, &what, &["columns", "rules"])?;
    let mut columns = Vec::new();
    match entry_value(value, "columns").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Table(all))) => {
            for (name, col) in all.iter() {
                let name: &str = name.get_ref();
                let what = format!("source `{id}` column `{name}`");
                if let Some(spec) = section::<ColumnSpec>(d, col, &what) {
                    if let Some(column) = compile_column(d, &what, name, col, spec) {
                        columns.push(column);
                    }
                }
            }
        }
        Some((v, _)) => d.span(&v.span(), format!("{what}: `columns` must be a table")),
        None => d.span(
            &value.span(),
            format!("{what} declares no [sources.{id}.columns]: nothing would be read"),
        ),
    }
    let mut rules = Vec::new();
    match entry_value(value, "rules").map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, rule) in list.iter().enumerate() {
                let what = format!("source `{id}` rule {}", i + 1);
                let Some(spec) = section::<RuleSpec>(d, rule, &what) else {
                    continue;
                };
                if let Some((compiled, reference)) =
                    compile_rule(d, &what, id, rule, spec, &columns)
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
            format!("{what}: `rules` must be written [[sources.{id}.rules]]"),
        ),
        None => {}
    }
    let names: Vec<&str> = columns.iter().map(|c: &Column| c.name.as_str()).collect();
    let find_column = |d: &mut Diagnostics, name: &Spanned<String>, key: &str| {
        let found = names.iter().position(|n| n == name.get_ref());
        if found.is_none() {
            let hint = did_you_mean(name.get_ref(), names.iter().copied());
            d.span(
                &name.span(),
                format!("{what}: `{key}` names column `{}`, which is not declared in [sources.{id}.columns]{hint}", name.get_ref()),
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
                format!(
                    "{what}: period_column `{}` must be a date column",
                    c.get_ref()
                ),
            );
        }
    }
    let submitter_column = match (spec.submitter.from, &spec.submitter.column) {
        (SubmitterFrom::Column, Some(c)) => find_column(d, c, "submitter.column"),
        (SubmitterFrom::Column, None) => {
            d.span(
                &value.span(),
                format!("{what}: submitter from = \"column\" needs `column = \"<column>\"`"),
            );
            None
        }
        _ => None,
    };
    let files = spec.files.to_vec();
    if files.is_empty() {
        d.span(&value.span(), format!("{what}: `files` lists no glob"));
    }
    for pattern in &files {
        if let Err(e) = glob::Pattern::new(pattern) {
            d.span(
                &value.span(),
                format!("{what}: file glob `{pattern}` is not valid: {e}"),
            );
        }
    }
    let sheet = match spec.sheet {
        None => SheetSelector::Index(0),
        Some(SheetSpec::Index(i)) => SheetSelector::Index(i),
        Some(SheetSpec::Name(n)) => SheetSelector::Names(vec![n]),
        Some(SheetSpec::Names(n)) => SheetSelector::Names(n),
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
        columns,
        rules,
    })
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
            format!("{what}: an enum column needs `values` (canonical value = [aliases])"),
        );
    }
    if kind != ColumnType::Enum && !spec.values.is_empty() {
        d.span(
            &value.span(),
            format!("{what}: `values` only applies to type = \"enum\""),
        );
    }
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
        values,
    })
}

/// Checks one SQL string of a measure: syntax, declared columns, and that polars accepts it.
fn check_sql(
    d: &mut Diagnostics,
    what: &str,
    key: &str,
    sql_text: &Spanned<String>,
    source: Option<(&str, &[Column])>,
) -> Option<sqlparser::ast::Expr> {
    // +1: the offset inside the string, after the opening quote.
    let at = |offset: usize| sql_text.span().start + 1 + char_to_byte(sql_text.get_ref(), offset);
    let text = sql_text.get_ref();
    let expr = match sql::parse_expr(text) {
        Ok(expr) => expr,
        Err(problem) => {
            d.at(
                at(problem.offset),
                format!("{what}: `{key}` is not valid SQL: {}", problem.message),
            );
            return None;
        }
    };
    if let Some((source_id, columns)) = source {
        let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
        for column in sql::column_refs(text) {
            if !names.contains(&column.name.as_str()) {
                let hint = did_you_mean(&column.name, names.iter().copied());
                d.at(
                    at(column.offset),
                    format!(
                        "{what}: `{key}` uses column `{}`, which source `{source_id}` does not declare{hint}",
                        column.name
                    ),
                );
            }
        }
    }
    if let Err(e) = polars::sql::sql_expr(text) {
        d.at(
            at(0),
            format!("{what}: `{key}` is not SQL that polars can run: {e}"),
        );
        return None;
    }
    Some(expr)
}

fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map(|(i, _)| i)
        .unwrap_or(text.len())
}

fn compile_measure(
    d: &mut Diagnostics,
    name: &str,
    spec: MeasureSpec,
    sources: &[Source],
) -> Option<Measure> {
    let what = format!("measure `{name}`");
    let source_index = sources.iter().position(|s| &s.id == spec.source.get_ref());
    if source_index.is_none() {
        let hint = did_you_mean(spec.source.get_ref(), sources.iter().map(|s| s.id.as_str()));
        d.span(
            &spec.source.span(),
            format!(
                "{what}: source `{}` is not declared as [sources.{}]{hint}",
                spec.source.get_ref(),
                spec.source.get_ref()
            ),
        );
    }
    let source = source_index.map(|i| &sources[i]);
    let columns = source.map(|s| (s.id.as_str(), s.columns.as_slice()));
    let expr = check_sql(d, &what, "sql", &spec.sql, columns);
    if let Some(filter) = &spec.filter {
        check_sql(d, &what, "filter", filter, columns);
    }
    let (source, expr) = (source?, expr?);
    let column_type = |column: &str| source.column(column).map(|c| c.kind);
    Some(Measure {
        name: name.to_string(),
        label: spec.label.unwrap_or_else(|| name.to_string()),
        source: source_index?,
        sql: spec.sql.into_inner(),
        filter: spec.filter.map(Spanned::into_inner),
        kind: sql::measure_kind(&expr, &column_type),
    })
}

fn compile_indicator(
    d: &mut Diagnostics,
    name: &str,
    spec: IndicatorSpec,
    measures: &[Measure],
    declared_measures: &[String],
) -> Option<Indicator> {
    let what = format!("indicator `{name}`");
    let at = |offset: usize| spec.expr.span().start + 1 + char_to_byte(spec.expr.get_ref(), offset);
    let expr = match sql::parse_expr(spec.expr.get_ref()) {
        Ok(expr) => expr,
        Err(problem) => {
            d.at(
                at(problem.offset),
                format!("{what}: `expr` is not valid: {}", problem.message),
            );
            return None;
        }
    };
    let arith = match Arith::from_sql(&expr) {
        Ok(arith) => arith,
        Err(message) => {
            d.span(&spec.expr.span(), format!("{what}: {message}"));
            return None;
        }
    };
    let measure_names: Vec<&str> = declared_measures.iter().map(String::as_str).collect();
    let mut ok = true;
    for reference in sql::column_refs(spec.expr.get_ref()) {
        if !measures.iter().any(|m| m.name == reference.name) {
            ok = false;
        }
        if !measure_names.contains(&reference.name.as_str()) {
            let hint = did_you_mean(&reference.name, measure_names.iter().copied());
            d.at(
                at(reference.offset),
                format!(
                    "{what}: `{}` is not a measure declared in [measures]{hint}",
                    reference.name
                ),
            );
        }
    }
    if !ok {
        return None;
    }
    let kind_of = |m: &str| measures.iter().find(|x| x.name == m).map(|x| x.kind);
    let kind = arith.kind(&kind_of);
    let display = match &spec.display {
        Some(display) => {
            let money_display =
                matches!(display.get_ref(), Display::TenThousandYuan | Display::Yuan);
            if money_display && kind != Some(ValueKind::Money) {
                d.span(
                    &display.span(),
                    format!("{what}: display `{}` needs an amount of money, but `{}` is not a sum of money columns", display_name(*display.get_ref()), spec.expr.get_ref()),
                );
            }
            if !money_display
                && kind == Some(ValueKind::Money)
                && *display.get_ref() == Display::Count
            {
                d.span(
                    &display.span(),
                    format!("{what}: `{}` is an amount of money; display it as \"万元\" or \"元\", not \"count\"", spec.expr.get_ref()),
                );
            }
            *display.get_ref()
        }
        None => default_display(kind),
    };
    let label_of = |m: &str| {
        measures
            .iter()
            .find(|x| x.name == m)
            .map(|x| x.label.clone())
            .unwrap_or_else(|| m.to_string())
    };
    let formula = arith.render(&label_of);
    Some(Indicator {
        name: name.to_string(),
        label: spec.label,
        expr: arith,
        display,
        formula,
    })
}

fn default_display(kind: Option<ValueKind>) -> Display {
    match kind {
        Some(ValueKind::Count) | None => Display::Count,
        Some(ValueKind::Money) => Display::TenThousandYuan,
        Some(ValueKind::Number) => Display::Number,
    }
}

pub fn display_name(display: Display) -> &'static str {
    match display {
        Display::Count => "count",
        Display::TenThousandYuan => "万元",
        Display::Yuan => "元",
        Display::Percent => "percent",
        Display::PercentagePoints => "百分点",
        Display::Number => "number",
    }
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

/// `pipelines/../output/x.xlsx` → `output/x.xlsx`: paths as a user would write them.
fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// A `reference` rule waiting for every source to be compiled.
pub(crate) struct PendingReference {
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
                    "source `{}`: reference to source `{}`, which is not declared{hint}",
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
            d.span(&p.column.span(), format!("source `{}`: reference to column `{}`, which source `{}` does not declare{hint}", p.source, p.column.get_ref(), p.target.get_ref()));
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

/// Checks and converts one rule. Rule kinds and their column types must agree.
fn compile_rule(
    d: &mut Diagnostics,
    what: &str,
    source_id: &str,
    value: &Spanned<DeValue<'_>>,
    spec: RuleSpec,
    columns: &[Column],
) -> Option<(Rule, Option<ReferenceSpec>)> {
    let kinds: Vec<&str> = [
        ("range", spec.range.is_some()),
        ("allowed", spec.allowed.is_some()),
        ("pattern", spec.pattern.is_some()),
        ("length", spec.length.is_some()),
        ("unique", spec.unique.is_some()),
        ("identifier", spec.identifier.is_some()),
        ("check", spec.check.is_some()),
        ("reference", spec.reference.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(k, _)| *k)
    .collect();
    let kind_name = match kinds.as_slice() {
        [one] => *one,
        [] => {
            d.span(&value.span(), format!("{what} says nothing to check: give one of range, allowed, pattern, length, unique, identifier, check, reference"));
            return None;
        }
        [first, second, ..] => {
            d.span(
                &value.span(),
                format!("{what} has both `{first}` and `{second}`: write one rule per check"),
            );
            return None;
        }
    };
    let column = match (&spec.column, kind_name) {
        (None, "check") => None,
        (None, _) => {
            d.span(
                &value.span(),
                format!("{what}: a `{kind_name}` rule needs `column = \"<declared column>\"`"),
            );
            return None;
        }
        (Some(name), _) => match columns.iter().position(|c| &c.name == name.get_ref()) {
            Some(i) => Some(i),
            None => {
                let hint = did_you_mean(name.get_ref(), columns.iter().map(|c| c.name.as_str()));
                d.span(&name.span(), format!("{what}: column `{}` is not declared in [sources.{source_id}.columns]{hint}", name.get_ref()));
                return None;
            }
        },
    };
    let column_type = column.map(|i| columns[i].kind);
    let type_error = |d: &mut Diagnostics, needs: &str| {
        let name = column.map(|i| columns[i].name.as_str()).unwrap_or("");
        d.span(
            &value.span(),
            format!(
                "{what}: a `{kind_name}` rule needs {needs}, but column `{name}` is {}",
                type_name(column_type)
            ),
        );
    };
    let mut reference = None;
    let kind = match kind_name {
        "range" => {
            let range = spec.range.as_ref().expect("set");
            let dates = column_type == Some(ColumnType::Date);
            if !matches!(
                column_type,
                Some(ColumnType::Int | ColumnType::Number | ColumnType::Money | ColumnType::Date)
            ) {
                type_error(d, "a number, money or date column");
                return None;
            }
            let bound = |d: &mut Diagnostics, v: &Option<toml::Value>| -> Option<Option<Bound>> {
                match v {
                    None => Some(None),
                    Some(toml::Value::Integer(i)) if !dates => Some(Some(Bound::Number(*i as f64))),
                    Some(toml::Value::Float(f)) if !dates => Some(Some(Bound::Number(*f))),
                    Some(toml::Value::String(t)) if dates => match parse_iso_date(t) {
                        Some(x) => Some(Some(Bound::Date(x))),
                        None => {
                            d.span(
                                &range.span(),
                                format!("{what}: `{t}` is not a date (write 2024-01-01)"),
                            );
                            None
                        }
                    },
                    Some(toml::Value::Datetime(t)) if dates => {
                        parse_iso_date(&t.to_string()).map(|x| Some(Bound::Date(x)))
                    }
                    Some(other) => {
                        let needs = if dates {
                            "a date such as \"2024-01-01\""
                        } else {
                            "a number"
                        };
                        d.span(
                            &range.span(),
                            format!("{what}: bound `{other}` should be {needs}"),
                        );
                        None
                    }
                }
            };
            let min = bound(d, &range.get_ref().min)?;
            let max = bound(d, &range.get_ref().max)?;
            RuleKind::Range { min, max }
        }
        "allowed" => {
            if !matches!(column_type, Some(ColumnType::Text | ColumnType::Enum)) {
                type_error(d, "a text or enum column");
                return None;
            }
            RuleKind::Allowed(spec.allowed.clone().expect("set"))
        }
        "pattern" => {
            let pattern = spec.pattern.as_ref().expect("set");
            if column_type != Some(ColumnType::Text) {
                type_error(d, "a text column");
                return None;
            }
            match regex::Regex::new(&format!("^(?:{})$", pattern.get_ref())) {
                Ok(re) => RuleKind::Pattern(re),
                Err(e) => {
                    d.span(
                        &pattern.span(),
                        format!("{what}: pattern is not a valid regular expression: {e}"),
                    );
                    return None;
                }
            }
        }
        "length" => {
            if column_type != Some(ColumnType::Text) {
                type_error(d, "a text column");
                return None;
            }
            let l = spec.length.expect("set");
            RuleKind::Length {
                min: l.min,
                max: l.max,
            }
        }
        "unique" => RuleKind::Unique(spec.unique.expect("set")),
        "identifier" => {
            if column_type != Some(ColumnType::Text) {
                type_error(d, "a text column");
                return None;
            }
            RuleKind::Identifier(spec.identifier.expect("set"))
        }
        "check" => {
            let sql_text = spec.check.as_ref().expect("set");
            check_sql(d, what, "check", sql_text, Some((source_id, columns)))?;
            let named = sql::column_refs(sql_text.get_ref())
                .into_iter()
                .filter_map(|r| columns.iter().position(|c| c.name == r.name))
                .collect();
            RuleKind::Check {
                sql: sql_text.get_ref().clone(),
                columns: named,
            }
        }
        _ => {
            reference = spec.reference.clone();
            // Resolved once every source is compiled.
            RuleKind::Reference {
                source: usize::MAX,
                column: usize::MAX,
            }
        }
    };
    let default_severity = match kind {
        RuleKind::Identifier(IdentifierKind::CreditCode) => Severity::Warning,
        _ => Severity::Error,
    };
    let rule = Rule {
        name: spec.name.unwrap_or_else(|| kind_name.to_string()),
        column,
        kind,
        severity: spec.severity.unwrap_or(default_severity),
        message: spec.message,
    };
    Some((rule, reference))
}

fn type_name(kind: Option<ColumnType>) -> &'static str {
    match kind {
        Some(ColumnType::Text) => "text",
        Some(ColumnType::Int) => "int",
        Some(ColumnType::Number) => "number",
        Some(ColumnType::Money) => "money",
        Some(ColumnType::Date) => "date",
        Some(ColumnType::Bool) => "bool",
        Some(ColumnType::Enum) => "enum",
        None => "not given",
    }
}

fn parse_iso_date(text: &str) -> Option<i32> {
    let date = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((date - epoch).num_days() as i32)
}
