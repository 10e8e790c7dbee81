//! The statement as the analyst meant it, before polars runs it — each change said on
//! stderr:
//!
//! - a ratio is a ratio: `sum(追发工资) / sum(涉及金额)` divides two decimals of scale 2, and
//!   polars keeps that scale (0.82 for 0.8183); every division is made in floating point
//!   (exact to about 1e-15), whatever its operands' types;
//! - a declared alias of an enum value means the value: `办理状态 = '结案'` matched nothing
//!   (the store holds 已结案); it is read as `办理状态 = '已结案'`, and a word that is neither
//!   a value nor an alias is a warning naming the values;
//! - a bare `count(*)` is named `count(*)` (polars would call it `len`).

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, ExactNumberInfo, Expr, Ident, Query, SelectItem, SetExpr,
    Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::Catalog;

/// The SQL to run and what was changed or doubted, in words.
pub struct Rewritten {
    pub sql: String,
    pub notes: Vec<String>,
}

/// `sql` as it is meant (see the module doc). SQL that does not parse is returned as it is
/// (polars' own parse reports the error).
pub fn rewrite(catalog: &Catalog, sql: &str) -> Rewritten {
    let unchanged = || Rewritten {
        sql: sql.to_string(),
        notes: Vec::new(),
    };
    let Ok(mut statements) = Parser::parse_sql(&GenericDialect, sql) else {
        return unchanged();
    };
    let mut notes = Vec::new();
    let mut changed = false;
    for statement in &mut statements {
        let mut names = CountNames::default();
        let _ = statement.visit(&mut names);
        changed |= names.named;
        let _ = sqlparser::ast::visit_expressions_mut(statement, |expr| {
            changed |= as_ratio(expr);
            changed |= enum_words(catalog, expr, &mut notes);
            ControlFlow::<()>::Continue(())
        });
    }
    if !changed {
        return Rewritten {
            sql: sql.to_string(),
            notes,
        };
    }
    let sql = statements
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Rewritten { sql, notes }
}

/// Names each unnamed `count(*)` of a SELECT list after itself.
#[derive(Default)]
struct CountNames {
    named: bool,
}

impl VisitorMut for CountNames {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let mut bodies = vec![query.body.as_mut()];
        while let Some(body) = bodies.pop() {
            match body {
                SetExpr::Select(select) => {
                    for item in &mut select.projection {
                        let SelectItem::UnnamedExpr(expr) = item else {
                            continue;
                        };
                        let is_count = matches!(&*expr, Expr::Function(f)
                            if f.over.is_none() && f.name.to_string().eq_ignore_ascii_case("count"));
                        if is_count {
                            let alias = Ident::with_quote('"', expr.to_string());
                            let expr = std::mem::replace(expr, Expr::value(Value::Null));
                            *item = SelectItem::ExprWithAlias { expr, alias };
                            self.named = true;
                        }
                    }
                }
                SetExpr::SetOperation { left, right, .. } => {
                    bodies.extend([left.as_mut(), right.as_mut()])
                }
                _ => {}
            }
        }
        ControlFlow::Continue(())
    }
}

fn as_double(expr: Expr) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type: DataType::Double(ExactNumberInfo::None),
        array: false,
        format: None,
    }
}

/// `a / b` → `CAST(a AS DOUBLE) / CAST(b AS DOUBLE)`.
fn as_ratio(expr: &mut Expr) -> bool {
    let Expr::BinaryOp {
        left,
        op: BinaryOperator::Divide,
        right,
    } = expr
    else {
        return false;
    };
    let is_double = |e: &Expr| {
        matches!(
            e,
            Expr::Cast {
                data_type: DataType::Double(_),
                ..
            }
        )
    };
    if is_double(left) && is_double(right) {
        return false;
    }
    for side in [left, right] {
        if !is_double(side) {
            let inner = std::mem::replace(side.as_mut(), Expr::value(Value::Null));
            **side = as_double(inner);
        }
    }
    true
}

/// The enum column a name is, with its (value, aliases), in any table of the catalog.
fn enum_column<'c>(catalog: &'c Catalog, name: &str) -> Option<&'c [(String, Vec<String>)]> {
    catalog
        .tables
        .iter()
        .flat_map(|t| &t.columns)
        .find(|c| c.name == name && !c.values.is_empty())
        .map(|c| c.values.as_slice())
}

fn column_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Identifier(ident) => Some(&ident.value),
        Expr::CompoundIdentifier(parts) => parts.last().map(|p| p.value.as_str()),
        _ => None,
    }
}

fn text_literal(expr: &mut Expr) -> Option<&mut String> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::SingleQuotedString(text),
            ..
        }) => Some(text),
        _ => None,
    }
}

/// Literals compared with an enum column (`=`, `<>`, `IN (…)`): an alias becomes its value,
/// an unknown word is doubted.
fn enum_words(catalog: &Catalog, expr: &mut Expr, notes: &mut Vec<String>) -> bool {
    let (column, literals): (&str, Vec<&mut Expr>) = match expr {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq | BinaryOperator::NotEq,
            right,
        } => match (column_name(left), column_name(right)) {
            (Some(c), _) => (c, vec![right.as_mut()]),
            (None, Some(c)) => (c, vec![left.as_mut()]),
            _ => return false,
        },
        Expr::InList { expr, list, .. } => match column_name(expr) {
            Some(c) => (c, list.iter_mut().collect()),
            None => return false,
        },
        _ => return false,
    };
    let Some(values) = enum_column(catalog, column) else {
        return false;
    };
    let column = column.to_string();
    let mut changed = false;
    for literal in literals {
        let Some(text) = text_literal(literal) else {
            continue;
        };
        if values.iter().any(|(value, _)| value == text) {
            continue;
        }
        match values.iter().find(|(_, aliases)| aliases.contains(text)) {
            Some((value, _)) => {
                notes.push(format!(
                    "“{text}”是“{column}”的取值“{value}”的别名（台账里写作“{text}”的单元格已按“{value}”入库），已按“{value}”查询"
                ));
                *text = value.clone();
                changed = true;
            }
            None => {
                let allowed: Vec<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
                notes.push(format!(
                    "警告：“{text}”不是“{column}”的取值，查不到任何行；它的取值为：{}",
                    allowed.join("、")
                ));
            }
        }
    }
    changed
}
