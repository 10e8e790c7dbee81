//! Validation: the pipeline's rules, each broken one a [`crate::finding::Finding`] at its
//! cell. Cell rules (`cell.rs`: range, allowed, pattern, length, identifiers) run inside
//! ingest while each sheet is read; table rules (`table.rs`: unique, check, reference) run
//! once every file is in. Error findings exclude their row from every measure; warnings keep it.
//! `identifiers.rs` holds the check-digit arithmetic of 统一社会信用代码 and 身份证号.
//! `summary.rs` compares townships' own summary tables with the measures of their ledgers
//! (`[[reconcile]]`), after compute.

pub mod cell;
pub mod identifiers;
pub mod summary;
pub mod table;

pub use summary::reconcile_summaries;
pub use table::validate_tables;

#[derive(Debug, thiserror::Error)]
#[error("validating source `{source_id}` with rule `{rule}`: {error}")]
pub struct ValidateError {
    source_id: String,
    rule: String,
    error: polars::prelude::PolarsError,
}
