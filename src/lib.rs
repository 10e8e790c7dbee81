//! laborstat: a statistical reporting and data-pipeline engine for labour-inspection
//! statistics (劳动保障监察统计).
//!
//! The stages, in the order a run goes through them:
//! 1. [`pipeline`]: the TOML pipeline file compiled into a [`pipeline::Plan`] (every error at once);
//! 2. [`ingest`]: township workbooks found, read in parallel, typed, with provenance and row counts;
//! 3. [`validate`]: rules over whole tables (unique, row checks, references); cell rules run during ingest;
//! 4. [`compute`]: measures (SQL aggregates in polars) per submitter and 合计, then indicators;
//! 5. [`report`]: the official-style xlsx report, written atomically.
//!
//! [`finding`] is the record of a problem in the data, shared by the stages. [`cli`] is the
//! only module that prints.

pub mod cli;
pub mod compute;
pub mod finding;
pub mod ingest;
pub mod pipeline;
pub mod report;
pub mod validate;
