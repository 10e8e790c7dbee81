//! A township's "以上数据无误" as the pages see it. The confirmation itself is kept in the
//! store (`store::confirmations`: name, time, the files by SHA-256) and copied into the
//! manifest of the run that reads those files; here: which store, which files a township
//! confirms, and whether its confirmation still holds for the files there now.

use std::path::Path;

use ingest::Ingested;
use pipeline::Plan;
use store::{Confirmation, ConfirmedFile, PeriodConfirmations, Store};

/// A township's confirmation against its files now.
pub enum State {
    /// Confirmed, and the files are those confirmed.
    Holds(Confirmation),
    /// Confirmed, but a file changed since (why, in words).
    Lapsed(Confirmation, String),
    None,
}

/// The store that keeps confirmations: the pipeline's, or (a pipeline without one) a store
/// in the server's own folder.
pub fn store_of(plan: &Plan, serve_dir: &Path) -> Store {
    match &plan.store {
        Some(dir) => Store::new(dir, &plan.name),
        None => Store::new(&serve_dir.join("store"), &plan.name),
    }
}

/// The township's files of the period as read now, each with its SHA-256.
pub fn files_now(plan: &Plan, data: &Ingested, code: &str) -> anyhow::Result<Vec<ConfirmedFile>> {
    let mut labels: Vec<&Path> = data
        .files
        .iter()
        .filter(|f| f.submitter.as_deref() == Some(code))
        .map(|f| f.label.as_path())
        .collect();
    labels.sort();
    labels.dedup();
    labels
        .into_iter()
        .map(|label| {
            Ok(ConfirmedFile {
                path: label.to_string_lossy().into_owned(),
                sha256: store::sha256_of(&plan.data_dir.join(label))?,
            })
        })
        .collect()
}

/// Every township's state for the period, from one read of the store.
pub struct Period {
    confirmations: PeriodConfirmations,
}

impl Period {
    pub fn load(plan: &Plan, serve_dir: &Path) -> anyhow::Result<Period> {
        Ok(Period {
            confirmations: store_of(plan, serve_dir).confirmations(&plan.period)?,
        })
    }

    /// The township's confirmation against its files now (hashes only a confirmed
    /// township's files).
    pub fn state(&self, plan: &Plan, data: &Ingested, code: &str) -> anyhow::Result<State> {
        let Some(confirmation) = self.confirmations.get(code) else {
            return Ok(State::None);
        };
        let now = files_now(plan, data, code)?;
        Ok(match confirmation.still_holds(&now) {
            Ok(()) => State::Holds(confirmation.clone()),
            Err(why) => State::Lapsed(confirmation.clone(), why),
        })
    }
}
