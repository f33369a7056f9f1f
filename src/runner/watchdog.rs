//! One thread that sends SIGTERM, then SIGKILL after a grace period, to process groups whose
//! deadline passed or when the run is interrupted.
//!
//! The groups are the agents' own: the supervisor, when there is one, is in none of them, and
//! ends what an agent left outside its group once the agent has ended.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

use super::pulse::Pulse;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    TimedOut,
    Interrupted,
    /// No output for longer than the idle timeout.
    Hung,
    /// Its reported cost passed the budget.
    OverBudget,
    /// The agent's main process ended; whatever it left running in its group goes too.
    Leftover,
}

/// What the watchdog reads of a job's output: when it last spoke, and whether to stop it.
pub struct Idle {
    /// End the job after this long without output; `None`: never for that.
    pub limit: Option<Duration>,
    pub pulse: Arc<Pulse>,
}

struct Entry {
    deadline: Option<Instant>,
    idle: Option<Idle>,
    terminated: Option<(Instant, Reason)>,
    killed: bool,
    /// The job is over; the entry stays only until the group is killed or gone.
    forgotten: bool,
}

impl Entry {
    fn new(deadline: Option<Instant>, idle: Option<Idle>) -> Entry {
        Entry {
            deadline,
            idle,
            terminated: None,
            killed: false,
            forgotten: false,
        }
    }
}

pub struct Watchdog {
    groups: Mutex<HashMap<i32, Entry>>,
    grace: Duration,
    interrupted: Arc<AtomicBool>,
}

impl Watchdog {
    pub fn start(grace: Duration, interrupted: Arc<AtomicBool>) -> Arc<Watchdog> {
        let watchdog = Arc::new(Watchdog {
            groups: Mutex::new(HashMap::new()),
            grace,
            interrupted,
        });
        let weak = Arc::downgrade(&watchdog);
        std::thread::Builder::new()
            .name("git-agents-watchdog".into())
            .spawn(move || {
                while let Some(watchdog) = weak.upgrade() {
                    watchdog.tick();
                    drop(watchdog);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
            .expect("starting the watchdog thread");
        watchdog
    }

    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// Watch the group `pgid`, with an optional time limit and idle limit.
    pub fn watch(&self, pgid: i32, timeout: Option<Duration>, idle: Option<Idle>) {
        let entry = Entry::new(timeout.map(|t| Instant::now() + t), idle);
        self.groups.lock().unwrap().insert(pgid, entry);
        if self.interrupted.load(Ordering::SeqCst) {
            self.tick();
        }
    }

    /// The main process has ended: terminate what remains of its group, if anything.
    /// Returns why the group was terminated earlier, if it was.
    pub fn finish(&self, pgid: i32) -> Option<Reason> {
        let mut groups = self.groups.lock().unwrap();
        let entry = groups.entry(pgid).or_insert_with(|| Entry::new(None, None));
        let earlier = entry.terminated.map(|(_, reason)| reason);
        entry.deadline = None;
        entry.idle = None;
        if entry.terminated.is_none() && killpg(Pid::from_raw(pgid), Signal::SIGTERM).is_ok() {
            entry.terminated = Some((Instant::now(), Reason::Leftover));
        }
        earlier
    }

    /// Forget a group once its output was read; entries stay until then so that the reason a
    /// group was terminated is never lost to a race with the worker. Reading may stop before
    /// the group is gone (see `drain`): one still awaiting its SIGKILL gets it first.
    pub fn forget(&self, pgid: i32) {
        let mut groups = self.groups.lock().unwrap();
        if let Some(entry) = groups.get_mut(&pgid) {
            entry.forgotten = true;
            if entry.terminated.is_none() || entry.killed || !exists(pgid) {
                groups.remove(&pgid);
            }
        }
    }

    fn tick(&self) {
        let now = Instant::now();
        let interrupted = self.interrupted.load(Ordering::SeqCst);
        let mut groups = self.groups.lock().unwrap();
        for (&pgid, entry) in groups.iter_mut() {
            let pid = Pid::from_raw(pgid);
            match entry.terminated {
                Some((since, _)) if !entry.killed && now.duration_since(since) >= self.grace => {
                    entry.killed = true;
                    let _ = killpg(pid, Signal::SIGKILL);
                }
                Some(_) => {}
                None => {
                    let reason = if interrupted {
                        Some(Reason::Interrupted)
                    } else if entry.deadline.is_some_and(|d| now >= d) {
                        Some(Reason::TimedOut)
                    } else {
                        entry.idle.as_ref().and_then(Idle::reason)
                    };
                    if let Some(reason) = reason {
                        entry.terminated = Some((now, reason));
                        let _ = killpg(pid, Signal::SIGTERM);
                    }
                }
            }
        }
        // Once gone, a group's id may be taken again: a forgotten entry must not outlive it.
        groups.retain(|&pgid, entry| !entry.forgotten || (!entry.killed && exists(pgid)));
    }
}

impl Idle {
    fn reason(&self) -> Option<Reason> {
        if self.pulse.over_budget() {
            Some(Reason::OverBudget)
        } else if self
            .limit
            .is_some_and(|limit| self.pulse.quiet_for() >= limit)
        {
            Some(Reason::Hung)
        } else {
            None
        }
    }
}

fn exists(pgid: i32) -> bool {
    killpg(Pid::from_raw(pgid), None) != Err(Errno::ESRCH)
}
