//! Finding everything the agent started, so the supervisor can end it, whatever process
//! group or session it moved to.
//!
//! - Linux: the supervisor becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`): an orphan
//!   among its descendants (a double-forked daemon, say) is re-parented to it instead of to
//!   init, so the parent pids in /proc lead every descendant back to the supervisor.
//! - Elsewhere (macOS has no subreaper, and no /proc): nothing is found. A process that left
//!   the agent's process group, or was orphaned, is out of reach; only the group is ended.

use std::collections::HashMap;

use nix::unistd::Pid;

/// Every process's children, by parent pid.
pub type Tree = HashMap<i32, Vec<i32>>;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;

#[cfg(not(target_os = "linux"))]
mod platform {
    use nix::unistd::Pid;

    pub const ALL_FOUND: bool = false;

    pub fn become_subreaper() -> bool {
        false
    }

    pub fn list() -> Vec<Pid> {
        Vec::new()
    }

    pub fn children() -> Vec<Pid> {
        Vec::new()
    }

    pub fn tree() -> super::Tree {
        super::Tree::new()
    }

    pub fn group_of(_pid: Pid) -> Option<Pid> {
        None
    }

    pub fn environment_has(_pid: Pid, _entry: &str) -> bool {
        false
    }
}

/// Whether [`list`] sees every descendant, those that left the agent's process group too.
pub const ALL_FOUND: bool = platform::ALL_FOUND;

/// Have orphaned descendants re-parented to this process; false where that is impossible.
pub fn become_subreaper() -> bool {
    platform::become_subreaper()
}

/// Every descendant of this process still there (zombies included), found afresh each call.
pub fn list() -> Vec<Pid> {
    platform::list()
}

/// This process's own children, cheaply (no walk of every process): every orphan it adopted,
/// but of the children it started only those whose starting thread has ended (on Linux, the
/// others are listed under that thread).
pub fn children() -> Vec<Pid> {
    platform::children()
}

/// Every process's children, found afresh.
pub fn tree() -> Tree {
    platform::tree()
}

/// Everything below `pid` in `tree`.
pub fn below(tree: &Tree, pid: Pid) -> Vec<Pid> {
    let mut found = Vec::new();
    let mut parents = vec![pid.as_raw()];
    while let Some(parent) = parents.pop() {
        for &child in tree.get(&parent).into_iter().flatten() {
            found.push(Pid::from_raw(child));
            parents.push(child);
        }
    }
    found
}

/// The process group of `pid`, if it can be read.
pub fn group_of(pid: Pid) -> Option<Pid> {
    platform::group_of(pid)
}

/// Whether `pid` was started with `entry` (`KEY=VALUE`) in its environment.
pub fn environment_has(pid: Pid, entry: &str) -> bool {
    platform::environment_has(pid, entry)
}
