//! `laborstat template`: the ledger a township fills in, from the pipeline — written, filled
//! by a program as Excel would store what a clerk types, read back by a run, and compared
//! with the truth computed here.

use std::io::{Read, Write};
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};

use crate::common::{run_ok, run_report, total_cell};

/// One ledger row as a clerk fills it: 案件编号, 受理日期 (an Excel date), 涉及人数, 追发工资,
/// 是否农民工 (from the drop-down), 办理状态 (from the drop-down).
struct Case {
    id: &'static str,
    day: u32,
    workers: i64,
    fen: i64,
    migrant: bool,
    closed: bool,
}

const CASES: [Case; 4] = [
    Case {
        id: "A1",
        day: 45352,
        workers: 3,
        fen: 120_050,
        migrant: true,
        closed: true,
    },
    Case {
        id: "A2",
        day: 45383,
        workers: 12,
        fen: 0,
        migrant: false,
        closed: false,
    },
    Case {
        id: "A3",
        day: 45413,
        workers: 1,
        fen: 9_999_999,
        migrant: true,
        closed: true,
    },
    Case {
        id: "A4",
        day: 45444,
        workers: 7,
        fen: 5,
        migrant: false,
        closed: true,
    },
];

/// The template's sheet with `CASES` typed into the rows under its header: cells as Excel
/// stores them (numbers, a date as its serial, the chosen list entry as text).
fn fill(template: &Path, filled: &Path, header: &[(String, String)]) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(template).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(filled).unwrap());
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut bytes = Vec::new();
        part.read_to_end(&mut bytes).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            let mut rows = String::new();
            for (k, case) in CASES.iter().enumerate() {
                let r = 4 + k;
                let mut cells = String::new();
                for (letters, name) in header {
                    let cell = match name.as_str() {
                        "案件编号" => text(case.id),
                        "受理日期" => number(case.day as f64),
                        "涉及人数" => number(case.workers as f64),
                        "追发工资（元）" => number(case.fen as f64 / 100.0),
                        "是否农民工" => text(if case.migrant { "是" } else { "否" }),
                        "办理状态" => text(if case.closed {
                            "已结案"
                        } else {
                            "办理中"
                        }),
                        _ => continue,
                    };
                    cells.push_str(&format!("<c r=\"{letters}{r}\"{cell}</c>"));
                }
                rows.push_str(&format!("<row r=\"{r}\">{cells}</row>"));
            }
            bytes = xml
                .replacen("</sheetData>", &format!("{rows}</sheetData>"), 1)
                .into_bytes();
        }
        out.start_file(&name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

fn text(t: &str) -> String {
    format!(" t=\"inlineStr\"><is><t>{t}</t></is>")
}

fn number(n: f64) -> String {
    format!("><v>{n}</v>")
}

const COLUMNS: &str = r#""涉及人数" = { type = "int", required = true }
"追发工资" = { type = "money" }
"是否农民工" = { type = "bool" }
"办理状态" = { type = "enum", required = true, values = { "已结案" = ["结案"], "办理中" = ["在办"] } }"#;

const MEASURES: &str = r#"[measures.accepted]
source = "cases"
sql = "count(*)"

[measures.closed]
source = "cases"
sql = "count(*)"
filter = "办理状态 = '已结案'"

[measures.workers]
source = "cases"
sql = "sum(涉及人数)"

[measures.migrants]
source = "cases"
sql = "count(*)"
filter = "是否农民工"

[measures.recovered]
source = "cases"
sql = "sum(追发工资)"

[[report.sheets]]
name = "表"
title = "t"
columns = [{ header = ["受理"], value = "accepted" }, { header = ["结案"], value = "closed" }, { header = ["人数"], value = "workers" }, { header = ["农民工"], value = "migrants" }, { header = ["追发"], value = "recovered", display = "元" }]"#;

#[test]
fn a_filled_template_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::common::one_township(
        dir.path(),
        "案件编号,受理日期\n",
        "name = \"t\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        COLUMNS,
        MEASURES,
    );
    // The township sends the filled workbook, not a CSV.
    let text = std::fs::read_to_string(&pipeline)
        .unwrap()
        .replace("files = \"*/*.csv\"", "files = \"*/*.xlsx\"");
    std::fs::write(&pipeline, text).unwrap();
    let template = dir.path().join("模板.xlsx");
    run_ok(&[
        "template",
        "--source",
        "cases",
        "--submitter",
        "510199001",
        "--out",
        template.to_str().unwrap(),
        pipeline.to_str().unwrap(),
    ]);

    // What the template says: the title block, the headings in declared order, and a
    // drop-down for the enum and the yes/no column.
    let mut book = open_workbook_auto(&template).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    assert_eq!(
        range.get((1, 0)),
        Some(&Data::String("填报单位：锦华街道".into()))
    );
    let headings: Vec<String> = (0..range.width())
        .map(|c| range.get((2, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(
        headings,
        [
            "案件编号",
            "受理日期",
            "涉及人数",
            "追发工资（元）",
            "是否农民工",
            "办理状态"
        ]
    );
    let header: Vec<(String, String)> = headings
        .iter()
        .enumerate()
        .map(|(c, n)| (finding::column_letters(c as u32), n.clone()))
        .collect();
    let mut xml = String::new();
    zip::ZipArchive::new(std::fs::File::open(&template).unwrap())
        .unwrap()
        .by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(
        xml.contains("<dataValidation type=\"list\""),
        "no drop-down"
    );
    assert!(
        xml.contains("<formula1>\"办理中,已结案\"</formula1>")
            && xml.contains("<formula1>\"是,否\"</formula1>"),
        "{xml}"
    );
    assert!(
        xml.contains("<sheetProtection"),
        "the header is not protected"
    );

    // Filled as a clerk would, put where the township's files go, run: the figures equal
    // the truth summed here.
    let folder = dir.path().join("data/510199001-锦华街道");
    std::fs::remove_file(folder.join("台账.csv")).unwrap();
    fill(&template, &folder.join("投诉举报案件台账.xlsx"), &header);
    let out = dir.path().join("out.xlsx");
    run_report(pipeline.to_str().unwrap(), None, &out);
    let want = [
        CASES.len() as f64,
        CASES.iter().filter(|c| c.closed).count() as f64,
        CASES.iter().map(|c| c.workers).sum::<i64>() as f64,
        CASES.iter().filter(|c| c.migrant).count() as f64,
        CASES.iter().map(|c| c.fen).sum::<i64>() as f64 / 100.0,
    ];
    for (k, want) in want.iter().enumerate() {
        match total_cell(&out, "表", k + 1) {
            Some(Data::Float(v)) => assert!((v - want).abs() < 0.001, "column {k}: {v} ≠ {want}"),
            other => panic!("column {k}: {other:?}"),
        }
    }
    let findings = crate::common::validate_findings(&pipeline, &dir.path().join("v"));
    assert!(findings.is_empty(), "{findings:#?}");
}
