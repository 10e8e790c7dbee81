//! The roster of expected submitters and matching free text (a path, a 填报单位 cell, a
//! column value) to one of them.

use std::path::Path;

use super::cell::normalize_key;
use super::csv::read_text_records;
use crate::pipeline::spec::RosterEntrySpec;
use crate::pipeline::RosterSource;

#[derive(Debug, Clone)]
pub struct Submitter {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub aliases: Vec<String>,
}

/// The expected submitters, in code order.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub submitters: Vec<Submitter>,
}

/// How a text matched a submitter; printed so users see which evidence was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Code,
    Name,
    ShortName,
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
    pub fn load(source: &RosterSource) -> Result<Roster, String> {
        let specs = match source {
            RosterSource::Inline(entries) => entries.clone(),
            RosterSource::File(path) => read_roster_file(path)?,
        };
        let mut submitters: Vec<Submitter> = specs
            .into_iter()
            .map(|e| Submitter {
                code: e.code.trim().to_string(),
                name: e.name.trim().to_string(),
                kind: e.kind.unwrap_or_default(),
                aliases: e.aliases,
            })
            .collect();
        submitters.sort_by(|a, b| a.code.cmp(&b.code));
        for pair in submitters.windows(2) {
            if pair[0].code == pair[1].code {
                return Err(format!(
                    "the roster lists code {} twice ({} and {})",
                    pair[0].code, pair[0].name, pair[1].name
                ));
            }
        }
        Ok(Roster { submitters })
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

fn short_name(name: &str) -> Option<&str> {
    NAME_SUFFIXES
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix))
        .filter(|short| short.chars().count() >= 2)
}

/// `code,name,kind[,aliases separated by ;]`, UTF-8 or GBK, with a header row.
fn read_roster_file(path: &Path) -> Result<Vec<RosterEntrySpec>, String> {
    let records = read_text_records(path).map_err(|e| format!("roster {}: {e}", path.display()))?;
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
            "roster {}: the first row must name the columns `code` and `name`",
            path.display()
        ));
    };
    let kind = find(&["kind", "类型", "类别"]);
    let aliases = find(&["aliases", "别名"]);
    Ok(rows
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|r| {
            let field = |i: Option<usize>| i.and_then(|i| r.get(i)).cloned().unwrap_or_default();
            RosterEntrySpec {
                code: field(Some(code)),
                name: field(Some(name)),
                kind: Some(field(kind)).filter(|k| !k.is_empty()),
                aliases: field(aliases)
                    .split([';', '；'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(String::from)
                    .collect(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster() -> Roster {
        let entry = |code: &str, name: &str| RosterEntrySpec {
            code: code.into(),
            name: name.into(),
            kind: None,
            aliases: vec![],
        };
        Roster::load(&RosterSource::Inline(vec![
            entry("510107001", "桂溪街道"),
            entry("510107101", "新桥镇"),
            entry("510107102", "新桥东镇"),
        ]))
        .unwrap()
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
