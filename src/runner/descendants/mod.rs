//! Finding everything the agent started, so the supervisor can end it, whatever process
//! group or session it moved to.
//!
//! - Linux: the supervisor becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`): an orphan
//!   among its descendants (a double-forked daemon, say) is re-parented to it instead of to
//!   init, so the parent pids in /proc lead every descendant back to the supervisor.
//! - Elsewhere (macOS has no subreaper, and no /proc): nothing is found. A process that left
//!   the agent's process group, or was orphaned, is out of reach; only the group is ended.

use nix::unistd::Pid;

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
