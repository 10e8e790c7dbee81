//! Rules that look at one cell: range, allowed values, pattern, length and identifiers.
//! They run while a sheet is read (ingest calls [`check_cell`]), where the value as written
//! and its cell reference are at hand, so a finding costs no second pass over the data.

use super::identifiers::{check_credit_code, check_id_card, mask_id_card, IdProblem};
use finding::Severity;
use pipeline::spec::IdentifierKind;
use pipeline::{Bound, Column, Rule, RuleKind};

/// A parsed cell as the rules see it.
#[derive(Debug, Clone, Copy)]
pub enum CellValue<'a> {
    Text(&'a str),
    /// Int, number or money (money in 元, converted from fen).
    Number(f64),
    /// Days since 1970-01-01.
    Date(i32),
    Other,
}

/// One broken rule: its severity and the message, in Chinese.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    pub severity: Severity,
    pub message: String,
}

/// Checks one non-empty cell against one cell rule; `written` is the value as written.
/// `is_code` tells whether a text is a roster code (for `identifier = "roster_code"`).
pub fn check_cell(
    rule: &Rule,
    column: &Column,
    value: CellValue,
    written: &str,
    is_code: &dyn Fn(&str) -> bool,
) -> Option<Broken> {
    let fill = |default: String, min: &str, max: &str| Broken {
        severity: rule.severity,
        message: fill_template(
            rule.message.as_deref(),
            &default,
            &column.name,
            written,
            min,
            max,
        ),
    };
    match (&rule.kind, value) {
        (RuleKind::Range { min, max }, value) => {
            if beyond(min, value, true) || beyond(max, value, false) {
                let (lo, hi) = (bound_text(min), bound_text(max));
                return Some(fill(
                    format!(
                        "“{}”的值“{written}”超出允许范围（{lo} ～ {hi}）",
                        column.name
                    ),
                    &lo,
                    &hi,
                ));
            }
            None
        }
        (RuleKind::Allowed(values), CellValue::Text(text)) => {
            if values.iter().any(|v| v == text) {
                return None;
            }
            Some(fill(
                format!(
                    "“{}”的值“{written}”不在允许的取值中（{}）",
                    column.name,
                    values.join("、")
                ),
                "",
                "",
            ))
        }
        (RuleKind::Pattern(re), CellValue::Text(text)) => {
            if re.is_match(text) {
                return None;
            }
            Some(fill(
                format!("“{}”的值“{written}”格式不符合要求", column.name),
                "",
                "",
            ))
        }
        (RuleKind::Length { min, max }, CellValue::Text(text)) => {
            let n = text.chars().count();
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                let (lo, hi) = (
                    min.map(|m| m.to_string()).unwrap_or_default(),
                    max.map(|m| m.to_string()).unwrap_or_default(),
                );
                return Some(fill(
                    format!(
                        "“{}”的长度应为{lo}～{hi}个字符，“{written}”为{n}个",
                        column.name
                    ),
                    &lo,
                    &hi,
                ));
            }
            None
        }
        (RuleKind::Identifier(kind), CellValue::Text(text)) => {
            let result = match kind {
                IdentifierKind::CreditCode => check_credit_code(text),
                IdentifierKind::IdCard => check_id_card(text),
                IdentifierKind::RosterCode if is_code(text.trim()) => Ok(()),
                IdentifierKind::RosterCode => Err(IdProblem::Format(format!(
                    "“{written}”不是报送单位名单中的代码"
                ))),
            };
            match result {
                Ok(()) => None,
                // A malformed identifier is always an error; a failed check digit takes
                // the rule's severity (default warning for credit codes).
                Err(IdProblem::Format(m)) => Some(Broken {
                    severity: Severity::Error,
                    message: fill_template(
                        rule.message.as_deref(),
                        &m,
                        &column.name,
                        written,
                        "",
                        "",
                    ),
                }),
                Err(IdProblem::CheckDigit(m)) => Some(fill(m, "", "")),
            }
        }
        _ => None,
    }
}

/// Whether `value` lies beyond `bound`: below it (`below`) or above it; never for a
/// missing bound or a value of the other kind (a number against a date bound).
fn beyond(bound: &Option<Bound>, value: CellValue, below: bool) -> bool {
    let ordering = match (bound, value) {
        (Some(Bound::Number(b)), CellValue::Number(v)) => v.partial_cmp(b),
        (Some(Bound::Date(b)), CellValue::Date(v)) => Some(v.cmp(b)),
        _ => None,
    };
    match ordering {
        Some(std::cmp::Ordering::Less) => below,
        Some(std::cmp::Ordering::Greater) => !below,
        _ => false,
    }
}

/// How a value is shown in findings: identity numbers masked.
pub fn shown_value(column_rules: &[&Rule], written: &str) -> String {
    let is_id = column_rules
        .iter()
        .any(|r| matches!(r.kind, RuleKind::Identifier(IdentifierKind::IdCard)));
    if is_id {
        mask_id_card(written)
    } else {
        written.to_string()
    }
}

fn bound_text(bound: &Option<Bound>) -> String {
    match bound {
        None => String::new(),
        Some(Bound::Number(n)) if n.fract() == 0.0 => format!("{}", *n as i64),
        Some(Bound::Number(n)) => format!("{n}"),
        Some(Bound::Date(days)) => chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(*days as i64)))
            .map(|d| d.to_string())
            .unwrap_or_default(),
    }
}

/// Fills `{value}`, `{column}`, `{min}`, `{max}` in the pipeline's message, or uses the default.
pub fn fill_template(
    template: Option<&str>,
    default: &str,
    column: &str,
    value: &str,
    min: &str,
    max: &str,
) -> String {
    match template {
        Some(t) => t
            .replace("{value}", value)
            .replace("{column}", column)
            .replace("{min}", min)
            .replace("{max}", max),
        None => default.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::ColumnType;

    fn column(kind: ColumnType) -> Column {
        Column {
            name: "涉及人数".into(),
            aliases: vec![],
            kind,
            required: false,
            money_in_wan: false,
            working_days: None,
            derive: None,
            values: vec![],
        }
    }

    fn rule(kind: RuleKind, severity: Severity, message: Option<&str>) -> Rule {
        Rule {
            name: "r".into(),
            column: Some(0),
            kind,
            severity,
            message: message.map(String::from),
        }
    }

    #[test]
    fn range_uses_the_template() {
        let r = rule(
            RuleKind::Range {
                min: Some(Bound::Number(1.0)),
                max: Some(Bound::Number(500.0)),
            },
            Severity::Error,
            Some("{column}应在{min}到{max}之间，填写的是{value}"),
        );
        let none = |_: &str| false;
        assert_eq!(
            check_cell(
                &r,
                &column(ColumnType::Int),
                CellValue::Number(20.0),
                "20",
                &none
            ),
            None
        );
        let broken = check_cell(
            &r,
            &column(ColumnType::Int),
            CellValue::Number(900.0),
            "900",
            &none,
        )
        .unwrap();
        assert_eq!(broken.message, "涉及人数应在1到500之间，填写的是900");
    }

    #[test]
    fn credit_code_check_digit_is_a_warning_but_format_is_an_error() {
        let r = rule(
            RuleKind::Identifier(IdentifierKind::CreditCode),
            Severity::Warning,
            None,
        );
        let c = column(ColumnType::Text);
        let none = |_: &str| false;
        let check = |v: &str| check_cell(&r, &c, CellValue::Text(v), v, &none);
        assert_eq!(check("91350100M000100Y43"), None);
        assert_eq!(
            check("91350100M000100Y44").unwrap().severity,
            Severity::Warning
        );
        assert_eq!(
            check("91350100M000100Y4").unwrap().severity,
            Severity::Error
        );
    }

    #[test]
    fn id_numbers_are_masked_in_findings() {
        let r = rule(
            RuleKind::Identifier(IdentifierKind::IdCard),
            Severity::Error,
            None,
        );
        assert_eq!(
            shown_value(&[&r], "11010519491231002X"),
            "110105********002X"
        );
    }
}
