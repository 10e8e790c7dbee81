//! Hostile files (tests/fixtures/hostile, made by make.py): a 5 MB zip bomb whose sheet
//! unpacks to 5 GiB, a 12 KB workbook whose used range is A1:XFD1048576, a 2.5 KB xls whose
//! directory chain loops, an xls and a SpreadsheetML file with one cell in A1 and one in
//! IV65536, and an ODS whose empty row repeats 60,000 times before a value. Each is refused — before it is parsed — with a finding that says what is
//! wrong; the good file beside them is counted. (Their peak memory is asserted by the long
//! run, tests/fixtures/hostile/peak.py, not here.) The bounds are settable in `[limits]`. And an xlsb
//! that makes its reader library panic: one finding for that file, the run goes on.

use std::path::Path;

use crate::common::{laborstat, run_report, sheet};

const PIPELINE: &str = "tests/fixtures/hostile/pipeline.toml";

fn findings(pipeline: &Path) -> Vec<serde_json::Value> {
    let out = tempfile::tempdir().unwrap();
    let output = laborstat()
        .args(["validate"])
        .arg(pipeline)
        .args([
            "--format",
            "json",
            "--data",
            "tests/fixtures/hostile/data",
            "--out-dir",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of<'a>(findings: &'a [serde_json::Value], file: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["file"] == file).collect()
}

/// The hostile pipeline with a `[limits]` table added, in a temporary folder.
fn with_limits(limits: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(PIPELINE).unwrap();
    let path = dir.path().join("limited.toml");
    std::fs::write(&path, format!("{text}\n[limits]\n{limits}\n")).unwrap();
    (dir, path)
}

#[test]
fn a_zip_bomb_and_an_absurd_range_are_refused_by_their_size() {
    let found = findings(Path::new(PIPELINE));
    let bomb = of(&found, "510199002-炸弹街道/台账.xlsx");
    assert_eq!(bomb.len(), 1, "{found:#?}");
    assert_eq!(bomb[0]["rule"], "too_large");
    let message = bomb[0]["message"].as_str().unwrap();
    assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");
    assert!(message.contains("解压后为 5.0 GB"), "{message}");
    let range = of(&found, "510199003-巨大范围街道/台账.xlsx");
    assert_eq!(range.len(), 1, "{found:#?}");
    assert!(range[0]["message"].as_str().unwrap().contains("XFD1048576"));
    assert!(of(&found, "510199001-正常街道/台账.xlsx").is_empty());
    let looping = of(&found, "510199004-循环街道/台账.xls");
    assert_eq!(looping.len(), 1, "{found:#?}");
    assert!(looping[0]["message"].as_str().unwrap().contains("链接循环"));
    let repeated = of(&found, "510199007-重复行街道/台账.ods");
    assert_eq!(repeated.len(), 1, "{found:#?}");
    assert!(repeated[0]["message"]
        .as_str()
        .unwrap()
        .contains("ADT60002"));
    for sparse in [
        "510199005-稀疏街道/台账.xls",
        "510199006-稀疏网页街道/台账.xls",
    ] {
        let told = of(&found, sparse);
        assert_eq!(told.len(), 1, "{found:#?}");
        let message = told[0]["message"].as_str().unwrap();
        assert!(message.contains("IV65536"), "{message}");
    }

    // The good file is still counted.
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("hostile.xlsx");
    run_report(PIPELINE, None, &report);
    let table = sheet(&report, "表");
    let total = table.rows().find(|r| r[0] == "合计").expect("合计 row");
    assert_eq!(total[1], calamine::Data::Float(2.0));
}

#[test]
fn limits_are_settable_in_the_pipeline_file() {
    // The bomb is 5.0 MB on disk.
    let (_dir, path) = with_limits("file_mb = 1");
    let found = findings(&path);
    let bomb = of(&found, "510199002-炸弹街道/台账.xlsx");
    assert!(
        bomb[0]["message"]
            .as_str()
            .unwrap()
            .contains("超过 1.0 MB 的上限"),
        "{bomb:#?}"
    );
    // Cells are counted as they stream: the good sheet has 15.
    let (_dir, path) = with_limits("sheet_cells = 10");
    let found = findings(&path);
    let good = of(&found, "510199001-正常街道/台账.xlsx");
    assert_eq!(good.len(), 1, "{found:#?}");
    assert!(good[0]["message"]
        .as_str()
        .unwrap()
        .contains("单元格超过 10 个"));
    // A bound must be a positive whole number.
    let (_dir, path) = with_limits("compression_ratio = 0");
    let output = laborstat().arg("check").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("compression_ratio"));
}

/// An xlsb whose workbook names a sheet by a relationship the package does not have: calamine
/// indexes its relationship map with it and panics. Written here, byte by byte (MS-XLSB
/// records: a BrtBundleSh for sheet “台账” by `rId9`, and no workbook.bin.rels).
fn xlsb_that_panics_its_reader(path: &Path) {
    use std::io::Write;
    let wide = |text: &str| {
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut bytes = (units.len() as u32).to_le_bytes().to_vec();
        bytes.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        bytes
    };
    let mut body = Vec::new();
    body.extend(0u32.to_le_bytes()); // hsState: visible
    body.extend(1u32.to_le_bytes()); // iTabID
    body.extend(wide("rId9")); // strRelID, which no relationship has
    body.extend(wide("台账")); // strName
                               // Record type 0x009C as two 7-bit bytes, then the size in one.
    let mut record = vec![0x9C, 0x01, body.len() as u8];
    record.extend(body);
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
        .unwrap();
    zip.start_file("xl/workbook.bin", options).unwrap();
    zip.write_all(&record).unwrap();
    zip.finish().unwrap();
}

#[test]
fn a_file_that_crashes_its_reader_is_one_finding_and_the_others_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("data").join("510199001-锦华街道");
    let good = dir.path().join("data").join("510199002-沙河街道");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::create_dir_all(&good).unwrap();
    xlsb_that_panics_its_reader(&bad.join("台账.xlsb"));
    std::fs::write(
        good.join("台账.csv"),
        "案件编号,受理日期\nB1,2024-03-01\nB2,2024-04-01\n",
    )
    .unwrap();
    let pipeline = dir.path().join("pipeline.toml");
    std::fs::write(
        &pipeline,
        r#"[pipeline]
name = "crash"
title = "受理"
period = "2024"
data = "data"
output = "out/report.xlsx"

[roster]
entries = [{ code = "510199001", name = "锦华街道" }, { code = "510199002", name = "沙河街道" }]

[sources.cases]
files = "*/台账.*"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }

"#
        .to_string()
            + crate::common::ACCEPTED_TABLE,
    )
    .unwrap();
    let output = laborstat()
        .args(["validate", "--format", "json", "--out-dir"])
        .arg(dir.path().join("out"))
        .arg(&pipeline)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Findings, not a crash: exit 1 (an error finding), never 101.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The reader did panic (the hook's words, in Chinese), and the panic was contained.
    assert!(stderr.contains("程序内部出错"), "{stderr}");
    let findings: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let crashed = of(&findings, "510199001-锦华街道/台账.xlsb");
    assert_eq!(crashed.len(), 1, "{findings:#?}");
    let message = crashed[0]["message"].as_str().unwrap();
    assert!(message.starts_with("文件无法读取"), "{message}");
    assert!(!message.contains("key"), "no library text: {message}");
    assert!(of(&findings, "510199002-沙河街道/台账.csv").is_empty());
    // The good file's two rows are counted: run writes the report with 受理 2.
    let report = dir.path().join("out").join("report.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &report);
    assert_eq!(
        crate::common::total_cell(&report, "表", 1),
        Some(calamine::Data::Float(2.0))
    );
}
