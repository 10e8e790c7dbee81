//! `[[plausibility]]`: the reviews a statistics office runs before publishing (合理性审核) —
//! a figure against an earlier window (历史比较), a township against the others (定额分析),
//! figures against each other (关联审核). Each is checked here for names, windows, kinds and
//! thresholds; `validate::plausibility` runs them.

use toml::de::DeValue;
use toml::Spanned;

use super::measure::{check_indicator_expr, label_of, Declared};
use super::report::shown_value;
use super::sections::section;
use crate::diagnostics::{did_you_mean, Diagnostics};
use crate::spec::{PlausibilitySpec, Threshold};
use crate::sql::ValueKind;
use crate::window::Window;
use crate::{
    ChangeBase, ChangeLimit, Comparison, Indicator, Measure, Placeholders, PlausibilityCheck,
    PlausibilityTest, ReportColumn,
};

pub(super) fn compile_plausibility(
    d: &mut Diagnostics,
    value: Option<&Spanned<DeValue<'_>>>,
    measures: &[Measure],
    indicators: &mut Vec<Indicator>,
    declared: &Declared,
    placeholders: &Placeholders,
) -> Vec<PlausibilityCheck> {
    let mut checks = Vec::new();
    match value.map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, value) in list.iter().enumerate() {
                let what = format!("[[plausibility]] 第{}条", i + 1);
                let Some(spec) = section::<PlausibilitySpec>(d, value, &what) else {
                    continue;
                };
                let at = value.span();
                let context = Context {
                    measures,
                    declared,
                    placeholders,
                };
                if let Some(check) = compile_check(d, &what, at, spec, indicators, &context) {
                    checks.push(check);
                }
            }
        }
        Some((v, _)) => d.span(
            &v.span(),
            "`plausibility` 应写成 [[plausibility]]（每项审核一个）",
        ),
        None => {}
    }
    checks
}

struct Context<'a> {
    measures: &'a [Measure],
    declared: &'a Declared<'a>,
    placeholders: &'a Placeholders,
}

fn compile_check(
    d: &mut Diagnostics,
    what: &str,
    at: std::ops::Range<usize>,
    spec: PlausibilitySpec,
    indicators: &mut Vec<Indicator>,
    cx: &Context,
) -> Option<PlausibilityCheck> {
    let kinds = [
        spec.against.is_some(),
        spec.outlier.is_some(),
        spec.relation.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        d.span(&at, format!("{what}：`against`（与上期或上年同期比）、`outlier`（一个街道乡镇与其他单位比）和 `relation`（数字之间的关系）三者只写一项"));
        return None;
    }
    if let Some(relation) = &spec.relation {
        if let Some(figure) = &spec.figure {
            d.span(
                &figure.span(),
                format!("{what}：`relation` 自己写出要比较的数字；请去掉 `figure`"),
            );
        }
        return compile_relation(d, what, relation, indicators, cx).map(|(test, figures)| {
            PlausibilityCheck {
                name: spec.name,
                test,
                figures,
            }
        });
    }
    let Some(figure) = &spec.figure else {
        d.span(&at, format!("{what}：缺少 `figure`：要审核的指标"));
        return None;
    };
    let Some(display) = shown_value(indicators, cx.measures, figure.get_ref()) else {
        let name = figure.get_ref();
        if cx.declared.measures.contains(name) || cx.declared.indicators.contains(name) {
            return None; // declared but broken: reported where it is declared
        }
        let known = indicators
            .iter()
            .map(|i| i.name.as_str())
            .chain(cx.measures.iter().map(|m| m.name.as_str()));
        let hint = did_you_mean(figure.get_ref(), known);
        d.span(
            &figure.span(),
            format!(
                "{what}：`figure = \"{}\"` 不是已声明的指标{hint}",
                figure.get_ref()
            ),
        );
        return None;
    };
    let indicator = figure.get_ref().clone();
    let test = if let Some(outlier) = &spec.outlier {
        let threshold = threshold(d, what, "outlier", outlier, cx.placeholders)?;
        if threshold <= 0.0 {
            d.span(&outlier.span(), format!("{what}：`outlier` 是离中位数多少个稳健标准差算作异常（通常为 3.5）；请写大于 0 的数"));
            return None;
        }
        PlausibilityTest::Outlier {
            indicator: indicator.clone(),
            threshold,
        }
    } else {
        let against = spec.against.as_ref().expect("one of the three");
        let base = match against.get_ref().as_str() {
            "上期" | "previous" | "上年同期" | "prior_year" => {
                let window = Window::parse(against.get_ref()).expect("a window");
                ChangeBase::Window(ReportColumn {
                    header: vec![indicator.clone(), window.words()],
                    indicator: indicator.clone(),
                    display,
                    window,
                    compare: None,
                    below: None,
                })
            }
            other => match shown_value(indicators, cx.measures, other) {
                Some(_) => ChangeBase::Figure {
                    figure: indicator.clone(),
                    base: other.to_string(),
                },
                None if cx
                    .declared
                    .measures
                    .iter()
                    .chain(cx.declared.indicators)
                    .any(|n| n == other) =>
                {
                    return None; // declared but broken: reported where it is declared
                }
                None => {
                    let known = indicators
                        .iter()
                        .map(|i| i.name.as_str())
                        .chain(cx.measures.iter().map(|m| m.name.as_str()));
                    let hint = did_you_mean(other, known);
                    d.span(&against.span(), format!("{what}：`against = \"{other}\"`：可与 上期、上年同期 或另一个指标（如上年公布的数字）比较{hint}"));
                    return None;
                }
            },
        };
        let limit = match (&spec.max_change_percent, &spec.max_change_points) {
            (Some(p), None) => ChangeLimit::Percent(threshold(
                d,
                what,
                "max_change_percent",
                p,
                cx.placeholders,
            )?),
            (None, Some(p)) => {
                ChangeLimit::Points(threshold(d, what, "max_change_points", p, cx.placeholders)?)
            }
            _ => {
                d.span(&against.span(), format!("{what}：请写 `max_change_percent`（变动不超过原数的百分之几）或 `max_change_points`（比率变动不超过几个百分点）中的一项"));
                return None;
            }
        };
        let rate = matches!(
            display,
            crate::Display::Percent | crate::Display::PercentTwoDecimals
        );
        if let (ChangeLimit::Points(_), false) = (limit, rate) {
            let key = spec.max_change_points.as_ref().expect("points");
            d.span(&key.span(), format!("{what}：`max_change_points` 只用于比率；`{indicator}` 不是百分比 — 请用 `max_change_percent`"));
            return None;
        }
        let min_base = match &spec.min_base {
            Some(m) => threshold(d, what, "min_base", m, cx.placeholders)?,
            None => 0.0,
        };
        PlausibilityTest::Change {
            base,
            display,
            limit,
            // Money is held in fen and `min_base` is written in the unit the figure is shown
            // in (万元, 元).
            min_base: match display {
                crate::Display::TenThousandYuan => min_base * 1_000_000.0,
                crate::Display::Yuan => min_base * 100.0,
                _ => min_base,
            },
        }
    };
    Some(PlausibilityCheck {
        name: spec.name,
        test,
        figures: vec![indicator],
    })
}

/// A threshold written as a number or as a setting's placeholder.
fn threshold(
    d: &mut Diagnostics,
    what: &str,
    key: &str,
    value: &Spanned<Threshold>,
    placeholders: &Placeholders,
) -> Option<f64> {
    match value.get_ref() {
        Threshold::Number(n) => Some(*n),
        Threshold::Setting(text) => {
            let filled = match placeholders.fill_strict(text) {
                Ok(filled) => filled.text,
                Err((_, message)) => {
                    d.span(&value.span(), format!("{what}：`{key}`：{message}"));
                    return None;
                }
            };
            match filled.trim().parse::<f64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    d.span(&value.span(), format!("{what}：`{key}` = \"{text}\" 填入后是 `{filled}`，不是数字：请写数字（50）或值为数字的设置（\"{{change_limit}}\"）"));
                    None
                }
            }
        }
    }
}

/// `closed <= cases_carried + accepted`: two sides of arithmetic over measures, indicators
/// and roster constants, of the same kind (money with money), and the comparison.
fn compile_relation(
    d: &mut Diagnostics,
    what: &str,
    relation: &Spanned<String>,
    indicators: &[Indicator],
    cx: &Context,
) -> Option<(PlausibilityTest, Vec<String>)> {
    let text = relation.get_ref();
    let found = ["<=", ">=", "<", ">", "="]
        .iter()
        .find_map(|symbol| text.find(symbol).map(|at| (at, *symbol)));
    let Some((at, symbol)) = found else {
        d.span(&relation.span(), format!("{what}：`relation` 比较两边，例如 `closed <= cases_carried + accepted`（<=、<、>=、> 或 =）"));
        return None;
    };
    let op = match symbol {
        "<=" => Comparison::AtMost,
        ">=" => Comparison::AtLeast,
        "<" => Comparison::Below,
        ">" => Comparison::Above,
        _ => Comparison::Equal,
    };
    // Each side keeps its place in the file, so a mistake in it is reported where written.
    let side = |start: usize, end: usize| {
        let span = relation.span();
        Spanned::new(
            span.start + start..span.start + end + 2,
            text[start..end].to_string(),
        )
    };
    let left_text = side(0, at);
    let right_text = side(at + symbol.len(), text.len());
    let mut arith = |side: &Spanned<String>| {
        check_indicator_expr(
            d,
            what,
            side,
            cx.measures,
            indicators,
            cx.declared,
            cx.placeholders,
        )
    };
    let (left, right) = (arith(&left_text), arith(&right_text));
    let (left, right) = (left?, right?);
    let kind_of = |m: &str| match cx.measures.iter().find(|x| x.name == m) {
        Some(measure) => Some(measure.kind),
        None if cx.declared.constants.iter().any(|c| c.name == m) => Some(ValueKind::Count),
        None => indicators.iter().find(|x| x.name == m).and_then(|x| x.kind),
    };
    let (left_kind, right_kind) = (left.kind(&kind_of), right.kind(&kind_of));
    let money = |k| k == Some(ValueKind::Money);
    if money(left_kind) != money(right_kind) {
        d.span(&relation.span(), format!("{what}：`relation` 把金额与不是金额的数比较；金额只能与金额比（recovered <= involved）"));
        return None;
    }
    let label_of = |m: &str| label_of(m, cx.measures, indicators, cx.declared);
    let words = format!(
        "{} {} {}",
        left.render(&label_of),
        op.symbol(),
        right.render(&label_of)
    );
    let figures = left
        .measures()
        .into_iter()
        .chain(right.measures())
        .map(str::to_string)
        .collect();
    Some((
        PlausibilityTest::Relation {
            left,
            op,
            right,
            words,
        },
        figures,
    ))
}
