//! Ending what an agent left behind when it ended, and everything at the end.
//!
//! What an agent left is its process group, and (Linux) the processes the supervisor adopted
//! as a subreaper that came from it: those still in its group, or that still carry its
//! [`super::MARKER`] in their environment. An adopted process that shows neither (one that
//! left the group and cleared its environment) cannot be told apart from another agent's:
//! it is ended with everything else when the run ends.
//!
//! Elsewhere (macOS: no subreaper, no /proc) nothing adopted is found: git-agents' watchdog
//! ends what is left of the group, and the run's end ends every group.

use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;

use crate::runner::descendants;

/// How often the signals go again, to catch what was forked since the last round.
const AGAIN: Duration = Duration::from_millis(50);

pub struct Leftovers {
    group: Pid,
    id: u64,
    found: bool,
}

impl Leftovers {
    /// What `group`'s agent (request `id`) left; `running`: the other agents' pids.
    pub fn of(group: Pid, id: u64, running: Vec<i32>) -> Leftovers {
        let found =
            descendants::ALL_FOUND && (exists(group) || !adopted(group, id, &running).is_empty());
        Leftovers { group, id, found }
    }

    pub fn none(&self) -> bool {
        !self.found
    }

    /// SIGTERM, then SIGKILL after `grace`, until nothing of it is left.
    pub fn end(self, grace: Duration, running: impl Fn() -> Vec<i32>) {
        let deadline = Instant::now() + grace;
        let mut signal = Some(Signal::SIGTERM);
        loop {
            let pids = adopted(self.group, self.id, &running());
            if pids.is_empty() && !exists(self.group) {
                return;
            }
            if let Some(signal) = signal {
                let _ = killpg(self.group, signal);
                for &pid in &pids {
                    let _ = kill(pid, signal);
                }
            }
            std::thread::sleep(AGAIN);
            signal = (Instant::now() >= deadline).then_some(Signal::SIGKILL);
        }
    }
}

/// Adopted processes from `group`'s agent, and all they started.
fn adopted(group: Pid, id: u64, running: &[i32]) -> Vec<Pid> {
    let orphans: Vec<Pid> = descendants::children()
        .into_iter()
        .filter(|pid| !running.contains(&pid.as_raw()))
        .collect();
    if orphans.is_empty() {
        return orphans;
    }
    let marker = format!("{}={id}", super::MARKER);
    let from_agent: Vec<Pid> = orphans
        .into_iter()
        .filter(|&orphan| {
            descendants::group_of(orphan) == Some(group)
                || descendants::environment_has(orphan, &marker)
        })
        .collect();
    if from_agent.is_empty() {
        // The usual case: no need for the whole process table.
        return from_agent;
    }
    let tree = descendants::tree();
    let mut found = Vec::new();
    for orphan in from_agent {
        found.push(orphan);
        found.extend(descendants::below(&tree, orphan));
    }
    found
}

fn exists(group: Pid) -> bool {
    killpg(group, None) != Err(Errno::ESRCH)
}

/// End every agent's group and every descendant, SIGKILL after `grace`, until none is left
/// (where all are found; elsewhere once SIGKILL went to the groups).
pub fn end_everything(groups: &[i32], grace: Duration) {
    let deadline = Instant::now() + grace;
    let mut signal = Some(Signal::SIGTERM);
    loop {
        let pids = descendants::list();
        if descendants::ALL_FOUND && pids.is_empty() {
            return;
        }
        if let Some(signal) = signal {
            for &group in groups {
                let _ = killpg(Pid::from_raw(group), signal);
            }
            for &pid in &pids {
                let _ = kill(pid, signal);
            }
            if signal == Signal::SIGKILL && !descendants::ALL_FOUND {
                return;
            }
        }
        std::thread::sleep(AGAIN);
        signal = (Instant::now() >= deadline).then_some(Signal::SIGKILL);
    }
}
