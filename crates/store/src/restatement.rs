//! What changed when a stored period is run again: per submitter, the records added,
//! removed or changed (by the source's business key; without one, rows as a whole), and
//! the measures and indicators that moved. Printed by `run` and kept in the manifest's
//! history, so that a restated figure is never a silent one.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

/// How many keys are named per submitter and kind of change; the counts are always whole.
const EXAMPLES: usize = 3;

#[derive(Debug, Clone, Default)]
pub struct Restatement {
    pub period: String,
    /// When the replaced partition was written.
    pub replaced_written_at: String,
    pub sources: Vec<SourceChanges>,
    pub moved: Vec<MovedFigure>,
    /// Every file of every source has the SHA-256 it had when the period was stored, and
    /// the pipeline file too: a re-run, not a restatement.
    pub identical_inputs: bool,
}

impl Restatement {
    pub fn is_empty(&self) -> bool {
        self.sources.iter().all(|s| s.submitters.is_empty()) && self.moved.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct SourceChanges {
    pub source: String,
    /// The business key's columns, empty when the source has none (rows compared whole).
    pub key: Vec<String>,
    pub submitters: Vec<SubmitterChanges>,
}

#[derive(Debug, Clone, Default)]
pub struct SubmitterChanges {
    pub submitter: String,
    pub added: Changes,
    pub removed: Changes,
    pub changed: Changes,
}

/// A count and the first few records it counts.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub count: usize,
    pub examples: Vec<String>,
}

impl Changes {
    fn push(&mut self, record: &str) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(record.to_string());
        }
    }
}

/// A printed figure whose value differs from the one the replaced run printed in the same
/// cell (sheet, row, column).
#[derive(Debug, Clone)]
pub struct MovedFigure {
    pub sheet: String,
    /// The row's label: 合计, a township, a category.
    pub row: String,
    pub column: String,
    /// The unit of `before` and `after` (万元, 比率…).
    pub unit: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

/// Columns that are where a row came from, not what it says: a record moved to another row
/// or file is not a changed record.
const PROVENANCE: [&str; 4] = [
    "submitter_name",
    "source_file",
    "source_sheet",
    "source_row",
];

/// Records of one source's partition before and after, compared per submitter. `key`
/// holds the store names of the business key's columns.
pub fn compare_rows(
    source: &str,
    key: &[String],
    before: &DataFrame,
    after: &DataFrame,
) -> PolarsResult<SourceChanges> {
    let old = Records::of(key, before)?;
    let new = Records::of(key, after)?;
    let mut submitters: BTreeMap<String, SubmitterChanges> = BTreeMap::new();
    fn entry<'m>(
        submitters: &'m mut BTreeMap<String, SubmitterChanges>,
        who: Option<&str>,
    ) -> &'m mut SubmitterChanges {
        let who = who.unwrap_or("（无单位）");
        submitters
            .entry(who.to_string())
            .or_insert_with(|| named(who))
    }
    if key.is_empty() {
        // Rows compared whole, as multisets: only additions and removals can be told.
        let mut counts: HashMap<(Option<&str>, u64), (isize, usize, bool)> = HashMap::new();
        for i in 0..old.len() {
            let e = counts
                .entry((old.who[i], old.rows[i]))
                .or_insert((0, i, false));
            e.0 -= 1;
        }
        for i in 0..new.len() {
            let e = counts
                .entry((new.who[i], new.rows[i]))
                .or_insert((0, i, true));
            e.0 += 1;
            (e.1, e.2) = (i, true);
        }
        let mut moved: Vec<_> = counts.into_iter().filter(|(_, (n, ..))| *n != 0).collect();
        moved.sort_by_key(|((who, _), (_, i, in_new))| (*who, !*in_new, *i));
        for ((who, _), (n, i, in_new)) in moved {
            let text = if in_new { new.text(i) } else { old.text(i) };
            let s = entry(&mut submitters, who);
            for _ in 0..n.unsigned_abs() {
                match n > 0 {
                    true => s.added.push(&text),
                    false => s.removed.push(&text),
                }
            }
        }
    } else {
        fn index<'r>(r: &Records<'r>) -> HashMap<(Option<&'r str>, u64), usize> {
            (0..r.len()).map(|i| ((r.who[i], r.keys[i]), i)).collect()
        }
        let (old_at, new_at) = (index(&old), index(&new));
        for i in 0..new.len() {
            match old_at.get(&(new.who[i], new.keys[i])) {
                None => entry(&mut submitters, new.who[i])
                    .added
                    .push(&new.key_text(i)),
                Some(&j) if old.rows[j] != new.rows[i] => entry(&mut submitters, new.who[i])
                    .changed
                    .push(&new.key_text(i)),
                Some(_) => {}
            }
        }
        for j in 0..old.len() {
            if !new_at.contains_key(&(old.who[j], old.keys[j])) {
                entry(&mut submitters, old.who[j])
                    .removed
                    .push(&old.key_text(j));
            }
        }
    }
    Ok(SourceChanges {
        source: source.to_string(),
        key: key.to_vec(),
        submitters: submitters
            .into_values()
            .filter(|s| s.added.count + s.removed.count + s.changed.count > 0)
            .collect(),
    })
}

fn named(who: &str) -> SubmitterChanges {
    SubmitterChanges {
        submitter: who.to_string(),
        ..Default::default()
    }
}

/// A partition's rows as hashes: per row its submitter (borrowed), a hash of its business
/// key and of its content (provenance left out). Text is made only for the rows named in
/// the printout. A 64-bit hash: two different records taken for equal is a chance of about
/// one in 10^7 at a million rows, and would hide one change, never invent one.
struct Records<'a> {
    who: Vec<Option<&'a str>>,
    keys: Vec<u64>,
    rows: Vec<u64>,
    key_columns: Vec<&'a Column>,
    content: Vec<&'a Column>,
}

impl<'a> Records<'a> {
    fn of(key: &[String], frame: &'a DataFrame) -> PolarsResult<Records<'a>> {
        let who = frame.column("submitter_name")?.str()?.iter().collect();
        let content: Vec<&Column> = frame
            .columns()
            .iter()
            .filter(|c| !PROVENANCE.contains(&c.name().as_str()))
            .collect();
        let key_columns: Vec<&Column> = key
            .iter()
            .map(|k| frame.column(k))
            .collect::<PolarsResult<_>>()?;
        Ok(Records {
            who,
            keys: row_hashes(&key_columns, frame.height())?,
            rows: row_hashes(&content, frame.height())?,
            key_columns,
            content,
        })
    }

    fn len(&self) -> usize {
        self.who.len()
    }

    fn key_text(&self, i: usize) -> String {
        cells_text(&self.key_columns, i)
    }

    fn text(&self, i: usize) -> String {
        cells_text(&self.content, i)
    }
}

fn cells_text(columns: &[&Column], i: usize) -> String {
    let cells: Vec<String> = columns
        .iter()
        .map(|c| match c.get(i) {
            Ok(AnyValue::Null) | Err(_) => String::new(),
            Ok(AnyValue::String(s)) => s.to_string(),
            Ok(value) => value.to_string(),
        })
        .collect();
    cells.join("，")
}

/// One hash per row over `columns`, column by column (typed, no value formatted).
fn row_hashes(columns: &[&Column], rows: usize) -> PolarsResult<Vec<u64>> {
    use std::hash::{DefaultHasher, Hash, Hasher};
    fn mix<T: Hash>(acc: &mut u64, value: T) {
        let mut h = DefaultHasher::new();
        acc.hash(&mut h);
        value.hash(&mut h);
        *acc = h.finish();
    }
    let mut hashes = vec![0u64; rows];
    for c in columns {
        let series = c.as_materialized_series();
        match series.dtype() {
            DataType::String => {
                for (acc, v) in hashes.iter_mut().zip(series.str()?.iter()) {
                    mix(acc, v);
                }
            }
            DataType::Boolean => {
                for (acc, v) in hashes.iter_mut().zip(series.bool()?.iter()) {
                    mix(acc, v);
                }
            }
            DataType::Float64 => {
                for (acc, v) in hashes.iter_mut().zip(series.f64()?.iter()) {
                    mix(acc, v.map(f64::to_bits));
                }
            }
            _ => {
                let as_int = series.cast(&DataType::Int64)?;
                for (acc, v) in hashes.iter_mut().zip(as_int.i64()?.iter()) {
                    mix(acc, v);
                }
            }
        }
    }
    Ok(hashes)
}

/// The printed figures of the replaced run and of this one (`store::printed_frame`),
/// compared cell by cell: every figure that moved, in the order this run printed them (a
/// cell only one of the two runs printed counts as moved from or to "—").
pub fn compare_printed(before: &DataFrame, after: &DataFrame) -> PolarsResult<Vec<MovedFigure>> {
    // A cell by sheet, township (its code: its label gains 「（未报送）」 when it sends
    // nothing) or row label, and column.
    type Cell = (String, String, String);
    struct Printed {
        cell: Cell,
        row: String,
        unit: String,
        value: Option<f64>,
    }
    let cells = |frame: &DataFrame| -> PolarsResult<Vec<Printed>> {
        let text = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            Ok(frame
                .column(name)?
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect())
        };
        let (sheets, rows, columns, units) =
            (text("sheet")?, text("row")?, text("column")?, text("unit")?);
        let codes = text("submitter")?;
        let values = frame.column("value")?.f64()?.clone();
        Ok((0..frame.height())
            .map(|i| {
                let row = rows[i].clone().unwrap_or_default();
                let who = codes[i].clone().unwrap_or_else(|| row.clone());
                let (sheet, column) = (sheets[i].clone(), columns[i].clone());
                Printed {
                    cell: (sheet.unwrap_or_default(), who, column.unwrap_or_default()),
                    row,
                    unit: units[i].clone().unwrap_or_default(),
                    value: values.get(i),
                }
            })
            .collect())
    };
    let old = cells(before)?;
    let new = cells(after)?;
    let was: HashMap<&Cell, Option<f64>> = old.iter().map(|p| (&p.cell, p.value)).collect();
    let now: HashMap<&Cell, ()> = new.iter().map(|p| (&p.cell, ())).collect();
    let differs = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() > 1e-9 * a.abs().max(1.0),
        (a, b) => a.is_some() != b.is_some(),
    };
    let moved = |p: &Printed, before, after| MovedFigure {
        sheet: p.cell.0.clone(),
        row: p.row.clone(),
        column: p.cell.2.clone(),
        unit: p.unit.clone(),
        before,
        after,
    };
    let mut figures: Vec<MovedFigure> = new
        .iter()
        .filter_map(|p| {
            let before = was.get(&p.cell).copied().flatten();
            differs(before, p.value).then(|| moved(p, before, p.value))
        })
        .collect();
    figures.extend(
        old.iter()
            .filter(|p| p.value.is_some() && !now.contains_key(&p.cell))
            .map(|p| moved(p, p.value, None)),
    );
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rows: &[(&str, &str, i64)]) -> DataFrame {
        df![
            "案件编号" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "追发工资_分" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "submitter_name" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "source_row" => (0..rows.len() as u32).collect::<Vec<_>>(),
        ]
        .unwrap()
    }

    #[test]
    fn records_are_compared_by_key_per_submitter() {
        let before = frame(&[("甲", "A1", 100), ("甲", "A2", 200), ("乙", "B1", 5)]);
        // A1 moved one row down (not a change), A2 changed, A3 added, B1 removed.
        let after = frame(&[("甲", "A3", 1), ("甲", "A1", 100), ("甲", "A2", 250)]);
        let changes = compare_rows("cases", &["案件编号".to_string()], &before, &after).unwrap();
        let by: HashMap<&str, &SubmitterChanges> = changes
            .submitters
            .iter()
            .map(|s| (s.submitter.as_str(), s))
            .collect();
        assert_eq!(by["甲"].added.examples, ["A3"]);
        assert_eq!(by["甲"].changed.examples, ["A2"]);
        assert_eq!(by["甲"].removed.count, 0);
        assert_eq!(by["乙"].removed.examples, ["B1"]);
        assert_eq!(changes.submitters.len(), 2);
    }

    #[test]
    fn without_a_key_rows_are_added_or_removed_whole() {
        let before = frame(&[("甲", "A1", 100), ("甲", "A1", 100)]);
        let after = frame(&[("甲", "A1", 100), ("甲", "A1", 120)]);
        let changes = compare_rows("cases", &[], &before, &after).unwrap();
        let s = &changes.submitters[0];
        assert_eq!((s.added.count, s.removed.count, s.changed.count), (1, 1, 0));
    }
}
