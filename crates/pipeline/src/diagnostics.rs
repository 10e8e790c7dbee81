//! Errors found in a pipeline file, each pinned to `file:line:column`.
//!
//! The compiler collects them all before failing (like `vector validate`), so a user fixes a
//! file in one pass instead of one error per run.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in a pipeline file, located by 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: 错误：{}",
            self.file.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

/// Collects diagnostics while a pipeline file is compiled; turns byte offsets into positions.
///
/// A pipeline with `include = [...]` is compiled as one text, the pipeline file followed by
/// each included file (`parts`: each file and the byte offset its text starts at), so an
/// offset is told as a line and column of the file it falls in.
pub struct Diagnostics<'a> {
    parts: Vec<(PathBuf, usize)>,
    text: &'a str,
    /// Each diagnostic with the offset it was found at, for sorting in reading order.
    found: Vec<(usize, Diagnostic)>,
}

impl<'a> Diagnostics<'a> {
    pub fn new(file: &Path, text: &'a str) -> Self {
        Diagnostics::of_parts(vec![(file.to_path_buf(), 0)], text)
    }

    /// Over a text joined from files: `parts` in order, the first starting at 0.
    pub fn of_parts(parts: Vec<(PathBuf, usize)>, text: &'a str) -> Self {
        Diagnostics {
            parts,
            text,
            found: Vec::new(),
        }
    }

    /// Records an error at a byte offset of the (joined) pipeline text.
    pub fn at(&mut self, offset: usize, message: impl Into<String>) {
        let part = self
            .parts
            .iter()
            .rposition(|(_, start)| *start <= offset)
            .unwrap_or(0);
        let start = self.parts[part].1;
        let end = self
            .parts
            .get(part + 1)
            .map_or(self.text.len(), |(_, next)| *next);
        let (line, column) = line_column(&self.text[start..end], offset - start);
        self.found.push((
            offset,
            Diagnostic {
                file: self.parts[part].0.clone(),
                line,
                column,
                message: message.into(),
            },
        ));
    }

    /// Records an error at the start of a span.
    pub fn span(&mut self, span: &Range<usize>, message: impl Into<String>) {
        self.at(span.start, message);
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// Whether a diagnostic so far names `word` (a `--set` value the errors come from).
    pub fn mentions(&self, word: &str) -> bool {
        self.found.iter().any(|(_, d)| d.message.contains(word))
    }

    /// All diagnostics, in reading order (the pipeline file, then each included file).
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.found
            .sort_by(|(a, da), (b, db)| (a, &da.message).cmp(&(b, &db.message)));
        let mut found: Vec<Diagnostic> = self.found.into_iter().map(|(_, d)| d).collect();
        found.dedup();
        found
    }
}

/// 1-based line and character column of a byte offset (clamped to the text).
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The closest known name to `word`, if it is close enough to be a likely typo.
pub fn closest<'n>(word: &str, known: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    known
        .into_iter()
        .map(|candidate| (strsim::normalized_levenshtein(word, candidate), candidate))
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// "；是不是 `x`？" or nothing.
pub fn did_you_mean<'n>(word: &str, known: impl IntoIterator<Item = &'n str>) -> String {
    closest(word, known)
        .map(|c| format!("；是不是 `{c}`？"))
        .unwrap_or_default()
}

/// The closest name to one typed by hand in SQL or on the command line (case ignored; a
/// name that contains or is contained in the typed one counts), when close enough to be a
/// slip. Pipeline keys use [`closest`], which scores by normalized distance.
pub fn closest_identifier<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = name.to_lowercase();
    let chars = name.chars().count();
    candidates
        .map(|c| (c, strsim::levenshtein(&lower, &c.to_lowercase())))
        .filter(|(c, d)| {
            let other = c.to_lowercase();
            let close = *d <= 2 && *d * 2 <= chars.max(c.chars().count());
            let part = chars >= 2 && (other.contains(&lower) || lower.contains(&other));
            *d > 0 && (close || part)
        })
        .min_by_key(|(_, d)| *d)
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let text = "a = 1\n受理 = 2\n";
        let offset = text.find('2').unwrap();
        assert_eq!(line_column(text, offset), (2, 6));
        assert_eq!(line_column(text, 0), (1, 1));
    }

    #[test]
    fn suggests_only_near_names() {
        assert_eq!(closest("sourse", ["source", "title"]), Some("source"));
        assert_eq!(closest("zzz", ["source", "title"]), None);
    }
}
