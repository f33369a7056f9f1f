//! The agents a supervisor started: starting them, hearing of their end, and ending them all.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use nix::unistd::Pid;

use super::leftovers::{self, Leftovers};
use super::reap::{self, Reaped};
use super::request::{exited, Ended, Start};
use super::{wire, MARKER};

pub struct Agents {
    state: Mutex<State>,
    /// Wakes the reaper once there is a child again.
    started: Condvar,
    replies: Mutex<UnixStream>,
    grace: Duration,
    ending: AtomicBool,
}

#[derive(Default)]
struct State {
    /// The running agents, by pid: their request ids.
    running: HashMap<i32, u64>,
    /// Agents being started, each in a thread of its own.
    starting: usize,
    /// Children reaped while agents were being started: maybe one of them, not yet known.
    early: HashMap<i32, Ended>,
}

impl Agents {
    pub fn new(grace: Duration, replies: UnixStream) -> Arc<Agents> {
        Arc::new(Agents {
            state: Mutex::new(State::default()),
            started: Condvar::new(),
            replies: Mutex::new(replies),
            grace,
            ending: AtomicBool::new(false),
        })
    }

    /// Start one agent, its output into `output`, on Linux in a thread of its own (so that
    /// starts, confinement and all, go on in parallel); tell git-agents its pid, or that it
    /// failed.
    pub fn start(self: &Arc<Self>, start: Start, output: Option<OwnedFd>) {
        let id = start.id.to_string();
        let Some(output) = output else {
            return self.reply(&[b"failed".as_slice(), id.as_bytes(), b"125"]);
        };
        if self.ending.load(Ordering::SeqCst) {
            return self.reply(&[b"failed".as_slice(), id.as_bytes(), b"125"]);
        }
        self.state.lock().unwrap().starting += 1;
        let this = Arc::clone(self);
        let run = move || {
            let output = File::from(output);
            let child = spawn(&start, &output);
            let mut state = this.state.lock().unwrap();
            state.starting -= 1;
            let ended = match &child {
                Ok(child) => {
                    let pid = child.id() as i32;
                    let early = state.early.remove(&pid);
                    if early.is_none() {
                        state.running.insert(pid, start.id);
                    }
                    // Under the lock, so the reaper cannot report the end first.
                    this.reply(&[
                        b"started".as_slice(),
                        id.as_bytes(),
                        pid.to_string().as_bytes(),
                    ]);
                    early.map(|ended| (pid, ended))
                }
                Err((code, reason)) => {
                    let _ = writeln!(&output, "git-agents: {reason}");
                    this.reply(&[
                        b"failed".as_slice(),
                        id.as_bytes(),
                        code.to_string().as_bytes(),
                    ]);
                    None
                }
            };
            if state.starting == 0 {
                // Whatever was not claimed by now was no agent's.
                state.early.clear();
            }
            drop(state);
            this.started.notify_one();
            if let Some((pid, ended)) = ended {
                this.ended(Pid::from_raw(pid), start.id, ended);
            }
        };
        // Elsewhere a descriptor is received without FD_CLOEXEC and set so after: an agent
        // started meanwhile by another thread would inherit it.
        if cfg!(target_os = "linux") {
            std::thread::spawn(run);
        } else {
            run();
        }
    }

    /// Reap every child, forever; report each agent's end once what it left is gone.
    pub fn reap(self: Arc<Self>) {
        loop {
            match reap::next() {
                Reaped::Ended(pid, ended) => {
                    let mut state = self.state.lock().unwrap();
                    match state.running.remove(&pid.as_raw()) {
                        Some(id) => {
                            drop(state);
                            self.ended(pid, id, ended);
                        }
                        None if state.starting > 0 => drop(state.early.insert(pid.as_raw(), ended)),
                        None => {}
                    }
                }
                Reaped::None => {
                    let state = self.state.lock().unwrap();
                    if state.running.is_empty() {
                        let wait = Duration::from_millis(100);
                        let _ = self.started.wait_timeout(state, wait);
                    }
                }
            }
        }
    }

    fn ended(self: &Arc<Self>, agent: Pid, id: u64, ended: Ended) {
        let left = Leftovers::of(agent, id, self.running_pids());
        if left.none() {
            return self.reply(&exited(id, ended));
        }
        let this = Arc::clone(self);
        std::thread::spawn(move || {
            left.end(this.grace, || this.running_pids());
            this.reply(&exited(id, ended));
        });
    }

    fn running_pids(&self) -> Vec<i32> {
        self.state.lock().unwrap().running.keys().copied().collect()
    }

    fn reply<F: AsRef<[u8]>>(&self, fields: &[F]) {
        // Nobody to tell once git-agents is gone; everything is being ended then anyway.
        let _ = wire::send(&self.replies.lock().unwrap(), fields, None);
    }

    /// End every agent and everything they started, then exit; once only, the other callers
    /// wait for the exit.
    pub fn end_all(&self) -> ! {
        if !self.ending.swap(true, Ordering::SeqCst) {
            let groups = self.running_pids();
            leftovers::end_everything(&groups, self.grace);
            std::process::exit(0);
        }
        loop {
            std::thread::park();
        }
    }
}

/// Start the agent in a process group of its own, confined when asked.
fn spawn(start: &Start, output: &File) -> Result<Child, (i32, String)> {
    let build = || -> Result<Child, (i32, String)> {
        let program = start.program.as_os_str();
        let mut command =
            crate::sandbox::confined_command(program, &start.argv, start.writable.as_deref())
                .map_err(|err| (125, err))?;
        let out = |file: &File| file.try_clone().map_err(|err| (125, err.to_string()));
        command
            .current_dir(&start.cwd)
            .envs(start.env.iter().map(|(k, v)| (k, v)))
            .env(MARKER, start.id.to_string())
            .stdin(Stdio::null())
            .stdout(out(output)?)
            .stderr(out(output)?)
            .process_group(0);
        command.spawn().map_err(|err| {
            let program = start.program.display();
            (127, format!("cannot run {program}: {err}"))
        })
    };
    // Landlock confines the calling thread and what it starts from then on: the thread that
    // starts this one agent, ended right after, which keeps the supervisor itself free.
    build()
}
