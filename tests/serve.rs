//! `laborstat serve` over HTTP, on a random loopback port: a township's upload and its
//! receipt against figures the test computes, a resubmission kept as a version, what a
//! township cannot reach by any URL, forged and replayed requests, a zip bomb, and 50
//! townships uploading at once. The client is a few lines of HTTP/1.1 over a TCP socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_laborstat"))
}

fn start(pipeline: &Path) -> Server {
    let mut child = Command::new(binary())
        .arg("serve")
        .arg(pipeline)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, address }
}

struct Reply {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The one-time form token of the page.
    fn token(&self) -> String {
        let text = self.text();
        let at = text.find("name=\"token\" value=\"").expect("a form token") + 20;
        text[at..at + 64].to_string()
    }
}

fn request(
    server: &Server,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> Reply {
    let mut stream = TcpStream::connect(&server.address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        server.address
    );
    if let Some(cookie) = cookie {
        head.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if let Some((kind, bytes)) = body {
        head.push_str(&format!(
            "Content-Type: {kind}\r\nContent-Length: {}\r\n",
            bytes.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    if let Some((_, bytes)) = body {
        // A refused upload may close the connection before the whole body is read.
        let _ = stream.write_all(bytes);
    }
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers[9..12].parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn unchunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").unwrap();
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

fn get(server: &Server, path: &str, cookie: &str) -> Reply {
    request(server, "GET", path, Some(cookie), None)
}

fn login(server: &Server, account: &str, password: &str) -> String {
    let body = format!("account={account}&password={password}");
    let reply = request(
        server,
        "POST",
        "/login",
        None,
        Some(("application/x-www-form-urlencoded", body.as_bytes())),
    );
    assert_eq!(reply.status, 303, "{}", reply.text());
    let cookie = reply
        .headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("a session cookie");
    let value = cookie.split_once(':').unwrap().1.trim();
    value.split(';').next().unwrap().to_string()
}

/// A multipart body: the form token, the ledger, the files.
fn multipart(token: &str, source: &str, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----laborstat-test-boundary";
    let mut body = Vec::new();
    let mut text_field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    };
    text_field("token", token);
    text_field("source", source);
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn upload(server: &Server, cookie: &str, token: &str, files: &[(&str, &[u8])]) -> Reply {
    let (kind, body) = multipart(token, "cases", files);
    request(
        server,
        "POST",
        "/township/upload",
        Some(cookie),
        Some((&kind, &body)),
    )
}

/// A district of `n` townships (codes 510199001…), a cases ledger read from CSV, and
/// accounts: `qu` for the district, `t<code>` for each township (password `pw-<code>`).
fn district(dir: &Path, n: usize) -> PathBuf {
    let entries: Vec<String> = (1..=n)
        .map(|i| format!("{{ code = \"{}\", name = \"第{i}街道\" }}", 510199000 + i))
        .collect();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let pipeline = dir.join("p.toml");
    std::fs::write(
        &pipeline,
        format!(
            r#"[pipeline]
name = "web"
title = "网页报送测试"
period = "2024"
data = "data"
output = "out/web-{{period}}.xlsx"

[roster]
entries = [{}]

[limits]
file_mb = 2
unpacked_mb = 20
compression_ratio = 100

[sources.cases]
title = "投诉举报案件台账"
files = "*/*案件台账*.*"

[sources.cases.columns]
"案件编号" = {{ type = "text", required = true }}
"受理日期" = {{ type = "date", required = true }}
"涉及人数" = {{ type = "int" }}
"追发工资" = {{ type = "money" }}

[[sources.cases.rules]]
name = "涉及人数范围"
column = "涉及人数"
range = {{ min = 1, max = 500 }}

[measures.accepted]
source = "cases"
sql = "count(*)"
date = "受理日期"
label = "受理数"

[measures.recovered]
source = "cases"
sql = "sum(追发工资)"
date = "受理日期"
label = "追发工资"

[indicators.recovered_wan]
expr = "recovered"
label = "追发工资（万元）"
display = "万元"

[[report.sheets]]
name = "案件"
title = "t"
columns = [{{ header = ["受理"], value = "accepted" }}, {{ header = ["追发（万元）"], value = "recovered_wan" }}]

[[queries]]
name = "各单位案件数"
sql = "SELECT submitter_name AS 单位, count(*) AS 案件数 FROM cases GROUP BY submitter_name ORDER BY 单位"
"#,
            entries.join(", ")
        ),
    )
    .unwrap();
    let add = |args: &[&str], password: &str| {
        let mut child = Command::new(binary())
            .args(["users", "add"])
            .arg(&pipeline)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        assert!(child.wait().unwrap().success());
    };
    add(&["--account", "qu", "--district"], "district-secret");
    for i in 1..=n {
        let code = (510199000 + i).to_string();
        add(
            &["--account", &format!("t{code}"), "--township", &code],
            &format!("pw-{code}"),
        );
    }
    pipeline
}

/// Presses 运行报表 and follows its progress page (it reloads itself while the run goes)
/// until the run has ended; the last progress page.
fn run_report(server: &Server, cookie: &str, token: &str) -> String {
    let body = format!("token={token}");
    let started = request(
        server,
        "POST",
        "/district/run",
        Some(cookie),
        Some(("application/x-www-form-urlencoded", body.as_bytes())),
    );
    assert_eq!(started.status, 303, "{}", started.text());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let page = get(server, "/district/run", cookie).text();
        let running = page.contains("http-equiv=\"refresh\"");
        if !running {
            return page;
        }
        assert!(Instant::now() < deadline, "the run did not end: {page}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A township's ledger: `cases` rows, the second with 涉及人数 0 (out of range, rejected).
fn ledger(code: &str, cases: usize, fen_each: i64) -> (String, i64, usize) {
    let mut csv = "案件编号,受理日期,涉及人数,追发工资\n".to_string();
    let (mut fen, mut used) = (0, 0);
    for i in 0..cases {
        let workers = if i == 1 { 0 } else { 1 + i % 4 };
        csv.push_str(&format!(
            "{code}-{i},2024-0{}-1{},{workers},{}.{:02}\n",
            1 + i % 9,
            i % 10,
            fen_each / 100,
            fen_each % 100
        ));
        if workers > 0 {
            fen += fen_each;
            used += 1;
        }
    }
    (csv, fen, used)
}

#[test]
fn a_township_sends_its_ledger_and_reads_its_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 2);
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let page = get(&server, "/township", &cookie);
    assert_eq!(page.status, 200);
    assert!(page.text().contains("本期还没有收到本单位的文件"));

    let (csv, fen, used) = ledger("510199001", 7, 123_456);
    let reply = upload(
        &server,
        &cookie,
        &page.token(),
        &[("我们的台账.csv", csv.as_bytes())],
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let receipt = reply.text();
    // The file as read: 7 data rows, one rejected, its figures, the finding at its cell.
    assert!(
        receipt.contains("已保存为投诉举报案件台账的文件"),
        "{receipt}"
    );
    assert!(
        receipt.contains(&format!("<td class=\"num\">{used}</td>")),
        "{receipt}"
    );
    assert!(receipt.contains("<td class=\"num\">1</td>"), "one rejected");
    let wan = format!("{:.2}", fen as f64 / 1_000_000.0);
    assert!(
        receipt.contains(&format!(">{used}<")) && receipt.contains(&wan),
        "{wan} in {receipt}"
    );
    assert!(
        receipt.contains("C3"),
        "the finding names its cell: {receipt}"
    );
    // Stored where the CLI reads it, under the name the source's pattern finds.
    let stored = dir.path().join("data/510199001-第1街道/案件台账.csv");
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), csv);
    // The feedback workbook.
    let feedback = get(&server, "/township/feedback", &cookie);
    assert_eq!(feedback.status, 200);
    assert!(feedback.body.starts_with(b"PK"), "an xlsx");

    // A corrected file replaces it; the first is kept as a version, not overwritten.
    let page = get(&server, "/township", &cookie);
    let (fixed, fixed_fen, _) = ledger("510199001", 3, 50_000);
    let reply = upload(
        &server,
        &cookie,
        &page.token(),
        &[("改正.csv", fixed.as_bytes())],
    );
    assert!(reply.text().contains("旧文件作为历史版本保留"));
    assert_eq!(std::fs::read_to_string(&stored).unwrap(), fixed);
    let versions: Vec<_> = std::fs::read_dir(dir.path().join("out/serve/versions/510199001"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(versions, vec![csv]);
    // The receipt now gives the corrected file's figures.
    let wan = format!("{:.2}", fixed_fen as f64 / 1_000_000.0);
    assert!(reply.text().contains(&wan), "{wan}");

    // Every upload and download is in the audit log.
    let audit = std::fs::read_to_string(dir.path().join("out/serve/audit.log")).unwrap();
    assert_eq!(audit.matches("\"报送\"").count(), 2, "{audit}");
    assert!(audit.contains("下载反馈表"));
}

#[test]
fn a_township_reaches_nothing_of_another_and_forged_or_replayed_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 2);
    let server = start(&pipeline);
    let other = login(&server, "t510199002", "pw-510199002");
    let page = get(&server, "/township", &other);
    let (csv, _, _) = ledger("510199002", 4, 10_000);
    assert_eq!(
        upload(&server, &other, &page.token(), &[("b.csv", csv.as_bytes())]).status,
        200
    );

    let cookie = login(&server, "t510199001", "pw-510199001");
    // Its own page shows nothing of 510199002's.
    let mine = get(&server, "/township", &cookie).text();
    assert!(!mine.contains("510199002-"), "{mine}");
    // The district's pages and every download of another township: refused.
    for path in [
        "/district",
        "/district/run",
        "/district/queries",
        "/district/download/report",
        "/district/download/findings",
        "/district/feedback/510199002",
        "/district/township/510199002",
        "/district/feedback/..%2F..%2Fp.toml",
    ] {
        let reply = get(&server, path, &cookie);
        assert_eq!(reply.status, 403, "{path}: {}", reply.text());
    }
    // No session: sent to sign in.
    assert_eq!(request(&server, "GET", "/township", None, None).status, 303);
    assert_eq!(
        request(
            &server,
            "GET",
            "/township",
            Some("laborstat_session=forged"),
            None
        )
        .status,
        303
    );
    // A wrong password.
    let body = b"account=t510199001&password=wrong";
    let reply = request(
        &server,
        "POST",
        "/login",
        None,
        Some(("application/x-www-form-urlencoded", body)),
    );
    assert_eq!(reply.status, 401);

    // Forged: no token, or a token made up. Replayed: a token used once already.
    let (csv, _, _) = ledger("510199001", 2, 100);
    for token in [
        "",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ] {
        let reply = upload(&server, &cookie, token, &[("a.csv", csv.as_bytes())]);
        assert_eq!(reply.status, 403, "token {token:?}");
    }
    let token = get(&server, "/township", &cookie).token();
    assert_eq!(
        upload(&server, &cookie, &token, &[("a.csv", csv.as_bytes())]).status,
        200
    );
    assert_eq!(
        upload(&server, &cookie, &token, &[("a.csv", csv.as_bytes())]).status,
        403
    );
    // Another township's token is no good in this session.
    let theirs = get(&server, "/township", &other).token();
    assert_eq!(
        upload(&server, &cookie, &theirs, &[("a.csv", csv.as_bytes())]).status,
        403
    );
    assert!(
        !dir.path()
            .join("data/510199002-第2街道/案件台账.csv")
            .exists()
            || std::fs::read_to_string(dir.path().join("data/510199002-第2街道/案件台账.csv"))
                .unwrap()
                .contains("510199002-")
    );
    // A name that is a path is only an extension to the server.
    let token = get(&server, "/township", &cookie).token();
    let reply = upload(&server, &cookie, &token, &[("../../p.toml", b"x")]);
    assert!(reply.text().contains("未保存"), "{}", reply.text());
    assert!(std::fs::read_to_string(&pipeline)
        .unwrap()
        .contains("[pipeline]"));
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    // 40 MB of one byte, deflated to a few tens of KB, dressed as an xlsx.
    let mut bomb = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..40 {
            zip.write_all(&chunk).unwrap();
        }
        zip.finish().unwrap();
    }
    assert!(bomb.len() < 2 << 20, "small on the wire: {}", bomb.len());
    let started = Instant::now();
    let token = get(&server, "/township", &cookie).token();
    let reply = upload(&server, &cookie, &token, &[("台账.xlsx", &bomb)]);
    assert!(started.elapsed() < Duration::from_secs(30));
    // Refused for what it unpacks to, by the pipeline's [limits].
    assert!(
        reply.text().contains("未保存") && reply.text().contains("上限"),
        "{}",
        reply.text()
    );
    assert!(
        !dir.path().join("data/510199001-第1街道").exists()
            || std::fs::read_dir(dir.path().join("data/510199001-第1街道"))
                .unwrap()
                .next()
                .is_none()
    );
    // Larger than file_mb on the wire: refused too.
    let big = vec![b'x'; 3 << 20];
    let token = get(&server, "/township", &cookie).token();
    let reply = upload(&server, &cookie, &token, &[("big.csv", &big)]);
    assert!(reply.text().contains("未保存"), "{}", reply.text());
}

#[test]
fn fifty_townships_upload_at_once_and_each_file_is_stored_once_with_its_receipt() {
    const N: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), N);
    let server = start(&pipeline);
    let sessions: Vec<(String, String)> = (1..=N)
        .map(|i| {
            let code = (510199000 + i).to_string();
            let cookie = login(&server, &format!("t{code}"), &format!("pw-{code}"));
            let token = get(&server, "/township", &cookie).token();
            (cookie, token)
        })
        .collect();
    let started = Instant::now();
    let server = &server;
    let latencies: Vec<(Duration, bool)> = std::thread::scope(|scope| {
        let handles: Vec<_> = sessions
            .iter()
            .enumerate()
            .map(|(k, (cookie, token))| {
                scope.spawn(move || {
                    let code = (510199001 + k).to_string();
                    let (csv, _, used) = ledger(&code, 3 + k % 5, 1_000 * (k as i64 + 1));
                    let sent = Instant::now();
                    let reply = upload(server, cookie, token, &[("台账.csv", csv.as_bytes())]);
                    let right = reply.status == 200
                        && reply.text().contains("已保存为投诉举报案件台账的文件")
                        && reply
                            .text()
                            .contains(&format!("<td class=\"num\">{used}</td>"));
                    (sent.elapsed(), right)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total = started.elapsed();
    assert!(
        latencies.iter().all(|(_, right)| *right),
        "every receipt right"
    );
    for i in 1..=N {
        let folder = dir.path().join(format!("data/{}-第{i}街道", 510199000 + i));
        let files: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
        assert_eq!(files.len(), 1, "{} stored once", folder.display());
    }
    let mut times: Vec<Duration> = latencies.iter().map(|(t, _)| *t).collect();
    times.sort();
    eprintln!(
        "50 uploads at once: all done in {:.1} s; latency median {:.2} s, slowest {:.2} s",
        total.as_secs_f64(),
        times[N / 2].as_secs_f64(),
        times[N - 1].as_secs_f64()
    );
    assert!(total < Duration::from_secs(240), "bounded: {total:?}");
}

#[test]
fn a_township_confirms_its_data_and_a_later_file_voids_it() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let (csv, _, _) = ledger("510199001", 3, 1_000);
    let token = get(&server, "/township", &cookie).token();
    let page = upload(&server, &cookie, &token, &[("a.csv", csv.as_bytes())]);
    assert!(page.text().contains("以上数据无误"));
    // The confirm form's token is the second on the page (after the upload form's).
    let text = page.text();
    let form = text.find("action=\"/township/confirm\"").unwrap();
    let at = form + text[form..].find("name=\"token\" value=\"").unwrap() + 20;
    let body = format!("token={}&name=%E5%BC%A0%E4%B8%89", &text[at..at + 64]);
    let reply = request(
        &server,
        "POST",
        "/township/confirm",
        Some(&cookie),
        Some(("application/x-www-form-urlencoded", body.as_bytes())),
    );
    assert_eq!(reply.status, 303);
    assert!(get(&server, "/township", &cookie)
        .text()
        .contains("已确认以上数据无误：张三"));
    let district = login(&server, "qu", "district-secret");
    assert!(get(&server, "/district", &district)
        .text()
        .contains("已确认（张三"));
    let audit = std::fs::read_to_string(dir.path().join("out/serve/audit.log")).unwrap();
    assert!(audit.contains("确认数据无误"));
    // The run's manifest says who confirmed the very file it read.
    let ran = run_report(
        &server,
        &district,
        &get(&server, "/district", &district).token(),
    );
    assert!(ran.contains("报表已生成"), "{ran}");
    let manifest = std::fs::read_to_string(
        dir.path()
            .join("out/store/web/_manifests/cases/period=2024.json"),
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let file = &manifest["files"][0];
    assert_eq!(file["confirmed"]["name"], "张三", "{manifest}");
    assert_eq!(file["confirmed"]["account"], "t510199001");
    // And the report's 数据来源 says it beside the file.
    let sources = crate::common::sheet(&dir.path().join("out/web-2024.xlsx"), "数据来源");
    let heading = (0..sources.width())
        .find(|&c| {
            sources.get((0, c)).map(|d| d.to_string()).as_deref()
                == Some("报送单位确认（以上数据无误）")
        })
        .expect("a confirmation column");
    let said = sources.get((1, heading)).unwrap().to_string();
    assert!(said.starts_with("张三，"), "{said}");
    // A file changed in the folder by hand (not through the page) lapses the confirmation.
    let stored = dir.path().join("data/510199001-第1街道/案件台账.csv");
    let original = std::fs::read(&stored).unwrap();
    std::fs::write(&stored, [original.as_slice(), b"\n"].concat()).unwrap();
    let page = get(&server, "/township", &cookie).text();
    assert!(
        page.contains("确认已失效") && page.contains("在确认后有改动"),
        "{page}"
    );
    assert!(get(&server, "/district", &district)
        .text()
        .contains("确认已失效"));
    std::fs::write(&stored, &original).unwrap();
    assert!(get(&server, "/township", &cookie)
        .text()
        .contains("已确认以上数据无误：张三"));
    // A file sent afterwards is not what was confirmed.
    let token = get(&server, "/township", &cookie).token();
    let page = upload(&server, &cookie, &token, &[("b.csv", csv.as_bytes())]);
    assert!(page.text().contains("确认已作废"), "{}", page.text());
    assert!(get(&server, "/district", &district)
        .text()
        .contains("未确认"));
}

#[test]
fn a_server_killed_mid_upload_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let mut server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let token = get(&server, "/township", &cookie).token();
    let (csv, _, _) = ledger("510199001", 2000, 1_000);
    let (kind, body) = multipart(&token, "cases", &[("a.csv", csv.as_bytes())]);
    // Half the body sent, then the server is killed.
    let mut stream = TcpStream::connect(&server.address).unwrap();
    let head = format!(
        "POST /township/upload HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..body.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    // Nothing in the data folder: the upload was never acknowledged.
    let folder = dir.path().join("data/510199001-第1街道");
    assert!(!folder.exists() || std::fs::read_dir(&folder).unwrap().next().is_none());
    // A new server takes the same file whole.
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let token = get(&server, "/township", &cookie).token();
    let reply = upload(&server, &cookie, &token, &[("a.csv", csv.as_bytes())]);
    assert!(reply.text().contains("已保存为"));
    assert_eq!(
        std::fs::read_to_string(folder.join("案件台账.csv")).unwrap(),
        csv
    );
}

#[test]
fn a_page_shows_another_period_when_asked_and_refuses_a_wrong_one() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let page = get(&server, "/township?period=2023", &cookie);
    assert_eq!(page.status, 200);
    assert!(
        page.text().contains("<strong>2023年</strong>"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("name=\"period\" value=\"2023\""));
    let wrong = get(&server, "/township?period=2024-13", &cookie);
    assert_eq!(wrong.status, 400);
    assert!(wrong.text().contains("不是一个报告期"), "{}", wrong.text());
    let district = login(&server, "qu", "district-secret");
    let page = get(&server, "/district?period=2023", &district);
    assert!(page.text().contains("报送情况（2023年）"));
    assert!(page
        .text()
        .contains("/district/download/report?period=2023"));
}

#[test]
fn the_district_runs_the_report_and_asks_its_saved_queries() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 2);
    let server = start(&pipeline);
    let township = login(&server, "t510199001", "pw-510199001");
    let (csv, _, used) = ledger("510199001", 6, 1_000);
    let token = get(&server, "/township", &township).token();
    assert_eq!(
        upload(&server, &township, &token, &[("a.csv", csv.as_bytes())]).status,
        200
    );

    let cookie = login(&server, "qu", "district-secret");
    let page = get(&server, "/district", &cookie);
    // 第1街道 sent a file with one rejected row; 第2街道 sent nothing.
    assert!(
        page.text().contains("有错误（1）") && page.text().contains("未报送"),
        "{}",
        page.text()
    );
    // The district reads 第1街道's receipt as the township does, without its forms.
    let receipt = get(&server, "/district/township/510199001", &cookie).text();
    assert!(
        receipt.contains("区县查看")
            && receipt.contains("案件台账.csv")
            && receipt.contains("本单位的数字")
            && !receipt.contains("/township/upload")
            && !receipt.contains("/township/confirm"),
        "{receipt}"
    );
    assert_eq!(get(&server, "/district/township/999", &cookie).status, 404);
    // Nothing stored yet: the query says so.
    let before = get(&server, "/district/queries?q=0", &cookie).text();
    assert!(before.contains("先运行报表"), "{before}");
    // The run, then the report and the answer.
    let ran = run_report(&server, &cookie, &page.token());
    assert!(ran.contains("报表已生成"), "{ran}");
    // With the outcome: the findings and who is missing (第2街道 sent nothing).
    assert!(
        ran.contains("问题 1 个错误") && ran.contains("1 个单位有台账未报送"),
        "{ran}"
    );
    // The progress told the file read and every step.
    assert!(ran.contains("读取文件：1 / 1"), "{ran}");
    assert_eq!(ran.matches(" ✓</li>").count(), 7, "{ran}");
    // The district page tells the last run.
    assert!(get(&server, "/district", &cookie)
        .text()
        .contains("上次运行"));
    let report = get(&server, "/district/download/report", &cookie);
    assert_eq!(report.status, 200);
    assert!(report.body.starts_with(b"PK"));
    let answer = get(&server, "/district/queries?q=0", &cookie).text();
    assert!(
        answer.contains("<td>第1街道</td><td>") && answer.contains(&format!("<td>{used}</td>")),
        "{answer}"
    );
    let download = get(&server, "/district/queries/0/download", &cookie);
    assert!(download.body.starts_with(b"PK"));
    // Not for a township.
    assert_eq!(get(&server, "/district/queries?q=0", &township).status, 403);
}

#[test]
fn guessing_a_password_is_stopped_after_five_failures() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let server = start(&pipeline);
    let attempt = |password: &str| {
        let body = format!("account=t510199001&password={password}");
        request(
            &server,
            "POST",
            "/login",
            None,
            Some(("application/x-www-form-urlencoded", body.as_bytes())),
        )
        .status
    };
    for _ in 0..5 {
        assert_eq!(attempt("guess"), 401);
    }
    // Now even the right password waits.
    assert_eq!(attempt("pw-510199001"), 429);
    // Another account is not affected.
    login(&server, "qu", "district-secret");
}

/// A file is judged by its content, not its name: a system's "Excel" export that is a web
/// page (.htm) is read as the ledger, a PDF named .txt is refused with what it is, and a
/// name outside the spreadsheet kinds is refused before anything is read.
#[test]
fn a_sent_file_is_judged_by_its_content() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let (csv, fen, used) = ledger("510199001", 5, 10_000);
    let mut html = String::from("<html><body><table>");
    for line in csv.lines() {
        html.push_str("<tr>");
        for cell in line.split(',') {
            html.push_str(&format!("<td>{cell}</td>"));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table></body></html>");
    let token = get(&server, "/township", &cookie).token();
    let page = upload(
        &server,
        &cookie,
        &token,
        &[("系统导出.htm", html.as_bytes())],
    );
    let receipt = page.text();
    assert!(
        receipt.contains("已保存为投诉举报案件台账的文件"),
        "{receipt}"
    );
    assert!(
        receipt.contains(&format!("<td class=\"num\">{used}</td>"))
            && receipt.contains(&format!("{:.2}", fen as f64 / 1_000_000.0)),
        "{receipt}"
    );
    assert!(dir
        .path()
        .join("data/510199001-第1街道/案件台账.htm")
        .is_file());

    let token = get(&server, "/township", &cookie).token();
    let page = upload(
        &server,
        &cookie,
        &token,
        &[("台账.txt", b"%PDF-1.4\n%\xe2\xe3\n")],
    );
    assert!(
        page.text().contains("“台账.txt”未保存：文件是 PDF 文档"),
        "{}",
        page.text()
    );
    let token = get(&server, "/township", &cookie).token();
    let page = upload(&server, &cookie, &token, &[("台账.docx", b"PK\x03\x04")]);
    assert!(
        page.text().contains("“台账.docx”未保存：只接收"),
        "{}",
        page.text()
    );
    // The ledger stored before is still the one there.
    assert!(dir
        .path()
        .join("data/510199001-第1街道/案件台账.htm")
        .is_file());
    assert!(!dir
        .path()
        .join("data/510199001-第1街道/案件台账.txt")
        .exists());
}

/// A ledger the district places itself (last year's report under 上年年报/) is not offered to
/// a township, and a request for it is refused: stored in the township's folder it would be
/// a file no run reads.
#[test]
fn a_township_cannot_send_a_file_the_district_places() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let mut text = std::fs::read_to_string(&pipeline).unwrap();
    text.push_str(
        r#"
[sources.last_year]
title = "上年年报"
kind = "summary"
files = ["上年年报/*.*"]
submitter = { from = "column", column = "单位" }

[sources.last_year.columns]
"单位" = { type = "text", required = true }
"受理" = { type = "int" }
"#,
    );
    std::fs::write(&pipeline, text).unwrap();
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let page = get(&server, "/township", &cookie).text();
    assert!(page.contains("<option value=\"cases\">"), "{page}");
    assert!(!page.contains("<option value=\"last_year\">"), "{page}");
    let token = get(&server, "/township", &cookie).token();
    let (kind, body) = multipart(
        &token,
        "last_year",
        &[("上年.csv", "单位,受理\n第1街道,3\n".as_bytes())],
    );
    let reply = request(
        &server,
        "POST",
        "/township/upload",
        Some(&cookie),
        Some((&kind, &body)),
    );
    assert!(
        reply
            .text()
            .contains("“上年.csv”未保存：“上年年报”的文件由区县统一放置"),
        "{}",
        reply.text()
    );
    let folder = dir.path().join("data/510199001-第1街道");
    assert!(!folder.exists() || std::fs::read_dir(&folder).unwrap().next().is_none());
}

/// A session outlives a restart of the server (a deadline day is not lost to it), but not
/// its account: removed with `laborstat users remove`, or its password reset, it is signed
/// out at its next request.
#[test]
fn a_session_outlives_a_restart_but_not_its_account() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 2);
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let other = login(&server, "t510199002", "pw-510199002");
    drop(server);
    let server = start(&pipeline);
    assert_eq!(get(&server, "/township", &cookie).status, 200);
    assert_eq!(get(&server, "/township", &other).status, 200);
    // The session file holds no cookie.
    let kept = std::fs::read_to_string(dir.path().join("out/serve/sessions.json")).unwrap();
    let token = cookie.split('=').nth(1).unwrap();
    assert!(!kept.contains(token));
    // Removed: signed out at once, without a restart.
    let removed = Command::new(binary())
        .args(["users", "remove"])
        .arg(&pipeline)
        .args(["--account", "t510199001"])
        .output()
        .unwrap();
    assert!(removed.status.success());
    assert_eq!(get(&server, "/township", &cookie).status, 303);
    // A reset password: the same.
    let mut reset = Command::new(binary())
        .args(["users", "add"])
        .arg(&pipeline)
        .args(["--account", "t510199002", "--township", "510199002"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(reset.stdin.take().unwrap(), "another-password").unwrap();
    assert!(reset.wait().unwrap().success());
    assert_eq!(get(&server, "/township", &other).status, 303);
}

/// 自动识别: a township drops several ledgers at once and each file is stored as the ledger
/// its header says it is; a file no ledger's header answers is refused with the reason.
#[test]
fn several_ledgers_sent_at_once_are_each_recognised_by_their_header() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = district(dir.path(), 1);
    let mut text = std::fs::read_to_string(&pipeline).unwrap();
    text.push_str(
        r#"
[sources.employers]
title = "用人单位信息采集表"
files = ["*/*用人单位*.*"]

[sources.employers.columns]
"单位名称" = { type = "text", required = true }
"统一社会信用代码" = { type = "text", required = true }
"从业人数" = { type = "int" }
"#,
    );
    std::fs::write(&pipeline, text).unwrap();
    let server = start(&pipeline);
    let cookie = login(&server, "t510199001", "pw-510199001");
    let (cases, _, _) = ledger("510199001", 4, 1_000);
    let employers = "单位名称,统一社会信用代码,从业人数\n甲公司,91510100MA6C000001,12\n乙公司,91510100MA6C000002,30\n";
    let other = "姓名,电话\n张三,123\n";
    let token = get(&server, "/township", &cookie).token();
    let (kind, body) = multipart(
        &token,
        "auto",
        &[
            ("扫描件1.csv", employers.as_bytes()),
            ("新建 Microsoft Excel 工作表.csv", cases.as_bytes()),
            ("通讯录.csv", other.as_bytes()),
        ],
    );
    let reply = request(
        &server,
        "POST",
        "/township/upload",
        Some(&cookie),
        Some((&kind, &body)),
    );
    let page = reply.text();
    assert!(
        page.contains("“扫描件1.csv”按表头识别为“用人单位信息采集表”"),
        "{page}"
    );
    assert!(
        page.contains("“新建 Microsoft Excel 工作表.csv”按表头识别为“投诉举报案件台账”"),
        "{page}"
    );
    assert!(
        page.contains("“通讯录.csv”未保存：认不出是哪一个台账"),
        "{page}"
    );
    let folder = dir.path().join("data/510199001-第1街道");
    assert_eq!(
        std::fs::read_to_string(folder.join("用人单位.csv")).unwrap(),
        employers
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("案件台账.csv")).unwrap(),
        cases
    );
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 2);
}
