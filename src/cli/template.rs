//! `laborstat template PIPELINE --source ID [--submitter CODE] [--out F.xlsx]`: the ledger a
//! township fills in, made from the pipeline (`report::template`).

use std::path::PathBuf;

use clap::Args;

use super::{load_plan, ExitStatus, PipelineArgs};
use ingest::roster::Roster;
use report::template::{write_template, TemplateFor};

#[derive(Debug, Args)]
pub struct TemplateArgs {
    #[command(flatten)]
    pub pipeline: PipelineArgs,
    /// 台账（来源）的 id，如 cases
    #[arg(long)]
    pub source: String,
    /// 填报单位在名单中的代码：模板的“填报单位”一行填好它的名称，文件名带上代码和名称
    #[arg(long)]
    pub submitter: Option<String>,
    /// 写到哪个文件（默认：报表旁的 templates/ 文件夹）
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn template(args: TemplateArgs) -> anyhow::Result<ExitStatus> {
    let Some(plan) = load_plan(&args.pipeline, None, None)? else {
        return Ok(ExitStatus::Error);
    };
    let Some(source) = plan.sources.iter().find(|s| s.id == args.source) else {
        let ids: Vec<&str> = plan.sources.iter().map(|s| s.id.as_str()).collect();
        eprintln!(
            "错误：流水线中没有台账“{}”；有：{}",
            args.source,
            ids.join("、")
        );
        return Ok(ExitStatus::Error);
    };
    let roster = Roster::load(&plan.roster, &plan.period).map_err(anyhow::Error::msg)?;
    let entry = match &args.submitter {
        None => None,
        Some(code) => match roster.get(code) {
            Some(entry) => Some(entry),
            None => {
                eprintln!(
                    "错误：名单中没有代码为 {code} 的单位（{}的名单）",
                    plan.period
                );
                return Ok(ExitStatus::Error);
            }
        },
    };
    let name = match entry {
        Some(e) => format!("{}-{}-{}.xlsx", e.code, e.name, source.title),
        None => format!("{}.xlsx", source.title),
    };
    let out = args.out.clone().unwrap_or_else(|| {
        plan.output
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("templates")
            .join(name)
    });
    let who = TemplateFor {
        code: entry.map(|e| e.code.as_str()),
        name: entry.map(|e| e.name.as_str()),
    };
    write_template(&plan, source, &who, &out)?;
    println!(
        "laborstat template：{}的填报模板 → {}",
        source.title,
        out.display()
    );
    Ok(ExitStatus::Success)
}
