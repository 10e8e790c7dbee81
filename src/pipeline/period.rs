//! Report periods: a year (`2024`), a half-year (`2024H1`), a quarter (`2024Q3`) or a month
//! (`2024-11`), with the first and last day they cover. Calendar boundaries; other month boundaries (the 21st–20th
//! months of some 人社 forms) are a later pipeline setting.

use chrono::{Datelike, NaiveDate};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Year,
    /// 1 = 上半年 (January–June), 2 = 下半年.
    Half(u32),
    Quarter(u32),
    Month(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
}

impl Period {
    /// Parses `2024`, `2024-11`, `2024-1`, `2024Q3`, `2024-Q3`, `2024H1`, `2024-H2`, `2024年`,
    /// `2024年11月`, `2024年上半年`, `2024年下半年`.
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text
            .trim()
            .replace("上半年", "H1")
            .replace("下半年", "H2")
            .replace('年', "-")
            .replace('月', "");
        let t = t.trim_end_matches('-').to_uppercase();
        let bad = || {
            format!("period `{text}` is not a year (2024), a half-year (2024H1), a quarter (2024Q3) or a month (2024-11)")
        };
        let (year, rest) = match t.find(['-', 'Q', 'H']) {
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
        } else if let Some(h) = rest.strip_prefix('H') {
            match h.parse::<u32>() {
                Ok(h @ 1..=2) => PeriodKind::Half(h),
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

    /// First and last month, 1–12.
    pub fn months(&self) -> (u32, u32) {
        match self.kind {
            PeriodKind::Year => (1, 12),
            PeriodKind::Half(h) => (6 * h - 5, 6 * h),
            PeriodKind::Quarter(q) => (3 * q - 2, 3 * q),
            PeriodKind::Month(m) => (m, m),
        }
    }

    /// First and last day, inclusive.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let (first_month, last_month) = self.months();
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

    /// 报告期 as printed on a Chinese form: `2024年`, `2024年1-6月`, `2024年第3季度`,
    /// `2024年11月`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}年", self.year),
            PeriodKind::Half(h) => format!("{}年{}-{}月", self.year, 6 * h - 5, 6 * h),
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
            PeriodKind::Half(h) => write!(f, "{}H{}", self.year, h),
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
        assert_eq!(Period::parse("2024h2").unwrap().to_string(), "2024H2");
        assert_eq!(Period::parse("2024-H1").unwrap().to_string(), "2024H1");
        assert_eq!(Period::parse("2024年上半年").unwrap().to_string(), "2024H1");
        assert_eq!(Period::parse("2024年下半年").unwrap().to_string(), "2024H2");
        assert!(Period::parse("2024H3").is_err());
    }

    #[test]
    fn half_years_cover_six_months_and_print_as_forms_do() {
        let h1 = Period::parse("2024H1").unwrap();
        assert_eq!(h1.bounds().0, NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        assert_eq!(h1.bounds().1, NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
        assert_eq!(h1.label(), "2024年1-6月");
        let h2 = Period::parse("2024H2").unwrap();
        assert_eq!(h2.bounds().0, NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
        assert_eq!(
            h2.bounds().1,
            NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
        );
        assert_eq!(h2.label(), "2024年7-12月");
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
