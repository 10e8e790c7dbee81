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
    /// The report cell, as SHEET!CELL: '欠薪案件及线索'!D7
    pub cell: String,
    /// Write every row behind the figure to this xlsx, one sheet per measure and window.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Rows shown per measure in the terminal.
    #[arg(long, default_value_t = 20)]
    pub max_rows: usize,
}

pub fn explain_cell(args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let address = match CellAddress::parse(&args.cell) {
        Ok(address) => address,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitStatus::Error);
        }
    };
    if let Some(range) = args.pipeline.period.as_deref().filter(|p| p.contains("..")) {
        eprintln!(
            "error: --period {range}: a cell belongs to one period's report; give one period"
        );
        return Ok(ExitStatus::Error);
    }
    if let Some(path) = &args.out {
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            eprintln!(
                "error: --out {}: the rows are written as an xlsx workbook; name the file .xlsx",
                path.display()
            );
            return Ok(ExitStatus::Error);
        }
    }
    let Some(plan) = load_plan(&args.pipeline, None, None)? else {
        return Ok(ExitStatus::Error);
    };
    // The figures as `run` computes them: this period read now, earlier ones from the store.
    let validated = crate::engine::read_and_validate(&plan, &super::phases::Terminal::new(true))?;
    let (data, results) = (validated.data, validated.results);
    let store = plan.store.as_ref().map(|dir| Store::new(dir, &plan.name));
    // The figure is recomputed from the files as they are now: whether that is the figure
    // the stored run published is said, with every file that differs.
    match &store {
        None => eprintln!(
            "注意：没有存储，下面是按现在数据文件夹中的文件重新计算的结果，未必是已发布报告中的数字"
        ),
        Some(store) => match store::inputs_since_stored(store, &plan, &data)? {
            None => eprintln!(
                "注意：存储中没有{}的数据，下面是按现在的文件重新计算的结果",
                plan.period
            ),
            Some(differences) if differences.is_empty() => {}
            Some(differences) => {
                eprintln!(
                    "注意：现在的文件与{}存入（发布报告）时所用的不同，下面按现在的文件重新计算，可能与已发布的数字不同：",
                    plan.period
                );
                for difference in &differences {
                    eprintln!("  {difference}");
                }
            }
        },
    }
    let sha = match store {
        Some(_) => Some(store::pipeline_sha256(&plan)?),
        None => None,
    };
    let explanation = explain(
        &plan,
        &data,
        &results,
        store.as_ref().map(|s| s as &dyn history::History),
        sha.as_deref(),
        &address,
    )?;
    let figure = match explanation {
        Explanation::NotAFigure { address, what } => {
            println!("{address}: {what}");
            return Ok(ExitStatus::Success);
        }
        Explanation::Figure(figure) => figure,
    };
    println!("{} — {}", figure.address, figure.level);
    println!("  column    {}", figure.header);
    let shown = if figure.shown.is_empty() {
        "(blank)"
    } else {
        figure.shown.as_str()
    };
    println!("  figure    {} {shown}", figure.label);
    println!("  formula   {}", figure.formula);
    if let Some(c) = &figure.comparison {
        println!("  change    {c}");
    }
    if let Some(why) = &figure.why_empty {
        println!("  empty     {why}");
    }
    for line in &figure.excluded {
        println!("  excluded  {line}");
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
                    output::render_table(&term.rows, args.max_rows, "--out rows.xlsx for all")
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
        println!("  rows      written to {}", path.display());
    }
    Ok(ExitStatus::Success)
}
