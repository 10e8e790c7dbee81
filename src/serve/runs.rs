//! The district's report run as the page sees it: started by a button, done in the
//! background (one engine job at a time, as every validation), its progress heard through
//! the engine's [`Observer`] — files read of files found, then each phase — and shown on a
//! page that refreshes itself until the run has ended (no script).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::engine::Observer;

/// One run of the report: what it has done so far, and how it ended.
pub struct RunProgress {
    pub period: String,
    /// The account that pressed the button.
    pub account: String,
    pub started: Instant,
    /// When it started, as the page shows it.
    pub started_at: String,
    files_found: AtomicUsize,
    files_read: AtomicUsize,
    /// The phases ended so far, in the engine's names.
    phases: Mutex<Vec<String>>,
    /// `Some` once ended: whether it succeeded, and what the page says.
    outcome: Mutex<Option<(bool, String)>>,
}

/// The steps of a run in order, the engine's phase name and the page's words (the phase
/// names `Observer::phase_ended` hears).
pub const STEPS: [(&str, &str); 7] = [
    ("ingest", "读取文件"),
    ("validate", "校验"),
    ("compute", "计算指标"),
    ("windows", "本年累计、同比与审核"),
    ("store", "存入存储"),
    ("findings", "写出问题清单和反馈表"),
    ("report", "写出报表"),
];

/// Where a run is, for the page.
pub struct Snapshot {
    pub files_found: usize,
    pub files_read: usize,
    /// The steps with whether each has ended.
    pub steps: Vec<(&'static str, bool)>,
    pub seconds: f64,
    pub outcome: Option<(bool, String)>,
}

impl RunProgress {
    pub fn new(period: &str, account: &str) -> RunProgress {
        RunProgress {
            period: period.to_string(),
            account: account.to_string(),
            started: Instant::now(),
            started_at: chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            files_found: AtomicUsize::new(0),
            files_read: AtomicUsize::new(0),
            phases: Mutex::new(Vec::new()),
            outcome: Mutex::new(None),
        }
    }

    pub fn finish(&self, succeeded: bool, words: String) {
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some((succeeded, words));
    }

    pub fn is_running(&self) -> bool {
        self.outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none()
    }

    pub fn snapshot(&self) -> Snapshot {
        let ended = self.phases.lock().unwrap_or_else(|p| p.into_inner());
        Snapshot {
            files_found: self.files_found.load(Ordering::Relaxed),
            files_read: self.files_read.load(Ordering::Relaxed),
            steps: STEPS
                .iter()
                .map(|(phase, words)| (*words, ended.iter().any(|e| e == phase)))
                .collect(),
            seconds: self.started.elapsed().as_secs_f64(),
            outcome: self
                .outcome
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }
}

impl Observer for RunProgress {
    fn files_found(&self, count: usize) {
        self.files_found.store(count, Ordering::Relaxed);
    }

    fn file_read(&self) {
        self.files_read.fetch_add(1, Ordering::Relaxed);
    }

    fn phase_ended(&self, phase: &str) {
        self.phases
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(phase.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_tells_its_files_and_steps_then_its_outcome() {
        let run = RunProgress::new("2024", "qu");
        run.files_found(3);
        run.file_read();
        run.phase_ended("ingest");
        let now = run.snapshot();
        assert_eq!((now.files_found, now.files_read), (3, 1));
        assert_eq!(now.steps[0], ("读取文件", true));
        assert_eq!(now.steps[1], ("校验", false));
        assert!(run.is_running());
        run.finish(true, "报表已生成".into());
        assert!(!run.is_running());
        assert_eq!(run.snapshot().outcome, Some((true, "报表已生成".into())));
    }
}
