//! A period's validation kept while nothing it read has changed. Every page shows the
//! period as validated, and reading and validating every file of a district takes up to a
//! second; a page view that finds the same inputs reuses the last validation instead.
//!
//! "The same inputs" is a fingerprint of everything a validation reads that can change while
//! the server runs: every file under the data folder (the CLI may add one by hand, an upload
//! adds one), the roster file, and the store's manifests (a run changes the earlier periods
//! a review compares with) — each by path, size, modification time and inode, so a file
//! replaced by a rename is a changed file even within the same second. The pipeline itself
//! is compiled once when the server starts.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use pipeline::{Plan, RosterSource};

use crate::engine::Validated;

/// The periods whose validation is kept (the most recently asked first out when more).
const KEPT: usize = 3;

type Fingerprint = Vec<(PathBuf, u64, Option<SystemTime>, u64)>;

#[derive(Default)]
pub struct Validations {
    kept: Mutex<Vec<(String, Fingerprint, Arc<Validated>)>>,
}

impl Validations {
    /// The kept validation of the plan's period when its inputs are unchanged.
    pub fn get(&self, plan: &Plan, now: &Fingerprint) -> Option<Arc<Validated>> {
        let period = plan.period.to_string();
        let kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.iter()
            .find(|(p, fingerprint, _)| *p == period && fingerprint == now)
            .map(|(_, _, validated)| validated.clone())
    }

    pub fn keep(&self, plan: &Plan, fingerprint: Fingerprint, validated: Arc<Validated>) {
        let period = plan.period.to_string();
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|(p, _, _)| *p != period);
        kept.insert(0, (period, fingerprint, validated));
        kept.truncate(KEPT);
    }
}

/// Everything a validation of `plan` reads that can change while the server runs.
pub fn fingerprint(plan: &Plan) -> Fingerprint {
    let mut found = Fingerprint::new();
    walk(&plan.data_dir, &mut found);
    if let RosterSource::File(path) = &plan.roster {
        note(path, &mut found);
    }
    if let Some(store) = &plan.store {
        walk(&store.join(&plan.name).join("_manifests"), &mut found);
    }
    found.sort();
    found
}

fn walk(dir: &Path, found: &mut Fingerprint) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(&path, found),
            Ok(_) => note(&path, found),
            Err(_) => {}
        }
    }
}

fn note(path: &Path, found: &mut Fingerprint) {
    if let Ok(meta) = std::fs::metadata(path) {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        found.push((path.to_path_buf(), meta.len(), meta.modified().ok(), inode));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_added_or_replaced_changes_the_fingerprint() {
        let district =
            fixture::district([Some("案件编号,受理日期\nA1,2024-03-01\n"), None, None], "");
        let plan = &district.plan;
        let before = fingerprint(plan);
        assert_eq!(before, fingerprint(plan));
        let added = plan.data_dir.join("新文件.csv");
        std::fs::write(&added, "a\n1\n").unwrap();
        let after = fingerprint(plan);
        assert_ne!(before, after);
        // Replaced by a rename, same size, at once: still another file.
        let beside = plan.data_dir.join(".beside");
        std::fs::write(&beside, "a\n2\n").unwrap();
        std::fs::rename(&beside, &added).unwrap();
        assert_ne!(after, fingerprint(plan));
    }
}
