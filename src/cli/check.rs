//! `laborstat check PIPELINE`: compile the pipeline file and list every error in it.

use std::path::Path;

use super::{CheckArgs, ExitStatus};
use pipeline::{self, Diagnostic, LoadError, Overrides};

pub fn check(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    match pipeline::load(&args.pipeline, &Overrides::default()) {
        Ok(plan) => {
            let mut extra = String::new();
            if !plan.charts.is_empty() {
                extra.push_str(&format!(", {} chart(s)", plan.charts.len()));
            }
            if !plan.lists.is_empty() {
                extra.push_str(&format!(", {} list sheet(s)", plan.lists.len()));
            }
            println!(
                "{}: ok — {} source(s), {} measure(s), {} indicator(s), {} report sheet(s){extra}",
                args.pipeline.display(),
                plan.sources.len(),
                plan.measures.len(),
                plan.indicators.len(),
                plan.sheets.len()
            );
            Ok(ExitStatus::Success)
        }
        Err(LoadError::Invalid { file, diagnostics }) => {
            print_diagnostics(&file, &diagnostics);
            Ok(ExitStatus::Error)
        }
        Err(e) => Err(e.into()),
    }
}

/// One line per diagnostic, then a count: `file:line:col: error: message`.
pub fn print_diagnostics(file: &Path, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!(
            "{}:{}:{}: error: {}",
            d.file.display(),
            d.line,
            d.column,
            d.message
        );
    }
    eprintln!("{}: {} error(s)", file.display(), diagnostics.len());
}
