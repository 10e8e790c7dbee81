//! A township's "以上数据无误": who confirmed which files of a period, and when. Kept in the
//! store beside the manifests (`<store>/<pipeline>/_confirmations/period=2024.json`), and
//! copied into each manifest's file entry by the run that reads the same file (same path,
//! same SHA-256): the published figure's provenance then says that the township confirmed
//! exactly the file it was computed from.
//!
//! A confirmation names the files by hash, so a file changed afterwards by any route (sent
//! again through the page, or replaced in the folder by hand) no longer matches it:
//! [`Confirmation::still_holds`] says so, and the manifest leaves that file unconfirmed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{io, write_text, Store, StoreError};
use pipeline::Period;

const CONFIRMATIONS: &str = "_confirmations";

/// One file as it was when confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedFile {
    /// The file's path under the data folder, as manifests name it.
    pub path: String,
    pub sha256: String,
}

/// Who confirmed, when, and exactly which files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// The name the clerk typed (填报人).
    pub name: String,
    /// The account that was signed in.
    pub account: String,
    pub time: String,
    pub files: Vec<ConfirmedFile>,
}

/// What a manifest keeps of a confirmation for one of its files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedBy {
    pub name: String,
    pub account: String,
    pub time: String,
}

impl Confirmation {
    /// Whether the township's files now (path, SHA-256) are exactly those confirmed; `Err`
    /// names, in words, the first file that differs.
    pub fn still_holds(&self, now: &[ConfirmedFile]) -> Result<(), String> {
        for file in now {
            match self.files.iter().find(|f| f.path == file.path) {
                Some(then) if then.sha256 == file.sha256 => {}
                Some(_) => return Err(format!("{}在确认后有改动", file.path)),
                None => return Err(format!("{}是确认后新报送的", file.path)),
            }
        }
        match self
            .files
            .iter()
            .find(|f| !now.iter().any(|n| n.path == f.path))
        {
            Some(gone) => Err(format!("{}在确认后被移走", gone.path)),
            None => Ok(()),
        }
    }

    /// The confirmation of a file read this run, when its township confirmed exactly it.
    pub fn of_report(file: &ingest::FileReport, run: &crate::RunInfo) -> Option<ConfirmedBy> {
        let path = file.label.to_string_lossy();
        let sha256 = run.file_sha256.get(&file.label)?;
        run.confirmations
            .get(file.submitter.as_ref()?)?
            .of_file(&path, sha256)
    }

    /// The confirmation of one file, when it is the file confirmed.
    pub fn of_file(&self, path: &str, sha256: &str) -> Option<ConfirmedBy> {
        self.files
            .iter()
            .any(|f| f.path == path && f.sha256 == sha256)
            .then(|| ConfirmedBy {
                name: self.name.clone(),
                account: self.account.clone(),
                time: self.time.clone(),
            })
    }
}

/// Township code → its confirmation, for one period.
pub type PeriodConfirmations = BTreeMap<String, Confirmation>;

impl Store {
    fn confirmations_path(&self, period: &Period) -> PathBuf {
        self.root
            .join(CONFIRMATIONS)
            .join(format!("period={period}.json"))
    }

    /// The period's confirmations (none when none was made).
    pub fn confirmations(&self, period: &Period) -> Result<PeriodConfirmations, StoreError> {
        let path = self.confirmations_path(period);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| StoreError::Unreadable {
                path,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(StoreError::Io { path, source: e }),
        }
    }

    /// Records a township's confirmation (replacing its earlier one of the period), under
    /// the store's lock: never between a run's reading of confirmations and its manifests.
    pub fn confirm(
        &self,
        period: &Period,
        code: &str,
        confirmation: Confirmation,
    ) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut all = self.confirmations(period)?;
        all.insert(code.to_string(), confirmation);
        self.save_confirmations(period, &all)
    }

    /// Withdraws a township's confirmation (a file sent after it); whether there was one.
    pub fn void_confirmation(&self, period: &Period, code: &str) -> Result<bool, StoreError> {
        let _lock = self.lock()?;
        let mut all = self.confirmations(period)?;
        if all.remove(code).is_none() {
            return Ok(false);
        }
        self.save_confirmations(period, &all)?;
        Ok(true)
    }

    fn save_confirmations(
        &self,
        period: &Period,
        all: &PeriodConfirmations,
    ) -> Result<(), StoreError> {
        let path = self.confirmations_path(period);
        let (temporary, path) = write_text(
            path.parent().expect("in _confirmations"),
            path.file_name()
                .and_then(|n| n.to_str())
                .expect("period=….json"),
            &serde_json::to_string_pretty(all).expect("plain data"),
        )?;
        std::fs::rename(&temporary, &path).map_err(io(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, sha: &str) -> ConfirmedFile {
        ConfirmedFile {
            path: path.into(),
            sha256: sha.into(),
        }
    }

    #[test]
    fn a_confirmation_holds_only_for_the_files_confirmed() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::new(folder.path(), "annual");
        let period = Period::parse("2024").unwrap();
        let confirmation = Confirmation {
            name: "张三".into(),
            account: "t1".into(),
            time: "2024-12-01 10:00:00".into(),
            files: vec![file("a/cases.xlsx", "11")],
        };
        store.confirm(&period, "001", confirmation).unwrap();
        let read = store.confirmations(&period).unwrap();
        let c = &read["001"];
        assert_eq!(c.still_holds(&[file("a/cases.xlsx", "11")]), Ok(()));
        assert!(c
            .still_holds(&[file("a/cases.xlsx", "22")])
            .unwrap_err()
            .contains("改动"));
        assert!(c
            .still_holds(&[file("a/cases.xlsx", "11"), file("a/more.xlsx", "33")])
            .unwrap_err()
            .contains("新报送"));
        assert!(c.still_holds(&[]).unwrap_err().contains("移走"));
        assert_eq!(c.of_file("a/cases.xlsx", "11").unwrap().name, "张三");
        assert_eq!(c.of_file("a/cases.xlsx", "22"), None);
        assert!(store.void_confirmation(&period, "001").unwrap());
        assert!(!store.void_confirmation(&period, "001").unwrap());
        assert!(store.confirmations(&period).unwrap().is_empty());
    }
}
