//! `LABORSTAT_PHASES=1`: each phase of a run's wall time and the process's peak memory so
//! far, printed to stderr as the phase ends. A diagnostic for performance work (which stage
//! a change moved), not part of the summary; it costs nothing when the variable is unset.

use std::sync::Mutex;
use std::time::Instant;

use indicatif::ProgressBar;

use crate::engine::Observer;

pub struct Phases {
    enabled: bool,
    last: Mutex<Instant>,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            enabled: std::env::var_os("LABORSTAT_PHASES").is_some(),
            last: Mutex::new(Instant::now()),
        }
    }

    /// The phase that just ended: its wall time since the previous mark, and the peak RSS.
    pub fn mark(&self, phase: &str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        eprintln!(
            "phase {phase:<12} {:>8.3} s   peak {}",
            (now - *last).as_secs_f64(),
            peak_memory().unwrap_or_else(|| "?".into())
        );
        *last = now;
    }
}

/// What the terminal shows of a run: a progress bar while files are read (unless quiet or
/// not a terminal), and the phases when `LABORSTAT_PHASES` is set.
pub struct Terminal {
    bar: ProgressBar,
    phases: Phases,
}

impl Terminal {
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            bar: super::summary::progress(0, quiet),
            phases: Phases::start(),
        }
    }
}

impl Observer for Terminal {
    fn files_found(&self, count: usize) {
        self.bar.set_length(count as u64);
    }

    fn file_read(&self) {
        self.bar.inc(1);
    }

    fn phase_ended(&self, phase: &str) {
        if phase == "validate" {
            self.bar.finish_and_clear();
        }
        self.phases.mark(phase);
    }
}

/// The process's peak resident memory (`VmHWM` of /proc/self/status; Linux only).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_string())
}
