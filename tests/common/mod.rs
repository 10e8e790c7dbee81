//! Helpers shared by the integration tests: running the binary, reading a report back with
//! calamine, and the generator's own truth (expected.csv), which laborstat never computes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Range, Reader};

pub fn laborstat() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("laborstat").expect("binary built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// `laborstat ARGS…`, which must succeed; returns (stdout, stderr).
pub fn run_ok(args: &[&str]) -> (String, String) {
    let output = laborstat().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "laborstat {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `laborstat run PIPELINE [--data DATA] --out OUT`, which must succeed; returns what it printed.
pub fn run_report(pipeline: &str, data: Option<&str>, out: &Path) -> String {
    let mut cmd = laborstat();
    cmd.args(["run", pipeline, "--out"]).arg(out);
    if let Some(data) = data {
        cmd.args(["--data", data]);
    }
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "run {pipeline} {data:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The `[pipeline]` keys of a one-township test pipeline over 2024 writing `out.xlsx`.
pub const YEAR_KEYS: &str = "name = \"u\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"";

/// A ledger and its pipeline for a district of one township (510199001 锦华街道), in `dir`:
/// `csv` is written as `data/510199001-锦华街道/台账.csv`; the pipeline reads it as source
/// `cases` with 案件编号 and 受理日期 (the period column) and the `columns` given, under the
/// `[pipeline]` keys given (besides `data`), followed by `rest` (rules, measures, sheets).
/// Returns the pipeline file's path.
pub fn one_township(dir: &Path, csv: &str, pipeline: &str, columns: &str, rest: &str) -> PathBuf {
    let data = dir.join("data").join("510199001-锦华街道");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("台账.csv"), csv).unwrap();
    let text = format!(
        r#"[pipeline]
data = "data"
{pipeline}

[roster]
entries = [{{ code = "510199001", name = "锦华街道" }}]

[sources.cases]
files = "*/*.csv"
period_column = "受理日期"

[sources.cases.columns]
"案件编号" = {{ type = "text", required = true }}
"受理日期" = {{ type = "date", required = true }}
{columns}

{rest}"#
    );
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `laborstat run PIPELINE --period PERIOD -q`, which must succeed.
pub fn run_period(pipeline: &Path, period: &str) {
    let output = laborstat()
        .arg("run")
        .arg(pipeline)
        .args(["--period", period, "-q"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "run --period {period} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// One row of expected.csv, as written by sample-data/generate.py while generating.
#[derive(Debug, Clone, Default)]
pub struct Truth {
    pub name: String,
    pub accepted: i64,
    pub filed: i64,
    pub closed: i64,
    pub on_time: i64,
    pub workers: i64,
    pub group_cases: i64,
    pub group_workers: i64,
    pub recovered_fen: i64,
    /// 追发 held by the used rows whatever their dates (数据来源's money of used rows); the
    /// same as `recovered_fen` in a truth without the column (every case closed in the year).
    pub rows_recovered_fen: i64,
    /// The ledger rows used (none rejected), last year's cases among them.
    pub rows_used: i64,
    /// 上期未结: accepted before the year and open at its start.
    pub carried: i64,
    /// 期末未结.
    pub open_at_end: i64,
    /// Closed this year by 责令改正, 行政处罚 (and its fines), 移送公安.
    pub corrections: i64,
    pub penalties: i64,
    pub fines_fen: i64,
    pub police: i64,
}

impl Truth {
    /// The closure rate's default denominator: 上期未结 + 本期受理.
    pub fn due(&self) -> i64 {
        self.carried + self.accepted
    }
}

pub fn read_truth(path: &Path) -> HashMap<String, Truth> {
    let text = std::fs::read_to_string(path).expect("expected.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut out = HashMap::new();
    for line in lines {
        let fields: HashMap<&str, &str> = header.iter().copied().zip(line.split(',')).collect();
        let n = |k: &str| fields[k].parse::<i64>().unwrap();
        out.insert(
            fields["code"].to_string(),
            Truth {
                name: fields["name"].to_string(),
                accepted: n("accepted"),
                filed: n("filed"),
                closed: n("closed"),
                on_time: n("on_time"),
                workers: n("workers"),
                group_cases: n("group_cases"),
                group_workers: n("group_workers"),
                recovered_fen: n("recovered_fen"),
                rows_recovered_fen: match fields.contains_key("rows_recovered_fen") {
                    true => n("rows_recovered_fen"),
                    false => n("recovered_fen"),
                },
                rows_used: n("rows_used"),
                carried: n("carried"),
                open_at_end: n("open_at_end"),
                corrections: n("corrections"),
                penalties: n("penalties"),
                fines_fen: n("fines_fen"),
                police: n("police"),
            },
        );
    }
    out
}

pub fn sheet(path: &Path, name: &str) -> Range<Data> {
    let mut book = open_workbook_auto(path).expect("report opens");
    book.worksheet_range(name).expect("sheet exists")
}

/// A header cell's text as one line: the report sets a heading's unit on a line of its own
/// (“涉及劳动者人数” / “（人）”), which a reader reads as one heading.
pub fn heading(cell: Option<&Data>) -> String {
    cell.map(|d| d.to_string().replace('\n', ""))
        .unwrap_or_default()
}

/// The report's table keyed by row label (code, or 合计) and leaf header text.
pub struct Table {
    pub columns: Vec<String>,
    pub rows: HashMap<String, Vec<Data>>,
}

impl Table {
    /// Reads the main sheet: header rows 3–4, codes in column A, names in column B.
    pub fn read(path: &Path, sheet_name: &str) -> Table {
        let range = sheet(path, sheet_name);
        let columns = (0..range.width())
            .map(|c| {
                let bottom = heading(range.get((3, c)));
                if bottom.is_empty() {
                    heading(range.get((2, c)))
                } else {
                    bottom
                }
            })
            .collect();
        let mut rows = HashMap::new();
        for row in range.rows().skip(4) {
            let key = match (&row[0], &row[1]) {
                (_, Data::String(s)) if s == "合计" => "合计".to_string(),
                // A subtotal row, by its label: 其中：街道.
                (_, Data::String(s)) if s.starts_with("其中：") => s.clone(),
                (Data::String(code), _) if code.len() == 9 => code.clone(),
                _ => continue,
            };
            rows.insert(key, row.to_vec());
        }
        Table { columns, rows }
    }

    pub fn get(&self, row: &str, column: &str) -> &Data {
        let c = self
            .columns
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("no column {column} in {:?}", self.columns));
        &self.rows.get(row).unwrap_or_else(|| panic!("no row {row}"))[c]
    }

    pub fn number(&self, row: &str, column: &str) -> f64 {
        match self.get(row, column) {
            Data::Float(f) => *f,
            Data::Int(i) => *i as f64,
            other => panic!("{row}/{column} is not a number: {other:?}"),
        }
    }
}

/// fen → 万元 as a report's cell holds it: every fen (the cell's number format shows it
/// rounded to 0.01 万元), so that a workbook read back — a city over its districts — is exact.
pub fn wan(fen: i64) -> f64 {
    fen as f64 / 1_000_000.0
}

/// Compares every figure of one report row with a truth row.
pub fn assert_row_matches(table: &Table, key: &str, t: &Truth) {
    let figures = [
        ("受理（件）", t.accepted as f64),
        ("立案（件）", t.filed as f64),
        ("结案（件）", t.closed as f64),
        ("涉及劳动者人数（人）", t.workers as f64),
        ("追发工资等待遇（万元）", wan(t.recovered_fen)),
        ("件数", t.group_cases as f64),
        ("涉及人数", t.group_workers as f64),
        ("上期未结", t.carried as f64),
        ("期末未结", t.open_at_end as f64),
        ("责令改正", t.corrections as f64),
        ("行政处罚", t.penalties as f64),
        ("移送公安", t.police as f64),
        ("罚款（万元）", wan(t.fines_fen)),
    ];
    for (column, expected) in figures {
        assert_eq!(
            table.number(key, column),
            expected,
            "{key} {}: {column}",
            t.name
        );
    }
    // Rates from the numerator and denominator totals of the row itself.
    let rates = [
        ("结案率", t.closed as f64 / t.due() as f64),
        ("按期结案率", t.on_time as f64 / t.closed as f64),
    ];
    for (column, expected) in rates {
        let got = table.number(key, column);
        assert!(
            (got - expected).abs() < 1e-12,
            "{key} {}: {column} {got} ≠ {expected}",
            t.name
        );
    }
    // The yearbook's arithmetic, from the report's own cells: 上期未结 + 受理 − 结案 = 期末未结.
    assert_eq!(
        table.number(key, "上期未结") + table.number(key, "受理（件）")
            - table.number(key, "结案（件）"),
        table.number(key, "期末未结"),
        "{key}: 上期未结 + 受理 − 结案 = 期末未结"
    );
}

/// sample-data/monthly/monthly-expected.csv, written by generate_monthly.py: (period, code) → column → value.
pub fn monthly_truth() -> HashMap<(String, String), HashMap<String, i64>> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/monthly/monthly-expected.csv"),
    )
    .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let values = header[2..]
                .iter()
                .zip(&cells[2..])
                .map(|(h, v)| (h.to_string(), v.parse().unwrap()))
                .collect();
            ((cells[0].to_string(), cells[1].to_string()), values)
        })
        .collect()
}

/// Measures of a small test pipeline over `one_township`'s ledger with a `办理状态` column:
/// 受理数 (every row) and 结案数 (办理状态 = 已结案).
pub const ACCEPTED_AND_CLOSED: &str = r#"[measures.accepted]
source = "cases"
sql = "count(*)"
label = "受理数"

[measures.closed]
source = "cases"
sql = "sum(case when 办理状态 = '已结案' then 1 else 0 end)"
label = "结案数"
"#;

/// 3284 → "3,284", as the terminal prints counts.
pub fn grouped(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The measure and sheet a small test pipeline ends with: 受理 (rows counted) per township
/// on sheet 表, column B.
pub const ACCEPTED_TABLE: &str = r#"[measures.accepted]
source = "cases"
sql = "count(*)"

[[report.sheets]]
name = "表"
title = "受理"
columns = [{ header = ["受理"], value = "accepted" }]
"#;

/// The cell in column `col` of the 合计 row of a report sheet (its label in column A).
pub fn total_cell(report: &Path, sheet_name: &str, col: usize) -> Option<Data> {
    let table = sheet(report, sheet_name);
    let total = (0..table.height())
        .find(|&r| table.get((r, 0)).map(|d| d.to_string()).as_deref() == Some("合计"))
        .expect("a 合计 row");
    table.get((total, col)).cloned()
}

/// `laborstat validate --format json` over `pipeline` (outputs into `out_dir`): every
/// finding, one JSON object each.
pub fn validate_findings(pipeline: &Path, out_dir: &Path) -> Vec<serde_json::Value> {
    let output = laborstat()
        .args(["validate", "--format", "json", "--out-dir"])
        .arg(out_dir)
        .arg(pipeline)
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
