//! `laborstat validate PIPELINE`: ingest and validate only; exit 1 when there are error
//! findings (or warnings, with --deny-warnings).

use super::summary::{files_line, print_findings, progress, rows_line, severity_counts};
use super::{load_plan, ExitStatus, OutputFormat, ValidateArgs};

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitStatus> {
    let Some(plan) = load_plan(&args.pipeline, None)? else {
        return Ok(ExitStatus::Error);
    };
    let quiet = args.format == OutputFormat::Json;
    let bar = progress(crate::ingest::discover(&plan)?.len(), quiet);
    let mut data = crate::ingest::ingest(&plan, &|_| bar.inc(1))?;
    crate::validate::validate_tables(&plan, &mut data)?;
    bar.finish_and_clear();
    let (errors, warnings) = severity_counts(&data.findings);
    match args.format {
        OutputFormat::Json => {
            for finding in &data.findings {
                println!("{}", serde_json::to_string(finding)?);
            }
        }
        OutputFormat::Text => {
            print_findings(&data.findings, 20);
            println!(
                "laborstat validate: {} — {}",
                plan.title,
                plan.period.label()
            );
            println!("  files     {}", files_line(&data.files));
            println!("  rows      {}", rows_line(&data.files));
            println!("  findings  {errors} error(s), {warnings} warning(s)");
        }
    }
    let failing = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
