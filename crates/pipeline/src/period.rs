//! Report periods: a year (`2024`), a half-year (`2024H1`), a quarter (`2024Q3`) or a month
//! (`2024-11`), with the first and last day they cover: calendar months by default, or
//! reporting months that end on a fixed day (`[pipeline] month_ends_on = 20`: the month
//! 2024-11 is 2024-10-21 to 2024-11-20, the year 2024 is 2023-12-21 to 2024-12-20), as some
//! 人社 forms count them.

use chrono::NaiveDate;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Year,
    /// 1 = 上半年 (January–June), 2 = 下半年.
    Half(u32),
    Quarter(u32),
    Month(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
    /// The day a reporting month ends on (1–28); `None`: calendar months.
    pub month_ends_on: Option<u32>,
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
            format!("“{text}”不是一个报告期：请写成年（2024）、半年（2024H1 或 2024年上半年）、季度（2024Q3）或月（2024-11 或 2024年11月）")
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
        Ok(Period {
            year,
            kind,
            month_ends_on: None,
        })
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

    /// `2024-01..2024-11`: every period from the first to the last, of one kind, in order.
    pub fn parse_range(text: &str) -> Result<Vec<Period>, String> {
        let Some((first, last)) = text.split_once("..") else {
            return Ok(vec![Period::parse(text)?]);
        };
        let (first, last) = (Period::parse(first)?, Period::parse(last)?);
        if std::mem::discriminant(&first.kind) != std::mem::discriminant(&last.kind) {
            return Err(format!(
                "范围“{text}”两端不是同一种报告期：请写两个月（2024-01..2024-11）、两个季度、两个半年或两个年份"
            ));
        }
        if first.bounds().0 > last.bounds().0 {
            return Err(format!("范围“{text}”的结束早于开始"));
        }
        let mut periods = vec![first];
        while periods.last() != Some(&last) {
            let next = periods[periods.len() - 1].next();
            if periods.len() >= 600 {
                return Err(format!("范围“{text}”包含 600 个以上的报告期"));
            }
            periods.push(next);
        }
        Ok(periods)
    }

    /// The period after this one, of the same kind.
    pub fn next(&self) -> Period {
        let (year, kind) = match self.kind {
            PeriodKind::Year => (self.year + 1, PeriodKind::Year),
            PeriodKind::Half(2) => (self.year + 1, PeriodKind::Half(1)),
            PeriodKind::Half(h) => (self.year, PeriodKind::Half(h + 1)),
            PeriodKind::Quarter(4) => (self.year + 1, PeriodKind::Quarter(1)),
            PeriodKind::Quarter(q) => (self.year, PeriodKind::Quarter(q + 1)),
            PeriodKind::Month(12) => (self.year + 1, PeriodKind::Month(1)),
            PeriodKind::Month(m) => (self.year, PeriodKind::Month(m + 1)),
        };
        Period {
            year,
            kind,
            ..*self
        }
    }

    /// The period before this one, of the same kind.
    pub fn previous(&self) -> Period {
        let (year, kind) = match self.kind {
            PeriodKind::Year => (self.year - 1, PeriodKind::Year),
            PeriodKind::Half(1) => (self.year - 1, PeriodKind::Half(2)),
            PeriodKind::Half(h) => (self.year, PeriodKind::Half(h - 1)),
            PeriodKind::Quarter(1) => (self.year - 1, PeriodKind::Quarter(4)),
            PeriodKind::Quarter(q) => (self.year, PeriodKind::Quarter(q - 1)),
            PeriodKind::Month(1) => (self.year - 1, PeriodKind::Month(12)),
            PeriodKind::Month(m) => (self.year, PeriodKind::Month(m - 1)),
        };
        Period {
            year,
            kind,
            ..*self
        }
    }

    /// The same period with reporting months that end on `day` (1–28) instead of calendar
    /// months.
    pub fn with_month_ending_on(self, day: u32) -> Period {
        Period {
            month_ends_on: Some(day),
            ..self
        }
    }

    /// First and last day, inclusive.
    pub fn bounds(&self) -> (NaiveDate, NaiveDate) {
        let (first_month, last_month) = self.months();
        match self.month_ends_on {
            None => {
                let start = ymd(self.year, first_month, 1);
                let next = month_after(self.year, last_month);
                (
                    start,
                    ymd(next.0, next.1, 1).pred_opt().expect("after day one"),
                )
            }
            // From the day after the end of the month before, to the end day of the last.
            Some(day) => {
                let before = month_before(self.year, first_month);
                let start = ymd(before.0, before.1, day)
                    .succ_opt()
                    .expect("before the last day");
                (start, ymd(self.year, last_month, day))
            }
        }
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        let (start, end) = self.bounds();
        date >= start && date <= end
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

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a day every month has")
}

fn month_after(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

fn month_before(year: i32, month: u32) -> (i32, u32) {
    if month == 1 {
        (year - 1, 12)
    } else {
        (year, month - 1)
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
    fn ranges_list_every_period_in_order() {
        let months: Vec<String> = Period::parse_range("2023-11..2024-02")
            .unwrap()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(months, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(Period::parse_range("2023H2..2024H2").unwrap().len(), 3);
        assert_eq!(Period::parse_range("2024Q3..2024Q3").unwrap().len(), 1);
        assert_eq!(Period::parse_range("2024").unwrap().len(), 1);
        assert!(Period::parse_range("2024-01..2024Q3")
            .unwrap_err()
            .contains("不是同一种报告期"));
        assert!(Period::parse_range("2024-05..2024-01")
            .unwrap_err()
            .contains("结束早于开始"));
    }

    #[test]
    fn reporting_months_ending_on_the_20th() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let at = |text: &str| Period::parse(text).unwrap().with_month_ending_on(20);
        assert_eq!(
            at("2024-11").bounds(),
            (day(2024, 10, 21), day(2024, 11, 20))
        );
        assert_eq!(
            at("2024-01").bounds(),
            (day(2023, 12, 21), day(2024, 1, 20))
        );
        assert_eq!(at("2024").bounds(), (day(2023, 12, 21), day(2024, 12, 20)));
        assert_eq!(at("2024Q1").bounds(), (day(2023, 12, 21), day(2024, 3, 20)));
        assert_eq!(at("2024H2").bounds(), (day(2024, 6, 21), day(2024, 12, 20)));
        assert!(at("2024").contains(day(2023, 12, 25)));
        assert!(!at("2024").contains(day(2024, 12, 21)));
        // Consecutive months meet without a gap or an overlap.
        let (_, oct_end) = at("2024-10").bounds();
        assert_eq!(oct_end.succ_opt(), Some(at("2024-11").bounds().0));
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
