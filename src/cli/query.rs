//! `laborstat query PIPELINE "SQL"` and `laborstat tables PIPELINE`: SQL over the store's
//! validated history (or one period's spreadsheets when nothing is stored), and the tables
//! it can name.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{load_plan, ExitStatus, PipelineArgs};
use ingest::Roster;
use pipeline::{Period, Plan};
use query::{output, stored_periods, Catalog, Periods};
use store::{RunInfo, Store};

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// 查询：对流水线各表的一条 SELECT（laborstat tables 列出各表）
    pub sql: String,
    /// 所有已存入的报告期（默认为 --period，否则为流水线的报告期）
    #[arg(long, conflicts_with = "period")]
    pub all_periods: bool,
    /// table：给人看；csv 或 json（每行一个对象）：给程序
    #[arg(long, default_value = "table")]
    pub format: QueryFormat,
    /// 把结果写入文件：.xlsx、.csv 或 .parquet
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 终端中最多显示的行数
    #[arg(long, default_value_t = 100)]
    pub max_rows: usize,
    /// 读存储中该报告期的第 N 版（1 为首次发布）；要与一个 --period 同用。
    #[arg(long, value_name = "N", conflicts_with = "all_periods")]
    pub vintage: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct TablesArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// 所有已存入的报告期（默认为 --period，否则为流水线的报告期）
    #[arg(long, conflicts_with = "period")]
    pub all_periods: bool,
    /// 列出存储中该报告期第 N 版的表（1 为首次发布）。
    #[arg(long, value_name = "N", conflicts_with = "all_periods")]
    pub vintage: Option<u32>,
}

pub fn query(args: QueryArgs) -> anyhow::Result<ExitStatus> {
    if let Some(path) = &args.out {
        output::check_out_path(path)?;
    }
    let Some(catalog) = open_catalog(&args.pipeline, args.all_periods, args.vintage)? else {
        return Ok(ExitStatus::Error);
    };
    eprintln!("laborstat 查询：{}", catalog.origin.words());
    let mut frame = match catalog.run(&args.sql) {
        Ok(answer) => {
            for note in &answer.notes {
                eprintln!("laborstat 查询：{note}");
            }
            answer.frame
        }
        Err(mistake) => {
            eprintln!("错误：{mistake}");
            return Ok(ExitStatus::Error);
        }
    };
    if let Some(path) = &args.out {
        output::save(&mut frame, path)?;
        eprintln!(
            "laborstat 查询：{} 行已写入 {}",
            frame.height(),
            path.display()
        );
        return Ok(ExitStatus::Success);
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        QueryFormat::Table => write!(
            out,
            "{}",
            output::render_table(
                &frame,
                args.max_rows,
                "全部结果：--max-rows 行数、--out 文件 或 --format csv"
            )
        )?,
        QueryFormat::Csv => output::write_csv(&frame, &mut out)?,
        QueryFormat::Json => output::write_json_lines(&frame, &mut out)?,
    }
    Ok(ExitStatus::Success)
}

pub fn tables(args: TablesArgs) -> anyhow::Result<ExitStatus> {
    let Some(catalog) = open_catalog(&args.pipeline, args.all_periods, args.vintage)? else {
        return Ok(ExitStatus::Error);
    };
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let mut text = catalog.origin.words();
    text.push('\n');
    for table in &catalog.tables {
        let rows: Vec<String> = table
            .rows
            .iter()
            .map(|(period, n)| format!("{period}: {n}"))
            .collect();
        text.push_str(&format!("\n{} — {}\n", table.name, table.title));
        if rows.is_empty() {
            text.push_str("  行数      这些报告期都没有存入\n");
        } else {
            text.push_str(&format!("  行数      {}\n", rows.join(" · ")));
        }
        let widest = table
            .columns
            .iter()
            .map(|c| width(&c.name))
            .max()
            .unwrap_or(0);
        for c in &table.columns {
            let pad = " ".repeat(widest - width(&c.name));
            let label = c
                .label
                .as_deref()
                .map(|l| format!(" — {l}"))
                .unwrap_or_default();
            text.push_str(&format!("  {}{pad}  {}{label}\n", c.name, c.kind));
        }
    }
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// The tables over the periods asked for: from the store when it holds them, else from
/// the period's spreadsheets (said on stderr, as is every period asked for and not stored).
/// `None` when the pipeline file is invalid (its diagnostics are printed).
pub(super) fn open_catalog(
    args: &PipelineArgs,
    all_periods: bool,
    vintage: Option<u32>,
) -> anyhow::Result<Option<Catalog>> {
    let range = match args.period.as_deref() {
        Some(text) => match Period::parse_range(text) {
            Ok(periods) => Some(periods),
            Err(e) => {
                eprintln!("错误：--period {text}：{e}");
                return Ok(None);
            }
        },
        None => None,
    };
    // The plan is compiled for one period: a range's first.
    let mut one = args.clone();
    if let Some(periods) = &range {
        one.period = Some(periods[0].to_string());
    }
    let Some(plan) = load_plan(&one, None, None)? else {
        return Ok(None);
    };
    let wanted = match (&range, all_periods) {
        (_, true) => Periods::All,
        (Some(periods), false) => Periods::Some(periods.clone()),
        (None, false) => Periods::Some(vec![plan.period]),
    };
    let store = plan.store.as_ref().map(|dir| Store::new(dir, &plan.name));
    let store = match (store, vintage) {
        (Some(_), Some(_)) if range.as_ref().is_some_and(|r| r.len() > 1) => {
            eprintln!("错误：--vintage 指一个报告期的某一版：只给一个 --period");
            return Ok(None);
        }
        (Some(store), Some(n)) => match store.at_vintage(&plan.period, n) {
            Ok(store) => Some(store),
            Err(e) => {
                eprintln!("错误：{e}");
                return Ok(None);
            }
        },
        (None, Some(_)) => {
            eprintln!("错误：--vintage 要用存储中的数据，但本次没有存储（--no-store）");
            return Ok(None);
        }
        (store, None) => store,
    };
    if let Some(n) = store.as_ref().and_then(|s| s.reading_vintage(&plan.period)) {
        eprintln!("laborstat 查询：{}读存储中的第{n}版", plan.period);
    }
    let why = match &store {
        None => "--no-store（不用存储）".to_string(),
        Some(store) => {
            let periods = stored_periods(&plan, store, &wanted)?;
            if let Periods::Some(asked) = &wanted {
                let missing: Vec<String> = asked
                    .iter()
                    .filter(|a| !periods.iter().any(|p| p.to_string() == a.to_string()))
                    .map(Period::to_string)
                    .collect();
                if !missing.is_empty() && !periods.is_empty() {
                    eprintln!(
                        "laborstat 查询：存储中没有这些报告期，表中也就没有：{}（运行这些报告期即可存入）",
                        missing.join(", ")
                    );
                }
            }
            if !periods.is_empty() {
                let roster =
                    Roster::load(&plan.roster, &plan.period).map_err(anyhow::Error::msg)?;
                let names = |code: &str| roster.get(code).map(|s| s.name.clone());
                return Ok(Some(Catalog::from_store(&plan, store, &periods, &names)?));
            }
            match &wanted {
                Periods::All => format!("存储 {} 中还没有任何报告期", store.root().display()),
                Periods::Some(_) => {
                    format!("存储 {} 中没有{}", store.root().display(), plan.period)
                }
            }
        }
    };
    if range.as_ref().is_some_and(|r| r.len() > 1) {
        eprintln!(
            "错误：{why}，--period {} 中没有一个报告期已存入：请先运行它们（laborstat run {} --period {}）",
            args.period.as_deref().unwrap_or(""),
            args.pipeline.display(),
            args.period.as_deref().unwrap_or("")
        );
        return Ok(None);
    }
    Ok(Some(from_spreadsheets(&plan, why)?))
}

fn from_spreadsheets(plan: &Plan, why: String) -> anyhow::Result<Catalog> {
    let validated = crate::engine::read_and_validate(plan, &super::phases::Terminal::new(true))?;
    let run = RunInfo::new(plan, &validated.data)?;
    Ok(Catalog::from_run(
        plan,
        &validated.data,
        &validated.results,
        &run,
        why,
    )?)
}
