//! A finding: one problem with the submitted data, located at a file, sheet and cell, with a
//! message in Chinese that can be sent back to the township. Ingest produces findings for
//! files and cells it cannot read; validation (rules) adds its own. The CLI and the report
//! render them; nothing else prints them.

use std::path::PathBuf;

use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row (or file) is excluded from every measure.
    Error,
    /// The row is kept; the township should still check it.
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Roster code of the submitter, when known.
    pub submitter: Option<String>,
    /// Path relative to the data folder.
    pub file: PathBuf,
    pub sheet: Option<String>,
    /// 1-based sheet row, when the finding is about a row or cell.
    pub row: Option<u32>,
    /// A1-style cell reference, when the finding is about one cell.
    pub cell: Option<String>,
    /// Canonical column name.
    pub column: Option<String>,
    /// The value as written.
    pub value: Option<String>,
    /// Short rule name: `type`, `required`, `file`, `sheet`, `header`, `submitter`…
    pub rule: String,
    pub message: String,
}

/// The one way to build a finding: `Finding::file(..)` for the whole file, then narrowed
/// with `in_sheet`, `at_row`/`at_cell`, `in_column`, `with_value`, `from_submitter`.
impl Finding {
    /// A finding about a whole file.
    pub fn file(
        severity: Severity,
        file: PathBuf,
        rule: &str,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            severity,
            submitter: None,
            file,
            sheet: None,
            row: None,
            cell: None,
            column: None,
            value: None,
            rule: rule.to_string(),
            message: message.into(),
        }
    }

    pub fn with_severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn in_sheet(mut self, sheet: Option<impl Into<String>>) -> Finding {
        self.sheet = sheet.map(Into::into);
        self
    }

    /// A 1-based sheet row.
    pub fn at_row(mut self, row: u32) -> Finding {
        self.row = Some(row);
        self
    }

    /// A cell by 0-based absolute row and column: sets the row and the A1 reference.
    pub fn at_cell(mut self, row: u32, col: u32) -> Finding {
        self.row = Some(row + 1);
        self.cell = Some(a1(row, col));
        self
    }

    /// A cell when its column is known, else the row alone.
    pub fn at_row_cell(self, row: u32, col: Option<u32>) -> Finding {
        match col {
            Some(col) => self.at_cell(row, col),
            None => self.at_row(row + 1),
        }
    }

    pub fn in_column(mut self, column: Option<impl Into<String>>) -> Finding {
        self.column = column.map(Into::into);
        self
    }

    pub fn with_value(mut self, value: Option<String>) -> Finding {
        self.value = value;
        self
    }

    pub fn from_submitter(mut self, code: Option<impl Into<String>>) -> Finding {
        self.submitter = code.map(Into::into);
        self
    }

    /// "文件 a.xlsx 工作表 台账 单元格 C7" — where, in words.
    pub fn location(&self) -> String {
        let mut text = self.file.display().to_string();
        if let Some(sheet) = &self.sheet {
            text.push_str(&format!(" [{sheet}]"));
        }
        match (&self.cell, self.row) {
            (Some(cell), _) => text.push_str(&format!(" {cell}")),
            (None, Some(row)) => text.push_str(&format!(" 第{row}行")),
            _ => {}
        }
        text
    }
}

/// A1-style reference from 0-based row and column: (0, 0) → "A1", (6, 27) → "AB7".
pub fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push((b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", letters.into_iter().collect::<String>(), row + 1)
}

/// Findings in the order a person reads the list: by submitter, file, row, cell, rule. The
/// 问题清单, the terminal and `--format json` all use it, so they agree line by line.
pub fn in_reading_order(findings: &[Finding]) -> Vec<&Finding> {
    let mut all: Vec<&Finding> = findings.iter().collect();
    all.sort_by(|a, b| {
        (&a.submitter, &a.file, a.row, &a.cell, &a.rule).cmp(&(
            &b.submitter,
            &b.file,
            b.row,
            &b.cell,
            &b.rule,
        ))
    });
    all
}

#[cfg(test)]
mod tests {
    use super::a1;

    #[test]
    fn a1_references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 25), "Z7");
        assert_eq!(a1(6, 27), "AB7");
        assert_eq!(a1(9, 701), "ZZ10");
    }
}
