//! `laborstat run` on the bundled sample district: every township's figures in the report
//! equal the generator's own truth, the 合计 is recomputed from totals, and every row of
//! every file is accounted for.

use calamine::Data;

use crate::common::{assert_row_matches, laborstat, read_truth, sheet, wan, Table, Truth};

fn run_sample(out: &std::path::Path) -> String {
    let output = laborstat()
        .args(["run", "pipelines/annual.toml", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn sample_report_matches_the_generators_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_sample(&out);
    assert!(summary.contains("13 found, 13 used"), "{summary}");

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
}

#[test]
fn every_row_of_every_file_is_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    run_sample(&out);
    let range = sheet(&out, "数据来源");
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let truth = read_truth("sample-data/2024/expected.csv".as_ref());
    let mut used_total = 0.0;
    for row in range.rows().skip(1) {
        let n = |name: &str| match &row[col(name)] {
            Data::Float(f) => *f,
            other => panic!("{name}: {other:?}"),
        };
        let skipped: f64 = header
            .iter()
            .enumerate()
            .filter(|(_, h)| h.starts_with("跳过"))
            .map(|(i, _)| match &row[i] {
                Data::Float(f) => *f,
                _ => 0.0,
            })
            .sum();
        assert_eq!(
            n("读入行数"),
            n("标题行") + n("表头行数") + n("采用") + n("剔除") + skipped,
            "{:?}",
            row[1]
        );
        let code = row[col("报送单位代码")].to_string();
        assert_eq!(
            n("采用"),
            truth[&code].accepted as f64,
            "rows used from {code}"
        );
        used_total += n("采用");
    }
    // Known shapes in the sample: a 合计 row in three files, footers in two.
    let skipped_totals: f64 = range
        .rows()
        .skip(1)
        .map(|r| match &r[col("跳过：合计/小计行")] {
            Data::Float(f) => *f,
            _ => 0.0,
        })
        .sum();
    assert_eq!(skipped_totals, 3.0);
    assert_eq!(
        used_total,
        truth.values().map(|t| t.accepted).sum::<i64>() as f64
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
