//! `calamine-floor DATA_DIR GLOB SHEET`: streams every cell of every matching workbook with
//! calamine's `worksheet_cells_reader`, in parallel over files, and prints how many cells
//! and text bytes it saw (so that nothing is optimised away). The benchmark times it as a
//! whole process, like the engines.

use calamine::{open_workbook, Reader, Xlsx};
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (dir, pattern, sheet) = match args.as_slice() {
        [_, dir, pattern, sheet] => (dir, pattern, sheet),
        _ => {
            eprintln!("usage: calamine-floor DATA_DIR GLOB SHEET");
            std::process::exit(2);
        }
    };
    let files: Vec<_> = glob::glob(&format!("{dir}/{pattern}"))
        .expect("valid glob")
        .flatten()
        .collect();
    let (cells, bytes) = files
        .par_iter()
        .map(|path| {
            let mut book: Xlsx<_> = open_workbook(path).expect("an xlsx");
            let mut reader = book.worksheet_cells_reader(sheet).expect("the sheet");
            let (mut cells, mut bytes) = (0u64, 0u64);
            while let Some(cell) = reader.next_cell().expect("readable") {
                cells += 1;
                if let calamine::DataRef::SharedString(s) = cell.get_value() {
                    bytes += s.len() as u64;
                } else if let calamine::DataRef::String(s) = cell.get_value() {
                    bytes += s.len() as u64;
                }
            }
            (cells, bytes)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{} files, {cells} cells, {bytes} text bytes", files.len());
}
