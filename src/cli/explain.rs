//! `laborstat explain PIPELINE 'SHEET!CELL'`: where a number of the report came from — its
//! formula, window and submitter, and the rows behind each measure (`--out` for all rows).

use std::path::PathBuf;

use clap::Args;

use super::{load_plan, ExitStatus, PipelineArgs};
use crate::explain::{explain, CellAddress, Explanation};
use query::output;
use store::Store;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// 报表中的单元格，写成 工作表!单元格：'欠薪案件及线索'!D7
    pub cell: String,
    /// 把数字背后的每一行写入这个 xlsx（每个度量和时段一个工作表）
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 解释存储中第 N 版（1 为首次发布）的数字，而不是现行版。
    #[arg(long, value_name = "N")]
    pub vintage: Option<u32>,
    /// 终端中每个度量显示的行数
    #[arg(long, default_value_t = 20)]
    pub max_rows: usize,
}

pub fn explain_cell(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let address = match CellAddress::parse(&args.cell) {
        Ok(address) => address,
        Err(e) => {
            eprintln!("错误：{e}");
            return Ok(ExitStatus::Error);
        }
    };
    if let Some(range) = args.pipeline.period.as_deref().filter(|p| p.contains("..")) {
        eprintln!("错误：--period {range}：一个单元格属于某一个报告期的报表，请只给一个报告期");
        return Ok(ExitStatus::Error);
    }
    if let Some(path) = &args.out {
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            eprintln!(
                "错误：--out {}：这些行写成 xlsx 工作簿，请把文件名写成 .xlsx",
                path.display()
            );
            return Ok(ExitStatus::Error);
        }
    }
    let Some(plan) = load_plan(&args.pipeline, None, None)? else {
        return Ok(ExitStatus::Error);
    };
    let store = plan.store.as_ref().map(|dir| Store::new(dir, &plan.name));
    let store = match (store, args.vintage) {
        (Some(store), Some(n)) => match store.at_vintage(&plan.period, n) {
            Ok(store) => Some(store),
            Err(e) => {
                eprintln!("错误：{e}");
                return Ok(ExitStatus::Error);
            }
        },
        (None, Some(_)) => {
            eprintln!("错误：--vintage 要用存储中的数据，但本次没有存储（--no-store）");
            return Ok(ExitStatus::Error);
        }
        (store, None) => store,
    };
    // The figure as published: the rows the store kept for the period (the run that wrote
    // the report); today's files only when the store does not hold it.
    let stored = match &store {
        Some(store) => crate::engine::read_stored(&plan, store)?,
        None => None,
    };
    let terminal = super::phases::Terminal::new(true);
    let today = match (&stored, args.vintage) {
        // A vintage is explained as it was stored; today's files are not its files.
        (Some(_), Some(_)) => None,
        (Some(_), None) => crate::engine::read_and_validate(&plan, &terminal).ok(),
        (None, _) => Some(crate::engine::read_and_validate(&plan, &terminal)?),
    };
    let history = store.as_ref().map(|s| s as &dyn history::History);
    let explain_over = |data: &ingest::Ingested, results: &compute::Results, sha: Option<&str>| {
        explain(&plan, data, results, history, sha, &address)
    };
    let (explanation, recomputed) = match (&stored, &store) {
        (Some(stored), Some(store)) => {
            let manifest = plan
                .sources
                .iter()
                .find_map(|s| store.manifest(&s.id, &plan.period).ok().flatten());
            let sha = manifest.as_ref().map(|m| m.pipeline_sha256.clone());
            if let Some(m) = &manifest {
                eprintln!(
                    "按存储中{}第{}版（{}存入）的数据解释：即发布报表时所用的行",
                    plan.period,
                    m.number(),
                    m.written_at
                );
            }
            let published = explain_over(&stored.data, &stored.results, sha.as_deref())?;
            // Today's files against the manifest's SHA-256: a difference is said, file by
            // file, with the figure today's files would give.
            let mut recomputed = None;
            match &today {
                None if args.vintage.is_none() => {
                    eprintln!("注意：现在的数据文件夹读不了，无法与存入时的文件核对")
                }
                None => {}
                Some(today) => {
                    let differences =
                        store::inputs_since_stored(store, &plan, &today.data)?.unwrap_or_default();
                    if !differences.is_empty() {
                        eprintln!("注意：现在的文件与存入时的不同：");
                        for difference in &differences {
                            eprintln!("  {difference}");
                        }
                        let sha = store::pipeline_sha256(&plan)?;
                        recomputed = Some(explain_over(&today.data, &today.results, Some(&sha))?);
                    }
                }
            }
            (published, recomputed)
        }
        _ => {
            let today = today.expect("read when nothing is stored");
            match &store {
                None => eprintln!(
                    "注意：没有存储，下面是按现在数据文件夹中的文件重新计算的结果，未必是已发布报告中的数字"
                ),
                Some(_) => eprintln!(
                    "注意：存储中没有{}的数据，下面是按现在的文件重新计算的结果",
                    plan.period
                ),
            }
            (explain_over(&today.data, &today.results, None)?, None)
        }
    };
    let figure = match explanation {
        Explanation::NotAFigure { address, what } => {
            println!("{address}: {what}");
            return Ok(ExitStatus::Success);
        }
        Explanation::Figure(figure) => figure,
    };
    println!("{} — {}", figure.address, figure.level);
    println!("  列        {}", figure.header);
    let shown = if figure.shown.is_empty() {
        "（空白）"
    } else {
        figure.shown.as_str()
    };
    println!("  数字      {} {shown}", figure.label);
    println!("  公式      {}", figure.formula);
    if let Some(c) = &figure.comparison {
        println!("  增减      {c}");
    }
    if let Some(Explanation::Figure(now)) = &recomputed {
        if now.shown != figure.shown {
            let shown = |s: &str| {
                if s.is_empty() {
                    "（空白）".to_string()
                } else {
                    s.to_string()
                }
            };
            println!(
                "  现在的文件  按现在的文件重新计算为 {}，与已发布的 {} 不同",
                shown(&now.shown),
                shown(&figure.shown)
            );
        }
    }
    if let Some(why) = &figure.why_empty {
        println!("  为空      {why}");
    }
    for line in &figure.excluded {
        println!("  未计入    {line}");
    }
    let mut sheets: Vec<(String, &polars::prelude::DataFrame)> = Vec::new();
    for window in &figure.windows {
        println!();
        println!("  {} → {}", window.words, window.shown);
        for term in &window.terms {
            println!();
            println!("  {} {} = {}", term.role, term.label, term.shown);
            println!("    {}", term.definition);
            println!("    {}", term.check);
            if term.rows.height() > 0 {
                for line in
                    output::render_table(&term.rows, args.max_rows, "--out rows.xlsx 可导出全部")
                        .lines()
                {
                    println!("    {line}");
                }
            }
            let window_word = window.words.split('：').next().unwrap_or("");
            sheets.push((
                format!("{window_word} {} {}", term.role, term.label),
                &term.rows,
            ));
        }
    }
    if let Some(path) = &args.out {
        output::save_xlsx_sheets(&sheets, path)?;
        println!();
        println!("  行        已写入 {}", path.display());
    }
    Ok(ExitStatus::Success)
}
