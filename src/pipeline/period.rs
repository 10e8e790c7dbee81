//! Report periods: a year (`2024`), a month (`2024-11`) or a quarter (`2024Q3`), with the
//! first and last day they cover. Calendar boundaries; other month boundaries (the 21st–20th
//! months of some 人社 forms) are a later pipeline setting.

use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Year,
    Quarter(u32),
    Month(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
}

impl Period {
    /// Parses `2024`, `2024-11`, `2024-1`, `2024Q3`, `2024-Q3`, `2024年`, `2024年11月`.
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim().replace('年', "-").replace('月', "");
        let t = t.trim_end_matches('-').to_uppercase();
        let bad = || {
            format!("period `{text}` is not a year (2024), a month (2024-11) or a quarter (2024Q3)")
        };
        let (year, rest) = match t.find(['-', 'Q']) {
            Some(i) => (&t[..i], t[i..].trim_start_matches('-')),
            None => (t.as_str(), ""),
        };
        let year: i32 = year.parse().map_err(|_| bad())?;
        if !(1900..=2200).contains(&year) {
            return Err(bad());
        }
        let kind = if rest.is_empty() {
            PeriodKind::Year
        } else if let Some(q) = rest.strip_prefix('Q') {
            match q.parse::<u32>() {
                Ok(q @ 1..=4) => PeriodKind::Quarter(q),
                _ => return Err(bad()),
            }
        } else {
            match rest.parse::<u32>() {
                Ok(m @ 1..=12) => PeriodKind::Month(m),
                _ => return Err(bad()),
            }
        };
        Ok(Period { year, kind })
    }

    /// First and last day, inclusive.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let (first_month, last_month) = match self.kind {
            PeriodKind::Year => (1, 12),
            PeriodKind::Quarter(q) => (3 * q - 2, 3 * q),
            PeriodKind::Month(m) => (m, m),
        };
        let start = NaiveDate::from_ymd_opt(self.year, first_month, 1).expect("valid month");
        let next = if last_month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, last_month + 1, 1)
        }
        .expect("valid month");
        (start, next.pred_opt().expect("not the first day of time"))
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        let (start, end) = self.bounds();
        date >= start && date <= end && date.year() == self.year
    }

    /// 报告期 as printed on a Chinese form: `2024年`, `2024年11月`, `2024年第3季度`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}年", self.year),
            PeriodKind::Quarter(q) => format!("{}年第{}季度", self.year, q),
            PeriodKind::Month(m) => format!("{}年{}月", self.year, m),
        }
    }
}

impl fmt::Display for Period {
    /// The machine form used in file names: `2024`, `2024-11`, `2024Q3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Year => write!(f, "{}", self.year),
            PeriodKind::Quarter(q) => write!(f, "{}Q{}", self.year, q),
            PeriodKind::Month(m) => write!(f, "{}-{:02}", self.year, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_written_forms() {
        assert_eq!(Period::parse("2024").unwrap().to_string(), "2024");
        assert_eq!(Period::parse("2024-1").unwrap().to_string(), "2024-01");
        assert_eq!(Period::parse("2024年11月").unwrap().to_string(), "2024-11");
        assert_eq!(Period::parse("2024q3").unwrap().to_string(), "2024Q3");
        assert!(Period::parse("2024-13").is_err());
        assert!(Period::parse("24").is_err());
    }

    #[test]
    fn bounds_cover_the_whole_period() {
        let q = Period::parse("2024Q1").unwrap();
        assert_eq!(q.bounds().1, NaiveDate::from_ymd_opt(2024, 3, 31).unwrap());
        let feb = Period::parse("2024-02").unwrap();
        assert_eq!(
            feb.bounds().1,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(feb.label(), "2024年2月");
    }
}
