//! `laborstat validate PIPELINE`: ingest and validate only; exit 1 when there are error
//! findings (or warnings, with --deny-warnings).

use super::summary::{print_account, print_findings, print_findings_outputs, severity_counts};
use super::{load_plan, ExitStatus, OutputFormat, ValidateArgs};
use crate::engine::Validated;

pub fn validate(args: ValidateArgs) -> anyhow::Result<ExitStatus> {
    if let Some(range) = args.pipeline.period.as_deref().filter(|p| p.contains("..")) {
        eprintln!("错误：--period {range}：validate 一次只校验一个报告期；run 可以给一个范围（或逐期校验）");
        return Ok(ExitStatus::Error);
    }
    let Some(plan) = load_plan(&args.pipeline, None, args.out_dir.clone())? else {
        return Ok(ExitStatus::Error);
    };
    let quiet = args.format == OutputFormat::Json;
    let (
        Validated {
            data, completeness, ..
        },
        outputs,
    ) = crate::engine::validate(&plan, &super::phases::Terminal::new(quiet))?;
    let (errors, warnings) = severity_counts(&data.findings);
    match args.format {
        OutputFormat::Json => {
            // The full list: a systemic finding as one line per cell.
            for finding in finding::in_reading_order(&data.findings) {
                for one in finding.expanded() {
                    println!("{}", serde_json::to_string(&one)?);
                }
            }
        }
        OutputFormat::Text => {
            print_findings(&data.findings, &data.roster, 20);
            print_account("validate", &plan, &data, &completeness);
            print_findings_outputs(&outputs);
        }
    }
    let failing = errors > 0 || (args.deny_warnings && warnings > 0);
    Ok(if failing {
        ExitStatus::Findings
    } else {
        ExitStatus::Success
    })
}
