//! Validation: the pipeline's rules, each broken one a [`crate::finding::Finding`] at its
//! cell. Cell rules (`cell.rs`: range, allowed, pattern, length, identifiers) run inside
//! ingest while each sheet is read; table rules (`table.rs`: unique, check, reference) run
//! once every file is in. Error findings exclude their row from every measure; warnings keep it.
//! `identifiers.rs` holds the check-digit arithmetic of 统一社会信用代码 and 身份证号.

pub mod cell;
pub mod identifiers;
pub mod table;

pub use table::{validate_tables, ValidateError};
