//! A rate limit stops the whole run, not one task: once an agent reports one, no agent starts
//! until the reset time it gave (else an exponential backoff), then its task runs again.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::execute::Context;
use super::plan::TaskPlan;
use crate::progress::Event;
use crate::state::Status;

/// When rate limits are thought to reset, for the whole run.
#[derive(Default)]
pub struct RatePause {
    until: Mutex<Option<SystemTime>>,
}

/// The longest a run waits for one reset.
const LONGEST: Duration = Duration::from_secs(6 * 3600);

impl RatePause {
    /// Pause new starts until `resets_at` (seconds since the Unix epoch) or, unknown, for
    /// `delay` doubled per `wait` so far.
    pub fn until(&self, resets_at: Option<i64>, delay: Duration, wait: u32) {
        let now = SystemTime::now();
        let at = match resets_at {
            Some(secs) => SystemTime::UNIX_EPOCH + Duration::from_secs(secs.max(0) as u64),
            None => now + delay * 2u32.saturating_pow(wait.saturating_sub(1)).min(64),
        };
        let at = at.min(now + LONGEST).max(now);
        let mut until = self.until.lock().unwrap();
        if until.is_none_or(|u| u < at) {
            *until = Some(at);
        }
    }

    /// Wait while the run is paused, showing why; false when interrupted meanwhile.
    pub fn wait(&self, cx: &Context<'_>, task: &TaskPlan) -> bool {
        let mut shown = false;
        loop {
            if cx.runner.is_interrupted() {
                return false;
            }
            let until = *self.until.lock().unwrap();
            let Some(until) = until.filter(|u| *u > SystemTime::now()) else {
                return true;
            };
            if !shown {
                shown = true;
                let at = until
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                let _ = super::execute::set_state(cx, task, Status::Queued, |r| {
                    r.waiting_until = Some(at)
                });
                cx.reporter.event(&Event::Waiting {
                    task: task.task.name.clone(),
                    until: at,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
