//! A finding: one problem with the submitted data, located at a file, sheet and cell, with a
//! message in Chinese that can be sent back to the township. Ingest produces findings for
//! files and cells it cannot read; validation (rules) adds its own. The CLI and the report
//! render them; nothing else prints them.

use std::path::PathBuf;

use serde::Serialize;

/// A file system error in a user's words (the system's own text is English): what a
/// finding, a run's error or a pipeline diagnostic says when a file cannot be read or written.
pub fn io_words(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "文件或文件夹不存在",
        PermissionDenied => "没有读写权限",
        AlreadyExists => "同名文件已存在",
        InvalidData => "内容不是 UTF-8 文本",
        StorageFull => "磁盘已满",
        ReadOnlyFilesystem => "磁盘是只读的",
        IsADirectory => "这是一个文件夹，不是文件",
        NotADirectory => "路径中有一段不是文件夹",
        UnexpectedEof => "文件不完整（提前结束）",
        _ => "读写出错",
    }
}

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
    /// For a systemic finding (one rule failing in most of one column of one file): every
    /// cell it stands for, compact. Empty for a finding about one place.
    #[serde(skip)]
    pub cells: CellDetails,
}

/// The cells a systemic finding stands for, kept small: a wrong column of a million rows is
/// a normal event, not a reason to run out of memory. A cell is its row, column and value;
/// its message is one of the group's distinct messages, held once (a check-digit rule
/// failing on a million cells has a few hundred distinct messages).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellDetails {
    cells: Vec<CellDetail>,
    messages: Vec<Box<str>>,
}

#[derive(Debug, Clone, PartialEq)]
struct CellDetail {
    /// 1-based sheet row and 0-based sheet column.
    row: u32,
    col: u32,
    value: Option<Box<str>>,
    message: u32,
}

/// One cell of a systemic finding, as its outputs show it.
pub struct CellView<'a> {
    /// 1-based sheet row.
    pub row: u32,
    pub cell: String,
    pub value: Option<&'a str>,
    pub message: &'a str,
}

impl CellDetails {
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The cells in sheet order.
    pub fn iter(&self) -> impl Iterator<Item = CellView<'_>> + '_ {
        self.cells.iter().map(|c| self.view(c))
    }

    fn view<'a>(&'a self, c: &'a CellDetail) -> CellView<'a> {
        CellView {
            row: c.row,
            cell: a1(c.row - 1, c.col),
            value: c.value.as_deref(),
            message: &self.messages[c.message as usize],
        }
    }
}

/// Gathers a systemic finding's cells; each distinct message is kept once.
#[derive(Default)]
pub struct CellDetailsBuilder {
    cells: Vec<CellDetail>,
    ids: std::collections::HashMap<Box<str>, u32>,
}

impl CellDetailsBuilder {
    pub fn with_capacity(cells: usize) -> Self {
        CellDetailsBuilder {
            cells: Vec::with_capacity(cells),
            ids: Default::default(),
        }
    }

    /// A cell at 1-based `row` and 0-based `col`.
    pub fn push(&mut self, row: u32, col: u32, value: Option<Box<str>>, message: String) {
        let next = self.ids.len() as u32;
        let message = *self.ids.entry(message.into_boxed_str()).or_insert(next);
        self.cells.push(CellDetail {
            row,
            col,
            value,
            message,
        });
    }

    /// The cells in sheet order.
    fn finish(mut self) -> CellDetails {
        let mut messages = vec![Box::<str>::default(); self.ids.len()];
        for (message, id) in self.ids {
            messages[id as usize] = message;
        }
        self.cells.sort_by_key(|c| (c.row, c.col));
        self.cells.shrink_to_fit();
        CellDetails {
            cells: self.cells,
            messages,
        }
    }
}

/// A group of findings is systemic when one rule fails in one column of one file on at
/// least this many cells…
pub const SYSTEMIC_MIN_CELLS: usize = 100;
/// …and on at least this share of the column's filled cells.
pub const SYSTEMIC_SHARE: f64 = 0.9;

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
            cells: CellDetails::default(),
        }
    }

    pub fn is_systemic(&self) -> bool {
        !self.cells.is_empty()
    }

    /// The finding as one finding per place: a systemic finding becomes one per cell
    /// (for the full list: JSON lines and the CSV beside the 问题清单).
    pub fn expanded(&self) -> Box<dyn Iterator<Item = Finding> + '_> {
        if self.cells.is_empty() {
            return Box::new(std::iter::once(self.clone()));
        }
        Box::new(self.cells.iter().map(move |c| Finding {
            row: Some(c.row),
            cell: Some(c.cell),
            value: c.value.map(String::from),
            message: c.message.to_string(),
            cells: CellDetails::default(),
            ..self.without_cells()
        }))
    }

    fn without_cells(&self) -> Finding {
        Finding {
            severity: self.severity,
            submitter: self.submitter.clone(),
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: self.row,
            cell: self.cell.clone(),
            column: self.column.clone(),
            value: self.value.clone(),
            rule: self.rule.clone(),
            message: self.message.clone(),
            cells: CellDetails::default(),
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

/// Folds each group of findings of one rule in one column of one sheet into one systemic
/// finding when it is large ([`SYSTEMIC_MIN_CELLS`]) and covers most of the column's filled
/// cells ([`SYSTEMIC_SHARE`]; `filled` gives that count for a finding's file and column).
/// The systemic finding says where and how many, with the first cells as examples, and
/// keeps every cell compactly for the full list. Other findings pass unchanged.
pub fn collapse_systemic(
    findings: Vec<Finding>,
    filled: &dyn Fn(&Finding) -> Option<usize>,
) -> Vec<Finding> {
    use std::collections::HashMap;
    // Pass 1, borrowing: which group each finding is in, and each group's size.
    type Key<'a> = (
        &'a std::path::Path,
        Option<&'a str>,
        &'a str,
        &'a str,
        Severity,
    );
    let mut group_of: Vec<Option<usize>> = Vec::with_capacity(findings.len());
    let mut sizes: Vec<usize> = Vec::new();
    let mut first_of: Vec<usize> = Vec::new();
    {
        let mut groups: HashMap<Key, usize> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            let (Some(_), Some(column)) = (&f.cell, &f.column) else {
                group_of.push(None);
                continue;
            };
            let key = (
                f.file.as_path(),
                f.sheet.as_deref(),
                column.as_str(),
                f.rule.as_str(),
                f.severity,
            );
            let g = *groups.entry(key).or_insert_with(|| {
                sizes.push(0);
                first_of.push(i);
                sizes.len() - 1
            });
            sizes[g] += 1;
            group_of.push(Some(g));
        }
    }
    let is_systemic: Vec<bool> = sizes
        .iter()
        .zip(&first_of)
        .map(|(&n, &i)| filled(&findings[i]).is_some_and(|f| is_systemic_share(n, f)))
        .collect();
    if !is_systemic.contains(&true) {
        return findings;
    }
    // Pass 2, consuming: members of a systemic group move their texts into its cells.
    let mut heads: Vec<Option<(Finding, CellDetailsBuilder)>> =
        (0..sizes.len()).map(|_| None).collect();
    let mut out = Vec::new();
    for (mut f, g) in findings.into_iter().zip(group_of) {
        let place = f.cell.as_deref().and_then(parse_a1);
        let (Some(g), Some((row, col))) = (g.filter(|&g| is_systemic[g]), place) else {
            out.push(f);
            continue;
        };
        let value = f.value.take().map(String::into_boxed_str);
        let message = std::mem::take(&mut f.message);
        let (_, cells) =
            heads[g].get_or_insert_with(|| (f, CellDetailsBuilder::with_capacity(sizes[g])));
        cells.push(row + 1, col, value, message);
    }
    for (group, cells) in heads.into_iter().flatten() {
        let filled = filled(&group).unwrap_or(cells.cells.len());
        out.push(systemic(group, cells, filled));
    }
    out
}

/// Whether `n` cells failing one rule in a column with `filled` filled cells is systemic.
pub fn is_systemic_share(n: usize, filled: usize) -> bool {
    n >= SYSTEMIC_MIN_CELLS && n as f64 >= SYSTEMIC_SHARE * filled as f64
}

/// The systemic finding for `cells` of one rule in one column: `head` gives its file, sheet,
/// column, rule and severity; the message says where and how many, with the first cells.
pub fn systemic(mut head: Finding, cells: CellDetailsBuilder, filled: usize) -> Finding {
    let cells = cells.finish();
    let filled = filled.max(cells.len()).max(1);
    let (Some(first), Some(last)) = (cells.cells.first(), cells.cells.last()) else {
        return head;
    };
    let (first, last) = (cells.view(first), cells.view(last));
    let letters = first.cell.trim_end_matches(|c: char| c.is_ascii_digit());
    let examples: Vec<String> = cells
        .iter()
        .take(3)
        .map(|c| format!("{}：{}", c.cell, c.message))
        .collect();
    head.message = format!(
        "{letters}列第{}–{}行“{}”有{}个单元格不符合“{}”（占该列已填写单元格的{}%），多半是列对应错了或整列填错，请核对整列；例如 {}。逐格明细见问题明细 CSV",
        first.row,
        last.row,
        head.column.as_deref().unwrap_or(""),
        cells.len(),
        head.rule,
        cells.len() * 100 / filled,
        examples.join("；")
    );
    head.row = Some(first.row);
    head.cell = Some(format!("{}:{}", first.cell, last.cell));
    head.value = None;
    head.cells = cells;
    head
}

/// `AB12` → (11, 27), 0-based; `$` signs allowed; `None` for anything else.
pub fn parse_a1(reference: &str) -> Option<(u32, u32)> {
    let reference = reference.replace('$', "");
    let split = reference.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = reference.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col = 0u32;
    for c in letters.chars() {
        if !c.is_ascii_alphabetic() {
            return None;
        }
        col = col * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    let row: u32 = digits.parse().ok()?;
    (row >= 1 && col >= 1).then(|| (row - 1, col - 1))
}

/// `A`, `AB`: the letters of a 0-based sheet column.
pub fn column_letters(col: u32) -> String {
    a1(0, col).trim_end_matches('1').to_string()
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
    use super::*;

    fn cells(n: u32) -> Vec<Finding> {
        (0..n)
            .map(|r| {
                Finding::file(Severity::Error, "a.xlsx".into(), "type", format!("第{r}个"))
                    .in_sheet(Some("台账"))
                    .at_cell(r + 1, 2)
                    .in_column(Some("涉及人数"))
            })
            .collect()
    }

    #[test]
    fn one_rule_failing_in_most_of_a_column_is_one_systemic_finding() {
        // 100 of 110 filled cells (91 %): one finding standing for 100 cells.
        let collapsed = collapse_systemic(cells(100), &|_| Some(110));
        assert_eq!(collapsed.len(), 1);
        assert_eq!(collapsed[0].cells.len(), 100);
        assert_eq!(collapsed[0].cell.as_deref(), Some("C2:C101"));
        assert_eq!(collapsed[0].expanded().count(), 100);
        // 100 of 120 (83 %), or 99 cells: each stays a finding of its own.
        assert_eq!(collapse_systemic(cells(100), &|_| Some(120)).len(), 100);
        assert_eq!(collapse_systemic(cells(99), &|_| Some(99)).len(), 99);
    }

    #[test]
    fn a1_references() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 25), "Z7");
        assert_eq!(a1(6, 27), "AB7");
        assert_eq!(a1(9, 701), "ZZ10");
    }
}
