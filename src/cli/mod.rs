//! The command line: one file per subcommand, each returning an [`ExitStatus`]. The only
//! module that prints; errors are printed once, with their cause chain, by [`report_error`].

mod check;
mod explain;
mod inspect;
mod phases;
mod query;
mod run;
mod summary;
mod template;
mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 0: done, nothing wrong. 1: done, but the data has error findings (validate). 2: could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Findings,
    Error,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(match status {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        })
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "laborstat",
    version,
    about = "劳动保障监察统计: township ledgers → validated tables → official Excel reports"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the pipeline's files, compute its indicators and write the Excel report.
    Run(RunArgs),
    /// Read and validate the files only: exit 1 when there are error findings.
    Validate(ValidateArgs),
    /// Check a pipeline file and report every error in it (exit 2 if any).
    Check(CheckArgs),
    /// Show a spreadsheet's sheets, detected header, column types and the rows that would be skipped.
    Inspect(inspect::InspectArgs),
    /// SQL over the pipeline's stored periods: sources by id, `results`, `files`.
    Query(query::QueryArgs),
    /// The tables `query` can name: columns, types, rows per stored period.
    Tables(query::TablesArgs),
    /// Where a number of the report came from: formula, window, submitter and its rows.
    Explain(explain::ExplainArgs),
    /// 生成一个台账的填报模板（表头、下拉列表、数据验证、填报说明），发给街道乡镇填写。
    Template(template::TemplateArgs),
}

/// Settings that replace the pipeline file's own.
#[derive(Debug, Args, Clone, Default)]
pub struct PipelineArgs {
    /// The pipeline file (TOML).
    pub pipeline: PathBuf,
    /// Report period: 2024, 2024H1, 2024Q3 or 2024-11 (default: the file's `period`); `run`
    /// also takes a range, 2024-01..2024-11: one run per period, in order.
    #[arg(long)]
    pub period: Option<String>,
    /// Folder the source globs are relative to (default: the file's `data`).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The store of periods kept between runs (default: the file's `store`, else `store`
    /// beside the report).
    #[arg(long, conflicts_with = "no_store")]
    pub store: Option<PathBuf>,
    /// Neither read earlier periods from a store nor keep this one.
    #[arg(long)]
    pub no_store: bool,
    /// A setting of the pipeline for this run instead of the file's value, as
    /// NAME=VALUE (`--set closure_denominator=filed`); may be given more than once.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_setting)]
    pub set: Vec<(String, String)>,
}

/// `NAME=VALUE` of `--set`.
fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!(
            "`{text}` is not NAME=VALUE (for example closure_denominator=filed)"
        )),
    }
}

impl PipelineArgs {
    fn overrides(
        &self,
        output: Option<PathBuf>,
        output_dir: Option<PathBuf>,
    ) -> pipeline::Overrides {
        pipeline::Overrides {
            period: self.period.clone(),
            data_dir: self.data.clone(),
            output,
            output_dir,
            store: self.store.clone(),
            no_store: self.no_store,
            window_days: None,
            settings: self.set.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// Where to write the report (default: the file's `output`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print only errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// 按首次发布时存入的数据重新生成本期报表（存储中的第 1 版）；不读数据文件夹，不写存储。
    #[arg(long, conflicts_with = "vintage")]
    pub as_published: bool,
    /// 按存储中第 N 版的数据重新生成本期报表（`laborstat tables` 列出各版）。
    #[arg(long, value_name = "N")]
    pub vintage: Option<u32>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// `text` for people, `json` for one finding per line.
    #[arg(long, default_value = "text")]
    pub format: OutputFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Folder for the 问题清单 and feedback workbooks (default: beside the pipeline's report).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The pipeline file (TOML).
    pub pipeline: PathBuf,
}

pub fn main(cli: Cli) -> ExitStatus {
    // polars prints deprecation notices about its own internals to stderr (a `date '…'`
    // literal is cast from text inside polars-sql). They are not about the user's data or
    // pipeline, and a statistician cannot act on them.
    polars::error::set_warning_function(|_, _| {});
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Check(args) => check::check(args),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Query(args) => query::query(args),
        Command::Tables(args) => query::tables(args),
        Command::Explain(args) => explain::explain_cell(args),
        Command::Template(args) => template::template(args),
    };
    match result {
        Ok(status) => status,
        // `laborstat query … | head`: the reader has what it wanted.
        Err(error) if is_broken_pipe(&error) => ExitStatus::Success,
        Err(error) => {
            report_error(&error);
            ExitStatus::Error
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints an error and the chain of its causes.
pub fn report_error(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// Loads a pipeline, printing its diagnostics when it is invalid.
fn load_plan(
    args: &PipelineArgs,
    output: Option<PathBuf>,
    output_dir: Option<PathBuf>,
) -> anyhow::Result<Option<pipeline::Plan>> {
    match pipeline::load(&args.pipeline, &args.overrides(output, output_dir)) {
        Ok(plan) => Ok(Some(plan)),
        Err(pipeline::LoadError::Invalid { file, diagnostics }) => {
            check::print_diagnostics(&file, &diagnostics);
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
