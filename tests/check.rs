//! `laborstat check`: a clean file exits 0; a broken one lists every error at once, each
//! with file:line:column and a sentence naming the key, and exits 2.

use crate::common::laborstat;

fn check(path: &str) -> (i32, String, String) {
    let output = laborstat().args(["check", path]).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn bundled_pipeline_is_clean() {
    let (code, stdout, _) = check("pipelines/annual.toml");
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout);
}

#[test]
fn every_error_is_reported_at_once_with_its_position() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/broken.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

#[test]
fn toml_syntax_error_has_its_position() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/syntax.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/does-not-exist.toml");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("错误：流水线文件") && stderr.contains("无法读取：文件或文件夹不存在"),
        "{stderr}"
    );
}

#[test]
fn reconcile_mistakes_are_reported_at_their_keys() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/reconcile.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

#[test]
fn what_run_would_refuse_is_refused_by_check() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/unrunnable.toml");
    assert_eq!(code, 2);
    // polars' own words never reach the user.
    for polars_words in ["Resolved plan", "dtype", "FAILED HERE", "polars"] {
        assert!(!stderr.contains(polars_words), "{stderr}");
    }
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_date_literal_runs_without_library_noise() {
    let out = tempfile::tempdir().unwrap();
    let output = laborstat()
        .args(["run", "tests/fixtures/layouts/pipeline.toml", "--out"])
        .arg(out.path().join("dated.xlsx"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("Deprecation"), "{stderr}");
}

#[test]
fn nested_unknown_keys_list_the_keys_allowed_there() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/nested.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

#[test]
fn placeholder_mistakes_in_sql_are_reported_where_they_are_written() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/placeholders.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

#[test]
fn setting_mistakes_are_reported_where_they_are_written() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/settings.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

/// `date` on a source that filters by its `period_column` would miss the cases accepted
/// before the period and closed in it: refused, saying what to do.
#[test]
fn a_measure_date_needs_a_source_that_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = crate::common::one_township(
        dir.path(),
        "案件编号,受理日期,结案日期\n",
        "name = \"d\"\ntitle = \"t\"\nperiod = \"2024\"\noutput = \"out.xlsx\"",
        r#""结案日期" = { type = "date" }"#,
        "[measures.closed]\nsource = \"cases\"\nsql = \"count(*)\"\ndate = \"结案日期\"\n\n[[report.sheets]]\nname = \"表\"\ntitle = \"t\"\ncolumns = [{ header = [\"结案\"], value = \"closed\" }]",
    );
    let (code, _, stderr) = check(pipeline.to_str().unwrap());
    assert_eq!(code, 2);
    assert!(
        stderr.contains("只保留 `受理日期` 在本期的行；请去掉它的 `period_column`"),
        "{stderr}"
    );
}

#[test]
fn mistakes_in_windows_history_charts_and_lists_are_reported_at_their_keys() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/history.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

/// A list's SQL that cannot run says why: a duplicate column name, a function the engine
/// lacks (named), a column that does not exist (named) — not one sentence for all three.
#[test]
fn a_list_sql_mistake_names_its_cause() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "select 案件编号, 案件编号 from cases",
            "两列同名（`案件编号`）",
        ),
        (
            "select ntile(4) over (order by 案件编号) as r from cases",
            "引擎没有的函数：`ntile`",
        ),
        ("select 没有 from cases", "没有列 `没有`"),
    ];
    for (sql, cause) in cases {
        let pipeline = crate::common::one_township(
            dir.path(),
            "案件编号,受理日期\nA1,2024-03-01\n",
            crate::common::YEAR_KEYS,
            "",
            &format!(
                "{}\n\n[[report.lists]]\nname = \"清单\"\ntitle = \"t\"\nsql = \"{sql}\"",
                crate::common::ACCEPTED_TABLE
            ),
        );
        let (code, _, stderr) = check(pipeline.to_str().unwrap());
        assert_eq!(code, 2, "{sql}");
        assert!(stderr.contains(cause), "{sql}: {stderr}");
    }
}

#[test]
fn plausibility_mistakes_are_reported_at_their_keys() {
    let (code, _, stderr) = check("tests/fixtures/pipelines/plausibility.toml");
    assert_eq!(code, 2);
    insta::assert_snapshot!(stderr);
}

/// The command line's own words are Chinese too: help headings and a mistake on the command
/// line (clap would write them in English).
#[test]
fn command_line_help_and_mistakes_are_in_chinese() {
    let help = crate::common::laborstat().arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    assert!(
        !help.contains("Usage") && !help.contains("Print help"),
        "{help}"
    );
    let refused = crate::common::laborstat()
        .args(["run", "--bogus", "pipelines/annual.toml"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&refused.stderr));
    let missing = crate::common::laborstat().arg("check").output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&missing.stderr));
}
