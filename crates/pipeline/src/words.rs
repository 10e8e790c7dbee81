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
                let column = column_name(left)?;
                let dated = column_type(&column) == Some(ColumnType::Date);
                let value = match (literal(right), column_name(right)) {
                    (Some(v), _) if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) => {
                        format!("“{v}”")
                    }
                    (Some(v), _) => v,
                    (None, Some(other)) => format!("“{other}”"),
                    (None, None) => return None,
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
                Some(format!("“{column}”{verb}{value}"))
            }
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_expr;

    fn describe(sql: &str, filter: Option<&str>) -> Option<String> {
        let types = |c: &str| match c {
            "受理日期" => Some(ColumnType::Date),
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
    }
}
