//! The server's audit log: every sign-in, upload, confirmation, run and download, one JSON
//! line each, appended to `<output>/serve/audit.log` (opened for appending only: a line
//! once written is never rewritten).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct Audit {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Audit {
    pub fn new(serve_dir: &Path) -> Audit {
        Audit {
            path: serve_dir.join("audit.log"),
            lock: Mutex::new(()),
        }
    }

    /// Appends one event; a log that cannot be written is said on the server's terminal.
    pub fn record(&self, account: &str, action: &str, detail: &str) {
        let line = serde_json::json!({
            "time": chrono::Local::now().to_rfc3339(),
            "account": account,
            "action": action,
            "detail": detail,
        });
        let _guard = self.lock.lock().expect("audit log");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| writeln!(f, "{line}").and_then(|_| f.sync_data()));
        if let Err(e) = written {
            eprintln!("错误：审计日志 {} 无法写入：{e}", self.path.display());
        }
    }
}
