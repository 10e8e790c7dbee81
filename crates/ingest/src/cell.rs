//! Cell values as townships write them → typed values.
//!
//! Numbers arrive as numbers, as text ("1,234", "１２３", "3.6万", "97%", "12人"), dates as
//! Excel serials or text in five spellings. Each parser returns `Err(reason)` in words a
//! statistician understands; the caller turns that into a finding at the cell.

use std::borrow::Cow;

use calamine::Data;

use chrono::NaiveDate;
use pipeline::{Column, ColumnType};

/// Days from 1970-01-01 (Arrow's Date32 epoch) to Excel's serial day 0 (1899-12-30).
const EXCEL_EPOCH_OFFSET: i64 = 25_569;

/// Days between the 1900 and the 1904 date systems' serial 0.
const EXCEL_1904_SHIFT: f64 = 1_462.0;

/// Which day an Excel serial counts from. Excel for Mac (before 2011) and workbooks made
/// from its templates count from 1904-01-01: read in the 1900 system, every date would be
/// four years early. The workbook says which (calamine reports it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateSystem {
    #[default]
    Excel1900,
    Excel1904,
}

impl DateSystem {
    /// The serial in the 1900 system.
    fn to_1900(self, serial: f64) -> f64 {
        match self {
            DateSystem::Excel1900 => serial,
            DateSystem::Excel1904 => serial + EXCEL_1904_SHIFT,
        }
    }
}

/// Years a bare number (not formatted as a date) may fall in when read as a serial. Outside
/// them the number is not taken for a date: 2024 as a serial is 1905-07-16, a typing slip.
const PLAUSIBLE_SERIAL_YEARS: std::ops::RangeInclusive<i32> = 1940..=2099;

/// Full-width ASCII (！ to ～) and the ideographic space → half-width; trims.
pub fn to_half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' => ' ',
            '。' => '.',
            _ => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// The text of a cell as the user sees it (numbers without a trailing `.0`).
pub fn display_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format_float(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => match formatted_date(dt) {
            Some(date) => date.format("%Y-%m-%d").to_string(),
            None => format_float(dt.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn format_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// True for an empty cell or one holding only spaces.
pub fn is_blank(cell: &Data) -> bool {
    match cell {
        Data::Empty => true,
        // Stops at the first character that is not a space: one look for most text.
        Data::String(s) => s.chars().all(char::is_whitespace),
        _ => false,
    }
}

/// Why a formula cell whose value the file does not hold (`formulas::UNCOMPUTED`) is not
/// read as a figure.
pub const UNCOMPUTED_FORMULA: &str =
    "公式未计算：文件中只有公式、没有计算结果（多为系统或程序导出的文件），请用 Excel/WPS 打开并保存后再报送";

/// A formula error cached in the file (#DIV/0!, #REF!, #N/A…).
pub fn formula_error(cell: &Data) -> Option<String> {
    match cell {
        Data::Error(e) => Some(format!("{e}")),
        Data::String(s)
            if matches!(
                s.trim(),
                "#DIV/0!" | "#REF!" | "#N/A" | "#VALUE!" | "#NAME?" | "#NUM!" | "#NULL!"
            ) =>
        {
            Some(s.trim().to_string())
        }
        _ => None,
    }
}

/// A decimal number written as text, exactly: (digits as integer, scale).
/// Handles signs, thousands separators, full-width digits, `万`/`亿` and unit suffixes.
struct Written {
    /// Value × 10^scale.
    mantissa: i128,
    scale: u32,
    percent: bool,
}

const UNIT_SUFFIXES: [&str; 12] = [
    "万元", "元", "人次", "人", "件", "户", "个", "家", "名", "起", "次", "项",
];

fn parse_written(text: &str) -> Result<Written, String> {
    // Systems print amounts with a currency sign: ¥1,200.00, ￥1,200.00.
    let mut t = to_half_width(text).replace([',', ' ', '\u{2009}', '¥', '￥'], "");
    let mut multiplier_exp = 0u32;
    for suffix in UNIT_SUFFIXES {
        if let Some(stripped) = t.strip_suffix(suffix) {
            if suffix == "万元" {
                multiplier_exp = 4;
            }
            t = stripped.to_string();
            break;
        }
    }
    if let Some(stripped) = t.strip_suffix('万') {
        multiplier_exp += 4;
        t = stripped.to_string();
    } else if let Some(stripped) = t.strip_suffix('亿') {
        multiplier_exp += 8;
        t = stripped.to_string();
    }
    let percent = t.ends_with('%');
    let t = t.trim_end_matches('%');
    let (negative, digits) = match t.strip_prefix('-').or_else(|| t.strip_prefix('−')) {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let valid = !(whole.is_empty() && fraction.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
        && whole.len() + fraction.len() <= 30;
    if !valid {
        return Err(format!("“{}”不是数字", text.trim()));
    }
    let mut mantissa: i128 = format!("{whole}{fraction}").parse().unwrap_or(0);
    let mut scale = fraction.len() as u32;
    // Apply 万/亿 by lowering the scale first, then multiplying.
    let mut exp = multiplier_exp;
    while exp > 0 && scale > 0 {
        scale -= 1;
        exp -= 1;
    }
    // 30 digits with 万元 and 亿 would pass i128: too large is a finding, never a wrap-around.
    mantissa = mantissa
        .checked_mul(10i128.pow(exp))
        .ok_or_else(|| format!("“{}”数值过大", text.trim()))?;
    if negative {
        mantissa = -mantissa;
    }
    Ok(Written {
        mantissa,
        scale,
        percent,
    })
}

/// An integer count. Accepts "1,234", "１２", "12人", "3万", and numbers stored as numbers.
pub fn parse_int(cell: &Data) -> Result<i64, String> {
    match cell {
        Data::Int(i) => Ok(*i),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9e15 {
                Ok(*f as i64)
            } else {
                Err(format!("{}不是整数", format_float(*f)))
            }
        }
        Data::Bool(_) | Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err(format!("“{}”不是整数", display_text(cell)))
        }
        _ => {
            let text = display_text(cell);
            let w = parse_written(&text)?;
            if w.percent {
                return Err(format!("“{}”是百分比，不是整数", text.trim()));
            }
            let divisor = 10i128.pow(w.scale);
            if w.mantissa % divisor != 0 {
                return Err(format!("“{}”不是整数", text.trim()));
            }
            i64::try_from(w.mantissa / divisor).map_err(|_| format!("“{}”数值过大", text.trim()))
        }
    }
}

/// An amount in a column written in 万元 (a published table), as exact fen: a plain number
/// is 万元 (2861.21 → 28,612,100 元); a cell that writes its own unit (“3.6万元”, “500元”) is
/// read as written.
///
/// Exact to the fen: 万元 written with four or six decimals (439.6962 万元 = 4,396,962.00 元)
/// keep them all — a fen is the sixth decimal of 万元.
pub fn parse_wan_fen(cell: &Data) -> Result<i64, String> {
    const FEN_PER_WAN: i64 = 1_000_000;
    match cell {
        Data::String(text) if text.contains('元') || text.contains('万') => parse_money_fen(cell),
        Data::Int(i) => i
            .checked_mul(FEN_PER_WAN)
            .ok_or_else(|| "金额过大".to_string()),
        Data::Float(f) => float_fen(*f, FEN_PER_WAN as f64),
        Data::String(_) => {
            let text = display_text(cell);
            let w = parse_written(&text).map_err(|_| format!("“{}”不是金额", text.trim()))?;
            if w.percent {
                return Err(format!("“{}”是百分比，不是金额", text.trim()));
            }
            i64::try_from(in_places(&w, 6)).map_err(|_| format!("“{}”数值过大", text.trim()))
        }
        _ => parse_money_fen(cell)?
            .checked_mul(10_000)
            .ok_or_else(|| "金额过大".to_string()),
    }
}

/// A cell's float as whole fen, `fen_per_unit` fen to its unit (100 for 元, 1,000,000 for
/// 万元), rounded once.
fn float_fen(f: f64, fen_per_unit: f64) -> Result<i64, String> {
    let fen = (f * fen_per_unit).round();
    if fen.is_finite() && fen.abs() < 9e17 {
        Ok(fen as i64)
    } else {
        Err(format!("{}不是有效金额", format_float(f)))
    }
}

/// A written number in units of 10^-`places` (fen of 元: 2; fen of 万元: 6), rounding half
/// away from zero past them.
fn in_places(w: &Written, places: u32) -> i128 {
    if w.scale <= places {
        return w.mantissa * 10i128.pow(places - w.scale);
    }
    let divisor = 10i128.pow(w.scale - places);
    let half = divisor / 2;
    if w.mantissa >= 0 {
        (w.mantissa + half) / divisor
    } else {
        (w.mantissa - half) / divisor
    }
}

/// A plain number; "97%" → 0.97, "3.6万" → 36000.
pub fn parse_number(cell: &Data) -> Result<f64, String> {
    match cell {
        Data::Int(i) => Ok(*i as f64),
        Data::Float(f) => Ok(*f),
        Data::Bool(_) | Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err(format!("“{}”不是数字", display_text(cell)))
        }
        _ => {
            let text = display_text(cell);
            let w = parse_written(&text)?;
            let value = w.mantissa as f64 / 10f64.powi(w.scale as i32);
            Ok(if w.percent { value / 100.0 } else { value })
        }
    }
}

/// An amount in 元 as exact integer fen. A number cell is rounded to the nearest fen
/// (binary doubles such as 1234.56 are not exact); text is read digit by digit.
/// A money cell read in 元 that holds more than fen (439.6962): rounded to the fen when
/// read, and a sign that the column's unit is really 万元 — which the caller tells.
pub fn finer_than_fen(cell: &Data) -> bool {
    match cell {
        Data::Float(f) => {
            let fen = f * 100.0;
            (fen - fen.round()).abs() > 1e-6_f64.max(fen.abs() * 1e-12)
        }
        // Looked at without parsing again (the cell was parsed as money just before): the
        // digits after the point past the second, trailing zeros aside (12.500 is fen). A
        // text with 万 in it is scaled, and its decimals are not fen.
        Data::String(text) if !text.contains('万') => {
            text.split_once(['.', '．']).is_some_and(|(_, decimals)| {
                decimals
                    .chars()
                    .map(|c| normalize_char(c).unwrap_or(c))
                    .take_while(char::is_ascii_digit)
                    .skip(2)
                    .any(|d| d != '0')
            })
        }
        _ => false,
    }
}

pub fn parse_money_fen(cell: &Data) -> Result<i64, String> {
    match cell {
        Data::Int(i) => i.checked_mul(100).ok_or_else(|| "金额过大".to_string()),
        Data::Float(f) => float_fen(*f, 100.0),
        Data::Bool(_) | Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
            Err(format!("“{}”不是金额", display_text(cell)))
        }
        _ => {
            let text = display_text(cell);
            let w = parse_written(&text).map_err(|e| match e.contains("过大") {
                true => e,
                false => format!("“{}”不是金额", text.trim()),
            })?;
            if w.percent {
                return Err(format!("“{}”是百分比，不是金额", text.trim()));
            }
            let fen = in_places(&w, 2);
            i64::try_from(fen).map_err(|_| format!("“{}”数值过大", text.trim()))
        }
    }
}

/// Excel serial day → date (serials 1..=2958465, i.e. 1900-01-01 to 9999-12-31).
pub fn serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64 - EXCEL_EPOCH_OFFSET;
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days))
}

/// Days since 1970-01-01, the Arrow Date32 value.
pub fn date_to_days(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    (date - epoch).num_days() as i32
}

/// Days since 1970-01-01 as 2024-03-05.
pub fn days_to_text(days: i32) -> String {
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(days as i64)))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A date: a date-formatted cell, text in the forms 2024-12-13, 2024/12/13, 2024.12.13,
/// 2024年12月13日, 20241213 (a time part is ignored), or a bare number: 20241213 typed as a
/// number, or a serial in the workbook's date system when it lands in a plausible year.
pub fn parse_date(cell: &Data, system: DateSystem) -> Result<NaiveDate, String> {
    let not_a_date = || format!("“{}”不是日期", display_text(cell).trim());
    match cell {
        Data::DateTime(dt) => formatted_date(dt).ok_or_else(not_a_date),
        Data::Float(f) => number_as_date(*f, system),
        Data::Int(i) => number_as_date(*i as f64, system),
        Data::DateTimeIso(s) | Data::String(s) => parse_date_text(s).ok_or_else(not_a_date),
        _ => Err(not_a_date()),
    }
}

/// The day of a date-formatted cell. calamine knows the workbook's date system (1900 or
/// 1904) and applies it here.
/// A date-formatted cell holding a whole day, as days since 1970, by arithmetic: the same
/// day [`formatted_date`] gives (checked by a test over both date systems), without its
/// calendar walk — most of the cost of a date column. `None` for anything else (a time of
/// day, Excel's fictitious 1900-02-29 and the days before it, out of range), which takes
/// the general way.
fn whole_day(dt: &calamine::ExcelDateTime) -> Option<i32> {
    let serial = dt.as_f64();
    if !dt.is_datetime() || serial.fract() != 0.0 {
        return None;
    }
    // The workbook's date system travels inside the value; equality tells it.
    let in_1904 =
        *dt == calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, true);
    let (range, shift) = match in_1904 {
        true => (0.0..=2_957_003.0, EXCEL_1904_SHIFT as i64),
        false => (61.0..=2_958_465.0, 0),
    };
    range
        .contains(&serial)
        .then(|| (serial as i64 + shift - EXCEL_EPOCH_OFFSET) as i32)
}

fn formatted_date(dt: &calamine::ExcelDateTime) -> Option<NaiveDate> {
    if !dt.is_datetime() || !(0.0..2_958_466.0).contains(&dt.as_f64()) {
        return None;
    }
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(y as i32, m as u32, d as u32)
}

/// A number in a date column: yyyymmdd (xlsx stores 20240305 as a float), else a serial.
/// A serial outside [`PLAUSIBLE_SERIAL_YEARS`] is refused with the date it would have been,
/// never taken silently.
fn number_as_date(number: f64, system: DateSystem) -> Result<NaiveDate, String> {
    let shown = format_float(number);
    if number.fract() == 0.0 && (19_000_101.0..=22_001_231.0).contains(&number) {
        return parse_date_text(&shown)
            .ok_or_else(|| format!("“{shown}”不是日期：按“年月日”八位数字读，月或日不存在"));
    }
    let Some(date) = serial_to_date(system.to_1900(number)) else {
        return Err(format!("“{shown}”不是日期"));
    };
    if PLAUSIBLE_SERIAL_YEARS.contains(&chrono::Datelike::year(&date)) {
        Ok(date)
    } else {
        Err(format!(
            "“{shown}”不是日期：作为Excel日期序号是{}，不像真实日期；请填写如2024-03-05的日期",
            date.format("%Y-%m-%d")
        ))
    }
}

pub fn parse_date_text(text: &str) -> Option<NaiveDate> {
    let t = to_half_width(text);
    // Drop a time part: "2024-12-13 10:00", "2024-12-13T00:00:00".
    let t = t.split(['T', ' ']).next().unwrap_or("");
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        let (y, m, d) = (&t[..4], &t[4..6], &t[6..]);
        return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    let parts: Vec<&str> = t
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(
        parts[0].parse().ok()?,
        parts[1].parse().ok()?,
        parts[2].parse().ok()?,
    )
}

/// Yes/no as townships write it: 是/否, √/×, 有/无, Y/N, 1/0, TRUE/FALSE, 已完成/未完成.
pub fn parse_bool(cell: &Data) -> Result<bool, String> {
    match cell {
        Data::Bool(b) => Ok(*b),
        Data::Int(1) => Ok(true),
        Data::Int(0) => Ok(false),
        Data::Float(f) if *f == 1.0 => Ok(true),
        Data::Float(f) if *f == 0.0 => Ok(false),
        _ => {
            let text = to_half_width(&display_text(cell)).to_lowercase();
            match text.as_str() {
                "是" | "√" | "✓" | "✔" | "有" | "y" | "yes" | "true" | "1" | "已" => {
                    Ok(true)
                }
                "否" | "×" | "✗" | "✘" | "x" | "无" | "n" | "no" | "false" | "0" | "未" => {
                    Ok(false)
                }
                // A review column written as its verdict (书面审查: 通过/合格 or 不合格).
                t if PASSED.contains(&t) => Ok(true),
                t if t
                    .strip_prefix('不')
                    .is_some_and(|rest| PASSED.contains(&rest)) =>
                {
                    Ok(false)
                }
                // A done/not done column written as its state: 已完成/未完成, 已开设/未开设,
                // 已落实/未落实 — only with a verb of doing: 未知 or 未填 says nothing.
                t if state_of_doing(t, '已') => Ok(true),
                t if state_of_doing(t, '未') => Ok(false),
                _ => Err(format!("“{}”不是“是/否”", text)),
            }
        }
    }
}

/// `已完成`, `未落实`: the mark followed by a verb of doing a thing ledgers record as done.
/// A verdict that means yes; 不 before it means no (不合格, 不通过).
const PASSED: [&str; 4] = ["通过", "合格", "达标", "符合"];

fn state_of_doing(text: &str, mark: char) -> bool {
    const DONE: [&str; 16] = [
        "完成", "落实", "开设", "审查", "存储", "缴纳", "签订", "参保", "办结", "设立", "公示",
        "实行", "报送", "持证", "整改", "通过",
    ];
    text.strip_prefix(mark)
        .is_some_and(|rest| DONE.contains(&rest))
}

/// Normalises an enum value or header text for comparison: half-width, no spaces, one
/// kind of bracket, ASCII lowercase. One pass, one allocation: it runs on many cells.
pub fn normalize_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    out.extend(text.chars().filter_map(normalize_char));
    out
}

/// One letter as `normalize_key` writes it; `None` for white space, which keys drop.
pub fn normalize_char(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '【' | '〔' => '[',
        '】' | '〕' => ']',
        '。' => '.',
        _ => c,
    };
    (!c.is_whitespace()).then(|| c.to_ascii_lowercase())
}

/// One cell's value after parsing. Text borrows from the cell (or, for an enum, from the
/// declared spelling) so that a million cells are not a million copies.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
    /// Days since 1970-01-01.
    Date(i32),
    Bool(bool),
}

/// A declared column made ready for reading cells: its enum spellings are looked up in
/// tables built once per file, not normalised again for every cell.
pub struct CellReader<'a> {
    pub column: &'a Column,
    /// Every accepted spelling as declared → its canonical value (the common case: the
    /// township typed it as the pipeline spells it).
    exact: Vec<(&'a str, &'a str)>,
    /// The same spellings after `normalize_key`, for cells written in other widths or cases.
    normalized: Vec<(String, &'a str)>,
}

impl<'a> CellReader<'a> {
    pub fn new(column: &'a Column) -> Self {
        let spellings = || {
            column.values.iter().flat_map(|(canonical, aliases)| {
                std::iter::once(canonical.as_str())
                    .chain(aliases.iter().map(String::as_str))
                    .map(move |a| (a, canonical.as_str()))
            })
        };
        CellReader {
            column,
            exact: spellings().collect(),
            normalized: spellings().map(|(a, c)| (normalize_key(a), c)).collect(),
        }
    }

    pub fn for_columns(columns: &'a [Column]) -> Vec<CellReader<'a>> {
        columns.iter().map(CellReader::new).collect()
    }

    /// Parses a cell as the column's type; `Err` is the reason in Chinese.
    pub fn parse<'c>(
        &'c self,
        cell: &'c Data,
        date_system: DateSystem,
    ) -> Result<Parsed<'c>, String> {
        if is_blank(cell) {
            return Ok(Parsed::Null);
        }
        if *cell == super::formulas::UNCOMPUTED {
            return Err(UNCOMPUTED_FORMULA.to_string());
        }
        if let Some(error) = formula_error(cell) {
            return Err(format!("单元格是公式错误值 {error}，请核对公式"));
        }
        Ok(match self.column.kind {
            ColumnType::Text => Parsed::Text(cell_text(cell)),
            ColumnType::Int => Parsed::Int(parse_int(cell)?),
            ColumnType::Money if self.column.money_in_wan => Parsed::Int(parse_wan_fen(cell)?),
            ColumnType::Money => Parsed::Int(parse_money_fen(cell)?),
            ColumnType::Number => Parsed::Float(parse_number(cell)?),
            ColumnType::Date => Parsed::Date(match cell {
                Data::DateTime(dt) => match whole_day(dt) {
                    Some(days) => days,
                    None => date_to_days(parse_date(cell, date_system)?),
                },
                _ => date_to_days(parse_date(cell, date_system)?),
            }),
            // The column's own words first (values = { 是 = [...], 否 = [...] }).
            ColumnType::Bool if self.exact.is_empty() => Parsed::Bool(parse_bool(cell)?),
            ColumnType::Bool => match self.canonical(&cell_text(cell)) {
                Some(word) => Parsed::Bool(word == "是"),
                None => Parsed::Bool(parse_bool(cell)?),
            },
            ColumnType::Enum => {
                let text = cell_text(cell);
                match self.canonical(&text) {
                    Some(c) => Parsed::Text(Cow::Borrowed(c)),
                    None => {
                        let allowed: Vec<&str> =
                            self.column.values.iter().map(|(c, _)| c.as_str()).collect();
                        return Err(format!("“{text}”不是允许的取值（{}）", allowed.join("、")));
                    }
                }
            }
        })
    }

    fn canonical(&self, text: &str) -> Option<&'a str> {
        if let Some((_, c)) = self.exact.iter().find(|(a, _)| *a == text) {
            return Some(c);
        }
        let key = normalize_key(text);
        self.normalized
            .iter()
            .find(|(a, _)| *a == key)
            .map(|(_, c)| *c)
    }
}

/// A cell's text, trimmed, borrowed when the cell holds text.
fn cell_text(cell: &Data) -> Cow<'_, str> {
    match cell {
        Data::String(s) => Cow::Borrowed(s.trim()),
        other => Cow::Owned(display_text(other).trim().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Data {
        Data::String(text.to_string())
    }

    #[test]
    fn review_verdicts_read_as_yes_or_no() {
        for yes in ["通过", "已通过", "合格", "达标", "符合"] {
            assert_eq!(parse_bool(&s(yes)), Ok(true), "{yes}");
        }
        for no in ["不通过", "未通过", "不合格", "不达标", "不符合"] {
            assert_eq!(parse_bool(&s(no)), Ok(false), "{no}");
        }
        assert!(parse_bool(&s("不知道")).is_err());
    }

    #[test]
    fn amounts_finer_than_fen_are_told_apart_from_float_noise() {
        for fine in [1366108.06, 0.1 + 0.2, 12.5, 1e12 + 0.01, -3.07] {
            assert!(!finer_than_fen(&Data::Float(fine)), "{fine}");
        }
        for text in ["1,200.50", "12.500", "3"] {
            assert!(!finer_than_fen(&s(text)), "{text}");
        }
        assert!(finer_than_fen(&Data::Float(439.6962)));
        assert!(finer_than_fen(&s("439.6962")));
        assert!(finer_than_fen(&Data::Float(0.001)));
    }

    #[test]
    fn whole_days_by_arithmetic_equal_the_calendar_walk() {
        let serials = (0..=3_000)
            .map(f64::from)
            .chain((0..200).map(|k| 2_957_900.0 + f64::from(k)))
            .chain((0..400).map(|k| f64::from(k) * 7_331.0))
            .chain([43_894.0, 45_657.0, 1_462.0, 60.0, 61.0]);
        for serial in serials {
            for in_1904 in [false, true] {
                let dt = calamine::ExcelDateTime::new(
                    serial,
                    calamine::ExcelDateTimeType::DateTime,
                    in_1904,
                );
                let walked = formatted_date(&dt).map(date_to_days);
                if let Some(days) = whole_day(&dt) {
                    assert_eq!(Some(days), walked, "serial {serial}, 1904: {in_1904}");
                }
            }
        }
        // The common case takes the fast way; a time of day does not.
        let day = |v| calamine::ExcelDateTime::new(v, calamine::ExcelDateTimeType::DateTime, false);
        assert!(whole_day(&day(45_657.0)).is_some());
        assert!(whole_day(&day(45_657.5)).is_none());
    }

    #[test]
    fn integers_in_their_written_forms() {
        assert_eq!(parse_int(&s("1,234")), Ok(1234));
        assert_eq!(parse_int(&s("１２３")), Ok(123));
        assert_eq!(parse_int(&s(" 12人 ")), Ok(12));
        assert_eq!(parse_int(&s("3万")), Ok(30000));
        assert_eq!(parse_int(&s("3.6万")), Ok(36000));
        assert_eq!(parse_int(&Data::Float(7.0)), Ok(7));
        assert!(parse_int(&Data::Float(7.5)).is_err());
        assert!(parse_int(&s("一百")).unwrap_err().contains("一百"));
        assert!(parse_int(&s("97%")).is_err());
    }

    #[test]
    fn numbers_with_percent_and_wan() {
        assert_eq!(parse_number(&s("97%")), Ok(0.97));
        assert_eq!(parse_number(&s("3.6万")), Ok(36000.0));
        assert_eq!(parse_number(&s("1,234.5")), Ok(1234.5));
        assert_eq!(parse_number(&s("－2.5")), Ok(-2.5));
    }

    #[test]
    fn money_is_exact_fen() {
        assert_eq!(parse_money_fen(&s("12,345.67")), Ok(1_234_567));
        assert_eq!(parse_money_fen(&s("3.6万")), Ok(3_600_000));
        assert_eq!(parse_money_fen(&s("1.2345万元")), Ok(1_234_500));
        assert_eq!(parse_money_fen(&s("１００元")), Ok(10_000));
        assert_eq!(parse_money_fen(&s("¥1,200.50")), Ok(120_050));
        assert_eq!(parse_money_fen(&s("￥300")), Ok(30_000));
        assert_eq!(parse_money_fen(&s("0.125")), Ok(13));
        assert_eq!(parse_money_fen(&Data::Float(1234.56)), Ok(123_456));
        // A column in 万元: plain numbers are 万元, a cell's own unit wins.
        assert_eq!(parse_wan_fen(&Data::Float(2861.21)), Ok(2_861_210_000));
        assert_eq!(parse_wan_fen(&s("2,861.21")), Ok(2_861_210_000));
        assert_eq!(parse_wan_fen(&s("500元")), Ok(50_000));
        // Four decimals of 万元 are whole 元; six are fen.
        assert_eq!(parse_wan_fen(&Data::Float(439.6962)), Ok(439_696_200));
        assert_eq!(parse_wan_fen(&s("439.6962")), Ok(439_696_200));
        assert_eq!(parse_wan_fen(&s("0.000001")), Ok(1));
        assert_eq!(parse_money_fen(&Data::Float(0.29)), Ok(29));
        assert!(parse_money_fen(&s("一百")).is_err());
        // 30 digits, then 亿 and 万元: refused as too large, not wrapped around.
        let huge = format!("{}亿万元", "9".repeat(30));
        assert!(parse_money_fen(&s(&huge)).unwrap_err().contains("过大"));
        assert!(parse_int(&s(&huge)).is_err());
        assert!(parse_number(&s(&huge)).is_err());
    }

    #[test]
    fn dates_as_serials_and_text() {
        let expected = NaiveDate::from_ymd_opt(2024, 12, 13).unwrap();
        for text in [
            "2024-12-13",
            "2024/12/13",
            "2024.12.13",
            "2024年12月13日",
            "20241213",
            "2024-12-13 10:30:00",
            "２０２４－１２－１３",
        ] {
            assert_eq!(
                parse_date(&s(text), DateSystem::Excel1900),
                Ok(expected),
                "{text}"
            );
        }
        let d = |cell: Data| parse_date(&cell, DateSystem::Excel1900);
        assert_eq!(d(Data::Float(45639.0)), Ok(expected));
        assert_eq!(d(Data::Int(20241213)), Ok(expected));
        assert!(d(s("2024-02-30")).is_err());
        assert!(d(s("去年")).is_err());
    }

    #[test]
    fn numbers_in_date_columns_are_dates_only_when_plausible() {
        let expected = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        // xlsx stores every number as a float: 20240305 arrives as 20240305.0.
        assert_eq!(
            parse_date(&Data::Float(20240305.0), DateSystem::Excel1900),
            Ok(expected)
        );
        assert!(parse_date(&Data::Float(20241305.0), DateSystem::Excel1900).is_err());
        // 2024 as a serial would be 1905-07-16: a finding, never a date.
        let err = parse_date(&Data::Float(2024.0), DateSystem::Excel1900).unwrap_err();
        assert!(err.contains("1905-07-16"), "{err}");
        // In a 1904 workbook the same day is 1,462 serials lower.
        assert_eq!(
            parse_date(&Data::Float(43894.0), DateSystem::Excel1904),
            Ok(expected)
        );
        assert_eq!(
            parse_date(&Data::Float(45356.0), DateSystem::Excel1900),
            Ok(expected)
        );
    }

    #[test]
    fn booleans_in_chinese_forms() {
        assert_eq!(parse_bool(&s("是")), Ok(true));
        assert_eq!(parse_bool(&s("√")), Ok(true));
        assert_eq!(parse_bool(&s("否")), Ok(false));
        assert_eq!(parse_bool(&s("×")), Ok(false));
        assert_eq!(parse_bool(&s("已完成")), Ok(true));
        assert_eq!(parse_bool(&s("未落实")), Ok(false));
        assert!(parse_bool(&s("已于三月份部分完成")).is_err());
        assert!(parse_bool(&s("未知")).is_err());
        assert!(parse_bool(&s("也许")).is_err());
    }

    #[test]
    fn keys_ignore_width_brackets_and_spaces() {
        assert_eq!(
            normalize_key("涉及金额（元）"),
            normalize_key("涉及金额(元)")
        );
        assert_eq!(normalize_key(" 涉及 金额\n(元) "), "涉及金额(元)");
    }
}
