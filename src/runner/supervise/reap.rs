//! Reaping the supervisor's children: the agents, and, as a subreaper, every orphan among
//! their descendants, so that none lingers as a zombie.

use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::request::Ended;

/// Children of every kind: those started with clone() and an exit signal other than SIGCHLD
/// too, or they would neither be reaped nor counted.
#[cfg(target_os = "linux")]
const ANY_CHILD: Option<WaitPidFlag> = Some(WaitPidFlag::__WALL);
#[cfg(not(target_os = "linux"))]
const ANY_CHILD: Option<WaitPidFlag> = None;

/// What reaping one child said.
pub enum Reaped {
    /// This child ended so.
    Ended(Pid, Ended),
    /// There is no child at all.
    None,
}

/// Reap the next child that ends.
pub fn next() -> Reaped {
    loop {
        match waitpid(None::<Pid>, ANY_CHILD) {
            Ok(WaitStatus::Exited(pid, code)) => return Reaped::Ended(pid, Ended::Code(code)),
            Ok(WaitStatus::Signaled(pid, signal, _)) => {
                return Reaped::Ended(pid, Ended::Signal(signal as i32))
            }
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return Reaped::None,
        }
    }
}
