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

use calamine::{CellErrorType, Data, DataRef, Dimensions, Xlsx, XlsxCellReader};

/// How a formula cell whose value the file does not hold is given: the error value Excel
/// itself shows while a value is not yet there (#GETTING_DATA). A blank or a 0 would be
/// read as a figure; an error value is reported at its cell (`ingest::cell`).
pub const UNCOMPUTED: Data = Data::Error(CellErrorType::GettingData);

/// A cell as streamed: its position and value, a formula's value replaced by
/// [`UNCOMPUTED`] where the file does not hold one that can be trusted.
pub struct StreamedCell<'a> {
    pub pos: (u32, u32),
    pub value: DataRef<'a>,
}

/// The next cell of `reader`, formulas checked. A formula with no cached value (written by
/// a script or a system that never calculated the sheet) is uncomputed. So is one whose
/// cached value is 0 in a workbook that asks to be recalculated on opening
/// (`fullCalcOnLoad`): writers that do not calculate store 0 for every formula and set that
/// flag, and Excel would show the real value only after opening — a 0 there is a placeholder
/// as often as not, and a genuine 0 costs only a finding. Excel and WPS do not set the flag
/// when they save, so their cached values are taken as they are.
pub fn next_checked_cell<'a>(
    reader: &mut XlsxCellReader<'a, BufReader<File>>,
    recalculated_on_load: bool,
) -> Result<Option<StreamedCell<'a>>, calamine::XlsxError> {
    let Some(record) = reader.next_cell_with_formula_metadata()? else {
        return Ok(None);
    };
    let placeholder = |v: &DataRef| match v {
        DataRef::Empty => true,
        DataRef::Int(0) => recalculated_on_load,
        DataRef::Float(f) => recalculated_on_load && *f == 0.0,
        DataRef::String(s) => recalculated_on_load && s.is_empty(),
        _ => false,
    };
    let value = if record.formula.is_some() && placeholder(&record.value) {
        DataRef::Error(CellErrorType::GettingData)
    } else {
        record.value
    };
    Ok(Some(StreamedCell {
        pos: record.pos,
        value,
    }))
}

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
    pending: Option<StreamedCell<'a>>,
    /// The workbook asks to be recalculated when opened (see [`next_checked_cell`]).
    recalculated_on_load: bool,
    /// The reader has given its last cell (asking again would be an error).
    ended: bool,
}

impl<'a> XlsxRowReader<'a> {
    /// The sheet's rows, reading at most `limit` cells (empty ones included).
    pub fn open(
        xlsx: &'a mut Xlsx<BufReader<File>>,
        sheet: &str,
        limit: u64,
        recalculated_on_load: bool,
    ) -> Result<Self, calamine::XlsxError> {
        Ok(XlsxRowReader {
            reader: xlsx.worksheet_cells_reader(sheet)?,
            limit,
            read: 0,
            used: None,
            row: Vec::new(),
            written: Vec::new(),
            pending: None,
            recalculated_on_load,
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
        let r = first.pos.0;
        self.written.clear();
        self.written.resize(self.row.len(), false);
        self.place(&first);
        loop {
            match self.next_filled()? {
                None => break,
                Some(cell) if cell.pos.0 == r => self.place(&cell),
                Some(cell) if cell.pos.0 > r => {
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
    fn next_filled(&mut self) -> Result<Option<StreamedCell<'a>>, RowError> {
        while !self.ended {
            let Some(cell) = next_checked_cell(&mut self.reader, self.recalculated_on_load)
                .map_err(|_| RowError::Unreadable)?
            else {
                self.ended = true;
                break;
            };
            self.read += 1;
            if self.read > self.limit {
                return Err(RowError::TooManyCells);
            }
            if matches!(cell.value, DataRef::Empty) {
                continue;
            }
            let (r, c) = cell.pos;
            self.used = Some(match self.used {
                None => (r, c, r, c),
                Some((t, l, b, rt)) => (t.min(r), l.min(c), b.max(r), rt.max(c)),
            });
            return Ok(Some(cell));
        }
        Ok(None)
    }

    /// Writes a cell into the row, reusing the text buffer a cell of the row before left.
    fn place(&mut self, cell: &StreamedCell) {
        let (c, value) = (cell.pos.1 as usize, &cell.value);
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
