//! git-agents' side of the supervisor (see `supervise`): started once, by the first job that
//! needs it, from a thread that lives as long as it does (Linux sends the parent-death signal
//! when the thread that started a process ends), which also reads its replies and hands each
//! to the job waiting for it.

use std::collections::HashMap;
use std::io::{self, PipeWriter};
use std::net::Shutdown;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::supervise::request::{number, Ended, Start};
use super::supervise::SUBCOMMAND;
use super::wire;

/// Each job's way to hear its replies, and what to close once it has its last one (the write
/// end of a pipe that tells its output's reader the job has ended).
type Waiting = Arc<Mutex<HashMap<u64, (Sender<Reply>, PipeWriter)>>>;

enum Reply {
    Started(i32),
    Failed(i32),
    Exited(Ended),
}

pub struct Pool {
    socket: Mutex<UnixStream>,
    waiting: Waiting,
    next: AtomicU64,
}

/// One agent the supervisor was asked to start.
pub struct Agent {
    /// Its pid, which is its process group's id; `None` when it could not be started.
    pub pid: Option<i32>,
    failed: Option<i32>,
    replies: Receiver<Reply>,
}

impl Pool {
    pub fn start(supervisor: &Path, grace: Duration) -> io::Result<Pool> {
        let (ours, theirs) = UnixStream::pair()?;
        let replies = ours.try_clone()?;
        let waiting = Waiting::default();
        let (ready, started) = mpsc::channel();
        let mut command = Command::new(supervisor);
        command
            .arg(SUBCOMMAND)
            .arg(std::process::id().to_string())
            .arg(grace.as_millis().to_string())
            .stdin(Stdio::from(OwnedFd::from(theirs)))
            .stdout(Stdio::null())
            .process_group(0);
        let routes = Arc::clone(&waiting);
        std::thread::Builder::new()
            .name("git-agents-supervisor".into())
            .spawn(move || {
                let mut child = match command.spawn() {
                    Ok(child) => child,
                    Err(err) => return drop(ready.send(Err(err))),
                };
                drop(command);
                let _ = ready.send(Ok(()));
                route(wire::Receiver::new(replies), &routes);
                let _ = child.wait();
            })?;
        started
            .recv()
            .map_err(|_| io::Error::other("the supervisor's thread ended"))??;
        Ok(Pool {
            socket: Mutex::new(ours),
            waiting,
            next: AtomicU64::new(1),
        })
    }

    /// Ask for `start` (its id is set here), its output into `output`; returns once it runs.
    /// `ended` is closed as soon as the job's end is heard, before [`Agent::wait`] is called.
    pub fn run(&self, mut start: Start, output: impl AsFd, ended: PipeWriter) -> io::Result<Agent> {
        start.id = self.next.fetch_add(1, Ordering::SeqCst);
        let (tell, replies) = mpsc::channel();
        self.waiting.lock().unwrap().insert(start.id, (tell, ended));
        let sent = wire::send(
            &self.socket.lock().unwrap(),
            &start.fields(),
            Some(output.as_fd()),
        );
        if let Err(err) = sent {
            self.waiting.lock().unwrap().remove(&start.id);
            return Err(err);
        }
        match replies.recv().map_err(|_| gone())? {
            Reply::Started(pid) => Ok(Agent {
                pid: Some(pid),
                failed: None,
                replies,
            }),
            Reply::Failed(code) => Ok(Agent {
                pid: None,
                failed: Some(code),
                replies,
            }),
            Reply::Exited(_) => Err(io::Error::other("the supervisor answered out of turn")),
        }
    }
}

impl Drop for Pool {
    /// The supervisor ends once the socket is closed.
    fn drop(&mut self) {
        let _ = self.socket.lock().unwrap().shutdown(Shutdown::Both);
    }
}

impl Agent {
    /// Wait until the agent and what it left behind are gone.
    pub fn wait(self) -> io::Result<Ended> {
        if let Some(code) = self.failed {
            return Ok(Ended::Code(code));
        }
        match self.replies.recv().map_err(|_| gone())? {
            Reply::Exited(ended) => Ok(ended),
            _ => Err(io::Error::other("the supervisor answered out of turn")),
        }
    }
}

fn gone() -> io::Error {
    io::Error::other("the supervisor ended before the agent did")
}

/// Hand every reply to its job; once the supervisor is gone, every waiting job hears so.
fn route(mut replies: wire::Receiver, waiting: &Waiting) {
    while let Ok(Some(fields)) = replies.next() {
        let Some((id, reply, last)) = parse(&fields) else {
            continue;
        };
        let mut waiting = waiting.lock().unwrap();
        if last {
            // The reply is sent before `ended` is closed: whoever sees the close finds it.
            if let Some((tell, ended)) = waiting.remove(&id) {
                let _ = tell.send(reply);
                drop(ended);
            }
        } else if let Some((tell, _)) = waiting.get(&id) {
            let _ = tell.send(reply);
        }
    }
    waiting.lock().unwrap().clear();
}

/// A reply, its job's id, and whether it is the job's last.
fn parse(fields: &[Vec<u8>]) -> Option<(u64, Reply, bool)> {
    let id = number(fields.get(1)?)?;
    let int = |i: usize| -> Option<i32> { i32::try_from(number(fields.get(i)?)?).ok() };
    Some(match fields.first()?.as_slice() {
        b"started" => (id, Reply::Started(int(2)?), false),
        b"failed" => (id, Reply::Failed(int(2)?), true),
        b"exited" => {
            let ended = match fields.get(2)?.as_slice() {
                b"code" => Ended::Code(int(3)?),
                _ => Ended::Signal(int(3)?),
            };
            (id, Reply::Exited(ended), true)
        }
        _ => return None,
    })
}
