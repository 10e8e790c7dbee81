//! laborstat: a statistical reporting and data-pipeline engine for labour-inspection
//! statistics (劳动保障监察统计).
//!
//! The stages are crates of the workspace (`crates/`), in the order a run goes through them:
//! `pipeline` (the TOML compiled into a self-contained `Plan`), `ingest` (township workbooks
//! read in parallel, typed, with provenance and row counts), `validate` (rules over whole
//! tables), `compute` (measures per submitter and 合计, indicators, windows over `history`),
//! `store` (each period kept as Parquet; implements `history::History`), `report` (the
//! official-style xlsx). Below them: `finding`, `rules`, `figure`. Over them: `query`.
//!
//! This crate holds what runs them: [`engine`] (the run as library functions — no printing,
//! no exit, no environment), [`explain`] (the rows behind any number of the report) and
//! [`serve`] (the web application over the same engine) and [`cli`], the only module that
//! prints. docs/architecture.md draws the arrows.

pub mod cli;
pub mod engine;
pub mod explain;
pub mod serve;
