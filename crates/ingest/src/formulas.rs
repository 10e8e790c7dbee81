//! Formula cells of an xlsx whose value the file does not hold. A script or a system that
//! writes formulas without calculating them leaves no cached value (`<f>` and no `<v>`), or
//! a 0 placeholder in a workbook that asks to be recalculated on opening
//! (`fullCalcOnLoad`): read as they are, they are blanks and zeros in the figures. Such a
//! cell is given as [`UNCOMPUTED`], which `cell.rs` reports at its cell as 公式未计算.

use std::fs::File;
use std::io::BufReader;

use calamine::{Cell, CellErrorType, Data, DataRef, XlsxCellReader};

/// How a formula cell whose value the file does not hold is given: the error value Excel
/// itself shows while a value is not yet there (#GETTING_DATA). A blank or a 0 would be
/// read as a figure; an error value is reported at its cell.
pub const UNCOMPUTED: Data = Data::Error(CellErrorType::GettingData);

/// The cell reader for a sheet whose formulas are checked (`xlsx_rows::NextCell`):
/// `recalculated_on_load` says whether the workbook asks to be recalculated on opening.
pub fn checked_reader<'a>(recalculated_on_load: bool) -> xlsx_rows::NextCell<'a> {
    if recalculated_on_load {
        next_checked_cell::<true>
    } else {
        next_checked_cell::<false>
    }
}

/// The next cell of `reader`, formulas checked. A formula with no cached value is
/// uncomputed. So is one whose cached value is 0 (or empty text) in a workbook that asks to
/// be recalculated on opening: writers that do not calculate store 0 for every formula and
/// set that flag, so a 0 there is a placeholder as often as not, and a genuine 0 costs only
/// a finding. Excel and WPS do not set the flag when they save: their cached values are
/// taken as they are.
pub fn next_checked_cell<'a, const RECALCULATED_ON_LOAD: bool>(
    reader: &mut XlsxCellReader<'a, BufReader<File>>,
) -> Result<Option<Cell<DataRef<'a>>>, calamine::XlsxError> {
    let Some(record) = reader.next_cell_with_formula_metadata()? else {
        return Ok(None);
    };
    let placeholder = match &record.value {
        DataRef::Empty => true,
        DataRef::Int(0) => RECALCULATED_ON_LOAD,
        DataRef::Float(f) => RECALCULATED_ON_LOAD && *f == 0.0,
        DataRef::String(s) => RECALCULATED_ON_LOAD && s.is_empty(),
        _ => false,
    };
    let value = if record.formula.is_some() && placeholder {
        DataRef::Error(CellErrorType::GettingData)
    } else {
        record.value
    };
    Ok(Some(Cell::new(record.pos, value)))
}
