//! Reading the SQL written in a pipeline file before polars sees it: syntax errors with their
//! position, the columns an expression names (so an undeclared one is reported at its
//! line and column), the unit of a measure (count, money in fen, other number), and the
//! arithmetic of indicators.
//!
//! Measures and filters are later handed to `polars::sql::sql_expr` as written; indicators
//! are evaluated here (`Arith`), because they combine a handful of already-aggregated values
//! and need an explicit rule for a zero denominator.

use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::spec::ColumnType;

/// A problem in an SQL string, at a 0-based character offset inside that string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlProblem {
    pub offset: usize,
    pub message: String,
}

/// Parses one SQL expression; a syntax error carries its position inside the string.
pub fn parse_expr(sql: &str) -> Result<Expr, SqlProblem> {
    let mut parser = Parser::new(&GenericDialect)
        .try_with_sql(sql)
        .map_err(|e| problem_from_parser(sql, &e.to_string()))?;
    let expr = parser
        .parse_expr()
        .map_err(|e| problem_from_parser(sql, &e.to_string()))?;
    if parser.peek_token().token != Token::EOF {
        let location = parser.peek_token().span.start;
        return Err(SqlProblem {
            offset: offset_of(sql, location.line as usize, location.column as usize),
            message: format!("表达式之后多出了 `{}`", parser.peek_token()),
        });
    }
    Ok(expr)
}

/// sqlparser reports "… at Line: L, Column: C"; turn that into an offset and a clean message.
fn problem_from_parser(sql: &str, message: &str) -> SqlProblem {
    let message = message.trim_start_matches("sql parser error: ");
    let (text, offset) = match message.rfind(" at Line: ") {
        Some(at) => {
            let position = &message[at + " at Line: ".len()..];
            let mut numbers = position
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<usize>().unwrap_or(1));
            let line = numbers.next().unwrap_or(1);
            let column = numbers.next().unwrap_or(1);
            (&message[..at], offset_of(sql, line, column))
        }
        None => (message, 0),
    };
    SqlProblem {
        offset,
        message: parser_words(text),
    }
}

/// sqlparser's description of a syntax error ("Expected: an expression, found: EOF") in a
/// user's words; a description it does not know is kept as it is, after the words around it.
pub fn parser_words(message: &str) -> String {
    let message = message.trim_start_matches("sql parser error: ").trim();
    let Some((expected, found)) = message
        .strip_prefix("Expected: ")
        .and_then(|rest| rest.rsplit_once(", found: "))
    else {
        return format!("SQL 写得不对（{message}）");
    };
    let expected = match expected {
        "an expression" | "expression" => "一个表达式".to_string(),
        "end of statement" => "语句结束".to_string(),
        "identifier" | "an identifier" => "一个名字".to_string(),
        "a value" => "一个值".to_string(),
        "literal string" | "a literal string" => "一段加单引号的文字".to_string(),
        "SELECT, VALUES, or a subquery in the query body" => "SELECT 查询".to_string(),
        "joined table" => "要连接的表".to_string(),
        "(" | ")" | "," | "=" | "AS" | "BY" | "THEN" | "END" | "FROM" => format!("“{expected}”"),
        other => other.to_string(),
    };
    let found = match found {
        "EOF" => "结尾".to_string(),
        other => format!("“{other}”"),
    };
    format!("这里应是{expected}，却遇到{found}")
}

/// Character offset of a 1-based (line, column) inside `sql`.
fn offset_of(sql: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, text) in sql.split('\n').enumerate() {
        if index + 1 == line {
            return offset + column.saturating_sub(1).min(text.chars().count());
        }
        offset += text.chars().count() + 1;
    }
    sql.chars().count()
}

/// A column named in an SQL expression, with its character offset in the string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnRef {
    pub name: String,
    pub offset: usize,
}

/// Every column reference in `sql`: identifiers that are not keywords and not function names.
pub fn column_refs(sql: &str) -> Vec<ColumnRef> {
    let Ok(tokens) = Tokenizer::new(&GenericDialect, sql).tokenize_with_location() else {
        return Vec::new();
    };
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut refs = Vec::new();
    for (i, token) in significant.iter().enumerate() {
        let Token::Word(word) = &token.token else {
            continue;
        };
        let quoted = word.quote_style.is_some();
        if !quoted && word.keyword != Keyword::NoKeyword {
            continue;
        }
        let is_call = matches!(
            significant.get(i + 1).map(|t| &t.token),
            Some(Token::LParen)
        );
        if is_call && !quoted {
            continue;
        }
        let start = token.span.start;
        refs.push(ColumnRef {
            name: word.value.clone(),
            offset: offset_of(sql, start.line as usize, start.column as usize),
        });
    }
    refs
}

/// The type of an SQL value, as far as the declared columns tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    Text,
    Number,
    Date,
    Bool,
    /// NULL, or something this checker does not type (polars checks it on the dry run).
    Unknown,
}

impl SqlType {
    fn of_column(kind: Option<ColumnType>) -> SqlType {
        match kind {
            Some(ColumnType::Text | ColumnType::Enum) => SqlType::Text,
            Some(ColumnType::Int | ColumnType::Money | ColumnType::Number) => SqlType::Number,
            Some(ColumnType::Date) => SqlType::Date,
            Some(ColumnType::Bool) => SqlType::Bool,
            None => SqlType::Unknown,
        }
    }

    /// In words, for messages.
    pub fn words(self) -> &'static str {
        match self {
            SqlType::Text => "文字",
            SqlType::Number => "数",
            SqlType::Date => "日期",
            SqlType::Bool => "是/否",
            SqlType::Unknown => "未知类型",
        }
    }
}

/// Type mistakes polars would only report after every file is read, each with its
/// character offset in the string: a date compared with text (`受理日期 >= '2024-01-01'`),
/// text in arithmetic or summed. Returns the expression's own type too.
pub fn type_problems(
    sql: &str,
    expr: &Expr,
    column_type: &dyn Fn(&str) -> Option<ColumnType>,
) -> (SqlType, Vec<SqlProblem>) {
    let mut problems = Vec::new();
    let kind = type_of(sql, expr, column_type, &mut problems);
    (kind, problems)
}

fn expr_offset(sql: &str, expr: &Expr) -> usize {
    use sqlparser::ast::Spanned;
    let start = expr.span().start;
    if start.line == 0 {
        return 0;
    }
    offset_of(sql, start.line as usize, start.column as usize)
}

/// The type an expression gives, and each place where a date meets text or money meets a
/// count, pushed to `problems` with its position. One match over the expression kinds of
/// sqlparser on purpose (159 lines): each arm is the typing rule of one kind, read side by
/// side; split, the rules would scatter over functions that each take all four arguments.
fn type_of(
    sql: &str,
    expr: &Expr,
    column_type: &dyn Fn(&str) -> Option<ColumnType>,
    problems: &mut Vec<SqlProblem>,
) -> SqlType {
    let check = |e: &Expr, problems: &mut Vec<SqlProblem>| type_of(sql, e, column_type, problems);
    match expr {
        Expr::Identifier(ident) => SqlType::of_column(column_type(&ident.value)),
        Expr::CompoundIdentifier(parts) => {
            SqlType::of_column(parts.last().and_then(|p| column_type(&p.value)))
        }
        Expr::Value(v) => match &v.value {
            Value::Number(..) => SqlType::Number,
            Value::SingleQuotedString(_) | Value::DoubleQuotedString(_) => SqlType::Text,
            Value::Boolean(_) => SqlType::Bool,
            _ => SqlType::Unknown,
        },
        Expr::TypedString(ts) => match ts.data_type {
            sqlparser::ast::DataType::Date => SqlType::Date,
            _ => SqlType::Unknown,
        },
        Expr::Nested(inner) => check(inner, problems),
        Expr::UnaryOp { op, expr } => {
            let inner = check(expr, problems);
            match op {
                UnaryOperator::Not => SqlType::Bool,
                _ => inner,
            }
        }
        Expr::IsNull(e) | Expr::IsNotNull(e) => {
            check(e, problems);
            SqlType::Bool
        }
        Expr::InList { expr, list, .. } => {
            let left = check(expr, problems);
            for item in list {
                let right = check(item, problems);
                compare(sql, expr, item, left, right, problems);
            }
            SqlType::Bool
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            let t = check(expr, problems);
            for bound in [low, high] {
                let b = check(bound, problems);
                compare(sql, expr, bound, t, b, problems);
            }
            SqlType::Bool
        }
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            check(expr, problems);
            check(pattern, problems);
            SqlType::Bool
        }
        Expr::BinaryOp { left, op, right } => {
            let (l, r) = (check(left, problems), check(right, problems));
            match op {
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq => {
                    compare(sql, left, right, l, r, problems);
                    SqlType::Bool
                }
                BinaryOperator::And | BinaryOperator::Or => SqlType::Bool,
                BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide => {
                    for (side, t) in [(left, l), (right, r)] {
                        if t == SqlType::Text {
                            problems.push(SqlProblem {
                                offset: expr_offset(sql, side),
                                message: format!("`{side}` 是文字，不能做加减乘除"),
                            });
                        }
                    }
                    match (l, r) {
                        (SqlType::Date, SqlType::Date) => SqlType::Number,
                        (SqlType::Date, _) | (_, SqlType::Date) => SqlType::Date,
                        _ => SqlType::Number,
                    }
                }
                _ => SqlType::Unknown,
            }
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(o) = operand {
                check(o, problems);
            }
            let mut result = SqlType::Unknown;
            for when in conditions {
                check(&when.condition, problems);
                let t = check(&when.result, problems);
                if result == SqlType::Unknown {
                    result = t;
                }
            }
            if let Some(e) = else_result {
                let t = check(e, problems);
                if result == SqlType::Unknown {
                    result = t;
                }
            }
            result
        }
        Expr::Cast { expr, .. } => {
            check(expr, problems);
            SqlType::Unknown
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_lowercase();
            let mut args = Vec::new();
            if let FunctionArguments::List(list) = &f.args {
                for arg in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } = arg
                    {
                        args.push((e, check(e, problems)));
                    }
                }
            }
            let first = args.first().map(|(_, t)| *t).unwrap_or(SqlType::Unknown);
            match name.as_str() {
                "sum" | "avg" | "mean" | "median" | "stddev" | "variance" => {
                    if let Some((e, t @ (SqlType::Text | SqlType::Date))) = args.first() {
                        problems.push(SqlProblem {
                            offset: expr_offset(sql, e),
                            message: format!(
                                "{name}() 是对数求和（或平均），但 `{e}` 是{}：数行数请用 count(*)，求和请用数字列或金额列",
                                t.words()
                            ),
                        });
                    }
                    SqlType::Number
                }
                "count" => SqlType::Number,
                "min" | "max" | "first" | "last" | "coalesce" => first,
                _ => SqlType::Unknown,
            }
        }
        _ => SqlType::Unknown,
    }
}

/// Two sides of a comparison must be of one type; a date against text gets the literal to
/// write instead.
fn compare(
    sql: &str,
    left: &Expr,
    right: &Expr,
    l: SqlType,
    r: SqlType,
    problems: &mut Vec<SqlProblem>,
) {
    let comparable = l == r
        || l == SqlType::Unknown
        || r == SqlType::Unknown
        || matches!(
            (l, r),
            (SqlType::Number, SqlType::Bool) | (SqlType::Bool, SqlType::Number)
        );
    if comparable {
        return;
    }
    let literal = match left {
        Expr::Value(_) => left,
        _ => right,
    };
    let hint = match (l, r, literal) {
        (SqlType::Date, SqlType::Text, Expr::Value(v))
        | (SqlType::Text, SqlType::Date, Expr::Value(v)) => {
            format!("；日期请写成 date {v}")
        }
        _ => String::new(),
    };
    problems.push(SqlProblem {
        offset: expr_offset(sql, left),
        message: format!(
            "`{left}` 是{}，`{right}` 是{}：两者不能比较{hint}",
            l.words(),
            r.words()
        ),
    });
}

/// What kind of number an expression yields; decides how a measure may be displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A count of rows or a sum of integer columns.
    Count,
    /// A sum of money columns, in fen.
    Money,
    /// Anything else: averages, products, ratios.
    Number,
}

/// Static unit inference for an aggregate expression, given the declared column types.
pub fn measure_kind(expr: &Expr, column_type: &dyn Fn(&str) -> Option<ColumnType>) -> ValueKind {
    match infer(expr, column_type) {
        Inferred::Literal | Inferred::Kind(ValueKind::Count) => ValueKind::Count,
        Inferred::Kind(kind) => kind,
        Inferred::Other => ValueKind::Number,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inferred {
    /// A bare number: takes the kind of what it is combined with (`else 0`).
    Literal,
    Kind(ValueKind),
    /// Booleans, dates, text.
    Other,
}

fn join(a: Inferred, b: Inferred) -> Inferred {
    match (a, b) {
        (Inferred::Literal, x) | (x, Inferred::Literal) => x,
        (x, y) if x == y => x,
        _ => Inferred::Kind(ValueKind::Number),
    }
}

fn infer(expr: &Expr, column_type: &dyn Fn(&str) -> Option<ColumnType>) -> Inferred {
    match expr {
        Expr::Value(v) if matches!(v.value, Value::Number(..)) => Inferred::Literal,
        Expr::Identifier(ident) => column_kind(column_type(&ident.value)),
        Expr::CompoundIdentifier(parts) => {
            column_kind(parts.last().and_then(|p| column_type(&p.value)))
        }
        Expr::Nested(inner) => infer(inner, column_type),
        Expr::Cast { expr, .. } => infer(expr, column_type),
        Expr::UnaryOp { expr, .. } => infer(expr, column_type),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Plus | BinaryOperator::Minus => {
                join(infer(left, column_type), infer(right, column_type))
            }
            BinaryOperator::Multiply | BinaryOperator::Divide => {
                let (l, r) = (infer(left, column_type), infer(right, column_type));
                match (l, r) {
                    (Inferred::Literal, Inferred::Literal) => Inferred::Literal,
                    _ => Inferred::Kind(ValueKind::Number),
                }
            }
            _ => Inferred::Other,
        },
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            let mut kind = Inferred::Literal;
            for when in conditions {
                kind = join(kind, infer(&when.result, column_type));
            }
            if let Some(e) = else_result {
                kind = join(kind, infer(e, column_type));
            }
            kind
        }
        Expr::Function(f) => {
            let name = f.name.to_string().to_lowercase();
            let first = first_argument(&f.args);
            match name.as_str() {
                "count" => Inferred::Kind(ValueKind::Count),
                "sum" | "min" | "max" | "coalesce" | "abs" | "first" | "last" => first
                    .map(|e| infer(e, column_type))
                    .unwrap_or(Inferred::Kind(ValueKind::Number)),
                _ => Inferred::Kind(ValueKind::Number),
            }
        }
        _ => Inferred::Other,
    }
}

fn column_kind(column_type: Option<ColumnType>) -> Inferred {
    match column_type {
        Some(ColumnType::Money) => Inferred::Kind(ValueKind::Money),
        Some(ColumnType::Int) | Some(ColumnType::Bool) => Inferred::Kind(ValueKind::Count),
        Some(ColumnType::Number) => Inferred::Kind(ValueKind::Number),
        _ => Inferred::Other,
    }
}

fn first_argument(args: &FunctionArguments) -> Option<&Expr> {
    match args {
        FunctionArguments::List(list) => list.args.iter().find_map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
            FunctionArg::Named {
                arg: FunctionArgExpr::Expr(e),
                ..
            } => Some(e),
            _ => None,
        }),
        _ => None,
    }
}

/// An indicator: arithmetic over named measures and numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Arith {
    Number(f64),
    /// A measure, or an indicator computed before this one.
    Measure(String),
    Negate(Box<Arith>),
    Binary(Box<Arith>, ArithOp, Box<Arith>),
    /// `round(x, n)` (n decimals, half away from zero), `min(a, b, …)`, `max(a, b, …)`.
    Call(ArithFn, Vec<Arith>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithFn {
    Round,
    Min,
    Max,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Subtract,
    Multiply,
    Divide,
}

impl Arith {
    /// Converts a parsed SQL expression; anything but numbers, names, `+ - * /` and
    /// parentheses is refused with a sentence saying so.
    pub fn from_sql(expr: &Expr) -> Result<Arith, String> {
        match expr {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => n
                    .parse::<f64>()
                    .map(Arith::Number)
                    .map_err(|_| format!("`{n}` 不是数")),
                other => Err(format!("这里不能写 `{other}`：计算指标由指标和数组合而成")),
            },
            Expr::Identifier(ident) => Ok(Arith::Measure(ident.value.clone())),
            Expr::Nested(inner) => Arith::from_sql(inner),
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => Ok(Arith::Negate(Box::new(Arith::from_sql(expr)?))),
            Expr::UnaryOp {
                op: UnaryOperator::Plus,
                expr,
            } => Arith::from_sql(expr),
            Expr::BinaryOp { left, op, right } => {
                let op = match op {
                    BinaryOperator::Plus => ArithOp::Add,
                    BinaryOperator::Minus => ArithOp::Subtract,
                    BinaryOperator::Multiply => ArithOp::Multiply,
                    BinaryOperator::Divide => ArithOp::Divide,
                    other => {
                        return Err(format!(
                            "不能用运算符 `{other}`：计算指标只用 + - * / 和括号"
                        ))
                    }
                };
                Ok(Arith::Binary(
                    Box::new(Arith::from_sql(left)?),
                    op,
                    Box::new(Arith::from_sql(right)?),
                ))
            }
            Expr::Function(call) => Arith::from_call(call),
            other => Err(format!(
                "不能写 `{other}`：计算指标只用指标、数、+ - * /、括号、round、min 和 max"
            )),
        }
    }

    fn from_call(call: &sqlparser::ast::Function) -> Result<Arith, String> {
        use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments};
        let name = call.name.to_string().to_lowercase();
        let function = match name.as_str() {
            "round" => ArithFn::Round,
            "min" => ArithFn::Min,
            "max" => ArithFn::Max,
            _ => {
                return Err(format!(
                    "不能用函数 `{name}`：计算指标可用 round(x, n)、min(a, b, …) 和 max(a, b, …)"
                ))
            }
        };
        let FunctionArguments::List(list) = &call.args else {
            return Err(format!("`{name}` 的参数要写在括号里"));
        };
        let args = list
            .args
            .iter()
            .map(|arg| match arg {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Arith::from_sql(e),
                other => Err(format!("`{other}` 不是 `{name}` 可用的参数")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        match (function, args.as_slice()) {
            (ArithFn::Round, [_]) => Ok(Arith::Call(
                function,
                vec![args[0].clone(), Arith::Number(0.0)],
            )),
            (ArithFn::Round, [_, Arith::Number(n)])
                if (0.0..=6.0).contains(n) && n.fract() == 0.0 =>
            {
                Ok(Arith::Call(function, args))
            }
            (ArithFn::Round, _) => Err(
                "round 需要一个值和 0 到 6 的小数位数，例如 round(closure_rate * 100, 1)"
                    .to_string(),
            ),
            (_, [_, _, ..]) => Ok(Arith::Call(function, args)),
            _ => Err(format!("`{name}` 比较两个或更多的值：{name}(a, b)")),
        }
    }

    /// The measures named, in order of appearance.
    pub fn measures(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.collect_measures(&mut names);
        names
    }

    fn collect_measures<'a>(&'a self, names: &mut Vec<&'a str>) {
        match self {
            Arith::Number(_) => {}
            Arith::Measure(name) => names.push(name),
            Arith::Negate(inner) => inner.collect_measures(names),
            Arith::Binary(l, _, r) => {
                l.collect_measures(names);
                r.collect_measures(names);
            }
            Arith::Call(_, args) => args.iter().for_each(|a| a.collect_measures(names)),
        }
    }

    /// Evaluates with the given measure values. `None` when a value is missing or a
    /// denominator is zero: the report shows "—" rather than 0% or #DIV/0!.
    pub fn eval(&self, value_of: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        match self {
            Arith::Number(n) => Some(*n),
            Arith::Measure(name) => value_of(name),
            Arith::Negate(inner) => inner.eval(value_of).map(|v| -v),
            Arith::Binary(l, op, r) => {
                let (l, r) = (l.eval(value_of)?, r.eval(value_of)?);
                match op {
                    ArithOp::Add => Some(l + r),
                    ArithOp::Subtract => Some(l - r),
                    ArithOp::Multiply => Some(l * r),
                    ArithOp::Divide if r == 0.0 => None,
                    ArithOp::Divide => Some(l / r),
                }
            }
            Arith::Call(function, args) => {
                let values = args
                    .iter()
                    .map(|a| a.eval(value_of))
                    .collect::<Option<Vec<f64>>>()?;
                match function {
                    ArithFn::Round => {
                        let scale = 10f64.powi(values[1] as i32);
                        Some((values[0] * scale).round() / scale)
                    }
                    ArithFn::Min => values.into_iter().reduce(f64::min),
                    ArithFn::Max => values.into_iter().reduce(f64::max),
                }
            }
        }
    }

    /// The kind of the result, from the kinds of the measures it uses.
    pub fn kind(&self, kind_of: &dyn Fn(&str) -> Option<ValueKind>) -> Option<ValueKind> {
        match self {
            Arith::Number(_) => None,
            Arith::Measure(name) => kind_of(name),
            Arith::Negate(inner) => inner.kind(kind_of),
            Arith::Binary(l, op, r) => {
                let (l, r) = (l.kind(kind_of), r.kind(kind_of));
                match op {
                    ArithOp::Add | ArithOp::Subtract => match (l, r) {
                        (None, x) | (x, None) => x,
                        (Some(a), Some(b)) if a == b => Some(a),
                        _ => Some(ValueKind::Number),
                    },
                    _ => Some(ValueKind::Number),
                }
            }
            Arith::Call(ArithFn::Round, args) => args[0].kind(kind_of),
            // The smaller or larger of values of one kind is of that kind.
            Arith::Call(_, args) => {
                args.iter()
                    .map(|a| a.kind(kind_of))
                    .reduce(|a, b| match (a, b) {
                        (None, x) | (x, None) => x,
                        (Some(a), Some(b)) if a == b => Some(a),
                        _ => Some(ValueKind::Number),
                    })?
            }
        }
    }

    /// The formula with each measure replaced by its label: `结案数 ÷ 受理数`.
    pub fn render(&self, label_of: &dyn Fn(&str) -> String) -> String {
        self.render_inner(label_of, 0)
    }

    fn render_inner(&self, label_of: &dyn Fn(&str) -> String, parent: u8) -> String {
        match self {
            Arith::Number(n) => format_number(*n),
            Arith::Measure(name) => label_of(name),
            Arith::Negate(inner) => format!("−{}", inner.render_inner(label_of, 3)),
            Arith::Call(ArithFn::Round, args) => format!(
                "{}（保留{}位小数）",
                args[0].render_inner(label_of, 0),
                format_number(match args[1] {
                    Arith::Number(n) => n,
                    _ => 0.0,
                })
            ),
            Arith::Call(function, args) => {
                let parts: Vec<String> = args.iter().map(|a| a.render_inner(label_of, 0)).collect();
                let which = match function {
                    ArithFn::Min => "较小者",
                    _ => "较大者",
                };
                format!("{}中的{which}", parts.join("、"))
            }
            Arith::Binary(l, op, r) => {
                let (symbol, precedence) = match op {
                    ArithOp::Add => ("+", 1),
                    ArithOp::Subtract => ("−", 1),
                    ArithOp::Multiply => ("×", 2),
                    ArithOp::Divide => ("÷", 2),
                };
                let text = format!(
                    "{} {symbol} {}",
                    l.render_inner(label_of, precedence),
                    r.render_inner(label_of, precedence + 1)
                );
                if precedence < parent {
                    format!("({text})")
                } else {
                    text
                }
            }
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn quoted_column_names_are_column_references() {
        let refs = column_refs("\"结案日期\" between date '2024-11-01' and date '2024-11-30'");
        let names: Vec<&str> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["结案日期"]);
    }

    fn arith(text: &str) -> Arith {
        Arith::from_sql(&parse_expr(text).unwrap()).unwrap()
    }

    #[test]
    fn round_min_max_evaluate_and_read_in_words() {
        let value = |m: &str| match m {
            "closed" => Some(2.0),
            "accepted" => Some(3.0),
            _ => None,
        };
        assert_eq!(
            arith("round(closed / accepted * 100, 1)").eval(&value),
            Some(66.7)
        );
        assert_eq!(arith("round(2.5)").eval(&value), Some(3.0));
        assert_eq!(arith("min(closed, accepted, 10)").eval(&value), Some(2.0));
        assert_eq!(arith("max(closed, accepted)").eval(&value), Some(3.0));
        // A missing value or a zero denominator inside leaves the whole empty ("—").
        assert_eq!(arith("max(closed, missing)").eval(&value), None);
        assert_eq!(
            arith("round(closed / (accepted - 3), 1)").eval(&value),
            None
        );
        let label = |m: &str| {
            if m == "closed" {
                "结案数".into()
            } else {
                "受理数".into()
            }
        };
        assert_eq!(
            arith("round(closed / accepted * 100, 1)").render(&label),
            "结案数 ÷ 受理数 × 100（保留1位小数）"
        );
        assert_eq!(
            arith("min(closed, accepted)").render(&label),
            "结案数、受理数中的较小者"
        );
    }

    #[test]
    fn functions_are_refused_with_what_is_allowed() {
        let refused = |text: &str| Arith::from_sql(&parse_expr(text).unwrap()).unwrap_err();
        assert!(refused("sqrt(closed)").contains("round(x, n)、min(a, b, …) 和 max"));
        assert!(refused("round(closed, 9)").contains("0 到 6"));
        assert!(refused("round(closed, accepted)").contains("0 到 6"));
        assert!(refused("min(closed)").contains("两个或更多"));
    }

    use super::*;

    fn types(name: &str) -> Option<ColumnType> {
        match name {
            "追发工资" => Some(ColumnType::Money),
            "涉及人数" => Some(ColumnType::Int),
            "办理状态" => Some(ColumnType::Enum),
            _ => None,
        }
    }

    #[test]
    fn syntax_errors_carry_their_offset() {
        let problem = parse_expr("sum(追发工资").unwrap_err();
        assert!(
            problem.message.contains("这里应是“)”，却遇到结尾"),
            "{problem:?}"
        );
        let problem = parse_expr("a b").unwrap_err();
        assert_eq!(problem.offset, 2);
    }

    #[test]
    fn column_refs_skip_keywords_functions_and_strings() {
        let refs = column_refs("sum(case when 办理状态 = '已结案' then 追发工资 else 0 end)");
        let names: Vec<_> = refs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["办理状态", "追发工资"]);
        assert_eq!(refs[0].offset, 14);
    }

    #[test]
    fn measure_units_follow_the_columns_summed() {
        let kind = |sql: &str| measure_kind(&parse_expr(sql).unwrap(), &types);
        assert_eq!(kind("count(*)"), ValueKind::Count);
        assert_eq!(kind("sum(追发工资)"), ValueKind::Money);
        assert_eq!(
            kind("sum(case when 办理状态 = '已结案' then 追发工资 else 0 end)"),
            ValueKind::Money
        );
        assert_eq!(
            kind("sum(case when 办理状态 = '已结案' then 1 else 0 end)"),
            ValueKind::Count
        );
        assert_eq!(kind("sum(涉及人数)"), ValueKind::Count);
        assert_eq!(kind("avg(涉及人数)"), ValueKind::Number);
    }

    #[test]
    fn zero_denominator_gives_no_value() {
        let arith = Arith::from_sql(&parse_expr("closed / accepted").unwrap()).unwrap();
        let values = |zero: bool| {
            move |name: &str| match name {
                "closed" => Some(0.0),
                _ => Some(if zero { 0.0 } else { 4.0 }),
            }
        };
        assert_eq!(arith.eval(&values(true)), None);
        assert_eq!(arith.eval(&values(false)), Some(0.0));
    }

    #[test]
    fn formulas_render_with_labels_and_needed_parentheses() {
        let arith = Arith::from_sql(&parse_expr("closed / (carried + accepted)").unwrap()).unwrap();
        let text = arith.render(&|name| name.to_uppercase());
        assert_eq!(text, "CLOSED ÷ (CARRIED + ACCEPTED)");
    }
}
