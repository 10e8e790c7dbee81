//! Ledgers laid out the way other districts lay them out (tests/fixtures/layouts, made by
//! make.py): a merged one-row header with an optional column absent, a 1904 workbook, dates
//! typed as 8-digit numbers, employers named like footers and totals, a money column spelled
//! another way, a corrected re-submission with the same modification time, a sheet of last
//! year's rows. Each once gave wrong figures with no finding. The report must equal the
//! generator's truth, and the findings must be exactly the ones that explain the rest.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use calamine::Data;

use crate::common::{laborstat, run_report, sheet};

const FIXTURE: &str = "tests/fixtures/layouts";

/// The corpus copied with every file's modification time equal, as after unpacking a zip
/// or a fresh clone (git keeps no times): only the names can tell re-submissions apart.
fn data_with_equal_times() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let when = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_732_000_000);
    for township in std::fs::read_dir(Path::new(FIXTURE).join("data")).unwrap() {
        let township = township.unwrap().path();
        let target = dir.path().join(township.file_name().unwrap());
        std::fs::create_dir(&target).unwrap();
        for file in std::fs::read_dir(&township).unwrap() {
            let file = file.unwrap().path();
            let copy = target.join(file.file_name().unwrap());
            std::fs::copy(&file, &copy).unwrap();
            std::fs::File::options()
                .write(true)
                .open(&copy)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    }
    dir
}

/// `validate` of the corpus in `data`, findings as JSON lines, outputs in `out`.
fn validate(data: &Path, out: &Path) -> std::process::Output {
    laborstat()
        .args([
            "validate",
            &format!("{FIXTURE}/pipeline.toml"),
            "--format",
            "json",
        ])
        .arg("--data")
        .arg(data)
        .arg("--out-dir")
        .arg(out)
        .output()
        .unwrap()
}

fn csv_rows(path: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(Path::new(FIXTURE).join(path)).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn unseen_layouts_give_the_true_figures() {
    let data = data_with_equal_times();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("layouts.xlsx");
    let pipeline = format!("{FIXTURE}/pipeline.toml");
    run_report(&pipeline, Some(data.path().to_str().unwrap()), &report);
    let range = sheet(&report, "欠薪案件");
    let row_of = |code: &str| -> Vec<Data> {
        range
            .rows()
            .find(|r| r[0] == *code)
            .unwrap_or_else(|| panic!("no row for {code}"))
            .to_vec()
    };
    let number = |d: &Data| match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        Data::Empty => 0.0,
        other => panic!("not a number: {other:?}"),
    };
    let (mut cases, mut fen) = (0.0, 0i64);
    for truth in csv_rows("expected.csv") {
        let code = &truth["code"];
        let row = row_of(code);
        let expected: i64 = truth["recovered_fen"].parse().unwrap();
        assert_eq!(
            number(&row[2]),
            truth["cases"].parse::<f64>().unwrap(),
            "{code} 案件数"
        );
        assert_eq!(
            number(&row[3]),
            truth["workers"].parse::<f64>().unwrap(),
            "{code} 涉及人数"
        );
        assert_eq!(number(&row[4]), expected as f64 / 100.0, "{code} 追发工资");
        cases += number(&row[2]);
        fen += expected;
    }
    let total = range.rows().find(|r| r[1] == "合计").expect("合计 row");
    assert_eq!(number(&total[2]), cases);
    assert_eq!(number(&total[4]), fen as f64 / 100.0);
}

#[test]
fn every_layout_problem_is_a_finding_at_its_place() {
    let data = data_with_equal_times();
    let out = tempfile::tempdir().unwrap();
    let output = validate(data.path(), out.path());
    let findings: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got: BTreeSet<(String, String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["submitter"].as_str().unwrap_or("").to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["cell"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String, String)> = csv_rows("expected-findings.csv")
        .into_iter()
        .map(|r| (r["code"].clone(), r["rule"].clone(), r["cell"].clone()))
        .collect();
    assert_eq!(got, expected, "{findings:#?}");

    let message = |rule: &str| -> String {
        findings
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    // The corrected file wins on its name, and the user is told so.
    let resubmitted = message("重复报送");
    assert!(resubmitted.contains("台账（更正）.xlsx"), "{resubmitted}");
    assert!(resubmitted.contains("更正版"), "{resubmitted}");
    // The misspelt money column: the alias line to paste.
    let absent = message("缺少列");
    assert!(
        absent.contains("aliases = [\"追发工资额（元）\"]"),
        "{absent}"
    );
    // A bare year in a date column is refused with the date it would have been.
    assert!(message("type").contains("1905-07-16"));
    // Last year's rows are said to be last year's, not an empty sheet.
    assert!(message("报告期").contains("2023"));
    // A total skipped on its sums, though it parses as a record, is told at its row.
    assert!(
        message("跳过的行").contains("第9行"),
        "{}",
        message("跳过的行")
    );

    // 数据核对 lists every file's headers that matched no declared column.
    let check = sheet(&out.path().join("layouts-2024-问题清单.xlsx"), "数据核对");
    let headings: Vec<String> = check
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    let unmapped = headings
        .iter()
        .position(|h| h == "未对应任何列的表头")
        .unwrap();
    let row_of = |file: &str| {
        check
            .rows()
            .find(|r| r[1] == file)
            .unwrap_or_else(|| panic!("{file} in 数据核对"))
            .to_vec()
    };
    assert_eq!(
        row_of("510199005-别名街道/台账.xlsx")[unmapped].to_string(),
        "D列“追发工资额（元）”"
    );
    assert_eq!(
        row_of("510199008-模板街道/台账.xlsx")[unmapped].to_string(),
        "A列“序号”"
    );
}

/// The parts of an xlsx (sheet XML, workbook.xml) as text, by name.
fn xlsx_parts(path: &Path) -> HashMap<String, String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut parts = HashMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut text = String::new();
        if name.ends_with(".xml") && entry.read_to_string(&mut text).is_ok() {
            parts.insert(name, text);
        }
    }
    parts
}

fn cols(sheet_xml: &str) -> &str {
    let start = sheet_xml.find("<cols>").expect("column widths");
    let end = sheet_xml.find("</cols>").unwrap();
    &sheet_xml[start..end]
}

#[test]
fn outputs_print_one_page_wide_and_feedback_keeps_the_townships_widths() {
    let data = data_with_equal_times();
    let out = tempfile::tempdir().unwrap();
    validate(data.path(), out.path());
    let list = out.path().join("layouts-2024-问题清单.xlsx");
    let feedback = out
        .path()
        .join("feedback/layouts-2024/510199002-苹果街道.xlsx");
    for book in [&list, &feedback] {
        let parts = xlsx_parts(book);
        let sheets: Vec<&String> = parts
            .keys()
            .filter(|k| k.starts_with("xl/worksheets/sheet"))
            .collect();
        assert!(!sheets.is_empty());
        for name in &sheets {
            let xml = &parts[*name];
            assert!(xml.contains("orientation=\"landscape\""), "{book:?} {name}");
            assert!(
                xml.contains("fitToHeight=\"0\""),
                "{book:?} {name}: one page wide"
            );
            assert!(xml.contains("<cols>"), "{book:?} {name}: column widths");
        }
        let titles = parts["xl/workbook.xml"]
            .matches("_xlnm.Print_Titles")
            .count();
        assert_eq!(
            titles,
            sheets.len(),
            "{book:?}: header rows repeat on every page"
        );
    }
    // The sheet as the township sent it keeps the widths the township gave it.
    let sent = xlsx_parts(&Path::new(FIXTURE).join("data/510199002-苹果街道/台账.xlsx"));
    let copy = xlsx_parts(&feedback);
    assert_eq!(
        cols(&copy["xl/worksheets/sheet2.xml"]),
        cols(&sent["xl/worksheets/sheet1.xml"])
    );
}

/// Money columns whose header names the unit: one in 万元 (four decimals, as a system
/// exports it) while the pipeline declares 元, one in 元 while the pipeline declares 万元.
/// Each is read in its header's unit — exact to the fen — and each change is a warning at
/// the header cell, so nobody takes 439.6962 万元 for 439.70 元.
#[test]
fn a_unit_in_a_money_header_is_read_and_applied_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,追发工资（万元）,罚款金额(元)\nA1,2024-03-01,439.6962,2500\nA2,2024-04-01,0.0001,\nA3,2024-05-01,12,300.5\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        "\"追发工资\" = { type = \"money\" }\n\"罚款金额\" = { type = \"money\", unit = \"万元\" }",
        "[measures.recovered]\nsource = \"cases\"\nsql = \"sum(追发工资)\"\n\n[measures.fines]\nsource = \"cases\"\nsql = \"sum(罚款金额)\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"追发\"], value = \"recovered\", display = \"元\" }, { header = [\"罚款\"], value = \"fines\", display = \"元\" }]",
    );
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    // 439.6962 + 0.0001 + 12 万元 = 4,516,963.00 元; 2,500 + 300.50 元.
    let want_recovered = (4_396_962 + 1 + 120_000) as f64;
    let want_fines = 2_800.5;
    let number = |c: usize| match crate::common::total_cell(&out, "表", c) {
        Some(calamine::Data::Float(v)) => v,
        other => panic!("not a number: {other:?}"),
    };
    assert!((number(1) - want_recovered).abs() < 0.005, "{}", number(1));
    assert!((number(2) - want_fines).abs() < 0.005, "{}", number(2));
    // Each reinterpretation is told at its header cell (C1 and D1).
    let findings: Vec<serde_json::Value> =
        crate::common::validate_findings(&pipeline, &dir.path().join("v"))
            .into_iter()
            .filter(|f| f["rule"] == "单位")
            .collect();
    let cells: Vec<&str> = findings
        .iter()
        .map(|f| f["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["C1", "D1"], "{findings:#?}");
    assert!(findings.iter().all(|f| f["severity"] == "warning"));
}

/// 万元 amounts (four decimals) under a header that names no unit, in a column declared in
/// 元: read as 元 to the fen, as declared — and told, at the first such cell, since the
/// unit is very likely 万元.
#[test]
fn amounts_finer_than_fen_in_a_yuan_column_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,追发工资\nA1,2024-03-01,1200.50\nA2,2024-04-01,439.6962\nA3,2024-05-01,12.3456\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        "\"追发工资\" = { type = \"money\" }",
        crate::common::ACCEPTED_TABLE,
    );
    let told: Vec<serde_json::Value> =
        crate::common::validate_findings(&pipeline, &dir.path().join("v"))
            .into_iter()
            .filter(|f| f["rule"] == "单位")
            .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(told[0]["cell"], "C3");
    let message = told[0]["message"].as_str().unwrap();
    assert!(
        message.contains("2个") && message.contains("万元"),
        "{message}"
    );
}

/// A stale mid-year copy kept as a hidden sheet named like the ledger, beside the visible
/// ledger: the visible one is read, and the choice is a warning that names both.
#[test]
fn a_hidden_copy_named_like_the_ledger_is_not_read_over_the_visible_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data").join("510199001-锦华街道");
    std::fs::create_dir_all(&folder).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let stale = book.add_worksheet();
    stale.set_name("投诉举报案件台账").unwrap();
    for (c, h) in ["案件编号", "受理日期"].iter().enumerate() {
        stale.write_string(0, c as u16, *h).unwrap();
    }
    stale.write_string(1, 0, "OLD1").unwrap();
    stale.write_string(1, 1, "2024-02-01").unwrap();
    stale.set_hidden(true);
    let ledger = book.add_worksheet();
    // Excel (and the writer) will not hide the active sheet: the ledger is the one shown.
    ledger.set_name("台账").unwrap().set_active(true);
    for (c, h) in ["案件编号", "受理日期"].iter().enumerate() {
        ledger.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=3u32 {
        ledger.write_string(r, 0, format!("A{r}")).unwrap();
        ledger.write_string(r, 1, format!("2024-0{r}-15")).unwrap();
    }
    book.save(folder.join("台账.xlsx")).unwrap();
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        r#"[pipeline]
name = "h"
title = "t"
period = "2024"
data = "data"
output = "out.xlsx"

[roster]
entries = [{ code = "510199001", name = "锦华街道" }]

[sources.cases]
files = "*/*.xlsx"
sheet = ["投诉举报案件台账", "台账"]
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }

"#
        .to_string()
            + crate::common::ACCEPTED_TABLE,
    )
    .unwrap();
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(3.0))
    );
    let told: Vec<serde_json::Value> =
        crate::common::validate_findings(&pipeline, &dir.path().join("v"))
            .into_iter()
            .filter(|f| f["rule"] == "sheet")
            .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
    let message = told[0]["message"].as_str().unwrap();
    assert!(
        message.contains("投诉举报案件台账") && message.contains("“台账”"),
        "{message}"
    );
}

/// The ledger of [`formulas_ledger`] as a pipeline over one township: 追发工资 summed.
fn formulas_pipeline(dir: &Path) -> PathBuf {
    let pipeline = crate::common::one_township(
        dir,
        "",
        "name = \"f\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"追发工资\" = { type = \"money\" }",
        "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\n\n[measures.recovered]\nsource = \"cases\"\nsql = \"sum(追发工资)\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\"], value = \"accepted\" }, { header = [\"追发\"], value = \"recovered\", display = \"元\" }]",
    );
    let text = std::fs::read_to_string(&pipeline).unwrap();
    std::fs::write(&pipeline, text.replace("*/*.csv", "*/*.xlsx")).unwrap();
    std::fs::remove_file(dir.join("data/510199001-锦华街道/台账.csv")).unwrap();
    pipeline
}

/// Six cases; 追发工资 of rows 2–4 is `=D+E` of its own row, rows 5–7 plain values. What
/// the formulas' cells cache is `formula_result` (None: written without a result).
fn formulas_ledger(dir: &Path, formula_result: Option<&str>) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["案件编号", "受理日期", "追发工资", "其中工资", "其中补偿"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=6u32 {
        sheet.write_string(r, 0, format!("A{r}")).unwrap();
        sheet.write_string(r, 1, format!("2024-0{r}-15")).unwrap();
        sheet.write_number(r, 3, 1000.0 * r as f64).unwrap();
        sheet.write_number(r, 4, 10.0).unwrap();
        if r <= 3 {
            let mut formula = rust_xlsxwriter::Formula::new(format!("=D{0}+E{0}", r + 1));
            if let Some(result) = formula_result {
                formula = formula.set_result(result);
            }
            sheet.write_formula(r, 2, formula).unwrap();
        } else {
            sheet.write_number(r, 2, 1000.0 * r as f64 + 10.0).unwrap();
        }
    }
    let path = dir.join("data/510199001-锦华街道/台账.xlsx");
    book.save(&path).unwrap();
}

/// Rewrites an xlsx part by `edit` (zip entry by entry).
fn edit_xlsx_part(path: &Path, part: &str, edit: impl Fn(String) -> String) {
    let bytes = std::fs::read(path).unwrap();
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..source.len() {
        let mut entry = source.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut text).unwrap();
        if name == part {
            text = edit(String::from_utf8(text).unwrap()).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &text).unwrap();
    }
    out.finish().unwrap();
}

/// Formulas whose value the file does not hold — no cached value at all (a system's or
/// script's export), or a 0 placeholder in a workbook that asks to be recalculated on
/// opening — are never read as blank or 0: each such row is rejected with a finding
/// "公式未计算" at its cell, and the figures hold only what the file really says. A formula
/// with a real cached value is read.
#[test]
fn formulas_without_a_value_in_the_file_are_findings_not_zeros() {
    let plain_rows_fen = 4_010.0 + 5_010.0 + 6_010.0;
    for (case, result) in [
        ("no <v>", None),
        ("0 placeholder", None),
        ("cached", Some("x")),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let pipeline = formulas_pipeline(dir.path());
        let ledger = dir.path().join("data/510199001-锦华街道/台账.xlsx");
        formulas_ledger(dir.path(), result.map(|_| "2010"));
        if case == "no <v>" {
            edit_xlsx_part(&ledger, "xl/worksheets/sheet1.xml", |xml| {
                xml.replace("</f><v>0</v>", "</f>")
            });
            edit_xlsx_part(&ledger, "xl/workbook.xml", |xml| {
                xml.replace(" fullCalcOnLoad=\"1\"", "")
            });
        }
        let out = dir.path().join("out.xlsx");
        run_report(pipeline.to_str().unwrap(), None, &out);
        let number = |c: usize| match crate::common::total_cell(&out, "表", c) {
            Some(Data::Float(v)) => v,
            other => panic!("{case}: not a number: {other:?}"),
        };
        let told: Vec<serde_json::Value> =
            crate::common::validate_findings(&pipeline, &dir.path().join("v"))
                .into_iter()
                .filter(|f| f["rule"] == "公式未计算")
                .collect();
        if result.is_some() {
            // Every formula cached 2010 (the writer's claim, as Excel's would be).
            assert_eq!(number(1), 6.0, "{case}");
            assert!((number(2) - (plain_rows_fen + 3.0 * 2010.0)).abs() < 0.005);
            assert!(told.is_empty(), "{case}: {told:#?}");
            continue;
        }
        assert_eq!(
            number(1),
            3.0,
            "{case}: the three rows of formulas are rejected"
        );
        assert!((number(2) - plain_rows_fen).abs() < 0.005, "{case}");
        let text = format!("{told:?}");
        assert!(
            text.contains("C2") && text.contains("C4") && text.contains("打开并保存"),
            "{case}: {told:#?}"
        );
    }
}

/// One group complaint of three cases under one 用人单位 and one 受理日期, each merged
/// over its three rows, and one 追发工资 of the group merged over them: every case is
/// counted with the merged 单位 and date, the amount is counted once (with a warning at the
/// merge), and 数据核对 says how many cells were filled from merges.
#[test]
fn vertically_merged_data_cells_belong_to_every_row_they_cover() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = formulas_pipeline(dir.path());
    let text = std::fs::read_to_string(&pipeline).unwrap().replace(
        "\"追发工资\" = { type = \"money\" }",
        "\"追发工资\" = { type = \"money\" }\n\"用人单位\" = { type = \"text\", required = true }",
    );
    std::fs::write(&pipeline, text).unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["案件编号", "用人单位", "受理日期", "追发工资"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let plain = rust_xlsxwriter::Format::new();
    sheet.write_string(1, 0, "A1").unwrap();
    sheet.write_string(1, 1, "甲公司").unwrap();
    sheet.write_string(1, 2, "2024-03-01").unwrap();
    sheet.write_number(1, 3, 100.0).unwrap();
    for r in 2..=4u32 {
        sheet.write_string(r, 0, format!("G{r}")).unwrap();
    }
    sheet.merge_range(2, 1, 4, 1, "乙公司", &plain).unwrap();
    sheet.merge_range(2, 2, 4, 2, "2024-05-06", &plain).unwrap();
    sheet.merge_range(2, 3, 4, 3, "", &plain).unwrap();
    sheet.write_number(2, 3, 3000.0).unwrap();
    sheet.write_string(5, 0, "A5").unwrap();
    sheet.write_string(5, 1, "丙公司").unwrap();
    sheet.write_string(5, 2, "2024-07-01").unwrap();
    book.save(dir.path().join("data/510199001-锦华街道/台账.xlsx"))
        .unwrap();
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(5.0))
    );
    assert_eq!(
        crate::common::total_cell(&out, "表", 2),
        Some(Data::Float(3100.0)),
        "the group's amount counted once"
    );
    let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
    let merged: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "合并单元格")
        .collect();
    assert_eq!(merged.len(), 1, "{findings:#?}");
    assert_eq!(merged[0]["cell"], "D3");
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    let check = crate::common::sheet(&dir.path().join("v/out-问题清单.xlsx"), "数据核对");
    let column = (0..check.width())
        .find(|&c| {
            check.get((0, c)).map(|d| d.to_string()).as_deref() == Some("合并单元格补齐的格数")
        })
        .expect("the column");
    assert_eq!(check.get((1, column)), Some(&Data::Float(4.0)));
}

/// This year's cases, their 合计, a blank row, then 上年结转案件 with its own header in
/// another column order and its own 合计: the second table is read by its own header (追发
/// and 涉及金额 not swapped), each 合计 is checked against its own table's rows, and a wrong
/// one is named at its real cell.
#[test]
fn a_second_table_in_the_sheet_is_read_by_its_own_header() {
    for (wrong_total, told) in [(false, None), (true, Some("C13"))] {
        let second_total = if wrong_total { "301" } else { "300" };
        let csv = format!(
            "案件编号,受理日期,涉及金额,追发工资\nA1,2024-03-01,1000,800\nA2,2024-04-01,500,500\n合计,,1500,1300\n,,,\n上年结转案件,,,\n金额单位：元,,,\n,,,\n案件编号,受理日期,追发工资,涉及金额\nB1,2024-02-01,200,300\nB2,2024-05-01,100,150\n,,,\n合计,,{second_total},450\n"
        );
        let dir = tempfile::tempdir().unwrap();
        let (totals, findings) = money_ledger(dir.path(), &csv);
        assert_eq!(totals, [4.0, 1950.0, 1600.0].map(|v| Some(Data::Float(v))));
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f["severity"] == "error")
            .collect();
        match told {
            None => assert!(errors.is_empty(), "{errors:#?}"),
            Some(cell) => {
                assert_eq!(errors.len(), 1, "{errors:#?}");
                assert_eq!(errors[0]["rule"], "合计核对");
                assert_eq!(errors[0]["cell"], cell);
            }
        }
    }
}

/// A workbook whose first sheet is a chart sheet (a township's chart of its cases, put in
/// front): the first worksheet is the ledger, and the chart sheet is neither read nor
/// called damaged.
#[test]
fn a_chart_sheet_in_front_is_not_taken_for_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = formulas_pipeline(dir.path());
    let mut book = rust_xlsxwriter::Workbook::new();
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values("台账!$D$2:$D$4");
    book.add_chartsheet()
        .set_name("图表")
        .unwrap()
        .insert_chart(0, 0, &chart)
        .unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("台账").unwrap();
    for (c, h) in ["案件编号", "受理日期", "追发工资"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=3u32 {
        sheet.write_string(r, 0, format!("A{r}")).unwrap();
        sheet.write_string(r, 1, format!("2024-0{r}-15")).unwrap();
        sheet.write_number(r, 2, 100.0).unwrap();
    }
    book.save(dir.path().join("data/510199001-锦华街道/台账.xlsx"))
        .unwrap();
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(3.0))
    );
    let (stdout, _) = crate::common::run_ok(&[
        "inspect",
        dir.path()
            .join("data/510199001-锦华街道/台账.xlsx")
            .to_str()
            .unwrap(),
    ]);
    assert!(stdout.contains("[图表] 图表工作表，没有单元格"), "{stdout}");
}

/// A cell of 40,000 characters (text pasted into a count column): its finding quotes it,
/// and the 问题清单 and the feedback workbook are still written — Excel's 32,767-character
/// cell limit cuts the text, not the workbook.
#[test]
fn a_cell_longer_than_excel_allows_does_not_stop_the_workbooks() {
    let dir = tempfile::tempdir().unwrap();
    let long = "长".repeat(40_000);
    let csv = format!("案件编号,受理日期,涉及人数\nA1,2024-03-01,{long}\nA2,2024-04-01,3\n");
    let pipeline = crate::common::one_township(
        dir.path(),
        &csv,
        "name = \"l\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"涉及人数\" = { type = \"int\" }",
        crate::common::ACCEPTED_TABLE,
    );
    let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
    assert!(findings.iter().any(|f| f["cell"] == "C2"), "{findings:#?}");
    let list = crate::common::sheet(&dir.path().join("v/out-问题清单.xlsx"), "问题清单");
    let longest = list
        .used_cells()
        .map(|(_, _, d)| d.to_string().chars().count())
        .max()
        .unwrap();
    assert!((30_000..=32_767).contains(&longest), "{longest}");
    assert!(dir
        .path()
        .join("v/feedback/out/510199001-锦华街道.xlsx")
        .is_file());
}

/// 上年结转案件 under a two-row header (处理结果 over 追发工资 | 涉及金额, in another order):
/// the sub-labels complete the table's header. And a later table that lacks a column the
/// first header had is told at its header row.
#[test]
fn another_tables_two_row_header_is_completed_and_a_missing_column_told() {
    let head =
        "案件编号,受理日期,涉及金额,追发工资\nA1,2024-03-01,1000,800\n,,,\n上年结转案件,,,\n";
    let cases = [
        (
            "案件编号,受理日期,处理结果,\n,,追发工资,涉及金额\nB1,2024-02-01,200,300\n",
            (1300.0, 1000.0),
            None,
        ),
        (
            "案件编号,受理日期,追发工资,\nB1,2024-02-01,200,\n",
            (1000.0, 1000.0),
            Some("第5行起的另一表格没有“涉及金额”列"),
        ),
    ];
    for (second, (involved, recovered), told) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (totals, findings) = money_ledger(dir.path(), &format!("{head}{second}"));
        let want = [2.0, involved, recovered].map(|v| Some(Data::Float(v)));
        assert_eq!(totals, want, "{second}");
        assert!(
            findings.iter().all(|f| f["severity"] != "error"),
            "{findings:#?}"
        );
        let said: Vec<&serde_json::Value> = findings
            .iter()
            .filter(|f| f["rule"] == "另一表格")
            .collect();
        match told {
            None => assert!(said.is_empty(), "{said:#?}"),
            Some(words) => {
                assert_eq!(said.len(), 1, "{findings:#?}");
                assert!(
                    said[0]["message"].as_str().unwrap().contains(words),
                    "{said:#?}"
                );
            }
        }
    }
}

/// One township whose ledger `csv` has 涉及金额 and 追发工资 in 元: the report's 合计 of
/// 受理, 涉及 and 追发, and every finding `validate` gives.
fn money_ledger(dir: &Path, csv: &str) -> ([Option<Data>; 3], Vec<serde_json::Value>) {
    let pipeline = crate::common::one_township(
        dir,
        csv,
        "name = \"b\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"涉及金额\" = { type = \"money\" }\n\"追发工资\" = { type = \"money\" }",
        "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\n\n[measures.involved]\nsource = \"cases\"\nsql = \"sum(涉及金额)\"\n\n[measures.recovered]\nsource = \"cases\"\nsql = \"sum(追发工资)\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\"], value = \"accepted\" }, { header = [\"涉及\"], value = \"involved\", display = \"元\" }, { header = [\"追发\"], value = \"recovered\", display = \"元\" }]",
    );
    let out = dir.join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    let totals = [1, 2, 3].map(|c| crate::common::total_cell(&out, "表", c));
    (
        totals,
        crate::common::validate_findings(&pipeline, &dir.join("v")),
    )
}

/// A check over a column a file lacks (有认定结论须有结论日期, the ledger without 结论日期)
/// cannot be made there: the file is told so once, and the check does not run on its rows —
/// they are counted, not rejected for a blank the file never had a column for.
#[test]
fn a_check_over_a_column_the_file_lacks_does_not_run_on_its_rows() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::common::one_township(
        dir.path(),
        "案件编号,受理日期,认定结论\nA1,2024-03-01,认定\nA2,2024-04-01,认定\nA3,2024-05-01,\n",
        "name = \"c\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"认定结论\" = { type = \"text\" }\n\"结论日期\" = { type = \"date\" }",
        &format!(
            "[[sources.cases.rules]]\nname = \"有认定结论须有结论日期\"\ncheck = \"认定结论 is null or 结论日期 is not null\"\n\n{}",
            crate::common::ACCEPTED_TABLE
        ),
    );
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(3.0))
    );
    let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
    assert!(
        findings
            .iter()
            .all(|f| f["rule"] != "有认定结论须有结论日期"),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("无法进行")),
        "{findings:#?}"
    );
}

/// A required column is missing, and the header closest to one of its aliases by name is
/// taken by another declared column (案件编号, near the alias 案件状态): it is not offered as
/// the missing column, which would break every row.
#[test]
fn a_header_another_column_reads_is_not_offered_for_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::common::one_township(
        dir.path(),
        "案件编号,受理日期,备注\nA1,2024-03-01,x\n",
        "name = \"h\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"办理状态\" = { type = \"text\", required = true, aliases = [\"案件状态\"] }",
        crate::common::ACCEPTED_TABLE,
    );
    let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
    let missing: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("缺少必填列“办理状态”")
        })
        .collect();
    assert_eq!(missing.len(), 1, "{findings:#?}");
    let message = missing[0]["message"].as_str().unwrap();
    assert!(!message.contains("最接近的表头是“案件编号”"), "{message}");
}

/// A yes/no column written in a ledger's own words (书面审查: 已审查, 待复核): one finding for
/// the column naming each word with its count and the `values` line to add — not one per
/// cell, not "多半是列对应错了" — and once the pipeline says what the words mean, every row
/// is read and counted.
#[test]
fn yes_no_words_a_pipeline_does_not_know_are_one_finding_and_values_teach_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("案件编号,受理日期,书面审查\n");
    for i in 0..12 {
        let word = match i % 4 {
            0 | 1 => "已审核",
            2 => "待复核",
            _ => "是",
        };
        csv.push_str(&format!("A{i},2024-03-01,{word}\n"));
    }
    let rest = "[measures.reviewed]\nsource = \"cases\"\nsql = \"count(*)\"\nfilter = \"书面审查\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"审查\"], value = \"reviewed\" }]";
    let pipeline = crate::common::one_township(
        dir.path(),
        &csv,
        crate::common::YEAR_KEYS,
        "\"书面审查\" = { type = \"bool\" }",
        rest,
    );
    // Every cell is listed (the JSON lines), all under the one rule.
    let told: Vec<serde_json::Value> =
        crate::common::validate_findings(&pipeline, &dir.path().join("v"))
            .into_iter()
            .filter(|f| f["column"] == "书面审查")
            .collect();
    assert_eq!(told.len(), 9, "{told:#?}");
    assert!(told.iter().all(|f| f["rule"] == "是/否取值"), "{told:#?}");
    // The summary says it once, with every word and the line to add.
    let output = laborstat()
        .args(["validate", "--out-dir"])
        .arg(dir.path().join("v"))
        .arg(&pipeline)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(text.matches("写的不是“是/否”").count(), 1, "{text}");
    assert!(
        text.contains("9个单元格")
            && text.contains("“已审核”6格")
            && text.contains("“待复核”3格")
            && text.contains("values = { \"是\" = [\"已审核\", \"待复核\"], \"否\" = [] }"),
        "{text}"
    );
    // Taught: 已审核 is yes, 待复核 is no — all twelve rows read, nine of them yes.
    let pipeline = crate::common::one_township(
        dir.path(),
        &csv,
        crate::common::YEAR_KEYS,
        "\"书面审查\" = { type = \"bool\", values = { \"是\" = [\"已审核\"], \"否\" = [\"待复核\"] } }",
        rest,
    );
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(calamine::Data::Float(9.0))
    );
}

/// A ledger without a status column (arbitration, projects: closed when 结案日期 is filled):
/// the column's `derive` makes it for that file instead of the file being refused, the
/// figures count it, and 数据核对 says the column was derived. A derive over a column the
/// source does not declare is a `check` error at its place.
#[test]
fn a_column_a_ledger_lacks_is_derived_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,结案日期\nA1,2024-03-01,2024-03-20\nA2,2024-04-01,\nA3,2024-05-01,2024-06-02\n";
    let status = |derive: &str| {
        format!("\"结案日期\" = {{ type = \"date\" }}\n\"办理状态\" = {{ type = \"enum\", required = true, values = {{ \"已结案\" = [\"结案\"], \"办理中\" = [] }}, derive = \"{derive}\" }}")
    };
    let rest = "[measures.closed]\nsource = \"cases\"\nsql = \"count(*)\"\nfilter = \"办理状态 = '已结案'\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"结案\"], value = \"closed\" }]";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        &status("case when 结案日期 is not null then '已结案' else '办理中' end"),
        rest,
    );
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(2.0))
    );
    let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
    assert!(findings.is_empty(), "{findings:#?}");
    let account = sheet(&dir.path().join("v/out-问题清单.xlsx"), "数据核对");
    assert!(
        account.rows().any(|r| r
            .iter()
            .any(|c| c.to_string().contains("按流水线推导：办理状态"))),
        "数据核对 does not say the column was derived"
    );
    // A derive over a column the source does not declare: refused by check, at its place.
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        &status("case when 办结日期 is not null then '已结案' else '办理中' end"),
        rest,
    );
    let output = laborstat().arg("check").arg(&pipeline).output().unwrap();
    let told = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        told.contains("“办理状态”：derive =") && told.contains("pipeline.toml:"),
        "{told}"
    );
}

/// A ledger whose every file is refused (a required column missing) is unknown, as one
/// nobody sent: "—" on its sheet, on the 主要指标 sheet and in the sentences — never 0.
#[test]
fn a_ledger_whose_files_were_all_refused_is_a_dash_everywhere_not_zero() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期\nA1,2024-03-01\nA2,2024-04-01\n";
    let rest = "[measures.accepted]\nsource = \"cases\"\nsql = \"count(*)\"\nlabel = \"受理\"\n\n[report.headline]\nname = \"主要指标\"\ntitle = \"t\"\nrows = [{ label = \"受理（件）\", value = \"accepted\" }]\nsentences = [\"全年受理{accepted}件。\"]\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"受理\"], value = \"accepted\" }]";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        "\"办理状态\" = { type = \"text\", required = true }",
        rest,
    );
    let out = dir.path().join("out.xlsx");
    let output = laborstat()
        .args(["run", "--no-store", "--out"])
        .arg(&out)
        .arg(&pipeline)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("全年受理—件"), "{printed}");
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::String("—".into()))
    );
    let headline = sheet(&out, "主要指标");
    let row = headline
        .rows()
        .find(|r| r.iter().any(|c| *c == Data::String("受理（件）".into())))
        .expect("the headline row");
    assert_eq!(row[2], Data::String("—".into()), "{row:?}");
    let sentence = headline
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>())
        .find(|t| t.contains("全年受理"))
        .unwrap();
    assert_eq!(sentence, "全年受理—件。");
}

/// A measure dated by a column one township's ledger lacks (conclusions without 结论日期):
/// `date = ["结论日期", "受理日期"]` counts that file's rows by 受理日期 — with a warning for
/// that file and 数据核对 saying so — while a file that has 结论日期 is dated by it.
#[test]
fn a_measure_dated_by_a_column_a_file_lacks_uses_its_fallback_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // 锦华街道's ledger has no 结论日期: A1 and A2 accepted in 2024, A3 in 2023.
    let csv = "案件编号,受理日期,认定结论\nA1,2024-03-01,认定工伤\nA2,2024-04-01,认定工伤\nA3,2023-05-01,认定工伤\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        "\"结论日期\" = { type = \"date\" }\n\"认定结论\" = { type = \"text\" }",
        "[measures.recognised]\nsource = \"cases\"\nsql = \"count(*)\"\nfilter = \"认定结论 = '认定工伤'\"\ndate = [\"结论日期\", \"受理日期\"]\nlabel = \"认定工伤数\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"认定\"], value = \"recognised\" }]",
    );
    // A measure's own date needs a source without period_column: drop it.
    let text = std::fs::read_to_string(&pipeline)
        .unwrap()
        .replace("period_column = \"受理日期\"\n", "");
    std::fs::write(&pipeline, text).unwrap();
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(2.0))
    );
    let told: Vec<serde_json::Value> =
        crate::common::validate_findings(&pipeline, &dir.path().join("v"))
            .into_iter()
            .filter(|f| f["rule"] == "日期列代替")
            .collect();
    assert_eq!(told.len(), 1, "{told:#?}");
    let message = told[0]["message"].as_str().unwrap();
    assert!(
        message.contains("没有“结论日期”列") && message.contains("“认定工伤数”按“受理日期”"),
        "{message}"
    );
    let account = sheet(&dir.path().join("v/out-问题清单.xlsx"), "数据核对");
    assert!(account.rows().any(|r| r
        .iter()
        .any(|c| c.to_string().contains("“结论日期”以“受理日期”代替"))));
}

/// A missing required column is offered a header only when that header's cells could be the
/// column's: one named like it but holding case numbers is not offered (it would break every
/// row), one named otherwise but holding its values (已结案/办理中) is.
#[test]
fn a_missing_column_is_offered_a_header_only_when_its_cells_fit() {
    let dir = tempfile::tempdir().unwrap();
    let status = "\"办理状态\" = { type = \"enum\", required = true, aliases = [\"案件状态\"], values = { \"已结案\" = [\"结案\"], \"办理中\" = [] } }";
    let keys = crate::common::YEAR_KEYS;
    let message = |csv: &str| {
        let pipeline = crate::common::one_township(
            dir.path(),
            csv,
            keys,
            status,
            crate::common::ACCEPTED_TABLE,
        );
        let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
        findings
            .iter()
            .find(|f| f["column"] == "办理状态")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .expect("a finding for the missing column")
    };
    // Named like 案件状态, holding numbers: no hint.
    let told = message("案件编号,受理日期,案件状况号\nA1,2024-03-01,X-001\nA2,2024-04-01,X-002\n");
    assert!(!told.contains("最接近的表头"), "{told}");
    // Named otherwise, holding the column's values: offered.
    let told = message("案件编号,受理日期,进度\nA1,2024-03-01,已结案\nA2,2024-04-01,办理中\n");
    assert!(told.contains("最接近的表头是“进度”"), "{told}");
}

/// 排名通报: townships in the order of their closure rate (ties keep roster order), a 名次
/// column (ties share a place: 1, 2, 2, 4), the 合计 row named 全区, and rates under 80 %
/// highlighted by a conditional format the sheet keeps.
#[test]
fn a_ranked_table_sorts_ranks_renames_its_total_and_highlights() {
    let dir = tempfile::tempdir().unwrap();
    // (code, name, closed of 4): rates 0.5, 0.75, 0.75, 1.0.
    let towns = [
        ("510199001", "甲街道", 2),
        ("510199002", "乙街道", 3),
        ("510199003", "丙街道", 3),
        ("510199004", "丁街道", 4),
    ];
    let mut entries = Vec::new();
    for (code, name, closed) in towns {
        let folder = dir.path().join("data").join(format!("{code}-{name}"));
        std::fs::create_dir_all(&folder).unwrap();
        let mut csv = String::from("案件编号,受理日期,办理状态\n");
        for i in 0..4 {
            let status = if i < closed { "已结案" } else { "办理中" };
            csv.push_str(&format!("{code}-{i},2024-03-01,{status}\n"));
        }
        std::fs::write(folder.join("台账.csv"), csv).unwrap();
        entries.push(format!("{{ code = \"{code}\", name = \"{name}\" }}"));
    }
    let pipeline = dir.path().join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            r#"[pipeline]
name = "r"
title = "t"
period = "2024"
data = "data"
output = "out.xlsx"

[roster]
entries = [{}]

[sources.cases]
files = "*/*.csv"

[sources.cases.columns]
"案件编号" = {{ type = "text", required = true }}
"受理日期" = {{ type = "date", required = true }}
"办理状态" = {{ type = "enum", values = {{ "已结案" = [], "办理中" = [] }} }}

[measures.accepted]
source = "cases"
sql = "count(*)"

[measures.closed]
source = "cases"
sql = "count(*)"
filter = "办理状态 = '已结案'"

[indicators.closure_rate]
expr = "closed / accepted"
display = "percent"
label = "结案率"

[[report.sheets]]
name = "排名"
title = "t"
sort = "closure_rate"
total_label = "全区"
columns = [{{ header = ["结案率"], value = "closure_rate", below = 0.8 }}, {{ header = ["名次"], value = "closure_rate", display = "名次" }}]
"#,
            entries.join(", ")
        ),
    )
    .unwrap();
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    let table = sheet(&out, "排名");
    let rows: Vec<(String, String)> = table
        .rows()
        .filter(|r| {
            let label = r[0].to_string();
            label.ends_with("街道") || label == "全区"
        })
        .map(|r| (r[0].to_string(), r[2].to_string()))
        .collect();
    assert_eq!(
        rows,
        [
            ("全区".to_string(), "—".to_string()),
            ("丁街道".to_string(), "1".to_string()),
            ("乙街道".to_string(), "2".to_string()),
            ("丙街道".to_string(), "2".to_string()),
            ("甲街道".to_string(), "4".to_string()),
        ],
        "{rows:?}"
    );
    let parts = xlsx_parts(&out);
    let xml = &parts["xl/worksheets/sheet1.xml"];
    assert!(
        xml.contains("<conditionalFormatting")
            && xml.contains("sqref=\"B5:B8\"")
            && xml.contains("ISNUMBER(B5),B5&lt;0.8"),
        "{xml}"
    );
}

/// A part of a total written as a row of its own (其中：农民工 under 合计) identifies no
/// record: it is skipped under its own reason, counted in the row account, and its numbers
/// are not added a second time.
#[test]
fn a_part_of_total_row_is_skipped_under_its_own_reason() {
    let dir = tempfile::tempdir().unwrap();
    let csv =
        "案件编号,受理日期,涉及人数\nA1,2024-03-01,3\nA2,2024-04-01,4\n合计,,7\n其中：农民工,,5\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        "\"涉及人数\" = { type = \"int\" }",
        "[measures.workers]\nsource = \"cases\"\nsql = \"sum(涉及人数)\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"人数\"], value = \"workers\" }]",
    );
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    assert_eq!(
        crate::common::total_cell(&out, "表", 1),
        Some(Data::Float(7.0))
    );
    let (text, told) = crate::common::run_ok(&[
        "validate",
        pipeline.to_str().unwrap(),
        "--out-dir",
        dir.path().join("v").to_str().unwrap(),
    ]);
    let all = format!("{text}{told}");
    assert!(all.contains("“其中”行 1"), "{all}");
}

/// A list sheet shows each computed column as the pipeline says: money the query sums (in
/// fen) in 万元 under a heading that says so, a ratio as a percentage; a display named for a
/// column the query does not give is said under the list.
#[test]
fn a_list_shows_its_computed_columns_as_declared() {
    let dir = tempfile::tempdir().unwrap();
    let csv =
        "案件编号,受理日期,追发工资,涉及人数\nA1,2024-03-01,12345.67,4\nA2,2024-04-01,100,1\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        crate::common::YEAR_KEYS,
        "\"追发工资\" = { type = \"money\" }\n\"涉及人数\" = { type = \"int\" }",
        &format!(
            "{}\n\n[[report.lists]]\nname = \"清单\"\ntitle = \"t\"\nsql = \"select 案件编号, 追发工资 * 2 as 两倍, 涉及人数 / 8.0 as 比例 from cases order by 案件编号\"\ndisplay = {{ \"两倍\" = \"万元\", \"比例\" = \"percent\", \"没有\" = \"count\" }}",
            crate::common::ACCEPTED_TABLE
        ),
    );
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    let list = sheet(&out, "清单");
    let cells: Vec<Vec<String>> = list
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let heading = cells
        .iter()
        .find(|r| r[0] == "案件编号")
        .expect("heading row");
    assert_eq!(heading[1], "两倍（万元）", "{cells:?}");
    let a1 = cells.iter().find(|r| r[0] == "A1").unwrap();
    // 12,345.67 元 × 2 = 24,691.34 元 = 2.469134 万元, every fen held (the 0.00 format shows
    // 2.47); 4 ÷ 8 = 50 %.
    assert_eq!(a1[1], "2.469134", "{cells:?}");
    assert_eq!(a1[2], "0.5", "{cells:?}");
    assert!(
        cells
            .iter()
            .any(|r| r[0].contains("列“没有”指定了显示格式")),
        "{cells:?}"
    );
    let xml = &xlsx_parts(&out)["xl/styles.xml"];
    assert!(xml.contains("0.0%"), "no percent format");
}

/// A 排名通报 as a list: the printed closure rate of each township (`results`) with its
/// roster entry (`roster`), ranked by `rank()` — ties share a place — against the ranks the
/// test computes from the ledgers it wrote.
#[test]
fn a_list_ranks_the_printed_figures_with_the_roster() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::plausibility::write_district(dir.path());
    let mut text = std::fs::read_to_string(&pipeline).unwrap();
    text.push_str(
        r#"
[[report.lists]]
name = "结案率排名"
title = "t"
sql = """select r.row as 单位, o.code as 代码, r.value as 结案率, rank() over (order by r.value desc) as 名次
  from results r join roster o on o.code = r.submitter
  where r.figure = 'closure_rate' and r.window = '本期' and r.sheet = '表'
  order by 名次, 代码"""
display = { "结案率" = "percent" }
"#,
    );
    std::fs::write(&pipeline, text).unwrap();
    crate::common::run_period(&pipeline, "2024-11");

    // The ranks, from the November ledgers: ties share the best place.
    let rates: Vec<(String, f64)> = crate::plausibility::months()
        .iter()
        .map(|(code, [_, (cases, closed, _, _)])| {
            (code.to_string(), *closed as f64 / *cases as f64)
        })
        .collect();
    let mut expected: Vec<(String, f64, usize)> = rates
        .iter()
        .map(|(code, rate)| {
            let better = rates.iter().filter(|(_, other)| other > rate).count();
            (code.clone(), *rate, better + 1)
        })
        .collect();
    expected.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));

    let list = sheet(&dir.path().join("out/p-2024-11.xlsx"), "结案率排名");
    let rows: Vec<Vec<Data>> = list.rows().map(|r| r.to_vec()).collect();
    let first = rows
        .iter()
        .position(|r| r.first().map(|c| c.to_string()).as_deref() == Some("单位"))
        .expect("heading row");
    let listed: Vec<(String, f64, usize)> = rows[first + 1..]
        .iter()
        .take_while(|r| matches!(r.get(1), Some(Data::String(c)) if c.starts_with("5101")))
        .map(|r| {
            let number = |c: &Data| match c {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                other => panic!("not a number: {other:?}"),
            };
            (r[1].to_string(), number(&r[2]), number(&r[3]) as usize)
        })
        .collect();
    assert_eq!(listed.len(), expected.len(), "{rows:?}");
    for (got, want) in listed.iter().zip(&expected) {
        assert_eq!((&got.0, got.2), (&want.0, want.2), "{listed:?}");
        assert!((got.1 - want.1).abs() < 1e-12, "{listed:?}");
    }
    assert!(
        expected.iter().filter(|e| e.2 == 1).count() > 1,
        "a tie is tested"
    );
}
