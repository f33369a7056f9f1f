//! Ending everything the agent started, once: when the agent exits, when the supervisor is
//! asked to stop (SIGTERM, SIGINT, SIGHUP: git-agents' timeout or interrupt), or when
//! git-agents dies.
//!
//! Where every descendant can be found (Linux, see `descendants`), the agent's process group
//! and each descendant get SIGTERM, then SIGKILL after the grace period, again until the
//! supervisor has reaped them all and exits. The supervisor never sends SIGKILL to its own
//! group: it would end itself before the reaping is done.
//!
//! Elsewhere (macOS) the supervisor keeps the older behaviour: only git-agents' death makes it
//! end the group, with SIGKILL after the grace period for it too, since nobody is left to
//! report to; otherwise git-agents' watchdog ends what is left of the group.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::{kill, killpg, Signal};
use nix::unistd::Pid;

use crate::runner::descendants;

/// How often SIGKILL is sent again, to catch what was forked since the last round.
const AGAIN: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    AgentExited,
    Asked,
    ParentDied,
}

pub struct Ending {
    group: Pid,
    grace: Duration,
    begun: AtomicBool,
    parent_died: AtomicBool,
}

impl Ending {
    pub fn new(group: Pid, grace: Duration) -> Arc<Ending> {
        Arc::new(Ending {
            group,
            grace,
            begun: AtomicBool::new(false),
            parent_died: AtomicBool::new(false),
        })
    }

    /// Start ending everything, in a thread of its own, unless that started already.
    pub fn begin(self: &Arc<Self>, why: Why) {
        if why == Why::ParentDied {
            self.parent_died.store(true, Ordering::SeqCst);
        } else if !descendants::ALL_FOUND {
            return;
        }
        if !self.begun.swap(true, Ordering::SeqCst) {
            let this = Arc::clone(self);
            std::thread::spawn(move || this.run());
        }
    }

    pub fn begun(&self) -> bool {
        self.begun.load(Ordering::SeqCst)
    }

    /// Whether this process must wait for the ending to finish it, SIGKILL to its group and
    /// all, rather than exit once its children are reaped.
    pub fn finishes_us(&self) -> bool {
        !descendants::ALL_FOUND && self.parent_died.load(Ordering::SeqCst)
    }

    fn run(&self) {
        let _ = killpg(self.group, Signal::SIGTERM);
        signal_descendants(Signal::SIGTERM);
        std::thread::sleep(self.grace);
        if !descendants::ALL_FOUND {
            let _ = killpg(self.group, Signal::SIGKILL);
            return;
        }
        // Until the reaping of the last child ends this process.
        loop {
            signal_descendants(Signal::SIGKILL);
            std::thread::sleep(AGAIN);
        }
    }
}

fn signal_descendants(signal: Signal) {
    for pid in descendants::list() {
        let _ = kill(pid, signal);
    }
}
