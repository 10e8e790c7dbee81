//! One integration test binary (faster to link than one per file); a module per command.

mod common;

mod annual;
mod bad_files;
mod check;
mod city;
mod explain;
mod formats;
mod hostile;
mod inspect;
mod layouts;
mod monthly;
mod other_district;
mod plausibility;
mod query;
mod run;
mod serve;
mod template;
mod validate;
