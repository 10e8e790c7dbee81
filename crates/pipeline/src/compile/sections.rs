//! Reading one TOML table into its spec struct: type errors and unknown keys become
//! diagnostics at their position, with the keys the section accepts.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use crate::diagnostics::{did_you_mean, Diagnostics};

pub(super) fn entry<'a, 'i>(table: &'a DeTable<'i>, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
    table
        .iter()
        .find(|(k, _)| {
            let name: &str = k.get_ref();
            name == key
        })
        .map(|(_, v)| v)
}

pub(super) fn entry_value<'a, 'i>(
    value: &'a Spanned<DeValue<'i>>,
    key: &str,
) -> Option<&'a Spanned<DeValue<'i>>> {
    match value.get_ref() {
        DeValue::Table(t) => entry(t, key),
        _ => None,
    }
}

pub(super) fn table_of<'a, 'i>(
    d: &mut Diagnostics,
    value: Option<&'a Spanned<DeValue<'i>>>,
    what: &str,
) -> Option<&'a DeTable<'i>> {
    match value.map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Table(t))) => Some(t),
        Some((v, _)) => {
            d.span(
                &v.span(),
                format!("`{what}` 应写成一组表，每个一个 [{what}.<名字>]"),
            );
            None
        }
        None => None,
    }
}

/// A string value of a table, with its span, read without deserializing the table (for a
/// section that failed to deserialize as a whole).
pub(super) fn raw_string(value: &Spanned<DeValue<'_>>, key: &str) -> Option<Spanned<String>> {
    let v = entry_value(value, key)?;
    match v.get_ref() {
        DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
        _ => None,
    }
}

/// Deserializes one section; type errors and unknown keys become diagnostics.
pub(super) fn section<T: DeserializeOwned>(
    d: &mut Diagnostics,
    value: &Spanned<DeValue<'_>>,
    what: &str,
) -> Option<T> {
    section_with(d, value, what, &[])
}

/// Like `section`, for a table whose `delegated` keys are deserialized on their own later
/// (their contents are not unknown keys).
pub(super) fn section_with<T: DeserializeOwned>(
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
        let allowed = match path.split_once('.') {
            Some((parent, _)) => nested_keys(what, parent),
            None => known_keys(what),
        };
        let hint = did_you_mean(&key, allowed.iter().copied());
        let list = if allowed.is_empty() {
            String::new()
        } else {
            format!("（这里可以写：{}）", allowed.join("、"))
        };
        d.span(&span, format!("{what}：没有 `{path}` 这一项{hint}{list}"));
    }
    match result {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            let span = e.span().unwrap_or_else(|| value.span());
            d.span(
                &span,
                format!("{what}：{}", plain_words(e.message().trim())),
            );
            None
        }
    }
}

/// Keys of a table inside a section (`entries = [{ code, name }]`, `submitter = { from }`).
fn nested_keys(what: &str, parent: &str) -> &'static [&'static str] {
    match (what, parent) {
        (w, "entries") if w.starts_with("[roster]") => &[
            "code",
            "name",
            "kind",
            "aliases",
            "valid_from",
            "valid_until",
            "succeeds",
            "values",
        ],
        (w, "submitter") if w.starts_with("[sources.") => &["from", "label", "column"],
        (w, "range" | "length") if w.starts_with("[[sources.") => &["min", "max"],
        (w, "reference") if w.starts_with("[[sources.") => &["source", "column"],
        (w, "columns") if w.starts_with("[[report.sheets]]") => {
            &["header", "value", "display", "window", "compare", "below"]
        }
        _ => &[],
    }
}

/// Keys a section accepts, for "did you mean" hints.
fn known_keys(what: &str) -> &'static [&'static str] {
    if what.starts_with("[pipeline]") {
        &[
            "name",
            "title",
            "period",
            "output",
            "data",
            "reporter",
            "month_ends_on",
            "due_days",
        ]
    } else if what.starts_with("[roster]") {
        &["file", "entries", "constants"]
    } else if what.starts_with("[report]") {
        &["sheets", "charts", "lists", "headline"]
    } else if what.starts_with("[settings.") {
        &["value", "label", "note"]
    } else if what.starts_with("[limits]") {
        &["file_mb", "unpacked_mb", "compression_ratio", "sheet_cells"]
    } else if what.starts_with("[[sources.") {
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
    } else if what.starts_with("[sources.") && what.contains(".columns]") {
        &[
            "aliases",
            "type",
            "required",
            "unit",
            "working_days",
            "derive",
            "values",
        ]
    } else if what.starts_with("[sources.") {
        &[
            "title",
            "kind",
            "files",
            "sheet",
            "submitter",
            "period_column",
            "submission",
            "key",
            "columns",
            "rules",
            "use_total_row",
            "check_totals",
        ]
    } else if what.starts_with("[[reconcile]]") {
        &["name", "summary", "pairs", "severity"]
    } else if what.starts_with("[[queries]]") {
        &["name", "sql", "note"]
    } else if what.starts_with("[[plausibility]]") {
        &[
            "name",
            "figure",
            "against",
            "max_change_percent",
            "max_change_points",
            "min_base",
            "outlier",
            "relation",
        ]
    } else if what.starts_with("[measures.") {
        &["source", "sql", "filter", "date", "label"]
    } else if what.starts_with("[indicators.") {
        &["expr", "label", "display"]
    } else if what.starts_with("[[report.sheets]]") {
        &[
            "name",
            "title",
            "unit",
            "total",
            "show_codes",
            "subtotals",
            "rows",
            "form",
            "row_header",
            "sort",
            "total_label",
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

/// serde's names of TOML values ("a string", "integer `3`", "a sequence") in words.
fn serde_words(what: &str) -> String {
    let (kind, value) = match what.split_once(' ') {
        Some((kind, value)) if value.starts_with('`') || value.starts_with('"') => (kind, value),
        _ => (what, ""),
    };
    let kind = kind.trim_start_matches("a ").trim_start_matches("an ");
    let words = match kind.trim() {
        "string" | "str" => "文字（加引号）",
        "integer" | "i64" | "u64" | "u32" | "usize" => "整数",
        "float" | "f64" => "数字",
        "boolean" | "bool" => "true/false",
        "sequence" | "array" => "列表 [...]",
        "map" | "table" | "struct" => "表 {...}",
        "datetime" => "日期时间",
        "unit" | "unit value" => "空值",
        other if other.starts_with("struct ") || other.starts_with("map") => "表 {...}",
        _ => return what.to_string(),
    };
    match value {
        "" => words.to_string(),
        value => format!("{words} {value}"),
    }
}

/// serde's wording of the common mistakes, said plainly: "unknown variant `万元x`, expected
/// one of `count`, `万元`" → "`万元x` is not one of: count, 万元".
fn plain_words(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        if let Some((value, expected)) = rest.split_once(", expected one of ") {
            return format!(
                "{value} 不是可用的值；可用：{}",
                expected.replace('`', "").replace(", ", "、")
            );
        }
        if let Some((value, expected)) = rest.split_once(", expected ") {
            return format!("这里不能写 {value}；应写 {}", expected.replace('`', ""));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // "expected one of `a`, `b`", "expected `a` or `b`", "expected `a`".
        let listed = rest
            .split_once(", expected one of ")
            .or_else(|| rest.split_once(", expected "));
        if let Some((key, expected)) = listed {
            let allowed: Vec<String> = expected
                .split(", ")
                .flat_map(|k| k.split(" or "))
                .map(|k| k.trim_matches('`').to_string())
                .filter(|k| !k.is_empty())
                .collect();
            let hint = did_you_mean(key.trim_matches('`'), allowed.iter().map(String::as_str));
            return format!(
                "没有 {key} 这一项{hint}（这里可以写：{}）",
                allowed.join("、")
            );
        }
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("缺少 {field}，这一项必须写");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            return format!(
                "这里写的是{}，应是{}",
                serde_words(found),
                serde_words(expected)
            );
        }
    }
    message.to_string()
}
