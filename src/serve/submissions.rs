//! A file a township sends through the page, put where the CLI reads it: the township's
//! folder in the data folder, named so that the source's file pattern finds it
//! (`<code>-<name>/投诉举报案件台账.xlsx`). The name the browser gave is never used as a path
//! (only its extension, from a short list). The file is checked against the pipeline's
//! `[limits]` — size on disk, each zip part unpacked — before it is stored; it is written
//! beside its place and renamed into it (atomic); the file it replaces is moved to
//! `<output>/serve/versions/<code>/`, never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use pipeline::{Plan, Source};

/// The formats a township may send, as the CLI reads them.
/// The names a sent file may end in: Excel's and WPS's (.et) workbooks, OpenDocument, text
/// and the web pages and XML that systems export as "Excel". The name only keeps the file's
/// kind for a reader of the folder; what the file is, is judged by its content
/// (`InputBook::open`) before it is stored.
pub const EXTENSIONS: [&str; 12] = [
    "xlsx", "xlsm", "xls", "xlsb", "et", "ett", "ods", "csv", "txt", "htm", "html", "xml",
];

/// The choice of ledger that asks for each file's ledger to be recognised by its header.
pub const RECOGNISE: &str = "auto";

/// The ledger a sent file is, recognised by its header among the ledgers the township sends:
/// the one whose every required column stands in a header of one of its sheets, the most
/// columns recognised. `Ok` says how it was recognised; `Err` why none could be (nothing
/// stored then): no ledger answered, or two answered equally.
pub fn recognise<'p>(
    plan: &'p Plan,
    serve_dir: &Path,
    code: &str,
    name: &str,
    extension: &str,
    bytes: &[u8],
) -> Result<(&'p Source, String), String> {
    let incoming = serve_dir.join("incoming");
    let temporary = incoming.join(format!("{}.{extension}", super::sessions::random_token()));
    std::fs::create_dir_all(&incoming)
        .and_then(|_| std::fs::write(&temporary, bytes))
        .map_err(|e| format!("无法暂存文件（{}）", finding::io_words(&e)))?;
    let sendable: Vec<usize> = (0..plan.sources.len())
        .filter(|&i| target_of(plan, &plan.sources[i], code, name, extension).is_some())
        .collect();
    let answered = ingest::sources_answered(plan, &temporary, &sendable);
    let _ = std::fs::remove_file(&temporary);
    match answered.as_slice() {
        [] => Err("认不出是哪一个台账：没有一个工作表的表头含有某个台账的全部必填列；请在“台账”中选择后再报送（回执会说明哪些列没有找到）".into()),
        [first, second, ..] if first.matched == second.matched => Err(format!(
            "认不出是“{}”还是“{}”（表头与两者同样相符）；请在“台账”中选择后再报送",
            plan.sources[first.source].title, plan.sources[second.source].title
        )),
        [best, ..] => {
            let source = &plan.sources[best.source];
            Ok((
                source,
                format!(
                    "按表头识别为“{}”（工作表“{}”认出该台账的 {} 列）",
                    source.title, best.sheet, best.matched
                ),
            ))
        }
    }
}

/// What became of one file sent.
pub struct Stored {
    pub path: PathBuf,
    /// The earlier file it replaced, where it is kept now.
    pub replaced: Option<PathBuf>,
}

/// The extension of a name the browser sent, when it is one laborstat reads.
pub fn extension_of(name: &str) -> Option<String> {
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// The township's folder in the data folder: the one named with its code if any, else
/// `<code>-<name>`.
pub fn township_folder(plan: &Plan, code: &str, name: &str) -> PathBuf {
    if let Ok(entries) = std::fs::read_dir(&plan.data_dir) {
        for entry in entries.flatten() {
            let file_name = entry.file_name().to_string_lossy().to_string();
            if entry.path().is_dir() && file_name.starts_with(code) {
                return entry.path();
            }
        }
    }
    plan.data_dir.join(format!("{code}-{name}"))
}

/// Where a township's file of `source` is stored: `<its folder>/<stem>.<extension>`, when the
/// pipeline's patterns find a file there as that source's; `None` for a source whose files
/// the district places itself (last year's report under `上年年报/`, a district-wide
/// ledger), which a township cannot send — stored anyway it would be a file no run reads.
pub fn target_of(
    plan: &Plan,
    source: &Source,
    code: &str,
    name: &str,
    extension: &str,
) -> Option<PathBuf> {
    let target =
        township_folder(plan, code, name).join(format!("{}.{extension}", file_stem(source)));
    let relative = target.strip_prefix(&plan.data_dir).ok()?;
    // As `ingest::discover` walks: a `*` stays inside one folder name.
    let options = glob::MatchOptions {
        require_literal_separator: true,
        ..glob::MatchOptions::new()
    };
    source
        .files
        .iter()
        .filter_map(|pattern| glob::Pattern::new(pattern).ok())
        .any(|pattern| pattern.matches_path_with(relative, options))
        .then_some(target)
}

/// The file name a source's pattern finds: the words of its first pattern's file part
/// (`*/*案件台账*.*` → `案件台账`), else the source's title.
pub fn file_stem(source: &Source) -> String {
    let words: String = source
        .files
        .first()
        .and_then(|glob| glob.rsplit('/').next())
        .map(|name| name.split('.').next().unwrap_or("").replace(['*', '?'], ""))
        .unwrap_or_default();
    match words.trim().is_empty() {
        true => source.title.clone(),
        false => words,
    }
}

/// The township's files of `source` now in its folder (those the source's patterns find).
pub fn files_of(source: &Source, folder: &Path) -> Vec<PathBuf> {
    let Some(folder_name) = folder.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for pattern in &source.files {
        let Ok(glob) = glob::Pattern::new(pattern) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let relative = format!("{folder_name}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_file() && glob.matches(&relative) && !found.contains(&entry.path()) {
                found.push(entry.path());
            }
        }
    }
    found
}

/// Checks `bytes` as a file of the pipeline's limits and stores it as the township's file of
/// `source`. `Err` says in words why it was refused; nothing is stored then.
pub fn store_upload(
    plan: &Plan,
    serve_dir: &Path,
    source: &Source,
    code: &str,
    name: &str,
    extension: &str,
    bytes: &[u8],
) -> anyhow::Result<Result<Stored, String>> {
    let Some(target) = target_of(plan, source, code, name, extension) else {
        return Ok(Err(format!(
            "“{}”的文件由区县统一放置（流水线中它的文件位置为 {}），不能在网页上报送",
            source.title,
            source.files.join("、")
        )));
    };
    let incoming = serve_dir.join("incoming");
    std::fs::create_dir_all(&incoming).with_context(|| format!("创建 {}", incoming.display()))?;
    let temporary = incoming.join(format!("{}.{extension}", super::sessions::random_token()));
    write_synced(&temporary, bytes)?;
    // The same checks the run makes, before anything is stored: size, zip parts unpacked
    // (a zip bomb), the format by its content.
    if let Err(problem) = ingest::workbook::InputBook::open(&temporary, &plan.limits) {
        let _ = std::fs::remove_file(&temporary);
        return Ok(Err(problem.message));
    }
    let folder = target.parent().expect("in the township's folder");
    std::fs::create_dir_all(folder).with_context(|| format!("创建 {}", folder.display()))?;
    let replaced = match files_of(source, folder).first() {
        Some(earlier) => Some(keep_version(serve_dir, code, earlier)?),
        None => None,
    };
    if std::fs::rename(&temporary, &target).is_err() {
        // Another file system: copied beside its place, then renamed.
        let beside = folder.join(format!(".~upload-{}.tmp", super::sessions::random_token()));
        std::fs::copy(&temporary, &beside).with_context(|| format!("写入 {}", beside.display()))?;
        std::fs::rename(&beside, &target).with_context(|| format!("写入 {}", target.display()))?;
        let _ = std::fs::remove_file(&temporary);
    }
    Ok(Ok(Stored {
        path: target,
        replaced,
    }))
}

/// Moves a township's earlier file out of the data folder, stamped with the time.
fn keep_version(serve_dir: &Path, code: &str, earlier: &Path) -> anyhow::Result<PathBuf> {
    let versions = serve_dir.join("versions").join(code);
    std::fs::create_dir_all(&versions).with_context(|| format!("创建 {}", versions.display()))?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S%.3f");
    let name = earlier
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let kept = versions.join(format!("{stamp}-{name}"));
    if std::fs::rename(earlier, &kept).is_err() {
        std::fs::copy(earlier, &kept).with_context(|| format!("保存旧版本 {}", kept.display()))?;
        std::fs::remove_file(earlier).with_context(|| format!("移走 {}", earlier.display()))?;
    }
    Ok(kept)
}

fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file =
        std::fs::File::create(path).with_context(|| format!("写入 {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .with_context(|| format!("写入 {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_extension_of_a_sent_name_is_used() {
        assert_eq!(
            extension_of("../../etc/passwd.XLSX").as_deref(),
            Some("xlsx")
        );
        assert_eq!(extension_of("台账.csv").as_deref(), Some("csv"));
        assert_eq!(extension_of("run.sh"), None);
        assert_eq!(extension_of("noextension"), None);
    }
}
