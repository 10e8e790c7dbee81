//! `LABORSTAT_PHASES=1`: each phase of a run's wall time and the process's peak memory so
//! far, printed to stderr as the phase ends. A diagnostic for performance work (which stage
//! a change moved), not part of the summary; it costs nothing when the variable is unset.

use std::time::Instant;

pub struct Phases {
    enabled: bool,
    last: Instant,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            enabled: std::env::var_os("LABORSTAT_PHASES").is_some(),
            last: Instant::now(),
        }
    }

    /// The phase that just ended: its wall time since the previous mark, and the peak RSS.
    pub fn mark(&mut self, phase: &str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        eprintln!(
            "phase {phase:<12} {:>8.3} s   peak {}",
            (now - self.last).as_secs_f64(),
            peak_memory().unwrap_or_else(|| "?".into())
        );
        self.last = now;
    }
}

/// The process's peak resident memory (`VmHWM` of /proc/self/status; Linux only).
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_string())
}
