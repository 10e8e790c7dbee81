//! The store: what each period's run accepted, kept between runs as Hive-partitioned
//! Parquet that DuckDB, Spark and Trino read as it is.
//!
//! ```text
//! <store>/<pipeline>/<source>/period=2024-11/data.parquet      validated rows, error rows removed
//! <store>/<pipeline>/_results/period=2024-11/data.parquet      every figure the report printed, one row per cell
//! <store>/<pipeline>/_measures/period=2024-11/data.parquet     every measure and indicator of the period per level
//! <store>/<pipeline>/_manifests/<source>/period=2024-11.json   pipeline hash, engine version, files (SHA-256, row account), vintages
//! <store>/<pipeline>/_vintages/<table>/period=2024-11/vintage=1/…  a replaced partition as first stored (and its manifest)
//! <store>/<pipeline>/_confirmations/period=2024-11.json  townships' 以上数据无误 (name, time, files by SHA-256)
//! <store>/<pipeline>/.lock                                     held while a run writes
//! ```
//!
//! A table's folder holds its partitions' Parquet files and nothing else, so Hive readers
//! (DuckDB, Python polars, Spark) read `<table>/**/*.parquet` or the folder as it is.
//! Columns keep their canonical names, in declared order; money stays exact as integer fen
//! in a column named `<name>_分` (元 = 分 / 100), counts are integers; provenance is
//! `submitter`, `submitter_name`, `source_file`, `source_sheet`, `source_row`.
//!
//! A period run again with other files, another pipeline or other earlier periods replaces
//! its partitions, and the replaced ones are kept as a vintage (numbered from 1, the first
//! published), so a report as first published can be made again ([`Store::at_vintage`]). A partition holds every row the period's files contributed —
//! for a cumulative ledger also rows dated outside the period — so a window (本年累计,
//! 上年同期) re-reads a partition and dates each measure by its own column (`compute::windows`).
//!
//! Each file is written to a temporary name and renamed over the old one, so a reader sees
//! the old partition or the new, never half of one. Replacing a stored period compares the
//! two by business key (`restatement`).

pub mod confirmations;
pub mod restatement;

pub use confirmations::{Confirmation, ConfirmedBy, ConfirmedFile, PeriodConfirmations};
pub use restatement::Restatement;

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use compute::printed::PrintedFigure;
use compute::Results;
use ingest::roster::Roster;
use ingest::{Ingested, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use pipeline::{ColumnType, Period, Plan, Source, ValueKind};

pub use compute::printed::printed_frame;
pub use history::{result_column_name, StoredRows, FEN_SUFFIX};
use history::{History, HistoryError, StoredVintage};
/// The data file of every partition.
pub const DATA_FILE_NAME: &str = "data.parquet";
const DATA_FILE: &str = DATA_FILE_NAME;
/// Where a manifest was kept inside its partition before manifests had a folder of their
/// own (read, never written).
const OLD_MANIFEST_FILE: &str = "_manifest.json";
/// A vintage's manifest, beside its data.
const VINTAGE_MANIFEST_FILE: &str = "manifest.json";
/// The folder of the printed figures (the SQL table `results`).
pub const RESULTS_TABLE: &str = "_results";
/// The folder of every measure and indicator per level (the SQL table `measures`).
pub const MEASURES_TABLE: &str = "_measures";
const MANIFESTS: &str = "_manifests";
const VINTAGES: &str = "_vintages";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("另一次 laborstat 运行正在写入存储 {}（锁文件 {} 被占用）；请等它结束后再试", dir.display(), lock.display())]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("存储 {} 无法读写：{}", path.display(), finding::io_words(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("存储中的分区 {} 无法读取（{reason}）；请删除该文件夹，再运行一次该报告期", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{0}")]
    Roster(String),
    #[error("存储中{period}没有第{number}版；有：{there}")]
    NoVintage {
        period: String,
        number: u32,
        there: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One pipeline's folder in a store; reading one period as an earlier vintage when asked.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    /// A period read as it was stored in that vintage (a number below the current one).
    vintage: Option<(Period, u32)>,
}

/// One stored version of a period: the current one, or one a later run replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VintageInfo {
    pub number: u32,
    pub written_at: String,
    pub current: bool,
}

/// Held while a run writes the store; released when dropped.
pub struct StoreLock {
    _file: File,
}

impl Store {
    pub fn new(dir: &Path, pipeline: &str) -> Store {
        Store {
            root: dir.join(pipeline),
            vintage: None,
        }
    }

    /// The same store, `period` read as vintage `number` (1 is the period as first stored);
    /// an error names the vintages there are.
    pub fn at_vintage(&self, period: &Period, number: u32) -> Result<Store, StoreError> {
        let vintages = self.vintages(period)?;
        match vintages.iter().find(|v| v.number == number) {
            Some(v) => Ok(Store {
                root: self.root.clone(),
                vintage: (!v.current).then_some((*period, number)),
            }),
            None => Err(StoreError::NoVintage {
                period: period.to_string(),
                number,
                there: vintages
                    .iter()
                    .map(|v| {
                        format!(
                            "第{}版（{}存入{}）",
                            v.number,
                            v.written_at,
                            if v.current { "，现行" } else { "" }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
            }),
        }
    }

    /// The vintage a read of `period` sees, when it is not the current one.
    pub fn reading_vintage(&self, period: &Period) -> Option<u32> {
        self.vintage
            .filter(|(p, _)| p == period)
            .map(|(_, number)| number)
    }

    /// Every stored version of `period`, first published first; empty when not stored.
    pub fn vintages(&self, period: &Period) -> Result<Vec<VintageInfo>, StoreError> {
        let mut manifest = None;
        for table in self.tables_with_manifests()? {
            if let Some(m) = self.current_manifest(&table, period)? {
                manifest = Some(m);
                break;
            }
        }
        let Some(m) = manifest else {
            return Ok(Vec::new());
        };
        let mut vintages: Vec<VintageInfo> = m
            .replaced
            .iter()
            .enumerate()
            .map(|(i, r)| VintageInfo {
                number: r.vintage.unwrap_or(i as u32 + 1),
                written_at: r.written_at.clone(),
                current: false,
            })
            .collect();
        vintages.push(VintageInfo {
            number: m.number(),
            written_at: m.written_at.clone(),
            current: true,
        });
        Ok(vintages)
    }

    /// The tables that have manifests (the sources), by their folders under `_manifests`
    /// and, for stores written before it, by their own folders.
    fn tables_with_manifests(&self) -> Result<Vec<String>, StoreError> {
        let mut tables = Vec::new();
        for dir in [self.root.join(MANIFESTS), self.root.clone()] {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(&dir)(e)),
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if !name.starts_with(['_', '.']) && entry.path().is_dir() && !tables.contains(&name)
                {
                    tables.push(name);
                }
            }
        }
        tables.sort();
        Ok(tables)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes the store's lock, or says that another run holds it.
    pub fn lock(&self) -> Result<StoreLock, StoreError> {
        std::fs::create_dir_all(&self.root).map_err(io(&self.root))?;
        let path = self.root.join(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => Ok(StoreLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked {
                dir: self.root.clone(),
                lock: path,
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(StoreError::Io { path, source: e }),
        }
    }

    /// Where a run writes `table`'s partition of `period` (the current vintage).
    pub fn partition_dir(&self, table: &str, period: &Period) -> PathBuf {
        self.root.join(table).join(format!("period={period}"))
    }

    /// Where a replaced partition is kept as vintage `number`.
    fn vintage_dir(&self, table: &str, period: &Period, number: u32) -> PathBuf {
        self.root
            .join(VINTAGES)
            .join(table)
            .join(format!("period={period}"))
            .join(format!("vintage={number}"))
    }

    /// Where a read of `table`'s partition of `period` looks: the current partition, or the
    /// vintage this store was opened at.
    fn read_dir(&self, table: &str, period: &Period) -> PathBuf {
        match self.reading_vintage(period) {
            Some(number) => self.vintage_dir(table, period, number),
            None => self.partition_dir(table, period),
        }
    }

    /// The Parquet file a read of a stored partition opens (it may not exist).
    pub fn data_path(&self, table: &str, period: &Period) -> PathBuf {
        self.read_dir(table, period).join(DATA_FILE)
    }

    /// Whether a query may scan `table`'s folder as a whole (no period read as a vintage).
    pub fn reads_current(&self) -> bool {
        self.vintage.is_none()
    }

    fn manifest_path(&self, table: &str, period: &Period) -> PathBuf {
        self.root
            .join(MANIFESTS)
            .join(table)
            .join(format!("period={period}.json"))
    }

    /// The periods a table has stored (a partition with its data file), in time order.
    /// Folders that are not `period=<a period>` are not laborstat's and are left alone.
    pub fn stored_periods(&self, table: &str) -> Result<Vec<Period>, StoreError> {
        let dir = self.root.join(table);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut periods = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(period) = name.strip_prefix("period=") else {
                continue;
            };
            if let Ok(period) = Period::parse(period) {
                if entry.path().join(DATA_FILE).is_file() {
                    periods.push(period);
                }
            }
        }
        periods.sort_by_key(|p| (p.bounds().0, p.bounds().1));
        periods.dedup();
        Ok(periods)
    }

    /// The manifest of a stored partition as this store reads it (the vintage it was
    /// opened at, else the current one), `None` when the period is not stored.
    pub fn manifest(&self, table: &str, period: &Period) -> Result<Option<Manifest>, StoreError> {
        match self.reading_vintage(period) {
            Some(number) => read_manifest(
                &self
                    .vintage_dir(table, period, number)
                    .join(VINTAGE_MANIFEST_FILE),
            ),
            None => self.current_manifest(table, period),
        }
    }

    /// The manifest of the current partition (in `_manifests`, or inside the partition for
    /// a store written before that folder).
    fn current_manifest(
        &self,
        table: &str,
        period: &Period,
    ) -> Result<Option<Manifest>, StoreError> {
        match read_manifest(&self.manifest_path(table, period))? {
            Some(m) => Ok(Some(m)),
            None => read_manifest(&self.partition_dir(table, period).join(OLD_MANIFEST_FILE)),
        }
    }

    /// The stored rows of a partition as written (store column names), `None` when absent.
    pub fn read_raw(&self, table: &str, period: &Period) -> Result<Option<DataFrame>, StoreError> {
        let path = self.data_path(table, period);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        ParquetReader::new(file)
            .finish()
            .map(Some)
            .map_err(|e| StoreError::Unreadable {
                path,
                reason: format!("Parquet: {}", first_line(&e.to_string())),
            })
    }

    /// A stored partition of `source` as a table of the engine's schema (money in fen under
    /// its canonical name, `_submitter` the index in `roster`): the input of a window over an
    /// earlier period. Codes of entries the roster's submitters succeed map to them; rows of
    /// a code the roster does not know keep no submitter (they count in 合计 only).
    pub fn read_source(
        &self,
        source: &Source,
        period: &Period,
        roster: &Roster,
    ) -> Result<Option<StoredRows>, StoreError> {
        let Some(raw) = self.read_raw(&source.id, period)? else {
            return Ok(None);
        };
        let path = self.read_dir(&source.id, period);
        let unreadable = |reason: String| StoreError::Unreadable {
            path: path.clone(),
            reason,
        };
        let rows = raw.height();
        let mut columns: Vec<Column> = Vec::new();
        let mut absent_columns = Vec::new();
        for c in &source.columns {
            let stored = store_column_name(&c.name, c.kind);
            let dtype = pipeline::evaluate::dtype(c.kind);
            let column = match raw.column(&stored) {
                Ok(column) => column
                    .cast(&dtype)
                    .map_err(|_| unreadable(format!("列 `{stored}` 不是 {dtype} 类型")))?
                    .with_name(c.name.as_str().into()),
                // A column declared since: empty, as in a file that lacks it — and said.
                Err(_) => {
                    absent_columns.push(c.name.clone());
                    Column::full_null(c.name.as_str().into(), rows, &dtype)
                }
            };
            columns.push(column);
        }
        let codes = raw
            .column("submitter")
            .and_then(|c| c.str().cloned())
            .map_err(|_| unreadable("没有文字列 `submitter`".into()))?;
        let index = roster.index_by_code();
        let mut unknown = 0;
        let submitters: UInt32Chunked = codes
            .iter()
            .map(|code| {
                let found = code.and_then(|code| index.get(code).copied());
                if found.is_none() {
                    unknown += 1;
                }
                found
            })
            .collect();
        columns.push(submitters.with_name(SUBMITTER_COLUMN.into()).into_column());
        columns.push(Column::full_null(
            FILE_COLUMN.into(),
            rows,
            &DataType::UInt32,
        ));
        let row = match raw.column("source_row") {
            Ok(row) => row
                .cast(&DataType::UInt32)
                .map_err(|_| unreadable("列 `source_row` 不是数".into()))?,
            Err(_) => Column::full_null("source_row".into(), rows, &DataType::UInt32),
        };
        columns.push(row.with_name(ROW_COLUMN.into()));
        let frame = DataFrame::new(rows, columns).map_err(|e| unreadable(e.to_string()))?;
        let text_column = |name: &str| match raw.column(name) {
            Ok(c) => c
                .cast(&DataType::String)
                .map_err(|e| unreadable(e.to_string())),
            Err(_) => Ok(Column::full_null(name.into(), rows, &DataType::String)),
        };
        let provenance = DataFrame::new(
            rows,
            vec![text_column("source_file")?, text_column("source_sheet")?],
        )
        .map_err(|e| unreadable(e.to_string()))?;
        Ok(Some(StoredRows {
            frame,
            provenance,
            unknown_codes: unknown,
            absent_columns,
        }))
    }

    /// The period as this store holds it (the vintage it was opened at, else the current
    /// one), read back as a run reads its files: each source's stored rows, each file its
    /// manifest lists (row account, submitter), the roster of the period. `None` when no
    /// source of the period is stored. What it holds is what the report was computed from.
    pub fn ingested(&self, plan: &Plan) -> Result<Option<Ingested>, StoreError> {
        let period = &plan.period;
        let mut roster =
            Roster::load(&plan.roster, period).map_err(|e| StoreError::Roster(e.to_string()))?;
        roster
            .read_constants(&plan.constants)
            .map_err(|e| StoreError::Roster(e.to_string()))?;
        let mut files: Vec<ingest::FileReport> = Vec::new();
        let mut tables = Vec::new();
        let mut stored_any = false;
        for source in &plan.sources {
            let manifest = self.manifest(&source.id, period)?;
            let stored = self.read_source(source, period, &roster)?;
            let (Some(manifest), Some(stored)) = (manifest, stored) else {
                let empty = pipeline::evaluate::schema_frame(source, 0)
                    .map_err(|e| polars_io(&self.read_dir(&source.id, period), e))?;
                tables.push(empty);
                continue;
            };
            stored_any = true;
            let first = files.len();
            for f in &manifest.files {
                let mut report = ingest::FileReport::as_stored(
                    &source.id,
                    PathBuf::from(&f.path),
                    f.sheet.clone(),
                    f.submitter.clone(),
                    f.counts(),
                    f.used,
                );
                // A manifest written before header rows were kept: a used file had one
                // (its place unknown; the first row is said).
                report.header_row = f.header_row.or(f.used.then_some(1));
                report.header_height = f.header_height.max(1);
                report.undated_rows = f.undated_rows;
                report.submitter_evidence = f.submitter_evidence.clone();
                files.push(report);
            }
            // Each row's file: its stored path among the manifest's (for the row lists).
            let index: HashMap<&str, u32> = manifest
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| (f.path.as_str(), (first + i) as u32))
                .collect();
            let unreadable = |e: PolarsError| StoreError::Unreadable {
                path: self.read_dir(&source.id, period),
                reason: first_line(&e.to_string()),
            };
            let paths = stored
                .provenance
                .column("source_file")
                .and_then(|c| c.str().cloned())
                .map_err(unreadable)?;
            let file_of: UInt32Chunked = paths
                .iter()
                .map(|p| p.and_then(|p| index.get(p).copied()))
                .collect();
            let mut frame = stored.frame;
            frame
                .with_column(file_of.with_name(FILE_COLUMN.into()).into_column())
                .map_err(unreadable)?;
            tables.push(frame);
        }
        Ok(stored_any.then_some(Ingested {
            roster,
            tables,
            files,
            findings: Vec::new(),
        }))
    }

    /// The stored measures and indicators of a period per level (as written), `None` when
    /// not stored. A store written before `_measures` kept them in `_results`.
    pub fn read_measures(&self, period: &Period) -> Result<Option<DataFrame>, StoreError> {
        if let Some(frame) = self.read_raw(MEASURES_TABLE, period)? {
            return Ok(Some(frame));
        }
        Ok(self
            .read_raw(RESULTS_TABLE, period)?
            .filter(|frame| frame.column("window").is_err()))
    }

    /// The figures a period's report printed (as written), `None` when not stored.
    pub fn read_printed(&self, period: &Period) -> Result<Option<DataFrame>, StoreError> {
        Ok(self
            .read_raw(RESULTS_TABLE, period)?
            .filter(|frame| frame.column("window").is_ok()))
    }

    /// Writes the period's partitions: each source's accepted rows and its manifest, the
    /// figures the report printed and the measures per level. Each file goes to a temporary
    /// name first and is renamed over the old one. When the period was stored before, says
    /// what changed (`None` for a first write) and, unless it is a re-run on the same files
    /// that moved no printed figure, keeps the replaced partitions as a vintage.
    pub fn write_period(
        &self,
        plan: &Plan,
        data: &Ingested,
        results: &Results,
        printed: &[PrintedFigure],
        run: &RunInfo,
    ) -> Result<Option<Restatement>, StoreError> {
        let mut restatement: Option<Restatement> = None;
        let mut identical_inputs = true;
        let mut previous: Vec<Option<Manifest>> = Vec::new();
        for (si, source) in plan.sources.iter().enumerate() {
            let dir = self.partition_dir(&source.id, &plan.period);
            let manifest = self.current_manifest(&source.id, &plan.period)?;
            let before = match &manifest {
                Some(_) => self.read_raw(&source.id, &plan.period)?,
                None => None,
            };
            if let (Some(manifest), Some(before)) = (&manifest, before) {
                // Only a restatement needs the whole new partition at once, to compare it.
                let frame =
                    store_frame(source, &data.tables[si], data).map_err(|e| polars_io(&dir, e))?;
                let key: Vec<String> = source
                    .business_key()
                    .into_iter()
                    .map(|k| {
                        let c = &source.columns[k];
                        store_column_name(&c.name, c.kind)
                    })
                    .collect();
                let changes = restatement::compare_rows(&source.id, &key, &before, &frame)
                    .map_err(|e| polars_io(&dir, e))?;
                let hashes = |files: &[ManifestFile]| {
                    let mut h: Vec<(String, String)> = files
                        .iter()
                        .map(|f| (f.path.clone(), f.sha256.clone()))
                        .collect();
                    h.sort();
                    h
                };
                identical_inputs &= manifest.pipeline_sha256 == run.pipeline_sha256
                    && hashes(&manifest.files)
                        == hashes(&ManifestFile::of_source(source, data, run));
                let r = restatement.get_or_insert_with(|| Restatement {
                    period: plan.period.to_string(),
                    replaced_written_at: manifest.written_at.clone(),
                    ..Default::default()
                });
                r.sources.push(changes);
            }
            previous.push(manifest);
        }
        let printed_dir = self.partition_dir(RESULTS_TABLE, &plan.period);
        let mut printed_frame = printed_frame(printed).map_err(|e| polars_io(&printed_dir, e))?;
        let measures_dir = self.partition_dir(MEASURES_TABLE, &plan.period);
        let mut measures = results_frame(plan, results).map_err(|e| polars_io(&measures_dir, e))?;
        if let Some(r) = &mut restatement {
            r.identical_inputs = identical_inputs;
            // A store written before the printed figures were kept has none to compare.
            if let Some(before) = self.read_printed(&plan.period)? {
                r.moved = restatement::compare_printed(&before, &printed_frame)
                    .map_err(|e| polars_io(&printed_dir, e))?;
            }
        }
        // The replaced partitions are kept as a vintage unless nothing a reader could see
        // changed: the same files and pipeline, the same printed figures.
        let replaced = restatement
            .as_ref()
            .filter(|r| !(r.identical_inputs && r.is_empty()))
            .and_then(|_| previous.iter().flatten().next())
            .map(Manifest::number);
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        for (si, source) in plan.sources.iter().enumerate() {
            let dir = self.partition_dir(&source.id, &plan.period);
            let table = &data.tables[si];
            let earlier = previous[si].clone();
            if let (Some(number), Some(manifest)) = (replaced, &earlier) {
                self.keep_vintage(&source.id, &plan.period, number, Some(manifest))?;
            }
            written.push(write_parquet_by_file(&dir, source, table, data)?);
            let manifest =
                Manifest::new(plan, source, data, run, table.height(), earlier, replaced);
            let path = self.manifest_path(&source.id, &plan.period);
            written.push(write_text(
                path.parent().expect("in _manifests"),
                path.file_name()
                    .and_then(|n| n.to_str())
                    .expect("period=….json"),
                &serde_json::to_string_pretty(&manifest).expect("plain data"),
            )?);
        }
        if let Some(number) = replaced {
            for table in [RESULTS_TABLE, MEASURES_TABLE] {
                self.keep_vintage(table, &plan.period, number, None)?;
            }
        }
        written.push(write_parquet(&printed_dir, &mut printed_frame)?);
        written.push(write_parquet(&measures_dir, &mut measures)?);
        // All written, then all renamed: a failure above leaves the old partitions whole.
        for (temporary, path) in written {
            std::fs::rename(&temporary, &path).map_err(io(&path))?;
        }
        // A manifest of a store written before `_manifests` would be read as well: gone.
        for source in &plan.sources {
            let old = self
                .partition_dir(&source.id, &plan.period)
                .join(OLD_MANIFEST_FILE);
            if old.is_file() {
                std::fs::remove_file(&old).map_err(io(&old))?;
            }
        }
        Ok(restatement)
    }

    /// Keeps the current partition of `table` (and its manifest) as vintage `number`: a
    /// hard link to its data (no copy; the file is replaced by rename, never rewritten),
    /// a copy where the file system has none.
    fn keep_vintage(
        &self,
        table: &str,
        period: &Period,
        number: u32,
        manifest: Option<&Manifest>,
    ) -> Result<(), StoreError> {
        let data = self.data_path_current(table, period);
        if !data.is_file() {
            return Ok(());
        }
        let dir = self.vintage_dir(table, period, number);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let kept = dir.join(DATA_FILE);
        if kept.exists() {
            std::fs::remove_file(&kept).map_err(io(&kept))?;
        }
        if std::fs::hard_link(&data, &kept).is_err() {
            std::fs::copy(&data, &kept).map_err(io(&kept))?;
        }
        if let Some(manifest) = manifest {
            let (temporary, path) = write_text(
                &dir,
                VINTAGE_MANIFEST_FILE,
                &serde_json::to_string_pretty(manifest).expect("plain data"),
            )?;
            std::fs::rename(&temporary, &path).map_err(io(&path))?;
        }
        Ok(())
    }

    fn data_path_current(&self, table: &str, period: &Period) -> PathBuf {
        self.partition_dir(table, period).join(DATA_FILE)
    }
}

fn read_manifest(path: &Path) -> Result<Option<Manifest>, StoreError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path)(e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| StoreError::Unreadable {
            path: path.to_path_buf(),
            reason: format!("manifest: {e}"),
        })
}

fn polars_io(path: &Path, error: PolarsError) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(first_line(&error.to_string())),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

/// The name a declared column has in the store: money says its unit.
pub fn store_column_name(name: &str, kind: ColumnType) -> String {
    match kind {
        ColumnType::Money => format!("{name}{FEN_SUFFIX}"),
        _ => name.to_string(),
    }
}

impl History for Store {
    fn rows(
        &self,
        source: &Source,
        period: &Period,
        roster: &Roster,
    ) -> Result<Option<StoredRows>, HistoryError> {
        self.read_source(source, period, roster).map_err(boxed)
    }

    fn vintage(&self, table: &str, period: &Period) -> Result<Option<StoredVintage>, HistoryError> {
        let manifest = self.manifest(table, period).map_err(boxed)?;
        Ok(manifest.map(|m| StoredVintage {
            restated: !m.replaced.is_empty(),
            pipeline_sha256: m.pipeline_sha256,
        }))
    }

    fn results(&self, period: &Period) -> Result<Option<DataFrame>, HistoryError> {
        self.read_measures(period).map_err(boxed)
    }

    fn results_location(&self, period: &Period) -> PathBuf {
        self.read_dir(MEASURES_TABLE, period)
    }
}

fn boxed(error: StoreError) -> HistoryError {
    HistoryError(Box::new(error))
}

/// A source's accepted rows in the store's columns (provenance as text).
pub fn store_frame(source: &Source, table: &DataFrame, data: &Ingested) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Column> = Vec::new();
    for c in &source.columns {
        columns.push(
            table
                .column(&c.name)?
                .clone()
                .with_name(store_column_name(&c.name, c.kind).into()),
        );
    }
    let submitters = table.column(SUBMITTER_COLUMN)?.u32()?;
    let files = table.column(FILE_COLUMN)?.u32()?;
    let submitter = |i: Option<u32>| i.and_then(|i| data.roster.submitters.get(i as usize));
    let codes: StringChunked = submitters
        .iter()
        .map(|i| submitter(i).map(|s| s.code.as_str()))
        .collect();
    let names: StringChunked = submitters
        .iter()
        .map(|i| submitter(i).map(|s| s.name.as_str()))
        .collect();
    let file = |i: Option<u32>| i.and_then(|i| data.files.get(i as usize));
    let paths: StringChunked = files
        .iter()
        .map(|i| file(i).map(|f| f.label.to_string_lossy().into_owned()))
        .collect();
    let sheets: StringChunked = files
        .iter()
        .map(|i| file(i).and_then(|f| f.sheet.clone()))
        .collect();
    columns.push(codes.with_name("submitter".into()).into_column());
    columns.push(names.with_name("submitter_name".into()).into_column());
    columns.push(paths.with_name("source_file".into()).into_column());
    columns.push(sheets.with_name("source_sheet".into()).into_column());
    columns.push(
        table
            .column(ROW_COLUMN)?
            .clone()
            .with_name("source_row".into()),
    );
    DataFrame::new(table.height(), columns)
}

/// Every measure and indicator per submitter, subtotal and 合计, then each category row of
/// each distribution table: one row each, `submitter` null for all but submitters,
/// `subtotal` the roster kind of a subtotal row, `breakdown` the distribution table (its
/// sheet) and `category` the value of a category row (its table's 合计 is the 合计 row).
pub fn results_frame(plan: &Plan, results: &Results) -> PolarsResult<DataFrame> {
    // Tables in sheet order, so the rows come out the same on every run.
    let mut tables: Vec<(&String, &Vec<compute::LevelRow>)> = results.categories.iter().collect();
    tables.sort_by_key(|(sheet, _)| plan.sheets.iter().position(|s| &s.name == *sheet));
    let category_rows = tables.iter().flat_map(|(sheet, rows)| {
        rows.iter()
            .filter(|r| !r.is_total())
            .map(move |r| (Some(sheet.as_str()), r))
    });
    let rows: Vec<(Option<&str>, &compute::LevelRow)> = results
        .rows
        .iter()
        .map(|r| (None, r))
        .chain(category_rows)
        .collect();
    let codes: StringChunked = rows.iter().map(|(_, r)| r.code.as_deref()).collect();
    let names: StringChunked = rows.iter().map(|(_, r)| Some(r.name.as_str())).collect();
    let submitted: BooleanChunked = rows.iter().map(|(_, r)| Some(r.submitted)).collect();
    // A subtotal row (其中：街道) has no code either: its kind tells it from 合计.
    let subtotals: StringChunked = rows.iter().map(|(_, r)| r.subtotal.as_deref()).collect();
    let breakdowns: StringChunked = rows.iter().map(|(sheet, _)| *sheet).collect();
    let categories: StringChunked = rows.iter().map(|(_, r)| r.category.as_deref()).collect();
    let mut columns = vec![
        codes.with_name("submitter".into()).into_column(),
        names.with_name("submitter_name".into()).into_column(),
        submitted.with_name("submitted".into()).into_column(),
        subtotals.with_name("subtotal".into()).into_column(),
        breakdowns.with_name("breakdown".into()).into_column(),
        categories.with_name("category".into()).into_column(),
    ];
    let mut seen = std::collections::HashSet::new();
    for m in &plan.measures {
        seen.insert(m.name.as_str());
        let values = rows
            .iter()
            .map(|(_, r)| r.measures.get(&m.name).copied().flatten());
        let name = result_column_name(&m.name, Some(m.kind));
        columns.push(figure_column(&name, Some(m.kind), values));
    }
    for i in &plan.indicators {
        if !seen.insert(i.name.as_str()) {
            continue; // a measure shown as it is
        }
        let values = rows
            .iter()
            .map(|(_, r)| r.indicators.get(&i.name).copied().flatten());
        let name = result_column_name(&i.name, i.kind);
        columns.push(figure_column(&name, i.kind, values));
    }
    DataFrame::new(rows.len(), columns)
}

/// A figure of every level as a column: counts and money (fen) as integers — sums of whole
/// numbers, held exactly in f64 — anything else (rates, averages) as a float.
fn figure_column(
    name: &str,
    kind: Option<ValueKind>,
    values: impl Iterator<Item = Option<f64>>,
) -> Column {
    match kind {
        Some(ValueKind::Count | ValueKind::Money) => values
            .map(|v| v.map(|v| v.round() as i64))
            .collect::<Int64Chunked>()
            .with_name(name.into())
            .into_column(),
        _ => values
            .collect::<Float64Chunked>()
            .with_name(name.into())
            .into_column(),
    }
}

fn temporary_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `frame` beside its final place; returns (temporary, final) for the rename.
fn write_parquet(dir: &Path, frame: &mut DataFrame) -> Result<(PathBuf, PathBuf), StoreError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let temporary = temporary_path(dir, DATA_FILE);
    let mut file = buffered(&temporary)?;
    ParquetWriter::new(&mut file)
        .with_compression(ParquetCompression::Snappy)
        .finish(frame)
        .map_err(|e| polars_io(&temporary, e))?;
    file.flush().map_err(io(&temporary))?;
    Ok((temporary, dir.join(DATA_FILE)))
}

/// A new file behind a buffer: the Parquet writer writes its metadata a field at a time,
/// and unbuffered each field was a system call (most of the store's time).
fn buffered(path: &Path) -> Result<std::io::BufWriter<File>, StoreError> {
    let file = File::create(path).map_err(io(path))?;
    Ok(std::io::BufWriter::with_capacity(1 << 20, file))
}

/// Writes a source's rows file by file (the table's pieces), each piece's provenance made
/// as it is written: the store never holds a second copy of the whole table.
fn write_parquet_by_file(
    dir: &Path,
    source: &Source,
    table: &DataFrame,
    data: &Ingested,
) -> Result<(PathBuf, PathBuf), StoreError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let temporary = temporary_path(dir, DATA_FILE);
    let fail = |e| polars_io(&temporary, e);
    let mut file = buffered(&temporary)?;
    let schema = store_frame(source, &table.slice(0, 0), data)
        .map_err(fail)?
        .schema()
        .as_ref()
        .clone();
    let mut writer = ParquetWriter::new(&mut file)
        .with_compression(ParquetCompression::Snappy)
        .batched(&schema)
        .map_err(fail)?;
    let pieces = match table.columns().first() {
        Some(c) => c.as_materialized_series().chunk_lengths().collect(),
        None => Vec::new(),
    };
    let mut offset = 0i64;
    for len in pieces {
        let piece = store_frame(source, &table.slice(offset, len), data).map_err(fail)?;
        writer.write_batch(&piece).map_err(fail)?;
        offset += len as i64;
    }
    writer.finish().map_err(fail)?;
    drop(writer);
    file.flush().map_err(io(&temporary))?;
    Ok((temporary, dir.join(DATA_FILE)))
}

fn write_text(dir: &Path, name: &str, text: &str) -> Result<(PathBuf, PathBuf), StoreError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let temporary = temporary_path(dir, name);
    let mut file = File::create(&temporary).map_err(io(&temporary))?;
    file.write_all(text.as_bytes()).map_err(io(&temporary))?;
    file.sync_all().map_err(io(&temporary))?;
    Ok((temporary, dir.join(name)))
}

/// What a run is, for the manifests: the pipeline file's hash, the engine, the time.
#[derive(Debug, Clone)]
pub struct RunInfo {
    pub pipeline_sha256: String,
    pub engine_version: String,
    pub written_at: String,
    /// SHA-256 of each input file, by its path under the data folder.
    pub file_sha256: HashMap<PathBuf, String>,
    /// The townships' confirmations of the period (read under the run's lock), for the
    /// manifests' file entries they still match.
    pub confirmations: PeriodConfirmations,
}

impl RunInfo {
    pub fn new(plan: &Plan, data: &Ingested) -> Result<RunInfo, StoreError> {
        use rayon::prelude::*;
        let pipeline_sha256 = pipeline_sha256(plan)?;
        // One workbook may feed several sources: hashed once, the files in parallel.
        let labels: std::collections::BTreeSet<&PathBuf> =
            data.files.iter().map(|f| &f.label).collect();
        let file_sha256 = labels
            .into_par_iter()
            .map(|label| Ok((label.clone(), sha256_of(&plan.data_dir.join(label))?)))
            .collect::<Result<HashMap<PathBuf, String>, StoreError>>()?;
        Ok(RunInfo {
            pipeline_sha256,
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
            written_at: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            file_sha256,
            confirmations: PeriodConfirmations::new(),
        })
    }
}

/// How the files read now differ from those the stored period was computed from, in words
/// (changed, added, gone; the pipeline file changed); `None` when the period is not stored.
/// `explain` recomputes from today's files: this says when that is not the published figure.
pub fn inputs_since_stored(
    store: &Store,
    plan: &Plan,
    data: &Ingested,
) -> Result<Option<Vec<String>>, StoreError> {
    let run = RunInfo::new(plan, data)?;
    let mut stored_any = false;
    let mut differences = Vec::new();
    let mut pipeline_changed = false;
    for source in &plan.sources {
        let Some(manifest) = store.manifest(&source.id, &plan.period)? else {
            continue;
        };
        stored_any = true;
        pipeline_changed |= manifest.pipeline_sha256 != run.pipeline_sha256;
        let then: HashMap<&str, &str> = manifest
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.sha256.as_str()))
            .collect();
        let now = ManifestFile::of_source(source, data, &run);
        for file in &now {
            match then.get(file.path.as_str()) {
                Some(sha) if *sha == file.sha256 => {}
                Some(_) => differences.push(format!("{}（内容已改动）", file.path)),
                None => differences.push(format!("{}（存入后新增）", file.path)),
            }
        }
        for path in then.keys() {
            if !now.iter().any(|f| f.path == *path) {
                differences.push(format!("{path}（存入时有，现在没有）"));
            }
        }
    }
    if pipeline_changed {
        differences.push("流水线文件（或 --set 设置）与存入时不同".to_string());
    }
    // A workbook several ledgers read is one difference.
    let mut seen = std::collections::HashSet::new();
    differences.retain(|d| seen.insert(d.clone()));
    Ok(stored_any.then_some(differences))
}

/// The pipeline's hash: of its file alone, or — with `include` — of the file and each
/// included file in turn (a change to any of them is a change to the pipeline), and of
/// each setting `--set` changed for the run (figures computed under another choice).
pub fn pipeline_sha256(plan: &Plan) -> Result<String, StoreError> {
    let chosen: Vec<String> = plan
        .settings
        .iter()
        .filter(|s| s.file_value.is_some())
        .map(|s| format!("--set {}={}\n", s.name, s.value))
        .collect();
    // The text compiled, not the files as they are now: the same bytes as the files were.
    let mut hasher = Sha256::new();
    for (_, text) in plan.texts() {
        hasher.update(text.as_bytes());
    }
    for line in chosen {
        hasher.update(line.as_bytes());
    }
    Ok(format!("{:x}", hasher.finalize()))
}

pub fn sha256_of(path: &Path) -> Result<String, StoreError> {
    let mut file = File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// `_manifest.json` of one partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub pipeline: String,
    pub source: String,
    pub period: String,
    pub pipeline_sha256: String,
    pub engine_version: String,
    pub written_at: String,
    pub rows: usize,
    pub money_unit: String,
    pub files: Vec<ManifestFile>,
    /// This partition's vintage: 1 for the period as first stored, one more for each run
    /// that replaced it (absent in manifests written before vintages: 1 + `replaced`).
    #[serde(default)]
    pub vintage: Option<u32>,
    /// The partitions this one replaced, latest last (a restated period), each kept under
    /// `_vintages/<table>/period=…/vintage=N/`.
    #[serde(default)]
    pub replaced: Vec<Replaced>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub submitter: Option<String>,
    pub sheet: Option<String>,
    pub used: bool,
    pub rows_read: usize,
    pub rows_used: usize,
    pub rows_rejected: usize,
    pub rows_skipped: usize,
    /// The (first) header row, 1-based; `None` when no table was found in the sheet.
    #[serde(default)]
    pub header_row: Option<u32>,
    #[serde(default)]
    pub header_height: usize,
    /// How the submitter was found, in words (路径中的代码 510199001).
    #[serde(default)]
    pub submitter_evidence: Option<String>,
    /// Used rows with no measure's date in the period (a cumulative ledger's older cases).
    #[serde(default)]
    pub undated_rows: Option<usize>,
    /// Title and header rows (absent in manifests written before they were kept).
    #[serde(default)]
    pub rows_title: usize,
    #[serde(default)]
    pub rows_header: usize,
    /// The skipped rows by reason, under the reasons' words (空行, 合计/小计行 …).
    #[serde(default)]
    pub rows_skipped_by: std::collections::BTreeMap<String, usize>,
    /// The township's "以上数据无误" for exactly this file (same path and SHA-256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<ConfirmedBy>,
}

impl ManifestFile {
    /// Every file a source read this run, with its hash and row account.
    pub fn of_source(source: &Source, data: &Ingested, run: &RunInfo) -> Vec<ManifestFile> {
        data.files
            .iter()
            .filter(|f| f.source == source.id)
            .map(|f| {
                let path = f.label.to_string_lossy().into_owned();
                let sha256 = run.file_sha256.get(&f.label).cloned().unwrap_or_default();
                let confirmed = Confirmation::of_report(f, run);
                ManifestFile {
                    path,
                    sha256,
                    confirmed,
                    submitter: f.submitter.clone(),
                    sheet: f.sheet.clone(),
                    used: f.used,
                    rows_read: f.counts.read,
                    rows_used: f.counts.used,
                    rows_rejected: f.counts.rejected,
                    rows_skipped: f.counts.skipped_total(),
                    header_row: f.header_row,
                    header_height: f.header_height,
                    undated_rows: f.undated_rows,
                    submitter_evidence: f.submitter_evidence.clone(),
                    rows_title: f.counts.title,
                    rows_header: f.counts.header,
                    rows_skipped_by: f
                        .counts
                        .skipped
                        .iter()
                        .map(|(reason, n)| (reason.label().to_string(), *n))
                        .collect(),
                }
            })
            .collect()
    }

    /// The row account as the file's report has it.
    fn counts(&self) -> ingest::RowCounts {
        let mut counts = ingest::RowCounts {
            read: self.rows_read,
            title: self.rows_title,
            header: self.rows_header,
            used: self.rows_used,
            rejected: self.rows_rejected,
            ..Default::default()
        };
        for reason in ingest::header::SkipReason::ALL {
            if let Some(n) = self.rows_skipped_by.get(reason.label()) {
                counts.skipped.insert(reason, *n);
            }
        }
        counts
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replaced {
    /// Its vintage number (absent in manifests written before vintages were kept).
    #[serde(default)]
    pub vintage: Option<u32>,
    pub written_at: String,
    pub pipeline_sha256: String,
    pub rows: usize,
}

impl Manifest {
    /// This partition's vintage number.
    pub fn number(&self) -> u32 {
        self.vintage.unwrap_or(self.replaced.len() as u32 + 1)
    }

    /// The manifest of a partition written now; `kept` is the vintage number the replaced
    /// partition was kept under (`None`: a first write, or a re-run that changed nothing,
    /// which keeps the earlier vintage's number and history).
    fn new(
        plan: &Plan,
        source: &Source,
        data: &Ingested,
        run: &RunInfo,
        rows: usize,
        previous: Option<Manifest>,
        kept: Option<u32>,
    ) -> Manifest {
        let files = ManifestFile::of_source(source, data, run);
        let (replaced, vintage) = match (previous, kept) {
            (Some(previous), Some(number)) => {
                let mut replaced = previous.replaced;
                replaced.push(Replaced {
                    vintage: Some(number),
                    written_at: previous.written_at,
                    pipeline_sha256: previous.pipeline_sha256,
                    rows: previous.rows,
                });
                (replaced, number + 1)
            }
            (Some(previous), None) => {
                let number = previous.number();
                (previous.replaced, number)
            }
            (None, _) => (Vec::new(), 1),
        };
        Manifest {
            pipeline: plan.name.clone(),
            source: source.id.clone(),
            period: plan.period.to_string(),
            pipeline_sha256: run.pipeline_sha256.clone(),
            engine_version: run.engine_version.clone(),
            written_at: run.written_at.clone(),
            rows,
            money_unit: format!(
                "money columns end in {FEN_SUFFIX}: integer fen (分), 元 = 分 / 100"
            ),
            files,
            vintage: Some(vintage),
            replaced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn district() -> fixture::District {
        let jinhua = "案件编号,受理日期,办理状态,追发工资\nA1,2024-01-05,已结案,100.10\nA2,2024-02-05,办理中,\n";
        let shahe = "案件编号,受理日期,办理状态,追发工资\nB1,2024-05-05,已结案,0.20\n";
        fixture::district([Some(jinhua), Some(shahe), None], "")
    }

    #[test]
    fn a_period_kept_reads_back_as_history_exactly_and_a_rerun_on_the_same_files_moves_nothing() {
        let d = district();
        let store = Store::new(&fixture::path_in(&d, "store"), &d.plan.name);
        let history: &dyn History = &store;
        let period = d.plan.period;
        let source = &d.plan.sources[0];
        assert!(history
            .rows(source, &period, &d.data.roster)
            .unwrap()
            .is_none());
        assert!(history.vintage("cases", &period).unwrap().is_none());

        let results = compute::compute(&d.plan, &d.data).unwrap();
        let run = RunInfo::new(&d.plan, &d.data).unwrap();
        let printed = [printed_total(Some(100.30))];
        let first = store
            .write_period(&d.plan, &d.data, &results, &printed, &run)
            .unwrap();
        assert!(first.is_none(), "a first write is not a restatement");

        let stored = history
            .rows(source, &period, &d.data.roster)
            .unwrap()
            .unwrap();
        assert_eq!(stored.frame.height(), 3);
        let fen: Vec<Option<i64>> = stored
            .frame
            .column("追发工资")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        let total: i64 = fen.iter().flatten().sum();
        assert_eq!(total, 10_030, "money kept in fen, exactly");
        assert_eq!(stored.unknown_codes, 0);
        let vintage = history.vintage("cases", &period).unwrap().unwrap();
        assert_eq!(vintage.pipeline_sha256, run.pipeline_sha256);
        assert!(!vintage.restated);
        let kept = history.results(&period).unwrap().unwrap();
        assert!(kept
            .column(&result_column_name(
                "recovered",
                Some(pipeline::ValueKind::Money)
            ))
            .is_ok());

        let again = store
            .write_period(&d.plan, &d.data, &results, &printed, &run)
            .unwrap();
        let again = again.expect("a second write replaces the first");
        assert!(again.is_empty(), "same files, same figures: {again:?}");
        assert!(again.identical_inputs);
        // A re-run that changed nothing is no new vintage.
        assert_eq!(store.vintages(&period).unwrap().len(), 1);
        assert!(!history.vintage("cases", &period).unwrap().unwrap().restated);
    }

    fn printed_total(value: Option<f64>) -> PrintedFigure {
        PrintedFigure {
            sheet: "欠薪案件".into(),
            row: "合计".into(),
            submitter: None,
            column: "本年累计 / 追发工资".into(),
            figure: "recovered".into(),
            window: "本年累计".into(),
            display: pipeline::Display::Yuan,
            value,
            fen: value.map(|v| (v * 100.0).round() as i64),
        }
    }

    #[test]
    fn a_printed_figure_that_moved_is_listed_and_the_report_as_first_published_is_kept() {
        let d = district();
        let store = Store::new(&fixture::path_in(&d, "store"), &d.plan.name);
        let period = d.plan.period;
        let results = compute::compute(&d.plan, &d.data).unwrap();
        let run = RunInfo::new(&d.plan, &d.data).unwrap();
        store
            .write_period(
                &d.plan,
                &d.data,
                &results,
                &[printed_total(Some(100.30))],
                &run,
            )
            .unwrap();
        // The same rows, but an earlier month restated since: the 本年累计 printed moved.
        let later = store
            .write_period(
                &d.plan,
                &d.data,
                &results,
                &[printed_total(Some(140.30))],
                &run,
            )
            .unwrap()
            .unwrap();
        assert!(later.identical_inputs);
        assert_eq!(later.moved.len(), 1, "{:?}", later.moved);
        let moved = &later.moved[0];
        assert_eq!(
            (
                moved.sheet.as_str(),
                moved.row.as_str(),
                moved.before,
                moved.after
            ),
            ("欠薪案件", "合计", Some(100.30), Some(140.30))
        );
        let vintages = store.vintages(&period).unwrap();
        assert_eq!(
            vintages
                .iter()
                .map(|v| (v.number, v.current))
                .collect::<Vec<_>>(),
            [(1, false), (2, true)]
        );
        // Vintage 1 reads what was first stored; the table folder holds Parquet only.
        let first = store.at_vintage(&period, 1).unwrap();
        let printed = first.read_printed(&period).unwrap().unwrap();
        assert_eq!(
            printed.column("value").unwrap().f64().unwrap().get(0),
            Some(100.30)
        );
        let current = store.read_printed(&period).unwrap().unwrap();
        assert_eq!(
            current.column("value").unwrap().f64().unwrap().get(0),
            Some(140.30)
        );
        assert!(first.manifest("cases", &period).unwrap().is_some());
        let in_folder: Vec<String> = std::fs::read_dir(store.partition_dir("cases", &period))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(in_folder, [DATA_FILE_NAME]);
        assert!(matches!(
            store.at_vintage(&period, 3),
            Err(StoreError::NoVintage { .. })
        ));
    }
}
