//! Terminal rendering shared by `run` and `validate`: the progress bar while files are read,
//! the row account, findings counts and the first findings.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use finding::{Finding, Severity};
use ingest::{FileReport, RowCounts};

/// A progress bar on stderr, drawn only when stderr is a terminal.
pub fn progress(files: usize, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(files as u64);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else {
        bar.set_style(
            ProgressStyle::with_template("读取 {bar:30} {pos}/{len} 个文件 {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
    }
    bar
}

/// `行数  读入 5,234 行 = 采用 5,000 + 剔除 12 + 跳过 222（…）`.
/// The lines `run` and `validate` share: what was run, files and rows per source, findings
/// and the roster.
pub fn print_account(
    command: &str,
    plan: &pipeline::Plan,
    data: &ingest::Ingested,
    completeness: &ingest::Completeness,
) {
    let (errors, warnings) = severity_counts(&data.findings);
    let command = match command {
        "run" => "汇总",
        "validate" => "校验",
        other => other,
    };
    println!(
        "laborstat {command}：{} — {}",
        plan.expand(&plan.title),
        plan.period.label()
    );
    for line in file_and_row_lines(plan, &data.files) {
        println!("{line}");
    }
    println!(
        "{}",
        labelled(
            "问题",
            &format!("{errors} 个错误，{warnings} 个警告；有错误的行不计入任何数字")
        )
    );
    let systemic: Vec<&Finding> = data.findings.iter().filter(|f| f.is_systemic()).collect();
    if !systemic.is_empty() {
        let cells: usize = systemic.iter().map(|f| f.cells.len()).sum();
        println!(
            "{}",
            labelled(
                "",
                &format!(
                    "其中 {} 个是整列问题（同一规则在一列的大部分单元格不符），共 {} 个单元格",
                    systemic.len(),
                    group(cells)
                )
            )
        );
    }
    for line in completeness_lines(completeness) {
        println!("{}", labelled("报送", &line));
    }
}

/// A summary line: its label padded to ten terminal columns (a Chinese character takes
/// two), then the text.
pub fn labelled(label: &str, text: &str) -> String {
    let width = unicode_width::UnicodeWidthStr::width(label);
    format!(
        "  {label}{} {text}",
        " ".repeat(9usize.saturating_sub(width))
    )
}

/// Where the 问题清单 and the feedback workbooks were written.
pub fn print_findings_outputs(outputs: &report::findings::FindingsOutputs) {
    println!(
        "{}",
        labelled("问题清单", &outputs.list.display().to_string())
    );
    println!(
        "{}",
        labelled(
            "问题明细",
            &format!("{}（全部问题，每格一行）", outputs.csv.display())
        )
    );
    if let Some(first) = outputs.feedback.first() {
        let folder = first
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        println!(
            "{}",
            labelled(
                "反馈表",
                &format!("{} 份，发回各单位，在 {folder}", outputs.feedback.len())
            )
        );
    }
}

/// The `files` and `rows` lines; one of each per source when the pipeline has several, so
/// a summary sheet's rows are not mixed with the ledger's.
fn file_and_row_lines(plan: &pipeline::Plan, files: &[FileReport]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut ledgers_first: Vec<&pipeline::Source> = plan.sources.iter().collect();
    ledgers_first.sort_by_key(|s| s.kind == pipeline::SourceKind::Summary);
    for source in ledgers_first {
        let mine: Vec<&FileReport> = files.iter().filter(|f| f.source == source.id).collect();
        let prefix = if plan.sources.len() > 1 {
            format!("{}：", source.title)
        } else {
            String::new()
        };
        lines.push(labelled("文件", &format!("{prefix}{}", files_line(&mine))));
        lines.push(labelled("行数", &format!("{prefix}{}", rows_line(&mine))));
    }
    lines
}

fn rows_line(files: &[&FileReport]) -> String {
    let mut all = RowCounts::default();
    for f in files {
        all.add(&f.counts);
    }
    let mut parts = vec![format!("标题/表头 {}", group(all.title + all.header))];
    for (reason, n) in &all.skipped {
        parts.push(format!("{} {}", reason.label(), group(*n)));
    }
    format!(
        "读入 {} 行 = 采用 {} + 剔除 {} + 跳过 {}（{}）",
        group(all.read),
        group(all.used),
        group(all.rejected),
        group(all.title + all.header + all.skipped_total()),
        parts.join("，")
    )
}

fn files_line(files: &[&FileReport]) -> String {
    let used = files.iter().filter(|f| f.used).count();
    format!(
        "找到 {} 个，采用 {}，未采用 {}",
        files.len(),
        used,
        files.len() - used
    )
}

/// Counts per submitter and severity, then the first `limit` findings.
pub fn print_findings(findings: &[Finding], roster: &ingest::Roster, limit: usize) {
    if findings.is_empty() {
        return;
    }
    let mut per: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in findings {
        // A finding about no file is about the total (a review of the 合计 row).
        let whose = match (&f.submitter, f.file.as_os_str().is_empty()) {
            (Some(code), _) => code.clone(),
            (None, true) => "（合计）".into(),
            (None, false) => "（未知单位）".into(),
        };
        let entry = per.entry(whose).or_default();
        match f.severity {
            Severity::Error => entry.0 += 1,
            Severity::Warning => entry.1 += 1,
        }
    }
    eprintln!("各单位的问题（错误 / 警告）：");
    for (submitter, (errors, warnings)) in &per {
        let name = roster.get(submitter).map_or("", |s| s.name.as_str());
        // Chinese characters take two terminal columns.
        let width: usize = name
            .chars()
            .map(|c| if (c as u32) < 0x2E80 { 1 } else { 2 })
            .sum();
        let pad = " ".repeat(12usize.saturating_sub(width));
        eprintln!("  {submitter:<10} {name}{pad} {errors:>6} / {warnings}");
    }
    eprintln!("前几条问题：");
    for f in finding::in_reading_order(findings).into_iter().take(limit) {
        let location = match f.location() {
            empty if empty.is_empty() => f.column.clone().unwrap_or_else(|| "合计".into()),
            location => location,
        };
        eprintln!("  {} {location}: {}", f.severity.label(), f.message);
    }
    if findings.len() > limit {
        eprintln!(
            "  ……另有 {} 条（laborstat validate --format json 列出全部，问题明细 CSV 中也有）",
            findings.len() - limit
        );
    }
}

pub fn severity_counts(findings: &[Finding]) -> (usize, usize) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors, findings.len() - errors)
}

pub fn group(n: usize) -> String {
    figure::group_thousands(&n.to_string())
}

/// `cases：名单中 14 个单位，已报送 12，未报送 1（天府科技园区），…` per ledger.
fn completeness_lines(c: &ingest::Completeness) -> Vec<String> {
    use ingest::SubmissionStatus::*;
    let mut lines = Vec::new();
    let mut sources: Vec<&str> = c.entries.iter().map(|e| e.source.as_str()).collect();
    sources.dedup();
    for source in sources {
        let entries: Vec<_> = c.entries.iter().filter(|e| e.source == source).collect();
        let names = |status| {
            entries
                .iter()
                .filter(|e| e.status == status)
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
        };
        let mut parts = vec![format!(
            "已报送 {}",
            names(Sent).len() + names(Duplicate).len()
        )];
        // Who sent twice is said with the file used and why.
        let with_note = |status| {
            entries
                .iter()
                .filter(|e| e.status == status)
                .map(|e| format!("{}: {}", e.name, e.note))
                .collect::<Vec<_>>()
        };
        for (status, word) in [
            (Missing, "未报送"),
            (Empty, "空表"),
            (OutsidePeriod, "全部不在报告期"),
            (Duplicate, "重复报送"),
            (Unusable, "无法使用"),
        ] {
            let who = if status == Duplicate {
                with_note(status)
            } else {
                names(status).into_iter().map(String::from).collect()
            };
            if !who.is_empty() {
                parts.push(format!("{word} {}（{}）", who.len(), who.join("、")));
            }
        }
        let late: Vec<&str> = entries
            .iter()
            .filter(|e| e.late.is_some())
            .map(|e| e.name.as_str())
            .collect();
        if !late.is_empty() {
            parts.push(format!("迟报 {}（{}）", late.len(), late.join("、")));
        }
        let unmatched = c.unmatched.iter().filter(|(s, _)| s == source).count();
        if unmatched > 0 {
            parts.push(format!("{unmatched} 个文件对不上名单中的单位"));
        }
        lines.push(format!(
            "{source}：名单中 {} 个单位，{}",
            entries.len(),
            parts.join("，")
        ));
    }
    lines
}
