//! The run as library functions, in the order a run goes: read → validate → compute →
//! windows and lists → carry-over → store → report. `run`, `validate`, `explain` and
//! `query`'s fallback call these; a server calls the same per request. Nothing here prints,
//! exits or reads the environment: what a command shows comes back in the return values,
//! and progress goes through [`Observer`].

use std::path::PathBuf;

use anyhow::Context;

use compute::Results;
use history::History;
use ingest::{Completeness, Ingested};
use pipeline::Plan;
use report::findings::FindingsOutputs;
use store::{Restatement, RunInfo, Store};

/// What a caller hears while a run goes: the files to read, each file read, each phase
/// ended. Every method does nothing by default.
pub trait Observer: Sync {
    /// The files found, before any is read.
    fn files_found(&self, _count: usize) {}
    /// One file read (called from the reading threads).
    fn file_read(&self) {}
    /// A phase ended: `ingest`, `validate`, `compute`, `windows`, `store`, `findings`, `report`.
    fn phase_ended(&self, _phase: &str) {}
}

/// An observer that hears nothing.
pub struct Quiet;
impl Observer for Quiet {}

/// What `run` and `validate` share: every file read, the table rules applied, measures
/// computed from the accepted rows and townships' summaries reconciled with them,
/// completeness against the roster.
pub struct Validated {
    pub data: Ingested,
    pub results: Results,
    pub completeness: Completeness,
}

/// Reads the period's files and validates them; computes the run's own figures.
pub fn read_and_validate(plan: &Plan, observer: &dyn Observer) -> anyhow::Result<Validated> {
    let files = ingest::discover(plan)?;
    observer.files_found(files.len());
    let mut data = ingest::ingest(plan, files, &|_| observer.file_read())?;
    observer.phase_ended("ingest");
    validate::validate_tables(plan, &mut data)?;
    validate::files_outside_period(plan, &mut data)?;
    observer.phase_ended("validate");
    let results = compute::compute(plan, &data)?;
    let reconciled = validate::reconcile_summaries(plan, &data, &results)?;
    data.findings.extend(reconciled);
    let completeness = ingest::completeness(plan, &data);
    observer.phase_ended("compute");
    Ok(Validated {
        data,
        results,
        completeness,
    })
}

/// What one period's run produced, for the caller to show.
pub struct RunOutput {
    pub data: Ingested,
    pub results: Results,
    pub completeness: Completeness,
    /// The store's folder of this pipeline, when the run kept its period there.
    pub store: Option<PathBuf>,
    /// What replacing a stored period changed (`None`: first stored, or no store).
    pub restatement: Option<Restatement>,
    /// The 问题清单, its CSV and the feedback workbooks written.
    pub findings_outputs: FindingsOutputs,
    /// The report written.
    pub report: PathBuf,
}

/// One period: read, validate, compute (windows and lists over the store's earlier
/// periods), check carried stocks, keep the period in the store, write the 问题清单 and the
/// report. Earlier periods are read and this one kept under one lock: no other run changes
/// the store between the two.
pub fn run(plan: &Plan, observer: &dyn Observer) -> anyhow::Result<RunOutput> {
    let Validated {
        mut data,
        mut results,
        completeness,
    } = read_and_validate(plan, observer)?;
    let store = plan.store.as_ref().map(|dir| Store::new(dir, &plan.name));
    let _lock = store.as_ref().map(Store::lock).transpose()?;
    let run = store
        .as_ref()
        .map(|store| {
            let mut run = RunInfo::new(plan, &data)?;
            run.confirmations = store.confirmations(&plan.period)?;
            Ok::<_, store::StoreError>(run)
        })
        .transpose()?;
    // Each file a township confirmed as it is now: said in the report's 数据来源 too.
    if let Some(run) = &run {
        for file in &mut data.files {
            file.confirmed = store::Confirmation::of_report(file, run)
                .map(|c| format!("{}，{}", c.name, c.time));
        }
    }
    let pipeline_sha256 = run.as_ref().map(|r| r.pipeline_sha256.as_str());
    let history = store.as_ref().map(|s| s as &dyn History);
    results.windows =
        compute::windows::window_figures(plan, &data, &results.rows, history, pipeline_sha256)?;
    if let Some(history) = history {
        let moved = validate::carry_over::check_carry_over(plan, &data, &results, history)?;
        data.findings.extend(moved);
    }
    let questioned = validate::plausibility::review(plan, &data, &results);
    data.findings.extend(questioned);
    // The figures the tables print, for the lists that read them and for the store.
    let printed = report::printed::printed_figures(plan, &results, &data);
    results.lists = compute::lists::list_rows(plan, &data, history, &printed)?;
    observer.phase_ended("windows");
    let restatement = match (&store, &run) {
        (Some(store), Some(run)) => store.write_period(plan, &data, &results, &printed, run)?,
        _ => None,
    };
    // The same files and pipeline stored again is a re-run, not a restatement.
    if let Some(r) = restatement
        .as_ref()
        .filter(|r| !(r.identical_inputs && r.is_empty()))
    {
        results.windows.restated.push(format!(
            "本期为重报：{}的数据曾于{}存入，已由本次替换",
            plan.period, r.replaced_written_at
        ));
    }
    observer.phase_ended("store");
    let findings_outputs = report::findings::write_findings_outputs(plan, &data, &completeness)?;
    observer.phase_ended("findings");
    report::write_report(plan, &results, &data, &plan.output)
        .with_context(|| format!("写出报表 {}", plan.output.display()))?;
    observer.phase_ended("report");
    Ok(RunOutput {
        data,
        results,
        completeness,
        store: store.map(|s| s.root().to_path_buf()),
        restatement,
        findings_outputs,
        report: plan.output.clone(),
    })
}

/// A stored period as its report was computed: the rows the store holds for it (of the
/// vintage `store` was opened at), each file its manifest lists, the figures computed from
/// them again. `None` when the store does not hold the period.
pub fn read_stored(plan: &Plan, store: &Store) -> anyhow::Result<Option<Validated>> {
    let Some(data) = store.ingested(plan)? else {
        return Ok(None);
    };
    let results = compute::compute(plan, &data)?;
    let completeness = ingest::completeness(plan, &data);
    Ok(Some(Validated {
        data,
        results,
        completeness,
    }))
}

/// What making a stored vintage's report again produced.
pub struct Republished {
    pub vintage: u32,
    pub report: PathBuf,
    pub results: Results,
    pub data: Ingested,
    /// Figures the report made now prints otherwise than the vintage's stored ones (an
    /// earlier period its windows read was restated since): sheet, row, column, then, now.
    pub differs_from_stored: Vec<store::restatement::MovedFigure>,
}

/// The report of a stored vintage of the period, made again from the rows it was computed
/// from (windows over the store's earlier periods as they are now) and written to `output`;
/// nothing is stored. Each printed figure is compared with the one the vintage stored.
pub fn republish(
    plan: &Plan,
    store: &Store,
    vintage: u32,
    output: &std::path::Path,
    observer: &dyn Observer,
) -> anyhow::Result<Option<Republished>> {
    let store = store.at_vintage(&plan.period, vintage)?;
    let Some(Validated {
        data, mut results, ..
    }) = read_stored(plan, &store)?
    else {
        return Ok(None);
    };
    observer.phase_ended("ingest");
    let history = &store as &dyn History;
    let sha = store
        .manifest(&plan.sources[0].id, &plan.period)?
        .map(|m| m.pipeline_sha256);
    results.windows = compute::windows::window_figures(
        plan,
        &data,
        &results.rows,
        Some(history),
        sha.as_deref(),
    )?;
    let printed = report::printed::printed_figures(plan, &results, &data);
    results.lists = compute::lists::list_rows(plan, &data, Some(history), &printed)?;
    observer.phase_ended("windows");
    let differs_from_stored = match store.read_printed(&plan.period)? {
        Some(stored) => {
            store::restatement::compare_printed(&stored, &store::printed_frame(&printed)?)?
        }
        None => Vec::new(),
    };
    results.windows.restated.push(format!(
        "本表按{}第{vintage}版存入的数据重新生成",
        plan.period
    ));
    report::write_report(plan, &results, &data, output)
        .with_context(|| format!("写出报表 {}", output.display()))?;
    observer.phase_ended("report");
    Ok(Some(Republished {
        vintage,
        report: output.to_path_buf(),
        results,
        data,
        differs_from_stored,
    }))
}

/// `validate`: read and validate, run the plausibility reviews (reading the store's earlier
/// periods for those that compare with them), write the 问题清单 and the feedback
/// workbooks; nothing is stored, no report.
pub fn validate(
    plan: &Plan,
    observer: &dyn Observer,
) -> anyhow::Result<(Validated, FindingsOutputs)> {
    let mut validated = read_and_validate(plan, observer)?;
    if plan.plausibility_bases().next().is_some() {
        // Read only: a store not made yet is not made by a validation.
        let store = plan
            .store
            .as_ref()
            .map(|dir| Store::new(dir, &plan.name))
            .filter(|s| s.root().exists());
        let _lock = store.as_ref().map(Store::lock).transpose()?;
        let history = store.as_ref().map(|s| s as &dyn History);
        let sha = store
            .as_ref()
            .map(|_| store::pipeline_sha256(plan))
            .transpose()?;
        validated.results.windows = compute::windows::window_figures(
            plan,
            &validated.data,
            &validated.results.rows,
            history,
            sha.as_deref(),
        )?;
    }
    let questioned = validate::plausibility::review(plan, &validated.data, &validated.results);
    validated.data.findings.extend(questioned);
    let outputs =
        report::findings::write_findings_outputs(plan, &validated.data, &validated.completeness)?;
    observer.phase_ended("findings");
    Ok((validated, outputs))
}
