//! Earlier periods as the stages below the store see them: what a window (本年累计, 上年同期),
//! a list over last period or a carry-over check asks of history. `store` implements it;
//! `compute` and `validate` know only this trait, so no stage below the store imports it.

use std::path::PathBuf;

use polars::prelude::DataFrame;

use ingest::roster::Roster;
use pipeline::{Period, Source, ValueKind};

pub use pipeline::FEN_SUFFIX;

/// A stored partition read back as an engine table, and what did not carry over: rows
/// under a code the roster does not know (they count in 合计 only) and declared columns
/// the partition lacks (declared since it was stored; read as empty).
pub struct StoredRows {
    pub frame: DataFrame,
    /// `source_file` and `source_sheet` of each row of `frame` (for `explain`).
    pub provenance: DataFrame,
    pub unknown_codes: usize,
    pub absent_columns: Vec<String>,
}

/// How a stored period was written: by which version of the pipeline, and whether it
/// replaced an earlier run of the period (a restatement).
pub struct StoredVintage {
    pub pipeline_sha256: String,
    pub restated: bool,
}

/// History could not be read (a damaged partition, a folder that cannot be opened); the
/// message says what to do.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HistoryError(#[from] pub Box<dyn std::error::Error + Send + Sync>);

/// The periods a run did not read itself.
pub trait History: Sync {
    /// A source's accepted rows of `period` as the engine's table (`_submitter` the index
    /// in `roster`), `None` when that period was never kept.
    fn rows(
        &self,
        source: &Source,
        period: &Period,
        roster: &Roster,
    ) -> Result<Option<StoredRows>, HistoryError>;

    /// How `table`'s partition of `period` was written, `None` when it was never kept.
    fn vintage(&self, table: &str, period: &Period) -> Result<Option<StoredVintage>, HistoryError>;

    /// Every level's measures and indicators of `period` as kept (named by
    /// [`result_column_name`]), `None` when not kept.
    fn results(&self, period: &Period) -> Result<Option<DataFrame>, HistoryError>;

    /// Where `period`'s results are kept, for a message that sends someone there.
    fn results_location(&self, period: &Period) -> PathBuf;
}

/// The name a measure or indicator has in the kept results: money says its unit.
pub fn result_column_name(name: &str, kind: Option<ValueKind>) -> String {
    match kind {
        Some(ValueKind::Money) => format!("{name}{FEN_SUFFIX}"),
        _ => name.to_string(),
    }
}
