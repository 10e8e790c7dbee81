//! `laborstat run PIPELINE`: ingest, compute, write the report, print a one-screen summary.

use std::time::Instant;

use anyhow::Context;

use super::summary::{print_account, print_findings, print_findings_outputs};
use super::{load_plan, read_and_validate, ExitStatus, RunArgs, Validated};
use crate::figure::text;

pub fn run(args: RunArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let mut phases = super::phases::Phases::start();
    let Some(plan) = load_plan(&args.pipeline, args.out.clone(), None)? else {
        return Ok(ExitStatus::Error);
    };
    let Validated {
        data,
        results,
        completeness,
    } = read_and_validate(&plan, args.quiet, &mut phases)?;
    let outputs = crate::report::findings::write_findings_outputs(&plan, &data, &completeness)?;
    phases.mark("findings");
    crate::report::write_report(&plan, &results, &data, &plan.output)
        .with_context(|| format!("writing {}", plan.output.display()))?;
    phases.mark("report");

    if !args.quiet {
        print_findings(&data.findings, &data.roster, 10);
        print_account("run", &plan, &data, &completeness);
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
        print_findings_outputs(&outputs);
        println!("  time      {:.2} s", started.elapsed().as_secs_f64());
    }
    Ok(ExitStatus::Success)
}
