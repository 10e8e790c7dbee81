//! `laborstat inspect FILE`: what laborstat sees in one spreadsheet — its sheets, the header
//! row it detects, each column's inferred type, and the rows it would skip. With
//! `--pipeline P --source ID` the header is matched against that source's aliases.

use std::path::PathBuf;

use anyhow::Context;
use calamine::{Data, Range};
use clap::Args;

use super::ExitStatus;
use ingest::cell::{self, display_text, is_blank, CellReader};
use ingest::column_letters;
use ingest::header::{
    classify_rows, closest_label, find_header, fitting_label, names_column, Header, RowEvidence,
    SkipReason,
};
use ingest::workbook::{InputBook, LoadedSheet};
use pipeline::{self, Overrides, Source};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// 表格文件（xlsx、xlsm、xlsb、xls、ods 或 csv）
    pub file: PathBuf,
    /// 工作表名（默认为全部工作表）
    #[arg(long)]
    pub sheet: Option<String>,
    /// 用流水线中某个台账的列名和别名来对表头
    #[arg(long, requires = "source")]
    pub pipeline: Option<PathBuf>,
    /// 该流水线中台账的 id
    #[arg(long, requires = "pipeline")]
    pub source: Option<String>,
}

pub fn inspect(args: InspectArgs) -> anyhow::Result<ExitStatus> {
    let source = match (&args.pipeline, &args.source) {
        (Some(p), Some(id)) => {
            let plan = pipeline::load(p, &Overrides::default())?;
            Some(
                plan.source(id)
                    .cloned()
                    .with_context(|| format!("{} 中没有台账（来源）“{id}”", p.display()))?,
            )
        }
        _ => None,
    };
    println!("{}", args.file.display());
    let limits = pipeline::Limits::default();
    // A reader library that panics on this file is told as the run tells it, not as a crash.
    let crashed = || anyhow::anyhow!(ingest::READER_CRASHED);
    let mut book = ingest::isolated(
        || InputBook::open(&args.file, &limits).map_err(|p| anyhow::anyhow!(p.message)),
        || Err(crashed()),
    )?;
    let names = book.sheet_names();
    println!("格式：{}", book.format.label());
    if book.format.has_named_sheets() {
        println!("工作表：{}", names.join("、"));
    }
    let wanted: Vec<String> = match &args.sheet {
        Some(s) => vec![s.clone()],
        None => names,
    };
    // One sheet at a time: a workbook of several huge sheets costs the largest, not the sum.
    let without_cells = book.sheets_without_cells();
    for name in wanted {
        if let Some((_, what)) = without_cells.iter().find(|(n, _)| *n == name) {
            println!("\n[{name}] {what}，没有单元格，未读取");
            continue;
        }
        let read = ingest::isolated(
            || book.read_sheet(&name, true).map_err(|p| p.message),
            || Err(ingest::READER_CRASHED.to_string()),
        );
        match read {
            Ok(sheet) => describe(&sheet, source.as_ref()),
            Err(message) => println!("\n[{name}] 读不了：{message}"),
        }
    }
    Ok(ExitStatus::Success)
}

fn describe(sheet: &LoadedSheet, source: Option<&Source>) {
    let range = &sheet.range;
    let origin = range.start().unwrap_or((0, 0));
    print!(
        "\n[{}] {} 行 × {} 列",
        sheet.sheet_name,
        range.height() + origin.0 as usize,
        range.width()
    );
    if let Some(encoding) = sheet.encoding {
        print!("，编码 {}", encoding.label());
    }
    let merges = sheet.merges.as_deref().unwrap_or(&[]);
    println!("，{} 个合并区域", merges.len());
    let header = match source {
        Some(source) => find_header(range, &source.columns, merges),
        None => guess_header(range),
    };
    let Some(header) = header else {
        println!("  前 12 行中找不到表头");
        return;
    };
    let first_row = origin.0 as usize + header.row + 1;
    println!(
        "  表头：第 {first_row} 行{}",
        if header.height > 1 {
            format!(
                "至第 {} 行（{} 行，已合并为一行）",
                first_row + header.height - 1,
                header.height
            )
        } else {
            String::new()
        }
    );
    let readers = CellReader::for_columns(source.map_or(&[][..], |s| &s.columns[..]));
    let evidence = RowEvidence {
        readers: &readers,
        header: &header,
        date_system: sheet.date_system,
    };
    let classes = classify_rows(range, &header, &evidence);
    let data_rows: Vec<usize> = classes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_none())
        .map(|(i, _)| header.first_data_row() + i)
        .collect();
    println!("  列：");
    for (c, label) in header.labels.iter().enumerate() {
        if label.is_empty() {
            continue;
        }
        let mapped = source.and_then(|s| {
            header
                .mapping
                .iter()
                .position(|m| *m == Some(c))
                .map(|i| s.columns[i].name.clone())
        });
        let letter = column_letters(origin.1 + c as u32);
        let (kind, filled) = infer_type(range, &data_rows, c);
        // A header naming a column another header already took is a duplicate, not new.
        let duplicate_of = source.and_then(|s| {
            s.columns
                .iter()
                .zip(&header.mapping)
                .find(|(col, m)| m.is_some_and(|m| m != c) && names_column(label, col))
                .map(|(col, m)| (col.name.clone(), m.unwrap_or(0)))
        });
        let target = match (mapped, source, &duplicate_of) {
            (Some(m), _, _) => format!(" → {m}"),
            (None, Some(_), Some((name, other))) => format!(
                "（第二个“{name}”：只读 {} 列）",
                column_letters(origin.1 + *other as u32)
            ),
            (None, Some(_), None) => "（流水线没有对应的列）".to_string(),
            (None, None, _) => String::new(),
        };
        let kind = match kind {
            "empty" => "空",
            "date" => "日期",
            "int" => "整数",
            "number" => "数值",
            "bool" => "是/否",
            _ => "文本",
        };
        let pad = |text: &str, width: usize| {
            let w = unicode_width::UnicodeWidthStr::width(text);
            format!("{text}{}", " ".repeat(width.saturating_sub(w)))
        };
        println!(
            "    {letter:<3} {} {} {filled} 个值{target}",
            pad(label, 24),
            pad(kind, 6)
        );
    }
    if let Some(source) = source {
        print_columns_to_declare(range, source, &header, &data_rows, sheet.date_system);
    }
    println!("  数据行：{}", data_rows.len());
    let skipped = skipped_runs(&classes, origin, &header);
    println!(
        "  跳过的行：{}",
        if skipped.is_empty() {
            "无".to_string()
        } else {
            skipped.join("，")
        }
    );
}

/// What the pipeline would need to read this sheet fully: a declaration to paste for each
/// header no declared column takes (with the type its cells suggest), and each declared
/// column not found (computed, missing, or the header that looks like it, as an alias).
fn print_columns_to_declare(
    range: &Range<Data>,
    source: &Source,
    header: &Header,
    data_rows: &[usize],
    date_system: ingest::cell::DateSystem,
) {
    let origin = range.start().unwrap_or((0, 0));
    let unmapped = header.unmapped_labels();
    // Headers that no declared column takes and no missing column resembles: the
    // declaration to paste, with the type the cells suggest.
    let resembled: Vec<&str> = source
        .columns
        .iter()
        .zip(&header.mapping)
        .filter(|(_, m)| m.is_none())
        .filter_map(|(c, _)| closest_label(&c.aliases, &unmapped))
        .collect();
    let undeclared: Vec<(usize, &String)> = unmapped
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !resembled.contains(&l.as_str()))
        .filter(|(_, l)| !source.columns.iter().any(|col| names_column(l, col)))
        .collect();
    if !undeclared.is_empty() {
        println!(
            "    要读入流水线没有对应的列，请在 [sources.{}.columns] 中声明：",
            source.id
        );
    }
    for (c, label) in undeclared {
        let kind = match infer_type(range, data_rows, c).0 {
            "int" => "int",
            "number" => "number",
            "date" => "date",
            "bool" => "bool",
            _ => "text",
        };
        println!(
            "      \"{}\" = {{ type = \"{kind}\" }}    # {} 列",
            label.replace('/', ""),
            column_letters(origin.1 + c as u32)
        );
    }
    for (column, mapped) in source.columns.iter().zip(&header.mapping) {
        if mapped.is_some() {
            continue;
        }
        if let Some((from, to)) = column.working_days {
            println!(
                "    （计算列）{}：按流水线的工作日历，从{}到{}的工作日数",
                column.name, source.columns[from].name, source.columns[to].name
            );
            continue;
        }
        println!(
            "    （缺少）{}{}",
            column.name,
            if column.required { " — 必填" } else { "" }
        );
        if let Some(label) = fitting_label(column, header, range, date_system) {
            let at = unmapped.iter().position(|l| *l == label).unwrap_or(0);
            let mut aliases: Vec<String> = column.aliases[1..].to_vec();
            aliases.push(label.to_string());
            let quoted: Vec<String> = aliases.iter().map(|a| format!("\"{a}\"")).collect();
            println!(
                "      {} 列“{label}”像是它；要读入，请在流水线该列写上：",
                column_letters(origin.1 + at as u32)
            );
            println!("      aliases = [{}]", quoted.join(", "));
        }
    }
}

/// Runs of rows skipped for one reason, as "rows 13–41 (空行)".
fn skipped_runs(
    classes: &[Option<SkipReason>],
    origin: (u32, u32),
    header: &Header,
) -> Vec<String> {
    // Runs of rows skipped for one reason, as "rows 13–41 (空行)".
    let mut runs: Vec<(usize, usize, &str)> = Vec::new();
    for (i, class) in classes.iter().enumerate() {
        let Some(reason) = class else { continue };
        let row = origin.0 as usize + header.first_data_row() + i + 1;
        match runs.last_mut() {
            Some((_, last, label)) if *last + 1 == row && *label == reason.label() => *last = row,
            _ => runs.push((row, row, reason.label())),
        }
    }
    runs.iter()
        .map(|(first, last, label)| match first == last {
            true => format!("第 {first} 行（{label}）"),
            false => format!("第 {first}–{last} 行（{label}）"),
        })
        .collect()
}

/// Without a pipeline: the row among the first 12 with the most text cells.
fn guess_header(range: &Range<Data>) -> Option<Header> {
    let mut best: Option<(usize, usize)> = None;
    for (r, row) in range.rows().take(12).enumerate() {
        let texts = row.iter().filter(|c| matches!(c, Data::String(s) if !s.trim().is_empty() && cell::parse_number(c).is_err())).count();
        if texts >= 2 && texts > best.map(|b| b.1).unwrap_or(0) {
            best = Some((r, texts));
        }
    }
    let (row, _) = best?;
    let labels = (0..range.width())
        .map(|c| {
            range
                .get((row, c))
                .map(display_text)
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect();
    Some(Header {
        row,
        height: 1,
        labels,
        mapping: Vec::new(),
    })
}

/// The narrowest type every non-empty value parses as.
fn infer_type(range: &Range<Data>, rows: &[usize], column: usize) -> (&'static str, usize) {
    let cells: Vec<&Data> = rows
        .iter()
        .filter_map(|&r| range.get((r, column)))
        .filter(|c| !is_blank(c))
        .collect();
    let all = |f: &dyn Fn(&Data) -> bool| !cells.is_empty() && cells.iter().all(|c| f(c));
    let kind = if cells.is_empty() {
        "empty"
    } else if all(&|c| {
        matches!(c, Data::DateTime(_) | Data::DateTimeIso(_))
            || (matches!(c, Data::String(_))
                && cell::parse_date(c, cell::DateSystem::Excel1900).is_ok())
    }) {
        "date"
    } else if all(&|c| cell::parse_int(c).is_ok()) {
        "int"
    } else if all(&|c| cell::parse_number(c).is_ok()) {
        "number"
    } else if all(&|c| cell::parse_bool(c).is_ok()) {
        "bool"
    } else {
        "text"
    };
    (kind, cells.len())
}
