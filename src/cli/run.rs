//! `laborstat run PIPELINE`: ingest, compute, write the report, print a one-screen summary;
//! with `--period 2024-01..2024-11`, one run per period, in order.

use std::time::Instant;

use super::summary::{labelled, print_account, print_findings, print_findings_outputs};
use super::{load_plan, ExitStatus, RunArgs};
use crate::engine::RunOutput;
use figure::text;
use pipeline::{Period, Plan};
use store::Restatement;

pub fn run(args: RunArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let range = args.pipeline.period.as_deref().filter(|p| p.contains(".."));
    let vintage = args.vintage.or(args.as_published.then_some(1));
    if let (Some(_), Some(range)) = (vintage, range) {
        eprintln!("错误：--period {range}：重新生成某一版报表时只能给一个报告期");
        return Ok(ExitStatus::Error);
    }
    let Some(range) = range else {
        let Some(plan) = load_plan(&args.pipeline, args.out.clone(), None)? else {
            return Ok(ExitStatus::Error);
        };
        if let Some(vintage) = vintage {
            return republish(&plan, vintage, args.out.is_some(), args.quiet);
        }
        return run_plan(&plan, args.quiet, started);
    };
    let periods = match Period::parse_range(range) {
        Ok(periods) => periods,
        Err(message) => {
            eprintln!("错误：--period：{message}");
            return Ok(ExitStatus::Error);
        }
    };
    if args.out.is_some() {
        eprintln!("错误：--out 只是一个文件，而 --period {range} 每期写一份报表；请不要给 --out，并在流水线的 output 中写上 {{period}}");
        return Ok(ExitStatus::Error);
    }
    // Every period's plan first: a mistake in the file, or an output path that each period
    // would overwrite, is found before any report is written.
    let mut plans: Vec<Plan> = Vec::new();
    for period in &periods {
        let mut one = args.pipeline.clone();
        one.period = Some(period.to_string());
        let Some(plan) = load_plan(&one, None, None)? else {
            return Ok(ExitStatus::Error);
        };
        if let Some(earlier) = plans.iter().find(|p| p.output == plan.output) {
            eprintln!(
                "错误：--period {range}：{} 和 {} 都会写到 {}；请在流水线的 output 中写上 {{period}}",
                earlier.period,
                plan.period,
                plan.output.display()
            );
            return Ok(ExitStatus::Error);
        }
        plans.push(plan);
    }
    // In order, each as a run of its own: a later period may build on an earlier one.
    let mut status = ExitStatus::Success;
    for plan in &plans {
        let one = run_plan(plan, args.quiet, Instant::now())?;
        if one != ExitStatus::Success {
            status = one;
        }
    }
    if !args.quiet {
        println!(
            "laborstat 汇总：{} 个报告期，{} 至 {}，用时 {:.2} 秒",
            plans.len(),
            periods[0],
            periods[periods.len() - 1],
            started.elapsed().as_secs_f64()
        );
    }
    Ok(status)
}

/// A stored vintage's report made again (`--as-published`, `--vintage N`): written beside
/// the report as `<name>（第N版）.xlsx` unless `--out` names the file.
fn republish(
    plan: &Plan,
    vintage: u32,
    out_given: bool,
    quiet: bool,
) -> anyhow::Result<ExitStatus> {
    let Some(dir) = &plan.store else {
        eprintln!("错误：--no-store：重新生成已发布的报表要用存储中的数据");
        return Ok(ExitStatus::Error);
    };
    let store = store::Store::new(dir, &plan.name);
    let output = match out_given {
        true => plan.output.clone(),
        false => {
            let stem = plan
                .output
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy();
            plan.output
                .with_file_name(format!("{stem}（第{vintage}版）.xlsx"))
        }
    };
    let terminal = super::phases::Terminal::new(quiet);
    let republished = match crate::engine::republish(plan, &store, vintage, &output, &terminal) {
        Ok(Some(r)) => r,
        Ok(None) => {
            eprintln!(
                "错误：存储 {} 中没有{}的数据",
                store.root().display(),
                plan.period
            );
            return Ok(ExitStatus::Error);
        }
        Err(e) => match e.downcast_ref::<store::StoreError>() {
            Some(e @ store::StoreError::NoVintage { .. }) => {
                eprintln!("错误：{e}");
                return Ok(ExitStatus::Error);
            }
            _ => return Err(e),
        },
    };
    if !quiet {
        println!(
            "laborstat 汇总：{}第{}版，按存入的 {} 行重新生成",
            plan.period,
            republished.vintage,
            republished
                .data
                .tables
                .iter()
                .map(|t| t.height())
                .sum::<usize>()
        );
        if republished.differs_from_stored.is_empty() {
            println!("{}", labelled("核对", "所印的每个数字与该版存入的相同"));
        } else {
            println!(
                "{}",
                labelled(
                    "核对",
                    &format!(
                        "{} 个数字与该版存入时不同（其后重报了它读取的更早的报告期）：",
                        republished.differs_from_stored.len()
                    )
                )
            );
            print_moved(&republished.differs_from_stored);
        }
        println!(
            "{}",
            labelled("报表", &republished.report.display().to_string())
        );
    }
    Ok(ExitStatus::Success)
}

/// One period: the engine's run, then the summary.
fn run_plan(plan: &Plan, quiet: bool, started: Instant) -> anyhow::Result<ExitStatus> {
    let RunOutput {
        data,
        results,
        completeness,
        store,
        restatement,
        findings_outputs: outputs,
        ..
    } = crate::engine::run(plan, &super::phases::Terminal::new(quiet))?;
    if !quiet {
        print_findings(&data.findings, &data.roster, 10);
        print_account("run", plan, &data, &completeness);
        if let Some(sheet) = plan.sheets.first() {
            let total = results.total();
            let headline: Vec<String> = sheet
                .columns
                .iter()
                .take(8)
                .map(|c| {
                    let label = c.header.last().cloned().unwrap_or_default();
                    let value = results.shown_value(plan, c, total);
                    format!("{label} {}", text(value, c.display))
                })
                .collect();
            println!("{}", labelled("合计", &headline.join(" · ")));
        }
        // The headline sentences, as the 主要指标 sheet has them, to paste.
        for sentence in plan.headline.iter().flat_map(|h| &h.sentences) {
            let filled = report::headline::fill_sentence(plan, &results, sentence);
            println!("{}", labelled("主要情况", &filled));
        }
        println!("{}", labelled("报表", &plan.output.display().to_string()));
        if let Some(store) = &store {
            println!(
                "{}",
                labelled(
                    "存储",
                    &format!("{}（period={}）", store.display(), plan.period)
                )
            );
        }
        if let Some(r) = &restatement {
            print_restatement(r);
        }
        print_findings_outputs(&outputs);
        println!(
            "{}",
            labelled(
                "用时",
                &format!("{:.2} 秒", started.elapsed().as_secs_f64())
            )
        );
    }
    Ok(ExitStatus::Success)
}

/// What a re-run of a stored period changed, per submitter; "no change" when nothing did.
fn print_restatement(r: &Restatement) {
    if r.identical_inputs && r.is_empty() {
        println!(
            "{}",
            labelled(
                "重新运行",
                &format!(
                    "{}：文件（SHA-256）和流水线与 {} 存入时相同，所印数字也相同，不是重报",
                    r.period, r.replaced_written_at
                )
            )
        );
        return;
    }
    println!(
        "{}",
        labelled(
            "重报",
            &format!(
                "{} 替换 {} 存入的数据（旧版保留为一个版本）",
                r.period, r.replaced_written_at
            )
        )
    );
    if r.is_empty() {
        println!("{}", labelled("", "记录和所印数字都没有变化"));
        return;
    }
    if r.identical_inputs {
        println!(
            "{}",
            labelled(
                "",
                "文件和流水线未变，但它读取的更早报告期已重报，以下所印数字有变："
            )
        );
    }
    let examples = |c: &store::restatement::Changes| match c.examples.len() {
        0 => String::new(),
        _ if c.count > c.examples.len() => format!("：{}…", c.examples.join("、")),
        _ => format!("：{}", c.examples.join("、")),
    };
    for source in &r.sources {
        for s in &source.submitters {
            let mut parts = Vec::new();
            for (what, c) in [
                ("新增", &s.added),
                ("删除", &s.removed),
                ("修改", &s.changed),
            ] {
                if c.count > 0 {
                    parts.push(format!("{what} {} 条{}", c.count, examples(c)));
                }
            }
            println!(
                "            {} {}：{}",
                source.source,
                s.submitter,
                parts.join("；")
            );
        }
    }
    print_moved(&r.moved);
}

/// Printed figures that moved, sheet by sheet, in the order the report prints them.
fn print_moved(moved: &[store::restatement::MovedFigure]) {
    let mut sheet = "";
    for m in moved {
        if m.sheet != sheet {
            sheet = &m.sheet;
            println!("            {sheet}：");
        }
        let shown = |v: Option<f64>| match (v, m.unit.as_str()) {
            (None, _) => "—".to_string(),
            (Some(v), "比率") => format!("{:.2}%", v * 100.0),
            (Some(v), "计数") => format!("{v}"),
            (Some(v), _) => format!("{v:.2}"),
        };
        println!(
            "              {} {}：{} → {}",
            m.row,
            m.column,
            shown(m.before),
            shown(m.after)
        );
    }
}
