//! `laborstat inspect`: the detected header, column mapping and skipped rows of real shapes.

use crate::common::laborstat;

fn inspect(args: &[&str]) -> String {
    let output = laborstat().arg("inspect").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn two_row_merged_header_is_flattened_and_mapped() {
    let out = inspect(&[
        "sample-data/2024/白沙乡/投诉举报案件台账.xlsx",
        "--pipeline",
        "pipelines/annual.toml",
        "--source",
        "cases",
    ]);
    insta::assert_snapshot!(out);
}

#[test]
fn gbk_csv_with_total_and_footer_rows() {
    let out = inspect(&["tests/fixtures/formats/csv-gbk/510199001-锦华街道/投诉举报案件台账.csv"]);
    insta::assert_snapshot!(out);
}

#[test]
fn unmapped_header_gets_the_alias_line_to_paste() {
    let out = inspect(&[
        "tests/fixtures/layouts/data/510199005-别名街道/台账.xlsx",
        "--pipeline",
        "tests/fixtures/layouts/pipeline.toml",
        "--source",
        "arrears",
    ]);
    assert!(out.contains("aliases = [\"追发工资(元)\", \"追发工资额（元）\"]"));
    insta::assert_snapshot!(out);
}

#[test]
fn system_export_is_read_as_the_table_it_holds() {
    let out = inspect(&[
        "tests/fixtures/formats/html/510199001-锦华街道/投诉举报案件台账.xls",
        "--pipeline",
        "pipelines/annual.toml",
        "--source",
        "cases",
    ]);
    insta::assert_snapshot!(out);
}
