//! The small supervising process each agent runs under.
//!
//! git-agents starts `git-agents __supervise <parent-pid> <grace-ms> -- <program> <argv...>`
//! as the leader of a new process group; it runs the agent in that group and watches for its
//! parent's death (see `parent_death`). However the agent ends, and if git-agents is killed,
//! even with SIGKILL, the supervisor ends what the agent started: SIGTERM, then SIGKILL after
//! the grace period (see `ending`). On Linux it is a subreaper, and so also reaches processes
//! that moved to another process group or session (see `descendants`).
//! With `--write PATH` options it confines the agent's writes to beneath those paths (see
//! `crate::sandbox`).

mod ending;
mod reap;

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::wait::WaitStatus;
use nix::unistd::{getpgrp, Pid};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use super::{descendants, parent_death};
use ending::{Ending, Why};

/// The hidden subcommand name.
pub const SUBCOMMAND: &str = "__supervise";

/// Whether the supervisor ends, after the grace period, everything the agent started, in any
/// process group or session. Where it does, SIGKILL to its group from outside must wait
/// longer than that, or the supervisor dies before it has reaped them.
pub const ENDS_DESCENDANTS: bool = descendants::ALL_FOUND;

const PARENT_DIED: i32 = parent_death::SIGNAL as i32;

/// Run the supervisor with the arguments after the subcommand name; returns an exit code
/// (or ends the process with the agent's signal).
pub fn main(args: &[OsString]) -> i32 {
    let Some(parsed) = parse(args) else {
        eprintln!("git-agents {SUBCOMMAND}: internal use only");
        return 2;
    };
    // Lead a process group of our own (git-agents starts us that way already): the signals
    // below go to this group, and must never reach whoever started us.
    let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
    descendants::become_subreaper();
    let ending = Ending::new(getpgrp(), parsed.grace);
    if let Err(code) = watch(parsed.parent, &ending) {
        return code;
    }
    if ending.begun() {
        return 128 + SIGTERM;
    }
    let agent = match start(&parsed) {
        Ok(agent) => agent,
        Err(code) => return code,
    };
    let status = reap::until(agent);
    ending.begin(Why::AgentExited);
    reap::all();
    if ending.finishes_us() {
        loop {
            std::thread::park();
        }
    }
    exit_code(status)
}

/// Answer signals and the parent's death by ending everything. Signals sent to the whole
/// group reach the agent directly; the supervisor stays to report.
fn watch(parent: i32, ending: &Arc<Ending>) -> Result<(), i32> {
    let mut signals = Signals::new([SIGTERM, SIGINT, SIGHUP, PARENT_DIED]).map_err(|err| {
        eprintln!("git-agents: cannot install signal handlers: {err}");
        125
    })?;
    if !parent_death::watch(Pid::from_raw(parent)) {
        return Err(125);
    }
    let ending = Arc::clone(ending);
    std::thread::spawn(move || {
        for signal in signals.forever() {
            ending.begin(match signal {
                PARENT_DIED => Why::ParentDied,
                _ => Why::Asked,
            });
        }
    });
    Ok(())
}

/// Start the agent, confined when asked; its pid, or the exit code for a failure.
fn start(parsed: &Parsed) -> Result<Pid, i32> {
    let program = &parsed.command[0];
    let writable = parsed.writable.as_deref();
    let mut agent = crate::sandbox::confined_command(program, &parsed.command[1..], writable)
        .map_err(|err| {
            eprintln!("git-agents: {err}");
            125
        })?;
    let child = agent.spawn().map_err(|err| {
        let program = program.to_string_lossy();
        eprintln!("git-agents: cannot run {program}: {err}");
        127
    })?;
    // Reaped by `reap`, with every other child; the handle is of no further use.
    Ok(Pid::from_raw(child.id() as i32))
}

/// End like the agent did: its exit code, or its signal.
fn exit_code(status: nix::Result<WaitStatus>) -> i32 {
    match status {
        Ok(WaitStatus::Exited(_, code)) => code,
        Ok(WaitStatus::Signaled(_, signal, _)) => {
            let signal = signal as i32;
            let _ = signal_hook::low_level::emulate_default_handler(signal);
            128 + signal
        }
        _ => 1,
    }
}

struct Parsed<'a> {
    parent: i32,
    grace: Duration,
    writable: Option<Vec<std::path::PathBuf>>,
    command: &'a [OsString],
}

/// `<parent-pid> <grace-ms> [--write PATH]... -- <program> <argv0> [args...]`
fn parse(args: &[OsString]) -> Option<Parsed<'_>> {
    let parent = args.first()?.to_str()?.parse().ok()?;
    let grace = Duration::from_millis(args.get(1)?.to_str()?.parse().ok()?);
    let mut writable: Option<Vec<std::path::PathBuf>> = None;
    let mut i = 2;
    while args.get(i)?.to_str() == Some("--write") {
        writable
            .get_or_insert_with(Vec::new)
            .push(args.get(i + 1)?.into());
        i += 2;
    }
    if args.get(i)?.to_str()? != "--" || args.len() < i + 3 {
        return None;
    }
    Some(Parsed {
        parent,
        grace,
        writable,
        command: &args[i + 1..],
    })
}
