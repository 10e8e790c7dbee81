//! `laborstat validate` and the row account on the sample district and the bad-file corpus:
//! the generator's deliberate mistakes are found at their cells and nothing else is; every
//! row of every file is used, rejected or skipped; and the money of the used rows, file by
//! file, adds up to the report's 合计.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use calamine::{Data, DataType};

use crate::common::{laborstat, one_township, read_truth, run_report, sheet, wan, Table};

/// `laborstat validate PIPELINE --format json --out-dir OUT`.
fn validate_json(pipeline: &Path, out: impl AsRef<Path>) -> std::process::Output {
    laborstat()
        .arg("validate")
        .arg(pipeline)
        .args(["--format", "json", "--out-dir"])
        .arg(out.as_ref())
        .output()
        .unwrap()
}

/// (file, cell, rule, severity) of every finding in `validate --format json` output, for
/// the pipeline's own period or `period`.
fn findings(
    pipeline: &str,
    period: Option<&str>,
    out_dir: &Path,
) -> BTreeSet<(String, String, String, String)> {
    let mut cmd = laborstat();
    cmd.args(["validate", pipeline, "--format", "json", "--out-dir"])
        .arg(out_dir);
    if let Some(period) = period {
        cmd.args(["--period", period]);
    }
    let output = cmd.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "error findings exit 1: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let f: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            let field = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                field("file"),
                field("cell"),
                field("rule"),
                field("severity"),
            )
        })
        .collect()
}

/// The mistakes the sample generators planted in a year's ledgers, where they put them:
/// generate.py's expected-findings.csv and each other ledger's expected-findings-<ledger>.csv.
fn planted(year: &str) -> BTreeSet<(String, String, String, String)> {
    let mut planted = BTreeSet::new();
    for entry in std::fs::read_dir(format!("sample-data/{year}")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.starts_with("expected-findings") && name.ends_with(".csv")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        planted.extend(text.lines().skip(1).map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[0].into(), f[1].into(), f[2].into(), f[3].into())
        }));
    }
    planted
}

#[test]
fn every_planted_mistake_is_found_at_its_cell_and_nothing_else() {
    // This year's ledgers, and the year before's (the store's 上年), drawn afresh.
    for year in ["2024", "2023"] {
        let dir = tempfile::tempdir().unwrap();
        let found = findings("pipelines/annual.toml", Some(year), dir.path());
        let planted = planted(year);
        assert!(
            planted.len() >= 10,
            "the generators plant six mistakes in the cases, four in the registry"
        );
        for mistake in &planted {
            assert!(
                found.contains(mistake),
                "{year}: not found: {mistake:?}\nfound: {found:#?}"
            );
        }
        // The 合理性审核 questions are about figures, not cells: annual::
        // plausibility_reviews_question_the_townships_the_truth_says checks them.
        let extra: Vec<_> = found
            .difference(&planted)
            .filter(|(_, _, rule, _)| !rule.starts_with("合理性审核"))
            .collect();
        assert!(
            extra.is_empty(),
            "{year}: findings nobody planted: {extra:#?}"
        );
    }
}

/// The 数据来源 sheet of a report: one map of heading → cell per file.
fn source_rows(report: &Path) -> Vec<HashMap<String, Data>> {
    let range = sheet(report, "数据来源");
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|d| d.to_string()).collect();
    rows.map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn number(row: &HashMap<String, Data>, heading: &str) -> f64 {
    match row.get(heading) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("{heading}: {other:?} in {row:?}"),
    }
}

/// Per file: read = title + header + used + rejected + every kind of skipped row.
fn assert_every_row_accounted(rows: &[HashMap<String, Data>]) {
    for row in rows {
        let skipped: f64 = row
            .iter()
            .filter(|(h, _)| h.starts_with("跳过"))
            .map(|(_, d)| d.as_f64().unwrap_or(0.0))
            .sum();
        let parts = number(row, "标题行")
            + number(row, "表头行数")
            + number(row, "采用")
            + number(row, "剔除")
            + skipped;
        assert_eq!(number(row, "读入行数"), parts, "{:?}", row["文件"]);
    }
}

/// A money cell of 数据来源 (元, 2 decimals) as fen.
fn fen(row: &HashMap<String, Data>, heading: &str) -> i64 {
    (number(row, heading) * 100.0).round() as i64
}

#[test]
fn nothing_lost_in_the_sample_district() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_report("pipelines/annual.toml", None, &out);
    let all = source_rows(&out);
    assert_every_row_accounted(&all);
    let (rows, summaries): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|r| r["台账"] == "投诉举报案件台账");
    assert_eq!(rows.len(), 13, "one line per ledger sent");
    // The other ledgers (registry, disputes, injuries, inspections, referrals, warnings and
    // agencies: tests/annual.rs), each from the same
    // 13 townships, the two 汇总表 sheets, the three tables of last year's published report,
    // and December's 在建项目, 工资保证金 and 欠薪线索 from all 14 (the monthly sample's).
    let others = summaries.len();
    let summaries: Vec<_> = summaries
        .into_iter()
        .filter(|r| r["台账"] == "案件情况汇总表")
        .collect();
    assert_eq!(others, 7 * 13 + 2 + 3 + 3 * 14);
    assert_eq!(summaries.len(), 2, "two townships added a 汇总表 sheet");
    // Known shapes in the sample: a 合计 row in three ledgers; the 汇总表's row labelled 合计
    // is its data.
    let totals: f64 = rows.iter().map(|r| number(r, "跳过：合计/小计行")).sum();
    assert_eq!(totals, 3.0);
    assert!(
        summaries.iter().all(|r| number(r, "采用") == 1.0),
        "{summaries:?}"
    );

    // Rows rejected per file: the rows the generator made wrong on purpose. A 合计 row or a
    // 汇总表 figure that does not add up is a finding, but no ledger row is rejected for it.
    let truth = read_truth("sample-data/2024/expected.csv".as_ref());
    let mut planted_rows: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (file, cell, rule, severity) in planted("2024") {
        if severity == "error" && rule != "合计核对" && rule != "汇总表核对" {
            let row: String = cell.chars().filter(char::is_ascii_digit).collect();
            planted_rows.entry(file).or_default().insert(row);
        }
    }
    for row in &rows {
        let file = row["文件"].to_string();
        let expected = planted_rows.get(&file).map_or(0, |r| r.len());
        assert_eq!(number(row, "剔除"), expected as f64, "rejected in {file}");
        let code = row["报送单位代码"].to_string();
        assert_eq!(
            number(row, "采用"),
            truth[&code].rows_used as f64,
            "used in {file}"
        );
    }

    // Money of the used rows, per township, equals what the generator wrote for the rows it
    // did not spoil, whatever their dates. The report's 追发 is dated by 结案日期, so it is
    // that money less the cases closed next January: both totals are the generator's.
    let mut rows_total = 0;
    for row in &rows {
        let code = row["报送单位代码"].to_string();
        let recovered = fen(row, "采用行追发工资（元）") + fen(row, "采用行追发其他待遇（元）");
        assert_eq!(recovered, truth[&code].rows_recovered_fen, "追发 of {code}");
        rows_total += recovered;
    }
    let dated: i64 = truth.values().map(|t| t.recovered_fen).sum();
    assert!(
        dated < rows_total,
        "some 追发 belongs to cases closed next year"
    );
    let table = Table::read(&out, "投诉举报案件");
    assert_eq!(table.number("合计", "追发工资等待遇（万元）"), wan(dated));
}

#[test]
fn nothing_lost_in_the_bad_file_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.xlsx");
    run_report("tests/fixtures/bad/pipeline.toml", None, &out);
    let rows = source_rows(&out);
    let sent = std::fs::read_dir("tests/fixtures/bad/data")
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .filter(|f| {
            let name = f.as_ref().unwrap().file_name();
            name.to_string_lossy().starts_with("台账.")
        })
        .count();
    assert_eq!(
        rows.len(),
        sent,
        "every file sent has its line, readable or not"
    );
    assert_every_row_accounted(&rows);
    let used_fen: i64 = rows.iter().map(|r| fen(r, "采用行追发工资（元）")).sum();
    let table = sheet(&out, "表");
    let total = table.rows().find(|r| r[0] == "合计").expect("合计 row");
    assert_eq!(total[2].as_f64(), Some(wan(used_fen)), "{total:?}");
}

/// A column wrong from top to bottom (every 涉及人数 negative, 150 rows, 20 distinct values)
/// is one systemic finding in the 问题清单, while `--format json` and the 问题明细 CSV still
/// give every cell with its own value and message.
#[test]
fn a_wrong_column_is_one_finding_and_every_cell_stays_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("案件编号,受理日期,涉及人数\n");
    for i in 0..150 {
        csv.push_str(&format!("A{i:03},2024-03-05,-{}\n", i % 20 + 1));
    }
    let pipeline = one_township(
        dir.path(),
        &csv,
        r#"name = "wrong"
title = "{year}年"
period = "2024"
output = "out/wrong.xlsx""#,
        r#""涉及人数" = { type = "int" }"#,
        r#"[[sources.cases.rules]]
name = "人数范围"
column = "涉及人数"
range = { min = 1, max = 5000 }

[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "表"
title = "{year}年"
columns = [{ header = ["受理"], value = "accepted" }]"#,
    );
    let out = dir.path().join("out");
    let output = validate_json(&pipeline, &out);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|f: &serde_json::Value| f["rule"] == "人数范围")
        .collect();
    assert_eq!(lines.len(), 150);
    for (i, f) in lines.iter().enumerate() {
        let value = format!("-{}", i % 20 + 1);
        assert_eq!(f["cell"], format!("C{}", i + 2), "{f}");
        assert_eq!(f["value"], value.as_str(), "{f}");
        assert!(f["message"].as_str().unwrap().contains(&value), "{f}");
    }
    // The CSV: one line per cell, each with its value.
    let csv = std::fs::read_to_string(out.join("wrong-问题明细.csv")).unwrap();
    let cells: Vec<&str> = csv.lines().filter(|l| l.contains("人数范围")).collect();
    assert_eq!(cells.len(), 150);
    assert!(
        cells[149].contains(",C151,") && cells[149].contains("-10"),
        "{}",
        cells[149]
    );
    // The 问题清单: one row for the column, naming its cells.
    let list = sheet(&out.join("wrong-问题清单.xlsx"), "问题清单");
    let rows: Vec<String> = list
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .filter(|r| r.contains("人数范围"))
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("C2:C151"), "{}", rows[0]);
}

/// `due_days = 10` for 2024-11: due by 2024-12-10. A 填报日期 above the header says when a
/// township sent its file; without one the file's time is used and the 报送情况 says so; a
/// 填报日期 that is not a date is a warning, never taken in silence.
#[test]
fn late_submissions_are_told_with_the_day_and_what_says_so() {
    let status_of = |title_row: &str, file_day: &str| {
        let dir = tempfile::tempdir().unwrap();
        let csv = format!("{title_row}案件编号,受理日期\nA1,2024-11-05\n");
        let pipeline = one_township(
            dir.path(),
            &csv,
            "name = \"due\"\ntitle = \"{period_label}\"\nperiod = \"2024-11\"\ndue_days = 10\noutput = \"out/due.xlsx\"",
            "",
            "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\"], value = \"accepted\" }]",
        );
        let file = dir.path().join("data/510199001-锦华街道/台账.csv");
        let day = chrono::NaiveDate::parse_from_str(file_day, "%Y-%m-%d").unwrap();
        let noon = day
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_local_timezone(chrono::Local)
            .unwrap();
        let when = std::time::SystemTime::from(noon);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(when)
            .unwrap();
        let output = validate_json(&pipeline, dir.path().join("out"));
        let findings = String::from_utf8(output.stdout).unwrap();
        let list = sheet(&dir.path().join("out/due-问题清单.xlsx"), "报送情况");
        let last = list.width() - 1;
        let status = list
            .get((1, last))
            .map(|c| c.to_string())
            .unwrap_or_default();
        (status, findings)
    };
    let (status, _) = status_of("填报单位：锦华街道,填报日期：2024-12-15\n", "2024-12-01");
    assert!(
        status.contains("迟报5天：表内“填报日期”为2024-12-15，截止日为2024-12-10"),
        "{status}"
    );
    let (status, _) = status_of("", "2024-12-08");
    assert_eq!(status, "按时（期末后10天内）");
    let (status, _) = status_of("", "2024-12-12");
    assert!(
        status.contains("迟报2天：文件修改时间为2024-12-12") && status.contains("实际报送记录"),
        "{status}"
    );
    let (status, findings) = status_of("填报日期：十二月初\n", "2024-12-12");
    assert!(status.contains("文件修改时间"), "{status}");
    assert!(
        findings.contains("“填报日期：十二月初”不是日期"),
        "{findings}"
    );
    assert!(
        findings.contains("\"cell\":\"A1\""),
        "at its cell: {findings}"
    );
}

/// `key = ["项目编号", "月份"]`: one project's row per month. The same project in another
/// month is a record of its own; the same project and month twice is an error at both rows,
/// and a key cell left empty is a required cell missing.
#[test]
fn a_business_key_twice_is_an_error_at_both_rows() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,项目编号,月份\n\
               A1,2024-03-05,P1,1\n\
               A2,2024-03-05,P1,2\n\
               A3,2024-03-05,P2,1\n\
               A4,2024-03-05,P1,2\n\
               A5,2024-03-05,P3,\n";
    let pipeline = one_township(
        dir.path(),
        csv,
        "name = \"key\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out/key.xlsx\"",
        "\"项目编号\" = { type = \"text\" }\n\"月份\" = { type = \"int\" }",
        "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\"], value = \"accepted\" }]",
    );
    let text = std::fs::read_to_string(&pipeline).unwrap();
    let keyed = text.replace(
        "period_column = \"受理日期\"\n",
        "period_column = \"受理日期\"\nkey = [\"项目编号\", \"月份\"]\n",
    );
    std::fs::write(&pipeline, keyed).unwrap();
    let output = validate_json(&pipeline, dir.path().join("out"));
    assert_eq!(output.status.code(), Some(1));
    let findings: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let at = |rule: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["rule"].as_str().unwrap().starts_with(rule))
            .map(|f| f["cell"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // Rows 3 and 5 (P1, month 2), at the first key column; row 6's empty month.
    assert_eq!(at("业务键"), ["C3", "C5"], "{findings:?}");
    assert_eq!(at("required"), ["D6"], "{findings:?}");
    let first = findings.iter().find(|f| f["cell"] == "C3").unwrap();
    assert_eq!(first["value"], "项目编号=P1，月份=2");
    assert!(
        first["message"].as_str().unwrap().contains("第5行"),
        "{first}"
    );
}

/// A cumulative ledger (no period column, measures dated by their events) from a township
/// that sent last year's file: every row is kept, none counts in 2024 — which is told, with
/// the file's dates, and the 报送情况 says 无报告期数据 instead of 已报送.
#[test]
fn a_file_with_no_row_dated_in_the_period_is_told_not_taken_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,结案日期\nL1,2023-03-05,2023-04-01\nL2,2023-11-20,\n";
    let pipeline = one_township(
        dir.path(),
        csv,
        "name = \"old\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out/old.xlsx\"",
        r#""结案日期" = { type = "date" }"#,
        "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\ndate = \"受理日期\"\n\n[measures.closed]\nsource = \"cases\"\nsql = \"count(*)\"\ndate = \"结案日期\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\"], value = \"accepted\" }]",
    );
    let text = std::fs::read_to_string(&pipeline).unwrap();
    std::fs::write(
        &pipeline,
        text.replace("period_column = \"受理日期\"\n", ""),
    )
    .unwrap();
    let output = validate_json(&pipeline, dir.path().join("out"));
    let findings = String::from_utf8(output.stdout).unwrap();
    assert!(
        findings.contains("表中数据的日期都不在报告期内（最早2023-03-05，最晚2023-11-20）：没有一行的“受理日期”或“结案日期”在2024年内"),
        "{findings}"
    );
    let list = sheet(&dir.path().join("out/old-问题清单.xlsx"), "报送情况");
    let status = list.get((1, 3)).map(|c| c.to_string()).unwrap_or_default();
    assert_eq!(status, "无报告期数据");
}

/// The same cumulative ledger in a monthly run whose sheet shows 本年累计: a township with
/// no case in November but cases in March sends a file that counts in 本年累计 — not told
/// "counted in no figure"; a file whose rows are all from last year still is, with the days
/// the report counts in.
#[test]
fn a_file_counted_in_the_year_to_date_is_not_told_it_counts_nowhere() {
    let pipeline_keys =
        "name = \"m\"\ntitle = \"t\"\nperiod = \"2024-11\"\noutput = \"out/m.xlsx\"";
    let rest = "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\ndate = \"受理日期\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\", \"本月\"], value = \"accepted\" }, { header = [\"受理\", \"本年累计\"], value = \"accepted\", window = \"本年累计\" }]";
    let run = |csv: &str| {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = one_township(dir.path(), csv, pipeline_keys, "", rest);
        let text = std::fs::read_to_string(&pipeline).unwrap();
        std::fs::write(
            &pipeline,
            text.replace("period_column = \"受理日期\"\n", ""),
        )
        .unwrap();
        let output = validate_json(&pipeline, dir.path().join("out"));
        String::from_utf8(output.stdout).unwrap()
    };
    let march = run("案件编号,受理日期\nL1,2024-03-05\nL2,2024-03-20\n");
    assert!(!march.contains("报告期"), "{march}");
    let last_year = run("案件编号,受理日期\nL1,2023-03-05\n");
    assert!(
        last_year
            .contains("没有一行的“受理日期”在2024年11月（含本表所用的2024年1月1日起的累计期间）内"),
        "{last_year}"
    );
}
