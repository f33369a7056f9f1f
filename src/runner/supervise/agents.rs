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
    /// The running agents, by pid: their request ids.
    running: Mutex<HashMap<i32, u64>>,
    /// Wakes the reaper once there is a child again.
    started: Condvar,
    replies: Mutex<UnixStream>,
    grace: Duration,
    ending: AtomicBool,
}

impl Agents {
    pub fn new(grace: Duration, replies: UnixStream) -> Arc<Agents> {
        Arc::new(Agents {
            running: Mutex::new(HashMap::new()),
            started: Condvar::new(),
            replies: Mutex::new(replies),
            grace,
            ending: AtomicBool::new(false),
        })
    }

    /// Start one agent, its output into `output`; tell git-agents its pid, or that it failed.
    pub fn start(&self, start: Start, output: Option<OwnedFd>) {
        let id = start.id.to_string();
        let Some(output) = output else {
            return self.reply(&[b"failed".as_slice(), id.as_bytes(), b"125"]);
        };
        let output = File::from(output);
        // Held until the pid is known and told, so the reaper cannot report the end first.
        let mut running = self.running.lock().unwrap();
        if self.ending.load(Ordering::SeqCst) {
            return self.reply(&[b"failed".as_slice(), id.as_bytes(), b"125"]);
        }
        match spawn(&start, &output) {
            Ok(child) => {
                running.insert(child.id() as i32, start.id);
                self.reply(&[
                    b"started".as_slice(),
                    id.as_bytes(),
                    child.id().to_string().as_bytes(),
                ]);
                self.started.notify_one();
            }
            Err((code, reason)) => {
                let _ = writeln!(&output, "git-agents: {reason}");
                self.reply(&[
                    b"failed".as_slice(),
                    id.as_bytes(),
                    code.to_string().as_bytes(),
                ]);
            }
        }
    }

    /// Reap every child, forever; report each agent's end once what it left is gone.
    pub fn reap(self: Arc<Self>) {
        loop {
            match reap::next() {
                Reaped::Ended(pid, ended) => {
                    let id = self.running.lock().unwrap().remove(&pid.as_raw());
                    if let Some(id) = id {
                        self.ended(pid, id, ended);
                    }
                }
                Reaped::None => {
                    let running = self.running.lock().unwrap();
                    if running.is_empty() {
                        let wait = Duration::from_millis(100);
                        let _ = self.started.wait_timeout(running, wait);
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
        self.running.lock().unwrap().keys().copied().collect()
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
    if cfg!(target_os = "linux") && start.writable.is_some() {
        // Landlock confines the calling thread and what it starts from then on: a thread of
        // its own, ended right after, keeps the supervisor itself free.
        std::thread::scope(|scope| {
            scope
                .spawn(build)
                .join()
                .unwrap_or_else(|_| Err((125, "confining the agent panicked".into())))
        })
    } else {
        build()
    }
}
