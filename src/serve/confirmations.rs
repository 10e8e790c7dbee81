//! A township's "以上数据无误": who confirmed its files for a period, and when. Kept in
//! `<output>/serve/confirmations.json` (written atomically); a file sent afterwards voids
//! the confirmation — what was confirmed is no longer what is there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Confirmation {
    /// The name the clerk typed (填报人).
    pub name: String,
    pub account: String,
    pub time: String,
}

/// period → township code → its confirmation.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Confirmations {
    periods: BTreeMap<String, BTreeMap<String, Confirmation>>,
}

impl Confirmations {
    fn path(serve_dir: &Path) -> PathBuf {
        serve_dir.join("confirmations.json")
    }

    pub fn load(serve_dir: &Path) -> anyhow::Result<Confirmations> {
        let path = Confirmations::path(serve_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("确认记录 {} 无法读取", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Confirmations::default()),
            Err(e) => Err(e).with_context(|| format!("读取 {}", path.display())),
        }
    }

    fn save(&self, serve_dir: &Path) -> anyhow::Result<()> {
        let path = Confirmations::path(serve_dir);
        let temporary = serve_dir.join(".confirmations.json.tmp");
        std::fs::write(&temporary, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("写入 {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("写入 {}", path.display()))
    }

    pub fn get(&self, period: &str, code: &str) -> Option<&Confirmation> {
        self.periods.get(period)?.get(code)
    }

    /// Records a confirmation (replacing an earlier one of the period).
    pub fn confirm(
        serve_dir: &Path,
        period: &str,
        code: &str,
        confirmation: Confirmation,
    ) -> anyhow::Result<()> {
        let mut all = Confirmations::load(serve_dir)?;
        all.periods
            .entry(period.to_string())
            .or_default()
            .insert(code.to_string(), confirmation);
        all.save(serve_dir)
    }

    /// A file sent after a confirmation voids it.
    pub fn void(serve_dir: &Path, period: &str, code: &str) -> anyhow::Result<bool> {
        let mut all = Confirmations::load(serve_dir)?;
        let removed = all
            .periods
            .get_mut(period)
            .and_then(|p| p.remove(code))
            .is_some();
        if removed {
            all.save(serve_dir)?;
        }
        Ok(removed)
    }
}
