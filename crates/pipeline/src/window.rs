//! Windows a report column asks for (本期, 上期, 本年累计, 上年同期, 上年同期累计, 近N个月)
//! and comparisons (同比, 环比). After dbt MetricFlow's cumulative metrics (a window, or
//! grain-to-date) and derived metrics with an offset window, and Databricks metric views'
//! window measures — made concrete for this domain: a window names which period's
//! submission it reads (上年同期 as reported then) and which days its measures count.

use chrono::{Datelike, NaiveDate};

use super::period::{Period, PeriodKind};

/// Which days a window's measures count, ending with its anchor period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowRange {
    /// The anchor period itself.
    Period,
    /// From the start of the anchor's year to the anchor's end (本年累计).
    YearToDate,
    /// The last N months up to the anchor's end (近N个月).
    TrailingMonths(u32),
}

/// A window relative to the run's period: shifted back `years` and `periods` (of the run's
/// kind), covering `range`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub range: WindowRange,
    pub years_back: i32,
    pub periods_back: i32,
}

impl Window {
    pub const CURRENT: Window = Window {
        range: WindowRange::Period,
        years_back: 0,
        periods_back: 0,
    };

    /// `本期`/`current`, `上期`/`previous`, `本年累计`/`ytd`, `上年同期`/`prior_year`,
    /// `上年同期累计`/`prior_year_ytd`, `近3个月`/`trailing_3m`.
    pub fn parse(text: &str) -> Result<Window, String> {
        let t = text.trim();
        let window = |range, years_back, periods_back| Window {
            range,
            years_back,
            periods_back,
        };
        Ok(match t {
            "本期" | "current" => Window::CURRENT,
            "上期" | "previous" => window(WindowRange::Period, 0, 1),
            "本年累计" | "ytd" => window(WindowRange::YearToDate, 0, 0),
            "上年同期" | "prior_year" => window(WindowRange::Period, 1, 0),
            "上年同期累计" | "prior_year_ytd" => window(WindowRange::YearToDate, 1, 0),
            _ => {
                let months = t
                    .strip_prefix("近")
                    .and_then(|r| r.strip_suffix("个月"))
                    .or_else(|| {
                        t.strip_prefix("trailing_")
                            .and_then(|r| r.strip_suffix('m'))
                    })
                    .and_then(|n| n.parse::<u32>().ok())
                    .filter(|n| (1..=120).contains(n));
                match months {
                    Some(n) => window(WindowRange::TrailingMonths(n), 0, 0),
                    None => {
                        return Err(format!(
                            "“{t}”不是时间窗口；可用：本期（current）、上期（previous）、本年累计（ytd）、上年同期（prior_year）、上年同期累计（prior_year_ytd）或 近N个月（trailing_Nm，N 为 1–120）"
                        ))
                    }
                }
            }
        })
    }

    /// The same window one year or one period further back: the base of 同比 or 环比.
    pub fn shifted(self, compare: Compare) -> Window {
        match compare {
            Compare::YearOnYear => Window {
                years_back: self.years_back + 1,
                ..self
            },
            Compare::PeriodOnPeriod => Window {
                periods_back: self.periods_back + 1,
                ..self
            },
        }
    }

    pub fn is_current(&self) -> bool {
        *self == Window::CURRENT
    }

    /// The concrete window for a run of `period`.
    pub fn resolve(&self, period: &Period) -> Span {
        let mut anchor = Period {
            year: period.year - self.years_back,
            ..*period
        };
        for _ in 0..self.periods_back.max(0) {
            anchor = anchor.previous();
        }
        // A negative shift is forward: a chart's later periods of last year.
        for _ in 0..(-self.periods_back).max(0) {
            anchor = anchor.next();
        }
        let (anchor_start, end) = anchor.bounds();
        let start = match self.range {
            WindowRange::Period => anchor_start,
            WindowRange::YearToDate => {
                Period {
                    year: anchor.year,
                    kind: PeriodKind::Year,
                    ..anchor
                }
                .bounds()
                .0
            }
            WindowRange::TrailingMonths(n) => {
                let last = anchor.months().1 as i32;
                let index = anchor.year * 12 + last - 1 - (n as i32 - 1);
                Period {
                    year: index.div_euclid(12),
                    kind: PeriodKind::Month(index.rem_euclid(12) as u32 + 1),
                    ..anchor
                }
                .bounds()
                .0
            }
        };
        Span {
            anchor,
            start,
            end,
            range: self.range,
        }
    }

    /// The window in words, for headers and the 说明: 本年累计, 上年同期累计, 近3个月.
    pub fn words(&self) -> String {
        let range = match self.range {
            WindowRange::Period => String::new(),
            WindowRange::YearToDate => "累计".into(),
            WindowRange::TrailingMonths(n) => format!("近{n}个月"),
        };
        match (self.years_back, self.periods_back, self.range) {
            (0, 0, WindowRange::Period) => "本期".into(),
            (0, 0, WindowRange::YearToDate) => "本年累计".into(),
            (0, 0, _) => range,
            (0, 1, _) => format!("上期{range}"),
            (1, 0, _) => format!("上年同期{range}"),
            (y, p, _) => format!("{y}年{p}期前{range}"),
        }
    }
}

/// 同比 (against the same window a year back) or 环比 (against the period before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compare {
    YearOnYear,
    PeriodOnPeriod,
}

impl Compare {
    pub fn parse(text: &str) -> Result<Compare, String> {
        match text.trim() {
            "同比" | "yoy" => Ok(Compare::YearOnYear),
            "环比" | "mom" | "pop" => Ok(Compare::PeriodOnPeriod),
            other => Err(format!(
                "“{other}”不是一种比较；可用：同比（yoy，与上年同一窗口比）或 环比（mom，与上一期比）"
            )),
        }
    }

    pub fn words(&self) -> &'static str {
        match self {
            Compare::YearOnYear => "同比",
            Compare::PeriodOnPeriod => "环比",
        }
    }
}

/// A window for one run: which period's submission it reads (`anchor`) and which days its
/// measures count (`start`..=`end`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub anchor: Period,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub range: WindowRange,
}

impl Span {
    /// The periods of the anchor's kind that lie in the span, in order: the partitions a
    /// periodic source (one file set per period) is read from.
    pub fn periods(&self) -> Vec<Period> {
        let mut first = self.anchor;
        while first.bounds().0 > self.start {
            first = first.previous();
        }
        let mut periods = vec![first];
        while periods[periods.len() - 1] != self.anchor {
            let next = periods[periods.len() - 1].next();
            periods.push(next);
        }
        periods
    }

    /// The days covered, for the 说明: `2024年1月1日至2024年11月30日`.
    pub fn words(&self) -> String {
        let day = |d: NaiveDate| format!("{}年{}月{}日", d.year(), d.month(), d.day());
        format!("{}至{}", day(self.start), day(self.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(window: &str, period: &str) -> (String, String, String) {
        let s = Window::parse(window)
            .unwrap()
            .resolve(&Period::parse(period).unwrap());
        (s.anchor.to_string(), s.start.to_string(), s.end.to_string())
    }

    #[test]
    fn windows_resolve_to_an_anchor_and_days() {
        let t = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            span("本期", "2024-11"),
            t("2024-11", "2024-11-01", "2024-11-30")
        );
        assert_eq!(
            span("上期", "2024-01"),
            t("2023-12", "2023-12-01", "2023-12-31")
        );
        assert_eq!(
            span("本年累计", "2024-11"),
            t("2024-11", "2024-01-01", "2024-11-30")
        );
        assert_eq!(
            span("上年同期", "2024-11"),
            t("2023-11", "2023-11-01", "2023-11-30")
        );
        assert_eq!(
            span("上年同期累计", "2024Q3"),
            t("2023Q3", "2023-01-01", "2023-09-30")
        );
        assert_eq!(
            span("近3个月", "2024-02"),
            t("2024-02", "2023-12-01", "2024-02-29")
        );
        let ytd = Window::parse("ytd").unwrap();
        assert_eq!(
            ytd.shifted(Compare::YearOnYear),
            Window::parse("上年同期累计").unwrap()
        );
        assert!(Window::parse("本月累积").unwrap_err().contains("本年累计"));
    }

    #[test]
    fn a_span_lists_the_periods_it_reads() {
        let s = Window::parse("本年累计")
            .unwrap()
            .resolve(&Period::parse("2024Q3").unwrap());
        let names: Vec<String> = s.periods().iter().map(Period::to_string).collect();
        assert_eq!(names, ["2024Q1", "2024Q2", "2024Q3"]);
    }
}
