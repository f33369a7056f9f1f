//! The supervisor: one long-lived process per run that starts every agent of the run.
//!
//! git-agents starts `git-agents __supervise <parent-pid> <grace-ms>` (or the small
//! `git-agents-supervise`) once, as the leader of a process group of its own, with a unix
//! socket as its stdin, and asks it over that socket to start each agent (see `request`),
//! handing it the agent's output pipe. The supervisor starts every agent in a process group
//! of its own, confined when asked (see `crate::sandbox`), and reports its pid and its end.
//!
//! However an agent ends, the supervisor ends what it left behind before reporting the end
//! (see `leftovers`); when git-agents dies, even by SIGKILL (see `parent_death`), closes the
//! socket or signals the supervisor, it ends every agent and all they started: SIGTERM, then
//! SIGKILL after the grace period. On Linux it is a subreaper, and so also reaches processes
//! that moved to another process group or session (see `descendants`).

mod agents;
mod leftovers;
mod reap;
pub(crate) mod request;

use std::ffi::OsString;
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::Duration;

use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::{descendants, parent_death, wire};
use agents::Agents;

/// The hidden subcommand name.
pub const SUBCOMMAND: &str = "__supervise";

/// The variable that tells the supervisor which agent a process it adopted came from.
pub(crate) const MARKER: &str = "GIT_AGENTS_JOB";

const PARENT_DIED: i32 = parent_death::SIGNAL as i32;

/// Run the supervisor with the arguments after the subcommand name; returns an exit code.
pub fn main(args: &[OsString]) -> i32 {
    let Some((parent, grace)) = parse(args) else {
        eprintln!("git-agents {SUBCOMMAND}: internal use only");
        return 2;
    };
    // Lead a process group of our own (git-agents starts us that way already): a Ctrl-C
    // meant for git-agents must not reach us before git-agents has had its say.
    let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
    descendants::become_subreaper();
    let socket = match std::io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => UnixStream::from(fd),
        Err(err) => {
            eprintln!("git-agents {SUBCOMMAND}: no socket to git-agents: {err}");
            return 125;
        }
    };
    let agents = match socket.try_clone() {
        Ok(replies) => Agents::new(grace, replies),
        Err(err) => {
            eprintln!("git-agents {SUBCOMMAND}: {err}");
            return 125;
        }
    };
    if let Err(code) = watch(parent, &agents) {
        return code;
    }
    let reaper = Arc::clone(&agents);
    std::thread::spawn(move || reaper.reap());
    let mut requests = wire::Receiver::new(socket);
    while let Ok(Some(fields)) = requests.next() {
        if let Some(start) = request::Start::parse(fields) {
            agents.start(start, requests.take_fd());
        }
    }
    // git-agents closed the socket, or died.
    agents.end_all()
}

/// Answer signals and the parent's death by ending everything.
fn watch(parent: i32, agents: &Arc<Agents>) -> Result<(), i32> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGHUP, PARENT_DIED]).map_err(|err| {
        eprintln!("git-agents: cannot install signal handlers: {err}");
        125
    })?;
    if !parent_death::watch(Pid::from_raw(parent)) {
        return Err(125);
    }
    let agents = Arc::clone(agents);
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            agents.end_all();
        }
    });
    Ok(())
}

/// `<parent-pid> <grace-ms>`
fn parse(args: &[OsString]) -> Option<(i32, Duration)> {
    let [parent, grace] = args else {
        return None;
    };
    let parent = parent.to_str()?.parse().ok()?;
    let grace = Duration::from_millis(grace.to_str()?.parse().ok()?);
    Some((parent, grace))
}
