//! Generated input for everything that reads what townships send: the cell parsers, the
//! markup and CSV readers, header detection and row classification, re-submission names.
//! The property is the same everywhere — no input makes them panic — plus what each must
//! keep (a classification per row, a parsed amount that reads back). `cargo test` runs a
//! few hundred cases; the long run is `PROPTEST_CASES=200000 cargo test --release proptests`.

use calamine::{Data, Dimensions, Range};
use proptest::prelude::*;

use super::cell::{self, DateSystem};
use super::header::{classify_rows, find_header, RowEvidence};
use pipeline::{Column, ColumnType};

/// Text as cells hold it: digits, separators, units, Chinese numerals, signs, junk.
fn cell_text() -> impl Strategy<Value = String> {
    prop::string::string_regex(
        "[0-9０-９.,，%％+\\-−万亿元人件年月日/ :T亿万¥￥eE一二三合计备注]{0,40}",
    )
    .expect("valid regex")
}

fn any_cell() -> impl Strategy<Value = Data> {
    prop_oneof![
        Just(Data::Empty),
        cell_text().prop_map(Data::String),
        any::<String>().prop_map(Data::String),
        any::<f64>().prop_map(Data::Float),
        any::<i64>().prop_map(Data::Int),
        any::<bool>().prop_map(Data::Bool),
    ]
}

fn columns() -> Vec<Column> {
    let column = |name: &str, kind, required| Column {
        name: name.into(),
        aliases: vec![name.to_string()],
        kind,
        required,
        money_in_wan: false,
        working_days: None,
        derive: None,
        values: vec![],
    };
    vec![
        column("案件编号", ColumnType::Text, true),
        column("受理日期", ColumnType::Date, true),
        column("涉及人数", ColumnType::Int, false),
        column("追发工资", ColumnType::Money, false),
        column("是否立案", ColumnType::Bool, false),
    ]
}

/// Cells from the words a ledger sheet is made of, so that headers, totals and footers
/// actually occur.
fn ledger_word() -> impl Strategy<Value = Data> {
    prop_oneof![
        Just(Data::Empty),
        prop::sample::select(vec![
            "案件编号",
            "受理日期",
            "涉及人数",
            "追发工资",
            "是否立案",
            "合计",
            "小计",
            "备注：无",
            "填表人：张三",
            "电话",
            "元",
            "A-1",
            "2024-03-05",
            "是",
            "一百",
            "合计宝有限公司",
        ])
        .prop_map(|s| Data::String(s.to_string())),
        (0i64..100_000).prop_map(Data::Int),
        (0.0f64..50_000.0).prop_map(Data::Float),
    ]
}

fn grid() -> impl Strategy<Value = (Range<Data>, Vec<Dimensions>)> {
    (1usize..14, 1usize..7).prop_flat_map(|(rows, cols)| {
        (
            prop::collection::vec(ledger_word(), rows * cols),
            prop::collection::vec(
                (0u32..rows as u32, 0u32..cols as u32, 0u32..3, 0u32..3),
                0..3,
            ),
        )
            .prop_map(move |(cells, merges)| {
                let mut range = Range::new((0, 0), (rows as u32 - 1, cols as u32 - 1));
                for (i, value) in cells.into_iter().enumerate() {
                    range.set_value(((i / cols) as u32, (i % cols) as u32), value);
                }
                let merges = merges
                    .into_iter()
                    .map(|(r, c, down, across)| Dimensions {
                        start: (r, c),
                        end: (r + down, c + across),
                    })
                    .collect();
                (range, merges)
            })
    })
}

/// 256 cases under `cargo test`; `PROPTEST_CASES` for the long run.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn cell_parsers_never_panic(cell in any_cell()) {
        let _ = cell::parse_int(&cell);
        let _ = cell::parse_number(&cell);
        let _ = cell::parse_bool(&cell);
        let _ = cell::parse_date(&cell, DateSystem::Excel1900);
        let _ = cell::parse_date(&cell, DateSystem::Excel1904);
        let _ = cell::display_text(&cell);
        if let Ok(fen) = cell::parse_money_fen(&cell) {
            // An amount read from text reads back: fen as 元 with two decimals.
            if let Data::String(_) = cell {
                let again = cell::parse_money_fen(&Data::String(format!("{}.{:02}", fen / 100, (fen % 100).abs())));
                if fen >= 0 { prop_assert_eq!(again, Ok(fen)); }
            }
        }
    }

    #[test]
    fn markup_and_text_readers_never_panic(text in any::<String>(), tags in prop::string::string_regex(
        "(<(table|tr|td|th|/td|/tr|/table|br)( (colspan|rowspan)=\"?[0-9]{1,11}\"?)?>|[a-z0-9&;#<>\"= ]{0,6}){0,40}").expect("valid regex")) {
        let _ = super::markup::read_html(&text, "t", 1_000_000);
        let _ = super::markup::read_html(&tags, "t", 1_000_000);
        let xml = tags.replace("table", "Worksheet").replace("tr", "Row").replace("td", "Cell");
        let _ = super::markup::read_spreadsheetml(&format!("<Workbook>{xml}</Workbook>"), 1_000_000);
        let _ = super::csv::read_csv(text.as_bytes());
        let _ = super::resubmission::NameEvidence::of(std::path::Path::new(&text));
    }

    #[test]
    fn header_detection_and_row_classification_never_panic((range, merges) in grid()) {
        let columns = columns();
        if let Some(header) = find_header(&range, &columns, &merges) {
            let readers = super::cell::CellReader::for_columns(&columns);
            let evidence = RowEvidence { readers: &readers, header: &header, date_system: DateSystem::Excel1900 };
            let classes = classify_rows(&range, &header, &evidence);
            // Every row after the header gets exactly one verdict.
            prop_assert_eq!(classes.len(), range.height().saturating_sub(header.first_data_row()));
        }
    }
}
