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

#[derive(Debug, Clone)]
pub struct MovedFigure {
    pub submitter: String,
    pub figure: String,
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
    let before = records(key, before)?;
    let after = records(key, after)?;
    let mut submitters: BTreeMap<String, SubmitterChanges> = BTreeMap::new();
    if key.is_empty() {
        // Rows compared whole, as multisets: only additions and removals can be told.
        let mut counts: HashMap<(&str, &str), isize> = HashMap::new();
        for (who, _, row) in &before {
            *counts.entry((who, row)).or_default() -= 1;
        }
        for (who, _, row) in &after {
            *counts.entry((who, row)).or_default() += 1;
        }
        let mut sorted: Vec<_> = counts.into_iter().filter(|(_, n)| *n != 0).collect();
        sorted.sort();
        for ((who, row), n) in sorted {
            let s = submitters
                .entry(who.to_string())
                .or_insert_with(|| named(who));
            for _ in 0..n.unsigned_abs() {
                if n > 0 {
                    s.added.push(row);
                } else {
                    s.removed.push(row);
                }
            }
        }
    } else {
        let old: HashMap<(&str, &str), &str> = before
            .iter()
            .map(|(who, key, row)| ((who.as_str(), key.as_str()), row.as_str()))
            .collect();
        let new: HashMap<(&str, &str), &str> = after
            .iter()
            .map(|(who, key, row)| ((who.as_str(), key.as_str()), row.as_str()))
            .collect();
        for (who, key, row) in &after {
            let s = submitters.entry(who.clone()).or_insert_with(|| named(who));
            match old.get(&(who.as_str(), key.as_str())) {
                None => s.added.push(key),
                Some(was) if was != row => s.changed.push(key),
                Some(_) => {}
            }
        }
        for (who, key, _) in &before {
            if !new.contains_key(&(who.as_str(), key.as_str())) {
                submitters
                    .entry(who.clone())
                    .or_insert_with(|| named(who))
                    .removed
                    .push(key);
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

/// Each row as (submitter, key text, content text). The submitter is its name as stored.
fn records(key: &[String], frame: &DataFrame) -> PolarsResult<Vec<(String, String, String)>> {
    let who = frame.column("submitter_name")?.str()?.clone();
    let content: Vec<&Column> = frame
        .columns()
        .iter()
        .filter(|c| !PROVENANCE.contains(&c.name().as_str()))
        .collect();
    let keys: Vec<&Column> = key
        .iter()
        .map(|k| frame.column(k))
        .collect::<PolarsResult<_>>()?;
    let text = |columns: &[&Column], i: usize| -> PolarsResult<String> {
        let mut out = String::new();
        for (n, c) in columns.iter().enumerate() {
            if n > 0 {
                out.push_str(if columns.len() == keys.len() {
                    "，"
                } else {
                    "\u{1f}"
                });
            }
            match c.get(i)? {
                AnyValue::Null => {}
                AnyValue::String(s) => out.push_str(s),
                value => out.push_str(&value.to_string()),
            }
        }
        Ok(out)
    };
    (0..frame.height())
        .map(|i| {
            let row = text(&content, i)?;
            let key_text = if keys.is_empty() {
                row.replace('\u{1f}', "，")
            } else {
                text(&keys, i)?
            };
            let row = if keys.is_empty() {
                key_text.clone()
            } else {
                row
            };
            Ok((
                who.get(i).unwrap_or("（无单位）").to_string(),
                key_text,
                row,
            ))
        })
        .collect()
}

/// The stored results before and after, figure by figure and submitter by submitter.
/// `labels` names each results column for people.
pub fn compare_results(
    before: &DataFrame,
    after: &DataFrame,
    labels: &[(String, String)],
) -> PolarsResult<Vec<MovedFigure>> {
    let names = |frame: &DataFrame| -> PolarsResult<Vec<String>> {
        Ok(frame
            .column("submitter_name")?
            .str()?
            .iter()
            .map(|n| n.unwrap_or("").to_string())
            .collect())
    };
    let (old_names, new_names) = (names(before)?, names(after)?);
    let mut moved = Vec::new();
    for (column, label) in labels {
        let (Ok(old), Ok(new)) = (before.column(column), after.column(column)) else {
            continue;
        };
        let (old, new) = (old.cast(&DataType::Float64)?, new.cast(&DataType::Float64)?);
        let old: HashMap<&str, Option<f64>> = old_names
            .iter()
            .map(String::as_str)
            .zip(old.f64()?.iter())
            .collect();
        for (who, value) in new_names.iter().zip(new.f64()?.iter()) {
            let was = old.get(who.as_str()).copied().flatten();
            let differs = match (was, value) {
                (Some(a), Some(b)) => (a - b).abs() > 1e-9 * a.abs().max(1.0),
                (a, b) => a.is_some() != b.is_some(),
            };
            if differs {
                moved.push(MovedFigure {
                    submitter: who.clone(),
                    figure: label.clone(),
                    before: was,
                    after: value,
                });
            }
        }
    }
    Ok(moved)
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
