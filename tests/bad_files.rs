//! The corpus of bad files (tests/fixtures/bad, made by make.py): a corrupted zip, a text
//! file named .xlsx, a password-protected workbook, a missing sheet, a missing required
//! column, an empty file, formula error cells, an absurd used range, a header-only sheet, a
//! township not on the roster and binary noise named .csv. None may stop or crash the run;
//! each gives exactly one clear finding naming its file; the good file is still counted.

use std::collections::BTreeMap;

use crate::common::{laborstat, run_report, sheet};

fn findings_by_file(stdout: &str) -> BTreeMap<String, Vec<serde_json::Value>> {
    let mut by_file: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for line in stdout.lines() {
        let finding: serde_json::Value =
            serde_json::from_str(line).expect("one JSON finding per line");
        let file = finding["file"].as_str().unwrap().to_string();
        by_file.entry(file).or_default().push(finding);
    }
    by_file
}

#[test]
fn every_bad_file_gives_one_clear_finding_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let output = laborstat()
        .args([
            "validate",
            "tests/fixtures/bad/pipeline.toml",
            "--format",
            "json",
        ])
        .arg("--out-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "error findings give exit 1: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let by_file = findings_by_file(&String::from_utf8(output.stdout).unwrap());

    let expect = [
        ("510199002-损坏街道/台账.xlsx", "file", "损坏"),
        ("510199003-改名街道/台账.xlsx", "file", "不是有效的电子表格"),
        ("510199004-加密街道/台账.xlsx", "file", "密码"),
        ("510199005-改表名街道/台账.xlsx", "sheet", "Sheet9"),
        (
            "510199006-缺列街道/台账.xlsx",
            "header",
            "最接近的表头是“案件编码”",
        ),
        ("510199007-空文件街道/台账.xlsx", "file", "0字节"),
        ("510199009-超大范围街道/台账.xlsx", "sheet", "XFD1048576"),
        ("510199010-空表街道/台账.xlsx", "empty", "没有数据行"),
        ("510199011-乱码街道/台账.csv", "file", "不是UTF-8也不是GBK"),
        ("510199013-PDF街道/台账.xlsx", "file", "PDF"),
        ("510199014-文档街道/台账.xls", "file", "Word"),
        ("510199999-外区街道/台账.xlsx", "submitter", "名单"),
    ];
    for (file, rule, words) in expect {
        let found = by_file
            .get(file)
            .unwrap_or_else(|| panic!("no finding for {file}: {by_file:#?}"));
        assert_eq!(found.len(), 1, "{file}: {found:#?}");
        assert_eq!(found[0]["rule"], rule, "{file}: {found:#?}");
        let message = found[0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{file}: {message}");
    }
    // Formula errors: one finding per error cell, each at its cell.
    let formula = &by_file["510199008-公式错误街道/台账.xlsx"];
    let cells: Vec<&str> = formula
        .iter()
        .map(|f| f["cell"].as_str().unwrap())
        .collect();
    assert_eq!(cells, ["D3", "D4", "D5"], "{formula:#?}");
    assert!(formula
        .iter()
        .all(|f| f["message"].as_str().unwrap().contains("公式错误值")));
    // No library's own words reach a township.
    for finding in by_file.values().flatten() {
        let message = finding["message"].as_str().unwrap();
        assert!(
            !message.is_ascii() && !message.contains("Error") && !message.contains("error:"),
            "{message}"
        );
    }
    // The good file gives nothing.
    assert!(!by_file.contains_key("510199001-正常街道/台账.xlsx"));
}

#[test]
fn the_report_is_still_written_from_the_good_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bad.xlsx");
    run_report("tests/fixtures/bad/pipeline.toml", None, &out);
    let range = sheet(&out, "表");
    let total = range.rows().find(|r| r[0] == "合计").expect("合计 row");
    // The good file's 2 cases and the formula file's 0 usable rows (all three have errors).
    assert_eq!(total[1], calamine::Data::Float(2.0));
}

/// A township that sends one ledger under another's name (its 用人单位信息采集表 saved as
/// the 投诉举报案件台账, with its sheet renamed Sheet1 or not) is told the file looks like
/// the ledger it is, on the file's finding — not only that a header is missing.
#[test]
fn a_ledger_sent_under_another_ledgers_name_is_named_for_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("2024");
    let copy = std::process::Command::new("cp")
        .args(["-r", "sample-data/2024"])
        .arg(&data)
        .status()
        .unwrap();
    assert!(copy.success());
    let township = data.join("510199001-锦华街道");
    std::fs::copy(
        township.join("用人单位信息采集表.xlsx"),
        township.join("投诉举报案件台账.xlsx"),
    )
    .unwrap();
    let output = laborstat()
        .args([
            "validate",
            "pipelines/annual.toml",
            "--format",
            "json",
            "--no-store",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--out-dir")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let by_file = findings_by_file(&String::from_utf8_lossy(&output.stdout));
    let told = &by_file["510199001-锦华街道/投诉举报案件台账.xlsx"];
    let named: Vec<_> = told
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("这个文件看起来是“用人单位信息采集表”")
        })
        .collect();
    assert_eq!(named.len(), 1, "{told:#?}");
    assert_eq!(named[0]["severity"], "error");
    // The real employers ledger is not said to be anything else.
    let employers = by_file
        .get("510199001-锦华街道/用人单位信息采集表.xlsx")
        .map_or(&[][..], Vec::as_slice);
    assert!(employers
        .iter()
        .all(|f| !f["message"].as_str().unwrap().contains("看起来是")));
}
