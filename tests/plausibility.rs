//! 合理性审核 (`[[plausibility]]`): each review against values the test computes itself —
//! a relation between figures, a township far from the others, a move against the month
//! before (from the store) — on a six-township district written here, and the bundled annual
//! pipeline's reviews on the sample district against its generators' truth.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::common::{laborstat, run_period, validate_findings};

pub(crate) const TOWNSHIPS: [(&str, &str); 6] = [
    ("510199001", "甲街道"),
    ("510199002", "乙街道"),
    ("510199003", "丙街道"),
    ("510199004", "丁镇"),
    ("510199005", "戊镇"),
    ("510199006", "己乡"),
];

/// One township's month: (cases, closed, 涉及金额 per case in 元, 追发工资 per case in 元).
pub(crate) type Month = (usize, usize, i64, f64);

/// The two months of every township. October is even; in November 乙街道 recovers more
/// than the cases involved, 丙街道 closes few, and 己乡's 追发 falls from 8万元 to 44元
/// (a misread column, say) — and 甲街道 moves within every limit.
pub(crate) fn months() -> BTreeMap<&'static str, [Month; 2]> {
    let even: Month = (10, 9, 10_000, 8_000.0);
    TOWNSHIPS
        .iter()
        .map(|(code, _)| {
            let november = match *code {
                "510199002" => (10, 9, 10_000, 15_000.0),
                "510199003" => (10, 2, 10_000, 8_000.0),
                "510199006" => (10, 9, 10_000, 4.4),
                "510199001" => (12, 10, 10_000, 7_000.0),
                _ => even,
            };
            (*code, [even, november])
        })
        .collect()
}

/// The six townships' ledgers of October and November 2024 under `dir/data/<period>/`, and
/// their pipeline (`dir/pipeline.toml`, period 2024-11, output `out/p-<period>.xlsx`): three
/// measures, a rate, an amount, a sheet and the three kinds of review. Other tests append
/// to it.
pub(crate) fn write_district(dir: &Path) -> std::path::PathBuf {
    for (i, period) in ["2024-10", "2024-11"].iter().enumerate() {
        for (code, name) in TOWNSHIPS {
            let (cases, closed, involved, recovered) = months()[code][i];
            let folder = dir.join("data").join(period).join(format!("{code}-{name}"));
            std::fs::create_dir_all(&folder).unwrap();
            let mut csv = "案件编号,受理日期,办理状态,涉及金额,追发工资\n".to_string();
            for case in 0..cases {
                let status = if case < closed {
                    "已结案"
                } else {
                    "办理中"
                };
                csv.push_str(&format!(
                    "{code}-{period}-{case},{period}-05,{status},{involved},{recovered}\n"
                ));
            }
            std::fs::write(folder.join("台账.csv"), csv).unwrap();
        }
    }
    let entries: Vec<String> = TOWNSHIPS
        .iter()
        .map(|(code, name)| format!("{{ code = \"{code}\", name = \"{name}\" }}"))
        .collect();
    let pipeline = format!(
        r#"[pipeline]
name = "p"
title = "t"
period = "2024-11"
data = "data/{{period}}"
output = "out/p-{{period}}.xlsx"

[roster]
entries = [{}]

[settings.change_limit]
value = 50
label = "变动幅度审核阈值（%）"

[sources.cases]
files = "*/*.csv"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = {{ type = "text", required = true }}
"受理日期" = {{ type = "date", required = true }}
"办理状态" = {{ type = "text" }}
"涉及金额" = {{ type = "money" }}
"追发工资" = {{ type = "money" }}

[measures.accepted]
source = "cases"
sql = "count(*)"
label = "受理数"

[measures.closed]
source = "cases"
sql = "count(*)"
filter = "办理状态 = '已结案'"
label = "结案数"

[measures.recovered]
source = "cases"
sql = "sum(追发工资)"
label = "追发工资"

[measures.involved]
source = "cases"
sql = "sum(涉及金额)"
label = "涉及金额"

[indicators.closure_rate]
expr = "closed / accepted"
label = "结案率"
display = "percent"

[indicators.recovered_wan]
expr = "recovered"
label = "追发工资（万元）"
display = "万元"

[[plausibility]]
name = "追发不多于涉及金额"
relation = "recovered <= involved"

[[plausibility]]
name = "结案率离群"
figure = "closure_rate"
outlier = 3.5

[[plausibility]]
name = "追发与上期相比"
figure = "recovered_wan"
against = "上期"
max_change_percent = "{{change_limit}}"
min_base = 1

[[report.sheets]]
name = "表"
title = "t"
columns = [
  {{ header = ["受理"], value = "accepted" }},
  {{ header = ["结案率"], value = "closure_rate" }},
  {{ header = ["追发工资（万元）"], value = "recovered_wan" }},
]
"#,
        entries.join(", ")
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, pipeline).unwrap();
    path
}

/// The townships (and `合计`) each review questioned: review name → codes.
fn questioned(findings: &[serde_json::Value]) -> BTreeMap<String, BTreeSet<String>> {
    let mut by_review: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in findings {
        let rule = f["rule"].as_str().unwrap_or("");
        let Some(review) = rule.strip_prefix("合理性审核：") else {
            continue;
        };
        assert_eq!(
            f["severity"], "warning",
            "a question, never an exclusion: {f}"
        );
        let who = f["submitter"].as_str().unwrap_or("合计").to_string();
        by_review.entry(review.to_string()).or_default().insert(who);
    }
    by_review
}

/// Median and robust spread as the test computes them (1.4826 × MAD, or 1.2533 × the mean
/// absolute deviation when the MAD is 0).
fn robust(values: &[f64]) -> (f64, f64) {
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    };
    let m = median(values.to_vec());
    let deviations: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    let mad = median(deviations.clone());
    let spread = if mad > 0.0 {
        1.4826 * mad
    } else {
        1.2533 * deviations.iter().sum::<f64>() / deviations.len() as f64
    };
    (m, spread)
}

#[test]
fn each_review_questions_the_townships_the_figures_say_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = write_district(dir.path());
    // October into the store: November's move is measured against it.
    run_period(&pipeline, "2024-10");
    let findings = validate_findings(&pipeline, &dir.path().join("out"));
    let found = questioned(&findings);

    // What the reviews must say, computed here from the months written.
    let months = months();
    let fen = |n: usize, yuan: f64| (n as f64 * yuan * 100.0).round();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (mut total_now, mut total_then) = (0.0, 0.0);
    let mut rates = Vec::new();
    for (code, [october, november]) in &months {
        let (cases, closed, involved, recovered) = *november;
        if fen(cases, recovered) > fen(cases, involved as f64) {
            expected
                .entry("追发不多于涉及金额".into())
                .or_default()
                .insert(code.to_string());
        }
        let (now, then) = (fen(cases, recovered), fen(october.0, october.3));
        (total_now, total_then) = (total_now + now, total_then + then);
        if ((now - then) / then).abs() * 100.0 > 50.0 {
            expected
                .entry("追发与上期相比".into())
                .or_default()
                .insert(code.to_string());
        }
        rates.push((code.to_string(), closed as f64 / cases as f64));
    }
    if ((total_now - total_then) / total_then).abs() * 100.0 > 50.0 {
        expected
            .entry("追发与上期相比".into())
            .or_default()
            .insert("合计".into());
    }
    let (median, spread) = robust(&rates.iter().map(|(_, r)| *r).collect::<Vec<_>>());
    for (code, rate) in &rates {
        if ((rate - median) / spread).abs() > 3.5 {
            expected
                .entry("结案率离群".into())
                .or_default()
                .insert(code.clone());
        }
    }
    // The figures were made so that each review has something to find.
    assert_eq!(expected.len(), 3, "{expected:?}");
    assert_eq!(found, expected);

    // 己乡's message names both values and the threshold, as the report shows them.
    let fall = findings
        .iter()
        .find(|f| f["submitter"] == "510199006" && f["rule"] == "合理性审核：追发与上期相比")
        .unwrap();
    let message = fall["message"].as_str().unwrap();
    assert!(
        message.contains("本期0.00")
            && message.contains("上期8.00")
            && message.contains("下降99.9%")
            && message.contains("±50%"),
        "{message}"
    );
    assert_eq!(fall["column"], "追发工资（万元）");
    assert_eq!(fall["file"], "510199006-己乡/台账.csv");

    // The 问题清单 keeps a column for the township's answer.
    let list = crate::common::sheet(&dir.path().join("out/p-2024-11-问题清单.xlsx"), "问题清单");
    let headings: Vec<String> = (0..list.width())
        .map(|c| crate::common::heading(list.get((0, c))))
        .collect();
    assert!(
        headings.iter().any(|h| h == "情况说明（报送单位填写）"),
        "{headings:?}"
    );
}

#[test]
fn the_report_says_which_reviews_ran_and_what_each_found() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = write_district(dir.path());
    run_period(&pipeline, "2024-10");
    run_period(&pipeline, "2024-11");
    let table = crate::common::sheet(&dir.path().join("out/p-2024-11.xlsx"), "表");
    let text: String = table
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains(
            "合理性审核“追发不多于涉及金额”：各单位及合计应满足“追发工资 ≤ 涉及金额”，1处需核实"
        ),
        "{text}"
    );
    assert!(text.contains("合理性审核“追发与上期相比”：追发工资（万元）与上期相比变动超过50%"));
    // October had no month before it in the store: its report says the review could not run.
    let october = crate::common::sheet(&dir.path().join("out/p-2024-10.xlsx"), "表");
    let text: String = october
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("合理性审核“追发与上期相比”：")
            && text.contains("未能进行（没有上期的数字）"),
        "{text}"
    );
}

#[test]
fn the_bundled_reviews_question_what_the_sample_truth_says() {
    // This year's 受理 and 追发 per township against last year's published report: the
    // generators' truth decides which townships move by more than 50 % (bases under 20
    // cases or 10 万元 not compared).
    let now = read_truth("sample-data/2024/expected.csv");
    let last = read_truth("sample-data/2024/expected-last-year.csv");
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut flag = |review: &str, who: &str, now: f64, then: f64, floor: f64| {
        if then >= floor && then != 0.0 && ((now - then) / then).abs() * 100.0 > 50.0 {
            expected
                .entry(review.into())
                .or_default()
                .insert(who.into());
        }
    };
    let (mut accepted, mut accepted_last, mut fen, mut fen_last) = (0.0, 0.0, 0.0, 0.0);
    for (code, t) in &now {
        let Some(l) = last.get(code) else { continue };
        let this_fen = t["recovered_fen"] as f64;
        // Published in 万元 to two decimals: 0.01 万元 is 10,000 fen.
        let last_fen = l["recovered_wan_cents"] as f64 * 10_000.0;
        flag(
            "受理数与上年相比",
            code,
            t["accepted"] as f64,
            l["accepted"] as f64,
            20.0,
        );
        flag(
            "追发工资与上年相比",
            code,
            this_fen,
            last_fen,
            10.0 * 1_000_000.0,
        );
        accepted += t["accepted"] as f64;
        accepted_last += l["accepted"] as f64;
        fen += this_fen;
        fen_last += last_fen;
    }
    flag("受理数与上年相比", "合计", accepted, accepted_last, 20.0);
    flag(
        "追发工资与上年相比",
        "合计",
        fen,
        fen_last,
        10.0 * 1_000_000.0,
    );
    assert!(
        !expected.is_empty(),
        "the sample's last year differs enough to be questioned"
    );

    let dir = tempfile::tempdir().unwrap();
    let output = laborstat()
        .args([
            "validate",
            "pipelines/annual.toml",
            "--format",
            "json",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let findings: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let found = questioned(&findings);
    // 结案 ≤ 上期未结 + 受理 holds in the truth for every township: the review is silent.
    assert!(now
        .values()
        .all(|t| t["closed"] <= t["carried"] + t["accepted"]));
    assert_eq!(found.get("结案不多于应结"), None);
    let found: BTreeMap<String, BTreeSet<String>> = found
        .into_iter()
        .filter(|(review, _)| review.ends_with("与上年相比") && review != "结案率与上年相比")
        .collect();
    assert_eq!(found, expected);
}

/// A truth CSV as code → column → value (the sample generators' own figures).
fn read_truth(path: &str) -> HashMap<String, HashMap<String, i64>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let values = header
                .iter()
                .zip(&cells)
                .skip(2)
                .filter_map(|(h, v)| Some((h.to_string(), v.parse().ok()?)))
                .collect();
            (cells[0].to_string(), values)
        })
        .collect()
}
