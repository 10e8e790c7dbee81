//! `laborstat run PIPELINE`: ingest, compute, write the report, print a one-screen summary.

use std::time::Instant;

use anyhow::Context;

use super::summary::{completeness_lines, file_and_row_lines, print_findings, severity_counts};
use super::{load_plan, read_and_validate, ExitStatus, RunArgs, Validated};
use crate::report::format::text;

pub fn run(args: RunArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let Some(plan) = load_plan(&args.pipeline, args.out.clone(), None)? else {
        return Ok(ExitStatus::Error);
    };
    let Validated {
        data,
        results,
        completeness,
    } = read_and_validate(&plan, args.quiet)?;
    let outputs = crate::report::findings::write_findings_outputs(&plan, &data, &completeness)?;
    crate::report::write_report(&plan, &results, &data, &plan.output)
        .with_context(|| format!("writing {}", plan.output.display()))?;

    if !args.quiet {
        let (errors, warnings) = severity_counts(&data.findings);
        print_findings(&data.findings, &data.roster, 10);
        println!(
            "laborstat run: {} — {}",
            plan.expand(&plan.title),
            plan.period.label()
        );
        for line in file_and_row_lines(&plan, &data.files) {
            println!("{line}");
        }
        println!("  findings  {errors} error(s), {warnings} warning(s); rows with errors are excluded from every figure");
        for line in completeness_lines(&completeness) {
            println!("  roster    {line}");
        }
        if let Some(sheet) = plan.sheets.first() {
            let total = results.total();
            let headline: Vec<String> = sheet
                .columns
                .iter()
                .take(8)
                .map(|c| {
                    let label = c.header.last().cloned().unwrap_or_default();
                    format!(
                        "{label} {}",
                        text(
                            total.indicators.get(&c.indicator).copied().flatten(),
                            c.display
                        )
                    )
                })
                .collect();
            println!("  合计      {}", headline.join(" · "));
        }
        println!("  output    {}", plan.output.display());
        println!("  问题清单  {}", outputs.list.display());
        if let Some(first) = outputs.feedback.first() {
            let folder = first
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            println!(
                "  feedback  {} workbook(s) to send back, in {folder}",
                outputs.feedback.len()
            );
        }
        println!("  time      {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(ExitStatus::Success)
}
