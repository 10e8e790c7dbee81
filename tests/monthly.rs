//! The monthly wage-payment report over the store: a backfill of 24 months, then windows
//! (本月, 本年累计, 上年同期累计, 同比, 环比 in 百分点), the chart's series and the list of
//! projects that lost a system — every figure against the generator's own truth
//! (sample-data/monthly/monthly-expected.csv), summed here month by month. Then a restated
//! month: the partition replaced and what changed printed by business key.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use calamine::Data;

use crate::common::{laborstat, monthly_truth, sheet, wan};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The monthly pipeline, its data and outputs redirected: reads `data` (a copy of
/// sample-data/monthly, or the original) and writes reports and the store under `out`.
/// The bundled monthly pipeline, copied to `out` with its data, roster, included ledger and
/// outputs pointed at `data`, the sample roster, the bundled ledger file and `out`.
pub(crate) fn pipeline_in(out: &Path, data: &Path) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(ROOT).join("pipelines/monthly-wages.toml"))
        .unwrap()
        .replace(
            "\"ledgers/wage-payment.toml\"",
            &format!("\"{ROOT}/pipelines/ledgers/wage-payment.toml\""),
        )
        .replace(
            "\"../sample-data/monthly/{period}\"",
            &format!("\"{}/{{period}}\"", data.display()),
        )
        .replace(
            "\"../sample-data/roster.csv\"",
            &format!("\"{ROOT}/sample-data/roster.csv\""),
        )
        .replace("\"../output/", &format!("\"{}/", out.display()));
    let path = out.join("monthly-wages.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(pipeline: &Path, period: &str) -> String {
    let output = laborstat()
        .arg("run")
        .arg(pipeline)
        .args(["--period", period])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "run --period {period}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A report sheet by row code (or 合计) and "group/leaf" header.
struct Grid {
    columns: Vec<String>,
    rows: HashMap<String, Vec<Data>>,
}

impl Grid {
    fn read(path: &Path, name: &str) -> Grid {
        let range = sheet(path, name);
        let mut group = String::new();
        let columns = (0..range.width())
            .map(|c| {
                let top = crate::common::heading(range.get((2, c)));
                if !top.is_empty() {
                    group = top;
                }
                let leaf = crate::common::heading(range.get((3, c)));
                if leaf.is_empty() {
                    group.clone()
                } else {
                    format!("{group}/{leaf}")
                }
            })
            .collect();
        let mut rows = HashMap::new();
        for row in range.rows().skip(4) {
            let key = match (&row[0], &row[1]) {
                (_, Data::String(s)) if s == "合计" => "合计".to_string(),
                (Data::String(code), _) if code.len() == 9 => code.clone(),
                // A category row of a distribution table, by its label.
                (Data::String(label), _) if !label.is_empty() => label.clone(),
                _ => continue,
            };
            rows.insert(key, row.to_vec());
        }
        Grid { columns, rows }
    }

    /// The cell's number, `None` for "—".
    fn value(&self, row: &str, column: &str) -> Option<f64> {
        let c = self
            .columns
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.columns));
        match &self.rows[row][c] {
            Data::Float(f) => Some(*f),
            Data::Int(i) => Some(*i as f64),
            Data::String(s) if s == "—" => None,
            other => panic!("{row}/{column}: {other:?}"),
        }
    }
}

fn close(actual: Option<f64>, expected: Option<f64>, what: &str) {
    match (actual, expected) {
        (Some(a), Some(e)) => assert!((a - e).abs() < 1e-9, "{what}: {a} ≠ {e}"),
        (a, e) => assert_eq!(a, e, "{what}"),
    }
}

fn change(value: f64, base: f64) -> Option<f64> {
    (base != 0.0).then(|| (value - base) / base)
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    (d != 0).then(|| n as f64 / d as f64)
}

#[test]
fn a_backfilled_store_gives_every_window_and_comparison_of_the_monthly_report() {
    let out = tempfile::tempdir().unwrap();
    let data = Path::new(ROOT).join("sample-data/monthly");
    let pipeline = pipeline_in(out.path(), &data);
    // All 24 months; 2024-11's report was written when 2024-12 was not yet stored.
    run(&pipeline, "2023-01..2024-12");
    let truth = monthly_truth();
    let report = out.path().join("monthly-wages-2024-11.xlsx");
    let cases = Grid::read(&report, "欠薪案件及线索");
    let codes: Vec<String> = truth
        .keys()
        .filter(|(p, _)| p == "2024-11")
        .map(|(_, c)| c.clone())
        .collect();
    // Sums over months first..=last of a year, for one code or all (合计).
    let sum = |year: i32, last: u32, code: Option<&str>, key: &str| -> i64 {
        truth
            .iter()
            .filter(|((p, c), _)| {
                p.starts_with(&year.to_string())
                    && p[5..].parse::<u32>().unwrap() <= last
                    && code.is_none_or(|code| code == c)
            })
            .map(|(_, v)| v[key])
            .sum()
    };
    for row in codes.iter().map(String::as_str).map(Some).chain([None]) {
        let key = row.unwrap_or("合计");
        for (group, measure) in [
            ("欠薪案件数（件）", "cases"),
            ("涉及农民工人数（人）", "workers"),
        ] {
            let month = sum(2024, 11, row, measure) - sum(2024, 10, row, measure);
            let ytd = sum(2024, 11, row, measure);
            let prior = sum(2023, 11, row, measure);
            close(
                cases.value(key, &format!("{group}/本月")),
                Some(month as f64),
                key,
            );
            close(
                cases.value(key, &format!("{group}/本年累计")),
                Some(ytd as f64),
                key,
            );
            close(
                cases.value(key, &format!("{group}/上年同期累计")),
                Some(prior as f64),
                key,
            );
            close(
                cases.value(key, &format!("{group}/同比")),
                change(ytd as f64, prior as f64),
                &format!("{key} {group} 同比"),
            );
        }
        // Money: summed in fen, rounded once to 万元; 同比 from the rounded 万元 figures'
        // exact sources (fen), as the engine divides the exact totals.
        let ytd = sum(2024, 11, row, "recovered_fen");
        let prior = sum(2023, 11, row, "recovered_fen");
        close(
            cases.value(key, "追发工资（万元）/本年累计"),
            Some(wan(ytd)),
            key,
        );
        close(
            cases.value(key, "追发工资（万元）/上年同期累计"),
            Some(wan(prior)),
            key,
        );
        close(
            cases.value(key, "追发工资（万元）/同比"),
            change(ytd as f64, prior as f64),
            key,
        );
        // A rate's 同比 is the difference of the two cumulative rates, in points (a zero base
        // — no lead closed — shows "—").
        let now = ratio(
            sum(2024, 11, row, "leads_on_time"),
            sum(2024, 11, row, "leads_closed"),
        );
        let then = ratio(
            sum(2023, 11, row, "leads_on_time"),
            sum(2023, 11, row, "leads_closed"),
        );
        close(cases.value(key, "线索按期办结率/本年累计"), now, key);
        let points = now.zip(then).map(|(a, b)| (a - b) * 100.0);
        close(
            cases.value(key, "线索按期办结率/同比（百分点）"),
            points,
            key,
        );
    }

    // Month-end coverage and its 环比 in points, against October's partition.
    let coverage = Grid::read(&report, "工资支付制度覆盖");
    let at = |period: &str, code: Option<&str>, key: &str| -> i64 {
        truth
            .iter()
            .filter(|((p, c), _)| p == period && code.is_none_or(|code| code == c))
            .map(|(_, v)| v[key])
            .sum()
    };
    for row in codes.iter().map(String::as_str).map(Some).chain([None]) {
        let key = row.unwrap_or("合计");
        let now = ratio(
            at("2024-11", row, "实名制"),
            at("2024-11", row, "projects_active"),
        );
        let before = ratio(
            at("2024-10", row, "实名制"),
            at("2024-10", row, "projects_active"),
        );
        close(coverage.value(key, "实名制/覆盖率"), now, key);
        let points = now.zip(before).map(|(a, b)| (a - b) * 100.0);
        close(coverage.value(key, "实名制/环比（百分点）"), points, key);
        // The wage deposits: a stock at the month's end and a flow by its own date.
        let balance = at("2024-11", row, "deposit_balance_fen");
        close(
            coverage.value(key, "工资保证金（万元）/月末余额"),
            Some(wan(balance)),
            key,
        );
        let used = at("2024-11", row, "deposit_used_fen");
        close(
            coverage.value(key, "工资保证金（万元）/本月动用"),
            Some(wan(used)),
            key,
        );
        let used_ytd = sum(2024, 11, row, "deposit_used_fen");
        close(
            coverage.value(key, "工资保证金（万元）/本年累计动用"),
            Some(wan(used_ytd)),
            key,
        );
    }

    // The chart's table: 追发工资 of each month, this year to November, last year whole.
    let chart = sheet(&report, "追发工资走势");
    for m in 1..=12u32 {
        let row = 2 + m as usize;
        let this_year = at(&format!("2024-{m:02}"), None, "recovered_fen");
        let last_year = at(&format!("2023-{m:02}"), None, "recovered_fen");
        match chart.get((row, 1)) {
            Some(Data::Float(v)) => assert_eq!(*v, wan(this_year), "2024-{m}"),
            Some(Data::Empty) | None => assert_eq!(m, 12, "2024-{m} has no figure"),
            other => panic!("2024-{m}: {other:?}"),
        }
        assert_eq!(
            chart.get((row, 2)),
            Some(&Data::Float(wan(last_year))),
            "2023-{m}"
        );
    }

    // The projects that lost a system since October, against the generator's list.
    let lost_text = std::fs::read_to_string(data.join("monthly-lost-systems.csv")).unwrap();
    let expected: BTreeSet<String> = lost_text
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("2024-11,"))
        .map(|l| l.split(',').nth(2).unwrap().to_string())
        .collect();
    let list = sheet(&report, "制度缺失项目");
    let listed: BTreeSet<String> = list
        .rows()
        .skip(3)
        .filter_map(|r| match &r[1] {
            Data::String(s) if s.starts_with("XM") => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(listed, expected);

    // The store: a partition per source and month, each with its manifest.
    let store = out.path().join("store/monthly-wages");
    for source in [
        "projects",
        "arrears",
        "leads",
        "deposits",
        "_results",
        "_measures",
    ] {
        for month in ["2023-01", "2024-11"] {
            let dir = store.join(source).join(format!("period={month}"));
            assert!(dir.join("data.parquet").is_file(), "{}", dir.display());
        }
    }
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(store.join("_manifests/arrears/period=2024-11.json")).unwrap(),
    )
    .unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), 14);
    let used: u64 = files.iter().map(|f| f["rows_used"].as_u64().unwrap()).sum();
    assert_eq!(manifest["rows"].as_u64(), Some(used));
    assert!(files
        .iter()
        .all(|f| f["sha256"].as_str().is_some_and(|h| h.len() == 64)));
}

/// Copies a folder tree (the sample months to be changed).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_restated_month_replaces_its_partition_and_says_what_changed() {
    let out = tempfile::tempdir().unwrap();
    let data = out.path().join("data");
    for month in ["2024-01", "2024-02"] {
        copy_tree(
            &Path::new(ROOT).join("sample-data/monthly").join(month),
            &data.join(month),
        );
    }
    let pipeline = pipeline_in(out.path(), &data);
    run(&pipeline, "2024-01..2024-02");
    // The same files again: a re-run, not a restatement — and the report says nothing of one.
    let first = run(&pipeline, "2024-02");
    assert!(
        first.contains("重新运行") && first.contains("2024-02：") && first.contains("不是重报"),
        "{first}"
    );
    let report = sheet(
        &out.path().join("monthly-wages-2024-02.xlsx"),
        "欠薪案件及线索",
    );
    assert!(
        !report
            .rows()
            .any(|r| r[0].to_string().contains("本期为重报")),
        "a re-run of the same files is reported as a restatement"
    );

    // 东湖街道 takes back its February workbook: its records are gone from the partition.
    let township = data.join("2024-02/510199002-东湖街道");
    std::fs::remove_dir_all(&township).unwrap();
    let restated = run(&pipeline, "2024-02");
    let truth = monthly_truth();
    // The cumulative ledger of February held every case accepted since 2023-01.
    let held: i64 = truth
        .iter()
        .filter(|((p, c), _)| c == "510199002" && p.as_str() <= "2024-02")
        .map(|(_, v)| v["cases"])
        .sum();
    assert!(
        restated.contains("重报") && restated.contains("2024-02 替换"),
        "{restated}"
    );
    assert!(
        restated.contains(&format!("arrears 东湖街道：删除 {held} 条")),
        "{restated}"
    );
    let feb = truth[&("2024-02".to_string(), "510199002".to_string())]["cases"];
    // Every printed figure that moved, by sheet, row and column: the month's and the
    // year-to-date's (a township that sent nothing is printed blank).
    assert!(
        restated.contains(&format!(
            "东湖街道（未报送） 欠薪案件数（件） / 本月：{feb} → —"
        )),
        "{restated}"
    );
    assert!(
        restated.contains("欠薪案件及线索：")
            && restated.contains("合计 欠薪案件数（件） / 本年累计："),
        "{restated}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.path()
                .join("store/monthly-wages/_manifests/arrears/period=2024-02.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // The re-run on the same files kept nothing; the restatement kept vintage 1.
    assert_eq!(manifest["replaced"].as_array().map(Vec::len), Some(1));
    assert_eq!(manifest["vintage"].as_u64(), Some(2));
    assert!(out
        .path()
        .join("store/monthly-wages/_vintages/arrears/period=2024-02/vintage=1/data.parquet")
        .is_file());
    assert_eq!(manifest["files"].as_array().map(Vec::len), Some(13));
    let report = sheet(
        &out.path().join("monthly-wages-2024-02.xlsx"),
        "欠薪案件及线索",
    );
    let notes: Vec<String> = report
        .rows()
        .map(|r| r[0].to_string())
        .filter(|t| t.contains("重报"))
        .collect();
    assert!(notes.iter().any(|n| n.contains("本期为重报")), "{notes:?}");

    // The workbook sent again: its records come back, and the windows over the restated
    // partition are right again (本年累计 = January + February, from the truth).
    copy_tree(
        &Path::new(ROOT).join("sample-data/monthly/2024-02/510199002-东湖街道"),
        &township,
    );
    let again = run(&pipeline, "2024-02");
    assert!(
        again.contains(&format!("arrears 东湖街道：新增 {held} 条")),
        "{again}"
    );
    let grid = Grid::read(
        &out.path().join("monthly-wages-2024-02.xlsx"),
        "欠薪案件及线索",
    );
    for code in ["510199002", "510199001"] {
        let ytd: i64 = ["2024-01", "2024-02"]
            .iter()
            .map(|p| truth[&(p.to_string(), code.to_string())]["cases"])
            .sum();
        close(
            grid.value(code, "欠薪案件数（件）/本年累计"),
            Some(ytd as f64),
            code,
        );
    }
}

/// Writes each (month, township folder, CSV) as `data/<month>/<township>/台账.csv` under `dir`.
fn write_ledgers(dir: &Path, ledgers: &[(&str, &str, String)]) {
    for (month, township, csv) in ledgers {
        let folder = dir.join("data").join(month).join(township);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("台账.csv"), csv).unwrap();
    }
}

/// A small monthly pipeline in `dir`, reading `data/{period}` and writing
/// `out/<name>-{period}.xlsx` (its store in `out/store`), `rest` after its [pipeline] table.
fn small_pipeline(dir: &Path, name: &str, rest: &str) -> PathBuf {
    let path = dir.join("p.toml");
    let text = format!(
        "[pipeline]\nname = \"{name}\"\ntitle = \"{{period_label}}\"\nperiod = \"2024-11\"\ndata = \"data/{{period}}\"\noutput = \"out/{{name}}-{{period}}.xlsx\"\n\n{rest}"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A case closed after the fact: October's ledger had A and B open at the month's end (2
/// stored as 期末未结); November's ledger says A was closed on 20 October. November's 期初未结
/// (1) no longer equals what October published (2): a warning naming case A.
#[test]
fn a_retroactive_closing_is_caught_by_the_carry_over_check() {
    let dir = tempfile::tempdir().unwrap();
    let ledgers = [
        (
            "2024-10",
            "案件编号,受理日期,结案日期\nA,2024-09-03,\nB,2024-10-08,\n",
        ),
        (
            "2024-11",
            "案件编号,受理日期,结案日期\nA,2024-09-03,2024-10-20\nB,2024-10-08,\nC,2024-11-02,\n",
        ),
    ];
    let ledgers: Vec<(&str, &str, String)> = ledgers
        .iter()
        .map(|(month, csv)| (*month, "510199001-锦华街道", csv.to_string()))
        .collect();
    write_ledgers(dir.path(), &ledgers);
    let pipeline = carry_pipeline(dir.path(), r#"[{ code = "510199001", name = "锦华街道" }]"#);
    run(&pipeline, "2024-10");
    let output = laborstat()
        .arg("validate")
        .arg(&pipeline)
        .args(["--period", "2024-11", "--format", "json"])
        .output()
        .unwrap();
    // validate reads no store: the check is the run's, against what was published.
    assert!(!String::from_utf8_lossy(&output.stdout).contains("上期结转核对"));
    let printed = run(&pipeline, "2024-11");
    assert!(printed.contains("1 个警告"), "{printed}");
    let details =
        std::fs::read_to_string(dir.path().join("out/carry-2024-11-问题明细.csv")).unwrap();
    assert!(details.contains("上期结转核对"), "{details}");
    assert!(
        details.contains("“期初未结”按本期报送计算为1，而2024-10已存入的“期末未结”为2"),
        "{details}"
    );
    assert!(
        details.contains("上期计入、本期未计入的记录1条（案件编号）：A"),
        "{details}"
    );
    // The figure itself is this period's count (1), and the finding is in the 问题清单.
    let table = crate::common::Table::read(&dir.path().join("out/carry-2024-11.xlsx"), "表");
    assert_eq!(table.number("510199001", "期初"), 1.0);
    assert_eq!(table.number("510199001", "期末"), 2.0);
    let list = sheet(
        &dir.path().join("out/carry-2024-11-问题清单.xlsx"),
        "问题清单",
    );
    assert!(list
        .rows()
        .any(|r| r.iter().any(|c| c.to_string().contains("上期结转核对"))));
}

/// The carry-over pipeline: 期初未结 must equal last period's stored 期末未结.
fn carry_pipeline(dir: &Path, roster_entries: &str) -> PathBuf {
    let rest = format!(
        "[roster]\nentries = {roster_entries}\n\n{}",
        r#"[sources.cases]
files = "*/*.csv"
key = ["案件编号"]

[sources.cases.columns]
"案件编号" = { type = "text" }
"受理日期" = { type = "date", required = true }
"结案日期" = { type = "date" }

[measures.open_at_end]
source = "cases"
sql = "count(*)"
filter = "受理日期 <= date '{period_end}' and (结案日期 is null or 结案日期 > date '{period_end}')"
label = "期末未结"

[measures.open_at_start]
source = "cases"
sql = "count(*)"
filter = "受理日期 < date '{period_start}' and (结案日期 is null or 结案日期 >= date '{period_start}')"
label = "期初未结"
carry_over = "open_at_end"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [{ header = ["未结", "期初"], value = "open_at_start" }, { header = ["未结", "期末"], value = "open_at_end" }]
"#
    );
    small_pipeline(dir, "carry", &rest)
}

/// January after December, one ledger restarting each year (锦华街道 sends only this year's
/// cases) and one holding every case (东湖街道, a December case closed back-dated): the
/// restarted ledger is one finding naming it and why no comparison was made — not a
/// "back-dated closing" per township — while the other is still checked record by record.
#[test]
fn a_ledger_that_restarts_each_year_is_not_taken_for_back_dated_closings_in_january() {
    let dir = tempfile::tempdir().unwrap();
    let ledgers: Vec<(&str, &str, String)> = vec![
        (
            "2023-12",
            "510199001-锦华街道",
            "案件编号,受理日期,结案日期\nA,2023-11-03,\nB,2023-12-08,\n".into(),
        ),
        (
            "2023-12",
            "510199002-东湖街道",
            "案件编号,受理日期,结案日期\nD,2023-12-01,\nE,2023-12-02,\n".into(),
        ),
        (
            "2024-01",
            "510199001-锦华街道",
            "案件编号,受理日期,结案日期\nC,2024-01-05,\n".into(),
        ),
        (
            "2024-01",
            "510199002-东湖街道",
            "案件编号,受理日期,结案日期\nD,2023-12-01,2023-12-20\nE,2023-12-02,\nF,2024-01-03,\n"
                .into(),
        ),
    ];
    write_ledgers(dir.path(), &ledgers);
    let pipeline = carry_pipeline(
        dir.path(),
        r#"[{ code = "510199001", name = "锦华街道" }, { code = "510199002", name = "东湖街道" }]"#,
    );
    run(&pipeline, "2023-12");
    run(&pipeline, "2024-01");
    let details =
        std::fs::read_to_string(dir.path().join("out/carry-2024-01-问题明细.csv")).unwrap();
    let carry: Vec<&str> = details
        .lines()
        .filter(|l| l.contains("上期结转核对"))
        .collect();
    assert_eq!(carry.len(), 2, "{details}");
    assert!(
        carry.iter().any(|l| l
            .contains("1个单位本期的cases中没有2024年1月1日之前的记录（台账按年重新开始）")
            && l.contains("锦华街道")),
        "{details}"
    );
    assert!(
        carry
            .iter()
            .any(|l| l.contains("上期计入、本期未计入的记录1条（案件编号）：D")),
        "{details}"
    );
    assert!(
        !carry
            .iter()
            .any(|l| l.contains("：A") || l.contains("A、B")),
        "{details}"
    );
}

/// 同比 against hand-computed values, with a zero base: 锦华街道 had no case in 2023-11, so
/// its 同比 and its rate's 百分点 are "—"; 东湖街道's are computed here. A second run while
/// another holds the store's lock is refused and writes nothing.
#[test]
fn year_on_year_changes_and_a_zero_base_and_the_store_lock() {
    let dir = tempfile::tempdir().unwrap();
    let ledgers = [
        ("2023-11", "510199001-锦华街道", "案件编号,受理日期,办理状态\n"),
        (
            "2023-11",
            "510199002-东湖街道",
            "案件编号,受理日期,办理状态\nD1,2023-11-02,已结案\nD2,2023-11-03,已结案\nD3,2023-11-05,办理中\nD4,2023-11-09,办理中\n",
        ),
        (
            "2024-11",
            "510199001-锦华街道",
            "案件编号,受理日期,办理状态\nJ1,2024-11-02,已结案\nJ2,2024-11-03,办理中\nJ3,2024-11-04,办理中\n",
        ),
        (
            "2024-11",
            "510199002-东湖街道",
            "案件编号,受理日期,办理状态\nE1,2024-11-01,已结案\nE2,2024-11-02,已结案\nE3,2024-11-03,已结案\nE4,2024-11-04,已结案\nE5,2024-11-05,已结案\n",
        ),
    ];
    let ledgers: Vec<(&str, &str, String)> = ledgers
        .iter()
        .map(|(month, township, csv)| (*month, *township, csv.to_string()))
        .collect();
    write_ledgers(dir.path(), &ledgers);
    let pipeline = small_pipeline(
        dir.path(),
        "yoy",
        r#"[roster]
entries = [{ code = "510199001", name = "锦华街道" }, { code = "510199002", name = "东湖街道" }]

[sources.cases]
files = "*/*.csv"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }
"办理状态" = { type = "text" }

[measures.accepted]
source = "cases"
sql = "count(*)"

[measures.closed]
source = "cases"
sql = "sum(case when 办理状态 = '已结案' then 1 else 0 end)"

[indicators.rate]
expr = "closed / accepted"
label = "结案率"
display = "percent"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [
  { header = ["受理", "本期"], value = "accepted" },
  { header = ["受理", "上年同期"], value = "accepted", window = "上年同期" },
  { header = ["受理", "同比"], value = "accepted", compare = "同比" },
  { header = ["结案率", "本期"], value = "rate" },
  { header = ["结案率", "同比（百分点）"], value = "rate", compare = "同比" },
]
"#,
    );
    run(&pipeline, "2023-11");
    // Another run holds the lock: this one is refused before writing anything.
    let lock_path = dir.path().join("out/store/yoy/.lock");
    let lock = std::fs::File::options()
        .write(true)
        .open(&lock_path)
        .unwrap();
    lock.try_lock().unwrap();
    let refused = laborstat()
        .arg("run")
        .arg(&pipeline)
        .args(["--period", "2024-11"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("另一次 laborstat 运行正在写入存储"),
        "{stderr}"
    );
    assert!(!dir
        .path()
        .join("out/store/yoy/cases/period=2024-11")
        .exists());
    drop(lock);

    run(&pipeline, "2024-11");
    let grid = Grid::read(&dir.path().join("out/yoy-2024-11.xlsx"), "表");
    // 锦华街道: 3 against 0 — no base, no change; 0/0 last year, no rate to compare with.
    close(
        grid.value("510199001", "受理/上年同期"),
        Some(0.0),
        "锦华 base",
    );
    close(grid.value("510199001", "受理/同比"), None, "锦华 同比");
    close(
        grid.value("510199001", "结案率/同比（百分点）"),
        None,
        "锦华 百分点",
    );
    // 东湖街道: 5 against 4 is +25 %; its rate went from 2/4 to 5/5: +50 points.
    close(
        grid.value("510199002", "受理/同比"),
        Some(0.25),
        "东湖 同比",
    );
    close(
        grid.value("510199002", "结案率/同比（百分点）"),
        Some(50.0),
        "东湖 百分点",
    );
    // 合计: 8 against 4, +100 %; 6/8 against 2/4, +25 points — from the totals, not averaged.
    close(grid.value("合计", "受理/同比"), Some(1.0), "合计 同比");
    close(
        grid.value("合计", "结案率/同比（百分点）"),
        Some(25.0),
        "合计 百分点",
    );
}

/// A township renamed between the years: 2023-11 was sent by 新桥镇 (510199103), 2024-11 by
/// 新桥新区 (510199901), which succeeds it from 2024-07. 上年同期 maps the old code to the
/// new: 新桥新区's base is 新桥镇's 4 cases. The pipeline file edited in between is said.
#[test]
fn a_window_over_last_year_maps_a_succeeded_township_to_its_successor() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = |ids: &[&str], month: &str| {
        let mut csv = String::from("案件编号,受理日期\n");
        for (i, id) in ids.iter().enumerate() {
            csv.push_str(&format!("{id},{month}-{:02}\n", i + 1));
        }
        csv
    };
    let ledgers: Vec<(&str, &str, String)> = [
        ("2023-11", "510199103-新桥镇", &["X1", "X2", "X3", "X4"][..]),
        (
            "2024-11",
            "510199901-新桥新区",
            &["N1", "N2", "N3", "N4", "N5", "N6"][..],
        ),
    ]
    .iter()
    .map(|(month, township, ids)| (*month, *township, ledger(ids, month)))
    .collect();
    write_ledgers(dir.path(), &ledgers);
    let pipeline = small_pipeline(
        dir.path(),
        "renamed",
        r#"[roster]
entries = [
  { code = "510199103", name = "新桥镇", valid_until = "2024-06" },
  { code = "510199901", name = "新桥新区", valid_from = "2024-07", succeeds = ["510199103"] },
]

[sources.cases]
files = "*/*.csv"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }

[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [
  { header = ["受理", "本期"], value = "accepted" },
  { header = ["受理", "上年同期"], value = "accepted", window = "上年同期" },
  { header = ["受理", "同比"], value = "accepted", compare = "同比" },
]
"#,
    );
    run(&pipeline, "2023-11");
    // The pipeline file edited since 2023-11 was stored: the 说明 says the window's period was
    // written by another version of it.
    let mut text = std::fs::read_to_string(&pipeline).unwrap();
    text.push_str("# edited after 2023-11 was stored\n");
    std::fs::write(&pipeline, text).unwrap();
    run(&pipeline, "2024-11");
    let report = dir.path().join("out/renamed-2024-11.xlsx");
    let notes: Vec<String> = sheet(&report, "表")
        .rows()
        .map(|r| r[0].to_string())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("2023-11 的数据由另一版本的流水线文件写入")),
        "{notes:?}"
    );
    let grid = Grid::read(&report, "表");
    close(grid.value("510199901", "受理/本期"), Some(6.0), "本期");
    close(
        grid.value("510199901", "受理/上年同期"),
        Some(4.0),
        "上年同期",
    );
    close(grid.value("510199901", "受理/同比"), Some(0.5), "同比");
    assert!(
        !grid.rows.contains_key("510199103"),
        "the old entry is not a row of 2024-11"
    );
}

/// A monthly form by 行业: each category's 本月, 上年同期 and 同比, each computed over that
/// window's rows of the category (the other row takes what no listed 行业 holds), 合计 from
/// all rows — against counts the test makes itself.
#[test]
fn category_rows_take_windows_and_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    // (month, 行业 of each case): 2023-11 the base, 2024-11 this month.
    let months = [
        ("2023-11", vec!["建筑业", "建筑业", "建筑业", "制造业"]),
        (
            "2024-11",
            vec![
                "建筑业",
                "建筑业",
                "建筑业",
                "建筑业",
                "建筑业",
                "制造业",
                "制造业",
                "住宿餐饮",
            ],
        ),
    ];
    let ledgers: Vec<(&str, &str, String)> = months
        .iter()
        .map(|(month, trades)| {
            let mut csv = "案件编号,受理日期,行业\n".to_string();
            for (i, trade) in trades.iter().enumerate() {
                csv.push_str(&format!("C{i},{month}-{:02},{trade}\n", i + 1));
            }
            (*month, "510199001-锦华街道", csv)
        })
        .collect();
    write_ledgers(dir.path(), &ledgers);
    let pipeline = small_pipeline(
        dir.path(),
        "trades",
        r#"[roster]
entries = [{ code = "510199001", name = "锦华街道" }]

[sources.cases]
files = "*/*.csv"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }
"行业" = { type = "text" }

[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "分行业"
title = "{period_label}"
rows = { by = "行业", values = ["建筑业", "制造业"], other = "其他行业" }
columns = [
  { header = ["受理", "本月"], value = "accepted" },
  { header = ["受理", "上年同期"], value = "accepted", window = "上年同期" },
  { header = ["受理", "同比"], value = "accepted", compare = "同比" },
]
"#,
    );
    run(&pipeline, "2023-11");
    run(&pipeline, "2024-11");
    let grid = Grid::read(&dir.path().join("out/trades-2024-11.xlsx"), "分行业");
    let count = |month: usize, keep: &dyn Fn(&str) -> bool| {
        months[month].1.iter().filter(|t| keep(t)).count() as f64
    };
    type Keep<'a> = &'a dyn Fn(&str) -> bool;
    let rows: [(&str, Keep); 4] = [
        ("建筑业", &|t| t == "建筑业"),
        ("制造业", &|t| t == "制造业"),
        ("其他行业", &|t| t != "建筑业" && t != "制造业"),
        ("合计", &|_| true),
    ];
    for (label, keep) in rows {
        let (now, then) = (count(1, keep), count(0, keep));
        close(grid.value(label, "受理/本月"), Some(now), label);
        close(grid.value(label, "受理/上年同期"), Some(then), label);
        close(grid.value(label, "受理/同比"), change(now, then), label);
    }
}
