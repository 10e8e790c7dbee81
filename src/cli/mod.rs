//! The command line: one file per subcommand, each returning an [`ExitStatus`]. The only
//! module that prints; errors are printed once, with their cause chain, by [`report_error`].

mod check;
mod explain;
mod inspect;
mod phases;
mod query;
mod run;
mod serve;
mod summary;
mod template;
mod users;
mod validate;
pub mod words;

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
    about = "劳动保障监察统计：街道乡镇的台账 → 校验后的数据 → 规范的 Excel 报表"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 读入各单位报送的文件，计算指标，写出 Excel 报表（并存入存储）
    Run(RunArgs),
    /// 只读入并校验文件，写出问题清单和反馈表；有错误时退出码为 1
    Validate(ValidateArgs),
    /// 检查流水线文件，列出其中每一处错误（有错误时退出码为 2）
    Check(CheckArgs),
    /// 查看一个表格文件：工作表、识别出的表头、各列类型和会被跳过的行
    Inspect(inspect::InspectArgs),
    /// 对已存入的报告期做 SQL 查询：各台账（按 id）、results（报表所印数字）、measures、files
    Query(query::QueryArgs),
    /// 列出 query 可用的表：列、类型、各报告期的行数、各版本
    Tables(query::TablesArgs),
    /// 报表中一个数字的来历：公式、时段、单位以及背后的每一行
    Explain(explain::ExplainArgs),
    /// 生成一个台账的填报模板（表头、下拉列表、数据验证、填报说明），发给街道乡镇填写。
    Template(template::TemplateArgs),
    /// 启动网页：街道乡镇在浏览器中报送台账、查看回执；区县查看报送情况、运行报表、下载
    Serve(serve::ServeArgs),
    /// 管理网页的账户（街道乡镇和区县），密码以 Argon2 散列保存
    Users(users::UsersArgs),
}

/// Settings that replace the pipeline file's own.
#[derive(Debug, Args, Clone, Default)]
pub struct PipelineArgs {
    /// 流水线文件（TOML）
    pub pipeline: PathBuf,
    /// 报告期：2024、2024H1、2024Q3 或 2024-11（默认为文件中的 period）；run 还可以给一个
    /// 范围，如 2024-01..2024-11：逐期运行
    #[arg(long)]
    pub period: Option<String>,
    /// 数据文件夹（默认为文件中的 data）
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// 存储的文件夹（默认为文件中的 store，否则为报表旁的 store）
    #[arg(long, conflicts_with = "no_store")]
    pub store: Option<PathBuf>,
    /// 不读存储中的往期，也不存入本期
    #[arg(long)]
    pub no_store: bool,
    /// 本次运行改用的流水线设置，写成 名称=值（如 --set closure_denominator=filed）；可给多个
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
            "“{text}”不是 名称=值 的写法（例如 closure_denominator=filed）"
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
    /// 报表写到哪里（默认为文件中的 output）
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 只显示错误
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
    /// text：给人看；json：每条问题一行
    #[arg(long, default_value = "text")]
    pub format: OutputFormat,
    /// 有警告时也以退出码 1 结束
    #[arg(long)]
    pub deny_warnings: bool,
    /// 问题清单和反馈表写到哪个文件夹（默认在报表旁）
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
    /// 流水线文件（TOML）
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
        Command::Serve(args) => serve::serve(args),
        Command::Users(args) => users::users(args),
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
    eprintln!("错误：{error}");
    for cause in error.chain().skip(1) {
        eprintln!("  原因：{cause}");
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
