//! Measures and their filters in words, for the 说明 under a report table: what a plain
//! measure counts or adds up ("投诉举报案件台账中“办理状态”为“已结案”的行数"), so that a reader
//! never sees a measure explained by its own name or by SQL.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value,
};

use super::spec::ColumnType;

/// What a measure computes, in a sentence; `None` when it is beyond these words (the 说明
/// then says nothing rather than something wrong).
pub fn describe_measure(
    sql: &Expr,
    filter: Option<&Expr>,
    source_title: &str,
    column_type: &dyn Fn(&str) -> Option<ColumnType>,
) -> Option<String> {
    let filter_words = match filter {
        Some(f) => Some(condition(f, column_type)?),
        None => None,
    };
    let rows = match &filter_words {
        Some(c) => format!("{source_title}中{c}的"),
        None => format!("{source_title}的"),
    };
    let Expr::Function(f) = sql else {
        return None;
    };
    let name = f.name.to_string().to_lowercase();
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let distinct = list.duplicate_treatment.is_some();
    let arg = list.args.first()?;
    let text = match (name.as_str(), arg) {
        ("count", FunctionArg::Unnamed(FunctionArgExpr::Wildcard)) => format!("{rows}行数"),
        ("count", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => {
            let column = column_name(e)?;
            if distinct {
                format!("{rows}不重复的“{column}”个数")
            } else {
                format!("{rows}“{column}”已填写的行数")
            }
        }
        ("sum", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => match e {
            Expr::Case {
                conditions,
                else_result,
                ..
            } if conditions.len() == 1
                && is_one(&conditions[0].result)
                && else_is_zero(else_result) =>
            {
                let c = condition(&conditions[0].condition, column_type)?;
                match &filter_words {
                    Some(f) => format!("{source_title}中{f}且{c}的行数"),
                    None => format!("{source_title}中{c}的行数"),
                }
            }
            _ => format!("{rows}“{}”之和", column_name(e)?),
        },
        ("avg" | "mean", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => {
            format!("{rows}“{}”的平均值", column_name(e)?)
        }
        ("max", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => {
            format!("{rows}“{}”的最大值", column_name(e)?)
        }
        ("min", FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => {
            format!("{rows}“{}”的最小值", column_name(e)?)
        }
        _ => return None,
    };
    Some(text)
}

fn is_one(e: &Expr) -> bool {
    matches!(e, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n == "1"))
}

fn else_is_zero(e: &Option<Box<Expr>>) -> bool {
    match e.as_deref() {
        None => true,
        Some(Expr::Value(v)) => matches!(&v.value, Value::Number(n, _) if n == "0"),
        _ => false,
    }
}

fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(ident) => Some(ident.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.clone()),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
            Value::Number(n, _) => Some(n.clone()),
            Value::Boolean(b) => Some(if *b { "是" } else { "否" }.into()),
            _ => None,
        },
        Expr::TypedString(ts) => Some(ts.value.to_string().trim_matches('\'').to_string()),
        _ => None,
    }
}

/// A condition in words: “办理状态”为“已结案”且“受理日期”不早于2024-07-01.
fn condition(e: &Expr, column_type: &dyn Fn(&str) -> Option<ColumnType>) -> Option<String> {
    match e {
        Expr::Nested(inner) => condition(inner, column_type),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
            let column = column_name(e)?;
            (column_type(&column) == Some(ColumnType::Bool)).then(|| format!("“{column}”为“是”"))
        }
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => Some(format!("不满足（{}）", condition(expr, column_type)?)),
        Expr::IsNull(inner) => Some(format!("“{}”未填写", column_name(inner)?)),
        Expr::IsNotNull(inner) => Some(format!("“{}”已填写", column_name(inner)?)),
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let values: Option<Vec<String>> = list.iter().map(literal).collect();
            let values: Vec<String> = values?.into_iter().map(|v| format!("“{v}”")).collect();
            let verb = if *negated { "不是" } else { "是" };
            Some(format!(
                "“{}”{verb}{}之一",
                column_name(expr)?,
                values.join("、")
            ))
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let (low, high) = (term(low)?, term(high)?);
            let verb = if *negated { "不在" } else { "在" };
            Some(format!(
                "“{}”{verb}{low}至{high}之间（含两端）",
                column_name(expr)?
            ))
        }
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::And => Some(format!(
                "{}且{}",
                condition(left, column_type)?,
                condition(right, column_type)?
            )),
            BinaryOperator::Or => Some(format!(
                "{}或{}",
                condition(left, column_type)?,
                condition(right, column_type)?
            )),
            _ => {
                let column = term(left)?;
                let dated = date_valued(left, column_type);
                let value = match literal(right) {
                    Some(v) if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) => {
                        format!("“{v}”")
                    }
                    _ => term(right)?,
                };
                let verb = match (op, dated) {
                    (BinaryOperator::Eq, _) => "为",
                    (BinaryOperator::NotEq, _) => "不为",
                    (BinaryOperator::Gt, false) => "大于",
                    (BinaryOperator::Gt, true) => "晚于",
                    (BinaryOperator::GtEq, false) => "不小于",
                    (BinaryOperator::GtEq, true) => "不早于",
                    (BinaryOperator::Lt, false) => "小于",
                    (BinaryOperator::Lt, true) => "早于",
                    (BinaryOperator::LtEq, false) => "不大于",
                    (BinaryOperator::LtEq, true) => "不晚于",
                    _ => return None,
                };
                Some(format!("{column}{verb}{value}"))
            }
        },
        _ => None,
    }
}

/// One side of a comparison in words: “受理日期”, 2024-07-01, 60, “受理日期”加60天,
/// “结案日期”减“受理日期”.
fn term(e: &Expr) -> Option<String> {
    match e {
        Expr::Nested(inner) => term(inner),
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => Some(format!("“{}”", column_name(e)?)),
        Expr::Interval(interval) => interval_words(interval),
        Expr::BinaryOp { left, op, right } => {
            let verb = match op {
                BinaryOperator::Plus => "加",
                BinaryOperator::Minus => "减",
                _ => return None,
            };
            Some(format!("{}{verb}{}", term(left)?, term(right)?))
        }
        _ => literal(e),
    }
}

/// Whether a side of a comparison is a date (a date column, a date literal, a date moved by
/// an interval), so that 早于/晚于 are said instead of 小于/大于.
fn date_valued(e: &Expr, column_type: &dyn Fn(&str) -> Option<ColumnType>) -> bool {
    match e {
        Expr::Nested(inner) => date_valued(inner, column_type),
        Expr::TypedString(_) => true,
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Plus | BinaryOperator::Minus,
            right,
        } => {
            date_valued(left, column_type)
                && matches!(right.as_ref(), Expr::Interval(_) | Expr::Value(_))
        }
        _ => column_name(e).is_some_and(|c| column_type(&c) == Some(ColumnType::Date)),
    }
}

/// `interval '30 days'`, `interval '60' day`, `interval 1 year` in words: 30天, 60天, 1年.
fn interval_words(interval: &sqlparser::ast::Interval) -> Option<String> {
    let written = literal(&interval.value)?;
    let mut parts = written.split_whitespace();
    let amount = parts.next()?;
    let unit = match (parts.next(), &interval.leading_field) {
        (Some(unit), None) => unit.to_lowercase(),
        (None, Some(field)) => field.to_string().to_lowercase(),
        _ => return None,
    };
    let unit = match unit.trim_end_matches('s') {
        "day" => "天",
        "week" => "周",
        "month" => "个月",
        "year" => "年",
        _ => return None,
    };
    amount.parse::<f64>().ok()?;
    Some(format!("{amount}{unit}"))
}

/// A measure beyond these words, said as written so that no note vanishes: the ledger, the
/// filter and the expression in the pipeline's own text.
pub fn measure_as_written(sql: &str, filter: Option<&str>, source_title: &str) -> String {
    match filter {
        Some(f) => format!("{source_title}中满足条件“{f}”的行按“{sql}”计算"),
        None => format!("{source_title}的行按“{sql}”计算"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_expr;

    fn describe(sql: &str, filter: Option<&str>) -> Option<String> {
        let types = |c: &str| match c {
            "受理日期" | "结案日期" => Some(ColumnType::Date),
            "是否立案" => Some(ColumnType::Bool),
            _ => Some(ColumnType::Text),
        };
        let filter = filter.map(|f| parse_expr(f).unwrap());
        describe_measure(&parse_expr(sql).unwrap(), filter.as_ref(), "台账", &types)
    }

    #[test]
    fn measures_in_words() {
        assert_eq!(describe("count(*)", None).unwrap(), "台账的行数");
        assert_eq!(
            describe("count(*)", Some("办理状态 = '已结案'")).unwrap(),
            "台账中“办理状态”为“已结案”的行数"
        );
        assert_eq!(
            describe(
                "count(*)",
                Some("是否立案 and 受理日期 >= date '2024-07-01'")
            )
            .unwrap(),
            "台账中“是否立案”为“是”且“受理日期”不早于2024-07-01的行数"
        );
        assert_eq!(
            describe("sum(追发工资)", None).unwrap(),
            "台账的“追发工资”之和"
        );
        assert_eq!(
            describe("count(distinct 被投诉单位)", None).unwrap(),
            "台账的不重复的“被投诉单位”个数"
        );
        assert_eq!(
            describe("sum(case when 办理状态 = '已结案' then 1 else 0 end)", None).unwrap(),
            "台账中“办理状态”为“已结案”的行数"
        );
        assert_eq!(describe("sum(a) / count(*)", None), None);
        assert_eq!(
            describe(
                "count(*)",
                Some("受理日期 between date '2024-01-01' and date '2024-06-30'")
            )
            .unwrap(),
            "台账中“受理日期”在2024-01-01至2024-06-30之间（含两端）的行数"
        );
        assert_eq!(
            describe(
                "count(*)",
                Some("结案日期 <= 受理日期 + interval '60 days'")
            )
            .unwrap(),
            "台账中“结案日期”不晚于“受理日期”加60天的行数"
        );
        assert_eq!(
            describe(
                "count(*)",
                Some("受理日期 > date '2024-12-31' - interval '3' month")
            )
            .unwrap(),
            "台账中“受理日期”晚于2024-12-31减3个月的行数"
        );
        assert_eq!(
            measure_as_written("sum(a) / count(*)", Some("a > 0"), "台账"),
            "台账中满足条件“a > 0”的行按“sum(a) / count(*)”计算"
        );
    }
}
