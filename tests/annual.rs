//! The year-end compilation beyond the complaint ledger: the employer registry on the sample
//! district against its generator's truth (townships, kind subtotals, 合计, the roster's
//! targets), the seeds' published registry figures reproduced from rows, and the pipeline
//! language that carries them (`include`, roster constants, `subtotals`).

use std::collections::HashMap;
use std::path::Path;

use crate::common::{laborstat, run_ok, run_report, Table};

/// `laborstat run pipelines/annual.toml --data DATA [--period P] --no-store --out DIR/seed.xlsx`,
/// which must succeed; returns the report's path.
fn run_annual_on(data: &str, period: Option<&str>, dir: &Path) -> std::path::PathBuf {
    run_annual_with(data, period, &[], dir)
}

/// As [`run_annual_on`], with more arguments (`--set name=value`).
fn run_annual_with(
    data: &str,
    period: Option<&str>,
    args: &[&str],
    dir: &Path,
) -> std::path::PathBuf {
    let out = dir.join("seed.xlsx");
    let mut cmd = laborstat();
    cmd.args([
        "run",
        "pipelines/annual.toml",
        "--data",
        data,
        "--no-store",
        "--out",
    ])
    .arg(&out)
    .args(args);
    if let Some(period) = period {
        cmd.args(["--period", period]);
    }
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// `laborstat check FILE`, which must refuse it (exit 2); returns what it said.
fn refused_by_check(file: &str) -> String {
    let output = laborstat().args(["check", file]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A generator's truth, sample-data/<year>/expected-<ledger>.csv (generate_<ledger>.py):
/// code → figure → value.
fn truth_csv(path: &Path) -> HashMap<String, HashMap<String, i64>> {
    let text = std::fs::read_to_string(path).expect("a truth file");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let figures = header
                .iter()
                .zip(&cells)
                .skip(2)
                .map(|(h, v)| (h.to_string(), v.parse().unwrap()))
                .collect();
            (cells[0].to_string(), figures)
        })
        .collect()
}

/// The roster as the test reads it: code → (kind, 书面审查目标数).
fn roster() -> HashMap<String, (String, i64)> {
    let text = std::fs::read_to_string("sample-data/roster.csv").unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (
                cells[0].to_string(),
                (cells[2].to_string(), cells[3].parse().unwrap()),
            )
        })
        .collect()
}

/// Every figure of a row of the 用人单位 sheet against summed truth rows (and their target).
fn assert_employer_row(table: &Table, key: &str, t: &HashMap<String, i64>, target: i64) {
    let counts = [
        ("合计", "units"),
        ("其中：企业", "enterprises"),
        ("其中：农民工", "migrant"),
        ("签订人数", "contracted"),
        ("参保人数", "insured"),
        ("完成数", "reviewed"),
        ("A级", "grade_a"),
        ("B级", "grade_b"),
        ("C级", "grade_c"),
    ];
    for (column, figure) in counts {
        assert_eq!(
            table.number(key, column),
            t[figure] as f64,
            "{key}: {column}"
        );
    }
    assert_eq!(table.number(key, "目标数"), target as f64, "{key}: 目标数");
    let rates = [
        ("签订率", t["contracted"] as f64 / t["employees"] as f64),
        ("参保率", t["insured"] as f64 / t["employees"] as f64),
        ("完成率", t["reviewed"] as f64 / target as f64),
    ];
    for (column, expected) in rates {
        let got = table.number(key, column);
        assert!(
            (got - expected).abs() < 1e-12,
            "{key}: {column} {got} ≠ {expected}"
        );
    }
}

/// Runs `check` on each township's truth row, on each roster kind's sum (其中：街道…) and on
/// the sum of all (合计); returns that sum.
fn check_every_level(
    truth: &HashMap<String, HashMap<String, i64>>,
    roster: &HashMap<String, (String, i64)>,
    check: impl Fn(&str, &HashMap<String, i64>),
) -> HashMap<String, i64> {
    let mut total = HashMap::new();
    let mut by_kind: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for (code, t) in truth {
        check(code, t);
        add(&mut total, t);
        add(by_kind.entry(roster[code].0.clone()).or_default(), t);
    }
    check("合计", &total);
    assert!(!by_kind.is_empty());
    for (kind, t) in &by_kind {
        check(&format!("其中：{kind}"), t);
    }
    total
}

fn add(into: &mut HashMap<String, i64>, from: &HashMap<String, i64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

#[test]
fn the_employer_registry_gives_each_township_its_kind_subtotals_and_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_report("pipelines/annual.toml", None, &out);
    assert!(
        summary.contains("用人单位信息采集表：找到 13 个，采用 13"),
        "{summary}"
    );
    let truth = truth_csv("sample-data/2024/expected-employers.csv".as_ref());
    let roster = roster();
    let table = Table::read(&out, "用人单位");
    let mut total = HashMap::new();
    let mut by_kind: HashMap<String, HashMap<String, i64>> = HashMap::new();
    let mut targets: HashMap<String, i64> = HashMap::new();
    for (code, (kind, target)) in &roster {
        *targets.entry(kind.clone()).or_default() += target;
        let Some(t) = truth.get(code) else {
            continue; // sent nothing
        };
        assert_employer_row(&table, code, t, *target);
        add(&mut total, t);
        add(by_kind.entry(kind.clone()).or_default(), t);
    }
    // The targets of 合计 and the subtotals are the roster's sums, townships that sent
    // nothing included (their target stands whether they report or not).
    let all_targets: i64 = roster.values().map(|(_, t)| t).sum();
    assert_employer_row(&table, "合计", &total, all_targets);
    assert_eq!(by_kind.len(), 4, "街道, 镇, 乡, 园区");
    for (kind, t) in &by_kind {
        assert_employer_row(&table, &format!("其中：{kind}"), t, targets[kind]);
    }
    // The subtotals sit right under 合计, in the roster's order of kinds.
    let range = crate::common::sheet(&out, "用人单位");
    let labels: Vec<String> = range
        .rows()
        .map(|r| r.get(1).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    let at = labels.iter().position(|l| l == "合计").unwrap();
    assert_eq!(
        labels[at + 1..at + 5],
        ["其中：街道", "其中：镇", "其中：乡", "其中：园区"]
    );
    // The 说明 says where the target comes from and what a subtotal is.
    let notes = labels.join("\n")
        + &range
            .rows()
            .map(|r| r.first().map(|d| d.to_string()).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n");
    assert!(
        notes.contains("取自单位名单的“书面审查目标数”列"),
        "{notes}"
    );
    assert!(notes.contains("“其中”各行为单位名单中该类型"), "{notes}");
}

#[test]
fn explain_and_query_reach_a_subtotal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let range = crate::common::sheet(&out, "用人单位");
    let row = range
        .rows()
        .position(|r| r.get(1).is_some_and(|d| *d == "其中：镇"))
        .unwrap();
    // Column C is the first figure (代码, name, then 用人单位 合计).
    let address = format!("用人单位!C{}", row + 1);
    let output = laborstat()
        .args(["explain", "pipelines/annual.toml", &address, "--store"])
        .arg(dir.path().join("store"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let truth = truth_csv("sample-data/2024/expected-employers.csv".as_ref());
    let roster = roster();
    let towns: i64 = truth
        .iter()
        .filter(|(code, _)| roster[*code].0 == "镇")
        .map(|(_, t)| t["units"])
        .sum();
    assert!(
        text.contains("其中：镇（名单中类型为“镇”的单位之和）"),
        "{text}"
    );
    assert!(text.contains(&format!("{towns}")), "{towns} in {text}");

    let output = laborstat()
        .args([
            "query",
            "pipelines/annual.toml",
            "select submitter_name, units from measures where subtotal = '镇'",
            "--format",
            "csv",
            "--store",
        ])
        .arg(dir.path().join("store"))
        .output()
        .unwrap();
    let csv = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{csv}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(csv.contains(&format!("其中：镇,{towns}")), "{csv}");
    // The report's own cell: `results` holds the 其中：镇 row as the sheet printed it.
    let (csv, _) = run_ok(&[
        "query",
        "pipelines/annual.toml",
        "select row, value from results where row = '其中：镇' and figure = 'units' and window = '本期'",
        "--format",
        "csv",
        "--store",
        dir.path().join("store").to_str().unwrap(),
    ]);
    let printed = crate::query::csv_rows(&csv);
    assert!(!printed.is_empty(), "{csv}");
    for row in &printed {
        assert_eq!(row["value"].parse::<f64>().unwrap(), towns as f64, "{csv}");
    }
}

/// Seed 000 (../shared/seeds): 1358 企业 with 67157 从业人员, 签订率 90.24 %, 参保率 80.57 %,
/// reproduced from record-level registry rows whose true totals are those figures
/// (tests/fixtures/seeds/make.py).
#[test]
fn seed_000_employer_registry_is_reproduced_from_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seed.xlsx");
    run_report(
        "pipelines/annual.toml",
        Some("tests/fixtures/seeds/000"),
        &out,
    );
    let table = Table::read(&out, "用人单位");
    assert_eq!(table.number("合计", "合计"), 1358.0);
    assert_eq!(table.number("合计", "其中：企业"), 1358.0);
    let employees = 67157.0;
    let contract = table.number("合计", "签订率");
    let insured = table.number("合计", "参保率");
    assert_eq!(table.number("合计", "签订人数") / employees, contract);
    assert_eq!(format!("{:.2}", contract * 100.0), "90.24");
    assert_eq!(format!("{:.2}", insured * 100.0), "80.57");
    // 年检 (书面审查): 466 against last year's published 271 → +195, +72.0 %.
    let row = headline_row(&out, "书面审查（年检）用人单位（户）");
    assert_eq!(
        (num(&row[0]), num(&row[1]), num(&row[2])),
        (466.0, 271.0, 195.0)
    );
    assert_eq!(format!("{:.1}", num(&row[3]) * 100.0), "72.0");
    // 主动监察: 515 employers, 33600 workers, 80 责令改正, 15 处罚, 3.6万元.
    let inspections = Table::read(&out, "主动监察");
    for (column, expected) in [
        ("检查用人单位（户）", 515.0),
        ("涉及劳动者（人）", 33600.0),
        ("责令改正（件）", 80.0),
        ("件数", 15.0),
        ("罚款（万元）", 3.6),
    ] {
        assert_eq!(inspections.number("合计", column), expected, "{column}");
    }
    // Arbitration: 受理 76, 结案 74 → 97.4 %, nothing carried over.
    let disputes = Table::read(&out, "劳动争议");
    assert_eq!(disputes.number("合计", "上期未结"), 0.0);
    assert_eq!(disputes.number("合计", "本期受理"), 76.0);
    assert_eq!(disputes.number("合计", "结案"), 74.0);
    let rate = disputes.number("合计", "仲裁结案率");
    assert_eq!(rate, 74.0 / 76.0);
    assert_eq!(format!("{:.1}", rate * 100.0), "97.4");
}

#[test]
fn include_mistakes_are_reported_in_the_file_they_are_in() {
    let stderr = refused_by_check("tests/fixtures/pipelines/include.toml");
    insta::assert_snapshot!(stderr);
}

#[test]
fn mistakes_inside_included_files_are_told_at_their_own_lines() {
    let stderr = refused_by_check("tests/fixtures/pipelines/include-errors.toml");
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_name_declared_in_two_files_is_refused_where_it_is_repeated() {
    let stderr = refused_by_check("tests/fixtures/pipelines/include-twice.toml");
    // The second declaration is line 3 of the included file.
    assert!(
        stderr.contains("tests/fixtures/pipelines/include/measures.toml:3:"),
        "{stderr}"
    );
}

#[test]
fn the_dispute_ledger_gives_stocks_flows_and_rates_from_totals_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_report("pipelines/annual.toml", None, &out);
    assert!(
        summary.contains("劳动争议调解仲裁台账：找到 13 个，采用 13"),
        "{summary}"
    );
    let truth = truth_csv("sample-data/2024/expected-disputes.csv".as_ref());
    let roster = roster();
    let table = Table::read(&out, "劳动争议");
    let check = |key: &str, t: &HashMap<String, i64>| {
        let counts = [
            ("上期未结", "carried"),
            ("本期受理", "accepted"),
            ("结案", "closed"),
            ("期末未结", "open_at_end"),
            ("调解结案", "mediated"),
            ("企业", "mediated_企业"),
            ("村社区", "mediated_村社区"),
            ("镇街", "mediated_镇街"),
            ("区级", "mediated_区级"),
            ("仲裁院", "mediated_仲裁院"),
            ("集体争议（件）", "collective"),
        ];
        for (column, figure) in counts {
            assert_eq!(
                table.number(key, column),
                t[figure] as f64,
                "{key}: {column}"
            );
        }
        // The stock identity holds for every level: 期末未结 = 上期未结 + 受理 − 结案.
        assert_eq!(
            t["open_at_end"],
            t["carried"] + t["accepted"] - t["closed"],
            "{key}"
        );
        let rates = [
            // The pipeline's setting: 上期未结 + 本期受理.
            (
                "仲裁结案率",
                t["closed"] as f64 / (t["carried"] + t["accepted"]) as f64,
            ),
            (
                "成功率",
                t["mediation_succeeded"] as f64 / t["mediation_tried"] as f64,
            ),
            ("结案占比", t["mediated"] as f64 / t["closed"] as f64),
        ];
        for (column, expected) in rates {
            let got = table.number(key, column);
            assert!(
                (got - expected).abs() < 1e-12,
                "{key}: {column} {got} ≠ {expected}"
            );
        }
    };
    check_every_level(&truth, &roster, check);
}

/// The 主要指标 sheet's row labelled `label`: 本年, 上年, 增减量, 增减率, 上年数据来源.
/// 上年 from the store: the year before's ledgers (sample-data/2023, the generators' own
/// truth beside them) run first, then this year's over the same store. A 主要指标 row
/// without a published figure reads 2023 from the store and is 2023's truth; a row from last
/// year's published report (made from the same ledgers) is the same figure.
#[test]
fn last_year_from_the_store_is_last_years_ledgers_as_published() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    for period in ["2023", "2024"] {
        let out = dir.path().join(format!("annual-{period}.xlsx"));
        let (store, out) = (store.to_str().unwrap(), out.to_str().unwrap());
        let pipeline = "pipelines/annual.toml";
        run_ok(&[
            "run", pipeline, "-q", "--period", period, "--store", store, "--out", out,
        ]);
    }
    let out = dir.path().join("annual-2024.xlsx");
    let employers = truth_csv("sample-data/2023/expected-employers.csv".as_ref());
    let sum = |k: &str| employers.values().map(|t| t[k]).sum::<i64>() as f64;
    let row = headline_row(&out, "劳动合同签订率");
    let before = sum("contracted") / sum("employees");
    assert!((num(&row[1]) - before).abs() < 1e-12, "{row:?} vs {before}");
    assert!((num(&row[3]) - (num(&row[0]) - before) * 100.0).abs() < 1e-9);
    assert!(
        row[4].to_string().contains("2023年存储的数据"),
        "{:?}",
        row[4]
    );
    // The published 结案率 of 2023 is its ledgers' own: 结案 ÷ (上期未结 + 受理).
    let cases = crate::common::read_truth("sample-data/2023/expected.csv".as_ref());
    let closed: i64 = cases.values().map(|t| t.closed).sum();
    let due: i64 = cases.values().map(|t| t.due()).sum();
    let row = headline_row(&out, "结案率");
    assert!((num(&row[1]) - closed as f64 / due as f64).abs() < 1e-12);
    // And 2023's own report, run from its ledgers, printed that figure. It had no published
    // report of 2022 beside it: 上年受理 is unknown there, "—" at every level, not 0.
    let table = Table::read(&dir.path().join("annual-2023.xlsx"), "投诉举报案件");
    assert_eq!(table.number("合计", "结案率"), closed as f64 / due as f64);
    for key in ["合计", "其中：街道", "510199001"] {
        assert_eq!(table.get(key, "上年受理").to_string(), "—", "{key}");
    }
}

/// A row's figures against a truth row: each (column, figure) of `counts` as it is, each of
/// `money` (the truth in fen) in 万元.
fn assert_figures(
    table: &Table,
    key: &str,
    t: &HashMap<String, i64>,
    counts: &[(&str, &str)],
    money: &[(&str, &str)],
) {
    for (column, figure) in counts {
        let expected = t[*figure] as f64;
        assert_eq!(table.number(key, column), expected, "{key}: {column}");
    }
    for (column, fen) in money {
        let expected = crate::common::wan(t[*fen]);
        assert_eq!(table.number(key, column), expected, "{key}: {column}");
    }
}

fn headline_row(path: &Path, label: &str) -> Vec<calamine::Data> {
    let range = crate::common::sheet(path, "主要指标");
    range
        .rows()
        .find(|r| r.get(1).is_some_and(|d| *d == label))
        .unwrap_or_else(|| panic!("no row {label}"))[2..7]
        .to_vec()
}

fn num(d: &calamine::Data) -> f64 {
    use calamine::DataType;
    d.as_f64().unwrap_or_else(|| panic!("not a number: {d:?}"))
}

#[test]
fn the_headline_sheet_sets_this_year_beside_last_years_published_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let names = {
        use calamine::Reader;
        let book = calamine::open_workbook_auto(&out).unwrap();
        book.sheet_names()
    };
    assert_eq!(names[0], "主要指标", "first sheet");
    // This year from the generators' truth, last year from the published report's 合计.
    let cases = crate::common::read_truth("sample-data/2024/expected.csv".as_ref());
    let accepted: i64 = cases.values().map(|t| t.accepted).sum();
    let closed: i64 = cases.values().map(|t| t.closed).sum();
    let due: i64 = cases.values().map(|t| t.due()).sum();
    let last = truth_csv("sample-data/2024/expected-last-year.csv".as_ref());
    let last = &last["合计"];
    let row = headline_row(&out, "受理投诉举报案件（件）");
    assert_eq!(num(&row[0]), accepted as f64);
    assert_eq!(num(&row[1]), last["accepted"] as f64);
    assert_eq!(num(&row[2]), (accepted - last["accepted"]) as f64);
    let rate = (accepted - last["accepted"]) as f64 / last["accepted"] as f64;
    assert!((num(&row[3]) - rate).abs() < 1e-12);
    assert!(row[4].to_string().contains("上年年报"), "{:?}", row[4]);
    // A rate: its change in points, no 增减量; last year's rate from its published counts,
    // over the same denominator (上期未结 + 受理) as this year's.
    let row = headline_row(&out, "结案率");
    let (now, before) = (
        closed as f64 / due as f64,
        last["closed"] as f64 / (last["carried"] + last["accepted"]) as f64,
    );
    assert!((num(&row[0]) - now).abs() < 1e-12);
    assert!((num(&row[1]) - before).abs() < 1e-12);
    assert_eq!(row[2].to_string(), "—");
    assert!((num(&row[3]) - (now - before) * 100.0).abs() < 1e-9);
    // Money: last year's 万元 as published, this year's from fen.
    let row = headline_row(&out, "追发工资等待遇（万元）");
    let recovered: i64 = cases.values().map(|t| t.recovered_fen).sum();
    assert_eq!(num(&row[0]), crate::common::wan(recovered));
    assert_eq!(num(&row[1]), last["recovered_wan_cents"] as f64 / 100.0);
    // Without `last_year`, the store's 2023: absent here, so "—", and said where it is from.
    let row = headline_row(&out, "劳动合同签订率");
    assert_eq!(row[1].to_string(), "—");
    assert_eq!(row[3].to_string(), "—");
    assert!(
        row[4].to_string().contains("2023年存储的数据"),
        "{:?}",
        row[4]
    );
    // The sentences, filled as the report shows the figures.
    let range = crate::common::sheet(&out, "主要指标");
    let text: Vec<String> = range
        .rows()
        .map(|r| r.first().map(|d| d.to_string()).unwrap_or_default())
        .collect();
    let expected = format!(
        "全年受理投诉举报案件{accepted}件，结案{closed}件，结案率{:.1}%，",
        now * 100.0
    );
    assert!(
        text.iter().any(|t| t.starts_with(&expected)),
        "{expected} in {text:#?}"
    );
    // Per township too: the case sheet's 上年受理 is the published row, its 增减 from both.
    let published = truth_csv("sample-data/2024/expected-last-year.csv".as_ref());
    let table = Table::read(&out, "投诉举报案件");
    for (code, t) in &cases {
        let before = published[code]["accepted"] as f64;
        assert_eq!(table.number(code, "上年受理"), before, "{code}");
        let change = (t.accepted as f64 - before) / before;
        assert!(
            (table.number(code, "受理增减") - change).abs() < 1e-12,
            "{code}"
        );
    }
    // The form's 表号 block, top right of the title row.
    let range = crate::common::sheet(&out, "投诉举报案件");
    let top: String = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(top.contains("表号：劳监年1表"), "{top}");
    // explain: 上年 of the first row is the published table's rows, summed again.
    let output = laborstat()
        .args([
            "explain",
            "pipelines/annual.toml",
            "主要指标!D4",
            "--no-store",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let summed = format!(
        "合计为 {}，即报表中的数字",
        crate::common::grouped(last["accepted"])
    );
    assert!(text.contains(&summed), "{summed} in {text}");
}

/// Seed 002: disputes fell from 2419 to 1687 (−30.3 %) and the mediation success rate rose
/// from 46 % (347 of 756) to 80 % (230 of 289): +33.7 百分点.
#[test]
fn seed_002_falls_and_rises_against_last_years_published_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_annual_on("tests/fixtures/seeds/002", Some("2019"), dir.path());
    let row = headline_row(&out, "受理劳动人事争议案件（件）");
    assert_eq!(
        (num(&row[0]), num(&row[1]), num(&row[2])),
        (1687.0, 2419.0, -732.0)
    );
    assert_eq!(format!("{:.1}", num(&row[3]) * 100.0), "-30.3");
    let row = headline_row(&out, "调解成功率");
    assert_eq!(format!("{:.0}", num(&row[0]) * 100.0), "80");
    assert_eq!(format!("{:.0}", num(&row[1]) * 100.0), "46");
    assert_eq!(format!("{:.1}", num(&row[3])), "33.7");
    // No complaint ledger and no published complaint table this time: last year is "—".
    let row = headline_row(&out, "受理投诉举报案件（件）");
    assert_eq!(row[1].to_string(), "—");
}

#[test]
fn charts_by_township_draw_each_townships_figure_sorted_from_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let cases = crate::common::read_truth("sample-data/2024/expected.csv".as_ref());
    let range = crate::common::sheet(&out, "结案率图");
    let drawn: Vec<(String, f64)> = range
        .rows()
        .skip(3)
        .take_while(|r| r.get(1).is_some_and(|d| num_or_none(d).is_some()))
        .map(|r| (r[0].to_string(), num(&r[1])))
        .collect();
    // Every township that sent its ledger, none that did not, highest first.
    assert_eq!(drawn.len(), cases.len());
    assert!(drawn.windows(2).all(|w| w[0].1 >= w[1].1), "{drawn:?}");
    for t in cases.values() {
        let (_, rate) = drawn.iter().find(|(n, _)| *n == t.name).unwrap();
        assert!(
            (rate - t.closed as f64 / t.due() as f64).abs() < 1e-12,
            "{}",
            t.name
        );
    }
    let text: String = range.rows().map(|r| r[0].to_string()).collect();
    assert!(
        text.contains("未绘出（未报送或无数值）：天府科技园区"),
        "{text}"
    );
}

fn num_or_none(d: &calamine::Data) -> Option<f64> {
    use calamine::DataType;
    d.as_f64()
}

#[test]
fn the_injury_ledger_counts_each_conclusion_and_what_is_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_report("pipelines/annual.toml", None, &out);
    assert!(
        summary.contains("工伤认定台账：找到 13 个，采用 13"),
        "{summary}"
    );
    let truth = truth_csv("sample-data/2024/expected-injuries.csv".as_ref());
    let roster = roster();
    let table = Table::read(&out, "工伤认定");
    let columns = [
        ("申请（件）", "applied"),
        ("不予受理", "不予受理"),
        ("认定工伤", "认定工伤"),
        ("视同工伤", "视同工伤"),
        ("不予认定", "不予认定"),
        ("撤回申请", "撤回"),
        ("终止", "终止"),
        ("中止", "中止"),
        ("期末在办", "open_at_end"),
    ];
    let check = |key: &str, t: &HashMap<String, i64>| {
        for (column, figure) in columns {
            assert_eq!(
                table.number(key, column),
                t[figure] as f64,
                "{key}: {column}"
            );
        }
        assert_eq!(
            table.number(key, "受理（件）"),
            (t["applied"] - t["不予受理"]) as f64,
            "{key}: 受理"
        );
    };
    check_every_level(&truth, &roster, check);
}

/// Seed 001: 2125 工伤认定 applications — 认定工伤 1834, 视同工伤 6, 不予认定 63, 撤回 4,
/// 不予受理 3, 终止 120 — leave 95 在办; and 2025 complaint cases, 165 of them group cases
/// (5 workers or more) of 2556 workers, with 2966.21万元 recovered.
#[test]
fn seed_001_injury_outcomes_and_cases_are_reproduced_from_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_annual_on("tests/fixtures/seeds/001", None, dir.path());
    let table = Table::read(&out, "工伤认定");
    let figures = [
        ("申请（件）", 2125.0),
        ("认定工伤", 1834.0),
        ("视同工伤", 6.0),
        ("不予认定", 63.0),
        ("撤回申请", 4.0),
        ("不予受理", 3.0),
        ("终止", 120.0),
        ("期末在办", 95.0),
    ];
    for (column, expected) in figures {
        assert_eq!(table.number("合计", column), expected, "{column}");
    }
    let cases = Table::read(&out, "投诉举报案件");
    assert_eq!(cases.number("合计", "受理（件）"), 2025.0);
    assert_eq!(cases.number("合计", "件数"), 165.0);
    assert_eq!(cases.number("合计", "涉及人数"), 2556.0);
    assert_eq!(cases.number("合计", "追发工资等待遇（万元）"), 2966.21);

    // 施工单位72家, 保证金存储70家（其中免缴15家）: 免缴 counts as in place, as the seed does.
    let projects = Table::read(&out, "工资支付");
    assert_eq!(projects.number("合计", "年末在建项目（个）"), 72.0);
    assert_eq!(projects.number("合计", "已存储"), 55.0);
    assert_eq!(projects.number("合计", "免缴"), 15.0);
    assert_eq!(projects.number("合计", "缓缴"), 0.0);
    let rate = projects.number("合计", "工资保证金");
    assert_eq!(rate, 70.0 / 72.0);
    assert_eq!(format!("{:.1}", rate * 100.0), "97.2");
    // A bureau that does not count 免缴 says so for the run; the 说明 names the choice.
    let strict = tempfile::tempdir().unwrap();
    let out = run_annual_with(
        "tests/fixtures/seeds/001",
        None,
        &["--set", "deposit_exempt_counts=false"],
        strict.path(),
    );
    let projects = Table::read(&out, "工资支付");
    assert_eq!(projects.number("合计", "工资保证金"), 55.0 / 72.0);
    assert_eq!(projects.number("合计", "六项全部落实"), 55.0 / 72.0);
    let notes = sheet_text(&out, "工资支付");
    assert!(
        notes.contains("设置：免缴工资保证金的项目是否计为已落实保证金制度为否（本次运行以命令行 --set 指定；流水线文件中为是）"),
        "{notes}"
    );
}

/// Every cell of a sheet's first column, one per line: its title, notes and 说明.
fn sheet_text(path: &Path, name: &str) -> String {
    crate::common::sheet(path, name)
        .rows()
        .map(|r| r.first().map(|d| d.to_string()).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The figures of a sheet by row label (code, 合计) under a two-level header `top / bottom`.
fn figure(path: &Path, sheet: &str, top: &str, bottom: &str, row: &str) -> Option<f64> {
    use calamine::DataType;
    let range = crate::common::sheet(path, sheet);
    let cells: Vec<Vec<calamine::Data>> = range.rows().map(|r| r.to_vec()).collect();
    // A merged top header is written in its first cell only: carry it right.
    let mut tops = Vec::new();
    let mut current = String::new();
    for cell in &cells[2] {
        let text = crate::common::heading(Some(cell));
        if !text.is_empty() {
            current = text;
        }
        tops.push(current.clone());
    }
    let col = (0..cells[3].len())
        .find(|&c| {
            // A heading with nothing under it spans down: its second row is empty.
            let under = crate::common::heading(Some(&cells[3][c]));
            tops[c] == top && (under == bottom || bottom.is_empty() && under.is_empty())
        })
        .unwrap_or_else(|| panic!("no column {top} / {bottom} in {sheet}"));
    let line = cells
        .iter()
        .find(|r| r[0] == row || (row == "合计" && r[1] == "合计"))
        .unwrap_or_else(|| panic!("no row {row} in {sheet}"));
    line[col].as_f64()
}

/// The annual figures of 在建工程项目 and 欠薪线索 are the monthly pipeline's for December:
/// the year-end coverage is December's 本月, the year's leads December's 本年累计 — per
/// township and in total. Both pipelines read the same files through the same ledger file.
#[test]
fn the_annual_wage_payment_figures_equal_the_monthly_reports_december() {
    let dir = tempfile::tempdir().unwrap();
    let annual = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &annual);
    // The monthly report for December, over a store holding the year's months.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pipeline = crate::monthly::pipeline_in(dir.path(), &root.join("sample-data/monthly"));
    let output = laborstat()
        .arg("run")
        .arg(&pipeline)
        .args(["--period", "2024-01..2024-12", "-q"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let monthly = dir.path().join("monthly-wages-2024-12.xlsx");
    let mut rows: Vec<String> = roster().into_keys().collect();
    rows.push("合计".into());
    let pairs = [
        (
            ("年末在建项目（个）", ""),
            ("工资支付制度覆盖", "在建项目数（个）", ""),
        ),
        (
            ("制度覆盖率", "实名制"),
            ("工资支付制度覆盖", "实名制", "覆盖率"),
        ),
        (
            ("制度覆盖率", "工资专用账户"),
            ("工资支付制度覆盖", "工资专用账户", "覆盖率"),
        ),
        (
            ("制度覆盖率", "工资保证金"),
            ("工资支付制度覆盖", "工资保证金", "覆盖率"),
        ),
        (
            ("制度覆盖率", "按月足额支付"),
            ("工资支付制度覆盖", "按月足额支付", "比率"),
        ),
        (
            ("欠薪线索（条）", "接收"),
            ("欠薪案件及线索", "欠薪线索（条）", "本年累计"),
        ),
        (
            ("欠薪线索（条）", "按期办结率"),
            ("欠薪案件及线索", "线索按期办结率", "本年累计"),
        ),
    ];
    let mut compared = 0;
    for row in &rows {
        for ((top, bottom), (sheet, mtop, mbottom)) in pairs {
            let year_end = figure(&annual, "工资支付", top, bottom, row);
            let december = figure(&monthly, sheet, mtop, mbottom, row);
            assert_eq!(
                year_end, december,
                "{row}: {top}/{bottom} vs {sheet} {mtop}/{mbottom}"
            );
            compared += year_end.is_some() as usize;
        }
    }
    assert!(compared > 60, "figures compared: {compared}");
}

/// 工资保证金 at the year's end, from December's files: 已存储, 免缴 and 缓缴 projects and the
/// balance per township as generate_monthly.py wrote them; 免缴 counted as in place (the
/// setting's default); 欠薪线索发生率 over the base the setting names, from the same cells.
#[test]
fn wage_deposits_and_the_leads_rate_follow_their_settings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let monthly = crate::common::monthly_truth();
    let table = Table::read(&out, "工资支付");
    let employers = Table::read(&out, "用人单位");
    let mut compared = 0;
    for code in roster().keys() {
        let Some(t) = monthly.get(&("2024-12".to_string(), code.clone())) else {
            continue;
        };
        let counts = [
            ("已存储", "deposit_stored"),
            ("免缴", "deposit_exempt"),
            ("缓缴", "deposit_deferred"),
            ("年末在建项目（个）", "projects_active"),
        ];
        let money = [("保证金年末余额（万元）", "deposit_balance_fen")];
        assert_figures(&table, code, t, &counts, &money);
        // In place: 已存储 and 免缴 (the generator's 工资保证金 count is of both).
        let active = t["projects_active"] as f64;
        if active > 0.0 {
            let rate = table.number(code, "工资保证金");
            assert!(
                (rate - t["工资保证金"] as f64 / active).abs() < 1e-12,
                "{code}"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 14, "every township's December report");
    // 发生率 = 线索数 ÷ 用人单位数 (the default base), at every level from its own totals.
    for key in ["合计", "510199101"] {
        let rate = table.number(key, "发生率");
        let expected = table.number(key, "接收") / employers.number(key, "合计");
        assert!(
            (rate - expected).abs() < 1e-12,
            "{key}: {rate} vs {expected}"
        );
    }
    // Over the projects instead, for one run.
    let active = dir.path().join("active.xlsx");
    let out = active.to_str().unwrap();
    let set = ["--set", "leads_rate_base=active"];
    run_ok(
        &[
            &["run", "pipelines/annual.toml", "--no-store", "--out", out][..],
            &set,
        ]
        .concat(),
    );
    let table = Table::read(&active, "工资支付");
    let rate = table.number("合计", "发生率");
    let expected = table.number("合计", "接收") / table.number("合计", "年末在建项目（个）");
    assert!((rate - expected).abs() < 1e-12, "{rate} vs {expected}");
}

/// Seed 003: 诚信等级 A 125 / B 5562 / C 0 of 5687 units, 书面审查 1628 against targets of 1000
/// (162.8 %, not capped), and 106 of 113 projects with a 工资专用账户 (93.8 %). Its own roster,
/// over the bundled ledger files (tests/fixtures/seeds/003/annual.toml includes them).
#[test]
fn seed_003_grades_reviews_and_wage_accounts_are_reproduced_from_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seed.xlsx");
    run_report("tests/fixtures/seeds/003/annual.toml", None, &out);
    let table = Table::read(&out, "用人单位");
    for (column, expected) in [
        ("合计", 5687.0),
        ("A级", 125.0),
        ("B级", 5562.0),
        ("C级", 0.0),
        ("完成数", 1628.0),
        ("目标数", 1000.0),
    ] {
        assert_eq!(table.number("合计", column), expected, "{column}");
    }
    let rate = table.number("合计", "完成率");
    assert_eq!(rate, 1.628);
    let projects = Table::read(&out, "工资支付");
    assert_eq!(projects.number("合计", "年末在建项目（个）"), 113.0);
    let account = projects.number("合计", "工资专用账户");
    assert_eq!(account, 106.0 / 113.0);
    assert_eq!(format!("{:.1}", account * 100.0), "93.8");
    // 受理56起, 立案13, 结案13: under the default denominator (上期未结 + 受理) 13 ÷ 56.
    let cases = Table::read(&out, "投诉举报案件");
    assert_eq!(cases.number("合计", "受理（件）"), 56.0);
    assert_eq!(cases.number("合计", "立案（件）"), 13.0);
    assert_eq!(cases.number("合计", "结案（件）"), 13.0);
    assert_eq!(cases.number("合计", "结案率"), 13.0 / 56.0);

    // The seed divides by 立案: 结案率 100 %, and the 说明 says over what.
    let filed = dir.path().join("filed.xlsx");
    let pipeline = "tests/fixtures/seeds/003/annual.toml";
    let set = ["--set", "closure_denominator=filed"];
    let out = filed.to_str().unwrap();
    run_ok(&[&["run", pipeline, "--no-store", "--out", out][..], &set].concat());
    let cases = Table::read(&filed, "投诉举报案件");
    assert_eq!(cases.number("合计", "结案率"), 1.0);
    let notes = sheet_text(&filed, "投诉举报案件");
    assert!(notes.contains("结案率 = 结案数 ÷ 立案数"), "{notes}");
    assert!(
        notes.contains("设置：结案率的分母为立案数（本次运行以命令行 --set 指定；流水线文件中为应结案件数（上期未结加本期受理））"),
        "{notes}"
    );
}

/// `--set` with a name the pipeline has not, or a value of another kind than the file's,
/// is refused before anything is read, at the setting it names.
#[test]
fn a_setting_chosen_on_the_command_line_must_exist_and_be_of_its_kind() {
    let refused = |set: &str| {
        let output = laborstat()
            .args(["run", "pipelines/annual.toml", "--no-store", "--set", set])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{set}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let text = [
        refused("closure_denominater=filed"),
        refused("group_threshold=ten"),
        refused("deposit_exempt_counts=1"),
        refused("closure_denominator=cases_open"),
    ]
    .join("\n");
    insta::assert_snapshot!(text);
}

/// Seed 004: 1344 disputes, 1175 settled by 基层调解 — 87.4 % of those accepted, the formula
/// printed (the seed's own 91.3 % does not follow from its two figures).
#[test]
fn seed_004_grassroots_mediation_is_a_share_of_the_disputes_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_annual_on("tests/fixtures/seeds/004", Some("2020"), dir.path());
    let table = Table::read(&out, "劳动争议");
    assert_eq!(table.number("合计", "本期受理"), 1344.0);
    assert_eq!(table.number("合计", "结案"), 1344.0);
    let share = table.number("合计", "占受理");
    assert_eq!(share, 1175.0 / 1344.0);
    assert_eq!(format!("{:.1}", share * 100.0), "87.4");
    let range = crate::common::sheet(&out, "劳动争议");
    let notes: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("基层调解占受理比例 = 基层调解结案数 ÷ 受理争议案件数")),
        "{notes:#?}"
    );
}

/// A distribution table: one row per 单位类型 with its units and people from the generator's
/// truth, the rows adding up to 合计; explain tells a category cell for what it is.
#[test]
fn a_distribution_table_has_a_row_per_category_adding_up_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let truth = truth_csv("sample-data/2024/expected-employers.csv".as_ref());
    let range = crate::common::sheet(&out, "用人单位类型");
    let rows: HashMap<String, Vec<calamine::Data>> = range
        .rows()
        .skip(4)
        .take_while(|r| num_or_none(&r[1]).is_some())
        .map(|r| (r[0].to_string(), r.to_vec()))
        .collect();
    let kinds = [
        "企业",
        "个体工商户",
        "民办非企业单位",
        "机关事业单位",
        "其他",
    ];
    assert_eq!(rows.len(), kinds.len() + 1, "{:?}", rows.keys());
    let (mut units, mut employees) = (0.0, 0.0);
    for kind in kinds {
        let expected_units: i64 = truth.values().map(|t| t[&format!("units_{kind}")]).sum();
        let expected_employees: i64 = truth
            .values()
            .map(|t| t[&format!("employees_{kind}")])
            .sum();
        assert_eq!(num(&rows[kind][1]), expected_units as f64, "{kind}");
        assert_eq!(num(&rows[kind][2]), expected_employees as f64, "{kind}");
        units += num(&rows[kind][1]);
        employees += num(&rows[kind][2]);
    }
    assert_eq!(num(&rows["合计"][1]), units);
    assert_eq!(num(&rows["合计"][2]), employees);
    // The 企业 row is the third row under the header (合计 first): A5 合计, A6 企业.
    let output = laborstat()
        .args([
            "explain",
            "pipelines/annual.toml",
            "用人单位类型!B6",
            "--no-store",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("类别“企业”的"), "{text}");

    // The same rows in query's `measures`: one per category and the other row, by table.
    let (csv, _) = run_ok(&[
        "query",
        "pipelines/annual.toml",
        "select category, units, employees from measures where breakdown = '用人单位类型'",
        "--format",
        "csv",
        "--no-store",
    ]);
    let queried = crate::query::csv_rows(&csv);
    assert_eq!(queried.len(), kinds.len(), "{csv}");
    for row in &queried {
        let kind = row["category"].as_str();
        assert_eq!(
            row["units"].parse::<f64>().unwrap(),
            num(&rows[kind][1]),
            "{kind}"
        );
        assert_eq!(
            row["employees"].parse::<f64>().unwrap(),
            num(&rows[kind][2]),
            "{kind}"
        );
    }
}

#[test]
fn year_end_key_mistakes_are_reported_where_they_are_written() {
    insta::assert_snapshot!(refused_by_check("tests/fixtures/pipelines/year-end.toml"));
}

/// 主动监察: an employer inspected twice in a year is one 户 — a distinct count recomputed
/// at every level, so a subtotal is not the sum of its townships' figures unless no employer
/// is shared; the rest per township, subtotal and 合计 from the generator's truth.
#[test]
fn inspections_count_each_employer_once_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_report("pipelines/annual.toml", None, &out);
    assert!(
        summary.contains("主动监察台账：找到 13 个，采用 13"),
        "{summary}"
    );
    let truth = truth_csv("sample-data/2024/expected-inspections.csv".as_ref());
    let roster = roster();
    let table = Table::read(&out, "主动监察");
    let check = |key: &str, t: &HashMap<String, i64>| {
        let counts = [
            ("检查用人单位（户）", "units"),
            ("检查（次）", "inspections"),
            ("涉及劳动者（人）", "workers"),
            ("责令改正（件）", "ordered"),
            ("件数", "punished"),
        ];
        assert_figures(&table, key, t, &counts, &[("罚款（万元）", "fines_fen")]);
    };
    // Townships inspect their own employers (no code shared across them), so here the
    // distinct counts of the levels do add up.
    let total = check_every_level(&truth, &roster, check);
    assert!(
        total["inspections"] > total["units"],
        "some employers inspected twice"
    );
}

/// 转办件 and 欠薪预警: 按时 in working days on the calendar against each item's own limit,
/// per township, subtotal and 合计, from the generator's truth.
#[test]
fn referrals_are_on_time_by_their_own_limit_in_working_days() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let truth = truth_csv("sample-data/2024/expected-referrals.csv".as_ref());
    let roster = roster();
    let table = Table::read(&out, "转办及预警");
    let check = |key: &str, t: &HashMap<String, i64>| {
        for (column, figure) in [
            ("接收", "referrals"),
            ("办结", "referrals_done"),
            ("按时办结", "referrals_on_time"),
            ("发出", "warnings"),
            ("处置", "warnings_handled"),
        ] {
            assert_eq!(
                table.number(key, column),
                t[figure] as f64,
                "{key}: {column}"
            );
        }
        let rate = t["referrals_on_time"] as f64 / t["referrals_done"] as f64;
        assert!(
            (table.number(key, "按时办结率") - rate).abs() < 1e-12,
            "{key}"
        );
    };
    check_every_level(&truth, &roster, check);
}

/// 人力资源服务机构检查: per township, subtotal and 合计 from the generator's truth; a 是/否
/// column left blank for 否 (a √-only ledger) counts as not.
#[test]
fn agency_inspections_add_up_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let truth = truth_csv("sample-data/2024/expected-agencies.csv".as_ref());
    let roster = roster();
    let table = Table::read(&out, "人力资源服务机构");
    let check = |key: &str, t: &HashMap<String, i64>| {
        for (column, figure) in [
            ("检查机构（户）", "checked"),
            ("户数", "licensed"),
            ("报送年报（户）", "reported"),
            ("发现问题（户）", "problems"),
            ("责令改正（户）", "ordered"),
            ("吊销许可（户）", "revoked"),
        ] {
            assert_eq!(
                table.number(key, column),
                t[figure] as f64,
                "{key}: {column}"
            );
        }
        let rate = t["licensed"] as f64 / t["checked"] as f64;
        assert!((table.number(key, "比率") - rate).abs() < 1e-12, "{key}");
    };
    check_every_level(&truth, &roster, check);
}

/// Last year's published report not sent, last year's ledgers kept in the store: each
/// 主要指标 row takes 上年 from the store (the figures 2023's run stored, read back here by
/// `query`) and its 上年数据来源 says so — not "—".
#[test]
fn last_year_comes_from_the_store_when_its_published_report_was_not_sent() {
    let dir = tempfile::tempdir().unwrap();
    for year in ["2023", "2024"] {
        crate::monthly::copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("sample-data")
                .join(year),
            &dir.path().join(year),
        );
    }
    std::fs::remove_dir_all(dir.path().join("2024/上年年报")).unwrap();
    let store = dir.path().join("store");
    for year in ["2023", "2024"] {
        run_ok(&[
            "run",
            "pipelines/annual.toml",
            "--period",
            year,
            "--data",
            dir.path().join(year).to_str().unwrap(),
            "--store",
            store.to_str().unwrap(),
            "--out",
            dir.path().join(format!("a-{year}.xlsx")).to_str().unwrap(),
            "-q",
        ]);
    }
    let (csv, _) = run_ok(&[
        "query",
        "pipelines/annual.toml",
        "--period",
        "2023",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "csv",
        "SELECT accepted, closed FROM measures WHERE submitter_name = '合计'",
    ]);
    let stored = &crate::query::csv_rows(&csv)[0];
    let headline = crate::common::sheet(&dir.path().join("a-2024.xlsx"), "主要指标");
    for (label, figure) in [
        ("受理投诉举报案件（件）", "accepted"),
        ("结案（件）", "closed"),
    ] {
        let row = headline
            .rows()
            .find(|r| r.get(1).map(|c| c.to_string()).as_deref() == Some(label))
            .unwrap_or_else(|| panic!("row {label}"));
        assert_eq!(row[3].to_string(), stored[figure], "{label}: {row:?}");
        assert_eq!(
            row[6].to_string(),
            "上年年报未报送，取2023年存储的数据",
            "{row:?}"
        );
    }
}
