//! The rows of an xlsx sheet as calamine streams its cells: each row gathered into a buffer
//! of [`calamine::Data`] whose text buffers are reused row to row, every cell counted
//! against a bound, the used area tracked, rows out of order detected.
//!
//! Why a crate of its own: this is the innermost loop of a run, and its machine code
//! depends on where it is compiled. Inside laborstat's crate, calamine's `next_cell` called
//! quick-xml's `str::find(':')` out of line (`CharSearcher::next_match`, ~4 % of all CPU at
//! benchmark scale M) and handing each cell across a call cost store-forwarding stalls;
//! compiled here, as in the benchmark's bare-parse floor, neither happens (measured with
//! perf and alternating runs; README, Performance). laborstat's `ingest::workbook` wraps it.

use std::fs::File;
use std::io::BufReader;

use calamine::{Cell, Data, DataRef, Dimensions, Xlsx, XlsxCellReader};

/// Where the cells of a sheet come from: calamine's plain `next_cell`, or a reader that
/// looks at each cell's formula too (`ingest::formulas`). The formula reader is compiled in
/// the caller's crate, not here, so that `next_cell`'s machine code stays as the fast path
/// needs it (with a second caller, calamine's value parser stops being inlined into it:
/// measured 4 % of a run at benchmark scale M).
pub type NextCell<'a> = fn(
    &mut XlsxCellReader<'a, BufReader<File>>,
) -> Result<Option<Cell<DataRef<'a>>>, calamine::XlsxError>;

/// Why a sheet's rows could not all be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowError {
    /// The XML of the sheet is broken.
    Unreadable,
    /// More cells (empty ones included) than the bound given to [`XlsxRowReader::open`].
    TooManyCells,
    /// A row came after a row below it: the file was not written top to bottom.
    OutOfOrder,
}

pub struct XlsxRowReader<'a> {
    reader: XlsxCellReader<'a, BufReader<File>>,
    limit: u64,
    read: u64,
    used: Option<(u32, u32, u32, u32)>,
    /// The row being gathered or just read; its text cells' buffers are reused.
    row: Vec<Data>,
    /// Which cells of `row` the current row wrote (the others are stale).
    written: Vec<bool>,
    /// The first cell of the next row, read while finding where this one ends.
    pending: Option<Cell<DataRef<'a>>>,
    /// Reads cells with their formulas checked; `None`: calamine's plain `next_cell`.
    checked: Option<NextCell<'a>>,
    /// The reader has given its last cell (asking again would be an error).
    ended: bool,
}

impl<'a> XlsxRowReader<'a> {
    /// The sheet's rows, reading at most `limit` cells (empty ones included), through
    /// `checked` when given.
    pub fn open(
        xlsx: &'a mut Xlsx<BufReader<File>>,
        sheet: &str,
        limit: u64,
        checked: Option<NextCell<'a>>,
    ) -> Result<Self, calamine::XlsxError> {
        Ok(XlsxRowReader {
            reader: xlsx.worksheet_cells_reader(sheet)?,
            limit,
            read: 0,
            used: None,
            row: Vec::new(),
            written: Vec::new(),
            pending: None,
            checked,
            ended: false,
        })
    }

    /// The dimension the sheet declares (may be absurd: it is the writer's claim).
    pub fn dimensions(&self) -> Dimensions {
        self.reader.dimensions()
    }

    /// (top, left, bottom, right) of the cells with a value read so far.
    pub fn used_area(&self) -> Option<(u32, u32, u32, u32)> {
        self.used
    }

    /// Reads the next row with a value: its 0-based index, its cells from column A in
    /// [`XlsxRowReader::row`]; `None` at the end of the sheet.
    pub fn next_row(&mut self) -> Result<Option<u32>, RowError> {
        let first = match self.pending.take() {
            Some(cell) => cell,
            None => match self.next_filled()? {
                Some(cell) => cell,
                None => return Ok(None),
            },
        };
        let r = first.get_position().0;
        self.written.clear();
        self.written.resize(self.row.len(), false);
        self.place(&first);
        loop {
            match self.next_filled()? {
                None => break,
                Some(cell) if cell.get_position().0 == r => self.place(&cell),
                Some(cell) if cell.get_position().0 > r => {
                    self.pending = Some(cell);
                    break;
                }
                Some(_) => return Err(RowError::OutOfOrder),
            }
        }
        // Cells the previous row had and this one has not are empty here.
        let width = self.written.iter().rposition(|&w| w).map_or(0, |c| c + 1);
        self.row.truncate(width);
        self.written.truncate(width);
        for (cell, &written) in self.row.iter_mut().zip(&self.written) {
            if !written {
                *cell = Data::Empty;
            }
        }
        Ok(Some(r))
    }

    /// The row [`XlsxRowReader::next_row`] read.
    pub fn row(&self) -> &[Data] {
        &self.row
    }

    /// Takes the row read, leaving `other` (an earlier row, whose text buffers the next
    /// row reuses) in its place.
    pub fn swap_row(&mut self, other: &mut Vec<Data>) {
        std::mem::swap(&mut self.row, other);
    }

    /// The next cell with a value, every cell counted against the bound.
    fn next_filled(&mut self) -> Result<Option<Cell<DataRef<'a>>>, RowError> {
        while !self.ended {
            let next = match self.checked {
                None => self.reader.next_cell(),
                Some(checked) => checked(&mut self.reader),
            };
            let Some(cell) = next.map_err(|_| RowError::Unreadable)? else {
                self.ended = true;
                break;
            };
            self.read += 1;
            if self.read > self.limit {
                return Err(RowError::TooManyCells);
            }
            if matches!(cell.get_value(), DataRef::Empty) {
                continue;
            }
            let (r, c) = cell.get_position();
            self.used = Some(match self.used {
                None => (r, c, r, c),
                Some((t, l, b, rt)) => (t.min(r), l.min(c), b.max(r), rt.max(c)),
            });
            return Ok(Some(cell));
        }
        Ok(None)
    }

    /// Writes a cell into the row, reusing the text buffer a cell of the row before left.
    fn place(&mut self, cell: &Cell<DataRef>) {
        let (c, value) = (cell.get_position().1 as usize, cell.get_value());
        if self.row.len() <= c {
            self.row.resize(c + 1, Data::Empty);
            self.written.resize(c + 1, false);
        }
        self.written[c] = true;
        let text = match value {
            DataRef::String(s) => Some(s.as_str()),
            DataRef::SharedString(s) => Some(*s),
            _ => None,
        };
        match (&mut self.row[c], text) {
            (Data::String(buffer), Some(text)) => {
                buffer.clear();
                buffer.push_str(text);
            }
            (slot, _) => *slot = Data::from(value.clone()),
        }
    }
}
