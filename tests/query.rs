//! `query` and `tables` against the generators' own truth
//! (sample-data/2024/expected.csv, sample-data/monthly/monthly-expected.csv), which
//! laborstat never computes: the store's rows and results read back by SQL, every period at
//! once; a SQL mistake's message; formula-like text exported inert.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};

use crate::common::{laborstat, monthly_truth, read_truth, run_ok};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// CSV text (as `query --format csv` writes it, no quoted commas here) as rows of fields.
pub fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

/// fen as the exact 元 text query prints: 1234567 → 12345.67.
fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The annual pipeline run on the sample into `out`: (the report, the store).
pub fn annual_store(out: &Path) -> (PathBuf, PathBuf) {
    let report = out.join("annual.xlsx");
    let store = out.join("store");
    run_ok(&[
        "run",
        "pipelines/annual.toml",
        "--out",
        report.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "-q",
    ]);
    (report, store)
}

/// The monthly pipeline run for 2024-01..2024-03 into a store under `out` (its reports
/// `monthly-wages-<period>.xlsx` there too).
pub fn monthly_store(out: &Path) -> (PathBuf, PathBuf) {
    let pipeline = crate::monthly::pipeline_in(out, &Path::new(ROOT).join("sample-data/monthly"));
    let store = out.join("store");
    run_ok(&[
        "run",
        pipeline.to_str().unwrap(),
        "--period",
        "2024-01..2024-03",
        "--store",
        store.to_str().unwrap(),
        "-q",
    ]);
    (pipeline, store)
}

fn query(pipeline: &Path, store: &Path, extra: &[&str], sql: &str) -> String {
    let mut args = vec![
        "query",
        pipeline.to_str().unwrap(),
        sql,
        "--store",
        store.to_str().unwrap(),
    ];
    args.extend(extra);
    run_ok(&args).0
}

#[test]
fn query_reads_every_stored_period_and_its_results_as_the_generator_counted() {
    let out = tempfile::tempdir().unwrap();
    let (pipeline, store) = monthly_store(out.path());
    let truth = monthly_truth();
    let months = ["2024-01", "2024-02", "2024-03"];

    // measures: the measures per township and period, money exact in 元.
    let text = query(
        &pipeline,
        &store,
        &["--all-periods", "--format", "csv"],
        "SELECT period, submitter, cases, recovered, active FROM measures WHERE submitter IS NOT NULL ORDER BY period, submitter",
    );
    let rows = csv_rows(&text);
    let expected: Vec<&(String, String)> = truth
        .keys()
        .filter(|(p, _)| months.contains(&p.as_str()))
        .collect();
    assert_eq!(rows.len(), expected.len(), "{text}");
    for row in &rows {
        let t = &truth[&(row["period"].clone(), row["submitter"].clone())];
        assert_eq!(row["cases"], t["cases"].to_string(), "{row:?}");
        assert_eq!(row["recovered"], yuan(t["recovered_fen"]), "{row:?}");
        assert_eq!(row["active"], t["projects_active"].to_string(), "{row:?}");
    }

    // results: the report's own cells — March's 本年累计 欠薪案件数 is January to March.
    let text = query(
        &pipeline,
        &store,
        &["--period", "2024-03", "--format", "csv"],
        "SELECT submitter, value FROM results WHERE figure = 'cases' AND window = '本年累计' AND submitter IS NOT NULL",
    );
    let printed = csv_rows(&text);
    assert!(!printed.is_empty(), "{text}");
    for row in &printed {
        let ytd: i64 = months
            .iter()
            .filter_map(|p| truth.get(&(p.to_string(), row["submitter"].clone())))
            .map(|t| t["cases"])
            .sum();
        assert_eq!(row["value"].parse::<f64>().unwrap(), ytd as f64, "{row:?}");
    }

    // A source's rows: 追发工资 summed by SQL over the rows of March, exact to the fen.
    let text = query(
        &pipeline,
        &store,
        &["--period", "2024-03", "--format", "csv"],
        "SELECT submitter, sum(追发工资) AS 追发 FROM arrears WHERE 办理状态 = '已结案' AND 结案日期 BETWEEN date '2024-03-01' AND date '2024-03-31' GROUP BY submitter",
    );
    let summed: HashMap<String, String> = csv_rows(&text)
        .into_iter()
        .map(|r| (r["submitter"].clone(), r["追发"].clone()))
        .collect();
    for ((period, code), t) in &truth {
        if period == "2024-03" && t["recovered_fen"] > 0 {
            assert_eq!(summed.get(code), Some(&yuan(t["recovered_fen"])), "{code}");
        }
    }

    // A declared alias of an enum value (结案 for 已结案) means the value, and says so; a
    // ratio of two money sums is not cut to the money's two decimals.
    let (stdout, stderr) = run_ok(&[
        "query",
        pipeline.to_str().unwrap(),
        "SELECT count(*) AS n, sum(追发工资) / sum(欠薪金额) AS share FROM arrears WHERE 办理状态 = '结案'",
        "--store",
        store.to_str().unwrap(),
        "--period",
        "2024-03",
        "--format",
        "csv",
    ]);
    assert!(
        stderr.contains("“结案”是“办理状态”的取值“已结案”的别名"),
        "{stderr}"
    );
    let by_alias = &csv_rows(&stdout)[0];
    let text = query(
        &pipeline,
        &store,
        &["--period", "2024-03", "--format", "csv"],
        "SELECT count(*) AS n, sum(追发工资) AS paid, sum(欠薪金额) AS owed FROM arrears WHERE 办理状态 = '已结案'",
    );
    let by_value = &csv_rows(&text)[0];
    assert_eq!(by_alias["n"], by_value["n"]);
    assert!(by_value["n"].parse::<u64>().unwrap() > 0);
    let exact = by_value["paid"].parse::<f64>().unwrap() / by_value["owed"].parse::<f64>().unwrap();
    let share: f64 = by_alias["share"].parse().unwrap();
    assert!((share - exact).abs() < 1e-9, "{share} against {exact}");
    let (_, stderr) = run_ok(&[
        "query",
        pipeline.to_str().unwrap(),
        "SELECT count(*) FROM arrears WHERE 办理状态 IN ('已结案', '结了')",
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(
        stderr.contains("“结了”不是“办理状态”的取值") && stderr.contains("办理中"),
        "{stderr}"
    );
    // A file's rows add up: read = used + rejected + skipped + title/header.
    let text = query(
        &pipeline,
        &store,
        &["--format", "csv"],
        "SELECT sum(rows_read - rows_used - rows_rejected - rows_skipped - rows_title_header) AS gap, sum(rows_title_header) AS heads FROM files",
    );
    let sums = &csv_rows(&text)[0];
    assert_eq!(sums["gap"], "0", "{text}");
    assert!(sums["heads"].parse::<u64>().unwrap() > 0, "{text}");
    // A bare count(*) is named as written, not `len`.
    let text = query(
        &pipeline,
        &store,
        &["--format", "csv"],
        "SELECT count(*) FROM arrears",
    );
    assert_eq!(text.lines().next(), Some("count(*)"), "{text}");

    // Projects with a wage account per month, from the rows of three partitions at once.
    let text = query(
        &pipeline,
        &store,
        &["--period", "2024-01..2024-03", "--format", "json"],
        "SELECT period, submitter, count(*) AS n FROM projects WHERE 项目状态 = '在建' AND 工资专用账户 GROUP BY period, submitter",
    );
    let mut counted = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = (
            v["period"].as_str().unwrap().to_string(),
            v["submitter"].as_str().unwrap().to_string(),
        );
        assert_eq!(
            v["n"].as_i64().unwrap(),
            truth[&key]["工资专用账户"],
            "{key:?}"
        );
        counted += 1;
    }
    let with_accounts = truth
        .iter()
        .filter(|((p, _), t)| months.contains(&p.as_str()) && t["工资专用账户"] > 0)
        .count();
    assert_eq!(counted, with_accounts);

    // A folder that laborstat did not write (not a period) is never read.
    let results = store.join("monthly-wages").join("_measures");
    std::fs::create_dir_all(results.join("period=draft")).unwrap();
    std::fs::copy(
        results.join("period=2024-01").join("data.parquet"),
        results.join("period=draft").join("data.parquet"),
    )
    .unwrap();

    // count(*) over several periods (the streaming engine refuses it; query runs it in memory).
    let text = query(
        &pipeline,
        &store,
        &["--all-periods", "--format", "csv"],
        "SELECT count(*) AS n FROM measures WHERE submitter IS NOT NULL",
    );
    assert_eq!(csv_rows(&text)[0]["n"], expected.len().to_string());

    // files: each workbook of March, as many as the folder holds.
    let on_disk = std::fs::read_dir(Path::new(ROOT).join("sample-data/monthly/2024-03"))
        .unwrap()
        .flat_map(|township| std::fs::read_dir(township.unwrap().path()).unwrap())
        .count();
    let text = query(
        &pipeline,
        &store,
        &["--period", "2024-03", "--format", "csv"],
        "SELECT count(DISTINCT file) AS n FROM files",
    );
    assert_eq!(csv_rows(&text)[0]["n"], on_disk.to_string());

    // tables: every table with its rows per period.
    let (text, _) = run_ok(&[
        "tables",
        pipeline.to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
        "--all-periods",
    ]);
    for table in [
        "projects", "arrears", "leads", "deposits", "results", "measures", "files",
    ] {
        assert!(text.contains(&format!("\n{table} — ")), "{table}: {text}");
    }
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("追发工资 ") && l.ends_with("金额（元）")),
        "{text}"
    );
    assert!(
        text.contains("2024-01: ") && text.contains("2024-03: "),
        "{text}"
    );
}

#[test]
fn results_answer_under_95_percent_without_the_formula_written_again() {
    let out = tempfile::tempdir().unwrap();
    let (_, store) = annual_store(out.path());
    let truth = read_truth(&Path::new(ROOT).join("sample-data/2024/expected.csv"));
    let text = query(
        Path::new("pipelines/annual.toml"),
        &store,
        &["--format", "csv"],
        "SELECT DISTINCT submitter FROM results WHERE figure = 'closure_rate' AND window = '本期' AND value < 0.95 AND submitter IS NOT NULL ORDER BY submitter",
    );
    let got: Vec<String> = csv_rows(&text)
        .into_iter()
        .map(|r| r["submitter"].clone())
        .collect();
    let mut expected: Vec<String> = truth
        .iter()
        .filter(|(_, t)| t.due() > 0 && (t.closed as f64 / t.due() as f64) < 0.95)
        .map(|(code, _)| code.clone())
        .collect();
    expected.sort();
    assert_eq!(got, expected);
    assert!(!got.is_empty(), "the sample has townships under 95%");

    // 合计 is the row without a submitter, its rate from the totals.
    let text = query(
        Path::new("pipelines/annual.toml"),
        &store,
        &["--format", "csv"],
        "SELECT submitter_name, accepted, closed FROM measures WHERE submitter IS NULL",
    );
    let total = &csv_rows(&text)[0];
    assert_eq!(total["submitter_name"], "合计");
    let accepted: i64 = truth.values().map(|t| t.accepted).sum();
    let closed: i64 = truth.values().map(|t| t.closed).sum();
    assert_eq!(total["accepted"], accepted.to_string());
    assert_eq!(total["closed"], closed.to_string());

    // The largest amounts: a top-k over money (which polars' streaming engine cannot run in
    // 0.55; query runs it again in memory), exact to the fen.
    let text = query(
        Path::new("pipelines/annual.toml"),
        &store,
        &["--format", "csv"],
        "SELECT submitter, sum(涉及金额) AS 涉及金额 FROM cases GROUP BY submitter ORDER BY 涉及金额 DESC LIMIT 3",
    );
    let expected_csv =
        std::fs::read_to_string(Path::new(ROOT).join("sample-data/2024/expected.csv")).unwrap();
    let mut amounts: Vec<(i64, String)> = csv_rows(&expected_csv)
        .into_iter()
        .map(|r| (r["rows_amount_fen"].parse().unwrap(), r["code"].clone()))
        .collect();
    amounts.sort_by(|a, b| b.cmp(a));
    let top: Vec<(String, String)> = csv_rows(&text)
        .into_iter()
        .map(|r| (r["submitter"].clone(), r["涉及金额"].clone()))
        .collect();
    let want: Vec<(String, String)> = amounts[..3]
        .iter()
        .map(|(fen, code)| (code.clone(), yuan(*fen)))
        .collect();
    assert_eq!(top, want);

    // The terminal table aligns CJK text by its display width.
    let text = query(
        Path::new("pipelines/annual.toml"),
        &store,
        &[],
        "SELECT submitter_name, accepted FROM measures ORDER BY accepted DESC LIMIT 3",
    );
    let lines: Vec<&str> = text.lines().collect();
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    assert_eq!(width(lines[0]), width(lines[2]), "{text}");
    assert!(lines[0].starts_with("submitter_name"), "{text}");
}

#[test]
fn a_sql_mistake_is_named_with_what_exists() {
    let out = tempfile::tempdir().unwrap();
    let (_, store) = annual_store(out.path());
    let mistake = |sql: &str| {
        let output = laborstat()
            .args(["query", "pipelines/annual.toml", sql, "--store"])
            .arg(&store)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{sql}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        // The store's folder differs per run; the message does not.
        stderr.replace(&store.display().to_string(), "STORE")
    };
    let all = [
        mistake("SELECT 受理日, count(*) FROM cases GROUP BY 受理日"),
        mistake("SELECT * FROM case"),
        mistake("SELECT 结案率 FROM measures"),
        mistake("SELECT 结案率 FROM results"),
        mistake("SELECT submitter FORM results"),
        mistake("DELETE FROM cases"),
        mistake("SELECT 被投诉单位 + 1 FROM cases"),
    ]
    .join("\n---\n");
    assert!(!all.contains("polars"), "{all}");
    insta::assert_snapshot!(all);
}

#[test]
fn formula_like_text_is_exported_inert() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,被投诉单位\nA1,2024-03-01,=HYPERLINK(\"http://x\")\nA2,2024-03-02,+86 28 1234\nA3,2024-03-03,@SUM(A1)\nA4,2024-03-04,锦华公司\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        "name = \"t\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"被投诉单位\" = { type = \"text\" }",
        "[measures.n]\nsource = \"cases\"\nsql = \"count(*)\"\nlabel = \"行数\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"表\"\ncolumns = [{ header = [\"行数\"], value = \"n\" }]\n",
    );
    let sql = "SELECT 案件编号, 被投诉单位 FROM cases ORDER BY 案件编号";
    let csv_out = dir.path().join("x.csv");
    let xlsx_out = dir.path().join("x.xlsx");
    let parquet_out = dir.path().join("x.parquet");
    for out in [&csv_out, &xlsx_out, &parquet_out] {
        let (_, stderr) = run_ok(&[
            "query",
            pipeline.to_str().unwrap(),
            sql,
            "--no-store",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(stderr.contains("读了2024年的表格文件"), "{stderr}");
    }
    let text = std::fs::read_to_string(&csv_out).unwrap();
    let rows = csv_rows(&text);
    assert_eq!(rows[0]["被投诉单位"], "\"'=HYPERLINK(\"\"http://x\"\")\"");
    assert_eq!(rows[1]["被投诉单位"], "'+86 28 1234");
    assert_eq!(rows[2]["被投诉单位"], "'@SUM(A1)");
    assert_eq!(rows[3]["被投诉单位"], "锦华公司");
    // Parquet keeps the text as it is: a typed column, nothing for a spreadsheet to run.
    use polars::prelude::SerReader;
    let frame = polars::prelude::ParquetReader::new(std::fs::File::open(&parquet_out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(frame.height(), 4);
    let names = frame.column("被投诉单位").unwrap().str().unwrap().clone();
    assert_eq!(names.get(0), Some("=HYPERLINK(\"http://x\")"));
    let mut book = open_workbook_auto(&xlsx_out).unwrap();
    let name = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula in the export"
    );
    let values = book.worksheet_range(&name).unwrap();
    assert_eq!(
        values.get((1, 1)),
        Some(&Data::String("=HYPERLINK(\"http://x\")".into()))
    );
}

#[test]
fn periods_stored_with_other_columns_are_read_together() {
    // January stored before 涉及金额 was declared, February after: the union of both.
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,涉及金额\nA1,2024-01-05,100.10\nA2,2024-01-20,200.20\nA3,2024-02-03,300.33\n";
    let rest = "[measures.n]\nsource = \"cases\"\nsql = \"count(*)\"\nlabel = \"行数\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"表\"\ncolumns = [{ header = [\"行数\"], value = \"n\" }]\n";
    let head = "name = \"t\"\ntitle = \"t\"\nperiod = \"2024-01\"\noutput = \"out-{period}.xlsx\"";
    let pipeline = crate::common::one_township(dir.path(), csv, head, "", rest);
    crate::common::run_period(&pipeline, "2024-01");
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        head,
        "\"涉及金额\" = { type = \"money\" }",
        rest,
    );
    crate::common::run_period(&pipeline, "2024-02");
    let store = dir.path().join("store");
    let text = query(
        &pipeline,
        &store,
        &["--all-periods", "--format", "csv"],
        "SELECT period, count(案件编号) AS n, sum(涉及金额) AS s FROM cases GROUP BY period ORDER BY period",
    );
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!((rows[0]["n"].as_str(), rows[0]["s"].as_str()), ("2", ""));
    assert_eq!(
        (rows[1]["n"].as_str(), rows[1]["s"].as_str()),
        ("1", "300.33")
    );
    // February alone: its own columns, whatever January's file holds.
    let text = query(
        &pipeline,
        &store,
        &["--period", "2024-02", "--format", "csv"],
        "SELECT sum(涉及金额) AS s FROM cases",
    );
    assert_eq!(csv_rows(&text)[0]["s"], "300.33");
}
