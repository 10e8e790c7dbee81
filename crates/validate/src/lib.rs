//! Validation over whole tables, after ingest: each broken rule a [`finding::Finding`]
//! at its cell. Table rules (`table.rs`: unique, check, reference) run once every file is
//! in; error findings exclude their row from every measure, warnings keep it. Cell rules
//! (range, allowed, pattern, length, identifiers) are in [`rules`], run by ingest
//! while each sheet is read. `summary.rs` compares townships' own summary tables with the measures of their ledgers
//! (`[[reconcile]]`), after compute. `period.rs` tells the files of a source without a
//! period column none of whose rows is dated in the period. `carry_over.rs` compares a stock
//! at the period's start with the stock at the end of the period before, as stored then.
//! `plausibility.rs` runs the `[[plausibility]]` reviews (合理性审核) over the figures.

pub mod carry_over;
pub mod period;
pub mod plausibility;
pub mod summary;
pub mod table;

pub use period::files_outside_period;
pub use summary::reconcile_summaries;
pub use table::validate_tables;

#[derive(Debug, thiserror::Error)]
// polars' own text stays out of the message; `check` dry-runs every row check.
#[error("台账“{source_id}”按规则“{rule}”校验时出错；请先用 laborstat check 检查流水线文件，若检查通过，请报告给维护人员")]
pub struct ValidateError {
    source_id: String,
    rule: String,
    error: polars::prelude::PolarsError,
}
