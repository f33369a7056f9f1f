//! How the supervisor learns that its parent, git-agents, died (even by SIGKILL): it gets
//! [`SIGNAL`] then, and answers it by ending the agent's process group.
//!
//! - Linux: the kernel sends it (`PR_SET_PDEATHSIG`).
//! - macOS: a watcher thread waits on kqueue (`EVFILT_PROC`/`NOTE_EXIT` on the parent pid) and
//!   sends it to this process.
//! - Fallback, where kqueue is unusable and on other systems: a thread that polls `getppid()`
//!   every 200 ms, since an orphan is adopted by another process.

use nix::sys::signal::Signal;
use nix::unistd::Pid;

/// What the supervisor receives when its parent dies.
pub const SIGNAL: Signal = Signal::SIGUSR1;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux as platform;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos as platform;

#[cfg(not(target_os = "linux"))]
mod poll;
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
use poll as platform;

/// Arrange for [`SIGNAL`] when `parent` dies; false when `parent` is not (or no longer) the
/// parent of this process, or the arrangement failed.
pub fn watch(parent: Pid) -> bool {
    platform::watch(parent)
}
