//! `laborstat run` on the bundled sample district: every township's figures in the report
//! equal the generator's own truth, the 合计 is recomputed from totals, the layout is the
//! official one and the same inputs give the same cells. (The row account: validate.rs.)

use calamine::Data;

use crate::common::{assert_row_matches, read_truth, run_report, sheet, wan, Table, Truth};

fn run_sample(out: &std::path::Path) -> String {
    run_report("pipelines/annual.toml", None, out)
}

#[test]
fn sample_report_matches_the_generators_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_sample(&out);
    assert!(
        summary.contains("投诉举报案件台账: 13 found, 13 used"),
        "{summary}"
    );

    let truth = read_truth("sample-data/2024/expected.csv".as_ref());
    let table = Table::read(&out, "投诉举报案件");
    for (code, t) in &truth {
        assert_row_matches(&table, code, t);
    }
    // 合计: counts and money summed from the truth; rates from those totals, not averaged.
    let mut total = Truth::default();
    for t in truth.values() {
        total.accepted += t.accepted;
        total.filed += t.filed;
        total.closed += t.closed;
        total.on_time += t.on_time;
        total.workers += t.workers;
        total.group_cases += t.group_cases;
        total.group_workers += t.group_workers;
        total.recovered_fen += t.recovered_fen;
    }
    total.name = "合计".into();
    assert_row_matches(&table, "合计", &total);
    assert_eq!(
        table.number("合计", "追发工资等待遇（万元）"),
        wan(total.recovered_fen)
    );
}

#[test]
fn township_that_sent_nothing_is_marked_and_left_blank() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_sample(&out);
    let table = Table::read(&out, "投诉举报案件");
    let row = &table.rows["510199402"];
    assert_eq!(row[1], Data::String("天府科技园区（未报送）".into()));
    assert_eq!(*table.get("510199402", "受理（件）"), Data::Empty);
}

#[test]
fn report_layout_title_header_and_formula_notes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_sample(&out);
    let range = sheet(&out, "投诉举报案件");
    assert_eq!(
        range.get((0, 0)),
        Some(&Data::String(
            "2024年劳动保障监察投诉举报案件情况统计表".into()
        ))
    );
    assert!(range
        .get((1, 0))
        .unwrap()
        .to_string()
        .starts_with("填报单位："));
    assert_eq!(
        range.get((2, 2)),
        Some(&Data::String("投诉举报案件".into()))
    );
    // 合计 is the first data row, then submitters in code order.
    assert_eq!(range.get((4, 1)), Some(&Data::String("合计".into())));
    let codes: Vec<String> = range
        .rows()
        .skip(5)
        .take(14)
        .map(|r| r[0].to_string())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
    let notes: Vec<String> = range
        .rows()
        .map(|r| r[0].to_string())
        .filter(|t| t.contains(" = "))
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("结案率 = 结案数 ÷ 受理数")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("按期结案率 = 按期结案数 ÷ 结案数")),
        "{notes:?}"
    );
    // A plain measure is said in words, never explained by its own name.
    for note in &notes {
        let (_, rest) = note.split_once(". ").unwrap_or(("", note));
        if let Some((left, right)) = rest.split_once(" = ") {
            assert_ne!(left.trim(), right.trim(), "{note}");
        }
    }
    let all: Vec<String> = range.rows().map(|r| r[0].to_string()).collect();
    assert!(
        all.iter()
            .any(|n| n.contains("结案数：投诉举报案件台账中“办理状态”为“已结案”的行数")),
        "{all:?}"
    );
}

#[test]
fn the_same_inputs_give_the_same_cell_values() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.xlsx"), dir.path().join("b.xlsx"));
    run_sample(&a);
    run_sample(&b);
    for name in ["投诉举报案件", "数据来源"] {
        assert_eq!(sheet(&a, name), sheet(&b, name), "{name}");
    }
}
