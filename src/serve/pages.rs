//! The server's pages, in Chinese, rendered on the server (maud escapes every value); one
//! small stylesheet, no script. A township's page is its receipt: each file as read, the
//! figures its rows give, each finding at its cell. The district's page is the table of
//! townships × ledgers, the run button and the downloads.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::confirmations::State;
use super::runs::{RunProgress, Snapshot};
use crate::engine::Validated;
use finding::Severity;
use ingest::SubmissionStatus;
use pipeline::Plan;

const STYLE: &str = "
body{font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;margin:0;color:#222;background:#f5f6f8}
header{background:#1f4e79;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:18px;margin:0}
main{padding:16px 24px;max-width:1400px}
section{background:#fff;border:1px solid #d9dde3;border-radius:6px;padding:12px 16px;margin-bottom:16px}
h2{font-size:16px;margin:4px 0 12px}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #c8ccd2;padding:4px 8px;text-align:left}
th{background:#e8eef5}
td.num{text-align:right}
table.status td{white-space:nowrap}
table.status td.confirm{white-space:normal;min-width:9em}
.ok{color:#2e7d32}.bad{color:#c62828}.warn{color:#b26a00}.muted{color:#777}
.told{background:#fff8e1;border:1px solid #ffe082;padding:8px 12px;margin-bottom:12px}
form.period{margin-bottom:12px}
input[type=file]{border:2px dashed #90a4ae;padding:24px;width:420px;background:#fafbfc}
progress{width:420px;height:18px}
ol.steps li.done{color:#2e7d32}
button{background:#1f4e79;color:#fff;border:0;border-radius:4px;padding:6px 16px;cursor:pointer}
";

fn page(plan: &Plan, title: &str, token: Option<&str>, body: Markup) -> Markup {
    document(plan, title, token, false, body)
}

/// A page; `refreshing`: it reloads itself every second (a run's progress, without script).
fn document(
    plan: &Plan,
    title: &str,
    token: Option<&str>,
    refreshing: bool,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                @if refreshing { meta http-equiv="refresh" content="1"; }
                title { (title) " — " (plan.expand(&plan.title)) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { (plan.expand(&plan.title)) }
                    @if let Some(token) = token {
                        form method="post" action="/logout" {
                            input type="hidden" name="token" value=(token);
                            button type="submit" { "退出" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// The period the page is about, and a field to see another (`?period=`).
fn period_switch(plan: &Plan, action: &str) -> Markup {
    html! {
        form.period method="get" action=(action) {
            "报告期：" strong { (plan.period.label()) } " "
            input name="period" size="10" placeholder=(plan.period.to_string());
            " " button type="submit" { "查看其他报告期" }
        }
    }
}

pub fn message(title: &str, text: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head { meta charset="utf-8"; title { (title) } style { (PreEscaped(STYLE)) } }
            body { main { section { h2 { (title) } p { (text) } p { a href="/" { "返回" } } } } }
        }
    }
}

pub fn login(plan: &Plan, problem: Option<&str>) -> Markup {
    page(
        plan,
        "登录",
        None,
        html! {
            section {
                h2 { "登录" }
                @if let Some(problem) = problem { p.bad { (problem) } }
                form method="post" action="/login" {
                    p { label { "账户 " input name="account" autocomplete="username" required; } }
                    p { label { "密码 " input name="password" type="password" autocomplete="current-password" required; } }
                    button type="submit" { "登录" }
                }
                p.muted { "账户由区县用 laborstat users 命令发放。" }
            }
        },
    )
}

/// Who reads a township's receipt: the township itself (with its upload and confirm forms)
/// or the district (the same receipt, read-only, with a way back to its table).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Township,
    District,
}

/// A township's page: the upload form, then its receipt.
pub fn township(
    plan: &Plan,
    code: &str,
    validated: &Validated,
    token: &str,
    told: &[String],
    confirmed: &super::confirmations::State,
    reader: Reader,
) -> Markup {
    let data = &validated.data;
    let name = data
        .roster
        .get(code)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let files: Vec<_> = data
        .files
        .iter()
        .filter(|f| f.submitter.as_deref() == Some(code))
        .collect();
    let findings: Vec<_> = finding::in_reading_order(&data.findings)
        .into_iter()
        .filter(|f| f.submitter.as_deref() == Some(code))
        .collect();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let row = validated
        .results
        .rows
        .iter()
        .find(|r| r.code.as_deref() == Some(code));
    // The ledgers a township sends itself (not last year's report, not a district-wide list).
    let sendable: Vec<&pipeline::Source> = plan
        .sources
        .iter()
        .filter(|s| super::submissions::target_of(plan, s, code, &name, "xlsx").is_some())
        .collect();
    let title_of = |id: &str| {
        plan.source(id)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| id.to_string())
    };
    page(
        plan,
        &format!("{name} 报送"),
        Some(token),
        html! {
            @for line in told { div.told { (line) } }
            @if reader == Reader::District {
                (period_switch(plan, &format!("/district/township/{code}")))
                section {
                    h2 { (code) " " (name) "：报送与回执（区县查看）" }
                    p { a href=(format!("/district?period={}", plan.period)) { "返回报送情况" } }
                }
            } @else {
                (period_switch(plan, "/township"))
                section {
                    h2 { (code) " " (name) "：报送台账" }
                    form method="post" action="/township/upload" enctype="multipart/form-data" {
                        input type="hidden" name="token" value=(token);
                        input type="hidden" name="period" value=(plan.period.to_string());
                        p {
                            label { "台账 " select name="source" {
                                option value=(super::submissions::RECOGNISE) { "自动识别（按表头）" }
                                @for source in &sendable {
                                    option value=(source.id) { (source.title) }
                                }
                            } }
                        }
                        p { input type="file" name="file" multiple accept=".xlsx,.xlsm,.xls,.xlsb,.et,.ett,.ods,.csv,.txt,.htm,.html,.xml"; }
                        p.muted { "把文件拖到上面的框里，或点击选择；可以一次选多个台账的文件（自动识别时每个文件按表头认出是哪一个台账）。再次报送同一台账会替换之前的文件（旧文件保留为历史版本）。" }
                        button type="submit" { "报送" }
                    }
                    p { "填报模板：" @for source in &sendable {
                        a href=(format!("/township/template/{}", source.id)) { (source.title) } " "
                    } }
                }
            }
            section {
                h2 { "回执：文件是怎样读取的" }
                @if files.is_empty() { p.muted { "本期还没有收到本单位的文件。" } }
                @else {
                    table {
                        tr { th { "台账" } th { "文件" } th { "格式" } th { "工作表" } th { "表头行" }
                             th { "读入行" } th { "采用" } th { "剔除（有错误）" } th { "跳过" } th { "状态" } }
                        @for file in &files {
                            tr {
                                td { (title_of(&file.source)) }
                                td { (file.label.display().to_string()) }
                                td { (file.format.unwrap_or("")) }
                                td { (file.sheet.clone().unwrap_or_default()) }
                                td.num { (file.header_row.map(|r| r.to_string()).unwrap_or_else(|| "—".into())) }
                                td.num { (file.counts.read) }
                                td.num { (file.counts.used) }
                                td.num { (file.counts.rejected) }
                                td { (file.counts.skipped_total())
                                    @for (reason, n) in &file.counts.skipped {
                                        span.muted { "（" (reason.label()) " " (n) "）" }
                                    }
                                }
                                td { @if file.used { span.ok { "已采用" } } @else { span.bad { (file.choice.clone().unwrap_or_else(|| "未采用".into())) } } }
                            }
                        }
                    }
                }
            }
            @if let Some(row) = row {
                section {
                    h2 { "本单位的数字（按本期采用的行计算）" }
                    table {
                        tr { th { "表" } th { "指标" } th { "数值" } }
                        @for sheet in &plan.sheets {
                            @let sources = plan.sources_of(sheet.columns.iter().map(|c| c.indicator.as_str()));
                            @if sheet.categories.is_none() && row.sent_any(&sources) && !sources.is_empty() {
                                @for column in sheet.columns.iter().filter(|c| c.is_current()) {
                                    tr {
                                        td { (sheet.name) }
                                        td { (column.header.join("·")) }
                                        td.num { (figure::text(validated.results.sheet_value(plan, sheet, column, row), column.display)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !files.is_empty() {
                section {
                    h2 { "确认" }
                    @if let State::Holds(c) = confirmed {
                        p.ok { "已确认以上数据无误：" (c.name) "，" (c.time) }
                    } @else if reader == Reader::District {
                        @if let State::Lapsed(c, why) = confirmed {
                            p.warn { (c.name) "于" (c.time) "的确认已失效：" (why) "。" }
                        } @else {
                            p.muted { "尚未确认。" }
                        }
                    } @else {
                        @if let State::Lapsed(c, why) = confirmed {
                            p.warn { (c.name) "于" (c.time) "的确认已失效：" (why) "。请核对后重新确认。" }
                        }
                        form method="post" action="/township/confirm" {
                            input type="hidden" name="token" value=(token);
                            input type="hidden" name="period" value=(plan.period.to_string());
                            label { "确认人 " input name="name" required; }
                            " "
                            button type="submit" { "以上数据无误" }
                        }
                    }
                }
            }
            section {
                h2 { "问题（" (errors) " 个错误，" (findings.len() - errors) " 个警告）" }
                @if findings.is_empty() { p.ok { "没有发现问题。" } }
                @else {
                    @let feedback = match reader {
                        Reader::Township => format!("/township/feedback?period={}", plan.period),
                        Reader::District => format!("/district/feedback/{code}?period={}", plan.period),
                    };
                    p { a href=(feedback) { "下载反馈表（问题单元格已标出）" } }
                    table {
                        tr { th { "文件" } th { "单元格" } th { "列" } th { "填写的值" } th { "严重程度" } th { "说明" } }
                        @for f in &findings {
                            tr {
                                td { (f.file.display().to_string()) }
                                td { (f.cell.clone().or_else(|| f.row.map(|r| format!("第{r}行"))).unwrap_or_default()) }
                                td { (f.column.clone().unwrap_or_default()) }
                                td { (f.value.clone().unwrap_or_default()) }
                                td { @if f.severity == Severity::Error { span.bad { "错误" } } @else { span.warn { "警告" } } }
                                td { (f.message) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The district's page: every township × ledger, the run, the downloads.
pub fn district(
    plan: &Plan,
    validated: &Validated,
    token: &str,
    last_run: Option<(&RunProgress, Snapshot)>,
    confirmed: &std::collections::HashMap<String, State>,
) -> Markup {
    let data = &validated.data;
    // The ledgers every township owes (optional summaries and last year's report aside).
    let sources: Vec<_> = plan
        .sources
        .iter()
        .filter(|s| {
            validated
                .completeness
                .entries
                .iter()
                .any(|e| e.source == s.title)
        })
        .collect();
    let status = |code: &str, source: &pipeline::Source| {
        // Completeness names a ledger by its title.
        let entry = validated
            .completeness
            .entries
            .iter()
            .find(|e| e.code == code && e.source == source.title);
        let errors = data
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error && f.submitter.as_deref() == Some(code))
            .filter(|f| {
                data.files
                    .iter()
                    .any(|file| file.label == f.file && file.source == source.id)
            })
            .count();
        match entry {
            None => ("—".to_string(), "muted"),
            Some(e) if e.status == SubmissionStatus::Missing => ("未报送".to_string(), "bad"),
            Some(_) if errors > 0 => (format!("有错误（{errors}）"), "warn"),
            Some(e) if e.late.is_some() => ("迟报".to_string(), "warn"),
            Some(e) => (e.status.label().to_string(), "ok"),
        }
    };
    page(
        plan,
        "报送情况",
        Some(token),
        html! {
            @if let Some(run) = last_run {
                @if let Some((succeeded, words)) = &run.1.outcome {
                    div.told {
                        "上次运行（" (run.0.started_at) "，" (run.0.account) "，用时 " (format!("{:.1}", run.1.seconds)) " 秒）："
                        @if *succeeded { span.ok { (words) } } @else { span.bad { (words) } }
                    }
                }
            }
            (period_switch(plan, "/district"))
            section {
                h2 { "报送情况（" (plan.period.label()) "）" }
                table.status {
                    tr { th { "代码" } th { "单位" } @for s in &sources { th { (s.title) } } th { "确认" } th { "反馈表" } }
                    @for submitter in &data.roster.submitters {
                        tr {
                            td { (submitter.code) }
                            td { a href=(format!("/district/township/{}?period={}", submitter.code, plan.period)) { (submitter.name) } }
                            @for s in &sources {
                                @let (text, class) = status(&submitter.code, s);
                                td class=(class) { (text) }
                            }
                            td.confirm { @match confirmed.get(&submitter.code) {
                                Some(State::Holds(c)) => span.ok { "已确认（" (c.name) " " (c.time) "）" },
                                Some(State::Lapsed(c, why)) => span.warn { "确认已失效（" (c.name) " " (c.time) "；" (why) "）" },
                                _ => span.muted { "未确认" },
                            } }
                            td { a href=(format!("/district/feedback/{}?period={}", submitter.code, plan.period)) { "下载" } }
                        }
                    }
                }
            }
            section {
                h2 { "报表" }
                form method="post" action="/district/run" {
                    input type="hidden" name="token" value=(token);
                    input type="hidden" name="period" value=(plan.period.to_string());
                    button type="submit" { "运行报表" }
                    span.muted { "（读入全部文件、计算、存入存储并写出报表；运行期间新报送的文件排队等待）" }
                }
                p {
                    a href=(format!("/district/queries?period={}", plan.period)) { "常用查询" } " · "
                    a href=(format!("/district/download/report?period={}", plan.period)) { "下载报表" } " · "
                    a href=(format!("/district/download/findings?period={}", plan.period)) { "下载问题清单" }
                }
            }
        },
    )
}

/// A run's progress: files read of files found, each step, and when it has ended, how;
/// reloads itself while the run goes.
pub fn run_progress(plan: &Plan, token: &str, run: Option<(&RunProgress, Snapshot)>) -> Markup {
    let running = run.as_ref().is_some_and(|(_, now)| now.outcome.is_none());
    document(
        plan,
        "运行报表",
        Some(token),
        running,
        html! {
            section {
                h2 { "运行报表（" (plan.period.label()) "）" }
                @match &run {
                    None => p { "本报告期还没有从网页运行过报表。" },
                    Some((run, now)) => {
                        p { (run.account) " 于 " (run.started_at) " 开始运行，已用 " (format!("{:.1}", now.seconds)) " 秒。" }
                        p {
                            "读取文件：" (now.files_read) " / " (now.files_found) " "
                            progress max=(now.files_found.max(1)) value=(now.files_read) {}
                        }
                        ol.steps {
                            @for (words, done) in &now.steps {
                                @if *done { li.done { (words) " ✓" } } @else { li { (words) } }
                            }
                        }
                        @match &now.outcome {
                            None => p.muted { "正在运行，本页每秒自动刷新。运行期间报送的文件排队等待。" },
                            Some((true, words)) => p.ok { (words) },
                            Some((false, words)) => p.bad { (words) },
                        }
                    }
                }
                p {
                    a href=(format!("/district?period={}", plan.period)) { "返回报送情况" } " · "
                    a href=(format!("/district/download/report?period={}", plan.period)) { "下载报表" } " · "
                    a href=(format!("/district/download/findings?period={}", plan.period)) { "下载问题清单" }
                }
            }
        },
    )
}

/// The page of saved queries: each by name; the one asked for answered as a table.
pub fn queries(
    plan: &Plan,
    token: &str,
    answered: Option<&(usize, Result<polars::prelude::DataFrame, String>)>,
) -> Markup {
    const SHOWN_ROWS: usize = 500;
    page(
        plan,
        "常用查询",
        Some(token),
        html! {
            (period_switch(plan, "/district/queries"))
            section {
                h2 { "常用查询（" (plan.period.label()) "）" }
                @if plan.queries.is_empty() { p.muted { "流水线文件中没有 [[queries]]。" } }
                ul {
                    @for (i, q) in plan.queries.iter().enumerate() {
                        li {
                            a href=(format!("/district/queries?q={i}&period={}", plan.period)) { (q.name) }
                            @if let Some(note) = &q.note { span.muted { "（" (note) "）" } }
                        }
                    }
                }
                p { a href=(format!("/district?period={}", plan.period)) { "返回报送情况" } }
            }
            @if let Some((index, result)) = answered {
                section {
                    h2 { (plan.queries.get(*index).map(|q| q.name.as_str()).unwrap_or("")) }
                    @match result {
                        Err(why) => p.bad { (why) },
                        Ok(frame) => {
                            p { (frame.height()) " 行 · "
                                a href=(format!("/district/queries/{index}/download?period={}", plan.period)) { "下载 Excel" } }
                            table {
                                tr { @for name in frame.get_column_names() { th { (name.as_str()) } } }
                                @for row in 0..frame.height().min(SHOWN_ROWS) {
                                    tr { @for column in frame.columns() {
                                        td { (cell_text(column, row)) }
                                    } }
                                }
                            }
                            @if frame.height() > SHOWN_ROWS { p.muted { "只显示前 " (SHOWN_ROWS) " 行；全部请下载。" } }
                        }
                    }
                }
            }
        },
    )
}

/// One cell of an answer as text: empty for null, strings without quotes.
fn cell_text(column: &polars::prelude::Column, row: usize) -> String {
    use polars::prelude::AnyValue;
    match column.get(row) {
        Ok(AnyValue::Null) | Err(_) => String::new(),
        Ok(AnyValue::String(s)) => s.to_string(),
        Ok(AnyValue::StringOwned(s)) => s.to_string(),
        Ok(other) => other.to_string(),
    }
}
