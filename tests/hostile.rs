//! Hostile files (tests/fixtures/hostile, made by make.py): a 5 MB zip bomb whose sheet
//! unpacks to 5 GiB, and a 12 KB workbook whose used range is A1:XFD1048576. Each is
//! refused by its size — before it is parsed — with a finding that says what was too large;
//! the good file beside them is counted. The bounds are settable in `[limits]`.

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
