//! A job's heartbeat, shared by its output reader and the watchdog: when it last printed
//! anything (for the idle timeout), and whether the reader asked for it to be stopped (its
//! reported cost passed the budget).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Pulse {
    start: Instant,
    /// Milliseconds after `start` of the last output.
    last: AtomicU64,
    stop: AtomicBool,
}

impl Default for Pulse {
    fn default() -> Pulse {
        Pulse {
            start: Instant::now(),
            last: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        }
    }
}

impl Pulse {
    /// Output arrived.
    pub fn beat(&self) {
        let now = self.start.elapsed().as_millis() as u64;
        self.last.store(now, Ordering::Relaxed);
    }

    /// How long since the last output (or the start).
    pub fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
        self.start.elapsed().saturating_sub(last)
    }

    /// Ask the watchdog to end the job: it went over its budget.
    pub fn stop_over_budget(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub fn over_budget(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}
