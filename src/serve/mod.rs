//! `laborstat serve PIPELINE`: a local web application on the same engine, data folder and
//! store as the CLI. A township signs in, sends its ledgers and sees at once how each was
//! read (format, sheet, header row, rows read = used + rejected + skipped, the figures its
//! rows give, every finding at its cell) and downloads its feedback workbook; the district
//! sees every township × ledger, runs the report and downloads it. A file sent here is a file
//! the CLI reads, and the other way round.
//!
//! Security: accounts from `laborstat users` (Argon2id hashes, `accounts.rs`), sessions
//! (kept by their token's hash, checked against the account on every request) and one-time
//! form tokens (`sessions.rs`), a township's requests always about its own code (no
//! code is ever taken from a URL or form for a township), uploads bounded by `[limits]`
//! before they are stored (`submissions.rs`), every action in an append-only log
//! (`audit.rs`). Engine jobs (validations, runs) go one at a time through one queue, so an
//! upload never lands in the middle of a run.

// A refusal is the handler's own response, built once per request and returned at once:
// boxing it would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod accounts;
mod audit;
mod confirmations;
mod pages;
mod runs;
mod sessions;
mod submissions;
mod validations;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Form, Multipart, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use accounts::{Accounts, Role};
use audit::Audit;
use pipeline::Plan;
use sessions::{Session, Sessions, COOKIE};

/// Where the server keeps its own files: `<output folder>/serve/` (accounts, audit log,
/// earlier versions of files sent, uploads being checked).
pub fn serve_dir(plan: &Plan) -> PathBuf {
    plan.output
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
        .join("serve")
}

struct Server {
    /// The pipeline as loaded: its own period.
    plan: Plan,
    /// The pipeline compiled for other periods a page asked for (`?period=2024-10`).
    other_periods: std::sync::Mutex<std::collections::HashMap<String, Arc<Plan>>>,
    dir: PathBuf,
    sessions: Sessions,
    audit: Audit,
    /// One engine job at a time (a validation for a receipt, a run).
    jobs: tokio::sync::Mutex<()>,
    /// Each period's last validation, reused while its inputs are unchanged.
    validations: validations::Validations,
    /// The latest report run started from the page (running or ended).
    last_run: std::sync::Mutex<Option<Arc<runs::RunProgress>>>,
    /// Failed sign-ins per account name: (count, first failure), to stop password guessing.
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, std::time::Instant)>>,
}

/// Failed sign-ins of one account name allowed within [`LOCKOUT`] before it is refused.
const FAILURES_ALLOWED: u32 = 5;
const LOCKOUT: std::time::Duration = std::time::Duration::from_secs(10 * 60);

type Shared = Arc<Server>;

/// Serves until the process is stopped; `ready` hears the address bound (port 0: any free).
pub async fn serve(
    plan: Plan,
    listen: SocketAddr,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<()> {
    let dir = serve_dir(&plan);
    std::fs::create_dir_all(&dir)?;
    // Several files in one request, each within the pipeline's bound.
    let body_limit = (plan.limits.file_bytes as usize)
        .saturating_mul(8)
        .saturating_add(1 << 20);
    let sessions = Sessions::open(&dir);
    let server = Arc::new(Server {
        audit: Audit::new(&dir),
        dir,
        plan,
        other_periods: Default::default(),
        failures: Default::default(),
        sessions,
        jobs: tokio::sync::Mutex::new(()),
        last_run: Default::default(),
        validations: Default::default(),
    });
    let app = Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/township", get(township_page))
        .route("/township/upload", post(upload))
        .route("/township/feedback", get(township_feedback))
        .route("/township/confirm", post(township_confirm))
        .route("/township/template/{source}", get(township_template))
        .route("/district", get(district_page))
        .route("/district/run", get(district_run_page).post(district_run))
        .route("/district/download/{what}", get(district_download))
        .route("/district/feedback/{code}", get(district_feedback))
        .route("/district/township/{code}", get(district_township))
        .route("/district/queries", get(district_queries))
        .route(
            "/district/queries/{index}/download",
            get(district_query_download),
        )
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(server);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    ready(listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// Which period a page is about: `?period=` (or a form's `period`), else the pipeline's.
#[derive(Deserialize, Default)]
struct PeriodQuery {
    period: Option<String>,
}

impl Server {
    fn last_run(&self) -> Option<Arc<runs::RunProgress>> {
        self.last_run
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// While a run goes the files cannot be read again (it holds the one engine): a
    /// district page shows the run's progress instead.
    fn progress_while_running(&self) -> Option<Response> {
        let run = self.last_run().filter(|r| r.is_running())?;
        Some(Redirect::to(&format!("/district/run?period={}", run.period)).into_response())
    }

    /// [`Server::plan_for`], a period that is none refused with its reason.
    fn plan_or_refuse(&self, period: Option<&str>) -> Result<Arc<Plan>, Response> {
        self.plan_for(period)
            .map_err(|why| refused(StatusCode::BAD_REQUEST, &why))
    }

    /// The pipeline compiled for `period` (its own when none is asked for); `Err` says in
    /// words why a period asked for is none.
    fn plan_for(&self, period: Option<&str>) -> Result<Arc<Plan>, String> {
        let asked = period.map(str::trim).filter(|p| !p.is_empty());
        let Some(asked) = asked.filter(|p| *p != self.plan.period.to_string()) else {
            return Ok(Arc::new(self.plan.clone()));
        };
        let mut cache = self.other_periods.lock().expect("plans");
        if let Some(plan) = cache.get(asked) {
            return Ok(plan.clone());
        }
        let overrides = pipeline::Overrides {
            period: Some(asked.to_string()),
            ..self.plan.overrides.clone()
        };
        let plan = self.plan.recompile(&overrides).map_err(|_| {
            format!("“{asked}”不是一个报告期：请写成 2024、2024H1、2024Q3 或 2024-11")
        })?;
        let plan = Arc::new(plan);
        cache.insert(asked.to_string(), plan.clone());
        Ok(plan)
    }
}

/// The value of a `Result<T, Response>`, or the refusal returned from the handler.
macro_rules! or_refuse {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

/// A township's request: (cookie token, session, its roster code); else sign-in, or
/// `refusal` for a district session.
fn township_caller(
    server: &Server,
    headers: &HeaderMap,
    refusal: &str,
) -> Result<(String, Session, String), Response> {
    let (cookie, session) = session_of(server, headers).ok_or_else(sign_in_first)?;
    match township_of(&session).map(str::to_string) {
        Some(code) => Ok((cookie, session, code)),
        None => Err(refused(StatusCode::FORBIDDEN, refusal)),
    }
}

/// The district's request: (cookie token, session); else sign-in, or `refusal` for a
/// township session.
fn district_caller(
    server: &Server,
    headers: &HeaderMap,
    refusal: &str,
) -> Result<(String, Session), Response> {
    let (cookie, session) = session_of(server, headers).ok_or_else(sign_in_first)?;
    match session.role {
        Role::District => Ok((cookie, session)),
        Role::Township { .. } => Err(refused(StatusCode::FORBIDDEN, refusal)),
    }
}

/// The session of the request's cookie: (cookie token, session).
fn session_of(server: &Server, headers: &HeaderMap) -> Option<(String, Session)> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    let token = cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())?;
    // The account as it is now: removed, or given another role or password, ends it.
    let accounts = Accounts::load(&server.dir).ok()?;
    let session = server.sessions.get(&token, |s| {
        accounts.holds(&s.account, &s.role, &s.credential)
    })?;
    Some((token, session))
}

fn refused(status: StatusCode, message: &str) -> Response {
    (
        status,
        Html(pages::message("无法完成", message).into_string()),
    )
        .into_response()
}

fn sign_in_first() -> Response {
    Redirect::to("/login").into_response()
}

/// The township of a session (`None`: not a township's session).
fn township_of(session: &Session) -> Option<&str> {
    match &session.role {
        Role::Township { code } => Some(code),
        Role::District => None,
    }
}

fn roster_name(plan: &Plan, code: &str) -> String {
    ingest::roster::Roster::load(&plan.roster, &plan.period)
        .ok()
        .and_then(|r| r.get(code).map(|s| s.name.clone()))
        .unwrap_or_default()
}

async fn home(State(server): State<Shared>, headers: HeaderMap) -> Response {
    match session_of(&server, &headers) {
        Some((_, s)) if township_of(&s).is_some() => Redirect::to("/township").into_response(),
        Some(_) => Redirect::to("/district").into_response(),
        None => sign_in_first(),
    }
}

async fn login_page(State(server): State<Shared>) -> Html<String> {
    Html(pages::login(&server.plan, None).into_string())
}

#[derive(Deserialize)]
struct LoginForm {
    account: String,
    password: String,
}

async fn login(State(server): State<Shared>, Form(form): Form<LoginForm>) -> Response {
    let locked = {
        let mut failures = server.failures.lock().expect("failures");
        failures.retain(|_, (_, first)| first.elapsed() < LOCKOUT);
        failures
            .get(&form.account)
            .is_some_and(|(n, _)| *n >= FAILURES_ALLOWED)
    };
    if locked {
        server
            .audit
            .record(&form.account, "登录被拒（尝试过多）", "");
        let page = pages::login(
            &server.plan,
            Some("这个账户密码错误的次数过多，请 10 分钟后再试"),
        );
        return (StatusCode::TOO_MANY_REQUESTS, Html(page.into_string())).into_response();
    }
    let accounts = match Accounts::load(&server.dir) {
        Ok(accounts) => accounts,
        Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    };
    let checked = {
        let (name, password) = (form.account.clone(), form.password.clone());
        tokio::task::spawn_blocking(move || {
            accounts
                .verify(&name, &password)
                .map(|a| (a.role.clone(), a.credential().to_string()))
        })
        .await
        .ok()
        .flatten()
    };
    let Some((role, credential)) = checked else {
        server
            .failures
            .lock()
            .expect("failures")
            .entry(form.account.clone())
            .or_insert((0, std::time::Instant::now()))
            .0 += 1;
        server.audit.record(&form.account, "登录失败", "");
        let page = pages::login(&server.plan, Some("账户或密码不对"));
        return (StatusCode::UNAUTHORIZED, Html(page.into_string())).into_response();
    };
    let token = server.sessions.start(&form.account, role, &credential);
    server.audit.record(&form.account, "登录", "");
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
    period: Option<String>,
}

async fn logout(
    State(server): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let Some((cookie, session)) = session_of(&server, &headers) else {
        return sign_in_first();
    };
    if !server.sessions.take_form_token(&cookie, &form.token) {
        return forged();
    }
    server.sessions.end(&cookie);
    server.audit.record(&session.account, "退出", "");
    Redirect::to("/login").into_response()
}

fn forged() -> Response {
    refused(
        StatusCode::FORBIDDEN,
        "这个请求没有本页面发出的有效令牌（可能来自其他网站，或是重复提交）；请回到页面重新操作",
    )
}

/// The period's files read and validated (one job at a time): what every page shows. The
/// last validation is reused while nothing it read has changed (`validations.rs`).
async fn validated(
    server: &Shared,
    plan: &Arc<Plan>,
) -> anyhow::Result<Arc<crate::engine::Validated>> {
    let _job = server.jobs.lock().await;
    let plan = plan.clone();
    let background = server.clone();
    tokio::task::spawn_blocking(move || validated_now(&background, &plan)).await?
}

/// [`validated`]'s work, for a caller that already holds the engine (`jobs`).
fn validated_now(server: &Server, plan: &Plan) -> anyhow::Result<Arc<crate::engine::Validated>> {
    let inputs = validations::fingerprint(plan);
    if let Some(kept) = server.validations.get(plan, &inputs) {
        return Ok(kept);
    }
    let (validated, _) = crate::engine::validate(plan, &crate::engine::Quiet)?;
    let validated = Arc::new(validated);
    server.validations.keep(plan, inputs, validated.clone());
    Ok(validated)
}

async fn township_page(
    State(server): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (cookie, _, code) = or_refuse!(township_caller(
        &server,
        &headers,
        "这是街道乡镇的页面；区县账户请到“报送情况”页面"
    ));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    receipt(&server, &plan, &cookie, &code, &[], pages::Reader::Township).await
}

async fn upload(
    State(server): State<Shared>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let (cookie, session, code) = or_refuse!(township_caller(
        &server,
        &headers,
        "只有街道乡镇的账户可以报送文件"
    ));
    let mut token = None;
    let mut period = None;
    let mut source_id = None;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                return refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "发送的内容超过了上限或不完整；请一次少发几个文件，或检查文件大小",
                )
            }
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(str::to_string);
        let Ok(bytes) = field.bytes().await else {
            return refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "发送的内容超过了上限或不完整；请一次少发几个文件，或检查文件大小",
            );
        };
        match name.as_str() {
            "token" => token = Some(String::from_utf8_lossy(&bytes).to_string()),
            "source" => source_id = Some(String::from_utf8_lossy(&bytes).to_string()),
            "period" => period = Some(String::from_utf8_lossy(&bytes).to_string()),
            "file" if !bytes.is_empty() => {
                files.push((file_name.unwrap_or_default(), bytes.to_vec()))
            }
            _ => {}
        }
    }
    if !token.is_some_and(|t| server.sessions.take_form_token(&cookie, &t)) {
        return forged();
    }
    let plan = or_refuse!(server.plan_or_refuse(period.as_deref()));
    // A ledger chosen, or each file's ledger recognised by its header.
    let chosen = match source_id.as_deref() {
        Some(submissions::RECOGNISE) => None,
        id => match id.and_then(|id| plan.sources.iter().find(|s| s.id == id)) {
            Some(source) => Some(source),
            None => return refused(StatusCode::BAD_REQUEST, "请选择报送的是哪一个台账"),
        },
    };
    if files.is_empty() {
        return refused(
            StatusCode::BAD_REQUEST,
            "没有收到文件；请选择或拖入要报送的文件",
        );
    }
    let name = roster_name(&plan, &code);
    let mut told = Vec::new();
    {
        let _job = server.jobs.lock().await;
        for (sent_name, bytes) in &files {
            let Some(extension) = submissions::extension_of(sent_name) else {
                told.push(format!(
                    "“{sent_name}”未保存：只接收 {} 文件",
                    submissions::EXTENSIONS.join("、")
                ));
                continue;
            };
            if bytes.len() as u64 > plan.limits.file_bytes {
                told.push(format!(
                    "“{sent_name}”未保存：文件超过流水线 [limits] 规定的大小上限"
                ));
                continue;
            }
            let source = match chosen {
                Some(source) => source,
                None => match submissions::recognise(
                    &plan,
                    &server.dir,
                    &code,
                    &name,
                    &extension,
                    bytes,
                ) {
                    Ok((source, how)) => {
                        told.push(format!("“{sent_name}”{how}"));
                        source
                    }
                    Err(why) => {
                        told.push(format!("“{sent_name}”未保存：{why}"));
                        continue;
                    }
                },
            };
            let stored = submissions::store_upload(
                &plan,
                &server.dir,
                source,
                &code,
                &name,
                &extension,
                bytes,
            );
            match stored {
                Ok(Ok(stored)) => {
                    let store = confirmations::store_of(&plan, &server.dir);
                    if let Ok(true) = store.void_confirmation(&plan.period, &code) {
                        told.push(
                            "之前的“以上数据无误”确认已作废：文件有了变化，请核对后重新确认".into(),
                        );
                    }
                    let replaced = stored
                        .replaced
                        .as_ref()
                        .map(|p| format!("；原来的文件已保留为 {}", p.display()))
                        .unwrap_or_default();
                    server.audit.record(
                        &session.account,
                        "报送",
                        &format!(
                            "{} {} → {}{replaced}",
                            source.id,
                            sent_name,
                            stored.path.display()
                        ),
                    );
                    told.push(format!(
                        "“{sent_name}”已保存为{}的文件{}",
                        source.title,
                        match stored.replaced {
                            Some(_) => "（替换了之前报送的文件，旧文件作为历史版本保留）",
                            None => "",
                        }
                    ));
                }
                Ok(Err(why)) => {
                    server.audit.record(
                        &session.account,
                        "报送被拒",
                        &format!("{sent_name}: {why}"),
                    );
                    told.push(format!("“{sent_name}”未保存：{why}"));
                }
                Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
            }
        }
    }
    receipt(
        &server,
        &plan,
        &cookie,
        &code,
        &told,
        pages::Reader::Township,
    )
    .await
}

/// A township's page — its receipt of the period as validated now — for `reader`, with what
/// an upload just did (`told`).
async fn receipt(
    server: &Shared,
    plan: &Arc<Plan>,
    cookie: &str,
    code: &str,
    told: &[String],
    reader: pages::Reader,
) -> Response {
    match validated(server, plan).await {
        Ok(validated) => {
            let token = server.sessions.form_token(cookie);
            let confirmed = confirmation_of(server, plan, &validated, code);
            let page = pages::township(plan, code, &validated, &token, told, &confirmed, reader);
            Html(page.into_string()).into_response()
        }
        Err(e) => refused(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    }
}

/// The township's confirmation against its files now (none when it cannot be read: the
/// page then offers to confirm again).
fn confirmation_of(
    server: &Server,
    plan: &Plan,
    validated: &crate::engine::Validated,
    code: &str,
) -> confirmations::State {
    confirmations::Period::load(plan, &server.dir)
        .and_then(|period| period.state(plan, &validated.data, code))
        .unwrap_or(confirmations::State::None)
}

#[derive(Deserialize)]
struct ConfirmForm {
    token: String,
    name: String,
    period: Option<String>,
}

/// "以上数据无误": the clerk's name and the time, for the period's files as they are now.
async fn township_confirm(
    State(server): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let (cookie, session, code) = or_refuse!(township_caller(
        &server,
        &headers,
        "只有街道乡镇的账户可以确认本单位的数据"
    ));
    if !server.sessions.take_form_token(&cookie, &form.token) {
        return forged();
    }
    let name = form.name.trim();
    if name.is_empty() {
        return refused(StatusCode::BAD_REQUEST, "请填写确认人的姓名");
    }
    let plan = or_refuse!(server.plan_or_refuse(form.period.as_deref()));
    // What is confirmed is the files as read now, by their hashes; no upload or run in
    // between.
    let recorded = {
        let _job = server.jobs.lock().await;
        let plan = plan.clone();
        let background = server.clone();
        let (dir, account, name, code) = (
            server.dir.clone(),
            session.account.clone(),
            name.to_string(),
            code.clone(),
        );
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let validated = validated_now(&background, &plan)?;
            let files = confirmations::files_now(&plan, &validated.data, &code)?;
            if files.is_empty() {
                anyhow::bail!("本期还没有报送文件，没有可以确认的数据");
            }
            let confirmation = store::Confirmation {
                name,
                account,
                time: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
                files,
            };
            confirmations::store_of(&plan, &dir).confirm(&plan.period, &code, confirmation)?;
            Ok(())
        })
        .await
    };
    match recorded {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return refused(StatusCode::CONFLICT, &format!("{e:#}")),
        Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
    let period = plan.period.to_string();
    server.audit.record(
        &session.account,
        "确认数据无误",
        &format!("{code} {period} {name}"),
    );
    Redirect::to(&format!("/township?period={period}")).into_response()
}

fn xlsx_download(path: &Path, name: &str) -> Response {
    match std::fs::read(path) {
        Ok(bytes) => {
            let disposition = format!(
                "attachment; filename=\"download.xlsx\"; filename*=UTF-8''{}",
                percent_encode(name)
            );
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Err(_) => refused(StatusCode::NOT_FOUND, "还没有这个文件（先报送或运行一次）"),
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn township_feedback(
    State(server): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (_, session, code) = or_refuse!(township_caller(&server, &headers, "这是街道乡镇的下载"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    let name = roster_name(&plan, &code);
    let path = report::findings::feedback_path(&plan, &code, &name);
    server.audit.record(&session.account, "下载反馈表", &code);
    xlsx_download(&path, &format!("{code}-{name}-反馈表.xlsx"))
}

async fn township_template(
    State(server): State<Shared>,
    headers: HeaderMap,
    UrlPath(source_id): UrlPath<String>,
) -> Response {
    let (_, session, code) = or_refuse!(township_caller(&server, &headers, "这是街道乡镇的下载"));
    let plan = &server.plan;
    let Some(source) = plan.sources.iter().find(|s| s.id == source_id) else {
        return refused(StatusCode::NOT_FOUND, "流水线中没有这个台账");
    };
    let roster = match ingest::roster::Roster::load(&plan.roster, &plan.period) {
        Ok(roster) => roster,
        Err(e) => return refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    let Some(submitter) = roster.get(&code) else {
        return refused(StatusCode::NOT_FOUND, "名单中没有本单位");
    };
    let path = server
        .dir
        .join("incoming")
        .join(format!("{}.xlsx", sessions::random_token()));
    let _ = std::fs::create_dir_all(server.dir.join("incoming"));
    let written = report::template::write_template(
        plan,
        source,
        &report::template::TemplateFor {
            code: Some(&submitter.code),
            name: Some(&submitter.name),
        },
        &path,
    );
    if let Err(e) = written {
        return refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    server
        .audit
        .record(&session.account, "下载模板", &source.id);
    let response = xlsx_download(
        &path,
        &format!("{code}-{}-{}模板.xlsx", submitter.name, source.title),
    );
    let _ = std::fs::remove_file(&path);
    response
}

async fn district_page(
    State(server): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (cookie, _) = or_refuse!(district_caller(&server, &headers, "这是区县的页面"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    if let Some(progress) = server.progress_while_running() {
        return progress;
    }
    match validated(&server, &plan).await {
        Ok(validated) => {
            let token = server.sessions.form_token(&cookie);
            let confirmed = district_confirmations(&server, &plan, &validated);
            let last_run = server
                .last_run()
                .filter(|r| r.period == plan.period.to_string());
            let last_run = last_run.as_deref().map(|r| (r, r.snapshot()));
            let page = pages::district(&plan, &validated, &token, last_run, &confirmed);
            Html(page.into_string()).into_response()
        }
        Err(e) => refused(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e:#}")),
    }
}

/// Every township's confirmation state, by code, for the district's table.
fn district_confirmations(
    server: &Server,
    plan: &Plan,
    validated: &crate::engine::Validated,
) -> std::collections::HashMap<String, confirmations::State> {
    let period = confirmations::Period::load(plan, &server.dir).ok();
    validated
        .data
        .roster
        .submitters
        .iter()
        .map(|s| {
            let state = period
                .as_ref()
                .and_then(|p| p.state(plan, &validated.data, &s.code).ok())
                .unwrap_or(confirmations::State::None);
            (s.code.clone(), state)
        })
        .collect()
}

/// Starts the report run in the background and shows its progress; a run already going
/// is shown instead of starting another.
async fn district_run(
    State(server): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let (cookie, session) = or_refuse!(district_caller(
        &server,
        &headers,
        "只有区县的账户可以运行报表"
    ));
    if !server.sessions.take_form_token(&cookie, &form.token) {
        return forged();
    }
    let plan = or_refuse!(server.plan_or_refuse(form.period.as_deref()));
    let progress = {
        let mut last = server.last_run.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(running) = last.as_ref().filter(|r| r.is_running()) {
            return Redirect::to(&format!("/district/run?period={}", running.period))
                .into_response();
        }
        let progress = Arc::new(runs::RunProgress::new(
            &plan.period.to_string(),
            &session.account,
        ));
        *last = Some(progress.clone());
        progress
    };
    server
        .audit
        .record(&session.account, "开始运行报表", &plan.period.to_string());
    let background = server.clone();
    let period = plan.period.to_string();
    tokio::spawn(async move {
        let ran = {
            let _job = background.jobs.lock().await;
            let observer = progress.clone();
            tokio::task::spawn_blocking(move || {
                crate::engine::run(&plan, observer.as_ref()).map(|out| {
                    // What the district reads with the outcome: the findings, who is missing.
                    let errors = out
                        .data
                        .findings
                        .iter()
                        .filter(|f| f.severity == finding::Severity::Error)
                        .count();
                    let warnings = out.data.findings.len() - errors;
                    let mut missing: Vec<&str> = out
                        .completeness
                        .entries
                        .iter()
                        .filter(|e| e.status == ingest::SubmissionStatus::Missing)
                        .map(|e| e.name.as_str())
                        .collect();
                    missing.sort();
                    missing.dedup();
                    let missing = match missing.len() {
                        0 => "各单位均已报送".to_string(),
                        n => format!("{n} 个单位有台账未报送"),
                    };
                    (
                        out.report,
                        format!("问题 {errors} 个错误、{warnings} 个警告（见问题清单）；{missing}"),
                    )
                })
            })
            .await
        };
        let (succeeded, words) = match ran {
            Ok(Ok((report, told))) => {
                background.audit.record(
                    &progress.account,
                    "运行报表",
                    &report.display().to_string(),
                );
                let name = report.file_name().map(|n| n.to_string_lossy().into_owned());
                (
                    true,
                    format!("报表已生成：{}。{told}", name.unwrap_or_default()),
                )
            }
            Ok(Err(e)) => (false, format!("运行没有完成：{e:#}")),
            Err(e) => (false, format!("运行没有完成：{e}")),
        };
        if !succeeded {
            background
                .audit
                .record(&progress.account, "运行报表失败", &words);
        }
        progress.finish(succeeded, words);
    });
    Redirect::to(&format!("/district/run?period={period}")).into_response()
}

/// The progress of the period's latest run from the page (reloading while it goes).
async fn district_run_page(
    State(server): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (cookie, _) = or_refuse!(district_caller(&server, &headers, "这是区县的页面"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    let run = server
        .last_run()
        .filter(|r| r.period == plan.period.to_string());
    let token = server.sessions.form_token(&cookie);
    let shown = run.as_deref().map(|r| (r, r.snapshot()));
    Html(pages::run_progress(&plan, &token, shown).into_string()).into_response()
}

async fn district_download(
    State(server): State<Shared>,
    headers: HeaderMap,
    UrlPath(what): UrlPath<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (_, session) = or_refuse!(district_caller(&server, &headers, "只有区县的账户可以下载"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    let (path, name) = match what.as_str() {
        "report" => (
            plan.output.clone(),
            plan.output
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
        ),
        "findings" => {
            let path = report::findings::findings_path(&plan);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            (path, name)
        }
        _ => return refused(StatusCode::NOT_FOUND, "没有这个下载"),
    };
    server.audit.record(&session.account, "下载", &what);
    xlsx_download(&path, &name)
}

/// A township's receipt as the district reads it: the same page, without its forms.
async fn district_township(
    State(server): State<Shared>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (cookie, session) = or_refuse!(district_caller(&server, &headers, "这是区县的页面"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    if let Some(progress) = server.progress_while_running() {
        return progress;
    }
    if roster_name(&plan, &code).is_empty() {
        return refused(StatusCode::NOT_FOUND, "名单中没有这个单位");
    }
    server.audit.record(&session.account, "查看回执", &code);
    receipt(&server, &plan, &cookie, &code, &[], pages::Reader::District).await
}

async fn district_feedback(
    State(server): State<Shared>,
    headers: HeaderMap,
    UrlPath(code): UrlPath<String>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (_, session) = or_refuse!(district_caller(
        &server,
        &headers,
        "只有区县的账户可以下载各单位的反馈表"
    ));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    // The code is looked up in the roster, never used as a path as it is.
    let name = roster_name(&plan, &code);
    if name.is_empty() {
        return refused(StatusCode::NOT_FOUND, "名单中没有这个单位");
    }
    let path = report::findings::feedback_path(&plan, &code, &name);
    server.audit.record(&session.account, "下载反馈表", &code);
    xlsx_download(&path, &format!("{code}-{name}-反馈表.xlsx"))
}

#[derive(Deserialize, Default)]
struct QueryPage {
    period: Option<String>,
    /// The saved query to answer (its place in the pipeline's list).
    q: Option<usize>,
}

/// A saved query's answer over the store's period: the frame, or why there is none.
fn answer(plan: &Plan, index: usize) -> Result<polars::prelude::DataFrame, String> {
    let query = plan.queries.get(index).ok_or("流水线中没有这个查询")?;
    let store = plan
        .store
        .as_ref()
        .map(|dir| store::Store::new(dir, &plan.name))
        .ok_or("本流水线不用存储（--no-store），查询没有数据可读")?;
    let wanted = query::Periods::Some(vec![plan.period]);
    let periods = query::stored_periods(plan, &store, &wanted).map_err(|e| e.to_string())?;
    if periods.is_empty() {
        return Err(format!("存储中还没有{}：先运行报表", plan.period.label()));
    }
    let roster = ingest::roster::Roster::load(&plan.roster, &plan.period)?;
    let names = |code: &str| roster.get(code).map(|s| s.name.clone());
    let catalog =
        query::Catalog::from_store(plan, &store, &periods, &names).map_err(|e| e.to_string())?;
    catalog
        .run(&query.sql)
        .map(|a| a.frame)
        .map_err(|mistake| mistake.to_string())
}

/// The page of saved queries (`[[queries]]`): each by name; the one asked for answered as a
/// table, with a download.
async fn district_queries(
    State(server): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<QueryPage>,
) -> Response {
    let (cookie, session) = or_refuse!(district_caller(&server, &headers, "这是区县的页面"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    let answered = match query.q {
        Some(index) => {
            let _job = server.jobs.lock().await;
            let asked = plan.clone();
            let result = tokio::task::spawn_blocking(move || answer(&asked, index))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            server.audit.record(
                &session.account,
                "查询",
                &format!("{index} {}", plan.period),
            );
            Some((index, result))
        }
        None => None,
    };
    let token = server.sessions.form_token(&cookie);
    Html(pages::queries(&plan, &token, answered.as_ref()).into_string()).into_response()
}

async fn district_query_download(
    State(server): State<Shared>,
    headers: HeaderMap,
    UrlPath(index): UrlPath<usize>,
    Query(query): Query<PeriodQuery>,
) -> Response {
    let (_, session) = or_refuse!(district_caller(&server, &headers, "只有区县的账户可以下载"));
    let plan = or_refuse!(server.plan_or_refuse(query.period.as_deref()));
    let asked = plan.clone();
    let result = {
        let _job = server.jobs.lock().await;
        tokio::task::spawn_blocking(move || answer(&asked, index))
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
    };
    let mut frame = match result {
        Ok(frame) => frame,
        Err(why) => return refused(StatusCode::BAD_REQUEST, &why),
    };
    let path = server
        .dir
        .join("incoming")
        .join(format!("{}.xlsx", sessions::random_token()));
    let _ = std::fs::create_dir_all(server.dir.join("incoming"));
    if let Err(e) = query::output::save(&mut frame, &path) {
        return refused(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string());
    }
    server
        .audit
        .record(&session.account, "下载查询结果", &index.to_string());
    let name = plan
        .queries
        .get(index)
        .map(|q| q.name.clone())
        .unwrap_or_default();
    let response = xlsx_download(&path, &format!("{name}-{}.xlsx", plan.period));
    let _ = std::fs::remove_file(&path);
    response
}
