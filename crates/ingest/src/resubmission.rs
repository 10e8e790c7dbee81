//! Which of several files one submitter sent for one ledger is the one to use. Modification
//! time first; equal times are common (files unpacked from a zip keep no order, git keeps
//! no times), and then the name decides: a correction marker (更正, 修改, 修订, 最新, 最终版, 第N版,
//! in half- or full-width brackets or none), then the later date written in the name, then
//! the name sorting last. A year-month in the name is the file's period, not a submission
//! date: files of different periods are not re-submissions of each other.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::NaiveDate;

use super::cell::normalize_key;

/// Words that mark a corrected re-submission.
const CORRECTION_WORDS: [&str; 10] = [
    "更正", "修改", "修订", "最新", "订正", "重报", "最终", "终稿", "终版", "定稿",
];

/// What a file's name says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEvidence {
    /// 0: no marker; 1: a correction word; N + 1: 第N版 / vN.
    pub correction: u32,
    /// A full date written in the name (submission or revision date).
    pub date: Option<NaiveDate>,
    /// A year and month written in the name without a day: the period the file reports.
    pub period: Option<(i32, u32)>,
}

impl NameEvidence {
    pub fn of(label: &Path) -> NameEvidence {
        let name = label
            .file_stem()
            .map(|s| normalize_key(&s.to_string_lossy()))
            .unwrap_or_default();
        // A marker may also be a folder (…/更正/台账.xlsx), but not the first one: that is
        // the submitter's own folder, shared by all its files.
        let folders: Vec<String> = label
            .parent()
            .map(|p| {
                p.components()
                    .skip(1)
                    .map(|c| normalize_key(&c.as_os_str().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default();
        let marked = |text: &str| {
            let word = CORRECTION_WORDS.iter().any(|w| text.contains(w)) as u32;
            word.max(version_number(text).map_or(0, |n| n + 1))
        };
        let correction = std::iter::once(&name)
            .chain(&folders)
            .map(|t| marked(t))
            .max()
            .unwrap_or(0);
        let (date, rest) = full_date(&name);
        NameEvidence {
            correction,
            date,
            period: if date.is_none() {
                year_month(&rest)
            } else {
                None
            },
        }
    }
}

/// 第2版, 第二版, v2, V3 → the number.
fn version_number(name: &str) -> Option<u32> {
    const NUMERALS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    if let Some(at) = name.find('第') {
        let rest = &name[at + '第'.len_utf8()..];
        if let Some(end) = rest.find('版') {
            let n = &rest[..end];
            if let Ok(v) = n.parse() {
                return Some(v);
            }
            if n.chars().count() == 1 {
                return n
                    .chars()
                    .next()
                    .and_then(|c| NUMERALS.iter().position(|&x| x == c))
                    .map(|v| v as u32);
            }
        }
    }
    let bytes = name.as_bytes();
    (0..bytes.len()).find_map(|i| {
        let starts = bytes[i] == b'v' && (i == 0 || !bytes[i - 1].is_ascii_alphabetic());
        if !starts {
            return None;
        }
        let digits: String = name[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    })
}

/// Runs of digits with their byte offsets.
fn digit_runs(text: &str) -> Vec<(usize, &str)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

/// A full date in the name (2024-11-05, 2024.11.05, 2024年11月5日, 20241105), and the name
/// with it removed.
fn full_date(name: &str) -> (Option<NaiveDate>, String) {
    let runs = digit_runs(name);
    for (k, &(at, run)) in runs.iter().enumerate() {
        if run.len() == 8 {
            let date = NaiveDate::parse_from_str(run, "%Y%m%d").ok();
            if let Some(date) = date.filter(|d| plausible_year(d.format("%Y").to_string())) {
                let rest = format!("{}{}", &name[..at], &name[at + 8..]);
                return (Some(date), rest);
            }
        }
        if run.len() == 4 && k + 2 < runs.len() {
            let (m_at, m) = runs[k + 1];
            let (d_at, d) = runs[k + 2];
            let joined = |from: usize, to: usize| name[from..to].chars().count() == 1;
            if joined(at + 4, m_at) && joined(m_at + m.len(), d_at) && m.len() <= 2 && d.len() <= 2
            {
                let date = NaiveDate::from_ymd_opt(
                    run.parse().unwrap_or(0),
                    m.parse().unwrap_or(0),
                    d.parse().unwrap_or(0),
                );
                if let Some(date) = date {
                    let end = d_at + d.len();
                    let end = name[end..]
                        .strip_prefix('日')
                        .map_or(end, |_| end + '日'.len_utf8());
                    return (Some(date), format!("{}{}", &name[..at], &name[end..]));
                }
            }
        }
    }
    (None, name.to_string())
}

fn plausible_year(year: String) -> bool {
    year.parse::<i32>()
        .is_ok_and(|y| (2000..=2099).contains(&y))
}

/// A year and month (2024-11, 2024年11月, 202411) in a name with no full date.
fn year_month(name: &str) -> Option<(i32, u32)> {
    let runs = digit_runs(name);
    for (k, &(at, run)) in runs.iter().enumerate() {
        let year_month = |y: &str, m: &str| -> Option<(i32, u32)> {
            let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
            ((2000..=2099).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
        };
        if run.len() == 6 {
            if let Some(p) = year_month(&run[..4], &run[4..]) {
                return Some(p);
            }
        }
        if run.len() == 4 {
            if let Some(&(m_at, m)) = runs.get(k + 1) {
                let separated = name[at + 4..m_at].chars().count() == 1;
                if separated && m.len() <= 2 {
                    if let Some(p) = year_month(run, m) {
                        return Some(p);
                    }
                }
            }
        }
    }
    None
}

/// One file among re-submissions.
pub struct Candidate {
    pub modified: Option<SystemTime>,
    pub name: NameEvidence,
    pub label: PathBuf,
}

/// The index of the file to use and why, in words for the user.
pub fn choose(candidates: &[Candidate]) -> (usize, String) {
    let newest = candidates.iter().filter_map(|c| c.modified).max();
    let latest: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].modified == newest)
        .collect();
    if latest.len() == 1 {
        return (latest[0], "修改时间最新".into());
    }
    let best = *latest
        .iter()
        .max_by(|&&a, &&b| {
            let key = |i: usize| {
                let c = &candidates[i];
                (c.name.correction, c.name.date, &c.label)
            };
            key(a).cmp(&key(b))
        })
        .expect("two or more");
    let chosen = &candidates[best].name;
    let runner_up = latest
        .iter()
        .filter(|&&i| i != best)
        .map(|&i| &candidates[i].name)
        .max_by_key(|n| (n.correction, n.date))
        .expect("two or more");
    let why = if chosen.correction > runner_up.correction {
        "修改时间相同，文件名标明为更正版"
    } else if chosen.date > runner_up.date {
        "修改时间相同，文件名中的日期最晚"
    } else {
        "修改时间相同，按文件名排序靠后"
    };
    (best, why.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(name: &str) -> NameEvidence {
        NameEvidence::of(Path::new(name))
    }

    #[test]
    fn names_tell_corrections_dates_and_periods() {
        assert_eq!(evidence("台账(更正).xlsx").correction, 1);
        assert_eq!(evidence("台账【修订】.xlsx").correction, 1);
        assert_eq!(evidence("台账（最新）.xls").correction, 1);
        assert_eq!(evidence("台账第3版.xlsx").correction, 4);
        assert_eq!(evidence("台账第二版.xlsx").correction, 3);
        assert_eq!(evidence("台账.xlsx").correction, 0);
        assert_eq!(evidence("锦华街道/更正/台账.xlsx").correction, 1);
        // The submitter's own folder is not a marker.
        assert_eq!(evidence("最新村/台账.xlsx").correction, 0);
        assert_eq!(
            evidence("台账20241105.xlsx").date,
            NaiveDate::from_ymd_opt(2024, 11, 5)
        );
        assert_eq!(
            evidence("台账2024年11月5日.xlsx").date,
            NaiveDate::from_ymd_opt(2024, 11, 5)
        );
        assert_eq!(evidence("台账2024-11.xlsx").period, Some((2024, 11)));
        assert_eq!(evidence("台账202410.xlsx").period, Some((2024, 10)));
        assert_eq!(evidence("2024年10月台账.xlsx").period, Some((2024, 10)));
        assert_eq!(evidence("台账2024-11-05.xlsx").period, None);
    }

    fn candidate(name: &str, modified: u64) -> Candidate {
        Candidate {
            modified: Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(modified)),
            name: evidence(name),
            label: PathBuf::from(name),
        }
    }

    #[test]
    fn time_first_then_marker_then_date_then_name() {
        let newer_original = [candidate("台账(更正).xlsx", 1), candidate("台账.xlsx", 2)];
        assert_eq!(choose(&newer_original).0, 1);
        // "(" sorts before ".": the name alone would pick the original.
        let tie = [candidate("台账(更正).xlsx", 5), candidate("台账.xlsx", 5)];
        assert_eq!(choose(&tie), (0, "修改时间相同，文件名标明为更正版".into()));
        let dates = [
            candidate("台账20241120.xlsx", 5),
            candidate("台账20241105.xlsx", 5),
        ];
        assert_eq!(choose(&dates).0, 0);
        let versions = [
            candidate("台账第2版.xlsx", 5),
            candidate("台账(更正).xlsx", 5),
        ];
        assert_eq!(choose(&versions).0, 0);
    }
}
