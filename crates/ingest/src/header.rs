//! Finding the table inside a form-shaped sheet: which row is the header (by content, below
//! 0–5 title rows), whether a second header row sits under it (涉及金额 over 元, merged
//! cells), which sheet column holds each declared column, and which rows after the header
//! are not data (合计/小计, 备注, 填表人…, blank rows, a repeated header).

use calamine::{Data, Dimensions, Range};

use super::cell::{
    display_text, is_blank, normalize_char, normalize_key, CellReader, DateSystem, Parsed,
};
use pipeline::{Column, ColumnType};

/// How many rows from the top may hold titles and the header.
const HEADER_SEARCH_ROWS: usize = 12;
/// The rows read before the header is known: the search rows and the one under the last.
pub const HEAD_ROWS: u32 = HEADER_SEARCH_ROWS as u32 + 1;

/// Second-row header cells that are units, not names.
const UNIT_WORDS: [&str; 14] = [
    "元", "万元", "人", "人次", "件", "户", "个", "家", "名", "起", "%", "天", "日", "项",
];

/// Where the header is and how sheet columns map to declared columns.
#[derive(Debug, Clone)]
pub struct Header {
    /// 0-based row index inside the range of the (first) header row.
    pub row: usize,
    /// 1 to 3 rows.
    pub height: usize,
    /// Flattened label of every sheet column, as written (for messages and `inspect`).
    pub labels: Vec<String>,
    /// For each declared column, the sheet column index that matched.
    pub mapping: Vec<Option<usize>>,
}

impl Header {
    pub fn first_data_row(&self) -> usize {
        self.row + self.height
    }

    /// Each sheet column's label when no declared column took it, else "": what
    /// "did you mean" may offer for an absent column.
    pub fn unmapped_labels(&self) -> Vec<String> {
        self.labels
            .iter()
            .enumerate()
            .map(|(c, l)| {
                if self.mapping.contains(&Some(c)) {
                    String::new()
                } else {
                    l.clone()
                }
            })
            .collect()
    }
}

/// Normalised label without a trailing unit in brackets: `涉及金额(元)` → `涉及金额`.
fn strip_unit(label: &str) -> &str {
    if let Some(open) = label.rfind('(') {
        let inside = label[open + 1..].trim_end_matches(')');
        if label.ends_with(')') && open > 0 && UNIT_WORDS.contains(&inside) {
            return &label[..open];
        }
    }
    label
        .strip_suffix("/元")
        .or_else(|| label.strip_suffix("/万元"))
        .unwrap_or(label)
}

/// The spellings a header cell (or two stacked cells) may be matched by, normalised, in
/// two tiers: what names this column itself, and — for a sub-column of a merged group —
/// the group's name alone, which only counts when nothing more specific matched.
struct Variants {
    strong: Vec<String>,
    weak: Vec<String>,
}

fn label_variants(tiers: &[&str]) -> Variants {
    // Tiers that repeat the one above (a name merged down through them) add nothing.
    let mut levels: Vec<String> = Vec::new();
    for tier in tiers.iter().map(|t| normalize_key(t)) {
        if !tier.is_empty() && levels.last() != Some(&tier) {
            levels.push(tier);
        }
    }
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    match levels.as_slice() {
        [] => {}
        [only] => strong.push(only.clone()),
        [groups @ .., parent, leaf] => {
            strong.push(format!("{parent}({leaf})"));
            strong.push(format!("{parent}{leaf}"));
            strong.push(leaf.clone());
            weak.push(parent.clone());
            weak.extend(groups.iter().rev().cloned());
        }
    }
    Variants { strong, weak }
}

/// Matches declared columns to labelled sheet columns, most specific evidence first: exact
/// spellings, then spellings with the unit stripped, then a merged group's name alone.
/// Each sheet column is used once.
fn match_columns(variants: &[Variants], columns: &[Column]) -> Vec<Option<usize>> {
    let mut mapping = vec![None; columns.len()];
    let mut used = vec![false; variants.len()];
    for weak in [false, true] {
        for strict in [true, false] {
            for (ci, column) in columns.iter().enumerate() {
                // A computed column is filled by ingest, never read from a sheet.
                if mapping[ci].is_some() || column.working_days.is_some() {
                    continue;
                }
                'aliases: for alias in &column.aliases {
                    let alias = normalize_key(alias);
                    let loose = strip_unit(&alias);
                    for (si, v) in variants.iter().enumerate() {
                        let labels = if weak { &v.weak } else { &v.strong };
                        if used[si] {
                            continue;
                        }
                        let hit = if strict {
                            labels.contains(&alias)
                        } else {
                            labels.iter().any(|l| strip_unit(l) == loose)
                        };
                        if hit {
                            mapping[ci] = Some(si);
                            used[si] = true;
                            break 'aliases;
                        }
                    }
                }
            }
        }
    }
    mapping
}

fn row_text(range: &Range<Data>, row: usize) -> Vec<String> {
    (0..range.width())
        .map(|c| {
            range
                .get((row, c))
                .map(display_text)
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect()
}

/// Top labels of a two-row header: a horizontally merged cell lends its text to the cells it covers.
fn spread_merged(top: &mut [String], row_abs: u32, col0: u32, merges: &[Dimensions]) {
    for m in merges {
        if m.start.0 == row_abs && m.end.1 > m.start.1 {
            let first = (m.start.1.saturating_sub(col0)) as usize;
            let text = top.get(first).cloned().unwrap_or_default();
            for c in (m.start.1 + 1)..=m.end.1 {
                if let Some(cell) = top.get_mut((c.saturating_sub(col0)) as usize) {
                    if cell.is_empty() {
                        *cell = text.clone();
                    }
                }
            }
        }
    }
}

/// The cells of one row of a range (0-based inside it); empty past its end. It walks the
/// rows before it: for a single row near the top, not inside a loop over rows.
pub fn row_at(range: &Range<Data>, row: usize) -> &[Data] {
    range.rows().nth(row).unwrap_or(&[])
}

/// Whether a row holds values of data: a number, a date, or text that reads as either.
/// Header labels are words; a row with data values in it is never a header row.
pub fn holds_data_values(cells: &[Data]) -> bool {
    cells.iter().any(|c| match c {
        Data::Float(_)
        | Data::Int(_)
        | Data::DateTime(_)
        | Data::DateTimeIso(_)
        | Data::Bool(_) => true,
        Data::String(s) => {
            let key = normalize_key(s);
            !UNIT_WORDS.contains(&key.trim_matches(['(', ')']))
                && (super::cell::parse_number(c).is_ok()
                    || super::cell::parse_date(c, DateSystem::Excel1900).is_ok())
        }
        _ => false,
    })
}

/// Positive evidence that the row under a header row continues it: a name merged down
/// into it, units or declared names only, or sub-labels only under the top row's merged
/// group names (every cell outside the groups empty, as under names that span both rows).
fn is_header_continuation(
    bottom: &[String],
    row_abs: u32,
    col0: u32,
    merges: &[Dimensions],
    columns: &[Column],
) -> bool {
    if bottom.iter().all(|b| b.is_empty()) {
        return false;
    }
    let merged_down = merges
        .iter()
        .any(|m| m.start.0 == row_abs && m.end.0 > m.start.0);
    let under_group = |c: usize| {
        let c = col0 + c as u32;
        merges.iter().any(|m| {
            m.start.0 == row_abs && m.end.1 > m.start.1 && (m.start.1..=m.end.1).contains(&c)
        })
    };
    let sub_labels_only = bottom
        .iter()
        .enumerate()
        .all(|(c, b)| b.is_empty() || under_group(c));
    let names: Vec<String> = columns
        .iter()
        .flat_map(|c| c.aliases.iter().map(|a| normalize_key(a)))
        .collect();
    let all_headerish = bottom.iter().filter(|b| !b.is_empty()).all(|b| {
        let key = normalize_key(b);
        UNIT_WORDS.contains(&key.as_str())
            || UNIT_WORDS.contains(&key.trim_matches(['(', ')']))
            || names.contains(&key)
            || names.iter().any(|n| strip_unit(n) == strip_unit(&key))
    });
    merged_down || sub_labels_only || all_headerish
}

/// Finds the header row by content. `merges` are the sheet's merged regions (absolute
/// positions; empty for formats that do not report them).
/// At most this many title, unit and blank rows are held above another table's header.
const TITLE_ROWS: usize = 4;

/// At most this many rows make one header (group › sub-group › column).
const MAX_HEADER_ROWS: usize = 3;

pub fn find_header(
    range: &Range<Data>,
    columns: &[Column],
    merges: &[Dimensions],
) -> Option<Header> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let limit = range.height().min(HEADER_SEARCH_ROWS);
    let mut best: Option<(usize, Header)> = None;
    for r in 0..limit {
        let top = row_text(range, r);
        if top.iter().filter(|t| !t.is_empty()).count() < 2 {
            continue;
        }
        let one: Vec<Variants> = top.iter().map(|t| label_variants(&[t.as_str()])).collect();
        let mapping = match_columns(&one, columns);
        let score = mapping.iter().flatten().count();
        let mut candidate = (
            score,
            Header {
                row: r,
                height: 1,
                labels: top.clone(),
                mapping,
            },
        );
        // Rows under a header row may continue it (a group name over sub-labels, units;
        // up to three tiers: 案件办理结果 › 追发待遇 › 追发工资(元)). A row of data values
        // (numbers, dates) is never a header row, whatever it matches.
        let mut tiers = vec![top];
        while score > 0 && tiers.len() < MAX_HEADER_ROWS {
            let below = r + tiers.len();
            if below >= range.height() || holds_data_values(row_at(range, below)) {
                break;
            }
            let bottom = row_text(range, below);
            let above_abs = row0 + below as u32 - 1;
            let continues = is_header_continuation(&bottom, above_abs, col0, merges, columns);
            // The tier above lends a merged group name to the cells it spans.
            if let Some(above) = tiers.last_mut() {
                spread_merged(above, above_abs, col0, merges);
            }
            tiers.push(bottom);
            let stacked: Vec<Variants> = (0..tiers[0].len())
                .map(|c| label_variants(&tiers.iter().map(|t| t[c].as_str()).collect::<Vec<_>>()))
                .collect();
            let mapping = match_columns(&stacked, columns);
            let stacked_score = mapping.iter().flatten().count();
            // Stacked labels must explain more columns, or the row below must look like
            // header text (units, names, merged cells), not like data.
            if stacked_score < candidate.0 || (stacked_score == candidate.0 && !continues) {
                break;
            }
            let labels = (0..tiers[0].len())
                .map(|c| {
                    let mut parts: Vec<&str> = Vec::new();
                    for t in &tiers {
                        if !t[c].is_empty() && parts.last() != Some(&t[c].as_str()) {
                            parts.push(&t[c]);
                        }
                    }
                    parts.join("/")
                })
                .collect();
            candidate = (
                stacked_score,
                Header {
                    row: r,
                    height: tiers.len(),
                    labels,
                    mapping,
                },
            );
        }
        if candidate.0 > best.as_ref().map(|b| b.0).unwrap_or(0) {
            best = Some(candidate);
        }
    }
    best.map(|(_, header)| header)
}

/// Why a row after the header is not data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    Blank,
    /// 合计 / 小计 / 总计.
    Total,
    /// 备注, 填表人, 审核人, 联系电话, 报出日期… and everything below them.
    Footer,
    /// The header printed again (a sheet pasted from several pages).
    RepeatedHeader,
    /// The period column holds a date outside the report period.
    OutsidePeriod,
    /// The submitter sent another file for the same ledger, which was used instead.
    SupersededFile,
    /// The title and header of another table in the same sheet (上年结转案件 under this
    /// year's cases), whose rows are read by their own header.
    NewTable,
    /// A part of a total written as a row of its own (其中：街道, 其中：农民工): counted in
    /// the rows above it already, so read as data it would count twice.
    PartOfTotal,
    /// A row of a summary source read for its 合计 row alone (`use_total_row`): its figures
    /// are in the total.
    InTotalRow,
}

impl SkipReason {
    /// Every reason, in the order the row-account sheets show them as columns.
    pub const ALL: [SkipReason; 9] = [
        SkipReason::Blank,
        SkipReason::Total,
        SkipReason::Footer,
        SkipReason::RepeatedHeader,
        SkipReason::OutsidePeriod,
        SkipReason::SupersededFile,
        SkipReason::NewTable,
        SkipReason::PartOfTotal,
        SkipReason::InTotalRow,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Blank => "空行",
            SkipReason::Total => "合计/小计行",
            SkipReason::Footer => "表尾(备注/填表人等)",
            SkipReason::RepeatedHeader => "重复表头",
            SkipReason::OutsidePeriod => "不在报告期内",
            SkipReason::SupersededFile => "重复报送未采用",
            SkipReason::NewTable => "另一表格的标题/表头",
            SkipReason::PartOfTotal => "“其中”行",
            SkipReason::InTotalRow => "明细行(采用合计行)",
        }
    }
}

const TOTAL_WORDS: [&str; 5] = ["合计", "总计", "小计", "累计", "总数"];
/// Words a total's label may end with instead (街道小计, 全区合计).
const TOTAL_ENDINGS: [&str; 3] = ["合计", "总计", "小计"];
/// The word a part of a total is written under (其中：街道).
const PART_OF_TOTAL: &str = "其中";
/// Words a footer row starts with (compared after `normalize_key`: half-width, no spaces).
/// A row starting with one is a footer only when it does not parse as a record, so a word
/// here never costs a company called 电话机械有限公司 its case.
const FOOTER_WORDS: [&str; 31] = [
    "备注",
    "注:",
    "注1",
    "注2",
    "说明",
    "填表人",
    "填报人",
    "制表人",
    "制表",
    "填表",
    "填报单位",
    "审核人",
    "审核",
    "复核",
    "负责人",
    "单位负责人",
    "统计负责人",
    "分管领导",
    "主管领导",
    "经办人",
    "统计人",
    // The signatures of inspection and case ledgers (主动监察台账: 检查人).
    "检查人",
    "承办人",
    "记录人",
    "联系电话",
    "电话",
    "报出日期",
    "填报日期",
    "单位(盖章)",
    "(盖章)",
    "盖章",
];

/// What a row's cells say about it, read with the source's declared columns: whether it
/// is a record, whether it carries a record's identity. The evidence every skip rests on.
pub struct RowEvidence<'a> {
    pub readers: &'a [CellReader<'a>],
    pub header: &'a Header,
    pub date_system: DateSystem,
}

impl RowEvidence<'_> {
    fn column(&self, ci: usize) -> &Column {
        self.readers[ci].column
    }

    fn parsed<'c>(&'c self, row: &'c [Data], ci: usize) -> Option<Parsed<'c>> {
        let sc = self.header.mapping[ci]?;
        let cell = row.get(sc).filter(|c| !is_blank(c))?;
        self.readers[ci]
            .parse(cell, self.date_system)
            .ok()
            .filter(|p| *p != Parsed::Null)
    }

    /// The row parses as a record: every required column holds a value of its type; when
    /// any typed column (number, money, date, yes/no, enum) is mapped, one of them does; and
    /// at least three mapped cells (all of them, when fewer are mapped) hold values — outside
    /// `besides`, the sheet column of a keyword being weighed. Footer notes ("填表人：… 联系
    /// 电话：…") and titles fail it; a real case or employer passes.
    pub fn is_record(&self, row: &[Data], besides: Option<usize>) -> bool {
        let mapped = || (0..self.readers.len()).filter(|&ci| self.header.mapping[ci].is_some());
        let mapped_count = mapped().count();
        if mapped_count == 0 {
            return false;
        }
        let required_ok = mapped()
            .filter(|&ci| self.column(ci).required)
            .all(|ci| self.parsed(row, ci).is_some());
        let mut typed = mapped()
            .filter(|&ci| self.column(ci).kind != ColumnType::Text)
            .peekable();
        let typed_ok = typed.peek().is_none() || typed.any(|ci| self.parsed(row, ci).is_some());
        let filled = mapped()
            .filter(|&ci| self.header.mapping[ci] != besides && self.parsed(row, ci).is_some())
            .count();
        required_ok && typed_ok && filled >= mapped_count.min(3)
    }

    /// A required declared cell is blank in a row that carries a record's identity (a date,
    /// a case number): what a row under a vertically merged 单位 or 受理日期 looks like as
    /// stored. 合计 rows and footers have no identity and do not qualify.
    pub fn lacks_a_required_value(&self, row: &[Data]) -> bool {
        let blank_required = (0..self.readers.len()).any(|ci| {
            self.column(ci).required
                && self.header.mapping[ci].is_some_and(|sc| row.get(sc).is_none_or(is_blank))
        });
        blank_required && self.has_identity(row, usize::MAX)
    }

    /// A row labelled 合计/总计 that carries nothing identifying a record besides that label
    /// (a summary table's 合计 row whose 单位 cell is the word itself): it cannot be a record.
    pub fn is_unnamed_total(&self, row: &[Data]) -> bool {
        let label = row.iter().take(3).position(|c| {
            text_key(c).is_some_and(|t| TOTAL_WORDS.iter().any(|w| t.starts_with(w)))
        });
        label.is_some_and(|col| !self.has_identity(row, col))
    }

    /// Every declared column the sheet has is empty in this row (and the sheet has some).
    fn holds_nothing_declared(&self, row: &[Data]) -> bool {
        let mut mapped = self.header.mapping.iter().flatten().peekable();
        mapped.peek().is_some() && mapped.all(|&sc| row.get(sc).is_none_or(is_blank))
    }

    /// The row carries what identifies a record, outside its label cell: a date, or a value
    /// in a required text column (案件编号, 用人单位名称). A 合计 row has neither: dates
    /// are not summed and totals have no case number.
    fn has_identity(&self, row: &[Data], label_col: usize) -> bool {
        (0..self.readers.len()).any(|ci| {
            let column = self.column(ci);
            let identifying = column.kind == ColumnType::Date
                || (column.required && matches!(column.kind, ColumnType::Text | ColumnType::Enum));
            identifying
                && self.header.mapping[ci] != Some(label_col)
                && match self.parsed(row, ci) {
                    Some(Parsed::Text(t)) => {
                        let t = normalize_key(&t);
                        !t.chars()
                            .all(|c| c.is_ascii_punctuation() || "—－／、".contains(c))
                            && !TOTAL_WORDS.iter().any(|w| t.contains(w))
                            && !t.starts_with('共')
                            && !t.starts_with(PART_OF_TOTAL)
                    }
                    Some(_) => true,
                    None => false,
                }
        })
    }

    /// The value a count or money column adds to a sum: its parsed value, else 0.
    pub fn summand(&self, row: &[Data], ci: usize) -> i128 {
        match self.parsed(row, ci) {
            Some(Parsed::Int(v)) => v as i128,
            _ => 0,
        }
    }

    /// Declared count and money columns: what a 合计 row sums.
    pub fn summed_columns(&self) -> Vec<usize> {
        (0..self.readers.len())
            .filter(|&ci| matches!(self.column(ci).kind, ColumnType::Int | ColumnType::Money))
            .collect()
    }
}

/// Classifies the rows after the header as they stream by, in order. `Some(reason)` for
/// rows that are not data, each on positive evidence; without it a row is kept as data
/// (and fails as a record if it is not one, with a finding at its cells).
///
/// - a footer row starts with a footer word (填表人, 备注, 联系电话…) and does not parse as
///   a record; when no row below it parses as a record either, it starts the footer block
///   that ends the table, else it is a note on its own. The rows after such a row are held
///   (not decided) until a record arrives or the sheet ends: the one look ahead there is;
/// - a total row has 合计/小计/累计… in the label position (first or second filled cell)
///   and either carries no record identity (no date, no case number) or holds the sums of
///   the rows above it — a company called 合计宝有限公司 with its own date is data;
/// - a repeated header repeats at least two header labels, starting with one.
pub struct RowClassifier<'e> {
    evidence: &'e RowEvidence<'e>,
    header_keys: Vec<String>,
    /// What another table's header may start with: a label of the first header or a
    /// declared column's spelling (normalised, unit stripped). Only a row starting so is
    /// looked at cell by cell.
    table_starts: std::collections::HashSet<String>,
    /// Declared count and money columns, and their sums over the data rows so far: all of
    /// them, and those since the last total.
    summed: Vec<usize>,
    sums_all: Vec<i128>,
    sums_since_total: Vec<i128>,
    /// Inside the footer block: every row from here on is footer.
    in_footer: bool,
    /// After a footer candidate: the rows below it, until a record shows it was a note.
    held: Option<Vec<(u32, Vec<Data>)>>,
    /// A row below the ones being classified is known to parse as a record.
    record_below: bool,
    /// First letters of every footer word, total word, header label and declared alias.
    keyword_starts: std::collections::HashSet<char>,
    /// Where the current table puts each declared column, when another table's header
    /// inside the sheet changed it ([`RowClassifier::table_header`]).
    table: Option<Vec<Option<usize>>>,
    /// A row of this table rearranged into the first header's places.
    rearranged: Vec<Data>,
    /// One-cell text rows (a table's title and unit line?) and blank rows between them,
    /// held (at most [`TITLE_ROWS`]) until a row says whether a table's header follows.
    titles: Vec<(u32, Vec<Data>)>,
    /// The row before was another table's header: this one may continue it.
    after_table_header: bool,
    /// Each total row's block and running sums, by declared column (see
    /// [`RowClassifier::total_sums`]).
    totals: Vec<TotalSums>,
}

/// The sums a 合计 row may state: its block's (the data rows since the previous total or
/// table header) and all data rows above it.
pub struct TotalSums {
    pub row: u32,
    pub block: Vec<i128>,
    pub above: Vec<i128>,
}

/// Where a classified row goes: its absolute row index, its cells, its verdict.
pub trait RowSink {
    fn row(&mut self, row: u32, cells: &[Data], verdict: Option<SkipReason>);

    /// From the next row on, the rows are another table's: its header placed the declared
    /// columns at `columns` (sheet columns), and its rows are given rearranged into the
    /// first header's places; `None` when they stand where the first header put them.
    fn table_columns(&mut self, _columns: Option<&[Option<usize>]>) {}
}

impl<F: FnMut(u32, &[Data], Option<SkipReason>)> RowSink for F {
    fn row(&mut self, row: u32, cells: &[Data], verdict: Option<SkipReason>) {
        self(row, cells, verdict)
    }
}

impl<'e> RowClassifier<'e> {
    pub fn new(evidence: &'e RowEvidence<'e>) -> Self {
        let summed = evidence.summed_columns();
        RowClassifier {
            evidence,
            header_keys: evidence
                .header
                .labels
                .iter()
                .map(|l| normalize_key(l))
                .collect(),
            table_starts: evidence
                .header
                .labels
                .iter()
                .map(|l| normalize_key(l))
                .chain(
                    evidence
                        .readers
                        .iter()
                        .flat_map(|r| r.column.aliases.iter().map(|a| normalize_key(a))),
                )
                .map(|k| strip_unit(&k).to_string())
                .filter(|k| !k.is_empty())
                .collect(),
            sums_all: vec![0; summed.len()],
            sums_since_total: vec![0; summed.len()],
            summed,
            in_footer: false,
            held: None,
            record_below: false,
            keyword_starts: FOOTER_WORDS
                .iter()
                .chain(TOTAL_WORDS.iter())
                .chain(std::iter::once(&PART_OF_TOTAL))
                .map(|w| w.to_string())
                .chain(evidence.header.labels.iter().map(|l| normalize_key(l)))
                .chain(
                    evidence
                        .readers
                        .iter()
                        .flat_map(|r| r.column.aliases.iter().map(|a| normalize_key(a))),
                )
                .filter_map(|w| w.chars().next())
                .collect(),
            table: None,
            rearranged: Vec::new(),
            titles: Vec::new(),
            after_table_header: false,
            totals: Vec::new(),
        }
    }

    /// A text cell's key (`normalize_key`) when it may be a footer word, a total word or a
    /// header label — judged by its first letter, so that the cells of ordinary rows are
    /// not normalised (an allocation each) only to be compared and thrown away.
    fn keyword_key(&self, cell: &Data) -> Option<String> {
        let Data::String(text) = cell else {
            return None;
        };
        let first = text.chars().find_map(normalize_char)?;
        // A total's label may end in its word instead (街道小计): its last letter is 计.
        let last = text.chars().rev().find_map(normalize_char);
        (self.keyword_starts.contains(&first) || last == Some('计')).then(|| normalize_key(text))
    }

    /// The next row of the sheet (rows after the header, in order, gaps as empty rows).
    pub fn push(&mut self, row: u32, cells: &[Data], sink: &mut impl RowSink) {
        if self.in_footer {
            sink.row(row, cells, Some(SkipReason::Footer));
            return;
        }
        if std::mem::take(&mut self.after_table_header) && self.continues_table_header(cells) {
            sink.row(row, cells, Some(SkipReason::NewTable));
            sink.table_columns(self.table.as_deref());
            return;
        }
        if let Some(columns) = self.table_header(cells) {
            self.start_table(row, cells, columns, sink);
            return;
        }
        let blank_after_title = !self.titles.is_empty() && cells.iter().all(is_blank);
        let title_like = self.may_be_a_title(cells) || blank_after_title;
        if self.held.is_none() && title_like && self.titles.len() < TITLE_ROWS {
            self.titles.push((row, cells.to_vec()));
            return;
        }
        for (r, c) in std::mem::take(&mut self.titles) {
            self.push_in_table(r, &c, sink);
        }
        self.push_in_table(row, cells, sink);
    }

    /// A row of the current table, rearranged into the first header's places if need be.
    fn push_in_table(&mut self, row: u32, cells: &[Data], sink: &mut impl RowSink) {
        let Some(columns) = &self.table else {
            return self.push_row(row, cells, sink);
        };
        let mut rearranged = std::mem::take(&mut self.rearranged);
        rearranged.clear();
        for (ci, &first) in self.evidence.header.mapping.iter().enumerate() {
            let Some(first) = first else { continue };
            if rearranged.len() <= first {
                rearranged.resize(first + 1, Data::Empty);
            }
            if let Some(value) = columns[ci].and_then(|c| cells.get(c)) {
                rearranged[first] = value.clone();
            }
        }
        self.push_row(row, &rearranged, sink);
        self.rearranged = rearranged;
    }

    fn push_row(&mut self, row: u32, cells: &[Data], sink: &mut impl RowSink) {
        let Some(held) = &mut self.held else {
            self.classify(row, cells, sink);
            return;
        };
        if !self.evidence.is_record(cells, None) {
            held.push((row, cells.to_vec()));
            return;
        }
        // A record below the footer candidate: it was a note on its own, and the rows held
        // are classified as usual, knowing that a record follows them.
        let held = self.held.take().unwrap_or_default();
        self.record_below = true;
        for (r, c) in &held {
            self.classify(*r, c, sink);
        }
        self.record_below = false;
        self.classify(row, cells, sink);
    }

    /// Another table's header inside the sheet: at least two of its text cells name declared
    /// columns, it is no record, and it places the declared columns otherwise than the first
    /// header did — elsewhere, or not at all (a second header row may place them) — while
    /// the same header again is a repeated page header ([`SkipReason::RepeatedHeader`]).
    /// Gives where it puts each column.
    fn table_header(&self, cells: &[Data]) -> Option<Vec<Option<usize>>> {
        let first = cells.iter().find(|c| !is_blank(c))?;
        let key = self.keyword_key(first)?;
        if !self.table_starts.contains(strip_unit(&key)) {
            return None;
        }
        let mut placed: Vec<Option<usize>> = vec![None; self.evidence.readers.len()];
        self.place_named_columns(cells, &mut placed);
        let found = placed.iter().flatten().count();
        // The first header again, column for column, is a page header repeated.
        let other = placed != self.evidence.header.mapping;
        (found >= 2 && other && !self.evidence.is_record(cells, None)).then_some(placed)
    }

    /// Places each declared column not yet placed at the first text cell that names it.
    /// Returns how many it placed.
    fn place_named_columns(&self, cells: &[Data], placed: &mut [Option<usize>]) -> usize {
        let mut newly = 0;
        for (sc, cell) in cells.iter().enumerate() {
            let Data::String(text) = cell else { continue };
            if placed.contains(&Some(sc)) {
                continue;
            }
            let named = (0..placed.len()).find(|&ci| {
                placed[ci].is_none() && names_column(text, self.evidence.readers[ci].column)
            });
            if let Some(ci) = named {
                placed[ci] = Some(sc);
                newly += 1;
            }
        }
        newly
    }

    /// The row under another table's header, when it continues that header (sub-labels
    /// under a group name: 追发工资 | 追发其他待遇 under 处理结果): it holds no data value and
    /// names declared columns the header row did not place. They are placed.
    fn continues_table_header(&mut self, cells: &[Data]) -> bool {
        let Some(mut columns) = self.table.clone() else {
            return false;
        };
        if holds_data_values(cells) || self.evidence.is_record(cells, None) {
            return false;
        }
        if self.place_named_columns(cells, &mut columns) == 0 {
            return false;
        }
        self.table = Some(columns);
        true
    }

    /// A row of one text cell that is no keyword row: perhaps the title of a table below.
    fn may_be_a_title(&self, cells: &[Data]) -> bool {
        let mut filled = cells.iter().filter(|c| !is_blank(c));
        matches!(
            (filled.next(), filled.next()),
            (Some(Data::String(_)), None)
        )
    }

    /// Another table begins at `row`: the rows held above it end the table before (as its
    /// footer), a title held just above it is this table's, and its rows from here on are
    /// read by its own header.
    fn start_table(
        &mut self,
        row: u32,
        cells: &[Data],
        columns: Vec<Option<usize>>,
        sink: &mut impl RowSink,
    ) {
        for (r, c) in self.held.take().unwrap_or_default() {
            sink.row(r, &c, Some(SkipReason::Footer));
        }
        for (r, c) in std::mem::take(&mut self.titles) {
            let blank = c.iter().all(is_blank);
            let reason = if blank {
                SkipReason::Blank
            } else {
                SkipReason::NewTable
            };
            sink.row(r, &c, Some(reason));
        }
        sink.row(row, cells, Some(SkipReason::NewTable));
        // Kept even in the first header's places: a row below may still complete it.
        self.table = Some(columns);
        self.after_table_header = true;
        sink.table_columns(self.table.as_deref());
        self.sums_since_total.iter_mut().for_each(|s| *s = 0);
    }

    /// The sheet has ended: rows still held had no record below them — the footer block.
    pub fn finish(&mut self, sink: &mut impl RowSink) {
        for (r, c) in std::mem::take(&mut self.titles) {
            self.push_in_table(r, &c, sink);
        }
        for (r, c) in self.held.take().unwrap_or_default() {
            sink.row(r, &c, Some(SkipReason::Footer));
        }
    }

    /// The sums each 合计 row may state, in sheet order.
    pub fn total_sums(&self) -> &[TotalSums] {
        &self.totals
    }

    /// Sums of each declared column (0 for those not summed) over every data row.
    pub fn data_sums(&self) -> Vec<i128> {
        self.by_column(&self.sums_all)
    }

    /// Sums kept for the summed columns, spread to every declared column (0 elsewhere).
    fn by_column(&self, sums: &[i128]) -> Vec<i128> {
        let mut out = vec![0; self.evidence.readers.len()];
        for (k, &ci) in self.summed.iter().enumerate() {
            out[ci] = sums[k];
        }
        out
    }

    fn classify(&mut self, row: u32, cells: &[Data], sink: &mut impl RowSink) {
        let verdict = self.verdict(cells);
        match verdict {
            Some(SkipReason::Footer) if !self.record_below && self.held.is_none() => {
                self.held = Some(Vec::new())
            }
            Some(SkipReason::Total) => {
                self.totals.push(TotalSums {
                    row,
                    block: self.by_column(&self.sums_since_total),
                    above: self.by_column(&self.sums_all),
                });
                self.sums_since_total.iter_mut().for_each(|s| *s = 0)
            }
            None => {
                for (k, &ci) in self.summed.iter().enumerate() {
                    let v = self.evidence.summand(cells, ci);
                    self.sums_all[k] += v;
                    self.sums_since_total[k] += v;
                }
            }
            _ => {}
        }
        sink.row(row, cells, verdict);
    }

    fn verdict(&self, row: &[Data]) -> Option<SkipReason> {
        let evidence = self.evidence;
        let mut filled = row.iter().enumerate().filter(|(_, c)| !is_blank(c));
        let Some((first_col, first_cell)) = filled.next() else {
            return Some(SkipReason::Blank);
        };
        // Only text can be a keyword or a header label: numbers and dates are data.
        let first_text = self.keyword_key(first_cell);
        if first_text
            .as_deref()
            .is_some_and(|t| FOOTER_WORDS.iter().any(|w| t.starts_with(w)))
            && !evidence.is_record(row, Some(first_col))
        {
            return Some(SkipReason::Footer);
        }
        let second = filled.next();
        // 合计, 总计…, and a label ending in one: 街道小计, 全区合计.
        let is_total = |t: &str| {
            TOTAL_WORDS.iter().any(|w| t.starts_with(w))
                || TOTAL_ENDINGS.iter().any(|w| t.ends_with(w))
        };
        let label_col = if first_text.as_deref().is_some_and(is_total) {
            Some(first_col)
        } else {
            second
                .filter(|(_, c)| self.keyword_key(c).as_deref().is_some_and(is_total))
                .map(|(c, _)| c)
        };
        if let Some(label_col) = label_col {
            if !evidence.has_identity(row, label_col) || self.sums_rows_above(row) {
                return Some(SkipReason::Total);
            }
        }
        // 其中：… in the label cell of a row that identifies no record: part of a total above.
        let part_of = |t: &str| t.starts_with(PART_OF_TOTAL);
        let part_col = if first_text.as_deref().is_some_and(part_of) {
            Some(first_col)
        } else {
            second
                .filter(|(_, c)| self.keyword_key(c).as_deref().is_some_and(part_of))
                .map(|(c, _)| c)
        };
        if part_col.is_some_and(|col| !evidence.has_identity(row, col)) {
            return Some(SkipReason::PartOfTotal);
        }
        // A repeated header starts with a header label; only then compare the whole row.
        let header_keys = &self.header_keys;
        let repeats_header = header_keys.len() >= 2
            && first_text.as_ref().is_some_and(|t| header_keys.contains(t))
            && row
                .iter()
                .zip(header_keys)
                .filter(|(c, h)| !h.is_empty() && text_key(c).as_ref() == Some(*h))
                .count()
                >= 2;
        if repeats_header {
            return Some(SkipReason::RepeatedHeader);
        }
        // Only undeclared columns filled (a template's pre-numbered 序号 with nothing else):
        // no figure can come from the row, so it is as blank as an empty one.
        if evidence.holds_nothing_declared(row) {
            return Some(SkipReason::Blank);
        }
        None
    }

    /// The row's count and money cells equal the sums of the data rows it follows (all of
    /// them, or those since the last total): the numbers of a total, whatever its label.
    fn sums_rows_above(&self, row: &[Data]) -> bool {
        let stated: Vec<(usize, i128)> = self
            .summed
            .iter()
            .enumerate()
            .filter(|(_, &ci)| self.evidence.parsed(row, ci).is_some())
            .map(|(k, &ci)| (k, self.evidence.summand(row, ci)))
            .collect();
        if stated.is_empty() || stated.iter().all(|&(_, v)| v == 0) {
            return false;
        }
        stated.iter().all(|&(k, v)| self.sums_all[k] == v)
            || stated.iter().all(|&(k, v)| self.sums_since_total[k] == v)
    }
}

/// Classifies every row of a whole range after the header (see [`RowClassifier`]).
pub fn classify_rows(
    range: &Range<Data>,
    header: &Header,
    evidence: &RowEvidence,
) -> Vec<Option<SkipReason>> {
    let first = header.first_data_row();
    let mut out = Vec::with_capacity(range.height().saturating_sub(first));
    let mut sink = |_: u32, _: &[Data], verdict: Option<SkipReason>| out.push(verdict);
    let mut classifier = RowClassifier::new(evidence);
    for (offset, row) in range.rows().skip(first).enumerate() {
        classifier.push((first + offset) as u32, row, &mut sink);
    }
    classifier.finish(&mut sink);
    out
}

fn text_key(cell: &Data) -> Option<String> {
    match cell {
        Data::String(s) => Some(normalize_key(s)),
        _ => None,
    }
}

/// Whether a header label names a declared column by one of its aliases (units aside).
pub fn names_column(label: &str, column: &Column) -> bool {
    let key = normalize_key(label);
    !key.is_empty()
        && column.aliases.iter().any(|a| {
            let alias = normalize_key(a);
            alias == key || strip_unit(&alias) == strip_unit(&key)
        })
}

/// A spelling for `inspect`: the best alias a missing column came closest to.
pub fn closest_label<'a>(aliases: &[String], labels: &'a [String]) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for alias in aliases {
        let alias = normalize_key(alias);
        for label in labels.iter().filter(|l| !l.is_empty()) {
            let score = strsim::normalized_levenshtein(&alias, &normalize_key(label));
            if score > best.map(|b| b.0).unwrap_or(0.3) {
                best = Some((score, label));
            }
        }
    }
    best.map(|b| b.1)
}

/// The header an absent `column` most likely is, for a hint: the closest by name whose
/// cells could be the column's (most filled cells under it parse as its type — an enum's
/// values, a date, a number), else, for an enum or yes/no column, a header whose cells are
/// its values whatever it is called. `None` when no header fits: a hint that would break
/// every row (案件编号 offered for 办理状态) is worse than none.
pub fn fitting_label(
    column: &Column,
    header: &Header,
    head: &Range<Data>,
    date_system: DateSystem,
) -> Option<String> {
    let unmapped = header.unmapped_labels();
    let reader = CellReader::new(column);
    // Share of the filled cells under sheet column `c` (the rows the head holds) that read
    // as the column's values; `None` when none is filled.
    let fits = |c: usize| -> Option<f64> {
        let mut filled = 0usize;
        let mut good = 0usize;
        for row in head.rows().skip(header.first_data_row()).take(200) {
            let Some(cell) = row.get(c) else { continue };
            if is_blank(cell) {
                continue;
            }
            filled += 1;
            if reader.parse(cell, date_system).is_ok() {
                good += 1;
            }
        }
        (filled > 0).then(|| good as f64 / filled as f64)
    };
    const FITS: f64 = 0.8;
    if let Some(label) = closest_label(&column.aliases, &unmapped) {
        let c = unmapped.iter().position(|l| l == label)?;
        // Text takes anything: the name is the only evidence, as before.
        if column.kind == ColumnType::Text || fits(c).is_none_or(|share| share >= FITS) {
            return Some(label.to_string());
        }
    }
    if matches!(column.kind, ColumnType::Enum | ColumnType::Bool) {
        return unmapped
            .iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .find(|(c, _)| fits(*c).is_some_and(|share| share >= FITS))
            .map(|(_, l)| l.clone());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::ColumnType;

    fn column(name: &str, aliases: &[&str]) -> Column {
        let mut all = vec![name.to_string()];
        all.extend(aliases.iter().map(|a| a.to_string()));
        Column {
            name: name.into(),
            aliases: all,
            kind: ColumnType::Text,
            required: false,
            money_in_wan: false,
            working_days: None,
            derive: None,
            values: vec![],
        }
    }

    fn grid(rows: &[&[&str]]) -> Range<Data> {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(1) as u32;
        let mut range = Range::new((0, 0), (rows.len() as u32 - 1, width - 1));
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    range.set_value((r as u32, c as u32), Data::String(text.to_string()));
                }
            }
        }
        range
    }

    fn classify(
        range: &Range<Data>,
        header: &Header,
        columns: &[Column],
    ) -> Vec<Option<SkipReason>> {
        let readers = CellReader::for_columns(columns);
        let evidence = RowEvidence {
            readers: &readers,
            header,
            date_system: DateSystem::Excel1900,
        };
        classify_rows(range, header, &evidence)
    }

    fn columns() -> Vec<Column> {
        vec![
            column("案件编号", &["编号"]),
            column("涉及金额", &["涉及金额(元)", "金额"]),
            column("办理状态", &["状态"]),
        ]
    }

    #[test]
    fn header_below_title_rows_is_found_by_content() {
        let range = grid(&[
            &["某街道2024年投诉举报案件台账"],
            &["填报单位：某街道", "", "计量单位：元"],
            &["编号", "涉及金额（元）", "办理状态"],
            &["A-1", "100", "已结案"],
        ]);
        let header = find_header(&range, &columns(), &[]).unwrap();
        assert_eq!((header.row, header.height), (2, 1));
        assert_eq!(header.mapping, vec![Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn two_row_header_with_unit_row_is_flattened() {
        let range = grid(&[
            &["台账"],
            &["案件编号", "涉及金额", "办理状态"],
            &["", "元", ""],
            &["A-1", "100", "已结案"],
        ]);
        let header = find_header(&range, &columns(), &[]).unwrap();
        assert_eq!((header.row, header.height), (1, 2));
        assert_eq!(header.labels[1], "涉及金额/元");
        assert_eq!(header.mapping, vec![Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn merged_group_header_lends_its_name_to_sub_columns() {
        let cols = vec![
            column("案件编号", &[]),
            column("追发工资", &["处理结果追发工资"]),
        ];
        let range = grid(&[
            &["案件编号", "处理结果", ""],
            &["", "追发工资", "其他待遇"],
            &["A-1", "100", "5"],
        ]);
        let merges = [Dimensions {
            start: (0, 1),
            end: (0, 2),
        }];
        let header = find_header(&range, &cols, &merges).unwrap();
        assert_eq!(header.height, 2);
        assert_eq!(header.mapping, vec![Some(0), Some(1)]);
        assert_eq!(header.labels[2], "处理结果/其他待遇");
    }

    /// 案件办理结果 › 追发待遇 › 追发工资(元) | 追发其他待遇(元), with 案件编号 merged down
    /// through the three rows; with the merges known and without them (a streamed xlsx,
    /// where the leaf labels alone must do).
    #[test]
    fn a_three_row_header_is_read_to_its_lowest_labels() {
        let cols = vec![
            column("案件编号", &[]),
            column("追发工资", &[]),
            column("追发其他待遇", &[]),
            column("罚款金额", &[]),
        ];
        let range = grid(&[
            &["案件编号", "案件办理结果", "", ""],
            &["", "追发待遇", "", "罚款金额"],
            &["", "追发工资(元)", "追发其他待遇(元)", ""],
            &["A-1", "100", "5", "20"],
        ]);
        let merges = [
            Dimensions::new((0, 0), (2, 0)),
            Dimensions::new((0, 1), (0, 3)),
            Dimensions::new((1, 1), (1, 2)),
            Dimensions::new((1, 3), (2, 3)),
        ];
        for known in [&merges[..], &[]] {
            let header = find_header(&range, &cols, known).unwrap();
            assert_eq!(header.height, 3, "merges known: {}", !known.is_empty());
            assert_eq!(header.first_data_row(), 3);
            assert_eq!(header.mapping, vec![Some(0), Some(1), Some(2), Some(3)]);
        }
        let header = find_header(&range, &cols, &merges).unwrap();
        assert_eq!(header.labels[2], "案件办理结果/追发待遇/追发其他待遇(元)");
    }

    #[test]
    fn totals_footers_and_blank_rows_are_classified() {
        let range = grid(&[
            &["编号", "涉及金额", "办理状态"],
            &["A-1", "100", "已结案"],
            &["", "", ""],
            &["编号", "涉及金额", "办理状态"],
            &["合  计", "100", ""],
            &["A-2", "50", "办理中"],
            &["填表人：张三", "", "联系电话：123"],
            &["1. 本表数据截至12月31日", "", ""],
        ]);
        let columns = columns();
        let header = find_header(&range, &columns, &[]).unwrap();
        let rows = classify(&range, &header, &columns);
        assert_eq!(
            rows,
            vec![
                None,
                Some(SkipReason::Blank),
                Some(SkipReason::RepeatedHeader),
                Some(SkipReason::Total),
                None,
                Some(SkipReason::Footer),
                Some(SkipReason::Footer),
            ]
        );
    }

    fn typed(name: &str, kind: ColumnType, required: bool) -> Column {
        Column {
            name: name.into(),
            aliases: vec![name.to_string()],
            kind,
            required,
            money_in_wan: false,
            working_days: None,
            derive: None,
            values: vec![],
        }
    }

    /// An employer ledger: the name first, where footer and total words would sit.
    fn employer_columns() -> Vec<Column> {
        vec![
            typed("用人单位名称", ColumnType::Text, true),
            typed("受理日期", ColumnType::Date, true),
            typed("涉及人数", ColumnType::Int, false),
            typed("追发工资", ColumnType::Money, false),
            typed("是否农民工", ColumnType::Bool, false),
        ]
    }

    #[test]
    fn a_merged_one_row_header_does_not_swallow_the_first_case() {
        // 备注 merged across two columns; 是否农民工 (optional) is absent.
        let range = grid(&[
            &[
                "用人单位名称",
                "受理日期",
                "涉及人数",
                "追发工资",
                "备注",
                "",
            ],
            &["甲公司", "2024-03-05", "3", "1200", "无", "补发"],
            &["乙公司", "2024-04-01", "1", "800", "", ""],
        ]);
        let merges = [Dimensions {
            start: (0, 4),
            end: (0, 5),
        }];
        let header = find_header(&range, &employer_columns(), &merges).unwrap();
        assert_eq!((header.row, header.height), (0, 1));
    }

    #[test]
    fn a_company_named_like_a_footer_or_a_total_is_data() {
        let columns = employer_columns();
        let range = grid(&[
            &["用人单位名称", "受理日期", "涉及人数", "追发工资"],
            &["甲公司", "2024-03-05", "3", "1200"],
            &["电话机械制造有限公司", "2024-03-09", "2", "500"],
            &["合计宝科技有限公司", "2024-04-01", "1", "800"],
            &["乙公司", "2024-05-01", "4", "100"],
            &["合  计", "", "10", "2600"],
            &["填表人：张三", "", "联系电话：123", ""],
        ]);
        let header = find_header(&range, &columns, &[]).unwrap();
        assert_eq!(
            classify(&range, &header, &columns),
            vec![
                None,
                None,
                None,
                None,
                Some(SkipReason::Total),
                Some(SkipReason::Footer),
            ]
        );
    }

    #[test]
    fn a_label_ending_in_a_total_word_is_a_subtotal_and_a_part_of_a_total_is_its_own() {
        let columns = employer_columns();
        let range = grid(&[
            &["用人单位名称", "受理日期", "涉及人数", "追发工资"],
            &["甲公司", "2024-03-05", "3", "1200"],
            &["乙公司", "2024-05-01", "4", "100"],
            &["街道小计", "", "7", "1300"],
            &["丙公司", "2024-06-01", "2", "50"],
            &["　　其中：农民工", "", "1", "20"],
            &["全区合计", "", "9", "1350"],
        ]);
        let header = find_header(&range, &columns, &[]).unwrap();
        assert_eq!(
            classify(&range, &header, &columns),
            vec![
                None,
                None,
                Some(SkipReason::Total),
                None,
                Some(SkipReason::PartOfTotal),
                Some(SkipReason::Total),
            ]
        );
    }

    #[test]
    fn template_rows_numbered_but_empty_are_blank() {
        let columns = employer_columns();
        let range = grid(&[
            &["序号", "用人单位名称", "受理日期", "涉及人数", "追发工资"],
            &["1", "甲公司", "2024-03-05", "3", "1200"],
            &["2", "", "", "", ""],
            &["3", "", "", "", ""],
        ]);
        let header = find_header(&range, &columns, &[]).unwrap();
        assert_eq!(
            classify(&range, &header, &columns),
            vec![None, Some(SkipReason::Blank), Some(SkipReason::Blank)]
        );
    }

    #[test]
    fn a_note_inside_the_table_does_not_end_it() {
        let columns = employer_columns();
        let range = grid(&[
            &["用人单位名称", "受理日期", "涉及人数", "追发工资"],
            &["甲公司", "2024-03-05", "3", "1200"],
            &["备注：以下为补录案件", "", "", ""],
            &["乙公司", "2024-05-01", "4", "100"],
        ]);
        let header = find_header(&range, &columns, &[]).unwrap();
        assert_eq!(
            classify(&range, &header, &columns),
            vec![None, Some(SkipReason::Footer), None]
        );
    }

    #[test]
    fn a_total_row_with_a_date_is_a_total_only_when_it_sums_the_rows() {
        let columns = employer_columns();
        let range = grid(&[
            &["用人单位名称", "受理日期", "涉及人数", "追发工资"],
            &["甲公司", "2024-03-05", "3", "1200"],
            &["乙公司", "2024-05-01", "4", "100"],
            &["合计", "2024-12-31", "7", "1300"],
            &["累计欠薪有限公司", "2024-12-31", "2", "50"],
        ]);
        let header = find_header(&range, &columns, &[]).unwrap();
        assert_eq!(
            classify(&range, &header, &columns),
            vec![None, None, Some(SkipReason::Total), None]
        );
    }
}
