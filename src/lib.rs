//! laborstat: a statistical reporting and data-pipeline engine for labour-inspection
//! statistics (劳动保障监察统计).
//!
//! The stages, in the order a run goes through them:
//! 1. [`pipeline`]: the TOML pipeline file compiled into a [`pipeline::Plan`] (every error at once);
//! 2. [`ingest`]: township workbooks found, read in parallel, typed, with provenance and row counts;
//! 3. [`validate`]: rules over whole tables (unique, row checks, references); cell rules run during ingest;
//! 4. [`compute`]: measures (SQL aggregates in polars) per submitter and 合计, then indicators;
//! 5. [`report`]: the official-style xlsx report, written atomically;
//! 6. [`store`]: each period's accepted rows and results kept as Parquet between runs.
//!
//! Over what the stages produce: [`query`] (analysts' SQL over the stored periods) and
//! [`explain`] (the rows behind any number of the report).
//!
//! Below the stages, shared by them: [`finding`] (the record of a problem in the data),
//! [`rules`] (one-value rules, run by ingest), [`figure`] (how a value is shown). [`cli`] is
//! the only module that prints. Dependencies go one way: `cli` → stages → shared modules
//! and [`pipeline`]; a stage reads the outputs of the stages before it, never after.

pub mod cli;
pub mod compute;
pub mod engine;
pub mod explain;
pub mod figure;
pub mod finding;
pub mod history;
pub mod ingest;
pub mod pipeline;
pub mod query;
pub mod report;
pub mod rules;
pub mod store;
pub mod validate;
