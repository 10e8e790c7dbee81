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
