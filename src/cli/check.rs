//! `laborstat check PIPELINE`: compile the pipeline file and list every error in it.

use std::path::Path;

use super::{CheckArgs, ExitStatus};
use pipeline::{self, Diagnostic, LoadError, Overrides};

pub fn check(args: CheckArgs) -> anyhow::Result<ExitStatus> {
    match pipeline::load(&args.pipeline, &Overrides::default()) {
        Ok(plan) => {
            let mut extra = String::new();
            if !plan.charts.is_empty() {
                extra.push_str(&format!("、图表 {} 个", plan.charts.len()));
            }
            if !plan.lists.is_empty() {
                extra.push_str(&format!("、清单表 {} 张", plan.lists.len()));
            }
            println!(
                "{}：检查通过 — 台账 {} 个、基础指标 {} 个、计算指标 {} 个、报表工作表 {} 张{extra}",
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

/// One line per diagnostic, then a count: `file:line:col: 错误：message` (the position the
/// way editors jump to it).
pub fn print_diagnostics(file: &Path, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        eprintln!(
            "{}:{}:{}: 错误：{}",
            d.file.display(),
            d.line,
            d.column,
            d.message
        );
    }
    eprintln!(
        "{}：共 {} 处错误（每行开头是文件:行:列），改正后再运行",
        file.display(),
        diagnostics.len()
    );
}
