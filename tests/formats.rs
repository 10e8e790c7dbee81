//! The same township ledger saved as xlsx, xls, ods and GBK csv (with a 合计 row and a
//! 填表人 footer), and as systems export it — SpreadsheetML 2003 and an HTML table named
//! .xls with two-row merged headers, an xlsx named .xls, an xls named .xlsx, UTF-16
//! tab-separated text named .xls (made by make_exports.py) — gives identical figures, equal
//! to the generator's truth.

use crate::common::{assert_row_matches, read_truth, run_report, Table};

#[test]
fn xlsx_xls_ods_and_gbk_csv_give_identical_figures() {
    let truth = read_truth("tests/fixtures/formats/expected.csv".as_ref());
    let dir = tempfile::tempdir().unwrap();
    let mut tables = Vec::new();
    for format in [
        "xlsx",
        "xls",
        "ods",
        "csv-gbk",
        "xml-2003",
        "html",
        "xlsx-as-xls",
        "xls-as-xlsx",
        "tsv-utf16",
        "xlsx-rows-out-of-order",
    ] {
        let out = dir.path().join(format!("{format}.xlsx"));
        let data = format!("tests/fixtures/formats/{format}");
        run_report("pipelines/annual.toml", Some(&data), &out);
        let table = Table::read(&out, "投诉举报案件");
        for (code, t) in &truth {
            assert_row_matches(&table, code, t);
        }
        tables.push((format, table));
    }
    let (first_format, first) = &tables[0];
    for (format, table) in &tables[1..] {
        assert_eq!(
            first.rows["510199001"], table.rows["510199001"],
            "{first_format} vs {format}"
        );
    }
}
