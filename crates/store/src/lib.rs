//! The store: what each period's run accepted, kept between runs as Hive-partitioned
//! Parquet that DuckDB, Spark and Trino read as it is.
//!
//! ```text
//! <store>/<pipeline>/<source>/period=2024-11/data.parquet     validated rows, error rows removed
//! <store>/<pipeline>/<source>/period=2024-11/_manifest.json   pipeline hash, engine version, files (SHA-256, row account), time
//! <store>/<pipeline>/_results/period=2024-11/data.parquet     every measure and indicator per submitter and 合计
//! <store>/<pipeline>/.lock                                    held while a run writes
//! ```
//!
//! Columns keep their canonical names; money stays exact as integer fen in a column named
//! `<name>_分` (元 = 分 / 100); provenance is `submitter`, `submitter_name`, `source_file`,
//! `source_sheet`, `source_row`. A partition holds every row the period's files contributed —
//! for a cumulative ledger also rows dated outside the period — so a window (本年累计,
//! 上年同期) re-reads a partition and dates each measure by its own column (`compute::windows`).
//!
//! Each file is written to a temporary name and renamed over the old one, so a reader sees
//! the old partition or the new, never half of one. Replacing a stored period compares the
//! two by business key (`restatement`).

pub mod restatement;

pub use restatement::Restatement;

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use compute::Results;
use ingest::roster::Roster;
use ingest::{Ingested, FILE_COLUMN, ROW_COLUMN, SUBMITTER_COLUMN};
use pipeline::{ColumnType, Period, Plan, Source};

pub use history::{result_column_name, StoredRows, FEN_SUFFIX};
use history::{History, HistoryError, StoredVintage};
/// The data file of every partition.
pub const DATA_FILE_NAME: &str = "data.parquet";
const DATA_FILE: &str = DATA_FILE_NAME;
const MANIFEST_FILE: &str = "_manifest.json";
/// The partition folder of the results (measures and indicators per submitter).
pub const RESULTS_TABLE: &str = "_results";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("another laborstat run is writing the store {} (its lock file {} is held); wait for it to finish", dir.display(), lock.display())]
    Locked { dir: PathBuf, lock: PathBuf },
    #[error("cannot write the store at {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the stored partition {} cannot be read ({reason}); delete that folder and run its period again", path.display())]
    Unreadable { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One pipeline's folder in a store.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// Held while a run writes the store; released when dropped.
pub struct StoreLock {
    _file: File,
}

impl Store {
    pub fn new(dir: &Path, pipeline: &str) -> Store {
        Store {
            root: dir.join(pipeline),
        }
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

    pub fn partition_dir(&self, table: &str, period: &Period) -> PathBuf {
        self.root.join(table).join(format!("period={period}"))
    }

    /// The Parquet file of a stored partition (it may not exist).
    pub fn data_path(&self, table: &str, period: &Period) -> PathBuf {
        self.partition_dir(table, period).join(DATA_FILE)
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

    /// The manifest of a stored partition, `None` when the period is not stored.
    pub fn manifest(&self, table: &str, period: &Period) -> Result<Option<Manifest>, StoreError> {
        let path = self.partition_dir(table, period).join(MANIFEST_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| StoreError::Unreadable {
                path,
                reason: format!("manifest: {e}"),
            })
    }

    /// The stored rows of a partition as written (store column names), `None` when absent.
    pub fn read_raw(&self, table: &str, period: &Period) -> Result<Option<DataFrame>, StoreError> {
        let path = self.partition_dir(table, period).join(DATA_FILE);
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
        let path = self.partition_dir(&source.id, period);
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
                    .map_err(|_| unreadable(format!("column `{stored}` is not {dtype}")))?
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
            .map_err(|_| unreadable("no text column `submitter`".into()))?;
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
                .map_err(|_| unreadable("column `source_row` is not a number".into()))?,
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

    /// The stored results of a period (as written), `None` when not stored.
    pub fn read_results(&self, period: &Period) -> Result<Option<DataFrame>, StoreError> {
        self.read_raw(RESULTS_TABLE, period)
    }

    /// Writes the period's partitions: each source's accepted rows, its manifest and the
    /// results. Each file goes to a temporary name first and is renamed over the old one.
    /// When the period was stored before, says what changed (`None` for a first write).
    pub fn write_period(
        &self,
        plan: &Plan,
        data: &Ingested,
        results: &Results,
        run: &RunInfo,
    ) -> Result<Option<Restatement>, StoreError> {
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        let mut restatement: Option<Restatement> = None;
        let mut identical_inputs = true;
        for (si, source) in plan.sources.iter().enumerate() {
            let dir = self.partition_dir(&source.id, &plan.period);
            let table = &data.tables[si];
            let previous = self.manifest(&source.id, &plan.period)?;
            if let (Some(manifest), Some(before)) =
                (&previous, self.read_raw(&source.id, &plan.period)?)
            {
                // Only a restatement needs the whole new partition at once, to compare it.
                let frame = store_frame(source, table, data).map_err(|e| polars_io(&dir, e))?;
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
            written.push(write_parquet_by_file(&dir, source, table, data)?);
            let manifest = Manifest::new(plan, source, data, run, table.height(), previous);
            written.push(write_text(
                &dir,
                MANIFEST_FILE,
                &serde_json::to_string_pretty(&manifest).expect("plain data"),
            )?);
        }
        let dir = self.partition_dir(RESULTS_TABLE, &plan.period);
        let mut frame = results_frame(plan, results).map_err(|e| polars_io(&dir, e))?;
        if let (Some(r), Some(before)) = (&mut restatement, self.read_results(&plan.period)?) {
            let labels: Vec<(String, String)> = plan
                .indicators
                .iter()
                .map(|i| (result_column_name(&i.name, i.kind), i.label.clone()))
                .chain(
                    plan.measures
                        .iter()
                        .filter(|m| plan.indicator(&m.name).is_none())
                        .map(|m| (result_column_name(&m.name, Some(m.kind)), m.label.clone())),
                )
                .collect();
            r.moved = restatement::compare_results(&before, &frame, &labels)
                .map_err(|e| polars_io(&dir, e))?;
        }
        if let Some(r) = &mut restatement {
            r.identical_inputs = identical_inputs;
        }
        written.push(write_parquet(&dir, &mut frame)?);
        // All written, then all renamed: a failure above leaves the old partitions whole.
        for (temporary, path) in written {
            std::fs::rename(&temporary, &path).map_err(io(&path))?;
        }
        Ok(restatement)
    }
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
        self.read_results(period).map_err(boxed)
    }

    fn results_location(&self, period: &Period) -> PathBuf {
        self.partition_dir(RESULTS_TABLE, period)
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
        let values: Float64Chunked = rows
            .iter()
            .map(|(_, r)| r.measures.get(&m.name).copied().flatten())
            .collect();
        let name = result_column_name(&m.name, Some(m.kind));
        columns.push(values.with_name(name.as_str().into()).into_column());
    }
    for i in &plan.indicators {
        if !seen.insert(i.name.as_str()) {
            continue; // a measure shown as it is
        }
        let values: Float64Chunked = rows
            .iter()
            .map(|(_, r)| r.indicators.get(&i.name).copied().flatten())
            .collect();
        let name = result_column_name(&i.name, i.kind);
        columns.push(values.with_name(name.as_str().into()).into_column());
    }
    DataFrame::new(rows.len(), columns)
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
    /// The partitions this one replaced, latest last (a restated period).
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
}

impl ManifestFile {
    /// Every file a source read this run, with its hash and row account.
    pub fn of_source(source: &Source, data: &Ingested, run: &RunInfo) -> Vec<ManifestFile> {
        data.files
            .iter()
            .filter(|f| f.source == source.id)
            .map(|f| ManifestFile {
                path: f.label.to_string_lossy().into_owned(),
                sha256: run.file_sha256.get(&f.label).cloned().unwrap_or_default(),
                submitter: f.submitter.clone(),
                sheet: f.sheet.clone(),
                used: f.used,
                rows_read: f.counts.read,
                rows_used: f.counts.used,
                rows_rejected: f.counts.rejected,
                rows_skipped: f.counts.skipped_total(),
            })
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replaced {
    pub written_at: String,
    pub pipeline_sha256: String,
    pub rows: usize,
}

impl Manifest {
    fn new(
        plan: &Plan,
        source: &Source,
        data: &Ingested,
        run: &RunInfo,
        rows: usize,
        previous: Option<Manifest>,
    ) -> Manifest {
        let files = ManifestFile::of_source(source, data, run);
        let replaced = match previous {
            Some(previous) => {
                let mut replaced = previous.replaced;
                replaced.push(Replaced {
                    written_at: previous.written_at,
                    pipeline_sha256: previous.pipeline_sha256,
                    rows: previous.rows,
                });
                replaced
            }
            None => Vec::new(),
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
        let first = store
            .write_period(&d.plan, &d.data, &results, &run)
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
            .write_period(&d.plan, &d.data, &results, &run)
            .unwrap();
        let again = again.expect("a second write replaces the first");
        assert!(again.is_empty(), "same files, same figures: {again:?}");
        assert!(history.vintage("cases", &period).unwrap().unwrap().restated);
    }
}
