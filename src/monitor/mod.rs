//! A file-system monitor that spares `status` the `lstat` of every tracked file
//! (`agents.fsmonitor`, Linux).
//!
//! An exact status must prove every tracked file unchanged, which without help takes one
//! `lstat` per file and worktree. With `agents.fsmonitor` set, `status` asks a monitor process
//! (one per repository, started by the first `status` that finds none) which paths changed
//! since its last question, and looks at only those files, the ones it could not vouch for
//! last time, and the untracked walk as before. The monitor watches each worktree with inotify
//! from the first question about it; that first answer is "look at everything".
//!
//! What the monitor cannot see, it does not vouch for: a queue overflow, a watch that cannot
//! be added (`fs.inotify.max_user_watches`), the same directory watched in two worktrees, or a
//! monitor that is new all answer "everything", and `status` then scans in full. Like git's
//! own fsmonitor it does not see writes through a shared `mmap` that are never followed by a
//! `write`, nor changes made on another machine to a network file system.
//!
//! Only `status` asks it: the checks that guard work (clean, merge, spawn) always scan in full.
//! Elsewhere than Linux there is no monitor, and `status` scans in full.

#[cfg(target_os = "linux")]
mod daemon;
#[cfg(target_os = "linux")]
mod protocol;
#[cfg(target_os = "linux")]
mod watches;

use std::path::{Path, PathBuf};

use gix::bstr::BString;

/// The hidden subcommand that starts the monitor, handled before clap.
pub const SUBCOMMAND: &str = "__monitor";

/// Held by the monitor while it runs; holds its process id.
#[cfg(target_os = "linux")]
pub(crate) const LOCK: &str = "monitor.lock";
/// Where the monitor listens, in the agents directory.
#[cfg(target_os = "linux")]
pub(crate) const SOCKET: &str = "monitor.sock";

/// What the monitor answers for one worktree: the token to ask with next time, and the paths
/// changed since the token asked with (`None`: anything may have changed).
pub(crate) struct Answer {
    pub token: Option<String>,
    pub changed: Option<Vec<BString>>,
}

/// `git-agents __monitor <agents-dir>`: start the monitor in the background and return.
pub fn main(args: &[std::ffi::OsString]) -> i32 {
    #[cfg(target_os = "linux")]
    return daemon::main(args);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = args;
        2
    }
}

/// Ask the monitor of the repository whose agents directory is `agents` about each worktree
/// (its root and the token of the last answer). `None`: no monitor answered.
pub(crate) fn ask(agents: &Path, asked: &[(PathBuf, Option<String>)]) -> Option<Vec<Answer>> {
    #[cfg(target_os = "linux")]
    {
        use std::io::{Read, Write};
        use std::time::Duration;
        let dir = open_dir(agents).ok()?;
        let stream = std::os::unix::net::UnixStream::connect(socket_path(&dir)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .ok()?;
        if !same_user(&stream) {
            return None;
        }
        (&stream).write_all(&protocol::question_bytes(asked)).ok()?;
        stream.shutdown(std::net::Shutdown::Write).ok()?;
        let mut answer = Vec::new();
        (&stream).read_to_end(&mut answer).ok()?;
        protocol::parse_answer(&answer, asked.len())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (agents, asked);
        None
    }
}

/// How long [`start`] waits for a new monitor to listen.
#[cfg(target_os = "linux")]
const START_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

/// Start a monitor for the repository whose agents directory is `agents`, in the background,
/// and wait (at most [`START_WAIT`]) until one listens. Another one already running makes the
/// new one end at once.
#[cfg(target_os = "linux")]
pub(crate) fn start(agents: &Path) {
    let Some(exe) = crate::runner::find_git_agents() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    let _ = std::process::Command::new(exe)
        .arg(SUBCOMMAND)
        .arg(agents)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .status();
    // Until it accepts: a socket file alone may be a killed monitor's.
    let Ok(dir) = open_dir(agents) else { return };
    let started = std::time::Instant::now();
    while std::os::unix::net::UnixStream::connect(socket_path(&dir)).is_err()
        && started.elapsed() < START_WAIT
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn start(_agents: &Path) {}

/// The agents directory opened for lookups only: the socket is reached through
/// `/proc/self/fd`, so its path is short whatever the repository's.
#[cfg(target_os = "linux")]
fn open_dir(agents: &Path) -> std::io::Result<std::os::fd::OwnedFd> {
    use nix::fcntl::OFlag;
    let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    Ok(nix::fcntl::open(
        agents,
        flags,
        nix::sys::stat::Mode::empty(),
    )?)
}

#[cfg(target_os = "linux")]
fn socket_path(dir: &std::os::fd::OwnedFd) -> PathBuf {
    use std::os::fd::AsRawFd;
    PathBuf::from(format!("/proc/self/fd/{}/{SOCKET}", dir.as_raw_fd()))
}

/// Whether the other end of `stream` runs as this user: no one else may answer for, or ask
/// about, this user's files.
#[cfg(target_os = "linux")]
fn same_user(stream: &std::os::unix::net::UnixStream) -> bool {
    rustix::net::sockopt::socket_peercred(stream)
        .is_ok_and(|cred| cred.uid.as_raw() == nix::unistd::getuid().as_raw())
}
