//! `[[sources.<id>.rules]]`: one validation rule, its kind checked against its column's type.

use toml::de::DeValue;
use toml::Spanned;

use super::measure::{check_sql, check_types, fill_sql};
use crate::diagnostics::{did_you_mean, Diagnostics};
use crate::evaluate;
use crate::spec::*;
use crate::sql::{self, SqlType};
use crate::{Bound, Column, Placeholders, Rule, RuleKind};
use finding::Severity;

/// The kind keys one `[[rules]]` entry sets, typed: the compiler matches on these.
#[derive(Clone, Copy)]
enum RuleCheck<'a> {
    Range(&'a Spanned<RangeSpec>),
    Allowed(&'a [String]),
    Pattern(&'a Spanned<String>),
    Length(LengthSpec),
    Unique(UniqueScope),
    Identifier(IdentifierKind),
    Check(&'a Spanned<String>),
    Reference(&'a ReferenceSpec),
}

impl<'a> RuleCheck<'a> {
    /// Every kind key the entry sets, in the order the keys are documented.
    fn all_set(spec: &'a RuleSpec) -> Vec<RuleCheck<'a>> {
        [
            spec.range.as_ref().map(RuleCheck::Range),
            spec.allowed.as_deref().map(RuleCheck::Allowed),
            spec.pattern.as_ref().map(RuleCheck::Pattern),
            spec.length.map(RuleCheck::Length),
            spec.unique.map(RuleCheck::Unique),
            spec.identifier.map(RuleCheck::Identifier),
            spec.check.as_ref().map(RuleCheck::Check),
            spec.reference.as_ref().map(RuleCheck::Reference),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// The key as written in the pipeline file.
    fn key(self) -> &'static str {
        match self {
            RuleCheck::Range(_) => "range",
            RuleCheck::Allowed(_) => "allowed",
            RuleCheck::Pattern(_) => "pattern",
            RuleCheck::Length(_) => "length",
            RuleCheck::Unique(_) => "unique",
            RuleCheck::Identifier(_) => "identifier",
            RuleCheck::Check(_) => "check",
            RuleCheck::Reference(_) => "reference",
        }
    }
}

/// Checks and converts one rule. Rule kinds and their column types must agree.
pub(super) fn compile_rule(
    d: &mut Diagnostics,
    what: &str,
    source_id: &str,
    value: &Spanned<DeValue<'_>>,
    spec: RuleSpec,
    columns: &[Column],
    placeholders: &Placeholders,
) -> Option<(Rule, Option<ReferenceSpec>)> {
    let checks = RuleCheck::all_set(&spec);
    let check = match checks.as_slice() {
        [one] => *one,
        [] => {
            d.span(&value.span(), format!("{what} 没有说要检查什么：请写 range、allowed、pattern、length、unique、identifier、check、reference 中的一项"));
            return None;
        }
        [first, second, ..] => {
            d.span(
                &value.span(),
                format!(
                    "{what} 同时写了 `{}` 和 `{}`：每条规则只检查一项，请分成两条",
                    first.key(),
                    second.key()
                ),
            );
            return None;
        }
    };
    let kind_name = check.key();
    let column = rule_column(d, what, source_id, value, &spec, check, columns)?;
    let column_type = column.map(|i| columns[i].kind);
    let type_error = |d: &mut Diagnostics, needs: &str| {
        let name = column.map(|i| columns[i].name.as_str()).unwrap_or("");
        d.span(
            &value.span(),
            format!(
                "{what}：`{kind_name}` 规则要用于{needs}，但列 `{name}` 是{}",
                type_name(column_type)
            ),
        );
    };
    let mut reference = None;
    let kind = match check {
        RuleCheck::Range(range) => {
            let dates = column_type == Some(ColumnType::Date);
            if !matches!(
                column_type,
                Some(ColumnType::Int | ColumnType::Number | ColumnType::Money | ColumnType::Date)
            ) {
                type_error(d, "数字、金额或日期列");
                return None;
            }
            compile_range(d, what, range, dates)?
        }
        RuleCheck::Allowed(allowed) => {
            if !matches!(column_type, Some(ColumnType::Text | ColumnType::Enum)) {
                type_error(d, "文字或选项（enum）列");
                return None;
            }
            RuleKind::Allowed(allowed.to_vec())
        }
        RuleCheck::Pattern(pattern) => {
            if column_type != Some(ColumnType::Text) {
                type_error(d, "文字列");
                return None;
            }
            match regex::Regex::new(&format!("^(?:{})$", pattern.get_ref())) {
                Ok(re) => RuleKind::Pattern(re),
                Err(e) => {
                    d.span(
                        &pattern.span(),
                        format!("{what}：pattern 不是有效的正则表达式（{e}）"),
                    );
                    return None;
                }
            }
        }
        RuleCheck::Length(l) => {
            if column_type != Some(ColumnType::Text) {
                type_error(d, "文字列");
                return None;
            }
            RuleKind::Length {
                min: l.min,
                max: l.max,
            }
        }
        RuleCheck::Unique(scope) => RuleKind::Unique(scope),
        RuleCheck::Identifier(kind) => {
            if column_type != Some(ColumnType::Text) {
                type_error(d, "文字列");
                return None;
            }
            RuleKind::Identifier(kind)
        }
        RuleCheck::Check(sql_text) => {
            compile_check(d, what, source_id, sql_text, columns, placeholders)?
        }
        RuleCheck::Reference(target) => {
            reference = Some(target.clone());
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

/// The declared column a rule checks: `Some(None)` for a `check` over the whole row,
/// `None` (said) when a rule that needs a column names none or an undeclared one.
fn rule_column(
    d: &mut Diagnostics,
    what: &str,
    source_id: &str,
    value: &Spanned<DeValue<'_>>,
    spec: &RuleSpec,
    check: RuleCheck,
    columns: &[Column],
) -> Option<Option<usize>> {
    let kind_name = check.key();
    match (&spec.column, check) {
        (None, RuleCheck::Check(_)) => Some(None),
        (None, _) => {
            d.span(
                &value.span(),
                format!("{what}：`{kind_name}` 规则需要写 `column = \"<已声明的列>\"`"),
            );
            None
        }
        (Some(name), _) => match columns.iter().position(|c| &c.name == name.get_ref()) {
            Some(i) => Some(Some(i)),
            None => {
                let hint = did_you_mean(name.get_ref(), columns.iter().map(|c| c.name.as_str()));
                d.span(
                    &name.span(),
                    format!(
                        "{what}：列 `{}` 没有在 [sources.{source_id}.columns] 中声明{hint}",
                        name.get_ref()
                    ),
                );
                None
            }
        },
    }
}

/// `range = { min, max }`: numbers for a number or money column, dates for a date column;
/// either bound may be left out. `None` (said at the range) when a bound is of another kind.
fn compile_range(
    d: &mut Diagnostics,
    what: &str,
    range: &Spanned<RangeSpec>,
    dates: bool,
) -> Option<RuleKind> {
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
                        format!("{what}：`{t}` 不是日期（应写成 2024-01-01）"),
                    );
                    None
                }
            },
            Some(toml::Value::Datetime(t)) if dates => {
                parse_iso_date(&t.to_string()).map(|x| Some(Bound::Date(x)))
            }
            Some(other) => {
                let needs = if dates {
                    "日期，例如 \"2024-01-01\""
                } else {
                    "数字"
                };
                d.span(&range.span(), format!("{what}：界限 `{other}` 应是{needs}"));
                None
            }
        }
    };
    let min = bound(d, &range.get_ref().min)?;
    let max = bound(d, &range.get_ref().max)?;
    Some(RuleKind::Range { min, max })
}

/// `check = "<SQL condition>"`: placeholders filled, columns and types checked (a condition,
/// not a value), dry-run on an empty frame of the source's columns.
fn compile_check(
    d: &mut Diagnostics,
    what: &str,
    source_id: &str,
    sql_text: &Spanned<String>,
    columns: &[Column],
    placeholders: &Placeholders,
) -> Option<RuleKind> {
    let filled = fill_sql(d, what, "check", sql_text, placeholders)?;
    let source = Some((source_id, columns));
    let expr = check_sql(d, what, "check", &filled, source)?;
    let column_type = |name: &str| columns.iter().find(|c| c.name == name).map(|c| c.kind);
    let typed = check_types(d, what, "check", &filled, &expr, &column_type, |t| {
        matches!(t, SqlType::Text | SqlType::Date | SqlType::Number).then(|| {
            format!(
                "得出的是{}，但 check 应是每一行都满足的条件（例如 结案日期 >= 受理日期）",
                t.words()
            )
        })
    });
    if !typed {
        return None;
    }
    if let Err(message) = evaluate::dry_run_check(source_id, columns, &filled.filled.text) {
        d.span(&sql_text.span(), format!("{what}：{message}"));
        return None;
    }
    let named = sql::column_refs(&filled.filled.text)
        .into_iter()
        .filter_map(|r| columns.iter().position(|c| c.name == r.name))
        .collect();
    Some(RuleKind::Check {
        sql: filled.filled.text,
        columns: named,
    })
}

pub(super) fn type_name(kind: Option<ColumnType>) -> &'static str {
    match kind {
        Some(ColumnType::Text) => "文字列（text）",
        Some(ColumnType::Int) => "整数列（int）",
        Some(ColumnType::Number) => "数字列（number）",
        Some(ColumnType::Money) => "金额列（money）",
        Some(ColumnType::Date) => "日期列（date）",
        Some(ColumnType::Bool) => "是/否列（bool）",
        Some(ColumnType::Enum) => "选项列（enum）",
        None => "没有写类型的列",
    }
}

fn parse_iso_date(text: &str) -> Option<i32> {
    let date = chrono::NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    Some((date - epoch).num_days() as i32)
}
