//! One integration test binary (faster to link than one per file); a module per command.

mod common;

mod annual;
mod bad_files;
mod check;
mod explain;
mod formats;
mod hostile;
mod inspect;
mod layouts;
mod monthly;
mod plausibility;
mod query;
mod run;
mod template;
mod validate;
