//! The results every later stage reads: one [`LevelRow`] per submitter, subtotal, category
//! and 合计, and [`Results`] — the levels with the window figures, list rows, distribution
//! tables and per-file money — with the one rule for what a report column shows.

use std::collections::HashMap;

use pipeline::{Plan, SheetLayout, TotalPosition};

use crate::{lists, windows};

/// One row of results: a submitter, a subtotal (其中：街道) or the 合计 over everyone.
#[derive(Debug, Clone)]
pub struct LevelRow {
    /// Roster code; `None` for 合计 and subtotals.
    pub code: Option<String>,
    /// A subtotal's roster kind (街道, 镇…): its figures are computed over the rows of the
    /// submitters of that kind, like 合计 over all rows. `None` for 合计 and submitters.
    pub subtotal: Option<String>,
    /// A category row of a distribution table (`rows = { by }`): the value its rows hold.
    pub category: Option<String>,
    /// The distribution table (sheet name) a category row is of: two tables may both have
    /// a row 其他.
    pub breakdown: Option<String>,
    pub name: String,
    /// False when no file at all came from this submitter.
    pub submitted: bool,
    /// The sources (indices into `Plan::sources`) this submitter sent rows of; every source
    /// for 合计, subtotals and the levels of a window.
    pub sent: Vec<usize>,
    pub measures: HashMap<String, Option<f64>>,
    pub indicators: HashMap<String, Option<f64>>,
}

impl LevelRow {
    /// The row's label as a table sheet prints it: 合计, 其中：街道, the name, and
    /// 「（未报送）」 after a township that sent none of the sheet's ledgers (`sent`).
    pub fn row_label(&self, sent: bool) -> String {
        let summary = self.code.is_none() && self.category.is_none();
        match (self.is_total(), summary, sent) {
            (true, _, _) => "合计".to_string(),
            (false, true, _) | (false, false, true) => self.name.clone(),
            (false, false, false) => format!("{}（未报送）", self.name),
        }
    }

    /// The row's label on a table sheet: [`LevelRow::row_label`], with the sheet's own name
    /// for 合计 when it gives one (`total_label = "全区"`).
    pub fn label_on(&self, layout: &SheetLayout, sent: bool) -> String {
        match (&layout.total_label, self.is_total()) {
            (Some(label), true) => label.clone(),
            _ => self.row_label(sent),
        }
    }

    pub fn is_total(&self) -> bool {
        self.code.is_none() && self.subtotal.is_none() && self.category.is_none()
    }

    /// Whether this level sent any of `sources` (a sheet's): a township that sent its monthly
    /// report but not its case ledger is 未报送 on the case sheet. Always true for 合计 and
    /// subtotals, and for a figure that reads no source (a roster constant).
    pub fn sent_any(&self, sources: &[usize]) -> bool {
        self.code.is_none() || sources.is_empty() || sources.iter().any(|s| self.sent.contains(s))
    }

    /// What a level is known by in maps of figures (windows): its code, `其中：<kind>` for a
    /// subtotal (never a code: codes are digits), `类别：<sheet>：<value>` for a category
    /// row, `None` for 合计.
    pub fn key(&self) -> Option<String> {
        match (&self.code, &self.subtotal, &self.category) {
            (Some(code), _, _) => Some(code.clone()),
            (None, Some(kind), _) => Some(subtotal_name(kind)),
            (None, None, Some(value)) => Some(format!(
                "类别：{}：{value}",
                self.breakdown.as_deref().unwrap_or_default()
            )),
            (None, None, None) => None,
        }
    }
}

/// The row label of a subtotal: 其中：街道.
pub fn subtotal_name(kind: &str) -> String {
    format!("其中：{kind}")
}

/// 合计, then the subtotals (if any sheet shows them), then every roster submitter in code
/// order.
#[derive(Debug, Clone)]
pub struct Results {
    pub rows: Vec<LevelRow>,
    /// The figures of report columns over other windows (本年累计, 上年同期, 同比…).
    pub windows: windows::WindowFigures,
    /// The rows of each list sheet (`Plan::lists`).
    pub lists: Vec<lists::ListRows>,
    /// The rows of each distribution table (a sheet with `rows = { by }`), by sheet name: one
    /// per category, the other values' row, then 合计.
    pub categories: HashMap<String, Vec<LevelRow>>,
    /// What each file's used rows add up to, so a published total can be traced to files.
    pub file_money: FileMoney,
    /// The sources (indices into `Plan::sources`) at least one file's sheet was read for.
    pub sources_read: Vec<usize>,
}

/// Per file, the exact sum (fen) of each money column over the rows it contributed.
/// `columns` are the money column names of all sources; `fen[file][k]` is `None` when the
/// file's source has no column `columns[k]`.
#[derive(Debug, Clone, Default)]
pub struct FileMoney {
    pub columns: Vec<String>,
    pub fen: Vec<Vec<Option<i64>>>,
}

impl Results {
    pub fn total(&self) -> &LevelRow {
        self.rows
            .iter()
            .find(|r| r.is_total())
            .expect("合计 row always present")
    }

    pub fn submitter(&self, code: &str) -> Option<&LevelRow> {
        self.rows.iter().find(|r| r.code.as_deref() == Some(code))
    }

    /// Whether no file of any of `sources` was read this period (a figure over them is then
    /// unknown at every level, "—", not 0: last year's published report not sent). False
    /// for no sources (a roster constant).
    pub fn nobody_sent(&self, sources: &[usize]) -> bool {
        !sources.is_empty() && !sources.iter().any(|s| self.sources_read.contains(s))
    }

    /// The rows of a table sheet: 合计 with its subtotals (其中：街道…) when the sheet asks for
    /// them, first or last; the submitters in roster order.
    pub fn sheet_rows(&self, layout: &SheetLayout) -> Vec<&LevelRow> {
        let results = self;
        let total = results.rows.iter().filter(|r| r.is_total());
        // A distribution table: its categories (and the other values' row), then 合计.
        if let Some(rows) = results.categories.get(&layout.name) {
            let categories = rows.iter();
            return match layout.total {
                TotalPosition::First => total.chain(categories).collect(),
                TotalPosition::Last => categories.chain(total).collect(),
            };
        }
        let subtotals = results
            .rows
            .iter()
            .filter(|r| layout.subtotals && r.subtotal.is_some());
        let head: Vec<&LevelRow> = total.chain(subtotals).collect();
        let mut others: Vec<&LevelRow> = results.rows.iter().filter(|r| r.code.is_some()).collect();
        // 排名通报: townships by a figure of the sheet (a stable sort: ties keep roster order;
        // a township without the figure last).
        if let Some(sort) = &layout.sort {
            if let Some(column) = layout
                .columns
                .iter()
                .find(|c| c.indicator == sort.indicator)
            {
                let key = |r: &&LevelRow| self.column_value(column, r);
                others.sort_by(|a, b| match (key(a), key(b)) {
                    (Some(x), Some(y)) if sort.ascending => x.total_cmp(&y),
                    (Some(x), Some(y)) => y.total_cmp(&x),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                });
            }
        }
        match layout.total {
            TotalPosition::First => head.into_iter().chain(others).collect(),
            TotalPosition::Last => others.into_iter().chain(head).collect(),
        }
    }

    /// What a cell of a table sheet holds: [`Results::shown_value`], except a 名次 column,
    /// which holds the township's place among the sheet's townships that sent its ledgers,
    /// by the column's figure, highest first, ties sharing a place (1, 2, 2, 4); none for
    /// 合计, subtotals and categories.
    pub fn sheet_value(
        &self,
        plan: &Plan,
        layout: &SheetLayout,
        column: &pipeline::ReportColumn,
        level: &LevelRow,
    ) -> Option<f64> {
        if column.display != pipeline::Display::Rank {
            return self.shown_value(plan, column, level);
        }
        level.code.as_ref()?;
        let sources = plan.sources_of(layout.columns.iter().map(|c| c.indicator.as_str()));
        let value_of = |r: &LevelRow| {
            r.sent_any(&sources)
                .then(|| self.shown_value(plan, column, r))
                .flatten()
        };
        let mine = value_of(level)?;
        let above = self
            .rows
            .iter()
            .filter(|r| r.code.is_some())
            .filter_map(value_of)
            .filter(|v| *v > mine)
            .count();
        Some(above as f64 + 1.0)
    }

    /// What a report column shows for a level: [`Results::column_value`], except a figure
    /// of this period over tables nobody sent, which is unknown (`None`, shown "—").
    pub fn shown_value(
        &self,
        plan: &Plan,
        column: &pipeline::ReportColumn,
        level: &LevelRow,
    ) -> Option<f64> {
        let sources = plan.sources_of(std::iter::once(column.indicator.as_str()));
        match column.is_current() && self.nobody_sent(&sources) {
            true => None,
            false => self.column_value(column, level),
        }
    }

    /// The figure a report column shows for a level: the run's own, or its window's.
    pub fn column_value(&self, column: &pipeline::ReportColumn, level: &LevelRow) -> Option<f64> {
        if column.is_current() {
            level.indicators.get(&column.indicator).copied().flatten()
        } else {
            self.windows.value(column, level.key().as_deref())
        }
    }
}
