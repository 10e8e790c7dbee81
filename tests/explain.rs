//! `explain` against the generators' own truth: the rows behind a reported number, found
//! from the cell of the report the run wrote — a rate and an amount, a year-to-date figure
//! read from the stored months, a cell of every kind of a sheet's layout.

use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use crate::common::{monthly_truth, read_truth, run_ok, sheet};
use crate::query::{annual_store, monthly_store};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

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
    assert!(text.contains("即报表中的数字"), "{text}");
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
    assert!(text.contains("标题"), "{text}");
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
    let (text, told) = run_ok(&[
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
    // The files are those the stored run read: nothing to warn of.
    assert!(!told.contains("注意"), "{told}");
    // With a township's March folder gone, explain recomputes from what is there and says
    // the figure may not be the published one, naming the files that differ.
    let data = out.path().join("data-now");
    crate::monthly::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/monthly"),
        &data,
    );
    let gone = std::fs::read_dir(data.join("2024-03"))
        .unwrap()
        .flatten()
        .find(|e| e.path().is_dir())
        .unwrap()
        .path();
    std::fs::remove_dir_all(&gone).unwrap();
    let (now, told) = run_ok(&[
        "explain",
        pipeline.to_str().unwrap(),
        &cell,
        "--period",
        "2024-03",
        "--store",
        store.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    let name = gone.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        told.contains("现在的文件与存入时的不同")
            && told.contains(&name)
            && told.contains("现在没有"),
        "{told}"
    );
    // The figure explained is still the published one: the stored rows, not today's files.
    let figure_line = |text: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with("figure"))
            .map(str::to_string)
    };
    assert_eq!(figure_line(&now), figure_line(&text), "{now}");
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
    assert!(text.contains("公式的分母为 0"), "{text}");
    assert!(text.contains("分母 结案数 = 0"), "{text}");
    assert!(explain("表!A4").contains("锦华街道（510199001） 这一行的名称"));
    assert!(explain("表!D4").contains("表格之外"));
    assert!(explain("表!A8").contains("表格下方"));
}
