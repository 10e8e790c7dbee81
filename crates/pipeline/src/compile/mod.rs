//! Spec → [`Plan`]: every section is deserialized on its own (so one bad section does not
//! hide the next), unknown keys are found with `serde_ignored`, names are resolved across
//! sections and every SQL string is parsed. All errors come back together, in file order.
//!
//! One file per section of the pipeline file: `source.rs` ([sources.*] and their columns),
//! `rule.rs` ([[sources.*.rules]]), `measure.rs` ([measures.*], [indicators.*] and their
//! SQL), `report.rs` ([[report.sheets]]), `reconcile.rs` ([[reconcile]]). `sections.rs`
//! reads one TOML table into its spec struct and reports unknown keys; this file walks the
//! top level and resolves paths.

mod measure;
mod plausibility;
mod reconcile;
mod report;
mod rule;
mod sections;
mod source;

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use super::diagnostics::{did_you_mean, Diagnostics};
use super::spec::*;
use super::{
    expand_template, Calendar, Diagnostic, FileTexts, Limits, Overrides, Period, Placeholders,
    Plan, RosterConstant, RosterSource, Setting,
};
pub use measure::display_name;
pub use report::sentence_words;
use sections::{entry, section};

const TOP_LEVEL_KEYS: [&str; 13] = [
    "include",
    "calendar",
    "pipeline",
    "settings",
    "limits",
    "roster",
    "sources",
    "measures",
    "indicators",
    "report",
    "reconcile",
    "plausibility",
    "queries",
];

/// Compiles the text of a pipeline file. `path` is used for messages and relative paths;
/// the files it names (`include`, `[calendar]`) are read through `files`, which the plan
/// keeps ([`Plan::recompile`]).
///
/// One piece on purpose (185 lines): it is the order of the sections — settings before the
/// SQL they fill, sources before measures, measures before indicators, indicators before
/// sheets, charts, the headline and reconciliations — each a call into its own file, with
/// the names every later section checks against passed along. Split, that order would be
/// spread over functions passing a dozen intermediate values.
pub fn compile(
    path: &Path,
    text: &str,
    overrides: &Overrides,
    mut files: FileTexts,
) -> Result<Plan, Vec<Diagnostic>> {
    let joined = join_includes(path, text, &mut files)?;
    let text = joined.text.as_str();
    let mut d = Diagnostics::of_parts(joined.parts.clone(), text);
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            d.at(
                at,
                format!("TOML 格式错误：{}", toml_words(e.message().trim())),
            );
            return Err(d.into_sorted());
        }
    };
    let base_dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let table = root.get_ref();
    check_top_level_keys(&mut d, table);

    let pipeline = compile_pipeline_section(&mut d, table, overrides);
    let (roster, constants) = match compile_roster(&mut d, table, &base_dir) {
        Some((roster, constants)) => (Some(roster), constants),
        None => (None, Vec::new()),
    };
    let limits = compile_limits(&mut d, table);
    let settings = compile_settings(&mut d, table, &overrides.settings);
    // Placeholders in SQL are filled before it is checked. Without a valid [pipeline]
    // (already reported) the SQL is still checked, with a stand-in period.
    let placeholders = match &pipeline {
        Some((spec, period)) => match overrides.window_days {
            Some(days) => Placeholders::with_days(&spec.name, period, days),
            None => Placeholders::new(&spec.name, period),
        },
        None => Placeholders::new("pipeline", &Period::parse("2024").expect("a year")),
    }
    .with_settings(&settings);
    if let (Some((spec, _)), Some(section)) = (&pipeline, entry(table, "pipeline")) {
        let texts = [("title", Some(&spec.title)), ("output", Some(&spec.output))];
        for (key, text) in texts.into_iter().chain([("data", spec.data.as_ref())]) {
            if let Some(text) = text {
                check_template(&mut d, &placeholders, "[pipeline]", key, text, section);
            }
        }
    }
    let sources = source::compile_sources(&mut d, entry(table, "sources"), &placeholders);
    let calendar = compile_calendar(&mut d, table, &base_dir, &mut files);
    if calendar.is_none() {
        for source in &sources {
            for column in source.columns.iter().filter(|c| c.working_days.is_some()) {
                let at = entry(table, "sources")
                    .and_then(|s| sections::entry_value(s, &source.id))
                    .map_or(0, |v| v.span().start);
                d.at(at, format!("[sources.{}.columns]“{}”：working_days（工作日）需要 [calendar] 节假日表（file = \"calendar.csv\"：法定节假日和调休上班日）", source.id, column.name));
            }
        }
    }
    // Names declared, compiled or not: a reference to a declared name that failed to compile
    // is not reported again (one mistake, one message).
    let declared_measures = declared_names(table, "measures");
    let declared_indicators = declared_names(table, "indicators");
    let declared_sources = declared_names(table, "sources");
    let measures = measure::compile_measures(
        &mut d,
        entry(table, "measures"),
        &sources,
        &declared_sources,
        &placeholders,
    );
    for constant in &constants {
        if declared_measures.contains(&constant.name)
            || declared_indicators.contains(&constant.name)
        {
            let at = entry(table, "roster").map_or(0..0, |r| constant_span(r, &constant.name));
            d.span(
                &at,
                format!(
                    "[roster.constants.{0}]：`{0}` 已是一个指标的名字；请给这个常量换个名字",
                    constant.name
                ),
            );
        }
    }
    let declared_names = measure::Declared {
        measures: &declared_measures,
        indicators: &declared_indicators,
        constants: &constants,
    };
    let mut indicators = measure::compile_indicators(
        &mut d,
        entry(table, "indicators"),
        &measures,
        &declared_names,
        &placeholders,
    );
    let declared: Vec<&str> = declared_measures
        .iter()
        .chain(&declared_indicators)
        .map(String::as_str)
        .collect();
    let sheets = report::compile_report(
        &mut d,
        entry(table, "report"),
        &sources,
        &measures,
        &mut indicators,
        &declared,
        &placeholders,
    );
    let taken: Vec<String> = sheets.iter().map(|s| s.name.clone()).collect();
    let (charts, lists) = report::compile_charts_and_lists(
        &mut d,
        entry(table, "report"),
        &measures,
        &mut indicators,
        &crate::evaluate::ListTables {
            sources: &sources,
            constants: &constants,
        },
        &taken,
        &placeholders,
    );
    let mut taken_all = taken.clone();
    taken_all.extend(charts.iter().map(|c| c.name.clone()));
    taken_all.extend(lists.iter().map(|l| l.name.clone()));
    let headline = report::compile_headline(
        &mut d,
        entry(table, "report"),
        &measures,
        &mut indicators,
        &declared,
        &taken_all,
        &placeholders,
    );
    let reconciliations = reconcile::compile_reconciles(
        &mut d,
        entry(table, "reconcile"),
        &sources,
        &measures,
        &declared_measures,
    );
    let plausibility = plausibility::compile_plausibility(
        &mut d,
        entry(table, "plausibility"),
        &measures,
        &mut indicators,
        &declared_names,
        &placeholders,
    );
    let queries = compile_queries(&mut d, entry(table, "queries"), &placeholders);

    // An error over a value `--set` chose (a measure name misspelt on the command line) is
    // told where it shows, and here what gave the value.
    for s in settings.iter().filter(|s| s.file_value.is_some()) {
        if d.mentions(&format!("`{}", s.value)) {
            let file = s.file_value.as_deref().unwrap_or("");
            d.at(setting_value_span(table, &s.name), format!("[settings.{}]：`{}` 来自命令行的 --set {}={}（文件中写的是 `{file}`）；提到它的错误来自这个值", s.name, s.value, s.name, s.value));
        }
    }
    if !d.is_empty() {
        return Err(d.into_sorted());
    }
    let (Some((pipeline, period)), Some(roster)) = (pipeline, roster) else {
        return Err(d.into_sorted());
    };
    let paths = resolve_paths(&base_dir, &pipeline, &period, roster, overrides);
    let mut plan = Plan {
        file: path.to_path_buf(),
        compiled_from: files,
        included: joined.parts[1..].iter().map(|(p, _)| p.clone()).collect(),
        name: pipeline.name,
        title: pipeline.title,
        period,
        data_dir: paths.data_dir,
        output: paths.output,
        reporter: pipeline.reporter,
        store: paths.store,
        overrides: overrides.clone(),
        due_days: pipeline.due_days.as_ref().map(|d| *d.get_ref()),
        roster: paths.roster,
        constants,
        sources,
        measures,
        indicators,
        sheets,
        charts,
        lists,
        headline,
        reconciliations,
        plausibility,
        queries,
        limits,
        settings,
        calendar,
        uses: Vec::new(),
    };
    plan.uses = (0..plan.sources.len())
        .map(|s| plan.column_uses(s))
        .collect();
    Ok(plan)
}

/// Where `[roster.constants.<name>]` is written (the [roster] table when it cannot be found).
fn constant_span(roster: &toml::Spanned<DeValue<'_>>, name: &str) -> std::ops::Range<usize> {
    sections::entry_value(roster, "constants")
        .and_then(|c| sections::entry_value(c, name))
        .map_or_else(|| roster.span(), |v| v.span())
}

/// `[calendar] file = "…"`: a CSV of `date,type` lines (type 休/假 for a holiday, 班 for a
/// Saturday or Sunday worked instead), read when the pipeline is compiled so that `check`
/// finds a mistake in it, with its line.
fn compile_calendar(
    d: &mut Diagnostics,
    table: &DeTable<'_>,
    base_dir: &Path,
    files: &mut FileTexts,
) -> Option<Calendar> {
    let value = entry(table, "calendar")?;
    let spec = section::<CalendarSection>(d, value, "[calendar]")?;
    let path = base_dir.join(spec.file.get_ref());
    let text = match files.read(&path) {
        Ok(text) => text,
        Err(e) => {
            d.span(
                &spec.file.span(),
                format!(
                    "[calendar]：无法读取“{}”：{}",
                    path.display(),
                    finding::io_words(&e)
                ),
            );
            return None;
        }
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let mut calendar = Calendar {
        file: clean_path(&path),
        ..Calendar::default()
    };
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut cells = line
            .trim()
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(str::trim);
        let (Some(date), kind) = (cells.next().filter(|c| !c.is_empty()), cells.next()) else {
            continue;
        };
        let parsed = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(date, "%Y/%m/%d"));
        let Ok(day) = parsed else {
            if i > 0 {
                problems.push(format!(
                    "第 {} 行：“{date}”不是日期（应写成 2024-10-01）",
                    i + 1
                ));
            }
            continue; // the header line
        };
        let day = (day - epoch).num_days() as i32;
        match kind.unwrap_or("") {
            "休" | "假" | "holiday" => calendar.holidays.insert(day),
            "班" | "workday" => calendar.workdays.insert(day),
            other => {
                problems.push(format!(
                    "第 {} 行：类型“{other}”既不是 休（节假日）也不是 班（调休上班日）",
                    i + 1
                ));
                continue;
            }
        };
        calendar.covers = Some(match calendar.covers {
            None => (day, day),
            Some((first, last)) => (first.min(day), last.max(day)),
        });
    }
    // The years it lists, whole: a date in them is judged on the file.
    if let Some((first, last)) = calendar.covers {
        use chrono::Datelike;
        let year_of = |d: i32| (epoch + chrono::Duration::days(d as i64)).year();
        let day_of = |y: i32, m: u32, dd: u32| {
            (chrono::NaiveDate::from_ymd_opt(y, m, dd).expect("a date") - epoch).num_days() as i32
        };
        calendar.covers = Some((day_of(year_of(first), 1, 1), day_of(year_of(last), 12, 31)));
    }
    for problem in &problems {
        d.span(
            &spec.file.span(),
            format!("[calendar] {}：{problem}", path.display()),
        );
    }
    problems.is_empty().then_some(calendar)
}

/// The pipeline's text followed by the text of each file its `include = [...]` names, and
/// where each file starts in it.
struct Joined {
    text: String,
    parts: Vec<(PathBuf, usize)>,
}

/// `include = ["ledgers/cases.toml", …]` (paths relative to the pipeline file): each included
/// file holds tables of its own — `[sources.*]`, `[measures.*]`, `[indicators.*]`,
/// `[settings.*]`, `[[report.sheets]]`, `[[reconcile]]` — and is compiled as if written at the
/// end of the pipeline file, in the list's order. TOML itself then refuses a name declared
/// twice (at the second place), and every error names the file it is in.
fn join_includes(
    path: &Path,
    text: &str,
    files: &mut FileTexts,
) -> Result<Joined, Vec<Diagnostic>> {
    let mut joined = Joined {
        text: text.to_string(),
        parts: vec![(path.to_path_buf(), 0)],
    };
    // A syntax error in the pipeline file itself is reported by the compile that follows.
    let Ok(root) = DeTable::parse(text) else {
        return Ok(joined);
    };
    let Some(list) = entry(root.get_ref(), "include") else {
        return Ok(joined);
    };
    let mut d = Diagnostics::new(path, text);
    let wrong = "`include` 是要一并读入的流水线文件的列表，例如 include = [\"ledgers/cases.toml\"]";
    let DeValue::Array(items) = list.get_ref() else {
        d.span(&list.span(), wrong);
        return Err(d.into_sorted());
    };
    let base_dir = path.parent().unwrap_or(Path::new(""));
    let mut problems: Vec<Diagnostic> = Vec::new();
    let mut seen: Vec<PathBuf> = vec![clean_path(path)];
    for item in items.iter() {
        let DeValue::String(name) = item.get_ref() else {
            d.span(&item.span(), wrong);
            continue;
        };
        let file = base_dir.join(name.as_ref());
        if seen.contains(&clean_path(&file)) {
            d.span(
                &item.span(),
                format!("include：“{name}”已经读入过（列了两次，或就是流水线文件本身）"),
            );
            continue;
        }
        seen.push(clean_path(&file));
        let included = match files.read(&file) {
            Ok(included) => included,
            Err(e) => {
                d.span(
                    &item.span(),
                    format!(
                        "include：无法读取“{}”：{}",
                        file.display(),
                        finding::io_words(&e)
                    ),
                );
                continue;
            }
        };
        // Keys before the file's first [table] would land in the table the text before it
        // ended with: an included file must start with a table.
        let first = included
            .lines()
            .enumerate()
            .map(|(i, line)| (i, line.trim()))
            .find(|(_, line)| !line.is_empty() && !line.starts_with('#'));
        if let Some((line, text)) = first.filter(|(_, text)| !text.starts_with('[')) {
            problems.push(Diagnostic {
                file: file.clone(),
                line: line + 1,
                column: 1,
                message: format!("被 include 的文件只能写表（[sources.<id>]、[measures.<name>]、[[report.sheets]]…）；第一个表之前出现了“{}”", text.chars().take(40).collect::<String>()),
            });
            continue;
        }
        joined.text.push('\n');
        joined.parts.push((file, joined.text.len()));
        joined.text.push_str(&included);
    }
    let mut all = d.into_sorted();
    all.extend(problems);
    if all.is_empty() {
        Ok(joined)
    } else {
        Err(all)
    }
}

/// The TOML parser's description of a syntax error in a user's words: its phrases replaced
/// one by one (what is left, a quoted character, stays as written).
fn toml_words(message: &str) -> String {
    const PHRASES: [(&str, &str); 14] = [
        ("invalid basic string", "双引号文字没有正确结束"),
        ("invalid literal string", "单引号文字没有正确结束"),
        ("invalid multiline basic string", "三引号文字没有正确结束"),
        ("duplicate key", "同一个键写了两次"),
        ("invalid table header", "表头 [...] 写得不对"),
        ("invalid array", "列表 [...] 写得不对"),
        ("invalid inline table", "内联表 {...} 写得不对"),
        ("invalid key", "键名写得不对"),
        ("invalid string", "文字写得不对"),
        ("invalid number", "数字写得不对"),
        ("invalid date-time", "日期时间写得不对"),
        ("unclosed table", "表头没有闭合"),
        ("unclosed array", "列表没有闭合"),
        ("expected ", "应有 "),
    ];
    let mut words = message.to_string();
    for (phrase, said) in PHRASES {
        words = words.replace(phrase, said);
    }
    format!("{words}（常见原因：引号或括号不配对、缺少等号、同一个键写了两次）")
}

/// `[settings.<name>]`: each a value (number, text or true/false) and its label; a name is
/// lowercase letters and `_` (it is written `{name}`) and not one the engine fills in. Which
/// measures and indicators name it is found in their text as written, for the 说明.
fn compile_settings(
    d: &mut Diagnostics,
    table: &DeTable<'_>,
    chosen: &[(String, String)],
) -> Vec<Setting> {
    let mut settings = compile_file_settings(d, table);
    // `--set name=value`: a name the pipeline does not have, or a value of another kind
    // than the file's (a number for a number, true/false for true/false), is refused. Given
    // twice, the last one counts; `file_value` stays the file's.
    for (name, value) in chosen {
        let Some(setting) = settings.iter_mut().find(|s| &s.name == name) else {
            let known: Vec<&str> = settings.iter().map(|s| s.name.as_str()).collect();
            let list = match known.is_empty() {
                true => "流水线没有 [settings]".to_string(),
                false => format!("现有的设置：{}", known.join("、")),
            };
            let at = entry(table, "settings").map_or(0, |s| s.span().start);
            d.at(
                at,
                format!(
                    "--set {name}={value}：流水线没有设置 `{name}`（{list}）{}",
                    did_you_mean(name, known.iter().copied())
                ),
            );
            continue;
        };
        let kind = |v: &str| match v {
            "true" | "false" => "true/false（是/否）",
            v if v.parse::<f64>().is_ok() => "数字",
            _ => "文字",
        };
        if kind(value) != kind(&setting.value) {
            let at = setting_value_span(table, name);
            d.at(
                at,
                format!(
                    "--set {name}={value}：[settings.{name}] 的值应是{}（文件中是 {}）；请给同一类的值",
                    kind(&setting.value),
                    setting.value
                ),
            );
            continue;
        }
        let file = setting
            .file_value
            .take()
            .unwrap_or_else(|| setting.value.clone());
        setting.value = value.clone();
        setting.file_value = (file != *value).then_some(file);
    }
    settings
}

/// Where `[settings.<name>] value` is written, for a `--set` of the wrong kind.
fn setting_value_span(table: &DeTable<'_>, name: &str) -> usize {
    let setting = entry(table, "settings").and_then(|s| sections::entry_value(s, name));
    setting
        .and_then(|s| sections::entry_value(s, "value"))
        .or(setting)
        .map_or(0, |v| v.span().start)
}

/// `[settings.<name>]` as written in the file.
fn compile_file_settings(d: &mut Diagnostics, table: &DeTable<'_>) -> Vec<Setting> {
    let Some(all) = entry(table, "settings") else {
        return Vec::new();
    };
    let DeValue::Table(all_table) = all.get_ref() else {
        d.span(&all.span(), "[settings] 应是一组设置，每个设置一个表，例如 [settings.group_threshold] value = 10, label = \"群体性案件人数下限\"".to_string());
        return Vec::new();
    };
    let mut settings = Vec::new();
    for (key, value) in all_table.iter() {
        let name: &str = key.get_ref();
        let what = format!("[settings.{name}]");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            d.span(&key.span(), format!("{what}：设置的名字只能用小写英文字母和 `_`（它在 SQL 和表达式中写作 `{{name}}`）"));
            continue;
        }
        if Placeholders::BUILT_IN.contains(&name) {
            d.span(
                &key.span(),
                format!("{what}：`{{{name}}}` 由 laborstat 自己填写；请给这个设置换个名字"),
            );
            continue;
        }
        // A setting with a mistake (reported) still stands for 0 where it is used, so its
        // `{name}` is not reported again as unknown: one mistake, one message. The plan is
        // not built while there are errors, so the stand-in is never computed with.
        let stand_in = |name: &str| Setting {
            name: name.to_string(),
            label: name.to_string(),
            value: "0".into(),
            note: None,
            used_by: Vec::new(),
            file_value: None,
        };
        let Some(spec) = section::<crate::spec::SettingSpec>(d, value, &what) else {
            settings.push(stand_in(name));
            continue;
        };
        let value = match spec.value.get_ref() {
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::String(t) => t.clone(),
            _ => {
                d.span(
                    &spec.value.span(),
                    format!("{what}：`value` 应是数字、文字或 true/false"),
                );
                settings.push(stand_in(name));
                continue;
            }
        };
        let written = format!("{{{name}}}");
        let mut used_by = Vec::new();
        for (section_key, keys) in [
            ("measures", &["sql", "filter"][..]),
            ("indicators", &["expr"][..]),
        ] {
            if let Some(DeValue::Table(t)) = entry(table, section_key).map(|v| v.get_ref()) {
                for (item, body) in t.iter() {
                    let mentions = keys.iter().any(|k| {
                        sections::raw_string(body, k)
                            .is_some_and(|s| s.get_ref().contains(&written))
                    });
                    if mentions {
                        used_by.push(item.get_ref().to_string());
                    }
                }
            }
        }
        settings.push(Setting {
            name: name.to_string(),
            label: spec.label,
            value,
            note: spec.note,
            used_by,
            file_value: None,
        });
    }
    settings
}

/// `[limits]`, each bound a positive whole number; the defaults for what is not given.
fn compile_limits(d: &mut Diagnostics, table: &DeTable<'_>) -> Limits {
    let mut limits = Limits::default();
    let Some(value) = entry(table, "limits") else {
        return limits;
    };
    let Some(spec) = section::<LimitsSection>(d, value, "[limits]") else {
        return limits;
    };
    let mut set = |given: &Option<toml::Spanned<u64>>, key: &str, scale: u64, slot: &mut u64| {
        if let Some(v) = given {
            match v.get_ref().checked_mul(scale) {
                Some(n) if n > 0 => *slot = n,
                _ => d.span(&v.span(), format!("[limits] `{key}` 应是大于 0 的整数")),
            }
        }
    };
    set(&spec.file_mb, "file_mb", 1 << 20, &mut limits.file_bytes);
    set(
        &spec.unpacked_mb,
        "unpacked_mb",
        1 << 20,
        &mut limits.unpacked_bytes,
    );
    set(
        &spec.compression_ratio,
        "compression_ratio",
        1,
        &mut limits.compression_ratio,
    );
    set(&spec.sheet_cells, "sheet_cells", 1, &mut limits.sheet_cells);
    limits
}

fn check_top_level_keys(d: &mut Diagnostics, table: &DeTable<'_>) {
    for (key, _) in table.iter() {
        let name: &str = key.get_ref();
        if !TOP_LEVEL_KEYS.contains(&name) {
            let hint = did_you_mean(name, TOP_LEVEL_KEYS);
            d.span(
                &key.span(),
                format!("没有 `{name}` 这种表{hint}：流水线文件可以有 include = [...]、[pipeline]、[settings.*]、[limits]、[roster]、[sources.*]、[measures.*]、[indicators.*]、[[report.sheets]]、[[reconcile]]、[[plausibility]] 和 [[queries]]"),
            );
        }
    }
}

/// A title, path or note whose placeholders must all be known: a misspelt one would be
/// printed as written (a report titled “{yaer}年…”). Reported inside the value of `key` in
/// `table` when it is a plain string there, else at the table.
pub(super) fn check_template(
    d: &mut Diagnostics,
    placeholders: &Placeholders,
    what: &str,
    key: &str,
    text: &str,
    table: &toml::Spanned<DeValue<'_>>,
) {
    let Err((offset, message)) = placeholders.fill_strict(text) else {
        return;
    };
    let value = sections::entry_value(table, key);
    let at = match value.map(|v| (v.span(), v.get_ref())) {
        Some((span, DeValue::String(written))) if written.as_ref() == text => {
            span.start + 1 + measure::char_to_byte(text, offset)
        }
        Some((span, _)) => span.start,
        None => table.span().start,
    };
    d.at(at, format!("{what}：`{key}`：{message}"));
}

/// `[[queries]]`: each a name and a SELECT; placeholders filled (a misspelt one is an error
/// where written). The SQL runs over the store's tables, known only when it is asked.
fn compile_queries(
    d: &mut Diagnostics,
    value: Option<&toml::Spanned<DeValue<'_>>>,
    placeholders: &Placeholders,
) -> Vec<crate::SavedQuery> {
    let mut queries: Vec<crate::SavedQuery> = Vec::new();
    match value.map(|v| (v, v.get_ref())) {
        Some((_, DeValue::Array(list))) => {
            for (i, value) in list.iter().enumerate() {
                let what = format!("[[queries]] 第{}条", i + 1);
                let Some(spec) = section::<crate::spec::SavedQuerySpec>(d, value, &what) else {
                    continue;
                };
                if queries.iter().any(|q| q.name == spec.name) {
                    d.span(
                        &value.span(),
                        format!("{what}：名字“{}”已被前面的查询用了", spec.name),
                    );
                    continue;
                }
                match placeholders.fill_strict(spec.sql.get_ref()) {
                    Ok(filled) => queries.push(crate::SavedQuery {
                        name: spec.name,
                        sql: filled.text,
                        note: spec.note,
                    }),
                    Err((_, message)) => {
                        d.span(&spec.sql.span(), format!("{what}：sql：{message}"))
                    }
                }
            }
        }
        Some((v, _)) => d.span(&v.span(), "`queries` 应写成 [[queries]]（每个查询一个）"),
        None => {}
    }
    queries
}

/// The names of the sub-tables of a top-level table (`[measures.<name>]`).
fn declared_names(table: &DeTable<'_>, key: &str) -> Vec<String> {
    match entry(table, key).map(|v| v.get_ref()) {
        Some(DeValue::Table(t)) => t.iter().map(|(k, _)| k.get_ref().to_string()).collect(),
        _ => Vec::new(),
    }
}

/// `[pipeline]` and its period (the command line's `--period` first).
fn compile_pipeline_section(
    d: &mut Diagnostics,
    table: &DeTable<'_>,
    overrides: &Overrides,
) -> Option<(PipelineSection, Period)> {
    let pipeline: PipelineSection = match entry(table, "pipeline") {
        Some(v) => section(d, v, "[pipeline]")?,
        None => {
            d.at(0, "文件中没有 [pipeline] 表（name、title、period、output）");
            return None;
        }
    };
    let (text, span) = match &overrides.period {
        Some(cli) => (cli.clone(), None),
        None => (
            pipeline.period.get_ref().clone(),
            Some(pipeline.period.span()),
        ),
    };
    if let Some(days) = pipeline.due_days.as_ref().filter(|d| *d.get_ref() > 366) {
        d.span(
            &days.span(),
            format!(
                "[pipeline] due_days：报告期结束后 {} 天超过了一年；请写街道乡镇报送的期限天数（10：报告期结束后第 10 天前报送）",
                days.get_ref()
            ),
        );
    }
    let month_ends_on = match &pipeline.month_ends_on {
        Some(day) if !(1..=28).contains(day.get_ref()) => {
            d.span(
                &day.span(),
                format!(
                    "[pipeline] month_ends_on：不是每个月都有 {} 日；请写 1–28（20：每月 21 日至次月 20 日为一个月），按自然月统计则不写",
                    day.get_ref()
                ),
            );
            return None;
        }
        Some(day) => Some(*day.get_ref()),
        None => None,
    };
    match Period::parse(&text) {
        Ok(period) => Some((
            pipeline,
            match month_ends_on {
                Some(day) => period.with_month_ending_on(day),
                None => period,
            },
        )),
        Err(message) => {
            match span {
                Some(span) => d.span(&span, format!("[pipeline] period：{message}")),
                None => d.at(0, format!("--period：{message}")),
            }
            None
        }
    }
}

/// `[roster]`: a file (relative to the pipeline file, or under `{data}`) or inline entries.
fn compile_roster(
    d: &mut Diagnostics,
    table: &DeTable<'_>,
    base_dir: &Path,
) -> Option<(RosterSource, Vec<RosterConstant>)> {
    let Some(value) = entry(table, "roster") else {
        d.at(
            0,
            "文件中没有 [roster] 表：请列出应报送的单位（写在 entries 中，或写在一个名单文件中）",
        );
        return None;
    };
    let roster: RosterSection = section(d, value, "[roster]")?;
    let mut constants = Vec::new();
    for (name, spec) in &roster.constants {
        let is_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            d.span(&constant_span(value, name), format!("[roster.constants.{name}]：常量的名字只能用英文字母、数字和 `_`，以字母开头（它写在计算指标的 expr 中）"));
            continue;
        }
        constants.push(RosterConstant {
            name: name.clone(),
            column: spec.column.clone(),
            label: spec.label.clone(),
        });
    }
    let source = match (&roster.file, roster.entries.is_empty()) {
        (Some(file), _) if file.get_ref().starts_with("{data}") => {
            Some(RosterSource::File(PathBuf::from(file.get_ref())))
        }
        (Some(file), _) => Some(RosterSource::File(base_dir.join(file.get_ref()))),
        (None, false) => Some(RosterSource::Inline(roster.entries)),
        (None, true) => {
            d.span(
                &value.span(),
                "[roster] 需要 `file`（名单文件）或 `entries`（直接列出）",
            );
            None
        }
    }?;
    Some((source, constants))
}

struct ResolvedPaths {
    data_dir: PathBuf,
    output: PathBuf,
    roster: RosterSource,
    store: Option<PathBuf>,
}

/// The data folder, the report path and the roster file, templates filled and command-line
/// overrides applied.
fn resolve_paths(
    base_dir: &Path,
    pipeline: &PipelineSection,
    period: &Period,
    roster: RosterSource,
    overrides: &Overrides,
) -> ResolvedPaths {
    let data_dir = overrides.data_dir.clone().unwrap_or_else(|| {
        base_dir.join(expand_template(
            pipeline.data.as_deref().unwrap_or("."),
            &pipeline.name,
            period,
        ))
    });
    let output = overrides.output.clone().unwrap_or_else(|| {
        let templated = base_dir.join(expand_template(&pipeline.output, &pipeline.name, period));
        match (&overrides.output_dir, templated.file_name()) {
            (Some(dir), Some(name)) => dir.join(name),
            _ => templated,
        }
    });
    // `{data}` in the roster path: a roster kept with the data it describes.
    let roster = match roster {
        RosterSource::File(path) => {
            let text = path
                .to_string_lossy()
                .replace("{data}", &data_dir.to_string_lossy());
            let path = PathBuf::from(text);
            RosterSource::File(if path.is_absolute() {
                path
            } else {
                clean_path(&path)
            })
        }
        inline => inline,
    };
    // The store is shared by every period: by default `store` in the output's folder up
    // to the first part that names the period (`../output/{period}/x.xlsx` → `../output/store`).
    let store = if overrides.no_store {
        None
    } else if let Some(dir) = &overrides.store {
        Some(dir.clone())
    } else if let Some(dir) = &pipeline.store {
        Some(clean_path(&base_dir.join(dir)))
    } else if overrides.output.is_some() || overrides.output_dir.is_some() {
        // A report written elsewhere (`--out`) keeps its store beside it.
        Some(
            output
                .parent()
                .map_or_else(|| PathBuf::from("store"), |p| clean_path(&p.join("store"))),
        )
    } else {
        let template = Path::new(&pipeline.output);
        let fixed: PathBuf = template
            .parent()
            .into_iter()
            .flat_map(Path::components)
            .take_while(|c| !c.as_os_str().to_string_lossy().contains('{'))
            .collect();
        Some(clean_path(&base_dir.join(fixed).join("store")))
    };
    ResolvedPaths {
        data_dir: clean_path(&data_dir),
        output: clean_path(&output),
        roster,
        store,
    }
}

/// `pipelines/../output/x.xlsx` → `output/x.xlsx`: paths as a user would write them.
fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}
