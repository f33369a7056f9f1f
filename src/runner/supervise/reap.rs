//! Reaping the supervisor's children: the agent, and, as a subreaper, every orphan among the
//! agent's descendants, so that none lingers as a zombie while the agent runs.

use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// Children of every kind: those started with clone() and an exit signal other than SIGCHLD
/// too, or they would neither be reaped nor counted.
#[cfg(target_os = "linux")]
const ANY_CHILD: Option<WaitPidFlag> = Some(WaitPidFlag::__WALL);
#[cfg(not(target_os = "linux"))]
const ANY_CHILD: Option<WaitPidFlag> = None;

/// Reap children until `agent` has ended; how it ended.
pub fn until(agent: Pid) -> nix::Result<WaitStatus> {
    loop {
        match waitpid(None::<Pid>, ANY_CHILD) {
            Ok(status @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..)))
                if status.pid() == Some(agent) =>
            {
                return Ok(status)
            }
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(err) => return Err(err),
        }
    }
}

/// Reap children until none is left. Once none is left, none can appear: every descendant
/// descends from a child.
pub fn all() {
    while !matches!(waitpid(None::<Pid>, ANY_CHILD), Err(err) if err != Errno::EINTR) {}
}
