//! Rules that look at one value at a time: range, allowed, pattern, length and identifiers
//! (`cell.rs`), with the check-digit arithmetic of 统一社会信用代码 and 身份证号
//! (`identifiers.rs`). Pure functions of a value and a compiled rule: ingest calls them on
//! each cell where it parses it, so a cell is read once. Whole-table rules live in
//! [`validate`].

pub mod cell;
pub mod identifiers;
