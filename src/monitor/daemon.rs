//! The monitor process (Linux): `git-agents __monitor <agents-dir>` forks it and returns.
//!
//! One per repository, held by a lock on `monitor.lock` in the agents directory, serving on
//! `monitor.sock` beside it. It ends on its own: when every worktree it watched is gone, when
//! the agents directory is deleted, or after [`IDLE`] without a question.

use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::fcntl::{Flock, FlockArg};
use nix::poll::{PollFd, PollFlags, PollTimeout};

use super::protocol;
use super::watches::Watches;

/// How long the monitor waits for a question before it ends.
pub const IDLE: Duration = Duration::from_secs(60 * 60);

/// The biggest question read; a bigger one is refused.
const MOST_ASKED: u64 = 16 << 20;

/// `__monitor <agents-dir>`: start the monitor (`__monitor serve <agents-dir>`) in the
/// background and return at once (0); its parent gone, it is no one's zombie. 2 on bad
/// arguments.
pub fn main(args: &[std::ffi::OsString]) -> i32 {
    match args {
        [agents] if Path::new(agents).is_dir() => {
            let Ok(exe) = std::env::current_exe() else {
                return 1;
            };
            use std::os::unix::process::CommandExt;
            let started = std::process::Command::new(exe)
                .arg(super::SUBCOMMAND)
                .arg("serve")
                .arg(agents)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .process_group(0)
                .spawn();
            i32::from(started.is_err())
        }
        [word, agents] if word == "serve" && Path::new(agents).is_dir() => {
            // Its own session: no terminal's hangup or Ctrl-C reaches it.
            let _ = nix::unistd::setsid();
            let _ = std::env::set_current_dir("/");
            i32::from(serve(Path::new(agents)).is_err())
        }
        _ => 2,
    }
}

fn serve(agents: &Path) -> std::io::Result<()> {
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(agents.join(super::LOCK))?;
    let Ok(mut lock) = Flock::lock(lock, FlockArg::LockExclusiveNonblock) else {
        return Ok(()); // another monitor serves this repository
    };
    lock.set_len(0)?;
    writeln!(lock, "{}", std::process::id())?;
    let dir = super::open_dir(agents)?;
    let socket = super::socket_path(&dir);
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)?;
    listener.set_nonblocking(true)?;
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let instance = format!("{}.{}", std::process::id(), started.as_nanos());
    let mut watches = Watches::new(instance).map_err(std::io::Error::from)?;
    watches.watch_home(agents).map_err(std::io::Error::from)?;
    let result = run(&listener, &mut watches);
    let _ = std::fs::remove_file(&socket);
    drop(lock);
    result
}

fn run(listener: &UnixListener, watches: &mut Watches) -> std::io::Result<()> {
    let mut last_question = Instant::now();
    loop {
        let Some(left) = IDLE.checked_sub(last_question.elapsed()) else {
            return Ok(());
        };
        let mut fds = [
            PollFd::new(listener.as_fd(), PollFlags::POLLIN),
            PollFd::new(watches.inotify().as_fd(), PollFlags::POLLIN),
        ];
        match nix::poll::poll(
            &mut fds,
            PollTimeout::try_from(left).unwrap_or(PollTimeout::MAX),
        ) {
            Ok(_) | Err(nix::errno::Errno::EINTR) => {}
            Err(err) => return Err(err.into()),
        }
        watches.drain();
        if watches.all_gone() || watches.home_gone() {
            return Ok(());
        }
        while let Ok((stream, _)) = listener.accept() {
            last_question = Instant::now();
            let _ = answer(stream, watches);
        }
    }
}

/// Read one question, bring the log up to now, answer, close.
fn answer(stream: UnixStream, watches: &mut Watches) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    if !super::same_user(&stream) {
        return Ok(());
    }
    let mut asked = Vec::new();
    (&stream).take(MOST_ASKED).read_to_end(&mut asked)?;
    let Some(question) = protocol::parse_question(&asked) else {
        return Ok(());
    };
    watches.drain();
    let answers: Vec<_> = question
        .iter()
        .map(|(root, token)| watches.answer(root, token.as_deref()))
        .collect();
    (&stream).write_all(&protocol::answer_bytes(&answers))?;
    Ok(())
}
