//! Vertically merged data cells: one 单位, 受理日期 or 办理状态 merged over the several
//! cases of one group complaint. Excel shows the value in every row the merge covers but
//! stores it only in the top cell; read as stored, the covered rows would be rejected as
//! "必填项为空" or counted without their status. Here the value of the top cell is given
//! to every covered cell of a declared text, date, yes/no or enumerated column, and the
//! cells so filled are counted (数据核对 shows the count per file).
//!
//! Counts and money are not spread: an amount merged over three cases is one amount for
//! the group, and spreading it would count it three times. It stays in its top row, and a
//! warning names the merged cells so that a clerk can split it if it was meant per case.

use std::collections::HashMap;

use calamine::{Data, Dimensions};

use super::cell::is_blank;
use pipeline::{Column, ColumnType};

/// A merged region of one column, spanning rows `top..=bottom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    top: u32,
    bottom: u32,
    /// Absolute sheet column.
    col: u32,
}

/// Fills the covered cells of vertical merges row by row as the sheet streams by.
pub struct MergedFill {
    /// Spans in fillable declared columns, by top row; `next` is the first not yet reached.
    spans: Vec<Span>,
    next: usize,
    /// Spans whose top row has been read, with the top cell's value.
    open: Vec<(Span, Data)>,
    /// The first column of the rows given (absolute).
    col0: u32,
    /// A covered row, copied and filled.
    scratch: Vec<Data>,
    /// Cells filled so far.
    pub filled: usize,
    /// Count and money columns merged over several rows: (declared column, region).
    pub additive: Vec<(String, Dimensions)>,
}

impl MergedFill {
    /// `merges` are the sheet's merged regions (absolute); `mapping` gives the sheet column
    /// (relative to `col0`) of each declared column; rows from `first_data_row` (absolute)
    /// on are data.
    pub fn new(
        merges: &[Dimensions],
        columns: &[&Column],
        mapping: &[Option<usize>],
        col0: u32,
        first_data_row: u32,
    ) -> Self {
        let mut spans = Vec::new();
        let mut additive = Vec::new();
        for m in merges {
            let (top, left) = m.start;
            let (bottom, _) = m.end;
            if bottom <= top || bottom < first_data_row || top < first_data_row {
                continue;
            }
            let declared = mapping
                .iter()
                .position(|sc| sc.is_some_and(|sc| col0 + sc as u32 == left));
            let Some(ci) = declared else {
                continue;
            };
            match columns[ci].kind {
                ColumnType::Int | ColumnType::Money | ColumnType::Number => {
                    additive.push((columns[ci].name.clone(), *m))
                }
                _ => spans.push(Span {
                    top,
                    bottom,
                    col: left,
                }),
            }
        }
        spans.sort_by_key(|s| s.top);
        MergedFill {
            spans,
            next: 0,
            open: Vec::new(),
            col0,
            scratch: Vec::new(),
            filled: 0,
            additive,
        }
    }

    /// True when no merge covers a data cell of a fillable column.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Spans whose top row lies above `row` (read before the merges were known): their top
    /// cells' values, found by the caller (`positions` → values), open them.
    pub fn open_earlier(&mut self, row: u32, values: &HashMap<(u32, u32), Data>) {
        while let Some(span) = self.spans.get(self.next).filter(|s| s.top < row) {
            if span.bottom >= row {
                let value = values.get(&(span.top, span.col)).cloned();
                self.open.push((*span, value.unwrap_or(Data::Empty)));
            }
            self.next += 1;
        }
    }

    /// The top cells of the spans that start above `row`: what [`MergedFill::open_earlier`]
    /// needs.
    pub fn tops_above(&self, row: u32) -> Vec<(u32, u32)> {
        self.spans[self.next..]
            .iter()
            .filter(|s| s.top < row && s.bottom >= row)
            .map(|s| (s.top, s.col))
            .collect()
    }

    /// The row as Excel shows it: covered cells of fillable columns hold their top cell's
    /// value. The cells as given when no merge covers the row.
    pub fn row<'a>(&'a mut self, row: u32, cells: &'a [Data]) -> &'a [Data] {
        self.open.retain(|(s, _)| s.bottom >= row);
        while let Some(span) = self.spans.get(self.next).filter(|s| s.top <= row) {
            let at = span.col.checked_sub(self.col0).map(|c| c as usize);
            let top = at.and_then(|c| cells.get(c)).cloned().unwrap_or_default();
            if span.top == row {
                self.open.push((*span, top));
            }
            self.next += 1;
        }
        let covering = self.open.iter().filter(|(s, _)| s.top < row);
        let mut copied = false;
        for (span, value) in covering {
            let Some(c) = span.col.checked_sub(self.col0).map(|c| c as usize) else {
                continue;
            };
            if is_blank(value) || !cells.get(c).is_none_or(is_blank) {
                continue;
            }
            if !copied {
                self.scratch.clear();
                self.scratch.extend_from_slice(cells);
                copied = true;
            }
            if self.scratch.len() <= c {
                self.scratch.resize(c + 1, Data::Empty);
            }
            self.scratch[c] = value.clone();
            self.filled += 1;
        }
        if copied {
            &self.scratch
        } else {
            cells
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, kind: ColumnType) -> Column {
        Column {
            name: name.into(),
            aliases: vec![name.into()],
            kind,
            required: false,
            money_in_wan: false,
            working_days: None,
            derive: None,
            values: Vec::new(),
        }
    }

    #[test]
    fn a_merged_text_cell_fills_the_rows_it_covers_and_money_is_not_spread() {
        let (unit, money) = (
            column("单位", ColumnType::Text),
            column("追发工资", ColumnType::Money),
        );
        let columns = [&unit, &money];
        let merges = [
            Dimensions::new((2, 0), (4, 0)),
            Dimensions::new((2, 1), (3, 1)),
        ];
        let mut fill = MergedFill::new(&merges, &columns, &[Some(0), Some(1)], 0, 1);
        let s = |t: &str| Data::String(t.into());
        let rows = [
            vec![s("甲公司"), Data::Float(1.0)],
            vec![s("乙公司"), Data::Float(9.0)],
            vec![Data::Empty, Data::Empty],
            vec![Data::Empty, Data::Float(2.0)],
            vec![Data::Empty, Data::Empty],
        ];
        let read: Vec<Vec<Data>> = rows
            .iter()
            .enumerate()
            .map(|(r, cells)| fill.row(r as u32 + 1, cells).to_vec())
            .collect();
        assert_eq!(read[2][0], s("乙公司"));
        assert_eq!(read[3][0], s("乙公司"));
        assert_eq!(read[4][0], Data::Empty, "row 5 lies below the merge");
        assert_eq!(read[2][1], Data::Empty, "money stays in its top row");
        assert_eq!(fill.filled, 2);
        assert_eq!(fill.additive.len(), 1);
    }
}
