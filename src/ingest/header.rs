//! Finding the table inside a form-shaped sheet: which row is the header (by content, below
//! 0–5 title rows), whether a second header row sits under it (涉及金额 over 元, merged
//! cells), which sheet column holds each declared column, and which rows after the header
//! are not data (合计/小计, 备注, 填表人…, blank rows, a repeated header).

use calamine::{Data, Dimensions, Range};

use super::cell::{display_text, is_blank, normalize_key};
use crate::pipeline::Column;

/// How many rows from the top may hold titles and the header.
const HEADER_SEARCH_ROWS: usize = 12;

/// Second-row header cells that are units, not names.
const UNIT_WORDS: [&str; 14] = [
    "元", "万元", "人", "人次", "件", "户", "个", "家", "名", "起", "%", "天", "日", "项",
];

/// Where the header is and how sheet columns map to declared columns.
#[derive(Debug, Clone)]
pub struct Header {
    /// 0-based row index inside the range of the (first) header row.
    pub row: usize,
    /// 1 or 2.
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

fn label_variants(top: &str, bottom: Option<&str>) -> Variants {
    let top = normalize_key(top);
    let mut strong = Vec::new();
    let mut weak = Vec::new();
    match bottom.map(normalize_key).filter(|b| !b.is_empty()) {
        None => strong.push(top),
        Some(bottom) if top.is_empty() => strong.push(bottom),
        Some(bottom) => {
            strong.push(format!("{top}({bottom})"));
            strong.push(format!("{top}{bottom}"));
            strong.push(bottom.clone());
            weak.push(top);
        }
    }
    strong.retain(|v| !v.is_empty());
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
                if mapping[ci].is_some() {
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

fn is_header_continuation(
    bottom: &[String],
    row_abs: u32,
    merges: &[Dimensions],
    columns: &[Column],
) -> bool {
    if bottom.iter().all(|b| b.is_empty()) {
        return false;
    }
    // A merged cell starting on the top row: a group name over sub-columns, or a name
    // spanning both header rows.
    let merged_down = merges
        .iter()
        .any(|m| m.start.0 == row_abs && (m.end.0 > m.start.0 || m.end.1 > m.start.1));
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
    merged_down || all_headerish
}

/// Finds the header row by content. `merges` are the sheet's merged regions (absolute
/// positions; empty for formats that do not report them).
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
        let one: Vec<Variants> = top.iter().map(|t| label_variants(t, None)).collect();
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
        // A second header row only completes a top row that is itself a header.
        if score > 0 && r + 1 < range.height() {
            let bottom = row_text(range, r + 1);
            let continues = is_header_continuation(&bottom, row0 + r as u32, merges, columns);
            {
                let mut spread = top.clone();
                spread_merged(&mut spread, row0 + r as u32, col0, merges);
                let two: Vec<Variants> = spread
                    .iter()
                    .zip(&bottom)
                    .map(|(t, b)| label_variants(t, Some(b)))
                    .collect();
                let mapping = match_columns(&two, columns);
                let score2 = mapping.iter().flatten().count();
                // Stacked labels must explain more columns, or the row below must look
                // like header text (units, names, merged cells), not like data.
                if score2 > score || (score2 == score && continues) {
                    let labels = spread
                        .iter()
                        .zip(&bottom)
                        .map(|(t, b)| match (t.is_empty(), b.is_empty()) {
                            (_, true) => t.clone(),
                            (true, false) => b.clone(),
                            (false, false) => format!("{t}/{b}"),
                        })
                        .collect();
                    candidate = (
                        score2,
                        Header {
                            row: r,
                            height: 2,
                            labels,
                            mapping,
                        },
                    );
                }
            }
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
}

impl SkipReason {
    /// Every reason, in the order the row-account sheets show them as columns.
    pub const ALL: [SkipReason; 6] = [
        SkipReason::Blank,
        SkipReason::Total,
        SkipReason::Footer,
        SkipReason::RepeatedHeader,
        SkipReason::OutsidePeriod,
        SkipReason::SupersededFile,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Blank => "空行",
            SkipReason::Total => "合计/小计行",
            SkipReason::Footer => "表尾(备注/填表人等)",
            SkipReason::RepeatedHeader => "重复表头",
            SkipReason::OutsidePeriod => "不在报告期内",
            SkipReason::SupersededFile => "重复报送未采用",
        }
    }
}

const TOTAL_WORDS: [&str; 5] = ["合计", "总计", "小计", "累计", "总数"];
const FOOTER_WORDS: [&str; 16] = [
    "备注",
    "注:",
    "注：",
    "说明",
    "填表人",
    "填报人",
    "制表人",
    "审核人",
    "审核",
    "负责人",
    "单位负责人",
    "统计负责人",
    "联系电话",
    "电话",
    "报出日期",
    "填报日期",
];

/// Classifies the rows after the header. `Some(reason)` for rows that are not data; once a
/// footer row is seen, every row below it is footer.
pub fn classify_rows(range: &Range<Data>, header: &Header) -> Vec<Option<SkipReason>> {
    let header_keys: Vec<String> = header.labels.iter().map(|l| normalize_key(l)).collect();
    let mut in_footer = false;
    let mut out = Vec::with_capacity(range.height().saturating_sub(header.first_data_row()));
    for row in range.rows().skip(header.first_data_row()) {
        if in_footer {
            out.push(Some(SkipReason::Footer));
            continue;
        }
        let mut filled = row.iter().filter(|c| !is_blank(c));
        let Some(first) = filled.next() else {
            out.push(Some(SkipReason::Blank));
            continue;
        };
        // Only text can be a keyword or a header label: numbers and dates are data.
        let first_text = text_key(first);
        if first_text
            .as_deref()
            .is_some_and(|t| FOOTER_WORDS.iter().any(|w| t.starts_with(w)))
        {
            in_footer = true;
            out.push(Some(SkipReason::Footer));
            continue;
        }
        let second_text = filled.next().and_then(text_key);
        let is_total = |t: &str| TOTAL_WORDS.iter().any(|w| t.starts_with(w));
        if first_text.as_deref().is_some_and(is_total)
            || second_text.as_deref().is_some_and(is_total)
        {
            out.push(Some(SkipReason::Total));
            continue;
        }
        // A repeated header starts with a header label; only then compare the whole row.
        let repeats_header = header_keys.len() >= 2
            && first_text.as_ref().is_some_and(|t| header_keys.contains(t))
            && row
                .iter()
                .zip(&header_keys)
                .filter(|(c, h)| !h.is_empty() && text_key(c).as_ref() == Some(*h))
                .count()
                >= 2;
        if repeats_header {
            out.push(Some(SkipReason::RepeatedHeader));
            continue;
        }
        out.push(None);
    }
    out
}

fn text_key(cell: &Data) -> Option<String> {
    match cell {
        Data::String(s) => Some(normalize_key(s)),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::ColumnType;

    fn column(name: &str, aliases: &[&str]) -> Column {
        let mut all = vec![name.to_string()];
        all.extend(aliases.iter().map(|a| a.to_string()));
        Column {
            name: name.into(),
            aliases: all,
            kind: ColumnType::Text,
            required: false,
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
        let header = find_header(&range, &columns(), &[]).unwrap();
        let rows = classify_rows(&range, &header);
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
}
