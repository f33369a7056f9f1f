//! The small supervising process each agent runs under.
//!
//! git-agents starts `git-agents __supervise <parent-pid> <grace-ms> -- <program> <argv...>`
//! as the leader of a new process group; it runs the agent in that group and watches for its
//! parent's death (see `parent_death`). If git-agents is killed, even with SIGKILL, the
//! supervisor terminates the whole group: SIGTERM, then SIGKILL after the grace period.
//! With `--write PATH` options it confines the agent's writes to beneath those paths (see
//! `crate::sandbox`).

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::{killpg, Signal};
use nix::unistd::{getpgrp, Pid};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The hidden subcommand name.
pub const SUBCOMMAND: &str = "__supervise";

const PARENT_DIED: i32 = super::parent_death::SIGNAL as i32;

/// Run the supervisor with the arguments after the subcommand name; returns an exit code
/// (or ends the process with the agent's signal).
pub fn main(args: &[OsString]) -> i32 {
    let Some(parsed) = parse(args) else {
        eprintln!("git-agents {SUBCOMMAND}: internal use only");
        return 2;
    };
    let Parsed {
        parent,
        grace,
        writable,
        command,
    } = parsed;
    // Lead a process group of our own (git-agents starts us that way already): the signals
    // below go to this group, and must never reach whoever started us.
    let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
    let group = getpgrp();
    let terminate_group = move || {
        let _ = killpg(group, Signal::SIGTERM);
        std::thread::sleep(grace);
        let _ = killpg(group, Signal::SIGKILL);
    };

    // Signals sent to the whole group reach the agent directly; the supervisor stays to report.
    let mut signals = match Signals::new([SIGTERM, SIGINT, SIGHUP, PARENT_DIED]) {
        Ok(signals) => signals,
        Err(err) => {
            eprintln!("git-agents: cannot install signal handlers: {err}");
            return 125;
        }
    };
    if !super::parent_death::watch(Pid::from_raw(parent)) {
        terminate_group();
        return 125;
    }
    let parent_died = Arc::new(AtomicBool::new(false));
    {
        let parent_died = parent_died.clone();
        std::thread::spawn(move || {
            for signal in signals.forever() {
                if signal == PARENT_DIED {
                    parent_died.store(true, Ordering::SeqCst);
                    terminate_group();
                }
            }
        });
    }

    let program = &command[0];
    let mut agent =
        match crate::sandbox::confined_command(program, &command[1..], writable.as_deref()) {
            Ok(agent) => agent,
            Err(err) => {
                eprintln!("git-agents: {err}");
                return 125;
            }
        };
    let mut child = match agent.spawn() {
        Ok(child) => child,
        Err(err) => {
            eprintln!(
                "git-agents: cannot run {}: {err}",
                program.to_string_lossy()
            );
            return 127;
        }
    };
    let status = child.wait();
    if parent_died.load(Ordering::SeqCst) {
        // The signal thread finishes the group, this process included.
        loop {
            std::thread::park();
        }
    }
    exit_code(status)
}

/// End like the agent did: its exit code, or its signal.
fn exit_code(status: std::io::Result<std::process::ExitStatus>) -> i32 {
    match status {
        Ok(status) => match (status.code(), status.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => {
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                128 + signal
            }
            (None, None) => 1,
        },
        Err(_) => 1,
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
