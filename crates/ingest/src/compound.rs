//! Workbooks that calamine reads whole on opening, measured before it does: an OLE
//! compound file (xls) here, and an ODS's content (`measure_ods`). calamine follows the
//! file's sector chains as they claim to be and parses every sheet into a dense range when
//! it opens the workbook: a 1 KB file whose chain loops made it grow a buffer until the
//! process was killed, and a 42 KB xls with one cell in A1 and one in IV65536 cost a
//! gigabyte. Here the container is walked with every claim checked against the file
//! (chains that loop, run past the file or are shorter than their stream; sizes beyond
//! the file), then the workbook stream's cell records are scanned for the area each sheet
//! spans, so that the memory calamine would take is known before it takes it.
//!
//! MS-CFB (compound file) and MS-XLS (BIFF8 and BIFF5 records) are the references.

/// What calamine would hold of a workbook: each worksheet's name and the area its cells
/// span (top, left, bottom, right; 0-based).
/// (top, left, bottom, right), 0-based, inclusive.
pub type Area = (u32, u32, u32, u32);

pub struct WorkbookExtent {
    pub sheets: Vec<(String, Option<Area>)>,
    /// The workbook has a FILEPASS record: its records after it are encrypted (and not
    /// scanned).
    pub encrypted: bool,
}

impl WorkbookExtent {
    /// Cells of the dense ranges calamine builds (every sheet at once, on opening).
    pub fn dense_cells(&self) -> u64 {
        self.sheets
            .iter()
            .filter_map(|(_, area)| *area)
            .map(|(t, l, b, r)| (b - t + 1) as u64 * (r - l + 1) as u64)
            .sum()
    }

    /// The sheet spanning the largest area, with its area.
    pub fn widest(&self) -> Option<(&str, Area)> {
        self.sheets
            .iter()
            .filter_map(|(name, area)| area.map(|a| (name.as_str(), a)))
            .max_by_key(|(_, (t, l, b, r))| (b - t + 1) as u64 * (r - l + 1) as u64)
    }
}

/// The extent of each sheet of an ODS workbook, from its `content.xml` streamed (never held):
/// calamine expands every sheet's repeated rows and columns into a dense grid when it opens
/// the workbook, so a few kilobytes that repeat an empty row a million times before one more
/// value cost gigabytes there. Cells with a value (`office:value-type`) mark the extent;
/// `None` when the part cannot be read (calamine then says what is wrong).
pub fn measure_ods<R: std::io::BufRead>(content: R) -> Option<WorkbookExtent> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut sheets: Vec<(String, Option<Area>)> = Vec::new();
    let (mut row, mut col, mut row_repeats) = (0u64, 0u64, 1u64);
    let repeats = |e: &quick_xml::events::BytesStart, name: &str| -> u64 {
        e.try_get_attribute(name)
            .ok()
            .flatten()
            .and_then(|a| a.value.parse().ok())
            .unwrap_or(1)
    };
    loop {
        let event = reader.read_event_into(&mut buf).ok()?;
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) if e.name().as_ref() == "table:table-row" => {
                row += row_repeats;
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(e) = element {
            match e.name().as_ref() {
                "table:table" => {
                    let name = e
                        .try_get_attribute("table:name")
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                    sheets.push((name, None));
                    row = 0;
                }
                "table:table-row" => {
                    row_repeats = repeats(e, "table:number-rows-repeated").max(1);
                    col = 0;
                    if empty {
                        row += row_repeats;
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let span = repeats(e, "table:number-columns-repeated").max(1);
                    let valued = e
                        .try_get_attribute("office:value-type")
                        .ok()
                        .flatten()
                        .is_some();
                    if let (true, Some((_, area))) = (valued, sheets.last_mut()) {
                        let clamp = |v: u64| v.min(u32::MAX as u64) as u32;
                        let (bottom, right) = (clamp(row + row_repeats - 1), clamp(col + span - 1));
                        let (top, left) = (clamp(row), clamp(col));
                        *area = Some(match *area {
                            None => (top, left, bottom, right),
                            Some((t, l, b, r)) => {
                                (t.min(top), l.min(left), b.max(bottom), r.max(right))
                            }
                        });
                    }
                    col += span;
                }
                _ => {}
            }
        }
        buf.clear();
    }
    Some(WorkbookExtent {
        sheets,
        encrypted: false,
    })
}

const FREE: u32 = 0xFFFF_FFFF;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;

/// Why a compound file cannot be read safely, in words for the user.
const DAMAGED: &str = "文件内部结构异常（数据块的链接循环、越出文件或与声明的大小不符）";

/// Checks the container and measures the workbook stream; `Ok(None)` when the file holds
/// no workbook stream (an encrypted xlsx, a Word file: the caller says what it is).
pub fn measure(bytes: &[u8]) -> Result<Option<WorkbookExtent>, String> {
    let file = Container::parse(bytes)?;
    let Some(stream) = file.stream(&["Workbook", "Book"])? else {
        return Ok(None);
    };
    Ok(Some(scan_biff(&stream)))
}

struct Container<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
    directory: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl<'a> Container<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let damaged = || DAMAGED.to_string();
        let shift = u16_at(bytes, 0x1E).ok_or_else(damaged)?;
        if shift != 9 && shift != 12 {
            return Err(damaged());
        }
        let sector = 1usize << shift;
        let sectors = bytes.len().saturating_sub(sector).div_ceil(sector);
        // FAT sectors: 109 in the header, the rest in the DIFAT chain.
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(bytes, 0x4C + 4 * i))
            .filter(|&s| s != FREE)
            .collect();
        let mut difat = u32_at(bytes, 0x44).ok_or_else(damaged)?;
        let mut seen = 0;
        while difat != END_OF_CHAIN && difat != FREE {
            seen += 1;
            if seen > sectors || difat as usize >= sectors {
                return Err(damaged());
            }
            let at = (difat as usize + 1) * sector;
            let per = sector / 4 - 1;
            for i in 0..per {
                match u32_at(bytes, at + 4 * i) {
                    Some(FREE) | None => {}
                    Some(s) => fat_sectors.push(s),
                }
            }
            difat = u32_at(bytes, at + 4 * per).ok_or_else(damaged)?;
        }
        if fat_sectors.len() > sectors {
            return Err(damaged());
        }
        let mut fat = Vec::with_capacity(fat_sectors.len() * sector / 4);
        for s in fat_sectors {
            let at = (s as usize + 1) * sector;
            let part = bytes.get(at..at + sector).ok_or_else(damaged)?;
            fat.extend(
                part.chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        let mut container = Container {
            bytes,
            sector,
            fat,
            directory: Vec::new(),
        };
        let first_directory = u32_at(bytes, 0x30).ok_or_else(damaged)?;
        container.directory = container.read_chain(first_directory, None)?;
        Ok(container)
    }

    fn sectors(&self) -> usize {
        self.bytes
            .len()
            .saturating_sub(self.sector)
            .div_ceil(self.sector)
    }

    /// The sectors of the chain from `start`, each checked: inside the file and the FAT,
    /// never visited twice, and — when the stream's size is given — as many as it needs.
    fn chain(&self, start: u32, size: Option<u64>) -> Result<Vec<u32>, String> {
        let sectors = self.sectors();
        let mut visited = vec![false; sectors];
        let mut chain = Vec::new();
        let mut at = start;
        while at != END_OF_CHAIN {
            let i = at as usize;
            if i >= sectors || i >= self.fat.len() || visited[i] {
                return Err(DAMAGED.to_string());
            }
            visited[i] = true;
            chain.push(at);
            at = self.fat[i];
        }
        if let Some(size) = size {
            let needed = size.div_ceil(self.sector as u64);
            if (chain.len() as u64) < needed {
                return Err(DAMAGED.to_string());
            }
        }
        Ok(chain)
    }

    fn read_chain(&self, start: u32, size: Option<u64>) -> Result<Vec<u8>, String> {
        let chain = self.chain(start, size)?;
        let mut out = Vec::with_capacity(chain.len() * self.sector);
        for s in chain {
            let at = (s as usize + 1) * self.sector;
            let end = (at + self.sector).min(self.bytes.len());
            out.extend_from_slice(self.bytes.get(at..end).ok_or(DAMAGED)?);
        }
        if let Some(size) = size {
            out.truncate(size as usize);
        }
        Ok(out)
    }

    /// The first stream named one of `names`, read through its checked chain. A stream
    /// under the mini-stream cutoff (4096 bytes) lives in the mini stream: a workbook that
    /// small holds too little to matter, and calamine's mini-stream reading is bounded by
    /// the root's size, itself checked here.
    fn stream(&self, names: &[&str]) -> Result<Option<Vec<u8>>, String> {
        let file_len = self.bytes.len() as u64;
        let root = self.directory.get(..128).ok_or(DAMAGED)?;
        let root_size = u32_at(root, 0x78).ok_or(DAMAGED)? as u64;
        if root_size > file_len {
            return Err(DAMAGED.to_string());
        }
        let cutoff = u32_at(self.bytes, 0x38).unwrap_or(4096) as u64;
        for entry in self.directory.chunks_exact(128) {
            let name_len = (u16_at(entry, 0x40).unwrap_or(0) as usize).min(64);
            let name: String = char::decode_utf16(
                entry[..name_len.saturating_sub(2)]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            )
            .map(|c| c.unwrap_or('\u{fffd}'))
            .collect();
            let is_stream = entry[0x42] == 2;
            let size = u32_at(entry, 0x78).unwrap_or(0) as u64;
            if is_stream && size > file_len {
                return Err(DAMAGED.to_string());
            }
            if !is_stream || !names.contains(&name.as_str()) {
                continue;
            }
            if size < cutoff {
                return Ok(None);
            }
            let start = u32_at(entry, 0x74).ok_or(DAMAGED)?;
            return self.read_chain(start, Some(size)).map(Some);
        }
        Ok(None)
    }
}

/// Each worksheet's name (from its BOUNDSHEET record) and the area its value cells span.
fn scan_biff(stream: &[u8]) -> WorkbookExtent {
    let mut names: Vec<String> = Vec::new();
    let mut sheets: Vec<(String, Option<Area>)> = Vec::new();
    let mut current: Option<usize> = None;
    let mut substreams = 0usize;
    let mut at = 0usize;
    while let (Some(id), Some(len)) = (u16_at(stream, at), u16_at(stream, at + 2)) {
        let data = stream.get(at + 4..at + 4 + len as usize).unwrap_or(&[]);
        at += 4 + len as usize;
        match id {
            // FILEPASS: what follows is encrypted — a password-protected workbook.
            0x002F => {
                return WorkbookExtent {
                    sheets,
                    encrypted: true,
                }
            }
            // BOUNDSHEET: the sheets in order, with their names.
            0x0085 => {
                let cch = data.get(6).copied().unwrap_or(0) as usize;
                let wide = data.get(7).is_some_and(|f| f & 1 == 1);
                let name = if wide {
                    let units = data.get(8..8 + 2 * cch).unwrap_or(&[]);
                    String::from_utf16_lossy(
                        &units
                            .chunks_exact(2)
                            .map(|c| u16::from_le_bytes([c[0], c[1]]))
                            .collect::<Vec<_>>(),
                    )
                } else {
                    String::from_utf8_lossy(data.get(8..8 + cch).unwrap_or(&[])).into_owned()
                };
                names.push(name);
            }
            // BOF: a substream begins; after the globals, the sheets in BOUNDSHEET order.
            0x0809 => {
                substreams += 1;
                let kind = u16_at(data, 2).unwrap_or(0);
                current = (substreams > 1 && kind == 0x0010).then(|| {
                    let name = names
                        .get(substreams - 2)
                        .cloned()
                        .unwrap_or_else(|| format!("第{}个工作表", substreams - 1));
                    sheets.push((name, None));
                    sheets.len() - 1
                });
            }
            0x000A => current = None,
            // Cells with a value: NUMBER, RK, LABELSST, LABEL, BOOLERR, FORMULA, RSTRING;
            // MULRK spans columns first..last.
            0x0203 | 0x027E | 0x00FD | 0x0204 | 0x0205 | 0x0006 | 0x00D6 | 0x00BD => {
                let (Some(i), Some(row), Some(col)) = (current, u16_at(data, 0), u16_at(data, 2))
                else {
                    continue;
                };
                let last = match id {
                    0x00BD => u16_at(data, data.len().saturating_sub(2)).unwrap_or(col),
                    _ => col,
                };
                // BIFF8 has 256 columns: a larger one is no cell calamine would place.
                if last > 255 {
                    continue;
                }
                let (row, col, last) = (row as u32, col as u32, last.max(col) as u32);
                let area = &mut sheets[i].1;
                *area = Some(match *area {
                    None => (row, col, row, last),
                    Some((t, l, b, r)) => (t.min(row), l.min(col), b.max(row), r.max(last)),
                });
            }
            _ => {}
        }
    }
    WorkbookExtent {
        sheets,
        encrypted: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compound file of 512-byte sectors: header, one FAT sector (sector 0), one
    /// directory sector (sector 1), then the given sectors of a stream "Workbook".
    fn compound(fat_tail: &[u32], stream_sectors: usize, stream_size: u32) -> Vec<u8> {
        let mut file = vec![0u8; 512];
        file[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
        file[0x1A] = 3;
        file[0x1E] = 9;
        file[0x20] = 6;
        file[0x2C] = 1;
        file[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
        file[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
        file[0x3C..0x40].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        file[0x44..0x48].copy_from_slice(&END_OF_CHAIN.to_le_bytes());
        for i in 0..109 {
            file[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&FREE.to_le_bytes());
        }
        file[0x4C..0x50].copy_from_slice(&0u32.to_le_bytes());
        let mut fat = vec![FREE; 128];
        fat[0] = 0xFFFF_FFFD;
        fat[1] = END_OF_CHAIN;
        for (i, next) in fat_tail.iter().enumerate() {
            fat[2 + i] = *next;
        }
        file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
        let mut directory = vec![0u8; 512];
        let mut entry = |at: usize, name: &str, kind: u8, start: u32, size: u32| {
            let units: Vec<u8> = name
                .encode_utf16()
                .chain([0])
                .flat_map(u16::to_le_bytes)
                .collect();
            directory[at..at + units.len()].copy_from_slice(&units);
            directory[at + 0x40] = units.len() as u8;
            directory[at + 0x42] = kind;
            directory[at + 0x74..at + 0x78].copy_from_slice(&start.to_le_bytes());
            directory[at + 0x78..at + 0x7C].copy_from_slice(&size.to_le_bytes());
        };
        entry(0, "Root Entry", 5, END_OF_CHAIN, 0);
        entry(128, "Workbook", 2, 2, stream_size);
        file.extend(directory);
        file.resize(512 * (3 + stream_sectors), 0);
        file
    }

    #[test]
    fn a_looping_chain_a_short_chain_and_a_size_beyond_the_file_are_refused() {
        // Sector 2 → 3 → 2 …
        assert!(measure(&compound(&[3, 2], 2, 8192)).is_err());
        // Two sectors for a stream that claims ten.
        assert!(measure(&compound(&[3, END_OF_CHAIN], 2, 5120)).is_err());
        // A stream larger than the file.
        assert!(measure(&compound(&[3, END_OF_CHAIN], 2, 1 << 30)).is_err());
        // A chain pointing past the file.
        assert!(measure(&compound(&[900], 1, 4096)).is_err());
        // Well formed: eight sectors 2 → … → 9 for 4,096 bytes, measured (no sheets).
        let chain: Vec<u32> = (3..10).chain([END_OF_CHAIN]).collect();
        let fine = measure(&compound(&chain, 8, 4096)).unwrap();
        assert_eq!(fine.unwrap().dense_cells(), 0);
    }

    #[test]
    fn an_ods_sheet_spans_its_repeated_rows_and_columns_up_to_its_last_value() {
        let content = r#"<office:document-content><office:body><office:spreadsheet>
            <table:table table:name="台账">
              <table:table-row><table:table-cell office:value-type="string"><text:p>编号</text:p></table:table-cell></table:table-row>
              <table:table-row table:number-rows-repeated="999"><table:table-cell table:number-columns-repeated="50"/></table:table-row>
              <table:table-row><table:table-cell table:number-columns-repeated="9"/><table:table-cell office:value-type="float" office:value="1"/></table:table-row>
              <table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
            </table:table>
            <table:table table:name="空"><table:table-row table:number-rows-repeated="5"><table:table-cell/></table:table-row></table:table>
          </office:spreadsheet></office:body></office:document-content>"#;
        let extent = measure_ods(content.as_bytes()).unwrap();
        assert_eq!(
            extent.sheets,
            vec![
                ("台账".to_string(), Some((0, 0, 1000, 9))),
                ("空".to_string(), None)
            ]
        );
        assert_eq!(extent.dense_cells(), 1001 * 10);
    }

    #[test]
    fn the_area_of_each_sheet_comes_from_its_cell_records() {
        let record = |id: u16, data: &[u8]| {
            let mut r = id.to_le_bytes().to_vec();
            r.extend((data.len() as u16).to_le_bytes());
            r.extend(data);
            r
        };
        let mut stream = record(0x0809, &[0, 6, 5, 0]);
        let mut sheet = vec![0, 0, 0, 0, 0, 0, 4, 0];
        sheet.extend(b"Data");
        stream.extend(record(0x0085, &sheet));
        stream.extend(record(0x000A, &[]));
        stream.extend(record(0x0809, &[0, 6, 0x10, 0]));
        stream.extend(record(0x0203, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
        stream.extend(record(0x00FD, &[0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0]));
        stream.extend(record(0x000A, &[]));
        let extent = scan_biff(&stream);
        assert_eq!(
            extent.sheets,
            vec![("Data".to_string(), Some((0, 0, 65535, 255)))]
        );
        assert!(!extent.encrypted);
        assert_eq!(extent.dense_cells(), 65536 * 256);
    }
}
