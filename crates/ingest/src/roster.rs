//! The roster of expected submitters and matching free text (a path, a 填报单位 cell, a
//! column value) to one of them.

use std::path::Path;

use super::cell::normalize_key;
use super::csv::read_text_records;
use pipeline::spec::RosterEntrySpec;
use pipeline::{Period, RosterSource};

#[derive(Debug, Clone)]
pub struct Submitter {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub aliases: Vec<String>,
    /// Entries of earlier periods it succeeds, (code, name): a file under one of them is
    /// this submitter's.
    pub predecessors: Vec<(String, String)>,
    /// The roster's other columns: (column, text as written, where it is written).
    pub values: Vec<RosterValue>,
    /// The pipeline's roster constants, by name ([`Roster::read_constants`]).
    pub constants: std::collections::HashMap<String, f64>,
}

/// One cell of a roster column that is not one of its own (code, name, kind…).
#[derive(Debug, Clone)]
pub struct RosterValue {
    pub column: String,
    pub text: String,
    /// `roster.csv 单元格 D5`, or the inline entry.
    pub at: String,
}

/// The expected submitters, in code order.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub submitters: Vec<Submitter>,
    /// Entries of other periods that no submitter of this one succeeds, each with the
    /// periods it exists in, in words: a file naming one is told why it is not counted.
    elsewhere: Vec<(String, String, String)>,
}

/// How a text matched a submitter; printed so users see which evidence was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Code,
    Name,
    ShortName,
    /// The code or name of the entry it succeeds (index into `predecessors`).
    Predecessor(usize),
}

/// Endings dropped to get a short name: 桂溪街道 → 桂溪.
const NAME_SUFFIXES: [&str; 8] = [
    "街道办事处",
    "街道",
    "镇",
    "乡",
    "园区",
    "开发区",
    "管委会",
    "社区",
];

impl Roster {
    /// The roster of `period`: the entries that exist in it (`valid_from`/`valid_until`),
    /// each knowing the entries of other periods it succeeds.
    pub fn load(source: &RosterSource, period: &Period) -> Result<Roster, String> {
        let (specs, located) = match source {
            RosterSource::Inline(entries) => {
                let located = entries.iter().map(inline_values).collect();
                (entries.clone(), located)
            }
            RosterSource::File(path) => read_roster_file(path)?,
        };
        let located: Vec<Vec<RosterValue>> = located;
        let mut valid = Vec::with_capacity(specs.len());
        for e in &specs {
            valid.push(exists_in(e, period)?);
        }
        let mut submitters: Vec<Submitter> = Vec::new();
        let mut elsewhere = Vec::new();
        for (e, _) in specs.iter().zip(&valid).filter(|(_, &v)| !v) {
            let succeeded = specs
                .iter()
                .zip(&valid)
                .any(|(s, &v)| v && s.succeeds.iter().any(|c| c.trim() == e.code.trim()));
            if !succeeded {
                let when = format!(
                    "{}至{}",
                    e.valid_from.as_deref().unwrap_or("（不限）"),
                    e.valid_until.as_deref().unwrap_or("（不限）")
                );
                elsewhere.push((e.code.trim().to_string(), e.name.trim().to_string(), when));
            }
        }
        for ((e, _), values) in specs
            .iter()
            .zip(&valid)
            .zip(located)
            .filter(|((_, &v), _)| v)
        {
            let mut predecessors = Vec::new();
            for code in &e.succeeds {
                let Some(old) = specs.iter().find(|o| o.code.trim() == code.trim()) else {
                    return Err(format!(
                        "名单写明 {} 承继 {code}，但名单中没有 {code}",
                        e.code.trim()
                    ));
                };
                predecessors.push((old.code.trim().to_string(), old.name.trim().to_string()));
            }
            submitters.push(Submitter {
                code: e.code.trim().to_string(),
                name: e.name.trim().to_string(),
                kind: e.kind.clone().unwrap_or_default(),
                aliases: e.aliases.clone(),
                predecessors,
                values,
                constants: Default::default(),
            });
        }
        submitters.sort_by(|a, b| a.code.cmp(&b.code));
        for pair in submitters.windows(2) {
            if pair[0].code == pair[1].code {
                return Err(format!(
                    "名单中代码 {} 出现了两次（{} 和 {}）",
                    pair[0].code, pair[0].name, pair[1].name
                ));
            }
        }
        Ok(Roster {
            submitters,
            elsewhere,
        })
    }

    /// Reads each roster constant of the pipeline (`[roster.constants]`) for every submitter:
    /// a number in its column. A missing column or a cell that is not a number stops the run
    /// with the cell named: a target read as 0 would make a completion rate silently wrong.
    pub fn read_constants(&mut self, constants: &[pipeline::RosterConstant]) -> Result<(), String> {
        for constant in constants {
            for s in &mut self.submitters {
                let Some(value) = s
                    .values
                    .iter()
                    .find(|v| normalize_key(&v.column) == normalize_key(&constant.column))
                else {
                    return Err(format!(
                        "名单中没有“{}”列，流水线的 [roster.constants.{}]（{}）取自该列；请在名单中为每个单位填写（没有的填 0）",
                        constant.column, constant.name, constant.label
                    ));
                };
                let number = crate::cell::parse_number(&calamine::Data::String(value.text.clone()));
                let Ok(number) = number else {
                    let why = if value.text.trim().is_empty() {
                        "为空".to_string()
                    } else {
                        format!("“{}”不是数值", value.text.trim())
                    };
                    return Err(format!(
                        "名单{}（{} {}的“{}”）{why}：请填写数值（没有的填 0）",
                        value.at, s.code, s.name, constant.column
                    ));
                };
                s.constants.insert(constant.name.clone(), number);
            }
        }
        Ok(())
    }

    /// Why a text that names no submitter of the period is not counted, when it names an
    /// entry of another period (`valid_from`/`valid_until`) that no submitter succeeds.
    pub fn outside_period(&self, text: &str) -> Option<String> {
        let key = normalize_key(text);
        let (code, name, when) = self.elsewhere.iter().find(|(code, name, _)| {
            key.contains(code.as_str()) || key.contains(&normalize_key(name))
        })?;
        Some(format!(
            "{name}（{code}）在名单中的有效期为{when}，不在本报告期内；如已并入或改名，请在名单中写明承继它的单位（succeeds）"
        ))
    }

    /// Roster index by code, the codes of the entries each submitter succeeds included: rows
    /// stored under an old code (a window over an earlier period) count for its successor.
    pub fn index_by_code(&self) -> std::collections::HashMap<&str, u32> {
        let mut index = std::collections::HashMap::new();
        for (i, s) in self.submitters.iter().enumerate() {
            for (code, _) in &s.predecessors {
                index.insert(code.as_str(), i as u32);
            }
        }
        // A submitter's own code wins over an entry that names it as succeeded.
        for (i, s) in self.submitters.iter().enumerate() {
            index.insert(s.code.as_str(), i as u32);
        }
        index
    }

    /// The codes of a `_submitter` column (roster indices), row by row.
    pub fn codes_of<'a>(
        &'a self,
        indices: &'a polars::prelude::UInt32Chunked,
    ) -> impl Iterator<Item = Option<&'a str>> + 'a {
        indices.iter().map(move |i| {
            i.and_then(|i| self.submitters.get(i as usize))
                .map(|s| s.code.as_str())
        })
    }

    pub fn get(&self, code: &str) -> Option<&Submitter> {
        self.submitters.iter().find(|s| s.code == code)
    }

    /// The submitter a text names: a code beats a full name beats a short name; among
    /// names the longest wins (新桥镇 over 新桥). `None` when nothing or two equally good match.
    pub fn match_text(&self, text: &str) -> Option<(usize, MatchedBy)> {
        let key = normalize_key(text);
        let mut best: Option<(usize, MatchedBy, usize)> = None;
        let mut tie = false;
        for (i, s) in self.submitters.iter().enumerate() {
            let mut candidates: Vec<(MatchedBy, String)> = vec![(MatchedBy::Code, s.code.clone())];
            candidates.push((MatchedBy::Name, normalize_key(&s.name)));
            candidates.extend(
                s.aliases
                    .iter()
                    .map(|a| (MatchedBy::Name, normalize_key(a))),
            );
            if let Some(short) = short_name(&s.name) {
                candidates.push((MatchedBy::ShortName, normalize_key(short)));
            }
            for (k, (code, name)) in s.predecessors.iter().enumerate() {
                candidates.push((MatchedBy::Predecessor(k), code.clone()));
                candidates.push((MatchedBy::Predecessor(k), normalize_key(name)));
            }
            for (how, needle) in candidates {
                if needle.is_empty() || !key.contains(&needle) {
                    continue;
                }
                let rank = (
                    how == MatchedBy::Code,
                    how == MatchedBy::Name,
                    needle.chars().count(),
                );
                let better = match &best {
                    None => true,
                    Some((j, bhow, blen)) => {
                        let brank = (*bhow == MatchedBy::Code, *bhow == MatchedBy::Name, *blen);
                        if rank == brank && *j != i {
                            tie = true;
                        }
                        rank > brank
                    }
                };
                if better {
                    best = Some((i, how, needle.chars().count()));
                    tie = false;
                }
            }
        }
        if tie {
            return None;
        }
        best.map(|(i, how, _)| (i, how))
    }
}

/// Whether an entry exists in `period`: its `valid_from`..`valid_until` overlaps it.
fn exists_in(entry: &RosterEntrySpec, period: &Period) -> Result<bool, String> {
    let bound = |text: &Option<String>, key: &str| {
        text.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| {
                Period::parse(t).map_err(|m| format!("名单中 {} 的 {key}：{m}", entry.code.trim()))
            })
            .transpose()
    };
    let (start, end) = period.bounds();
    let from = bound(&entry.valid_from, "valid_from")?;
    let until = bound(&entry.valid_until, "valid_until")?;
    Ok(from.is_none_or(|f| f.bounds().0 <= end) && until.is_none_or(|u| u.bounds().1 >= start))
}

fn short_name(name: &str) -> Option<&str> {
    NAME_SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|short| short.chars().count() >= 2)
}

/// `code,name,kind[,aliases separated by ;]`, UTF-8 or GBK, with a header row.
/// A roster file's entries, and each entry's other columns with their cells.
type RosterFile = (Vec<RosterEntrySpec>, Vec<Vec<RosterValue>>);

fn read_roster_file(path: &Path) -> Result<RosterFile, String> {
    let records =
        read_text_records(path).map_err(|e| format!("名单文件 {}：{e}", path.display()))?;
    let mut rows = records.into_iter();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| format!("roster {} is empty", path.display()))?
        .iter()
        .map(|h| normalize_key(h))
        .collect();
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let code = find(&["code", "代码", "区划代码", "编码"]);
    let name = find(&["name", "名称", "单位名称", "街道/乡镇"]);
    let (Some(code), Some(name)) = (code, name) else {
        return Err(format!(
            "名单文件 {}：第一行应为列名，且须有“代码”（code）和“名称”（name）两列",
            path.display()
        ));
    };
    let kind = find(&["kind", "类型", "类别"]);
    let aliases = find(&["aliases", "别名"]);
    let valid_from = find(&["valid_from", "起始期", "启用期"]);
    let valid_until = find(&["valid_until", "终止期", "停用期"]);
    let succeeds = find(&["succeeds", "承继", "原单位代码"]);
    let own = [
        Some(code),
        Some(name),
        kind,
        aliases,
        valid_from,
        valid_until,
        succeeds,
    ];
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(rows
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| {
            let field = |i: Option<usize>| i.and_then(|i| r.get(i)).cloned().unwrap_or_default();
            // Every other column is kept by its header, its cell named for messages (the
            // header is row 1).
            let values = (0..header.len())
                .filter(|c| !own.contains(&Some(*c)))
                .map(|c| RosterValue {
                    column: header[c].clone(),
                    text: field(Some(c)),
                    at: format!("{file_name} 单元格 {}", finding::a1(i as u32 + 1, c as u32)),
                })
                .collect();
            let entry = RosterEntrySpec {
                code: field(Some(code)),
                name: field(Some(name)),
                kind: Some(field(kind)).filter(|k| !k.is_empty()),
                aliases: list(&field(aliases)),
                valid_from: Some(field(valid_from)).filter(|v| !v.is_empty()),
                valid_until: Some(field(valid_until)).filter(|v| !v.is_empty()),
                succeeds: list(&field(succeeds)),
                values: Default::default(),
            };
            (entry, values)
        })
        .unzip())
}

/// An inline entry's `values`, each as written.
fn inline_values(entry: &RosterEntrySpec) -> Vec<RosterValue> {
    entry
        .values
        .iter()
        .map(|(column, value)| RosterValue {
            column: column.clone(),
            text: match value {
                toml::Value::String(t) => t.clone(),
                other => other.to_string(),
            },
            at: format!("[roster] entries 中 {} 的 values", entry.code.trim()),
        })
        .collect()
}

/// `a;b；c` → [a, b, c].
fn list(text: &str) -> Vec<String> {
    text.split([';', '；'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(code: &str, name: &str) -> RosterEntrySpec {
        RosterEntrySpec {
            code: code.into(),
            name: name.into(),
            kind: None,
            aliases: vec![],
            valid_from: None,
            valid_until: None,
            succeeds: vec![],
            values: Default::default(),
        }
    }

    fn roster() -> Roster {
        Roster::load(
            &RosterSource::Inline(vec![
                entry("510107001", "桂溪街道"),
                entry("510107101", "新桥镇"),
                entry("510107102", "新桥东镇"),
            ]),
            &Period::parse("2024").unwrap(),
        )
        .unwrap()
    }

    /// 新桥镇 merged into 新桥东镇 from 2024-07: before, both are expected; after, only the
    /// successor, and a file under the old name or code is its.
    #[test]
    fn a_roster_per_period_follows_merges() {
        let old = RosterEntrySpec {
            valid_until: Some("2024-06".into()),
            ..entry("510107101", "新桥镇")
        };
        let new = RosterEntrySpec {
            valid_from: Some("2024-07".into()),
            succeeds: vec!["510107101".into()],
            ..entry("510107103", "新桥新区")
        };
        let entries = RosterSource::Inline(vec![entry("510107001", "桂溪街道"), old, new]);
        let codes = |period: &str| -> Vec<String> {
            let r = Roster::load(&entries, &Period::parse(period).unwrap()).unwrap();
            r.submitters.iter().map(|s| s.code.clone()).collect()
        };
        assert_eq!(codes("2024-03"), ["510107001", "510107101"]);
        assert_eq!(codes("2024-11"), ["510107001", "510107103"]);
        // A year overlapping both: each existed in part of it.
        assert_eq!(codes("2024"), ["510107001", "510107101", "510107103"]);
        let november = Roster::load(&entries, &Period::parse("2024-11").unwrap()).unwrap();
        assert_eq!(
            november.match_text("510107101-新桥镇/台账.xlsx"),
            Some((1, MatchedBy::Predecessor(0)))
        );
        let broken = RosterSource::Inline(vec![RosterEntrySpec {
            succeeds: vec!["510107999".into()],
            ..entry("510107001", "桂溪街道")
        }]);
        let error = Roster::load(&broken, &Period::parse("2024").unwrap()).unwrap_err();
        assert!(error.contains("510107999"), "{error}");
    }

    #[test]
    fn codes_beat_names_and_long_names_beat_short_ones() {
        let r = roster();
        assert_eq!(
            r.match_text("2024/510107001/台账.xlsx"),
            Some((0, MatchedBy::Code))
        );
        assert_eq!(
            r.match_text("填报单位：桂溪街道劳动保障所"),
            Some((0, MatchedBy::Name))
        );
        assert_eq!(
            r.match_text("桂溪-案件.xlsx"),
            Some((0, MatchedBy::ShortName))
        );
        assert_eq!(r.match_text("新桥东镇.xls"), Some((2, MatchedBy::Name)));
        assert_eq!(r.match_text("新桥镇.xls"), Some((1, MatchedBy::Name)));
        assert_eq!(r.match_text("某某乡.xls"), None);
    }
}
