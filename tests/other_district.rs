//! Another district's ledgers, shaped unlike the sample's, through the bundled annual
//! pipeline with location edits only — the test copies `pipelines/`, points `data`, the
//! roster and the calendar at its own files, and writes nothing else. Its cases ledger keeps
//! no 办理状态 (a case is closed when 结案日期 is filled), its registry writes 书面审查 as
//! 已通过/不合格, its injury ledger keeps no 结论日期 (a rule it cannot run, conclusions dated
//! by 申请日期), and it sent no 上年年报: last year comes from its 2023 run in the store.
//! Every figure is checked against what the test computes from the rows it wrote.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::Data;

use crate::common::{laborstat, sheet};

const TOWNSHIPS: [(&str, &str, &str); 3] = [
    ("330102001", "湖滨街道", "街道"),
    ("330102101", "转塘镇", "镇"),
    ("330102201", "双浦乡", "乡"),
];

/// One complaint case: township index, 受理, 结案 (if closed), 涉及人数, 追发工资 in fen.
struct Case {
    township: usize,
    accepted: (i32, u32, u32),
    closed: Option<(i32, u32, u32)>,
    workers: i64,
    recovered_fen: i64,
}

fn date((y, m, d): (i32, u32, u32)) -> String {
    format!("{y}-{m:02}-{d:02}")
}

/// The district's cases over 2023 and 2024: each township a different mix, some accepted
/// in 2023 and closed in 2024, some still open.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (t, _) in TOWNSHIPS.iter().enumerate() {
        for i in 0..(12 + 5 * t) {
            let year = if i % 3 == 0 { 2023 } else { 2024 };
            let month = 1 + (i as u32 * 5 + t as u32) % 11;
            let accepted = (year, month, 3 + (i as u32 % 20));
            let closed = match i % 4 {
                0 => None,
                1 => Some((year, month + 1, 10)),
                // Accepted in 2023, closed the next year.
                2 if year == 2023 => Some((2024, 1, 15)),
                _ => Some((year, month, 28)),
            };
            cases.push(Case {
                township: t,
                accepted,
                closed,
                workers: 1 + (i as i64 * 7 + t as i64) % 9,
                recovered_fen: 100_000 + (i as i64 * 123_457 + t as i64 * 999) % 5_000_000,
            });
        }
    }
    cases
}

/// 书面审查 as this district writes it: 已通过 / 不合格 / blank.
fn reviews(t: usize) -> Vec<&'static str> {
    (0..(6 + 2 * t))
        .map(|i| match (i + t) % 3 {
            0 => "已通过",
            1 => "不合格",
            _ => "",
        })
        .collect()
}

/// Injury applications: (申请日期, 认定结论); no 结论日期 column.
fn injuries(t: usize) -> Vec<((i32, u32, u32), &'static str)> {
    (0..(5 + t))
        .map(|i| {
            let year = if i % 4 == 0 { 2023 } else { 2024 };
            let conclusion = match i % 3 {
                0 => "认定工伤",
                1 => "不予认定",
                _ => "在办",
            };
            ((year, 2 + i as u32 % 10, 6), conclusion)
        })
        .collect()
}

/// A valid 统一社会信用代码 (GB 32100 check character) for a registry row.
fn credit_code(seed: usize) -> String {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = format!("91330102{:09}", 100_000_000 + seed * 7919);
    let chars: Vec<char> = CHARS.chars().collect();
    let sum: usize = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| chars.iter().position(|&x| x == c).unwrap() * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    format!("{body}{}", chars[check])
}

/// The district's files as it sends them for `year` (a cumulative ledger as known at the
/// year's end: a case closed later is still open in the 2023 submission).
fn write_year(data: &Path, year: i32) {
    let end = (year, 12, 31);
    for (t, (code, name, _)) in TOWNSHIPS.iter().enumerate() {
        let folder = data.join(year.to_string()).join(format!("{code}-{name}"));
        std::fs::create_dir_all(&folder).unwrap();
        // 案号, 受理时间, 涉及人数, 追发工资(元), 结案日期 — and no 办理状态.
        let mut csv = "案号,受理时间,被投诉单位,涉及人数,追发工资(元),结案日期\n".to_string();
        for (i, c) in cases().iter().enumerate().filter(|(_, c)| c.township == t) {
            if c.accepted > end {
                continue;
            }
            let closed = c.closed.filter(|d| *d <= end).map(date).unwrap_or_default();
            csv.push_str(&format!(
                "{code}-{i},{},某公司{i},{},{}.{:02},{closed}\n",
                date(c.accepted),
                c.workers,
                c.recovered_fen / 100,
                c.recovered_fen % 100
            ));
        }
        std::fs::write(folder.join("投诉举报案件台账.csv"), csv).unwrap();

        let mut csv = "单位名称,统一社会信用代码,从业人数,书面审查情况\n".to_string();
        for (i, review) in reviews(t).iter().enumerate() {
            csv.push_str(&format!(
                "{name}单位{i},{},{},{review}\n",
                credit_code(t * 100 + i),
                10 + i
            ));
        }
        std::fs::write(folder.join("用人单位信息采集表.csv"), csv).unwrap();

        let mut csv = "受理编号,职工姓名,申请日期,认定结论\n".to_string();
        for (i, (applied, conclusion)) in injuries(t).iter().enumerate() {
            if *applied > end {
                continue;
            }
            csv.push_str(&format!(
                "{code}-G{i},职工{i},{},{conclusion}\n",
                date(*applied)
            ));
        }
        std::fs::write(folder.join("工伤认定台账.csv"), csv).unwrap();
    }
}

/// The bundled pipelines copied beside the district's data, with the location edits a
/// district makes: its data folder, its roster, its calendar. Nothing else.
fn bundled_pipeline_for(dir: &Path) -> PathBuf {
    let pipelines = dir.join("pipelines");
    std::fs::create_dir_all(pipelines.join("ledgers")).unwrap();
    for entry in std::fs::read_dir("pipelines/ledgers").unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            pipelines.join("ledgers").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let annual = std::fs::read_to_string("pipelines/annual.toml").unwrap();
    let edited = annual
        .replace(
            "data = \"../sample-data/{year}\"",
            "data = \"../data/{year}\"",
        )
        .replace(
            "file = \"../sample-data/roster.csv\"",
            "file = \"../roster.csv\"",
        )
        .replace(
            "file = \"../sample-data/calendar.csv\"",
            "file = \"../calendar.csv\"",
        );
    assert_eq!(edited.matches("../data/").count(), 1, "the data line moved");
    assert_eq!(
        edited.matches("../roster.csv").count(),
        1,
        "the roster line moved"
    );
    std::fs::write(pipelines.join("annual.toml"), edited).unwrap();
    std::fs::copy("sample-data/calendar.csv", dir.join("calendar.csv")).unwrap();
    let mut roster = "code,name,kind,书面审查目标数\n".to_string();
    for (code, name, kind) in TOWNSHIPS {
        roster.push_str(&format!("{code},{name},{kind},10\n"));
    }
    std::fs::write(dir.join("roster.csv"), roster).unwrap();
    pipelines.join("annual.toml")
}

fn run(pipeline: &Path, year: &str) -> String {
    let output = laborstat()
        .arg("run")
        .arg(pipeline)
        .args(["--period", year])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A report sheet's rows by code (column A), and 合计, as numbers by column index.
fn rows_by_code(path: &Path, name: &str) -> BTreeMap<String, Vec<Data>> {
    sheet(path, name)
        .rows()
        .filter_map(|r| {
            let key = match (&r[0], r.get(1)) {
                (_, Some(Data::String(s))) if s == "合计" => "合计".to_string(),
                (Data::String(code), _) if code.len() == 9 => code.clone(),
                _ => return None,
            };
            Some((key, r.to_vec()))
        })
        .collect()
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

/// Column index of a leaf header (row 4, or row 3 when it spans down) on a table sheet.
fn column(path: &Path, name: &str, leaf: &str) -> usize {
    let table = sheet(path, name);
    (0..table.width())
        .find(|&c| {
            [2, 3].iter().any(|&r| {
                crate::common::heading(table.get((r, c)))
                    .replace('\n', "")
                    .starts_with(leaf)
            })
        })
        .unwrap_or_else(|| panic!("no column {leaf} on {name}"))
}

#[test]
fn another_districts_ledgers_give_every_figure_with_location_edits_only() {
    let dir = tempfile::tempdir().unwrap();
    for year in [2023, 2024] {
        write_year(&dir.path().join("data"), year);
    }
    let pipeline = bundled_pipeline_for(dir.path());
    run(&pipeline, "2023");
    let said = run(&pipeline, "2024");
    let report = dir.path().join("output/annual-2024.xlsx");

    // Truth, from the rows written.
    let in_year = |d: (i32, u32, u32), y: i32| d.0 == y;
    let cases = cases();
    let mut truth: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    let mut accepted_2023: BTreeMap<String, i64> = BTreeMap::new();
    for c in &cases {
        let code = TOWNSHIPS[c.township].0.to_string();
        for key in [code.clone(), "合计".to_string()] {
            let t = truth.entry(key.clone()).or_default();
            let closed_2024 = c.closed.is_some_and(|d| in_year(d, 2024));
            t[0] += in_year(c.accepted, 2024) as i64;
            t[1] += closed_2024 as i64;
            t[2] += if closed_2024 { c.recovered_fen } else { 0 };
            // 上期未结: accepted before 2024 and open on 1 January.
            t[3] += (c.accepted.0 < 2024 && c.closed.is_none_or(|d| d.0 >= 2024)) as i64;
            t[4] += if in_year(c.accepted, 2024) {
                c.workers
            } else {
                0
            };
            *accepted_2023.entry(key).or_default() += in_year(c.accepted, 2023) as i64;
        }
    }
    let sheet_name = "投诉举报案件";
    let rows = rows_by_code(&report, sheet_name);
    let accepted = column(&report, sheet_name, "受理");
    let closed = column(&report, sheet_name, "结案（件）");
    let carried = column(&report, sheet_name, "上期未结");
    let recovered = column(&report, sheet_name, "追发工资等待遇");
    let workers = column(&report, sheet_name, "涉及劳动者人数");
    for (key, t) in &truth {
        let row = &rows[key];
        assert_eq!(number(&row[accepted]) as i64, t[0], "{key} 受理");
        assert_eq!(
            number(&row[closed]) as i64,
            t[1],
            "{key} 结案 (from 结案日期)"
        );
        assert_eq!(
            (number(&row[recovered]) * 1e6).round() as i64,
            t[2],
            "{key} 追发"
        );
        assert_eq!(number(&row[carried]) as i64, t[3], "{key} 上期未结");
        assert_eq!(number(&row[workers]) as i64, t[4], "{key} 涉及人数");
    }

    // 书面审查 written 已通过/不合格: every row kept, 已通过 counted.
    let rows = rows_by_code(&report, "用人单位");
    let units = column(&report, "用人单位", "用人单位");
    let reviewed = column(&report, "用人单位", "完成数");
    let (mut all_units, mut all_reviewed) = (0, 0);
    for (t, (code, _, _)) in TOWNSHIPS.iter().enumerate() {
        let written = reviews(t);
        let passed = written.iter().filter(|r| **r == "已通过").count();
        assert_eq!(
            number(&rows[*code][units]) as usize,
            written.len(),
            "{code} 用人单位"
        );
        assert_eq!(
            number(&rows[*code][reviewed]) as usize,
            passed,
            "{code} 书面审查"
        );
        all_units += written.len();
        all_reviewed += passed;
    }
    assert_eq!(number(&rows["合计"][units]) as usize, all_units);
    assert_eq!(number(&rows["合计"][reviewed]) as usize, all_reviewed);

    // Injuries without 结论日期: applications and conclusions by 申请日期, none rejected by
    // a rule the file cannot run, 期末在办 = still without a conclusion.
    let rows = rows_by_code(&report, "工伤认定");
    let applied = column(&report, "工伤认定", "申请");
    let recognised = column(&report, "工伤认定", "认定工伤");
    let open = column(&report, "工伤认定", "期末在办");
    for (t, (code, _, _)) in TOWNSHIPS.iter().enumerate() {
        let all = injuries(t);
        let this_year = |c: &&((i32, u32, u32), &str)| c.0 .0 == 2024;
        assert_eq!(
            number(&rows[*code][applied]) as usize,
            all.iter().filter(this_year).count(),
            "{code} 申请"
        );
        assert_eq!(
            number(&rows[*code][recognised]) as usize,
            all.iter()
                .filter(this_year)
                .filter(|c| c.1 == "认定工伤")
                .count(),
            "{code} 认定工伤"
        );
        assert_eq!(
            number(&rows[*code][open]) as usize,
            all.iter().filter(|c| c.1 == "在办").count(),
            "{code} 期末在办"
        );
    }
    assert!(said.contains("0 个错误"), "nothing refused: {said}");

    // 主要指标: last year from the store (no 上年年报 sent), and the 说明 says so.
    let headline = sheet(&report, "主要指标");
    let row = headline
        .rows()
        .find(|r| {
            r.get(1)
                .is_some_and(|c| c.to_string().starts_with("受理投诉举报案件"))
        })
        .expect("受理 row")[2..]
        .to_vec();
    assert_eq!(number(&row[0]) as i64, truth["合计"][0], "本年");
    assert_eq!(
        number(&row[1]) as i64,
        accepted_2023["合计"],
        "上年, from the store"
    );
    let text: String = headline
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect();
    assert!(
        text.contains("存储"),
        "the 说明 names the store as last year's source"
    );
}
