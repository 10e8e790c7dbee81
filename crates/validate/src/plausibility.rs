//! 合理性审核: the `[[plausibility]]` reviews, run after compute (and the windows, for the
//! comparisons with 上期 and 上年同期). A figure that fails one is a warning to its
//! township naming the figure, both values and the threshold — a question for the township
//! to answer in the 问题清单's 情况说明 column, never a reason to drop a row. They catch a
//! misread file whatever its cause: a township whose 追发 fell from millions of 元 to a few
//! hundred is flagged even when no reader rule saw anything.
//!
//! What each review did at each sheet (ran, found N, could not run and why) is said by
//! [`review_words`], for the 说明.

use std::path::PathBuf;

use compute::{LevelRow, Results};
use finding::{Finding, Severity};
use ingest::Ingested;
use pipeline::{
    Arith, ChangeBase, ChangeLimit, Display, Plan, PlausibilityCheck, PlausibilityTest, ValueKind,
};

/// The rule name of every plausibility finding, with the review's own name after it.
pub const RULE: &str = "合理性审核";

/// The fewest townships with a figure an outlier review compares (fewer: no median to trust).
pub const OUTLIER_MIN_TOWNSHIPS: usize = 5;

/// The plausibility findings of the run: every township (and the total) that fails a review.
pub fn review(plan: &Plan, data: &Ingested, results: &Results) -> Vec<Finding> {
    let mut findings = Vec::new();
    for check in &plan.plausibility {
        let sources = plan.sources_of(check.figures.iter().map(String::as_str));
        for (row, message, value) in failures(plan, check, results) {
            let file = township_file(data, plan, row.code.as_deref(), &sources);
            let label = match &row.code {
                Some(_) => check_label(plan, check),
                None => format!("合计：{}", check_label(plan, check)),
            };
            findings.push(
                Finding::file(
                    Severity::Warning,
                    file,
                    &format!("{RULE}：{}", check.name),
                    message,
                )
                .from_submitter(row.code.as_deref())
                .in_column(Some(&label))
                .with_value(value),
            );
        }
    }
    findings
}

/// What a review did, in a sentence for the 说明: what it checks, how many figures it
/// questioned, or why it could not run.
pub fn review_words(plan: &Plan, check: &PlausibilityCheck, results: &Results) -> String {
    let found = failures(plan, check, results).len();
    let outcome = match (not_run(plan, check, results), found) {
        (Some(why), _) => format!("未能进行（{why}）"),
        (None, 0) => "未发现需核实的数字".to_string(),
        (None, n) => format!("{n}处需核实，见问题清单“{RULE}：{}”", check.name),
    };
    format!(
        "合理性审核“{}”：{}，{outcome}",
        check.name,
        check.describe(plan)
    )
}

/// Why a review could not run at all, when it could not.
fn not_run(plan: &Plan, check: &PlausibilityCheck, results: &Results) -> Option<String> {
    match &check.test {
        PlausibilityTest::Change { base, .. } => {
            let total = results.rows.iter().find(|r| r.is_total())?;
            earlier_value(base, total, results)
                .is_none()
                .then(|| format!("没有{}的数字", check.against_words(plan)))
        }
        PlausibilityTest::Outlier { indicator, .. } => {
            let n = township_values(results, indicator).len();
            (n < OUTLIER_MIN_TOWNSHIPS)
                .then(|| format!("有该数字的单位只有{n}个，少于{OUTLIER_MIN_TOWNSHIPS}个"))
        }
        PlausibilityTest::Relation { .. } => None,
    }
}

/// The levels failing a review, each with its message and the figure as shown.
fn failures<'r>(
    plan: &Plan,
    check: &PlausibilityCheck,
    results: &'r Results,
) -> Vec<(&'r LevelRow, String, Option<String>)> {
    let townships = || {
        results
            .rows
            .iter()
            .filter(|r| r.code.is_some() && r.submitted)
    };
    let total = results.rows.iter().find(|r| r.is_total());
    let mut failed = Vec::new();
    match &check.test {
        PlausibilityTest::Change {
            base,
            display,
            limit,
            min_base,
        } => {
            let label = plan.label_of(base.figure());
            let against = check.against_words(plan);
            for row in townships().chain(total) {
                let now = row.indicators.get(base.figure()).copied().flatten();
                let then = earlier_value(base, row, results);
                let (Some(now), Some(then)) = (now, then) else {
                    continue;
                };
                if then.abs() < *min_base {
                    continue;
                }
                let shown = |v| figure::text(Some(v), *display);
                let (moved, allowed) = match limit {
                    ChangeLimit::Percent(limit) => {
                        if then == 0.0 {
                            continue; // no percent of nothing; `min_base` says how small counts
                        }
                        let percent = (now - then) / then.abs() * 100.0;
                        if percent.abs() <= *limit {
                            continue;
                        }
                        (
                            format!(
                                "{}{:.1}%",
                                if percent < 0.0 { "下降" } else { "增长" },
                                percent.abs()
                            ),
                            format!("±{limit}%"),
                        )
                    }
                    ChangeLimit::Points(limit) => {
                        let points = (now - then) * 100.0;
                        if points.abs() <= *limit {
                            continue;
                        }
                        (
                            format!(
                                "{}{:.1}个百分点",
                                if points < 0.0 { "下降" } else { "上升" },
                                points.abs()
                            ),
                            format!("±{limit}个百分点"),
                        )
                    }
                };
                let message = format!(
                    "{label}本期{}，{against}{}，{moved}，超过审核阈值{allowed}；请核实数据是否完整、读取是否正确，属实的请在“情况说明”中写明原因",
                    shown(now),
                    shown(then),
                );
                failed.push((row, message, Some(shown(now))));
            }
        }
        PlausibilityTest::Outlier {
            indicator,
            threshold,
        } => {
            let values = township_values(results, indicator);
            if values.len() < OUTLIER_MIN_TOWNSHIPS {
                return failed;
            }
            let numbers: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
            let Some((median, spread)) = robust_centre_and_spread(&numbers) else {
                return failed;
            };
            let display = plan
                .indicator(indicator)
                .map_or(Display::Number, |i| i.display);
            let label = plan.label_of(indicator);
            for (row, value) in values {
                let z = (value - median) / spread;
                if z.abs() <= *threshold {
                    continue;
                }
                let shown = figure::text(Some(value), display);
                let message = format!(
                    "{label}为{shown}，各单位中位数为{}，{}中位数{:.1}个稳健标准差，超过审核阈值{threshold}；请核实数据是否完整、读取是否正确，属实的请在“情况说明”中写明原因",
                    figure::text(Some(median), display),
                    if z < 0.0 { "低于" } else { "高于" },
                    z.abs(),
                );
                failed.push((row, message, Some(shown)));
            }
        }
        PlausibilityTest::Relation {
            left,
            op,
            right,
            words,
        } => {
            let display = relation_display(plan, left);
            let mut townships_failed = false;
            for row in townships().chain(total) {
                if row.is_total() && townships_failed {
                    break; // the total fails because a township does: said there
                }
                let value_of = |name: &str| {
                    row.indicators
                        .get(name)
                        .or_else(|| row.measures.get(name))
                        .copied()
                        .flatten()
                };
                let (Some(l), Some(r)) = (left.eval(&value_of), right.eval(&value_of)) else {
                    continue;
                };
                if op.holds(l, r) {
                    continue;
                }
                townships_failed |= row.code.is_some();
                let message = format!(
                    "不满足“{words}”：左边为{}，右边为{}；请核实数据是否完整、读取是否正确，属实的请在“情况说明”中写明原因",
                    figure::text(Some(l), display),
                    figure::text(Some(r), display),
                );
                failed.push((row, message, Some(figure::text(Some(l), display))));
            }
        }
    }
    failed
}

/// The earlier figure a change review compares a level's with.
fn earlier_value(base: &ChangeBase, row: &LevelRow, results: &Results) -> Option<f64> {
    match base {
        ChangeBase::Window(column) => results.windows.value(column, row.code.as_deref()),
        ChangeBase::Figure { base, .. } => row.indicators.get(base).copied().flatten(),
    }
}

/// Each submitting township's figure, where it has one.
fn township_values<'r>(results: &'r Results, indicator: &str) -> Vec<(&'r LevelRow, f64)> {
    results
        .rows
        .iter()
        .filter(|r| r.code.is_some() && r.submitted)
        .filter_map(|r| Some((r, r.indicators.get(indicator).copied().flatten()?)))
        .collect()
}

/// The median and the robust standard deviation (1.4826 × the median absolute deviation;
/// when more than half the values are equal, 1.2533 × the mean absolute deviation, as
/// Iglewicz and Hoaglin advise). `None` when every value is the same.
pub fn robust_centre_and_spread(values: &[f64]) -> Option<(f64, f64)> {
    let median = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    let mad = median_of(deviations.clone())?;
    let spread = if mad > 0.0 {
        1.4826 * mad
    } else {
        1.2533 * deviations.iter().sum::<f64>() / deviations.len() as f64
    };
    (spread > 0.0).then_some((median, spread))
}

fn median(values: &[f64]) -> Option<f64> {
    median_of(values.to_vec())
}

fn median_of(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(match n % 2 {
        1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    })
}

/// How a relation's two sides are shown: money in 元 (to the fen), counts whole, else plain.
fn relation_display(plan: &Plan, side: &Arith) -> Display {
    let kind_of = |m: &str| {
        plan.measure(m)
            .map(|m| m.kind)
            .or_else(|| plan.indicator(m).and_then(|i| i.kind))
    };
    match side.kind(&kind_of) {
        Some(ValueKind::Money) => Display::Yuan,
        Some(ValueKind::Count) => Display::Count,
        _ => Display::Number,
    }
}

/// What the finding's 列 says: the figure reviewed, or the relation.
fn check_label(plan: &Plan, check: &PlausibilityCheck) -> String {
    match &check.test {
        PlausibilityTest::Change { base, .. } => plan.label_of(base.figure()),
        PlausibilityTest::Outlier { indicator, .. } => plan.label_of(indicator),
        PlausibilityTest::Relation { words, .. } => words.clone(),
    }
}

/// The township's first used file of the sources the figure reads: where its answer is due.
/// The total's findings name no file.
fn township_file(data: &Ingested, plan: &Plan, code: Option<&str>, sources: &[usize]) -> PathBuf {
    let Some(code) = code else {
        return PathBuf::new();
    };
    data.files
        .iter()
        .find(|f| {
            f.used
                && f.submitter.as_deref() == Some(code)
                && sources.iter().any(|&s| plan.sources[s].id == f.source)
        })
        .map(|f| f.label.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_robust_spread_is_the_scaled_median_absolute_deviation() {
        let (median, spread) =
            robust_centre_and_spread(&[0.95, 0.97, 0.96, 0.98, 0.97, 0.40]).unwrap();
        assert!((median - 0.965).abs() < 1e-12);
        // |x − 0.965|: 0.015 0.005 0.005 0.015 0.005 0.565 → median 0.01.
        assert!((spread - 1.4826 * 0.01).abs() < 1e-12);
        // More than half equal: the mean absolute deviation instead.
        let (median, spread) = robust_centre_and_spread(&[1.0, 1.0, 1.0, 1.0, 9.0]).unwrap();
        assert_eq!(median, 1.0);
        assert!((spread - 1.2533 * 8.0 / 5.0).abs() < 1e-12);
        assert_eq!(robust_centre_and_spread(&[2.0, 2.0, 2.0]), None);
    }
}
