//! `query`, `tables` and `explain` against the generators' own truth
//! (sample-data/2024/expected.csv, sample-data/monthly/monthly-expected.csv), which
//! laborstat never computes: the store's rows and results read back by SQL, every period at
//! once; a SQL mistake's message; formula-like text exported inert; and the rows behind a
//! reported number, found from the cell of the report the run wrote.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};

use crate::common::{laborstat, monthly_truth, read_truth, run_ok, sheet};

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
fn annual_store(out: &Path) -> (PathBuf, PathBuf) {
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
fn monthly_store(out: &Path) -> (PathBuf, PathBuf) {
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

    // results: the measures per township and period, money exact in 元.
    let text = query(
        &pipeline,
        &store,
        &["--all-periods", "--format", "csv"],
        "SELECT period, submitter, cases, recovered, active FROM results WHERE submitter IS NOT NULL ORDER BY period, submitter",
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
    let results = store.join("monthly-wages").join("_results");
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
        "SELECT count(*) AS n FROM results WHERE submitter IS NOT NULL",
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
        "projects", "arrears", "leads", "deposits", "results", "files",
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
        "SELECT submitter, closure_rate FROM results WHERE closure_rate < 0.95 AND submitter IS NOT NULL ORDER BY submitter",
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
        "SELECT submitter_name, accepted, closed FROM results WHERE submitter IS NULL",
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
        "SELECT submitter_name, accepted FROM results ORDER BY accepted DESC LIMIT 3",
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
        assert!(stderr.contains("read the spreadsheets of 2024"), "{stderr}");
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

/// The 0-based (row, column) of a report cell by row label and leaf header.
fn cell_of(report: &Path, sheet_name: &str, row_label: &str, header: &str) -> String {
    let range = sheet(report, sheet_name);
    let col = (0..range.width())
        .find(|&c| (2..4).any(|r| crate::common::heading(range.get((r, c))) == header))
        .unwrap_or_else(|| panic!("no header {header}"));
    let row = (0..range.height())
        .find(|&r| {
            (0..2).any(|c| range.get((r, c)).map(|d| d.to_string()).as_deref() == Some(row_label))
        })
        .unwrap_or_else(|| panic!("no row {row_label}"));
    let letter = (b'A' + col as u8) as char;
    format!("{sheet_name}!{letter}{}", row + 1)
}

#[test]
fn explain_lists_the_rows_behind_a_rate_and_an_amount() {
    let out = tempfile::tempdir().unwrap();
    let (report, store) = annual_store(out.path());
    let truth = read_truth(&Path::new(ROOT).join("sample-data/2024/expected.csv"));
    let explain = |cell: &str, rows: &Path| {
        run_ok(&[
            "explain",
            "pipelines/annual.toml",
            cell,
            "--store",
            store.to_str().unwrap(),
            "--out",
            rows.to_str().unwrap(),
        ])
        .0
    };

    // 合计 结案率: 分子 结案数 and 分母 上期未结 + 受理数, each with its rows.
    let rows = out.path().join("rate.xlsx");
    let cell = cell_of(&report, "投诉举报案件", "合计", "结案率");
    let text = explain(&cell, &rows);
    let closed: i64 = truth.values().map(|t| t.closed).sum();
    let accepted: i64 = truth.values().map(|t| t.accepted).sum();
    assert!(text.contains("合计"), "{text}");
    assert!(
        text.contains("结案率 = 结案数 ÷ 应结案件数（上期未结加本期受理）"),
        "{text}"
    );
    // The denominator is an indicator of two measures: each with its own rows.
    let carried: i64 = truth.values().map(|t| t.carried).sum();
    assert!(
        text.contains(&format!(
            "分母 上期未结案件数 = {}",
            crate::common::grouped(carried)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("分子 结案数 = {}", crate::common::grouped(closed))),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "分母 受理数 = {}",
            crate::common::grouped(accepted)
        )),
        "{text}"
    );
    assert!(text.contains("the figure"), "{text}");
    let mut book = open_workbook_auto(&rows).unwrap();
    let names = book.sheet_names();
    assert_eq!(names.len(), 3, "{names:?}");
    let numerator = book.worksheet_range(&names[0]).unwrap();
    assert_eq!(numerator.height() as i64 - 1, closed);
    let denominator = book.worksheet_range(&names[1]).unwrap();
    assert_eq!(denominator.height() as i64 - 1, carried);
    let denominator = book.worksheet_range(&names[2]).unwrap();
    assert_eq!(denominator.height() as i64 - 1, accepted);

    // One township's 追发: its rows add up to the generator's fen, each row's 计入 in 元.
    let (code, t) = truth.iter().max_by_key(|(_, t)| t.recovered_fen).unwrap();
    let rows = out.path().join("amount.xlsx");
    let cell = cell_of(&report, "投诉举报案件", code, "追发工资等待遇（万元）");
    let text = explain(&cell, &rows);
    assert!(text.contains(&format!("{}（{code}）", t.name)), "{text}");
    let mut book = open_workbook_auto(&rows).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    let adds = (0..range.width())
        .find(|&c| range.get((0, c)) == Some(&Data::String("计入".into())))
        .unwrap();
    let fen: i64 = (1..range.height())
        .map(|r| match range.get((r, adds)) {
            Some(Data::Float(f)) => (f * 100.0).round() as i64,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(fen, t.recovered_fen);

    // A cell that holds no figure is said for what it is.
    let (text, _) = run_ok(&[
        "explain",
        "pipelines/annual.toml",
        "投诉举报案件!A1",
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(text.contains("title"), "{text}");
}

#[test]
fn explain_reads_a_year_to_date_figure_from_the_stored_months() {
    let out = tempfile::tempdir().unwrap();
    let (pipeline, store) = monthly_store(out.path());
    let truth = monthly_truth();
    let report = out.path().join("monthly-wages-2024-03.xlsx");
    let range = sheet(&report, "欠薪案件及线索");
    // The township with the most cases in the quarter.
    let code = truth
        .keys()
        .map(|(_, c)| c.clone())
        .max_by_key(|c| {
            ["2024-01", "2024-02", "2024-03"]
                .iter()
                .map(|p| truth[&(p.to_string(), c.clone())]["cases"])
                .sum::<i64>()
        })
        .unwrap();
    let quarter: i64 = ["2024-01", "2024-02", "2024-03"]
        .iter()
        .map(|p| truth[&(p.to_string(), code.clone())]["cases"])
        .sum();
    // 本年累计 受理: the first column under a 本年累计 group heading.
    let col = (0..range.width())
        .find(|&c| range.get((3, c)) == Some(&Data::String("本年累计".into())))
        .expect("a 本年累计 column");
    let row = (0..range.height())
        .find(|&r| range.get((r, 0)) == Some(&Data::String(code.clone())))
        .unwrap();
    let cell = format!("欠薪案件及线索!{}{}", (b'A' + col as u8) as char, row + 1);
    let rows = out.path().join("ytd.xlsx");
    let (text, _) = run_ok(&[
        "explain",
        pipeline.to_str().unwrap(),
        &cell,
        "--period",
        "2024-03",
        "--store",
        store.to_str().unwrap(),
        "--out",
        rows.to_str().unwrap(),
    ]);
    assert!(
        text.contains("本年累计：2024年1月1日至2024年3月31日"),
        "{text}"
    );
    let mut book = open_workbook_auto(&rows).unwrap();
    let name = book.sheet_names()[0].clone();
    let listed = book.worksheet_range(&name).unwrap();
    assert_eq!(listed.height() as i64 - 1, quarter, "{text}");
}

#[test]
fn explain_follows_the_layout_a_sheet_has_and_says_why_a_cell_is_empty() {
    // 合计 last, no code column, one header row; the only case is open, so 结案率 is 0 and
    // 按期率 (按期 ÷ 结案) has a zero denominator: "—".
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,办理状态,结案日期\nA1,2024-03-01,办理中,\nA2,2024-04-01,办理中,\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        "name = \"t\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"办理状态\" = { type = \"text\" }\n\"结案日期\" = { type = \"date\" }",
        &[
            crate::common::ACCEPTED_AND_CLOSED,
            r#"
[measures.on_time]
source = "cases"
sql = "sum(case when 结案日期 <= 受理日期 + interval '84 days' then 1 else 0 end)"
label = "按期结案数"

[indicators.on_time_rate]
expr = "on_time / closed"
label = "按期结案率"
display = "percent"

[[report.sheets]]
name = "表"
title = "{year}年"
total = "last"
columns = [
  { header = ["受理"], value = "accepted" },
  { header = ["按期结案率"], value = "on_time_rate" },
]"#,
        ]
        .concat(),
    );
    let report = dir.path().join("out.xlsx");
    run_ok(&["run", pipeline.to_str().unwrap(), "--no-store", "-q"]);
    let range = sheet(&report, "表");
    // One header row (row 3), 锦华街道 on row 4, 合计 on row 5; names in column A.
    assert_eq!(range.get((3, 0)), Some(&Data::String("锦华街道".into())));
    assert_eq!(range.get((4, 0)), Some(&Data::String("合计".into())));
    let explain =
        |cell: &str| run_ok(&["explain", pipeline.to_str().unwrap(), cell, "--no-store"]).0;
    let text = explain("表!B5");
    assert!(text.starts_with("表!B5 — 合计"), "{text}");
    assert!(text.contains("项 受理数 = 2"), "{text}");
    let text = explain("表!B4");
    assert!(text.contains("锦华街道（510199001）"), "{text}");
    let text = explain("表!C4");
    assert!(text.contains("按期结案率 —"), "{text}");
    assert!(text.contains("a denominator of the formula is 0"), "{text}");
    assert!(text.contains("分母 结案数 = 0"), "{text}");
    assert!(explain("表!A4").contains("the name of the row 锦华街道"));
    assert!(explain("表!D4").contains("outside the table"));
    assert!(explain("表!A8").contains("below the table"));
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
