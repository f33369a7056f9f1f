//! Per-task locks: a spawn holds one for every task it runs, so a second spawn touching the
//! same task refuses at once. The kernel drops a lock when its holder dies (flock), and the
//! pid written inside tells who held it, so a dead holder's lock is taken over and said so.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use rayon::prelude::*;

use crate::error::{Error, Fix};

/// Locks held until dropped.
pub struct TaskLocks {
    held: Vec<Flock<File>>,
}

impl Drop for TaskLocks {
    fn drop(&mut self) {
        self.held.par_iter_mut().for_each(|lock| {
            // Empty means "released cleanly"; the flock itself goes with the file handle.
            let _ = lock.set_len(0);
        });
    }
}

/// Lock every task slug under `<state_dir>/locks`. Returns warnings about locks taken over.
///
/// The files are locked side by side; whatever the outcome, it is the one a lock taken in
/// turn would give: the first refusal in `slugs`' order, and every lock released with it.
pub fn acquire(state_dir: &Path, slugs: &[&str]) -> Result<(TaskLocks, Vec<String>)> {
    let dir = state_dir.join("locks");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let taken: Vec<Result<Taken>> = slugs
        .par_iter()
        .map(|slug| take(&dir.join(format!("{slug}.lock"))))
        .collect();
    let mut locks = TaskLocks { held: Vec::new() };
    let mut warnings = Vec::new();
    let mut refused = None;
    for (slug, taken) in slugs.iter().zip(taken) {
        match taken {
            Ok(Taken::Ours { lock, previous }) => {
                if let Some(pid) = previous.filter(|pid| *pid != std::process::id()) {
                    warnings.push(format!(
                        "{slug}: took over the lock of git-agents pid {pid}, which is no longer running"
                    ));
                }
                // Kept even after a refusal, so that dropping them empties them too.
                locks.held.push(lock);
            }
            Ok(Taken::Held(holder)) => {
                refused.get_or_insert_with(|| {
                    Error::usage(format!(
                        "task '{slug}' is being run by another git-agents ({})",
                        holder_text(holder)
                    ))
                    .with_fix(Fix::WaitForRun)
                    .into()
                });
            }
            Err(err) => {
                refused.get_or_insert(err);
            }
        }
    }
    if let Some(err) = refused {
        return Err(err);
    }
    Ok((locks, warnings))
}

/// The outcome of trying to take a pid lock file.
pub(crate) enum Taken {
    /// Ours now, with our pid written in; `previous` is the pid a dead holder left.
    Ours {
        lock: Flock<File>,
        previous: Option<u32>,
    },
    /// Another live process holds it (its pid, if it wrote one).
    Held(Option<u32>),
}

/// Take an exclusive flock on `path` without waiting, and write our pid in it.
pub(crate) fn take(path: &Path) -> Result<Taken> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
        Ok(lock) => lock,
        Err((mut file, Errno::EWOULDBLOCK)) => return Ok(Taken::Held(read_pid(&mut file))),
        Err((_, errno)) => {
            return Err(errno).with_context(|| format!("locking {}", path.display()))
        }
    };
    let previous = read_pid(&mut lock);
    write_pid(&mut lock, path)?;
    Ok(Taken::Ours { lock, previous })
}

/// Who holds a lock, for messages.
pub(crate) fn holder_text(holder: Option<u32>) -> String {
    holder.map_or_else(|| "another process".to_owned(), |pid| format!("pid {pid}"))
}

pub(crate) fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn write_pid(file: &mut File, path: &Path) -> Result<()> {
    file.set_len(0)
        .and_then(|_| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{}", std::process::id()))
        .and_then(|_| file.flush())
        .with_context(|| format!("writing {}", path.display()))
}

/// Signal 0 probes a process without touching it; EPERM still means it exists.
pub fn process_alive(pid: u32) -> bool {
    // 0 and negative values would address process groups, not a process.
    let Some(raw) = i32::try_from(pid).ok().filter(|p| *p > 0) else {
        return false;
    };
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None) {
        Ok(()) => true,
        Err(errno) => errno == nix::errno::Errno::EPERM,
    }
}
