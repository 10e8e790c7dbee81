//! `laborstat run` on the bundled sample district: every township's figures in the report
//! equal the generator's own truth, the 合计 is recomputed from totals, the layout is the
//! official one and the same inputs give the same cells; a district-wide ledger is split by
//! its township column. (The row account: validate.rs.)

use std::collections::HashMap;

use calamine::{Data, DataType};

use crate::common::{
    assert_row_matches, one_township, read_truth, run_period, run_report, sheet, wan, Table, Truth,
};

fn run_sample(out: &std::path::Path) -> String {
    run_report("pipelines/annual.toml", None, out)
}

#[test]
fn sample_report_matches_the_generators_truth() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("annual.xlsx");
    let summary = run_sample(&out);
    assert!(
        summary.contains("投诉举报案件台账：找到 13 个，采用 13"),
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
        total.carried += t.carried;
        total.open_at_end += t.open_at_end;
        total.corrections += t.corrections;
        total.penalties += t.penalties;
        total.fines_fen += t.fines_fen;
        total.police += t.police;
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
        notes
            .iter()
            .any(|n| n.contains("结案率 = 结案数 ÷ 应结案件数（上期未结加本期受理）")),
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
    // Two folders, two stores: the second run is not a restatement of the first.
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (one.path().join("a.xlsx"), two.path().join("b.xlsx"));
    run_sample(&a);
    run_sample(&b);
    for name in ["投诉举报案件", "数据来源"] {
        assert_eq!(sheet(&a, name), sheet(&b, name), "{name}");
    }
}

/// A district-wide ledger whose rows name their township in a column (`from = "column"`),
/// townships interleaved row by row, in two files: each township's figures and 合计 must be
/// the sums of its own rows, computed here from the rows written.
#[test]
fn district_ledger_with_a_township_column_is_split_by_that_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let towns = [
        ("510199001", "锦华街道"),
        ("510199002", "东湖街道"),
        ("510199003", "永安镇"),
    ];
    let mut truth: HashMap<&str, (i64, i64, i64)> = HashMap::new(); // accepted, closed, fen
    for part in 0..2 {
        let mut csv = String::from("案件编号,所属街道,受理日期,办理状态,追发金额\n");
        for i in 0..40 {
            let (code, name) = towns[(i * 7 + part) % 3];
            // Named by name in one file and by code in the other.
            let who = if part == 0 { name } else { code };
            let closed = i % 3 != 1;
            let fen = 1_000 * (i as i64 + 1) + 37 * part as i64;
            csv.push_str(&format!(
                "Q{part}-{i:03},{who},2024-{:02}-15,{},{}.{:02}\n",
                i % 12 + 1,
                if closed { "已结案" } else { "办理中" },
                fen / 100,
                fen % 100
            ));
            let entry = truth.entry(code).or_default();
            entry.0 += 1;
            entry.1 += closed as i64;
            entry.2 += fen;
        }
        std::fs::write(data.join(format!("区级台账{part}.csv")), csv).unwrap();
    }
    let pipeline = dir.path().join("district.toml");
    std::fs::write(
        &pipeline,
        r#"
[pipeline]
name = "district"
title = "{year}年区级台账"
period = "2024"
data = "data"
output = "out.xlsx"

[roster]
entries = [
  { code = "510199001", name = "锦华街道" },
  { code = "510199002", name = "东湖街道" },
  { code = "510199003", name = "永安镇" },
]

[sources.cases]
files = "*.csv"
submitter = { from = "column", column = "所属街道" }
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"所属街道" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }
"办理状态" = { type = "enum", values = { "已结案" = [], "办理中" = [] } }
"追发金额" = { type = "money" }

[measures.accepted]
source = "cases"
sql = "count(*)"

[measures.closed]
source = "cases"
sql = "count(*)"
filter = "办理状态 = '已结案'"

[measures.recovered]
source = "cases"
sql = "sum(追发金额)"

[indicators.closure_rate]
expr = "closed / accepted"
label = "结案率"
display = "percent"

# Indicators over indicators, declared before what they use: compiled in dependency order.
[indicators.closure_pct]
expr = "round(open_share * -100 + 100, 1)"
label = "结案率（%，一位小数）"
display = "number"

[indicators.open_share]
expr = "1 - closure_rate"
label = "未结占比"
display = "percent"

[indicators.closed_capped]
expr = "min(closed, 10)"
label = "结案数（至多10）"

[[report.sheets]]
name = "区级"
title = "{year}年区级台账"
unit = "件、元"
show_codes = true
columns = [
  { header = ["案件", "受理"], value = "accepted" },
  { header = ["案件", "结案"], value = "closed" },
  { header = ["案件", "结案率"], value = "closure_rate" },
  { header = ["金额", "追发金额（元）"], value = "recovered", display = "元" },
  { header = ["派生", "结案率%"], value = "closure_pct" },
  { header = ["派生", "至多10"], value = "closed_capped" },
]
"#,
    )
    .unwrap();
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    let table = Table::read(&out, "区级");
    let mut all = (0, 0, 0);
    for (code, (accepted, closed, fen)) in &truth {
        assert_eq!(table.number(code, "受理"), *accepted as f64, "{code}");
        assert_eq!(table.number(code, "结案"), *closed as f64, "{code}");
        let rate = table.number(code, "结案率");
        assert!(
            (rate - *closed as f64 / *accepted as f64).abs() < 1e-9,
            "{code}: {rate}"
        );
        assert!((table.number(code, "追发金额（元）") - *fen as f64 / 100.0).abs() < 0.001);
        let pct = (*closed as f64 * 1000.0 / *accepted as f64).round() / 10.0;
        assert_eq!(table.number(code, "结案率%"), pct, "{code}");
        assert_eq!(
            table.number(code, "至多10"),
            (*closed).min(10) as f64,
            "{code}"
        );
        all = (all.0 + accepted, all.1 + closed, all.2 + fen);
    }
    assert_eq!(table.number("合计", "受理"), all.0 as f64);
    assert_eq!(table.number("合计", "结案"), all.1 as f64);
    assert!((table.number("合计", "追发金额（元）") - all.2 as f64 / 100.0).abs() < 0.001);
}

/// `--period 2024H1`: only the rows accepted January–June count, and a measure's filter with
/// `{period_end}` counts the cases closed by 30 June, both computed here from the rows.
#[test]
fn a_half_year_counts_its_own_rows_and_fills_its_dates_into_sql() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("案件编号,受理日期,结案日期\n");
    let (mut accepted, mut closed_by_end) = (0, 0);
    for i in 0..60u32 {
        let (month, day) = (i % 12 + 1, i % 28 + 1);
        // Closed 0–2 months after acceptance, or still open.
        let closed = (i % 4 != 3).then(|| (month + i % 3).min(12));
        let closed_text = closed.map_or(String::new(), |m| format!("2024-{m:02}-{day:02}"));
        csv.push_str(&format!("H{i:03},2024-{month:02}-{day:02},{closed_text}\n"));
        if month <= 6 {
            accepted += 1;
            closed_by_end += closed.is_some_and(|m| m <= 6) as i32;
        }
    }
    let pipeline = one_township(
        dir.path(),
        &csv,
        r#"name = "half"
title = "{period_label}案件"
period = "2024"
output = "out/half-{period}.xlsx""#,
        r#""结案日期" = { type = "date" }"#,
        r#"[measures.accepted]
source = "cases"
sql = "count(*)"

[measures.closed_by_end]
source = "cases"
sql = "count(*)"
filter = "结案日期 <= date '{period_end}'"

[[report.sheets]]
name = "表"
title = "{period_label}案件"
show_codes = true
columns = [
  { header = ["案件", "受理"], value = "accepted" },
  { header = ["案件", "期末前结案"], value = "closed_by_end" },
]"#,
    );
    run_period(&pipeline, "2024H1");
    let out = dir.path().join("out").join("half-2024H1.xlsx");
    let table = Table::read(&out, "表");
    assert_eq!(table.number("510199001", "受理"), accepted as f64);
    assert_eq!(
        table.number("510199001", "期末前结案"),
        closed_by_end as f64
    );
    let title = sheet(&out, "表").get((0, 0)).map(|c| c.to_string());
    assert_eq!(title.as_deref(), Some("2024年1-6月案件"));
}

/// `month_ends_on = 20`: the month 2024-11 is 21 October to 20 November; rows on either
/// side of both boundaries fall where the setting says, and the 说明 says which days count.
#[test]
fn reporting_months_ending_on_the_20th_take_the_rows_of_their_days() {
    let dir = tempfile::tempdir().unwrap();
    let dates = [
        "2024-10-20",
        "2024-10-21",
        "2024-11-01",
        "2024-11-20",
        "2024-11-21",
        "2024-11-30",
    ];
    let mut csv = String::from("案件编号,受理日期\n");
    for (i, date) in dates.iter().enumerate() {
        csv.push_str(&format!("M{i},{date}\n"));
    }
    let inside = dates
        .iter()
        .filter(|d| ("2024-10-21"..="2024-11-20").contains(*d))
        .count();
    let pipeline = one_township(
        dir.path(),
        &csv,
        r#"name = "m"
title = "{period_label}"
period = "2024-11"
month_ends_on = 20
output = "out/m.xlsx""#,
        "",
        r#"[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [{ header = ["案件", "受理"], value = "accepted" }]"#,
    );
    let out = dir.path().join("out").join("m.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    let table = Table::read(&out, "表");
    assert_eq!(table.number("510199001", "受理"), inside as f64);
    let notes: Vec<String> = sheet(&out, "表")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<String>())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("2024年10月21日至2024年11月20日")),
        "{notes:?}"
    );
}

/// `--period 2024-01..2024-03`: one report per month, in order, each counting its own
/// month's rows (computed here); a range whose outputs one period would overwrite for another
/// is refused before anything is written; feedback workbooks go to a folder per period.
#[test]
fn a_range_of_periods_runs_each_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("案件编号,受理日期\n");
    let mut per_month = [0usize; 13];
    for i in 0..40usize {
        let month = i % 4 + 1;
        csv.push_str(&format!("R{i:03},2024-{month:02}-{:02}\n", i % 27 + 1));
        per_month[month] += 1;
    }
    let rest = r#"[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [{ header = ["案件", "受理"], value = "accepted" }]"#;
    let keys = |output: &str| {
        format!("name = \"r\"\ntitle = \"{{period_label}}\"\nperiod = \"2024-01\"\noutput = \"{output}\"")
    };
    let pipeline = one_township(dir.path(), &csv, &keys("out/{period}/r.xlsx"), "", rest);
    run_period(&pipeline, "2024-01..2024-03");
    for (month, &rows) in per_month.iter().enumerate().take(4).skip(1) {
        let out = dir.path().join(format!("out/2024-{month:02}/r.xlsx"));
        let table = Table::read(&out, "表");
        assert_eq!(table.number("510199001", "受理"), rows as f64, "{month}");
    }
    assert!(!dir.path().join("out/2024-04").exists());

    let pipeline = one_township(dir.path(), &csv, &keys("out/one.xlsx"), "", rest);
    let output = crate::common::laborstat()
        .args([
            "run",
            pipeline.to_str().unwrap(),
            "--period",
            "2024-01..2024-02",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("都会写到"), "{stderr}");
    assert!(!dir.path().join("out/one.xlsx").exists());

    // Reports apart in one folder: each period's feedback workbooks go to a folder of
    // their own, so February's never overwrite January's.
    let pipeline = one_township(dir.path(), &csv, &keys("out/r-{period}.xlsx"), "", rest);
    run_period(&pipeline, "2024-01..2024-02");
    for month in ["2024-01", "2024-02"] {
        assert!(dir.path().join(format!("out/r-{month}.xlsx")).exists());
    }
}

/// A cumulative ledger (every case so far, no period column): each measure dates its rows
/// by its own event — 受理 by 受理日期 in the month, 结案 by 结案日期 in the month
/// (`date = …`) — and the stock figures 期初未结 and 期末未结 hold at the month's first and
/// last day (filters with the period's placeholders), all computed here from the rows.
#[test]
fn a_cumulative_ledger_gives_flows_by_their_own_dates_and_stocks_at_the_period_ends() {
    let dir = tempfile::tempdir().unwrap();
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
    let (start, end) = (day("2024-11-01"), day("2024-11-30"));
    let mut csv = String::from("案件编号,受理日期,结案日期\n");
    let (mut accepted, mut closed, mut open_at_start, mut open_at_end) = (0, 0, 0, 0);
    let mut undated = 0;
    for i in 0..90i64 {
        let accepted_on = day("2024-08-01") + chrono::Duration::days(i * 137 % 150);
        let closed_on = (i % 5 != 0).then(|| accepted_on + chrono::Duration::days(i * 31 % 70));
        let shown = closed_on.map_or(String::new(), |d| d.to_string());
        csv.push_str(&format!("C{i:03},{accepted_on},{shown}\n"));
        let open_on = |at: chrono::NaiveDate| accepted_on <= at && closed_on.is_none_or(|c| c > at);
        let accepted_in = start <= accepted_on && accepted_on <= end;
        let closed_in = closed_on.is_some_and(|c| start <= c && c <= end);
        accepted += accepted_in as i32;
        closed += closed_in as i32;
        undated += !(accepted_in || closed_in) as i32;
        open_at_start += open_on(start.pred_opt().unwrap()) as i32;
        open_at_end += open_on(end) as i32;
    }
    let pipeline = one_township(
        dir.path(),
        &csv,
        "name = \"stock\"\ntitle = \"{period_label}\"\nperiod = \"2024-11\"\noutput = \"out/stock.xlsx\"",
        r#""结案日期" = { type = "date" }"#,
        r#"[measures.accepted]
source = "cases"
sql = "count(*)"
date = "受理日期"

[measures.closed]
source = "cases"
sql = "count(*)"
date = "结案日期"

[measures.open_at_start]
source = "cases"
sql = "count(*)"
filter = "受理日期 < date '{period_start}' and (结案日期 is null or 结案日期 >= date '{period_start}')"

[measures.open_at_end]
source = "cases"
sql = "count(*)"
filter = "受理日期 <= date '{period_end}' and (结案日期 is null or 结案日期 > date '{period_end}')"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [
  { header = ["案件", "期初未结"], value = "open_at_start" },
  { header = ["案件", "受理"], value = "accepted" },
  { header = ["案件", "结案"], value = "closed" },
  { header = ["案件", "期末未结"], value = "open_at_end" },
]"#,
    );
    // A cumulative ledger: no period column, every row kept; the measures date them.
    let text = std::fs::read_to_string(&pipeline).unwrap();
    std::fs::write(
        &pipeline,
        text.replace("period_column = \"受理日期\"\n", ""),
    )
    .unwrap();
    run_period(&pipeline, "2024-11");
    let table = Table::read(&dir.path().join("out/stock.xlsx"), "表");
    let got = |column| table.number("510199001", column);
    assert_eq!(got("受理"), accepted as f64);
    assert_eq!(got("结案"), closed as f64);
    assert_eq!(got("期初未结"), open_at_start as f64);
    assert_eq!(got("期末未结"), open_at_end as f64);
    // The stock moves by the flows: what was open, plus accepted, less closed.
    assert_eq!(open_at_start + accepted - closed, open_at_end);
    // The 说明 says which date each measure counts by.
    let notes: String = sheet(&dir.path().join("out/stock.xlsx"), "表")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<String>())
        .collect();
    assert!(notes.contains("按“结案日期”在报告期内计"), "{notes}");
    // The rows kept but dated in no measure's period are counted in 数据来源.
    let sources = sheet(&dir.path().join("out/stock.xlsx"), "数据来源");
    let heading = (0..sources.width())
        .find(|&c| {
            sources.get((0, c)).map(|d| d.to_string()).as_deref() == Some("采用行中日期不在报告期")
        })
        .expect("the column");
    assert_eq!(
        sources.get((1, heading)).and_then(|d| d.as_f64()),
        Some(undated as f64)
    );
}

/// A roster per period: 新桥镇 (510199002) merged into 新桥新区 (510199009) from 2024-07.
/// In November the old township's file counts for its successor, which the 数据来源 says;
/// the old township is no longer expected, and a township that ended with no successor is
/// refused, saying why. In March the old township is itself.
#[test]
fn a_merged_township_s_file_counts_for_its_successor() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("案件编号,受理日期\n");
    for (i, month) in [3, 3, 11, 11, 11].iter().enumerate() {
        csv.push_str(&format!("X{i},2024-{month:02}-10\n"));
    }
    let folder = dir.path().join("data").join("510199002-新桥镇");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("台账.csv"), csv).unwrap();
    // 老城街道 ended in June with no successor: its file is refused with why.
    let closed = dir.path().join("data").join("510199003-老城街道");
    std::fs::create_dir_all(&closed).unwrap();
    std::fs::write(
        closed.join("台账.csv"),
        "案件编号,受理日期\nZ1,2024-11-02\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("roster.csv"),
        "code,name,valid_from,valid_until,succeeds\n\
         510199001,锦华街道,,,\n\
         510199002,新桥镇,,2024-06,\n\
         510199003,老城街道,,2024-06,\n\
         510199009,新桥新区,2024-07,,510199002\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        r#"[pipeline]
name = "merge"
title = "{period_label}"
period = "2024-11"
data = "data"
output = "out/merge-{period}.xlsx"

[roster]
file = "roster.csv"

[sources.cases]
files = "*/*.csv"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = { type = "text", required = true }
"受理日期" = { type = "date", required = true }

[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "表"
title = "{period_label}"
show_codes = true
columns = [{ header = ["案件", "受理"], value = "accepted" }]
"#,
    )
    .unwrap();
    let pipeline = dir.path().join("p.toml");
    run_period(&pipeline, "2024-11");
    let november = dir.path().join("out/merge-2024-11.xlsx");
    let table = Table::read(&november, "表");
    assert_eq!(table.number("510199009", "受理"), 3.0);
    assert_eq!(table.number("合计", "受理"), 3.0);
    let codes = sheet(&november, "表")
        .rows()
        .map(|r| r[0].to_string())
        .collect::<Vec<_>>();
    assert!(!codes.contains(&"510199002".to_string()), "{codes:?}");
    let sources: Vec<String> = sheet(&november, "数据来源")
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect::<String>())
        .collect();
    assert!(
        sources
            .iter()
            .any(|r| r.contains("原单位 新桥镇（510199002，已由新桥新区承继）")),
        "{sources:?}"
    );
    let findings =
        std::fs::read_to_string(dir.path().join("out/merge-2024-11-问题明细.csv")).unwrap();
    assert!(
        findings
            .contains("老城街道（510199003）在名单中的有效期为（不限）至2024-06，不在本报告期内"),
        "{findings}"
    );
    run_period(&pipeline, "2024-03");
    let march = Table::read(&dir.path().join("out/merge-2024-03.xlsx"), "表");
    assert_eq!(march.number("510199002", "受理"), 2.0);
}

#[test]
fn a_rate_can_show_two_decimals_where_the_source_publishes_them() {
    // 2 of 3 cases closed: 66.67% with two decimals (percent2), 66.7% with one (percent).
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,办理状态\nA1,2024-03-01,已结案\nA2,2024-04-01,已结案\nA3,2024-05-01,办理中\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        "name = \"t\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        "\"办理状态\" = { type = \"text\" }",
        &[
            crate::common::ACCEPTED_AND_CLOSED,
            r#"
[indicators.closure_rate]
expr = "closed / accepted"
label = "结案率"
display = "percent2"

[[report.sheets]]
name = "表"
title = "表"
columns = [
  { header = ["结案率"], value = "closure_rate" },
  { header = ["结案率（一位）"], value = "closure_rate", display = "percent" },
]"#,
        ]
        .concat(),
    );
    let output = crate::common::laborstat()
        .args(["run", pipeline.to_str().unwrap(), "--no-store"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("结案率 66.67%"), "{stdout}");
    assert!(stdout.contains("结案率（一位） 66.7%"), "{stdout}");
    let report = dir.path().join("out.xlsx");
    let range = crate::common::sheet(&report, "表");
    let value = range.get((3, 1)).unwrap().as_f64().unwrap();
    assert!(
        (value - 2.0 / 3.0).abs() < 1e-12,
        "the cell holds the ratio: {value}"
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&report).unwrap()).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains(r#"formatCode="0.00%""#), "{styles}");
}

#[test]
fn a_setting_is_used_in_sql_and_expressions_and_said_in_the_notes() {
    // 涉及人数 2, 3 and 5 with a threshold of 3: two group cases of three, 66.67 per hundred.
    let dir = tempfile::tempdir().unwrap();
    let csv = "案件编号,受理日期,涉及人数\nA1,2024-03-01,2\nA2,2024-04-01,3\nA3,2024-05-01,5\n";
    let pipeline = crate::common::one_township(
        dir.path(),
        csv,
        "name = \"t\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"\n\n[settings.group_threshold]\nvalue = 3\nlabel = \"群体性案件的涉及人数下限\"\nnote = \"按本地规定\"\n\n[settings.per]\nvalue = 100\nlabel = \"每百件\"\n\n[settings.base]\nvalue = \"accepted\"\nlabel = \"占比的分母\"",
        "\"涉及人数\" = { type = \"int\" }",
        r#"[measures.accepted]
source = "cases"
sql = "count(*)"
label = "受理数"

[measures.group]
source = "cases"
sql = "count(*)"
filter = "涉及人数 >= {group_threshold}"
label = "群体性案件数"

[indicators.group_per_hundred]
expr = "round(group / {base} * {per}, 2)"
label = "每百件中群体性案件"
display = "number"

[[report.sheets]]
name = "表"
title = "群体性案件（{group_threshold}人以上）"
columns = [
  { header = ["群体性案件数"], value = "group" },
  { header = ["每百件"], value = "group_per_hundred" },
]"#,
    );
    run_report(
        pipeline.to_str().unwrap(),
        None,
        &dir.path().join("out.xlsx"),
    );
    let range = sheet(&dir.path().join("out.xlsx"), "表");
    assert_eq!(range.get((3, 1)).and_then(|d| d.as_f64()), Some(2.0));
    assert_eq!(range.get((3, 2)).and_then(|d| d.as_f64()), Some(66.67));
    let notes: Vec<String> = range
        .rows()
        .filter_map(|r| r.first().map(|c| c.to_string()))
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("设置：群体性案件的涉及人数下限为3（按本地规定）")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("设置：每百件为100")),
        "{notes:?}"
    );
    // A setting that chooses a measure is said by the measure's label.
    assert!(
        notes.iter().any(|n| n.contains("设置：占比的分母为受理数")),
        "{notes:?}"
    );
    // A title takes a setting like any placeholder.
    assert_eq!(notes[0], "群体性案件（3人以上）");
}
