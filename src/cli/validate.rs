//! `laborstat validate PIPELINE`: ingest and validate only; exit 1 when there are error
//! findings (or warnings, with --deny-warnings).

use super::summary::{completeness_lines, file_and_row_lines, print_findings, severity_counts};
use super::{load_plan, read_and_validate, ExitStatus, OutputFormat, ValidateArgs, Validated};

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitStatus> {
    let Some(plan) = load_plan(&args.pipeline, None, args.out_dir.clone())? else {
        return Ok(ExitStatus::Error);
    };
    let quiet = args.format == OutputFormat::Json;
    let Validated {
        data, completeness, ..
    } = read_and_validate(&plan, quiet)?;
    let outputs = crate::report::findings::write_findings_outputs(&plan, &data, &completeness)?;
    let (errors, warnings) = severity_counts(&data.findings);
    match args.format {
        OutputFormat::Json => {
            for finding in crate::finding::in_reading_order(&data.findings) {
                println!("{}", serde_json::to_string(finding)?);
            }
        }
        OutputFormat::Text => {
            print_findings(&data.findings, &data.roster, 20);
            println!(
                "laborstat validate: {} — {}",
                plan.title,
                plan.period.label()
            );
            for line in file_and_row_lines(&plan, &data.files) {
                println!("{line}");
            }
            println!("  findings  {errors} error(s), {warnings} warning(s)");
            for line in completeness_lines(&completeness) {
                println!("  roster    {line}");
            }
            println!("  问题清单  {}", outputs.list.display());
            if !outputs.feedback.is_empty() {
                println!(
                    "  feedback  {} workbook(s) to send back",
                    outputs.feedback.len()
                );
            }
        }
    }
    let failing = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
